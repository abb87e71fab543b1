//! The key hint bar: for each mode the keys of its keymap layer that matter most, with their
//! current (possibly remapped) keys, so a hint never names a key that does not act.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::api::GroupBy;
use crate::app::Action;
use crate::app::action::Layer;
use crate::app::state::{Mode, State};

use super::bars::key_or_fixed;
use super::theme::Theme;

/// Hints for the most used actions, with their keys taken from the keymap. Help and quit come
/// first, so a narrow terminal still shows how to learn the keys and how to leave.
const HINTS: [(Action, &str); 14] = [
    (Action::Help, "help"),
    (Action::Quit, "quit"),
    (Action::MoveDown, "down"),
    (Action::ToggleSelect, "select"),
    (Action::SetNew, "new"),
    (Action::SetContacted, "contacted"),
    (Action::SetDismissed, "dismiss"),
    (Action::Undo, "undo"),
    (Action::Filter, "filter"),
    (Action::Find, "find"),
    (Action::Flush, "send"),
    (Action::Detail, "detail"),
    (Action::SwitchView, "view"),
    (Action::SortNext, "sort"),
];

/// `"{a}/{b}"` for two related keys of `layer` (`↑/↓`), or the one that has a key.
fn pair(s: &State, layer: Layer, a: Action, b: Action) -> Option<String> {
    match (s.keymap.key_in(layer, a), s.keymap.key_in(layer, b)) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (a, b) => a.or(b),
    }
}

/// Hints of a confirmation prompt, from its keymap layer.
const ASK_HINTS: [(Action, &str); 3] = [
    (Action::Accept, "yes"),
    (Action::OnlyVisible, "only visible"),
    (Action::Escape, "cancel"),
];

/// Hints of the quit question, from its keymap layer.
const QUIT_HINTS: [(Action, &str); 3] = [
    (Action::Flush, "send, then quit"),
    (Action::Quit, "quit now"),
    (Action::Escape, "stay"),
];

/// Hints of the help overlay, from its keymap layer.
const HELP_HINTS: [(Action, &str); 3] = [
    (Action::Escape, "close"),
    (Action::Filter, "filter keys"),
    (Action::PageDown, "page"),
];

/// Hints of the reading pane, from its keymap layer (then the list's keys it acts with).
const DETAIL_HINTS: [(Action, &str); 10] = [
    (Action::Escape, "close"),
    (Action::NextSignal, "next signal"),
    (Action::OpenSignal, "open signal"),
    (Action::DraftDm, "draft DM"),
    (Action::SendDraft, "send"),
    (Action::EditDm, "edit DM"),
    (Action::CopySignalUrl, "copy link"),
    (Action::SelectPeople, "select people"),
    (Action::VoteUp, "vote up"),
    (Action::VoteDown, "vote down"),
];

/// The list's keys that matter most while reading, after the pane's own.
const READING_HINTS: [(Action, &str); 6] = [
    (Action::SetDismissed, "dismiss"),
    (Action::SetContacted, "contacted"),
    (Action::SetNew, "new"),
    (Action::Undo, "undo"),
    (Action::PaneLayout, "layout"),
    (Action::Help, "help"),
];

/// Text-editing hints of the filter and find inputs, from their layers.
const EDIT_HINTS: [(Action, &str); 2] = [
    (Action::DeleteWord, "delete word"),
    (Action::ClearLine, "clear line"),
];

/// The hint pairs `(key, text)` of the current mode, generated from its keymap layer: only
/// actions that have a key are shown.
fn mode_hints(s: &State) -> Vec<(String, String)> {
    let from = |layer: Layer, hints: &[(Action, &str)]| -> Vec<(String, String)> {
        (hints.iter())
            .filter_map(|(a, t)| Some((key_or_fixed(s, layer, *a)?, (*t).to_string())))
            .collect()
    };
    let edit = from(Layer::Filter, &EDIT_HINTS);
    match &s.mode {
        Mode::Filter => {
            let mut out = from(
                Layer::Filter,
                &[(Action::Accept, "keep"), (Action::Escape, "clear")],
            );
            out.extend(
                pair(s, Layer::Filter, Action::MoveUp, Action::MoveDown)
                    .map(|k| (k, "move".into())),
            );
            out.extend(edit);
            out.push(("~word".into(), "fuzzy".into()));
            let tokens = match s.keymap.key(Action::Help) {
                Some(k) => format!("tokens ({k} lists all)"),
                None => "tokens".into(),
            };
            out.push(("company: name: status: is:".into(), tokens));
            out
        }
        Mode::Find => {
            let mut out = from(
                Layer::Find,
                &[(Action::Accept, "stay here"), (Action::Escape, "go back")],
            );
            let after = match s.keymap.key_in(Layer::Find, Action::Accept) {
                Some(k) => format!("next/previous after {k}"),
                None => "next/previous match".to_string(),
            };
            out.extend(
                pair(s, Layer::Normal, Action::FindNext, Action::FindPrev).map(|k| (k, after)),
            );
            out.extend(from(Layer::Find, &EDIT_HINTS[..1]));
            out
        }
        Mode::Ask(ask) => {
            let hints: Vec<(Action, &str)> = (ASK_HINTS.iter())
                .filter(|(a, _)| *a != Action::OnlyVisible || ask.visible.is_some())
                .copied()
                .collect();
            from(Layer::Confirm, &hints)
        }
        Mode::ConfirmQuit => from(Layer::Quit, &QUIT_HINTS),
        Mode::ConfirmDrafts(_) => from(
            Layer::Confirm,
            &[(Action::Accept, "draft them"), (Action::Escape, "cancel")],
        ),
        Mode::MarkContacted(_) => from(
            Layer::Confirm,
            &[
                (Action::Accept, "mark contacted"),
                (Action::Escape, "not now"),
            ],
        ),
        Mode::Help { .. } if s.help_typing => {
            let mut out = from(
                Layer::Filter,
                &[(Action::Accept, "keep"), (Action::Escape, "clear")],
            );
            out.extend(edit);
            out
        }
        Mode::Help { .. } => {
            let mut out = from(Layer::Help, &HELP_HINTS);
            out.extend(
                pair(s, Layer::Help, Action::MoveDown, Action::MoveUp)
                    .map(|k| (k, "scroll".into())),
            );
            out
        }
        Mode::Normal if s.pane.is_some() => {
            // The pane's own keys, the list's it acts with most, outreach, then the rest.
            let mut out = from(Layer::Detail, &DETAIL_HINTS[..3]);
            out.extend(
                pair(s, Layer::Normal, Action::MoveDown, Action::MoveUp)
                    .map(|k| (k, "next/prev lead".into())),
            );
            let advance = if s.settings.auto_advance {
                " & next"
            } else {
                ""
            };
            out.extend(READING_HINTS.iter().filter_map(|(a, t)| {
                let k = s.keymap.key(*a)?;
                let t = if a.sets().is_some() {
                    format!("{t}{advance}")
                } else {
                    (*t).to_string()
                };
                Some((k, t))
            }));
            out.extend(from(Layer::Detail, &DETAIL_HINTS[3..6]));
            out.extend(
                pair(s, Layer::Detail, Action::MoveDown, Action::MoveUp)
                    .map(|k| (k, "scroll pane".into())),
            );
            let rest: Vec<(Action, &str)> = (DETAIL_HINTS[6..].iter())
                .filter(|(a, _)| *a != Action::SelectPeople || s.group == GroupBy::Company)
                .copied()
                .collect();
            out.extend(from(Layer::Detail, &rest));
            out
        }
        Mode::Palette | Mode::Pipe => {
            let run = if s.mode == Mode::Palette {
                "run"
            } else {
                "run command"
            };
            let mut out = from(
                Layer::Filter,
                &[(Action::Accept, run), (Action::Escape, "close")],
            );
            if s.mode == Mode::Palette {
                out.extend(
                    pair(s, Layer::Filter, Action::MoveUp, Action::MoveDown)
                        .map(|k| (k, "move".into())),
                );
                out.push(("type".into(), "to search".into()));
            }
            out.extend(edit);
            out
        }
        Mode::Normal => from(Layer::Normal, &HINTS),
    }
}

/// The hint bar, generated from the keymap layer of the current mode.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    for (key, name) in mode_hints(s) {
        let w = super::fit::width(&key) + super::fit::width(&name) + 3;
        if used + w > usize::from(area.width) {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {name}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
