//! Fault injection for `/api` requests, and the middleware that applies it.
//!
//! Every `/api` request goes through [`pipeline`], in this order:
//! count (stats + log) → `down` → rate limit → latency → drop / fail → authentication →
//! `malformed` → handler.
//! Authentication deliberately comes after the faults, so a request with a bad key still
//! consumes rate-limit budget and can still be failed or dropped, as with a real proxy in front
//! of the API. A `malformed` answer (see `malformed.rs`) comes last: the request has been
//! counted, logged and authenticated like any other, and the broken answer takes the place of
//! the handler's.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::App;
use super::error::ApiError;
use super::malformed::{self, Malformed};
use super::rng::Rng;
use super::state::lock;

/// Largest request body accepted (same as axum's default limit).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// The rate limit's default window ("requests per minute").
pub(crate) const RATE_WINDOW_MS: u64 = 60_000;

/// Current fault settings, as returned by `POST /__faults`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct FaultSettings {
    pub latency_ms: u64,
    pub fail_rate: f64,
    pub rate_limit: Option<u32>,
    /// Length of the rate limit's sliding window (60 s by default; tests shorten it through
    /// `/__faults` so a `Retry-After` drill does not take a minute).
    pub rate_window_ms: u64,
    pub drop_rate: f64,
    pub down: bool,
    /// Answer every authenticated `/api` request in this broken way (`null` = off); see
    /// [`Malformed`] for the modes.
    pub malformed: Option<Malformed>,
}

/// What the PRNG decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail(StatusCode),
    /// Close the connection; for a PATCH, `apply` says whether the change is applied first.
    Drop {
        apply: bool,
    },
}

struct FaultState {
    settings: FaultSettings,
    /// Arrival times of admitted requests within the last 60 s.
    window: VecDeque<Instant>,
    rng: Rng,
    /// Bytes of `malformed: "json"` bodies; a stream of its own, so drawing them does not shift
    /// the drop/fail rolls of later requests.
    garbage: Rng,
}

pub(crate) struct Faults {
    initial: FaultSettings,
    seed: u64,
    state: Mutex<FaultState>,
}

impl Faults {
    pub(crate) fn new(initial: FaultSettings, seed: u64) -> Faults {
        Faults {
            initial,
            seed,
            state: Mutex::new(Self::fresh(initial, seed)),
        }
    }

    fn fresh(settings: FaultSettings, seed: u64) -> FaultState {
        FaultState {
            settings,
            window: VecDeque::new(),
            // A stream separate from the data generator's, so faults never disturb the data.
            rng: Rng::new(seed ^ 0xFA17_5EED_D00D_F00D),
            garbage: Rng::new(seed ^ 0x6A4B_A6E5_0B5E_55ED),
        }
    }

    pub(crate) fn settings(&self) -> FaultSettings {
        lock(&self.state).settings
    }

    /// Back to the startup settings, empty rate window and a reseeded PRNG.
    pub(crate) fn reset(&self) {
        *lock(&self.state) = Self::fresh(self.initial, self.seed);
    }

    /// Applies a `/__faults` body. All fields are validated before anything changes.
    pub(crate) fn update(&self, body: &Value) -> Result<FaultSettings, ApiError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ApiError::invalid("body must be a JSON object"))?;
        let mut next = self.settings();
        for (key, value) in obj {
            match key.as_str() {
                "latency_ms" => {
                    next.latency_ms = value.as_u64().ok_or_else(|| {
                        ApiError::invalid("latency_ms must be a non-negative integer")
                    })?;
                }
                "fail_rate" => next.fail_rate = rate(key, value)?,
                "drop_rate" => next.drop_rate = rate(key, value)?,
                "rate_limit" => {
                    next.rate_limit = match value {
                        Value::Null => None,
                        v => Some(v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(
                            || ApiError::invalid("rate_limit must be null or an integer"),
                        )?),
                    };
                }
                "rate_window_ms" => {
                    next.rate_window_ms = value.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                        ApiError::invalid("rate_window_ms must be a positive integer")
                    })?;
                }
                "down" => {
                    next.down = value
                        .as_bool()
                        .ok_or_else(|| ApiError::invalid("down must be a boolean"))?;
                }
                "malformed" => next.malformed = malformed_setting(value)?,
                other => {
                    return Err(ApiError::invalid(format!(
                        "unknown fault setting `{other}`; expected latency_ms, fail_rate, rate_limit, rate_window_ms, drop_rate, down, malformed ({} or null/\"off\")",
                        Malformed::names()
                    )));
                }
            }
        }
        lock(&self.state).settings = next;
        Ok(next)
    }

    /// The garbage bytes of one `malformed: "json"` body (16 to 47 of them).
    fn garbage(&self) -> Vec<u8> {
        let mut st = lock(&self.state);
        let n = 16 + st.garbage.below(32) as usize;
        (0..n)
            .map(|_| malformed::garbage_byte(st.garbage.next_u64()))
            .collect()
    }

    /// Sliding-window rate limiter: admits the request, or returns whole seconds until a slot
    /// frees (at least 1). Rejected requests are not added to the window.
    fn admit(&self, limit: u32) -> Result<(), u64> {
        let now = Instant::now();
        let mut st = lock(&self.state);
        let window = Duration::from_millis(st.settings.rate_window_ms);
        while st
            .window
            .front()
            .is_some_and(|&t| now.duration_since(t) >= window)
        {
            st.window.pop_front();
        }
        let limit = limit as usize;
        if st.window.len() < limit {
            st.window.push_back(now);
            return Ok(());
        }
        // The limit may have been lowered at runtime, so more than one entry may need to expire:
        // a slot frees when the entry at `len - limit` leaves the window.
        let secs = st
            .window
            .get(st.window.len() - limit)
            .map_or(window.as_secs(), |&t| {
                let left = window.saturating_sub(now.duration_since(t));
                left.as_secs() + u64::from(left.subsec_nanos() > 0)
            });
        Err(secs.max(1))
    }

    /// Draws the drop/fail decision. Three numbers are drawn for every request, whatever the
    /// settings, so the n-th request always sees the same rolls for a given seed.
    fn decide(&self, settings: &FaultSettings, is_patch: bool) -> Outcome {
        let mut st = lock(&self.state);
        let drop_roll = st.rng.unit();
        let fail_roll = st.rng.unit();
        let pick = st.rng.next_u64();
        if drop_roll < settings.drop_rate {
            Outcome::Drop {
                apply: is_patch && pick & 1 == 1,
            }
        } else if fail_roll < settings.fail_rate {
            const CODES: [StatusCode; 3] = [
                StatusCode::INTERNAL_SERVER_ERROR,
                StatusCode::BAD_GATEWAY,
                StatusCode::SERVICE_UNAVAILABLE,
            ];
            Outcome::Fail(CODES[((pick >> 1) % 3) as usize])
        } else {
            Outcome::Pass
        }
    }
}

/// `"malformed"`: a mode name, or `null` / `"off"` to switch it off.
fn malformed_setting(value: &Value) -> Result<Option<Malformed>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s == "off" => Ok(None),
        Value::String(s) => Malformed::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown malformed mode `{s}`; expected null, \"off\" or one of {}",
                Malformed::names()
            ))
        }),
        _ => Err(ApiError::invalid(format!(
            "malformed must be null, \"off\" or one of {}",
            Malformed::names()
        ))),
    }
}

fn rate(key: &str, value: &Value) -> Result<f64, ApiError> {
    value
        .as_f64()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| ApiError::invalid(format!("{key} must be a number between 0 and 1")))
}

/// A response whose body fails immediately. Hyper then aborts the connection, so the client
/// sees a reset / incomplete message instead of a usable response. This is the only way to
/// "drop" a connection from inside an axum handler without owning the accept loop.
pub(crate) fn dropped_response() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "demo server: injected connection drop",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// `Authorization: Bearer <key>` with the exact key (the scheme is case-insensitive).
fn authorized(headers: &HeaderMap, key: &str) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && token == key)
}

/// Buffers a PATCH body so its `items` can be logged, then rebuilds the request.
async fn buffer_body(req: Request) -> (Result<Request, ApiError>, Option<Value>) {
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            let items = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|mut v| v.get_mut("items").map(Value::take));
            (Ok(Request::from_parts(parts, Body::from(bytes))), items)
        }
        Err(_) => (
            Err(ApiError::invalid(format!(
                "request body unreadable or larger than {MAX_BODY} bytes"
            ))),
            None,
        ),
    }
}

/// The `/api` middleware; see the module docs for the order of the stages.
pub(crate) async fn pipeline(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    // Latency counts from arrival, so reading and logging the body is part of it.
    let arrived = tokio::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let is_patch = method == Method::PATCH;
    let (req, items) = if is_patch {
        buffer_body(req).await
    } else {
        (Ok(req), None)
    };
    let guard = app.stats.begin(method.as_str(), &path, &query, items);

    let settings = app.faults.settings();
    if settings.down {
        guard.finish(None);
        return dropped_response();
    }
    if let Some(limit) = settings.rate_limit
        && let Err(retry_after_secs) = app.faults.admit(limit)
    {
        let response = ApiError::RateLimited { retry_after_secs }.into_response();
        guard.finish_rate_limited(retry_after_secs);
        return response;
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep_until(arrived + Duration::from_millis(settings.latency_ms)).await;
    }

    match app.faults.decide(&settings, is_patch) {
        Outcome::Fail(code) => {
            let response = ApiError::Injected(code).into_response();
            guard.finish(Some(response.status().as_u16()));
            response
        }
        Outcome::Drop { apply } => {
            // For a PATCH, half of the drops happen after the change was applied: the client
            // cannot tell which, exactly like a connection lost on the way back.
            if apply {
                let _discarded = authenticate_and_handle(&app, &settings, req, next).await;
            }
            guard.finish(None);
            dropped_response()
        }
        Outcome::Pass => {
            let response = authenticate_and_handle(&app, &settings, req, next).await;
            guard.finish(Some(response.status().as_u16()));
            response
        }
    }
}

/// The last stages: report an unreadable body, check the key, then answer malformed (when
/// that fault is on) or run the route handler.
async fn authenticate_and_handle(
    app: &App,
    settings: &FaultSettings,
    req: Result<Request, ApiError>,
    next: Next,
) -> Response {
    match req {
        Err(e) => e.into_response(),
        Ok(req) if !authorized(req.headers(), &app.cfg.api_key) => {
            ApiError::Unauthorized.into_response()
        }
        Ok(req) => match settings.malformed {
            Some(mode) => malformed::respond(mode, req, next, || app.faults.garbage()).await,
            None => next.run(req).await,
        },
    }
}
