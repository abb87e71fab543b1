//! A Puffle-compatible HTTP server with seeded demo data, fault injection and test hooks.
//!
//! It implements the contract in `PUFFLE_API.md` (`GET`/`PATCH /api/signals/leads`,
//! `GET /api/signals`) on `127.0.0.1`, so the app can be demoed and tested without a Puffle
//! account. Extra behaviour, all opt-in through [`ServerConfig`] or the `/__faults` hook:
//! latency, random 5xx, a sliding-window rate limit, dropped connections and hostile strings.
//!
//! Test hooks (no auth): `GET /__stats`, `GET /__log`, `POST /__forget`, `POST /__reset`,
//! `GET /__statuses`, `GET|POST /__faults`. See [`hooks`] for their exact semantics.
//!
//! Choices the contract leaves open:
//! * sort order is descending by the sort key, ties broken by entity id ascending;
//! * the cursor is the id of the last row of the previous page;
//! * `status` appears on lead rows only with [`ServerConfig::status_on_rows`];
//! * `limit` defaults to 50 and must be 1..=100; `/api/signals?ids=` takes at most 100 ids.

mod data;
mod error;
mod faults;
mod hooks;
mod hostile;
mod order;
mod pools;
mod render;
mod rng;
mod routes;
mod state;
mod stats;

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{any, get};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use data::Dataset;
use faults::{FaultSettings, Faults};
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
}

impl App {
    fn new(cfg: ServerConfig) -> App {
        let data = Dataset::generate(cfg.leads, cfg.seed, cfg.hostile);
        let faults = Faults::new(
            FaultSettings {
                latency_ms: cfg.latency_ms,
                fail_rate: cfg.fail_rate.clamp(0.0, 1.0),
                rate_limit: cfg.rate_limit,
                drop_rate: cfg.drop_rate.clamp(0.0, 1.0),
                down: false,
            },
            cfg.seed,
        );
        App {
            live: Mutex::new(LiveState::initial(&data)),
            stats: Arc::default(),
            faults,
            data,
            cfg,
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
            get(routes::list_signals).fallback(routes::method_not_allowed),
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
        .route("/__statuses", get(hooks::statuses))
        .route("/__faults", get(hooks::get_faults).post(hooks::set_faults));
    api.merge(test_hooks)
        .fallback(hooks::not_found)
        .with_state(app)
}

/// A running server. Dropping it (or calling [`ServerHandle::shutdown`]) stops the server: it
/// stops accepting connections at once and lets in-flight requests finish. Neither blocks, so
/// both are safe inside async code.
pub struct ServerHandle {
    addr: SocketAddr,
    api_key: String,
    stop: Option<oneshot::Sender<()>>,
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
        if let Some(stop) = self.stop.take() {
            // An Err only means the server already stopped.
            let _ = stop.send(());
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

/// Generates the data (off the async threads) and binds the listener.
async fn prepare(cfg: ServerConfig) -> io::Result<(TcpListener, Arc<App>)> {
    let port = cfg.port;
    let app = tokio::task::spawn_blocking(move || App::new(cfg))
        .await
        .map_err(io::Error::other)?;
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    Ok((listener, Arc::new(app)))
}

async fn serve(listener: TcpListener, app: Arc<App>, stop: oneshot::Receiver<()>) {
    let result = axum::serve(listener, router(app))
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
    let (listener, app) = prepare(cfg).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel();
    tokio::spawn(serve(listener, app, stopped));
    Ok(ServerHandle {
        addr,
        api_key,
        stop: Some(stop),
    })
}

/// Starts the server on a dedicated thread with its own 2-worker tokio runtime, so it works from
/// sync code and from inside another runtime. Returns once listening. The thread ends (and its
/// runtime with it) after the handle is dropped and in-flight requests finished.
pub fn spawn_background(cfg: ServerConfig) -> io::Result<ServerHandle> {
    let api_key = cfg.api_key.clone();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<SocketAddr>>();
    let (stop, stopped) = oneshot::channel();
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
                let ready = prepare(cfg)
                    .await
                    .and_then(|(l, app)| Ok((l.local_addr()?, l, app)));
                match ready {
                    Ok((addr, listener, app)) => {
                        let _ = ready_tx.send(Ok(addr));
                        serve(listener, app, stopped).await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })?;
    let addr = ready_rx
        .recv()
        .map_err(|_| io::Error::other("demo server thread exited before listening"))??;
    Ok(ServerHandle {
        addr,
        api_key,
        stop: Some(stop),
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
