#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The client against the built-in Puffle-compatible server over real HTTP. The server shares
//! no code with this crate, so these tests check the documented contract, not the parser
//! against itself.

#[path = "support/hooks.rs"]
mod common;

use std::collections::HashSet;

use common::{requests, server, stats, statuses};
use puffle_api::{
    ApiError, ApiKey, Client, ClientConfig, GroupBy, LeadQuery, SortBy, Status, StatusChange,
};
use puffle_demo_server::ServerConfig;
use uuid::Uuid;

fn client(h: &puffle_demo_server::ServerHandle, key: &str) -> Client {
    let cfg = ClientConfig::new(&h.base_url(), ApiKey::new(key).unwrap())
        .map(ClientConfig::unpaced)
        .unwrap();
    Client::new(cfg).unwrap()
}

fn query(group_by: GroupBy) -> LeadQuery {
    LeadQuery {
        group_by,
        sort_by: SortBy::Recency,
        limit: 100,
    }
}

#[tokio::test]
async fn listing_1050_leads_takes_ceil_pages_and_returns_each_once_in_both_views() {
    let h = server(ServerConfig {
        leads: 1050,
        ..ServerConfig::default()
    });
    let c = client(&h, ServerConfig::DEFAULT_API_KEY);
    let truth = statuses(&h);
    let companies = stats(&h)["leads"]["company"].as_u64().unwrap() as usize;
    assert!(companies > 100, "the company view needs several pages too");

    for (group, expected_rows) in [(GroupBy::Person, 1050usize), (GroupBy::Company, companies)] {
        let leads_before = requests(&h, "GET /api/signals/leads");
        let signals_before = requests(&h, "GET /api/signals");
        let mut pager = c.pager(query(group));
        let mut seen = HashSet::new();
        let mut pages = 0;
        while let Some(page) = pager.next_page().await.unwrap() {
            pages += 1;
            assert!(page.hydration_error.is_none());
            assert_eq!(page.skipped, 0);
            for lead in page.leads {
                assert!(seen.insert(lead.id), "lead {} returned twice", lead.id);
                // Hydration found the server's status for every lead.
                assert_eq!(
                    lead.status.as_str(),
                    truth[&lead.id.to_string()],
                    "{group:?}"
                );
            }
        }
        let expected_pages = expected_rows.div_ceil(100) as u64;
        assert_eq!(seen.len(), expected_rows);
        assert_eq!(pages as u64, expected_pages);
        assert_eq!(
            requests(&h, "GET /api/signals/leads") - leads_before,
            expected_pages,
            "exactly ceil(n/limit) GET calls in the {group:?} view"
        );
        // One chunked GET /api/signals per page hydrates it.
        assert_eq!(
            requests(&h, "GET /api/signals") - signals_before,
            expected_pages
        );
    }
}

#[tokio::test]
async fn status_on_rows_needs_no_signal_calls() {
    let h = server(ServerConfig {
        leads: 250,
        status_on_rows: true,
        ..ServerConfig::default()
    });
    let c = client(&h, ServerConfig::DEFAULT_API_KEY);
    let truth = statuses(&h);
    let all = c.pager(query(GroupBy::Person)).collect_all().await.unwrap();
    assert_eq!(all.leads.len(), 250);
    assert!(
        all.leads
            .iter()
            .all(|l| l.status.as_str() == truth[&l.id.to_string()])
    );
    assert_eq!(requests(&h, "GET /api/signals"), 0);
    assert_eq!(requests(&h, "GET /api/signals/leads"), 3);
}

#[tokio::test]
async fn statuses_vary_and_unknown_is_never_guessed_as_new() {
    let h = server(ServerConfig::default());
    let c = client(&h, ServerConfig::DEFAULT_API_KEY);
    let all = c.pager(query(GroupBy::Person)).collect_all().await.unwrap();
    let kinds: HashSet<Status> = all.leads.iter().map(|l| l.status).collect();
    assert!(
        kinds.contains(&Status::New)
            && kinds.contains(&Status::Contacted)
            && kinds.contains(&Status::Dismissed)
    );

    // When the signals endpoint cannot answer (here: rate limited after the page itself),
    // statuses are unknown, never guessed as new, and the page still arrives.
    common::hook_post(&h, "/__reset", serde_json::json!({}));
    common::hook_post(&h, "/__faults", serde_json::json!({"rate_limit": 1}));
    let mut pager = c.pager(query(GroupBy::Person));
    let page = pager.next_page().await.unwrap().unwrap();
    assert_eq!(page.leads.len(), 100);
    assert!(matches!(
        page.hydration_error,
        Some(ApiError::RateLimited { .. })
    ));
    assert!(page.leads.iter().all(|l| l.status == Status::Unknown));
}

#[tokio::test]
async fn patch_reports_updates_and_per_item_errors() {
    let h = server(ServerConfig {
        leads: 50,
        status_on_rows: true,
        ..ServerConfig::default()
    });
    let c = client(&h, ServerConfig::DEFAULT_API_KEY);
    let leads = c
        .pager(query(GroupBy::Person))
        .collect_all()
        .await
        .unwrap()
        .leads;
    let unknown = Uuid::new_v4();
    let items = vec![
        StatusChange {
            entity_id: leads[0].id,
            status: Status::Contacted,
        },
        StatusChange {
            entity_id: unknown,
            status: Status::Dismissed,
        },
        StatusChange {
            entity_id: leads[1].id,
            status: Status::Dismissed,
        },
    ];
    let out = c.patch_leads(&items).await.unwrap();
    assert_eq!(
        out.updated,
        vec![leads[0].id.to_string(), leads[1].id.to_string()]
    );
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].id, unknown.to_string());
    assert_eq!(out.errors[0].error, "not_found");
    let truth = statuses(&h);
    assert_eq!(truth[&leads[0].id.to_string()], "contacted");
    assert_eq!(truth[&leads[1].id.to_string()], "dismissed");

    // The client refuses an empty or oversized PATCH before sending it.
    let before = requests(&h, "PATCH /api/signals/leads");
    assert!(matches!(
        c.patch_leads(&[]).await,
        Err(ApiError::Invalid { .. })
    ));
    let too_many: Vec<_> = (0..201)
        .map(|_| StatusChange {
            entity_id: Uuid::new_v4(),
            status: Status::New,
        })
        .collect();
    assert!(matches!(
        c.patch_leads(&too_many).await,
        Err(ApiError::Invalid { .. })
    ));
    assert_eq!(requests(&h, "PATCH /api/signals/leads"), before);
}

#[tokio::test]
async fn http_failures_become_typed_errors() {
    let h = server(ServerConfig {
        leads: 20,
        ..ServerConfig::default()
    });
    let bad = client(&h, "pk_live_wrong");
    let err = bad
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    assert!(!err.is_retryable());

    let c = client(&h, ServerConfig::DEFAULT_API_KEY);
    common::hook_post(&h, "/__faults", serde_json::json!({"fail_rate": 1.0}));
    let err = c
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Server { .. }), "{err:?}");
    assert!(err.is_retryable());

    common::hook_post(
        &h,
        "/__faults",
        serde_json::json!({"fail_rate": 0.0, "drop_rate": 1.0}),
    );
    let err = c
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Network(_)), "{err:?}");

    common::hook_post(
        &h,
        "/__faults",
        serde_json::json!({"drop_rate": 0.0, "rate_limit": 1}),
    );
    c.leads_page(&query(GroupBy::Person), None).await.unwrap();
    let err = c
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    match err {
        ApiError::RateLimited { retry_after } => {
            assert!(retry_after.is_some_and(|d| d.as_secs() >= 1))
        }
        other => panic!("expected 429, got {other:?}"),
    }

    // A server that does not answer at all within the timeout.
    common::hook_post(
        &h,
        "/__faults",
        serde_json::json!({"rate_limit": null, "latency_ms": 2000}),
    );
    let mut cfg = ClientConfig::new(
        &h.base_url(),
        ApiKey::new(ServerConfig::DEFAULT_API_KEY).unwrap(),
    )
    .map(ClientConfig::unpaced)
    .unwrap();
    cfg.timeout = std::time::Duration::from_millis(200);
    let slow = Client::new(cfg).unwrap();
    let err = slow
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    assert_eq!(err, ApiError::Timeout);

    // Nothing listening.
    let port = h.addr().port();
    drop(h);
    let cfg = ClientConfig::new(
        &format!("http://127.0.0.1:{port}"),
        ApiKey::new("k").unwrap(),
    )
    .map(ClientConfig::unpaced)
    .unwrap();
    let gone = Client::new(cfg).unwrap();
    let err = gone
        .leads_page(&query(GroupBy::Person), None)
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

/// A server that says its limit in `X-RateLimit-*` headers teaches the budget: the limit drops
/// to the server's, and an exhausted window waits for the reset instead of drawing a 429.
#[tokio::test]
async fn rate_limit_headers_teach_the_budget_and_prevent_a_429() {
    let h = server(ServerConfig {
        leads: 10,
        rate_limit: Some(3),
        rate_headers: true,
        ..ServerConfig::default()
    });
    let cfg = ClientConfig::new(
        &h.base_url(),
        ApiKey::new(ServerConfig::DEFAULT_API_KEY).unwrap(),
    )
    .unwrap();
    assert_eq!(cfg.rate_limit_per_min, Some(100), "paced by default");
    let c = Client::new(cfg).unwrap();
    c.leads_page(&query(GroupBy::Person), None).await.unwrap();
    let budget = c.budget().expect("a budget");
    assert_eq!(budget.view().per_min, 3, "the server's X-RateLimit-Limit");
    c.leads_page(&query(GroupBy::Person), None).await.unwrap();
    c.leads_page(&query(GroupBy::Person), None).await.unwrap();
    // The third answer said `remaining: 0`: the next request waits for the reset (the server's
    // window here is a minute, so only check that it does not go at once, then give up).
    let next = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        c.leads_page(&query(GroupBy::Person), None),
    )
    .await;
    assert!(next.is_err(), "a fourth request went at once");
    assert_eq!(requests(&h, "GET /api/signals/leads"), 3);
    let s = stats(&h);
    assert_eq!(
        s["responses"]["429"].as_u64().unwrap_or(0),
        0,
        "no 429 was drawn"
    );
}
