//! The help overlay: every binding of every keymap layer with its description (the list's
//! grouped by their group, each other layer in a section of its own), and the filter language.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::Action;
use crate::app::action::Layer;
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
    let mut sections: Vec<(String, Vec<(String, String)>)> = (Layer::ALL.iter())
        .filter(|l| **l != Layer::Normal)
        .map(|layer| {
            let rows = (s.keymap.layer_bindings(*layer).iter())
                .filter(|b| !b.keys.is_empty())
                .map(|b| (b.keys_text(), b.desc.clone()))
                .collect();
            (layer.title().to_string(), rows)
        })
        .collect();
    sections.push(filter_language(s));
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
        out.push(Line::from(Span::styled(title, theme.header())));
        for (k, d) in rows {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<18}", fit(&k, 18)), theme.key()),
                Span::raw(d),
            ]));
        }
    }
    out
}

/// The filter language section: its title names the filter and find keys, and its last row
/// how a find jumps to a row, all from the keymap.
fn filter_language(s: &State) -> (String, Vec<(String, String)>) {
    let filter = s.keymap.key(Action::Filter);
    let find = s.keymap.key(Action::Find);
    let title = match (&filter, &find) {
        (Some(a), Some(b)) => format!("Filter ({a}) and find ({b})"),
        (Some(a), None) => format!("Filter ({a}) and find"),
        (None, Some(b)) => format!("Filter and find ({b})"),
        (None, None) => "Filter and find".to_string(),
    };
    let mut rows = filter_help();
    if let Some(find) = find {
        let enter = s.keymap.key_in(Layer::Find, Action::Accept);
        let keys = match enter {
            Some(e) => format!("{find} 48213 {e}"),
            None => format!("{find} 48213"),
        };
        rows.push((keys, "find jumps to row 48,213 (no filter)".into()));
    }
    (title, rows)
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

/// " Keys · j/k scroll · Esc close ", from the help layer's keys.
pub fn title(s: &State) -> String {
    let key = |a| s.keymap.key_in(Layer::Help, a);
    let scroll = match (key(Action::MoveDown), key(Action::MoveUp)) {
        (Some(d), Some(u)) => Some(format!("{d}/{u} scroll")),
        (Some(d), None) => Some(format!("{d} scroll down")),
        (None, Some(u)) => Some(format!("{u} scroll up")),
        (None, None) => None,
    };
    let close = key(Action::Escape).map(|k| format!("{k} close"));
    format!(
        " {} ",
        super::bars::joined([Some("Keys".into()), scroll, close])
    )
}

/// How many lines the overlay has (to bound its scroll).
pub fn line_count(s: &State) -> usize {
    let theme = Theme {
        color: s.settings.color,
        palette: s.settings.palette,
    };
    lines(s, &theme).len()
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
        match s.keymap.key_in(Layer::Help, Action::Filter) {
            Some(k) => Line::from(Span::styled(format!(" {k} to filter"), theme.dim())),
            None => Line::default(),
        }
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
        .title(title(s))
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
