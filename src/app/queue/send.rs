//! Sending: pending entries cut into batches, and a batch's answer reconciled (confirmed,
//! refused, left out, or failed as a whole with a backoff).

use std::collections::HashSet;
use std::time::Duration;

use uuid::Uuid;

use super::{Batch, MAX_UNACKED, NOT_ACKNOWLEDGED, Phase, Queue, Reconciled, WaitReason};
use crate::api::{ApiError, MAX_PATCH_ITEMS, PatchOutcome, StatusChange};

impl Queue {
    /// Cut pending entries into batches, oldest first, while the concurrency allows. Halves of
    /// refused batches go first, each on its own.
    pub fn take_batches(&mut self) -> Vec<Batch> {
        if self.auth_blocked || self.retry_scheduled.is_some() {
            return Vec::new();
        }
        let mut slots = self.concurrency.saturating_sub(self.in_flight.len());
        if slots == 0 || self.counts.pending == 0 {
            return Vec::new();
        }
        let size = self.batch_size.clamp(1, MAX_PATCH_ITEMS);
        let mut groups: Vec<Vec<Uuid>> = Vec::new();
        let mut reserved: HashSet<Uuid> = HashSet::new();
        // Split halves still waiting keep their ids out of the general pass; held ones wait.
        for half in &self.splits {
            reserved.extend(half.iter().copied());
        }
        reserved.extend(self.held.iter().copied());
        while slots > 0 {
            let Some(half) = self.splits.pop_front() else {
                break;
            };
            let live: Vec<Uuid> = half
                .into_iter()
                .filter(|id| {
                    self.entries
                        .get(id)
                        .is_some_and(|e| e.phase == Phase::Pending)
                })
                .collect();
            for chunk in live.chunks(size) {
                if slots == 0 {
                    self.splits.push_front(chunk.to_vec());
                    continue;
                }
                slots -= 1;
                groups.push(chunk.to_vec());
            }
        }
        if slots > 0 {
            let mut pending: Vec<(u64, Uuid)> = self
                .entries
                .iter()
                .filter(|(id, e)| e.phase == Phase::Pending && !reserved.contains(id))
                .map(|(id, e)| (e.seq, *id))
                .collect();
            // Only the oldest `slots × size` are needed: select them in O(n), sort just those.
            let wanted = (slots * size).min(pending.len());
            if wanted < pending.len() {
                pending.select_nth_unstable(wanted);
                pending.truncate(wanted);
            }
            pending.sort_unstable();
            for chunk in pending.chunks(size).take(slots) {
                groups.push(chunk.iter().map(|(_, id)| *id).collect());
            }
        }
        let mut out = Vec::new();
        for group in groups {
            let id = self.next_batch;
            let items: Vec<StatusChange> = group
                .iter()
                .filter_map(|lead| {
                    let e = self.entries.get_mut(lead)?;
                    e.phase = Phase::Sending(id);
                    e.attempts = e.attempts.saturating_add(1);
                    Some(StatusChange {
                        entity_id: *lead,
                        status: e.intent,
                    })
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            self.next_batch += 1;
            self.in_flight.insert(id, items.clone());
            out.push(Batch { id, items });
        }
        self.recount();
        out
    }

    /// Apply the result of a batch.
    pub fn reconcile(&mut self, batch: u64, result: Result<PatchOutcome, ApiError>) -> Reconciled {
        let mut out = Reconciled::default();
        let Some(items) = self.in_flight.remove(&batch) else {
            return out;
        };
        self.dirty.extend(items.iter().map(|i| i.entity_id));
        self.offline =
            matches!(&result, Err(e) if e.is_offline() || matches!(e, ApiError::Network(_)));
        match result {
            Ok(outcome) => self.answered(&items, outcome, &mut out),
            Err(e @ ApiError::Unauthorized { .. }) => {
                self.auth_blocked = true;
                out.auth_failed = true;
                for item in &items {
                    self.back_to_pending(item.entity_id);
                    if let Some(entry) = self.entries.get_mut(&item.entity_id) {
                        entry.error = Some(e.code().to_owned());
                    }
                }
            }
            Err(e) if e.rejects_size() && items.len() > 1 => {
                // Refused as a whole (413, or a 400 that one invalid item may cause): nothing
                // was applied. Send each half on its own, so in the end only the invalid
                // items fail, each with the server's reason.
                self.split(&items, matches!(e, ApiError::PayloadTooLarge { .. }));
                out.split = true;
            }
            Err(e @ ApiError::NotSent(_)) => {
                // Nothing reached Puffle: back to pending as it was (not uncertain).
                self.unsend(&items);
                out.retry_in = Some(self.schedule_retry(None, e.code()));
            }
            Err(e) if e.is_retryable() => {
                if matches!(e, ApiError::RateLimited { .. }) {
                    self.concurrency = (self.concurrency / 2).max(1);
                }
                for item in &items {
                    self.back_to_pending(item.entity_id);
                }
                out.retry_in = Some(self.schedule_retry(e.retry_after(), e.code()));
            }
            Err(e) => {
                // A refusal of one item alone names the server's own code when it gave one.
                let code = match &e {
                    ApiError::Invalid { code, .. } if !code.is_empty() => code.as_str(),
                    other => other.code(),
                };
                // An answer we could not read may have been a success: the outcome is unknown.
                let unknown_outcome = matches!(e, ApiError::TooLarge(_));
                for item in &items {
                    self.refuse(item.entity_id, code, &mut out);
                    if unknown_outcome && let Some(entry) = self.entries.get_mut(&item.entity_id) {
                        entry.uncertain = true;
                    }
                }
            }
        }
        self.recount();
        out
    }

    /// A batch answered: each item confirmed, refused, or left out of the answer (sent again
    /// after a backoff, until it has been left out `MAX_UNACKED` times).
    fn answered(&mut self, items: &[StatusChange], outcome: PatchOutcome, out: &mut Reconciled) {
        if self.concurrency < self.max_concurrency {
            self.concurrency += 1;
        }
        // Ids are compared as UUIDs: an answer in upper case names the same leads.
        let (updated, errors) = outcome.by_entity();
        let mut missing = false;
        for item in items {
            if updated.contains(&item.entity_id) {
                self.confirm(item, out);
            } else if let Some(code) = errors.get(&item.entity_id) {
                self.refuse(item.entity_id, code, out);
            } else {
                // Neither updated nor refused: the outcome is unknown. Send it again
                // with the same growing backoff as any failure, a bounded number of
                // times, then report it as not acknowledged.
                let unacked = self.entries.get_mut(&item.entity_id).map(|e| {
                    e.unacked += 1;
                    e.unacked
                });
                if unacked.is_some_and(|n| n >= MAX_UNACKED) {
                    self.refuse(item.entity_id, NOT_ACKNOWLEDGED, out);
                } else {
                    missing = true;
                    self.back_to_pending(item.entity_id);
                }
            }
        }
        if missing {
            out.retry_in = Some(self.schedule_retry(None, NOT_ACKNOWLEDGED));
        } else {
            self.failures = 0;
        }
    }

    /// A batch refused as a whole: its two halves go next, each on its own (a 413 also
    /// lowers the batch size for the session).
    fn split(&mut self, items: &[StatusChange], too_large: bool) {
        if too_large {
            self.batch_size = self.batch_size.min(items.len() / 2).max(1);
        }
        let ids: Vec<Uuid> = items.iter().map(|i| i.entity_id).collect();
        let (a, b) = ids.split_at(ids.len() / 2);
        self.splits.push_front(b.to_vec());
        self.splits.push_front(a.to_vec());
        self.unsend(items);
    }

    /// Nothing of the batch was applied: its entries are pending again as they were (a
    /// change made meanwhile becomes the intent).
    fn unsend(&mut self, items: &[StatusChange]) {
        for item in items {
            if let Some(entry) = self.entries.get_mut(&item.entity_id) {
                if let Some(next) = entry.next.take() {
                    entry.intent = next;
                    entry.attempts = 0;
                }
                entry.phase = Phase::Pending;
            }
        }
    }

    pub(super) fn schedule_retry(
        &mut self,
        retry_after: Option<Duration>,
        code: &'static str,
    ) -> Duration {
        let d = self
            .backoff
            .next_delay(self.failures, retry_after, self.jitter.unit());
        self.failures = self.failures.saturating_add(1);
        self.retry_scheduled = Some(d);
        self.wait_reason = Some(match retry_after {
            Some(wait) if wait >= d => WaitReason::ServerAsked { wait, code },
            _ => WaitReason::Backoff { code },
        });
        d
    }

    /// The scheduled retry is due (or the rep asked to send now): sending may resume.
    pub fn retry_due(&mut self) {
        self.retry_scheduled = None;
        self.wait_reason = None;
    }

    pub(super) fn confirm(&mut self, item: &StatusChange, out: &mut Reconciled) {
        let Some(e) = self.entries.get_mut(&item.entity_id) else {
            return;
        };
        let group = e.group;
        out.confirmed.push((item.entity_id, group, item.status));
        match e.next.take() {
            Some(next) if next != item.status => {
                e.confirmed = item.status;
                e.intent = next;
                e.attempts = 0;
                e.phase = Phase::Pending;
                e.error = None;
                e.uncertain = false;
                e.unacked = 0;
            }
            _ => {
                self.entries.remove(&item.entity_id);
                self.done.insert(item.entity_id);
            }
        }
    }

    pub(super) fn refuse(&mut self, id: Uuid, code: &str, out: &mut Reconciled) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        out.refused.push((id, code.to_owned()));
        match e.next.take() {
            // A newer intent supersedes the failed one.
            Some(next) if next != e.confirmed => {
                e.intent = next;
                e.attempts = 0;
                e.phase = Phase::Pending;
                e.error = None;
            }
            Some(_) => {
                self.entries.remove(&id);
            }
            None => {
                e.phase = Phase::Failed;
                e.error = Some(code.to_owned());
            }
        }
    }

    /// The batch's outcome is unknown (timeout, lost connection, 5xx): the server may or may
    /// not have applied it, so the newest intent is sent even when it equals the confirmed
    /// status (a revert made while the batch was in flight must not be lost).
    pub(super) fn back_to_pending(&mut self, id: Uuid) {
        let Some(e) = self.entries.get_mut(&id) else {
            return;
        };
        e.sent_uncertain = Some(e.intent);
        if let Some(next) = e.next.take() {
            e.intent = next;
            e.attempts = 0;
        }
        e.phase = Phase::Pending;
        e.uncertain = true;
    }
}
