#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Private files, formula-safe TSV and bounded growth: the real binary against the built-in
//! server, real SQLite files, real modes on disk.

mod common;

use std::path::Path;

use common::{bin, server, text};
use puffle_demo_server::ServerConfig;

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

#[test]
fn tsv_listing_of_hostile_data_has_no_cell_a_spreadsheet_would_run() {
    let h = server(ServerConfig {
        leads: 500,
        hostile: true,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "list",
            "--format",
            "tsv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = text(&out.stdout);
    let mut lines = body.lines();
    assert_eq!(
        lines.next(),
        Some("id\tstatus\tname\tcompany\theadline\temail\tsignals\ttop_score")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 500);
    let mut defused = 0;
    for row in &rows {
        assert_eq!(row.len(), 8, "{row:?}");
        for cell in row {
            assert!(
                !cell.starts_with(FORMULA_START),
                "a cell starts with a formula character: {cell:?}"
            );
            if cell.starts_with('\'') && cell[1..].starts_with(FORMULA_START) {
                defused += 1;
            }
        }
    }
    // The hostile data does carry formulas: they were defused, not absent.
    assert!(defused > 0, "no formula was defused");
    // Only the first character changes: the defused names still hold the rest verbatim.
    assert!(
        rows.iter().any(|r| r[2].starts_with("'=HYPERLINK(")),
        "the HYPERLINK payload shows as text"
    );
}

#[cfg(unix)]
#[test]
fn an_open_store_directory_and_files_are_tightened_at_open() {
    use lead_triage::store::Store;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lead-triage");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o755);
    let db = dir.join("store.sqlite3");
    // An older version's store: a real database, world readable, with its WAL side files
    // still there because another connection holds it open.
    let other = rusqlite::Connection::open(&db).unwrap();
    other
        .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    let side = |s: &str| dir.join(format!("store.sqlite3{s}"));
    for p in [db.clone(), side("-wal"), side("-shm")] {
        assert!(p.exists(), "{}", p.display());
        set_mode(&p, 0o644);
    }

    let store = Store::open(&db).unwrap();
    assert_eq!(mode(&dir), 0o700);
    for p in [db.clone(), side("-wal"), side("-shm")] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    drop(store);
    drop(other);
}

#[cfg(unix)]
#[test]
fn a_new_store_and_its_side_files_are_private() {
    use lead_triage::store::Store;

    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("data/lead-triage/store.sqlite3");
    let mut store = Store::open(&db).unwrap();
    // Writing makes SQLite create -wal and -shm if it has not yet.
    store.outbox().unwrap();
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&db), 0o600);
    for s in ["-wal", "-shm"] {
        let p = db.with_file_name(format!("store.sqlite3{s}"));
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

#[cfg(unix)]
#[test]
fn the_binary_tightens_an_open_log_directory_and_file() {
    let h = server(ServerConfig {
        leads: 5,
        ..ServerConfig::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    set_mode(&logs, 0o755);
    // `bin` logs to `<dir>/test.log`.
    let log = logs.join("test.log");
    std::fs::write(&log, "a line from before\n").unwrap();
    set_mode(&log, 0o644);

    let out = bin(&logs)
        .env("PUFFLE_API_KEY", h.api_key())
        .env("LEAD_TRIAGE_LOG", "debug")
        .args(["--base-url", &h.base_url(), "leads", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&logs), 0o700);
    assert_eq!(mode(&log), 0o600);
    let body = std::fs::read_to_string(&log).unwrap();
    assert!(
        body.starts_with("a line from before\n"),
        "appended, not replaced"
    );
    assert!(body.len() > "a line from before\n".len(), "this run logged");
}

#[test]
fn a_large_log_is_rotated_when_the_binary_starts() {
    let h = server(ServerConfig {
        leads: 5,
        ..ServerConfig::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("test.log");
    let old = tmp.path().join("test.log.1");
    std::fs::write(&old, "the oldest log").unwrap();
    let big = vec![b'x'; lead_triage::logging::ROTATE_BYTES as usize + 1];
    std::fs::write(&log, &big).unwrap();

    let out = bin(tmp.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args(["--base-url", &h.base_url(), "leads", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&old).unwrap(), big, "the big log became .1");
    let fresh = std::fs::metadata(&log).unwrap().len();
    assert!(fresh < 1024 * 1024, "a new log was begun ({fresh} bytes)");
}

#[test]
fn the_sync_history_keeps_a_bounded_number_of_leads() {
    use lead_triage::app::state::{HISTORY_LEADS, HISTORY_PER_LEAD};
    use lead_triage::app::{Settings, State};
    use lead_triage::keymap::Keymap;
    use lead_triage::sync::backoff::Jitter;
    use std::time::Duration;
    use uuid::Uuid;

    let mut s = State::new(
        Settings::default(),
        Keymap::default_keymap(),
        Jitter::seeded(1),
    );
    let id = |n: usize| Uuid::from_u128(n as u128 + 1);
    // Lead 0 is logged first and again every 1500 leads, so it is always among the most
    // recently logged and must never be dropped; the others are logged once each, in order.
    s.log(id(0), "first".into());
    for n in 1..=HISTORY_LEADS * 3 {
        s.now = Duration::from_millis(n as u64);
        s.log(id(n), format!("event {n}"));
        if n.is_multiple_of(1500) {
            s.log(id(0), format!("again at {n}"));
        }
        assert!(
            s.sync_log.len() <= HISTORY_LEADS,
            "{} leads",
            s.sync_log.len()
        );
        assert!(s.sync_log.contains_key(&id(0)), "lead 0 dropped at {n}");
    }
    assert!(s.sync_log.len() > HISTORY_LEADS / 2, "not emptied");
    let newest = HISTORY_LEADS * 3;
    assert!(s.sync_log.contains_key(&id(newest)), "the newest is kept");
    assert_eq!(
        s.sync_log[&id(0)][0].1,
        "again at 31500",
        "lead 0 kept its own last {HISTORY_PER_LEAD} lines"
    );
    assert!(!s.sync_log.contains_key(&id(1)), "the oldest are dropped");
    // Whatever is kept is the most recently logged: every kept lead is newer than every
    // dropped one.
    let oldest_kept = (1..=newest)
        .find(|&n| s.sync_log.contains_key(&id(n)))
        .unwrap();
    assert!((oldest_kept..=newest).all(|n| s.sync_log.contains_key(&id(n))));
    // Per-lead history is still capped too.
    for _ in 0..HISTORY_PER_LEAD + 5 {
        s.log(id(newest), "more".into());
    }
    assert_eq!(s.sync_log[&id(newest)].len(), HISTORY_PER_LEAD);
}
