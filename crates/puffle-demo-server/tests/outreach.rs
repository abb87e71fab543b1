#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on a broken set-up
//! `POST /api/signals/generate` and `PATCH /api/signals` of the built-in server, over real
//! HTTP on 127.0.0.1: drafts and what the rows show afterwards, drafts in flight, validation,
//! per-item errors, persistence, and the fault switches on these routes.

use std::time::{Duration, Instant};

use puffle_demo_server::{ServerConfig, ServerHandle, start};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

struct Api {
    handle: ServerHandle,
    client: Client,
}

impl Api {
    async fn start(cfg: ServerConfig) -> Api {
        Api {
            handle: start(cfg).await.expect("server starts"),
            client: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .request(method, self.url(path))
            .bearer_auth(self.handle.api_key())
            .json(&body)
            .send()
            .await
            .expect("request succeeds");
        let status = resp.status();
        (status, resp.json().await.expect("JSON body"))
    }

    async fn generate(&self, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, "/api/signals/generate", body)
            .await
    }

    async fn patch(&self, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, "/api/signals", body)
            .await
    }

    /// The first `n` signal rows of `GET /api/signals`.
    async fn signals(&self, n: usize) -> Vec<Value> {
        let body = self.get_signals(&[("limit", &n.to_string())]).await;
        body["signals"].as_array().expect("signals").clone()
    }

    async fn get_signals(&self, query: &[(&str, &str)]) -> Value {
        let resp = self
            .client
            .get(self.url("/api/signals"))
            .bearer_auth(self.handle.api_key())
            .query(query)
            .send()
            .await
            .expect("request succeeds");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("JSON")
    }

    /// The rows of these signals, by id.
    async fn rows(&self, ids: &[&str]) -> std::collections::HashMap<String, Value> {
        let body = self.get_signals(&[("ids", &ids.join(","))]).await;
        body["signals"]
            .as_array()
            .expect("signals")
            .iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r.clone()))
            .collect()
    }

    async fn hook(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("hook")
            .json()
            .await
            .expect("JSON")
    }

    async fn hook_post(&self, path: &str, body: Value) -> Value {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("hook")
            .json()
            .await
            .expect("JSON")
    }
}

fn fast() -> ServerConfig {
    ServerConfig {
        leads: 60,
        generate_ms: 20,
        ..ServerConfig::default()
    }
}

fn id(row: &Value) -> &str {
    row["id"].as_str().unwrap()
}

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

fn assert_invalid(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test]
async fn generate_drafts_and_the_rows_carry_them() {
    let api = Api::start(fast()).await;
    let rows = api.signals(3).await;
    let (a, b) = (id(&rows[0]), id(&rows[1]));
    // `signalId` (the prose's name) works as well as `id`.
    let (status, body) = api
        .generate(json!({"items": [
            {"id": a, "dm": true, "comment": true},
            {"signalId": b, "dm": true},
            {"id": UNKNOWN, "comment": true},
        ]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);

    let first = &results[0];
    assert_eq!(first["id"], a);
    assert!(first.get("error").is_none(), "{first}");
    let dm = first["dm"]["text"].as_str().unwrap();
    assert!(dm.starts_with("Hi "), "{dm}");
    if let Some(company) = rows[0]["entityCompany"].as_str() {
        assert!(dm.contains(company), "the DM names the company: {dm}");
    }
    assert_eq!(first["comment"]["sourceUrl"], rows[0]["url"]);
    assert!(!first["comment"]["text"].as_str().unwrap().is_empty());
    match first["dm"]["profileUrl"].as_str() {
        Some(url) => {
            assert!(url.starts_with("https://www.linkedin.com/in/"), "{url}");
            let messaging = first["dm"]["messagingUrl"].as_str().unwrap();
            assert!(messaging.starts_with("https://www.linkedin.com/messaging/"));
        }
        None => assert!(first["dm"]["messagingUrl"].is_null()),
    }

    assert_eq!(results[1]["id"], b);
    assert!(results[1]["dm"]["text"].is_string());
    assert!(
        results[1].get("comment").is_none(),
        "only the DM was asked for"
    );
    assert_eq!(
        results[2],
        json!({"id": UNKNOWN, "error": "not_found"}),
        "an unknown signal fails alone"
    );

    let shown = api.rows(&[a, b]).await;
    assert_eq!(shown[a]["dmText"], first["dm"]["text"]);
    assert_eq!(shown[a]["commentText"], first["comment"]["text"]);
    assert_eq!(shown[b]["dmText"], results[1]["dm"]["text"]);
    assert!(shown[b].get("commentText").is_none());
    let untouched = api.rows(&[id(&rows[2])]).await;
    assert!(untouched[id(&rows[2])].get("dmText").is_none());

    let stats = api.hook("/__stats").await;
    assert_eq!(stats["generate_calls"], 1);
    assert_eq!(stats["generate_items"], 3);
    assert_eq!(stats["generated_dm"], 2);
    assert_eq!(stats["generated_comment"], 1);
    assert_eq!(stats["in_flight_refusals"], 0);
    assert_eq!(stats["requests"]["POST /api/signals/generate"], 1);
    let log = api.hook("/__log").await;
    let entry = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/api/signals/generate")
        .expect("logged");
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["items"].as_array().unwrap().len(), 3);

    // The hook shows the same drafts, unauthenticated.
    let hook = api.hook(&format!("/__signals?ids={a},{UNKNOWN}")).await;
    assert_eq!(hook[a]["dmText"], first["dm"]["text"]);
    assert!(hook.get(UNKNOWN).is_none());

    // Deterministic: another server with the same seed drafts the same words.
    let twin = Api::start(fast()).await;
    let (_, again) = twin
        .generate(json!({"items": [{"id": a, "dm": true, "comment": true}]}))
        .await;
    assert_eq!(again["results"][0]["dm"], first["dm"]);
    assert_eq!(again["results"][0]["comment"], first["comment"]);

    // `POST /__reset` forgets the drafts.
    api.hook_post("/__reset", json!({})).await;
    assert!(api.rows(&[a]).await[a].get("dmText").is_none());
}

#[tokio::test]
async fn a_draft_in_flight_is_refused_at_once_and_a_retry_after_it_succeeds() {
    const GENERATE_MS: u64 = 1500;
    let api = Api::start(ServerConfig {
        generate_ms: GENERATE_MS,
        ..fast()
    })
    .await;
    let rows = api.signals(1).await;
    let s = id(&rows[0]);
    let ask = json!({"items": [{"id": s, "dm": true}]});
    let timed = async |body: Value| {
        let started = Instant::now();
        let (status, answer) = api.generate(body).await;
        (status, answer, started.elapsed())
    };
    // Two calls at once for the same (signal, DM): the drafting takes GENERATE_MS, so the
    // second arrives while the first is at work.
    let (one, two) = tokio::join!(timed(ask.clone()), timed(ask.clone()));
    assert_eq!(one.0, StatusCode::OK);
    assert_eq!(two.0, StatusCode::OK);
    let (done, refused) = if one.1["results"][0].get("error").is_some() {
        (two, one)
    } else {
        (one, two)
    };
    assert_eq!(refused.1["results"][0]["error"], "already_in_flight");
    assert!(refused.1["results"][0].get("dm").is_none());
    assert!(
        refused.2 < Duration::from_millis(GENERATE_MS / 2),
        "refused at once, not after drafting: {:?}",
        refused.2
    );
    assert!(done.1["results"][0]["dm"]["text"].is_string());
    assert!(done.2 >= Duration::from_millis(GENERATE_MS));

    // Once the first is done, asking again drafts (the next variant); one draft is kept.
    let (_, retry, _) = timed(ask.clone()).await;
    let text = retry["results"][0]["dm"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(retry["results"][0].get("error").is_none(), "{retry}");
    assert_eq!(api.rows(&[s]).await[s]["dmText"], text.as_str());
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["generated_dm"], 2);
    assert_eq!(stats["in_flight_refusals"], 1);

    // Another kind of the same signal is not in flight: a DM and a comment at once both draft.
    let (dm, comment) = tokio::join!(
        api.generate(ask.clone()),
        api.generate(json!({"items": [{"id": s, "comment": true}]}))
    );
    assert!(dm.1["results"][0]["dm"].is_object(), "{}", dm.1);
    assert!(
        comment.1["results"][0]["comment"].is_object(),
        "{}",
        comment.1
    );

    // The same (signal, kind) twice in one call: the second item is in flight.
    let (_, twice) = api
        .generate(json!({"items": [{"id": s, "dm": true}, {"id": s, "dm": true}]}))
        .await;
    assert!(twice["results"][0]["dm"].is_object());
    assert_eq!(twice["results"][1]["error"], "already_in_flight");
}

#[tokio::test]
async fn generate_validates_the_whole_body() {
    let api = Api::start(fast()).await;
    let rows = api.signals(1).await;
    let s = id(&rows[0]);
    let many: Vec<Value> = (0..21).map(|_| json!({"id": s, "dm": true})).collect();
    for bad in [
        json!({"items": []}),
        json!({"items": many}),
        json!({"items": [{"id": s}]}),
        json!({"items": [{"id": s, "dm": false, "comment": false}]}),
        json!({"items": [{"id": s, "dm": "yes"}]}),
        json!({"items": [{"dm": true}]}),
        json!({"ids": [s]}),
        json!({"items": {"id": s}}),
    ] {
        let (status, body) = api.generate(bad.clone()).await;
        assert_invalid(status, &body);
    }
    let resp = api
        .client
        .post(api.url("/api/signals/generate"))
        .bearer_auth(api.handle.api_key())
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // 20 items are fine.
    let twenty: Vec<Value> = (0..20)
        .map(|_| json!({"id": UNKNOWN, "dm": true}))
        .collect();
    let (status, body) = api.generate(json!({"items": twenty})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["results"].as_array().unwrap().len(), 20);
    // Without the key: 401, nothing drafted.
    let resp = api
        .client
        .post(api.url("/api/signals/generate"))
        .json(&json!({"items": [{"id": s, "dm": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // A wrong method on the route.
    let resp = api
        .client
        .get(api.url("/api/signals/generate"))
        .bearer_auth(api.handle.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["generate_calls"], 1, "only the valid call counts");
    assert_eq!(stats["generated_dm"], 0);
    assert!(api.rows(&[s]).await[s].get("dmText").is_none());
}

#[tokio::test]
async fn signal_patch_reports_per_item_and_keeps_what_it_applied() {
    let api = Api::start(fast()).await;
    let rows = api.signals(5).await;
    let ids: Vec<&str> = rows.iter().map(id).collect();
    let body = json!({"items": [
        {"id": ids[0], "dmText": "Hi there, edited", "vote": "up"},
        {"id": ids[1], "vote": "sideways"},
        {"id": ids[2]},
        {"id": UNKNOWN, "commentText": "x"},
        {"id": ids[3], "status": "dismissed", "comment": "wrong person", "commentText": "Nice!"},
        {"id": ids[4], "status": "contacted"},
        {"id": ids[4], "dmText": 7},
    ]});
    let expected = json!({
        "updated": [ids[0], ids[3]],
        "errors": [
            {"id": ids[1], "error": "invalid_vote"},
            {"id": ids[2], "error": "invalid_request"},
            {"id": UNKNOWN, "error": "not_found"},
            {"id": ids[4], "error": "invalid_status"},
            {"id": ids[4], "error": "invalid_request"},
        ],
    });
    let (status, answer) = api.patch(body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer, expected);
    let shown = api.rows(&ids).await;
    assert_eq!(shown[ids[0]]["dmText"], "Hi there, edited");
    assert_eq!(shown[ids[0]]["vote"], "up");
    for refused in [ids[1], ids[2], ids[4]] {
        let row = &shown[refused];
        for key in ["vote", "dmText", "status", "commentText"] {
            assert!(row.get(key).is_none(), "{refused} not applied: {row}");
        }
    }
    assert_eq!(shown[ids[3]]["status"], "dismissed");
    assert_eq!(shown[ids[3]]["comment"], "wrong person");
    assert_eq!(shown[ids[3]]["commentText"], "Nice!");

    // Idempotent: the same body again, the same answer and state.
    let (_, again) = api.patch(body).await;
    assert_eq!(again, expected);
    assert_eq!(api.rows(&ids).await, shown);

    // `vote: null` clears the vote and leaves the draft.
    let (_, cleared) = api
        .patch(json!({"items": [{"id": ids[0], "vote": null}]}))
        .await;
    assert_eq!(cleared["updated"], json!([ids[0]]));
    let row = &api.rows(&[ids[0]]).await[ids[0]];
    assert!(row["vote"].is_null() && row.get("vote").is_some(), "{row}");
    assert_eq!(row["dmText"], "Hi there, edited");

    // A generate after an edit replaces the draft.
    let (_, drafted) = api
        .generate(json!({"items": [{"id": ids[0], "dm": true}]}))
        .await;
    assert_eq!(
        api.rows(&[ids[0]]).await[ids[0]]["dmText"],
        drafted["results"][0]["dm"]["text"]
    );

    // Whole-body errors.
    let many: Vec<Value> = (0..201)
        .map(|_| json!({"id": ids[0], "vote": "up"}))
        .collect();
    for bad in [
        json!({"items": []}),
        json!({"items": many}),
        json!({"items": [{"vote": "up"}]}),
        json!({}),
    ] {
        let (status, body) = api.patch(bad).await;
        assert_invalid(status, &body);
    }
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["signal_patch_calls"], 3);
    assert_eq!(stats["signal_patch_items"], 15);
    assert_eq!(stats["patch_calls"], 0, "lead PATCHes are counted apart");
    assert_eq!(stats["requests"]["PATCH /api/signals"], 7);
}

#[tokio::test]
async fn the_fault_switches_apply_to_the_outreach_routes() {
    let api = Api::start(fast()).await;
    let rows = api.signals(2).await;
    let (a, b) = (id(&rows[0]), id(&rows[1]));

    // strict_batch: an unknown signal rejects the whole PATCH, nothing applied.
    api.hook_post("/__faults", json!({"strict_batch": true}))
        .await;
    let (status, body) = api
        .patch(json!({"items": [{"id": a, "dmText": "kept?"}, {"id": UNKNOWN, "vote": "up"}]}))
        .await;
    assert_invalid(status, &body);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("items[1]")
    );
    assert!(api.rows(&[a]).await[a].get("dmText").is_none());

    // upper_case_ids echoes ids in upper case.
    api.hook_post(
        "/__faults",
        json!({"strict_batch": false, "upper_case_ids": true}),
    )
    .await;
    let (_, body) = api
        .patch(json!({"items": [{"id": a, "vote": "down"}]}))
        .await;
    assert_eq!(body["updated"], json!([a.to_ascii_uppercase()]));

    // max_body_bytes: 413, nothing applied.
    api.hook_post(
        "/__faults",
        json!({"upper_case_ids": false, "max_body_bytes": 64}),
    )
    .await;
    let long = "x".repeat(200);
    let (status, body) = api
        .patch(json!({"items": [{"id": b, "dmText": long}]}))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(api.rows(&[b]).await[b].get("dmText").is_none());

    // omit_rate 1: every item left out of the answer and not applied.
    api.hook_post(
        "/__faults",
        json!({"max_body_bytes": null, "omit_rate": 1.0}),
    )
    .await;
    let (_, body) = api.patch(json!({"items": [{"id": b, "vote": "up"}]})).await;
    assert_eq!(body, json!({"updated": [], "errors": []}));
    assert!(api.rows(&[b]).await[b].get("vote").is_none());
    api.hook_post("/__faults", json!({"omit_rate": 0.0})).await;

    // A scripted 503 on generate: answered before drafting, nothing stored; the next works.
    api.hook_post(
        "/__faults",
        json!({"script": [{"match": "POST /api/signals/generate", "status": 503, "retry_after": "1"}]}),
    )
    .await;
    let resp = api
        .client
        .post(api.url("/api/signals/generate"))
        .bearer_auth(api.handle.api_key())
        .json(&json!({"items": [{"id": b, "dm": true}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(api.rows(&[b]).await[b].get("dmText").is_none());
    let (status, body) = api
        .generate(json!({"items": [{"id": b, "dm": true}]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["results"][0]["dm"].is_object());
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["generated_dm"], 1);
    assert_eq!(stats["responses"]["503"], 1);
    let log = api.hook("/__log").await;
    let scripted: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["script"] == "status")
        .collect();
    assert_eq!(scripted.len(), 1);
    assert_eq!(scripted[0]["path"], "/api/signals/generate");
}
