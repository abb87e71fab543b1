//! Saved views, like split inboxes: named filters from the config's `[views]` table, shown as
//! tabs after "all" with how many leads each holds ("12 left", or "queue zero"), switched with
//! `l` / `h` (gh-dash's keys), chosen at start with `--view NAME` or `default_view`.
//!
//! A view is its filter: switching to one types its query into the filter (so `/` refines
//! it and Esc clears it), and the tab whose query is the filter is the one lit. The counts
//! are of the current person or company view, recounted when leads or statuses change (at
//! once after a key or when a listing ends, at most every `RECOUNT_EVERY` while it streams in).

use std::time::Duration;

use super::action::Action;
use super::filter::Query;
use super::state::{Mode, State, gi, scroll_into_view};
use super::view::{ViewInput, count_matching};

/// A named filter from the config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    pub query: String,
}

/// While leads stream in, the tabs are recounted at most this often.
pub const RECOUNT_EVERY: Duration = Duration::from_millis(500);

/// Check the config's views: each name once, each query one the filter understands.
pub fn parse(views: &[(String, String)]) -> Result<Vec<SavedView>, String> {
    let mut out: Vec<SavedView> = Vec::new();
    for (name, query) in views {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(format!(
                "[views]: the name {name:?} cannot be shown as a tab"
            ));
        }
        if name.eq_ignore_ascii_case("all") {
            return Err("[views]: `all` is the tab of every lead; name the view otherwise".into());
        }
        let q = Query::parse(query);
        if let Some(e) = q.errors.first() {
            return Err(format!("[views] {name} = {query:?}: {e}"));
        }
        out.push(SavedView {
            name: name.to_owned(),
            query: query.trim().to_owned(),
        });
    }
    Ok(out)
}

/// The tab of a view named `name` (1-based; 0 is "all"), or an error listing the names.
pub fn by_name(views: &[SavedView], name: &str) -> Result<usize, String> {
    if name.eq_ignore_ascii_case("all") {
        return Ok(0);
    }
    match views.iter().position(|v| v.name == name) {
        Some(k) => Ok(k + 1),
        None if views.is_empty() => Err(format!(
            "no view named {name:?}: the config has no [views] (for example hot = \"status:new score:3\")"
        )),
        None => Err(format!(
            "no view named {name:?}; the config's [views] has: {}",
            views
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The tab on screen: 0 for "all" (no filter), k for the k-th saved view (its query is the
/// filter); `None` while the filter is the rep's own.
pub fn active(s: &State) -> Option<usize> {
    let filter = s.filter.trim();
    if filter.is_empty() {
        return Some(0);
    }
    (s.settings.views.iter())
        .position(|v| v.query == filter)
        .map(|k| k + 1)
}

/// `l` / `h`: the next or previous tab (from a filter of the rep's own, the first or last).
pub fn step(s: &mut State, by: isize) {
    let tabs = s.settings.views.len() + 1;
    if tabs == 1 {
        s.toast = Some(
            "no saved views: add a [views] table to the config (hot = \"status:new score:3\")"
                .into(),
        );
        return;
    }
    let next = match active(s) {
        Some(at) => (at as isize + by).rem_euclid(tabs as isize) as usize,
        None if by > 0 => 1,
        None => tabs - 1,
    };
    select(s, next);
}

/// Start on tab `tab` (`--view`, `default_view`): its filter, before any lead is listed.
pub fn start(s: &mut State, tab: usize) {
    if let Some(v) = tab.checked_sub(1).and_then(|k| s.settings.views.get(k)) {
        s.filter = v.query.clone();
        s.refresh_view();
    }
}

/// Show tab `tab` (0: all) from its first row.
pub fn select(s: &mut State, tab: usize) {
    let (name, query) = match tab.checked_sub(1).and_then(|k| s.settings.views.get(k)) {
        Some(v) => (v.name.clone(), v.query.clone()),
        None => ("all".to_owned(), String::new()),
    };
    s.filter = query;
    if s.mode == Mode::Filter {
        s.mode = Mode::Normal;
    }
    s.refresh_view();
    let page = s.page_rows();
    let list = s.list_mut();
    list.cursor = 0;
    list.offset = 0;
    scroll_into_view(list, page);
    let n = s.list().rows.len();
    s.toast = Some(if n == 0 {
        format!("{name}: queue zero, nothing left here")
    } else {
        format!(
            "{name}: {} left{}",
            crate::app::find::thousands(n),
            s.keymap.note(Action::NextView, "next view")
        )
    });
}

/// Recount the tabs if the leads or statuses changed since they were counted: at once when
/// `now` (after a key), else at most every [`RECOUNT_EVERY`].
pub fn recount(s: &mut State, now: bool) {
    if s.settings.views.is_empty() || !s.views_dirty {
        return;
    }
    let streaming = s.data().load != super::state::LoadState::Loaded;
    if !now
        && streaming
        && s.views_counted_at
            .is_some_and(|at| s.now < at + RECOUNT_EVERY)
    {
        return;
    }
    let g = gi(s.group);
    let counts = (s.settings.views.iter())
        .map(|v| {
            let query = Query::parse(&v.query);
            Some(count_matching(&ViewInput {
                data: &s.data[g],
                queue: &s.queue,
                selected: &s.lists[g].selected,
                query: &query,
                key: s.sort,
                descending: s.descending,
            }))
        })
        .collect();
    s.view_counts = counts;
    s.views_counted_at = Some(s.now);
    s.views_dirty = false;
}
