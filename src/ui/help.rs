//! The help overlay: every binding of the keymap with its description, grouped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::state::State;
use crate::keymap::key_label;

use super::fit::fit;
use super::theme::Theme;

/// The lines of the overlay (also used to bound scrolling).
pub fn lines<'a>(s: &'a State, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut group = "";
    for b in s.keymap.bindings() {
        if b.group != group {
            if !out.is_empty() {
                out.push(Line::default());
            }
            group = &b.group;
            out.push(Line::from(Span::styled(group.to_owned(), theme.header())));
        }
        let keys = b
            .keys
            .iter()
            .map(|chord| chord.iter().map(key_label).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Line::from(vec![
            Span::styled(format!("  {:<18}", fit(&keys, 18)), theme.key()),
            Span::raw(b.desc.clone()),
        ]));
    }
    out
}

/// Draw the overlay centred in `area`.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, scroll: usize, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(72);
    let h = area.height.saturating_sub(2);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    let all = lines(s, theme);
    let visible = usize::from(h.saturating_sub(2));
    let scroll = scroll.min(all.len().saturating_sub(visible));
    let shown: Vec<Line> = all.into_iter().skip(scroll).take(visible).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(" Keys · j/k scroll · Esc close ");
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
