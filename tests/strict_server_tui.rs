#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The TUI (the real binary in a pseudo terminal) against a stricter, sloppier built-in server:
//! answers that leave items out, echo ids in upper case, refuse whole batches, ask to wait,
//! cap page sizes, repeat a lead across pages, or cut a page. The counterpart of
//! `strict_server.rs` (headless commands): each case synchronises on the screen and the
//! server's request log, and asserts what the rep sees, the server's statuses and the log.

mod common;
mod pty;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::log::{items_len, key_of, limit_of, status_of, ts};
use common::{hook_get, hook_post, server, statuses};
use lead_triage::api::ApiKey;
use lead_triage::store::OutboxRow;
use pty::{Pty, count_after, line_with};
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::{Value, json};

const PATCH: &str = "PATCH /api/signals/leads";
const GET_LEADS: &str = "GET /api/signals/leads";

/// A server and a private data dir for one test.
struct Env {
    h: ServerHandle,
    dir: tempfile::TempDir,
}

impl Env {
    fn new(cfg: ServerConfig) -> Env {
        Env {
            h: server(cfg),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn d(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 temp dir")
    }

    /// The TUI with a long debounce (`$` sends), short retries, in a 120×40 terminal.
    fn app(&self) -> Pty {
        self.app_with(&[])
    }

    /// [`Env::app`] with more flags.
    fn app_with(&self, extra: &[&str]) -> Pty {
        let base = self.h.base_url();
        let log = format!("{}/tui.log", self.d());
        let mut args = vec![
            "--base-url",
            &base,
            "--log-file",
            &log,
            "--data-dir",
            self.d(),
            "--debounce-ms",
            "600000",
            "--retry-base-ms",
            "50",
            "--retry-cap-ms",
            "400",
        ];
        args.extend_from_slice(extra);
        Pty::spawn(
            &args,
            &[
                ("PUFFLE_API_KEY", self.h.api_key()),
                ("HOME", self.d()),
                ("XDG_CONFIG_HOME", self.d()),
                ("XDG_DATA_HOME", self.d()),
                ("XDG_STATE_HOME", self.d()),
            ],
            120,
            40,
        )
    }

    fn faults(&self, body: Value) {
        let v = hook_post(&self.h, "/__faults", body);
        assert!(v.get("error").is_none(), "faults accepted: {v}");
    }

    fn log_of(&self, key: &str) -> Vec<Value> {
        match hook_get(&self.h, "/__log") {
            Value::Array(a) => a.into_iter().filter(|e| key_of(e) == key).collect(),
            other => panic!("log is an array: {other}"),
        }
    }

    /// Every person lead set to `status` on the server (a teammate's change, not logged), so
    /// that selecting all and pressing another status key changes every row.
    fn set_all(&self, ids: &[String], status: &str) {
        let items: Vec<Value> = ids
            .iter()
            .map(|id| json!({"entityId": id, "status": status}))
            .collect();
        let v = hook_post(&self.h, "/__statuses", json!({ "items": items }));
        assert_eq!(
            v["updated"].as_array().map_or(0, Vec::len),
            ids.len(),
            "teammate change applied: {v}"
        );
    }

    /// The one store file the binary created in the data dir.
    fn outbox(&self) -> Vec<OutboxRow> {
        common::outbox_in(self.dir.path())
    }
}

/// Ids of the person leads (what the TUI lists by default), through the client.
fn person_ids(h: &ServerHandle) -> Vec<String> {
    use lead_triage::api::{Client, ClientConfig, GroupBy, LeadQuery, SortBy};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let key = ApiKey::new(h.api_key()).expect("key");
    let client = Client::new(
        ClientConfig::new(&h.base_url(), key)
            .map(ClientConfig::unpaced)
            .expect("config"),
    )
    .expect("client");
    let q = LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 100,
    };
    let page = rt.block_on(client.pager(q).collect_all()).expect("listing");
    page.leads.iter().map(|l| l.id.to_string()).collect()
}

fn poll<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn small(leads: usize) -> ServerConfig {
    ServerConfig {
        leads,
        ..ServerConfig::default()
    }
}

fn loaded(s: &str, n: usize) -> bool {
    s.contains(&format!("{n} / {n} leads")) && !s.contains("loading")
}

fn settled(s: &str) -> bool {
    s.contains("pending 0 · sending 0")
}

/// The table rows (between the header and the status lines) that are not blank.
fn table_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip(2)
        .take(30)
        .filter(|l| !l.trim().is_empty() && !l.contains("pending "))
        .collect()
}

/// Start the app on `env`, wait for all `n` leads, select them all and press `key`; returns
/// the app once the toast says `n` rows changed to `status`.
fn select_all_and_set(env: &Env, n: usize, key: &str, status: &str) -> Pty {
    let mut app = env.app();
    app.wait_for("every lead listed", |s| loaded(s, n));
    app.press_until("\x01", "select all", |s| {
        s.contains(&format!("{n} selected"))
    });
    app.press_until(key, "the toast", |s| {
        s.contains(&format!("{n} → {status}")) && count_after(s, "pending") == Some(n)
    });
    app
}

// 1. Items left out of every answer: the rows end failed with `not_acknowledged`.

#[test]
fn omitted_items_end_failed_not_acknowledged_on_screen_after_five_answers() {
    let env = Env::new(small(6));
    let ids = person_ids(&env.h);
    assert_eq!(ids.len(), 6);
    env.set_all(&ids, "new");
    env.faults(json!({"omit_rate": 1.0}));
    let mut app = select_all_and_set(&env, 6, "d", "dismissed");
    let screen = app.press_until("$", "every row failed", |s| {
        count_after(s, "failed") == Some(6) && settled(s)
    });
    let rows = table_rows(&screen);
    assert_eq!(rows.len(), 6, "{screen}");
    for row in &rows {
        assert!(
            // The error column is narrow: `not_acknowledged` is cut to `not_acknowled…`.
            row.contains("✗ not_acknowled"),
            "row names the code: {row}"
        );
        assert!(
            !row.contains("dismissed"),
            "a failed row shows its confirmed status (new), not the intent: {row}"
        );
    }
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "new"), "server unchanged");
    // One batch of six, sent five times (MAX_UNACKED answers), never more.
    let patches = env.log_of(PATCH);
    assert_eq!(patches.len(), 5, "{patches:?}");
    assert!(patches.iter().all(|p| items_len(p) == 6));
    // The gaps between sends never shrink: the backoff grows (ceiling doubles, jitter in the
    // upper half, capped at 400 ms here) — allow the jitter's half plus scheduling slack.
    let gaps: Vec<u64> = patches.windows(2).map(|w| ts(&w[1]) - ts(&w[0])).collect();
    for w in gaps.windows(2) {
        assert!(w[1] + 60 >= w[0] / 2, "gaps shrink too much: {gaps:?}");
    }
    // Quit: the six refused changes are counted as refused, kept to retry.
    app.press_until("q", "the quit question", |s| {
        s.contains("6 changes were refused by Puffle")
    });
    app.send("y");
    assert!(app.wait_exit(), "the app exits cleanly");
}

// 2. Ids echoed in upper case confirm everything at once.

#[test]
fn upper_case_answers_confirm_every_row_in_one_patch() {
    let env = Env::new(small(40));
    let ids = person_ids(&env.h);
    assert_eq!(ids.len(), 40);
    env.set_all(&ids, "new");
    env.faults(json!({"upper_case_ids": true}));
    let mut app = select_all_and_set(&env, 40, "c", "contacted");
    let screen = app.press_until("$", "everything confirmed", |s| {
        settled(s) && count_after(s, "failed") == Some(0)
    });
    assert!(
        table_rows(&screen).iter().all(|r| r.contains("contacted")),
        "{screen}"
    );
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "contacted"));
    let patches = env.log_of(PATCH);
    assert_eq!(patches.len(), 1, "nothing re-sent: {patches:?}");
    assert_eq!(items_len(&patches[0]), 40);
    // Nothing unsent: `q` quits without a question.
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
    assert!(env.outbox().is_empty(), "the outbox is empty");
}

// 3. A server that refuses a whole batch for one unknown id.

#[test]
fn strict_batch_fails_only_the_forgotten_row_the_rest_applied() {
    let env = Env::new(small(30));
    let ids = person_ids(&env.h);
    assert_eq!(ids.len(), 30);
    env.set_all(&ids, "new");
    let mut app = select_all_and_set(&env, 30, "d", "dismissed");
    // The server forgets one lead after the app listed it, and refuses whole batches.
    let gone = ids[17].clone();
    let v = hook_post(&env.h, "/__forget", json!({ "ids": [gone] }));
    assert_eq!(v["forgotten"], 1, "{v}");
    env.faults(json!({"strict_batch": true}));
    let screen = app.press_until("$", "one failed row", |s| {
        settled(s) && count_after(s, "failed") == Some(1)
    });
    let bad = line_with(&screen, "✗ invalid_req").expect("a row names invalid_request");
    assert!(
        !bad.contains("dismissed"),
        "the refused row shows its confirmed status: {bad}"
    );
    assert_eq!(
        table_rows(&screen)
            .iter()
            .filter(|r| r.contains("dismissed"))
            .count(),
        29,
        "{screen}"
    );
    let truth = statuses(&env.h);
    for id in ids.iter().filter(|id| **id != gone) {
        assert_eq!(truth[id], "dismissed", "{id}");
    }
    let patches = env.log_of(PATCH);
    // Bisection: at most 2·⌈log2 30⌉ + 1 = 11 PATCHes; the 29 known ids applied exactly once.
    assert!(patches.len() <= 11, "{} PATCHes", patches.len());
    let applied: usize = patches
        .iter()
        .filter(|p| status_of(p) == Some(200))
        .map(items_len)
        .sum();
    assert_eq!(applied, 29);
    assert!(
        patches
            .iter()
            .filter(|p| status_of(p) == Some(400))
            .any(|p| items_len(p) == 1),
        "the unknown id alone was refused at the end"
    );
    app.press_until("q", "the quit question", |s| {
        s.contains("1 change was refused by Puffle")
    });
    app.send("y");
    assert!(app.wait_exit(), "the app exits cleanly");
}

// 4. Listing: a page cap learned once, a lead repeated across pages, a cut page.

fn log_len(env: &Env) -> usize {
    hook_get(&env.h, "/__log").as_array().map_or(0, Vec::len)
}

fn gets_since(env: &Env, start: usize) -> Vec<Value> {
    match hook_get(&env.h, "/__log") {
        Value::Array(a) => a
            .into_iter()
            .skip(start)
            .filter(|e| key_of(e) == GET_LEADS)
            .collect(),
        other => panic!("log is an array: {other}"),
    }
}

#[test]
fn capped_repeating_listing_shows_every_lead_once() {
    let env = Env::new(small(230));
    assert_eq!(person_ids(&env.h).len(), 230);
    let start = log_len(&env);
    env.faults(json!({"page_cap": 50, "repeat_lead": true}));
    let mut app = env.app();
    // 230 leads, not 230 plus the repeated ones.
    let screen = app.wait_for("every lead listed once", |s| loaded(s, 230));
    assert!(count_after(&screen, "failed") == Some(0), "{screen}");
    let gets = gets_since(&env, start);
    let shape: Vec<(Option<u64>, Option<u64>)> =
        gets.iter().map(|e| (limit_of(e), status_of(e))).collect();
    assert_eq!(shape[0], (Some(100), Some(400)), "{shape:?}");
    assert!(
        shape[1..].iter().all(|s| *s == (Some(50), Some(200))),
        "after the refusal every page asks for 50: {shape:?}"
    );
    // A repeated lead takes one place of each later page, so 230 leads need more than the
    // ⌈230/50⌉ = 5 pages but no more than ⌈230/49⌉ = 5 + 1.
    let pages = shape.len() - 1;
    assert!((5..=6).contains(&pages), "{pages} pages: {shape:?}");
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}

#[test]
fn a_cut_second_page_is_fetched_again_and_the_list_complete() {
    let env = Env::new(small(250));
    assert_eq!(person_ids(&env.h).len(), 250);
    let start = log_len(&env);
    env.faults(json!({"script": [
        {"match": GET_LEADS, "stall_ms": 0},
        {"match": GET_LEADS, "cut": true},
    ]}));
    let mut app = env.app();
    let screen = app.wait_for("every lead listed", |s| loaded(s, 250));
    assert!(!screen.contains("500"), "{screen}");
    let gets = gets_since(&env, start);
    assert_eq!(gets[1]["script"], "cut", "{gets:?}");
    assert_eq!(gets[1]["status"], Value::Null);
    assert_eq!(
        gets[2]["query"], gets[1]["query"],
        "the cut page asked again"
    );
    assert_eq!(status_of(&gets[2]), Some(200));
    assert_eq!(
        gets.iter().filter(|e| status_of(e) == Some(200)).count(),
        3,
        "250 leads in three complete pages of 100: {gets:?}"
    );
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}

// 5. Retry-After on a PATCH: the status line says so, and the wait is kept.

#[test]
fn retry_after_on_a_patch_is_shown_and_waited() {
    let env = Env::new(small(10));
    let ids = person_ids(&env.h);
    env.set_all(&ids, "new");
    env.faults(json!({"script": [
        {"match": PATCH, "status": 503, "retry_after": "2"}
    ]}));
    let mut app = select_all_and_set(&env, 10, "c", "contacted");
    // The status line names the server's wait (the app files a 503 under `server_error`).
    let screen = app.press_until("$", "the server's wait on the status line", |s| {
        s.contains("Puffle asked to wait") && s.contains("(server_error)")
    });
    let line = line_with(&screen, "Puffle asked to wait").expect("status line");
    assert!(
        line.contains("wait 2 s") || line.contains("wait 1 s"),
        "the wait counts down from 2 s: {line}"
    );
    assert_eq!(count_after(&screen, "pending"), Some(10), "{line}");
    app.wait_for("everything sent", |s| {
        settled(s) && count_after(s, "failed") == Some(0)
    });
    let patches = env.log_of(PATCH);
    assert_eq!(patches.len(), 2, "{patches:?}");
    assert_eq!(status_of(&patches[0]), Some(503));
    assert_eq!(status_of(&patches[1]), Some(200));
    let gap = ts(&patches[1]) - ts(&patches[0]);
    assert!(gap >= 2000, "Retry-After: 2 waited ({gap} ms)");
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "contacted"));
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}

// 6. An hour-long Retry-After: the rep sees it, quits, the changes are kept and sent at the
// next start.

#[test]
fn an_hour_long_retry_after_keeps_the_changes_for_the_next_start() {
    let env = Env::new(small(8));
    let ids = person_ids(&env.h);
    env.set_all(&ids, "new");
    env.faults(json!({"script": [
        {"match": PATCH, "status": 429, "retry_after": "3600"}
    ]}));
    let mut app = select_all_and_set(&env, 8, "d", "dismissed");
    let screen = app.press_until("$", "the hour-long wait on the status line", |s| {
        s.contains("Puffle asked to wait") && s.contains("rate_limited")
    });
    let line = line_with(&screen, "Puffle asked to wait").expect("status line");
    let secs = line
        .split("wait ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse::<u64>().ok())
        .expect("a number of seconds");
    assert!((3500..=3600).contains(&secs), "{line}");
    assert_eq!(
        env.log_of(PATCH).len(),
        1,
        "no second PATCH during the wait"
    );
    app.press_until("q", "the quit question", |s| {
        s.contains("8 changes are not sent to Puffle yet") && s.contains("kept")
    });
    app.send("y");
    assert!(app.wait_exit(), "the app exits cleanly");
    let kept: BTreeSet<String> = env.outbox().iter().map(|r| r.id.to_string()).collect();
    assert_eq!(kept, ids.iter().cloned().collect(), "every change kept");
    let truth = statuses(&env.h);
    assert!(
        ids.iter().all(|id| truth[id] == "new"),
        "nothing applied yet"
    );

    // The script is used up: the next start sends them (no key pressed).
    let mut again = env.app();
    again.wait_for("the kept changes sent", |s| loaded(s, 8) && settled(s));
    poll("the server to hold them", Duration::from_secs(20), || {
        let t = statuses(&env.h);
        ids.iter().all(|id| t[id] == "dismissed").then_some(())
    });
    again.send("q");
    assert!(again.wait_exit(), "the app exits cleanly");
    assert!(env.outbox().is_empty(), "the outbox is empty");
}

// 7. A server that refuses large bodies: the batch is halved, and stays halved.

fn body_bytes(n: usize) -> usize {
    let items: Vec<Value> = (0..n)
        .map(|_| json!({"entityId": uuid::Uuid::new_v4().to_string(), "status": "dismissed"}))
        .collect();
    serde_json::to_vec(&json!({ "items": items }))
        .expect("serialises")
        .len()
}

#[test]
fn payload_too_large_halves_the_batch_and_every_row_is_sent() {
    let (hundred, two_hundred) = (body_bytes(100), body_bytes(200));
    let cap = (hundred + two_hundred) / 2;
    assert!(hundred < cap && cap < two_hundred);
    let env = Env::new(small(300));
    let ids = person_ids(&env.h);
    assert_eq!(ids.len(), 300);
    env.set_all(&ids, "new");
    env.faults(json!({"max_body_bytes": cap}));
    let mut app = env.app_with(&["--concurrency", "1"]);
    app.wait_for("every lead listed", |s| loaded(s, 300));
    app.press_until("\x01", "select all", |s| s.contains("300 selected"));
    app.press_until("d", "the toast", |s| {
        s.contains("300 → dismissed") && count_after(s, "pending") == Some(300)
    });
    app.press_until("$", "everything sent", |s| {
        settled(s) && count_after(s, "failed") == Some(0)
    });
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "dismissed"));
    // One request at a time: 200 → 413; its halves 100 + 100; then the last 100 in one
    // batch of 100 (the lowered size is kept): exactly 4 PATCHes.
    let shape: Vec<(usize, Option<u64>)> = env
        .log_of(PATCH)
        .iter()
        .map(|p| (items_len(p), status_of(p)))
        .collect();
    assert_eq!(
        shape,
        [
            (200, Some(413)),
            (100, Some(200)),
            (100, Some(200)),
            (100, Some(200))
        ]
    );
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}

// 8. `$` during the server's wait sends at once (the status line offers it).

#[test]
fn send_now_cuts_a_server_wait_short() {
    let env = Env::new(small(8));
    let ids = person_ids(&env.h);
    env.set_all(&ids, "new");
    env.faults(json!({"script": [
        {"match": PATCH, "status": 429, "retry_after": "3600"}
    ]}));
    let mut app = select_all_and_set(&env, 8, "c", "contacted");
    app.press_until("$", "the hour-long wait", |s| {
        s.contains("Puffle asked to wait") && s.contains("$ sends now")
    });
    let asked = Instant::now();
    let screen = app.press_until("$", "everything sent at once", |s| {
        settled(s) && count_after(s, "failed") == Some(0) && !s.contains("Puffle asked")
    });
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "sent long before the hour"
    );
    assert!(
        table_rows(&screen).iter().all(|r| r.contains("contacted")),
        "{screen}"
    );
    let patches = env.log_of(PATCH);
    let shape: Vec<Option<u64>> = patches.iter().map(status_of).collect();
    assert_eq!(shape, [Some(429), Some(200)], "{patches:?}");
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "contacted"));
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
    assert!(env.outbox().is_empty(), "the outbox is empty");
}

// 9. `R` retries the not_acknowledged rows once the server answers properly again.

#[test]
fn not_acknowledged_rows_are_retried_with_r_once_the_server_recovers() {
    let env = Env::new(small(5));
    let ids = person_ids(&env.h);
    env.set_all(&ids, "new");
    env.faults(json!({"omit_rate": 1.0}));
    let mut app = select_all_and_set(&env, 5, "c", "contacted");
    app.press_until("$", "every row failed", |s| {
        count_after(s, "failed") == Some(5) && settled(s)
    });
    // The refusals are kept in the outbox (to retry or drop).
    let kept = env.outbox();
    assert_eq!(kept.len(), 5, "{kept:?}");
    assert!(
        kept.iter()
            .all(|r| r.error.as_deref() == Some("not_acknowledged")),
        "{kept:?}"
    );
    let before = env.log_of(PATCH).len();
    env.faults(json!({"omit_rate": 0.0}));
    let screen = app.press_until("R", "every row retried and confirmed", |s| {
        settled(s) && count_after(s, "failed") == Some(0)
    });
    assert!(
        table_rows(&screen)
            .iter()
            .all(|r| r.contains("contacted") && !r.contains("not_ack")),
        "{screen}"
    );
    let after = env.log_of(PATCH);
    assert_eq!(after.len(), before + 1, "one more PATCH carries all five");
    assert_eq!(items_len(&after[before]), 5);
    let truth = statuses(&env.h);
    assert!(ids.iter().all(|id| truth[id] == "contacted"));
    app.send("q");
    assert!(app.wait_exit(), "nothing left: q quits at once");
    assert!(env.outbox().is_empty(), "the outbox is empty");
}

/// Ids in a `GET /api/signals?ids=…` log entry.
fn ids_in(e: &Value) -> usize {
    let q = e["query"].as_str().unwrap_or_default();
    q.split('&')
        .find_map(|kv| kv.strip_prefix("ids="))
        .map_or(0, |v| v.split("%2C").flat_map(|p| p.split(',')).count())
}

#[test]
fn an_ids_cap_lowers_the_ids_per_call_and_no_status_stays_unknown() {
    let env = Env::new(small(150));
    let start = log_len(&env);
    env.faults(json!({"ids_cap": 50}));
    let mut app = env.app();
    let screen = app.wait_for("every lead listed", |s| loaded(s, 150));
    let rows = table_rows(&screen);
    assert!(!rows.is_empty(), "{screen}");
    assert!(
        rows.iter().all(|r| !r.contains(" unknown ")),
        "every status was learned: {screen}"
    );
    let log = hook_get(&env.h, "/__log");
    let signals: Vec<&Value> = log.as_array().unwrap()[start..]
        .iter()
        .filter(|e| key_of(e) == "GET /api/signals")
        .collect();
    assert_eq!(
        (ids_in(signals[0]), status_of(signals[0])),
        (100, Some(400)),
        "{signals:?}"
    );
    assert!(
        signals[1..]
            .iter()
            .all(|e| ids_in(e) <= 50 && status_of(e) == Some(200)),
        "after the refusal at most 50 ids per call: {signals:?}"
    );
    app.send("q");
    assert!(app.wait_exit());
}

#[test]
fn a_stalled_page_times_out_and_is_fetched_again() {
    let env = Env::new(small(250));
    let start = log_len(&env);
    env.faults(json!({"script": [
        {"match": GET_LEADS, "stall_ms": 0},
        {"match": GET_LEADS, "stall_ms": 60000},
    ]}));
    let mut app = env.app_with(&["--timeout-ms", "500"]);
    app.wait_for("every lead listed", |s| loaded(s, 250));
    let gets = gets_since(&env, start);
    assert_eq!(gets[1]["script"], "stall", "{gets:?}");
    assert_eq!(
        gets[1]["status"],
        Value::Null,
        "no answer before the timeout"
    );
    assert_eq!(
        gets[2]["query"], gets[1]["query"],
        "the stalled page asked again"
    );
    assert!(
        ts(&gets[2]) >= ts(&gets[1]) + 500,
        "after the client's timeout"
    );
    app.send("q");
    assert!(app.wait_exit());
}
