//! Setting statuses, undo/redo, and reconciling what the server answered. Part of `update`.

use uuid::Uuid;

use crate::api::{ApiError, GroupBy, PatchOutcome, Status};

use super::msg::Effect;
use super::nav;
use super::queue::Phase;
use super::state::{State, gi};
use super::undo::Step;
use super::view::SortKey;

/// A status key: apply `status` to the targets (see [`nav::targets`]).
pub fn set_status(s: &mut State, status: Status, fx: &mut Vec<Effect>) {
    let (targets, bulk) = nav::targets(s);
    if targets.is_empty() {
        return;
    }
    if bulk && super::ask::asks_first(s, super::ask::Bulk::Status(status), &targets) {
        return;
    }
    commit(s, status, &targets, bulk, fx);
}

/// Apply `status` to `targets` (dataset indices of the current view), with no more questions.
pub(super) fn commit(
    s: &mut State,
    status: Status,
    targets: &[u32],
    bulk: bool,
    fx: &mut Vec<Effect>,
) {
    let group = s.group;
    let mut step = Step {
        group,
        changes: Vec::new(),
    };
    for &i in targets {
        let lead = &s.data[gi(group)].leads[i as usize];
        let (id, confirmed) = (lead.id, lead.status);
        let shown = s.queue.shown(&id, confirmed);
        // A failed row shows its confirmed status but still holds the refused change, so the
        // same key there is not a no-op: it drops that change (or queues a resend). Undo
        // brings the refused change back.
        let refused = s
            .queue
            .entries
            .get(&id)
            .filter(|e| e.phase == Phase::Failed)
            .map(|e| e.intent);
        let queued = s.queue.change(id, group, confirmed, status);
        if shown != status || queued {
            step.changes.push((id, refused.unwrap_or(shown), status));
            let line = match refused {
                Some(r) if !s.queue.entries.contains_key(&id) => {
                    format!("refused change to {r} dropped")
                }
                _ => format!("{shown} → {status} (queued)"),
            };
            s.log(id, line);
        }
    }
    let changed = step.changes.len();
    s.history.record(step);
    if bulk {
        // One pass over the rows (not one per target: 100,000 × 100,000 would hang).
        let hidden = {
            let list = s.list();
            let wanted: std::collections::HashSet<u32> = targets.iter().copied().collect();
            let visible = list.rows.iter().filter(|i| wanted.contains(i)).count();
            targets.len().saturating_sub(visible)
        };
        // The leads acted on leave the selection; any left out (the rep chose only the
        // visible ones) stay selected.
        let list = s.list_mut();
        for &i in targets {
            list.selected.remove(&i);
        }
        list.range = None;
        nav::recount_visible(s);
        let hidden_note = if hidden > 0 {
            format!(" ({hidden} hidden)")
        } else {
            String::new()
        };
        let already = targets.len() - changed;
        s.toast = Some(if changed == 0 {
            format!("{} already {status}{hidden_note}", targets.len())
        } else if already > 0 {
            format!("{changed} → {status}{hidden_note} ({already} already were) · u to undo")
        } else {
            format!("{changed} → {status}{hidden_note} · u to undo")
        });
    } else {
        nav::move_by(s, 1, false);
    }
    after_change(s, changed > 0, fx);
}

/// Re-sort if the order depends on statuses, and arm the debounce when the queue changed.
fn after_change(s: &mut State, changed: bool, fx: &mut Vec<Effect>) {
    if s.sort == SortKey::Status {
        s.refresh_view();
    }
    if changed && s.queue.counts.pending > 0 {
        fx.push(Effect::ArmDebounce(s.settings.debounce));
    }
}

/// Apply a list of (lead, status) in one view without recording history.
fn apply(
    s: &mut State,
    group: GroupBy,
    changes: impl Iterator<Item = (Uuid, Status)>,
    why: &str,
) -> usize {
    let mut n = 0;
    for (id, status) in changes {
        let confirmed = s.data[gi(group)]
            .by_id
            .get(&id)
            .map(|&i| s.data[gi(group)].leads[i as usize].status)
            .or_else(|| s.queue.entries.get(&id).map(|e| e.confirmed))
            .unwrap_or(Status::Unknown);
        // A failed entry shows the confirmed status but still holds the refused change:
        // undoing must take it out too.
        let shown = s.queue.shown(&id, confirmed);
        if shown != status || s.queue.entries.contains_key(&id) {
            s.queue.change(id, group, confirmed, status);
            s.log(id, format!("{shown} → {status} ({why})"));
            n += 1;
        }
    }
    n
}

/// `u`: undo the last keypress worth of changes. An unsent change leaves the queue; a sent one
/// queues the status it had before.
pub fn undo(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(step) = s.history.undo() else {
        s.toast = Some("nothing to undo".into());
        return;
    };
    let n = apply(
        s,
        step.group,
        step.changes.iter().map(|(id, before, _)| (*id, *before)),
        "undo",
    );
    focus_first(s, &step);
    s.toast = Some(format!(
        "undid {} change{} · U to redo",
        step.changes.len(),
        plural(step.changes.len())
    ));
    after_change(s, n > 0, fx);
}

/// `U`: apply the last undone step again.
pub fn redo(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(step) = s.history.redo() else {
        s.toast = Some("nothing to redo".into());
        return;
    };
    let n = apply(
        s,
        step.group,
        step.changes.iter().map(|(id, _, after)| (*id, *after)),
        "redo",
    );
    focus_first(s, &step);
    s.toast = Some(format!(
        "redid {} change{}",
        step.changes.len(),
        plural(step.changes.len())
    ));
    after_change(s, n > 0, fx);
}

/// Put the cursor on the first visible row a step changed, so the rep sees what undo or redo
/// did (as Gmail does). Nothing moves when none of them is visible.
fn focus_first(s: &mut State, step: &Step) {
    if step.group != s.group {
        return;
    }
    let data = &s.data[gi(step.group)];
    let changed: std::collections::HashSet<u32> = step
        .changes
        .iter()
        .filter_map(|(id, _, _)| data.by_id.get(id).copied())
        .collect();
    if let Some(pos) = s.list().rows.iter().position(|i| changed.contains(i)) {
        nav::move_to(s, pos as isize);
    }
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Hand every batch the queue allows to the worker.
pub fn flush(s: &mut State, fx: &mut Vec<Effect>) {
    for batch in s.queue.take_batches() {
        for item in &batch.items {
            s.log(
                item.entity_id,
                format!("sending {} (batch {})", item.status, batch.id),
            );
        }
        fx.push(Effect::Send(batch));
    }
}

/// Tell the rep about conflicts just found (held, with what to do).
pub fn say_conflicts(s: &mut State, found: usize) {
    if found > 0 {
        s.toast = Some(format!(
            "{found} queued change{} conflict{} with a change made elsewhere: held, not sent · r keeps yours · T takes Puffle's",
            plural(found),
            if found == 1 { "s" } else { "" }
        ));
    }
}

/// `T`: on conflicting rows among the targets, take Puffle's status (drop the rep's change).
pub fn take_theirs(s: &mut State, fx: &mut Vec<Effect>) {
    let (targets, bulk) = nav::targets(s);
    if bulk && super::ask::asks_first(s, super::ask::Bulk::TakeTheirs, &targets) {
        return;
    }
    take_theirs_on(s, &targets, bulk, fx);
}

/// [`take_theirs`] on these leads, with no more questions.
pub(super) fn take_theirs_on(s: &mut State, targets: &[u32], bulk: bool, fx: &mut Vec<Effect>) {
    let group = s.group;
    let mut n = 0;
    for &i in targets {
        let id = s.data[gi(group)].leads[i as usize].id;
        let Some(e) = s.queue.entries.get(&id) else {
            continue;
        };
        if e.error.as_deref() != Some(super::queue::CONFLICT) {
            continue;
        }
        let (ours, theirs) = (e.intent, e.confirmed);
        s.queue.change(id, group, theirs, theirs);
        s.data[gi(group)].set_status(&id, theirs);
        s.log(
            id,
            format!("conflict: kept Puffle's {theirs}, dropped yours ({ours})"),
        );
        n += 1;
    }
    if bulk {
        // The leads acted on leave the selection; any left out (the rep chose only the
        // visible ones) stay selected.
        let list = s.list_mut();
        for i in targets {
            list.selected.remove(i);
        }
        list.range = None;
        nav::recount_visible(s);
    }
    s.toast = Some(if n == 0 {
        "no conflict here".into()
    } else {
        format!("{n} conflict{} resolved: Puffle's status kept", plural(n))
    });
    after_change(s, false, fx);
}

/// `r`: retry failed rows among the targets; `R`: all failed rows. Sends at once.
pub fn retry(s: &mut State, all: bool, fx: &mut Vec<Effect>) {
    if all {
        let n = s.queue.retry(None);
        say_retry(s, n, fx);
        return;
    }
    let (targets, bulk) = nav::targets(s);
    if bulk && super::ask::asks_first(s, super::ask::Bulk::Retry, &targets) {
        return;
    }
    retry_on(s, &targets, fx);
}

/// [`retry`] on these leads, with no more questions.
pub(super) fn retry_on(s: &mut State, targets: &[u32], fx: &mut Vec<Effect>) {
    let ids: Vec<Uuid> = targets
        .iter()
        .map(|&i| s.data().leads[i as usize].id)
        .collect();
    let n = s.queue.retry(Some(&ids));
    say_retry(s, n, fx);
}

fn say_retry(s: &mut State, n: usize, fx: &mut Vec<Effect>) {
    s.toast = Some(if n == 0 {
        "no failed change to retry here".into()
    } else {
        format!("retrying {n} change{}", plural(n))
    });
    flush(s, fx);
}

/// Claiming a batch in the shared store found leads that are not ours to send (undone or
/// applied in another process, being sent by one, or changed there since).
pub fn on_claimed(
    s: &mut State,
    batch: u64,
    claims: &[(Uuid, crate::store::Claim)],
    fx: &mut Vec<Effect>,
) {
    let mut r = super::queue::Reconciled::default();
    s.queue.claimed(batch, claims, &mut r);
    for (id, group, status) in r.confirmed {
        s.data[gi(group)].set_status(&id, status);
        s.log(
            id,
            format!("{status} already applied by another lead-triage"),
        );
    }
    for id in r.gone {
        s.log(id, "undone in another lead-triage; not sent".into());
    }
    for (id, status) in r.adopted {
        s.log(
            id,
            format!("{status}: a newer change from another lead-triage, sent instead"),
        );
    }
    if let Some(d) = r.retry_in {
        s.retry_at = Some(s.now + d);
        fx.push(Effect::ScheduleRetry(d));
    }
    if s.sort == SortKey::Status {
        s.refresh_view();
    }
    // Slots freed by leads that needed no request go to what is still pending.
    flush(s, fx);
}

/// A PATCH came back: reconcile per item, then keep sending.
pub fn on_batch(
    s: &mut State,
    batch: u64,
    result: Result<PatchOutcome, ApiError>,
    fx: &mut Vec<Effect>,
) {
    let r = s.queue.reconcile(batch, result);
    for (id, group, status) in r.confirmed {
        s.data[gi(group)].set_status(&id, status);
        s.log(id, format!("{status} confirmed by Puffle"));
    }
    for (id, code) in &r.refused {
        s.log(*id, format!("refused: {code}"));
    }
    if r.auth_failed {
        s.banner = Some(
            "Puffle rejected the API key (401): sending stopped, your changes are kept. Set a valid PUFFLE_API_KEY and restart."
                .into(),
        );
    }
    if let Some(d) = r.retry_in {
        s.retry_at = Some(s.now + d);
        fx.push(Effect::ScheduleRetry(d));
    }
    if s.sort == SortKey::Status {
        s.refresh_view();
    }
    flush(s, fx);
}
