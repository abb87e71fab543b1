//! Setting statuses, undo/redo, and reconciling what the server answered. Part of `update`.

use uuid::Uuid;

use crate::api::{ApiError, GroupBy, PatchOutcome, Status};

use super::action::Action;
use super::msg::Effect;
use super::nav;
use super::queue::Phase;
use super::state::{State, gi};
use super::undo::Step;
use super::view::SortKey;

/// A status key: apply `status` to the targets (see [`nav::targets`]).
pub fn set_status(s: &mut State, status: Status, fx: &mut Vec<Effect>) {
    // What `.` repeats: the last status key pressed, on whatever it then acts on.
    s.last_status = Some(status);
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
    note_triaged(s, &step, true);
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
            let undo = s.keymap.note(Action::Undo, "to undo");
            format!("{changed} → {status}{hidden_note} ({already} already were){undo}")
        } else {
            let undo = s.keymap.note(Action::Undo, "to undo");
            format!("{changed} → {status}{hidden_note}{undo}")
        });
    } else if changed == 0 {
        // The row already shows that status: say so, and stay (as Gmail does), so the key is
        // not taken for one that acted.
        s.toast = Some(already(s, targets[0], status));
    } else if s.settings.auto_advance {
        // On to the next lead, as Gmail and Superhuman do (`auto_advance = false` stays).
        nav::move_by(s, 1, false);
    }
    after_change(s, changed > 0, fx);
}

/// Count the leads of a step as triaged this session (or, undone, no longer).
fn note_triaged(s: &mut State, step: &Step, done: bool) {
    for (id, _, _) in &step.changes {
        if done {
            s.triaged.insert(*id);
        } else {
            s.triaged.remove(id);
        }
    }
    if done && !step.changes.is_empty() && s.first_triage.is_none() {
        s.first_triage = Some(s.now);
    }
}

/// "Ada Lovelace is already contacted", noting a change of the rep's still on its way.
fn already(s: &State, i: u32, status: Status) -> String {
    let lead = &s.data[gi(s.group)].leads[i as usize];
    let queued = match s.queue.entries.get(&lead.id).map(|e| e.phase) {
        Some(Phase::Pending) => " (not sent yet)",
        Some(Phase::Sending(_)) => " (being sent)",
        _ => "",
    };
    format!("{} is already {status}{queued}", lead.name())
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
    note_triaged(s, &step, false);
    focus_first(s, &step);
    s.toast = Some(format!(
        "{} · U to redo",
        step_summary(s, &step, "undid", |(_, before, _)| *before)
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
    note_triaged(s, &step, true);
    focus_first(s, &step);
    s.toast = Some(step_summary(s, &step, "redid", |(_, _, after)| *after));
    after_change(s, n > 0, fx);
}

/// What undo or redo just did, for the toast: "undid: Ada Lovelace → new" for one lead,
/// "undid 3 changes → new", or "undid 3 changes (2 → new, 1 → contacted)"; and "in the
/// company view" when the step was made in the view not shown. `to` picks the status each
/// lead went to.
fn step_summary(
    s: &State,
    step: &Step,
    verb: &str,
    to: impl Fn(&(Uuid, Status, Status)) -> Status,
) -> String {
    let data = &s.data[gi(step.group)];
    let mut text = match step.changes.as_slice() {
        [one] => match data.by_id.get(&one.0) {
            Some(&i) => format!("{verb}: {} → {}", data.leads[i as usize].name(), to(one)),
            None => format!("{verb} 1 change → {}", to(one)),
        },
        many => {
            let mut by: Vec<(Status, usize)> = Status::ALL
                .iter()
                .map(|&st| (st, many.iter().filter(|c| to(c) == st).count()))
                .filter(|(_, k)| *k > 0)
                .collect();
            // Most first; ties in status order (the sort is stable).
            by.sort_by_key(|b| std::cmp::Reverse(b.1));
            match by.as_slice() {
                [(st, _)] => format!("{verb} {} changes → {st}", many.len()),
                parts => format!(
                    "{verb} {} changes ({})",
                    many.len(),
                    parts
                        .iter()
                        .map(|(st, k)| format!("{k} → {st}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
    };
    if step.group != s.group {
        text.push_str(match step.group {
            GroupBy::Person => " in the person view",
            GroupBy::Company => " in the company view",
        });
    }
    text
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

/// Cut short a wait after a failure (our backoff, or the server's `Retry-After`): the rep
/// asked to send now. Returns whether there was one.
pub fn cancel_wait(s: &mut State) -> bool {
    let waited = s.retry_at.take().is_some() || s.queue.retry_scheduled.is_some();
    s.queue.retry_due();
    waited
}

/// `$`: send what is queued now, a wait after a failure included. The toast says so when a
/// wait was cut short, and why when nothing could go; a plain send shows on the status line.
pub fn send_now(s: &mut State, fx: &mut Vec<Effect>) {
    let pending = s.queue.counts.pending;
    if pending == 0 {
        s.toast = Some(match s.queue.counts.sending {
            0 => "nothing waiting to be sent".into(),
            n => format!("nothing more to send ({n} on the way)"),
        });
        return;
    }
    let waited = cancel_wait(s);
    let before = fx.len();
    flush(s, fx);
    let sent: usize = fx[before..]
        .iter()
        .map(|e| match e {
            Effect::Send(b) => b.items.len(),
            _ => 0,
        })
        .sum();
    let waits = |why: &str| {
        format!(
            "{pending} change{} wait{} {why}",
            plural(pending),
            if pending == 1 { "s" } else { "" }
        )
    };
    if s.queue.auth_blocked {
        s.toast = Some(
            "not sent: Puffle rejected the API key (set a valid PUFFLE_API_KEY and restart)".into(),
        );
    } else if sent == 0 && s.queue.in_flight.len() >= s.queue.concurrency {
        s.toast = Some(waits("for the requests in flight"));
    } else if sent == 0 {
        s.toast = Some(waits("until Puffle's current status is checked"));
    } else if waited {
        let left = pending.saturating_sub(sent);
        let follow = if left > 0 {
            format!(" ({left} follow)")
        } else {
            String::new()
        };
        s.toast = Some(format!("sending {sent} change{} now{follow}", plural(sent)));
    }
}

/// The retry timer fired. A timer armed before `$` cut its wait short is stale: nothing is
/// due, and flushing then would send changes before their debounce.
pub fn retry_due(s: &mut State, fx: &mut Vec<Effect>) {
    if s.retry_at.is_none() && s.queue.retry_scheduled.is_none() {
        return;
    }
    s.queue.retry_due();
    s.retry_at = None;
    flush(s, fx);
}

/// Hand every batch the queue allows to the worker.
pub fn flush(s: &mut State, fx: &mut Vec<Effect>) {
    for batch in s.queue.take_batches() {
        // Most items of a batch share their line: format it once (this runs between a
        // batch's answer and the next request).
        let mut last: Option<(Status, u32, String)> = None;
        for item in &batch.items {
            let n = s
                .queue
                .entries
                .get(&item.entity_id)
                .map_or(0, |e| e.attempts);
            let line = match &last {
                Some((status, k, line)) if *status == item.status && *k == n => line.clone(),
                _ => {
                    let attempt = if n > 1 {
                        format!(", attempt {n}")
                    } else {
                        String::new()
                    };
                    let line = format!("sending {} (batch {}{attempt})", item.status, batch.id);
                    last = Some((item.status, n, line.clone()));
                    line
                }
            };
            s.log(item.entity_id, line);
        }
        fx.push(Effect::Send(batch));
    }
}

/// Tell the rep about conflicts just found (held, with what to do).
pub fn say_conflicts(s: &mut State, found: usize) {
    if found > 0 {
        s.toast = Some(format!(
            "{found} queued change{} conflict{} with a change made elsewhere: held, not sent{}{}",
            plural(found),
            if found == 1 { "s" } else { "" },
            s.keymap.note(Action::Retry, "keeps yours"),
            s.keymap.note(Action::TakeTheirs, "takes Puffle's"),
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
        // Retrying is sending now: a wait after an earlier failure is cut short.
        cancel_wait(s);
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
    // Which attempt this was for each lead, and what went wrong for the whole request, so
    // the detail pane can show the result of every attempt.
    let attempts: std::collections::HashMap<Uuid, u32> = s
        .queue
        .in_flight
        .get(&batch)
        .into_iter()
        .flatten()
        .filter_map(|i| Some((i.entity_id, s.queue.entries.get(&i.entity_id)?.attempts)))
        .collect();
    let failure = result.as_ref().err().map(|e| match e {
        ApiError::Unauthorized { .. } => "Puffle rejected the API key (401)".to_owned(),
        other => other.to_string(),
    });
    let r = s.queue.reconcile(batch, result);
    let nth = |id: &Uuid| attempts.get(id).copied().unwrap_or(0);
    let attempt = |n: u32| {
        if n > 0 {
            format!("attempt {n} ")
        } else {
            String::new()
        }
    };
    let mut last: Option<(Status, u32, String)> = None;
    for &(id, group, status) in &r.confirmed {
        s.data[gi(group)].set_status(&id, status);
        let n = nth(&id).max(1);
        let line = match &last {
            Some((st, k, line)) if *st == status && *k == n => line.clone(),
            _ => {
                let line = if n > 1 {
                    format!("{status} confirmed by Puffle (attempt {n})")
                } else {
                    format!("{status} confirmed by Puffle")
                };
                last = Some((status, n, line.clone()));
                line
            }
        };
        s.log(id, line);
    }
    for (id, code) in &r.refused {
        let why = failure
            .as_deref()
            .map_or(String::new(), |f| format!(": {f}"));
        let line = format!("{}refused by Puffle ({code}){why}", attempt(nth(id)));
        s.log(*id, line);
    }
    // The others are queued again: say what happened to this attempt and what comes next.
    let next = if r.auth_failed {
        "sending stopped".to_owned()
    } else if r.split {
        "sent again in smaller batches".to_owned()
    } else if let Some(d) = r.retry_in {
        format!("retrying in {} s", d.as_secs_f64().ceil() as u64)
    } else {
        "queued again".to_owned()
    };
    // Usually every item was confirmed or refused (they are among `attempts`): nothing more
    // to say, and no set to build.
    let all_settled = r.confirmed.len() + r.refused.len() >= attempts.len();
    let mut unsettled: Vec<&Uuid> = if all_settled {
        Vec::new()
    } else {
        let settled: std::collections::HashSet<Uuid> = (r.confirmed.iter().map(|c| c.0))
            .chain(r.refused.iter().map(|c| c.0))
            .collect();
        attempts.keys().filter(|id| !settled.contains(id)).collect()
    };
    unsettled.sort_unstable();
    for id in unsettled {
        let Some(e) = s.queue.entries.get(id) else {
            continue;
        };
        let what = match &failure {
            Some(f) => f.clone(),
            None => format!(
                "left out of Puffle's answer ({} of {})",
                e.unacked,
                super::queue::MAX_UNACKED
            ),
        };
        let line = format!("{}failed: {what}; {next}", attempt(nth(id)));
        s.log(*id, line);
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
