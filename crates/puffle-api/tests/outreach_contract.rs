#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on a broken set-up
//! The outreach calls of the client (`generate_drafts`, `patch_signals`) against the built-in
//! server over real HTTP: the requests it builds are the documented ones, and the answers
//! parse into drafts, per-item errors and what later signal rows show.

#[path = "support/hooks.rs"]
mod common;

use common::{hook_get, server, stats};
use puffle_api::outreach::{
    ALREADY_IN_FLIGHT, GenerateItem, MAX_GENERATE_ITEMS, SignalUpdate, Vote,
};
use puffle_api::{ApiError, ApiKey, Client, ClientConfig, GroupBy, LeadQuery, SortBy};
use puffle_demo_server::ServerConfig;
use uuid::Uuid;

fn client(h: &puffle_demo_server::ServerHandle) -> Client {
    let cfg = ClientConfig::new(&h.base_url(), ApiKey::new(h.api_key()).unwrap())
        .map(ClientConfig::unpaced)
        .unwrap();
    Client::new(cfg).unwrap()
}

/// Signal ids of the first leads.
async fn some_signals(c: &Client, n: usize) -> Vec<Uuid> {
    let mut pager = c.pager(LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 20,
    });
    let page = pager.next_page().await.unwrap().expect("a page");
    let ids: Vec<Uuid> = page
        .leads
        .iter()
        .flat_map(|l| l.signal_ids.clone())
        .collect();
    assert!(ids.len() >= n);
    ids[..n].to_vec()
}

fn item(id: Uuid, dm: bool, comment: bool) -> GenerateItem {
    GenerateItem {
        id: id.to_string(),
        dm,
        comment,
    }
}

#[tokio::test]
async fn generate_drafts_parses_drafts_and_per_item_errors_and_rows_show_them() {
    let h = server(ServerConfig {
        leads: 40,
        generate_ms: 300,
        ..ServerConfig::default()
    });
    let c = client(&h);
    let ids = some_signals(&c, 2).await;
    let unknown = Uuid::new_v4();
    let results = c
        .generate_drafts(&[
            item(ids[0], true, true),
            item(ids[1], false, true),
            item(unknown, true, false),
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first.id, ids[0].to_string());
    assert_eq!(first.error, None);
    let dm = first.dm.as_ref().expect("a DM");
    assert!(dm.text.starts_with("Hi "), "{}", dm.text);
    let comment = first.comment.as_ref().expect("a comment");
    assert!(
        comment
            .source_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    );
    assert!(results[1].dm.is_none() && results[1].comment.is_some());
    assert_eq!(results[2].error.as_deref(), Some("not_found"));
    assert!(results[2].dm.is_none());

    // What a later GET /api/signals shows.
    let rows = c.signals(&ids).await.unwrap();
    let row = |id: Uuid| rows.iter().find(|s| s.id == id.to_string()).unwrap();
    assert_eq!(row(ids[0]).dm_text.as_deref(), Some(dm.text.as_str()));
    assert_eq!(
        row(ids[0]).comment_text.as_deref(),
        Some(comment.text.as_str())
    );
    assert_eq!(row(ids[1]).dm_text, None);

    // Two calls at once for the same draft: one is told it is in flight.
    let again = [item(ids[1], true, false)];
    let (a, b) = tokio::join!(c.generate_drafts(&again), c.generate_drafts(&again));
    let errors: Vec<Option<String>> = [a.unwrap(), b.unwrap()]
        .into_iter()
        .map(|r| r[0].error.clone())
        .collect();
    assert!(errors.contains(&None), "{errors:?}");
    assert!(
        errors.contains(&Some(ALREADY_IN_FLIGHT.to_owned())),
        "{errors:?}"
    );
    assert_eq!(stats(&h)["in_flight_refusals"], 1);

    // The client refuses what the server would, before sending.
    let before = stats(&h)["requests"]["POST /api/signals/generate"].clone();
    let too_many: Vec<GenerateItem> = (0..=MAX_GENERATE_ITEMS)
        .map(|_| item(ids[0], true, false))
        .collect();
    for bad in [vec![], too_many, vec![item(ids[0], false, false)]] {
        assert!(matches!(
            c.generate_drafts(&bad).await,
            Err(ApiError::Invalid { .. })
        ));
    }
    assert_eq!(stats(&h)["requests"]["POST /api/signals/generate"], before);
}

#[tokio::test]
async fn patch_signals_saves_drafts_and_votes_with_per_item_errors() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let c = client(&h);
    let ids = some_signals(&c, 2).await;
    let unknown = Uuid::new_v4();
    let outcome = c
        .patch_signals(&[
            SignalUpdate {
                id: ids[0].to_string(),
                dm_text: Some("Hi Zoë, edited 🚀".into()),
                vote: Some(Some(Vote::Up)),
                ..SignalUpdate::default()
            },
            SignalUpdate {
                id: ids[1].to_string(),
                comment_text: Some("Congrats!".into()),
                vote: Some(Some(Vote::Down)),
                ..SignalUpdate::default()
            },
            SignalUpdate {
                id: unknown.to_string(),
                vote: Some(None),
                ..SignalUpdate::default()
            },
        ])
        .await
        .unwrap();
    assert_eq!(
        outcome.updated,
        vec![ids[0].to_string(), ids[1].to_string()]
    );
    assert_eq!(outcome.errors.len(), 1);
    assert_eq!(outcome.errors[0].id, unknown.to_string());
    assert_eq!(outcome.errors[0].error, "not_found");

    let rows = c.signals(&ids).await.unwrap();
    let row = |id: Uuid| rows.iter().find(|s| s.id == id.to_string()).unwrap();
    assert_eq!(row(ids[0]).dm_text.as_deref(), Some("Hi Zoë, edited 🚀"));
    assert_eq!(row(ids[1]).comment_text.as_deref(), Some("Congrats!"));
    let hook = hook_get(&h, &format!("/__signals?ids={},{}", ids[0], ids[1]));
    assert_eq!(hook[ids[0].to_string()]["vote"], "up");
    assert_eq!(hook[ids[1].to_string()]["vote"], "down");

    // `Some(None)` is sent as `"vote": null` and clears the vote, leaving the draft.
    let outcome = c
        .patch_signals(&[SignalUpdate {
            id: ids[0].to_string(),
            vote: Some(None),
            ..SignalUpdate::default()
        }])
        .await
        .unwrap();
    assert!(outcome.errors.is_empty());
    let hook = hook_get(&h, &format!("/__signals?ids={}", ids[0]));
    assert!(hook[ids[0].to_string()]["vote"].is_null());
    assert_eq!(hook[ids[0].to_string()]["dmText"], "Hi Zoë, edited 🚀");

    // An update that changes nothing is refused before sending.
    let calls = stats(&h)["requests"]["PATCH /api/signals"].clone();
    let empty = SignalUpdate {
        id: ids[0].to_string(),
        ..SignalUpdate::default()
    };
    assert!(matches!(
        c.patch_signals(&[empty]).await,
        Err(ApiError::Invalid { .. })
    ));
    assert_eq!(stats(&h)["requests"]["PATCH /api/signals"], calls);
    assert_eq!(stats(&h)["signal_patch_calls"], 2);
}
