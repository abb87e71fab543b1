#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Fault matrix: the app core (update + worker + store, no terminal) against the built-in
//! server's fault switches, over real HTTP. Each drill ends with every change applied exactly
//! as last intended and an empty outbox.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig, Status};
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::store::Store;
use lead_triage::sync::backoff::{Backoff, Jitter};
use puffle_demo_server::{self as demo_server, ServerConfig, ServerHandle};
use serde_json::{Value, json};

const LEADS: usize = 600;

struct Drill {
    server: ServerHandle,
    runner: Runner,
    store: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

async fn drill(timeout: Duration) -> Drill {
    drill_with(timeout, LEADS).await
}

async fn drill_with(timeout: Duration, leads: usize) -> Drill {
    let server = demo_server::start(ServerConfig {
        leads,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let mut cfg = ClientConfig::new(&server.base_url(), ApiKey::new(server.api_key()).unwrap())
        .map(ClientConfig::unpaced)
        .unwrap();
    cfg.timeout = timeout;
    let client = Client::new(cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let settings = Settings {
        debounce: Duration::from_millis(20),
        concurrency: 4,
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(400),
        },
        // The drills press status keys on all 1,000 leads: no question (tested elsewhere).
        confirm_over: 0,
        ..Settings::default()
    };
    let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(7));
    let mut runner = Runner::new(client, state, Some(Store::open(&store).unwrap()));
    runner.apply(Msg::Resize(120, 40));
    runner.start();
    assert!(
        runner
            .run_until(Duration::from_secs(60), |s| s.data().load
                == LoadState::Loaded)
            .await,
        "listing finished"
    );
    assert_eq!(runner.state.list().rows.len(), leads);
    Drill {
        server,
        runner,
        store,
        _dir: dir,
    }
}

/// Every lead → contacted, then the first 50 rows → dismissed (last wins). Returns the
/// intended status per lead id.
fn triage(d: &mut Drill) -> HashMap<String, &'static str> {
    d.runner.apply(ctrl('a'));
    d.runner.apply(key('c'));
    d.runner.apply(key('g'));
    for _ in 0..50 {
        d.runner.apply(key('d'));
    }
    let s = &d.runner.state;
    s.list()
        .rows
        .iter()
        .enumerate()
        .map(|(pos, &i)| {
            let id = s.data().leads[i as usize].id.to_string();
            (id, if pos < 50 { "dismissed" } else { "contacted" })
        })
        .collect()
}

async fn faults(h: &ServerHandle, body: Value) {
    common::hook_post_async(h, "/__faults", body).await;
}

/// Run until nothing is pending, sending or failed, then check the server and the outbox.
async fn settle_and_check(d: &mut Drill, intended: &HashMap<String, &'static str>) {
    let done = d
        .runner
        .run_until(Duration::from_secs(120), |s| {
            s.queue.is_idle() && s.queue.counts.failed == 0
        })
        .await;
    assert!(
        done,
        "queue did not settle: {:?}",
        d.runner.state.queue.counts
    );
    let truth: HashMap<String, String> =
        serde_json::from_value(common::hook_get_async(&d.server, "/__statuses").await).unwrap();
    let wrong: Vec<_> = intended
        .iter()
        .filter(|(id, want)| truth[id.as_str()] != **want)
        .collect();
    assert!(
        wrong.is_empty(),
        "{} leads differ from the last intent",
        wrong.len()
    );
    assert_eq!(
        Store::open(&d.store).unwrap().outbox_len().unwrap(),
        0,
        "outbox empty"
    );
    assert!(d.runner.state.list().rows.iter().all(|&i| {
        d.runner
            .state
            .shown_status(&d.runner.state.data().leads[i as usize])
            != Status::Unknown
    }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_server_errors() {
    let mut d = drill(Duration::from_secs(10)).await;
    let intended = triage(&mut d);
    faults(&d.server, json!({"fail_rate": 0.3})).await;
    d.runner.apply(key('$'));
    settle_and_check(&mut d, &intended).await;
    let s = common::hook_get_async(&d.server, "/__stats").await;
    let fails: u64 = ["500", "502", "503"]
        .iter()
        .filter_map(|c| s["responses"][c].as_u64())
        .sum();
    assert!(fails > 0, "the drill must actually see 5xx: {s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_percent_dropped_connections() {
    // Enough batches (about 13) that a 20% drop rate is sure to bite.
    let mut d = drill_with(Duration::from_secs(10), 3000).await;
    let intended = triage(&mut d);
    faults(&d.server, json!({"drop_rate": 0.2})).await;
    d.runner.apply(key('$'));
    settle_and_check(&mut d, &intended).await;
    assert!(
        common::hook_get_async(&d.server, "/__stats").await["dropped"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_with_retry_after_is_honoured() {
    let mut d = drill(Duration::from_secs(10)).await;
    let intended = triage(&mut d);
    faults(&d.server, json!({"rate_limit": 2, "rate_window_ms": 1500})).await;
    d.runner.apply(key('$'));
    settle_and_check(&mut d, &intended).await;
    let log = common::hook_get_async(&d.server, "/__log").await;
    let log = log.as_array().unwrap();
    let limited: Vec<&Value> = log.iter().filter(|e| e["status"] == 429).collect();
    assert!(!limited.is_empty(), "the drill must actually hit the limit");
    // After a 429 reached the client (allow 100 ms for the answer to arrive), no request is
    // sent before its Retry-After elapsed.
    for e in &limited {
        let t = e["ts_ms"].as_u64().unwrap();
        let wait = e["retry_after_s"].as_u64().unwrap() * 1000;
        let early: Vec<u64> = log
            .iter()
            .filter_map(|x| x["ts_ms"].as_u64())
            .filter(|&ts| ts > t + 100 && ts < t + wait)
            .collect();
        assert!(
            early.is_empty(),
            "requests at {early:?} came before Retry-After ({wait} ms after {t})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_above_the_client_timeout() {
    let mut d = drill(Duration::from_millis(300)).await;
    let intended = triage(&mut d);
    faults(&d.server, json!({"latency_ms": 1500})).await;
    d.runner.apply(key('$'));
    // Wait until requests have timed out twice in a row, then let the server answer again.
    let timed_out = d
        .runner
        .run_until(Duration::from_secs(60), |s| s.queue.failures >= 2)
        .await;
    assert!(timed_out, "requests should time out");
    assert!(d.runner.state.queue.unsent() > 0);
    faults(&d.server, json!({"latency_ms": 0})).await;
    settle_and_check(&mut d, &intended).await;
}
