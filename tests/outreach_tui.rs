#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Outreach from the keyboard in the real binary, in a pseudo terminal against the built-in
//! server: draft, edit in `$EDITOR` (surviving a SIGKILL before Puffle confirmed the edit),
//! send (clipboard, browser) and mark contacted.

#![cfg(target_os = "linux")]

mod common;
mod pty;

use std::io::Read;
use std::path::Path;

use common::{hook_get, hook_post, server, statuses};
use lead_triage::api::{ApiKey, Client, ClientConfig, GroupBy, Lead};
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::json;

fn config() -> ServerConfig {
    ServerConfig {
        leads: 10,
        // Drafting takes a moment, as on Puffle, but not a whole second per test.
        generate_ms: 100,
        ..ServerConfig::default()
    }
}

/// The first lead the app lists, and the signal its pane opens on (the newest).
fn first_lead_and_signal(h: &ServerHandle) -> (Lead, String) {
    let lead = common::listed(h).remove(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(
        ClientConfig::new(&h.base_url(), ApiKey::new(h.api_key()).unwrap())
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let signals = rt
        .block_on(client.lead_signals(GroupBy::Person, lead.id))
        .unwrap();
    (lead, signals[0].id.clone())
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

fn app(h: &ServerHandle, dir: &Path, env: &[(&str, &str)]) -> Pty {
    let d = dir.to_str().unwrap();
    let base = h.base_url();
    let log = format!("{d}/tui.log");
    let args = ["--base-url", base.as_str(), "--log-file", log.as_str()];
    let mut vars = vec![
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", d),
        ("XDG_CONFIG_HOME", d),
        ("XDG_DATA_HOME", d),
        ("XDG_STATE_HOME", d),
        ("LEAD_TRIAGE_RATE_LIMIT_PER_MIN", "0"),
    ];
    vars.extend_from_slice(env);
    let app = Pty::spawn(&args, &vars, 140, 45);
    app.wait_for("the list", |s| {
        s.contains("10 / 10 leads") && !s.contains("loading")
    });
    app
}

/// What the server holds for a signal (`GET /__signals`).
fn on_server(h: &ServerHandle, signal: &str) -> serde_json::Value {
    hook_get(h, &format!("/__signals?ids={signal}"))[signal].clone()
}

/// Open the pane on the first lead and draft a DM for its newest signal.
fn draft_first(app: &mut Pty) {
    app.press_until("\r", "the signals", |s| {
        s.contains("fetched ") && s.contains("▸ ")
    });
    app.press_until("m", "the draft", |s| s.contains("DM draft:"));
}

#[test]
fn a_draft_edited_in_the_editor_survives_a_kill_and_reaches_puffle() {
    let h = server(config());
    let (lead, signal) = first_lead_and_signal(&h);
    let dir = tempfile::tempdir().unwrap();
    let editor = script(
        dir.path(),
        "editor",
        "printf 'Hi from the test,\\nsecond line' > \"$1\"",
    );
    let mut a = app(&h, dir.path(), &[("EDITOR", &editor), ("VISUAL", "")]);
    draft_first(&mut a);
    let drafted = on_server(&h, &signal);
    let text = drafted["dmText"]
        .as_str()
        .expect("the server kept the draft");
    // The pane shows it (the frame may still be arriving: waited for).
    let start: String = text.lines().next().unwrap().chars().take(30).collect();
    a.wait_for("the draft in the pane", |s| s.contains(&start));
    assert!(
        text.contains(lead.name.split(' ').next().unwrap()),
        "{text}"
    );
    // Puffle is unavailable for the edit's first tries: it waits to be sent again...
    hook_post(
        &h,
        "/__faults",
        json!({"script": [
            {"match": "PATCH /api/signals", "status": 503},
            {"match": "PATCH /api/signals", "status": 503},
            {"match": "PATCH /api/signals", "status": 503},
        ]}),
    );
    a.press_until("i", "the edit pending", |s| {
        s.contains("Hi from the test,") && s.contains("DM edited (pending, retrying in")
    });
    // ...and the app is killed before Puffle confirmed it.
    a.kill_hard();
    assert_eq!(
        on_server(&h, &signal)["dmText"].as_str(),
        Some(text),
        "not applied yet"
    );
    hook_post(&h, "/__faults", json!({"script": []}));
    // The next start sends it: the pane shows the edit, and no longer as pending.
    let mut b = app(&h, dir.path(), &[]);
    b.press_until("\r", "the edit confirmed", |s| {
        s.contains("Hi from the test,") && s.contains("second line") && !s.contains("DM edited (")
    });
    assert_eq!(
        on_server(&h, &signal)["dmText"].as_str(),
        Some("Hi from the test,\nsecond line")
    );
    b.send("q");
    b.send("q");
    assert!(b.wait_exit());
}

#[test]
fn send_copies_the_draft_opens_the_messaging_page_and_marks_contacted() {
    let h = server(config());
    let (lead, signal) = first_lead_and_signal(&h);
    assert_ne!(statuses(&h)[&lead.id.to_string()], "contacted");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("opened");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let browser = script(
        dir.path(),
        "browser",
        &format!("printf '%s\\n' \"$1\" > '{}'", fifo.display()),
    );
    // No system clipboard here (no display): the copy goes through the terminal, OSC 52.
    let mut a = app(
        &h,
        dir.path(),
        &[
            ("BROWSER", &browser),
            ("DISPLAY", ""),
            ("WAYLAND_DISPLAY", ""),
        ],
    );
    draft_first(&mut a);
    let dm = on_server(&h, &signal)["dmText"]
        .as_str()
        .unwrap()
        .to_owned();
    a.press_until(">", "the question", |s| s.contains("Mark contacted?"));
    let mut got = String::new();
    std::fs::File::open(&fifo)
        .unwrap()
        .read_to_string(&mut got)
        .unwrap();
    let url = got.trim_end();
    assert!(
        url.starts_with("https://www.linkedin.com/messaging/"),
        "the messaging page was opened: {url:?}"
    );
    // OSC 52 carries the draft, base64 encoded.
    let b64 = common::base64(dm.as_bytes());
    let raw = String::from_utf8_lossy(&a.raw()).into_owned();
    assert!(
        raw.contains(&format!("\x1b]52;c;{b64}")),
        "no OSC 52 with the draft"
    );
    // Yes: the lead is contacted on Puffle.
    a.send("y");
    a.wait_for("queued", |s| s.contains("pending 1 ·"));
    a.press_until("$", "sent", |s| {
        s.contains("pending 0 · sending 0 · failed 0")
    });
    assert_eq!(statuses(&h)[&lead.id.to_string()], "contacted");
    a.send("q");
    a.send("q");
    assert!(a.wait_exit());
}
