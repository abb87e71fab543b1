//! Request counters, concurrency tracking and the request log behind `/__stats` and `/__log`.
//!
//! The log keeps the newest [`LOG_CAP`] entries (`ServerConfig::log_cap`); older ones are
//! dropped and counted in `log_dropped`. The counters are exact whatever the cap.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Value, json};

use super::state::lock;

/// The three documented routes; they always appear in `requests`, even with a zero count.
const KNOWN_ROUTES: [&str; 5] = [
    "GET /api/signals/leads",
    "PATCH /api/signals/leads",
    "GET /api/signals",
    "PATCH /api/signals",
    "POST /api/signals/generate",
];

/// Default number of entries the request log keeps (the newest ones).
pub const LOG_CAP: usize = 100_000;

/// One `/__log` entry.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LogEntry {
    pub method: String,
    pub path: String,
    /// Raw query string, `""` when there is none.
    pub query: String,
    /// Unix epoch milliseconds at arrival.
    pub ts_ms: u64,
    /// Response status; `null` when the connection was dropped (or the client went away first).
    pub status: Option<u16>,
    /// For PATCH and POST requests whose body parsed: the `items` value as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Value>,
    /// For 429 answers: the `Retry-After` sent, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
    /// For requests that took a `script` step: `"status"`, `"stall"` or `"cut"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<&'static str>,
    /// For forced answers (`script` status steps, `fail_rate` with `fail_retry_after`): the raw
    /// `Retry-After` value as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by `reset`, so guards of requests that started before a reset do not write into
    /// the fresh log.
    generation: u64,
    requests: BTreeMap<String, u64>,
    responses: BTreeMap<u16, u64>,
    dropped: u64,
    patch_calls: u64,
    patch_items: u64,
    max_patch_items: u64,
    /// `POST /api/signals/generate` calls that passed validation, and their items.
    generate_calls: u64,
    generate_items: u64,
    /// Drafts written, per kind.
    generated_dm: u64,
    generated_comment: u64,
    /// Generate items answered `already_in_flight`.
    in_flight_refusals: u64,
    /// `PATCH /api/signals` calls applied (200), and their items.
    signal_patch_calls: u64,
    signal_patch_items: u64,
    /// The newest entries; `log[0]` has the absolute index `log_dropped`.
    log: VecDeque<LogEntry>,
    /// Entries dropped from the front of the log so far.
    log_dropped: u64,
}

impl Inner {
    /// The entry with this absolute index, if it is still in the log.
    fn entry(&mut self, index: u64) -> Option<&mut LogEntry> {
        let pos = index.checked_sub(self.log_dropped)?;
        self.log.get_mut(usize::try_from(pos).ok()?)
    }
}

/// Shared counters. See [`Stats::snapshot`] for the meaning of each field.
pub(crate) struct Stats {
    inner: Mutex<Inner>,
    in_flight: AtomicU64,
    peak: AtomicU64,
    /// Most entries the log keeps.
    log_cap: usize,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new(LOG_CAP)
    }
}

impl Stats {
    pub(crate) fn new(log_cap: usize) -> Stats {
        Stats {
            inner: Mutex::default(),
            in_flight: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            log_cap,
        }
    }

    /// Records the arrival of an `/api` request and returns the guard that tracks it until its
    /// response is produced.
    pub(crate) fn begin(
        self: &Arc<Self>,
        method: &str,
        path: &str,
        query: &str,
        items: Option<Value>,
    ) -> RequestGuard {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        let mut inner = lock(&self.inner);
        *inner
            .requests
            .entry(format!("{method} {path}"))
            .or_insert(0) += 1;
        let index = inner.log_dropped + inner.log.len() as u64;
        inner.log.push_back(LogEntry {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            ts_ms: now_ms(),
            status: None,
            items,
            retry_after_s: None,
            script: None,
            retry_after: None,
        });
        while inner.log.len() > self.log_cap {
            inner.log.pop_front();
            inner.log_dropped += 1;
        }
        RequestGuard {
            stats: Arc::clone(self),
            generation: inner.generation,
            index,
            done: false,
        }
    }

    /// Counts a PATCH whose items were validated and applied (the handler produced its 200).
    pub(crate) fn record_patch(&self, items: usize) {
        let items = items as u64;
        let mut inner = lock(&self.inner);
        inner.patch_calls += 1;
        inner.patch_items += items;
        inner.max_patch_items = inner.max_patch_items.max(items);
    }

    /// Counts a generate call that passed validation; `refused` of its items were in flight.
    pub(crate) fn record_generate(&self, items: usize, refused: usize) {
        let mut inner = lock(&self.inner);
        inner.generate_calls += 1;
        inner.generate_items += items as u64;
        inner.in_flight_refusals += refused as u64;
    }

    /// Counts the drafts a generate call wrote.
    pub(crate) fn record_drafted(&self, dm: u64, comment: u64) {
        let mut inner = lock(&self.inner);
        inner.generated_dm += dm;
        inner.generated_comment += comment;
    }

    /// Counts a `PATCH /api/signals` that was applied (the handler produced its 200).
    pub(crate) fn record_signal_patch(&self, items: usize) {
        let mut inner = lock(&self.inner);
        inner.signal_patch_calls += 1;
        inner.signal_patch_items += items as u64;
    }

    /// Clears counters and the log. `in_flight` is kept (those requests are still running) and
    /// `peak_concurrency` restarts from it.
    pub(crate) fn reset(&self) {
        let mut inner = lock(&self.inner);
        let generation = inner.generation + 1;
        *inner = Inner {
            generation,
            ..Inner::default()
        };
        self.peak
            .store(self.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    pub(crate) fn log(&self) -> Vec<LogEntry> {
        lock(&self.inner).log.iter().cloned().collect()
    }

    /// The `/__stats` body, minus the dataset sizes which the caller adds.
    pub(crate) fn snapshot(&self) -> serde_json::Map<String, Value> {
        let inner = lock(&self.inner);
        let mut requests: BTreeMap<String, u64> =
            KNOWN_ROUTES.iter().map(|r| (r.to_string(), 0)).collect();
        for (k, v) in &inner.requests {
            requests.insert(k.clone(), *v);
        }
        let responses: BTreeMap<String, u64> = inner
            .responses
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let body = json!({
            "requests": requests,
            "patch_calls": inner.patch_calls,
            "patch_items": inner.patch_items,
            "max_patch_items": inner.max_patch_items,
            "generate_calls": inner.generate_calls,
            "generate_items": inner.generate_items,
            "generated_dm": inner.generated_dm,
            "generated_comment": inner.generated_comment,
            "in_flight_refusals": inner.in_flight_refusals,
            "signal_patch_calls": inner.signal_patch_calls,
            "signal_patch_items": inner.signal_patch_items,
            "peak_concurrency": self.peak.load(Ordering::SeqCst),
            "in_flight": self.in_flight.load(Ordering::SeqCst),
            "responses": responses,
            "dropped": inner.dropped,
            "log_dropped": inner.log_dropped,
        });
        match body {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// Tracks one in-flight `/api` request. Finishing it records the outcome; dropping it unfinished
/// (the client hung up during the latency sleep, say) only releases the in-flight slot.
pub(crate) struct RequestGuard {
    stats: Arc<Stats>,
    generation: u64,
    /// Absolute index of this request's log entry.
    index: u64,
    done: bool,
}

impl RequestGuard {
    /// Changes this request's log entry (if it is still there and no reset happened since).
    fn annotate(&self, f: impl FnOnce(&mut LogEntry)) {
        let mut inner = lock(&self.stats.inner);
        if inner.generation == self.generation
            && let Some(entry) = inner.entry(self.index)
        {
            f(entry);
        }
    }

    /// Records that the request took a `script` step (`"status"`, `"stall"`, `"cut"`).
    pub(crate) fn note_script(&self, step: &'static str) {
        self.annotate(|e| e.script = Some(step));
    }

    /// Records the raw `Retry-After` of a forced answer.
    pub(crate) fn note_retry_after(&self, value: Option<String>) {
        if value.is_some() {
            self.annotate(|e| e.retry_after = value);
        }
    }

    /// Records a 429 and the `Retry-After` it carried.
    pub(crate) fn finish_rate_limited(self, retry_after_s: u64) {
        self.annotate(|e| e.retry_after_s = Some(retry_after_s));
        self.finish(Some(429));
    }

    /// Records the response status (`None` = connection dropped on purpose).
    pub(crate) fn finish(mut self, status: Option<u16>) {
        self.done = true;
        self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut inner = lock(&self.stats.inner);
        if inner.generation != self.generation {
            return;
        }
        match status {
            Some(code) => *inner.responses.entry(code).or_insert(0) += 1,
            None => inner.dropped += 1,
        }
        if let Some(entry) = inner.entry(self.index) {
            entry.status = status;
        }
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        if !self.done {
            self.stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
