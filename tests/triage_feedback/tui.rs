//! The real binary in a pseudo terminal against the built-in server: `$` during a long
//! `Retry-After`, and keys pressed while the terminal is too small.

use crate::{common, pty};

const PATCH: &str = "PATCH /api/signals/leads";

/// A built-in server with `leads` person leads, all `new`, and a private data dir.
struct Env {
    h: puffle_demo_server::ServerHandle,
    dir: tempfile::TempDir,
}

impl Env {
    fn new(leads: usize) -> Env {
        let h = common::server(puffle_demo_server::ServerConfig {
            leads,
            ..Default::default()
        });
        let env = Env {
            h,
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let ids = env.person_ids();
        let items: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::json!({"entityId": id, "status": "new"}))
            .collect();
        common::hook_post(&env.h, "/__statuses", serde_json::json!({ "items": items }));
        env
    }

    /// The TUI with a long debounce (only `$` sends) and short retries, in a 120×40 terminal.
    fn app(&self) -> pty::Pty {
        let d = self.dir.path().to_str().expect("utf-8 temp dir");
        let base = self.h.base_url();
        let log = format!("{d}/tui.log");
        pty::Pty::spawn(
            &[
                "--base-url",
                &base,
                "--log-file",
                &log,
                "--data-dir",
                d,
                "--debounce-ms",
                "600000",
                "--retry-base-ms",
                "50",
                "--retry-cap-ms",
                "400",
            ],
            &[
                ("PUFFLE_API_KEY", self.h.api_key()),
                ("HOME", d),
                ("XDG_CONFIG_HOME", d),
                ("XDG_DATA_HOME", d),
                ("XDG_STATE_HOME", d),
            ],
            120,
            40,
        )
    }

    fn person_ids(&self) -> Vec<String> {
        common::statuses(&self.h).into_keys().collect()
    }

    fn patches(&self) -> Vec<serde_json::Value> {
        match common::hook_get(&self.h, "/__log") {
            serde_json::Value::Array(a) => a
                .into_iter()
                .filter(|e| common::log::key_of(e) == PATCH)
                .collect(),
            other => panic!("the log is an array: {other}"),
        }
    }
}

/// The screen's words, one space apart (a message wrapped at a narrow width reads as one).
fn flat(screen: &str) -> String {
    screen.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn listed(screen: &str, n: usize) -> bool {
    screen.contains(&format!("{n} / {n} leads")) && !screen.contains("loading")
}

#[test]
fn dollar_during_an_hour_long_retry_after_sends_at_once() {
    let env = Env::new(4);
    let v = common::hook_post(
        &env.h,
        "/__faults",
        serde_json::json!({"script": [
            {"match": PATCH, "status": 429, "retry_after": "3600"}
        ]}),
    );
    assert!(v.get("error").is_none(), "faults accepted: {v}");
    let mut app = env.app();
    app.wait_for("every lead listed", |s| listed(s, 4));
    app.press_until("c", "the change queued", |s| {
        pty::count_after(s, "pending") == Some(1)
    });
    app.press_until("$", "the hour-long wait", |s| {
        s.contains("Puffle asked to wait") && s.contains("$ sends now")
    });
    assert_eq!(env.patches().len(), 1, "one PATCH, answered 429");
    // `$` cuts the wait short: the change goes now, not in an hour.
    app.press_until("$", "the change sent and confirmed", |s| {
        s.contains("pending 0 · sending 0") && !s.contains("Puffle asked to wait")
    });
    let patches = env.patches();
    assert_eq!(patches.len(), 2, "{patches:?}");
    assert_eq!(common::log::status_of(&patches[0]), Some(429));
    assert_eq!(common::log::status_of(&patches[1]), Some(200));
    let contacted = common::statuses(&env.h)
        .values()
        .filter(|s| *s == "contacted")
        .count();
    assert_eq!(contacted, 1, "Puffle holds the change");
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}

#[test]
fn keys_pressed_while_the_terminal_is_too_small_send_nothing() {
    let env = Env::new(5);
    let mut app = env.app();
    app.wait_for("every lead listed", |s| listed(s, 5));
    // One change, kept unsent (long debounce), so the quit question can show that keys
    // were read.
    app.press_until("c", "the change queued", |s| {
        pty::count_after(s, "pending") == Some(1)
    });
    app.resize(40, 8);
    app.wait_for("the too-small message", |s| {
        flat(s).contains(
            "Terminal too small (40×8, need 60×8) · keys are ignored until it is bigger · q quits",
        )
    });
    // `d`, `j`, Ctrl-A, `$` are ignored; `q` asks (its answers shown on the message), which
    // proves the keys before it were read; `n` stays.
    app.press_until("dj\x01$q", "the quit question", |s| {
        flat(s).contains("1 change not sent: y quits anyway")
    });
    app.press_until("n", "back to the message", |s| flat(s).contains("q quits"));
    app.resize(120, 40);
    let screen = app.wait_for("the list again", |s| {
        listed(s, 5) && pty::count_after(s, "pending") == Some(1)
    });
    assert!(
        !screen.contains("selected"),
        "Ctrl-A selected nothing: {screen}"
    );
    assert!(env.patches().is_empty(), "no PATCH: `$` was ignored too");
    // Only the change made while the list showed is sent.
    app.press_until("$", "the change sent", |s| {
        s.contains("pending 0 · sending 0")
    });
    let patches = env.patches();
    assert_eq!(patches.len(), 1, "{patches:?}");
    let items = patches[0]["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only the visible change: {items:?}");
    assert_eq!(items[0]["status"], "contacted");
    app.send("q");
    assert!(app.wait_exit(), "the app exits cleanly");
}
