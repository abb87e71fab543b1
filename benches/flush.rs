#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Flushing 10,000 changes against the built-in server with 50 ms latency, at concurrency 1, 4
//! and 8. The floor is ceil(50 / c) × 50 ms.

mod support;

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::{ApiKey, Client, ClientConfig};
use lead_triage::app::state::LoadState;
use lead_triage::app::{Msg, Settings, State};
use lead_triage::keymap::Keymap;
use lead_triage::runner::Runner;
use lead_triage::sync::backoff::Jitter;
use puffle_demo_server::{self as demo_server, ServerConfig};

fn flush(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = demo_server::spawn_background(ServerConfig {
        leads: 10_000,
        status_on_rows: true,
        ..ServerConfig::default()
    })
    .expect("server");
    let mut g = c.benchmark_group("flush_10000_latency_50ms");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    for conc in [1usize, 4, 8] {
        let client = Client::new(
            ClientConfig::new(
                &server.base_url(),
                ApiKey::new(server.api_key()).expect("key"),
            )
            .map(ClientConfig::unpaced)
            .expect("config"),
        )
        .expect("client");
        let settings = Settings {
            debounce: Duration::from_secs(3600),
            concurrency: conc,
            // No "set 10,000 leads?" question: the flush is what is measured.
            confirm_over: 0,
            ..Settings::default()
        };
        let state = State::new(settings, Keymap::default_keymap(), Jitter::seeded(1));
        let mut runner = rt.block_on(async {
            let mut r = Runner::new(client, state, None);
            r.apply(Msg::Resize(200, 50));
            r.start();
            r.run_until(Duration::from_secs(300), |s| {
                s.data().load == LoadState::Loaded
            })
            .await;
            r
        });
        let mut next = 'c';
        let round = |r: &mut Runner, status: char, measured: bool| -> Duration {
            rt.block_on(async {
                r.apply(Msg::Key(KeyEvent::new(
                    KeyCode::Char('a'),
                    KeyModifiers::CONTROL,
                )));
                r.apply(support::key(status));
                assert!(
                    !measured || r.state.queue.counts.pending == r.state.data().leads.len(),
                    "the status key queued the whole selection"
                );
                let start = Instant::now();
                r.apply(support::key('$'));
                r.run_until(Duration::from_secs(300), |s| s.queue.is_idle())
                    .await;
                start.elapsed()
            })
        };
        // Latency only from here on; make every lead contacted first.
        round(&mut runner, 'c', false);
        common_latency(&server, 50);
        g.bench_with_input(BenchmarkId::from_parameter(conc), &conc, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    next = if next == 'c' { 'd' } else { 'c' };
                    total += round(&mut runner, next, true);
                }
                total
            })
        });
        common_latency(&server, 0);
    }
    g.finish();
}

/// Set the server's latency through its hook.
fn common_latency(server: &demo_server::ServerHandle, ms: u64) {
    let url = format!("{}/__faults", server.base_url());
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    reqwest::Client::new()
                        .post(url)
                        .json(&serde_json::json!({ "latency_ms": ms }))
                        .send()
                        .await
                        .expect("hook")
                })
        });
    });
}

criterion_group!(benches, flush);
criterion_main!(benches);
