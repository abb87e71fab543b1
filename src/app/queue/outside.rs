//! What reaches the queue from outside this process's own requests: claims found in a store
//! that other processes share, statuses Puffle reports (conflicts with teammates), leads held
//! until checked, and writes to the outbox that failed or came back changed.

use std::collections::HashSet;
use std::time::Duration;

use uuid::Uuid;

use super::{CONFLICT, Entry, Phase, Queue, Reconciled, WaitReason};
use crate::api::{Status, StatusChange};
use crate::store::OutboxRow;

impl Queue {
    /// What claiming a batch's leads in the store found (another process may share it): leads
    /// undone or applied elsewhere leave the batch, leads another process is sending wait, and
    /// a newer intent found there replaces ours. Returns the wait before the next attempt when
    /// some lead was busy.
    pub fn claimed(
        &mut self,
        batch: u64,
        claims: &[(Uuid, crate::store::Claim)],
        out: &mut Reconciled,
    ) {
        use crate::store::Claim;
        let mut busy = false;
        let mut leave: HashSet<Uuid> = HashSet::new();
        for (id, claim) in claims {
            match claim {
                Claim::Mine => {}
                Claim::Adopted(status) => {
                    if let Some(e) = self.entries.get_mut(id) {
                        e.intent = *status;
                    }
                    if let Some(items) = self.in_flight.get_mut(&batch) {
                        for item in items.iter_mut().filter(|i| i.entity_id == *id) {
                            item.status = *status;
                        }
                    }
                    out.adopted.push((*id, *status));
                }
                Claim::Applied(status) => {
                    leave.insert(*id);
                    let item = StatusChange {
                        entity_id: *id,
                        status: *status,
                    };
                    if let Some(e) = self.entries.get_mut(id) {
                        // A newer change of ours waits in `next`: it stays queued.
                        e.intent = *status;
                    }
                    self.confirm(&item, out);
                    self.dirty.insert(*id);
                }
                Claim::Gone => {
                    leave.insert(*id);
                    self.gone(*id, out);
                }
                Claim::Busy => {
                    leave.insert(*id);
                    busy = true;
                    if let Some(e) = self.entries.get_mut(id) {
                        // Not sent by us after all: this attempt does not count.
                        e.attempts = e.attempts.saturating_sub(1);
                        if let Some(next) = e.next.take() {
                            e.intent = next;
                            e.attempts = 0;
                        }
                        e.phase = Phase::Pending;
                    }
                }
            }
        }
        if let Some(items) = self.in_flight.get_mut(&batch) {
            items.retain(|i| !leave.contains(&i.entity_id));
            if items.is_empty() {
                self.in_flight.remove(&batch);
            }
        }
        if busy && self.retry_scheduled.is_none() {
            let d = Duration::from_secs(1);
            self.retry_scheduled = Some(d);
            self.wait_reason = Some(WaitReason::Backoff {
                code: "sending_elsewhere",
            });
            out.retry_in = Some(d);
        }
        self.recount();
    }

    /// A claimed lead was undone or sent elsewhere: it leaves the batch, and the queue unless
    /// the rep changed it again here meanwhile (that is a new intent).
    fn gone(&mut self, id: Uuid, out: &mut Reconciled) {
        let next = self.entries.get(&id).and_then(|e| e.next);
        match (next, self.entries.get_mut(&id)) {
            (Some(next), Some(e)) => {
                e.intent = next;
                e.attempts = 0;
                e.next = None;
                e.phase = Phase::Pending;
                self.intents.insert(id);
            }
            _ => {
                self.entries.remove(&id);
            }
        }
        self.dirty.insert(id);
        out.gone.push(id);
    }

    /// The server now says `status` for a lead. A queued change (not in flight) is never
    /// overwritten by server data; but if the status changed elsewhere since the change was made
    /// (neither the status it was made on, nor the one we want), the change is held as a
    /// [`CONFLICT`] with both statuses, and nothing is sent until the rep decides. If the
    /// server already holds the wanted status, there is nothing left to send. Returns whether
    /// a new conflict was found.
    pub fn observe(&mut self, id: &Uuid, status: Status) -> bool {
        if status == Status::Unknown {
            return false;
        }
        let Some(e) = self.entries.get_mut(id) else {
            return false;
        };
        if matches!(e.phase, Phase::Sending(_)) {
            // The answer to the request in flight will tell.
            return false;
        }
        let was = e.confirmed;
        if status == e.intent {
            // Puffle already has it (our earlier send landed, or a teammate did the same).
            self.entries.remove(id);
            self.done.insert(*id);
            self.dirty.insert(*id);
            self.recount();
            return false;
        }
        e.uncertain = false;
        if status == was {
            return false;
        }
        e.confirmed = status;
        self.dirty.insert(*id);
        if e.sent_uncertain.take() == Some(status) {
            // Our own earlier send landed after all: not a teammate's change.
            return false;
        }
        let already = e.error.as_deref() == Some(CONFLICT);
        // Only a known starting status can tell a teammate's change from ours.
        if was != Status::Unknown && e.phase == Phase::Pending {
            e.phase = Phase::Failed;
            e.error = Some(CONFLICT.to_owned());
            self.recount();
            return !already;
        }
        false
    }

    /// Hold these leads back from sending until [`Queue::checked`] (their status on Puffle is
    /// being learned).
    pub fn hold(&mut self, ids: &[Uuid]) {
        self.held.extend(ids.iter().copied());
    }

    /// The lead is held back until its status on Puffle is checked.
    pub fn is_held(&self, id: &Uuid) -> bool {
        self.held.contains(id)
    }

    /// These leads' statuses were checked: they may be sent.
    pub fn checked(&mut self, ids: &[Uuid]) {
        for id in ids {
            self.held.remove(id);
        }
    }

    /// Conflicts among the queued changes.
    pub fn conflicts(&self) -> usize {
        if self.counts.failed == 0 {
            return 0;
        }
        self.entries
            .values()
            .filter(|e| e.error.as_deref() == Some(CONFLICT))
            .count()
    }

    /// Writing these leads to the outbox failed (disk full, read-only, damaged): put each
    /// entry back to what the outbox holds, so the screen never shows as queued what is not
    /// on disk. A lead in flight keeps its batch, with the committed status as its intent.
    pub fn rollback(&mut self, committed: Vec<(Uuid, Option<OutboxRow>)>) {
        for (id, row) in committed {
            self.dirty.remove(&id);
            self.intents.remove(&id);
            self.cancelled.remove(&id);
            let sending = self
                .entries
                .get(&id)
                .and_then(|e| matches!(e.phase, Phase::Sending(_)).then_some(e.phase));
            match (row, sending) {
                (Some(r), Some(phase)) => {
                    if let Some(e) = self.entries.get_mut(&id) {
                        e.intent = r.status;
                        e.next = None;
                        e.phase = phase;
                    }
                }
                (Some(r), None) => {
                    let (unacked, attempts) = self
                        .entries
                        .get(&id)
                        .map_or((0, 0), |e| (e.unacked, e.attempts));
                    self.entries.insert(
                        id,
                        Entry {
                            group: r.group,
                            intent: r.status,
                            confirmed: r.confirmed,
                            phase: if r.error.is_some() {
                                Phase::Failed
                            } else {
                                Phase::Pending
                            },
                            next: None,
                            error: r.error,
                            seq: r.seq,
                            uncertain: true,
                            unacked,
                            sent_uncertain: None,
                            attempts,
                        },
                    );
                }
                (None, Some(_)) => {
                    // In flight but never stored: let the batch come back and drop it then.
                    if let Some(e) = self.entries.get_mut(&id) {
                        e.next = None;
                    }
                }
                (None, None) => {
                    self.entries.remove(&id);
                }
            }
        }
        self.recount();
    }

    /// Changes the store could not simply cancel, because another process had already sent
    /// them (see `OutboxOp::Cancel`): they are queued again as changes back to the status
    /// they returned to, and sent even though that equals the confirmed status.
    pub fn revive(&mut self, rows: Vec<OutboxRow>) {
        for r in rows {
            if self.entries.contains_key(&r.id) {
                continue;
            }
            self.done.remove(&r.id);
            self.entries.insert(
                r.id,
                Entry {
                    group: r.group,
                    intent: r.status,
                    confirmed: r.confirmed,
                    phase: Phase::Pending,
                    next: None,
                    error: None,
                    seq: self.next_seq,
                    uncertain: true,
                    unacked: 0,
                    sent_uncertain: None,
                    attempts: 0,
                },
            );
            self.next_seq += 1;
        }
        self.recount();
    }
}
