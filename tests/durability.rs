#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Nothing lost: the real binary in a pseudo terminal, killed mid-flight and started with the
//! server down, against the built-in server.

mod common;
mod pty;

use std::collections::HashMap;

use common::{hook_get, hook_post, server, statuses};
use lead_triage::api::ApiKey;
use lead_triage::store::{Store, namespace_file};
use pty::{Pty, count_after};
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::{Value, json};

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
        "600000",
        "--retry-base-ms",
        "100",
        "--retry-cap-ms",
        "1000",
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
        120,
        40,
    )
}

/// Ids of the person leads, through the client.
fn person_ids(h: &ServerHandle) -> Vec<String> {
    use lead_triage::api::{Client, ClientConfig, GroupBy, LeadQuery, SortBy};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = ApiKey::new(h.api_key()).unwrap();
    let client = Client::new(
        ClientConfig::new(&h.base_url(), key)
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let q = LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 100,
    };
    let page = rt.block_on(client.pager(q).collect_all()).unwrap();
    page.leads.iter().map(|l| l.id.to_string()).collect()
}

fn outbox_len(h: &ServerHandle, dir: &str) -> usize {
    let path = namespace_file(
        std::path::Path::new(dir),
        &h.base_url(),
        &ApiKey::new(h.api_key()).unwrap(),
    );
    Store::open(&path).unwrap().outbox_len().unwrap()
}

fn settled(s: &str) -> bool {
    s.contains("pending 0 · sending 0")
}

#[test]
fn kill_drill_sigkill_mid_flight_then_restart_delivers_everything() {
    let h = server(ServerConfig {
        leads: 1000,
        latency_ms: 400,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let persons = person_ids(&h);

    let mut first = app(&h, d, &[]);
    first.wait_for("1000 leads", |s| {
        s.contains("1,000 / 1,000 leads") && !s.contains("loading")
    });
    first.press_until("\x01", "select all", |s| s.contains("1,000 selected"));
    // Over confirm_over (500) the key asks first; `y` accepts.
    let screen = first.press_until("c", "the question or the toast", |s| {
        s.contains("Confirm a large change") || s.contains(" → contacted")
    });
    if screen.contains("Confirm a large change") {
        first.press_until("y", "the toast", |s| s.contains(" → contacted"));
    }
    // The toast is drawn after the outbox commit: every intent is on disk now.
    let queued = outbox_len(&h, d);
    assert!(
        queued > 500,
        "changes are in the outbox before they are sent ({queued})"
    );
    first.send("$");
    first.wait_for("batches in flight", |s| {
        s.lines()
            .any(|l| l.contains("sending ") && !l.contains("sending 0"))
    });
    // Kill only once the server is holding PATCH requests (it sleeps 400 ms on each): the
    // HTTP round trip of the hook paces this loop.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while hook_get(&h, "/__stats")["in_flight"].as_u64().unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "no PATCH reached the server"
        );
    }
    first.kill_hard();

    let mut second = app(&h, d, &[]);
    let screen = second.wait_for("everything sent", |s| {
        settled(s) && s.contains("1,000 / 1,000 leads") && !s.contains("loading")
    });
    assert!(screen.contains("failed 0"), "{screen}");
    let truth = statuses(&h);
    assert_eq!(persons.len(), 1000);
    let wrong = persons
        .iter()
        .filter(|id| truth[id.as_str()] != "contacted")
        .count();
    assert_eq!(
        wrong, 0,
        "every one of the 1000 intended statuses is on the server"
    );
    assert_eq!(outbox_len(&h, d), 0, "the outbox is empty");
    let log = hook_get(&h, "/__log");
    let mut sent: HashMap<String, usize> = HashMap::new();
    for e in log.as_array().unwrap() {
        if e["method"] == "PATCH"
            && let Some(items) = e["items"].as_array()
        {
            for it in items {
                *sent
                    .entry(it["entityId"].as_str().unwrap().to_owned())
                    .or_default() += 1;
            }
        }
    }
    let twice = sent.values().filter(|n| **n > 1).count();
    println!(
        "kill drill: {} distinct items sent, {twice} sent twice",
        sent.len()
    );
    // Re-sent items are bounded by what was in flight: 4 batches of at most 200.
    assert!(twice <= 4 * 200, "{twice} items sent twice");
    second.send("q");
    assert!(second.wait_exit());
}

#[test]
fn starting_with_the_server_down_shows_cache_and_queue_then_sends() {
    let h = server(ServerConfig {
        leads: 300,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();

    // First run: list (filling the cache), queue three changes, quit keeping them.
    let mut first = app(&h, d, &[]);
    first.wait_for("the listing", |s| {
        s.contains("300 / 300 leads") && !s.contains("loading")
    });
    first.send("xxx");
    let screen = first.press_until("d", "the changes queued", |s| {
        count_after(s, "pending").is_some_and(|n| n > 0)
    });
    let queued = count_after(&screen, "pending").unwrap();
    first.press_until("q", "the quit question", |s| {
        s.contains("Quit?") && s.contains("not sent to Puffle yet")
    });
    first.send("y");
    assert!(first.wait_exit());
    let before: HashMap<String, String> = statuses(&h);

    // Second run with the server unreachable.
    hook_post(&h, "/__faults", json!({"down": true}));
    let mut second = app(&h, d, &[]);
    let pending = format!("pending {queued}");
    let screen = second.wait_for("cached leads and the queue", |s| {
        s.contains("300 / 300 leads") && s.contains("cached") && s.contains(&pending)
    });
    assert!(
        screen.contains("○ dismissed"),
        "queued rows show pending: {screen}"
    );
    second.wait_for("the offline note", |s| s.contains("offline"));
    assert_eq!(
        statuses(&h),
        before,
        "nothing reached the server while it was down"
    );

    // The server comes back: the changes go out by themselves.
    hook_post(&h, "/__faults", json!({"down": false}));
    second.wait_for("the queue to drain", |s| {
        settled(s) && s.contains("failed 0")
    });
    let after = statuses(&h);
    let changed: Vec<&String> = after.keys().filter(|k| after[*k] != before[*k]).collect();
    assert_eq!(changed.len(), queued, "{changed:?}");
    assert!(changed.iter().all(|k| after[*k] == "dismissed"));
    assert_eq!(outbox_len(&h, d), 0);
    let stats: Value = hook_get(&h, "/__stats");
    assert!(
        stats["dropped"].as_u64().unwrap() > 0,
        "the app did try while the server was down"
    );
    second.send("q");
    assert!(second.wait_exit());
}
