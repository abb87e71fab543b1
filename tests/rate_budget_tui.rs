#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The request budget as the rep sees it: the real binary in a pseudo terminal, refreshing a
//! cached listing at a tight budget, against the built-in server.

mod common;
mod pty;

use common::{server, statuses};
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

fn app(h: &ServerHandle, dir: &str, extra: &[&str]) -> Pty {
    let base = h.base_url();
    let log = format!("{dir}/tui.log");
    let mut args = vec![
        "--base-url",
        base.as_str(),
        "--log-file",
        log.as_str(),
        "--data-dir",
        dir,
        "--debounce-ms",
        "50",
    ];
    args.extend_from_slice(extra);
    Pty::spawn(
        &args,
        &[
            ("PUFFLE_API_KEY", h.api_key()),
            ("HOME", dir),
            ("XDG_CONFIG_HOME", dir),
            ("XDG_STATE_HOME", dir),
        ],
        140,
        40,
    )
}

/// While a refresh runs at one request a minute, the header shows how far it got and how
/// long the rest takes at that pace, and a change pressed meanwhile is shown pending with
/// the reason it waits: the budget's window, and when the next slot comes.
#[test]
fn a_paced_refresh_shows_progress_an_estimate_and_why_changes_wait() {
    let h = server(ServerConfig {
        leads: 1_000,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();

    // First run, unpaced: the whole listing, saved as the cache.
    let mut first = app(&h, d, &[]);
    first.wait_for("the listing", |s| {
        s.contains("1,000 / 1,000 leads") && !s.contains("loading")
    });
    first.send("q");
    assert!(first.wait_exit());
    let before = statuses(&h);

    // Second run at one request a minute: the cache shows at once, the refresh crawls.
    let mut second = app(&h, d, &["--rate-limit-per-min", "1"]);
    let screen = second.wait_for("the refresh's progress and estimate", |s| {
        s.contains("refreshing ") && s.contains(" / 1,000") && s.contains("at 1 req/min")
    });
    let header = pty::line_with(&screen, "refreshing").unwrap();
    assert!(
        header.contains("about ") && header.contains(" min at 1 req/min"),
        "an estimate in minutes: {header}"
    );
    // The first page costs the minute's only request: a change now waits for the window.
    second.send("d");
    let screen = second.wait_for("the reason the change waits", |s| {
        s.contains("changes wait for the request budget")
    });
    let status = pty::line_with(&screen, "changes wait for the request budget").unwrap();
    assert!(
        status.contains("1 sent in the last minute (1 req/min), next in "),
        "why and until when: {status}"
    );
    assert!(
        pty::count_after(&screen, "pending").unwrap_or(0)
            + pty::count_after(&screen, "sending").unwrap_or(0)
            == 1,
        "the change is queued: {screen}"
    );
    assert_eq!(statuses(&h), before, "nothing was sent past the budget");
    // Quitting keeps the change for the next run.
    second.press_until("q", "the quit question", |s| s.contains("Quit?"));
    second.send("y");
    assert!(second.wait_exit());
}
