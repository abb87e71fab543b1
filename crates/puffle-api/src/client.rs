//! The HTTP client for the three lead endpoints.
//!
//! One `reqwest::Client` (connection pool shared by clones). The key only ever goes into the
//! `Authorization` header through `bearer_auth`, which reqwest marks as sensitive. Bodies are
//! read in chunks with a size cap, then parsed leniently by `parse.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode, Url};
use uuid::Uuid;

use crate::budget::{Budget, DEFAULT_PER_MIN, Lane};
use crate::config::{ApiKey, ConfigError, validate_base_url};
use crate::error::{ApiError, parse_retry_after};
pub use crate::limits::{LimitKind, Limits};
use crate::model::{
    GroupBy, Lead, LeadsPage, PatchOutcome, Signal, SignalsPage, SortBy, Status, StatusChange,
};
pub use crate::pager::{LeadPager, Page, hydration_pairs};
use crate::parse;

/// Largest page the API allows for the lead and signal lists.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Largest number of items in one PATCH.
pub const MAX_PATCH_ITEMS: usize = 200;
/// Signal ids asked for in one `GET /api/signals?ids=` call.
pub const SIGNAL_IDS_PER_CALL: usize = 100;
/// Largest response body accepted (a 100-row page of hostile 10 KB strings is ~3 MB).
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Largest error body read (only its envelope matters).
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// Most pages one listing may take before we assume the server is looping.
pub const MAX_PAGES: usize = 20_000;

/// Settings of the HTTP client.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub base_url: Url,
    pub key: ApiKey,
    /// Whole-request timeout (connect + send + receive).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The request budget per minute shared by every request of this client and its clones
    /// (see [`Budget`]); `None` sends without pacing (a server known to have no limit).
    pub rate_limit_per_min: Option<u32>,
}

impl ClientConfig {
    /// Without the request budget: for a server known to have no rate limit (a local test
    /// server), where pacing would only slow things down.
    pub fn unpaced(mut self) -> ClientConfig {
        self.rate_limit_per_min = None;
        self
    }

    pub fn new(base_url: &str, key: ApiKey) -> Result<ClientConfig, ConfigError> {
        Ok(ClientConfig {
            base_url: validate_base_url(base_url)?,
            key,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            rate_limit_per_min: Some(DEFAULT_PER_MIN),
        })
    }
}

/// Query of `GET /api/signals/leads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeadQuery {
    pub group_by: GroupBy,
    pub sort_by: SortBy,
    pub limit: u32,
}

impl Default for LeadQuery {
    fn default() -> Self {
        LeadQuery {
            group_by: GroupBy::Person,
            sort_by: SortBy::Recency,
            limit: MAX_PAGE_SIZE,
        }
    }
}

/// The Puffle API client. Cheap to clone; clones share the connection pool and the learned
/// [`Limits`].
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    key: ApiKey,
    limits: Arc<Limits>,
    budget: Option<Arc<Budget>>,
    /// The lane of this handle's reads (see [`Client::in_lane`]); `None`: each method's own.
    lane: Option<Lane>,
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("lead-triage/", env!("CARGO_PKG_VERSION")))
            .timeout(cfg.timeout)
            .connect_timeout(cfg.connect_timeout)
            .https_only(cfg.base_url.scheme() == "https")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Connect {
                host: cfg.base_url.host_str().unwrap_or("?").to_owned(),
                detail: format!("could not build the HTTP client: {}", e.without_url()),
            })?;
        Ok(Client {
            http,
            base: cfg.base_url,
            key: cfg.key,
            limits: Arc::new(Limits::default()),
            budget: cfg.rate_limit_per_min.map(|n| Arc::new(Budget::new(n))),
            lane: None,
        })
    }

    /// The request budget shared by this client's clones, when it has one.
    pub fn budget(&self) -> Option<&Budget> {
        self.budget.as_deref()
    }

    /// A handle whose reads go in `lane` (writes are always [`Lane::Write`]): for example the
    /// statuses of the rows on screen, ahead of background hydration. Shares the budget.
    pub fn in_lane(&self, lane: Lane) -> Client {
        Client {
            lane: Some(lane),
            ..self.clone()
        }
    }

    fn lane_or(&self, default: Lane) -> Lane {
        self.lane.unwrap_or(default)
    }

    /// The request sizes learned so far.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url
    }

    /// Send a request and return the body of a 2xx answer, or a typed error.
    async fn send(
        &self,
        lane: Lane,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, ApiError> {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.key.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        if let Some(b) = &self.budget {
            b.acquire(lane).await;
        }
        let resp = req.send().await.map_err(|e| self.transport_error(&e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        if let Some(b) = &self.budget {
            let (limit, remaining, reset) = rate_headers(resp.headers(), SystemTime::now());
            b.observe_headers(limit, remaining, reset);
            if status == StatusCode::TOO_MANY_REQUESTS {
                b.rate_limited(retry_after);
            }
        }
        if !status.is_success() {
            // An error page is read only for its envelope; a huge or broken one still leaves
            // the status to classify the failure (a 503 stays retryable).
            let body = read_capped(resp, MAX_ERROR_BODY_BYTES)
                .await
                .unwrap_or_default();
            return Err(status_error(status, &body, retry_after));
        }
        read_capped(resp, MAX_BODY_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => ApiError::TooLarge(MAX_BODY_BYTES),
                ReadError::Transport(e) => self.transport_error(&e),
            })
    }

    fn transport_error(&self, e: &reqwest::Error) -> ApiError {
        if e.is_timeout() {
            ApiError::Timeout
        } else if e.is_connect() {
            ApiError::Connect {
                host: self.base.host_str().unwrap_or("?").to_owned(),
                detail: root_cause(e),
            }
        } else {
            ApiError::Network(root_cause(e))
        }
    }

    /// One page of `GET /api/signals/leads`, as the server sent it (no hydration).
    /// A page size the server refuses is lowered and the page asked for again (see
    /// [`Limits`]).
    pub async fn leads_page(
        &self,
        q: &LeadQuery,
        cursor: Option<&str>,
    ) -> Result<LeadsPage, ApiError> {
        loop {
            let limit =
                (q.limit.clamp(1, MAX_PAGE_SIZE) as usize).min(self.limits.get(LimitKind::Page));
            let mut query = vec![
                ("groupBy", q.group_by.as_str().to_owned()),
                ("sortBy", q.sort_by.as_str().to_owned()),
                ("limit", limit.to_string()),
            ];
            if let Some(c) = cursor {
                query.push(("cursor", c.to_owned()));
            }
            match self
                .send(
                    self.lane_or(Lane::Listing),
                    Method::GET,
                    "/api/signals/leads",
                    &query,
                    None,
                )
                .await
            {
                Ok(body) => {
                    return parse::leads_page(&body)
                        .map_err(|e| ApiError::Malformed(e.to_string()));
                }
                Err(e) if self.limits.lower(LimitKind::Page, limit, &e) => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The signals of one lead: its row (`GET /api/signals/leads?ids=<id>`) gives the signal
    /// ids, then `GET /api/signals?ids=…` gives the signals, newest first.
    pub async fn lead_signals(&self, group: GroupBy, id: Uuid) -> Result<Vec<Signal>, ApiError> {
        let query = vec![
            ("groupBy", group.as_str().to_owned()),
            ("ids", id.to_string()),
            ("limit", "1".to_owned()),
        ];
        let lane = self.lane_or(Lane::OnScreen);
        let body = self
            .send(lane, Method::GET, "/api/signals/leads", &query, None)
            .await?;
        let page = parse::leads_page(&body).map_err(|e| ApiError::Malformed(e.to_string()))?;
        let ids: Vec<Uuid> = page
            .leads
            .into_iter()
            .find(|l| l.id == id)
            .map(|l| l.signal_ids)
            .unwrap_or_default();
        let mut signals = self.signals_in(lane, &ids).await?;
        signals.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(signals)
    }

    /// `GET /api/signals?ids=…` for any number of ids, in chunks of at most
    /// [`SIGNAL_IDS_PER_CALL`] (fewer once the server refused that many, see [`Limits`]),
    /// following pagination within a chunk.
    pub async fn signals(&self, ids: &[Uuid]) -> Result<Vec<Signal>, ApiError> {
        self.signals_in(self.lane_or(Lane::OnScreen), ids).await
    }

    async fn signals_in(&self, lane: Lane, ids: &[Uuid]) -> Result<Vec<Signal>, ApiError> {
        let mut out = Vec::with_capacity(ids.len());
        let mut start = 0;
        'chunks: while start < ids.len() {
            let n = self.limits.get(LimitKind::Ids).min(ids.len() - start);
            let chunk = &ids[start..start + n];
            let joined = chunk
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut cursor: Option<String> = None;
            let mut seen = HashSet::new();
            let mut got = Vec::new();
            loop {
                let limit = self.limits.get(LimitKind::Page);
                let mut query = vec![("ids", joined.clone()), ("limit", limit.to_string())];
                if let Some(c) = &cursor {
                    query.push(("cursor", c.clone()));
                }
                let sent = self.send(lane, Method::GET, "/api/signals", &query, None);
                let body = match sent.await {
                    Ok(b) => b,
                    // Which of the two sizes was refused is not said: lower the ids first
                    // (the more likely cap), then the page size.
                    Err(e) if cursor.is_none() && self.limits.lower(LimitKind::Ids, n, &e) => {
                        continue 'chunks;
                    }
                    Err(e) if self.limits.lower(LimitKind::Page, limit, &e) => continue,
                    Err(e) => return Err(e),
                };
                let page: SignalsPage =
                    parse::signals_page(&body).map_err(|e| ApiError::Malformed(e.to_string()))?;
                got.extend(page.signals);
                match page.cursor {
                    Some(c) if page.has_more => {
                        if !seen.insert(c.clone()) {
                            return Err(ApiError::Broken(
                                "the signal list repeated a cursor".into(),
                            ));
                        }
                        cursor = Some(c);
                    }
                    _ => break,
                }
            }
            out.extend(got);
            start += n;
        }
        Ok(out)
    }

    /// Learn the statuses of leads from one signal each: `(lead id, one of its signal ids)`
    /// pairs in, `(lead id, status)` out for the leads whose status could be learned
    /// (`personEntityStatus` for person rows, `entityStatus` for company rows).
    pub async fn statuses_from_signals(
        &self,
        group: GroupBy,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<Vec<(Uuid, Status)>, ApiError> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<Uuid> = pairs.iter().map(|(_, sig)| *sig).collect();
        let signals = self
            .signals_in(self.lane_or(Lane::Hydration), &wanted)
            .await?;
        let by_id: HashMap<&str, &Signal> = signals.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut out = Vec::with_capacity(pairs.len());
        for (lead, sig_id) in pairs {
            let Some(sig) = by_id.get(sig_id.to_string().as_str()) else {
                continue;
            };
            let (entity, status) = match group {
                GroupBy::Person => (sig.person_entity_id, sig.person_entity_status),
                GroupBy::Company => (sig.entity_id, sig.entity_status),
            };
            // A signal that names a different entity does not tell us this lead's status.
            if entity.is_some_and(|e| e != *lead) {
                continue;
            }
            if let Some(s) = status {
                out.push((*lead, s));
            }
        }
        Ok(out)
    }

    /// Fill in the status of leads whose rows carried none (see
    /// [`Client::statuses_from_signals`]). Leads whose status cannot be learned stay
    /// [`Status::Unknown`].
    pub async fn hydrate(
        &self,
        group: GroupBy,
        leads: &mut [Lead],
        needs: &[bool],
    ) -> Result<(), ApiError> {
        let pairs = hydration_pairs(leads, needs);
        let learned: HashMap<Uuid, Status> = self
            .statuses_from_signals(group, &pairs)
            .await?
            .into_iter()
            .collect();
        for lead in leads.iter_mut() {
            if let Some(s) = learned.get(&lead.id) {
                lead.status = *s;
            }
        }
        Ok(())
    }

    /// The statuses Puffle has now for these leads (`GET /api/signals/leads?ids=…`, then one
    /// signal each where the rows carry no status). Leads whose status cannot be learned are
    /// left out.
    pub async fn current_statuses(
        &self,
        group: GroupBy,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Status)>, ApiError> {
        let mut out = Vec::with_capacity(ids.len());
        let mut start = 0;
        while start < ids.len() {
            let n = self.limits.get(LimitKind::Page).min(ids.len() - start);
            let chunk = &ids[start..start + n];
            let joined = chunk
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let query = vec![
                ("groupBy", group.as_str().to_owned()),
                ("ids", joined),
                ("limit", n.to_string()),
            ];
            let lane = self.lane_or(Lane::OnScreen);
            let body = match self
                .send(lane, Method::GET, "/api/signals/leads", &query, None)
                .await
            {
                Ok(b) => b,
                Err(e) if self.limits.lower(LimitKind::Page, n, &e) => continue,
                Err(e) => return Err(e),
            };
            let page = parse::leads_page(&body).map_err(|e| ApiError::Malformed(e.to_string()))?;
            let wanted: HashSet<Uuid> = chunk.iter().copied().collect();
            let mut needs = Vec::with_capacity(page.leads.len());
            for (lead, on_row) in page.leads.iter().zip(&page.status_on_row) {
                let mine = wanted.contains(&lead.id);
                if mine && *on_row && lead.status != Status::Unknown {
                    out.push((lead.id, lead.status));
                }
                needs.push(mine && !*on_row);
            }
            let pairs = hydration_pairs(&page.leads, &needs);
            let on_screen = self.in_lane(lane);
            out.extend(on_screen.statuses_from_signals(group, &pairs).await?);
            start += n;
        }
        Ok(out)
    }

    /// `PATCH /api/signals/leads` with 1–200 items.
    pub async fn patch_leads(&self, items: &[StatusChange]) -> Result<PatchOutcome, ApiError> {
        if items.is_empty() || items.len() > MAX_PATCH_ITEMS {
            return Err(ApiError::Invalid {
                status: 0,
                code: "invalid_request".into(),
                message: Some(format!(
                    "a PATCH carries 1 to {MAX_PATCH_ITEMS} items, not {}",
                    items.len()
                )),
            });
        }
        if let Some(bad) = items.iter().find(|i| !i.status.is_settable()) {
            return Err(ApiError::Invalid {
                status: 0,
                code: "invalid_request".into(),
                message: Some(format!("status {} cannot be sent", bad.status)),
            });
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            items: &'a [StatusChange],
        }
        let body = serde_json::to_vec(&Body { items }).map_err(|e| ApiError::Invalid {
            status: 0,
            code: "invalid_request".into(),
            message: Some(e.to_string()),
        })?;
        let resp = self
            .send(
                Lane::Write,
                Method::PATCH,
                "/api/signals/leads",
                &[],
                Some(body),
            )
            .await?;
        parse::patch_outcome(&resp).map_err(|e| ApiError::Malformed(e.to_string()))
    }

    /// Walk every page of a listing.
    pub fn pager(&self, query: LeadQuery) -> LeadPager {
        LeadPager::new(self.clone(), query)
    }
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds from now, or a Unix time when it
/// is that large), when the server sends them.
fn rate_headers(
    headers: &reqwest::header::HeaderMap,
    now: SystemTime,
) -> (Option<u32>, Option<u32>, Option<Duration>) {
    let num = |name: &str| -> Option<u64> {
        headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok()
    };
    let limit = num("x-ratelimit-limit").and_then(|n| u32::try_from(n).ok());
    let remaining = num("x-ratelimit-remaining").and_then(|n| u32::try_from(n).ok());
    let reset = num("x-ratelimit-reset").map(|n| {
        if n > 1_000_000_000 {
            let at = std::time::UNIX_EPOCH + Duration::from_secs(n);
            at.duration_since(now).unwrap_or(Duration::ZERO)
        } else {
            Duration::from_secs(n)
        }
    });
    (limit, remaining, reset)
}

fn status_error(status: StatusCode, body: &[u8], retry_after: Option<Duration>) -> ApiError {
    let (code, message) = parse::error_envelope(body);
    let n = status.as_u16();
    match n {
        401 => ApiError::Unauthorized { message },
        403 => ApiError::Forbidden { message },
        400 | 422 => ApiError::Invalid {
            status: n,
            code: code.unwrap_or_else(|| "invalid_request".into()),
            message,
        },
        413 => ApiError::PayloadTooLarge { message },
        429 => ApiError::RateLimited { retry_after },
        500..=599 => ApiError::Server {
            status: n,
            message,
            retry_after,
        },
        _ => ApiError::Http { status: n, message },
    }
}

/// The innermost error message of a reqwest error, without the URL.
fn root_cause(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg = s.to_string();
        source = s.source();
    }
    msg
}

enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Transport)? {
        if buf.len() + chunk.len() > max {
            return Err(ReadError::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

mod outreach;
#[cfg(test)]
mod tests;
