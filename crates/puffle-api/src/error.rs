//! Typed errors of the API client. Messages never contain the API key, and any text that came
//! from the server has been sanitized by `parse.rs` before it gets here.

use std::time::Duration;

/// Why a request to Puffle did not give a usable answer.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the key is missing, malformed or revoked. Never retried.
    #[error(
        "Puffle rejected the API key (401). Check PUFFLE_API_KEY: create or copy a key in the Puffle dashboard (Settings → API) and export it.{}",
        fmt_said(.message)
    )]
    Unauthorized { message: Option<String> },
    /// 403: a valid key that may not do this.
    #[error("Puffle refused the request (403 forbidden{})", fmt_detail(.message))]
    Forbidden { message: Option<String> },
    /// 400/422: the request itself is wrong; retrying will not help.
    #[error("Puffle rejected the request ({status} {code}{})", fmt_detail(.message))]
    Invalid {
        status: u16,
        code: String,
        message: Option<String>,
    },
    /// 429, with the server's `Retry-After` when it sent one.
    #[error("rate limited by Puffle (429){}", fmt_retry(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, with the server's `Retry-After` when it sent one (a 503 often does).
    #[error("Puffle server error ({status}{}){}", fmt_detail(.message), fmt_retry(.retry_after))]
    Server {
        status: u16,
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    /// 413: the request body is larger than the server accepts. Nothing was applied; a smaller
    /// request may pass.
    #[error("Puffle refused the request as too large (413{})", fmt_detail(.message))]
    PayloadTooLarge { message: Option<String> },
    /// Any other unexpected HTTP status (3xx, 404, …).
    #[error("unexpected HTTP status {status}{}", fmt_detail(.message))]
    Http {
        status: u16,
        message: Option<String>,
    },
    /// No answer within the client timeout. The outcome of a PATCH is unknown.
    #[error("request to Puffle timed out")]
    Timeout,
    /// Could not reach the server at all.
    #[error("could not connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    /// The connection broke while sending or receiving.
    #[error("connection to Puffle lost: {0}")]
    Network(String),
    /// A 200 whose body we could not use.
    #[error("unexpected response from Puffle: {0}")]
    Malformed(String),
    /// A listing the server cannot finish (a repeated cursor, no end): asking again would not
    /// help, so it is not retried.
    #[error("unexpected response from Puffle: {0}")]
    Broken(String),
    /// Not sent at all, for a local reason (the outbox could not be written or read): nothing
    /// reached Puffle, so the outcome is known; retried with the backoff.
    #[error("not sent: {0}")]
    NotSent(String),
    /// The body exceeded the size we accept for one response.
    #[error("response from Puffle exceeded {0} bytes; refused")]
    TooLarge(usize),
}

fn fmt_detail(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

/// The server's own words, after the fix (so a cut line still shows what to do).
fn fmt_said(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(" Puffle said: {m}"),
        _ => String::new(),
    }
}

fn fmt_retry(d: &Option<Duration>) -> String {
    match d {
        Some(d) => format!(", retry after {} s", d.as_secs()),
        None => String::new(),
    }
}

impl ApiError {
    /// Worth retrying later with the same request (status changes are absolute, so a
    /// repeated PATCH is harmless).
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::RateLimited { .. }
            | ApiError::Server { .. }
            | ApiError::Timeout
            | ApiError::Connect { .. }
            | ApiError::Network(_)
            | ApiError::NotSent(_)
            | ApiError::Malformed(_) => true,
            ApiError::Http { status, .. } => *status == 408,
            ApiError::Unauthorized { .. }
            | ApiError::Forbidden { .. }
            | ApiError::Invalid { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::Broken(_)
            | ApiError::TooLarge(_) => false,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::RateLimited { retry_after } | ApiError::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// A short machine-readable code, used for per-item errors in headless output and rows.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized { .. } => "unauthorized",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::Invalid { .. } => "invalid_request",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Server { .. } => "server_error",
            ApiError::Http { .. } => "http_error",
            ApiError::Timeout => "timeout",
            ApiError::Connect { .. } => "unreachable",
            ApiError::Network(_) => "connection_lost",
            ApiError::Malformed(_) | ApiError::Broken(_) => "bad_response",
            ApiError::NotSent(_) => "not_sent",
            ApiError::TooLarge(_) => "response_too_large",
        }
    }

    /// The server refused this request's size or shape as a whole (413, or a 400/422 about the
    /// whole request): a smaller request (fewer items, a smaller page) may be accepted.
    pub fn rejects_size(&self) -> bool {
        matches!(
            self,
            ApiError::PayloadTooLarge { .. }
                | ApiError::Invalid {
                    status: 400 | 422,
                    ..
                }
        )
    }

    /// True when the error means "we are offline" rather than "the server said no".
    pub fn is_offline(&self) -> bool {
        matches!(self, ApiError::Connect { .. } | ApiError::Timeout)
    }
}

/// Parse a `Retry-After` value: delta-seconds, or an HTTP date (RFC 9110 §10.2.3).
/// Absurd values are clamped to one hour; dates in the past give zero.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(3600);
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(MAX.as_secs_f64())));
        }
        return None;
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO).min(MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
        assert_eq!(parse_retry_after("8", now), Some(Duration::from_secs(8)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("999999", now),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        let _ = SystemTime::now();
    }

    #[test]
    fn unauthorized_names_the_variable() {
        let e = ApiError::Unauthorized { message: None };
        assert!(e.to_string().contains("PUFFLE_API_KEY"));
        assert!(!e.is_retryable());
        assert!(ApiError::RateLimited { retry_after: None }.is_retryable());
    }
}
