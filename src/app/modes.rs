//! Keys, paste and mouse in the modes other than the list itself: the filter input, the help
//! overlay, the detail pane and the quit question, and every key while the terminal is too
//! small to draw. Part of `update`.
//!
//! Ctrl-C follows one rule: it quits from every screen, as `q` does in the list (asking first
//! when changes are unsent; a question before a bulk change is cancelled, nothing queued),
//! except while typing into a text input (the filter, the find, the help's filter), where it
//! clears what was typed, as in a shell. In the quit question it quits at
//! once (a second Ctrl-C).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::keymap::Resolved;

use super::action::Action;
use super::line_edit::{self, Edit};
use super::msg::Effect;
use super::nav;
use super::state::{Mode, State, scroll_into_view};
use super::triage;
use super::update::{act, copy, open_url};

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
    s.detail = None;
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

pub(super) fn on_filter_key(s: &mut State, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        // Leaving with Esc keeps the cursor on the lead it was on, in the whole list.
        KeyCode::Esc => {
            s.filter.clear();
            s.mode = Mode::Normal;
            s.refresh_view();
        }
        // A text input: Ctrl-C clears what was typed (see the module documentation).
        KeyCode::Char('c') if ctrl => {
            s.filter.clear();
            s.mode = Mode::Normal;
            s.refresh_view();
        }
        KeyCode::Enter => s.mode = Mode::Normal,
        KeyCode::Down => nav::move_by(s, 1, false),
        KeyCode::Up => nav::move_by(s, -1, false),
        _ => {
            if line_edit::apply(&mut s.filter, key) == Edit::Changed {
                filter_changed(s);
            }
        }
    }
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
    } else if !clean.is_empty() {
        s.toast = Some("paste ignored: press / first to paste into the filter".into());
    }
}

pub(super) fn on_detail_key(s: &mut State, key: KeyEvent, scroll: usize, fx: &mut Vec<Effect>) {
    if is_ctrl_c(key) {
        if quits_in_list(s, key) {
            quit_from_anywhere(s, fx);
        }
        return;
    }
    // Scrolling stops at the end of the content (the same lines the pane draws), so `k` after
    // holding `j` moves at once.
    let max = crate::ui::detail::max_scroll(s);
    let page = s.layout().detail_lines().max(1);
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let scroll = scroll.min(max);
    let to = |n: usize| Mode::Detail { scroll: n.min(max) };
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter | KeyCode::Backspace => {
            s.mode = Mode::Normal;
            s.detail = None;
        }
        KeyCode::Char('j') | KeyCode::Down => s.mode = to(scroll + 1),
        KeyCode::Char('k') | KeyCode::Up => s.mode = to(scroll.saturating_sub(1)),
        KeyCode::Char('d') if ctrl => s.mode = to(scroll + page / 2),
        KeyCode::Char('u') if ctrl => s.mode = to(scroll.saturating_sub(page / 2)),
        KeyCode::PageDown | KeyCode::Char(' ') => s.mode = to(scroll + page),
        KeyCode::PageUp => s.mode = to(scroll.saturating_sub(page)),
        KeyCode::Char('g') | KeyCode::Home => s.mode = to(0),
        KeyCode::Char('G') | KeyCode::End => s.mode = to(max),
        KeyCode::Char('o') => open_url(s, fx),
        KeyCode::Char('y') => copy(s, fx, "email", |l| l.email().map(str::to_owned)),
        KeyCode::Char('Y') => copy(s, fx, "LinkedIn URL", |l| {
            l.linkedin_url().map(str::to_owned)
        }),
        _ => {}
    }
}

pub(super) fn on_help_key(s: &mut State, key: KeyEvent, scroll: usize, fx: &mut Vec<Effect>) {
    if s.help_typing {
        match key.code {
            KeyCode::Enter => s.help_typing = false,
            // A text input: Ctrl-C clears it, like Esc (see the module documentation).
            _ if key.code == KeyCode::Esc || is_ctrl_c(key) => {
                s.help_typing = false;
                s.help_query.clear();
            }
            _ => {
                line_edit::apply(&mut s.help_query, key);
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
    s.mode = match key.code {
        KeyCode::Char('/') => {
            s.help_typing = true;
            Mode::Help { scroll: 0 }
        }
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::F(1) => {
            s.help_query.clear();
            Mode::Normal
        }
        _ => {
            let max = s.help_max_scroll();
            // The overlay shows fewer lines than the table: page by what it shows.
            let page = s.layout().help_lines().max(1);
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            let scroll = scroll.min(max);
            let to = match key.code {
                KeyCode::Char('j') | KeyCode::Down => scroll + 1,
                KeyCode::Char('k') | KeyCode::Up => scroll.saturating_sub(1),
                KeyCode::Char('d') if ctrl => scroll + page / 2,
                KeyCode::Char('u') if ctrl => scroll.saturating_sub(page / 2),
                KeyCode::Char('f') if ctrl => scroll + page,
                KeyCode::Char('b') if ctrl => scroll.saturating_sub(page),
                KeyCode::PageDown | KeyCode::Char(' ') => scroll + page,
                KeyCode::PageUp => scroll.saturating_sub(page),
                KeyCode::Char('g') | KeyCode::Home => 0,
                KeyCode::Char('G') | KeyCode::End => max,
                _ => scroll,
            };
            Mode::Help {
                scroll: to.min(max),
            }
        }
    };
}

pub(super) fn on_confirm_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('q') => fx.push(Effect::Quit),
        // The second Ctrl-C: quit now.
        _ if is_ctrl_c(key) => fx.push(Effect::Quit),
        KeyCode::Char('s') | KeyCode::Enter => {
            s.mode = Mode::Normal;
            s.quit_when_idle = true;
            s.toast = Some("sending, then quitting…".into());
            s.queue.retry(None);
            // Send now: a wait after a failure is cut short, as `$` does.
            triage::cancel_wait(s);
            triage::flush(s, fx);
        }
        KeyCode::Char('n') | KeyCode::Esc => s.mode = Mode::Normal,
        _ => {}
    }
}
