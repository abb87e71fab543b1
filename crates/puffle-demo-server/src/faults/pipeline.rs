//! The `/api` middleware: every request through the stages of [`super`] in their order.

use std::io;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::*;
use crate::App;
use crate::error::ApiError;

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

/// Buffers a PATCH or POST body so its `items` can be logged, then rebuilds the request.
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

/// How a request ended, for its log entry and the counters.
enum Finish {
    Status(u16),
    /// Connection dropped on purpose.
    Dropped,
    /// 429 with this many seconds of `Retry-After`.
    RateLimited(u64),
}

/// The `/api` middleware; see the module docs for the order of the stages.
pub(crate) async fn pipeline(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    // Latency counts from arrival, so reading and logging the body is part of it.
    let arrived = tokio::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    // Writes: a PATCH, or a generate call (`POST`); their items are logged, and a drop may
    // come after they were applied.
    let is_patch = method == Method::PATCH || method == Method::POST;
    let (req, items) = if is_patch {
        buffer_body(req).await
    } else {
        (Ok(req), None)
    };
    let guard = app.stats.begin(method.as_str(), &path, &query, items);

    let mut cut = false;
    match app.faults.take_step(method.as_str(), &path) {
        Some(Action::Status {
            status,
            retry_after,
        }) => {
            guard.note_script("status");
            guard.note_retry_after(retry_after.clone());
            let response = ApiError::Forced {
                status,
                retry_after,
            }
            .into_response();
            guard.finish(Some(status.as_u16()));
            return response;
        }
        Some(Action::Stall(ms)) => {
            guard.note_script("stall");
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Some(Action::Cut) => {
            guard.note_script("cut");
            cut = true;
        }
        None => {}
    }

    let (response, finish) = stages(&app, arrived, is_patch, req, next, &guard).await;
    match finish {
        Finish::Dropped => {
            guard.finish(None);
            response
        }
        _ if cut => {
            guard.finish(None);
            cut_response(response).await
        }
        Finish::RateLimited(secs) => {
            guard.finish_rate_limited(secs);
            response
        }
        Finish::Status(code) => {
            guard.finish(Some(code));
            response
        }
    }
}

/// The last part of an emulated latency slept on a blocking thread.
const FINE_SLEEP: Duration = Duration::from_millis(3);

/// Sleep until `due`, within a fraction of a millisecond. tokio's timer counts whole
/// milliseconds and rounds up: a 50 ms `sleep_until` ends 1.3 ms late (median on the project
/// machine, 0.4–1.5 ms), which made `latency_ms = 50` a 51.3 ms latency and charged the
/// difference to the client in `benches/flush.rs`. The last few milliseconds are slept by the
/// OS on a blocking thread instead (late by about 0.2 ms).
async fn sleep_precisely_until(due: tokio::time::Instant) {
    if let Some(coarse) = due.checked_sub(FINE_SLEEP) {
        tokio::time::sleep_until(coarse).await;
    }
    let left = due.saturating_duration_since(tokio::time::Instant::now());
    if !left.is_zero() {
        let _ = tokio::task::spawn_blocking(move || std::thread::sleep(left)).await;
    }
}

/// The stages after `script`: `down`, rate limit, latency, drop / fail, then the handler.
async fn stages(
    app: &App,
    arrived: tokio::time::Instant,
    is_patch: bool,
    req: Result<Request, ApiError>,
    next: Next,
    guard: &RequestGuard,
) -> (Response, Finish) {
    let settings = app.faults.settings();
    if settings.down {
        return (dropped_response(), Finish::Dropped);
    }
    let mut rate = None;
    if let Some(limit) = settings.rate_limit {
        match app.faults.admit(limit) {
            Ok((remaining, reset)) => rate = Some((limit, remaining, reset)),
            Err(retry_after_secs) => {
                let mut response = ApiError::RateLimited { retry_after_secs }.into_response();
                if settings.rate_headers {
                    rate_headers(&mut response, (limit, 0, retry_after_secs));
                }
                return (response, Finish::RateLimited(retry_after_secs));
            }
        }
    }
    let (mut response, finish) =
        past_the_limit(app, arrived, is_patch, req, next, guard, &settings).await;
    if settings.rate_headers
        && let Some(rate) = rate
    {
        rate_headers(&mut response, rate);
    }
    (response, finish)
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (whole seconds until a slot frees).
fn rate_headers(response: &mut Response, (limit, remaining, reset): (u32, u32, u64)) {
    let h = response.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
}

/// Latency, drop / fail, then the handler.
async fn past_the_limit(
    app: &App,
    arrived: tokio::time::Instant,
    is_patch: bool,
    req: Result<Request, ApiError>,
    next: Next,
    guard: &RequestGuard,
    settings: &FaultSettings,
) -> (Response, Finish) {
    let settings = settings.clone();
    if settings.latency_ms > 0 {
        sleep_precisely_until(arrived + Duration::from_millis(settings.latency_ms)).await;
    }

    match app.faults.decide(&settings, is_patch) {
        Outcome::Fail(status) => {
            guard.note_retry_after(settings.fail_retry_after.clone());
            let response = ApiError::Injected {
                status,
                retry_after: settings.fail_retry_after.clone(),
            }
            .into_response();
            let code = response.status().as_u16();
            (response, Finish::Status(code))
        }
        Outcome::Drop { apply } => {
            // For a PATCH, half of the drops happen after the change was applied: the client
            // cannot tell which, exactly like a connection lost on the way back.
            if apply {
                let _discarded = authenticate_and_handle(app, &settings, req, next).await;
            }
            (dropped_response(), Finish::Dropped)
        }
        Outcome::Pass => {
            let response = authenticate_and_handle(app, &settings, req, next).await;
            let code = response.status().as_u16();
            (response, Finish::Status(code))
        }
    }
}

/// The `cut` step: the first half of the answer's bytes under its full `Content-Length`, then
/// an aborted connection.
async fn cut_response(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(full) = axum::body::to_bytes(body, usize::MAX).await else {
        return dropped_response();
    };
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(full.len()));
    Response::from_parts(
        parts,
        malformed::half_then_abort(full, "demo server: scripted cut"),
    )
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
