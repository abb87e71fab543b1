//! Opening a store that may be damaged. At start the file is checked (`PRAGMA quick_check`);
//! a damaged store is never written to again: what can be read of its outbox is recovered
//! into a fresh store, the damaged file is moved aside, and the caller is told where it went.

use std::path::{Path, PathBuf};

use super::{OutboxOp, Store, StoreError, unix_now};

/// What recovering a damaged store did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Where the damaged file now is.
    pub moved_to: PathBuf,
    /// Queued changes read back and kept in the new store.
    pub changes: usize,
    /// Outbox rows that could not be read.
    pub lost: usize,
    /// The outbox could not be read at all: how many changes it held is unknown.
    pub outbox_unreadable: bool,
    /// Why the store was judged damaged.
    pub problem: String,
}

impl Recovered {
    /// One line for the rep, the counts first; `full_path` names the moved file by its whole
    /// path (stderr), else by its name beside the store (a one-line banner).
    pub fn describe(&self, full_path: bool) -> String {
        let counts = if self.outbox_unreadable {
            "its queued changes could not be read".to_owned()
        } else if self.lost > 0 {
            format!(
                "{} queued change{} recovered, {} could not be read",
                self.changes,
                if self.changes == 1 { "" } else { "s" },
                self.lost
            )
        } else {
            format!(
                "{} queued change{} recovered",
                self.changes,
                if self.changes == 1 { "" } else { "s" }
            )
        };
        let moved = if full_path {
            format!("moved to {}", self.moved_to.display())
        } else {
            // Beside the store, same name plus this suffix (the log has the whole path).
            let name = self
                .moved_to
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let suffix = name
                .rfind(".damaged-")
                .map_or(name.as_str(), |i| &name[i..]);
            format!("moved aside as …{suffix} beside it")
        };
        format!("local store damaged: {counts}; {moved} ({})", self.problem)
    }
}

/// Is this error a sign of a damaged file (rather than, say, a full disk or a lock)?
fn is_damage(e: &StoreError) -> bool {
    match e {
        StoreError::Sqlite { source, .. } => matches!(
            source.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        ),
        _ => false,
    }
}

/// `PRAGMA quick_check`: `None` when the file is sound, else the first problem.
fn check(store: &Store) -> Result<Option<String>, StoreError> {
    let first: String = store
        .conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(|e| store.err(e))?;
    Ok((first != "ok").then(|| crate::text::sanitize_line(&first, 120)))
}

impl Store {
    /// Open the store at `path`; if it is damaged, recover it (see the module docs).
    pub fn open_checked(path: &Path) -> Result<(Store, Option<Recovered>), StoreError> {
        let problem = match Store::open(path) {
            Ok(store) => match check(&store) {
                Ok(None) => return Ok((store, None)),
                Ok(Some(problem)) => problem,
                Err(e) if is_damage(&e) => e.short(),
                Err(e) => return Err(e),
            },
            Err(e) if is_damage(&e) => e.short(),
            Err(e) => return Err(e),
        };
        tracing::error!(path = %path.display(), problem, "the local store is damaged; recovering");
        let problem = problem.chars().take(60).collect::<String>();
        // Read what can be read, without writing to the damaged file.
        let read =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| e.to_string())
                .and_then(|conn| {
                    let mut damaged = Store {
                        conn,
                        path: path.to_owned(),
                        known: Default::default(),
                        token: super::outbox::process_token(),
                    };
                    damaged.read_outbox(true).map_err(|e| e.short())
                });
        let (rows, lost, outbox_unreadable) = match read {
            Ok((rows, lost)) => (rows, lost, false),
            Err(e) => {
                tracing::error!(error = %e, "the damaged store's outbox cannot be read");
                (Vec::new(), 0, true)
            }
        };
        let moved_to = aside(path)?;
        let mut store = Store::open(path)?;
        let changes = rows.len();
        let ops: Vec<OutboxOp> = rows.into_iter().map(OutboxOp::Put).collect();
        store.write_outbox(&ops)?;
        Ok((
            store,
            Some(Recovered {
                moved_to,
                changes,
                lost,
                outbox_unreadable,
                problem,
            }),
        ))
    }
}

/// Move the file and its WAL side files to `<name>.damaged-<unix seconds>`.
fn aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = unix_now();
    let mut target = path.as_os_str().to_owned();
    target.push(format!(".damaged-{stamp}"));
    let target = PathBuf::from(target);
    for side in ["", "-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(side);
        let mut to = target.as_os_str().to_owned();
        to.push(side);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !side.is_empty() => {}
            Err(e) => {
                return Err(StoreError::Io {
                    path: path.display().to_string(),
                    message: format!("could not move the damaged store aside: {e}"),
                });
            }
        }
    }
    Ok(target)
}
