#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! What the reading pane asks the server for, counted from the built-in server's request log:
//! each lead's signals at most once, ahead of the cursor only as far as `prefetch`, nothing
//! for leads the rep never came near, and nothing again after a restart (the store's cache).

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::pane::SignalsEntry;
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::store::Store;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig, ServerHandle};
use serde_json::Value;

const PREFETCH: usize = 2;

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The lead ids of the pane's fetches in the log from entry `from` on: `GET
/// /api/signals/leads` by id (the listing asks without ids).
fn pane_fetches(log: &[Value], from: usize) -> Vec<String> {
    log[from..]
        .iter()
        .filter(|e| e["method"] == "GET" && e["path"] == "/api/signals/leads")
        .flat_map(|e| {
            let query = e["query"].as_str().unwrap_or_default();
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == "ids")
                .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
        .collect()
}

async fn log(server: &ServerHandle) -> Vec<Value> {
    common::hook_get_async(server, "/__log")
        .await
        .as_array()
        .unwrap()
        .clone()
}

fn runner(server: &ServerHandle, store: &std::path::Path) -> Runner {
    let cfg = ClientConfig::new(&server.base_url(), ApiKey::new(server.api_key()).unwrap())
        .unwrap()
        .unpaced();
    let settings = Settings {
        prefetch: PREFETCH,
        ..Settings::default()
    };
    let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(3));
    let mut r = Runner::new(
        Client::new(cfg).unwrap(),
        state,
        Some(Store::open(store).unwrap()),
    );
    r.apply(Msg::Resize(120, 40));
    r.start();
    r
}

fn cursor_id(s: &State) -> uuid::Uuid {
    s.cursor_lead().unwrap().id
}

fn shown(s: &State) -> bool {
    matches!(
        s.signals.get(&cursor_id(s)),
        Some(SignalsEntry::Loaded { .. })
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stepping_through_50_leads_fetches_each_leads_signals_once_and_only_near_the_cursor() {
    let server = demo_server::start(ServerConfig {
        leads: 300,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let mut r = runner(&server, &store);
    assert!(
        r.run_until(Duration::from_secs(30), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    let from = log(&server).await.len();
    // Read 50 leads one after the other, each once its signals are on screen, then go back
    // up ten (already read: nothing to fetch).
    r.apply(key(KeyCode::Enter));
    for _ in 0..49 {
        assert!(r.run_until(Duration::from_secs(10), shown).await);
        r.apply(key(KeyCode::Char('j')));
    }
    for _ in 0..10 {
        assert!(r.run_until(Duration::from_secs(10), shown).await);
        r.apply(key(KeyCode::Char('k')));
    }
    assert!(r.run_until(Duration::from_secs(10), shown).await);
    // Every fetch answered (the prefetches too).
    assert!(
        r.run_until(Duration::from_secs(10), |s| {
            !s.signals.values().any(|e| *e == SignalsEntry::Loading)
        })
        .await
    );
    let rows: Vec<String> = r.state.list().rows[..50 + PREFETCH]
        .iter()
        .map(|&i| r.state.data().leads[i as usize].id.to_string())
        .collect();
    let fetched = pane_fetches(&log(&server).await, from);
    let mut times: HashMap<&str, usize> = HashMap::new();
    for id in &fetched {
        *times.entry(id).or_default() += 1;
    }
    assert!(
        times.values().all(|&n| n == 1),
        "a lead's signals were fetched twice: {times:?}"
    );
    // Exactly the 50 read and the PREFETCH below the last: nothing further down.
    let fetched: HashSet<&str> = fetched.iter().map(String::as_str).collect();
    let want: HashSet<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(fetched, want);
    let signal_reads = log(&server).await[from..]
        .iter()
        .filter(|e| e["path"] == "/api/signals")
        .count();
    assert!(
        signal_reads <= want.len(),
        "{signal_reads} signal reads for {} leads",
        want.len()
    );
    r.shutdown();
    drop(r);

    // The next run reads the first lead again from the store: no request for it.
    let mut r = runner(&server, &store);
    assert!(
        r.run_until(Duration::from_secs(30), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    let from = log(&server).await.len();
    let first = rows[0].clone();
    r.apply(key(KeyCode::Enter));
    assert_eq!(cursor_id(&r.state).to_string(), first);
    assert!(r.run_until(Duration::from_secs(10), shown).await);
    assert!(
        r.run_until(Duration::from_secs(10), |s| {
            !s.signals.values().any(|e| *e == SignalsEntry::Loading)
        })
        .await
    );
    let again = pane_fetches(&log(&server).await, from);
    assert!(
        again.is_empty(),
        "the store's fresh copies were fetched again: {again:?}"
    );
}
