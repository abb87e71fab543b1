//! The lead table. Builds rows only for the visible window, whatever the number of leads.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use crate::api::{GroupBy, Status};
use crate::app::queue::Phase;
use crate::app::record::LeadRecord;
use crate::app::state::{State, gi};

use super::fit::fit;
use super::theme::Theme;

/// Sync glyphs: pending, sending, confirmed this session, failed.
pub const GLYPH_PENDING: &str = "○";
pub const GLYPH_SENDING: &str = "↻";
pub const GLYPH_DONE: &str = "✓";
pub const GLYPH_FAILED: &str = "✗";
/// The status changed on the server since we last saw it (another rep).
pub const GLYPH_ELSEWHERE: &str = "⇄";
/// Selection marks: selected, inside the active range.
pub const MARK_SELECTED: &str = "●";
pub const MARK_RANGE: &str = "◆";

struct Widths {
    name: usize,
    company: usize,
    headline: usize,
    error: usize,
}

fn widths(total: u16, with_error: bool) -> Widths {
    let total = usize::from(total);
    // Fixed: mark 1, sync 1, status 9, signals 3, score 5, and one space between 8-9 columns.
    let fixed = 1 + 1 + 9 + 3 + 5 + 8 + usize::from(with_error);
    let error = if with_error { 16 } else { 0 };
    let flexible = total.saturating_sub(fixed + error);
    let name = (flexible * 30 / 100).clamp(8, 32);
    let company = (flexible * 25 / 100).clamp(6, 28);
    let headline = flexible.saturating_sub(name + company);
    Widths {
        name,
        company,
        headline,
        error,
    }
}

/// Draw the table into `area`; returns the number of rows built.
pub fn draw(frame: &mut Frame, area: Rect, s: &State, theme: &Theme) -> usize {
    let with_error = s.queue.counts.failed > 0;
    let w = widths(area.width, with_error);
    let list = s.list();
    let data = &s.data[gi(s.group)];
    let body = usize::from(area.height.saturating_sub(1));
    // The window: the stored offset, nudged so the cursor is visible even before a resize
    // reached the state.
    let mut offset = list.offset.min(list.rows.len().saturating_sub(1));
    if list.cursor >= offset + body.max(1) {
        offset = list.cursor + 1 - body.max(1);
    }
    if list.cursor < offset {
        offset = list.cursor;
    }
    let end = (offset + body).min(list.rows.len());
    let range = list.range_bounds();

    let rows: Vec<Row> = list.rows[offset..end]
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let pos = offset + k;
            let lead = &data.leads[i as usize];
            let in_range = range.is_some_and(|(a, b)| pos >= a && pos <= b);
            let marks = Marks {
                selected: list.selected.contains(&i),
                in_range,
                changed_elsewhere: data.changed_elsewhere.contains(&i),
            };
            build_row(s, lead, marks, &w, theme)
        })
        .collect();
    let built = rows.len();

    let name_title = match s.group {
        GroupBy::Person => "name",
        GroupBy::Company => "company",
    };
    let company_title = match s.group {
        GroupBy::Person => "company",
        GroupBy::Company => "industry",
    };
    let mut titles = vec![
        Cell::from(" "),
        Cell::from(" "),
        Cell::from("status"),
        Cell::from(name_title),
        Cell::from(company_title),
        Cell::from("headline"),
        Cell::from("sig"),
        Cell::from("score"),
    ];
    let mut constraints = vec![
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Length(w.name as u16),
        Constraint::Length(w.company as u16),
        Constraint::Length(w.headline as u16),
        Constraint::Length(3),
        Constraint::Length(5),
    ];
    if with_error {
        titles.push(Cell::from("error"));
        constraints.push(Constraint::Length(w.error as u16));
    }
    let table = Table::new(rows, constraints)
        .header(Row::new(titles).style(theme.column_titles()))
        .column_spacing(1)
        .row_highlight_style(theme.cursor());
    let mut state = TableState::default();
    if !list.rows.is_empty() {
        state.select(Some(list.cursor - offset));
    }
    frame.render_stateful_widget(table, area, &mut state);
    built
}

/// Per-row marks that do not come from the lead itself.
struct Marks {
    selected: bool,
    in_range: bool,
    changed_elsewhere: bool,
}

fn build_row<'a>(
    s: &State,
    lead: &'a LeadRecord,
    marks: Marks,
    w: &Widths,
    theme: &Theme,
) -> Row<'a> {
    let Marks {
        selected,
        in_range,
        changed_elsewhere,
    } = marks;
    let entry = s.queue.entries.get(&lead.id);
    let shown: Status = entry.map_or(lead.status, |e| e.shown());
    let (glyph, glyph_style) = match entry.map(|e| e.phase) {
        Some(Phase::Pending) => (GLYPH_PENDING, theme.pending()),
        Some(Phase::Sending(_)) => (GLYPH_SENDING, theme.pending()),
        Some(Phase::Failed) => (GLYPH_FAILED, theme.error()),
        None if s.queue.done.contains(&lead.id) => (GLYPH_DONE, theme.toast()),
        None if changed_elsewhere => (GLYPH_ELSEWHERE, theme.pending()),
        None => (" ", theme.dim()),
    };
    let mark = if selected {
        Span::styled(MARK_SELECTED, theme.selected_mark())
    } else if in_range {
        Span::styled(MARK_RANGE, theme.selected_mark())
    } else {
        Span::raw(" ")
    };
    let pending = entry.is_some_and(|e| e.phase != Phase::Failed);
    let status_style = if pending {
        theme.status(shown).patch(theme.pending())
    } else {
        theme.status(shown)
    };
    let (second, third) = match s.group {
        GroupBy::Person => (lead.company_name(), lead.headline()),
        GroupBy::Company => (lead.industry(), lead.headline()),
    };
    let score = lead
        .top_score()
        .map(|v| {
            if v.fract() == 0.0 && v.abs() < 1e6 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        })
        .unwrap_or_else(|| "–".into());
    let mut cells = vec![
        Cell::from(mark),
        Cell::from(Span::styled(glyph, glyph_style)),
        Cell::from(Span::styled(shown.as_str(), status_style)),
        Cell::from(fit(lead.name(), w.name)),
        Cell::from(fit(second.unwrap_or(""), w.company)),
        Cell::from(Span::styled(
            fit(third.unwrap_or(""), w.headline),
            theme.dim(),
        )),
        Cell::from(Line::from(fit(&lead.signal_count.to_string(), 3)).right_aligned()),
        Cell::from(Line::from(fit(&score, 5)).right_aligned()),
    ];
    if w.error > 0 {
        let err = entry
            .filter(|e| e.phase == Phase::Failed || e.error.is_some())
            .and_then(|e| e.error.as_deref())
            .map(|e| fit(&format!("{GLYPH_FAILED} {e}"), w.error))
            .unwrap_or_default();
        cells.push(Cell::from(Span::styled(err, theme.error())));
    }
    let row = Row::new(cells);
    if selected || in_range {
        row.style(theme.selected_row())
    } else {
        row
    }
}
