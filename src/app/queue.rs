//! The change queue: what each lead should become, and where that change is on its way to
//! Puffle. Pure data and logic; the worker only carries out the batches it hands out.
//!
//! A lead with no entry is in sync. An entry goes `Pending → Sending → (removed | Failed)`.
//! Changes merge per lead (the last one wins); a change back to the confirmed status removes
//! the entry. A lead is never in two batches at once: a change made while its batch is in
//! flight waits in `next` and is queued when the batch comes back.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use uuid::Uuid;

use crate::api::{GroupBy, MAX_PATCH_ITEMS, Status, StatusChange};
use crate::sync::backoff::{Backoff, Jitter};

/// Where a queued change is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the next flush.
    Pending,
    /// In the batch with this id.
    Sending(u64),
    /// The server refused it (the reason is in `error`); waits for a retry or a new change.
    Failed,
}

/// One lead's queued change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub group: GroupBy,
    /// The status being sent (or to send).
    pub intent: Status,
    /// The last status the server confirmed, when the change was made.
    pub confirmed: Status,
    pub phase: Phase,
    /// A newer intent made while the batch was in flight.
    pub next: Option<Status>,
    /// Why the last attempt failed (per-item code, or the HTTP failure).
    pub error: Option<String>,
    /// Queue order (older first).
    pub seq: u64,
    /// A batch carrying this lead ended without a known outcome (timeout, lost connection,
    /// 5xx): the server may hold the sent status, so `confirmed` cannot be trusted and a
    /// change "back to confirmed" must still be sent.
    pub uncertain: bool,
    /// Answers in a row that left this lead out of both `updated` and `errors`.
    pub unacked: u32,
    /// A status sent without a known outcome (timeout, lost connection): Puffle may hold it,
    /// so seeing it at a refresh is our own change, not a teammate's.
    pub sent_uncertain: Option<Status>,
    /// Times the current intent was handed to the worker (0: not sent yet). A new intent
    /// starts again at 0.
    pub attempts: u32,
}

/// Times a lead may be left out of an answer before it is reported as `not_acknowledged`.
pub const MAX_UNACKED: u32 = 5;

/// The per-item code of a change the server kept leaving out of its answers.
pub const NOT_ACKNOWLEDGED: &str = "not_acknowledged";

/// The per-item code of a change held because the lead's status on Puffle changed elsewhere
/// (a teammate) since the change was made. The entry's `intent` is the rep's status and its
/// `confirmed` the one Puffle has now; `r` keeps the rep's, taking Puffle's drops it.
pub const CONFLICT: &str = "conflict";

/// Why sending waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaitReason {
    /// The server said how long (`Retry-After` on a 429 or 5xx).
    ServerAsked { wait: Duration, code: &'static str },
    /// Our own backoff after a failure with this code.
    Backoff { code: &'static str },
}

impl WaitReason {
    /// For the status line and stderr: "Puffle asked to wait 58 s (rate_limited)".
    pub fn describe(&self, left: Duration) -> String {
        let secs = left.as_secs_f64().ceil() as u64;
        match self {
            WaitReason::ServerAsked { code, .. } => {
                format!("Puffle asked to wait {secs} s ({code})")
            }
            WaitReason::Backoff { code } => format!("retrying in {secs} s ({code})"),
        }
    }
}

impl Entry {
    /// The status the rep should see: the newest intent, or the confirmed one after a failure.
    pub fn shown(&self) -> Status {
        match self.phase {
            Phase::Failed => self.next.unwrap_or(self.confirmed),
            _ => self.next.unwrap_or(self.intent),
        }
    }
}

/// Counts for the status line. Every entry is in exactly one of them: a change Puffle
/// refused (or one held as a conflict) is `failed`, never waiting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub sending: usize,
    pub failed: usize,
}

impl Counts {
    /// Changes still on their way: pending or sending (refused ones are not waiting).
    pub fn waiting(&self) -> usize {
        self.pending + self.sending
    }
}

/// A batch handed to the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub id: u64,
    pub items: Vec<StatusChange>,
}

/// What the caller must do after a batch result.
#[derive(Debug, Default, PartialEq)]
pub struct Reconciled {
    /// Leads whose new status the server confirmed.
    pub confirmed: Vec<(Uuid, GroupBy, Status)>,
    /// Items refused by the server, with the reason.
    pub refused: Vec<(Uuid, String)>,
    /// Wait this long before sending again (transient failure).
    pub retry_in: Option<Duration>,
    /// The key was rejected: stop sending.
    pub auth_failed: bool,
    /// The batch was refused as a whole and split in two; the halves are queued.
    pub split: bool,
    /// Leads whose change was undone in another process sharing the store (left the queue).
    pub gone: Vec<Uuid>,
    /// Leads for which another process's newer intent is sent instead of ours.
    pub adopted: Vec<(Uuid, Status)>,
}

/// The queue.
#[derive(Debug)]
pub struct Queue {
    pub entries: HashMap<Uuid, Entry>,
    pub in_flight: HashMap<u64, Vec<StatusChange>>,
    /// Leads confirmed during this session (shown with a ✓).
    pub done: HashSet<Uuid>,
    pub counts: Counts,
    /// PATCH requests allowed in flight at once (halved on 429, grows back on success).
    pub concurrency: usize,
    pub max_concurrency: usize,
    /// Consecutive transient failures (drives the backoff).
    pub failures: u32,
    /// A retry is scheduled; no flush happens until it is due.
    pub retry_scheduled: Option<Duration>,
    /// 401 seen: sending is stopped until the app restarts with a valid key.
    pub auth_blocked: bool,
    /// The last failure was "cannot reach the server" (cleared by any answer).
    pub offline: bool,
    /// Why the scheduled retry waits.
    pub wait_reason: Option<WaitReason>,
    /// Items per PATCH: 200, lowered for the session when the server answers 413.
    pub batch_size: usize,
    /// Halves of batches the server refused as a whole (413, 400): sent on their own first,
    /// so the invalid items are isolated and the valid ones still go through.
    splits: VecDeque<Vec<Uuid>>,
    /// Leads whose entry changed since the last [`Queue::take_dirty`] (to persist).
    dirty: HashSet<Uuid>,
    /// Of those, the leads that got a new intent of the rep (a new version in the store).
    intents: HashSet<Uuid>,
    /// Leads not to send until their status on Puffle was checked (restored at start).
    held: HashSet<Uuid>,
    /// Of those, the leads whose change was cancelled, with the status it went back to.
    cancelled: HashMap<Uuid, (GroupBy, Status)>,
    next_batch: u64,
    next_seq: u64,
    backoff: Backoff,
    jitter: Jitter,
}

impl Queue {
    pub fn new(max_concurrency: usize, backoff: Backoff, jitter: Jitter) -> Queue {
        let max = max_concurrency.max(1);
        Queue {
            entries: HashMap::new(),
            in_flight: HashMap::new(),
            done: HashSet::new(),
            counts: Counts::default(),
            concurrency: max,
            max_concurrency: max,
            failures: 0,
            retry_scheduled: None,
            auth_blocked: false,
            offline: false,
            wait_reason: None,
            batch_size: MAX_PATCH_ITEMS,
            splits: VecDeque::new(),
            dirty: HashSet::new(),
            intents: HashSet::new(),
            cancelled: HashMap::new(),
            held: HashSet::new(),
            next_batch: 1,
            next_seq: 1,
            backoff,
            jitter,
        }
    }

    /// The status to show for a lead whose confirmed status is `confirmed`.
    pub fn shown(&self, id: &Uuid, confirmed: Status) -> Status {
        self.entries.get(id).map_or(confirmed, Entry::shown)
    }

    /// Record that `id` should become `status`. Returns true if the queue changed.
    pub fn change(&mut self, id: Uuid, group: GroupBy, confirmed: Status, status: Status) -> bool {
        // Counts are adjusted for this one entry, not recounted: a bulk change of 100,000
        // leads would otherwise cost 100,000² steps.
        let before = self.entries.get(&id).map(|e| e.phase);
        let changed = self.change_entry(id, group, confirmed, status);
        let after = self.entries.get(&id).map(|e| e.phase);
        self.count_phase(before, false);
        self.count_phase(after, true);
        changed
    }

    /// Add (or take away) one entry in `phase` to the counts.
    fn count_phase(&mut self, phase: Option<Phase>, add: bool) {
        let c = match phase {
            None => return,
            Some(Phase::Pending) => &mut self.counts.pending,
            Some(Phase::Sending(_)) => &mut self.counts.sending,
            Some(Phase::Failed) => &mut self.counts.failed,
        };
        *c = if add { *c + 1 } else { c.saturating_sub(1) };
    }

    /// "Back to a status we never knew" (undo on an unknown lead): cancel what can be
    /// cancelled; a change already in flight cannot be called back.
    fn cancel_unsettable(&mut self, id: Uuid) -> bool {
        let Some(e) = self.entries.get_mut(&id) else {
            return false;
        };
        self.dirty.insert(id);
        self.intents.insert(id);
        match e.phase {
            Phase::Sending(_) => e.next = None,
            Phase::Pending | Phase::Failed => {
                self.entries.remove(&id);
            }
        }
        true
    }

    fn change_entry(
        &mut self,
        id: Uuid,
        group: GroupBy,
        confirmed: Status,
        status: Status,
    ) -> bool {
        if !status.is_settable() {
            return self.cancel_unsettable(id);
        }
        if self
            .entries
            .get(&id)
            .is_some_and(|e| e.phase == Phase::Pending && e.intent == status)
        {
            // Queued as it is already (the key of the status shown, pressed again).
            return false;
        }
        self.done.remove(&id);
        self.dirty.insert(id);
        self.intents.insert(id);
        match self.entries.get_mut(&id) {
            Some(e) => match e.phase {
                Phase::Sending(_) => {
                    // One request per lead: remember it for when the batch returns.
                    let before = e.next;
                    e.next = (status != e.intent).then_some(status);
                    before != e.next
                }
                Phase::Pending | Phase::Failed => {
                    if status == e.confirmed && !e.uncertain {
                        // Back to where the lead was: a cancel. If another process sharing the
                        // store sent this change meanwhile, the store turns it into a change
                        // back to `status` (see `OutboxOp::Cancel`).
                        let group = e.group;
                        self.entries.remove(&id);
                        self.cancelled.insert(id, (group, status));
                    } else {
                        e.intent = status;
                        e.phase = Phase::Pending;
                        e.error = None;
                        e.next = None;
                        e.unacked = 0;
                        e.attempts = 0;
                        e.seq = self.next_seq;
                        self.next_seq += 1;
                    }
                    true
                }
            },
            None if status == confirmed => false,
            None => {
                self.entries.insert(
                    id,
                    Entry {
                        group,
                        intent: status,
                        confirmed,
                        phase: Phase::Pending,
                        next: None,
                        error: None,
                        seq: self.next_seq,
                        uncertain: false,
                        unacked: 0,
                        sent_uncertain: None,
                        attempts: 0,
                    },
                );
                self.next_seq += 1;
                true
            }
        }
    }

    /// Put failed entries back in the queue (`None` = all failed entries). A conflict put back
    /// keeps the rep's change: it is sent over the status Puffle has now.
    pub fn retry(&mut self, ids: Option<&[Uuid]>) -> usize {
        self.retry_where(ids, true)
    }

    /// [`Queue::retry`], leaving conflicts held unless `conflicts_too`.
    pub fn retry_where(&mut self, ids: Option<&[Uuid]>, conflicts_too: bool) -> usize {
        let mut n = 0;
        let dirty = &mut self.dirty;
        let mut requeue = |id: &Uuid, e: &mut Entry| {
            let conflict = e.error.as_deref() == Some(CONFLICT);
            if e.phase == Phase::Failed && (conflicts_too || !conflict) {
                e.phase = Phase::Pending;
                e.error = None;
                e.unacked = 0;
                dirty.insert(*id);
                n += 1;
            }
        };
        match ids {
            Some(ids) => ids.iter().for_each(|id| {
                if let Some(e) = self.entries.get_mut(id) {
                    requeue(id, e);
                }
            }),
            None => self.entries.iter_mut().for_each(|(id, e)| requeue(id, e)),
        }
        self.recount();
        n
    }

    /// Recompute the status-line counts.
    pub fn recount(&mut self) {
        let mut c = Counts::default();
        for e in self.entries.values() {
            match e.phase {
                Phase::Pending => c.pending += 1,
                Phase::Sending(_) => c.sending += 1,
                Phase::Failed => c.failed += 1,
            }
        }
        self.counts = c;
    }

    /// Nothing waits to be sent or is on its way.
    pub fn is_idle(&self) -> bool {
        self.counts.pending == 0 && self.counts.sending == 0
    }

    /// Changes that have not reached Puffle (pending, sending or failed).
    pub fn unsent(&self) -> usize {
        self.entries.len()
    }

    /// Ids of failed entries.
    pub fn failed_ids(&self) -> impl Iterator<Item = &Uuid> {
        self.entries
            .iter()
            .filter(|(_, e)| e.phase == Phase::Failed)
            .map(|(id, _)| id)
    }
}

mod outside;
mod persist;
mod send;

#[cfg(test)]
mod tests;
