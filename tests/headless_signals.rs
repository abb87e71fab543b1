#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! `lead-triage signals generate|update`, run as the real binary against the built-in server
//! on 127.0.0.1 (and once with `--demo`): drafts in batches, per-item errors, usage errors,
//! drafts in flight asked again, retries, and the server's state afterwards.

mod common;

use std::process::Output;

use common::{bin, hook_get, hook_post, run_with_stdin, server, stats, text};
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::{Value, json};

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

/// The ids of the newest `n` signals (at most 100), through the authenticated API.
fn signal_ids(h: &ServerHandle, n: usize) -> Vec<String> {
    let url = format!("{}/api/signals?limit={n}", h.base_url());
    let key = h.api_key().to_owned();
    let body: Value = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(key)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
    })
    .join()
    .unwrap();
    body["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

fn run(h: &ServerHandle, dir: &std::path::Path, args: &[&str]) -> Output {
    bin(dir)
        .env("PUFFLE_API_KEY", h.api_key())
        .args(["--base-url", &h.base_url(), "--retry-base-ms", "50"])
        .args(args)
        .output()
        .unwrap()
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", text(&out.stdout)))
}

/// The drafts, vote and note the server keeps for these signals.
fn kept(h: &ServerHandle, ids: &[&str]) -> Value {
    hook_get(h, &format!("/__signals?ids={}", ids.join(",")))
}

fn fast(leads: usize) -> ServerConfig {
    ServerConfig {
        leads,
        generate_ms: 30,
        ..ServerConfig::default()
    }
}

#[test]
fn generate_drafts_25_signals_in_two_calls_and_the_server_keeps_them() {
    let h = server(fast(40));
    let dir = tempfile::tempdir().unwrap();
    let ids = signal_ids(&h, 25);
    let mut items: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"id": id, "dm": true, "comment": i % 5 == 0}))
        .collect();
    // The same signal again only adds its comment: one item.
    items.push(json!({"id": ids[1], "comment": true}));
    let out = run_with_stdin(
        {
            let mut c = bin(dir.path());
            c.env("PUFFLE_API_KEY", h.api_key()).args([
                "--base-url",
                &h.base_url(),
                "signals",
                "generate",
                "--items",
                "-",
            ]);
            c
        },
        &Value::Array(items).to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("drafted for 25 of 25 signals"),
        "{}",
        text(&out.stderr)
    );
    let results = json_out(&out)["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 25);
    for (i, (r, id)) in results.iter().zip(&ids).enumerate() {
        assert_eq!(r["id"], id.as_str(), "in the order given");
        assert!(r.get("error").is_none(), "{r}");
        assert!(r["dm"]["text"].as_str().unwrap().starts_with("Hi "));
        let wants_comment = i % 5 == 0 || i == 1;
        assert_eq!(r["comment"].is_object(), wants_comment, "{i}: {r}");
    }
    let s = stats(&h);
    assert_eq!(s["requests"]["POST /api/signals/generate"], 2, "20 + 5");
    assert_eq!(s["generated_dm"], 25);
    assert_eq!(s["generated_comment"], 6);
    let log = hook_get(&h, "/__log");
    let sizes: Vec<usize> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"] == "/api/signals/generate")
        .map(common::log::items_len)
        .collect();
    assert_eq!(sizes, vec![20, 5]);
    // What the server keeps is what was printed, byte for byte.
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let state = kept(&h, &refs);
    for r in &results {
        let id = r["id"].as_str().unwrap();
        assert_eq!(state[id]["dmText"], r["dm"]["text"]);
    }
}

#[test]
fn an_unknown_signal_fails_alone_with_exit_1() {
    let h = server(fast(20));
    let dir = tempfile::tempdir().unwrap();
    let ids = signal_ids(&h, 1);
    let items = json!([{"id": ids[0], "comment": true}, {"id": UNKNOWN, "dm": true}]).to_string();
    let out = run(&h, dir.path(), &["signals", "generate", "--items", &items]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let results = json_out(&out)["results"].clone();
    assert!(results[0]["comment"]["text"].is_string());
    assert!(results[0].get("error").is_none());
    assert_eq!(results[1], json!({"id": UNKNOWN, "error": "not_found"}));
    assert!(text(&out.stderr).contains("failed: not_found (1)"));
    assert!(kept(&h, &[&ids[0]])[&ids[0]]["commentText"].is_string());
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    let h = server(fast(20));
    let dir = tempfile::tempdir().unwrap();
    let id = &signal_ids(&h, 1)[0];
    let cases: Vec<(&str, String, &str)> = vec![
        ("generate", "[{".into(), "not valid JSON"),
        ("generate", "[]".into(), "--items is empty"),
        (
            "generate",
            json!({"id": id}).to_string(),
            "must be a JSON array",
        ),
        (
            "generate",
            json!([{"id": id}]).to_string(),
            "asks for nothing",
        ),
        (
            "generate",
            json!([{"id": "x", "dm": true}]).to_string(),
            "is not a signal UUID",
        ),
        (
            "generate",
            json!([{"id": id, "DM": true}]).to_string(),
            "unknown field",
        ),
        ("update", json!([{"id": id}]).to_string(), "changes nothing"),
        (
            "update",
            json!([{"id": id, "vote": "meh"}]).to_string(),
            "unknown vote",
        ),
        (
            "update",
            json!([{"id": id, "status": "dismissed"}]).to_string(),
            "unknown field",
        ),
    ];
    for (cmd, items, said) in &cases {
        let out = run(&h, dir.path(), &["signals", cmd, "--items", items]);
        assert_eq!(out.status.code(), Some(2), "{cmd} {items}");
        assert!(out.stdout.is_empty(), "{cmd} {items}: nothing on stdout");
        assert!(
            text(&out.stderr).contains(said),
            "{cmd} {items}: {}",
            text(&out.stderr)
        );
    }
    // No key: exit 2, and nothing reaches the server.
    let items = json!([{"id": id, "dm": true}]).to_string();
    let out = bin(dir.path())
        .args([
            "--base-url",
            &h.base_url(),
            "signals",
            "generate",
            "--items",
            &items,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("PUFFLE_API_KEY"),
        "{}",
        text(&out.stderr)
    );
    let total: u64 = stats(&h)["requests"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total, 1, "only signal_ids' GET reached the server");
}

#[test]
fn a_wrong_key_is_exit_2_and_no_key_is_ever_printed() {
    let h = server(ServerConfig {
        api_key: "pk_live_SECRET_7f3a".into(),
        hostile: true,
        ..fast(60)
    });
    let dir = tempfile::tempdir().unwrap();
    let ids = signal_ids(&h, 20);
    let items: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "dm": true, "comment": true}))
        .collect();
    let items = Value::Array(items).to_string();
    // Hostile names end up in the drafts: the output carries no escape sequence.
    let out = run(&h, dir.path(), &["signals", "generate", "--items", &items]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        !out.stdout.contains(&0x1b) && !stdout.contains("\\u001b"),
        "{stdout}"
    );
    assert!(!out.stderr.contains(&0x1b));
    // The server did draft escape sequences: the cleaning was needed.
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let raw = kept(&h, &refs).to_string();
    assert!(
        raw.contains("\\u001b"),
        "no hostile draft among these: pick more signals"
    );
    for o in [&out.stdout, &out.stderr] {
        assert!(!text(o).contains("SECRET_7f3a"));
    }
    let wrong = bin(dir.path())
        .env("PUFFLE_API_KEY", "pk_live_WRONG_9c1e")
        .args(["--base-url", &h.base_url(), "signals", "update", "--items"])
        .arg(json!([{"id": ids[0], "vote": "up"}]).to_string())
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stderr));
    assert!(
        text(&wrong.stderr).contains("401"),
        "{}",
        text(&wrong.stderr)
    );
    for o in [&wrong.stdout, &wrong.stderr] {
        assert!(!text(o).contains("WRONG_9c1e") && !text(o).contains("SECRET_7f3a"));
    }
    // The refused item is reported as not sent, and nothing was voted.
    let report = json_out(&wrong);
    assert_eq!(report["errors"][0]["error"], "not_sent");
    assert!(kept(&h, &[&ids[0]])[&ids[0]].get("vote").is_none());
}

#[test]
fn a_draft_in_flight_is_asked_again_until_it_is_written_once() {
    let h = server(ServerConfig {
        // Long enough that the command surely starts while the other call is drafting.
        generate_ms: 3_000,
        ..fast(20)
    });
    let dir = tempfile::tempdir().unwrap();
    let id = signal_ids(&h, 1).remove(0);
    // Another call (a teammate's) is drafting the same DM when the command starts.
    let url = format!("{}/api/signals/generate", h.base_url());
    let key = h.api_key().to_owned();
    let body = json!({"items": [{"id": id, "dm": true}]});
    let other = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                reqwest::Client::new()
                    .post(url)
                    .bearer_auth(key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
    });
    // Wait for that call to be at work: the server counts a generate call once it has claimed
    // its drafts.
    while stats(&h)["generate_calls"] != 1 {
        std::thread::yield_now();
    }
    let items = json!([{"id": id, "dm": true}]).to_string();
    let out = run(&h, dir.path(), &["signals", "generate", "--items", &items]);
    let theirs = other.join().unwrap();
    assert!(theirs["results"][0]["dm"].is_object(), "{theirs}");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("already being written by another call (already_in_flight); asking again in"),
        "{stderr}"
    );
    let ours = json_out(&out)["results"][0].clone();
    assert!(ours.get("error").is_none(), "{ours}");
    let s = stats(&h);
    assert!(s["in_flight_refusals"].as_u64().unwrap() >= 1, "{s}");
    assert_eq!(s["generated_dm"], 2, "theirs and ours, no more");
    // One draft in the end: ours, the later one.
    assert_eq!(kept(&h, &[&id])[&id]["dmText"], ours["dm"]["text"]);
}

#[test]
fn update_saves_drafts_and_votes_and_reports_per_item() {
    let h = server(fast(20));
    let dir = tempfile::tempdir().unwrap();
    let ids = signal_ids(&h, 2);
    let edited = "Hi Zoë,\n\"quick\" question 🚀\tthanks";
    let items = json!([
        {"id": ids[0], "dmText": edited, "vote": "up"},
        {"id": ids[1], "commentText": "Congrats!", "vote": "down"},
        {"id": UNKNOWN, "vote": null},
        {"id": ids[1], "vote": null},
    ])
    .to_string();
    let out = run(&h, dir.path(), &["signals", "update", "--items", &items]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        json_out(&out),
        json!({"updated": [ids[0], ids[1]], "errors": [{"id": UNKNOWN, "error": "not_found"}]})
    );
    assert!(text(&out.stderr).contains("updated 2 of 3 signals"));
    let state = kept(&h, &[&ids[0], &ids[1]]);
    assert_eq!(state[&ids[0]]["dmText"], edited, "the text exactly");
    assert_eq!(state[&ids[0]]["vote"], "up");
    assert_eq!(state[&ids[1]]["commentText"], "Congrats!");
    assert!(
        state[&ids[1]]["vote"].is_null(),
        "the later item cleared it"
    );
    assert_eq!(stats(&h)["signal_patch_items"], 3, "duplicates merged");

    // The same again: idempotent, exit 0 without the unknown id.
    let items = json!([{"id": ids[0], "dmText": edited, "vote": "up"}]).to_string();
    let out = run(&h, dir.path(), &["signals", "update", "--items", &items]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json_out(&out), json!({"updated": [ids[0]], "errors": []}));
    assert_eq!(kept(&h, &[&ids[0]])[&ids[0]]["dmText"], edited);
}

#[test]
fn update_retries_a_503_splits_a_refused_batch_and_names_unacknowledged_ids() {
    let h = server(fast(20));
    let dir = tempfile::tempdir().unwrap();
    let ids = signal_ids(&h, 3);

    // A scripted 503, then the retry applies it.
    hook_post(
        &h,
        "/__faults",
        json!({"script": [{"match": "PATCH /api/signals", "status": 503}]}),
    );
    let items = json!([{"id": ids[0], "vote": "up"}]).to_string();
    let out = run(&h, dir.path(), &["signals", "update", "--items", &items]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(stats(&h)["requests"]["PATCH /api/signals"], 2);
    assert_eq!(kept(&h, &[&ids[0]])[&ids[0]]["vote"], "up");

    // strict_batch refuses the whole call for one unknown id: halves until it is alone, the
    // others applied.
    hook_post(&h, "/__faults", json!({"strict_batch": true}));
    let items = json!([
        {"id": ids[1], "vote": "down"},
        {"id": UNKNOWN, "vote": "down"},
        {"id": ids[2], "dmText": "Hi"},
    ])
    .to_string();
    let out = run(&h, dir.path(), &["signals", "update", "--items", &items]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        json_out(&out),
        json!({"updated": [ids[1], ids[2]], "errors": [{"id": UNKNOWN, "error": "invalid_request"}]})
    );
    assert_eq!(kept(&h, &[&ids[2]])[&ids[2]]["dmText"], "Hi");

    // Every item left out of every answer: reported, exit 1.
    hook_post(
        &h,
        "/__faults",
        json!({"strict_batch": false, "omit_rate": 1.0}),
    );
    let before = stats(&h)["requests"]["PATCH /api/signals"]
        .as_u64()
        .unwrap();
    let items = json!([{"id": ids[0], "vote": "down"}]).to_string();
    let out = run(&h, dir.path(), &["signals", "update", "--items", &items]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        json_out(&out),
        json!({"updated": [], "errors": [{"id": ids[0], "error": "not_acknowledged"}]})
    );
    let after = stats(&h)["requests"]["PATCH /api/signals"]
        .as_u64()
        .unwrap();
    assert_eq!(
        after - before,
        5,
        "asked again up to the unacknowledged limit"
    );
    assert_eq!(kept(&h, &[&ids[0]])[&ids[0]]["vote"], "up", "unchanged");
}

#[test]
fn demo_runs_both_commands_with_no_key() {
    // `--demo` serves the default seeded data, so the default server's ids are the demo's.
    let h = server(ServerConfig::default());
    let id = signal_ids(&h, 1).remove(0);
    drop(h);
    let dir = tempfile::tempdir().unwrap();
    let items = json!([{"id": id, "dm": true}]).to_string();
    let out = bin(dir.path())
        .args(["--demo", "signals", "generate", "--items", &items])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = &json_out(&out)["results"][0];
    assert_eq!(r["id"], id.as_str());
    assert!(r["dm"]["text"].as_str().unwrap().starts_with("Hi "));
    let items = json!([{"id": id, "vote": "up"}, {"id": UNKNOWN, "vote": "down"}]).to_string();
    let out = bin(dir.path())
        .args(["signals", "update", "--items", &items, "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        json_out(&out),
        json!({"updated": [id], "errors": [{"id": UNKNOWN, "error": "not_found"}]})
    );
}

/// What the TUI left queued (an edited draft, a vote) goes out with `lead-triage sync`, and
/// leaves the store once Puffle confirmed it.
#[test]
fn sync_sends_the_signal_changes_the_tui_left_queued() {
    use lead_triage::api::ApiKey;
    use lead_triage::api::outreach::{SignalUpdate, Vote};
    use lead_triage::store::{Store, namespace_file};
    let h = server(fast(5));
    let ids = signal_ids(&h, 2);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let path = namespace_file(
        dir.path(),
        &h.base_url(),
        &ApiKey::new(h.api_key()).unwrap(),
    );
    let mut store = Store::open(&path).unwrap();
    let lead = uuid::Uuid::from_u128(1);
    for u in [
        SignalUpdate {
            id: ids[0].clone(),
            dm_text: Some("Hi,\nedited offline".into()),
            ..SignalUpdate::default()
        },
        SignalUpdate {
            id: ids[1].clone(),
            vote: Some(Some(Vote::Down)),
            ..SignalUpdate::default()
        },
    ] {
        store.queue_signal_update(lead, &u).unwrap();
    }
    drop(store);
    let out = run(&h, dir.path(), &["--data-dir", d, "sync"]);
    assert!(out.status.success(), "sync: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("sent 2 of 2 queued signal changes"),
        "{}",
        text(&out.stderr)
    );
    let on = kept(&h, &[&ids[0], &ids[1]]);
    assert_eq!(on[&ids[0]]["dmText"], "Hi,\nedited offline");
    assert_eq!(on[&ids[1]]["vote"], "down");
    assert!(
        Store::open(&path)
            .unwrap()
            .signal_outbox()
            .unwrap()
            .is_empty()
    );
    // Nothing left: a second sync sends none.
    let out = run(&h, dir.path(), &["--data-dir", d, "sync"]);
    assert!(out.status.success());
    assert!(
        !text(&out.stderr).contains("signal change"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_lists_both_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args(["signals", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    assert!(
        help.contains("generate") && help.contains("update"),
        "{help}"
    );
    let out = bin(dir.path()).arg("--help").output().unwrap();
    assert!(text(&out.stdout).contains("signals"));
}
