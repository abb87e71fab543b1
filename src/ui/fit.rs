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
}
