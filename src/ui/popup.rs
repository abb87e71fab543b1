//! Small centred dialogs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::action::{Action, Layer};
use crate::app::state::State;

use super::theme::Theme;

/// Clear `r` for a popup. A wide character (CJK, emoji) just left of it would cover the
/// popup's left border (it spans two columns, and the frame diff skips the column it covers),
/// so it is replaced by a space first.
pub fn clear(frame: &mut Frame, r: Rect) {
    let buf = frame.buffer_mut();
    if r.x > buf.area.x {
        for y in r.y..r.bottom() {
            if let Some(cell) = buf.cell_mut((r.x - 1, y))
                && super::fit::width(cell.symbol()) > 1
            {
                cell.set_symbol(" ");
            }
        }
    }
    frame.render_widget(Clear, r);
}

/// The answers of the quit question, in the order it shows them.
const QUIT_ANSWERS: [(Action, &str); 3] = [
    (Action::Flush, "send, then quit"),
    (Action::Quit, "quit now"),
    (Action::Escape, "stay"),
];

/// The keys the quit question names for an answer (at most two; Esc for `escape` when the
/// layer binds none, since Esc always stays).
fn quit_keys(s: &State, action: Action) -> Vec<String> {
    let mut keys = s.keymap.keys_in(Layer::Quit, action);
    keys.truncate(if action == Action::Escape { 2 } else { 1 });
    if keys.is_empty() && action == Action::Escape {
        keys.push("Esc".into());
    }
    keys
}

/// "y quits anyway, s sends then quits, n stays": the quit question's answers in one line,
/// for the too-small screen.
pub fn quit_answers_text(s: &State) -> String {
    let words = [
        (Action::Quit, "quits anyway"),
        (Action::Flush, "sends then quits"),
        (Action::Escape, "stays"),
    ];
    (words.iter())
        .filter_map(|(a, w)| Some(format!("{} {w}", quit_keys(s, *a).first()?)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Quit with unsent changes?"
pub fn confirm_quit(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let failed = s.queue.counts.failed;
    let waiting = s.queue.unsent().saturating_sub(failed) + crate::app::outreach::unsent(s);
    let w = area.width.saturating_sub(4).min(60);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + area.height.saturating_sub(9) / 2,
        width: w,
        height: 9.min(area.height),
    };
    let mut text = Vec::new();
    if waiting > 0 {
        let kept = if s.settings.durable {
            if waiting == 1 {
                "It is kept and sent at the next start."
            } else {
                "They are kept and sent at the next start."
            }
        } else {
            "Quitting now drops them."
        };
        text.push(Line::from(format!(
            "{waiting} change{} not sent to Puffle yet. {kept}",
            if waiting == 1 { " is" } else { "s are" }
        )));
    }
    if failed > 0 {
        let kept = if !s.settings.durable {
            "dropped if you quit now".to_string()
        } else if let Some(k) = s.keymap.key(Action::Retry) {
            format!("kept to retry ({k}) or drop (set the row's status again)")
        } else {
            "kept to retry or drop (set the row's status again)".to_string()
        };
        text.push(Line::from(format!(
            "{failed} change{} refused by Puffle: {kept}.",
            if failed == 1 { " was" } else { "s were" }
        )));
    }
    let mut answers = Vec::new();
    for (action, what) in QUIT_ANSWERS {
        let keys = quit_keys(s, action);
        if keys.is_empty() {
            continue;
        }
        for (n, k) in keys.into_iter().enumerate() {
            if n > 0 {
                answers.push(Span::raw("/"));
            }
            answers.push(Span::styled(k, theme.key()));
        }
        answers.push(Span::raw(format!(" {what}   ")));
    }
    text.extend([Line::default(), Line::from(answers)]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(" Quit? ");
    clear(frame, popup);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        popup,
    );
}

/// A small question box in the middle of `area`: its title, lines, and the answers' keys.
fn question(
    frame: &mut Frame,
    area: Rect,
    s: &State,
    title: &str,
    mut text: Vec<Line<'static>>,
    answers: &[(Action, &str)],
    theme: &Theme,
) {
    let w = area.width.saturating_sub(4).min(64);
    let h = (text.len() as u16 + 4).min(area.height);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w,
        height: h,
    };
    let mut keys = Vec::new();
    for (action, what) in answers {
        let Some(k) = s.keymap.confirm_keys_for(*action).into_iter().next() else {
            continue;
        };
        keys.push(Span::styled(k, theme.key()));
        keys.push(Span::raw(format!(" {what}   ")));
    }
    text.extend([Line::default(), Line::from(keys)]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(format!(" {title} "));
    clear(frame, popup);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        popup,
    );
}

/// Before drafting for several leads: how many, and that it may cost credits.
pub fn confirm_drafts(
    frame: &mut Frame,
    area: Rect,
    s: &State,
    ask: &crate::app::outreach::DraftAsk,
    theme: &Theme,
) {
    let what = if ask.dm { "a DM" } else { "a comment" };
    let text = vec![
        Line::from(format!(
            "Draft {what} for each of {} leads (its top signal)?",
            ask.items.len()
        )),
        Line::from(format!(
            "That is {} call{} to Puffle, which may cost the account credits.",
            ask.items
                .len()
                .div_ceil(crate::api::outreach::MAX_GENERATE_ITEMS),
            if ask.items.len() > crate::api::outreach::MAX_GENERATE_ITEMS {
                "s"
            } else {
                ""
            }
        )),
    ];
    question(
        frame,
        area,
        s,
        "Draft?",
        text,
        &[(Action::Accept, "draft them"), (Action::Escape, "cancel")],
        theme,
    );
}

/// After sending a draft: mark the lead contacted?
pub fn mark_contacted(frame: &mut Frame, area: Rect, s: &State, lead: &uuid::Uuid, theme: &Theme) {
    let data = s.data();
    let name = data
        .by_id
        .get(lead)
        .map_or("this lead", |&i| data.leads[i as usize].name())
        .to_owned();
    let undo = s
        .keymap
        .key(Action::Undo)
        .map_or(String::new(), |k| format!(" ({k} undoes it)"));
    let text = vec![Line::from(format!(
        "Sent it? Mark {} contacted{undo}.",
        super::fit::fit(&name, 40)
    ))];
    question(
        frame,
        area,
        s,
        "Mark contacted?",
        text,
        &[
            (Action::Accept, "mark contacted"),
            (Action::Escape, "not now"),
        ],
        theme,
    );
}
