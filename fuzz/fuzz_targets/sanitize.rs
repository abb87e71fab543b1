//! `text::sanitize_line` on arbitrary UTF-8 with a limit taken from the first two bytes.
//! The output is terminal-safe, at most `max` characters, idempotent, the start of the output
//! under a larger limit, and text that is already safe passes unchanged (or is cut with `…`).

#![no_main]

use lead_triage::text::{MAX_FIELD_CHARS, clean, is_terminal_safe, sanitize_line};
use lead_triage_fuzz::{assert_text, preview};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((limit, text)) = data.split_first_chunk::<2>() else {
        return;
    };
    let max = usize::from(u16::from_le_bytes(*limit) % 1025);
    let s = String::from_utf8_lossy(text);

    let out = sanitize_line(&s, max);
    assert_text("sanitize_line output", &out, max);
    assert_eq!(sanitize_line(&out, max), out, "not idempotent");
    assert_eq!(clean(&s), sanitize_line(&s, MAX_FIELD_CHARS));

    // Cutting is consistent: before a cut's `…` is the start of the whole clean text, and
    // with a larger limit the output only grows at the end. (Where exactly the cut falls, after
    // the last whole grapheme cluster, `tests/parser_props.rs` checks.)
    let full = sanitize_line(&s, usize::MAX);
    let cut = out != full;
    let head = if cut {
        out.strip_suffix('…').unwrap_or(&out)
    } else {
        &out
    };
    assert!(
        full.starts_with(head),
        "{} is not a prefix of {}",
        preview(head),
        preview(&full)
    );
    let wide = sanitize_line(&s, max + 7);
    assert!(
        wide.starts_with(head),
        "{} is not a prefix of {}",
        preview(head),
        preview(&wide)
    );
    if !cut {
        assert_eq!(
            wide, out,
            "nothing was cut, so a larger limit changes nothing"
        );
    }

    // Safe text (less U+2028/U+2029, which become spaces) is kept, or cut with a mark.
    let safe: String = s
        .chars()
        .filter(|c| is_terminal_safe(c.encode_utf8(&mut [0; 4])))
        .filter(|c| !matches!(c, '\u{2028}' | '\u{2029}'))
        .collect();
    let kept = sanitize_line(&safe, max);
    if safe.chars().count() <= max {
        assert_eq!(kept, safe, "safe text changed");
    } else if max == 0 {
        assert_eq!(kept, "", "a limit of 0 leaves nothing");
    } else {
        let head = kept.strip_suffix('…').expect("a cut ends with …");
        assert!(
            safe.starts_with(head) && head.chars().count() < max,
            "safe text cut wrongly"
        );
    }
});
