//! Fault injection for `/api` requests, and the middleware that applies it.
//!
//! Every `/api` request goes through [`pipeline`], in this order:
//! count (stats + log) → `script` → `down` → rate limit → latency → drop / fail →
//! authentication → `malformed` → handler.
//! Authentication deliberately comes after the faults, so a request with a bad key still
//! consumes rate-limit budget and can still be failed or dropped, as with a real proxy in front
//! of the API. A `malformed` answer (see `malformed.rs`) comes last: the request has been
//! counted, logged and authenticated like any other, and the broken answer takes the place of
//! the handler's.
//!
//! The `script` stage takes the first remaining [`ScriptStep`] whose `match` fits the request
//! (`"METHOD /path"`, exact; absent = any `/api` request) and removes it:
//! * a `status` step answers at once with that 4xx/5xx and an error envelope (`rate_limited`
//!   for 429, `service_unavailable` for 503, `internal_error` for other 5xx, the documented code
//!   or `invalid_request` for other 4xx), plus `Retry-After` exactly as given. No later stage
//!   runs: no rate-limit budget is used, no key is checked, nothing is applied;
//! * a `stall_ms` step waits that long, then the request goes through the rest of the pipeline;
//! * a `cut` step lets the request go through the rest of the pipeline (a PATCH is applied),
//!   then sends the first half of the answer's bytes under the full `Content-Length` and aborts
//!   the connection.
//!
//! The log entry of a scripted request has `script` (`"status"`, `"stall"` or `"cut"`), its
//! `status` (`null` for a cut) and, for a forced answer, `retry_after` as sent.
//!
//! `fail_rate` failures carry `Retry-After: <fail_retry_after>` when that is set (raw value:
//! seconds or an HTTP date). The data-shaping switches (`page_cap`, `ids_cap`, `omit_rate`,
//! `upper_case_ids`, `max_body_bytes`, `strict_batch`, `repeat_lead`) live in the same
//! [`FaultSettings`] but act in the route handlers (`routes.rs`).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use super::malformed::{self, Malformed};
use super::rng::Rng;
use super::state::lock;
use super::stats::RequestGuard;

/// Largest request body accepted (same as axum's default limit).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// The rate limit's default window ("requests per minute").
pub(crate) const RATE_WINDOW_MS: u64 = 60_000;

/// Every key `POST /__faults` accepts, for the "unknown fault setting" message.
const KEYS: &str = "latency_ms, fail_rate, fail_retry_after, rate_limit, rate_window_ms, \
    drop_rate, down, page_cap, ids_cap, omit_rate, upper_case_ids, max_body_bytes, strict_batch, \
    repeat_lead, rate_headers, script, malformed";

/// Current fault settings; `GET`/`POST /__faults` return them (see [`FaultsView`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct FaultSettings {
    pub latency_ms: u64,
    pub fail_rate: f64,
    /// Raw `Retry-After` value sent with `fail_rate` failures (`null` = no header).
    pub fail_retry_after: Option<String>,
    pub rate_limit: Option<u32>,
    /// Length of the rate limit's sliding window (60 s by default; tests shorten it through
    /// `/__faults` so a `Retry-After` drill does not take a minute).
    pub rate_window_ms: u64,
    pub drop_rate: f64,
    pub down: bool,
    /// Answer every authenticated `/api` request in this broken way (`null` = off); see
    /// [`Malformed`] for the modes.
    pub malformed: Option<Malformed>,
    /// Largest accepted `limit` on both list endpoints (`null` = the hard maximum of 100).
    pub page_cap: Option<usize>,
    /// Most ids accepted by `GET /api/signals?ids=` (`null` = the hard maximum of 100).
    pub ids_cap: Option<usize>,
    /// Share (0..=1) of PATCH items neither applied nor listed in the answer.
    pub omit_rate: f64,
    /// Echo the ids of the PATCH answer in upper case.
    pub upper_case_ids: bool,
    /// With `rate_limit`: send `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds) on
    /// every `/api` answer, 429 included.
    pub rate_headers: bool,
    /// Largest PATCH body in bytes; larger ones get 413 `payload_too_large`.
    pub max_body_bytes: Option<usize>,
    /// A PATCH naming any unknown entity is rejected whole with 400.
    pub strict_batch: bool,
    /// Every lead page after the first starts with the previous page's last lead again.
    pub repeat_lead: bool,
}

impl FaultSettings {
    /// Nothing switched on.
    pub(crate) fn off() -> FaultSettings {
        FaultSettings {
            latency_ms: 0,
            fail_rate: 0.0,
            fail_retry_after: None,
            rate_limit: None,
            rate_window_ms: RATE_WINDOW_MS,
            drop_rate: 0.0,
            down: false,
            malformed: None,
            page_cap: None,
            ids_cap: None,
            omit_rate: 0.0,
            upper_case_ids: false,
            rate_headers: false,
            max_body_bytes: None,
            strict_batch: false,
            repeat_lead: false,
        }
    }
}

/// The body of `GET`/`POST /__faults`: the settings, and how many `script` steps remain.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct FaultsView {
    #[serde(flatten)]
    pub settings: FaultSettings,
    /// Number of `script` steps not yet used.
    pub script: usize,
}

/// What a `script` step does to the request it is taken by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Answer with this status and an error envelope, and `Retry-After` when given.
    Status {
        status: StatusCode,
        retry_after: Option<String>,
    },
    /// Wait this many milliseconds, then handle the request normally.
    Stall(u64),
    /// Handle normally, then send half the answer and abort the connection.
    Cut,
}

/// One element of the `script` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScriptStep {
    /// `(method, path)`; `None` fits any `/api` request.
    matches: Option<(String, String)>,
    action: Action,
}

impl ScriptStep {
    fn fits(&self, method: &str, path: &str) -> bool {
        self.matches
            .as_ref()
            .is_none_or(|(m, p)| m == method && p == path)
    }

    /// Parses and validates one `script` element.
    fn parse(i: usize, value: &Value) -> Result<ScriptStep, ApiError> {
        let bad = |what: &str| ApiError::invalid(format!("script[{i}]: {what}"));
        let obj = value.as_object().ok_or_else(|| bad("must be an object"))?;
        if let Some(key) = obj.keys().find(|k| {
            !matches!(
                k.as_str(),
                "match" | "status" | "retry_after" | "stall_ms" | "cut"
            )
        }) {
            return Err(bad(&format!(
                "unknown key `{key}`; expected match, status, retry_after, stall_ms, cut"
            )));
        }
        let matches = match obj.get("match") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_match(s).ok_or_else(|| {
                bad("match must look like \"GET /api/signals/leads\" (method, space, path)")
            })?),
            Some(_) => return Err(bad("match must be a string")),
        };
        let actions = ["status", "stall_ms", "cut"]
            .iter()
            .filter(|k| obj.contains_key(**k))
            .count();
        if actions != 1 {
            return Err(bad("needs exactly one of status, stall_ms, cut"));
        }
        if obj.contains_key("retry_after") && !obj.contains_key("status") {
            return Err(bad("retry_after goes with status only"));
        }
        let action = if let Some(status) = obj.get("status") {
            let status = status
                .as_u64()
                .filter(|n| (400..=599).contains(n))
                .and_then(|n| StatusCode::from_u16(n as u16).ok())
                .ok_or_else(|| bad("status must be an integer between 400 and 599"))?;
            let retry_after =
                match obj.get("retry_after") {
                    None | Some(Value::Null) => None,
                    Some(v) => Some(header_value(v).ok_or_else(|| {
                        bad("retry_after must be a string usable as a header value")
                    })?),
                };
            Action::Status {
                status,
                retry_after,
            }
        } else if let Some(ms) = obj.get("stall_ms") {
            Action::Stall(
                ms.as_u64()
                    .ok_or_else(|| bad("stall_ms must be a non-negative integer"))?,
            )
        } else if obj.get("cut") == Some(&Value::Bool(true)) {
            Action::Cut
        } else {
            return Err(bad("cut must be true"));
        };
        Ok(ScriptStep { matches, action })
    }
}

/// `"METHOD /path"` → `("METHOD", "/path")`.
fn parse_match(s: &str) -> Option<(String, String)> {
    let (method, path) = s.trim().split_once(' ')?;
    let path = path.trim();
    let method_ok = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    (method_ok && path.starts_with('/') && !path.contains(' '))
        .then(|| (method.to_owned(), path.to_owned()))
}

/// A JSON string that is a valid header value.
fn header_value(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| HeaderValue::from_str(s).is_ok())
        .map(str::to_owned)
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
    /// The `script` steps not yet taken, in order.
    script: VecDeque<ScriptStep>,
    /// Arrival times of admitted requests within the last 60 s.
    window: VecDeque<Instant>,
    rng: Rng,
    /// Bytes of `malformed: "json"` bodies; a stream of its own, so drawing them does not shift
    /// the drop/fail rolls of later requests.
    garbage: Rng,
    /// The `omit_rate` rolls of PATCH items; a stream of its own for the same reason.
    omit: Rng,
}

pub(crate) struct Faults {
    initial: FaultSettings,
    seed: u64,
    state: Mutex<FaultState>,
}

impl Faults {
    pub(crate) fn new(initial: FaultSettings, seed: u64) -> Faults {
        Faults {
            state: Mutex::new(Self::fresh(initial.clone(), seed)),
            initial,
            seed,
        }
    }

    fn fresh(settings: FaultSettings, seed: u64) -> FaultState {
        FaultState {
            settings,
            script: VecDeque::new(),
            window: VecDeque::new(),
            // A stream separate from the data generator's, so faults never disturb the data.
            rng: Rng::new(seed ^ 0xFA17_5EED_D00D_F00D),
            garbage: Rng::new(seed ^ 0x6A4B_A6E5_0B5E_55ED),
            omit: Rng::new(seed ^ 0x0A17_0A17_C0FF_EE00),
        }
    }

    pub(crate) fn settings(&self) -> FaultSettings {
        lock(&self.state).settings.clone()
    }

    /// The settings plus the number of remaining `script` steps.
    pub(crate) fn view(&self) -> FaultsView {
        let st = lock(&self.state);
        FaultsView {
            settings: st.settings.clone(),
            script: st.script.len(),
        }
    }

    /// Back to the startup settings, no script, empty rate window and reseeded PRNGs.
    pub(crate) fn reset(&self) {
        *lock(&self.state) = Self::fresh(self.initial.clone(), self.seed);
    }

    /// Applies a `/__faults` body. All fields are validated before anything changes.
    pub(crate) fn update(&self, body: &Value) -> Result<FaultsView, ApiError> {
        let obj = body
            .as_object()
            .ok_or_else(|| ApiError::invalid("body must be a JSON object"))?;
        let mut next = self.settings();
        let mut script = None;
        for (key, value) in obj {
            match key.as_str() {
                "latency_ms" => {
                    next.latency_ms = value.as_u64().ok_or_else(|| {
                        ApiError::invalid("latency_ms must be a non-negative integer")
                    })?;
                }
                "fail_rate" => next.fail_rate = rate(key, value)?,
                "fail_retry_after" => {
                    next.fail_retry_after = match value {
                        Value::Null => None,
                        v => Some(header_value(v).ok_or_else(|| {
                            ApiError::invalid(
                                "fail_retry_after must be null or a string usable as a header value",
                            )
                        })?),
                    };
                }
                "drop_rate" => next.drop_rate = rate(key, value)?,
                "omit_rate" => next.omit_rate = rate(key, value)?,
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
                "page_cap" => next.page_cap = cap(key, value)?,
                "ids_cap" => next.ids_cap = cap(key, value)?,
                "max_body_bytes" => next.max_body_bytes = cap(key, value)?,
                "down" => next.down = flag(key, value)?,
                "upper_case_ids" => next.upper_case_ids = flag(key, value)?,
                "rate_headers" => next.rate_headers = flag(key, value)?,
                "strict_batch" => next.strict_batch = flag(key, value)?,
                "repeat_lead" => next.repeat_lead = flag(key, value)?,
                "malformed" => next.malformed = malformed_setting(value)?,
                "script" => {
                    let steps = value
                        .as_array()
                        .ok_or_else(|| ApiError::invalid("script must be an array of steps"))?;
                    script = Some(
                        steps
                            .iter()
                            .enumerate()
                            .map(|(i, v)| ScriptStep::parse(i, v))
                            .collect::<Result<VecDeque<_>, _>>()?,
                    );
                }
                other => {
                    return Err(ApiError::invalid(format!(
                        "unknown fault setting `{other}`; expected {KEYS} ({} or null/\"off\")",
                        Malformed::names()
                    )));
                }
            }
        }
        let mut st = lock(&self.state);
        st.settings = next;
        if let Some(script) = script {
            st.script = script;
        }
        Ok(FaultsView {
            settings: st.settings.clone(),
            script: st.script.len(),
        })
    }

    /// Removes and returns the first `script` step that fits this request.
    fn take_step(&self, method: &str, path: &str) -> Option<Action> {
        let mut st = lock(&self.state);
        let pos = st.script.iter().position(|s| s.fits(method, path))?;
        st.script.remove(pos).map(|s| s.action)
    }

    /// One `omit_rate` decision per PATCH item (true = leave it out). One number is drawn per
    /// item whatever the rate, so the n-th item always sees the same roll for a given seed.
    pub(crate) fn omit_rolls(&self, items: usize, rate: f64) -> Vec<bool> {
        let mut st = lock(&self.state);
        (0..items).map(|_| st.omit.unit() < rate).collect()
    }

    /// The garbage bytes of one `malformed: "json"` body (16 to 47 of them).
    fn garbage(&self) -> Vec<u8> {
        let mut st = lock(&self.state);
        let n = 16 + st.garbage.below(32) as usize;
        (0..n)
            .map(|_| malformed::garbage_byte(st.garbage.next_u64()))
            .collect()
    }

    /// Sliding-window rate limiter: admits the request (with the slots left and the whole
    /// seconds until the oldest request leaves the window), or returns whole seconds until a
    /// slot frees (at least 1). Rejected requests are not added to the window.
    pub(crate) fn admit(&self, limit: u32) -> Result<(u32, u64), u64> {
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
        let whole = |left: Duration| left.as_secs() + u64::from(left.subsec_nanos() > 0);
        if st.window.len() < limit {
            st.window.push_back(now);
            let oldest = st.window.front().copied().unwrap_or(now);
            let reset = whole(window.saturating_sub(now.duration_since(oldest)));
            return Ok(((limit - st.window.len()) as u32, reset));
        }
        // The limit may have been lowered at runtime, so more than one entry may need to expire:
        // a slot frees when the entry at `len - limit` leaves the window.
        let secs = st
            .window
            .get(st.window.len() - limit)
            .map_or(window.as_secs(), |&t| {
                whole(window.saturating_sub(now.duration_since(t)))
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

/// `null` or a positive integer.
fn cap(key: &str, value: &Value) -> Result<Option<usize>, ApiError> {
    match value {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .filter(|n| *n > 0)
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("{key} must be null or a positive integer"))),
    }
}

fn flag(key: &str, value: &Value) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| ApiError::invalid(format!("{key} must be a boolean")))
}

fn rate(key: &str, value: &Value) -> Result<f64, ApiError> {
    value
        .as_f64()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| ApiError::invalid(format!("{key} must be a number between 0 and 1")))
}

mod pipeline;
pub(crate) use pipeline::{dropped_response, pipeline};
