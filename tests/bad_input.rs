#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Bad input from the server: the demo server's `malformed` fault modes (checked over raw HTTP),
//! then the bad-input matrix: the app core (update + worker + SQLite store, no terminal) and the
//! headless binary against every malformed mode, the `--hostile` data mode, dropped connections
//! and 5xx. For each: no panic, no hang, a clear and terminal-safe error, and no change lost.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::queue::Phase;
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::store::Store;
use lead_triage::sync::backoff::{Backoff, Jitter};
use lead_triage::text::is_terminal_safe;
use puffle_demo_server::{self as demo_server, ServerConfig, ServerHandle};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Every `malformed` mode of the demo server.
const MODES: [&str; 8] = [
    "json",
    "html",
    "types",
    "missing",
    "truncated",
    "huge",
    "cursor_loop",
    "hostile_error",
];

// ---------------------------------------------------------------------------------------------
// The server's `malformed` modes, over raw HTTP.
// ---------------------------------------------------------------------------------------------

struct Api {
    handle: ServerHandle,
    http: reqwest::Client,
}

impl Api {
    async fn start(leads: usize) -> Api {
        Api {
            handle: demo_server::start(ServerConfig {
                leads,
                ..ServerConfig::default()
            })
            .await
            .expect("server starts"),
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(self.handle.api_key())
            .send()
            .await
            .expect("request answered")
    }

    async fn patch(&self, body: Value) -> reqwest::Response {
        self.http
            .patch(self.url("/api/signals/leads"))
            .bearer_auth(self.handle.api_key())
            .json(&body)
            .send()
            .await
            .expect("request answered")
    }

    async fn faults(&self, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/__faults"))
            .json(&body)
            .send()
            .await
            .expect("hook answered");
        let status = resp.status();
        (status, resp.json().await.expect("hook JSON"))
    }

    async fn set(&self, mode: &str) {
        let (status, body) = self.faults(json!({ "malformed": mode })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["malformed"], mode);
    }

    async fn hook(&self, path: &str) -> Value {
        common::hook_get_async(&self.handle, path).await
    }

    /// A PATCH of one known lead to a status it does not have; returns (id, status).
    async fn some_change(&self) -> (String, &'static str) {
        let statuses = self.hook("/__statuses").await;
        let (id, current) = statuses
            .as_object()
            .and_then(|m| m.iter().next())
            .expect("a known lead");
        let next = if current == "contacted" {
            "dismissed"
        } else {
            "contacted"
        };
        (id.clone(), next)
    }
}

async fn body_bytes(resp: reqwest::Response) -> Vec<u8> {
    resp.bytes().await.expect("whole body").to_vec()
}

#[tokio::test]
async fn faults_hook_sets_and_clears_malformed() {
    let api = Api::start(20).await;
    assert_eq!(api.hook("/__faults").await["malformed"], Value::Null);
    for mode in MODES {
        api.set(mode).await;
        assert_eq!(api.hook("/__faults").await["malformed"], mode);
    }
    let (status, body) = api.faults(json!({"malformed": null})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["malformed"], Value::Null);
    api.set("json").await;
    let (_, body) = api.faults(json!({"malformed": "off"})).await;
    assert_eq!(body["malformed"], Value::Null);

    // Bad values are refused whole, with the valid settings listed.
    for bad in [json!("xml"), json!(true), json!(3)] {
        let (status, body) = api.faults(json!({"malformed": bad, "latency_ms": 9})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        for mode in MODES {
            assert!(msg.contains(mode), "{msg}");
        }
    }
    assert_eq!(api.hook("/__faults").await["latency_ms"], 0);
    let (status, body) = api.faults(json!({"broken": "json"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let msg = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("malformed") && msg.contains("cursor_loop") && msg.contains("off"),
        "{msg}"
    );

    // `/__reset` switches it off too.
    api.set("huge").await;
    common::hook_post_async(&api.handle, "/__reset", json!({})).await;
    assert_eq!(api.hook("/__faults").await["malformed"], Value::Null);
}

#[tokio::test]
async fn json_mode_answers_200_with_a_body_that_is_not_json() {
    let api = Api::start(20).await;
    let before = api.hook("/__statuses").await;
    api.set("json").await;
    for (path, prefix) in [
        ("/api/signals/leads", &br#"{"leads": [ {"id": "#[..]),
        ("/api/signals", &br#"{"signals": [ {"id": "#[..]),
    ] {
        let resp = api.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = body_bytes(resp).await;
        assert!(
            body.starts_with(prefix),
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert!(body.len() > prefix.len(), "garbage follows the cut");
        assert!(serde_json::from_slice::<Value>(&body).is_err());
    }
    let (id, status) = api.some_change().await;
    let resp = api
        .patch(json!({"items": [{"entityId": id, "status": status}]}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = body_bytes(resp).await;
    assert!(body.starts_with(br#"{"updated": [ "#));
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    assert_eq!(api.hook("/__statuses").await, before, "nothing applied");
}

#[tokio::test]
async fn html_mode_answers_a_502_page() {
    let api = Api::start(20).await;
    api.set("html").await;
    for path in ["/api/signals/leads", "/api/signals"] {
        let resp = api.get(path).await;
        assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
        let ct = resp.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(ct.starts_with("text/html"), "{ct}");
        assert_eq!(
            body_bytes(resp).await,
            b"<html><body>Bad Gateway</body></html>"
        );
    }
}

#[tokio::test]
async fn types_and_missing_modes_answer_valid_json_of_the_wrong_shape() {
    let api = Api::start(20).await;
    let before = api.hook("/__statuses").await;
    let (id, status) = api.some_change().await;
    let patch = json!({"items": [{"entityId": id, "status": status}]});

    api.set("types").await;
    let leads: Value = api.get("/api/signals/leads").await.json().await.unwrap();
    assert_eq!(leads["leads"], "nope");
    let signals: Value = api.get("/api/signals").await.json().await.unwrap();
    assert_eq!(signals["signals"], json!({}));
    let resp = api.patch(patch.clone()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap()["updated"], 5);

    api.set("missing").await;
    for path in ["/api/signals/leads", "/api/signals"] {
        let resp = api.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.json::<Value>().await.unwrap(), json!({}));
    }
    let resp = api.patch(patch).await;
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({}));
    assert_eq!(api.hook("/__statuses").await, before, "nothing applied");
}

#[tokio::test]
async fn truncated_mode_sends_half_of_what_content_length_promises() {
    let api = Api::start(20).await;
    api.set("truncated").await;
    for path in ["/api/signals/leads", "/api/signals"] {
        let mut resp = api.get(path).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let promised = resp.content_length().expect("a Content-Length") as usize;
        let mut got = Vec::new();
        let end = loop {
            match resp.chunk().await {
                Ok(Some(c)) => got.extend_from_slice(&c),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        assert!(end.is_err(), "the body must end in an error");
        assert_eq!(got.len(), promised / 2, "half of {promised} bytes arrive");
        assert!(got.starts_with(b"{"));
    }
}

#[tokio::test]
async fn huge_mode_streams_fifty_mebibytes_without_a_length() {
    let api = Api::start(20).await;
    api.set("huge").await;
    let mut resp = api.get("/api/signals/leads").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.content_length(), None, "the client must count");
    let mut total = 0usize;
    let mut first = Vec::new();
    let mut last = Vec::new();
    while let Some(chunk) = resp.chunk().await.expect("the whole body arrives") {
        if first.is_empty() {
            first = chunk.to_vec();
        }
        total += chunk.len();
        last = chunk.to_vec();
    }
    assert_eq!(total, 50 * 1024 * 1024);
    assert!(first.starts_with(br#"{"leads":["#));
    assert!(last.ends_with(b"}}"));
}

#[tokio::test]
async fn cursor_loop_mode_repeats_the_first_page_and_its_cursor() {
    let api = Api::start(300).await;
    api.set("cursor_loop").await;
    let q = "/api/signals/leads?groupBy=person&limit=100";
    let first: Value = api.get(q).await.json().await.unwrap();
    let cursor = first["pagination"]["cursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    assert_eq!(first["pagination"]["hasMore"], true);
    assert_eq!(first["leads"].as_array().map(Vec::len), Some(100));
    let again: Value = api
        .get(&format!("{q}&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again, first, "the same page and the same cursor");

    // The other endpoints behave normally.
    let signals: Value = api.get("/api/signals?limit=5").await.json().await.unwrap();
    assert_eq!(signals["signals"].as_array().map(Vec::len), Some(5));
    let (id, status) = api.some_change().await;
    let resp = api
        .patch(json!({"items": [{"entityId": id, "status": status}]}))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(api.hook("/__statuses").await[&id], status, "applied");

    // Off again: the cursor it handed out is a real one, so the listing can go on.
    let (_, settings) = api.faults(json!({"malformed": "off"})).await;
    assert_eq!(settings["malformed"], Value::Null);
    let next: Value = api
        .get(&format!("{q}&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(next["leads"][0]["id"], first["leads"][0]["id"]);
}

#[tokio::test]
async fn hostile_error_mode_answers_400_with_escape_sequences() {
    let api = Api::start(20).await;
    api.set("hostile_error").await;
    for path in ["/api/signals/leads", "/api/signals"] {
        let resp = api.get(path).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body: Value = resp.json().await.unwrap();
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        for needle in [
            "\u{1b}]0;PWNED\u{7}",
            "\u{1b}[2J",
            "\u{9b}31m",
            "\u{202e}",
            "\u{2066}",
        ] {
            assert!(msg.contains(needle), "{msg:?} lacks {needle:?}");
        }
        assert!(!is_terminal_safe(
            body["error"]["code"].as_str().unwrap_or("")
        ));
    }
}

#[tokio::test]
async fn malformed_answers_come_after_the_other_stages() {
    let api = Api::start(20).await;
    api.set("json").await;
    // A bad key still gets its 401 envelope.
    let resp = api
        .http
        .get(api.url("/api/signals/leads"))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    // Injected failures win over malformed answers.
    api.faults(json!({"fail_rate": 1.0})).await;
    let resp = api.get("/api/signals").await;
    assert!(resp.status().is_server_error());
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"]["code"],
        "internal_error"
    );
    api.faults(json!({"fail_rate": 0.0})).await;
    // Counted and logged like any request.
    assert_eq!(api.get("/api/signals").await.status(), StatusCode::OK);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 1);
    assert_eq!(stats["requests"]["GET /api/signals"], 2);
    let log = api.hook("/__log").await;
    let statuses: Vec<Value> = log
        .as_array()
        .expect("log")
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses.len(), 3, "{log}");
    assert_eq!(statuses[0], 401);
    assert!(
        statuses[1]
            .as_u64()
            .is_some_and(|s| (500..600).contains(&s)),
        "{log}"
    );
    assert_eq!(statuses[2], 200);
}

// ---------------------------------------------------------------------------------------------
// The matrix: the app core against every kind of bad input.
// ---------------------------------------------------------------------------------------------

/// Person leads per drill: two PATCH batches (200 + the rest) and three listing pages.
const LEADS: usize = 260;
/// Longest wait for any one step of a drill.
const STEP: Duration = Duration::from_secs(25);

/// How the listing must end up while the fault is on.
#[derive(Clone, Copy, Debug)]
enum Listing {
    /// `LoadState::Failed` or `LoadState::Retrying`, with a message containing these words.
    Fails(&'static [&'static str]),
    /// Loads completely (the data is hostile but usable).
    Loads,
}

/// What happens to the queued changes while the fault is on.
#[derive(Clone, Copy, Debug)]
enum Patch {
    /// Transient failure: the changes stay queued and are retried with backoff.
    Retried,
    /// Refused for good: every change is kept as failed with this error code until `R`.
    Refused(&'static str),
    /// The fault does not touch PATCH: the changes are sent.
    Sent,
}

/// One row of the matrix.
#[derive(Clone, Copy, Debug)]
struct Case {
    mode: &'static str,
    /// `POST /__faults` body that switches the fault on (`None`: a data mode set at startup).
    on: Option<&'static str>,
    hostile_data: bool,
    listing: Listing,
    patch: Patch,
}

/// The expected outcome of every mode.
fn matrix() -> Vec<Case> {
    let malformed = |mode: &'static str, listing, patch| Case {
        mode,
        on: Some(mode),
        hostile_data: false,
        listing,
        patch,
    };
    vec![
        malformed("json", Listing::Fails(&["not JSON"]), Patch::Retried),
        malformed(
            "html",
            Listing::Fails(&["server error (502"]),
            Patch::Retried,
        ),
        malformed(
            "types",
            Listing::Fails(&["no `leads` array"]),
            Patch::Retried,
        ),
        malformed(
            "missing",
            Listing::Fails(&["no `leads` array"]),
            Patch::Retried,
        ),
        malformed(
            "truncated",
            Listing::Fails(&["connection to Puffle lost"]),
            Patch::Retried,
        ),
        malformed(
            "huge",
            Listing::Fails(&["exceeded", "16777216 bytes"]),
            Patch::Refused("response_too_large"),
        ),
        malformed(
            "cursor_loop",
            Listing::Fails(&["repeated a cursor"]),
            Patch::Sent,
        ),
        malformed(
            "hostile_error",
            Listing::Fails(&[
                "rejected the request (400 invalid_request",
                "request refused",
            ]),
            Patch::Refused("invalid_request"),
        ),
        Case {
            mode: "hostile (data)",
            on: None,
            hostile_data: true,
            listing: Listing::Loads,
            patch: Patch::Sent,
        },
        Case {
            mode: "drop",
            on: None,
            hostile_data: false,
            listing: Listing::Fails(&["connection to Puffle lost"]),
            patch: Patch::Retried,
        },
        Case {
            mode: "fail",
            on: None,
            hostile_data: false,
            listing: Listing::Fails(&["server error (50"]),
            patch: Patch::Retried,
        },
    ]
}

impl Case {
    fn fault_on(&self) -> Option<Value> {
        match (self.mode, self.on) {
            (_, Some(mode)) => Some(json!({ "malformed": mode })),
            ("drop", None) => Some(json!({"drop_rate": 1.0})),
            ("fail", None) => Some(json!({"fail_rate": 1.0})),
            _ => None,
        }
    }
}

fn fault_off() -> Value {
    json!({"malformed": null, "drop_rate": 0.0, "fail_rate": 0.0})
}

/// What one drill saw.
#[derive(Debug, Default)]
struct Report {
    mode: &'static str,
    /// `/api` requests the server answered while the fault was on.
    tried: u64,
    crashes: usize,
    /// Strings in the state that a terminal would interpret (escapes, controls, bidi).
    foreign: usize,
    /// The listing's state while the fault was on.
    listing: String,
    /// Broken expectations.
    problems: Vec<String>,
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Every piece of text in the state that came from (or is about) the server and is drawn.
fn state_texts(s: &State) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(s.toast.clone());
    out.extend(s.banner.clone());
    for data in &s.data {
        if let LoadState::Failed(m) | LoadState::Retrying(m) = &data.load {
            out.push(m.clone());
        }
        for l in &data.leads {
            out.push(l.name().to_owned());
            out.extend(
                [
                    l.headline(),
                    l.email(),
                    l.company_name(),
                    l.domain(),
                    l.linkedin_url(),
                    l.industry(),
                ]
                .into_iter()
                .flatten()
                .map(str::to_owned),
            );
        }
    }
    out.extend(s.queue.entries.values().filter_map(|e| e.error.clone()));
    out
}

fn foreign_in(s: &State) -> usize {
    state_texts(s)
        .iter()
        .filter(|t| !is_terminal_safe(t))
        .count()
}

async fn api_requests(h: &ServerHandle) -> u64 {
    common::hook_get_async(h, "/__stats").await["requests"]
        .as_object()
        .map_or(0, |m| m.values().filter_map(Value::as_u64).sum())
}

fn outbox_len(path: &std::path::Path) -> usize {
    Store::open(path)
        .and_then(|s| s.outbox_len())
        .expect("outbox readable")
}

async fn start_runner(server: &ServerHandle, store: &std::path::Path) -> Runner {
    let mut cfg = ClientConfig::new(
        &server.base_url(),
        ApiKey::new(server.api_key()).expect("key"),
    )
    .map(ClientConfig::unpaced)
    .expect("config");
    cfg.timeout = Duration::from_secs(10);
    let client = Client::new(cfg).expect("client");
    let settings = Settings {
        // Long enough that only `$`, retries and `R` send anything.
        debounce: Duration::from_secs(600),
        concurrency: 4,
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(300),
        },
        ..Settings::default()
    };
    let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(7));
    let mut runner = Runner::new(client, state, Some(Store::open(store).expect("store")));
    runner.apply(Msg::Resize(120, 40));
    runner.start();
    runner
}

/// One drill: load, queue changes, fault on, flush, observe the failure and the outbox, reload
/// and observe the listing's error, fault off, and check that everything arrives.
async fn drill(case: Case) -> Report {
    let mut r = Report {
        mode: case.mode,
        ..Report::default()
    };
    let server = demo_server::start(ServerConfig {
        leads: LEADS,
        hostile: case.hostile_data,
        ..ServerConfig::default()
    })
    .await
    .expect("server starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store.sqlite3");
    let mut runner = start_runner(&server, &store).await;
    let loaded = runner
        .run_until(STEP, |s| s.data().load == LoadState::Loaded)
        .await;
    assert!(
        loaded,
        "{}: first listing: {:?}",
        case.mode,
        runner.state.data().load
    );

    // Queue: every lead → dismissed.
    runner.apply(ctrl('a'));
    runner.apply(key('d'));
    let queued = runner.state.queue.unsent();
    let ids: Vec<String> = runner
        .state
        .data()
        .leads
        .iter()
        .map(|l| l.id.to_string())
        .collect();
    if queued == 0 || outbox_len(&store) != queued {
        r.problems.push(format!(
            "{queued} queued, {} in the outbox",
            outbox_len(&store)
        ));
    }

    // Fault on, flush, and watch the first failure.
    let before = api_requests(&server).await;
    if let Some(body) = case.fault_on() {
        common::hook_post_async(&server, "/__faults", body).await;
    }
    runner.apply(key('$'));
    match case.patch {
        Patch::Retried => {
            let failed = runner.run_until(STEP, |s| s.queue.failures >= 1).await;
            let q = &runner.state.queue;
            if !failed {
                r.problems
                    .push(format!("no PATCH failure seen: {:?}", q.counts));
            }
            if q.unsent() != queued || q.counts.failed != 0 {
                r.problems.push(format!(
                    "transient failure must keep every change pending: {queued} queued, {:?}",
                    q.counts
                ));
            }
        }
        Patch::Refused(code) => {
            let done = runner
                .run_until(STEP, |s| s.queue.is_idle() && s.queue.counts.failed > 0)
                .await;
            let q = &runner.state.queue;
            let wrong: Vec<_> = q
                .entries
                .values()
                .filter(|e| e.phase != Phase::Failed || e.error.as_deref() != Some(code))
                .collect();
            if !done || q.unsent() != queued || !wrong.is_empty() {
                r.problems.push(format!(
                    "every change must be kept as failed ({code}): {queued} queued, {:?}, {} other",
                    q.counts,
                    wrong.len()
                ));
            }
            let rows = Store::open(&store)
                .and_then(|mut s| s.outbox())
                .expect("outbox readable");
            if rows.iter().any(|row| row.error.as_deref() != Some(code)) {
                r.problems
                    .push(format!("the outbox must hold the refusal {code}"));
            }
        }
        Patch::Sent => {
            let sent = runner.run_until(STEP, |s| s.queue.unsent() == 0).await;
            if !sent {
                r.problems.push(format!(
                    "changes should be sent: {:?}",
                    runner.state.queue.counts
                ));
            }
        }
    }
    let expected_outbox = match case.patch {
        Patch::Sent => 0,
        _ => queued,
    };
    let in_outbox = outbox_len(&store);
    if in_outbox != expected_outbox {
        r.problems.push(format!(
            "outbox holds {in_outbox} changes, expected {expected_outbox}"
        ));
    }
    r.foreign += foreign_in(&runner.state);

    // The listing under the fault.
    runner.apply(ctrl('r'));
    match case.listing {
        Listing::Fails(words) => {
            let seen = runner
                .run_until(STEP, |s| {
                    matches!(s.data().load, LoadState::Failed(_) | LoadState::Retrying(_))
                })
                .await;
            let load = runner.state.data().load.clone();
            r.listing = format!("{load:?}");
            match &load {
                LoadState::Failed(m) | LoadState::Retrying(m) if seen => {
                    for w in words {
                        if !m.contains(w) {
                            r.problems
                                .push(format!("listing error {m:?} does not say {w:?}"));
                        }
                    }
                    if !is_terminal_safe(m) {
                        r.problems
                            .push(format!("listing error is not terminal-safe: {m:?}"));
                    }
                }
                _ => r.problems.push(format!("listing did not fail: {load:?}")),
            }
        }
        Listing::Loads => {
            let loaded = runner
                .run_until(STEP, |s| s.data().load == LoadState::Loaded)
                .await;
            r.listing = format!("{:?}", runner.state.data().load);
            if !loaded {
                r.problems
                    .push(format!("listing did not load: {}", r.listing));
            }
        }
    }
    r.foreign += foreign_in(&runner.state);
    r.tried = api_requests(&server).await - before;

    // Fault off: a failed listing is reloaded, refused changes retried; everything arrives.
    common::hook_post_async(&server, "/__faults", fault_off()).await;
    if matches!(runner.state.data().load, LoadState::Failed(_)) {
        runner.apply(ctrl('r'));
    }
    runner.apply(key('R'));
    let settled = runner
        .run_until(STEP, |s| {
            s.queue.unsent() == 0 && s.data().load == LoadState::Loaded
        })
        .await;
    if !settled {
        r.problems.push(format!(
            "did not recover: queue {:?}, listing {:?}",
            runner.state.queue.counts,
            runner.state.data().load
        ));
    }
    let in_outbox = outbox_len(&store);
    if in_outbox != 0 {
        r.problems
            .push(format!("{in_outbox} changes left in the outbox"));
    }
    let truth: HashMap<String, String> =
        serde_json::from_value(common::hook_get_async(&server, "/__statuses").await)
            .expect("statuses");
    let wrong = ids
        .iter()
        .filter(|id| truth.get(id.as_str()).map(String::as_str) != Some("dismissed"))
        .count();
    if wrong > 0 {
        r.problems
            .push(format!("{wrong} leads are not dismissed on the server"));
    }
    r.foreign += foreign_in(&runner.state);
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_matrix() {
    let cases = matrix();
    let handles: Vec<_> = cases
        .iter()
        .map(|&case| tokio::spawn(tokio::time::timeout(Duration::from_secs(90), drill(case))))
        .collect();
    let mut reports = Vec::new();
    for (case, handle) in cases.iter().zip(handles) {
        let report = match handle.await {
            Ok(Ok(report)) => report,
            Ok(Err(_elapsed)) => Report {
                mode: case.mode,
                problems: vec!["the drill hung".into()],
                ..Report::default()
            },
            Err(e) => Report {
                mode: case.mode,
                crashes: 1,
                problems: vec![format!("panicked: {e}")],
                ..Report::default()
            },
        };
        reports.push(report);
    }
    println!("bad-input matrix (mode → listing state under the fault):");
    for r in &reports {
        println!("  {:<15} → {}", r.mode, r.listing);
    }
    for r in &reports {
        println!(
            "{}: tried {}, crashes {}, foreign sequences {}",
            r.mode, r.tried, r.crashes, r.foreign
        );
    }
    let problems: Vec<String> = reports
        .iter()
        .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.mode)))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    let crashes: usize = reports.iter().map(|r| r.crashes).sum();
    let foreign: usize = reports.iter().map(|r| r.foreign).sum();
    let tried: u64 = reports.iter().map(|r| r.tried).sum();
    assert_eq!(crashes, 0);
    assert_eq!(foreign, 0);
    assert_eq!(reports.len(), 11);
    assert!(
        reports.iter().all(|r| r.tried > 0),
        "every mode was exercised ({tried} requests in all)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_cursor_fails_the_listing_instead_of_loading_one_page() {
    let server = demo_server::start(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    })
    .await
    .expect("server starts");
    common::hook_post_async(&server, "/__faults", json!({"malformed": "cursor_loop"})).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut runner = start_runner(&server, &dir.path().join("store.sqlite3")).await;
    let ended = runner
        .run_until(STEP, |s| {
            matches!(s.data().load, LoadState::Loaded | LoadState::Failed(_))
        })
        .await;
    assert!(ended, "{:?}", runner.state.data().load);
    let shown = runner.state.data().leads.len();
    match &runner.state.data().load {
        LoadState::Failed(m) => assert!(m.contains("repeated a cursor"), "{m}"),
        other => {
            panic!("the listing must fail, not end as {other:?} with {shown} of {LEADS} leads")
        }
    }
}

#[test]
fn a_patch_answer_too_large_to_read_leaves_the_outcome_uncertain() {
    use lead_triage::api::MAX_BODY_BYTES;
    use lead_triage::api::{ApiError, GroupBy, Status};
    use lead_triage::app::queue::Queue;

    let mut q = Queue::new(4, Backoff::default(), Jitter::seeded(1));
    let id = uuid::Uuid::new_v4();
    q.change(id, GroupBy::Person, Status::New, Status::Contacted);
    let batch = q.take_batches().remove(0);
    // A 200 whose body went past the cap: the change may well have been applied.
    q.reconcile(batch.id, Err(ApiError::TooLarge(MAX_BODY_BYTES)));
    // The rep goes back to `new`: that must still be sent, or the server keeps `contacted`.
    q.change(id, GroupBy::Person, Status::New, Status::New);
    assert_eq!(q.unsent(), 1, "the revert was dropped without being sent");
}

// ---------------------------------------------------------------------------------------------
// Headless: `leads list` against every malformed mode.
// ---------------------------------------------------------------------------------------------

/// The words the one stderr line must contain, per mode.
const HEADLESS: [(&str, &str); 10] = [
    ("json", "not JSON"),
    ("html", "server error (502"),
    ("types", "no `leads` array"),
    ("missing", "no `leads` array"),
    ("truncated", "connection to Puffle lost"),
    ("huge", "exceeded"),
    ("cursor_loop", "repeated a cursor"),
    ("hostile_error", "rejected the request (400"),
    ("drop", "connection to Puffle lost"),
    ("fail", "server error (50"),
];

fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

#[test]
fn headless_list_reports_each_malformed_mode_in_one_clean_line() {
    let h = common::server(ServerConfig {
        leads: 260,
        api_key: "pk_live_secret_headless_key".into(),
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for (mode, words) in HEADLESS {
        let on = match mode {
            "drop" => json!({"drop_rate": 1.0}),
            "fail" => json!({"fail_rate": 1.0}),
            m => json!({ "malformed": m }),
        };
        common::hook_post(&h, "/__faults", on);
        let out = common::bin(dir.path())
            .env("PUFFLE_API_KEY", h.api_key())
            .args([
                "--base-url",
                &h.base_url(),
                "--timeout-ms",
                "10000",
                "leads",
                "list",
                // Transient failures are retried; a short budget ends a broken server quickly.
                "--max-wait",
                "2",
            ])
            .output()
            .expect("binary runs");
        common::hook_post(&h, "/__faults", fault_off());
        let stderr = common::text(&out.stderr);
        let stdout = common::text(&out.stdout);
        let lines: Vec<&str> = stderr.lines().collect();
        let mut bad = Vec::new();
        if out.status.code() != Some(2) {
            bad.push(format!("exit {:?}", out.status.code()));
        }
        if lines.len() != 1 || !lines[0].starts_with("lead-triage: ") || !lines[0].contains(words) {
            bad.push(format!(
                "stderr should be one line naming {words:?}: {stderr:?}"
            ));
        }
        if out.stderr.contains(&0x1b) || out.stdout.contains(&0x1b) {
            bad.push("an ESC byte in the output".into());
        }
        if stderr.chars().chain(stdout.chars()).any(is_c1) {
            bad.push("a C1 control in the output".into());
        }
        if !is_terminal_safe(lines.first().copied().unwrap_or_default()) {
            bad.push(format!("unsafe stderr line: {stderr:?}"));
        }
        if stderr.contains(h.api_key()) || stdout.contains(h.api_key()) {
            bad.push("the API key was printed".into());
        }
        println!(
            "headless {mode}: exit {:?}, {} stderr line(s), problems {}: {}",
            out.status.code(),
            lines.len(),
            bad.len(),
            lines.first().copied().unwrap_or_default()
        );
        problems.extend(bad.into_iter().map(|b| format!("{mode}: {b}")));
    }
    let log = std::fs::read_to_string(dir.path().join("test.log")).unwrap_or_default();
    if log.contains(h.api_key()) {
        problems.push("the API key is in the log file".into());
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
