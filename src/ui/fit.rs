//! Measuring and cutting text in terminal columns the way ratatui draws it: grapheme cluster
//! by grapheme cluster (`unicode-segmentation`), each as wide as ratatui's buffer makes it
//! ([`CellWidth`]), so CJK, emoji sequences (`👩‍💻`, `👍🏽`, `1️⃣`, `🏴󠁧󠁢󠁳󠁣󠁴󠁿`) and combining marks
//! stay aligned, a cut never splits a grapheme, and no cell is left over on screen. Every
//! measure or cut of text for the screen goes through [`width`] or [`cut`].

use ratatui::buffer::{Buffer, CellWidth};
use unicode_segmentation::UnicodeSegmentation;

/// Columns one grapheme cluster takes when ratatui draws it (`Buffer::set_stringn`, `Span`):
/// none for one holding a control character, which ratatui skips, else ratatui's cell width.
/// Zero-width clusters (a lone joiner or accent) take no cell: ratatui drops them or adds them
/// to the cell before.
pub fn grapheme_width(g: &str) -> usize {
    if g.contains(char::is_control) {
        0
    } else {
        usize::from(g.cell_width())
    }
}

/// Where to cut `s` to show it in `width` columns: the prefix to draw, its width, and
/// whether something was cut off (then the prefix leaves one column for `…`). The prefix
/// ends between two grapheme clusters. Scans only as far as needed and allocates nothing, so a
/// 1 MB string costs no more than a short one.
pub fn cut(s: &str, width: usize) -> (&str, usize, bool) {
    if width == 0 {
        // Nothing fits, so something is cut only if something would show (a lone control
        // character or joiner takes no column).
        return if s.graphemes(true).any(|g| grapheme_width(g) > 0) {
            ("", 0, true)
        } else {
            (s, 0, false)
        };
    }
    let mut used = 0;
    // End and width of the longest prefix that still leaves room for `…`.
    let mut safe = (0usize, 0usize);
    for (i, g) in s.grapheme_indices(true) {
        let w = grapheme_width(g);
        if used + w > width {
            return (&s[..safe.0], safe.1, true);
        }
        used += w;
        if used < width {
            safe = (i + g.len(), used);
        }
    }
    (s, used, false)
}

/// Cut `s` to at most `width` columns, ending with `…` when something was cut.
pub fn fit(s: &str, width: usize) -> String {
    match cut(s, width) {
        (shown, _, false) => shown.to_owned(),
        (_, _, true) if width == 0 => String::new(),
        (shown, _, true) => format!("{shown}…"),
    }
}

/// True for a grapheme cluster that is only white space (a space with an accent is not).
fn blank(g: &str) -> bool {
    g.chars().all(char::is_whitespace)
}

/// `s` without the blank grapheme clusters at its start.
fn trim_start_blank(s: &str) -> &str {
    let start = s
        .grapheme_indices(true)
        .find(|(_, g)| !blank(g))
        .map_or(s.len(), |(i, _)| i);
    &s[start..]
}

/// `s` without the blank grapheme clusters at its end.
fn trim_end_blank(s: &str) -> &str {
    let end = s
        .grapheme_indices(true)
        .rev()
        .find(|(_, g)| !blank(g))
        .map_or(0, |(i, g)| i + g.len());
    &s[..end]
}

/// Split `s` into lines of at most `cols` columns, at spaces where it can, at most
/// `max_lines` lines (the last one cut with `…` if text remains). Lines end between
/// grapheme clusters.
pub fn wrap(s: &str, cols: usize, max_lines: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = trim_start_blank(s);
    while !rest.is_empty() && out.len() < max_lines && cols > 0 {
        if out.len() + 1 == max_lines {
            out.push(fit(rest, cols));
            break;
        }
        let (shown, used, more) = cut(rest, cols);
        if !more {
            out.push(rest.to_owned());
            break;
        }
        // `cut` left a column for `…`; wrapping needs none, so take one more grapheme
        // when it fits, then go back to the last space if there is one.
        let mut end = shown.len();
        if let Some(g) = rest[end..].graphemes(true).next()
            && used + grapheme_width(g) <= cols
        {
            end += g.len();
        }
        if end == 0 {
            // Not even one grapheme fits (a wide character in one column).
            out.push(fit(rest, cols));
            break;
        }
        let line = &rest[..end];
        let space_next = rest[end..].graphemes(true).next() == Some(" ");
        let split = match line.grapheme_indices(true).rev().find(|(_, g)| *g == " ") {
            Some((p, _)) if p > 0 && !space_next => p,
            _ => end,
        };
        out.push(trim_end_blank(&rest[..split]).to_owned());
        rest = trim_start_blank(&rest[split..]);
    }
    out
}

/// Display width of a string: the columns ratatui fills when it draws it.
pub fn width(s: &str) -> usize {
    s.graphemes(true).map(grapheme_width).sum()
}

/// The glyphs a terminal draws for one grapheme cluster: each character that takes a column
/// starts one, and the zero-width ones after it (accents, joiners, selectors) stay with it.
fn glyphs(cluster: &str) -> impl Iterator<Item = &str> {
    let mut starts = cluster
        .char_indices()
        .filter(|&(i, c)| i > 0 && unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 0)
        .map(|(i, _)| i)
        .chain([cluster.len()]);
    let mut from = 0;
    std::iter::from_fn(move || {
        let to = starts.next()?;
        let glyph = &cluster[from..to];
        from = to;
        Some(glyph)
    })
}

/// Give each glyph of a grapheme cluster wider than two columns a cell of its own.
///
/// ratatui puts a cluster in one cell and treats the cells it covers as hidden: its diff never
/// writes them. No terminal draws one glyph wider than two columns, so such a cluster (a skin
/// tone after a letter or a space, `x🏽`, ` 🏽`, or two in a row, `🏽🏽`) is two glyphs on
/// screen, and when the row later shows other text, writing the first cell erases only the
/// first glyph: the rest stays behind as a ghost. With one glyph per cell the diff writes
/// every cell that changes. The widths stay as ratatui measures them; a cluster whose glyphs
/// would not add up to its width, or would cover a cell something else was drawn in, keeps
/// what fits.
pub fn one_glyph_per_cell(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &buf[(x, y)];
            let sym = cell.symbol();
            if sym.chars().nth(1).is_none() || cell.cell_width() <= 2 {
                continue;
            }
            let total: usize = glyphs(sym).map(grapheme_width).sum();
            if total != usize::from(cell.cell_width()) {
                continue;
            }
            // Where each glyph goes, as long as the cells it covers are blank (the ones the
            // cluster covered, unless something was drawn over them since).
            let blank = |cx: u16| cx < area.right() && buf[(cx, y)].symbol() == " ";
            let mut at = x;
            let mut fitting = 0;
            for glyph in glyphs(sym) {
                let w = grapheme_width(glyph) as u16;
                let first = if at == x { x + 1 } else { at };
                if !(first..at.saturating_add(w)).all(blank) {
                    break;
                }
                fitting += 1;
                at += w;
            }
            let template = cell.clone();
            let mut at = x;
            for glyph in glyphs(template.symbol()).take(fitting) {
                let mut c = template.clone();
                c.set_symbol(glyph);
                buf[(at, y)] = c;
                at += grapheme_width(glyph) as u16;
            }
            if fitting == 0 {
                buf[(x, y)].set_symbol(" ");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_columns() {
        assert_eq!(fit("hello", 10), "hello");
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello world", 5), "hell…");
        assert_eq!(
            fit("渡辺 さくら株式会社", 7),
            "渡辺 …",
            "a wide char never straddles the edge"
        );
        assert_eq!(fit("渡辺さくら", 4), "渡…");
        assert!(width(&fit("🚀🚀🚀", 3)) <= 3);
        assert_eq!(fit("x", 0), "");
        let long = "é".repeat(1_000_000);
        assert_eq!(width(&fit(&long, 20)), 20);
    }

    #[test]
    fn measures_grapheme_clusters_like_ratatui() {
        for (s, w) in [
            ("👩\u{200D}💻", 2),
            ("👍🏽", 2),
            ("1\u{FE0F}\u{20E3}", 2),
            (
                "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
                2,
            ),
            ("❤\u{FE0F}", 2),
            ("क्\u{200D}ष", 2),
            ("نیک\u{200C}پور", 6),
            ("e\u{301}", 1),
            ("🏽", 2),
            ("\u{200D}", 0),
            ("a\x1bb", 2),
        ] {
            assert_eq!(width(s), w, "{s:?}");
        }
    }

    #[test]
    fn cuts_between_grapheme_clusters() {
        // Measured per character, `👍🏽` was 4 columns and cut between the hand and its tone.
        assert_eq!(fit("👍🏽xyz", 4), "👍🏽x…");
        assert_eq!(fit("👍🏽xyz", 3), "👍🏽…");
        assert_eq!(fit("👍🏽", 2), "👍🏽");
        // Measured per character, `❤️` was 1 column: five fitted in 8 and no `…` was shown.
        assert_eq!(
            fit("❤\u{FE0F}".repeat(5).as_str(), 8),
            "❤\u{FE0F}".repeat(3) + "…"
        );
        let dev = "👩\u{200D}💻";
        assert_eq!(fit(&dev.repeat(3), 5), dev.repeat(2) + "…");
        assert_eq!(cut(&dev.repeat(3), 6), (dev.repeat(3).as_str(), 6, false));
    }

    /// The symbols of row 0 of `buf`.
    fn row(buf: &Buffer) -> Vec<&str> {
        (0..buf.area.width).map(|x| buf[(x, 0)].symbol()).collect()
    }

    #[test]
    fn clusters_wider_than_two_columns_get_a_cell_per_glyph() {
        use ratatui::layout::Rect;
        use ratatui::style::{Color, Style};
        let red = Style::new().fg(Color::Red);
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 1));
        // " 🏽" is one cluster, 3 columns: a space and a skin tone.
        buf.set_stringn(0, 0, "a \u{1F3FD}b👍🏽", 8, red);
        assert_eq!(
            row(&buf),
            ["a", " \u{1F3FD}", " ", " ", "b", "👍🏽", " ", " "]
        );
        one_glyph_per_cell(&mut buf);
        assert_eq!(row(&buf), ["a", " ", "\u{1F3FD}", " ", "b", "👍🏽", " ", " "]);
        assert_eq!(
            buf[(2, 0)].fg,
            Color::Red,
            "the glyph keeps the cluster's style"
        );

        // Two tones are one cluster of 4 columns; a cell drawn over its third column stops
        // the second glyph, which would cover it.
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 1));
        buf.set_stringn(0, 0, "\u{1F3FB}\u{1F3FF}", 5, red);
        buf[(2, 0)].set_symbol("│");
        one_glyph_per_cell(&mut buf);
        assert_eq!(row(&buf), ["\u{1F3FB}", " ", "│", " ", " "]);

        // Nothing to split: one-glyph clusters, CJK, a cluster at the right edge.
        let mut buf = Buffer::empty(Rect::new(0, 0, 7, 1));
        buf.set_stringn(0, 0, "渡e\u{301}👩\u{200D}💻x", 7, red);
        let before = buf.clone();
        one_glyph_per_cell(&mut buf);
        assert_eq!(buf, before);
    }

    #[test]
    fn wraps_at_spaces_within_the_width() {
        assert_eq!(
            wrap("VP Engineering at Nordlys Energi AS", 16, 5),
            ["VP Engineering", "at Nordlys", "Energi AS"]
        );
        assert_eq!(wrap("short", 16, 3), ["short"]);
        assert_eq!(
            wrap("abcdefghij", 4, 5),
            ["abcd", "efgh", "ij"],
            "no space: hard cut"
        );
        assert_eq!(wrap("one two three four", 8, 2), ["one two", "three f…"]);
        for line in wrap("株式会社ミライテック 営業部長 東京本社", 7, 9) {
            assert!(width(&line) <= 7, "{line}");
        }
        let dev = "👩\u{200D}💻";
        assert_eq!(
            wrap(&format!("ab {dev}{dev} cd {dev}"), 5, 5),
            ["ab".to_owned(), dev.repeat(2), format!("cd {dev}")]
        );
        // A space carrying an accent is a letter of its own, not a place to break.
        assert_eq!(wrap("ab \u{301}cd", 3, 5), ["ab \u{301}", "cd"]);
        assert_eq!(wrap("渡辺", 1, 5), ["…"], "nothing fits one column");
        assert!(wrap("", 10, 3).is_empty());
        assert!(wrap(&"x".repeat(1_000_000), 10, 3).len() == 3);
    }
}
