//! A Puffle-compatible HTTP server with seeded demo data, fault injection and test hooks.
//!
//! It implements the contract in `PUFFLE_API.md` (`GET`/`PATCH /api/signals/leads`,
//! `GET`/`PATCH /api/signals`, `POST /api/signals/generate`) on `127.0.0.1`, so the app can be demoed and tested without a Puffle
//! account. Extra behaviour, all opt-in through [`ServerConfig`] or the `/__faults` hook:
//! latency, random 5xx (optionally with a `Retry-After`), a sliding-window rate limit, dropped
//! connections and hostile strings; and, through `/__faults` only, malformed answers
//! (`malformed.rs`: bodies that are not JSON, HTML error pages, wrong types, missing fields,
//! truncated and 50 MiB bodies, a looping cursor, error envelopes full of escape sequences).
//!
//! Outreach (`outreach.rs`, `PUFFLE_API.md` §12):
//! * `POST /api/signals/generate` (1–20 items, each asking for a `dm` and/or a `comment`)
//!   waits [`ServerConfig::generate_ms`] (1000 by default, `--generate-ms`), then answers
//!   `{"results":[{"id","dm":{"text","profileUrl","messagingUrl"},"comment":{"text",
//!   "sourceUrl"}}]}` with seeded drafts made from the signal, its person and company (a
//!   regeneration gives the next variant). Per item: `not_found` for an unknown id, and
//!   `already_in_flight`, at once, for a (signal, kind) another call is still drafting;
//! * `PATCH /api/signals` (1–200 items `{"id", "dmText"?, "commentText"?, "vote"?
//!   ("up"|"down"|null), "comment"?, "status"? ("new"|"commented"|"dismissed")}`) answers
//!   `{"updated","errors"}` with per-item `not_found`, `invalid_vote`, `invalid_status` or
//!   `invalid_request` (nothing to change, a non-string text); idempotent;
//! * both are stored per signal: `GET /api/signals` rows then carry `dmText`, `commentText`,
//!   `vote`, `comment` and `status` (each only once set), as does the `GET /__signals` hook.
//!
//! Switches that make it behave like a stricter or sloppier Puffle (config, CLI flag and
//! `/__faults` key alike; all off by default):
//! * `page_cap`: a smaller maximum `limit` on both list endpoints (beyond it 400
//!   `invalid_request`, "limit must be an integer between 1 and N"; the default `limit` shrinks
//!   to the cap);
//! * `ids_cap`: fewer ids accepted by `GET /api/signals?ids=` (beyond it 400);
//! * `omit_rate`: each PATCH item is, with that probability (its own seeded PRNG stream),
//!   neither applied nor listed in `updated` or `errors`;
//! * `upper_case_ids`: PATCH answers echo ids in upper case (requests are case-insensitive
//!   anyway: ids are parsed as UUIDs everywhere, `entityId`, `ids=` and `cursor` included);
//! * `max_body_bytes`: a larger PATCH body gets 413 `payload_too_large`, nothing applied;
//! * `omit_rate`, `upper_case_ids`, `max_body_bytes` and `strict_batch` act on
//!   `PATCH /api/signals` as on `PATCH /api/signals/leads` (an unknown signal for
//!   `strict_batch`);
//! * `strict_batch`: a PATCH naming any unknown entity gets 400 as a whole (the message names
//!   the first bad id and its index), nothing applied;
//! * `repeat_lead`: every lead page after the first starts with the previous page's last lead
//!   again (the cursor is treated as inclusive); pages still end and cover every lead;
//! * `fail_retry_after`: the raw `Retry-After` sent with `fail_rate` failures;
//! * `script` (`/__faults` only): forced answers (a status with an optional raw `Retry-After`,
//!   a stall, a cut connection) for the next matching requests; see `faults.rs`.
//!
//! Test hooks (no auth, not counted, no faults): `GET /__stats`, `GET /__log`, `POST /__forget`,
//! `POST /__reset`, `GET|POST /__statuses` (POST: a teammate's change), `GET|POST /__faults`,
//! `GET /__signals?ids=` (a signal's drafts, vote, note and status; `outreach.rs`);
//! `hooks.rs` documents the others. The request log keeps the newest [`ServerConfig::log_cap`]
//! entries (100,000 by default); `/__stats` counts the dropped ones in `log_dropped`.
//!
//! Every `/api` request (unknown `/api/...` paths included, which get a 404 envelope) passes
//! through the fault pipeline in `faults.rs`: count → script → `down` → rate limit → latency →
//! drop / fail → authentication → malformed → handler.
//!
//! Choices the contract leaves open:
//! * sort order is descending by the sort key, ties broken by entity id ascending;
//! * the cursor is the id of the last row of the previous page;
//! * `status` appears on lead rows only with [`ServerConfig::status_on_rows`];
//! * `limit` defaults to 50 and must be 1..=100; `/api/signals?ids=` takes at most 100 ids;
//! * ids are compared as UUIDs, so upper-case ids name the same entities; a PATCH answer
//!   echoes each id as it was sent (unless `upper_case_ids`).

mod data;
mod drafts;
mod error;
mod faults;
mod hooks;
mod hostile;
mod listener;
mod malformed;
mod order;
mod outreach;
mod pools;
mod render;
mod rng;
mod routes;
mod state;
mod stats;

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use axum::Router;
use axum::routing::{any, get};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use data::Dataset;
use faults::{FaultSettings, Faults};
use listener::GuardedListener;
use state::LiveState;
use stats::Stats;

/// Server configuration. `Default` gives a clean, fault-free server with 500 person leads.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The only accepted bearer key.
    pub api_key: String,
    /// Number of person leads (companies are about a third of that).
    pub leads: usize,
    /// Seed for data generation and fault decisions.
    pub seed: u64,
    /// Also put `"status"` on lead rows (the contract does not document it there).
    pub status_on_rows: bool,
    /// Delay added to every `/api` request.
    pub latency_ms: u64,
    /// Share (0..=1) of `/api` requests answered 500/502/503 `internal_error`.
    pub fail_rate: f64,
    /// Requests per sliding 60 s window over `/api` requests; beyond it 429 + `Retry-After`.
    pub rate_limit: Option<u32>,
    /// Share (0..=1) of `/api` requests whose connection is dropped without a full response.
    pub drop_rate: f64,
    /// Put terminal escape sequences, control/bidi characters, 10 KB names and wrongly typed
    /// fields into about one in five entities.
    pub hostile: bool,
    /// Raw `Retry-After` value sent with the `fail_rate` failures (`None`: no header).
    pub fail_retry_after: Option<String>,
    /// Largest `limit` accepted on the list endpoints (`None`: the hard maximum of 100); a
    /// larger one gets 400 `invalid_request`.
    pub page_cap: Option<usize>,
    /// Most ids accepted by `GET /api/signals?ids=` (`None`: the hard maximum of 100).
    pub ids_cap: Option<usize>,
    /// Share (0..=1) of PATCH items neither applied nor listed in `updated` or `errors`.
    pub omit_rate: f64,
    /// Echo the ids of PATCH answers (`updated`, `errors[].id`) in upper case.
    pub upper_case_ids: bool,
    /// With `rate_limit`: `X-RateLimit-Limit`, `-Remaining` and `-Reset` on every answer.
    pub rate_headers: bool,
    /// Largest PATCH body in bytes (`None`: 2 MiB); larger ones get 413 `payload_too_large`.
    pub max_body_bytes: Option<usize>,
    /// Reject a whole PATCH with 400 when any item names an unknown entity, instead of
    /// reporting per-item `not_found`.
    pub strict_batch: bool,
    /// Every lead page after the first starts with the previous page's last lead again.
    pub repeat_lead: bool,
    /// Most entries kept by the request log behind `/__log` (the newest ones).
    pub log_cap: usize,
    /// How long `POST /api/signals/generate` takes to draft (one wait per request).
    pub generate_ms: u64,
}

impl ServerConfig {
    pub const DEFAULT_API_KEY: &'static str = "pk_live_demo";
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: 0,
            api_key: Self::DEFAULT_API_KEY.to_owned(),
            leads: 500,
            seed: 42,
            status_on_rows: false,
            latency_ms: 0,
            fail_rate: 0.0,
            rate_limit: None,
            drop_rate: 0.0,
            hostile: false,
            fail_retry_after: None,
            page_cap: None,
            ids_cap: None,
            omit_rate: 0.0,
            upper_case_ids: false,
            rate_headers: false,
            max_body_bytes: None,
            strict_batch: false,
            repeat_lead: false,
            log_cap: stats::LOG_CAP,
            generate_ms: 1000,
        }
    }
}

/// Shared server state.
pub(crate) struct App {
    cfg: ServerConfig,
    data: Dataset,
    live: Mutex<LiveState>,
    stats: Arc<Stats>,
    faults: Faults,
    /// The drafts `POST /api/signals/generate` is writing right now.
    in_flight: outreach::InFlight,
    /// Set by the [`ServerHandle`] on shutdown; see [`listener`].
    stopped: Arc<AtomicBool>,
}

impl App {
    fn new(cfg: ServerConfig, stopped: Arc<AtomicBool>) -> App {
        let data = Dataset::generate(cfg.leads, cfg.seed, cfg.hostile);
        let faults = Faults::new(
            FaultSettings {
                latency_ms: cfg.latency_ms,
                fail_rate: cfg.fail_rate.clamp(0.0, 1.0),
                fail_retry_after: cfg.fail_retry_after.clone(),
                rate_limit: cfg.rate_limit,
                drop_rate: cfg.drop_rate.clamp(0.0, 1.0),
                // A zero cap would refuse every request; treat it as "no cap".
                page_cap: cfg.page_cap.filter(|&n| n > 0),
                ids_cap: cfg.ids_cap.filter(|&n| n > 0),
                omit_rate: cfg.omit_rate.clamp(0.0, 1.0),
                upper_case_ids: cfg.upper_case_ids,
                rate_headers: cfg.rate_headers,
                max_body_bytes: cfg.max_body_bytes,
                strict_batch: cfg.strict_batch,
                repeat_lead: cfg.repeat_lead,
                ..FaultSettings::off()
            },
            cfg.seed,
        );
        App {
            live: Mutex::new(LiveState::initial(&data)),
            stats: Arc::new(Stats::new(cfg.log_cap)),
            faults,
            in_flight: outreach::InFlight::default(),
            data,
            cfg,
            stopped,
        }
    }
}

fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route(
            "/api/signals/leads",
            get(routes::list_leads)
                .patch(routes::patch_leads)
                .fallback(routes::method_not_allowed),
        )
        .route(
            "/api/signals",
            get(routes::list_signals)
                .patch(outreach::patch_signals)
                .fallback(routes::method_not_allowed),
        )
        .route(
            "/api/signals/generate",
            axum::routing::post(outreach::generate).fallback(routes::method_not_allowed),
        )
        .route("/api", any(routes::api_not_found))
        .route("/api/{*rest}", any(routes::api_not_found))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            faults::pipeline,
        ));
    let test_hooks = Router::new()
        .route("/__stats", get(hooks::stats))
        .route("/__log", get(hooks::log))
        .route("/__forget", axum::routing::post(hooks::forget))
        .route("/__reset", axum::routing::post(hooks::reset))
        .route(
            "/__statuses",
            get(hooks::statuses).post(hooks::set_statuses),
        )
        .route("/__faults", get(hooks::get_faults).post(hooks::set_faults))
        .route("/__signals", get(outreach::signals_hook));
    api.merge(test_hooks)
        .fallback(hooks::not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            listener::refuse_when_stopped,
        ))
        .with_state(app)
}

/// How long dropping a [`spawn_background`] handle waits for the listening socket to close.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A running server. Dropping it (or calling [`ServerHandle::shutdown`]) stops the server at
/// once: later connections and requests are cut off (clients see a connection error) while
/// requests already being handled finish. For a [`spawn_background`] server, drop also waits
/// (briefly) until the port is closed, so connections are refused afterwards; a [`start`]ed
/// server closes its socket on its runtime's next turn, since blocking there could deadlock.
pub struct ServerHandle {
    addr: SocketAddr,
    api_key: String,
    stopped: Arc<AtomicBool>,
    stop: Option<oneshot::Sender<()>>,
    /// Behind a mutex only so the handle is `Sync` (a `Receiver` is not), and can be shared by
    /// reference across `.await`s in spawned tasks; it is only ever used through `&mut self`.
    closed: Mutex<Option<mpsc::Receiver<()>>>,
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Some(stop) = self.stop.take() {
            // An Err only means the server already stopped.
            let _ = stop.send(());
        }
        let closed = self
            .closed
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(closed) = closed {
            // Timeout or a vanished server thread: nothing more to wait for either way.
            let _ = closed.recv_timeout(CLOSE_WAIT);
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop_now();
    }
}

impl std::fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// A bound, not yet serving server.
struct Prepared {
    addr: SocketAddr,
    listener: GuardedListener,
    app: Arc<App>,
}

/// Generates the data (off the async threads) and binds the listener.
async fn prepare(cfg: ServerConfig, closed: Option<mpsc::Sender<()>>) -> io::Result<Prepared> {
    let port = cfg.port;
    let stopped = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopped);
    let app = tokio::task::spawn_blocking(move || App::new(cfg, flag))
        .await
        .map_err(io::Error::other)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    Ok(Prepared {
        addr: listener.local_addr()?,
        listener: GuardedListener::new(listener, stopped, closed),
        app: Arc::new(app),
    })
}

async fn serve(prepared: Prepared, stop: oneshot::Receiver<()>) {
    let result = axum::serve(prepared.listener, router(prepared.app))
        .with_graceful_shutdown(async {
            // Err means the handle was dropped without sending: stop as well.
            let _ = stop.await;
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "demo server stopped with an error");
    }
}

/// Starts the server on the current tokio runtime (spawns a task); returns once listening.
pub async fn start(cfg: ServerConfig) -> io::Result<ServerHandle> {
    let api_key = cfg.api_key.clone();
    let prepared = prepare(cfg, None).await?;
    let (stop, stop_rx) = oneshot::channel();
    let handle = ServerHandle {
        addr: prepared.addr,
        api_key,
        stopped: Arc::clone(&prepared.app.stopped),
        stop: Some(stop),
        closed: Mutex::new(None),
    };
    tokio::spawn(serve(prepared, stop_rx));
    Ok(handle)
}

/// Starts the server on a dedicated thread with its own 2-worker tokio runtime, so it works from
/// sync code and from inside another runtime. Returns once listening. The thread ends (and its
/// runtime with it) after the handle is dropped and in-flight requests finished.
pub fn spawn_background(cfg: ServerConfig) -> io::Result<ServerHandle> {
    let api_key = cfg.api_key.clone();
    let (ready_tx, ready_rx) = mpsc::channel::<io::Result<(SocketAddr, Arc<AtomicBool>)>>();
    let (closed_tx, closed_rx) = mpsc::channel();
    let (stop, stop_rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("demo-server".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                match prepare(cfg, Some(closed_tx)).await {
                    Ok(prepared) => {
                        let stopped = Arc::clone(&prepared.app.stopped);
                        let _ = ready_tx.send(Ok((prepared.addr, stopped)));
                        serve(prepared, stop_rx).await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    let (addr, stopped) = ready_rx
        .recv()
        .map_err(|_| io::Error::other("demo server thread exited before listening"))??;
    Ok(ServerHandle {
        addr,
        api_key,
        stopped,
        stop: Some(stop),
        closed: Mutex::new(Some(closed_rx)),
    })
}

/// For `lead-triage demo-server`: starts, prints `http://127.0.0.1:PORT` as the first line of
/// stdout (flushed), then serves until Ctrl-C or SIGTERM.
pub async fn run_until_signal(cfg: ServerConfig) -> io::Result<()> {
    let handle = start(cfg).await?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", handle.base_url())?;
        out.flush()?;
    }
    wait_for_signal().await?;
    handle.shutdown();
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> io::Result<()> {
    tokio::signal::ctrl_c().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn handle_is_send_and_sync() {
        fn both<T: Send + Sync>() {}
        both::<super::ServerHandle>();
    }
}
