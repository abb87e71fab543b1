//! Cutting text to a number of terminal columns (display width, so CJK and emoji stay
//! aligned).

use unicode_width::UnicodeWidthChar;

/// Where to cut `s` to show it in `width` columns: the prefix to draw, its width, and
/// whether something was cut off (then the prefix leaves one column for `…`). Scans only as
/// far as needed and allocates nothing, so a 1 MB string costs no more than a short one.
pub fn cut(s: &str, width: usize) -> (&str, usize, bool) {
    if width == 0 {
        return ("", 0, !s.is_empty());
    }
    let mut used = 0;
    // Position and width just before the last character that still leaves room for `…`.
    let mut safe = (0usize, 0usize);
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            return (&s[..safe.0], safe.1, true);
        }
        used += w;
        if used < width {
            safe = (i + c.len_utf8(), used);
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

/// Split `s` into lines of at most `cols` columns, at spaces where it can, at most
/// `max_lines` lines (the last one cut with `…` if text remains).
pub fn wrap(s: &str, cols: usize, max_lines: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() && out.len() < max_lines && cols > 0 {
        if out.len() + 1 == max_lines {
            out.push(fit(rest, cols));
            break;
        }
        let (shown, _, more) = cut(rest, cols);
        if !more {
            out.push(rest.to_owned());
            break;
        }
        // `cut` left a column for `…`; wrapping needs none, so take one more character
        // when it fits, then go back to the last space if there is one.
        let mut end = shown.len();
        if let Some(c) = rest[end..].chars().next()
            && width(shown) + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) <= cols
        {
            end += c.len_utf8();
        }
        let line = &rest[..end];
        let split = match line.rfind(' ') {
            Some(p) if p > 0 && !rest[end..].starts_with(' ') => p,
            _ => end,
        };
        out.push(rest[..split].trim_end().to_owned());
        rest = rest[split..].trim_start();
    }
    out
}

/// Display width of a string.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
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
        assert!(wrap("", 10, 3).is_empty());
        assert!(wrap(&"x".repeat(1_000_000), 10, 3).len() == 3);
    }
}
