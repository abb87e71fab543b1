//! The reading pane's signals, kept per lead with the time they were fetched, so a lead read
//! again (in this session or the next) is not fetched again while fresh; and where the rep
//! wants the pane (`meta.pane_layout`). Both are only a cache: a row that cannot be read is
//! treated as absent.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::api::model::Signal;

use super::{Store, StoreError};

/// Most leads whose signals are kept; beyond it the oldest fetched are dropped.
pub const SIGNAL_CACHE_LEADS: i64 = 5_000;

impl Store {
    /// Keep a lead's signals, fetched at `fetched_at` (Unix seconds).
    pub fn save_signals(
        &mut self,
        id: Uuid,
        fetched_at: u64,
        signals: &[Signal],
    ) -> Result<(), StoreError> {
        let body = serde_json::to_vec(signals).map_err(|e| StoreError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO signal_cache (lead_id, fetched_at, signals) VALUES (?1, ?2, ?3)
             ON CONFLICT (lead_id) DO UPDATE SET fetched_at = ?2, signals = ?3",
            params![id.to_string(), fetched_at as i64, body],
        )
        .and_then(|_| {
            tx.execute(
                "DELETE FROM signal_cache WHERE lead_id IN (
                    SELECT lead_id FROM signal_cache ORDER BY fetched_at DESC LIMIT -1 OFFSET ?1)",
                params![SIGNAL_CACHE_LEADS],
            )
        })
        .and_then(|_| tx.commit())
        .map_err(sql)
    }

    /// A lead's signals fetched at or after `since` (Unix seconds), with when they were.
    pub fn cached_signals(
        &self,
        id: Uuid,
        since: u64,
    ) -> Result<Option<(u64, Vec<Signal>)>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT fetched_at, signals FROM signal_cache WHERE lead_id = ?1 AND fetched_at >= ?2",
                params![id.to_string(), since as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((at, body)) = row else {
            return Ok(None);
        };
        match serde_json::from_slice::<Vec<Signal>>(&body) {
            // Ours, but anything could have written the file: cleaned again.
            Ok(v) => Ok(Some((
                at.max(0) as u64,
                v.into_iter()
                    .map(crate::api::boundary::clean_signal)
                    .collect(),
            ))),
            Err(e) => {
                tracing::warn!(error = %e, "ignoring unreadable cached signals");
                Ok(None)
            }
        }
    }

    /// Where the rep last put the reading pane (`PaneLayout::code`), if anywhere.
    pub fn pane_layout(&self) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'pane_layout'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Remember where the rep put the reading pane.
    pub fn set_pane_layout(&mut self, code: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('pane_layout', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                params![code],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
