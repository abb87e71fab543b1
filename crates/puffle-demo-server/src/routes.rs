//! Handlers for the Puffle API routes (`/api/...`).
//!
//! Authentication and fault injection happen before these run, in [`super::faults::pipeline`].
//! Query strings are parsed leniently: unknown parameters (`since`, `minScore`, ... on
//! `/api/signals`) are ignored and an empty `cursor=` counts as "first page", but the documented
//! parameters are validated strictly and rejected with the `invalid_request` envelope.
//!
//! The data-shaping switches of [`super::faults::FaultSettings`] act here: `page_cap` and
//! `ids_cap` (smaller limits), `repeat_lead` (overlapping lead pages), and on PATCH
//! `max_body_bytes`, `strict_batch`, `omit_rate` and `upper_case_ids`, in that order.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use serde_json::{Value, json};

use super::App;
use super::data::{EntityRef, GroupBy, SortBy, Status};
use super::error::ApiError;
use super::order::Ordering;
use super::render;
use super::state::lock;

type Params = HashMap<String, String>;

/// Maximum `limit`, and maximum number of `ids` on `/api/signals`.
const MAX_LIMIT: usize = 100;
const DEFAULT_LIMIT: usize = 50;
/// Bounds on PATCH `items`.
const MAX_PATCH_ITEMS: usize = 200;

fn params(query: Result<Query<Params>, QueryRejection>) -> Result<Params, ApiError> {
    query
        .map(|Query(p)| p)
        .map_err(|e| ApiError::invalid(format!("malformed query string: {e}")))
}

/// `limit`, at most `page_cap` (when set) and never above [`MAX_LIMIT`]. Without a `limit`,
/// the default shrinks to the cap.
fn parse_limit(p: &Params, page_cap: Option<usize>) -> Result<usize, ApiError> {
    let max = page_cap.map_or(MAX_LIMIT, |cap| cap.clamp(1, MAX_LIMIT));
    let Some(raw) = p.get("limit") else {
        return Ok(DEFAULT_LIMIT.min(max));
    };
    raw.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| ApiError::invalid(format!("limit must be an integer between 1 and {max}")))
}

fn parse_group(p: &Params) -> Result<GroupBy, ApiError> {
    match p.get("groupBy").map(String::as_str) {
        None | Some("person") => Ok(GroupBy::Person),
        Some("company") => Ok(GroupBy::Company),
        Some(_) => Err(ApiError::invalid("groupBy must be one of person, company")),
    }
}

fn parse_sort(p: &Params) -> Result<SortBy, ApiError> {
    match p.get("sortBy").map(String::as_str) {
        None | Some("recency") => Ok(SortBy::Recency),
        Some("signalCount") => Ok(SortBy::SignalCount),
        Some("topScore") => Ok(SortBy::TopScore),
        Some(_) => Err(ApiError::invalid(
            "sortBy must be one of recency, signalCount, topScore",
        )),
    }
}

/// Comma-separated ids, trimmed, empty pieces skipped.
fn split_ids(raw: &str) -> Vec<&str> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Non-empty `cursor` parameter.
fn cursor(p: &Params) -> Option<&str> {
    p.get("cursor")
        .map(String::as_str)
        .filter(|c| !c.is_empty())
}

struct Page {
    rows: Vec<u32>,
    has_more: bool,
}

/// Takes up to `limit` rows of `order` from position `start`, skipping hidden rows; with a
/// `filter`, only those rows (in `order`'s order). One extra row is probed to set `has_more`.
fn paginate(
    order: &Ordering,
    filter: Option<Vec<u32>>,
    start: usize,
    limit: usize,
    hidden: impl Fn(u32) -> bool,
) -> Page {
    let mut rows = Vec::with_capacity(limit + 1);
    match filter {
        None => {
            for &row in order.rows.get(start..).unwrap_or_default() {
                if hidden(row) {
                    continue;
                }
                rows.push(row);
                if rows.len() > limit {
                    break;
                }
            }
        }
        Some(mut wanted) => {
            wanted.sort_unstable_by_key(|&r| order.rank[r as usize]);
            wanted.dedup();
            for row in wanted {
                if (order.rank[row as usize] as usize) < start || hidden(row) {
                    continue;
                }
                rows.push(row);
                if rows.len() > limit {
                    break;
                }
            }
        }
    }
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    Page { rows, has_more }
}

fn pagination(page: &Page, last_id: Option<String>) -> Value {
    json!({
        "cursor": if page.has_more { last_id } else { None },
        "hasMore": page.has_more,
        "count": page.rows.len(),
    })
}

/// `GET /api/signals/leads`
pub(crate) async fn list_leads(
    State(app): State<Arc<App>>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = params(query)?;
    let settings = app.faults.settings();
    let group = parse_group(&p)?;
    let sort = parse_sort(&p)?;
    let limit = parse_limit(&p, settings.page_cap)?;
    let data = &app.data;
    let order = data.order(group, sort);
    // Maps an entity to its row index in this grouping (None for the other kind).
    let row_of = |e: EntityRef| match (group, e) {
        (GroupBy::Person, EntityRef::Person(i)) | (GroupBy::Company, EntityRef::Company(i)) => {
            Some(i)
        }
        _ => None,
    };
    let entity = |row: u32| match group {
        GroupBy::Person => EntityRef::Person(row),
        GroupBy::Company => EntityRef::Company(row),
    };
    let lookup = |id: &str| data.entity_str(id).and_then(row_of);

    // A cursor stays valid even if its entity was forgotten since: its rank is still known.
    let cursor_row = match cursor(&p) {
        None => None,
        Some(c) => Some(lookup(c).ok_or_else(|| ApiError::invalid("unknown cursor"))?),
    };
    let start = cursor_row.map_or(0, |row| order.rank[row as usize] as usize + 1);
    let filter: Option<Vec<u32>> = p
        .get("ids")
        .map(|raw| split_ids(raw).into_iter().filter_map(lookup).collect());

    let live = lock(&app.live);
    let hidden = |row: u32| live.is_forgotten(entity(row));
    // `repeat_lead`: a page after the first starts with the cursor's row again (when it is
    // still listed), followed by `limit - 1` new rows, at least one, so pagination advances.
    let repeated = cursor_row.filter(|&row| {
        settings.repeat_lead
            && !hidden(row)
            && filter.as_ref().is_none_or(|wanted| wanted.contains(&row))
    });
    let new_rows = match repeated {
        Some(_) => limit.saturating_sub(1).max(1),
        None => limit,
    };
    let mut page = paginate(order, filter, start, new_rows, hidden);
    if let Some(row) = repeated {
        page.rows.insert(0, row);
    }
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|&row| render::lead_row(data, &live, entity(row), app.cfg.status_on_rows))
        .collect();
    drop(live);
    let last_id = page.rows.last().map(|&row| match group {
        GroupBy::Person => data.persons[row as usize].id.to_string(),
        GroupBy::Company => data.companies[row as usize].id.to_string(),
    });
    Ok(Json(
        json!({ "leads": rows, "pagination": pagination(&page, last_id) }),
    ))
}

/// `GET /api/signals`: newest first; `ids` filters to at most 100 signal ids (or `ids_cap`).
pub(crate) async fn list_signals(
    State(app): State<Arc<App>>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = params(query)?;
    let settings = app.faults.settings();
    let limit = parse_limit(&p, settings.page_cap)?;
    let data = &app.data;
    let lookup = |id: &str| data.signal_str(id);
    let max_ids = settings
        .ids_cap
        .map_or(MAX_LIMIT, |cap| cap.clamp(1, MAX_LIMIT));
    let filter = match p.get("ids") {
        None => None,
        Some(raw) => {
            let ids = split_ids(raw);
            if ids.len() > max_ids {
                return Err(ApiError::invalid(format!(
                    "ids accepts at most {max_ids} ids, got {}",
                    ids.len()
                )));
            }
            Some(ids.into_iter().filter_map(lookup).collect())
        }
    };
    let order = &data.signal_order;
    let start = match cursor(&p) {
        None => 0,
        Some(c) => lookup(c)
            .map(|i| order.rank[i as usize] as usize + 1)
            .ok_or_else(|| ApiError::invalid("unknown cursor"))?,
    };
    let page = paginate(order, filter, start, limit, |_| false);
    let live = lock(&app.live);
    let rows: Vec<Value> = page
        .rows
        .iter()
        .map(|&i| render::signal_row(data, &live, i))
        .collect();
    drop(live);
    let last_id = page
        .rows
        .last()
        .map(|&i| data.signals[i as usize].id.to_string());
    Ok(Json(
        json!({ "signals": rows, "pagination": pagination(&page, last_id) }),
    ))
}

/// Validates a PATCH body. Any invalid item rejects the whole batch, so nothing is applied.
fn parse_patch(body: &[u8]) -> Result<Vec<(String, Status)>, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("body is not valid JSON: {e}")))?;
    let items = value
        .get("items")
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "items is required and must contain between 1 and {MAX_PATCH_ITEMS} entries"
            ))
        })?
        .as_array()
        .ok_or_else(|| ApiError::invalid("items must be an array"))?;
    if items.is_empty() || items.len() > MAX_PATCH_ITEMS {
        return Err(ApiError::invalid(format!(
            "items must contain between 1 and {MAX_PATCH_ITEMS} entries"
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let entity_id = item
                .get("entityId")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::invalid(format!("items[{i}].entityId must be a string"))
                })?;
            let status = item
                .get("status")
                .and_then(Value::as_str)
                .and_then(Status::parse)
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "items[{i}].status must be one of new, contacted, dismissed"
                    ))
                })?;
            Ok((entity_id.to_owned(), status))
        })
        .collect()
}

/// `PATCH /api/signals/leads`. The body is taken raw so that malformed JSON gets our envelope.
/// Items are applied in order (a duplicate id simply ends with its last status); unknown,
/// malformed or forgotten ids are reported per item as `not_found`, echoing the id as sent.
///
/// Switches, in order: `max_body_bytes` (413 before the body is parsed; after authentication,
/// like every handler check), `strict_batch` (400 for the first unknown id, nothing applied),
/// `omit_rate` (items left out of both the change and the answer), `upper_case_ids` (ids
/// echoed in upper case).
pub(crate) async fn patch_leads(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let body = body.map_err(|e| ApiError::invalid(format!("could not read body: {e}")))?;
    let settings = app.faults.settings();
    if let Some(limit) = settings.max_body_bytes
        && body.len() > limit
    {
        return Err(ApiError::PayloadTooLarge {
            limit,
            got: body.len(),
        });
    }
    let items = parse_patch(&body)?;
    let echo = |id: &str| {
        if settings.upper_case_ids {
            id.to_ascii_uppercase()
        } else {
            id.to_owned()
        }
    };
    let mut updated = Vec::new();
    let mut errors = Vec::new();
    {
        let mut live = lock(&app.live);
        let entities: Vec<_> = items
            .iter()
            .map(|(id, _)| {
                app.data
                    .entity_str(id)
                    .filter(|&e| live.status(e).is_some())
            })
            .collect();
        if settings.strict_batch
            && let Some(i) = entities.iter().position(Option::is_none)
        {
            return Err(ApiError::invalid(format!(
                "items[{i}].entityId `{}` is not a known entity; nothing was applied",
                items[i].0
            )));
        }
        let omitted = app.faults.omit_rolls(items.len(), settings.omit_rate);
        for (((id, status), entity), omit) in items.iter().zip(entities).zip(omitted) {
            if omit {
                continue;
            }
            match entity {
                Some(e) if live.set_status(e, *status) => updated.push(Value::from(echo(id))),
                _ => errors.push(json!({ "id": echo(id), "error": "not_found" })),
            }
        }
    }
    app.stats.record_patch(items.len());
    Ok(Json(json!({ "updated": updated, "errors": errors })))
}

/// Unknown `/api` paths.
pub(crate) async fn api_not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::NotFound(format!("{method} {}", uri.path()))
}

/// Known `/api` path, wrong method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
