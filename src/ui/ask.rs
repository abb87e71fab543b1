//! The question a status key asks before acting on hidden leads or on many leads.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::Action;
use crate::app::action::Layer;
use crate::app::ask::{Ask, Bulk};
use crate::app::find::thousands;
use crate::app::state::State;

use super::bars::key_or_fixed;
use super::theme::Theme;

/// `[key, " text"]` for the first key bound to `action` in the prompt layer; nothing when it
/// has no key (Esc always cancels, so `escape` always has one).
fn answer<'a>(s: &State, action: Action, text: String, theme: &Theme) -> Vec<Span<'a>> {
    match key_or_fixed(s, Layer::Confirm, action) {
        Some(k) => vec![Span::styled(k, theme.key()), Span::raw(text)],
        None => Vec::new(),
    }
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
        let all = format!(" all {}   ", thousands(ask.all.len()));
        let only = format!(" only the {} visible   ", thousands(visible.len()));
        let mut spans = answer(s, Action::Accept, all, theme);
        spans.extend(answer(s, Action::OnlyVisible, only, theme));
        spans.extend(answer(s, Action::Escape, " cancel".into(), theme));
        text.push(Line::from(spans));
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
        let set = format!(" set {} to {status}   ", thousands(n));
        let mut spans = answer(s, Action::Accept, set, theme);
        spans.extend(answer(
            s,
            Action::Escape,
            " cancel, nothing changes".into(),
            theme,
        ));
        text.push(Line::from(spans));
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
