#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Headless commands (the real binary) against a stricter, sloppier built-in server: answers
//! that leave items out, echo ids in upper case, refuse large bodies or whole batches, ask to
//! wait (seconds or an HTTP date), cap page sizes and id lists, repeat a lead across pages, cut
//! or stall a page, or never recover; and Ctrl-C while waiting. Every case asserts exit codes,
//! stdout, the server's statuses and the request log (counts and timing).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::log::{items_len, key_of, limit_of, status_of, ts};
use common::{bin, hook_get, hook_post, run_with_stdin, server, statuses, text};
use lead_triage::api::{ApiKey, GroupBy, Status};
use lead_triage::store::{OutboxOp, OutboxRow, Store, namespace_file};
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::{Value, json};
use uuid::Uuid;

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

    /// The binary with the key, the base URL, the data dir and a short retry base.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin(self.dir.path());
        c.env("PUFFLE_API_KEY", self.h.api_key())
            .arg("--base-url")
            .arg(self.h.base_url())
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["--retry-base-ms", "50"])
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("binary runs")
    }

    /// `leads set STATUS -` with the ids on stdin.
    fn set(&self, status: &str, ids: &[String], extra: &[&str]) -> Output {
        let mut args = vec!["leads", "set", status, "-"];
        args.extend_from_slice(extra);
        run_with_stdin(self.cmd(&args), &(ids.join("\n") + "\n"))
    }

    fn faults(&self, body: Value) {
        let v = hook_post(&self.h, "/__faults", body);
        assert!(v.get("error").is_none(), "faults accepted: {v}");
    }

    fn log(&self) -> Vec<Value> {
        match hook_get(&self.h, "/__log") {
            Value::Array(a) => a,
            other => panic!("log is an array: {other}"),
        }
    }

    /// Log entries of one route (`"METHOD /path"`).
    fn log_of(&self, key: &str) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|e| key_of(e) == key)
            .collect()
    }

    /// The one store file the binary created in the data dir.
    fn store_file(&self) -> PathBuf {
        common::store_in(self.dir.path())
    }

    fn outbox(&self) -> Vec<OutboxRow> {
        common::outbox_in(self.dir.path())
    }
}

/// `{"updated":[…],"errors":[{id,error}]}` → (updated, id → error).
fn report(out: &Output) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is the JSON report ({e}): {:?}; stderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    let updated = v["updated"]
        .as_array()
        .expect("updated array")
        .iter()
        .map(|i| i.as_str().expect("id string").to_owned())
        .collect();
    let errors = v["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().expect("error id").to_owned(),
                e["error"].as_str().expect("error code").to_owned(),
            )
        })
        .collect();
    (updated, errors)
}

/// `n` known entity ids whose status is not `not`, in a stable order.
fn ids_not(h: &ServerHandle, n: usize, not: &str) -> Vec<String> {
    let truth = statuses(h);
    let mut ids: Vec<String> = truth
        .iter()
        .filter(|(_, s)| s.as_str() != not)
        .map(|(id, _)| id.clone())
        .collect();
    ids.sort();
    assert!(ids.len() >= n, "the server has {n} ids not {not}");
    ids.truncate(n);
    ids
}

fn assert_all(h: &ServerHandle, ids: &[String], status: &str) {
    let now = statuses(h);
    for id in ids {
        assert_eq!(now.get(id).map(String::as_str), Some(status), "{id}");
    }
}

/// Ids (in order) and statuses of a `leads list --format json` output.
fn listed(out: &Output) -> Vec<(String, String)> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "leads list prints JSON ({e}); stderr: {}",
            text(&out.stderr)
        )
    });
    v["leads"]
        .as_array()
        .expect("leads array")
        .iter()
        .map(|l| {
            (
                l["id"].as_str().expect("id").to_owned(),
                l["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

/// Every lead once, each with the server's status, and exactly the ids of `truth`.
fn assert_complete(h: &ServerHandle, got: &[(String, String)], truth: &BTreeSet<String>) {
    let ids: Vec<&String> = got.iter().map(|(id, _)| id).collect();
    let unique: BTreeSet<String> = ids.iter().map(|s| (*s).clone()).collect();
    assert_eq!(unique.len(), ids.len(), "no lead listed twice");
    assert_eq!(&unique, truth, "exactly the server's leads");
    let server = statuses(h);
    for (id, status) in got {
        assert_eq!(Some(status), server.get(id), "status of {id}");
    }
}

/// The ids a plain listing (no faults) gives.
fn plain_ids(env: &Env) -> BTreeSet<String> {
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ids: BTreeSet<String> = listed(&out).into_iter().map(|(id, _)| id).collect();
    let persons = hook_get(&env.h, "/__stats")["leads"]["person"]
        .as_u64()
        .expect("person count");
    assert_eq!(
        ids.len() as u64,
        persons,
        "a plain listing has every person"
    );
    ids
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

// 1. Items left out of every answer.

#[test]
fn omitted_items_are_resent_with_growing_backoff_then_not_acknowledged() {
    let env = Env::new(ServerConfig {
        omit_rate: 1.0,
        ..small(30)
    });
    let ids = ids_not(&env.h, 3, "dismissed");
    let before = statuses(&env.h);
    let base_ms = 200u64;
    let out = env.set(
        "dismissed",
        &ids,
        &["--retry-base-ms", &base_ms.to_string(), "--max-wait", "30"],
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert!(updated.is_empty());
    let want: BTreeMap<String, String> = ids
        .iter()
        .map(|id| (id.clone(), "not_acknowledged".to_owned()))
        .collect();
    assert_eq!(errors, want);
    assert_eq!(statuses(&env.h), before, "nothing applied");
    assert!(env.outbox().is_empty(), "reported refusals are not kept");

    let patches = env.log_of(PATCH);
    assert_eq!(
        patches.len(),
        lead_triage::app::queue::MAX_UNACKED as usize,
        "one PATCH per unanswered attempt"
    );
    assert!(patches.iter().all(|p| items_len(p) == 3));
    let gaps: Vec<u64> = patches.windows(2).map(|w| ts(&w[1]) - ts(&w[0])).collect();
    const TOLERANCE_MS: u64 = 25;
    for (n, pair) in gaps.windows(2).enumerate() {
        assert!(
            pair[1] + TOLERANCE_MS >= pair[0],
            "gap {} ({} ms) shorter than gap {n} ({} ms): {gaps:?}",
            n + 1,
            pair[1],
            pair[0]
        );
    }
    // Each wait is at least half of its ceiling base·2ⁿ.
    for (n, gap) in gaps.iter().enumerate() {
        let floor = base_ms * (1 << n) / 2;
        assert!(
            *gap >= floor,
            "gap {n} is {gap} ms, below {floor}: {gaps:?}"
        );
    }
}

/// How many PATCHes carried each id.
fn sends_per_id(patches: &[Value]) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for p in patches {
        for item in p["items"].as_array().into_iter().flatten() {
            let id = item["entityId"]
                .as_str()
                .expect("entityId")
                .to_ascii_lowercase();
            *n.entry(id).or_insert(0) += 1;
        }
    }
    n
}

#[test]
fn half_the_items_omitted_all_forty_applied_in_the_end() {
    // The omissions are seeded: with seed 3 no item of these 40 is left out five answers in a
    // row (with the default seed 42 one is; see the next test), so every item ends applied.
    let env = Env::new(ServerConfig {
        omit_rate: 0.5,
        seed: 3,
        ..small(60)
    });
    let ids = ids_not(&env.h, 40, "dismissed");
    let out = env.set("dismissed", &ids, &["--max-wait", "30"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(updated, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert_all(&env.h, &ids, "dismissed");
    // The omissions really happened: items were sent again, and never one already applied.
    let patches = env.log_of(PATCH);
    assert!(patches.len() >= 3, "items were re-sent: {}", patches.len());
    assert!(
        patches
            .windows(2)
            .all(|w| items_len(&w[1]) < items_len(&w[0])),
        "each re-send carries only what is still unanswered: {:?}",
        shape(&patches)
    );
    let sends = sends_per_id(&patches);
    assert!(sends.values().all(|&n| n <= 5));
    assert!(
        sends.values().any(|&n| n >= 3),
        "some item was left out twice"
    );
}

#[test]
fn half_the_items_omitted_each_outcome_matches_its_sends() {
    let env = Env::new(ServerConfig {
        omit_rate: 0.5,
        seed: 42,
        ..small(60)
    });
    let ids = ids_not(&env.h, 40, "dismissed");
    let before = statuses(&env.h);
    let out = env.set("dismissed", &ids, &["--max-wait", "30"]);
    let (updated, errors) = report(&out);
    let sends = sends_per_id(&env.log_of(PATCH));
    let now = statuses(&env.h);
    for id in &ids {
        let n = sends.get(id).copied().unwrap_or(0);
        assert!((1..=5).contains(&n), "{id} sent {n} times");
        if updated.contains(id) {
            assert_eq!(now[id], "dismissed", "{id} reported applied");
        } else {
            // Left out of five answers in a row: reported, not applied, never sent again.
            assert_eq!(n, 5, "{id} given up after {n} sends");
            assert_eq!(errors.get(id).map(String::as_str), Some("not_acknowledged"));
            assert_eq!(now[id], before[id], "{id} unchanged on the server");
        }
        if n < 5 {
            assert!(
                updated.contains(id),
                "{id} stopped being sent, so it was applied"
            );
        }
    }
    assert_eq!(updated.len() + errors.len(), 40);
    let want = if errors.is_empty() { 0 } else { 1 };
    assert_eq!(
        out.status.code(),
        Some(want),
        "stderr: {}",
        text(&out.stderr)
    );
    // This seed leaves one item out five times in a row.
    assert_eq!(errors.len(), 1, "{errors:?}");
}

// 2. Ids echoed in upper case.

#[test]
fn upper_case_answers_confirm_everything_in_one_patch() {
    let env = Env::new(ServerConfig {
        upper_case_ids: true,
        ..small(40)
    });
    let ids = ids_not(&env.h, 25, "contacted");
    let out = env.set("contacted", &ids, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(updated, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert_all(&env.h, &ids, "contacted");
    assert_eq!(env.log_of(PATCH).len(), 1, "nothing re-sent");
}

// 3. A body cap between 100 and 200 items.

/// The size of a PATCH body of `n` items like the client's.
fn body_bytes(n: usize) -> usize {
    let items: Vec<Value> = (0..n)
        .map(|_| json!({"entityId": Uuid::new_v4().to_string(), "status": "dismissed"}))
        .collect();
    serde_json::to_vec(&json!({ "items": items }))
        .expect("serialises")
        .len()
}

fn body_cap() -> usize {
    let (hundred, two_hundred) = (body_bytes(100), body_bytes(200));
    // Halfway: a 100-item body passes and a 200-item one is refused, whatever the spacing.
    let cap = (hundred + two_hundred) / 2;
    assert!(hundred < cap && cap < two_hundred);
    cap
}

#[test]
fn payload_too_large_halves_the_batch_for_the_rest_of_the_run() {
    let env = Env::new(ServerConfig {
        max_body_bytes: Some(body_cap()),
        ..small(400)
    });
    let ids = ids_not(&env.h, 300, "dismissed");
    // One request at a time, so the order of the log is the order of sending.
    let out = env.set("dismissed", &ids, &["--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(updated.len(), 300);
    assert_all(&env.h, &ids, "dismissed");

    // 200 → 413; its halves 100 + 100; then the last 100: exactly 4 PATCHes.
    let patches = env.log_of(PATCH);
    let shape: Vec<(usize, Option<u64>)> = patches
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
}

#[test]
fn payload_too_large_with_concurrent_batches() {
    let env = Env::new(ServerConfig {
        max_body_bytes: Some(body_cap()),
        ..small(400)
    });
    let ids = ids_not(&env.h, 300, "dismissed");
    let out = env.set("dismissed", &ids, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(report(&out).0.len(), 300);
    assert_all(&env.h, &ids, "dismissed");
    // [200 → 413, 100] in flight together, then the halves of the 200: 4 PATCHes; the only
    // one over 100 items is the refused one, and the first to be answered with 200 items.
    let patches = env.log_of(PATCH);
    assert_eq!(patches.len(), 4, "{patches:?}");
    let big: Vec<&Value> = patches.iter().filter(|p| items_len(p) > 100).collect();
    assert_eq!(big.len(), 1);
    assert_eq!(status_of(big[0]), Some(413));
    assert_eq!(items_len(big[0]), 200);
    let first_413 = patches
        .iter()
        .position(|p| status_of(p) == Some(413))
        .expect("a 413");
    assert!(first_413 <= 1, "the 413 is among the first two requests");
    assert!(patches[first_413 + 1..].iter().all(|p| items_len(p) <= 100));
}

// 4. A whole batch refused for one unknown id.

#[test]
fn strict_batch_bisects_down_to_the_unknown_id() {
    let env = Env::new(small(80));
    let mut ids = ids_not(&env.h, 50, "contacted");
    let unknown = Uuid::new_v4().to_string();
    ids.push(unknown.clone());
    env.faults(json!({"strict_batch": true}));
    let out = env.set("contacted", &ids, &[]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert_eq!(
        errors,
        BTreeMap::from([(unknown.clone(), "invalid_request".to_owned())])
    );
    assert_eq!(updated, ids[..50].iter().cloned().collect::<BTreeSet<_>>());
    assert_all(&env.h, &ids[..50], "contacted");
    assert!(env.outbox().is_empty(), "the refusal is reported, not kept");
    // The unknown id is last: 51 ✗ → 25 ✓ 26 ✗ → 13 ✓ 13 ✗ → 6 ✓ 7 ✗ → 3 ✓ 4 ✗ → 2 ✓ 2 ✗
    // → 1 ✓ 1 ✗: 1 + 2·6 = 13 PATCHes (2·⌈log2 51⌉ + 1).
    let patches = env.log_of(PATCH);
    let refused: Vec<usize> = patches
        .iter()
        .filter(|p| status_of(p) == Some(400))
        .map(items_len)
        .collect();
    let mut refused_sorted = refused.clone();
    refused_sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(refused_sorted, [51, 26, 13, 7, 4, 2, 1]);
    assert_eq!(patches.len(), 13, "{:?}", shape(&patches));
    let applied: usize = patches
        .iter()
        .filter(|p| status_of(p) == Some(200))
        .map(items_len)
        .sum();
    assert_eq!(applied, 50, "every known id applied exactly once");
}

fn shape(patches: &[Value]) -> Vec<(usize, Option<u64>)> {
    patches
        .iter()
        .map(|p| (items_len(p), status_of(p)))
        .collect()
}

// 5. Retry-After as a floor: seconds, an HTTP date, and on the listing.

#[test]
fn retry_after_seconds_on_a_patch_is_waited() {
    let env = Env::new(small(30));
    let ids = ids_not(&env.h, 5, "dismissed");
    env.faults(json!({"script": [{"match": PATCH, "status": 503, "retry_after": "2"}]}));
    let out = env.set("dismissed", &ids, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_all(&env.h, &ids, "dismissed");
    let patches = env.log_of(PATCH);
    assert_eq!(shape(&patches), [(5, Some(503)), (5, Some(200))]);
    assert_eq!(patches[0]["retry_after"], "2");
    let gap = ts(&patches[1]) - ts(&patches[0]);
    assert!(gap >= 2000, "second PATCH {gap} ms after the first");
}

#[test]
fn retry_after_http_date_on_a_patch_is_waited() {
    let env = Env::new(small(30));
    let ids = ids_not(&env.h, 5, "dismissed");
    // A whole second 3 to 4 s from now (HTTP dates have no fraction).
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    let at_s = now.as_secs() + 4;
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(at_s));
    env.faults(json!({"script": [{"match": PATCH, "status": 503, "retry_after": date}]}));
    let out = env.set("dismissed", &ids, &[]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_all(&env.h, &ids, "dismissed");
    let patches = env.log_of(PATCH);
    assert_eq!(shape(&patches), [(5, Some(503)), (5, Some(200))]);
    assert_eq!(patches[0]["retry_after"], date.as_str());
    let second = ts(&patches[1]);
    assert!(
        second >= at_s * 1000,
        "second PATCH at {second}, before the date {}",
        at_s * 1000
    );
    let asked = at_s * 1000 - ts(&patches[0]);
    assert!(
        asked >= 1000,
        "the date was well ahead of the first PATCH ({asked} ms)"
    );
}

#[test]
fn retry_after_on_the_listing_is_waited_and_the_list_complete() {
    let env = Env::new(small(120));
    let truth = plain_ids(&env);
    let start = env.log().len();
    env.faults(json!({"script": [{"match": GET_LEADS, "status": 503, "retry_after": "1"}]}));
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_complete(&env.h, &listed(&out), &truth);
    let gets: Vec<Value> = env.log()[start..]
        .iter()
        .filter(|e| key_of(e) == GET_LEADS)
        .cloned()
        .collect();
    assert_eq!(status_of(&gets[0]), Some(503));
    assert_eq!(status_of(&gets[1]), Some(200));
    assert_eq!(
        gets[0]["query"], gets[1]["query"],
        "the same page asked again"
    );
    let gap = ts(&gets[1]) - ts(&gets[0]);
    assert!(gap >= 1000, "second GET {gap} ms after the first");
}

// 6. A wait longer than --max-wait: stop at once, keep, then `sync`.

#[test]
fn an_hour_long_retry_after_stops_at_once_and_sync_sends_later() {
    let env = Env::new(small(30));
    let ids = ids_not(&env.h, 4, "contacted");
    env.faults(json!({"script": [{"match": PATCH, "status": 429, "retry_after": "3600"}]}));
    let started = Instant::now();
    let out = env.set("contacted", &ids, &[]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
    assert!(took < Duration::from_secs(20), "stopped quickly: {took:?}");
    let err = text(&out.stderr);
    assert!(err.contains("3600"), "names the wait: {err}");
    assert!(err.contains("kept"), "says the changes are kept: {err}");
    assert!(err.contains("4 changes kept"), "{err}");
    let (updated, errors) = report(&out);
    assert!(updated.is_empty());
    assert_eq!(errors.len(), 4);
    assert!(errors.values().all(|e| e == "not_sent"), "{errors:?}");
    assert_eq!(env.log_of(PATCH).len(), 1);
    let kept: BTreeSet<String> = env.outbox().iter().map(|r| r.id.to_string()).collect();
    assert_eq!(kept, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert!(env.outbox().iter().all(|r| r.status == Status::Contacted));

    // The script step was used up: the server answers normally now.
    assert_eq!(hook_get(&env.h, "/__faults")["script"], 0);
    let out = env.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(updated, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert_all(&env.h, &ids, "contacted");
    assert!(env.outbox().is_empty(), "outbox empty after sync");
}

#[test]
fn an_hour_long_retry_after_stops_the_listing_at_once() {
    let env = Env::new(small(30));
    env.faults(json!({"script": [{"match": GET_LEADS, "status": 429, "retry_after": "3600"}]}));
    let started = Instant::now();
    let out = env.run(&["leads", "list", "--format", "tsv"]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no sleep first"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing printed: {:?}",
        text(&out.stdout)
    );
    let err = text(&out.stderr);
    assert!(err.contains("3600"), "names the wait: {err}");
    assert_eq!(env.log_of(GET_LEADS).len(), 1, "not asked again");
}

// 7. Smaller page and id caps.

#[test]
fn page_cap_is_learned_once_and_kept() {
    let env = Env::new(small(120));
    let truth = plain_ids(&env);
    let start = env.log().len();
    env.faults(json!({"page_cap": 50}));
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_complete(&env.h, &listed(&out), &truth);

    let log: Vec<Value> = env.log()[start..].to_vec();
    let limits: Vec<(String, Option<u64>, Option<u64>)> = log
        .iter()
        .map(|e| (key_of(e), limit_of(e), status_of(e)))
        .collect();
    assert_eq!(
        limits[0],
        (GET_LEADS.to_owned(), Some(100), Some(400)),
        "{limits:?}"
    );
    assert_eq!(limits[1], (GET_LEADS.to_owned(), Some(50), Some(200)));
    assert!(
        limits[1..]
            .iter()
            .all(|(_, l, s)| *l == Some(50) && *s == Some(200)),
        "after the refusal every request asks for 50: {limits:?}"
    );
    let pages = limits[1..]
        .iter()
        .filter(|(k, _, _)| k == GET_LEADS)
        .count();
    assert_eq!(pages, 3, "120 leads in pages of 50");
}

#[test]
fn ids_cap_still_learns_every_status() {
    let env = Env::new(small(150));
    let truth = plain_ids(&env);
    let start = env.log().len();
    env.faults(json!({"ids_cap": 50}));
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let got = listed(&out);
    assert!(
        got.iter().all(|(_, s)| s != "unknown"),
        "no lead left unknown; stderr: {}",
        text(&out.stderr)
    );
    assert_complete(&env.h, &got, &truth);
    // One refused id list, then none over 50.
    let signals: Vec<Value> = env.log()[start..]
        .iter()
        .filter(|e| key_of(e) == "GET /api/signals")
        .cloned()
        .collect();
    let ids_in = |e: &Value| {
        e["query"]
            .as_str()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("ids=")))
            .map_or(0, |v| v.split("%2C").count())
    };
    let refused: Vec<&Value> = signals
        .iter()
        .filter(|e| status_of(e) == Some(400))
        .collect();
    assert_eq!(refused.len(), 1, "refused once");
    assert!(ids_in(refused[0]) > 50);
    assert!(
        signals
            .iter()
            .filter(|e| status_of(e) == Some(200))
            .all(|e| ids_in(e) <= 50)
    );
}

// 8. A lead repeated at the top of every later page.

#[test]
fn repeated_lead_is_listed_once() {
    let env = Env::new(small(130));
    let truth = plain_ids(&env);
    env.faults(json!({"repeat_lead": true}));
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let got = listed(&out);
    assert_eq!(got.len(), truth.len(), "count equals the server's");
    assert_complete(&env.h, &got, &truth);
    let err = text(&out.stderr);
    assert!(err.contains("again on a later page"), "{err}");
}

// 9. A cut page and a stalled page.

#[test]
fn a_cut_second_page_is_fetched_again() {
    let env = Env::new(small(150));
    let truth = plain_ids(&env);
    let start = env.log().len();
    env.faults(json!({"script": [
        {"match": GET_LEADS, "stall_ms": 0},
        {"match": GET_LEADS, "cut": true},
    ]}));
    let out = env.run(&["leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_complete(&env.h, &listed(&out), &truth);
    let gets: Vec<Value> = env.log()[start..]
        .iter()
        .filter(|e| key_of(e) == GET_LEADS)
        .cloned()
        .collect();
    assert_eq!(gets[1]["script"], "cut");
    assert_eq!(gets[1]["status"], Value::Null);
    assert_eq!(
        gets[2]["query"], gets[1]["query"],
        "the cut page asked again"
    );
    assert_eq!(status_of(&gets[2]), Some(200));
}

#[test]
fn a_stalled_page_times_out_and_is_fetched_again() {
    let env = Env::new(small(150));
    let truth = plain_ids(&env);
    let start = env.log().len();
    env.faults(json!({"script": [
        {"match": GET_LEADS, "stall_ms": 0},
        {"match": GET_LEADS, "stall_ms": 60000},
    ]}));
    let started = Instant::now();
    let out = env.run(&["--timeout-ms", "500", "leads", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_complete(&env.h, &listed(&out), &truth);
    let gets: Vec<Value> = env.log()[start..]
        .iter()
        .filter(|e| key_of(e) == GET_LEADS)
        .cloned()
        .collect();
    assert_eq!(gets[1]["script"], "stall");
    assert_eq!(
        gets[2]["query"], gets[1]["query"],
        "the stalled page asked again"
    );
    let gap = ts(&gets[2]) - ts(&gets[1]);
    assert!(
        gap >= 500,
        "asked again after the 500 ms timeout ({gap} ms)"
    );
}

// 10. A server that never recovers.

#[test]
fn a_failing_server_prints_nothing_in_every_format() {
    let env = Env::new(small(30));
    env.faults(json!({"fail_rate": 1.0}));
    for format in ["tsv", "csv", "json"] {
        let started = Instant::now();
        let out = env.run(&["leads", "list", "--format", format, "--max-wait", "1"]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{format}: {}",
            text(&out.stderr)
        );
        assert!(started.elapsed() < Duration::from_secs(15));
        assert!(
            out.stdout.is_empty(),
            "{format}: stdout empty, got {:?}",
            text(&out.stdout)
        );
        let err = text(&out.stderr);
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{format}: one line on stderr: {err:?}");
        assert!(lines[0].starts_with("lead-triage: "), "{err}");
        assert!(lines[0].contains("nothing was printed"), "{err}");
    }
    assert!(env.log_of(GET_LEADS).len() >= 6, "retried before giving up");
}

// 11. Ctrl-C while waiting on a Retry-After.

#[test]
fn ctrl_c_while_waiting_keeps_the_changes() {
    let env = Env::new(small(30));
    let ids = ids_not(&env.h, 3, "dismissed");
    env.faults(json!({"script": [{"match": PATCH, "status": 503, "retry_after": "30"}]}));
    let mut cmd = env.cmd(&["leads", "set", "dismissed"]);
    cmd.args(&ids)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("binary runs");
    let pid = child.id();
    poll("the first PATCH answered", Duration::from_secs(20), || {
        env.log_of(PATCH)
            .first()
            .and_then(status_of)
            .filter(|s| *s == 503)
    });
    let killed = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let started = Instant::now();
    let out = child.wait_with_output().expect("binary exits");
    assert!(started.elapsed() < Duration::from_secs(10), "exits at once");
    assert_eq!(
        out.status.code(),
        Some(130),
        "stderr: {}",
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert!(err.contains("3 changes kept"), "{err}");
    let (updated, errors) = report(&out);
    assert!(updated.is_empty());
    assert!(errors.values().all(|e| e == "not_sent"), "{errors:?}");
    let kept: BTreeSet<String> = env.outbox().iter().map(|r| r.id.to_string()).collect();
    assert_eq!(kept, ids.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(env.log_of(PATCH).len(), 1, "nothing sent after the 503");

    // What was kept is sent by `sync`.
    let out = env.run(&["sync"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(report(&out).0, kept);
    assert_all(&env.h, &ids, "dismissed");
    assert!(env.outbox().is_empty());
}

// 12. `sync` against a whole-batch-refusing server.

#[test]
fn sync_with_strict_batch_keeps_only_the_refused_row() {
    let env = Env::new(small(30));
    let path = namespace_file(
        env.dir.path(),
        &env.h.base_url(),
        &ApiKey::new(env.h.api_key()).expect("key"),
    );
    let known: Vec<String> = ids_not(&env.h, 5, "contacted");
    let unknown = Uuid::new_v4();
    let all: Vec<Uuid> = known
        .iter()
        .map(|s| Uuid::parse_str(s).expect("uuid"))
        .chain([unknown])
        .collect();
    let rows: Vec<OutboxOp> = all
        .iter()
        .enumerate()
        .map(|(n, id)| {
            OutboxOp::Put(OutboxRow {
                id: *id,
                group: GroupBy::Person,
                status: Status::Contacted,
                confirmed: Status::New,
                error: None,
                seq: n as u64,
            })
        })
        .collect();
    Store::open(&path)
        .expect("store")
        .write_outbox(&rows)
        .expect("outbox written");
    env.faults(json!({"strict_batch": true}));

    let out = env.run(&["sync"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    let (updated, errors) = report(&out);
    assert_eq!(updated, known.iter().cloned().collect::<BTreeSet<_>>());
    assert_eq!(
        errors,
        BTreeMap::from([(unknown.to_string(), "invalid_request".to_owned())])
    );
    assert_all(&env.h, &known, "contacted");
    assert_eq!(env.store_file(), path);
    let left = env.outbox();
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].id, unknown);
    assert_eq!(left[0].error.as_deref(), Some("invalid_request"));
    // 6 ✗ → 3 ✓ 3 ✗ → 1 ✓ 2 ✗ → 1 ✓ 1 ✗: 7 PATCHes.
    let refused: HashMap<usize, usize> = env
        .log_of(PATCH)
        .iter()
        .filter(|p| status_of(p) == Some(400))
        .fold(HashMap::new(), |mut m, p| {
            *m.entry(items_len(p)).or_default() += 1;
            m
        });
    assert_eq!(refused, HashMap::from([(6, 1), (3, 1), (2, 1), (1, 1)]));
    assert_eq!(env.log_of(PATCH).len(), 7);
}
