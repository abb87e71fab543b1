//! The outbox table, shared safely by several processes.
//!
//! Rules (also in `docs/architecture.md`, "One store, several processes"):
//! * Every row has a version, drawn from a counter in the same file at each new intent
//!   ([`OutboxOp::Put`]). The newest intent of a lead is the row's content, whichever process
//!   wrote it.
//! * Each process remembers the version it last wrote or read per lead (`Store::known`). Its
//!   other writes (a new state of the same intent, "applied", "undone") are compare-and-set on
//!   that version: they never touch a newer intent of another process.
//! * Before a lead is sent it is claimed in one transaction ([`Store::claim`]): the claim
//!   fails if the row is gone (undone elsewhere), already applied, or claimed by another live
//!   process; a newer intent found there is adopted and sent instead of ours. So no undone
//!   change is sent, and two requests for one lead never race.
//! * A confirmed row is marked applied and kept for a while, so a process that held the same
//!   intent learns it was applied rather than guessing.
//! * A row that was claimed is marked `sent` (its intent may have reached Puffle) until a new
//!   intent replaces it or Puffle refused it: undoing it is then a change back, never a delete.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::{OutboxOp, OutboxRow, Store, StoreError, group_from, group_name};
use crate::api::{Status, StatusChange};

/// How long a claim holds without its process: longer than any request is allowed to take.
const CLAIM_LEASE_MS: i64 = 5 * 60 * 1000;
/// Applied rows are forgotten after this long.
const APPLIED_KEEP_MS: i64 = 10 * 60 * 1000;

/// What claiming a lead for sending found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The row holds our intent and is now claimed by us: send it.
    Mine,
    /// Another process wrote a newer intent: it is claimed by us and this status is sent.
    Adopted(Status),
    /// The intent (ours, or a newer one) was already applied, with this status.
    Applied(Status),
    /// The row is gone: undone or cancelled in another process. Nothing to send.
    Gone,
    /// Another live process is sending this lead right now; try again shortly.
    Busy,
}

/// `pid:nonce`, one per process (every store handle of a process shares it), so a claim with
/// our pid but another token was left by a process that had our pid before (a container's
/// pid 1 run again) and is void.
pub(super) fn process_token() -> String {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!("{}:{nanos:x}", std::process::id())
        })
        .clone()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A claim by another process that still holds: within its lease, and (where the system
/// tells) its process is alive.
fn held_by_other(claim: Option<&str>, until: i64, mine: &str, now: i64) -> bool {
    let Some(claim) = claim else {
        return false;
    };
    if claim == mine || until <= now {
        return false;
    }
    let pid = claim.split(':').next().and_then(|p| p.parse::<u32>().ok());
    match pid {
        // Our pid with another token: a process that had our pid before, gone.
        Some(pid) if Some(pid) == mine.split(':').next().and_then(|p| p.parse::<u32>().ok()) => {
            false
        }
        // On Linux a dead process's claim is void at once (a killed run is restarted).
        Some(pid) if cfg!(target_os = "linux") => {
            std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        Some(_) => true,
        None => false,
    }
}

impl Store {
    /// Every queued change, oldest first (applied rows are not queued). Rows that cannot be read
    /// (a corrupted id or status) are skipped with a warning rather than blocking the rest.
    pub fn outbox(&mut self) -> Result<Vec<OutboxRow>, StoreError> {
        let (out, _) = self.read_outbox(false)?;
        Ok(out)
    }

    /// Read the outbox row by row; with `lenient`, a row that fails to read is counted and
    /// skipped (recovering what a damaged file still holds).
    pub(super) fn read_outbox(
        &mut self,
        lenient: bool,
    ) -> Result<(Vec<OutboxRow>, usize), StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut stmt = self
            .conn
            .prepare(
                "SELECT lead_id, grp, status, confirmed, error, seq, version FROM outbox
                 WHERE applied = 0 ORDER BY seq",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            })
            .map_err(sql)?;
        let mut out = Vec::new();
        let mut unreadable = 0;
        let mut known = Vec::new();
        for row in rows {
            let (id, grp, status, confirmed, error, seq, version) = match row {
                Ok(r) => r,
                Err(e) if lenient => {
                    tracing::warn!(error = %e, "skipping an outbox row that cannot be read");
                    unreadable += 1;
                    continue;
                }
                Err(e) => return Err(sql(e)),
            };
            match (Uuid::parse_str(&id), Status::from_wire(&status)) {
                (Ok(id), Some(status)) => {
                    known.push((id, version));
                    out.push(OutboxRow {
                        id,
                        group: group_from(&grp),
                        status,
                        confirmed: Status::from_name(&confirmed).unwrap_or(Status::Unknown),
                        error,
                        seq: seq.max(0) as u64,
                    });
                }
                _ => {
                    unreadable += 1;
                    tracing::warn!(id, status, "skipping unreadable outbox row");
                }
            }
        }
        drop(stmt);
        self.known.extend(known);
        Ok((out, unreadable))
    }

    /// Apply outbox writes in one transaction (see [`OutboxOp`] for what each may overwrite).
    /// Returns the cancels that became changes back (see [`OutboxOp::Cancel`]).
    ///
    /// Long on purpose: one transaction, its six prepared statements and one arm per
    /// operation read top to bottom as the durability rule they implement; split up, the
    /// statements would be threaded through every piece.
    pub fn write_outbox(&mut self, ops: &[OutboxOp]) -> Result<Vec<OutboxRow>, StoreError> {
        let mut revived = Vec::new();
        if ops.is_empty() {
            return Ok(revived);
        }
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let now = now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut learned: Vec<(Uuid, Option<i64>)> = Vec::new();
        {
            let mut next_version = tx
                .prepare_cached(
                    "UPDATE meta SET value = value + 1 WHERE key = 'next_version' RETURNING value - 1",
                )
                .map_err(sql)?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO outbox (lead_id, grp, status, confirmed, error, seq, version, applied, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)
                     ON CONFLICT(lead_id) DO UPDATE SET grp=?2, status=?3, confirmed=?4, error=?5,
                        seq=?6, version=?7, applied=0, sent=0, updated_ms=?8",
                )
                .map_err(sql)?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE outbox SET grp=?2, status=?3, confirmed=?4, error=?5, seq=?6, updated_ms=?8,
                        sent = CASE WHEN ?5 IS NULL THEN sent ELSE 0 END
                     WHERE lead_id=?1 AND version=?7 AND applied=0",
                )
                .map_err(sql)?;
            let mut applied = tx
                .prepare_cached(
                    "UPDATE outbox SET applied=1, claim=NULL, error=NULL, updated_ms=?3
                     WHERE lead_id=?1 AND version=?2",
                )
                .map_err(sql)?;
            let mut del = tx
                .prepare_cached("DELETE FROM outbox WHERE lead_id = ?1 AND version = ?2")
                .map_err(sql)?;
            let mut look = tx
                .prepare_cached(
                    "SELECT version, applied, claim, claim_until, sent FROM outbox WHERE lead_id = ?1",
                )
                .map_err(sql)?;
            for op in ops {
                match op {
                    OutboxOp::Put(r) => {
                        let version: i64 = next_version.query_row([], |r| r.get(0)).map_err(sql)?;
                        put.execute(params![
                            r.id.to_string(),
                            group_name(r.group),
                            r.status.as_str(),
                            r.confirmed.as_str(),
                            r.error,
                            r.seq as i64,
                            version,
                            now
                        ])
                        .map_err(sql)?;
                        learned.push((r.id, Some(version)));
                    }
                    OutboxOp::Update(r) => {
                        let Some(&version) = self.known.get(&r.id) else {
                            continue;
                        };
                        update
                            .execute(params![
                                r.id.to_string(),
                                group_name(r.group),
                                r.status.as_str(),
                                r.confirmed.as_str(),
                                r.error,
                                r.seq as i64,
                                version,
                                now
                            ])
                            .map_err(sql)?;
                    }
                    OutboxOp::Applied(id) => {
                        if let Some(&version) = self.known.get(id) {
                            applied
                                .execute(params![id.to_string(), version, now])
                                .map_err(sql)?;
                        }
                        learned.push((*id, None));
                    }
                    OutboxOp::Delete(id) => {
                        if let Some(&version) = self.known.get(id) {
                            del.execute(params![id.to_string(), version]).map_err(sql)?;
                        }
                        learned.push((*id, None));
                    }
                    OutboxOp::Cancel(r) => {
                        let key = r.id.to_string();
                        let row: Option<(i64, i64, Option<String>, i64, i64)> = look
                            .query_row(params![key], |x| {
                                Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?))
                            })
                            .optional()
                            .map_err(sql)?;
                        let known = self.known.get(&r.id).copied();
                        match row {
                            // A newer intent of another process stands; or nothing is left.
                            Some((version, ..)) if Some(version) != known => {}
                            None => {}
                            // Never sent, not being sent: the change never left this machine.
                            Some((version, applied, claim, until, sent))
                                if applied == 0
                                    && sent == 0
                                    && !held_by_other(
                                        claim.as_deref(),
                                        until,
                                        &self.token,
                                        now,
                                    ) =>
                            {
                                del.execute(params![key, version]).map_err(sql)?;
                            }
                            Some(_) => {
                                // Already sent elsewhere: the way back is a change of its own.
                                let version: i64 =
                                    next_version.query_row([], |x| x.get(0)).map_err(sql)?;
                                put.execute(params![
                                    key,
                                    group_name(r.group),
                                    r.status.as_str(),
                                    r.confirmed.as_str(),
                                    Option::<String>::None,
                                    r.seq as i64,
                                    version,
                                    now
                                ])
                                .map_err(sql)?;
                                learned.push((r.id, Some(version)));
                                revived.push(r.clone());
                                continue;
                            }
                        }
                        learned.push((r.id, None));
                    }
                }
            }
            tx.execute(
                "DELETE FROM outbox WHERE applied = 1 AND updated_ms < ?1",
                params![now - APPLIED_KEEP_MS],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        // Only once committed does this process know the new versions.
        for (id, v) in learned {
            match v {
                Some(v) => {
                    self.known.insert(id, v);
                }
                None => {
                    self.known.remove(&id);
                }
            }
        }
        Ok(revived)
    }

    /// Claim leads for one request, in one transaction; see [`Claim`].
    pub fn claim(&mut self, items: &[StatusChange]) -> Result<Vec<(Uuid, Claim)>, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let now = now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let mut out = Vec::with_capacity(items.len());
        let mut adopted: HashMap<Uuid, i64> = HashMap::new();
        {
            let mut get = tx
                .prepare_cached(
                    "SELECT status, version, claim, claim_until, applied FROM outbox WHERE lead_id = ?1",
                )
                .map_err(sql)?;
            let mut take = tx
                .prepare_cached(
                    "UPDATE outbox SET claim = ?2, claim_until = ?3, sent = 1 WHERE lead_id = ?1",
                )
                .map_err(sql)?;
            for item in items {
                let key = item.entity_id.to_string();
                let row: Option<(String, i64, Option<String>, i64, i64)> = get
                    .query_row(params![key], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .optional()
                    .map_err(sql)?;
                let known = self.known.get(&item.entity_id).copied();
                let claim = match row {
                    None => Claim::Gone,
                    Some((status, version, claim, until, applied)) => {
                        let status = Status::from_wire(&status).unwrap_or(item.status);
                        if applied != 0 && known.is_none_or(|k| version >= k) {
                            Claim::Applied(status)
                        } else if applied != 0 {
                            // Applied, but older than our intent: cannot happen (our intent
                            // would have replaced it); send ours again to be sure.
                            Claim::Mine
                        } else if held_by_other(claim.as_deref(), until, &self.token, now) {
                            Claim::Busy
                        } else {
                            take.execute(params![key, self.token, now + CLAIM_LEASE_MS])
                                .map_err(sql)?;
                            if known.is_some_and(|k| version > k) || known.is_none() {
                                adopted.insert(item.entity_id, version);
                            }
                            // What is on disk is sent: never a status that was not saved.
                            if status == item.status {
                                Claim::Mine
                            } else {
                                Claim::Adopted(status)
                            }
                        }
                    }
                };
                out.push((item.entity_id, claim));
            }
        }
        tx.commit().map_err(sql)?;
        self.known.extend(adopted);
        for (id, c) in &out {
            if matches!(c, Claim::Gone | Claim::Applied(_)) {
                self.known.remove(id);
            }
        }
        Ok(out)
    }

    /// Give up our claims on these leads (their request came back).
    pub fn release(&mut self, ids: &[Uuid]) -> Result<(), StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut rel = tx
                .prepare_cached("UPDATE outbox SET claim = NULL WHERE lead_id = ?1 AND claim = ?2")
                .map_err(sql)?;
            for id in ids {
                rel.execute(params![id.to_string(), self.token])
                    .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The committed rows of these leads (`None`: no queued change), for undoing in memory what
    /// could not be written.
    pub fn committed(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, Option<OutboxRow>)>, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT grp, status, confirmed, error, seq FROM outbox WHERE lead_id = ?1 AND applied = 0",
            )
            .map_err(sql)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = stmt
                .query_row(params![id.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .optional()
                .map_err(sql)?;
            let row = row.and_then(|(grp, status, confirmed, error, seq)| {
                Some(OutboxRow {
                    id: *id,
                    group: group_from(&grp),
                    status: Status::from_wire(&status)?,
                    confirmed: Status::from_name(&confirmed).unwrap_or(Status::Unknown),
                    error,
                    seq: seq.max(0) as u64,
                })
            });
            out.push((*id, row));
        }
        Ok(out)
    }

    /// Number of queued changes.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM outbox WHERE applied = 0", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests;
