//! Test hooks under `/__`: no authentication, not counted, not subject to faults.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{Method, Uri};
use serde_json::{Map, Value, json};

use super::App;
use super::data::{EntityRef, Status};
use super::error::ApiError;
use super::faults::FaultsView;
use super::state::{LiveState, lock};
use super::stats::LogEntry;

fn json_body(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let body = body.map_err(|e| ApiError::invalid(format!("could not read body: {e}")))?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("body is not valid JSON: {e}")))
}

/// `GET /__stats`.
///
/// * `requests`: every `/api` request received, keyed by `"METHOD /path"`, whatever happened to
///   it (401, 429, injected 5xx, dropped).
/// * `patch_calls` / `patch_items` / `max_patch_items`: PATCH requests whose body was valid and
///   whose items were applied (the handler produced a 200). Rejected (400/401/429), failed (5xx)
///   and dropped-before-apply PATCHes are not counted; a PATCH dropped *after* being applied is.
/// * `generate_calls` / `generate_items`: `POST /api/signals/generate` calls that passed
///   validation, and their items; `generated_dm` / `generated_comment`: drafts written per
///   kind; `in_flight_refusals`: items answered `already_in_flight`.
/// * `signal_patch_calls` / `signal_patch_items`: `PATCH /api/signals` calls applied (200).
/// * `peak_concurrency` / `in_flight`: `/api` requests between arrival and response production,
///   latency sleep included.
/// * `responses`: completed `/api` responses by status code; `dropped`: connections dropped
///   (`script` cuts included).
/// * `log_dropped`: old entries dropped from `/__log` to keep it at its cap (the newest
///   [`ServerConfig::log_cap`](super::ServerConfig::log_cap), 100,000 by default); the other
///   counters are exact whatever the cap.
/// * `leads`: known (not forgotten) persons and companies; `signals`: total signals.
pub(crate) async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    let mut map = app.stats.snapshot();
    let (persons, companies) = lock(&app.live).known_counts();
    map.insert(
        "leads".into(),
        json!({ "person": persons, "company": companies }),
    );
    map.insert("signals".into(), app.data.signals.len().into());
    Json(Value::Object(map))
}

/// `GET /__log`: the `/api` requests in arrival order (the newest `log_cap` of them). Each entry
/// has `method`, `path`, `query`, `ts_ms`, `status` (`null` = dropped or cut), and when they
/// apply `items` (PATCH), `retry_after_s` (429), `script` (`"status"`, `"stall"`, `"cut"`) and
/// `retry_after` (the raw `Retry-After` of a forced answer).
pub(crate) async fn log(State(app): State<Arc<App>>) -> Json<Vec<LogEntry>> {
    Json(app.stats.log())
}

/// `POST /__forget` `{"ids":[...]}`: those entities become unknown. Unknown ids are ignored;
/// `forgotten` counts entities that were known before the call.
pub(crate) async fn forget(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let value = json_body(body)?;
    let ids = value
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("ids must be an array of entity ids"))?;
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id
            .as_str()
            .ok_or_else(|| ApiError::invalid("ids must contain strings"))?;
        parsed.push(app.data.entity_str(id));
    }
    let mut live = lock(&app.live);
    let forgotten = parsed
        .into_iter()
        .flatten()
        .filter(|&e| live.forget(e))
        .count();
    Ok(Json(json!({ "forgotten": forgotten })))
}

/// `POST /__reset`: seeded statuses, nothing forgotten, counters and log cleared, startup faults.
pub(crate) async fn reset(State(app): State<Arc<App>>) -> Json<Value> {
    *lock(&app.live) = LiveState::initial(&app.data);
    app.stats.reset();
    app.faults.reset();
    Json(json!({ "reset": true }))
}

/// `GET /__statuses`: `{"<entity id>": "<status>"}` for every known person and company.
pub(crate) async fn statuses(State(app): State<Arc<App>>) -> Json<Value> {
    let live = lock(&app.live);
    let data = &app.data;
    let mut map = Map::new();
    let persons = data
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, EntityRef::Person(i as u32)));
    let companies = data
        .companies
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, EntityRef::Company(i as u32)));
    for (id, entity) in persons.chain(companies) {
        if let Some(status) = live.status(entity) {
            map.insert(id.to_string(), status.as_str().into());
        }
    }
    Json(Value::Object(map))
}

/// `POST /__statuses` `{"items":[{"entityId","status"}]}`: sets statuses directly in the live
/// state, as a teammate changing them in the web app would. Not counted in `/__stats`, no
/// faults; person and company ids both work, in any case. Answers
/// `{"updated":[ids as sent], "errors":[{"id","error":"not_found"}]}` (unknown or forgotten
/// ids); a malformed body or status is a 400 and changes nothing.
pub(crate) async fn set_statuses(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let value = json_body(body)?;
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid("items must be an array of {entityId, status}"))?;
    let mut parsed = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = item
            .get("entityId")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid(format!("items[{i}].entityId must be a string")))?;
        let status = item
            .get("status")
            .and_then(Value::as_str)
            .and_then(Status::parse)
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "items[{i}].status must be one of new, contacted, dismissed"
                ))
            })?;
        parsed.push((id, app.data.entity_str(id), status));
    }
    let mut updated = Vec::new();
    let mut errors = Vec::new();
    let mut live = lock(&app.live);
    for (id, entity, status) in parsed {
        match entity {
            Some(e) if live.set_status(e, status) => updated.push(Value::from(id)),
            _ => errors.push(json!({ "id": id, "error": "not_found" })),
        }
    }
    Ok(Json(json!({ "updated": updated, "errors": errors })))
}

/// `GET /__faults`: the current fault settings, and in `script` the number of script steps
/// not yet used.
pub(crate) async fn get_faults(State(app): State<Arc<App>>) -> Json<FaultsView> {
    Json(app.faults.view())
}

/// `POST /__faults`: change any of `latency_ms`, `fail_rate`, `fail_retry_after` (string or
/// null), `rate_limit` (number or null), `rate_window_ms`, `drop_rate`, `down`, `malformed`,
/// `page_cap`, `ids_cap`, `max_body_bytes` (positive number or null), `omit_rate` (0..=1),
/// `upper_case_ids`, `strict_batch`, `repeat_lead` (booleans) and `script` (an array, which
/// replaces the remaining script); returns the resulting settings as `GET` does. Every field is
/// validated before anything changes. `POST /__reset` restores the startup settings and
/// empties the script.
///
/// `script` elements: `{"match": "PATCH /api/signals/leads", "status": 429, "retry_after":
/// "2"}`, `{"stall_ms": 60000}`, `{"cut": true}`: an optional `match` (method, space, exact
/// path; absent = any `/api` request) and exactly one action; see `faults.rs`.
///
/// `malformed` takes `null` or `"off"` (normal answers) or one of these modes, each described
/// on [`super::malformed::Malformed`]: `"json"` (a 200 that is not JSON), `"html"` (a 502 HTML
/// page), `"types"` (valid JSON, wrong types), `"missing"` (`{}`), `"truncated"` (a body shorter
/// than its `Content-Length`), `"huge"` (a 50 MiB body), `"cursor_loop"` (the lead list repeats
/// its cursor for ever) and `"hostile_error"` (a 400 envelope full of escape sequences).
pub(crate) async fn set_faults(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<FaultsView>, ApiError> {
    let value = json_body(body)?;
    Ok(Json(app.faults.update(&value)?))
}

/// Anything outside `/api` and the hooks.
pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("{method} {}", uri.path()))
}
