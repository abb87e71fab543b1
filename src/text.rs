//! Making text from the network safe to draw on a terminal.
//!
//! Every string that comes from the API (names, headlines, error messages) goes through
//! [`sanitize_line`] when it is parsed, so unsafe text never reaches the model, the cache or
//! the screen. The rules (see `docs/architecture.md`, "Terminal safety"):
//!
//! * complete escape sequences (7-bit `ESC …` and 8-bit C1 `CSI`/`OSC`/`DCS`/`SOS`/`PM`/`APC`)
//!   are removed, including their printable tails (`[2J`, `]0;title`), so nothing of them shows;
//! * remaining C0/C1 control characters are removed, except tab, CR and LF, which become a space;
//! * bidi overrides/isolates and invisible format characters (zero-width space/joiners, BOM,
//!   word joiner, Unicode tags) are removed: they could reorder or hide what a rep reads;
//! * the result is cut to a maximum number of characters, marked with `…`. Scanning stops
//!   there, so a 1 MB name costs no more than a short one.

/// Longest name, company or headline we keep, in characters.
pub const MAX_FIELD_CHARS: usize = 300;

/// Longest server-supplied error message we keep, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
const C1_ST: char = '\u{9c}';

/// True for characters that are dropped because they can reorder or hide text.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}'              // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space/non-joiner/joiner, LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{206A}'..='\u{206F}' // deprecated format controls
        | '\u{FEFF}'              // byte-order mark / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        | '\u{E0000}'..='\u{E007F}' // tag characters ("ASCII smuggling")
    )
}

/// What the scanner is inside of.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    /// Just saw ESC.
    Escape,
    /// ESC with intermediate bytes, waiting for the final byte.
    EscapeIntermediate,
    /// CSI parameters until a final byte 0x40..=0x7E.
    Csi,
    /// OSC/DCS/SOS/PM/APC payload until BEL or ST.
    StringSeq,
    /// ESC seen inside a string sequence (maybe the start of ST).
    StringSeqEscape,
}

/// Clean one single-line field: see the module documentation for the rules.
pub fn sanitize_line(input: &str, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(input.len().min(max_chars.saturating_mul(4)));
    let mut kept = 0usize;
    let mut mode = Mode::Text;
    let mut truncated = false;
    for c in input.chars() {
        match mode {
            Mode::Text => {}
            Mode::Escape => {
                mode = match c {
                    '[' => Mode::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => Mode::StringSeq,
                    '\u{20}'..='\u{2f}' => Mode::EscapeIntermediate,
                    _ => Mode::Text, // two-character sequence (e.g. ESC c, ESC 7): drop both
                };
                continue;
            }
            Mode::EscapeIntermediate => {
                if !('\u{20}'..='\u{2f}').contains(&c) {
                    mode = Mode::Text;
                }
                continue;
            }
            Mode::Csi => {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    mode = Mode::Text;
                } else if c == ESC {
                    mode = Mode::Escape;
                }
                continue;
            }
            Mode::StringSeq => {
                mode = match c {
                    BEL | C1_ST => Mode::Text,
                    ESC => Mode::StringSeqEscape,
                    _ => Mode::StringSeq,
                };
                continue;
            }
            Mode::StringSeqEscape => {
                // ESC \ is ST; any other ESC inside the payload also ends it, conservatively.
                mode = if c == '\\' {
                    Mode::Text
                } else {
                    Mode::StringSeq
                };
                continue;
            }
        }
        // Mode::Text
        let mapped = match c {
            ESC => {
                mode = Mode::Escape;
                continue;
            }
            '\u{9b}' => {
                mode = Mode::Csi;
                continue;
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                mode = Mode::StringSeq;
                continue;
            }
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => ' ',
            c if c.is_control() || is_invisible_format(c) => continue,
            c => c,
        };
        if kept == max_chars {
            truncated = true;
            break;
        }
        out.push(mapped);
        kept += 1;
    }
    if truncated {
        out.pop();
        out.push('…');
    }
    out
}

/// True if [`sanitize_line`] would return `input` unchanged at this limit: no control,
/// escape or invisible format character, and no more than `max_chars` characters.
pub fn is_clean(input: &str, max_chars: usize) -> bool {
    let mut n = 0usize;
    for c in input.chars() {
        n += 1;
        if n > max_chars || c.is_control() || is_invisible_format(c) {
            return false;
        }
    }
    true
}

/// Re-clean a string in place with the default field limit; allocates only when it changes.
pub fn reclean(s: &mut String) {
    if !is_clean(s, MAX_FIELD_CHARS) {
        *s = clean(s);
    }
}

/// Clean a field with the default field limit.
pub fn clean(input: &str) -> String {
    sanitize_line(input, MAX_FIELD_CHARS)
}

/// True when `s` holds nothing that [`sanitize_line`] would remove (used by tests and asserts).
pub fn is_terminal_safe(s: &str) -> bool {
    s.chars()
        .all(|c| !c.is_control() && !is_invisible_format(c))
}

/// First characters that make a spreadsheet read a cell as a formula (or, for tab and CR,
/// that some of them skip before looking for one).
pub const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell a spreadsheet would run as a formula gets a leading `'`, which makes it text; any
/// other cell is returned as it is. Only the first character matters: `Brennan-Okafor`
/// stays as it is, `-Okafor` becomes `'-Okafor`. Shared by the CSV export and the TSV listing.
pub fn defuse_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(FORMULA_START) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Make a field safe for one TSV cell: sanitized (tabs and line breaks become spaces), then
/// defused like a CSV cell if a spreadsheet would read it as a formula.
pub fn tsv_cell(s: &str) -> String {
    let clean = clean(s);
    match defuse_formula(&clean) {
        std::borrow::Cow::Borrowed(_) => clean,
        std::borrow::Cow::Owned(defused) => defused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_whole_escape_sequences() {
        let s = "A\x1b]52;c;SGVsbG8=\x07B\x1b[2JC\u{9b}31mD\x1b]0;PWNED\x1b\\E\x1bPq#0\x1b\\F";
        assert_eq!(sanitize_line(s, 100), "ABCDEF");
    }

    #[test]
    fn maps_whitespace_controls_and_drops_others() {
        assert_eq!(
            sanitize_line("a\tb\nc\rd\x08e\x00f\x7fg", 100),
            "a b c defg"
        );
    }

    #[test]
    fn drops_bidi_and_invisible() {
        assert_eq!(
            sanitize_line("ab\u{202E}cd\u{2066}e\u{200B}f\u{FEFF}", 100),
            "abcdef"
        );
    }

    #[test]
    fn keeps_real_text() {
        for s in [
            "Zoë Brennan-Okafor",
            "渡辺 さくら",
            "ليلى حداد",
            "🚀 Co-founder",
        ] {
            assert_eq!(sanitize_line(s, 100), s);
        }
    }

    #[test]
    fn truncates_with_ellipsis() {
        let long = "x".repeat(10_000);
        let out = sanitize_line(&long, 20);
        assert_eq!(out.chars().count(), 20);
        assert!(out.ends_with('…'));
        assert_eq!(sanitize_line("exactly", 7), "exactly");
    }

    #[test]
    fn unterminated_sequence_swallows_rest() {
        assert_eq!(sanitize_line("ok\x1b]0;never ends", 100), "ok");
    }

    #[test]
    fn tsv_cells_defuse_formulas_and_change_nothing_else() {
        assert_eq!(
            tsv_cell("=HYPERLINK(\"http://x\",\"a\")"),
            "'=HYPERLINK(\"http://x\",\"a\")"
        );
        assert_eq!(tsv_cell("+1 555"), "'+1 555");
        assert_eq!(tsv_cell("-2+3"), "'-2+3");
        assert_eq!(tsv_cell("@SUM(A1)"), "'@SUM(A1)");
        // Names are left as they are apart from the first character.
        assert_eq!(tsv_cell("Zoë Brennan-Okafor"), "Zoë Brennan-Okafor");
        assert_eq!(
            tsv_cell("Ann = Bob, \"Jr\" @home"),
            "Ann = Bob, \"Jr\" @home"
        );
        assert_eq!(tsv_cell(""), "");
        // A leading tab or CR is a space after sanitising, so no quote is added for it; an
        // escape sequence in front of a formula is removed first and the formula still defused.
        assert_eq!(tsv_cell("\t=1"), " =1");
        assert_eq!(tsv_cell("\x1b[31m=1+1"), "'=1+1");
        assert_eq!(tsv_cell("a\tb\nc"), "a b c");
    }

    #[test]
    fn defuse_formula_borrows_when_nothing_changes() {
        assert!(matches!(
            defuse_formula("Ada"),
            std::borrow::Cow::Borrowed("Ada")
        ));
        for c in FORMULA_START {
            let s = format!("{c}x");
            assert_eq!(defuse_formula(&s), format!("'{s}"));
        }
    }

    #[test]
    fn is_clean_agrees_with_sanitize_line() {
        for s in [
            "Ada",
            "José 李 🚀",
            "",
            "a\tb",
            "x\u{202e}y",
            "\x1b[2J",
            &"n".repeat(301),
        ] {
            assert_eq!(is_clean(s, MAX_FIELD_CHARS), clean(s) == s, "{s:?}");
            let mut r = s.to_string();
            reclean(&mut r);
            assert_eq!(r, clean(s));
        }
        assert_eq!(sanitize_line("abc", 0), "");
    }
}
