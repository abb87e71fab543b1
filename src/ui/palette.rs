//! The command palette's overlay (in the help overlay's box) and the pipe prompt's line: what
//! `app::palette` and `app::pipe` hold, drawn. Every key named comes from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::Action;
use crate::app::action::Layer;
use crate::app::palette::entries;
use crate::app::state::State;

use super::bars::{joined, layer_hint};
use super::fit::fit;
use super::theme::Theme;

/// Width of the keys column.
const KEYS: usize = 18;

/// " Commands · Enter run · ↑/↓ move · Esc close ", from the filter layer's keys.
pub fn title(s: &State) -> String {
    let moves = match (
        s.keymap.key_in(Layer::Filter, Action::MoveUp),
        s.keymap.key_in(Layer::Filter, Action::MoveDown),
    ) {
        (Some(u), Some(d)) => Some(format!("{u}/{d} move")),
        (u, d) => u.or(d).map(|k| format!("{k} move")),
    };
    format!(
        " {} ",
        joined([
            Some("Commands".into()),
            layer_hint(s, Layer::Filter, Action::Accept, "run"),
            moves,
            layer_hint(s, Layer::Filter, Action::Escape, "close"),
        ])
    )
}

/// Draw the palette in `popup`: the query, then the entries that match (key, description),
/// the highlighted one marked, scrolled so it is in view.
pub fn draw(frame: &mut Frame, popup: Rect, s: &State, theme: &Theme) {
    let all = entries(s);
    let visible = usize::from(popup.height.saturating_sub(3)).max(1);
    let cursor = s.palette.cursor.min(all.len().saturating_sub(1));
    let offset = (cursor + 1).saturating_sub(visible);
    let width = usize::from(popup.width.saturating_sub(2));
    let mut lines = vec![Line::from(vec![
        Span::styled(" :", theme.key()),
        Span::raw(s.palette.query.clone()),
        Span::styled("▏", theme.key()),
    ])];
    if all.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no command matches",
            theme.dim(),
        )));
    }
    for (i, e) in all.iter().enumerate().skip(offset).take(visible) {
        let here = i == cursor;
        let mark = if here { "▶ " } else { "  " };
        let desc = fit(&e.desc, width.saturating_sub(KEYS + 3));
        let keys = if e.keys.is_empty() { "—" } else { &e.keys };
        let mut line = Line::from(vec![
            Span::raw(mark),
            Span::styled(format!("{:<KEYS$} ", fit(keys, KEYS)), theme.key()),
            Span::raw(desc),
        ]);
        if here {
            line = line.style(theme.cursor());
        }
        lines.push(line);
    }
    let position = if all.len() > visible {
        format!(" {} of {} ", cursor + 1, all.len())
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.popup_border())
        .title(title(s))
        .title_bottom(Line::from(position).right_aligned());
    super::popup::clear(frame, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}

/// The pipe prompt's line (where the filter line goes): " | command▏  Enter runs on 2 leads
/// (JSON lines on stdin) · Esc cancel".
pub fn pipe_prompt(s: &State, theme: &Theme) -> Line<'static> {
    let n = crate::app::pipe::leads_count(s);
    let what = match n {
        0 => "no row to pipe".to_string(),
        1 => "the row goes to stdin as a JSON line".to_string(),
        n => format!("{n} selected leads go to stdin as JSON lines"),
    };
    Line::from(vec![
        Span::styled(" | ", theme.key()),
        Span::raw(s.pipe.line.clone()),
        Span::styled("▏", theme.key()),
        Span::styled(
            format!(
                "  {}",
                joined([
                    Some(what),
                    layer_hint(s, Layer::Filter, Action::Accept, "run (sh -c)"),
                    layer_hint(s, Layer::Filter, Action::Escape, "cancel"),
                ])
            ),
            theme.dim(),
        ),
    ])
}
