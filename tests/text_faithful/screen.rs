//! The screen measures and cuts text as ratatui draws it, and a frame leaves nothing of the
//! one before it behind.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{Lead, parse};
use lead_triage::app::{Effect, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use lead_triage::ui::{self, fit};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use serde_json::json;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthChar;
use uuid::Uuid;

use super::{SCOTLAND, WRITING};

/// Clusters that are hard to measure: wide, zero-width, sequences, lone modifiers, jamo.
const EDGES: &[&str] = &[
    "\u{1F3FD}",
    " \u{1F3FD}",
    "x\u{1F3FB}",
    "\u{1F3FB}\u{1F3FF}",
    "👍🏽",
    "👩\u{200D}💻",
    "❤\u{FE0F}",
    "1\u{FE0F}\u{20E3}",
    SCOTLAND,
    "🇳🇴",
    "🇦",
    "e\u{301}",
    "\u{301}",
    "\u{200D}",
    "\u{FE0F}",
    "渡",
    "ᄀᄀ\u{1161}",
    "a",
    " ",
];

/// Text of any kind ratatui must draw: the pieces above and real writing.
fn drawable() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            3 => select(EDGES).prop_map(str::to_owned),
            2 => select(WRITING).prop_map(str::to_owned),
            1 => "[a-z ]{1,6}",
        ],
        0..16,
    )
    .prop_map(|p| p.concat())
}

/// Like [`drawable`], without a lone zero-width joiner: one between two clusters (`🏽`, ZWJ,
/// `👍🏽`) makes unicode-width measure them as one emoji, though they are two and ratatui
/// draws two (see the test of where the measures differ).
fn drawable_unjoined() -> impl Strategy<Value = String> {
    drawable().prop_filter_map("no lone ZWJ", |s| {
        let parts: Vec<&str> = s.graphemes(true).collect();
        let joined = parts.iter().rev().skip(1).any(|g| g.ends_with('\u{200D}'));
        (!joined).then_some(s)
    })
}

/// Any string, controls and ligatures included.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        drawable(),
        any::<String>(),
        vec(select(&["لا", "ｶﾞ", "ﾟ", "\x1b", "\t", "\r\n", "a"][..]), 0..8).prop_map(|p| p.concat()),
    ]
}

/// How far ratatui's `Buffer::set_stringn` (what the table uses) moves when it draws `s`.
fn drawn(s: &str) -> usize {
    let mut buf = Buffer::empty(Rect::new(0, 0, 2000, 1));
    let (x, _) = buf.set_stringn(0, 0, s, 2000, Style::new());
    usize::from(x)
}

/// True if `prefix` ends where a grapheme cluster of `s` ends.
fn on_boundary(s: &str, prefix: &str) -> bool {
    s.starts_with(prefix)
        && (prefix.is_empty()
            || prefix.len() == s.len()
            || s.grapheme_indices(true).any(|(i, _)| i == prefix.len()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn width_is_what_ratatui_draws(s in any_text()) {
        prop_assert_eq!(fit::width(&s), drawn(&s), "{:?}", s);
    }

    #[test]
    fn width_is_ratatuis_measure(s in drawable_unjoined(), t in drawable_unjoined()) {
        prop_assert_eq!(fit::width(&s), Span::raw(s.as_str()).width(), "{:?}", s);
        let line = Line::from(vec![Span::raw(s.as_str()), Span::raw(t.as_str())]);
        prop_assert_eq!(fit::width(&s) + fit::width(&t), line.width());
    }

    #[test]
    fn a_cut_fits_and_splits_no_grapheme(s in any_text(), w in 0..30usize) {
        let (shown, used, more) = fit::cut(&s, w);
        prop_assert!(on_boundary(&s, shown), "{:?} cut inside a grapheme at {}", s, shown.len());
        prop_assert_eq!(used, fit::width(shown));
        prop_assert_eq!(used, drawn(shown));
        if more {
            prop_assert!(w == 0 || used < w, "room for the mark");
            prop_assert!(fit::width(&s) > w);
        } else {
            prop_assert_eq!(shown, s.as_str());
        }
        let fitted = fit::fit(&s, w);
        prop_assert!(drawn(&fitted) <= w, "{:?} in {} columns is {:?}", s, w, fitted);
        prop_assert!(on_boundary(&s, fitted.strip_suffix('…').filter(|_| more).unwrap_or(&fitted)));
    }

    #[test]
    fn a_cut_of_drawable_text_fits_ratatuis_measure(s in drawable_unjoined(), w in 0..30usize) {
        prop_assert!(Span::raw(fit::fit(&s, w)).width() <= w);
    }

    #[test]
    fn wrapped_lines_fit_and_split_no_grapheme(s in drawable(), cols in 1..20usize, lines in 1..6usize) {
        let wrapped = fit::wrap(&s, cols, lines);
        prop_assert!(wrapped.len() <= lines);
        let mut rest = s.as_str();
        for (k, line) in wrapped.iter().enumerate() {
            prop_assert!(drawn(line) <= cols, "{:?} is wider than {}", line, cols);
            // Each line is what follows the one before, less blank clusters around it.
            rest = trim_start_blank(rest);
            let body = if k + 1 == wrapped.len() { line.strip_suffix('…').unwrap_or(line) } else { line };
            prop_assert!(on_boundary(rest, body), "{:?} is not whole clusters at the start of {:?}", body, rest);
            rest = &rest[body.len()..];
        }
    }
}

/// `s` without the clusters of white space at its start.
fn trim_start_blank(s: &str) -> &str {
    let start = s
        .grapheme_indices(true)
        .find(|(_, g)| !g.chars().all(char::is_whitespace))
        .map_or(s.len(), |(i, _)| i);
    &s[start..]
}

#[test]
fn ratatuis_measure_and_drawing_differ_only_where_the_drawing_counts() {
    // unicode-width makes lam-alef one ligature column, but ratatui draws two clusters.
    assert_eq!(
        (fit::width("لا"), drawn("لا"), Span::raw("لا").width()),
        (2, 2, 1)
    );
    // ratatui adds a column for a halfwidth sound mark that unicode-width already counts.
    assert_eq!(
        (fit::width("ｶﾞ"), drawn("ｶﾞ"), Span::raw("ｶﾞ").width()),
        (3, 3, 2)
    );
    // A joiner after a lone skin tone ends its cluster; unicode-width still joins the next.
    let s = "\u{1F3FD}\u{200D}👍🏽";
    assert_eq!((fit::width(s), drawn(s), Span::raw(s).width()), (4, 4, 2));
}

/// What a terminal shows, cell by cell: the glyph that starts there and its width (0 for the
/// second column of a wide glyph). Like a terminal it draws a symbol of at most two columns
/// (as ratatui measures it) as one glyph, and a wider one glyph by glyph, one per character
/// that takes a column; a glyph written over part of a wide one erases all of it, and a
/// zero-width symbol written alone changes nothing (it joins the glyph before the cursor).
struct Glass {
    width: u16,
    cells: Vec<(String, u16)>,
}

impl Glass {
    fn new(area: Rect) -> Glass {
        Glass {
            width: area.width,
            cells: vec![(" ".into(), 1); usize::from(area.width) * usize::from(area.height)],
        }
    }

    fn erase(&mut self, row: usize, x: u16) {
        let mut start = x;
        while start > 0 && self.cells[row + usize::from(start)].1 == 0 {
            start -= 1;
        }
        let w = self.cells[row + usize::from(start)].1.max(1);
        for cx in start..(start + w).min(self.width) {
            self.cells[row + usize::from(cx)] = (" ".into(), 1);
        }
    }

    fn put(&mut self, x: u16, y: u16, glyph: &str, w: u16) {
        let row = usize::from(y) * usize::from(self.width);
        if w == 0 || x + w > self.width {
            return;
        }
        for cx in x..x + w {
            self.erase(row, cx);
        }
        self.cells[row + usize::from(x)] = (glyph.to_owned(), w);
        for cx in x + 1..x + w {
            self.cells[row + usize::from(cx)] = (String::new(), 0);
        }
    }

    fn print(&mut self, x: u16, y: u16, symbol: &str) {
        let row = usize::from(y) * usize::from(self.width);
        let cell = row + usize::from(x);
        if symbol == " "
            && x > 0
            && self.cells[cell].1 == 0
            && self.cells[cell - 1].0.contains('\u{FE0F}')
        {
            // ratatui clears the column an emoji presentation sequence covers, for terminals
            // that advance one column for it; the emoji stays.
            return;
        }
        let w = symbol.cell_width();
        if w <= 2 {
            return self.put(x, y, symbol, w);
        }
        let mut at = x;
        for c in symbol.chars() {
            let cw = c.width().unwrap_or(0) as u16;
            self.put(at, y, c.encode_utf8(&mut [0; 4]), cw);
            at += cw;
        }
    }

    /// Apply what ratatui sends to go from `prev` to `next`.
    fn show(&mut self, prev: &Buffer, next: &Buffer) {
        for (x, y, cell) in prev.diff(next) {
            self.print(x, y, cell.symbol());
        }
    }

    fn lines(&self) -> Vec<String> {
        self.cells
            .chunks(usize::from(self.width))
            .map(|row| row.iter().map(|(g, _)| g.as_str()).collect())
            .collect()
    }
}

/// The visible text of a buffer, skipping the cells wide symbols cover.
fn visible(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < buf.area.width {
                let cell = &buf[(x, y)];
                line.push_str(cell.symbol());
                x += cell.cell_width().max(1);
            }
            line
        })
        .collect()
}

/// Leads named (and with company, industry and headline) after `names`, through the parser.
fn leads(names: &[String]) -> Vec<Lead> {
    let rows: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({
                "id": Uuid::from_u128(i as u128 + 1).to_string(),
                "name": n,
                "signalIds": [],
                "person": {"name": n, "headline": n},
                "company": {"name": n, "industry": n},
            })
        })
        .collect();
    let body = json!({"leads": rows, "pagination": {"hasMore": false}});
    parse::leads_page(body.to_string().as_bytes())
        .expect("a valid page")
        .leads
}

fn state(leads: Vec<Lead>, w: u16, h: u16) -> State {
    let mut s = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(1),
    );
    update(&mut s, Msg::Resize(w, h));
    let fx = init(&mut s);
    let Effect::Load { group, generation } = fx[0] else {
        panic!("init loads first")
    };
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads,
            skipped: 0,
            last: true,
        },
    );
    s
}

fn frame(s: &State, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| {
        ui::draw(f, s);
    })
    .unwrap()
    .buffer
    .clone()
}

/// Each edge cluster alone, after a letter and a space, and repeated past the column widths.
fn edge_names() -> Vec<String> {
    EDGES
        .iter()
        .flat_map(|e| {
            [
                e.to_string(),
                format!("Kim {e}"),
                format!("Kim {e}a"),
                e.repeat(24),
                format!("ab{}", e.repeat(24)),
            ]
        })
        .collect()
}

#[test]
fn no_frame_leaves_a_ghost_of_the_one_before() {
    let (w, h) = (100, 12);
    let names = edge_names();
    for chunk in names.chunks(8) {
        let plain: Vec<String> = (0..chunk.len()).map(|i| format!("Plain{i}")).collect();
        let with_edges = state(leads(chunk), w, h);
        let without = state(leads(&plain), w, h);
        let mut detail = state(leads(chunk), w, h);
        update(
            &mut detail,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        );
        assert_ne!(
            visible(&frame(&detail, w, h)),
            visible(&frame(&with_edges, w, h)),
            "Enter opens the detail pane"
        );
        for first in [&with_edges, &detail] {
            let a = frame(first, w, h);
            let b = frame(&without, w, h);
            let empty = Buffer::empty(a.area);
            for y in 0..h {
                for x in 0..w {
                    assert!(
                        a[(x, y)].cell_width() <= 2,
                        "{:?} at {x},{y} is one cell wider than a glyph",
                        a[(x, y)].symbol()
                    );
                }
            }
            // What a terminal shows after both frames is what it shows after the second alone,
            // from edge clusters to plain text and back.
            for (one, two) in [(&a, &b), (&b, &a)] {
                let mut glass = Glass::new(a.area);
                glass.show(&empty, one);
                glass.show(one, two);
                let mut fresh = Glass::new(a.area);
                fresh.show(&empty, two);
                let (seen, want) = (glass.lines(), fresh.lines());
                let ghosts: Vec<_> = seen.iter().zip(&want).filter(|(s, w)| s != w).collect();
                assert!(
                    ghosts.is_empty(),
                    "ghosts (seen, fresh) with {chunk:?}: {ghosts:#?}"
                );
            }
            // And ratatui's own TestBackend agrees.
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| {
                ui::draw(f, first);
            })
            .unwrap();
            t.draw(|f| {
                ui::draw(f, &without);
            })
            .unwrap();
            assert_eq!(
                visible(t.backend().buffer()),
                visible(&b),
                "TestBackend after {chunk:?}"
            );
        }
    }
}

#[test]
fn nothing_is_cut_when_nothing_would_show() {
    // Found by `a_cut_fits_and_splits_no_grapheme`: zero columns and a zero-width string.
    assert_eq!(fit::cut("\u{1b}", 0), ("\u{1b}", 0, false));
    assert_eq!(fit::cut("a", 0), ("", 0, true));
    assert_eq!(fit::fit("a", 0), "");
}
