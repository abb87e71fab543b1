//! Keys in the list (`act`, one function per kind of action) and the dispatch of keys to
//! the mode that takes them. Part of `update`.

use crossterm::event::KeyEvent;

use crate::keymap::Resolved;

use super::lead::{copy, export, open_url};
use super::load::start_load;
use crate::app::action::Action;
use crate::app::modes::{on_confirm_key, on_filter_key, on_help_key};
use crate::app::msg::Effect;
use crate::app::nav;
use crate::app::pane;
use crate::app::state::{LoadState, Mode, State};
use crate::app::triage;

pub(super) fn on_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    if crate::ui::too_small(s.size) {
        // Nothing is drawn but the "too small" message: only quitting acts.
        return crate::app::modes::on_key_too_small(s, key, fx);
    }
    if split_alt(s, key, fx) {
        return;
    }
    match s.mode {
        Mode::Normal => {
            // The reading pane takes its own keys first; every other key is the list's.
            if !(s.pane.is_some() && s.chord.is_empty() && pane::on_key(s, key, fx)) {
                on_normal_key(s, key, fx);
            }
        }
        Mode::Filter => on_filter_key(s, key),
        Mode::Help { scroll } => on_help_key(s, key, scroll, fx),
        Mode::ConfirmQuit => on_confirm_key(s, key, fx),
        Mode::Ask(_) if crate::app::modes::is_ctrl_c(key) => {
            crate::app::modes::quit_from_anywhere(s, fx)
        }
        Mode::Ask(ref ask) => {
            let ask = (**ask).clone();
            crate::app::ask::on_ask_key(s, ask, key, fx);
        }
        Mode::Find => crate::app::find::on_key(s, key),
        // Ctrl-C quits from these questions as from the list (nothing drafted, not marked).
        Mode::ConfirmDrafts(_) | Mode::MarkContacted(_) if crate::app::modes::is_ctrl_c(key) => {
            crate::app::modes::quit_from_anywhere(s, fx)
        }
        Mode::ConfirmDrafts(ref ask) => {
            let ask = (**ask).clone();
            crate::app::outreach::on_ask_key(s, ask, key, fx);
        }
        Mode::MarkContacted(lead) => crate::app::outreach::on_mark_key(s, lead, key, fx),
        Mode::Palette => crate::app::palette::on_key(s, key, fx),
        Mode::Pipe => crate::app::pipe::on_prompt_key(s, key, fx),
    }
}

/// Esc quickly followed by a key arrives from tmux (and some terminals) as Alt and that key.
/// In the list and the reading pane, an Alt key bound to nothing is taken as those two keys,
/// so `Esc d` is never lost.
fn split_alt(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    use crossterm::event::{KeyCode, KeyModifiers};
    if s.mode != Mode::Normal
        || key.modifiers != KeyModifiers::ALT
        || !matches!(key.code, KeyCode::Char(_))
    {
        return false;
    }
    let in_pane = s.pane.is_some()
        && s.keymap
            .resolve_in(crate::app::action::Layer::Detail, key)
            .is_some();
    if in_pane || s.keymap.resolve(&s.chord, key) != Resolved::Unbound {
        return false;
    }
    on_key(s, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE), fx);
    on_key(s, KeyEvent::new(key.code, KeyModifiers::NONE), fx);
    true
}

fn on_normal_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let chord = std::mem::take(&mut s.chord);
    match s.keymap.resolve(&chord, key) {
        Resolved::Action(a) => act(s, a, fx),
        Resolved::Pending => {
            s.chord = chord;
            s.chord.push(key);
        }
        Resolved::Unbound => {
            // A `[commands]` key (never a list binding, see `config::commands`).
            if chord.is_empty() {
                crate::app::pipe::on_unbound_key(s, key, fx);
            }
        }
    }
}

/// Carry out one action of the normal mode.
pub fn act(s: &mut State, a: Action, fx: &mut Vec<Effect>) {
    s.toast = None;
    match a {
        Action::MoveDown
        | Action::MoveUp
        | Action::Top
        | Action::Bottom
        | Action::HalfPageDown
        | Action::HalfPageUp
        | Action::PageDown
        | Action::PageUp => act_move(s, a),
        Action::NextFailed | Action::PrevFailed => {
            if !nav::jump_failed(s, a == Action::NextFailed) {
                s.toast = Some("no failed rows".into());
            }
        }
        Action::ToggleSelect
        | Action::RangeSelect
        | Action::RangeDown
        | Action::RangeUp
        | Action::SelectAll
        | Action::SelectNone
        | Action::InvertSelection
        | Action::SelectStatusNew
        | Action::SelectStatusContacted
        | Action::SelectStatusDismissed
        | Action::SelectFailed => act_select(s, a),
        Action::SetNew | Action::SetContacted | Action::SetDismissed => {
            if let Some(st) = a.sets() {
                triage::set_status(s, st, fx);
            }
        }
        Action::Repeat => match s.last_status {
            Some(st) => triage::set_status(s, st, fx),
            None => s.toast = Some("nothing to repeat: no status key pressed yet".into()),
        },
        Action::Undo => triage::undo(s, fx),
        Action::Redo => triage::redo(s, fx),
        Action::Flush => triage::send_now(s, fx),
        Action::Retry => triage::retry(s, false, fx),
        Action::RetryAll => triage::retry(s, true, fx),
        Action::TakeTheirs => triage::take_theirs(s, fx),
        Action::Filter => s.mode = Mode::Filter,
        Action::Find => crate::app::find::start(s),
        Action::FindNext => crate::app::find::again(s, true),
        Action::FindPrev => crate::app::find::again(s, false),
        // Prompt keys mean nothing in the list.
        Action::Accept | Action::OnlyVisible | Action::DeleteWord | Action::ClearLine => {}
        Action::SortNext | Action::SortReverse | Action::SwitchView | Action::Reload => {
            act_view(s, a, fx)
        }
        Action::Detail => pane::open(s),
        Action::PaneLayout => pane::cycle_layout(s, fx),
        Action::DraftDm => crate::app::outreach::draft(s, crate::app::outreach::Kind::Dm, fx),
        Action::DraftComment => {
            crate::app::outreach::draft(s, crate::app::outreach::Kind::Comment, fx)
        }
        Action::NextView => crate::app::views::step(s, 1),
        Action::PrevView => crate::app::views::step(s, -1),
        Action::NextSignal
        | Action::PrevSignal
        | Action::OpenSignal
        | Action::CopySignalUrl
        | Action::SelectPeople
        | Action::EditDm
        | Action::EditComment
        | Action::SendDraft
        | Action::VoteUp
        | Action::VoteDown
        | Action::ClearVote => {
            if !pane::act(s, a, fx) {
                s.toast = Some(format!(
                    "that key works in the reading pane{}",
                    s.keymap.note(Action::Detail, "opens it")
                ));
            }
        }
        Action::OpenUrl => open_url(s, fx),
        Action::CopyEmail => copy(s, fx, "email", |l| l.email().map(str::to_owned)),
        Action::CopyUrl => copy(s, fx, "LinkedIn URL", |l| {
            l.linkedin_url().map(str::to_owned)
        }),
        Action::Export => export(s, fx, crate::export::Format::Csv),
        Action::ExportJson => export(s, fx, crate::export::Format::Json),
        Action::Suspend => fx.push(Effect::Suspend),
        Action::Help => s.mode = Mode::Help { scroll: 0 },
        Action::Palette => crate::app::palette::open(s),
        Action::Pipe => crate::app::pipe::open_prompt(s),
        Action::Escape => escape(s),
        Action::Quit => {
            if s.queue.unsent() > 0 || crate::app::outreach::unsent(s) > 0 {
                s.mode = Mode::ConfirmQuit;
            } else {
                fx.push(Effect::Quit);
            }
        }
    }
}

/// The cursor's moves (a page is what the layout shows).
fn act_move(s: &mut State, a: Action) {
    let page = s.page_rows() as isize;
    match a {
        Action::MoveDown => nav::move_by(s, 1, false),
        Action::MoveUp => nav::move_by(s, -1, false),
        Action::Top => nav::move_by(s, -(s.list().cursor as isize), false),
        Action::Bottom => nav::move_by(s, s.list().rows.len() as isize, false),
        Action::HalfPageDown => nav::move_by(s, (page / 2).max(1), false),
        Action::HalfPageUp => nav::move_by(s, -(page / 2).max(1), false),
        Action::PageDown => nav::move_by(s, page, false),
        Action::PageUp => nav::move_by(s, -page, false),
        _ => {}
    }
}

/// Selection: toggles, ranges, all, none, inverted, by status.
fn act_select(s: &mut State, a: Action) {
    match a {
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
        Action::SelectStatusNew | Action::SelectStatusContacted | Action::SelectStatusDismissed => {
            if let Some(st) = a.selects() {
                let n = nav::select_status(s, st);
                report_selected(s, n, st.as_str());
            }
        }
        Action::SelectFailed => {
            let n = nav::select_failed(s);
            report_selected(s, n, "failed");
        }
        _ => {}
    }
}

/// Sort, view and reload.
fn act_view(s: &mut State, a: Action, fx: &mut Vec<Effect>) {
    match a {
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
        _ => {}
    }
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
