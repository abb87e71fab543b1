//! The lead table, drawn straight into the frame buffer: only the visible window is touched,
//! and a row costs no heap allocation (text is cut by display width in place, between grapheme
//! clusters), so a frame costs the same at 1,000 and 100,000 leads.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::api::{GroupBy, Status};
use crate::app::queue::Phase;
use crate::app::record::LeadRecord;
use crate::app::state::{State, gi};

use super::Layout;
use super::fit::cut;
use super::theme::Theme;

/// Sync glyphs: pending, sending, confirmed this session, failed.
pub const GLYPH_PENDING: &str = "○";
pub const GLYPH_SENDING: &str = "↻";
pub const GLYPH_DONE: &str = "✓";
pub const GLYPH_FAILED: &str = "✗";
/// A change held because the lead changed elsewhere (the error column says which status is yours).
pub const GLYPH_CONFLICT: &str = "≠";
/// The status changed on the server since we last saw it (another rep).
pub const GLYPH_ELSEWHERE: &str = "⇄";
/// Selection marks: selected, inside the active range.
pub const MARK_SELECTED: &str = "●";
pub const MARK_RANGE: &str = "◆";

/// Column positions (x offsets from the left of the table) and widths.
struct Columns {
    mark: u16,
    sync: u16,
    status: u16,
    name: (u16, u16),
    company: (u16, u16),
    headline: (u16, u16),
    signals: (u16, u16),
    score: (u16, u16),
    error: Option<(u16, u16)>,
}

fn columns(total: u16, with_error: bool) -> Columns {
    let total = usize::from(total);
    // Fixed: mark 1, sync 1, status 9, signals 3, score 5, one space between columns.
    let fixed = 1 + 1 + 9 + 3 + 5 + 8 + usize::from(with_error);
    // Room for the glyph and the longest code we set (`not_acknowledged`) uncut.
    let error = if with_error { 18 } else { 0 };
    let flexible = total.saturating_sub(fixed + error);
    // Narrow terminals give the name (what a rep reads first) more, the headline less.
    let (name_pct, company_pct) = if flexible < 60 { (45, 30) } else { (30, 25) };
    let name = (flexible * name_pct / 100).clamp(8, 32) as u16;
    let company = (flexible * company_pct / 100).clamp(6, 28) as u16;
    let headline = flexible.saturating_sub(usize::from(name + company)) as u16;
    let name_x = 1 + 1 + 1 + 1 + 9 + 1;
    let company_x = name_x + name + 1;
    let headline_x = company_x + company + 1;
    let signals_x = headline_x + headline + 1;
    let score_x = signals_x + 3 + 1;
    Columns {
        mark: 0,
        sync: 2,
        status: 4,
        name: (name_x, name),
        company: (company_x, company),
        headline: (headline_x, headline),
        signals: (signals_x, 3),
        score: (score_x, 5),
        error: with_error.then_some((score_x + 5 + 1, error as u16)),
    }
}

/// Write `text` at column `(x, w)` of row `y`, cut to fit with `…` between two grapheme
/// clusters and measured as ratatui draws it ([`cut`]), so nothing is drawn past the column;
/// right-aligned if asked.
fn put(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    col: (u16, u16),
    text: &str,
    style: Style,
    right: bool,
) {
    let (x, w) = col;
    if w == 0 || x >= area.width {
        return;
    }
    let w = w.min(area.width - x);
    let (shown, used, cut_off) = cut(text, usize::from(w));
    let used = used as u16 + u16::from(cut_off);
    let start = if right {
        area.x + x + (w - used.min(w))
    } else {
        area.x + x
    };
    let (end, _) = buf.set_stringn(start, y, shown, usize::from(w), style);
    if cut_off {
        buf.set_stringn(end, y, "…", 1, style);
    }
}

/// Draw the table into `layout.table` (titles) and `layout.rows` (the window of
/// [`Layout::window`]); returns the number of rows drawn.
pub fn draw(frame: &mut Frame, layout: &Layout, s: &State, theme: &Theme) -> usize {
    let area = layout.table;
    let with_error = s.queue.counts.failed > 0;
    let cols = columns(area.width, with_error);
    let list = s.list();
    let data = &s.data[gi(s.group)];
    let buf = frame.buffer_mut();
    if area.height == 0 {
        return 0;
    }

    // Column titles.
    let title = Rect { height: 1, ..area };
    buf.set_style(title, theme.column_titles());
    let (second, third) = match s.group {
        GroupBy::Person => ("name", "company"),
        GroupBy::Company => ("company", "industry"),
    };
    let ts = theme.column_titles();
    put(buf, area, area.y, (cols.status, 9), "status", ts, false);
    put(buf, area, area.y, cols.name, second, ts, false);
    put(buf, area, area.y, cols.company, third, ts, false);
    put(buf, area, area.y, cols.headline, "headline", ts, false);
    put(buf, area, area.y, cols.signals, "sig", ts, false);
    put(buf, area, area.y, cols.score, "score", ts, false);
    if let Some(e) = cols.error {
        put(buf, area, area.y, e, "error", ts, false);
    }

    let body = usize::from(layout.rows.height);
    let window = layout.window(list);
    let (offset, end) = (window.start, window.end);
    let range = list.range_bounds();

    for (k, &i) in list.rows[offset..end].iter().enumerate() {
        let pos = offset + k;
        let y = layout.rows.y + k as u16;
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        let lead = &data.leads[i as usize];
        let marks = Marks {
            selected: list.selected.contains(&i),
            in_range: range.is_some_and(|(a, b)| pos >= a && pos <= b),
            changed_elsewhere: data.changed_elsewhere.contains(&i),
        };
        if marks.selected || marks.in_range {
            buf.set_style(row, theme.selected_row());
        }
        draw_row(buf, area, y, &cols, s, lead, &marks, theme);
        if pos == list.cursor {
            buf.set_style(row, theme.cursor());
        }
    }
    if list.rows.is_empty()
        && body > 0
        && let Some(msg) = empty_message(s)
    {
        let y = layout.rows.y + (body as u16).saturating_sub(1) / 2;
        let w = super::fit::width(&msg).min(usize::from(area.width));
        let x = area.x + (area.width.saturating_sub(w as u16)) / 2;
        buf.set_string(x, y, super::fit::fit(&msg, w), theme.dim());
    }
    end - offset
}

/// What an empty table says, so a blank screen is never ambiguous.
fn empty_message(s: &State) -> Option<String> {
    let data = s.data();
    if !s.filter_errors.is_empty() {
        return Some(format!("The filter has an error: {}", s.filter_errors[0]));
    }
    if let Some(k) = crate::app::views::active(s).and_then(|t| t.checked_sub(1))
        && let Some(view) = s.settings.views.get(k)
        && matches!(data.load, crate::app::state::LoadState::Loaded)
    {
        return Some(format!(
            "Queue zero: nothing left in {}.{}",
            view.name,
            s.keymap
                .note(crate::app::Action::NextView, "shows the next view")
        ));
    }
    if !s.filter.is_empty() {
        let noun = match s.group {
            GroupBy::Person => "lead",
            GroupBy::Company => "company",
        };
        return Some(format!(
            "No {noun} matches \"{}\"{}",
            super::fit::fit(&s.filter, 40),
            s.keymap
                .note(crate::app::Action::Escape, "clears the filter")
        ));
    }
    match data.load {
        crate::app::state::LoadState::Loaded if data.leads.is_empty() => {
            Some("No leads yet: Puffle has not found any signals for this view.".into())
        }
        _ => None,
    }
}

/// Per-row marks that do not come from the lead itself.
struct Marks {
    selected: bool,
    in_range: bool,
    changed_elsewhere: bool,
}

/// Writes the cells of one row (see [`put`]).
struct Pen<'a> {
    buf: &'a mut Buffer,
    area: Rect,
    y: u16,
}

impl Pen<'_> {
    fn left(&mut self, col: (u16, u16), text: &str, style: Style) {
        put(self.buf, self.area, self.y, col, text, style, false);
    }

    fn right(&mut self, col: (u16, u16), text: &str, style: Style) {
        put(self.buf, self.area, self.y, col, text, style, true);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    cols: &Columns,
    s: &State,
    lead: &LeadRecord,
    marks: &Marks,
    theme: &Theme,
) {
    let mut pen = Pen { buf, area, y };
    let entry = s.queue.entries.get(&lead.id);
    let shown: Status = entry.map_or(lead.status, |e| e.shown());
    let (glyph, glyph_style) = match entry.map(|e| e.phase) {
        Some(Phase::Pending) => (GLYPH_PENDING, theme.pending()),
        Some(Phase::Sending(_)) => (GLYPH_SENDING, theme.pending()),
        Some(Phase::Failed) => (GLYPH_FAILED, theme.error()),
        None if s.queue.done.contains(&lead.id) => (GLYPH_DONE, theme.toast()),
        None if marks.changed_elsewhere => (GLYPH_ELSEWHERE, theme.pending()),
        None => (" ", theme.dim()),
    };
    if marks.selected {
        pen.left((cols.mark, 1), MARK_SELECTED, theme.selected_mark());
    } else if marks.in_range {
        pen.left((cols.mark, 1), MARK_RANGE, theme.selected_mark());
    }
    pen.left((cols.sync, 1), glyph, glyph_style);
    let pending = entry.is_some_and(|e| e.phase != Phase::Failed);
    let status_style = if pending {
        theme.status(shown).patch(theme.pending())
    } else {
        theme.status(shown)
    };
    pen.left((cols.status, 9), shown.as_str(), status_style);
    let second = match s.group {
        GroupBy::Person => lead.company_name(),
        GroupBy::Company => lead.industry(),
    };
    pen.left(cols.name, lead.name(), Style::new());
    pen.left(cols.company, second.unwrap_or(""), Style::new());
    pen.left(cols.headline, lead.headline().unwrap_or(""), theme.dim());
    let mut num = itoa_buf();
    pen.right(
        cols.signals,
        fmt_u32(&mut num, lead.signal_count),
        Style::new(),
    );
    let mut score = itoa_buf();
    pen.right(
        cols.score,
        fmt_score(&mut score, lead.top_score()),
        Style::new(),
    );
    if let Some(col) = cols.error
        && let Some(entry) = entry
        && let Some(e) = entry.error.as_deref()
    {
        // A conflict shows the rep's status beside Puffle's (the row's status column).
        let conflict;
        let text = if e == crate::app::queue::CONFLICT {
            conflict = format!("yours {}", entry.intent);
            conflict.as_str()
        } else {
            e
        };
        let glyph = if e == crate::app::queue::CONFLICT {
            GLYPH_CONFLICT
        } else {
            GLYPH_FAILED
        };
        pen.left((col.0, 2), glyph, theme.error());
        pen.left((col.0 + 2, col.1.saturating_sub(2)), text, theme.error());
    }
}

/// A small stack buffer for numbers (no allocation per row).
fn itoa_buf() -> [u8; 24] {
    [0; 24]
}

fn fmt_u32(buf: &mut [u8; 24], mut n: u32) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("?")
}

/// Scores print as integers when whole (the 1–3 scale), else with one decimal.
fn fmt_score(buf: &mut [u8; 24], score: Option<f64>) -> &str {
    use std::io::Write;
    let Some(v) = score else {
        return "–";
    };
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let ok = if v.fract() == 0.0 && v.abs() < 1e6 {
        write!(cursor, "{v:.0}")
    } else {
        write!(cursor, "{v:.1}")
    };
    let len = cursor.position() as usize;
    if ok.is_err() {
        return "?";
    }
    std::str::from_utf8(&buf[..len]).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::CellWidth;

    #[test]
    fn a_column_is_cut_between_clusters_and_nothing_is_drawn_past_it() {
        let texts = [
            "❤\u{FE0F}".repeat(9),
            "👍🏽".repeat(9),
            "1\u{FE0F}\u{20E3}".repeat(9),
            "👩\u{200D}💻".repeat(9),
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}".repeat(9),
            "ab渡辺さくら".into(),
            "e\u{301}".repeat(20),
        ];
        let area = Rect::new(0, 0, 20, 1);
        for text in &texts {
            for w in 1..12u16 {
                for right in [false, true] {
                    let mut buf = Buffer::empty(area);
                    put(&mut buf, area, 0, (2, w), text, Style::new(), right);
                    for x in (0..2).chain(2 + w..area.width) {
                        assert_eq!(buf[(x, 0)].symbol(), " ", "{text:?} in {w}: drawn at {x}");
                    }
                    let mut shown = String::new();
                    let mut x = 2;
                    while x < 2 + w {
                        shown.push_str(buf[(x, 0)].symbol());
                        x += buf[(x, 0)].cell_width().max(1);
                    }
                    assert_eq!(shown.trim(), super::super::fit::fit(text, usize::from(w)));
                }
            }
        }
    }

    #[test]
    fn numbers_format_without_allocating() {
        let mut b = itoa_buf();
        assert_eq!(fmt_u32(&mut b, 0), "0");
        assert_eq!(fmt_u32(&mut b, 4_294_967_295), "4294967295");
        let mut b = itoa_buf();
        assert_eq!(fmt_score(&mut b, Some(3.0)), "3");
        let mut b = itoa_buf();
        assert_eq!(fmt_score(&mut b, Some(87.25)), "87.2");
        let mut b = itoa_buf();
        assert_eq!(fmt_score(&mut b, None), "–");
        let mut b = itoa_buf();
        assert_eq!(
            fmt_score(&mut b, Some(1e300)),
            "?",
            "too long for the buffer"
        );
    }
}
