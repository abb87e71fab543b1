//! Find without filtering (the `find` action, `f` by default, like `less`'s search): the cursor jumps to the next row that
//! matches, the list stays as it is. The find text is the filter language (words, qualifiers,
//! tokens); a number jumps to that row. Ctrl-N / Ctrl-P go to the next / previous match,
//! wrapping around. Part of `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::{Action, Layer};
use super::filter::{Query, Scorer};
use super::line_edit::Edit;
use super::nav;
use super::state::{Mode, State, gi};
use super::view::{ViewInput, facts};

/// `f`: start typing a find; the cursor's row is where the search starts.
pub fn start(s: &mut State) {
    s.find.clear();
    s.find_origin = s.list().cursor;
    s.mode = Mode::Find;
}

/// A row number typed as the find (`48213`, `48,213`), 1-based.
fn row_number(text: &str) -> Option<usize> {
    let digits: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The position of the first row from `from` on (wrapping, in `step` direction) that the
/// find text matches; `None` when none does.
fn next_match(s: &State, text: &str, from: usize, forward: bool) -> Option<usize> {
    let q = Query::parse(text);
    if !q.errors.is_empty() || q.is_empty() {
        return None;
    }
    let g = gi(s.group);
    let list = &s.lists[g];
    let n = list.rows.len();
    if n == 0 {
        return None;
    }
    let input = ViewInput {
        data: &s.data[g],
        queue: &s.queue,
        selected: &list.selected,
        query: &q,
        key: s.sort,
        descending: s.descending,
    };
    let mut scorer = Scorer::default();
    (0..n)
        .map(|k| {
            if forward {
                (from + k) % n
            } else {
                (from + n - k % n) % n
            }
        })
        .find(|&pos| {
            let i = list.rows[pos];
            let lead = &input.data.leads[i as usize];
            q.tokens_hold(&facts(&input, i, lead))
                && q.text_score(input.data.match_key(i), &mut scorer).is_some()
        })
}

/// Move to the find's first match (or row number) from where the find started.
fn jump(s: &mut State) {
    let text = s.find.clone();
    if let Some(n) = row_number(&text) {
        let last = s.list().rows.len().saturating_sub(1);
        nav::move_to(s, n.saturating_sub(1).min(last) as isize);
        return;
    }
    match next_match(s, &text, s.find_origin, true) {
        Some(pos) => nav::move_to(s, pos as isize),
        None if text.trim().is_empty() => nav::move_to(s, s.find_origin as isize),
        None => {}
    }
}

/// A key while typing the find: the `find` layer (stay, back), else editing.
pub fn on_key(s: &mut State, key: KeyEvent) {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    // Ctrl-C clears a text input (see `modes`): here, like Esc, back to where it started.
    let action = if ctrl_c {
        Some(Action::Escape)
    } else {
        s.keymap.resolve_in(Layer::Find, key)
    };
    match action {
        Some(Action::Escape) => {
            // Back to where the find started, like `less` and vim.
            let origin = s.find_origin;
            s.mode = Mode::Normal;
            nav::move_to(s, origin as isize);
        }
        Some(Action::Accept) => {
            s.mode = Mode::Normal;
            s.last_find = s.find.clone();
            let text = s.find.clone();
            s.toast = Some(say_position(s, &text));
        }
        _ => {
            if super::modes::edit_line(&mut s.find, action, key) == Edit::Changed {
                jump(s);
            }
        }
    }
}

/// Pasted text goes into the find being typed (already cleaned by the caller).
pub fn paste(s: &mut State, text: &str) {
    s.find.push_str(text);
    jump(s);
}

/// Ctrl-N / Ctrl-P: the next or previous match of the last find.
pub fn again(s: &mut State, forward: bool) {
    let text = s.last_find.clone();
    if text.trim().is_empty() {
        s.toast = Some(match s.keymap.key(Action::Find) {
            Some(k) => format!("nothing to find yet: press {k} and type"),
            None => "nothing to find yet".into(),
        });
        return;
    }
    let cursor = s.list().cursor;
    let from = if forward {
        cursor + 1
    } else {
        cursor + s.list().rows.len().max(1) - 1
    };
    match next_match(s, &text, from % s.list().rows.len().max(1), forward) {
        Some(pos) => {
            nav::move_to(s, pos as isize);
            s.toast = Some(say_position(s, &text));
        }
        None => {
            s.toast = Some(format!(
                "no row matches \"{}\"",
                crate::ui::fit::fit(&text, 40)
            ))
        }
    }
}

/// "row 48,213 of 100,000", or what the find did not find.
fn say_position(s: &State, text: &str) -> String {
    let list = s.list();
    if list.rows.is_empty() {
        return "no rows".into();
    }
    if row_number(text).is_none() && next_match(s, text, list.cursor, true) != Some(list.cursor) {
        return format!("no row matches \"{}\"", crate::ui::fit::fit(text, 40));
    }
    format!(
        "row {} of {}",
        thousands(list.cursor + 1),
        thousands(list.rows.len())
    )
}

/// `48213` → "48,213".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
