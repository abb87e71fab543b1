//! The configuration file: `$XDG_CONFIG_HOME/lead-triage/config.toml` (else
//! `~/.config/lead-triage/config.toml`, or `--config PATH`). Optional; every key optional.
//!
//! ```toml
//! base_url = "https://app.puffle.ai"
//! api_key = "pk_live_…"      # accepted only if the file is readable by its owner alone
//! debounce_ms = 1500
//! concurrency = 4
//! color = true               # NO_COLOR still wins
//! mouse = false              # or --mouse
//! confirm_over = 500         # bulk changes above this many leads ask first (0: never)
//! rate_limit_per_min = 100   # requests a minute for this key (Puffle's limit; 0: no pacing)
//! auto_advance = true        # a status key on a lead moves to the next one
//! prefetch = 3               # leads below the cursor whose signals the reading pane fetches ahead
//! signals_fresh_min = 15     # signals fetched less long ago are not fetched again
//! default_view = "hot"       # the saved view shown at start (or --view NAME)
//!
//! [views]                    # saved views: tabs, in this order (h/l switch); each a filter
//! hot = "status:new score:3"
//! replied = "status:contacted"
//!
//! [theme]                    # any of: accent selected pending error dim ok new contacted
//! error = "lightred"         #         dismissed unknown (names, #rrggbb or 0–255)
//!
//! [commands.crm]             # your own tools, run on the selection (or the row)
//! run = "crm-add --list hot" # sh -c; the leads as JSON lines on stdin, file in $LEAD_TRIAGE_LEADS
//! key = "ctrl-k"             # optional: one key, bound to nothing in the list
//! description = "Add to the CRM"  # optional: what the palette (`:`) says
//! interactive = false        # true: the terminal is handed over while it runs
//! ```
//!
//! Each `[commands]` entry is listed in the command palette and runs from its key; `|` runs
//! a command typed on the spot the same way (see `app::pipe` and [`commands`]). An unknown
//! field, an empty `run`, or a key bound in the list is an error naming the entry.
//!
//! Precedence: command line > environment (`PUFFLE_API_KEY`, `PUFFLE_API_BASE_URL`) > this
//! file > defaults. An invalid file (bad TOML, an unknown key, a wrong type) is an error that
//! names the file and the line; the app does not start half-configured.

pub mod commands;
pub mod paths;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::api::{ApiKey, ConfigError};

/// The configuration directory (see [`paths`] for the rule shared with the data and log).
pub fn config_dir() -> PathBuf {
    paths::app_dir_or_relative(paths::Base::Config)
}

/// The user's keymap file (optional; overrides the defaults per action).
pub fn keymap_path() -> PathBuf {
    config_dir().join("keymap.toml")
}

/// The default configuration file.
pub fn config_path() -> PathBuf {
    config_dir().join("config.toml")
}

/// What the file may hold.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    api_key: Option<String>,
    pub debounce_ms: Option<u64>,
    pub concurrency: Option<u16>,
    pub color: Option<bool>,
    pub mouse: Option<bool>,
    /// Bulk changes of more leads than this ask first (the TUI) or need `--yes` (headless
    /// commands); 0 never asks. See [`FileConfig::confirm_over`].
    pub confirm_over: Option<usize>,
    /// The request budget per minute (every request of the process, paced; 0: no pacing).
    pub rate_limit_per_min: Option<u32>,
    /// Colours per role, e.g. `error = "lightred"`.
    pub theme: Option<std::collections::BTreeMap<String, String>>,
    /// A status key on a lead moves to the next one (default on).
    pub auto_advance: Option<bool>,
    /// Leads below the cursor whose signals the reading pane fetches ahead.
    pub prefetch: Option<usize>,
    /// Signals fetched less than this many minutes ago are not fetched again.
    pub signals_fresh_min: Option<u64>,
    /// Saved views, name → filter, in the file's order.
    pub views: Option<indexmap::IndexMap<String, String>>,
    /// The saved view shown at start.
    pub default_view: Option<String>,
    /// The rep's own commands by name (see [`commands`]).
    pub commands: Option<std::collections::BTreeMap<String, commands::CommandEntry>>,
}

impl std::fmt::Debug for FileConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("debounce_ms", &self.debounce_ms)
            .field("concurrency", &self.concurrency)
            .field("color", &self.color)
            .field("mouse", &self.mouse)
            .field("confirm_over", &self.confirm_over)
            .field("rate_limit_per_min", &self.rate_limit_per_min)
            .field("theme", &self.theme)
            .field("auto_advance", &self.auto_advance)
            .field("prefetch", &self.prefetch)
            .field("signals_fresh_min", &self.signals_fresh_min)
            .field("views", &self.views)
            .field("default_view", &self.default_view)
            .field("commands", &self.commands)
            .finish()
    }
}

/// Bulk changes of more leads than this ask first, unless the file says otherwise.
pub const DEFAULT_CONFIRM_OVER: usize = 500;

impl FileConfig {
    /// How many leads one change may touch without asking: the file's `confirm_over`, else
    /// [`DEFAULT_CONFIRM_OVER`]. `None` (from `confirm_over = 0`) never asks.
    pub fn confirm_over(&self) -> Option<usize> {
        match self.confirm_over.unwrap_or(DEFAULT_CONFIRM_OVER) {
            0 => None,
            n => Some(n),
        }
    }

    /// The palette: the defaults with the `[theme]` table applied.
    pub fn palette(&self) -> Result<crate::ui::theme::Palette, String> {
        let mut p = crate::ui::theme::Palette::default();
        for (role, value) in self.theme.iter().flatten() {
            p.set(role, value)?;
        }
        Ok(p)
    }
}

/// A loaded configuration file, with where it came from.
#[derive(Clone, Debug, Default)]
pub struct LoadedConfig {
    pub file: FileConfig,
    /// The file may hold a key: it is readable by its owner alone.
    private: bool,
}

/// Why the configuration file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("{path}: could not read it: {message}")]
    Read { path: String, message: String },
    #[error("{path}, line {line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Value { path: String, message: String },
    #[error(
        "{path} holds an API key but other users can read it (mode {mode:o}); run `chmod 600 {path}` or move the key to PUFFLE_API_KEY"
    )]
    KeyNotPrivate { path: String, mode: u32 },
}

/// 1-based line of a byte offset in a TOML text (for the spans `toml` errors and tables
/// carry); an offset past the end counts as the last line. Shared with the keymap file.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    memchr::memchr_iter(b'\n', &text.as_bytes()[..end]).count() + 1
}

/// Parse the text of a configuration file; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<FileConfig, FileError> {
    let file: FileConfig = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        let entry = (e.span()).and_then(|s| commands::entry_at(text, s.start));
        // Long enough for the list of every accepted key.
        let message = crate::text::sanitize_line(e.message(), 800);
        FileError::Invalid {
            path: origin.to_owned(),
            line,
            message: match entry {
                Some(name) => format!("commands.{name}: {message}"),
                None => message,
            },
        }
    })?;
    let bad = |message: String| FileError::Value {
        path: origin.to_owned(),
        message,
    };
    if let Some(url) = &file.base_url {
        crate::api::config::validate_base_url(url).map_err(|e| bad(format!("base_url: {e}")))?;
    }
    if let Some(key) = &file.api_key {
        ApiKey::new(key).map_err(|e| bad(format!("api_key: {e}")))?;
    }
    if file.concurrency.is_some_and(|c| !(1..=32).contains(&c)) {
        return Err(bad("concurrency: must be between 1 and 32".into()));
    }
    file.palette().map_err(|e| bad(format!("theme: {e}")))?;
    for (name, entry) in file.commands.iter().flatten() {
        commands::check(name, entry).map_err(bad)?;
    }
    Ok(file)
}

/// Load the file at `path` if it exists (a missing file is an empty configuration).
pub fn load(path: &Path) -> Result<LoadedConfig, FileError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LoadedConfig::default()),
        Err(e) => {
            return Err(FileError::Read {
                path: shown,
                message: e.to_string(),
            });
        }
    };
    let file = parse(&text, &shown)?;
    let mode = file_mode(path);
    let private = mode.is_none_or(|m| m & 0o077 == 0);
    if file.api_key.is_some() && !private {
        return Err(FileError::KeyNotPrivate {
            path: shown,
            mode: mode.unwrap_or(0) & 0o777,
        });
    }
    Ok(LoadedConfig { file, private })
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

impl LoadedConfig {
    /// The key: `PUFFLE_API_KEY` first, then the (private) file.
    pub fn api_key(&self) -> Result<ApiKey, ConfigError> {
        match ApiKey::from_env() {
            Err(ConfigError::MissingKey) => match (&self.file.api_key, self.private) {
                (Some(k), true) => ApiKey::new(k),
                _ => Err(ConfigError::MissingKey),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_file_and_redacted_debug() {
        let f = parse(
            "base_url = \"https://app.puffle.ai\"\napi_key = \"pk_live_SECRET\"\ndebounce_ms = 800\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(f.debounce_ms, Some(800));
        assert!(!format!("{f:?}").contains("SECRET"));
        assert_eq!(f.confirm_over(), Some(DEFAULT_CONFIRM_OVER));
        assert_eq!(
            parse("confirm_over = 5\n", "c.toml")
                .unwrap()
                .confirm_over(),
            Some(5)
        );
        assert_eq!(
            parse("confirm_over = 0\n", "c.toml")
                .unwrap()
                .confirm_over(),
            None
        );
        let e = parse("confirm_over = -1\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse("debounce_ms = 5\ncolour = true\n", "/x/config.toml").unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("/x/config.toml, line 2:"), "{msg}");
        assert!(msg.contains("colour"), "{msg}");
        let e = parse("debounce_ms = \"soon\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        let e = parse("base_url = [\n", "c.toml").unwrap_err();
        assert!(matches!(e, FileError::Invalid { .. }));
        let e = parse("base_url = \"http://example.com\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("unencrypted"), "{e}");
        let e = parse("concurrency = 0\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("between 1 and 32"));
        let e = parse("[theme]\nerror = \"blurple\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("not a colour"), "{e}");
        let e = parse("[commands.crm]\nrun = \"x\"\nkeys = \"ctrl-k\"\n", "c.toml").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("line 3") && msg.contains("commands.crm"),
            "{msg}"
        );
        let e = parse("[commands.crm]\nrun = \"\"\n", "c.toml").unwrap_err();
        assert!(
            e.to_string().contains("commands.crm: `run` is empty"),
            "{e}"
        );
        let ok = parse(
            "[commands.crm]\nrun = \"cat\"\nkey = \"ctrl-k\"\ninteractive = true\n",
            "c.toml",
        )
        .unwrap();
        assert!(ok.commands.unwrap()["crm"].interactive);
        let e = parse("[theme]\nborder = \"red\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("unknown theme role"), "{e}");
        let ok = parse(
            "[theme]\nerror = \"lightred\"\nnew = \"#00aaff\"\n",
            "c.toml",
        )
        .unwrap();
        let p = ok.palette().unwrap();
        assert_eq!(p.error, ratatui::style::Color::LightRed);
        assert_eq!(
            p.status[crate::api::Status::New.index()],
            ratatui::style::Color::Rgb(0, 0xaa, 0xff)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_key_in_a_readable_file_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "api_key = \"pk_live_abc\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(&path).unwrap_err();
        assert!(e.to_string().contains("chmod 600"), "{e}");
        assert!(!e.to_string().contains("pk_live_abc"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let c = load(&path).unwrap();
        assert_eq!(c.file.base_url, None);
        // Without a key in the file, loose permissions are fine.
        std::fs::write(&path, "debounce_ms = 10\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load(&path).unwrap().file.debounce_ms, Some(10));
        let absent = load(&dir.path().join("absent.toml")).unwrap();
        assert_eq!(absent.file.debounce_ms, None, "no file: the defaults");
    }
}
