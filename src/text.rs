//! Making text from the network safe to draw on a terminal, and keeping it as it was written.
//!
//! Every string that comes from the API (names, headlines, error messages) goes through
//! [`sanitize_line`] when it is parsed, so unsafe text never reaches the model, the cache or
//! the screen. The rules (see `docs/architecture.md`, "Terminal safety"):
//!
//! * complete escape sequences (7-bit `ESC …` and 8-bit C1 `CSI`/`OSC`/`DCS`/`SOS`/`PM`/`APC`)
//!   are removed, including their printable tails (`[2J`, `]0;title`), so nothing of them shows;
//! * remaining C0/C1 control characters are removed, except tab, CR and LF, which become a space;
//! * bidi overrides/isolates and invisible format characters (zero-width space, LRM/RLM, BOM,
//!   word joiner, Unicode tags) are removed: they could reorder or hide what a rep reads;
//! * what writing needs is kept: the zero-width joiner and non-joiner (`نیک‌پور`, `क्‍ष`, `👩‍💻`),
//!   variation selectors, emoji modifier and keycap sequences, and tag characters inside a
//!   well-formed flag tag sequence (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`), the only place tags belong;
//! * the result is cut to a maximum number of characters at the end of the last whole grapheme
//!   cluster that fits, marked with `…`. Scanning stops there, so a 1 MB name costs no more
//!   than a short one.

use unicode_segmentation::UnicodeSegmentation;

/// Longest name, company or headline we keep, in characters.
pub const MAX_FIELD_CHARS: usize = 300;

/// Longest signal text we keep (an excerpt, a drafted DM or comment), in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Longest server-supplied error message we keep, in characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
const C1_ST: char = '\u{9c}';
/// U+1F3F4 WAVING BLACK FLAG, the base of the flag tag sequences (`🏴󠁧󠁢󠁳󠁣󠁴󠁿`).
const BLACK_FLAG: char = '\u{1F3F4}';
/// U+E007F CANCEL TAG, which ends a tag sequence.
const CANCEL_TAG: char = '\u{E007F}';
/// Tag characters in a flag: a subdivision code (`gbsct`) has 3 to 7 lowercase letters or
/// digits (a region of two letters or three digits, then one to four more).
const FLAG_TAGS: std::ops::RangeInclusive<usize> = 3..=7;

/// True for characters that are dropped because they can reorder or hide text. Tag
/// characters are in the list: [`flag_tags_len`] keeps the ones that spell a flag.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{061C}'              // Arabic letter mark
        | '\u{200B}'              // zero-width space
        | '\u{200E}' | '\u{200F}' // LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // bidi isolates
        | '\u{206A}'..='\u{206F}' // deprecated format controls
        | '\u{FEFF}'              // byte-order mark / zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotations
        | '\u{E0000}'..='\u{E007F}' // tag characters ("ASCII smuggling")
    )
}

/// The tags of a well-formed flag tag sequence at the start of `rest`, the text just after a
/// [`BLACK_FLAG`]: 3 to 7 tag letters (`a`–`z`) or digits, then [`CANCEL_TAG`]. Returns how
/// many characters they are (each is 4 bytes), or `None` if `rest` does not start with one.
fn flag_tags_len(rest: &str) -> Option<usize> {
    for (n, c) in rest.chars().enumerate() {
        match c {
            '\u{E0030}'..='\u{E0039}' | '\u{E0061}'..='\u{E007A}' if n < *FLAG_TAGS.end() => {}
            CANCEL_TAG if FLAG_TAGS.contains(&n) => return Some(n + 1),
            _ => return None,
        }
    }
    None
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

/// Clean a text of several lines (a drafted DM): each line as [`sanitize_line`], the line
/// breaks kept (`\r\n` read as one), at most `max_chars` in all and 100 lines.
pub fn sanitize_text(input: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut left = max_chars;
    for (n, line) in input.split('\n').enumerate() {
        if n == 100 || left == 0 {
            break;
        }
        if n > 0 {
            out.push('\n');
        }
        let clean = sanitize_line(line.strip_suffix('\r').unwrap_or(line), left);
        left = left.saturating_sub(clean.chars().count().max(1));
        out.push_str(&clean);
    }
    out
}

/// Clean one single-line field: see the module documentation for the rules. Long on purpose:
/// one pass of one state machine (`Esc`), whose arms are clearer side by side than apart.
pub fn sanitize_line(input: &str, max_chars: usize) -> String {
    if max_chars == 0 {
        return String::new();
    }
    let mut out = String::with_capacity(input.len().min(max_chars.saturating_mul(4)));
    let mut kept = 0usize;
    let mut mode = Mode::Text;
    let mut chars = input.char_indices();
    while let Some((i, c)) = chars.next() {
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
            BLACK_FLAG => {
                let after = i + c.len_utf8();
                if let Some(tags) = flag_tags_len(&input[after..]) {
                    // The flag and its tags, whole; the tags are not looked at again.
                    out.push_str(&input[i..after + tags * CANCEL_TAG.len_utf8()]);
                    kept += 1 + tags;
                    chars.nth(tags - 1);
                    if kept > max_chars {
                        break;
                    }
                    continue;
                }
                c
            }
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => ' ',
            c if c.is_control() || is_invisible_format(c) => continue,
            c => c,
        };
        out.push(mapped);
        kept += 1;
        // One character past the limit is kept for now: it says whether the text ends
        // inside a grapheme cluster there.
        if kept > max_chars {
            break;
        }
    }
    if kept > max_chars {
        keep_whole_graphemes(&mut out, max_chars - 1);
        out.push('…');
    }
    out
}

/// Cut `s` after its last whole grapheme cluster that leaves it at most `max_chars`
/// characters long, so a cut never separates an emoji from its modifier or joiner, a letter
/// from its accents, or a flag from its tags.
fn keep_whole_graphemes(s: &mut String, max_chars: usize) {
    let mut chars = 0usize;
    let mut end = 0usize;
    for (i, g) in s.grapheme_indices(true) {
        chars += g.chars().count();
        if chars > max_chars {
            break;
        }
        end = i + g.len();
    }
    s.truncate(end);
}

/// True if [`sanitize_line`] keeps every character of `s` as it is (tags only inside a
/// flag tag sequence), and `s` has at most `max_chars` characters. U+2028/U+2029 count as
/// kept only if `separators_kept`: they are safe, but `sanitize_line` turns them into spaces.
fn all_kept(s: &str, max_chars: usize, separators_kept: bool) -> bool {
    if s.is_ascii() {
        // One byte per character, and the only ASCII characters not kept are controls.
        return s.len() <= max_chars && !s.bytes().any(|b| b.is_ascii_control());
    }
    let mut n = 0usize;
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        n += 1;
        if c == BLACK_FLAG
            && let Some(tags) = flag_tags_len(&s[i + c.len_utf8()..])
        {
            n += tags;
            chars.nth(tags - 1);
        } else if c.is_control()
            || is_invisible_format(c)
            || (!separators_kept && matches!(c, '\u{2028}' | '\u{2029}'))
        {
            return false;
        }
        if n > max_chars {
            return false;
        }
    }
    true
}

/// True if [`sanitize_line`] would return `input` unchanged at this limit: no control,
/// escape or invisible format character (a tag only inside a flag), no line separator, and
/// no more than `max_chars` characters.
pub fn is_clean(input: &str, max_chars: usize) -> bool {
    all_kept(input, max_chars, false)
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

/// True when `s` holds nothing that [`sanitize_line`] would remove (used by tests and asserts):
/// the zero-width joiner and non-joiner, variation selectors and a flag's tags are safe.
pub fn is_terminal_safe(s: &str) -> bool {
    all_kept(s, usize::MAX, true)
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

    /// `🏴󠁧󠁢󠁳󠁣󠁴󠁿`: the black flag, the tags `gbsct`, the cancel tag.
    const SCOTLAND: &str = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";

    #[test]
    fn keeps_joiners_selectors_and_emoji_sequences() {
        for s in [
            "نیک\u{200C}پور",    // ZWNJ: Persian
            "क्\u{200D}ष",        // ZWJ: Devanagari half form
            "👩\u{200D}💻",      // ZWJ sequence
            "👍🏽",                // skin-tone modifier
            SCOTLAND,            // flag tag sequence
            "1\u{FE0F}\u{20E3}", // keycap
            "❤\u{FE0F}",         // emoji presentation
            "葛\u{E0100}",       // ideographic variation selector
            "🏽 alone",          // a lone modifier is text too
            "Iona 🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} & 🏴", // England; a bare flag
        ] {
            assert_eq!(sanitize_line(s, 100), s, "{s:?}");
            assert!(is_clean(s, 100) && is_terminal_safe(s), "{s:?}");
        }
    }

    #[test]
    fn drops_stray_tags_and_malformed_flags() {
        // ASCII smuggled as tags ("hi"), with and without a cancel tag.
        assert_eq!(sanitize_line("a\u{E0068}\u{E0069}b\u{E007F}", 100), "ab");
        // A flag whose tags are not a subdivision code keeps the flag, not the tags.
        for tags in [
            "\u{E0067}\u{E0062}\u{E007F}",                   // too short
            "\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}", // no cancel tag
            "\u{E0047}\u{E0042}\u{E0053}\u{E007F}",          // capitals
            "\u{E0067}\u{E0020}\u{E0062}\u{E0073}\u{E007F}", // a tag space
            "\u{E0061}\u{E0062}\u{E0063}\u{E0064}\u{E0065}\u{E0066}\u{E0067}\u{E0068}\u{E007F}", // 8
        ] {
            let s = format!("x🏴{tags}y");
            assert_eq!(sanitize_line(&s, 100), "x🏴y", "{s:?}");
            assert!(!is_clean(&s, 100) && !is_terminal_safe(&s), "{s:?}");
        }
        // Tags after an escape sequence that follows the flag are stray too.
        let s = format!("🏴\x1b[1m{}", &SCOTLAND[4..]);
        assert_eq!(sanitize_line(&s, 100), "🏴");
        assert_eq!(sanitize_line("\u{E007F}\u{E0001}", 100), "");
    }

    #[test]
    fn removes_what_it_always_removed_around_kept_joiners() {
        assert_eq!(
            sanitize_line("👩\u{200D}\x1b[2J💻\u{202E}\u{9b}31m!\u{200B}\u{2060}", 100),
            "👩\u{200D}💻!"
        );
    }

    #[test]
    fn cuts_at_the_last_whole_grapheme() {
        // `👩‍💻` is three characters and one grapheme: never cut inside it.
        let dev = "👩\u{200D}💻";
        assert_eq!(sanitize_line(&format!("ab{dev}cd"), 5), "ab…");
        assert_eq!(sanitize_line(&format!("ab{dev}cd"), 6), format!("ab{dev}…"));
        assert_eq!(
            sanitize_line(&format!("ab{SCOTLAND}cd"), 10),
            format!("ab{SCOTLAND}…")
        );
        assert_eq!(sanitize_line(&format!("ab{SCOTLAND}cd"), 9), "ab…");
        assert_eq!(
            sanitize_line(&format!("ab{SCOTLAND}c"), 10),
            format!("ab{SCOTLAND}c")
        );
        assert_eq!(sanitize_line("e\u{301}\u{301}xyz", 3), "…");
        assert_eq!(sanitize_line("e\u{301}\u{301}xyz", 4), "e\u{301}\u{301}…");
        // A grapheme longer than the limit leaves only the mark, and scanning still stops.
        let zalgo = format!("a{}", "\u{301}".repeat(1_000_000));
        assert_eq!(sanitize_line(&zalgo, 20), "…");
        // The cut is where the sanitised text has a grapheme boundary: the accent after the
        // removed escape sequence belongs to the `e`.
        assert_eq!(sanitize_line("abe\x1b[1m\u{301}f", 4), "ab…");
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
            "a\u{2028}b",
            "👩\u{200D}💻",
            "x\u{E0068}",
            SCOTLAND,
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
