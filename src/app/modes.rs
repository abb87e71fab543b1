//! Keys, paste and mouse in the modes other than the list itself: the filter input, the help
//! overlay and the quit question (the reading pane is not a mode: see `app::pane`), and every key while the terminal is too
//! small to draw. Part of `update`. Each mode resolves its keys in its own keymap layer
//! (`filter`, `help`, `detail`, `quit`; see `app::action`), so every one of them can be
//! remapped; only Ctrl-C, Esc in the quit question and Backspace in a text input are fixed.
//!
//! Ctrl-C follows one rule: it quits from every screen, as `q` does in the list (asking first
//! when changes are unsent; a question before a bulk change is cancelled, nothing queued),
//! except while typing into a text input (the filter, the find, the help's filter), where it
//! clears what was typed, as in a shell. In the quit question it quits at
//! once (a second Ctrl-C).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keymap::Resolved;

use super::action::{Action, Layer};
use super::line_edit::{self, Edit};
use super::msg::Effect;
use super::nav;
use super::state::{Mode, State, scroll_into_view};
use super::triage;
use super::update::act;

pub(super) fn is_ctrl_c(key: KeyEvent) -> bool {
    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// The key quits in the list (the keymap's `quit` keys: `q` and Ctrl-C by default).
fn quits_in_list(s: &State, key: KeyEvent) -> bool {
    s.keymap.resolve(&[], key) == Resolved::Action(Action::Quit)
}

/// Quit as from the list: close what is open, then ask when changes are unsent.
pub(super) fn quit_from_anywhere(s: &mut State, fx: &mut Vec<Effect>) {
    s.mode = Mode::Normal;
    super::pane::close(s);
    s.help_typing = false;
    s.help_query.clear();
    s.chord.clear();
    act(s, Action::Quit, fx);
}

/// A key while the terminal is too small to show anything but the "too small" message
/// (`ui::too_small`): nothing may act unseen, so only quitting works. The quit keys quit (or
/// ask, when changes are unsent), and the quit question takes its answers, which the message
/// then shows; every other key is ignored.
pub(super) fn on_key_too_small(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    // A chord begun before the terminal shrank is dropped: its popup is not shown.
    s.chord.clear();
    if s.mode == Mode::ConfirmQuit {
        on_confirm_key(s, key, fx);
    } else if quits_in_list(s, key) {
        quit_from_anywhere(s, fx);
    }
}

/// A key while typing a filter: the `filter` layer (keep, clear, move), else editing.
pub(super) fn on_filter_key(s: &mut State, key: KeyEvent) {
    // A text input: Ctrl-C clears what was typed (see the module documentation).
    if is_ctrl_c(key) {
        clear_filter(s);
        return;
    }
    let action = s.keymap.resolve_in(Layer::Filter, key);
    match action {
        // Leaving with Esc keeps the cursor on the lead it was on, in the whole list.
        Some(Action::Escape) => clear_filter(s),
        Some(Action::Accept) => s.mode = Mode::Normal,
        Some(Action::MoveDown) => nav::move_by(s, 1, false),
        Some(Action::MoveUp) => nav::move_by(s, -1, false),
        _ => {
            if edit_line(&mut s.filter, action, key) == Edit::Changed {
                filter_changed(s);
            }
        }
    }
}

/// Edit a text input with `key`, which its layer resolved to `action`: the layer's
/// `delete_word` and `clear_line` keys edit; the readline keys they have by default (Ctrl-W,
/// Alt/Ctrl-Backspace, Ctrl-U) edit only through them, so a remapped one no longer does; any
/// other key types or deletes a character (see `line_edit`).
pub(super) fn edit_line(line: &mut String, action: Option<Action>, key: KeyEvent) -> Edit {
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    match action {
        Some(Action::DeleteWord) => line_edit::apply(line, ctrl('w')),
        Some(Action::ClearLine) => line_edit::apply(line, ctrl('u')),
        _ => {
            let mods = key.modifiers;
            let word_or_line = match key.code {
                KeyCode::Char('w' | 'u') => mods.contains(KeyModifiers::CONTROL),
                KeyCode::Backspace => mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT),
                _ => false,
            };
            if word_or_line {
                Edit::NotEditing
            } else {
                line_edit::apply(line, key)
            }
        }
    }
}

/// Clear the filter and go back to the whole list.
fn clear_filter(s: &mut State) {
    s.filter.clear();
    s.mode = Mode::Normal;
    s.refresh_view();
}

/// The filter text changed: recompute the rows; a new query starts at its best match, like
/// fzf.
fn filter_changed(s: &mut State) {
    s.refresh_view();
    let page = s.page_rows();
    let list = s.list_mut();
    list.cursor = 0;
    list.offset = 0;
    scroll_into_view(list, page);
}

/// Pasted text goes into the input being typed, cleaned (a newline becomes a space, escape
/// sequences go); anywhere else it is ignored, so a paste can never act as keys.
pub(super) fn on_paste(s: &mut State, text: &str) {
    if crate::ui::too_small(s.size) {
        // Nothing is drawn: a paste must not change a filter the rep cannot see.
        return;
    }
    let clean = crate::text::sanitize_line(text, 500);
    if s.mode == Mode::Filter {
        s.filter.push_str(&clean);
        filter_changed(s);
    } else if matches!(s.mode, Mode::Help { .. }) && s.help_typing {
        s.help_query.push_str(&clean);
    } else if s.mode == Mode::Find {
        super::find::paste(s, &clean);
    } else if s.mode == Mode::Palette {
        super::palette::paste(s, &clean);
    } else if s.mode == Mode::Pipe {
        super::pipe::paste(s, &clean);
    } else if !clean.is_empty() {
        s.toast = Some(match s.keymap.key(Action::Filter) {
            Some(k) => format!("paste ignored: press {k} first to paste into the filter"),
            None => "paste ignored: only a filter or a find being typed takes a paste".into(),
        });
    }
}

/// Where a scrolling action takes a view at `scroll` that shows `page` lines and scrolls at
/// most to `max`; `None` for an action that does not scroll.
fn scrolled(action: Action, scroll: usize, page: usize, max: usize) -> Option<usize> {
    Some(match action {
        Action::MoveDown => scroll + 1,
        Action::MoveUp => scroll.saturating_sub(1),
        Action::HalfPageDown => scroll + page / 2,
        Action::HalfPageUp => scroll.saturating_sub(page / 2),
        Action::PageDown => scroll + page,
        Action::PageUp => scroll.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => max,
        _ => return None,
    })
}

/// A key in the help overlay: its own filter input (the `filter` layer's keep and clear),
/// else the `help` layer.
pub(super) fn on_help_key(s: &mut State, key: KeyEvent, scroll: usize, fx: &mut Vec<Effect>) {
    if s.help_typing {
        // A text input: Ctrl-C clears it, like Esc (see the module documentation).
        let action = if is_ctrl_c(key) {
            Some(Action::Escape)
        } else {
            s.keymap.resolve_in(Layer::Filter, key)
        };
        match action {
            Some(Action::Accept) => s.help_typing = false,
            Some(Action::Escape) => {
                s.help_typing = false;
                s.help_query.clear();
            }
            _ => {
                edit_line(&mut s.help_query, action, key);
            }
        }
        s.mode = Mode::Help { scroll: 0 };
        return;
    }
    if is_ctrl_c(key) {
        if quits_in_list(s, key) {
            quit_from_anywhere(s, fx);
        }
        return;
    }
    let max = s.help_max_scroll();
    s.mode = match s.keymap.resolve_in(Layer::Help, key) {
        Some(Action::Filter) => {
            s.help_typing = true;
            Mode::Help { scroll: 0 }
        }
        Some(Action::Escape) => {
            s.help_query.clear();
            Mode::Normal
        }
        action => {
            // The overlay shows fewer lines than the table: page by what it shows.
            let page = s.layout().help_lines().max(1);
            let scroll = scroll.min(max);
            let to = action.and_then(|a| scrolled(a, scroll, page, max));
            Mode::Help {
                scroll: to.unwrap_or(scroll).min(max),
            }
        }
    };
}

/// A key in the quit question: the `quit` layer (Esc always stays; a second Ctrl-C quits).
pub(super) fn on_confirm_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if is_ctrl_c(key) {
        fx.push(Effect::Quit);
        return;
    }
    match s.keymap.resolve_in(Layer::Quit, key) {
        Some(Action::Quit) => fx.push(Effect::Quit),
        Some(Action::Flush) => {
            s.mode = Mode::Normal;
            s.quit_when_idle = true;
            s.toast = Some("sending, then quitting…".into());
            s.queue.retry(None);
            // Send now: a wait after a failure is cut short, as the list's flush key does.
            triage::cancel_wait(s);
            triage::flush(s, fx);
            // The changes to signals waiting for a retry go now too.
            for q in s.outreach.queued.values_mut() {
                q.retry_at = None;
            }
            super::outreach::send_due(s, fx);
        }
        Some(Action::Escape) => s.mode = Mode::Normal,
        _ => {}
    }
}
