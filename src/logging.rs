//! Logging to a file (never to the terminal the UI draws on).
//!
//! Default path: `$XDG_STATE_HOME/lead-triage/lead-triage.log` (else
//! `~/.local/state/lead-triage/…`), mode 0600 in a 0700 directory (an existing file or
//! directory of ours with wider modes is tightened). A log over 5 MiB at start is renamed to
//! `lead-triage.log.1` (replacing the older one) and a new log begun. The level comes
//! from `LEAD_TRIAGE_LOG` (an `EnvFilter` string, default `info`). If the file cannot be
//! opened the program runs without a log rather than writing to the terminal.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::fsperm;

/// The default log file path, if a home or state directory is known.
/// (The rule is [`crate::config::paths`], shared with the configuration and the data.)
pub fn default_log_path() -> Option<PathBuf> {
    let dir = crate::config::paths::app_dir(crate::config::paths::Base::State)?;
    Some(dir.join("lead-triage.log"))
}

/// Size beyond which the log is rotated at start.
pub const ROTATE_BYTES: u64 = 5 * 1024 * 1024;

/// The path of the previous log, `<log>.1`.
pub fn rotated_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// Open the log for appending, in a private directory, as a private file (both tightened if
/// they already exist). A log over `rotate_bytes` is first renamed to `<log>.1`, replacing an
/// older one, so the log never grows past one session's worth over the threshold.
fn open_private(path: &Path, rotate_bytes: u64) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        fsperm::private_dir(dir)?;
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() > rotate_bytes => {
            let old = rotated_path(path);
            std::fs::rename(path, &old)?;
            fsperm::private_file(&old)?;
        }
        _ => {}
    }
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, fsperm::FILE_MODE);
    let file = opts.open(path)?;
    fsperm::private_file(path)?;
    Ok(file)
}

/// Start logging to `path` (or the default). Keep the guard alive until exit so the last
/// lines are flushed.
pub fn init(path: Option<&Path>) -> Option<WorkerGuard> {
    let path = path.map(Path::to_path_buf).or_else(default_log_path)?;
    let file = open_private(&path, ROTATE_BYTES).ok()?;
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

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn an_open_existing_directory_and_log_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("lead-triage");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let log = dir.join("lead-triage.log");
        std::fs::write(&log, b"old line\n").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut f = open_private(&log, ROTATE_BYTES).unwrap();
        f.write_all(b"new line\n").unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&log), 0o600);
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "old line\nnew line\n"
        );
    }

    #[test]
    fn a_new_log_is_private() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("a/b/lead-triage.log");
        open_private(&log, ROTATE_BYTES).unwrap();
        assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
        assert_eq!(mode(&log), 0o600);
    }

    #[test]
    fn a_log_over_the_threshold_is_rotated_replacing_the_older_one() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("lead-triage.log");
        let old = rotated_path(&log);
        assert_eq!(old, tmp.path().join("lead-triage.log.1"));
        std::fs::write(&old, b"oldest").unwrap();
        std::fs::write(&log, vec![b'x'; 101]).unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();

        let mut f = open_private(&log, 100).unwrap();
        f.write_all(b"fresh\n").unwrap();
        assert_eq!(std::fs::read_to_string(&log).unwrap(), "fresh\n");
        assert_eq!(std::fs::read(&old).unwrap(), vec![b'x'; 101], ".1 replaced");
        assert_eq!(mode(&old), 0o600);
        assert_eq!(mode(&log), 0o600);
    }

    #[test]
    fn a_log_at_or_under_the_threshold_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("lead-triage.log");
        std::fs::write(&log, vec![b'x'; 100]).unwrap();
        let mut f = open_private(&log, 100).unwrap();
        f.write_all(b"y").unwrap();
        assert_eq!(std::fs::metadata(&log).unwrap().len(), 101, "appended");
        assert!(!rotated_path(&log).exists());
    }
}
