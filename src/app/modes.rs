//! Keys, paste and mouse in the modes other than the list itself: the filter input, the help
//! overlay, the detail pane and the quit question. Part of `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::line_edit::{self, Edit};
use super::msg::Effect;
use super::nav;
use super::state::{Mode, State, scroll_into_view};
use super::triage;
use super::update::{copy, open_url};

pub(super) fn on_filter_key(s: &mut State, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        // Leaving with Esc keeps the cursor on the lead it was on, in the whole list.
        KeyCode::Esc => {
            s.filter.clear();
            s.mode = Mode::Normal;
            s.refresh_view();
        }
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
    let clean = crate::text::sanitize_line(text, 500);
    if s.mode == Mode::Filter {
        s.filter.push_str(&clean);
        filter_changed(s);
    } else if matches!(s.mode, Mode::Help { .. }) && s.help_typing {
        s.help_query.push_str(&clean);
    } else if !clean.is_empty() {
        s.toast = Some("paste ignored: press / first to paste into the filter".into());
    }
}

/// Mouse (opt-in): the wheel scrolls, a click moves the cursor, a click in the mark column
/// toggles the row's selection.
pub(super) fn on_mouse(s: &mut State, m: crossterm::event::MouseEvent) {
    use crossterm::event::{MouseButton, MouseEventKind};
    if s.mode != Mode::Normal {
        return;
    }
    match m.kind {
        MouseEventKind::ScrollDown => nav::move_by(s, 3, false),
        MouseEventKind::ScrollUp => nav::move_by(s, -3, false),
        MouseEventKind::Down(MouseButton::Left) => {
            // Line 0 is the header, line 1 the column titles; rows start at line 2.
            let Some(k) = usize::from(m.row).checked_sub(2) else {
                return;
            };
            if k >= s.page_rows() {
                return;
            }
            let pos = s.list().offset + k;
            if pos >= s.list().rows.len() {
                return;
            }
            if m.column <= 1 {
                let list = s.list_mut();
                let i = list.rows[pos];
                if list.selected.remove(&i) {
                    list.visible_selected -= 1;
                } else {
                    list.selected.insert(i);
                    list.visible_selected += 1;
                }
            } else {
                nav::move_to(s, pos as isize);
            }
        }
        _ => {}
    }
}

pub(super) fn on_detail_key(s: &mut State, key: KeyEvent, scroll: usize, fx: &mut Vec<Effect>) {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter | KeyCode::Backspace => {
            s.mode = Mode::Normal;
            s.detail = None;
        }
        KeyCode::Char('j') | KeyCode::Down => s.mode = Mode::Detail { scroll: scroll + 1 },
        KeyCode::Char('k') | KeyCode::Up => {
            s.mode = Mode::Detail {
                scroll: scroll.saturating_sub(1),
            }
        }
        KeyCode::Char('o') => open_url(s, fx),
        KeyCode::Char('y') => copy(s, fx, "email", |l| l.email().map(str::to_owned)),
        KeyCode::Char('Y') => copy(s, fx, "LinkedIn URL", |l| {
            l.linkedin_url().map(str::to_owned)
        }),
        _ => {}
    }
}

pub(super) fn on_help_key(s: &mut State, key: KeyEvent, scroll: usize) {
    if s.help_typing {
        match key.code {
            KeyCode::Enter => s.help_typing = false,
            KeyCode::Esc => {
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
            let page = usize::from(s.size.1.saturating_sub(7)).max(1);
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
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('q') => fx.push(Effect::Quit),
        _ if ctrl_c => fx.push(Effect::Quit),
        KeyCode::Char('s') | KeyCode::Enter => {
            s.mode = Mode::Normal;
            s.quit_when_idle = true;
            s.toast = Some("sending, then quitting…".into());
            s.queue.retry(None);
            triage::flush(s, fx);
        }
        KeyCode::Char('n') | KeyCode::Esc => s.mode = Mode::Normal,
        _ => {}
    }
}
