//! The help overlay: every binding of the keymap with its description, grouped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::state::State;
use crate::keymap::key_label;

use super::fit::fit;
use super::theme::Theme;

/// The lines of the overlay (also used to bound scrolling): every binding whose keys,
/// description or group contain the help filter (case-insensitive).
pub fn lines<'a>(s: &'a State, theme: &Theme) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    let mut group = "";
    for b in s.help_bindings() {
        let keys_text = b.keys_text();
        if b.group != group {
            if !out.is_empty() {
                out.push(Line::default());
            }
            group = &b.group;
            out.push(Line::from(Span::styled(group.to_owned(), theme.header())));
        }
        out.push(Line::from(vec![
            Span::styled(format!("  {:<18}", fit(&keys_text, 18)), theme.key()),
            Span::raw(b.desc.clone()),
        ]));
    }
    out
}

/// The which-key popup: after the first key of a chord (e.g. `*`), what may follow.
pub fn which_key(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) {
    let next = s.keymap.chord_continuations(&s.chord);
    if next.is_empty() {
        return;
    }
    let prefix = s.chord.iter().map(key_label).collect::<Vec<_>>().join(" ");
    let lines: Vec<Line> = next
        .iter()
        .map(|(key, _, desc)| {
            Line::from(vec![
                Span::styled(format!(" {key:<6}"), theme.key()),
                Span::raw(fit(desc, 40)),
            ])
        })
        .collect();
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 50.min(area.width);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w + 1),
        y: area.y + area.height.saturating_sub(h + 3),
        width: w,
        height: h,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(format!(" {prefix} … "));
    super::popup::clear(frame, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// Draw the overlay centred in `area`.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, scroll: usize, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(72);
    let h = area.height.saturating_sub(1 + super::BOTTOM_BARS);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + 1,
        width: w,
        height: h,
    };
    let mut all = lines(s, theme);
    if all.is_empty() {
        all.push(Line::from(Span::styled(
            "  no binding matches",
            theme.dim(),
        )));
    }
    // The first inner line shows the filter.
    let filter = if s.help_typing || !s.help_query.is_empty() {
        Line::from(vec![
            Span::styled(" /", theme.key()),
            Span::raw(s.help_query.clone()),
            Span::styled(if s.help_typing { "▏" } else { "" }, theme.key()),
        ])
    } else {
        Line::from(Span::styled(" / to filter", theme.dim()))
    };
    let visible = usize::from(h.saturating_sub(3));
    let total = all.len();
    let scroll = scroll.min(total.saturating_sub(visible));
    let position = if total > visible {
        format!(
            " {}–{} of {} ",
            scroll + 1,
            (scroll + visible).min(total),
            total
        )
    } else {
        String::new()
    };
    let mut shown: Vec<Line> = vec![filter];
    shown.extend(all.into_iter().skip(scroll).take(visible));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(" Keys · j/k scroll · Esc close ")
        .title_bottom(Line::from(position).right_aligned());
    super::popup::clear(frame, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}
