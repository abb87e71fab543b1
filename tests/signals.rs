#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Signals and a panicking sync worker end the real binary cleanly: the terminal is given back
//! (main screen, cursor shown, cooked mode), the exit code says why, and a change queued but
//! not sent is still in the outbox and goes out at the next `lead-triage sync`.
//!
//! The binary runs in a pseudo terminal against the built-in server, with a debounce of ten
//! minutes so that the change made with `d` is queued (and on disk) but never sent by itself.

mod common;
mod pty;

use common::{bin, server, statuses, text};
use lead_triage::api::{ApiKey, Status};
use lead_triage::store::{OutboxRow, Store, namespace_file};
use pty::{Pty, count_after};
use puffle_demo_server::{ServerConfig, ServerHandle};

const LEADS: usize = 40;
const LEAVE_ALT_SCREEN: &[u8] = b"\x1b[?1049l";
const ENTER_ALT_SCREEN: &[u8] = b"\x1b[?1049h";
const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

fn app(h: &ServerHandle, dir: &str, env: &[(&str, &str)]) -> Pty {
    let base = h.base_url();
    let log = format!("{dir}/tui.log");
    let args = [
        "--base-url",
        base.as_str(),
        "--log-file",
        log.as_str(),
        "--data-dir",
        dir,
        "--debounce-ms",
        "600000",
    ];
    let mut vars = vec![
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", dir),
        ("XDG_CONFIG_HOME", dir),
        ("XDG_STATE_HOME", dir),
    ];
    vars.extend_from_slice(env);
    Pty::spawn(&args, &vars, 120, 40)
}

fn outbox(h: &ServerHandle, dir: &str) -> Vec<OutboxRow> {
    let path = namespace_file(
        std::path::Path::new(dir),
        &h.base_url(),
        &ApiKey::new(h.api_key()).unwrap(),
    );
    Store::open(&path).unwrap().outbox().unwrap()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Start the app, wait for the list, check the terminal is raw, and queue one dismissal (not
/// sent: the debounce is ten minutes). Returns the app and the queued change.
fn start_with_one_queued_change(
    h: &ServerHandle,
    dir: &str,
    env: &[(&str, &str)],
) -> (Pty, OutboxRow) {
    let mut app = app(h, dir, env);
    let all = format!("{LEADS} / {LEADS} leads");
    app.wait_for("the list", |s| s.contains(&all) && !s.contains("loading"));
    let raw_flags = app.local_flags();
    assert!(
        !raw_flags.iter().any(|f| f == "ICANON" || f == "ECHO"),
        "the TUI runs in raw mode: {raw_flags:?}"
    );
    app.press_until("d", "the change queued", |s| {
        count_after(s, "pending") == Some(1)
    });
    // "pending 1" is drawn after the outbox commit.
    let rows = outbox(h, dir);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, Status::Dismissed);
    let row = rows.into_iter().next().unwrap();
    assert_ne!(
        statuses(h)[&row.id.to_string()],
        "dismissed",
        "the change was not sent"
    );
    (app, row)
}

/// The terminal is back as the shell left it: the program's last words leave the alternate
/// screen (and nothing enters it again) and show the cursor, bracketed paste is off, and the
/// pty is in cooked mode. Returns what was written after leaving the alternate screen.
fn assert_terminal_restored(app: &Pty) -> Vec<u8> {
    let raw = app.raw();
    let left = find(&raw, LEAVE_ALT_SCREEN).expect("left the alternate screen");
    let entered = find(&raw, ENTER_ALT_SCREEN).expect("entered the alternate screen");
    assert!(entered < left, "the alternate screen was left last");
    let paste_off = find(&raw, b"\x1b[?2004l").expect("bracketed paste turned off");
    assert!(find(&raw, b"\x1b[?2004h").is_some_and(|on| on < paste_off));
    let tail = raw[left + LEAVE_ALT_SCREEN.len()..].to_vec();
    assert!(
        tail.starts_with(SHOW_CURSOR),
        "the cursor is shown right after leaving the alternate screen: {:?}",
        text(&tail)
    );
    let flags = app.local_flags();
    assert!(
        flags.iter().any(|f| f == "ICANON") && flags.iter().any(|f| f == "ECHO"),
        "cooked mode again: {flags:?}"
    );
    tail
}

/// `lead-triage sync` with the same data dir, key and base URL sends the outbox.
fn sync_sends(h: &ServerHandle, dir: &str, row: &OutboxRow) {
    let mut cmd = bin(std::path::Path::new(dir));
    cmd.env("PUFFLE_API_KEY", h.api_key()).args([
        "--base-url",
        &h.base_url(),
        "--data-dir",
        dir,
        "sync",
    ]);
    let out = cmd.output().expect("sync runs");
    assert!(out.status.success(), "sync: {}", text(&out.stderr));
    assert_eq!(statuses(h)[&row.id.to_string()], "dismissed");
    assert!(outbox(h, dir).is_empty(), "the outbox is empty once sent");
}

fn signal_drill(name: &str, number: u32) {
    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (mut app, row) = start_with_one_queued_change(&h, d, &[]);

    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &app.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = app.wait_exit_status();
    assert_eq!(exit.signal(), None, "handled, not killed by SIG{name}");
    assert_eq!(exit.exit_code(), 128 + number, "exit code 128 + SIG{name}");

    let tail = assert_terminal_restored(&app);
    assert_eq!(tail, SHOW_CURSOR, "nothing written after the restore");
    let rows = outbox(&h, d);
    assert_eq!(rows.len(), 1, "the change is still queued: {rows:?}");
    assert_eq!((rows[0].id, rows[0].status), (row.id, Status::Dismissed));
    sync_sends(&h, d, &row);
}

#[test]
fn sigterm_restores_the_terminal_and_keeps_the_queued_change() {
    signal_drill("TERM", 15);
}

#[test]
fn sighup_restores_the_terminal_and_keeps_the_queued_change() {
    signal_drill("HUP", 1);
}

#[test]
fn sigint_from_kill_restores_the_terminal_and_keeps_the_queued_change() {
    signal_drill("INT", 2);
}

/// `LEAD_TRIAGE_TEST_PANIC` makes the first send panic; `$` sends at once.
fn panic_drill(which: &str, detail: &str) {
    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (mut app, row) = start_with_one_queued_change(&h, d, &[("LEAD_TRIAGE_TEST_PANIC", which)]);

    app.send("$");
    let exit = app.wait_exit_status();
    assert_eq!(exit.signal(), None);
    assert_eq!(exit.exit_code(), 2, "a worker failure exits non-zero");

    let tail = text(&assert_terminal_restored(&app));
    assert!(
        tail.contains("lead-triage: internal error in the sync worker")
            && tail.contains(detail)
            && tail.contains("kept in the local outbox"),
        "the banner is printed on the restored terminal: {tail:?}"
    );
    let rows = outbox(&h, d);
    assert_eq!(rows.len(), 1, "the change is still queued: {rows:?}");
    assert_eq!((rows[0].id, rows[0].status), (row.id, Status::Dismissed));
    let log = std::fs::read_to_string(format!("{d}/tui.log")).unwrap();
    assert!(
        log.contains("panic in the sync worker")
            && log.contains(&format!("LEAD_TRIAGE_TEST_PANIC={which}")),
        "the panic is logged with its message: {log}"
    );
    sync_sends(&h, d, &row);
}

#[test]
fn a_panicking_send_quits_with_the_terminal_restored_and_the_outbox_intact() {
    panic_drill("task", "sending panicked");
}

#[test]
fn a_panicking_worker_task_is_noticed_and_quits_the_same_way() {
    panic_drill("worker", "the sync worker panicked");
}

/// A real hangup, as when an SSH connection drops: every end of the pty's master side is
/// closed, so the kernel sends SIGHUP and every write to the terminal fails. The app must
/// still shut down on its own (no panic from a failed write) with 128 + SIGHUP, and the
/// queued change must be in the outbox.
#[test]
fn a_real_hangup_with_the_terminal_gone_still_shuts_down_cleanly() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};

    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_lead-triage"));
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.env("LEAD_TRIAGE_RATE_LIMIT_PER_MIN", "0");
    for (k, v) in [
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", d),
        ("XDG_CONFIG_HOME", d),
        ("XDG_STATE_HOME", d),
    ] {
        cmd.env(k, v);
    }
    let base = h.base_url();
    let log = format!("{d}/tui.log");
    for a in [
        "--base-url",
        base.as_str(),
        "--log-file",
        log.as_str(),
        "--data-dir",
        d,
        "--debounce-ms",
        "600000",
    ] {
        cmd.arg(a);
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    // The reader reads until the screen shows what it waits for, then reports and stops, so
    // that it holds no end of the master side any more.
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let all = format!("{LEADS} / {LEADS} leads");
    let reading = std::thread::spawn(move || {
        let mut parser = vt100::Parser::new(
            std::num::NonZeroU16::new(40).unwrap(),
            std::num::NonZeroU16::new(120).unwrap(),
            0,
        );
        let mut buf = [0u8; 16 * 1024];
        let mut listed = false;
        loop {
            let n = reader.read(&mut buf).unwrap_or(0);
            assert!(
                n > 0,
                "the app ended early:\n{}",
                parser.screen().contents()
            );
            parser.process(&buf[..n]);
            let s = parser.screen().contents();
            if !listed && s.contains(&all) && !s.contains("loading") {
                listed = true;
                tx.send(()).unwrap();
            }
            if listed && count_after(&s, "pending") == Some(1) {
                tx.send(()).unwrap();
                return;
            }
        }
    });
    let wait = std::time::Duration::from_secs(60);
    rx.recv_timeout(wait).expect("the list");
    writer.write_all(b"d").unwrap();
    writer.flush().unwrap();
    rx.recv_timeout(wait).expect("the change queued");
    reading.join().unwrap();
    assert_eq!(outbox(&h, d).len(), 1);
    // Hang up: the last ends of the master side go.
    drop(writer);
    drop(pair.master);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the app did not exit after the hangup");
        }
        // Polling the child with a deadline: a pty-less child has no event to wait on.
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(exit.signal(), None, "{log}");
    assert_eq!(exit.exit_code(), 129, "exit code 128 + SIGHUP; log:\n{log}");
    assert!(
        log.contains("could not show the cursor"),
        "the writes to the terminal did fail (so this drill tests what it says): {log}"
    );
    assert!(!log.contains("panicked"), "{log}");
    let rows = outbox(&h, d);
    assert_eq!(rows.len(), 1, "the change is still queued: {rows:?}");
    assert_eq!(rows[0].status, Status::Dismissed);
}
