//! Queue and outbox messages: a write that failed or works again, revived and enqueued
//! changes, statuses observed before sending, a failed worker or store. Part of `update`.

use crate::api::{GroupBy, StatusChange};
use crate::store::OutboxRow;

use crate::app::msg::Effect;
use crate::app::state::{State, gi};
use crate::app::triage;

/// `Msg::PersistFailed`: undo in memory what the outbox did not save.
pub(super) fn on_persist_failed(
    s: &mut State,
    error: String,
    committed: Vec<(uuid::Uuid, Option<OutboxRow>)>,
) {
    let ids: std::collections::HashSet<uuid::Uuid> = committed.iter().map(|(id, _)| *id).collect();
    let last_was_it = s
        .history
        .last()
        .is_some_and(|step| step.changes.iter().any(|(id, _, _)| ids.contains(id)));
    if last_was_it {
        s.history.forget_last();
    }
    s.queue.rollback(committed);
    for id in &ids {
        s.log(*id, format!("not saved locally ({error}); not queued"));
    }
    s.store_failed = true;
    s.banner = Some(format!(
        "could not save to the local outbox ({error}): the last change was NOT queued. Free space or fix the store, then press the key again. {} earlier change{} safe on disk.",
        s.queue.unsent(),
        if s.queue.unsent() == 1 {
            " is"
        } else {
            "s are"
        }
    ));
    if s.sort == super::view::SortKey::Status {
        s.refresh_view();
    }
}

/// `Msg::PersistRecovered`: the outbox can be written again.
pub(super) fn on_persist_recovered(s: &mut State) {
    if std::mem::take(&mut s.store_failed) {
        s.banner = None;
        s.toast = Some("the local outbox can be written again".into());
    }
}

/// `Msg::Revived`: cancels another process had already sent, turned back into changes.
pub(super) fn on_revived(s: &mut State, rows: Vec<OutboxRow>, fx: &mut Vec<Effect>) {
    for r in &rows {
        s.log(
            r.id,
            format!(
                "already sent by another lead-triage: {} will be sent back",
                r.status
            ),
        );
    }
    s.queue.revive(rows);
    fx.push(Effect::ArmDebounce(s.settings.debounce));
}

/// `Msg::Enqueue`: queue these changes and send them now (the headless commands).
pub(super) fn on_enqueue(s: &mut State, changes: Vec<StatusChange>, fx: &mut Vec<Effect>) {
    for c in changes {
        let confirmed = s
            .queue
            .entries
            .get(&c.entity_id)
            .map_or(crate::api::Status::Unknown, |e| e.confirmed);
        s.queue
            .change(c.entity_id, GroupBy::Person, confirmed, c.status);
    }
    triage::flush(s, fx);
}

/// `Msg::RetryAllNow`: every refused change back in the queue, sent now.
pub(super) fn on_retry_all_now(s: &mut State, conflicts_too: bool, fx: &mut Vec<Effect>) {
    s.queue.retry_where(None, conflicts_too);
    triage::flush(s, fx);
}

/// `Msg::Observed`: Puffle's statuses for queued leads, checked before sending.
pub(super) fn on_observed(
    s: &mut State,
    checked: Vec<uuid::Uuid>,
    statuses: Vec<(uuid::Uuid, crate::api::Status)>,
    fx: &mut Vec<Effect>,
) {
    let mut conflicts = 0;
    for (id, st) in &statuses {
        conflicts += usize::from(s.queue.observe(id, *st));
        for g in [GroupBy::Person, GroupBy::Company] {
            s.data[gi(g)].set_status(id, *st);
        }
    }
    s.queue.checked(&checked);
    triage::say_conflicts(s, conflicts);
    triage::flush(s, fx);
}

/// `Msg::WorkerFailed`: the sync worker is gone; quit (the outbox keeps every change).
pub(super) fn on_worker_failed(s: &mut State, e: String, fx: &mut Vec<Effect>) {
    // Rows in flight would sit on "sending" behind a dead worker: quit instead. Every
    // change is already in the outbox, and the next start sends it.
    s.banner = Some(format!(
        "internal error in the sync worker: {}; your changes are kept in the local outbox and are sent at the next start",
        crate::text::clean(&e)
    ));
    fx.push(Effect::Quit);
}

/// `Msg::StoreFailed`: the local store cannot be used.
pub(super) fn on_store_failed(s: &mut State, e: String) {
    s.store_failed = true;
    s.banner = Some(format!(
        "the local outbox cannot be used ({e}); changes cannot be queued safely"
    ));
}
