//! The outreach routes (`PUFFLE_API.md` §12): `POST /api/signals/generate` drafts a DM and/or a
//! public comment per signal, `PATCH /api/signals` saves edited drafts, votes, notes and the
//! signal's own status. Both are `/api` routes, so the fault pipeline applies to them as to
//! the others; `PATCH /api/signals` also obeys `max_body_bytes`, `strict_batch`, `omit_rate`
//! and `upper_case_ids`, in that order, exactly as `PATCH /api/signals/leads` does.
//!
//! Generate:
//! * 1–20 items (else 400 `invalid_request`), each `{"id"|"signalId", "dm"?, "comment"?}`
//!   asking for at least one kind (else 400), `dm` / `comment` booleans (else 400);
//! * an unknown (or malformed) id is answered per item with `"error":"not_found"`;
//! * an item whose (signal, kind) another request is drafting right now, or an earlier item
//!   of the same request, is answered at once with `"error":"already_in_flight"`;
//! * the others are drafted after [`ServerConfig::generate_ms`](crate::ServerConfig) (one wait
//!   per request), stored on the signal (later `GET /api/signals` rows carry `dmText` /
//!   `commentText`), and answered with `dm: {text, profileUrl, messagingUrl}` and
//!   `comment: {text, sourceUrl}`. A client that hangs up during the wait frees its claims.
//!
//! Signal PATCH: 1–200 items (else 400), each an object with a string `id` (else 400); per item
//! `not_found` (unknown id), `invalid_vote` (`vote` not `"up"`, `"down"` or `null`),
//! `invalid_status` (`status` not `new`, `commented` or `dismissed`) or `invalid_request` (no
//! field to change, or `dmText` / `commentText` / `comment` not a string); such an item is not
//! applied. Answers `{"updated":[ids as sent],"errors":[{"id","error"}]}`; idempotent.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use serde_json::{Map, Value, json};

use super::App;
use super::drafts;
use super::error::ApiError;
use super::state::lock;

/// Bounds on generate `items`.
const MAX_GENERATE_ITEMS: usize = 20;
/// Bounds on signal PATCH `items`.
const MAX_PATCH_ITEMS: usize = 200;
/// The per-item code of a draft another call is still writing.
const ALREADY_IN_FLIGHT: &str = "already_in_flight";

/// A kind of draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Dm,
    Comment,
}

/// Feedback on a signal's quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vote {
    Up,
    Down,
}

impl Vote {
    fn as_str(self) -> &'static str {
        match self {
            Vote::Up => "up",
            Vote::Down => "down",
        }
    }
}

/// The signal's own status (not the lead's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignalStatus {
    New,
    Commented,
    Dismissed,
}

impl SignalStatus {
    fn parse(s: &str) -> Option<SignalStatus> {
        match s {
            "new" => Some(SignalStatus::New),
            "commented" => Some(SignalStatus::Commented),
            "dismissed" => Some(SignalStatus::Dismissed),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            SignalStatus::New => "new",
            SignalStatus::Commented => "commented",
            SignalStatus::Dismissed => "dismissed",
        }
    }
}

/// What a signal carries besides its seeded data. Kept in the live state, so `POST /__reset`
/// forgets it.
#[derive(Clone, Debug, Default)]
pub(crate) struct SignalOutreach {
    pub dm_text: Option<String>,
    pub comment_text: Option<String>,
    /// `Some(None)`: a vote was set and cleared since (rendered as `"vote": null`).
    pub vote: Option<Option<Vote>>,
    pub note: Option<String>,
    pub status: Option<SignalStatus>,
    /// Drafts made so far, DM and comment: the next one is the next variant.
    drafted: [u32; 2],
}

impl SignalOutreach {
    /// Adds the fields that are set to a signal row.
    pub(crate) fn render_into(&self, row: &mut Map<String, Value>) {
        if let Some(t) = &self.dm_text {
            row.insert("dmText".into(), t.clone().into());
        }
        if let Some(t) = &self.comment_text {
            row.insert("commentText".into(), t.clone().into());
        }
        if let Some(v) = self.vote {
            row.insert("vote".into(), v.map_or(Value::Null, |v| v.as_str().into()));
        }
        if let Some(n) = &self.note {
            row.insert("comment".into(), n.clone().into());
        }
        if let Some(s) = self.status {
            row.insert("status".into(), s.as_str().into());
        }
    }
}

/// The (signal, kind) pairs being drafted right now.
#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashSet<(u32, Kind)>>);

/// Pairs claimed by one generate request; dropping it frees them (also when the client hangs
/// up and the handler is dropped mid-wait).
struct Claim {
    app: Arc<App>,
    keys: Vec<(u32, Kind)>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut set = lock(&self.app.in_flight.0);
        for k in &self.keys {
            set.remove(k);
        }
    }
}

/// Claims every kind of one item, or none when any of them is being drafted.
fn claim(app: &Arc<App>, signal: u32, kinds: &[Kind]) -> Option<Claim> {
    let mut set = lock(&app.in_flight.0);
    if kinds.iter().any(|&k| set.contains(&(signal, k))) {
        return None;
    }
    let keys: Vec<_> = kinds.iter().map(|&k| (signal, k)).collect();
    set.extend(keys.iter().copied());
    Some(Claim {
        app: Arc::clone(app),
        keys,
    })
}

fn body_json(body: Result<Bytes, BytesRejection>) -> Result<(Bytes, Value), ApiError> {
    let body = body.map_err(|e| ApiError::invalid(format!("could not read body: {e}")))?;
    let value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::invalid(format!("body is not valid JSON: {e}")))?;
    Ok((body, value))
}

/// `items`, an array of `1..=max` entries.
fn items(value: &Value, max: usize) -> Result<&[Value], ApiError> {
    let bounds = || format!("items must contain between 1 and {max} entries");
    let items = value
        .get("items")
        .ok_or_else(|| ApiError::invalid(format!("items is required; {}", bounds())))?
        .as_array()
        .ok_or_else(|| ApiError::invalid("items must be an array"))?;
    if items.is_empty() || items.len() > max {
        return Err(ApiError::invalid(bounds()));
    }
    Ok(items)
}

/// One generate item as sent.
struct GenerateItem {
    id: String,
    kinds: Vec<Kind>,
}

fn parse_generate(value: &Value) -> Result<Vec<GenerateItem>, ApiError> {
    items(value, MAX_GENERATE_ITEMS)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item
                .get("id")
                .or_else(|| item.get("signalId"))
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid(format!("items[{i}].id must be a string")))?;
            let wants = |key: &str| match item.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(ApiError::invalid(format!(
                    "items[{i}].{key} must be a boolean"
                ))),
            };
            let kinds: Vec<Kind> = [(Kind::Dm, wants("dm")?), (Kind::Comment, wants("comment")?)]
                .into_iter()
                .filter_map(|(k, on)| on.then_some(k))
                .collect();
            if kinds.is_empty() {
                return Err(ApiError::invalid(format!(
                    "items[{i}] must ask for a dm and/or a comment (\"dm\": true, \"comment\": true)"
                )));
            }
            Ok(GenerateItem {
                id: id.to_owned(),
                kinds,
            })
        })
        .collect()
}

/// What a generate item will get.
enum Plan {
    NotFound,
    InFlight,
    Draft(u32, Claim),
}

/// `POST /api/signals/generate`; see the module docs.
pub(crate) async fn generate(
    State(app): State<Arc<App>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let (_, value) = body_json(body)?;
    let items = parse_generate(&value)?;
    let plans: Vec<Plan> = items
        .iter()
        .map(|item| match app.data.signal_str(&item.id) {
            None => Plan::NotFound,
            Some(signal) => match claim(&app, signal, &item.kinds) {
                Some(c) => Plan::Draft(signal, c),
                None => Plan::InFlight,
            },
        })
        .collect();
    let refused = plans.iter().filter(|p| matches!(p, Plan::InFlight)).count();
    app.stats.record_generate(items.len(), refused);
    if plans.iter().any(|p| matches!(p, Plan::Draft(..))) && app.cfg.generate_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.cfg.generate_ms)).await;
    }
    let mut results = Vec::with_capacity(items.len());
    let (mut dms, mut comments) = (0, 0);
    {
        let mut live = lock(&app.live);
        for (item, plan) in items.iter().zip(plans) {
            let mut result = Map::new();
            result.insert("id".into(), item.id.clone().into());
            match plan {
                Plan::NotFound => {
                    result.insert("error".into(), "not_found".into());
                }
                Plan::InFlight => {
                    result.insert("error".into(), ALREADY_IN_FLIGHT.into());
                }
                Plan::Draft(signal, claim) => {
                    let state = live.outreach_mut(signal);
                    for kind in &item.kinds {
                        match kind {
                            Kind::Dm => {
                                let d = drafts::dm(&app.data, signal, state.drafted[0]);
                                state.drafted[0] += 1;
                                state.dm_text = Some(d.text.clone());
                                dms += 1;
                                result.insert(
                                    "dm".into(),
                                    json!({
                                        "text": d.text,
                                        "profileUrl": d.profile_url,
                                        "messagingUrl": d.messaging_url,
                                    }),
                                );
                            }
                            Kind::Comment => {
                                let c = drafts::comment(&app.data, signal, state.drafted[1]);
                                state.drafted[1] += 1;
                                state.comment_text = Some(c.text.clone());
                                comments += 1;
                                result.insert(
                                    "comment".into(),
                                    json!({ "text": c.text, "sourceUrl": c.source_url }),
                                );
                            }
                        }
                    }
                    // Freed only once the drafts are stored: a retry that is let in sees them.
                    drop(claim);
                }
            }
            results.push(Value::Object(result));
        }
    }
    app.stats.record_drafted(dms, comments);
    Ok(Json(json!({ "results": results })))
}

/// The changes of one signal PATCH item.
#[derive(Default)]
struct Change {
    dm_text: Option<String>,
    comment_text: Option<String>,
    vote: Option<Option<Vote>>,
    note: Option<String>,
    status: Option<SignalStatus>,
}

/// One item: its id as sent, and its change or the per-item error code.
type PatchItem = (String, Result<Change, &'static str>);

fn parse_change(item: &Value) -> Result<Change, &'static str> {
    let text = |key: &str| match item.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err("invalid_request"),
    };
    let change = Change {
        dm_text: text("dmText")?,
        comment_text: text("commentText")?,
        note: text("comment")?,
        vote: match item.get("vote") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s == "up" => Some(Some(Vote::Up)),
            Some(Value::String(s)) if s == "down" => Some(Some(Vote::Down)),
            Some(_) => return Err("invalid_vote"),
        },
        status: match item.get("status") {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .and_then(SignalStatus::parse)
                    .ok_or("invalid_status")?,
            ),
        },
    };
    let empty = change.dm_text.is_none()
        && change.comment_text.is_none()
        && change.note.is_none()
        && change.vote.is_none()
        && change.status.is_none();
    if empty {
        return Err("invalid_request");
    }
    Ok(change)
}

fn parse_patch(value: &Value) -> Result<Vec<PatchItem>, ApiError> {
    items(value, MAX_PATCH_ITEMS)?
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid(format!("items[{i}].id must be a string")))?;
            Ok((id.to_owned(), parse_change(item)))
        })
        .collect()
}

/// `PATCH /api/signals`; see the module docs.
pub(crate) async fn patch_signals(
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
    let (_, value) = body_json(Ok(body))?;
    let items = parse_patch(&value)?;
    let signals: Vec<Option<u32>> = items
        .iter()
        .map(|(id, _)| app.data.signal_str(id))
        .collect();
    if settings.strict_batch
        && let Some(i) = signals.iter().position(Option::is_none)
    {
        return Err(ApiError::invalid(format!(
            "items[{i}].id `{}` is not a known signal; nothing was applied",
            items[i].0
        )));
    }
    let echo = |id: &str| {
        if settings.upper_case_ids {
            id.to_ascii_uppercase()
        } else {
            id.to_owned()
        }
    };
    let omitted = app.faults.omit_rolls(items.len(), settings.omit_rate);
    let mut updated = Vec::new();
    let mut errors = Vec::new();
    {
        let mut live = lock(&app.live);
        for (((id, change), signal), omit) in items.iter().zip(signals).zip(omitted) {
            if omit {
                continue;
            }
            match (signal, change) {
                (None, _) => errors.push(json!({ "id": echo(id), "error": "not_found" })),
                (Some(_), Err(code)) => errors.push(json!({ "id": echo(id), "error": code })),
                (Some(signal), Ok(change)) => {
                    apply(live.outreach_mut(signal), change);
                    updated.push(Value::from(echo(id)));
                }
            }
        }
    }
    app.stats.record_signal_patch(items.len());
    Ok(Json(json!({ "updated": updated, "errors": errors })))
}

fn apply(state: &mut SignalOutreach, change: &Change) {
    if let Some(t) = &change.dm_text {
        state.dm_text = Some(t.clone());
    }
    if let Some(t) = &change.comment_text {
        state.comment_text = Some(t.clone());
    }
    if let Some(v) = change.vote {
        state.vote = Some(v);
    }
    if let Some(n) = &change.note {
        state.note = Some(n.clone());
    }
    if let Some(s) = change.status {
        state.status = Some(s);
    }
}

/// `GET /__signals?ids=a,b`: `{"<signal id>": {dmText?, commentText?, vote?, comment?,
/// status?}}` for those signals (every signal with outreach state, without `ids`). No auth,
/// not counted, no faults; unknown ids are left out, signals with nothing set give `{}`.
pub(crate) async fn signals_hook(
    State(app): State<Arc<App>>,
    query: Result<Query<std::collections::HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(p) = query.map_err(|e| ApiError::invalid(format!("malformed query string: {e}")))?;
    let live = lock(&app.live);
    let data = &app.data;
    let mut out = Map::new();
    let mut put = |index: u32| {
        let mut fields = Map::new();
        if let Some(o) = live.outreach(index) {
            o.render_into(&mut fields);
        }
        out.insert(
            data.signals[index as usize].id.to_string(),
            Value::Object(fields),
        );
    };
    match p.get("ids") {
        Some(raw) => raw
            .split(',')
            .map(str::trim)
            .filter_map(|id| data.signal_str(id))
            .for_each(&mut put),
        None => (0..data.signals.len() as u32)
            .filter(|&i| live.outreach(i).is_some())
            .for_each(&mut put),
    }
    drop(live);
    Ok(Json(Value::Object(out)))
}
