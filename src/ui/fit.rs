//! Cutting text to a number of terminal columns (display width, so CJK and emoji stay
//! aligned).

use unicode_width::UnicodeWidthChar;

/// Cut `s` to at most `width` columns, ending with `…` when something was cut. Scans only as
/// far as needed, so a 1 MB string costs no more than a short one.
pub fn fit(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            // Make room for the ellipsis.
            while used + 1 > width {
                match out.pop() {
                    Some(p) => used -= p.width().unwrap_or(0),
                    None => break,
                }
            }
            out.push('…');
            return out;
        }
        used += w;
        out.push(c);
        if used == width && i + c.len_utf8() < s.len() {
            // Exactly full but more text follows: replace the tail with an ellipsis.
            while used + 1 > width {
                match out.pop() {
                    Some(p) => used -= p.width().unwrap_or(0),
                    None => break,
                }
            }
            out.push('…');
            return out;
        }
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
}
