#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Fault drills for the shared local store: a damaged store file, a full disk, and two TUIs
//! plus `lead-triage sync` sharing one outbox. Real binaries against the built-in server on
//! 127.0.0.1, real SQLite files.

mod common;
mod pty;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::{bin, hook_get, server, statuses, text};
use lead_triage::api::{ApiKey, GroupBy, Lead, Status};
use lead_triage::store::{OutboxOp, OutboxRow, Store, namespace_file, unix_now};
use pty::{Pty, count_after};
use puffle_demo_server::{ServerConfig, ServerHandle};

/// The leads of the person view, in the order the app shows them (server order).
fn person_leads(h: &ServerHandle) -> Vec<Lead> {
    use lead_triage::api::{Client, ClientConfig, LeadQuery, SortBy};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = ApiKey::new(h.api_key()).unwrap();
    let client = Client::new(
        ClientConfig::new(&h.base_url(), key)
            .map(ClientConfig::unpaced)
            .unwrap(),
    )
    .unwrap();
    let q = LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 100,
    };
    rt.block_on(client.pager(q).collect_all()).unwrap().leads
}

fn store_path(h: &ServerHandle, dir: &Path) -> PathBuf {
    namespace_file(dir, &h.base_url(), &ApiKey::new(h.api_key()).unwrap())
}

fn outbox(h: &ServerHandle, dir: &Path) -> Vec<OutboxRow> {
    Store::open(&store_path(h, dir)).unwrap().outbox().unwrap()
}

/// The TUI in a 120×40 pseudo terminal, with a ten-minute debounce (only `$` sends), its log
/// in `log_dir`.
fn tui(h: &ServerHandle, data_dir: &Path, log_dir: &Path) -> Pty {
    let base = h.base_url();
    let log = log_dir.join("tui.log");
    let args = [
        "--base-url",
        base.as_str(),
        "--log-file",
        log.to_str().unwrap(),
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--debounce-ms",
        "600000",
        "--retry-base-ms",
        "100",
        "--retry-cap-ms",
        "1000",
    ];
    let home = log_dir.to_str().unwrap();
    Pty::spawn(
        &args,
        &[
            ("PUFFLE_API_KEY", h.api_key()),
            ("HOME", home),
            ("XDG_CONFIG_HOME", home),
            ("XDG_STATE_HOME", home),
        ],
        120,
        40,
    )
}

/// `lead-triage sync` on this data dir; returns (success, stderr).
fn sync(h: &ServerHandle, data_dir: &Path, log_dir: &Path) -> (bool, String) {
    let mut cmd = bin(log_dir);
    cmd.env("PUFFLE_API_KEY", h.api_key()).args([
        "--base-url",
        &h.base_url(),
        "--data-dir",
        data_dir.to_str().unwrap(),
        "sync",
    ]);
    let out = cmd.output().expect("sync runs");
    (out.status.success(), text(&out.stderr))
}

// ---------------------------------------------------------------------------------------------
// 3. A damaged store
// ---------------------------------------------------------------------------------------------

/// A store holding six queued changes (leads 0..6 set to a status they do not have) and the
/// cached person listing. Returns the intended statuses.
fn store_with_six_changes(h: &ServerHandle, dir: &Path) -> HashMap<String, Status> {
    let leads = person_leads(h);
    let mut s = Store::open(&store_path(h, dir)).unwrap();
    let mut want = HashMap::new();
    let mut ops = Vec::new();
    for (n, l) in leads.iter().take(6).enumerate() {
        let status = if l.status == Status::Dismissed {
            Status::Contacted
        } else {
            Status::Dismissed
        };
        want.insert(l.id.to_string(), status);
        ops.push(OutboxOp::Put(OutboxRow {
            id: l.id,
            group: GroupBy::Person,
            status,
            confirmed: l.status,
            error: None,
            seq: n as u64 + 1,
        }));
    }
    s.write_outbox(&ops).unwrap();
    s.save_cache(GroupBy::Person, std::iter::once(leads.clone()), unix_now())
        .unwrap();
    assert_eq!(s.outbox().unwrap().len(), 6);
    drop(s);
    want
}

/// Checkpoint the WAL into the file, then return (page size, root page of `table`).
fn checkpoint_and_root(path: &Path, table: &str) -> (u64, u64) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    let root: i64 = c
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap();
    let outbox_root: i64 = c
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_ne!(root, outbox_root);
    drop(c);
    (page as u64, root as u64)
}

/// Overwrite page `page` (1-based) of the file with garbage.
fn smash_page(path: &Path, page_size: u64, page: u64) {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start((page - 1) * page_size)).unwrap();
    let garbage: Vec<u8> = (0..page_size)
        .map(|i| (i.wrapping_mul(131) ^ 0x5a) as u8)
        .collect();
    f.write_all(&garbage).unwrap();
    f.sync_all().unwrap();
}

/// The `<store>.damaged-<unix seconds>` file beside the store, if there is one.
fn damaged_file(store: &Path) -> Option<PathBuf> {
    let name = store.file_name()?.to_str()?.to_owned();
    let prefix = format!("{name}.damaged-");
    std::fs::read_dir(store.parent()?)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix(&prefix))
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn fingerprint(path: &Path) -> (u64, std::time::SystemTime, Vec<u8>) {
    let m = std::fs::metadata(path).unwrap();
    (m.len(), m.modified().unwrap(), std::fs::read(path).unwrap())
}

#[test]
fn a_damaged_cache_page_is_moved_aside_and_the_six_changes_are_recovered_and_sent() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let want = store_with_six_changes(&h, dir.path());
    let path = store_path(&h, dir.path());
    let (page_size, root) = checkpoint_and_root(&path, "lead_cache");
    smash_page(&path, page_size, root);
    let before = fingerprint(&path);

    let (ok, stderr) = sync(&h, dir.path(), logs.path());
    println!("sync stderr: {stderr}");
    assert!(ok, "sync succeeds after recovering: {stderr}");
    let aside = damaged_file(&path).expect("a .damaged-<time> file beside the store");
    assert!(
        stderr.contains("damaged") && stderr.contains(&aside.display().to_string()),
        "the rep is told where the damaged file went: {stderr}"
    );
    assert!(
        stderr.contains("6 queued changes recovered"),
        "and how many changes were recovered: {stderr}"
    );
    assert!(
        !stderr.contains("could not be read"),
        "the outbox pages were intact: {stderr}"
    );
    let truth = statuses(&h);
    for (id, status) in &want {
        assert_eq!(truth[id], status.as_str(), "lead {id} was sent");
    }
    assert!(outbox(&h, dir.path()).is_empty(), "the new outbox is empty");
    let after = fingerprint(&aside);
    assert_eq!(after.0, before.0, "the damaged file keeps its size");
    assert_eq!(
        after.1, before.1,
        "the damaged file was not written (mtime)"
    );
    assert!(
        after.2 == before.2,
        "the damaged file's bytes are unchanged"
    );
}

/// A store with six queued changes whose first page (the header and the schema) is garbage.
fn store_with_garbage_first_page(h: &ServerHandle, dir: &Path) -> PathBuf {
    store_with_six_changes(h, dir);
    let path = store_path(h, dir);
    let (page_size, _) = checkpoint_and_root(&path, "lead_cache");
    smash_page(&path, page_size, 1);
    path
}

#[test]
fn a_store_whose_first_page_is_garbage_the_tui_starts_and_says_so() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let path = store_with_garbage_first_page(&h, dir.path());
    let before = fingerprint(&path);
    let server_before = statuses(&h);

    // The TUI starts, lists, and says what happened on its banner line.
    let mut app = tui(&h, dir.path(), logs.path());
    let screen = app.wait_for("the list and the recovery banner", |s| {
        s.contains("40 / 40 leads") && s.contains("local store damaged")
    });
    assert!(
        screen.contains("moved aside as ") && screen.contains(".damaged-"),
        "the banner says where the file was moved: {screen}"
    );
    assert!(
        screen.contains("could not be read"),
        "and that its changes could not be read: {screen}"
    );
    assert_eq!(count_after(&screen, "pending"), Some(0), "{screen}");
    let aside = damaged_file(&path).expect("a .damaged-<time> file beside the store");
    app.send("q");
    assert!(app.wait_exit());
    let after = fingerprint(&aside);
    assert_eq!((after.0, after.1), (before.0, before.1));
    assert!(after.2 == before.2, "the damaged file is left as it was");
    assert_eq!(
        statuses(&h),
        server_before,
        "nothing was sent: nothing could be read"
    );
    assert!(path.exists(), "a fresh store took its place");
}

#[test]
fn a_store_whose_first_page_is_garbage_sync_says_changes_could_not_be_read() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let path = store_with_garbage_first_page(&h, dir.path());
    let (_, stderr) = sync(&h, dir.path(), logs.path());
    println!("sync stderr: {stderr}");
    let aside = damaged_file(&path).expect("a .damaged-<time> file beside the store");
    assert!(
        stderr.contains("damaged") && stderr.contains(&aside.display().to_string()),
        "the rep is told where the damaged file went: {stderr}"
    );
    // Six changes were in that outbox and none could be read back: the rep must be told that
    // changes could not be read (or that the outbox was unreadable), not only "0 recovered".
    assert!(
        stderr.contains("could not be read"),
        "sync says queued changes could not be read: {stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Disk full mid-session
// ---------------------------------------------------------------------------------------------

/// A tiny tmpfs mounted on a fresh directory, unmounted when dropped.
struct TinyFs {
    at: tempfile::TempDir,
}

impl TinyFs {
    fn mount(size: &str) -> Result<TinyFs, String> {
        let at = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(at.path())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(TinyFs { at })
        } else {
            Err(text(&out.stderr))
        }
    }

    fn path(&self) -> &Path {
        self.at.path()
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let ok = std::process::Command::new("umount")
            .arg(self.at.path())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(self.at.path())
                .status();
        }
    }
}

/// Write zeros into `path` until the filesystem refuses (ENOSPC); returns the bytes written.
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let mut total = 0u64;
    for chunk in [1 << 20, 1 << 12, 1] {
        let buf = vec![0u8; chunk];
        loop {
            match f.write(&buf) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(e) => {
                    assert_eq!(
                        e.raw_os_error(),
                        Some(28),
                        "the filler stops on ENOSPC: {e}"
                    );
                    break;
                }
            }
        }
    }
    let _ = f.sync_all();
    total
}

/// The table line of the lead named `name`.
fn row_of<'a>(screen: &'a str, name: &str) -> &'a str {
    pty::line_with(screen, name).unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

#[test]
fn disk_full_mid_session_refuses_new_changes_keeps_the_first_and_sends_it_later() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let logs = tempfile::tempdir().unwrap();
    let fs = match TinyFs::mount("2m") {
        Ok(fs) => fs,
        Err(e) => panic!(
            "could not mount a tmpfs (this drill needs root): {e}; no simulated fallback ran"
        ),
    };
    println!("disk full drill: a 2 MiB tmpfs at {}", fs.path().display());
    let data = fs.path().join("data");
    let leads = person_leads(&h);
    let name = |i: usize| leads[i].name.clone();
    let (n0, n1, n2) = (name(0), name(1), name(2));
    assert!(!n0.is_empty() && !n1.is_empty() && !n2.is_empty());

    let mut app = tui(&h, &data, logs.path());
    app.wait_for("the list", |s| {
        s.contains("40 / 40 leads") && !s.contains("loading")
    });
    // Let the listing's cache save land first, so the filler is the only thing that grows.
    let path = store_path(&h, &data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while Store::open(&path)
        .unwrap()
        .cache_chunks(GroupBy::Person)
        .unwrap()
        == 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the cache was never saved"
        );
        std::thread::yield_now();
    }
    let target0 = if leads[0].status == Status::Dismissed {
        ("c", "contacted")
    } else {
        ("d", "dismissed")
    };
    app.press_until(target0.0, "the first change queued", |s| {
        count_after(s, "pending") == Some(1)
    });
    let rows = outbox(&h, &data);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].id, leads[0].id);

    let filled = fill(&fs.path().join("filler"));
    println!("filled {filled} bytes");

    // Status keys on other rows: each is refused, nothing grows, the rows keep their status.
    app.send("j");
    let s1 = leads[1].status;
    let key1 = if s1 == Status::Dismissed { "c" } else { "d" };
    let screen = app.press_until(key1, "the not-queued banner", |s| s.contains("NOT queued"));
    println!("{screen}");
    assert_eq!(count_after(&screen, "pending"), Some(1), "{screen}");
    let line = row_of(&screen, &n1);
    assert!(
        line.contains(s1.as_str()) && !line.contains('○'),
        "row 2 keeps its status {s1}: {line}"
    );
    app.send("j");
    let s2 = leads[2].status;
    let key2 = if s2 == Status::Contacted { "d" } else { "c" };
    app.send(key2);
    // The banner is already up: keys are handled in order, so once the help popup (opened
    // after the status key) is drawn, the status key was handled.
    let screen = app.press_until("?", "help", |s| s.contains(" Keys · j/k scroll"));
    let screen2 = app.press_until("\x1b", "help closed", |s| !s.contains(" Keys · j/k scroll"));
    assert_eq!(
        count_after(&screen2, "pending"),
        Some(1),
        "{screen}\n{screen2}"
    );
    let line = row_of(&screen2, &n2);
    assert!(
        line.contains(s2.as_str()) && !line.contains('○'),
        "row 3 keeps its status {s2}: {line}"
    );
    let line = row_of(&screen2, &n0);
    assert!(
        line.contains(target0.1),
        "row 1 still shows its queued change: {line}"
    );

    let prompt = app.press_until("q", "the quit prompt", |s| s.contains("Quit?"));
    assert!(
        prompt.contains("1 change is not sent to Puffle yet"),
        "the quit prompt counts only the change on disk: {prompt}"
    );
    app.send("y");
    assert!(app.wait_exit());
    drop(app);

    let rows = outbox(&h, &data);
    assert_eq!(
        rows.len(),
        1,
        "the outbox holds exactly the first change: {rows:?}"
    );
    assert_eq!(rows[0].id, leads[0].id);
    assert_eq!(rows[0].status.as_str(), target0.1);

    // Space again: the next start sends the first change.
    std::fs::remove_file(fs.path().join("filler")).unwrap();
    let mut again = tui(&h, &data, logs.path());
    again.wait_for("the queue drained", |s| {
        s.contains("40 / 40 leads") && s.contains("pending 0 · sending 0") && s.contains("failed 0")
    });
    let truth = statuses(&h);
    assert_eq!(
        truth[&leads[0].id.to_string()],
        target0.1,
        "the first change was sent"
    );
    assert_eq!(
        truth[&leads[1].id.to_string()],
        s1.as_str(),
        "the refused one was not"
    );
    assert_eq!(
        truth[&leads[2].id.to_string()],
        s2.as_str(),
        "the refused one was not"
    );
    assert!(outbox(&h, &data).is_empty());
    again.send("q");
    assert!(again.wait_exit());
}

// ---------------------------------------------------------------------------------------------
// 1. Two TUIs plus `sync` on one store
// ---------------------------------------------------------------------------------------------

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Every PATCH item the server received: (arrival ms, entity id, status).
fn patched(h: &ServerHandle) -> Vec<(u64, String, String)> {
    let log = hook_get(h, "/__log");
    let mut out = Vec::new();
    for e in log.as_array().unwrap() {
        if e["method"] == "PATCH"
            && let Some(items) = e["items"].as_array()
        {
            for it in items {
                out.push((
                    e["ts_ms"].as_u64().unwrap(),
                    it["entityId"].as_str().unwrap_or_default().to_owned(),
                    it["status"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    out
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Move the cursor to table row `row` (server order) from wherever it is.
fn goto(app: &mut Pty, row: usize) {
    app.send("g");
    for _ in 0..row {
        app.send("j");
    }
}

/// A status key that changes a lead with status `from`, and the status it sets.
fn change_key(from: Status, prefer: Status) -> (&'static str, Status) {
    let key = |s: Status| match s {
        Status::Contacted => "c",
        Status::Dismissed => "d",
        _ => "n",
    };
    if from != prefer {
        (key(prefer), prefer)
    } else {
        (key(Status::New), Status::New)
    }
}

fn settled(s: &str) -> bool {
    s.contains("pending 0 · sending 0")
}

/// Quit, answering "send, then quit" if the prompt asks.
fn quit(app: &mut Pty) {
    app.send("q");
    if app.wait_for_or_exit(|s| s.contains("Quit?")) {
        app.send("s");
    }
    assert!(app.wait_exit(), "the app exits cleanly");
}

#[test]
fn two_tuis_and_sync_share_one_outbox_and_the_last_intent_wins() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let logs_a = tempfile::tempdir().unwrap();
    let logs_b = tempfile::tempdir().unwrap();
    let data = dir.path();
    let leads = person_leads(&h);
    let id = |i: usize| leads[i].id.to_string();
    let (l1, l2, l3, l4) = (0usize, 1usize, 2usize, 3usize);
    // The reference model: each lead's last intent in real time.
    let mut model: HashMap<String, Status> = HashMap::new();
    let all = "40 / 40 leads";

    // A dismisses L1; not sent (ten-minute debounce).
    let mut a = tui(&h, data, logs_a.path());
    a.wait_for("A's list", |s| s.contains(all) && !s.contains("loading"));
    let (k1, s1) = change_key(leads[l1].status, Status::Dismissed);
    assert_eq!(s1, Status::Dismissed, "the drill needs L1 not dismissed");
    a.press_until(k1, "A: L1 queued", |s| count_after(s, "pending") == Some(1));
    model.insert(id(l1), s1);
    assert!(patched(&h).is_empty(), "nothing sent yet");

    // B starts: it restores L1 from the outbox and sends it at once (a restored queue is
    // flushed at start).
    let mut b = tui(&h, data, logs_b.path());
    b.wait_for("B's list, L1 sent", |s| {
        s.contains(all) && !s.contains("loading") && settled(s)
    });
    wait_until("L1 on the server", || statuses(&h)[&id(l1)] == "dismissed");

    // A undoes L1: it was already sent by B, so the undo becomes a change back.
    let undo_at = now_ms();
    a.send("u");
    model.insert(id(l1), leads[l1].status);
    let path = store_path(&h, data);
    wait_until("A's change back of L1 in the outbox", || {
        Store::open(&path)
            .unwrap()
            .outbox()
            .unwrap()
            .iter()
            .any(|r| r.id == leads[l1].id && r.status == leads[l1].status)
    });
    a.wait_for("A: the change back pending", |s| {
        count_after(s, "pending") == Some(1)
    });
    // B sends now: it must not send L1 dismissed again.
    b.press_until("$", "B settled", settled);

    // A sets L2 contacted; later B sets L2 dismissed; A sends, then B sends.
    goto(&mut a, l2);
    let (k2a, s2a) = change_key(leads[l2].status, Status::Contacted);
    a.press_until(k2a, "A: L2 queued", |s| {
        count_after(s, "pending") == Some(2)
    });
    model.insert(id(l2), s2a);
    goto(&mut b, l2);
    let (k2b, s2b) = change_key(s2a, Status::Dismissed);
    b.press_until(k2b, "B: L2 queued", |s| {
        count_after(s, "pending") == Some(1)
    });
    model.insert(id(l2), s2b);
    a.press_until("$", "A settled", settled);
    b.press_until("$", "B settled", settled);
    wait_until("L2 on the server", || statuses(&h)[&id(l2)] == s2b.as_str());

    // A sets L3 (another lead); `sync` runs while both are open and sends it.
    goto(&mut a, l3);
    let (k3, s3) = change_key(leads[l3].status, Status::Contacted);
    a.press_until(k3, "A: L3 queued", |s| count_after(s, "pending") == Some(1));
    model.insert(id(l3), s3);
    let (ok, stderr) = sync(&h, data, logs_a.path());
    assert!(ok, "sync in the middle: {stderr}");
    assert_eq!(statuses(&h)[&id(l3)], s3.as_str(), "sync sent A's L3");

    // B sets L4 and sends it, then undoes it (a change B already sent) while A runs.
    goto(&mut b, l4);
    let (k4, s4) = change_key(leads[l4].status, Status::Dismissed);
    b.press_until(k4, "B: L4 queued", |s| count_after(s, "pending") == Some(1));
    model.insert(id(l4), s4);
    b.press_until("$", "B settled", settled);
    wait_until("L4 on the server", || statuses(&h)[&id(l4)] == s4.as_str());
    b.press_until("u", "B: the change back of L4", |s| {
        count_after(s, "pending") == Some(1)
    });
    model.insert(id(l4), leads[l4].status);
    b.press_until("$", "B settled", settled);

    quit(&mut a);
    quit(&mut b);
    let (ok, stderr) = sync(&h, data, logs_a.path());
    assert!(ok, "the last sync: {stderr}");

    let truth = statuses(&h);
    for (lead, want) in &model {
        assert_eq!(
            truth[lead].as_str(),
            want.as_str(),
            "lead {lead} ends at its last intent; PATCHes: {:?}",
            patched(&h)
        );
    }
    assert_ne!(truth[&id(l1)], "dismissed");
    assert!(outbox(&h, data).is_empty(), "no unapplied row is left");
    let late: Vec<_> = patched(&h)
        .into_iter()
        .filter(|(ts, lead, status)| *ts >= undo_at && *lead == id(l1) && status == "dismissed")
        .collect();
    assert!(
        late.is_empty(),
        "L1 was sent dismissed after A's undo: {late:?}"
    );
}
