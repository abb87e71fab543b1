//! `Keymap::from_toml` and `Keymap::with_overrides` (on the default keymap) on arbitrary
//! UTF-8. Neither may panic; an error names the origin (and a line within the text when it
//! has one); a keymap that loads resolves every chord of every binding to its action.

#![no_main]

use std::sync::LazyLock;

use lead_triage::keymap::{Keymap, KeymapError, Resolved};
use lead_triage_fuzz::preview;
use libfuzzer_sys::fuzz_target;

const ORIGIN: &str = "fuzz/user-keymap.toml";

static DEFAULT: LazyLock<Keymap> = LazyLock::new(Keymap::default_keymap);

fn check(text: &str, result: Result<Keymap, KeymapError>) {
    match result {
        Ok(km) => {
            for b in km.bindings() {
                for chord in &b.keys {
                    let (last, prefix) = chord.split_last().expect("chords are not empty");
                    assert_eq!(
                        km.resolve(prefix, *last),
                        Resolved::Action(b.action),
                        "chord {chord:?} of {:?}",
                        b.action
                    );
                    for n in 1..chord.len() {
                        assert_eq!(km.resolve(&chord[..n - 1], chord[n - 1]), Resolved::Pending);
                    }
                }
            }
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(ORIGIN),
                "{} lacks the origin",
                preview(&msg)
            );
            if let Some(line) = e.line {
                let lines = text.split('\n').count();
                assert!(
                    (1..=lines).contains(&line),
                    "line {line} outside 1..={lines}"
                );
                assert!(msg.starts_with(&format!("{ORIGIN}, line {line}: ")));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, Keymap::from_toml(text, ORIGIN));
    check(text, DEFAULT.clone().with_overrides(text, ORIGIN));
});
