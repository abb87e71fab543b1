//! Logging to a file (never to the terminal the UI draws on).
//!
//! Default path: `$XDG_STATE_HOME/lead-triage/lead-triage.log` (else
//! `~/.local/state/lead-triage/…`), created with mode 0600 in a 0700 directory. The level comes
//! from `LEAD_TRIAGE_LOG` (an `EnvFilter` string, default `info`). If the file cannot be
//! opened the program runs without a log rather than writing to the terminal.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// The default log file path, if a home or state directory is known.
pub fn default_log_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("lead-triage").join("lead-triage.log"))
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path)
}

/// Start logging to `path` (or the default). Keep the guard alive until exit so the last
/// lines are flushed.
pub fn init(path: Option<&Path>) -> Option<WorkerGuard> {
    let path = path.map(Path::to_path_buf).or_else(default_log_path)?;
    let file = open_private(&path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter =
        EnvFilter::try_from_env("LEAD_TRIAGE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
