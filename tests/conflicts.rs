#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Conflicts with teammates: a queued change whose lead was changed elsewhere (in Puffle's web
//! app, by another rep) while it waited is held and shown, never sent over the teammate's
//! status until the rep decides; `sync` reports it (exit 1) and `--force` sends it anyway.
//! Against the built-in server on 127.0.0.1, with real SQLite stores.

mod common;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig, GroupBy, Status};
use lead_triage::app::queue::CONFLICT;
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::store::{OutboxOp, OutboxRow, Store};
use lead_triage::sync::backoff::{Backoff, Jitter};
use puffle_demo_server::{self as demo_server, ServerConfig, ServerHandle};
use serde_json::{Value, json};
use uuid::Uuid;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

async fn patches(h: &ServerHandle) -> Vec<Value> {
    common::hook_get_async(h, "/__log")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["method"] == "PATCH")
        .collect()
}

async fn status_on_server(h: &ServerHandle, id: Uuid) -> String {
    let all = common::hook_get_async(h, "/__statuses").await;
    all[id.to_string()].as_str().unwrap_or_default().to_owned()
}

fn runner_for(h: &ServerHandle, store: &std::path::Path) -> Runner {
    let client = Client::new(
        ClientConfig::new(&h.base_url(), ApiKey::new(h.api_key()).unwrap())
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let settings = Settings {
        // Long enough that nothing is sent unless the test says so.
        debounce: Duration::from_secs(600),
        backoff: Backoff {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(200),
        },
        ..Settings::default()
    };
    let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(3));
    let mut r = Runner::new(client, state, Some(Store::open(store).unwrap()));
    r.apply(Msg::Resize(120, 40));
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teammate_change_while_away_is_held_as_a_conflict_and_nothing_is_sent_until_resolved() {
    let h = demo_server::start(ServerConfig {
        leads: 30,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");

    // Session 1: dismiss the first two rows; quit before anything is sent.
    let mut r = runner_for(&h, &store);
    r.start();
    assert!(
        r.run_until(Duration::from_secs(20), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    let first: Vec<(Uuid, Status)> = r.state.list().rows[..3]
        .iter()
        .map(|&i| {
            let l = &r.state.data().leads[i as usize];
            (l.id, l.status)
        })
        .collect();
    // The demo data has some dismissed leads; the test needs three that are not.
    assert!(
        first.iter().all(|(_, s)| *s != Status::Dismissed),
        "{first:?}"
    );
    r.apply(key('d'));
    r.apply(key('d'));
    r.apply(key('d'));
    assert_eq!(r.state.queue.counts.pending, 3);
    r.shutdown();
    drop(r);
    assert_eq!(Store::open(&store).unwrap().outbox_len().unwrap(), 3);

    // Meanwhile a teammate sets lead 1 to contacted and lead 2 to dismissed (what we wanted).
    let (l1, l2, l3) = (first[0].0, first[1].0, first[2].0);
    common::hook_post_async(
        &h,
        "/__statuses",
        json!({"items": [
            {"entityId": l1, "status": "contacted"},
            {"entityId": l2, "status": "dismissed"},
        ]}),
    )
    .await;
    let before = patches(&h).await.len();

    // Session 2: the restored changes wait for Puffle's statuses; lead 1 is a conflict.
    let mut r = runner_for(&h, &store);
    r.start();
    assert!(
        r.run_until(Duration::from_secs(20), |s| {
            s.queue
                .entries
                .get(&l1)
                .is_some_and(|e| e.error.as_deref() == Some(CONFLICT))
        })
        .await,
        "lead 1 is held as a conflict"
    );
    let e = &r.state.queue.entries[&l1];
    assert_eq!(
        (e.intent, e.confirmed),
        (Status::Dismissed, Status::Contacted)
    );
    assert!(
        !r.state.queue.entries.contains_key(&l2),
        "lead 2 already has the wanted status: nothing to send"
    );
    // Lead 3 had no conflict: it is sent ($), lead 1 is not.
    r.apply(key('$'));
    assert!(
        r.run_until(Duration::from_secs(20), |s| !s
            .queue
            .entries
            .contains_key(&l3))
            .await
    );
    let sent: Vec<Value> = patches(&h).await[before..].to_vec();
    let carried: Vec<String> = sent
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .map(|i| i["entityId"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    assert_eq!(carried, vec![l3.to_string()], "only lead 3 was sent");
    assert_eq!(
        status_on_server(&h, l1).await,
        "contacted",
        "the teammate's stays"
    );
    assert_eq!(r.state.queue.conflicts(), 1);
    // The row shows Puffle's status and is marked.
    let row = r
        .state
        .list()
        .rows
        .iter()
        .position(|&i| r.state.data().leads[i as usize].id == l1)
        .unwrap();
    let lead = &r.state.data().leads[r.state.list().rows[row] as usize];
    assert_eq!(r.state.shown_status(lead), Status::Contacted);

    // Resolving: `r` on the row keeps ours and sends it.
    r.apply(key('g'));
    for _ in 0..row {
        r.apply(key('j'));
    }
    r.apply(key('r'));
    assert!(
        r.run_until(Duration::from_secs(20), |s| s.queue.entries.is_empty())
            .await
    );
    assert_eq!(status_on_server(&h, l1).await, "dismissed");
    r.shutdown();
    drop(r);
    assert_eq!(Store::open(&store).unwrap().outbox_len().unwrap(), 0);
}

/// A store holding changes made in the TUI (confirmed `new` when made).
fn queue_in_store(store: &std::path::Path, ids: &[Uuid]) {
    let mut s = Store::open(store).unwrap();
    let ops: Vec<OutboxOp> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            OutboxOp::Put(OutboxRow {
                id: *id,
                group: GroupBy::Person,
                status: Status::Dismissed,
                confirmed: Status::New,
                error: None,
                seq: n as u64 + 1,
            })
        })
        .collect();
    s.write_outbox(&ops).unwrap();
}

#[test]
fn sync_reports_conflicts_with_exit_1_and_force_sends_them() {
    let h = common::server(ServerConfig {
        leads: 30,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let all = common::statuses(&h);
    let mut new_ones: Vec<Uuid> = all
        .iter()
        .filter(|(_, s)| s.as_str() == "new")
        .map(|(id, _)| Uuid::parse_str(id).unwrap())
        .collect();
    new_ones.sort();
    let (l1, l2) = (new_ones[0], new_ones[1]);
    let key = ApiKey::new(h.api_key()).unwrap();
    let path = lead_triage::store::namespace_file(dir.path(), &h.base_url(), &key);
    queue_in_store(&path, &[l1, l2]);
    common::hook_post(
        &h,
        "/__statuses",
        json!({"items": [{"entityId": l1, "status": "contacted"}]}),
    );
    let sync = |force: bool| {
        let mut cmd = common::bin(dir.path());
        cmd.env("PUFFLE_API_KEY", h.api_key()).args([
            "--base-url",
            &h.base_url(),
            "--data-dir",
            dir.path().to_str().unwrap(),
            "sync",
        ]);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let patches_before = common::requests(&h, "PATCH /api/signals/leads");
    let out = sync(false);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{} {}",
        common::text(&out.stderr),
        common::text(&out.stdout)
    );
    let stderr = common::text(&out.stderr);
    assert!(
        stderr.contains("1 change held") && stderr.contains("--force"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"], json!([l2.to_string()]));
    assert_eq!(
        report["errors"],
        json!([{"id": l1.to_string(), "error": "conflict"}])
    );
    assert_eq!(
        common::requests(&h, "PATCH /api/signals/leads") - patches_before,
        1,
        "one PATCH, for lead 2 only"
    );
    let now = common::statuses(&h);
    assert_eq!(
        now[&l1.to_string()],
        "contacted",
        "the teammate's status stays"
    );
    assert_eq!(now[&l2.to_string()], "dismissed");
    let left = Store::open(&path).unwrap().outbox().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        left[0].error.as_deref(),
        Some(CONFLICT),
        "held, and still queued"
    );

    // --force sends ours over it.
    let out = sync(true);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert_eq!(common::statuses(&h)[&l1.to_string()], "dismissed");
    assert_eq!(Store::open(&path).unwrap().outbox_len().unwrap(), 0);
}
