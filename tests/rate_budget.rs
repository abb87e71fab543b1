#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The request budget against the built-in server limited like Puffle (100 requests a minute,
//! a sliding one-minute window, 429 with `Retry-After`), read from the server's request log.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig, Lane};
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig};
use serde_json::Value;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The `ids` of a logged `GET /api/signals` request.
fn ids_of(entry: &Value) -> Vec<String> {
    let query = entry["query"].as_str().unwrap_or_default();
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "ids")
        .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// At Puffle's documented limit, with 20,000 leads and no cache: a status key pressed two
/// seconds after start is the next request the server receives and is applied at once; the
/// rows on screen learn their statuses before any row further down; and in the first two
/// minutes the server never has to answer 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_100_a_minute_the_reps_change_goes_first_and_nothing_is_refused() {
    let server = demo_server::start(ServerConfig {
        leads: 20_000,
        rate_limit: Some(100),
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let started = Instant::now();
    let key_ = ApiKey::new(server.api_key()).unwrap();
    // The real default: paced at 100 a minute.
    let cfg = ClientConfig::new(&server.base_url(), key_).unwrap();
    assert_eq!(cfg.rate_limit_per_min, Some(100));
    let client = Client::new(cfg).unwrap();
    let state = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(5),
    );
    let mut r = Runner::new(client, state, None);
    r.apply(Msg::Resize(120, 40));
    r.start();
    // The rep reads for two seconds, then dismisses the lead under the cursor.
    r.run_until(Duration::from_secs(2), |_| false).await;
    let rows = r.state.list().rows.len();
    assert!(rows >= 40, "the first page is on screen ({rows} rows)");
    let lead = r.state.cursor_lead().expect("a lead under the cursor").id;
    r.apply(key('d'));
    // From here reads wait for the write; those already sent may still be on their way.
    let sent = r.budget_view().expect("the client paces").sent;
    let reads_before = sent[Lane::Listing as usize]
        + sent[Lane::Hydration as usize]
        + sent[Lane::OnScreen as usize];
    assert!(
        r.run_until(Duration::from_secs(30), |s| s.queue.is_idle())
            .await,
        "the change was sent and answered"
    );
    let log = common::hook_get_async(&server, "/__log").await;
    let log = log.as_array().unwrap();
    let patches: Vec<usize> = (0..log.len())
        .filter(|&i| log[i]["method"] == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1, "applied on the first try");
    assert_eq!(log[patches[0]]["status"], 200);
    let gets_before_patch = patches[0] as u64;
    assert!(
        gets_before_patch <= reads_before,
        "{gets_before_patch} reads reached the server before the PATCH, but only {reads_before} were sent before the key"
    );
    let statuses = common::hook_get_async(&server, "/__statuses").await;
    assert_eq!(statuses[lead.to_string()], "dismissed");

    // Keep going to two minutes after start: not one 429.
    let left = Duration::from_secs(120).saturating_sub(started.elapsed());
    r.run_until(left, |_| false).await;
    let log = common::hook_get_async(&server, "/__log").await;
    let log = log.as_array().unwrap();
    let refused = log.iter().filter(|e| e["status"] == 429).count();
    assert_eq!(refused, 0, "the server had to answer 429");
    assert!(
        log.len() >= 100,
        "the refresh kept going ({} requests)",
        log.len()
    );
    let view = r.budget_view().unwrap();
    assert_eq!(view.rate_limited, 0);
    assert_eq!(view.per_min, 100, "nothing taught the budget a lower limit");

    // The statuses of the rows on screen came in the first status request. (The first page
    // is read again here, after the two minutes, so this read cannot crowd the app's.)
    let page: Value = reqwest::Client::new()
        .get(format!("{}/api/signals/leads?limit=100", server.base_url()))
        .bearer_auth(server.api_key())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = page["leads"].as_array().unwrap();
    let on_screen: Vec<String> = r.state.list().rows[..40]
        .iter()
        .map(|&i| r.state.data().leads[i as usize].id.to_string())
        .collect();
    let first_page: Vec<String> = page[..40]
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        on_screen, first_page,
        "the screen shows the first page, in its order"
    );
    let first = log
        .iter()
        .find(|e| e["path"] == "/api/signals")
        .expect("statuses were asked for");
    let asked: HashSet<String> = ids_of(first).into_iter().collect();
    for l in &page[..40] {
        let sig = l["signalIds"][0].as_str().unwrap();
        assert!(
            asked.contains(sig),
            "a row on screen was not in the first status request"
        );
    }
}

/// A headless listing that the budget holds back says so on stderr.
#[test]
fn a_paced_listing_says_so_on_stderr() {
    let server = common::server(ServerConfig {
        leads: 50,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = common::bin(dir.path())
        .env("PUFFLE_API_KEY", server.api_key())
        .env("PUFFLE_API_BASE_URL", server.base_url())
        .args([
            "--rate-limit-per-min",
            "15",
            "leads",
            "list",
            "--format",
            "tsv",
        ])
        .output()
        .unwrap();
    let stderr = common::text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("pacing: 15 requests a minute"),
        "no pacing line: {stderr}"
    );
    assert_eq!(
        common::text(&out.stdout).lines().count(),
        51,
        "header and 50 leads"
    );
}

/// Paced like Puffle, from a cache: a jump to the bottom of the list learns the statuses of
/// the rows now on screen in the "on screen" lane, long before the background listing
/// reaches them, while rows the rep never looked at wait for it; the listing's own status
/// requests then leave those rows out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jump_down_a_cached_list_learns_that_screens_statuses_first() {
    use lead_triage::api::{GroupBy, LeadQuery, Status};
    use lead_triage::store::CachedLeads;

    let server = demo_server::start(ServerConfig {
        leads: 3_000,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let api_key = || ApiKey::new(server.api_key()).unwrap();
    // Yesterday's listing, read without pacing: the cache this run starts from.
    let unpaced = Client::new(
        ClientConfig::new(&server.base_url(), api_key())
            .unwrap()
            .unpaced(),
    )
    .unwrap();
    let cached = unpaced
        .pager(LeadQuery {
            limit: 100,
            ..LeadQuery::default()
        })
        .collect_all()
        .await
        .unwrap()
        .leads;
    assert_eq!(cached.len(), 3_000);
    // Since then a teammate changed the last 40 leads and 40 in the middle.
    let other = |s: Status| {
        if s == Status::Contacted {
            Status::Dismissed
        } else {
            Status::Contacted
        }
    };
    let was: std::collections::HashMap<String, Status> = cached
        .iter()
        .map(|l| (l.id.to_string(), l.status))
        .collect();
    let restore = |cached: Vec<lead_triage::api::Lead>| Msg::Restore {
        outbox: Vec::new(),
        cache: vec![(
            GroupBy::Person,
            CachedLeads {
                leads: cached,
                saved_at: 0,
            },
            3_600,
        )],
        check: false,
    };
    let new_state = || {
        State::new(
            Settings::default(),
            Keymap::default_keymap(),
            Jitter::seeded(5),
        )
    };
    let jump = || Msg::Key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT));
    // Which rows the screen shows after the jump, and which sit in the middle of the view.
    let mut preview = new_state();
    lead_triage::app::update(&mut preview, Msg::Resize(120, 40));
    lead_triage::app::update(&mut preview, restore(cached.clone()));
    lead_triage::app::update(&mut preview, jump());
    let window = preview.layout().window(preview.list());
    let id_at = |pos: usize| {
        let i = preview.list().rows[pos];
        preview.data().leads[i as usize].id.to_string()
    };
    let bottom: Vec<String> = window.map(id_at).collect();
    assert!(bottom.len() >= 30, "{} rows on screen", bottom.len());
    let middle: Vec<String> = (1_500..1_540).map(id_at).collect();
    let items: Vec<Value> = bottom
        .iter()
        .chain(&middle)
        .map(|id| serde_json::json!({ "entityId": id, "status": other(was[id]).to_string() }))
        .collect();
    common::hook_post_async(
        &server,
        "/__statuses",
        serde_json::json!({ "items": items }),
    )
    .await;
    let bottom_signals: HashSet<String> = cached
        .iter()
        .filter(|l| bottom.contains(&l.id.to_string()))
        .map(|l| l.signal_ids[0].to_string())
        .collect();
    let before = common::hook_get_async(&server, "/__log").await;
    let before = before.as_array().unwrap().len();

    // Paced at 300 a minute: the refresh (30 pages and their statuses) takes about 12 s.
    let mut cfg = ClientConfig::new(&server.base_url(), api_key()).unwrap();
    cfg.rate_limit_per_min = Some(300);
    let mut r = Runner::new(Client::new(cfg).unwrap(), new_state(), None);
    r.apply(Msg::Resize(120, 40));
    r.apply(restore(cached));
    r.start();
    assert_eq!(r.state.list().rows.len(), 3_000, "the cache is on screen");
    // The rep jumps to the last lead.
    r.apply(jump());
    assert_eq!(r.state.list().cursor, 2_999);
    let shown = |s: &State, id: &str| {
        let i = s.data().by_id[&id.parse().unwrap()];
        s.shown_status(&s.data().leads[i as usize])
    };
    assert!(
        r.run_until(Duration::from_secs(20), |s| bottom
            .iter()
            .all(|id| shown(s, id) == other(was[id])))
            .await,
        "the rows on screen learned their statuses"
    );
    // Meanwhile the middle of the list, never on screen, still shows what the cache said.
    assert!(
        middle.iter().all(|id| shown(&r.state, id) == was[id]),
        "rows off screen were learned before the background listing reached them"
    );
    let listed = r.state.data().refreshed;
    assert!(
        listed < 1_500,
        "the listing had already reached the middle ({listed} rows)"
    );

    // The whole refresh ends; every status is Puffle's.
    assert!(
        r.run_until(Duration::from_secs(60), |s| matches!(
            s.data().load,
            lead_triage::app::state::LoadState::Loaded
        ))
        .await,
        "the refresh finished"
    );
    assert!(
        middle
            .iter()
            .all(|id| shown(&r.state, id) == other(was[id]))
    );
    let log = common::hook_get_async(&server, "/__log").await;
    let log = &log.as_array().unwrap()[before..];
    // The bottom screen was asked about once, by the screen check: its rows by id, then
    // their signals; the listing's status requests left them out.
    let by_id: Vec<&Value> = log
        .iter()
        .filter(|e| e["path"] == "/api/signals/leads" && !ids_of(e).is_empty())
        .filter(|e| ids_of(e).iter().any(|id| bottom.contains(id)))
        .collect();
    assert_eq!(by_id.len(), 1, "one check of the bottom screen");
    let asked: HashSet<String> = ids_of(by_id[0]).into_iter().collect();
    assert_eq!(asked, bottom.iter().cloned().collect::<HashSet<_>>());
    let signal_reads = log
        .iter()
        .filter(|e| e["path"] == "/api/signals")
        .filter(|e| ids_of(e).iter().any(|id| bottom_signals.contains(id)))
        .count();
    assert!(
        signal_reads <= 1,
        "the bottom rows' signals were read {signal_reads} times"
    );
    assert!(log.iter().all(|e| e["status"] == 200));
}
