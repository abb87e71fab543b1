//! Cursor movement and selection. Part of `update`.

use crate::api::Status;

use super::queue::Phase;
use super::state::{RangeSel, State, scroll_into_view};

/// Move the cursor to row `pos` (clamped) and keep it on screen.
pub fn move_to(s: &mut State, pos: isize) {
    let page = s.page_rows();
    let list = s.list_mut();
    if list.rows.is_empty() {
        list.cursor = 0;
        list.offset = 0;
        return;
    }
    let last = list.rows.len() as isize - 1;
    list.cursor = pos.clamp(0, last) as usize;
    scroll_into_view(list, page);
}

/// Move by `delta` rows. A plain move ends a non-sticky (Shift) range.
pub fn move_by(s: &mut State, delta: isize, extend_range: bool) {
    if extend_range {
        let list = s.list_mut();
        if list.range.is_none()
            && let Some(anchor) = list.cursor_lead()
        {
            list.range = Some(RangeSel {
                anchor,
                sticky: false,
            });
        }
    } else if s.list().range.is_some_and(|r| !r.sticky) {
        s.list_mut().range = None;
    }
    let pos = s.list().cursor as isize + delta;
    move_to(s, pos);
}

/// Recount selected rows among the visible ones.
pub fn recount_visible(s: &mut State) {
    let list = s.list_mut();
    list.visible_selected = list
        .rows
        .iter()
        .filter(|i| list.selected.contains(i))
        .count();
}

/// Space / x: toggle the cursor row and move down; during a range, commit the range.
pub fn toggle(s: &mut State) {
    if s.list().range.is_some() {
        commit_range(s);
        return;
    }
    let list = s.list_mut();
    let Some(lead) = list.cursor_lead() else {
        return;
    };
    if list.selected.remove(&lead) {
        list.visible_selected -= 1;
    } else {
        list.selected.insert(lead);
        list.visible_selected += 1;
    }
    move_by(s, 1, false);
}

/// `v`: start a sticky range, or commit the active one into the selection.
pub fn range_key(s: &mut State) {
    if s.list().range.is_some() {
        commit_range(s);
    } else if let Some(anchor) = s.list().cursor_lead() {
        s.list_mut().range = Some(RangeSel {
            anchor,
            sticky: true,
        });
    }
}

/// Add the rows of the active range to the selection and end the range.
pub fn commit_range(s: &mut State) {
    let list = s.list_mut();
    if let Some((a, b)) = list.range_bounds() {
        let rows: Vec<u32> = list.rows[a..=b].to_vec();
        list.selected.extend(rows);
    }
    list.range = None;
    recount_visible(s);
}

/// Leads a status key acts on: range ∪ selection, else the selection, else the cursor row.
/// The flag says whether this is a bulk action (selection or range).
pub fn targets(s: &State) -> (Vec<u32>, bool) {
    let list = s.list();
    let mut out: Vec<u32> = Vec::new();
    if let Some((a, b)) = list.range_bounds() {
        out.extend_from_slice(&list.rows[a..=b]);
    }
    if !list.selected.is_empty() {
        let mut sel: Vec<u32> = list.selected.iter().copied().collect();
        sel.sort_unstable();
        out.extend(sel);
    }
    if out.is_empty() {
        return (list.cursor_lead().into_iter().collect(), false);
    }
    out.sort_unstable();
    out.dedup();
    (out, true)
}

/// Select every visible row.
pub fn select_all(s: &mut State) {
    let list = s.list_mut();
    let rows = list.rows.clone();
    list.selected.extend(rows);
    list.visible_selected = list.rows.len();
}

/// Invert the selection over the visible rows (hidden selected rows stay selected).
pub fn invert(s: &mut State) {
    let list = s.list_mut();
    for &i in &list.rows {
        if !list.selected.remove(&i) {
            list.selected.insert(i);
        }
    }
    recount_visible(s);
}

/// Add visible rows matching a predicate to the selection.
/// Add the visible rows for which `pred` holds to the selection; returns how many were not
/// selected yet.
pub fn select_where(s: &mut State, pred: impl Fn(&State, u32) -> bool) -> usize {
    let picked: Vec<u32> = s
        .list()
        .rows
        .iter()
        .copied()
        .filter(|&i| pred(s, i))
        .collect();
    let before = s.list().selected.len();
    s.list_mut().selected.extend(picked);
    recount_visible(s);
    s.list().selected.len() - before
}

/// Select visible rows showing `status`.
pub fn select_status(s: &mut State, status: Status) -> usize {
    select_where(s, |s, i| {
        s.shown_status(&s.data().leads[i as usize]) == status
    })
}

/// Select visible failed rows.
pub fn select_failed(s: &mut State) -> usize {
    select_where(s, is_failed)
}

/// Does the lead at dataset index `i` hold a failed change?
pub fn is_failed(s: &State, i: u32) -> bool {
    let id = s.data().leads[i as usize].id;
    s.queue
        .entries
        .get(&id)
        .is_some_and(|e| e.phase == Phase::Failed)
}

/// `]` / `[`: jump to the next (or previous) failed row, wrapping around.
pub fn jump_failed(s: &mut State, forward: bool) -> bool {
    let n = s.list().rows.len();
    if n == 0 || s.queue.counts.failed == 0 {
        return false;
    }
    let start = s.list().cursor;
    for step in 1..=n {
        let pos = if forward {
            (start + step) % n
        } else {
            (start + n - step % n) % n
        };
        if is_failed(s, s.list().rows[pos]) {
            move_to(s, pos as isize);
            return true;
        }
    }
    false
}
