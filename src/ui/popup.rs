//! Small centred dialogs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

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

/// "Quit with unsent changes?"
pub fn confirm_quit(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let failed = s.queue.counts.failed;
    let waiting = s.queue.unsent().saturating_sub(failed);
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
        let kept = if s.settings.durable {
            "kept to retry (r) or drop (set the row's status again)"
        } else {
            "dropped if you quit now"
        };
        text.push(Line::from(format!(
            "{failed} change{} refused by Puffle: {kept}.",
            if failed == 1 { " was" } else { "s were" }
        )));
    }
    text.extend([
        Line::default(),
        Line::from(vec![
            Span::styled("s", theme.key()),
            Span::raw(" send, then quit   "),
            Span::styled("y", theme.key()),
            Span::raw(" quit now   "),
            Span::styled("n", theme.key()),
            Span::raw("/"),
            Span::styled("Esc", theme.key()),
            Span::raw(" stay"),
        ]),
    ]);
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
