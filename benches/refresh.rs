#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! A whole refresh of 20,000 leads, no cache, against the built-in server limited to 600
//! requests a minute (a sliding one-minute window), with the client's budget at the same 600.
//! The floor is requests ÷ rate: 200 list pages and 200 status requests, 40 s. The target is
//! within 1.05× of it with not one 429 (printed per sample, and the run fails on a 429).
//!
//! Long: every sample is a whole refresh (about 41 s); criterion's minimum of 10 samples makes
//! a run about 7 minutes.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig};
use serde_json::Value;

const LEADS: usize = 20_000;
const PER_MIN: u32 = 600;

async fn hook(base: &str, method: reqwest::Method, path: &str) -> Value {
    reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("hook")
        .json()
        .await
        .expect("hook JSON")
}

fn refresh(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = demo_server::spawn_background(ServerConfig {
        leads: LEADS,
        rate_limit: Some(PER_MIN),
        ..ServerConfig::default()
    })
    .expect("server");
    let base = server.base_url();
    let mut g = c.benchmark_group("refresh_20000_at_600_per_min");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(1));
    g.measurement_time(Duration::from_secs(400));
    g.bench_function("whole refresh", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(async {
                    // A fresh window (the reset clears it) and a fresh budget: nothing is
                    // carried over from the last run.
                    hook(&base, reqwest::Method::POST, "/__reset").await;
                    let client = Client::new(
                        ClientConfig::new(&base, ApiKey::new(server.api_key()).expect("key"))
                            .map(|mut cfg| {
                                cfg.rate_limit_per_min = Some(PER_MIN);
                                cfg
                            })
                            .expect("config"),
                    )
                    .expect("client");
                    let state = State::new(
                        Settings::default(),
                        Keymap::default_keymap(),
                        Jitter::seeded(1),
                    );
                    let start = Instant::now();
                    let mut r = Runner::new(client, state, None);
                    r.apply(Msg::Resize(120, 40));
                    r.start();
                    let done = r
                        .run_until(Duration::from_secs(600), |s| {
                            s.data().load == LoadState::Loaded
                        })
                        .await;
                    let took = start.elapsed();
                    assert!(done, "the refresh finished");
                    let stats = hook(&base, reqwest::Method::GET, "/__stats").await;
                    let requests: u64 = stats["requests"]
                        .as_object()
                        .map(|m| m.values().filter_map(Value::as_u64).sum())
                        .unwrap_or(0);
                    let refused = stats["responses"]["429"].as_u64().unwrap_or(0);
                    let floor = Duration::from_secs_f64(requests as f64 * 60.0 / f64::from(PER_MIN));
                    eprintln!(
                        "refresh: {requests} requests in {took:.1?}, floor {floor:.1?}, {:.3}× the floor, {refused} answered 429",
                        took.as_secs_f64() / floor.as_secs_f64()
                    );
                    assert_eq!(refused, 0, "the server had to answer 429");
                    assert_eq!(r.state.data().leads.len(), LEADS);
                    took
                });
            }
            total
        });
    });
    g.finish();
}

criterion_group!(benches, refresh);
criterion_main!(benches);
