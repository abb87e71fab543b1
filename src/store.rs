//! The local store: a SQLite file per base URL and account holding the outbox (changes not
//! yet confirmed by Puffle) and the lead cache (the last listing of each view).
//!
//! * WAL mode with `synchronous=FULL`: a committed change survives a crash or power loss.
//! * Schema versioned with `PRAGMA user_version`; migrations run at open.
//! * The file lives in `$XDG_DATA_HOME/lead-triage/` (or `--data-dir`), mode 0600 in a 0700
//!   directory. Its name holds a fingerprint of the base URL and of the key, never the key.
//! * The outbox holds one row per lead with its newest intended status: a row is written before
//!   the change shows as pending and deleted only when the server confirmed it (or the rep
//!   cancelled or undid it). A refused change keeps its error until retried, changed or undone.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::api::{ApiKey, GroupBy, Lead, Status};

mod outbox;
mod recover;
mod signal_cache;
mod signal_outbox;
pub use outbox::Claim;
pub use recover::Recovered;
pub use signal_outbox::SignalOutboxRow;

/// Current schema version.
const SCHEMA_VERSION: i64 = 5;

/// Leads per cache row: small enough that the first rows load in a few milliseconds, so the
/// first frame never waits for a large cache.
pub const CACHE_CHUNK: usize = 2000;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("local store {path}: {message}")]
    Io { path: String, message: String },
    #[error(
        "local store {path} has schema version {found}, newer than this lead-triage ({SCHEMA_VERSION}); upgrade lead-triage"
    )]
    TooNew { path: String, found: i64 },
}

/// One queued change as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: Uuid,
    pub group: GroupBy,
    /// The status to send.
    pub status: Status,
    /// The status the server had confirmed when the change was made.
    pub confirmed: Status,
    /// A refusal kept until the change is retried, changed or undone.
    pub error: Option<String>,
    /// Queue order.
    pub seq: u64,
}

/// A write to the outbox. Several processes may share one store (two TUIs, a TUI and `sync`):
/// every row carries a version, and only [`OutboxOp::Put`] (a new intent) writes over a row
/// regardless of it. The other writes apply only while the row still holds the version this
/// process last wrote or read, so nothing here overwrites or removes a newer intent of another
/// process. See `docs/architecture.md`, "One store, several processes".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxOp {
    /// A new intent of the rep: written with a new version.
    Put(OutboxRow),
    /// The same intent in a new state (refused with an error, back to pending, a new confirmed
    /// status): written only if the row still holds our version.
    Update(OutboxRow),
    /// Puffle confirmed the intent: the row is marked applied (and kept a while, so another
    /// process holding the same intent learns the outcome), if it still holds our version.
    Applied(Uuid),
    /// Cancelled or undone: removed, if it still holds our version.
    Delete(Uuid),
    /// Cancelled back to `row.status` (the status it had): removed like [`OutboxOp::Delete`];
    /// but if another process already sent (or is sending) the change, removing it would
    /// leave the lead changed, so the cancel is written as a new intent back to `row.status`
    /// and reported by `write_outbox`, to be queued again.
    Cancel(OutboxRow),
}

impl OutboxOp {
    /// The lead written.
    pub fn id(&self) -> Uuid {
        match self {
            OutboxOp::Put(r) | OutboxOp::Update(r) | OutboxOp::Cancel(r) => r.id,
            OutboxOp::Applied(id) | OutboxOp::Delete(id) => *id,
        }
    }
}

impl StoreError {
    /// The cause without the path (for a banner that has little room).
    pub fn short(&self) -> String {
        match self {
            StoreError::Sqlite { source, .. } => source.to_string(),
            StoreError::Io { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }
}

/// A cached listing.
#[derive(Debug)]
pub struct CachedLeads {
    pub leads: Vec<Lead>,
    /// Unix seconds when it was saved.
    pub saved_at: u64,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The version of each outbox row as this process last wrote or read it.
    known: std::collections::HashMap<Uuid, i64>,
    /// Names this process in the claims it holds on rows being sent (`pid:nonce`).
    token: String,
}

fn group_name(g: GroupBy) -> &'static str {
    g.as_str()
}

fn group_from(s: &str) -> GroupBy {
    if s == "company" {
        GroupBy::Company
    } else {
        GroupBy::Person
    }
}

/// FNV-1a 64 of a string's bytes, hex (the `fnv` crate, as the key fingerprint uses). Store
/// file names depend on it: `fnv_is_fnv1a_64` pins the output.
fn fnv(s: &str) -> String {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(s.as_bytes());
    format!("{:016x}", h.finish())
}

/// The default data directory.
/// (The rule is [`crate::config::paths`], shared with the configuration and the log.)
pub fn default_data_dir() -> PathBuf {
    crate::config::paths::app_dir_or_relative(crate::config::paths::Base::Data)
}

/// The store file for a base URL (or `demo`) and a key.
pub fn namespace_file(data_dir: &Path, base: &str, key: &ApiKey) -> PathBuf {
    let base = base.trim_end_matches('/').to_ascii_lowercase();
    data_dir.join(format!(
        "store-{}-{}.sqlite3",
        fnv(&base),
        key.fingerprint()
    ))
}

impl Store {
    /// Open (creating if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let shown = path.display().to_string();
        let io = |e: std::io::Error| StoreError::Io {
            path: shown.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            crate::fsperm::private_dir(dir).map_err(io)?;
        }
        if !path.exists() {
            let mut o = std::fs::OpenOptions::new();
            o.create(true).truncate(false).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            o.open(path).map_err(io)?;
        }
        let sql = |source| StoreError::Sqlite {
            path: shown.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .map_err(sql)?;
        // New -wal/-shm files take the file's mode; older ones, or a file left open, are tightened.
        for side in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(side);
            crate::fsperm::private_file(Path::new(&p)).map_err(io)?;
        }
        let mut store = Store {
            conn,
            path: path.to_owned(),
            known: std::collections::HashMap::new(),
            token: outbox::process_token(),
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.display().to_string(),
                found: version,
            });
        }
        if version < 1 {
            self.conn
                .execute_batch(
                    "BEGIN;
                     CREATE TABLE IF NOT EXISTS outbox (
                        lead_id    TEXT PRIMARY KEY,
                        grp        TEXT NOT NULL,
                        status     TEXT NOT NULL,
                        confirmed  TEXT NOT NULL,
                        error      TEXT,
                        seq        INTEGER NOT NULL
                     );
                     CREATE TABLE IF NOT EXISTS lead_cache (
                        grp        TEXT PRIMARY KEY,
                        saved_at   INTEGER NOT NULL,
                        leads      BLOB NOT NULL
                     );
                     PRAGMA user_version = 1;
                     COMMIT;",
                )
                .map_err(|e| self.err(e))?;
        }
        if version < 2 {
            // v2: the cache is stored in chunks (it is only a cache: the old one is dropped).
            self.conn
                .execute_batch(
                    "BEGIN;
                     DROP TABLE IF EXISTS lead_cache;
                     CREATE TABLE lead_cache (
                        grp        TEXT NOT NULL,
                        chunk      INTEGER NOT NULL,
                        saved_at   INTEGER NOT NULL,
                        leads      BLOB NOT NULL,
                        PRIMARY KEY (grp, chunk)
                     );
                     PRAGMA user_version = 2;
                     COMMIT;",
                )
                .map_err(|e| self.err(e))?;
        }
        if version < 3 {
            // v3: rows carry a version and a claim, so several processes can share the outbox.
            self.conn
                .execute_batch(
                    "BEGIN;
                     ALTER TABLE outbox ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
                     ALTER TABLE outbox ADD COLUMN claim TEXT;
                     ALTER TABLE outbox ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
                     ALTER TABLE outbox ADD COLUMN applied INTEGER NOT NULL DEFAULT 0;
                     ALTER TABLE outbox ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0;
                     ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
                     CREATE TABLE IF NOT EXISTS meta (
                        key   TEXT PRIMARY KEY,
                        value INTEGER NOT NULL
                     );
                     INSERT OR IGNORE INTO meta (key, value) VALUES ('next_version', 1);
                     PRAGMA user_version = 3;
                     COMMIT;",
                )
                .map_err(|e| self.err(e))?;
        }
        if version < 4 {
            // v4: the reading pane's signals, per lead, with when they were fetched.
            self.conn
                .execute_batch(
                    "BEGIN;
                     CREATE TABLE IF NOT EXISTS signal_cache (
                        lead_id    TEXT PRIMARY KEY,
                        fetched_at INTEGER NOT NULL,
                        signals    BLOB NOT NULL
                     );
                     PRAGMA user_version = 4;
                     COMMIT;",
                )
                .map_err(|e| self.err(e))?;
        }
        if version < 5 {
            // v5: the rep's changes to signals (edited drafts, votes) until confirmed.
            self.conn
                .execute_batch(
                    "BEGIN;
                     CREATE TABLE IF NOT EXISTS signal_outbox (
                        signal_id  TEXT PRIMARY KEY,
                        lead_id    TEXT NOT NULL,
                        body       BLOB NOT NULL
                     );
                     PRAGMA user_version = 5;
                     COMMIT;",
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Replace the cached listing of a view with these chunks, in one transaction.
    pub fn save_cache(
        &mut self,
        group: GroupBy,
        chunks: impl Iterator<Item = Vec<Lead>>,
        saved_at: u64,
    ) -> Result<(), StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "DELETE FROM lead_cache WHERE grp = ?1",
            params![group_name(group)],
        )
        .map_err(sql)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO lead_cache (grp, chunk, saved_at, leads) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql)?;
            for (n, chunk) in chunks.enumerate() {
                let blob = serde_json::to_vec(&chunk).map_err(|e| StoreError::Io {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                put.execute(params![group_name(group), n as i64, saved_at as i64, blob])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// Forget the cached listings of every view (the outbox stays).
    pub fn clear_cache(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM lead_cache", [])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Number of cache chunks of a view.
    pub fn cache_chunks(&self, group: GroupBy) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM lead_cache WHERE grp = ?1",
                params![group_name(group)],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.err(e))
    }

    /// One chunk of a view's cached listing. A chunk that cannot be read is skipped (it is
    /// only a cache) with a warning.
    pub fn load_cache(
        &self,
        group: GroupBy,
        chunk: usize,
    ) -> Result<Option<CachedLeads>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT saved_at, leads FROM lead_cache WHERE grp = ?1 AND chunk = ?2",
                params![group_name(group), chunk as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((saved_at, blob)) = row else {
            return Ok(None);
        };
        Ok(parse_cache_chunk(&blob).map(|leads| CachedLeads {
            leads,
            saved_at: saved_at.max(0) as u64,
        }))
    }
}

/// Parse a stored cache chunk; an unreadable one is ignored (it is only a cache).
pub fn parse_cache_chunk(blob: &[u8]) -> Option<Vec<Lead>> {
    match serde_json::from_slice::<Vec<Lead>>(blob) {
        Ok(mut leads) => {
            // The file is ours, but anything could have written it: clean again, as the
            // parser does for the network (cheap when, as usual, nothing needs cleaning).
            leads.iter_mut().for_each(crate::api::boundary::clean_lead);
            Some(leads)
        }
        Err(e) => {
            tracing::warn!(error = %e, "ignoring an unreadable lead cache chunk");
            None
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_fnv1a_64() {
        // Reference values of FNV-1a 64; a change here would orphan every existing store.
        assert_eq!(fnv(""), "cbf29ce484222325");
        assert_eq!(fnv("a"), "af63dc4c8601ec8c");
        assert_eq!(fnv("foobar"), "85944171f73967e8");
    }

    fn row(n: u128, status: Status, seq: u64) -> OutboxRow {
        OutboxRow {
            id: Uuid::from_u128(n),
            group: GroupBy::Person,
            status,
            confirmed: Status::New,
            error: None,
            seq,
        }
    }

    #[test]
    fn outbox_round_trip_and_migration_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let mut s = Store::open(&path).unwrap();
        s.write_outbox(&[
            OutboxOp::Put(row(2, Status::Dismissed, 2)),
            OutboxOp::Put(row(1, Status::Contacted, 1)),
        ])
        .unwrap();
        let mut r = row(2, Status::New, 3);
        r.error = Some("not_found".into());
        s.write_outbox(&[
            OutboxOp::Put(r.clone()),
            OutboxOp::Delete(Uuid::from_u128(1)),
        ])
        .unwrap();
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.outbox().unwrap(), vec![r]);
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(m & 0o077, 0, "the store is private to its owner");
        }
    }

    #[test]
    fn namespaces_differ_by_base_and_key_and_hide_the_key() {
        let d = Path::new("/tmp/x");
        let k1 = ApiKey::new("pk_live_one").unwrap();
        let k2 = ApiKey::new("pk_live_two").unwrap();
        let a = namespace_file(d, "https://app.puffle.ai", &k1);
        assert_ne!(a, namespace_file(d, "https://app.puffle.ai", &k2));
        assert_ne!(a, namespace_file(d, "http://127.0.0.1:9", &k1));
        assert_eq!(a, namespace_file(d, "https://app.puffle.ai/", &k1));
        assert!(!a.display().to_string().contains("pk_live"));
    }

    #[test]
    fn cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        assert!(s.load_cache(GroupBy::Person, 0).unwrap().is_none());
        let page = crate::api::parse::leads_page(include_bytes!(
            "../crates/puffle-api/tests/fixtures/leads-page.json"
        ))
        .unwrap();
        let chunks = vec![page.leads[..3].to_vec(), page.leads[3..].to_vec()];
        s.save_cache(GroupBy::Person, chunks.clone().into_iter(), 1234)
            .unwrap();
        assert_eq!(s.cache_chunks(GroupBy::Person).unwrap(), 2);
        let c = s.load_cache(GroupBy::Person, 1).unwrap().unwrap();
        assert_eq!(c.saved_at, 1234);
        assert_eq!(c.leads, chunks[1]);
        // Saving again replaces every chunk.
        s.save_cache(GroupBy::Person, std::iter::once(page.leads.clone()), 99)
            .unwrap();
        assert_eq!(s.cache_chunks(GroupBy::Person).unwrap(), 1);
        assert!(s.load_cache(GroupBy::Company, 0).unwrap().is_none());
        // Clearing forgets the listings and keeps the outbox.
        s.write_outbox(&[OutboxOp::Put(OutboxRow {
            id: page.leads[0].id,
            group: GroupBy::Person,
            status: Status::Dismissed,
            confirmed: Status::New,
            error: None,
            seq: 1,
        })])
        .unwrap();
        s.clear_cache().unwrap();
        assert_eq!(s.cache_chunks(GroupBy::Person).unwrap(), 0);
        assert_eq!(s.outbox_len().unwrap(), 1);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.sqlite3");
        drop(Store::open(&path).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 9")
            .unwrap();
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 9, .. })
        ));
    }
}
