//! The reading pane (Enter): the cursor's lead and its signals, beside the list, below it, or
//! as a popup (`ui::layout::PanePlace`). It is not a mode: while it is open every list key
//! works (j/k move between leads and the pane follows the cursor); only the keys of the
//! `detail` layer (scroll the pane, step through signals, open or copy a signal's address,
//! close) are taken by the pane first. Part of `update`.
//!
//! Signals are fetched lazily: the lead being read, and `Settings::prefetch` leads below it,
//! each at most once while fresh (`Settings::signals_fresh`). The runner answers from the
//! store's cache when it holds a fresh copy, else the worker asks Puffle in the budget's "on
//! screen" lane; a fetch in flight or failed shows in the pane and never holds a key.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyEvent;
use uuid::Uuid;

use crate::api::model::Signal;
use crate::api::{ApiError, GroupBy, Status};

use super::action::{Action, Layer};
use super::msg::Effect;
use super::state::{State, gi};

/// Leads below the cursor whose signals are fetched ahead, by default.
pub const PREFETCH: usize = 3;

/// Signals fetched less than this long ago are not fetched again, by default.
pub const SIGNALS_FRESH: Duration = Duration::from_secs(15 * 60);

/// A failed fetch of the lead being read is tried again after this long (prefetches of
/// other leads are not retried until the rep reads them).
pub const RETRY_FAILED: Duration = Duration::from_secs(10);

/// Where the rep wants the pane. `Auto` picks by the terminal's size; the others are kept
/// where they fit (`ui::layout::PanePlace::resolve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PaneLayout {
    #[default]
    Auto,
    Beside,
    Below,
    Popup,
}

impl PaneLayout {
    /// Its number in the store (`meta.pane_layout`).
    pub fn code(self) -> i64 {
        match self {
            PaneLayout::Auto => 0,
            PaneLayout::Beside => 1,
            PaneLayout::Below => 2,
            PaneLayout::Popup => 3,
        }
    }

    /// The layout stored as `code` (anything else: `Auto`).
    pub fn from_code(code: i64) -> PaneLayout {
        match code {
            1 => PaneLayout::Beside,
            2 => PaneLayout::Below,
            3 => PaneLayout::Popup,
            _ => PaneLayout::Auto,
        }
    }
}

/// The open pane: how far it is scrolled, which signal is current, and the lead it showed
/// last (moving to another lead starts at its top).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pane {
    pub scroll: usize,
    pub signal: usize,
    pub lead: Option<Uuid>,
}

/// A lead's signals as far as the app knows them.
#[derive(Clone, Debug, PartialEq)]
pub enum SignalsEntry {
    /// Asked for (from the store's cache or Puffle), no answer yet.
    Loading,
    /// The answer, fetched from Puffle at `fetched_at` (Unix seconds); `refreshing` while a
    /// stale copy is fetched again.
    Loaded {
        signals: Arc<Vec<Signal>>,
        fetched_at: u64,
        refreshing: bool,
        /// A refresh of this stale copy failed: not tried again before this (session clock).
        retry_at: Option<Duration>,
    },
    /// The fetch failed at `at` (the session clock).
    Failed { error: String, at: Duration },
}

/// Wall-clock seconds now, on the session clock (see `State::started_unix`).
pub fn unix_now(s: &State) -> u64 {
    s.started_unix + s.now.as_secs()
}

/// `Enter`: open the pane on the cursor's lead.
pub fn open(s: &mut State) {
    if s.cursor_lead().is_none() {
        return;
    }
    s.pane = Some(Pane::default());
    fit_list(s);
}

/// Close the pane.
pub fn close(s: &mut State) {
    s.pane = None;
    fit_list(s);
}

/// The list's rows changed size with the pane: keep the cursor on screen.
fn fit_list(s: &mut State) {
    let page = s.page_rows();
    super::state::scroll_into_view(s.list_mut(), page);
}

/// After every message: the pane follows the cursor (a new lead starts at its top), and the
/// signals of the lead being read and of the next few are asked for once.
pub fn follow(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(pane) = &s.pane else {
        return;
    };
    let current = s.cursor_lead().map(|l| l.id);
    if pane.lead != current {
        s.pane = Some(Pane {
            lead: current,
            ..Pane::default()
        });
    }
    let Some(id) = current else {
        return;
    };
    let group = s.group;
    want(s, group, id, true, fx);
    let list = s.list();
    let ahead: Vec<Uuid> = list
        .rows
        .iter()
        .skip(list.cursor + 1)
        .take(s.settings.prefetch)
        .map(|&i| s.data().leads[i as usize].id)
        .collect();
    for id in ahead {
        want(s, group, id, false, fx);
    }
}

/// Ask for a lead's signals unless they are known and fresh, or on their way.
fn want(s: &mut State, group: GroupBy, id: Uuid, current: bool, fx: &mut Vec<Effect>) {
    let now = unix_now(s);
    let fresh = s.settings.signals_fresh.as_secs();
    let fetch = match s.signals.get_mut(&id) {
        None => {
            s.signals.insert(id, SignalsEntry::Loading);
            true
        }
        Some(SignalsEntry::Loading) => false,
        Some(SignalsEntry::Loaded {
            fetched_at,
            refreshing,
            retry_at,
            ..
        }) => {
            let held = retry_at.is_some_and(|at| s.now < at);
            let stale = !*refreshing && !held && now.saturating_sub(*fetched_at) >= fresh;
            if stale {
                *refreshing = true;
            }
            stale
        }
        Some(SignalsEntry::Failed { at, .. }) => {
            let again = current && s.now.saturating_sub(*at) >= RETRY_FAILED;
            if again {
                s.signals.insert(id, SignalsEntry::Loading);
            }
            again
        }
    };
    if fetch {
        fx.push(Effect::LoadSignals { group, id });
    }
}

/// `Msg::Signals`: a lead's signals arrived, from Puffle (saved to the store's cache) or
/// from that cache.
pub fn on_signals(
    s: &mut State,
    id: Uuid,
    result: Result<Vec<Signal>, ApiError>,
    fetched_at: u64,
    cached: bool,
    fx: &mut Vec<Effect>,
) {
    let entry = match result {
        Ok(signals) => {
            let signals = Arc::new(signals);
            if !cached {
                fx.push(Effect::SaveSignals {
                    id,
                    fetched_at,
                    signals: Arc::clone(&signals),
                });
            }
            SignalsEntry::Loaded {
                signals,
                fetched_at,
                refreshing: false,
                retry_at: None,
            }
        }
        // A stale copy stays on screen when its refresh fails, and is tried again later.
        Err(_) if matches!(s.signals.get(&id), Some(SignalsEntry::Loaded { .. })) => {
            let again = s.now + RETRY_FAILED;
            if let Some(SignalsEntry::Loaded {
                refreshing,
                retry_at,
                ..
            }) = s.signals.get_mut(&id)
            {
                *refreshing = false;
                *retry_at = Some(again);
            }
            return;
        }
        Err(e) => SignalsEntry::Failed {
            error: crate::text::clean(&e.to_string()),
            at: s.now,
        },
    };
    s.signals.insert(id, entry);
    // An answer older than drafts confirmed since must not bring the old text back.
    super::outreach::reapply(s, id, fx);
}

/// The signals of a lead, once loaded.
pub fn loaded<'a>(s: &'a State, id: &Uuid) -> Option<&'a Arc<Vec<Signal>>> {
    match s.signals.get(id) {
        Some(SignalsEntry::Loaded { signals, .. }) => Some(signals),
        _ => None,
    }
}

/// The signal the pane's cursor is on (its index is kept within the lead's signals).
pub fn current_signal(s: &State) -> Option<&Signal> {
    let pane = s.pane.as_ref()?;
    let lead = s.cursor_lead()?;
    let signals = loaded(s, &lead.id)?;
    signals.get(pane.signal.min(signals.len().checked_sub(1)?))
}

/// The people a company's signals name, in the order they first appear: each person's id,
/// and the person's lead (its index in the person view) when that view holds it.
pub fn people(s: &State, company: &Uuid) -> Vec<(Uuid, Option<u32>)> {
    let Some(signals) = loaded(s, company) else {
        return Vec::new();
    };
    let persons = &s.data[gi(GroupBy::Person)];
    let mut seen = std::collections::HashSet::new();
    signals
        .iter()
        .filter_map(|sig| sig.person_entity_id)
        .filter(|id| seen.insert(*id))
        .map(|id| (id, persons.by_id.get(&id).copied()))
        .collect()
}

/// A key while the pane is open: the `detail` layer's keys act on the pane; `false` for a
/// key the pane does not take (it goes to the list).
pub fn on_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let Some(action) = s.keymap.resolve_in(Layer::Detail, key) else {
        return false;
    };
    act(s, action, fx)
}

/// Carry out a pane action; `false` when `action` is not one.
pub fn act(s: &mut State, action: Action, fx: &mut Vec<Effect>) -> bool {
    if s.pane.is_none() {
        return false;
    }
    match action {
        Action::Escape | Action::Detail => close(s),
        Action::OpenUrl => super::update::open_url(s, fx),
        Action::CopyEmail => {
            super::update::copy(s, fx, "email", |l| l.email().map(str::to_owned));
        }
        Action::CopyUrl => super::update::copy(s, fx, "LinkedIn URL", |l| {
            l.linkedin_url().map(str::to_owned)
        }),
        Action::NextSignal => step_signal(s, 1),
        Action::PrevSignal => step_signal(s, -1),
        Action::OpenSignal => signal_url(s, fx, true),
        Action::CopySignalUrl => signal_url(s, fx, false),
        Action::SelectPeople => select_people(s, fx),
        Action::DraftDm => super::outreach::draft(s, super::outreach::Kind::Dm, fx),
        Action::DraftComment => super::outreach::draft(s, super::outreach::Kind::Comment, fx),
        Action::EditDm => super::outreach::edit(s, super::outreach::Kind::Dm, fx),
        Action::EditComment => super::outreach::edit(s, super::outreach::Kind::Comment, fx),
        Action::SendDraft => super::outreach::send(s, fx),
        Action::VoteUp => super::outreach::vote(s, Some(crate::api::outreach::Vote::Up), fx),
        Action::VoteDown => super::outreach::vote(s, Some(crate::api::outreach::Vote::Down), fx),
        Action::ClearVote => super::outreach::vote(s, None, fx),
        other => return scroll(s, other),
    }
    true
}

/// Scroll the pane (`false` for an action that does not scroll).
fn scroll(s: &mut State, action: Action) -> bool {
    let max = crate::ui::detail::max_scroll(s);
    let page = s.layout().detail_lines().max(1);
    let Some(pane) = s.pane.as_mut() else {
        return false;
    };
    let at = pane.scroll.min(max);
    let to = match action {
        Action::MoveDown => at + 1,
        Action::MoveUp => at.saturating_sub(1),
        Action::HalfPageDown => at + page / 2,
        Action::HalfPageUp => at.saturating_sub(page / 2),
        Action::PageDown => at + page,
        Action::PageUp => at.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => max,
        _ => return false,
    };
    pane.scroll = to.min(max);
    true
}

/// Tab / Shift-Tab: the next or previous signal, scrolled to its first line.
fn step_signal(s: &mut State, by: isize) {
    let count = s
        .cursor_lead()
        .and_then(|l| loaded(s, &l.id))
        .map_or(0, |v| v.len());
    if count == 0 {
        s.toast = Some("no signals to step through".into());
        return;
    }
    let max = crate::ui::detail::max_scroll(s);
    let starts = crate::ui::detail::signal_starts(s);
    let Some(pane) = s.pane.as_mut() else {
        return;
    };
    let at = pane.signal.min(count - 1);
    pane.signal = at.saturating_add_signed(by).min(count - 1);
    if let Some(&line) = starts.get(pane.signal) {
        pane.scroll = line.min(max);
    }
}

/// `O` / `L`: open or copy the current signal's web address.
fn signal_url(s: &mut State, fx: &mut Vec<Effect>, open: bool) {
    let Some(sig) = current_signal(s) else {
        s.toast = Some("no signal here (signals load as the lead is shown)".into());
        return;
    };
    match sig.url.as_deref().and_then(super::update::safe_web_url) {
        Some(url) if open => {
            s.toast = Some(format!("opening {url}"));
            fx.push(Effect::Open(url));
        }
        Some(url) => {
            s.toast = Some(format!("copied the signal's URL: {url}"));
            fx.push(Effect::Copy(url));
        }
        None => s.toast = Some("this signal has no web address".into()),
    }
}

/// `a` on a company: select its people (those its signals name) in the person view, so the
/// next status key acts on all of them.
fn select_people(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(company) = s.cursor_lead().filter(|_| s.group == GroupBy::Company) else {
        s.toast = Some("a selects a company's people: open a company (p switches view)".into());
        return;
    };
    let name = company.name().to_owned();
    let people: Vec<u32> = people(s, &company.id)
        .into_iter()
        .filter_map(|(_, i)| i)
        .collect();
    if people.is_empty() {
        s.toast = Some(format!("no people of {name} in the person view yet"));
        return;
    }
    s.group = GroupBy::Person;
    if s.data().load == super::state::LoadState::NotStarted {
        fx.push(super::update::start_load(s, GroupBy::Person));
    }
    let list = s.list_mut();
    list.selected.clear();
    list.range = None;
    list.selected.extend(people.iter().copied());
    s.refresh_view();
    if let Some(pos) = s.list().rows.iter().position(|i| people.contains(i)) {
        let page = s.page_rows();
        let list = s.list_mut();
        list.cursor = pos;
        super::state::scroll_into_view(list, page);
    }
    let n = people.len();
    let keys = [Status::New, Status::Contacted, Status::Dismissed]
        .map(|st| s.keymap.key(set_action(st)).unwrap_or_default())
        .join("/");
    s.toast = Some(format!(
        "{n} {} of {name} selected · {keys} sets them all{}",
        if n == 1 { "person" } else { "people" },
        s.keymap.note(Action::SelectNone, "clears")
    ));
}

fn set_action(st: Status) -> Action {
    match st {
        Status::Contacted => Action::SetContacted,
        Status::Dismissed => Action::SetDismissed,
        _ => Action::SetNew,
    }
}

/// `w`: the next layout that fits, remembered in the store.
pub fn cycle_layout(s: &mut State, fx: &mut Vec<Effect>) {
    use crate::ui::layout::PanePlace;
    let now = PanePlace::resolve(s.pane_layout, s.size);
    let order = [PanePlace::Beside, PanePlace::Below, PanePlace::Popup];
    let at = order.iter().position(|p| *p == now).unwrap_or(0);
    let next = (1..=order.len())
        .map(|k| order[(at + k) % order.len()])
        .find(|p| PanePlace::resolve(p.wanted(), s.size) == *p)
        .unwrap_or(PanePlace::Popup);
    s.pane_layout = next.wanted();
    fx.push(Effect::RememberLayout(s.pane_layout));
    let what = match next {
        PanePlace::Beside => "beside the list",
        PanePlace::Below => "below the list",
        PanePlace::Popup => "a popup",
    };
    s.toast = Some(if s.pane.is_some() {
        format!("reading pane: {what} (remembered)")
    } else {
        format!("reading pane opens {what} (remembered) · Enter opens it")
    });
    if let Some(pane) = s.pane.as_mut() {
        pane.scroll = 0;
    }
    fit_list(s);
}
