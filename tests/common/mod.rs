//! Shared helpers of the integration tests: the built-in server, its hooks, and the binary.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

use puffle_demo_server::ServerHandle;
use serde_json::Value;

#[path = "../../crates/puffle-api/tests/support/hooks.rs"]
mod hooks;
#[allow(unused_imports)]
pub use hooks::*;

/// The binary with a clean environment: no key, no base URL, logs into `log_dir`.
pub fn bin(log_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lead-triage"));
    cmd.env_remove("PUFFLE_API_KEY")
        .env_remove("PUFFLE_API_BASE_URL")
        .env("XDG_STATE_HOME", log_dir)
        .env("XDG_DATA_HOME", log_dir)
        .env("XDG_CONFIG_HOME", log_dir)
        // The built-in server has no rate limit unless a test sets one (and then the test
        // sets the budget too, with this variable or the flag).
        .env("LEAD_TRIAGE_RATE_LIMIT_PER_MIN", "0")
        .arg("--log-file")
        .arg(log_dir.join("test.log"));
    cmd
}

/// Run with stdin text, return the output.
pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("binary runs");
    let mut input = child.stdin.take().expect("stdin");
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("binary exits");
    let _ = writer.join();
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `GET` a hook from async code.
pub async fn hook_get_async(h: &ServerHandle, path: &str) -> Value {
    reqwest::get(format!("{}{}", h.base_url(), path))
        .await
        .expect("hook reachable")
        .json::<Value>()
        .await
        .expect("hook answers JSON")
}

/// `POST` to a hook from async code.
pub async fn hook_post_async(h: &ServerHandle, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}{}", h.base_url(), path))
        .json(&body)
        .send()
        .await
        .expect("hook reachable")
        .json::<Value>()
        .await
        .expect("hook answers JSON")
}

/// The one store file a run of the binary created in a data dir.
pub fn store_in(dir: &std::path::Path) -> std::path::PathBuf {
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .expect("data dir readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("store-") && n.ends_with(".sqlite3"))
        })
        .collect();
    assert_eq!(files.len(), 1, "one store file in the data dir: {files:?}");
    files[0].clone()
}

/// The queued changes of the one store in a data dir.
pub fn outbox_in(dir: &std::path::Path) -> Vec<lead_triage::store::OutboxRow> {
    lead_triage::store::Store::open(&store_in(dir))
        .expect("store opens")
        .outbox()
        .expect("outbox reads")
}

/// Reading `/__log` entries.
pub mod log {
    use serde_json::Value;

    pub fn key_of(e: &Value) -> String {
        format!(
            "{} {}",
            e["method"].as_str().unwrap_or(""),
            e["path"].as_str().unwrap_or("")
        )
    }

    pub fn ts(e: &Value) -> u64 {
        e["ts_ms"].as_u64().expect("ts_ms")
    }

    pub fn status_of(e: &Value) -> Option<u64> {
        e["status"].as_u64()
    }

    pub fn items_len(e: &Value) -> usize {
        e["items"].as_array().map_or(0, Vec::len)
    }

    /// The `limit` of a logged request's query.
    pub fn limit_of(e: &Value) -> Option<u64> {
        e["query"]
            .as_str()?
            .split('&')
            .find_map(|kv| kv.strip_prefix("limit="))
            .and_then(|v| v.parse().ok())
    }
}

/// Standard base64 (what OSC 52 carries), for the clipboard tests.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= c.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every person lead of the server, in its order (recency: the order the app lists them with
/// no filter), read with an unpaced client.
pub fn listed(h: &ServerHandle) -> Vec<lead_triage::api::Lead> {
    use lead_triage::api::{ApiKey, Client, ClientConfig, GroupBy, LeadQuery, SortBy};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = Client::new(
        ClientConfig::new(&h.base_url(), ApiKey::new(h.api_key()).expect("key"))
            .map(ClientConfig::unpaced)
            .expect("config"),
    )
    .expect("client");
    rt.block_on(
        client
            .pager(LeadQuery {
                group_by: GroupBy::Person,
                sort_by: SortBy::Recency,
                limit: 100,
            })
            .collect_all(),
    )
    .expect("listing")
    .leads
}

/// The person leads the app shows with `filter` typed (the app's own filter and order, fuzzy
/// words ranked best first), applied to the server's listing.
pub fn in_view_order(h: &ServerHandle, filter: &str) -> Vec<lead_triage::api::Lead> {
    use lead_triage::app::view;
    let all = listed(h);
    let mut data = lead_triage::app::state::Dataset::default();
    data.merge(all.clone());
    let queue = lead_triage::app::queue::Queue::new(
        4,
        lead_triage::sync::backoff::Backoff::default(),
        lead_triage::sync::backoff::Jitter::seeded(1),
    );
    let rows = view::compute_rows(&view::ViewInput {
        data: &data,
        queue: &queue,
        selected: &std::collections::HashSet::new(),
        query: &lead_triage::app::filter::Query::parse(filter),
        key: view::SortKey::Recency,
        descending: true,
    });
    rows.into_iter().map(|i| all[i as usize].clone()).collect()
}
