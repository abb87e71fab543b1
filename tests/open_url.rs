#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! `o` opens the lead's web address with `$BROWSER` (else the system's opener) on a thread
//! that waits for it: the opener is reaped (no zombie is left under the app), and when it
//! cannot start or fails (SSH, a server without a browser) the address is shown instead.
//!
//! The real binary runs in a pseudo terminal against the built-in server; `$BROWSER` is a
//! small script that writes the address it was given into a FIFO the test reads.

#![cfg(target_os = "linux")]

mod common;
mod pty;

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use common::server;
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

fn app(h: &ServerHandle, dir: &Path, browser: &str) -> Pty {
    let d = dir.to_str().unwrap();
    let base = h.base_url();
    let log = format!("{d}/tui.log");
    let args = ["--base-url", base.as_str(), "--log-file", log.as_str()];
    let vars = [
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", d),
        ("XDG_CONFIG_HOME", d),
        ("XDG_DATA_HOME", d),
        ("XDG_STATE_HOME", d),
        ("BROWSER", browser),
    ];
    let app = Pty::spawn(&args, &vars, 120, 40);
    app.wait_for("the list", |s| {
        s.contains("8 / 8 leads") && !s.contains("loading")
    });
    app
}

fn script(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.to_str().unwrap().to_owned()
}

/// Processes whose parent is `pid`, with their state letter (`Z` for a zombie).
fn children(pid: u32) -> Vec<(u32, char)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": the name may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next());
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        let child = head.split_whitespace().next().and_then(|p| p.parse().ok());
        if let (Some(child), Some(state), Some(ppid)) = (child, state, ppid)
            && ppid == pid
        {
            out.push((child, state));
        }
    }
    out
}

fn config() -> ServerConfig {
    ServerConfig {
        leads: 8,
        ..ServerConfig::default()
    }
}

#[test]
fn the_browser_gets_the_address_and_is_reaped() {
    let h = server(config());
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
    let mut app = app(&h, dir.path(), &browser);
    let screen = app.press_until("o", "the opening toast", |s| s.contains("opening http"));
    // Opening the FIFO for reading blocks until the browser script opens it for writing.
    let mut got = String::new();
    std::fs::File::open(&fifo)
        .unwrap()
        .read_to_string(&mut got)
        .unwrap();
    let url = got.trim_end();
    assert!(url.starts_with("http"), "{got:?}");
    assert!(screen.contains(&format!("opening {url}")), "{screen}");
    // The script has exited; the app's opener thread reaps it. An unreaped child would stay
    // a zombie under the app until it exits, so this waits for a state, not for a time.
    let pid = app.pid();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !children(pid).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the opener was not reaped: {:?}",
            children(pid)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !app.contents().contains("no browser here"),
        "a successful opener shows no fallback"
    );
    app.send("q");
    assert!(app.wait_exit());
}

#[test]
fn a_failing_or_missing_opener_shows_the_address() {
    let h = server(config());
    let dir = tempfile::tempdir().unwrap();
    let failing = script(dir.path(), "failing", "exit 3");
    let missing = dir.path().join("no-such-browser");
    for browser in [failing.as_str(), missing.to_str().unwrap()] {
        let mut app = app(&h, dir.path(), browser);
        let screen = app.press_until("o", "the fallback", |s| s.contains("no browser here"));
        let line = pty::line_with(&screen, "no browser here").unwrap();
        assert!(line.contains("the address is http"), "{line}");
        // The notice is sent after the opener was waited for: nothing is left under the app.
        assert_eq!(children(app.pid()), [], "{browser}");
        app.send("q");
        assert!(app.wait_exit());
    }
}
