//! The headless input parsers and `Retry-After`: `parse_items` on the whole input as text;
//! `parse_ids` with the input split at the first 0xFF byte into arguments (NUL-separated)
//! and raw stdin bytes; `parse_retry_after` on the first line. None may panic; errors name
//! the bad input and are terminal-safe; a retry delay is never more than an hour.

#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use lead_triage::api::error::parse_retry_after;
use lead_triage::headless::{InputError, parse_ids, parse_items};
use lead_triage::text::is_terminal_safe;
use lead_triage_fuzz::{assert_text, preview};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    match parse_items(&text) {
        Ok(changes) => assert!(!changes.is_empty(), "Ok without changes"),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with("--items"),
                "{} does not name --items",
                preview(&msg)
            );
            if let InputError::BadItem { index, problem } = &e {
                let items: serde_json::Value = serde_json::from_str(&text).expect("was JSON");
                let len = items.as_array().expect("was an array").len();
                assert!(*index < len, "index {index} of {len} items");
                assert!(!problem.is_empty(), "item {index}: no problem named");
            }
            assert_text("--items error", &msg, 1000);
        }
    }

    let (args, stdin) = match data.iter().position(|b| *b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let args: Vec<String> = if args.is_empty() {
        Vec::new()
    } else {
        args.split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect()
    };
    match parse_ids(&args, stdin) {
        Ok(ids) => assert!(ids.len() <= args.len() + stdin.len()),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                is_terminal_safe(&msg),
                "parse_ids error not safe: {}",
                preview(&msg)
            );
            if let InputError::BadId {
                value,
                position,
                source_name,
            } = &e
            {
                assert_text("bad id", value, 80);
                assert!(*position >= 1);
                if *source_name == "argument" {
                    assert!(
                        *position <= args.len(),
                        "argument {position} of {}",
                        args.len()
                    );
                }
            }
        }
    }

    let first_line = text.lines().next().unwrap_or("");
    let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
    if let Some(d) = parse_retry_after(first_line, now) {
        assert!(d <= Duration::from_secs(3600), "{first_line:?} gave {d:?}");
    }
});
