#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! End-to-end: the real binary in a pseudo terminal against the built-in server.

mod common;
mod pty;

use common::{hook_post, server, stats, statuses};
use pty::{Pty, line_with};
use puffle_demo_server::ServerConfig;

fn header_count(screen: &str) -> Option<(usize, usize)> {
    let line = screen.lines().next()?;
    let part = line.split('│').find(|p| p.contains(" leads"))?;
    let mut nums = part
        .split_whitespace()
        .filter_map(|w| w.parse::<usize>().ok());
    Some((nums.next()?, nums.next()?))
}

#[test]
fn filter_select_all_dismiss_send_then_not_found_inline() {
    let h = server(ServerConfig {
        leads: 450,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let needle = "a";
    let expected = common::in_view_order(&h, needle);
    // Leads already dismissed need no change, so they are not sent.
    let to_send = expected
        .iter()
        .filter(|l| l.status != lead_triage::api::Status::Dismissed)
        .count();
    assert!(
        to_send > 200,
        "the test needs more than one batch ({to_send})"
    );

    let log = format!("{d}/tui.log");
    let base = h.base_url();
    let mut app = Pty::spawn(
        &[
            "--base-url",
            &base,
            "--log-file",
            &log,
            "--debounce-ms",
            "600000",
        ],
        &[
            ("PUFFLE_API_KEY", h.api_key()),
            ("HOME", d),
            ("XDG_CONFIG_HOME", d),
            ("XDG_DATA_HOME", d),
            ("XDG_STATE_HOME", d),
        ],
        120,
        40,
    );
    app.wait_for("all 450 leads", |s| s.contains("450 / 450 leads"));

    // Filter, then select every visible row.
    app.send("/");
    app.send(needle);
    app.send("\r");
    let screen = app.wait_for("the filter to apply", |s| {
        header_count(s).is_some_and(|(v, _)| v == expected.len())
    });
    assert!(screen.contains(&format!("filter \"{needle}\"")));
    app.press_until("\x01", "select all visible", |s| {
        s.contains(&format!("{} selected", expected.len()))
    });

    // Dismiss them and send now.
    let before = stats(&h);
    // The toast counts the leads that change; the others already were dismissed.
    let toast = match expected.len() - to_send {
        0 => format!("{to_send} → dismissed ·"),
        already => format!("{to_send} → dismissed ({already} already were)"),
    };
    app.press_until("d", "the toast", |s| s.contains(&toast));
    let screen = app.press_until("$", "everything sent", |s| {
        s.contains("pending 0 · sending 0")
    });
    let after = stats(&h);
    let calls = after["patch_calls"].as_u64().unwrap() - before["patch_calls"].as_u64().unwrap();
    let items = after["patch_items"].as_u64().unwrap() - before["patch_items"].as_u64().unwrap();
    assert_eq!(
        items as usize, to_send,
        "one item per filtered lead that changes"
    );
    assert_eq!(
        calls as usize,
        to_send.div_ceil(200),
        "batches of at most 200"
    );
    assert!(after["max_patch_items"].as_u64().unwrap() <= 200);
    // The rows read dismissed, on screen and on the server.
    let table: Vec<&str> = screen
        .lines()
        .skip(2)
        .take(30)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(table.len() > 20);
    assert!(table.iter().all(|l| l.contains("dismissed")), "{screen}");
    let truth = statuses(&h);
    assert!(
        expected
            .iter()
            .all(|l| truth[&l.id.to_string()] == "dismissed")
    );

    // A lead the server no longer knows: its row shows not_found.
    let first = &expected[0];
    hook_post(
        &h,
        "/__forget",
        serde_json::json!({ "ids": [first.id.to_string()] }),
    );
    app.send("g");
    app.press_until("c", "the change to be queued", |s| s.contains("pending 1"));
    let screen = app.press_until("$", "the failure inline", |s| {
        s.contains("not_found") && s.contains("failed 1")
    });
    let row = line_with(&screen, "not_found").unwrap();
    assert!(
        row.contains("✗ dismissed"),
        "a failed row shows its confirmed status: {row}"
    );
    assert!(screen.contains("failed 1"));

    // Quit: one unsent (failed) change → asks first.
    app.press_until("q", "the quit question", |s| {
        s.contains("1 change was refused by Puffle")
    });
    app.send("y");
    assert!(app.wait_exit(), "the app exits cleanly");
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !log_text.contains(h.api_key()),
        "the key never reaches the log"
    );
}
