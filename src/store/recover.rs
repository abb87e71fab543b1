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
    /// Why the store was judged damaged.
    pub problem: String,
}

impl Recovered {
    /// One line for the rep.
    pub fn describe(&self) -> String {
        let lost = if self.lost > 0 {
            format!(
                "; {} change{} could not be read",
                self.lost,
                if self.lost == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        format!(
            "the local store was damaged ({}); moved to {}; {} queued change{} recovered{lost}",
            self.problem,
            self.moved_to.display(),
            self.changes,
            if self.changes == 1 { "" } else { "s" }
        )
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
        // Read what can be read, without writing to the damaged file.
        let (rows, lost) = match rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        ) {
            Ok(conn) => {
                let mut damaged = Store {
                    conn,
                    path: path.to_owned(),
                    known: Default::default(),
                    token: super::outbox::process_token(),
                };
                damaged.read_outbox(true).unwrap_or_default()
            }
            Err(_) => (Vec::new(), 0),
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
