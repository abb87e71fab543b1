//! Listing messages: pages of leads, learned statuses, load progress, the restored session
//! and the cached listing, the signals of the detail pane. Part of `update`.

use crate::api::{ApiError, GroupBy, Lead, Status};
use crate::store::{CachedLeads, OutboxRow};

use crate::app::action::Action;
use crate::app::msg::Effect;
use crate::app::state::{LoadState, State, gi};
use crate::app::triage;

pub(crate) fn start_load(s: &mut State, group: GroupBy) -> Effect {
    let data = &mut s.data[gi(group)];
    data.generation += 1;
    data.refreshed = 0;
    data.seen.clear();
    data.checking_screen = false;
    data.load = LoadState::Loading;
    Effect::Load {
        group,
        generation: data.generation,
    }
}

/// `Msg::Page`: a page of leads arrived.
pub(super) fn on_page(
    s: &mut State,
    group: GroupBy,
    generation: u64,
    leads: Vec<Lead>,
    skipped: usize,
    last: bool,
    fx: &mut Vec<Effect>,
) {
    let data = &mut s.data[gi(group)];
    if generation != data.generation {
        return;
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
    data.refreshed += leads.len();
    let ids: Vec<uuid::Uuid> = leads.iter().map(|l| l.id).collect();
    data.merge(leads);
    data.mark_seen(ids);
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

/// `Msg::Statuses`: statuses learned for leads of a page that arrived without them.
pub(super) fn on_statuses(
    s: &mut State,
    group: GroupBy,
    generation: u64,
    statuses: Vec<(uuid::Uuid, Status)>,
) {
    if generation != s.data[gi(group)].generation {
        return;
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
    if group == s.group && (s.sort == super::view::SortKey::Status || !s.filter.is_empty()) {
        s.refresh_view();
    }
}

/// Most rows one screen check asks about (one `GET /api/signals/leads?ids=…` page).
const SCREEN_CHECK_MAX: usize = crate::api::MAX_PAGE_SIZE as usize;

/// Rows past what the listing has brought that its next page brings anyway.
const NEXT_PAGE: usize = crate::api::MAX_PAGE_SIZE as usize;

/// After every message: while a load runs, the rows on screen that it has not listed yet
/// (cached rows, or rows far down after a jump or a filter) have their statuses learned
/// first, in the budget's "on screen" lane, instead of waiting for the background listing
/// to reach them. One check at a time; the next follows when it is answered, so holding a
/// movement key asks for the screen the rep stopped on, not for every screen passed. Rows the
/// listing's next page brings anyway are left to it: a view keeps the listing's order of
/// first arrival, so lead `i` comes with page `i / 100` (a cache is kept in that order too),
/// and the top of a freshly started list costs no extra request.
pub(super) fn check_screen(s: &mut State, fx: &mut Vec<Effect>) {
    let group = s.group;
    let window = s.layout().window(s.list());
    let data = &s.data[gi(group)];
    if !matches!(data.load, LoadState::Loading | LoadState::Retrying(_)) || data.checking_screen {
        return;
    }
    let list = s.list();
    let ids: Vec<uuid::Uuid> = list
        .rows
        .get(window)
        .unwrap_or(&[])
        .iter()
        .filter(|&&i| !data.is_seen(i) && i as usize >= data.refreshed + NEXT_PAGE)
        .filter_map(|&i| data.leads.get(i as usize).map(|l| l.id))
        .take(SCREEN_CHECK_MAX)
        .collect();
    if ids.is_empty() {
        return;
    }
    let data = &mut s.data[gi(group)];
    data.mark_seen(ids.iter().copied());
    data.checking_screen = true;
    fx.push(Effect::CheckScreen {
        group,
        generation: data.generation,
        ids,
    });
}

/// `Msg::ScreenStatuses`: the answer to `check_screen`.
pub(super) fn on_screen_statuses(
    s: &mut State,
    group: GroupBy,
    generation: u64,
    statuses: Vec<(uuid::Uuid, Status)>,
) {
    if generation != s.data[gi(group)].generation {
        return;
    }
    s.data[gi(group)].checking_screen = false;
    on_statuses(s, group, generation, statuses);
}

/// `Msg::LoadRetrying`: the listing retries after a transient failure.
pub(super) fn on_load_retrying(
    s: &mut State,
    group: GroupBy,
    generation: u64,
    error: String,
    retry_in: std::time::Duration,
) {
    let data = &mut s.data[gi(group)];
    if generation == data.generation {
        data.load = LoadState::Retrying(format!(
            "{error}; retrying in {} s",
            retry_in.as_secs_f64().ceil() as u64
        ));
    }
}

/// `Msg::LoadFailed`: the listing failed for good.
pub(super) fn on_load_failed(s: &mut State, group: GroupBy, generation: u64, error: ApiError) {
    let data = &mut s.data[gi(group)];
    if generation == data.generation {
        data.load = LoadState::Failed(error.to_string());
        if matches!(error, crate::api::ApiError::Unauthorized { .. }) {
            s.banner = Some(error.to_string());
        }
    }
}

/// `Msg::Restore`: what an earlier run left (unsent changes, cached listings).
pub(super) fn on_restore(
    s: &mut State,
    outbox: Vec<OutboxRow>,
    cache: Vec<(GroupBy, CachedLeads, u64)>,
    check: bool,
    fx: &mut Vec<Effect>,
) {
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

/// `Msg::CachePage`: more of a cached listing.
pub(super) fn on_cache_page(
    s: &mut State,
    group: GroupBy,
    leads: Vec<crate::api::model::Lead>,
    last: bool,
    fx: &mut Vec<Effect>,
) {
    if last {
        fx.push(Effect::TrimMemory);
    }
    let data = &mut s.data[gi(group)];
    // Never let cached data overwrite what a refresh already brought.
    data.merge_new(leads);
    if group == s.group {
        s.refresh_view();
    }
}
