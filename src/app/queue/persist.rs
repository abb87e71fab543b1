//! The queue and the outbox: the writes each change needs, and the changes an earlier run
//! left.

use uuid::Uuid;

use super::{Entry, Phase, Queue};
use crate::store::{OutboxOp, OutboxRow};

impl Queue {
    /// Outbox writes for every entry that changed since the last call: a new intent, the same
    /// intent in a new state, "applied" when it was confirmed, or a delete when it was
    /// cancelled or undone.
    pub fn take_dirty(&mut self) -> Vec<OutboxOp> {
        let mut ids: Vec<Uuid> = self.dirty.drain().collect();
        ids.sort_unstable();
        let intents = std::mem::take(&mut self.intents);
        let cancelled = std::mem::take(&mut self.cancelled);
        ids.into_iter()
            .map(|id| match self.entries.get(&id) {
                Some(e) => {
                    let row = OutboxRow {
                        id,
                        group: e.group,
                        status: e.next.unwrap_or(e.intent),
                        confirmed: e.confirmed,
                        error: if e.phase == Phase::Failed {
                            e.error.clone()
                        } else {
                            None
                        },
                        seq: e.seq,
                    };
                    if intents.contains(&id) {
                        OutboxOp::Put(row)
                    } else {
                        OutboxOp::Update(row)
                    }
                }
                None if self.done.contains(&id) => OutboxOp::Applied(id),
                None => match cancelled.get(&id) {
                    Some(&(group, back_to)) => OutboxOp::Cancel(OutboxRow {
                        id,
                        group,
                        status: back_to,
                        confirmed: back_to,
                        error: None,
                        seq: self.next_seq,
                    }),
                    None => OutboxOp::Delete(id),
                },
            })
            .collect()
    }

    /// Load changes saved by an earlier run: refused ones stay failed with their error, the
    /// others are pending and will be sent again.
    pub fn restore(&mut self, rows: Vec<OutboxRow>) {
        for r in rows {
            self.next_seq = self.next_seq.max(r.seq + 1);
            let phase = if r.error.is_some() {
                Phase::Failed
            } else {
                Phase::Pending
            };
            self.entries.insert(
                r.id,
                Entry {
                    group: r.group,
                    intent: r.status,
                    confirmed: r.confirmed,
                    phase,
                    next: None,
                    error: r.error,
                    seq: r.seq,
                    // After a restart we cannot know whether an in-flight batch landed.
                    uncertain: true,
                    unacked: 0,
                    sent_uncertain: None,
                    attempts: 0,
                },
            );
        }
        self.recount();
    }
}
