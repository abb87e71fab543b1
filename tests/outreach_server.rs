#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Outreach through the runner and the worker against the built-in server: a draft another
//! call is writing (`already_in_flight`) is waited for and read, not paid for twice; a vote
//! reaches Puffle in a `PATCH /api/signals`; the question above the threshold, cancelled,
//! sends no generate request at all.

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::pane::SignalsEntry;
use lead_triage::app::state::LoadState;
use lead_triage::app::{Mode, Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::store::Store;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig, ServerHandle};
use serde_json::{Value, json};

fn key(c: char) -> Msg {
    let code = match c {
        '\r' => KeyCode::Enter,
        '\x1b' => KeyCode::Esc,
        c => KeyCode::Char(c),
    };
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

async fn runner(server: &ServerHandle, dir: &std::path::Path) -> Runner {
    let cfg = ClientConfig::new(&server.base_url(), ApiKey::new(server.api_key()).unwrap())
        .unwrap()
        .unpaced();
    let state = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(9),
    );
    let store = Store::open(&dir.join("store.sqlite3")).unwrap();
    let mut r = Runner::new(Client::new(cfg).unwrap(), state, Some(store));
    r.apply(Msg::Resize(140, 40));
    r.start();
    assert!(
        r.run_until(Duration::from_secs(30), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    r
}

/// Open the pane on the cursor's lead and wait for its signals; the signal it is on.
async fn read_first(r: &mut Runner) -> String {
    r.apply(key('\r'));
    assert!(
        r.run_until(Duration::from_secs(10), |s| {
            let id = s.cursor_lead().unwrap().id;
            matches!(s.signals.get(&id), Some(SignalsEntry::Loaded { .. }))
        })
        .await
    );
    lead_triage::app::pane::current_signal(&r.state)
        .unwrap()
        .id
        .clone()
}

async fn stats(server: &ServerHandle) -> Value {
    common::hook_get_async(server, "/__stats").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_already_in_flight_is_waited_for_and_read_not_drafted_twice() {
    let server = demo_server::start(ServerConfig {
        leads: 10,
        // Long enough that the rep's key surely lands while the other call is drafting.
        generate_ms: 2_000,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut r = runner(&server, dir.path()).await;
    let signal = read_first(&mut r).await;
    // A teammate (or the web app) starts drafting the same DM first.
    let url = format!("{}/api/signals/generate", server.base_url());
    let key_ = server.api_key().to_owned();
    let body = json!({"items": [{"id": signal, "dm": true}]});
    let other = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(key_)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    // Its request is on the server before the rep's key (read from the log, not timed).
    loop {
        let log = common::hook_get_async(&server, "/__log").await;
        if log
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "/api/signals/generate")
        {
            break;
        }
        tokio::task::yield_now().await;
    }
    r.apply(key('m'));
    let lead = r.state.cursor_lead().unwrap().id;
    assert!(
        r.run_until(Duration::from_secs(30), |s| {
            !s.outreach.drafting.contains_key(&lead)
                && lead_triage::app::pane::current_signal(s).is_some_and(|x| x.dm_text.is_some())
        })
        .await,
        "the draft arrived: {:?}",
        r.state.outreach.drafting
    );
    let theirs = other.await.unwrap();
    let text = theirs["results"][0]["dm"]["text"].as_str().unwrap();
    let shown = lead_triage::app::pane::current_signal(&r.state)
        .unwrap()
        .dm_text
        .clone()
        .unwrap();
    assert_eq!(shown, text, "the pane shows the draft the other call wrote");
    let st = stats(&server).await;
    assert!(st["in_flight_refusals"].as_u64() >= Some(1), "{st}");
    assert_eq!(st["generated_dm"], 1, "one draft in the end, not two: {st}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_reaches_puffle_and_clearing_it_does_too() {
    let server = demo_server::start(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut r = runner(&server, dir.path()).await;
    let signal = read_first(&mut r).await;
    let vote_of = |server: &ServerHandle, signal: &str| {
        let server = server.base_url();
        let signal = signal.to_owned();
        async move {
            let v: Value = reqwest::get(format!("{server}/__signals?ids={signal}"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v[&signal]["vote"].clone()
        }
    };
    for (k, want) in [('-', json!("down")), ('+', json!("up")), ('=', Value::Null)] {
        let before = r.state.outreach.confirmed;
        r.apply(key(k));
        assert!(
            r.run_until(Duration::from_secs(10), |s| s.outreach.confirmed
                == before + 1)
                .await,
            "{:?}",
            r.state.outreach.queued
        );
        assert!(r.state.outreach.queued.is_empty());
        assert_eq!(
            vote_of(&server, &signal).await,
            want,
            "after {k}: {:?} {}",
            r.state.toast,
            stats(&server).await
        );
    }
    let patches = stats(&server).await["requests"]["PATCH /api/signals"].clone();
    assert_eq!(patches, 3, "one PATCH per vote");
    assert!(
        Store::open(&dir.path().join("store.sqlite3"))
            .unwrap()
            .signal_outbox()
            .unwrap()
            .is_empty(),
        "confirmed changes leave the store"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafting_for_many_asks_first_and_cancelling_sends_no_generate_request() {
    let server = demo_server::start(ServerConfig {
        leads: 10,
        generate_ms: 50,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut r = runner(&server, dir.path()).await;
    for _ in 0..6 {
        r.apply(key('x'));
    }
    r.apply(key('m'));
    assert!(matches!(r.state.mode, Mode::ConfirmDrafts(_)));
    r.apply(key('\x1b'));
    assert_eq!(r.state.mode, Mode::Normal);
    assert!(r.state.outreach.drafting.is_empty());
    let generate = |st: &Value| {
        st["requests"]["POST /api/signals/generate"]
            .as_u64()
            .unwrap_or(0)
    };
    // Accepted: the six leads' top signals in one call (at most 20 per call). That it is the
    // only generate call the server saw shows Esc sent none.
    r.apply(key('m'));
    r.apply(key('y'));
    assert!(
        r.run_until(Duration::from_secs(20), |s| s.outreach.drafting.is_empty())
            .await
    );
    let st = stats(&server).await;
    assert_eq!(generate(&st), 1, "{st}");
    assert_eq!(st["generated_dm"], 6, "{st}");
}
