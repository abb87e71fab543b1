//! The help overlay: every binding of the keymap with its description, grouped.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::Action;
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
    let query = s.help_query.to_lowercase();
    let prompt: Vec<(String, String)> = [Action::Accept, Action::OnlyVisible, Action::Escape]
        .iter()
        .map(|a| {
            let keys = s.keymap.confirm_keys_for(*a).join(", ");
            let desc = match a {
                Action::Accept => "Yes: every lead the question counts",
                Action::OnlyVisible => "Only the visible ones (hidden leads selected)",
                _ => "Cancel: nothing changes",
            };
            (keys, desc.to_string())
        })
        .collect();
    let sections: [(&str, Vec<(String, String)>); 2] = [
        ("Questions before a bulk change", prompt),
        ("Filter (/) and find (f)", filter_help()),
    ];
    for (title, rows) in sections {
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(k, d)| {
                query.is_empty() || format!("{k} {d} {title}").to_lowercase().contains(&query)
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Line::default());
        }
        out.push(Line::from(Span::styled(title.to_owned(), theme.header())));
        for (k, d) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<18}", fit(&k, 18)), theme.key()),
                Span::raw(d),
            ]));
        }
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

/// Draw the overlay in its box (`Layout::help`).
pub fn draw(frame: &mut Frame, popup: Rect, s: &State, scroll: usize, theme: &Theme) {
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
    let visible = super::layout::help_lines(popup);
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

/// The filter language, for the overlay, from its one table (the README says the same at more
/// length): the word forms, every token with its example, and find.
fn filter_help() -> Vec<(String, String)> {
    use crate::app::filter::tokens::{TOKENS, WORD_FORMS};
    let words = WORD_FORMS
        .iter()
        .map(|(k, d)| ((*k).to_owned(), (*d).to_owned()));
    let tokens = TOKENS
        .iter()
        .map(|t| (t.example.to_owned(), t.help.to_owned()));
    let find = std::iter::once((
        "f 48213 Enter".to_owned(),
        "find jumps to row 48,213 (no filter)".to_owned(),
    ));
    words.chain(tokens).chain(find).collect()
}
