#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Counts that hold whatever the machine's speed: requests per flush, and the filter against
//! a brute-force reference.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::model::{Company, Person};
use lead_triage::api::{ApiKey, Client, ClientConfig, Lead, Status};
use lead_triage::app::filter::{Query, Scorer};
use lead_triage::app::queue::{Phase, Queue};
use lead_triage::app::state::{Dataset, LoadState};
use lead_triage::app::view::{SortKey, ViewInput, compute_rows};
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::sync::backoff::{Backoff, Jitter};
use proptest::prelude::*;
use puffle_demo_server::{self as demo_server, ServerConfig};
use uuid::Uuid;

fn key(c: char, m: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), m))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_changes_take_exactly_fifty_patch_calls() {
    let server = demo_server::start(ServerConfig {
        leads: 10_000,
        status_on_rows: true,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let key_ = ApiKey::new(server.api_key()).unwrap();
    let client = Client::new(
        ClientConfig::new(&server.base_url(), key_)
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let settings = Settings {
        debounce: Duration::from_secs(3600),
        concurrency: 8,
        ..Settings::default()
    };
    let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(3));
    let mut r = Runner::new(client, state, None);
    r.apply(Msg::Resize(200, 50));
    r.start();
    assert!(
        r.run_until(Duration::from_secs(120), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    assert_eq!(r.state.list().rows.len(), 10_000);

    // Make every lead dismissed first, so the next keypress changes all 10,000.
    r.apply(key('a', KeyModifiers::CONTROL));
    r.apply(key('d', KeyModifiers::NONE));
    // Over `confirm_over` the key asks first; `y` accepts (when nothing would change, as
    // when the data already says dismissed, it does not ask).
    if matches!(r.state.mode, lead_triage::app::Mode::Ask(_)) {
        r.apply(key('y', KeyModifiers::NONE));
    }
    r.apply(key('$', KeyModifiers::NONE));
    assert!(
        r.run_until(Duration::from_secs(120), |s| s.queue.is_idle())
            .await
    );
    let before = common::hook_get_async(&server, "/__stats").await;

    r.apply(key('a', KeyModifiers::CONTROL));
    r.apply(key('c', KeyModifiers::NONE));
    assert_eq!(
        r.state.queue.counts.pending, 0,
        "10,000 is over confirm_over: it asks"
    );
    r.apply(key('y', KeyModifiers::NONE));
    assert_eq!(r.state.queue.counts.pending, 10_000);
    r.apply(key('$', KeyModifiers::NONE));
    assert!(
        r.run_until(Duration::from_secs(120), |s| s.queue.is_idle())
            .await
    );
    let after = common::hook_get_async(&server, "/__stats").await;
    let calls = after["patch_calls"].as_u64().unwrap() - before["patch_calls"].as_u64().unwrap();
    let items = after["patch_items"].as_u64().unwrap() - before["patch_items"].as_u64().unwrap();
    assert_eq!(calls, 50, "10,000 changes in batches of 200");
    assert_eq!(items, 10_000);
    assert!(after["max_patch_items"].as_u64().unwrap() <= 200);
    assert!(
        after["peak_concurrency"].as_u64().unwrap() <= 8,
        "never more than c in flight"
    );
    assert_eq!(r.state.queue.counts.failed, 0);
}

// ── The filter against a brute-force reference ──────────────────────────────────────────────

const WORDS: [&str; 8] = ["ada", "Grace", "zoë", "渡辺", "Acme", "rocket", "VP", "lab"];

/// Name, company, headline, email, status, signals, score.
type Parts = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    u8,
    u8,
    u8,
);

fn lead_strategy() -> impl Strategy<Value = Parts> {
    (
        proptest::sample::select(WORDS.to_vec()).prop_map(str::to_owned),
        proptest::option::of(
            proptest::sample::select(WORDS.to_vec()).prop_map(|w| format!("{w} Co")),
        ),
        proptest::option::of(
            proptest::sample::select(WORDS.to_vec()).prop_map(|w| format!("Head of {w}")),
        ),
        proptest::option::of(
            proptest::sample::select(WORDS.to_vec())
                .prop_map(|w| format!("{}@x.io", w.to_lowercase())),
        ),
        0u8..4,
        0u8..7,
        0u8..4,
    )
}

fn make_lead(n: usize, parts: &Parts) -> Lead {
    let (name, company, headline, email, status, signals, score) = parts;
    Lead {
        id: Uuid::from_u128(n as u128 + 1),
        name: format!("{name} {n}"),
        status: [
            Status::New,
            Status::Contacted,
            Status::Dismissed,
            Status::Unknown,
        ][*status as usize],
        signal_count: u32::from(*signals),
        top_score: (*score > 0).then_some(f64::from(*score)),
        signal_ids: vec![],
        person: Some(Person {
            headline: headline.clone(),
            email: email.clone(),
            ..Person::default()
        }),
        company: company.as_ref().map(|c| Company {
            name: Some(c.clone()),
            domain: Some(format!("{}.io", c.len())),
            ..Company::default()
        }),
    }
}

/// One condition of the reference filter.
type Check<'a> = Box<dyn Fn(usize, &Lead) -> bool + 'a>;

/// The obvious, slow way: each condition checked on the wire model, words as plain
/// substrings of folded fields. Returns the matching leads in index order.
fn reference(leads: &[Lead], queue: &Queue, selected: &HashSet<u32>, input: &str) -> Vec<u32> {
    let mut text = Vec::new();
    let mut keep: Vec<Check> = Vec::new();
    for word in input.split_whitespace() {
        match word.split_once(':') {
            Some(("status", v)) if Status::from_name(v).is_some() => {
                let want = Status::from_name(v).unwrap();
                keep.push(Box::new(move |_, l| queue.shown(&l.id, l.status) == want));
            }
            Some(("is", "failed")) => keep.push(Box::new(|_, l| {
                queue
                    .entries
                    .get(&l.id)
                    .is_some_and(|e| e.phase == Phase::Failed)
            })),
            Some(("is", "pending")) => keep.push(Box::new(|_, l| {
                queue
                    .entries
                    .get(&l.id)
                    .is_some_and(|e| e.phase != Phase::Failed)
            })),
            Some(("is", "selected")) => keep.push(Box::new(|i, _| selected.contains(&(i as u32)))),
            Some(("signals", v)) if v.starts_with('>') => {
                let n: f64 = v[1..].parse().unwrap();
                keep.push(Box::new(move |_, l| f64::from(l.signal_count) > n));
            }
            Some(("score", v)) => {
                let n: f64 = v.parse().unwrap();
                keep.push(Box::new(move |_, l| l.top_score == Some(n)));
            }
            _ => text.push(word),
        }
    }
    let fold = |t: &str| -> String {
        t.chars()
            .flat_map(char::to_lowercase)
            .map(nucleo_matcher::chars::normalize)
            .flat_map(char::to_lowercase)
            .collect()
    };
    // Which leads match: every word (folded) is a substring of one field (folded).
    let words: Vec<String> = text.iter().map(|w| fold(w)).collect();
    let mut hits: Vec<u32> = Vec::new();
    for (i, l) in leads.iter().enumerate() {
        if !keep.iter().all(|k| k(i, l)) {
            continue;
        }
        let fields: Vec<String> = [
            l.name.as_str(),
            l.headline().unwrap_or(""),
            l.email().unwrap_or(""),
            l.company_name().unwrap_or(""),
            l.company
                .as_ref()
                .and_then(|c| c.domain.as_deref())
                .unwrap_or(""),
            l.company
                .as_ref()
                .and_then(|c| c.industry.as_deref())
                .unwrap_or(""),
        ]
        .iter()
        .map(|f| fold(f))
        .collect();
        if words
            .iter()
            .all(|w| fields.iter().any(|f| f.contains(w.as_str())))
        {
            hits.push(i as u32);
        }
    }
    hits
}

/// `got` holds exactly the `want` leads, and in best-match order when there are words: by
/// the filter's score (highest first), ties in the server's order.
fn same_rows(data: &Dataset, query: &Query, got: &[u32], want: &[u32]) -> Result<(), String> {
    let (mut a, mut b) = (got.to_vec(), want.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return Err(format!("rows {a:?} != reference {b:?}"));
    }
    if query.ranks() {
        let mut scorer = Scorer::default();
        let scores: Vec<(u32, u32)> = got
            .iter()
            .map(|&i| {
                let sc = query
                    .text_score(data.match_key(i), &mut scorer)
                    .unwrap_or(0);
                (u32::MAX - sc, i)
            })
            .collect();
        if !scores.windows(2).all(|w| w[0] <= w[1]) {
            return Err(format!("not in best-match order: {scores:?}"));
        }
    } else if !got.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("not in the server's order: {got:?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn filter_equals_brute_force(
        parts in proptest::collection::vec(lead_strategy(), 0..60),
        text in "[a-zA-Zë渡 ]{0,4}",
        token in proptest::sample::select(vec!["", "status:new", "status:contacted", "status:unknown", "is:failed", "is:pending", "is:selected", "signals:>2", "score:3"]),
        pending in proptest::collection::vec(any::<bool>(), 60),
        chosen in proptest::collection::vec(any::<bool>(), 60),
    ) {
        let leads: Vec<Lead> = parts.iter().enumerate().map(|(n, p)| make_lead(n, p)).collect();
        let mut data = Dataset::default();
        data.merge(leads.clone());
        let mut queue = Queue::new(4, Backoff::default(), Jitter::seeded(1));
        for (n, l) in leads.iter().enumerate() {
            if pending[n] {
                queue.change(l.id, lead_triage::api::GroupBy::Person, l.status, Status::Dismissed);
            }
        }
        // Some queued changes are refused by the server: they become failed.
        let batches = queue.take_batches();
        for b in batches {
            let errors = b.items.iter().step_by(2).map(|i| lead_triage::api::ItemError { id: i.entity_id.to_string(), error: "not_found".into() }).collect();
            let updated = b.items.iter().skip(1).step_by(2).map(|i| i.entity_id.to_string()).collect();
            queue.reconcile(b.id, Ok(lead_triage::api::PatchOutcome { updated, errors }));
        }
        let selected: HashSet<u32> = (0..leads.len() as u32).filter(|i| chosen[*i as usize]).collect();
        let input = format!("{text} {token}");
        let query = Query::parse(&input);
        let got = compute_rows(&ViewInput {
            data: &data,
            queue: &queue,
            selected: &selected,
            query: &query,
            key: SortKey::Recency,
            descending: true,
        });
        // The reference reads confirmed statuses from the data as the queue left them.
        let current: Vec<Lead> = data.leads.iter().map(|r| r.to_lead()).collect();
        let want = reference(&current, &queue, &selected, &input);
        prop_assert_eq!(same_rows(&data, &query, &got, &want), Ok(()));
    }
}

#[test]
fn large_lists_match_on_two_threads_with_the_same_result() {
    // Above the threshold where matching is split across two threads.
    let parts: Vec<Parts> = (0..30_000usize)
        .map(|n| {
            (
                WORDS[n % 8].to_owned(),
                Some(format!("{} Co", WORDS[(n / 8) % 8])),
                Some(format!("Head of {}", WORDS[(n / 64) % 8])),
                None,
                (n % 4) as u8,
                (n % 7) as u8,
                (n % 4) as u8,
            )
        })
        .collect();
    let leads: Vec<Lead> = parts
        .iter()
        .enumerate()
        .map(|(n, p)| make_lead(n, p))
        .collect();
    let mut data = Dataset::default();
    data.merge(leads.clone());
    let queue = Queue::new(4, Backoff::default(), Jitter::seeded(1));
    let selected = HashSet::new();
    for input in ["a", "rk", "zoë co", "status:new la", "signals:>2 vp"] {
        let query = Query::parse(input);
        let got = compute_rows(&ViewInput {
            data: &data,
            queue: &queue,
            selected: &selected,
            query: &query,
            key: SortKey::Recency,
            descending: true,
        });
        let want = reference(&leads, &queue, &selected, input);
        assert_eq!(same_rows(&data, &query, &got, &want), Ok(()), "{input}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_page_shows_after_one_round_trip() {
    let server = demo_server::start(ServerConfig {
        leads: 250,
        latency_ms: 200,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let key_ = ApiKey::new(server.api_key()).unwrap();
    let client = Client::new(
        ClientConfig::new(&server.base_url(), key_)
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let state = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(3),
    );
    let mut r = Runner::new(client, state, None);
    r.apply(Msg::Resize(200, 50));
    r.start();
    assert!(
        r.run_until(Duration::from_secs(30), |s| !s.data().leads.is_empty())
            .await
    );
    assert_eq!(r.state.data().leads.len(), 100, "the first page, limit 100");
    let log = common::hook_get_async(&server, "/__log").await;
    let answered: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["status"].is_null())
        .collect();
    assert_eq!(
        answered.len(),
        1,
        "only the first GET had been answered: {log}"
    );
    assert_eq!(answered[0]["path"], "/api/signals/leads");
    // Statuses arrive afterwards, learned while the next pages load.
    assert!(
        r.run_until(Duration::from_secs(30), |s| s.data().load
            == LoadState::Loaded)
            .await
    );
    assert!(
        r.state
            .data()
            .leads
            .iter()
            .all(|l| l.status != Status::Unknown)
    );
    let stats = common::hook_get_async(&server, "/__stats").await;
    assert_eq!(stats["requests"]["GET /api/signals/leads"], 3);
    assert_eq!(stats["requests"]["GET /api/signals"], 3);
}
