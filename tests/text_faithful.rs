#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Faithful text: what writing needs (zero-width joiner and non-joiner, variation selectors,
//! emoji sequences, flag tag sequences) survives sanitising and every output, while escape
//! sequences, controls, bidi overrides and stray tags are still removed; and the screen
//! measures and cuts text the way ratatui draws it (see `text_faithful/screen.rs` for what
//! is left on screen).

mod common;
#[path = "text_faithful/screen.rs"]
mod screen;

use common::{bin, server, text};
use lead_triage::text::{MAX_FIELD_CHARS, is_clean, is_terminal_safe, sanitize_line};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use puffle_demo_server::ServerConfig;
use serde_json::Value;
use unicode_segmentation::UnicodeSegmentation;

/// `🏴󠁧󠁢󠁳󠁣󠁴󠁿`, `🏴󠁧󠁢󠁷󠁬󠁳󠁿`: the black flag, the tags of a subdivision code, the cancel tag.
const SCOTLAND: &str = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
const WALES: &str = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}";

/// The characters the rule keeps that a per-character filter used to remove or that only
/// make sense in sequence: ZWJ, ZWNJ and the variation selectors.
fn is_joiner_or_selector(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

fn joiners(s: &str) -> Vec<char> {
    s.chars().filter(|&c| is_joiner_or_selector(c)).collect()
}

/// Real writing that must pass unchanged, alone or next to any other piece.
const WRITING: &[&str] = &[
    "نیک\u{200C}پور",
    "क्\u{200D}ष",
    "👩\u{200D}💻",
    "👨\u{200D}👩\u{200D}👧",
    "🏳\u{FE0F}\u{200D}🌈",
    "👍🏽",
    "\u{1F3FD}",
    " \u{1F3FD}",
    SCOTLAND,
    WALES,
    "🏴",
    "1\u{FE0F}\u{20E3}",
    "#\u{FE0F}\u{20E3}",
    "❤\u{FE0F}",
    "☺\u{FE0E}",
    "葛\u{E0100}",
    "🇳🇴",
    "e\u{301}\u{302}",
    "渡辺 さくら",
    "Zoë Brennan-Okafor",
    "\u{200D}",
    "\u{200C}",
    "\u{FE0F}",
    "\u{E01EF}",
    " ",
    "…",
];

/// One piece of kept text: real writing, ASCII, or any character the rule keeps alone.
fn kept_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(WRITING).prop_map(str::to_owned),
        2 => "[a-zA-Z0-9 .,'-]{1,10}",
        2 => any::<char>()
            .prop_filter("kept alone", |&c| {
                !c.is_control()
                    && is_terminal_safe(c.encode_utf8(&mut [0; 4]))
                    && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{1F3F4}')
            })
            .prop_map(String::from),
    ]
}

/// A piece the rule removes whole: escape sequences (their payloads may hold joiners, which
/// go with them), C0/C1 controls, bidi controls, invisible characters and stray tags. None of
/// them can complete a flag: stray tags follow a removed character, never a flag directly.
fn removed_piece() -> impl Strategy<Value = String> {
    let params = "[0-9;?<=>]{0,8}";
    let final_byte = "[@-~]";
    let payload = "[ -~\u{200D}\u{200C}\u{FE0F}é🚀]{0,16}";
    let string_end = select(&["\u{7}", "\u{1b}\\", "\u{9c}"][..]);
    prop_oneof![
        (params, final_byte).prop_map(|(p, f)| format!("\u{1b}[{p}{f}")),
        (params, final_byte).prop_map(|(p, f)| format!("\u{9b}{p}{f}")),
        (
            select(&["]", "P", "X", "^", "_"][..]),
            payload,
            string_end.clone()
        )
            .prop_map(|(k, p, e)| format!("\u{1b}{k}{p}{e}")),
        (
            select(&["\u{90}", "\u{98}", "\u{9d}", "\u{9e}", "\u{9f}"][..]),
            payload,
            string_end
        )
            .prop_map(|(k, p, e)| format!("{k}{p}{e}")),
        "[0-9A-OQ-WYZa-z=<>]".prop_map(|c| format!("\u{1b}{c}")),
        ("[ -/]{1,3}", "[0-~]").prop_map(|(i, f)| format!("\u{1b}{i}{f}")),
        "[\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1a}\u{1c}-\u{1f}\u{7f}-\u{84}\u{86}-\u{8f}\u{91}-\u{97}\u{99}\u{9a}\u{9c}]",
        "[\u{202A}-\u{202E}\u{2066}-\u{2069}\u{200B}\u{200E}\u{200F}\u{2060}-\u{2064}\u{FEFF}\u{61C}]",
        (
            "[\u{200B}\u{2060}\u{FEFF}]",
            vec(0xE0000u32..=0xE007F, 1..12)
        )
            .prop_map(|(lead, tags)| {
                let tags: String = tags.into_iter().filter_map(char::from_u32).collect();
                format!("{lead}{tags}")
            }),
    ]
}

/// Input built of kept and removed pieces, and the kept text alone (what must come out).
fn mixed() -> impl Strategy<Value = (String, String)> {
    vec(
        prop_oneof![3 => kept_piece().prop_map(|k| (true, k)), 2 => removed_piece().prop_map(|r| (false, r))],
        0..24,
    )
    .prop_map(|pieces| {
        let input: String = pieces.iter().map(|(_, p)| p.as_str()).collect();
        let kept: String = pieces.iter().filter(|(k, _)| *k).map(|(_, p)| p.as_str()).collect();
        (input, kept)
    })
}

/// The cut `sanitize_line` makes of safe text over the limit: the whole grapheme clusters
/// that fit in `max - 1` characters, then `…`.
fn cut_whole(s: &str, max: usize) -> String {
    let mut n = 0;
    let mut out = String::new();
    for g in s.graphemes(true) {
        n += g.chars().count();
        if n > max - 1 {
            break;
        }
        out.push_str(g);
    }
    out.push('…');
    out
}

/// No control character, ESC, bidi control, invisible format character or stray tag.
fn check_safe(out: &str) -> Result<(), TestCaseError> {
    prop_assert!(!out.chars().any(char::is_control), "a control in {:?}", out);
    prop_assert!(
        !out.chars()
            .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "a bidi control in {:?}",
        out
    );
    prop_assert!(is_terminal_safe(out), "not terminal-safe: {:?}", out);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn kept_text_comes_out_exactly_and_sequences_vanish((input, kept) in mixed()) {
        let out = sanitize_line(&input, MAX_FIELD_CHARS);
        check_safe(&out)?;
        if kept.chars().count() <= MAX_FIELD_CHARS {
            prop_assert_eq!(&out, &kept, "input {:?}", input);
            // Every joiner and selector, in order (implied, but this is the point).
            prop_assert_eq!(joiners(&out), joiners(&kept));
        } else {
            prop_assert_eq!(&out, &cut_whole(&kept, MAX_FIELD_CHARS), "input {:?}", input);
        }
        prop_assert!(is_clean(&out, MAX_FIELD_CHARS));
    }

    #[test]
    fn a_cut_keeps_whole_graphemes((input, kept) in mixed(), max in 1..60usize) {
        let out = sanitize_line(&input, max);
        check_safe(&out)?;
        prop_assert!(out.chars().count() <= max);
        if kept.chars().count() <= max {
            prop_assert_eq!(out, kept);
        } else {
            prop_assert_eq!(&out, &cut_whole(&kept, max), "input {:?}", input);
            // What is kept before the mark is a run of whole clusters of the kept text.
            let shown = out.strip_suffix('…').unwrap_or(&out);
            prop_assert!(kept.starts_with(shown));
            prop_assert!(
                shown.is_empty() || kept.grapheme_indices(true).any(|(i, _)| i == shown.len()),
                "{:?} ends inside a grapheme of {:?}", shown, kept
            );
        }
    }

    #[test]
    fn any_input_comes_out_safe(s in prop_oneof![any::<String>(), mixed().prop_map(|(i, _)| i)], max in 1..400usize) {
        let out = sanitize_line(&s, max);
        check_safe(&out)?;
        prop_assert!(out.chars().count() <= max);
        prop_assert!(joiners(&out).len() <= joiners(&s).len());
        prop_assert_eq!(sanitize_line(&out, max), out.clone(), "idempotent");
        prop_assert!(is_clean(&out, max));
    }
}

#[test]
fn writing_survives_unchanged() {
    for s in [
        "نیک\u{200C}پور",
        "क्\u{200D}ष",
        "👩\u{200D}💻",
        "👍🏽",
        SCOTLAND,
        "1\u{FE0F}\u{20E3}",
    ] {
        assert_eq!(sanitize_line(s, MAX_FIELD_CHARS), s, "{s:?}");
        assert!(is_clean(s, MAX_FIELD_CHARS) && is_terminal_safe(s), "{s:?}");
    }
}

#[test]
fn attacks_are_still_removed() {
    for (s, want) in [
        ("a\u{E0041}b", "ab"),
        ("\u{E0068}\u{E0069}", ""),
        ("a\u{202E}b", "ab"),
        ("a\x1b[2Jb", "ab"),
        ("a\u{9b}31mb", "ab"),
    ] {
        assert_eq!(sanitize_line(s, MAX_FIELD_CHARS), want, "{s:?}");
        assert!(!is_terminal_safe(s), "{s:?}");
    }
}

/// The names `FAITHFUL_NAMES` in `src/demo_server/hostile.rs` puts in the hostile data.
const FAITHFUL_NAMES: &[&str] = &[
    "Sara نیک\u{200C}پور",
    "Rekha क्\u{200D}षितिज",
    "Ada Okafor 👩\u{200D}💻",
    "Tomás Reyes 👍🏽",
    "\u{1F3FD} Kim",
    "Iona MacLeod 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
    "Team 1\u{FE0F}\u{20E3} Ops",
    "Léa ❤\u{FE0F} Martin",
];

#[test]
fn leads_list_keeps_joiners_in_json_tsv_and_csv() {
    let h = server(ServerConfig {
        leads: 300,
        hostile: true,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let list = |format: &str| {
        let out = bin(dir.path())
            .env("PUFFLE_API_KEY", h.api_key())
            .args([
                "--base-url",
                &h.base_url(),
                "leads",
                "list",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };

    let json: Value = serde_json::from_str(&list("json")).expect("JSON");
    let names: Vec<&str> = json["leads"]
        .as_array()
        .expect("leads")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(names.len(), 300);
    for want in FAITHFUL_NAMES {
        assert!(names.contains(want), "JSON lacks {want:?}");
    }
    // The hostile names around them are still cleaned, joiners spliced in or not.
    assert!(names.iter().all(|n| is_terminal_safe(n)));

    let tsv = list("tsv");
    let tsv_names: Vec<&str> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(2))
        .collect();
    let csv = list("csv");
    for want in FAITHFUL_NAMES {
        assert!(tsv_names.contains(want), "TSV lacks {want:?}");
        assert!(
            csv.lines().any(|l| l.split(',').nth(2) == Some(*want)),
            "CSV lacks {want:?}"
        );
    }
}
