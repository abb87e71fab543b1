//! Where the client talks to and with which key: validation of `PUFFLE_API_BASE_URL` /
//! `--base-url` and the redacting key type.

use std::net::IpAddr;

use reqwest::Url;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://app.puffle.ai";
/// Environment variable holding the API key (the same as Puffle's own CLI).
pub const KEY_ENV: &str = "PUFFLE_API_KEY";
/// Environment variable overriding the base URL (the same as Puffle's own CLI).
pub const BASE_URL_ENV: &str = "PUFFLE_API_BASE_URL";

/// A Puffle API key. It is only readable through [`ApiKey::expose`]; `Debug` prints a
/// placeholder and there is no `Display`, so it cannot end up in logs or error messages by
/// accident.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Why a configuration value was refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error(
        "no API key: set {KEY_ENV} to your Puffle API key (it starts with pk_live_), or run `lead-triage --demo` to try the app without an account"
    )]
    MissingKey,
    #[error("{KEY_ENV} is not a usable key: it must be one line of printable ASCII with no spaces")]
    MalformedKey,
    #[error("base URL {url:?} is not a valid URL: {reason}")]
    BadUrl { url: String, reason: String },
    #[error(
        "refusing plain http:// to {host}: the API key would travel unencrypted. Use https://, or http:// only for a server on this machine (localhost, 127.0.0.1, ::1)"
    )]
    InsecureUrl { host: String },
    #[error("base URL scheme {0:?} is not supported; use https://")]
    BadScheme(String),
}

impl ApiKey {
    /// Accept a key: one line of visible ASCII (it goes into an HTTP header).
    pub fn new(raw: &str) -> Result<ApiKey, ConfigError> {
        let key = raw.trim();
        if key.is_empty() {
            return Err(ConfigError::MissingKey);
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::MalformedKey);
        }
        Ok(ApiKey(key.to_owned()))
    }

    /// Read `PUFFLE_API_KEY`.
    pub fn from_env() -> Result<ApiKey, ConfigError> {
        match std::env::var(KEY_ENV) {
            Ok(v) => ApiKey::new(&v),
            Err(std::env::VarError::NotPresent) => Err(ConfigError::MissingKey),
            Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::MalformedKey),
        }
    }

    /// The secret itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stable, non-reversible fingerprint (FNV-1a 64 over the key, hex), used to keep one
    /// local namespace per account without storing the key.
    pub fn fingerprint(&self) -> String {
        use std::hash::Hasher;
        let mut h = fnv::FnvHasher::default();
        h.write(self.0.as_bytes());
        format!("{:016x}", h.finish())
    }
}

/// True for hosts that never leave this machine.
pub fn is_loopback_host(host: &url::Host<String>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        url::Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Validate a base URL: https anywhere, http only for loopback hosts.
pub fn validate_base_url(raw: &str) -> Result<Url, ConfigError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|e| ConfigError::BadUrl {
        url: trimmed.to_owned(),
        reason: e.to_string(),
    })?;
    let host = url
        .host()
        .map(|h| h.to_owned())
        .ok_or_else(|| ConfigError::BadUrl {
            url: trimmed.to_owned(),
            reason: "no host".into(),
        })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => {
            return Err(ConfigError::InsecureUrl {
                host: host.to_string(),
            });
        }
        other => return Err(ConfigError::BadScheme(other.to_owned())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::BadUrl {
            url: "(hidden: it contains credentials)".into(),
            reason: "credentials in the URL are not allowed; use PUFFLE_API_KEY".into(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://app.puffle.ai",
            "http://127.0.0.1:8080",
            "http://localhost:3000/",
            "http://[::1]:9000",
            "http://127.1.2.3",
        ] {
            assert!(validate_base_url(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused_with_reason() {
        let err = validate_base_url("http://app.puffle.ai").unwrap_err();
        assert!(matches!(err, ConfigError::InsecureUrl { .. }));
        assert!(err.to_string().contains("unencrypted"));
        assert!(validate_base_url("http://10.0.0.5").is_err());
        assert!(validate_base_url("http://localhost.evil.com").is_err());
        assert!(matches!(
            validate_base_url("ftp://x.y"),
            Err(ConfigError::BadScheme(_))
        ));
        assert!(validate_base_url("not a url").is_err());
        assert!(validate_base_url("https://user:pw@app.puffle.ai").is_err());
    }

    #[test]
    fn key_is_redacted_and_validated() {
        let k = ApiKey::new("pk_live_secret123").unwrap();
        assert!(!format!("{k:?}").contains("secret"));
        assert_eq!(k.expose(), "pk_live_secret123");
        assert_eq!(k.fingerprint().len(), 16);
        assert!(!k.fingerprint().contains("secret"));
        assert_eq!(ApiKey::new("  "), Err(ConfigError::MissingKey));
        assert_eq!(ApiKey::new("pk live"), Err(ConfigError::MalformedKey));
    }
}
