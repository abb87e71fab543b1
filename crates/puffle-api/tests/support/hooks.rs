//! The built-in server and its test hooks, for the integration tests of this crate and of the
//! app (which includes this file from `tests/common/mod.rs`).
#![allow(dead_code)]

use std::collections::HashMap;

use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::Value;

/// Start the built-in Puffle-compatible server on a random loopback port.
pub fn server(cfg: ServerConfig) -> ServerHandle {
    puffle_demo_server::spawn_background(cfg).expect("demo server starts")
}

/// Run a future to completion on its own thread and runtime, so hooks can be called from
/// plain tests and from inside `#[tokio::test]` alike.
fn block_on<F>(f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(f)
        })
        .join()
        .expect("hook thread")
    })
}

pub fn hook_get(h: &ServerHandle, path: &str) -> Value {
    let url = format!("{}{}", h.base_url(), path);
    block_on(async {
        reqwest::get(url)
            .await
            .expect("hook reachable")
            .json::<Value>()
            .await
            .expect("hook answers JSON")
    })
}

pub fn hook_post(h: &ServerHandle, path: &str, body: Value) -> Value {
    let url = format!("{}{}", h.base_url(), path);
    block_on(async {
        reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("hook reachable")
            .json::<Value>()
            .await
            .expect("hook answers JSON")
    })
}

pub fn stats(h: &ServerHandle) -> Value {
    hook_get(h, "/__stats")
}

/// Number of requests the server received for `"METHOD /path"`.
pub fn requests(h: &ServerHandle, key: &str) -> u64 {
    stats(h)["requests"][key].as_u64().unwrap_or(0)
}

pub fn statuses(h: &ServerHandle) -> HashMap<String, String> {
    serde_json::from_value(hook_get(h, "/__statuses")).expect("statuses map")
}
