//! Changes to signals the rep made (edited drafts, votes), kept until Puffle confirms them,
//! with the same rule as the lead outbox: committed before the screen shows them pending, so
//! a crash or kill loses nothing; the next start sends what is left. One row per signal, the
//! later change merged over the earlier (`SignalUpdate::merge`).

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::api::outreach::SignalUpdate;

use super::{Store, StoreError};

/// One signal's changes not yet confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalOutboxRow {
    /// The lead the signal belongs to (to show it in the pane).
    pub lead: Uuid,
    pub update: SignalUpdate,
}

impl Store {
    fn sql_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    /// Queue a change to a signal, merged over what is already queued for it; returns the
    /// merged change (what will be sent).
    pub fn queue_signal_update(
        &mut self,
        lead: Uuid,
        update: &SignalUpdate,
    ) -> Result<SignalUpdate, StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        let old: Option<Vec<u8>> = tx
            .query_row(
                "SELECT body FROM signal_outbox WHERE signal_id = ?1",
                params![update.id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        let mut merged = old
            .and_then(|b| serde_json::from_slice::<SignalUpdate>(&b).ok())
            .unwrap_or_else(|| SignalUpdate {
                id: update.id.clone(),
                ..SignalUpdate::default()
            });
        merged.merge(update);
        let body = serde_json::to_vec(&merged).map_err(|e| StoreError::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        tx.execute(
            "INSERT INTO signal_outbox (signal_id, lead_id, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (signal_id) DO UPDATE SET lead_id = ?2, body = ?3",
            params![update.id, lead.to_string(), body],
        )
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(merged)
    }

    /// Every queued change to a signal (unreadable rows are skipped with a warning).
    pub fn signal_outbox(&self) -> Result<Vec<SignalOutboxRow>, StoreError> {
        let err = self.sql_err();
        let mut stmt = self
            .conn
            .prepare("SELECT lead_id, body FROM signal_outbox ORDER BY rowid")
            .map_err(&err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(&err)?;
        let mut out = Vec::new();
        for row in rows {
            let (lead, body) = row.map_err(&err)?;
            match (Uuid::parse_str(&lead), serde_json::from_slice(&body)) {
                (Ok(lead), Ok(update)) => out.push(SignalOutboxRow { lead, update }),
                _ => tracing::warn!("skipping an unreadable queued signal change"),
            }
        }
        Ok(out)
    }

    /// Puffle confirmed these changes: their rows go, unless the signal was changed again
    /// since (then the newer change stays queued).
    pub fn settle_signal_updates(&mut self, sent: &[SignalUpdate]) -> Result<(), StoreError> {
        let path = self.path.display().to_string();
        let sql = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        for update in sent {
            let body = serde_json::to_vec(update).unwrap_or_default();
            tx.execute(
                "DELETE FROM signal_outbox WHERE signal_id = ?1 AND body = ?2",
                params![update.id, body],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }
}
