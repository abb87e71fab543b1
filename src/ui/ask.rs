//! The question a status key asks before acting on hidden leads or on many leads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::Action;
use crate::app::ask::{Ask, Bulk};
use crate::app::find::thousands;
use crate::app::state::State;

use super::theme::Theme;

/// The first key bound to `action` in the prompt layer, or a placeholder when none is.
fn key_of(s: &State, action: Action) -> String {
    s.keymap
        .confirm_keys_for(action)
        .into_iter()
        .next()
        .unwrap_or_else(|| "(unbound)".into())
}

/// "40 new · 12 contacted".
pub fn breakdown(ask: &Ask) -> String {
    ask.change
        .iter()
        .map(|(st, n)| format!("{} {st}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The lines of the question (also used by tests through the screen).
pub fn lines<'a>(s: &State, ask: &Ask, theme: &Theme) -> Vec<Line<'a>> {
    let mut text = Vec::new();
    let accept = key_of(s, Action::Accept);
    let cancel = "Esc".to_string();
    if let Some(visible) = &ask.visible {
        text.push(Line::from(format!(
            "{} of the {} selected leads are hidden by the filter.",
            thousands(ask.hidden()),
            thousands(ask.all.len())
        )));
        text.push(Line::from(match ask.what {
            Bulk::Status(status) => format!("Set them to {status} too?"),
            Bulk::TakeTheirs => "Take Puffle's status for them too (dropping your changes)?".into(),
            Bulk::Retry => "Send their refused changes again too?".into(),
        }));
        text.push(Line::default());
        text.push(Line::from(vec![
            Span::styled(accept, theme.key()),
            Span::raw(format!(" all {}   ", thousands(ask.all.len()))),
            Span::styled(key_of(s, Action::OnlyVisible), theme.key()),
            Span::raw(format!(" only the {} visible   ", thousands(visible.len()))),
            Span::styled(cancel, theme.key()),
            Span::raw(" cancel"),
        ]));
    } else if let Bulk::Status(status) = ask.what {
        let n = ask.changing();
        let already = ask.all.len().saturating_sub(n);
        text.push(Line::from(format!(
            "Set {} leads to {status}?",
            thousands(n)
        )));
        text.push(Line::from(format!("Now: {}", breakdown(ask))));
        if already > 0 {
            text.push(Line::from(format!(
                "({} already {status} stay as they are)",
                thousands(already)
            )));
        }
        text.push(Line::default());
        text.push(Line::from(vec![
            Span::styled(accept, theme.key()),
            Span::raw(format!(" set {} to {status}   ", thousands(n))),
            Span::styled(cancel, theme.key()),
            Span::raw(" cancel, nothing changes"),
        ]));
    }
    text
}

/// Draw the question, centred.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, ask: &Ask, theme: &Theme) {
    let text = lines(s, ask, theme);
    let h = (text.len() as u16 + 2).min(area.height);
    let w = area.width.saturating_sub(4).min(70);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w,
        height: h,
    };
    super::popup::clear(frame, popup);
    let title = if ask.visible.is_some() {
        " Hidden leads selected "
    } else {
        " Confirm a large change "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(theme.key());
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        popup,
    );
}
