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
use lead_triage::demo_server::{ServerConfig, ServerHandle};
use lead_triage::store::{OutboxRow, Store, namespace_file};
use pty::{Pty, count_after};

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
