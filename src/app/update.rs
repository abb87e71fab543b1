//! `update(&mut State, Msg) -> Vec<Effect>`: the only code that changes the state. Synchronous
//! and free of I/O, so every behaviour is tested without a runtime or a terminal.

use crossterm::event::KeyEvent;

use crate::api::{GroupBy, Status};
use crate::keymap::Resolved;

use super::action::Action;
use super::modes::{on_confirm_key, on_detail_key, on_filter_key, on_help_key, on_mouse, on_paste};
use super::msg::{Effect, Msg};
use super::nav;
use super::state::{Detail, DetailSignals, LoadState, Mode, State, gi, scroll_into_view};
use super::triage;

/// Effects to start the app: list the first view.
pub fn init(s: &mut State) -> Vec<Effect> {
    vec![start_load(s, s.group)]
}

fn start_load(s: &mut State, group: GroupBy) -> Effect {
    let data = &mut s.data[gi(group)];
    data.generation += 1;
    data.load = LoadState::Loading;
    Effect::Load {
        group,
        generation: data.generation,
    }
}

/// Apply one message.
pub fn update(s: &mut State, msg: Msg) -> Vec<Effect> {
    let toast_before = s.toast.clone();
    let recount = !matches!(msg, Msg::Tick(_));
    let fx = apply(s, msg);
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
    match msg {
        Msg::Key(key) => on_key(s, key, &mut fx),
        Msg::Mouse(m) => on_mouse(s, m),
        Msg::Paste(text) => on_paste(s, &text),
        Msg::Resize(w, h) => {
            s.size = (w, h);
            let page = s.page_rows();
            for list in &mut s.lists {
                scroll_into_view(list, page);
            }
        }
        Msg::Page {
            group,
            generation,
            leads,
            skipped,
            last,
        } => {
            let data = &mut s.data[gi(group)];
            if generation != data.generation {
                return fx;
            }
            let data = &mut s.data[gi(group)];
            let before = data.changed_elsewhere.len();
            // A lead whose server status is what we queued changed because of us, not elsewhere.
            let ours: Vec<u32> = leads
                .iter()
                .filter(|l| {
                    s.queue
                        .entries
                        .get(&l.id)
                        .is_some_and(|e| e.intent == l.status)
                })
                .filter_map(|l| data.by_id.get(&l.id).copied())
                .collect();
            let mut conflicts = 0;
            for lead in &leads {
                conflicts += usize::from(s.queue.observe(&lead.id, lead.status));
            }
            let data = &mut s.data[gi(group)];
            data.merge(leads);
            for i in ours {
                data.changed_elsewhere.remove(&i);
            }
            let changed = data.changed_elsewhere.len().saturating_sub(before);
            if changed > 0 {
                s.toast = Some(format!(
                    "{changed} lead{} changed elsewhere (marked ⇄)",
                    if changed == 1 { "" } else { "s" }
                ));
            }
            let data = &mut s.data[gi(group)];
            if matches!(data.load, LoadState::Retrying(_)) {
                data.load = LoadState::Loading;
            }
            if last {
                data.load = LoadState::Loaded;
                data.cached_age = None;
                fx.push(Effect::SaveCache(group));
                fx.push(Effect::TrimMemory);
            }
            if skipped > 0 {
                s.toast = Some(format!("{skipped} rows without a usable id were left out"));
            }
            triage::say_conflicts(s, conflicts);
            if group == s.group {
                s.refresh_view();
            }
        }
        Msg::Statuses {
            group,
            generation,
            statuses,
        } => {
            if generation != s.data[gi(group)].generation {
                return fx;
            }
            // A status we queued ourselves did not change elsewhere.
            let ours: Vec<uuid::Uuid> = statuses
                .iter()
                .filter(|(id, st)| s.queue.entries.get(id).is_some_and(|e| e.intent == *st))
                .map(|(id, _)| *id)
                .collect();
            let mut conflicts = 0;
            for (id, st) in &statuses {
                conflicts += usize::from(s.queue.observe(id, *st));
            }
            let data = &mut s.data[gi(group)];
            let mut changed = data.learn(&statuses);
            for id in ours {
                if let Some(&i) = data.by_id.get(&id)
                    && data.changed_elsewhere.remove(&i)
                {
                    changed = changed.saturating_sub(1);
                }
            }
            if changed > 0 {
                s.toast = Some(format!(
                    "{changed} lead{} changed elsewhere (marked ⇄)",
                    if changed == 1 { "" } else { "s" }
                ));
            }
            triage::say_conflicts(s, conflicts);
            if group == s.group && (s.sort == super::view::SortKey::Status || !s.filter.is_empty())
            {
                s.refresh_view();
            }
        }
        Msg::LoadRetrying {
            group,
            generation,
            error,
            retry_in,
        } => {
            let data = &mut s.data[gi(group)];
            if generation == data.generation {
                data.load = LoadState::Retrying(format!(
                    "{error}; retrying in {} s",
                    retry_in.as_secs_f64().ceil() as u64
                ));
            }
        }
        Msg::LoadFailed {
            group,
            generation,
            error,
        } => {
            let data = &mut s.data[gi(group)];
            if generation == data.generation {
                data.load = LoadState::Failed(error.to_string());
                if matches!(error, crate::api::ApiError::Unauthorized { .. }) {
                    s.banner = Some(error.to_string());
                }
            }
        }
        Msg::BatchDone { batch, result } => triage::on_batch(s, batch, result, &mut fx),
        Msg::Claimed { batch, claims } => triage::on_claimed(s, batch, &claims, &mut fx),
        Msg::PersistFailed { error, committed } => {
            let ids: std::collections::HashSet<uuid::Uuid> =
                committed.iter().map(|(id, _)| *id).collect();
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
        Msg::PersistRecovered => {
            if std::mem::take(&mut s.store_failed) {
                s.banner = None;
                s.toast = Some("the local outbox can be written again".into());
            }
        }
        Msg::Revived(rows) => {
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
        Msg::FlushDue => triage::flush(s, &mut fx),
        Msg::RetryDue => triage::retry_due(s, &mut fx),
        Msg::Tick(now) => s.now = now,
        Msg::Restore {
            outbox,
            cache,
            check,
        } => {
            let restored = outbox.len();
            // Restored changes wait until Puffle's current statuses are known: a teammate may
            // have changed a lead while this one was away (a conflict, not to be overwritten).
            for g in [GroupBy::Person, GroupBy::Company] {
                let ids: Vec<uuid::Uuid> = outbox
                    .iter()
                    .filter(|r| r.group == g && r.error.is_none())
                    .map(|r| r.id)
                    .collect();
                if check && !ids.is_empty() {
                    s.queue.hold(&ids);
                    fx.push(Effect::Check { group: g, ids });
                }
            }
            s.queue.restore(outbox);
            for (group, cached, age) in cache {
                let data = &mut s.data[gi(group)];
                data.merge(cached.leads);
                data.changed_elsewhere.clear();
                data.cached_age = Some(age);
            }
            s.refresh_view();
            if restored > 0 {
                let refused = s.queue.counts.failed;
                let unsent = restored.saturating_sub(refused);
                let mut parts = Vec::new();
                if unsent > 0 {
                    parts.push(format!(
                        "{unsent} unsent change{} from the last session",
                        triage::plural(unsent)
                    ));
                }
                if refused > 0 {
                    let keys = s.keymap.hints(
                        &[(Action::NextFailed, "shows"), (Action::Retry, "retries")],
                        ", ",
                    );
                    let keys = if keys.is_empty() {
                        keys
                    } else {
                        format!(" ({keys})")
                    };
                    parts.push(format!("{refused} refused by Puffle{keys}"));
                }
                s.toast = Some(parts.join(" · "));
            }
            // Nothing is sent yet: held changes go once checked (`Msg::Observed`); `sync`
            // checks, then sends.
        }
        Msg::CachePage { group, chunk, last } => {
            if last {
                fx.push(Effect::TrimMemory);
            }
            let leads = crate::store::parse_cache_chunk(&chunk).unwrap_or_default();
            drop(chunk);
            let data = &mut s.data[gi(group)];
            // Never let cached data overwrite what a refresh already brought.
            data.merge_new(leads);
            if group == s.group {
                s.refresh_view();
            }
        }
        Msg::Notice(text) => s.toast = Some(text),
        Msg::Signals { id, result } => {
            if let Some(d) = s.detail.as_mut().filter(|d| d.id == id) {
                d.signals = match result {
                    Ok(v) => DetailSignals::Loaded(v),
                    Err(e) => DetailSignals::Failed(e.to_string()),
                };
            }
        }
        Msg::Enqueue(changes) => {
            for c in changes {
                let confirmed = s
                    .queue
                    .entries
                    .get(&c.entity_id)
                    .map_or(crate::api::Status::Unknown, |e| e.confirmed);
                s.queue
                    .change(c.entity_id, GroupBy::Person, confirmed, c.status);
            }
            triage::flush(s, &mut fx);
        }
        Msg::RetryAllNow { conflicts_too } => {
            s.queue.retry_where(None, conflicts_too);
            triage::flush(s, &mut fx);
        }
        Msg::Observed { checked, statuses } => {
            let mut conflicts = 0;
            for (id, st) in &statuses {
                conflicts += usize::from(s.queue.observe(id, *st));
                for g in [GroupBy::Person, GroupBy::Company] {
                    s.data[gi(g)].set_status(id, *st);
                }
            }
            s.queue.checked(&checked);
            triage::say_conflicts(s, conflicts);
            triage::flush(s, &mut fx);
        }
        Msg::WorkerFailed(e) => {
            // Rows in flight would sit on "sending" behind a dead worker: quit instead. Every
            // change is already in the outbox, and the next start sends it.
            s.banner = Some(format!(
                "internal error in the sync worker: {}; your changes are kept in the local outbox and are sent at the next start",
                crate::text::clean(&e)
            ));
            fx.push(Effect::Quit);
        }
        Msg::StoreFailed(e) => {
            s.store_failed = true;
            s.banner = Some(format!(
                "the local outbox cannot be used ({e}); changes cannot be queued safely"
            ));
        }
    }
    let writes = s.queue.take_dirty();
    if !writes.is_empty() {
        // Written before anything is drawn or sent.
        fx.insert(0, Effect::Persist(writes));
    }
    if s.quit_when_idle && s.queue.is_idle() && !fx.contains(&Effect::Quit) {
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
    }
    fx
}

fn on_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if crate::ui::too_small(s.size) {
        // Nothing is drawn but the "too small" message: only quitting acts.
        return super::modes::on_key_too_small(s, key, fx);
    }
    match s.mode {
        Mode::Normal => on_normal_key(s, key, fx),
        Mode::Filter => on_filter_key(s, key),
        Mode::Help { scroll } => on_help_key(s, key, scroll, fx),
        Mode::ConfirmQuit => on_confirm_key(s, key, fx),
        Mode::Detail { scroll } => on_detail_key(s, key, scroll, fx),
        Mode::Ask(_) if super::modes::is_ctrl_c(key) => super::modes::quit_from_anywhere(s, fx),
        Mode::Ask(ref ask) => {
            let ask = (**ask).clone();
            super::ask::on_ask_key(s, ask, key, fx);
        }
        Mode::Find => super::find::on_key(s, key),
    }
}

fn on_normal_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let chord = std::mem::take(&mut s.chord);
    match s.keymap.resolve(&chord, key) {
        Resolved::Action(a) => act(s, a, fx),
        Resolved::Pending => {
            s.chord = chord;
            s.chord.push(key);
        }
        Resolved::Unbound => {}
    }
}

/// `Enter`: the detail pane of the cursor's lead; its signals load in the background.
fn open_detail(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(id) = s.cursor_lead().map(|l| l.id) else {
        return;
    };
    s.detail = Some(Detail {
        group: s.group,
        id,
        signals: DetailSignals::Loading,
    });
    s.mode = Mode::Detail { scroll: 0 };
    fx.push(Effect::LoadSignals { group: s.group, id });
}

/// Carry out one action of the normal mode.
pub fn act(s: &mut State, a: Action, fx: &mut Vec<Effect>) {
    let page = s.page_rows() as isize;
    s.toast = None;
    match a {
        Action::MoveDown => nav::move_by(s, 1, false),
        Action::MoveUp => nav::move_by(s, -1, false),
        Action::Top => nav::move_by(s, -(s.list().cursor as isize), false),
        Action::Bottom => nav::move_by(s, s.list().rows.len() as isize, false),
        Action::HalfPageDown => nav::move_by(s, (page / 2).max(1), false),
        Action::HalfPageUp => nav::move_by(s, -(page / 2).max(1), false),
        Action::PageDown => nav::move_by(s, page, false),
        Action::PageUp => nav::move_by(s, -page, false),
        Action::NextFailed | Action::PrevFailed => {
            if !nav::jump_failed(s, a == Action::NextFailed) {
                s.toast = Some("no failed rows".into());
            }
        }
        Action::ToggleSelect => nav::toggle(s),
        Action::RangeSelect => nav::range_key(s),
        Action::RangeDown => nav::move_by(s, 1, true),
        Action::RangeUp => nav::move_by(s, -1, true),
        Action::SelectAll => {
            nav::select_all(s);
            let n = s.list().selected.len();
            s.toast = Some(format!(
                "{n} selected{}",
                s.keymap.note(Action::Escape, "clears")
            ));
        }
        Action::SelectNone => clear_selection(s),
        Action::InvertSelection => nav::invert(s),
        Action::SelectStatusNew => {
            let n = nav::select_status(s, Status::New);
            report_selected(s, n, "new");
        }
        Action::SelectStatusContacted => {
            let n = nav::select_status(s, Status::Contacted);
            report_selected(s, n, "contacted");
        }
        Action::SelectStatusDismissed => {
            let n = nav::select_status(s, Status::Dismissed);
            report_selected(s, n, "dismissed");
        }
        Action::SelectFailed => {
            let n = nav::select_failed(s);
            report_selected(s, n, "failed");
        }
        Action::SetNew => triage::set_status(s, Status::New, fx),
        Action::SetContacted => triage::set_status(s, Status::Contacted, fx),
        Action::SetDismissed => triage::set_status(s, Status::Dismissed, fx),
        Action::Undo => triage::undo(s, fx),
        Action::Redo => triage::redo(s, fx),
        Action::Flush => triage::send_now(s, fx),
        Action::Retry => triage::retry(s, false, fx),
        Action::RetryAll => triage::retry(s, true, fx),
        Action::TakeTheirs => triage::take_theirs(s, fx),
        Action::Filter => s.mode = Mode::Filter,
        Action::Find => super::find::start(s),
        Action::FindNext => super::find::again(s, true),
        Action::FindPrev => super::find::again(s, false),
        // Prompt keys mean nothing in the list.
        Action::Accept | Action::OnlyVisible | Action::DeleteWord | Action::ClearLine => {}
        Action::SortNext => {
            s.sort = s.sort.next();
            s.descending = s.sort.descending_by_default();
            s.refresh_view();
        }
        Action::SortReverse => {
            s.descending = !s.descending;
            s.refresh_view();
        }
        Action::SwitchView => {
            s.group = s.group.other();
            if s.data().load == LoadState::NotStarted {
                fx.push(start_load(s, s.group));
            }
            s.refresh_view();
        }
        Action::Reload => {
            fx.push(start_load(s, s.group));
            s.toast = Some("reloading…".into());
        }
        Action::Detail => open_detail(s, fx),
        Action::OpenUrl => open_url(s, fx),
        Action::CopyEmail => copy(s, fx, "email", |l| l.email().map(str::to_owned)),
        Action::CopyUrl => copy(s, fx, "LinkedIn URL", |l| {
            l.linkedin_url().map(str::to_owned)
        }),
        Action::Export => export(s, fx, crate::export::Format::Csv),
        Action::ExportJson => export(s, fx, crate::export::Format::Json),
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Help => s.mode = Mode::Help { scroll: 0 },
        Action::Escape => escape(s),
        Action::Quit => {
            if s.queue.unsent() > 0 {
                s.mode = Mode::ConfirmQuit;
            } else {
                fx.push(Effect::Quit);
            }
        }
    }
}

/// Only web addresses may be opened (lead data comes from the internet).
pub fn safe_web_url(raw: &str) -> Option<String> {
    let url = reqwest::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https")
        .then(|| url.host_str().is_some())
        .filter(|ok| *ok)
        .map(|_| url.to_string())
}

/// `o`: the person's LinkedIn, else the company's website.
pub(super) fn open_url(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(lead) = s.cursor_lead() else {
        return;
    };
    let candidate = lead
        .linkedin_url()
        .map(str::to_owned)
        .or_else(|| {
            lead.company
                .as_ref()
                .and_then(|c| c.linkedin_url.as_deref().map(str::to_owned))
        })
        .or_else(|| lead.domain().map(|d| format!("https://{d}")));
    match candidate.as_deref().and_then(safe_web_url) {
        Some(url) => {
            s.toast = Some(format!("opening {url}"));
            fx.push(Effect::Open(url));
        }
        None => s.toast = Some("no web address for this lead".into()),
    }
}

/// `y` / `Y`: copy a field of the cursor's lead.
pub(super) fn copy(
    s: &mut State,
    fx: &mut Vec<Effect>,
    what: &str,
    field: impl Fn(&super::record::LeadRecord) -> Option<String>,
) {
    let Some(lead) = s.cursor_lead() else {
        return;
    };
    match field(lead) {
        Some(text) => {
            s.toast = Some(format!("copied {what}: {text}"));
            fx.push(Effect::Copy(text));
        }
        None => s.toast = Some(format!("no {what} for this lead")),
    }
}

/// `e` / `E`: the selection, else the visible rows, with the statuses as shown.
fn export(s: &mut State, fx: &mut Vec<Effect>, format: crate::export::Format) {
    let list = s.list();
    let data = s.data();
    let ids: Vec<u32> = if list.selected.is_empty() {
        list.rows.clone()
    } else {
        let mut v: Vec<u32> = list.selected.iter().copied().collect();
        v.sort_unstable();
        v
    };
    let leads: Vec<crate::api::Lead> = ids
        .iter()
        .map(|&i| {
            let rec = &data.leads[i as usize];
            let mut l = rec.to_lead();
            l.status = s.queue.shown(&rec.id, rec.status);
            l
        })
        .collect();
    if leads.is_empty() {
        s.toast = Some("nothing to export".into());
        return;
    }
    let view = match s.group {
        GroupBy::Person => "people",
        GroupBy::Company => "companies",
    };
    s.toast = Some(format!(
        "exporting {} lead{}…",
        leads.len(),
        triage::plural(leads.len())
    ));
    fx.push(Effect::Export {
        format,
        view,
        leads,
    });
}

fn report_selected(s: &mut State, added: usize, what: &str) {
    let total = s.list().selected.len();
    s.toast = Some(if added == 0 {
        format!("no more visible {what} rows to select ({total} selected)")
    } else {
        format!(
            "{added} {what} row{} selected ({total} in all)",
            triage::plural(added)
        )
    });
}

fn clear_selection(s: &mut State) {
    let list = s.list_mut();
    list.selected.clear();
    list.range = None;
    list.visible_selected = 0;
}

/// Esc cascades: cancel range → clear filter → clear selection. It never quits.
fn escape(s: &mut State) {
    if s.list().range.is_some() {
        s.list_mut().range = None;
    } else if !s.filter.is_empty() {
        s.filter.clear();
        s.refresh_view();
    } else if !s.list().selected.is_empty() {
        clear_selection(s);
    } else if s.banner.is_some() {
        s.banner = None;
    }
}
