//! `update(&mut State, Msg) -> Vec<Effect>`: the only code that changes the state. Synchronous
//! and free of I/O, so every behaviour is tested without a runtime or a terminal.
//!
//! `apply` hands each message to one handler, in the file named after what it is about:
//! `keys` (the list's keys and the dispatch to the other modes), `lead` (what is done with
//! the cursor's lead), `load` (listing, cache, restore), `sync` (queue and outbox), `screen`
//! (size and mouse, through `ui::Layout`).

mod keys;
mod lead;
mod load;
mod screen;
mod sync;

use super::modes::on_paste;
use super::msg::{Effect, Msg};
use super::state::State;
use super::triage;
// For the handlers (`super::view::SortKey`).
use super::view;

pub use keys::act;
pub use lead::safe_web_url;
pub(super) use lead::{copy, open_url};
pub(super) use load::start_load;

/// Effects to start the app: list the first view.
pub fn init(s: &mut State) -> Vec<Effect> {
    vec![load::start_load(s, s.group)]
}

/// Apply one message.
pub fn update(s: &mut State, msg: Msg) -> Vec<Effect> {
    let toast_before = s.toast.clone();
    let recount = !matches!(msg, Msg::Tick(_) | Msg::Budget(_));
    let key = matches!(msg, Msg::Key(_) | Msg::Mouse(_));
    let leads_changed = matches!(
        msg,
        Msg::Page { .. }
            | Msg::Statuses { .. }
            | Msg::ScreenStatuses { .. }
            | Msg::CachePage { .. }
            | Msg::Restore { .. }
            | Msg::Observed { .. }
            | Msg::BatchDone { .. }
            | Msg::Claimed { .. }
            | Msg::Revived(_)
            | Msg::PersistFailed { .. }
    );
    let group_before = s.group;
    let fx = apply(s, msg);
    if leads_changed
        || s.group != group_before
        || fx.iter().any(|f| matches!(f, Effect::Persist(_)))
    {
        s.views_dirty = true;
    }
    super::views::recount(s, key);
    if recount && s.query.has_tokens() {
        s.recount_stale();
    }
    if s.toast != toast_before {
        s.toast_since = s.now;
    } else if s.toast_expires().is_some_and(|at| s.now >= at) {
        s.toast = None;
    }
    fx
}

fn apply(s: &mut State, msg: Msg) -> Vec<Effect> {
    let mut fx = Vec::new();
    dispatch(s, msg, &mut fx);
    finish(s, &mut fx);
    fx
}

/// One handler per message.
fn dispatch(s: &mut State, msg: Msg, fx: &mut Vec<Effect>) {
    match msg {
        Msg::Key(key) => keys::on_key(s, key, fx),
        Msg::Mouse(m) => screen::on_mouse(s, m),
        Msg::Paste(text) => on_paste(s, &text),
        Msg::Resize(w, h) => screen::on_resize(s, w, h),
        Msg::Page {
            group,
            generation,
            leads,
            skipped,
            last,
        } => load::on_page(s, group, generation, leads, skipped, last, fx),
        Msg::Statuses {
            group,
            generation,
            statuses,
        } => load::on_statuses(s, group, generation, statuses),
        Msg::ScreenStatuses {
            group,
            generation,
            statuses,
        } => load::on_screen_statuses(s, group, generation, statuses),
        Msg::LoadRetrying {
            group,
            generation,
            error,
            retry_in,
        } => load::on_load_retrying(s, group, generation, error, retry_in),
        Msg::LoadFailed {
            group,
            generation,
            error,
        } => load::on_load_failed(s, group, generation, error),
        Msg::BatchDone { batch, result } => triage::on_batch(s, batch, result, fx),
        Msg::Claimed { batch, claims } => triage::on_claimed(s, batch, &claims, fx),
        Msg::PersistFailed { error, committed } => sync::on_persist_failed(s, error, committed),
        Msg::PersistRecovered => sync::on_persist_recovered(s),
        Msg::Revived(rows) => sync::on_revived(s, rows, fx),
        Msg::FlushDue => triage::flush(s, fx),
        Msg::RetryDue => triage::retry_due(s, fx),
        Msg::Tick(now) => s.now = now,
        Msg::Budget(view) => s.budget = Some(view),
        Msg::Restore {
            outbox,
            cache,
            check,
        } => load::on_restore(s, outbox, cache, check, fx),
        Msg::CachePage { group, leads, last } => load::on_cache_page(s, group, leads, last, fx),
        Msg::Notice(text) => s.toast = Some(text),
        Msg::Signals {
            id,
            result,
            fetched_at,
            cached,
        } => super::pane::on_signals(s, id, result, fetched_at, cached, fx),
        Msg::PipeDone(done) => super::pipe::on_done(s, done),
        Msg::Drafted(results) => super::outreach::on_drafted(s, results, fx),
        Msg::DraftFailed { leads, error } => super::outreach::on_draft_failed(s, leads, error),
        Msg::SignalUpdateQueued { lead, update } => super::outreach::on_queued(s, lead, update, fx),
        Msg::RestoreSignalUpdates(rows) => super::outreach::on_restore(s, rows, fx),
        Msg::SignalsPatched { sent, result } => super::outreach::on_patched(s, sent, result, fx),
        Msg::Edited { job, result } => super::outreach::on_edited(s, job, result, fx),
        Msg::Enqueue(changes) => sync::on_enqueue(s, changes, fx),
        Msg::RetryAllNow { conflicts_too } => sync::on_retry_all_now(s, conflicts_too, fx),
        Msg::Observed { checked, statuses } => sync::on_observed(s, checked, statuses, fx),
        Msg::WorkerFailed(e) => sync::on_worker_failed(s, e, fx),
        Msg::StoreFailed(e) => sync::on_store_failed(s, e),
    }
}

/// After every message: queue writes go first, and a "send and quit" quits once idle.
fn finish(s: &mut State, fx: &mut Vec<Effect>) {
    let writes = s.queue.take_dirty();
    if !writes.is_empty() {
        // Written before anything is drawn or sent.
        fx.insert(0, Effect::Persist(writes));
    }
    if s.quit_when_idle
        && s.queue.is_idle()
        && super::outreach::unsent(s) == 0
        && !fx.contains(&Effect::Quit)
    {
        let refused = s.queue.counts.failed;
        if refused > 0 {
            // Sending is over but Puffle refused some: say so instead of quitting on them.
            s.quit_when_idle = false;
            s.toast = Some(format!(
                "{refused} change{} refused again, so not quitting · ] shows {} · q then y quits anyway",
                triage::plural(refused),
                if refused == 1 { "it" } else { "them" }
            ));
        } else {
            fx.push(Effect::Quit);
        }
    }
    if fx.contains(&Effect::Quit) {
        s.quit = true;
    } else {
        load::check_screen(s, fx);
        super::pane::follow(s, fx);
        if !s.outreach.queued.is_empty() {
            // Changes to signals whose retry is due.
            super::outreach::send_due(s, fx);
        }
    }
}
