#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! End-to-end tests of the demo server over real HTTP on 127.0.0.1 (random ports).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use puffle_demo_server::{ServerConfig, ServerHandle, spawn_background, start};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// A started server plus a client pointed at it.
struct Api {
    handle: ServerHandle,
    client: Client,
}

impl Api {
    async fn start(cfg: ServerConfig) -> Api {
        let handle = start(cfg).await.expect("server starts");
        Api {
            handle,
            client: Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.handle.base_url())
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(self.handle.api_key())
            .query(query)
            .send()
            .await
            .expect("request succeeds")
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self.get(path, query).await;
        let status = resp.status();
        (status, resp.json().await.expect("JSON body"))
    }

    /// GET that must succeed with 200.
    async fn ok(&self, path: &str, query: &[(&str, &str)]) -> Value {
        let (status, body) = self.get_json(path, query).await;
        assert_eq!(status, StatusCode::OK, "{path} {query:?}: {body}");
        body
    }

    async fn patch(&self, body: Value) -> (StatusCode, Value) {
        self.patch_raw(body.to_string()).await
    }

    async fn patch_raw(&self, body: String) -> (StatusCode, Value) {
        let resp = self
            .client
            .patch(self.url("/api/signals/leads"))
            .bearer_auth(self.handle.api_key())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request succeeds");
        let status = resp.status();
        (status, resp.json().await.expect("JSON body"))
    }

    async fn hook(&self, path: &str) -> Value {
        let resp = self.client.get(self.url(path)).send().await.expect("hook");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("hook JSON")
    }

    async fn hook_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("hook");
        let status = resp.status();
        (status, resp.json().await.expect("hook JSON"))
    }

    /// Walks every page of the lead list; returns the pages.
    async fn lead_pages(&self, group: &str, sort: &str, limit: usize) -> Vec<Vec<Value>> {
        let limit = limit.to_string();
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("groupBy", group), ("sortBy", sort), ("limit", &limit)];
            if let Some(c) = &cursor {
                query.push(("cursor", c));
            }
            let body = self.ok("/api/signals/leads", &query).await;
            let rows = body["leads"].as_array().expect("leads array").clone();
            let pagination = &body["pagination"];
            assert_eq!(pagination["count"], rows.len());
            pages.push(rows);
            if pagination["hasMore"] == json!(true) {
                cursor = Some(pagination["cursor"].as_str().expect("cursor").to_owned());
                assert_eq!(
                    cursor.as_deref(),
                    pages
                        .last()
                        .and_then(|p| p.last())
                        .and_then(|r| r["id"].as_str()),
                    "cursor is the last row's id"
                );
            } else {
                assert_eq!(
                    pagination["cursor"],
                    Value::Null,
                    "last page has a null cursor"
                );
                return pages;
            }
            assert!(pages.len() < 10_000, "pagination does not terminate");
        }
    }

    async fn all_leads(&self, group: &str, sort: &str) -> Vec<Value> {
        self.lead_pages(group, sort, 100)
            .await
            .into_iter()
            .flatten()
            .collect()
    }

    /// Every signal, via unfiltered pagination of `/api/signals`.
    async fn all_signals(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("limit", "100")];
            if let Some(c) = &cursor {
                query.push(("cursor", c));
            }
            let body = self.ok("/api/signals", &query).await;
            out.extend(body["signals"].as_array().expect("signals").iter().cloned());
            match body["pagination"]["cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    async fn signals_by_ids(&self, ids: &[&str]) -> Vec<Value> {
        let joined = ids.join(",");
        let body = self
            .ok("/api/signals", &[("ids", &joined), ("limit", "100")])
            .await;
        body["signals"].as_array().expect("signals").clone()
    }
}

fn config(leads: usize) -> ServerConfig {
    ServerConfig {
        leads,
        ..ServerConfig::default()
    }
}

fn ids_of(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

fn str_ids(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string id"))
        .collect()
}

fn assert_envelope(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

#[tokio::test]
async fn requests_without_valid_key_get_401_envelope() {
    let api = Api::start(config(20)).await;
    let url = api.url("/api/signals/leads");

    let resp = api.client.get(&url).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_envelope(&resp.json().await.expect("json"), "unauthorized");

    for auth in [
        "Bearer pk_live_wrong",
        "pk_live_demo",
        "Basic cGtfbGl2ZV9kZW1v",
    ] {
        let resp = api
            .client
            .get(&url)
            .header("authorization", auth)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth}");
        assert_envelope(&resp.json().await.expect("json"), "unauthorized");
    }

    // An unauthenticated PATCH changes nothing.
    let before = api.hook("/__statuses").await;
    let id = before
        .as_object()
        .expect("map")
        .keys()
        .next()
        .expect("an id")
        .clone();
    let resp = api
        .client
        .patch(&url)
        .json(&json!({"items": [{"entityId": id, "status": "dismissed"}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(api.hook("/__statuses").await, before);

    let stats = api.hook("/__stats").await;
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 4);
    assert_eq!(stats["responses"]["401"], 5);
    assert_eq!(stats["patch_calls"], 0);
}

#[tokio::test]
async fn pagination_returns_every_lead_exactly_once() {
    let api = Api::start(config(1_050)).await;
    let pages = api.lead_pages("person", "recency", 100).await;
    assert_eq!(pages.len(), 11);
    assert!(pages[..10].iter().all(|p| p.len() == 100));
    assert_eq!(pages[10].len(), 50);
    let ids: Vec<String> = pages.iter().flat_map(|p| ids_of(p)).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 1_050);
    assert_eq!(unique.len(), 1_050, "no person appears twice");

    let stats = api.hook("/__stats").await;
    let companies = api.all_leads("company", "signalCount").await;
    let company_ids: HashSet<String> = ids_of(&companies).into_iter().collect();
    assert_eq!(companies.len(), 350);
    assert_eq!(
        company_ids.len(),
        companies.len(),
        "no company appears twice"
    );
    assert_eq!(stats["leads"]["company"], 350);
    assert_eq!(stats["leads"]["person"], 1_050);
    assert!(company_ids.is_disjoint(&unique.into_iter().cloned().collect()));

    // Default page size is 50, and `ids` narrows the list (still paginated).
    let body = api.ok("/api/signals/leads", &[]).await;
    assert_eq!(body["leads"].as_array().map(Vec::len), Some(50));
    let wanted = [ids[7].as_str(), ids[3].as_str(), ids[900].as_str()];
    let joined = format!("{},{},{},not-a-uuid", wanted[0], wanted[1], wanted[2]);
    let body = api
        .ok("/api/signals/leads", &[("ids", &joined), ("limit", "2")])
        .await;
    assert_eq!(
        ids_of(body["leads"].as_array().expect("rows")),
        [ids[3].clone(), ids[7].clone()]
    );
    assert_eq!(body["pagination"]["hasMore"], true);
    let cursor = body["pagination"]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let body = api
        .ok(
            "/api/signals/leads",
            &[("ids", &joined), ("limit", "2"), ("cursor", &cursor)],
        )
        .await;
    assert_eq!(
        ids_of(body["leads"].as_array().expect("rows")),
        [ids[900].clone()]
    );
    assert_eq!(body["pagination"]["hasMore"], false);
}

#[tokio::test]
async fn sort_orders_are_descending_and_stable() {
    let api = Api::start(config(300)).await;
    let created: HashMap<String, String> = api
        .all_signals()
        .await
        .into_iter()
        .map(|s| {
            let id = s["id"].as_str().expect("id").to_owned();
            (id, s["createdAt"].as_str().expect("createdAt").to_owned())
        })
        .collect();
    for group in ["person", "company"] {
        for sort in ["recency", "signalCount", "topScore"] {
            let rows = api.all_leads(group, sort).await;
            let keys: Vec<(String, String)> = rows
                .iter()
                .map(|r| {
                    let key = match sort {
                        // ISO-8601 UTC strings of equal shape order like the instants.
                        "recency" => str_ids(&r["signalIds"])
                            .into_iter()
                            .map(|id| created[id].clone())
                            .max()
                            .expect("a signal"),
                        "signalCount" => format!("{:05}", r["signalCount"].as_u64().expect("n")),
                        _ => r["topScore"].as_u64().expect("score").to_string(),
                    };
                    (key, r["id"].as_str().expect("id").to_owned())
                })
                .collect();
            for pair in keys.windows(2) {
                let ((ka, ia), (kb, ib)) = (&pair[0], &pair[1]);
                assert!(
                    ka > kb || (ka == kb && ia < ib),
                    "{group}/{sort}: {ka} {ia} before {kb} {ib}"
                );
            }
            let again = api.all_leads(group, sort).await;
            assert_eq!(ids_of(&rows), ids_of(&again), "{group}/{sort} is stable");
        }
    }
}

#[tokio::test]
async fn company_rows_aggregate_their_persons_signals() {
    let api = Api::start(config(120)).await;
    let signals = api.all_signals().await;
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["signals"], signals.len());
    let mut by_company: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut by_person: HashMap<&str, HashSet<&str>> = HashMap::new();
    for s in &signals {
        let id = s["id"].as_str().expect("id");
        if let Some(company) = s["entityId"].as_str() {
            by_company.entry(company).or_default().insert(id);
        }
        let person = s["personEntityId"].as_str().expect("person id");
        by_person.entry(person).or_default().insert(id);
        let score = s["score"].as_u64().expect("score");
        assert!(score == 2 || score == 3);
    }
    let persons = api.all_leads("person", "recency").await;
    for row in &persons {
        let ids: HashSet<&str> = str_ids(&row["signalIds"]).into_iter().collect();
        assert_eq!(ids, by_person[row["id"].as_str().expect("id")]);
        assert_eq!(row["signalCount"], ids.len());
        assert!(
            row.get("status").is_none(),
            "no status without status_on_rows"
        );
    }
    let companies = api.all_leads("company", "recency").await;
    assert_eq!(companies.len(), by_company.len());
    for row in &companies {
        let ids: HashSet<&str> = str_ids(&row["signalIds"]).into_iter().collect();
        assert_eq!(ids, by_company[row["id"].as_str().expect("id")]);
        assert_eq!(row["signalCount"], ids.len());
        let top = signals
            .iter()
            .filter(|s| ids.contains(s["id"].as_str().unwrap_or_default()))
            .filter_map(|s| s["score"].as_u64())
            .max();
        assert_eq!(row["topScore"].as_u64(), top);
        assert!(row["company"].is_object());
        assert!(row["person"].is_object());
    }
    // Signals come newest first.
    let created: Vec<&str> = signals
        .iter()
        .map(|s| s["createdAt"].as_str().expect("createdAt"))
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn invalid_query_parameters_get_400() {
    let api = Api::start(config(30)).await;
    for query in [
        vec![("limit", "101")],
        vec![("limit", "0")],
        vec![("limit", "ten")],
        vec![("limit", "-1")],
        vec![("groupBy", "team")],
        vec![("sortBy", "name")],
        vec![("cursor", "00000000-0000-4000-8000-000000000000")],
        vec![("cursor", "garbage")],
    ] {
        let (status, body) = api.get_json("/api/signals/leads", &query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query:?}");
        assert_envelope(&body, "invalid_request");
    }
    let (status, _) = api
        .get_json("/api/signals/leads", &[("limit", "100")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get_json("/api/signals", &[("limit", "101")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, "invalid_request");

    // At most 100 ids on /api/signals; unknown ids are just absent.
    let many: Vec<String> = (0..101)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let (status, body) = api
        .get_json("/api/signals", &[("ids", &many.join(","))])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, "invalid_request");
    let body = api
        .ok("/api/signals", &[("ids", &many[..100].join(","))])
        .await;
    assert_eq!(body["signals"], json!([]));
    assert_eq!(
        body["pagination"],
        json!({"cursor": null, "hasMore": false, "count": 0})
    );

    // Unknown /api routes get the envelope too.
    let (status, body) = api.get_json("/api/nope", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_envelope(&body, "not_found");
}

#[tokio::test]
async fn invalid_patch_batches_are_rejected_whole() {
    let api = Api::start(config(300)).await;
    let before = api.hook("/__statuses").await;
    let ids: Vec<String> = before.as_object().expect("map").keys().cloned().collect();
    let item = |i: usize| json!({"entityId": ids[i], "status": "dismissed"});
    let too_many: Vec<Value> = (0..201).map(item).collect();
    let bodies = [
        json!({"items": []}).to_string(),
        json!({ "items": too_many }).to_string(),
        json!({"items": [item(0), {"entityId": ids[1], "status": "responded"}]}).to_string(),
        json!({"items": [item(0), {"entityId": ids[1]}]}).to_string(),
        json!({"items": [item(0), {"status": "new"}]}).to_string(),
        json!({"items": item(0)}).to_string(),
        json!({"things": [item(0)]}).to_string(),
        "{\"items\": [".to_owned(),
        "not json at all".to_owned(),
    ];
    for body in bodies {
        let (status, resp) = api.patch_raw(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:.80}");
        assert_envelope(&resp, "invalid_request");
    }
    let (_, resp) = api.patch(json!({"items": []})).await;
    assert_eq!(
        resp["error"]["message"],
        "items must contain between 1 and 200 entries"
    );
    assert_eq!(api.hook("/__statuses").await, before, "nothing applied");
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["patch_calls"], 0);
    assert_eq!(stats["requests"]["PATCH /api/signals/leads"], 10);

    // Exactly 200 items is fine.
    let (status, resp) = api
        .patch(json!({ "items": (0..200).map(item).collect::<Vec<_>>() }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"].as_array().map(Vec::len), Some(200));
}

#[tokio::test]
async fn patch_updates_statuses_visible_everywhere() {
    let api = Api::start(ServerConfig {
        status_on_rows: true,
        ..config(200)
    })
    .await;
    let person = api.ok("/api/signals/leads", &[("limit", "1")]).await["leads"][0].clone();
    let company = api
        .ok(
            "/api/signals/leads",
            &[("limit", "1"), ("groupBy", "company")],
        )
        .await["leads"][0]
        .clone();
    assert!(person["status"].is_string() && company["status"].is_string());
    let person_id = person["id"].as_str().expect("id");
    let company_id = company["id"].as_str().expect("id");
    let unknown = "37391cb8-e542-4e51-a464-405473de8fa8";

    let (status, resp) = api
        .patch(json!({"items": [
            {"entityId": person_id, "status": "new"},
            {"entityId": unknown, "status": "contacted"},
            {"entityId": person_id, "status": "contacted"},
            {"entityId": company_id, "status": "dismissed"},
            {"entityId": "not-a-uuid", "status": "new"},
        ]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"], json!([person_id, person_id, company_id]));
    assert_eq!(
        resp["errors"],
        json!([{"id": unknown, "error": "not_found"}, {"id": "not-a-uuid", "error": "not_found"}])
    );

    // Lead rows (status_on_rows) ...
    let row = api.ok("/api/signals/leads", &[("ids", person_id)]).await["leads"][0].clone();
    assert_eq!(row["status"], "contacted");
    let row = api
        .ok(
            "/api/signals/leads",
            &[("ids", company_id), ("groupBy", "company")],
        )
        .await["leads"][0]
        .clone();
    assert_eq!(row["status"], "dismissed");
    // ... signals ...
    for s in api.signals_by_ids(&str_ids(&person["signalIds"])).await {
        assert_eq!(s["personEntityId"], person_id);
        assert_eq!(s["personEntityStatus"], "contacted");
    }
    for s in api.signals_by_ids(&str_ids(&company["signalIds"])).await {
        assert_eq!(s["entityId"], company_id);
        assert_eq!(s["entityStatus"], "dismissed");
    }
    // ... and the hook.
    let statuses = api.hook("/__statuses").await;
    assert_eq!(statuses[person_id], "contacted");
    assert_eq!(statuses[company_id], "dismissed");

    let stats = api.hook("/__stats").await;
    assert_eq!(stats["patch_calls"], 1);
    assert_eq!(stats["patch_items"], 5);
    assert_eq!(stats["max_patch_items"], 5);
    let log = api.hook("/__log").await;
    let patch = log
        .as_array()
        .expect("log")
        .iter()
        .find(|e| e["method"] == "PATCH")
        .expect("logged PATCH");
    assert_eq!(patch["path"], "/api/signals/leads");
    assert_eq!(patch["status"], 200);
    assert_eq!(patch["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(log[0]["query"], "limit=1");
    assert!(log[0].get("items").is_none());
    assert!(log[0]["ts_ms"].as_u64().expect("ts") > 1_600_000_000_000);
}

#[tokio::test]
async fn forget_and_reset() {
    let api = Api::start(ServerConfig {
        status_on_rows: true,
        ..config(100)
    })
    .await;
    let initial = api.hook("/__statuses").await;
    let rows = api.ok("/api/signals/leads", &[("limit", "3")]).await["leads"].clone();
    let ids = ids_of(rows.as_array().expect("rows"));

    let (status, resp) = api
        .hook_post("/__forget", json!({"ids": [ids[1], ids[1], "nope"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp, json!({"forgotten": 1}));
    let (_, resp) = api
        .patch(json!({"items": [
            {"entityId": ids[0], "status": "dismissed"},
            {"entityId": ids[1], "status": "dismissed"},
        ]}))
        .await;
    assert_eq!(resp["updated"], json!([ids[0]]));
    assert_eq!(
        resp["errors"],
        json!([{"id": ids[1], "error": "not_found"}])
    );
    // The forgotten row is gone from listings; its id still works as a cursor.
    let page = api.ok("/api/signals/leads", &[("limit", "2")]).await;
    assert_eq!(
        ids_of(page["leads"].as_array().expect("rows")),
        [ids[0].clone(), ids[2].clone()]
    );
    let after_forgotten = api
        .ok("/api/signals/leads", &[("limit", "1"), ("cursor", &ids[1])])
        .await;
    assert_eq!(after_forgotten["leads"][0]["id"], ids[2].as_str());
    assert!(api.hook("/__statuses").await.get(&ids[1]).is_none());
    assert_eq!(api.hook("/__stats").await["leads"]["person"], 99);

    let (status, _) = api.hook_post("/__faults", json!({"latency_ms": 5})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = api.hook_post("/__reset", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api.hook("/__statuses").await, initial);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 0);
    assert_eq!(stats["patch_calls"], 0);
    assert_eq!(stats["leads"]["person"], 100);
    assert_eq!(api.hook("/__log").await, json!([]));
    assert_eq!(api.hook("/__faults").await["latency_ms"], 0);
    let page = api.ok("/api/signals/leads", &[("limit", "3")]).await;
    assert_eq!(page["leads"], rows);
}

#[tokio::test]
async fn stats_track_concurrency_and_responses() {
    let api = Api::start(ServerConfig {
        latency_ms: 200,
        ..config(50)
    })
    .await;
    let started = Instant::now();
    let requests = (0..4).map(|_| api.get("/api/signals/leads", &[("limit", "5")]));
    let responses = futures::future::join_all(requests).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    // Four 200 ms requests in parallel take well under 4 x 200 ms.
    assert!(started.elapsed().as_millis() >= 200);

    let stats = api.hook("/__stats").await;
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 4);
    assert_eq!(stats["requests"]["GET /api/signals"], 0);
    assert_eq!(stats["responses"]["200"], 4);
    assert_eq!(stats["in_flight"], 0);
    let peak = stats["peak_concurrency"].as_u64().expect("peak");
    assert!((2..=4).contains(&peak), "peak_concurrency = {peak}");
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let api = Api::start(ServerConfig {
        rate_limit: Some(3),
        ..config(20)
    })
    .await;
    for _ in 0..3 {
        assert_eq!(
            api.get("/api/signals/leads", &[]).await.status(),
            StatusCode::OK
        );
    }
    let resp = api.get("/api/signals", &[]).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("integer Retry-After");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_envelope(&resp.json().await.expect("json"), "rate_limited");

    // Lifting the limit at runtime lets requests through again.
    let (_, faults) = api
        .hook_post("/__faults", json!({"rate_limit": null}))
        .await;
    assert_eq!(faults["rate_limit"], Value::Null);
    assert_eq!(api.get("/api/signals", &[]).await.status(), StatusCode::OK);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["responses"]["429"], 1);
    assert_eq!(stats["requests"]["GET /api/signals"], 2);
}

#[tokio::test]
async fn fail_rate_one_fails_everything_without_applying() {
    let api = Api::start(ServerConfig {
        fail_rate: 1.0,
        ..config(40)
    })
    .await;
    for _ in 0..12 {
        let (status, body) = api.get_json("/api/signals/leads", &[]).await;
        assert!(
            [500, 502, 503].contains(&status.as_u16()),
            "unexpected {status}"
        );
        assert_envelope(&body, "internal_error");
    }
    let before = api.hook("/__statuses").await;
    let id = before
        .as_object()
        .expect("map")
        .keys()
        .next()
        .expect("id")
        .clone();
    let (status, _) = api
        .patch(json!({"items": [{"entityId": id, "status": "contacted"}]}))
        .await;
    assert!(status.is_server_error());
    assert_eq!(api.hook("/__statuses").await, before);
    assert_eq!(api.hook("/__stats").await["patch_calls"], 0);

    let (status, body) = api.hook_post("/__faults", json!({"fail": 1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, "invalid_request");
    let (status, _) = api.hook_post("/__faults", json!({"fail_rate": 0.0})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        api.get("/api/signals/leads", &[]).await.status(),
        StatusCode::OK
    );
}

/// A dropped request must surface as a client error, never as a parsed body.
async fn expect_transport_error(api: &Api, path: &str) {
    let result = api
        .client
        .get(api.url(path))
        .bearer_auth(api.handle.api_key())
        .send()
        .await;
    if let Ok(resp) = result {
        assert!(
            resp.bytes().await.is_err(),
            "dropped request produced a body"
        );
    }
}

#[tokio::test]
async fn dropped_connections_are_client_errors() {
    let api = Api::start(ServerConfig {
        drop_rate: 1.0,
        ..config(20)
    })
    .await;
    for _ in 0..3 {
        expect_transport_error(&api, "/api/signals/leads").await;
    }
    let log = api.hook("/__log").await;
    assert_eq!(log.as_array().map(Vec::len), Some(3));
    assert!(
        log.as_array()
            .expect("log")
            .iter()
            .all(|e| e["status"].is_null())
    );
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["dropped"], 3);
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 3);

    // `down` drops everything; switching it off restores service.
    let (_, faults) = api
        .hook_post("/__faults", json!({"drop_rate": 0.0, "down": true}))
        .await;
    assert_eq!(faults["down"], true);
    expect_transport_error(&api, "/api/signals").await;
    api.hook_post("/__faults", json!({"down": false})).await;
    assert_eq!(api.get("/api/signals", &[]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn dropped_patches_are_sometimes_applied_first() {
    let api = Api::start(ServerConfig {
        drop_rate: 1.0,
        ..config(60)
    })
    .await;
    let before = api.hook("/__statuses").await;
    let targets: Vec<(String, &str)> = before
        .as_object()
        .expect("map")
        .iter()
        .take(16)
        .map(|(id, status)| {
            let next = if status == "contacted" {
                "dismissed"
            } else {
                "contacted"
            };
            (id.clone(), next)
        })
        .collect();
    for (id, status) in &targets {
        let result = api
            .client
            .patch(api.url("/api/signals/leads"))
            .bearer_auth(api.handle.api_key())
            .json(&json!({"items": [{"entityId": id, "status": status}]}))
            .send()
            .await;
        if let Ok(resp) = result {
            assert!(resp.bytes().await.is_err(), "dropped PATCH produced a body");
        }
    }
    let after = api.hook("/__statuses").await;
    let applied = targets
        .iter()
        .filter(|(id, status)| after[id.as_str()] == *status)
        .count();
    let untouched = targets
        .iter()
        .filter(|(id, _)| after[id.as_str()] == before[id.as_str()])
        .count();
    assert_eq!(applied + untouched, targets.len());
    assert!(applied > 0 && untouched > 0, "applied {applied} of 16");
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["patch_calls"], applied);
    assert_eq!(stats["dropped"], 16);
    let log = api.hook("/__log").await;
    let entries = log.as_array().expect("log");
    assert!(
        entries
            .iter()
            .all(|e| e["status"].is_null() && e["items"].is_array())
    );
}

/// All strings anywhere inside a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn is_hostile_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[tokio::test]
async fn hostile_mode_serves_attack_strings_and_clean_mode_does_not() {
    let api = Api::start(ServerConfig {
        hostile: true,
        ..config(500)
    })
    .await;
    let rows = api.all_leads("person", "recency").await;
    let mut all = Vec::new();
    rows.iter().for_each(|r| strings(r, &mut all));
    assert!(
        all.iter().any(|s| s.contains('\x1b')),
        "ESC sequences present"
    );
    assert!(
        all.iter()
            .any(|s| s.contains('\u{202E}') || s.contains('\u{2066}'))
    );
    assert!(
        rows.iter()
            .any(|r| r["name"].as_str().is_some_and(|n| n.len() >= 10_000)),
        "a 10 KB name"
    );
    let wrong_types = rows
        .iter()
        .filter(|r| {
            !r["signalCount"].is_u64()
                || !r["topScore"].is_u64()
                || !r["name"].is_string()
                || !r["signalIds"].is_array()
                || !(r["person"].is_object() || r["person"].is_null())
                || !(r["company"].is_object() || r["company"].is_null())
        })
        .count();
    assert!(wrong_types > 0, "some rows have wrong JSON types");
    assert!(
        rows.iter().all(|r| r["id"].as_str().is_some()),
        "ids stay valid"
    );

    // Same seed without hostile: same ids, no control or bidi characters anywhere.
    let clean = Api::start(config(500)).await;
    let clean_rows = clean.all_leads("person", "recency").await;
    assert_eq!(ids_of(&clean_rows), ids_of(&rows));
    let mut all = Vec::new();
    clean_rows.iter().for_each(|r| strings(r, &mut all));
    clean
        .all_signals()
        .await
        .iter()
        .for_each(|s| strings(s, &mut all));
    let dirty: Vec<&String> = all
        .iter()
        .filter(|s| s.chars().any(is_hostile_char))
        .collect();
    assert!(
        dirty.is_empty(),
        "clean data has hostile strings: {dirty:?}"
    );
    // Realistic variety: accents, CJK, right-to-left scripts and missing enrichment.
    let names: Vec<&str> = clean_rows
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)))
    );
    assert!(
        names
            .iter()
            .any(|n| n.chars().any(|c| ('\u{0590}'..='\u{06FF}').contains(&c)))
    );
    assert!(clean_rows.iter().any(|r| r["company"].is_null()));
    assert!(
        clean_rows
            .iter()
            .any(|r| r["person"].get("linkedinUrl").is_none())
    );
    assert!(
        clean_rows
            .iter()
            .any(|r| r["person"]["linkedinUrl"].is_null())
    );
}

#[tokio::test]
async fn same_seed_same_data() {
    let first = Api::start(config(200)).await;
    let second = Api::start(config(200)).await;
    let other = Api::start(ServerConfig {
        seed: 7,
        ..config(200)
    })
    .await;
    let query = [("limit", "100"), ("sortBy", "topScore")];
    let a = first.ok("/api/signals/leads", &query).await;
    let b = second.ok("/api/signals/leads", &query).await;
    let c = other.ok("/api/signals/leads", &query).await;
    assert_eq!(a, b);
    assert_ne!(
        ids_of(a["leads"].as_array().expect("rows")),
        ids_of(c["leads"].as_array().expect("rows"))
    );
    assert_eq!(
        first.hook("/__statuses").await,
        second.hook("/__statuses").await
    );
}

#[tokio::test]
async fn hundred_thousand_leads() {
    let started = Instant::now();
    let api = Api::start(config(100_000)).await;
    let startup = started.elapsed();
    eprintln!("100k leads: server ready after {startup:?}");
    let body = api.ok("/api/signals/leads", &[("limit", "100")]).await;
    assert_eq!(body["leads"].as_array().map(Vec::len), Some(100));
    assert_eq!(body["pagination"]["hasMore"], true);
    let body = api
        .ok(
            "/api/signals/leads",
            &[("groupBy", "company"), ("sortBy", "signalCount")],
        )
        .await;
    assert_eq!(body["pagination"]["count"], 50);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["leads"]["person"], 100_000);
    assert_eq!(stats["leads"]["company"], 33_333);
}

#[test]
fn spawn_background_works_from_sync_code() {
    let handle = spawn_background(config(10)).expect("server starts");
    assert!(handle.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(handle.addr().ip().to_string(), "127.0.0.1");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        Client::new()
            .get(format!("{}/api/signals/leads", handle.base_url()))
            .bearer_auth(handle.api_key())
            .send()
            .await
            .map(|r| r.status())
    });
    assert_eq!(status.expect("request"), StatusCode::OK);
    handle.shutdown();
}

#[tokio::test]
async fn nothing_is_served_after_shutdown() {
    // A `start`ed server: both a kept-alive connection and a new one are cut off.
    let api = Api::start(config(10)).await;
    assert_eq!(api.get("/api/signals", &[]).await.status(), StatusCode::OK);
    let Api { handle, client } = api;
    let (url, key) = (
        format!("{}/api/signals", handle.base_url()),
        handle.api_key().to_owned(),
    );
    handle.shutdown();
    for _ in 0..2 {
        match client.get(&url).bearer_auth(&key).send().await {
            Err(_) => {}
            Ok(resp) => assert!(resp.bytes().await.is_err(), "served after shutdown"),
        }
    }

    // A background server has closed its port by the time drop returns.
    let handle = spawn_background(config(10)).expect("server starts");
    let addr = handle.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(handle);
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn spawn_background_works_inside_a_runtime() {
    let handle = spawn_background(ServerConfig {
        api_key: "pk_live_custom".into(),
        ..config(10)
    })
    .expect("server starts");
    assert_eq!(handle.api_key(), "pk_live_custom");
    let resp = Client::new()
        .get(format!("{}/api/signals", handle.base_url()))
        .bearer_auth("pk_live_custom")
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    drop(handle);
}

// ---------------------------------------------------------------------------------------------
// Switches of a stricter / sloppier server.

/// `n` ids that parse as UUIDs but name nothing.
fn unknown_ids(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect()
}

/// Entity ids with their current status, from `/__statuses`, in a stable order.
async fn known(api: &Api) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = api
        .hook("/__statuses")
        .await
        .as_object()
        .expect("map")
        .iter()
        .map(|(id, s)| (id.clone(), s.as_str().expect("status").to_owned()))
        .collect();
    v.sort();
    v
}

/// A status different from `current`.
fn other_status(current: &str) -> &'static str {
    if current == "contacted" {
        "dismissed"
    } else {
        "contacted"
    }
}

#[tokio::test]
async fn new_switches_are_off_by_default_validated_and_reset() {
    let api = Api::start(config(20)).await;
    let faults = api.hook("/__faults").await;
    for (key, off) in [
        ("page_cap", Value::Null),
        ("ids_cap", Value::Null),
        ("omit_rate", json!(0.0)),
        ("upper_case_ids", json!(false)),
        ("max_body_bytes", Value::Null),
        ("strict_batch", json!(false)),
        ("repeat_lead", json!(false)),
        ("fail_retry_after", Value::Null),
        ("script", json!(0)),
    ] {
        assert_eq!(faults[key], off, "{key} in {faults}");
    }
    assert_eq!(ServerConfig::default().log_cap, 100_000);
    assert_eq!(api.hook("/__stats").await["log_dropped"], 0);

    for bad in [
        json!({"page_cap": 0}),
        json!({"page_cap": "50"}),
        json!({"ids_cap": -1}),
        json!({"max_body_bytes": 1.5}),
        json!({"omit_rate": 1.5}),
        json!({"upper_case_ids": "yes"}),
        json!({"strict_batch": 1}),
        json!({"repeat_lead": null}),
        json!({"fail_retry_after": 2}),
        json!({"fail_retry_after": "two\nlines"}),
        json!({"script": {"status": 503}}),
        json!({"script": [{"status": 200}]}),
        json!({"script": [{"status": 503, "cut": true}]}),
        json!({"script": [{}]}),
        json!({"script": [{"stall_ms": -5}]}),
        json!({"script": [{"cut": false}]}),
        json!({"script": [{"cut": true, "retry_after": "1"}]}),
        json!({"script": [{"match": "/api/signals", "status": 500}]}),
        json!({"script": [{"status": 500, "teapot": true}]}),
        // One bad field rejects the whole body: page_cap must not be applied either.
        json!({"page_cap": 10, "omit_rate": -0.1}),
    ] {
        let (status, body) = api.hook_post("/__faults", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_envelope(&body, "invalid_request");
    }
    assert_eq!(api.hook("/__faults").await, faults, "nothing changed");

    let (_, body) = api.hook_post("/__faults", json!({"nope": 1})).await;
    let message = body["error"]["message"].as_str().expect("message");
    for key in [
        "page_cap",
        "ids_cap",
        "omit_rate",
        "upper_case_ids",
        "max_body_bytes",
        "strict_batch",
        "repeat_lead",
        "script",
        "fail_retry_after",
        "malformed",
    ] {
        assert!(message.contains(key), "{key} missing from: {message}");
    }

    let on = json!({
        "page_cap": 10, "ids_cap": 5, "omit_rate": 0.5, "upper_case_ids": true,
        "max_body_bytes": 1000, "strict_batch": true, "repeat_lead": true,
        "fail_retry_after": "3", "script": [{"stall_ms": 1}, {"cut": true}],
    });
    let (status, set) = api.hook_post("/__faults", on.clone()).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let got = api.hook("/__faults").await;
    assert_eq!(got, set);
    for (key, value) in on.as_object().expect("object") {
        if key != "script" {
            assert_eq!(&got[key], value, "{key}");
        }
    }
    assert_eq!(got["script"], 2);
    api.hook_post("/__reset", json!({})).await;
    assert_eq!(
        api.hook("/__faults").await,
        faults,
        "reset restores startup"
    );
}

#[tokio::test]
async fn page_cap_refuses_larger_pages() {
    let api = Api::start(ServerConfig {
        page_cap: Some(50),
        ..config(120)
    })
    .await;
    for path in ["/api/signals/leads", "/api/signals"] {
        let (status, body) = api.get_json(path, &[("limit", "100")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_envelope(&body, "invalid_request");
        assert_eq!(
            body["error"]["message"],
            "limit must be an integer between 1 and 50"
        );
        let (status, _) = api.get_json(path, &[("limit", "51")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        let body = api.ok(path, &[("limit", "50")]).await;
        assert_eq!(body["pagination"]["count"], 50);
    }
    assert_eq!(api.hook("/__faults").await["page_cap"], 50);

    // A cap below the default page size shrinks the default.
    api.hook_post("/__faults", json!({"page_cap": 20})).await;
    let body = api.ok("/api/signals/leads", &[]).await;
    assert_eq!(body["leads"].as_array().map(Vec::len), Some(20));

    // Off (null): 100 is the maximum again; reset goes back to the startup cap.
    api.hook_post("/__faults", json!({"page_cap": null})).await;
    api.ok("/api/signals/leads", &[("limit", "100")]).await;
    let (status, _) = api
        .get_json("/api/signals/leads", &[("limit", "101")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.hook_post("/__reset", json!({})).await;
    let (status, _) = api
        .get_json("/api/signals/leads", &[("limit", "100")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ids_cap_refuses_long_id_lists() {
    let api = Api::start(config(30)).await;
    let hundred = unknown_ids(100).join(",");
    let fifty = unknown_ids(50).join(",");
    // Off by default: 100 ids are fine.
    api.ok("/api/signals", &[("ids", &hundred)]).await;

    api.hook_post("/__faults", json!({"ids_cap": 50})).await;
    let (status, body) = api.get_json("/api/signals", &[("ids", &hundred)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&body, "invalid_request");
    assert_eq!(
        body["error"]["message"],
        "ids accepts at most 50 ids, got 100"
    );
    let body = api.ok("/api/signals", &[("ids", &fifty)]).await;
    assert_eq!(body["signals"], json!([]));

    // Real ids still come back under the cap.
    let signals = api.all_signals().await;
    let some: Vec<&str> = signals
        .iter()
        .take(3)
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(api.signals_by_ids(&some).await.len(), 3);
}

/// Sets `omit_rate` 0.5, sends `items`, returns the ids listed in `updated`.
async fn omit_half(api: &Api, items: &[Value]) -> HashSet<String> {
    api.hook_post("/__faults", json!({"omit_rate": 0.5})).await;
    let (status, resp) = api.patch(json!({ "items": items })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["errors"], json!([]));
    str_ids(&resp["updated"])
        .into_iter()
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn omit_rate_leaves_items_out_of_change_and_answer() {
    let api = Api::start(config(60)).await;
    let before = known(&api).await;
    let items: Vec<Value> = before
        .iter()
        .take(40)
        .map(|(id, s)| json!({"entityId": id, "status": other_status(s)}))
        .collect();

    // 1.0: every item, always.
    api.hook_post("/__faults", json!({"omit_rate": 1.0})).await;
    for _ in 0..3 {
        let (status, resp) = api.patch(json!({ "items": items })).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(resp, json!({"updated": [], "errors": []}));
    }
    assert_eq!(known(&api).await, before, "nothing applied");

    // 0.5: some items answered (and applied), the others neither; the same ones again after a
    // reset.
    // A reset rewinds the omit stream (the 1.0 PATCHes above drew from it too).
    api.hook_post("/__reset", json!({})).await;
    let listed = omit_half(&api, &items).await;
    assert!(
        (5..35).contains(&listed.len()),
        "{} of 40 listed",
        listed.len()
    );
    let after: HashMap<String, String> = known(&api).await.into_iter().collect();
    for (id, old) in before.iter().take(40) {
        let expected = if listed.contains(id) {
            other_status(old)
        } else {
            old.as_str()
        };
        assert_eq!(after[id], expected, "{id}");
    }
    api.hook_post("/__reset", json!({})).await;
    assert_eq!(
        omit_half(&api, &items).await,
        listed,
        "seeded: same items omitted"
    );

    // Off: every item is answered.
    api.hook_post("/__faults", json!({"omit_rate": 0.0})).await;
    let (_, resp) = api.patch(json!({ "items": items })).await;
    assert_eq!(resp["updated"].as_array().map(Vec::len), Some(40));
}

#[tokio::test]
async fn ids_are_case_insensitive_and_can_be_echoed_upper_case() {
    let api = Api::start(config(40)).await;
    let persons = api.ok("/api/signals/leads", &[("limit", "3")]).await["leads"].clone();
    let company = api
        .ok(
            "/api/signals/leads",
            &[("limit", "1"), ("groupBy", "company")],
        )
        .await["leads"][0]
        .clone();
    let person = persons[0]["id"].as_str().expect("id").to_owned();
    let company_id = company["id"].as_str().expect("id").to_owned();
    assert_eq!(
        person,
        person.to_lowercase(),
        "ids are served in lower case"
    );
    let upper = person.to_uppercase();

    // Off: an upper-case id names the same entity and is echoed as sent.
    let (status, resp) = api
        .patch(json!({"items": [
            {"entityId": upper, "status": "dismissed"},
            {"entityId": company_id.to_uppercase(), "status": "contacted"},
        ]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"], json!([upper, company_id.to_uppercase()]));
    let statuses = api.hook("/__statuses").await;
    assert_eq!(statuses[&person], "dismissed");
    assert_eq!(statuses[&company_id], "contacted");
    let (_, resp) = api
        .patch(json!({"items": [{"entityId": person, "status": "new"}]}))
        .await;
    assert_eq!(
        resp["updated"],
        json!([person]),
        "lower case echoed as sent"
    );

    // `ids=` filters and cursors accept upper case too.
    let body = api.ok("/api/signals/leads", &[("ids", &upper)]).await;
    assert_eq!(body["leads"][0]["id"], person.as_str());
    let next = api
        .ok("/api/signals/leads", &[("limit", "1"), ("cursor", &upper)])
        .await;
    assert_eq!(next["leads"][0]["id"], persons[1]["id"]);
    let signal_ids: Vec<String> = str_ids(&persons[0]["signalIds"])
        .iter()
        .map(|s| s.to_uppercase())
        .collect();
    let refs: Vec<&str> = signal_ids.iter().map(String::as_str).collect();
    assert_eq!(
        api.signals_by_ids(&refs).await.len(),
        signal_ids.len(),
        "upper-case signal ids"
    );

    // On: `updated` and `errors[].id` come back upper case.
    let (_, faults) = api
        .hook_post("/__faults", json!({"upper_case_ids": true}))
        .await;
    assert_eq!(faults["upper_case_ids"], true);
    let unknown = "37391cb8-e542-4e51-a464-405473de8fa8";
    let (status, resp) = api
        .patch(json!({"items": [
            {"entityId": person, "status": "contacted"},
            {"entityId": unknown, "status": "new"},
        ]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"], json!([upper]));
    assert_eq!(
        resp["errors"],
        json!([{"id": unknown.to_uppercase(), "error": "not_found"}])
    );
    assert_eq!(api.hook("/__statuses").await[&person], "contacted");
}

#[tokio::test]
async fn max_body_bytes_answers_413_and_applies_nothing() {
    let api = Api::start(config(40)).await;
    let before = known(&api).await;
    let items: Vec<Value> = before
        .iter()
        .take(5)
        .map(|(id, s)| json!({"entityId": id, "status": other_status(s)}))
        .collect();
    let big = json!({ "items": items }).to_string();
    let small = json!({ "items": [items[0].clone()] }).to_string();
    assert!(
        big.len() > 300 && small.len() < 300,
        "{} {}",
        big.len(),
        small.len()
    );

    api.hook_post("/__faults", json!({"max_body_bytes": 300}))
        .await;
    let (status, resp) = api.patch_raw(big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_envelope(&resp, "payload_too_large");
    assert_eq!(known(&api).await, before, "nothing applied");
    assert_eq!(api.hook("/__stats").await["patch_calls"], 0);
    let (status, resp) = api.patch_raw(small).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"].as_array().map(Vec::len), Some(1));

    // Off: the same big body is fine.
    api.hook_post("/__faults", json!({"max_body_bytes": null}))
        .await;
    let (status, resp) = api.patch_raw(big).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn strict_batch_rejects_a_batch_with_an_unknown_id() {
    let api = Api::start(config(40)).await;
    let before = known(&api).await;
    let unknown = "37391cb8-e542-4e51-a464-405473de8fa8";
    let body = json!({"items": [
        {"entityId": before[0].0, "status": other_status(&before[0].1)},
        {"entityId": unknown, "status": "new"},
        {"entityId": before[1].0, "status": other_status(&before[1].1)},
        {"entityId": "not-a-uuid", "status": "new"},
    ]});

    api.hook_post("/__faults", json!({"strict_batch": true}))
        .await;
    let (status, resp) = api.patch(body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_envelope(&resp, "invalid_request");
    let message = resp["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(unknown) && message.contains("items[1]"),
        "{message}"
    );
    assert_eq!(known(&api).await, before, "nothing applied");
    // A forgotten entity is unknown as well.
    api.hook_post("/__forget", json!({"ids": [before[2].0]}))
        .await;
    let (status, resp) = api
        .patch(json!({"items": [{"entityId": before[2].0, "status": "new"}]}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        resp["error"]["message"]
            .as_str()
            .expect("m")
            .contains("items[0]")
    );

    // Off: per-item not_found, the known ones applied.
    api.hook_post("/__faults", json!({"strict_batch": false}))
        .await;
    let (status, resp) = api.patch(body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resp["updated"], json!([before[0].0, before[1].0]));
    assert_eq!(resp["errors"].as_array().map(Vec::len), Some(2));
}

fn retry_after(resp: &Response) -> Option<String> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn script_forces_statuses_with_retry_after_then_serves_normally() {
    let api = Api::start(config(20)).await;
    let date = "Wed, 21 Oct 2026 07:28:00 GMT";
    let (status, faults) = api
        .hook_post(
            "/__faults",
            json!({"script": [
                {"match": "GET /api/signals/leads", "status": 503, "retry_after": "2"},
                {"status": 429, "retry_after": date},
                {"match": "PATCH /api/signals/leads", "status": 500},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(faults["script"], 3);

    // GET /api/signals skips the first step (it does not match) and takes the second.
    let resp = api.get("/api/signals", &[]).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&resp).as_deref(), Some(date));
    assert_envelope(&resp.json().await.expect("json"), "rate_limited");
    let resp = api.get("/api/signals/leads", &[]).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(retry_after(&resp).as_deref(), Some("2"));
    assert_envelope(&resp.json().await.expect("json"), "service_unavailable");
    assert_eq!(api.hook("/__faults").await["script"], 1);
    // Both GETs now pass; the PATCH step waits for its PATCH.
    let resp = api.get("/api/signals/leads", &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(retry_after(&resp), None);
    let (status, resp) = api
        .patch(json!({"items": [{"entityId": unknown_ids(1)[0], "status": "new"}]}))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_envelope(&resp, "internal_error");
    assert_eq!(api.hook("/__faults").await["script"], 0);
    assert_eq!(api.hook("/__stats").await["patch_calls"], 0);

    let log = api.hook("/__log").await;
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 4);
    assert_eq!(log[0]["script"], "status");
    assert_eq!(log[0]["status"], 429);
    assert_eq!(log[0]["retry_after"], date);
    assert_eq!(log[1]["status"], 503);
    assert_eq!(log[1]["retry_after"], "2");
    assert!(log[2].get("script").is_none() && log[2].get("retry_after").is_none());
    assert_eq!(log[3]["script"], "status");
    assert!(log[3].get("retry_after").is_none());

    // Setting a script replaces what is left; /__reset empties it.
    api.hook_post(
        "/__faults",
        json!({"script": [{"status": 502}, {"status": 502}]}),
    )
    .await;
    let (_, faults) = api
        .hook_post("/__faults", json!({"script": [{"status": 504}]}))
        .await;
    assert_eq!(faults["script"], 1);
    assert_eq!(
        api.get("/api/signals", &[]).await.status(),
        StatusCode::GATEWAY_TIMEOUT
    );
    api.hook_post("/__faults", json!({"script": [{"status": 502}]}))
        .await;
    api.hook_post("/__reset", json!({})).await;
    assert_eq!(api.hook("/__faults").await["script"], 0);
    assert_eq!(api.get("/api/signals", &[]).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn fail_retry_after_goes_with_injected_failures() {
    let api = Api::start(ServerConfig {
        fail_rate: 1.0,
        ..config(20)
    })
    .await;
    let resp = api.get("/api/signals/leads", &[]).await;
    assert!(resp.status().is_server_error());
    assert_eq!(retry_after(&resp), None, "no header by default");
    api.hook_post("/__faults", json!({"fail_retry_after": "7"}))
        .await;
    let resp = api.get("/api/signals/leads", &[]).await;
    assert!(resp.status().is_server_error());
    assert_eq!(retry_after(&resp).as_deref(), Some("7"));
    assert_envelope(&resp.json().await.expect("json"), "internal_error");
    let log = api.hook("/__log").await;
    assert_eq!(log[1]["retry_after"], "7");
    assert!(log[0].get("retry_after").is_none());
}

#[tokio::test]
async fn script_cut_aborts_the_answer_halfway() {
    let api = Api::start(config(30)).await;
    api.hook_post("/__faults", json!({"script": [{"cut": true}]}))
        .await;
    let resp = api.get("/api/signals/leads", &[("limit", "20")]).await;
    assert_eq!(resp.status(), StatusCode::OK, "the head is sent");
    let promised = resp.content_length().expect("Content-Length");
    assert!(promised > 1000, "{promised}");
    assert!(resp.bytes().await.is_err(), "the body is cut");
    // The next request is served whole.
    let body = api.ok("/api/signals/leads", &[("limit", "20")]).await;
    assert_eq!(
        body.to_string().len() as u64,
        promised,
        "same answer, whole"
    );

    // A cut PATCH was applied: the answer was lost on the way back.
    let before = known(&api).await;
    let (id, old) = &before[0];
    api.hook_post(
        "/__faults",
        json!({"script": [{"match": "PATCH /api/signals/leads", "cut": true}]}),
    )
    .await;
    let result = api
        .client
        .patch(api.url("/api/signals/leads"))
        .bearer_auth(api.handle.api_key())
        .json(&json!({"items": [{"entityId": id, "status": other_status(old)}]}))
        .send()
        .await;
    if let Ok(resp) = result {
        assert!(resp.bytes().await.is_err(), "cut PATCH produced a body");
    }
    assert_eq!(api.hook("/__statuses").await[id], other_status(old));

    let log = api.hook("/__log").await;
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 3);
    for i in [0, 2] {
        assert_eq!(log[i]["script"], "cut");
        assert_eq!(log[i]["status"], Value::Null);
    }
    assert_eq!(log[1]["status"], 200);
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["dropped"], 2);
    assert_eq!(stats["patch_calls"], 1);
}

#[tokio::test]
async fn script_stall_delays_the_answer() {
    let api = Api::start(config(20)).await;
    api.hook_post(
        "/__faults",
        json!({"script": [{"match": "GET /api/signals", "stall_ms": 400}]}),
    )
    .await;
    // Not matched: served at once (no assertion on speed, only that the step stays).
    api.ok("/api/signals/leads", &[]).await;
    assert_eq!(api.hook("/__faults").await["script"], 1);
    let started = Instant::now();
    let body = api.ok("/api/signals", &[]).await;
    assert!(
        started.elapsed().as_millis() >= 400,
        "{:?}",
        started.elapsed()
    );
    assert!(body["signals"].is_array(), "then handled normally");
    assert_eq!(api.hook("/__faults").await["script"], 0);
    let log = api.hook("/__log").await;
    assert_eq!(log[1]["script"], "stall");
    assert_eq!(log[1]["status"], 200);

    // A long stall outlasts a client timeout.
    api.hook_post("/__faults", json!({"script": [{"stall_ms": 60_000}]}))
        .await;
    let client = Client::builder()
        .timeout(std::time::Duration::from_millis(200))
        .build()
        .expect("client");
    let err = client
        .get(api.url("/api/signals/leads"))
        .bearer_auth(api.handle.api_key())
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn repeat_lead_overlaps_pages_by_one_and_still_covers_every_lead() {
    let api = Api::start(ServerConfig {
        repeat_lead: true,
        ..config(95)
    })
    .await;
    let expected = {
        // The same order without the overlap, from a second server with the same seed.
        let plain = Api::start(config(95)).await;
        ids_of(&plain.all_leads("person", "recency").await)
    };
    let pages = api.lead_pages("person", "recency", 10).await;
    // 10 rows, then 1 repeated + 9 new per page: 85 new rows in 10 more pages.
    assert_eq!(pages.len(), 11);
    for pair in pages.windows(2) {
        assert_eq!(
            pair[1][0]["id"],
            pair[0].last().expect("row")["id"],
            "a page starts with the previous page's last lead"
        );
        assert!(pair[1].len() <= 10);
    }
    let mut union: Vec<String> = ids_of(&pages[0]);
    for page in &pages[1..] {
        union.extend(ids_of(&page[1..]));
    }
    assert_eq!(union, expected, "every lead once, in order");

    // limit=1 still advances (the repeated lead plus one new one).
    let pages = api.lead_pages("person", "recency", 1).await;
    assert_eq!(pages.len(), 95);
    assert!(pages[1..].iter().all(|p| p.len() == 2));

    // Off at runtime: pages are disjoint again.
    api.hook_post("/__faults", json!({"repeat_lead": false}))
        .await;
    let pages = api.lead_pages("person", "recency", 10).await;
    let all: Vec<String> = pages.iter().flat_map(|p| ids_of(p)).collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn teammate_hook_sets_statuses_without_counting() {
    let api = Api::start(ServerConfig {
        status_on_rows: true,
        ..config(30)
    })
    .await;
    let person = api.ok("/api/signals/leads", &[("limit", "1")]).await["leads"][0].clone();
    let company = api
        .ok(
            "/api/signals/leads",
            &[("limit", "1"), ("groupBy", "company")],
        )
        .await["leads"][0]
        .clone();
    let person_id = person["id"].as_str().expect("id").to_owned();
    let company_id = company["id"].as_str().expect("id").to_owned();
    let new_person = other_status(person["status"].as_str().expect("status"));
    let new_company = other_status(company["status"].as_str().expect("status"));
    api.hook_post("/__reset", json!({})).await;
    // Faults do not apply to hooks.
    api.hook_post("/__faults", json!({"down": true, "fail_rate": 1.0}))
        .await;

    let unknown = unknown_ids(1).remove(0);
    let (status, resp) = api
        .hook_post(
            "/__statuses",
            json!({"items": [
                {"entityId": person_id.to_uppercase(), "status": new_person},
                {"entityId": company_id, "status": new_company},
                {"entityId": unknown, "status": "new"},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        resp["updated"],
        json!([person_id.to_uppercase(), company_id])
    );
    assert_eq!(
        resp["errors"],
        json!([{"id": unknown, "error": "not_found"}])
    );
    let statuses = api.hook("/__statuses").await;
    assert_eq!(statuses[&person_id], new_person);
    assert_eq!(statuses[&company_id], new_company);

    let stats = api.hook("/__stats").await;
    assert_eq!(stats["patch_calls"], 0);
    assert!(
        stats["requests"]
            .as_object()
            .expect("requests")
            .values()
            .all(|n| n == 0),
        "{stats}"
    );
    assert_eq!(api.hook("/__log").await, json!([]));

    // Invalid bodies change nothing.
    for bad in [
        json!({"items": [{"entityId": person_id, "status": "responded"}]}),
        json!({"items": [{"status": "new"}]}),
        json!({"ids": [person_id]}),
    ] {
        let (status, body) = api.hook_post("/__statuses", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_envelope(&body, "invalid_request");
    }
    assert_eq!(api.hook("/__statuses").await, statuses);

    // The API shows the teammate's change.
    api.hook_post("/__faults", json!({"down": false, "fail_rate": 0.0}))
        .await;
    let row = api.ok("/api/signals/leads", &[("ids", &person_id)]).await["leads"][0].clone();
    assert_eq!(row["status"], new_person);
}

#[tokio::test]
async fn request_log_keeps_only_the_newest_entries() {
    let api = Api::start(ServerConfig {
        log_cap: 5,
        ..config(20)
    })
    .await;
    for i in 1..=8 {
        let limit = i.to_string();
        api.ok("/api/signals/leads", &[("limit", &limit)]).await;
    }
    let log = api.hook("/__log").await;
    let queries: Vec<&str> = log
        .as_array()
        .expect("log")
        .iter()
        .map(|e| e["query"].as_str().expect("query"))
        .collect();
    assert_eq!(
        queries,
        ["limit=4", "limit=5", "limit=6", "limit=7", "limit=8"]
    );
    assert!(
        log.as_array()
            .expect("log")
            .iter()
            .all(|e| e["status"] == 200)
    );
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["log_dropped"], 3);
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 8, "exact");
    assert_eq!(stats["responses"]["200"], 8, "exact");

    // A request still in flight when its entry is dropped finishes without disturbing others.
    api.hook_post("/__faults", json!({"script": [{"stall_ms": 300}]}))
        .await;
    let slow = api.get("/api/signals", &[]);
    let fast = async {
        // Wait until the slow request has arrived, then push its entry out of the log.
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        while api.hook("/__stats").await["in_flight"] != 1 {
            assert!(Instant::now() < deadline, "slow request never arrived");
            tokio::task::yield_now().await;
        }
        for _ in 0..5 {
            api.ok("/api/signals/leads", &[("limit", "1")]).await;
        }
    };
    let (slow, ()) = futures::join!(slow, fast);
    assert_eq!(slow.status(), StatusCode::OK);
    let log = api.hook("/__log").await;
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 5);
    assert!(
        log.iter()
            .all(|e| e["status"] == 200 && e["query"] == "limit=1")
    );
    let stats = api.hook("/__stats").await;
    assert_eq!(stats["log_dropped"], 9);
    assert_eq!(stats["responses"]["200"], 14);
    api.hook_post("/__reset", json!({})).await;
    assert_eq!(api.hook("/__stats").await["log_dropped"], 0);
}

/// Kills the child process when dropped (a failed assertion must not leave a server behind).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_server_flags_switch_the_new_behaviours_on() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_lead-triage"))
            .env_remove("PUFFLE_API_KEY")
            .env_remove("PUFFLE_API_BASE_URL")
            .arg("--log-file")
            .arg(dir.path().join("test.log"))
            .args([
                "demo-server",
                "--leads",
                "20",
                "--page-cap",
                "30",
                "--ids-cap",
                "40",
                "--omit-rate",
                "0.25",
                "--upper-case-ids",
                "--max-body-bytes",
                "1000",
                "--strict-batch",
                "--repeat-lead",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("binary runs"),
    );
    let mut first = String::new();
    std::io::BufReader::new(child.0.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("address line");
    let url = first.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (faults, status) = runtime.block_on(async {
        let faults: Value = reqwest::get(format!("{url}/__faults"))
            .await
            .expect("hook")
            .json()
            .await
            .expect("json");
        let status = Client::new()
            .get(format!("{url}/api/signals/leads?limit=31"))
            .bearer_auth("pk_live_demo")
            .send()
            .await
            .expect("request")
            .status();
        (faults, status)
    });
    assert_eq!(faults["page_cap"], 30);
    assert_eq!(faults["ids_cap"], 40);
    assert_eq!(faults["omit_rate"], 0.25);
    assert_eq!(faults["upper_case_ids"], true);
    assert_eq!(faults["max_body_bytes"], 1000);
    assert_eq!(faults["strict_batch"], true);
    assert_eq!(faults["repeat_lead"], true);
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
