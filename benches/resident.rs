#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Memory and start-up of the real binary at 100,000 leads (not a criterion bench: it
//! measures a whole process). Run with `cargo bench --bench resident`.
//!
//! 1. `lead-triage demo-server --leads 100000` in its own process.
//! 2. The TUI in a pseudo terminal lists everything; its RSS (VmRSS) and peak (VmHWM) are read
//!    from /proc once the listing is complete. It quits, keeping its cache.
//! 3. With the server made unreachable, the TUI starts again: the time from spawn to the first
//!    frame showing cached leads, and to all 100,000 cached leads on screen.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_lead-triage");
const N: usize = 100_000;
/// `N` as the header shows it.
const N_SHOWN: &str = "100,000";

struct Screen {
    parser: vt100::Parser,
    closed: bool,
}

struct App {
    shared: Arc<(Mutex<Screen>, Condvar)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

fn spawn(args: &[&str], dir: &str) -> App {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 50,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(BIN);
    cmd.env_clear();
    cmd.env("TERM", "xterm-256color");
    cmd.env("PUFFLE_API_KEY", "pk_live_demo");
    cmd.env("HOME", dir);
    cmd.env("XDG_CONFIG_HOME", dir);
    for a in args {
        cmd.arg(a);
    }
    let child = pair.slave.spawn_command(cmd).expect("spawn");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let writer = pair.master.take_writer().expect("writer");
    let rows = std::num::NonZeroU16::new(50).expect("rows");
    let cols = std::num::NonZeroU16::new(200).expect("cols");
    let shared = Arc::new((
        Mutex::new(Screen {
            parser: vt100::Parser::new(rows, cols, 0),
            closed: false,
        }),
        Condvar::new(),
    ));
    let bg = Arc::clone(&shared);
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        loop {
            let n = reader.read(&mut buf).unwrap_or(0);
            let (lock, cv) = &*bg;
            let mut s = lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if n == 0 {
                s.closed = true;
                cv.notify_all();
                return;
            }
            s.parser.process(&buf[..n]);
            cv.notify_all();
        }
    });
    App {
        shared,
        writer,
        child,
        _master: pair.master,
    }
}

impl App {
    fn wait_for(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().expect("lock");
        loop {
            if pred(&s.parser.screen().contents()) {
                return Some(Instant::now());
            }
            let now = Instant::now();
            if now >= deadline || s.closed {
                return None;
            }
            s = cv.wait_timeout(s, deadline - now).expect("wait").0;
        }
    }

    fn mem_kb(&self, field: &str) -> u64 {
        let pid = self.child.process_id().expect("pid");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    fn quit(&mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let _ = self.child.wait();
    }
}

fn faults(base: &str, body: &str) {
    let status = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-X",
            "POST",
            "-H",
            "content-type: application/json",
            "-d",
            body,
        ])
        .arg(format!("{base}/__faults"))
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "curl reaches the server hook"
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8 path");
    let mut server = Command::new(BIN)
        .args([
            "demo-server",
            "--leads",
            &N.to_string(),
            "--log-file",
            &format!("{d}/server.log"),
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let mut first = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("address");
    let base = first.trim().to_owned();
    let args = [
        "--base-url",
        base.as_str(),
        "--data-dir",
        d,
        "--log-file",
        &format!("{d}/tui.log"),
        // The built-in server has no limit here: list at full speed, not at Puffle's 100/min.
        "--rate-limit-per-min",
        "0",
    ];

    // 1. Full listing.
    let start = Instant::now();
    let mut app = spawn(&args, d);
    let loaded = app
        .wait_for(Duration::from_secs(600), |s| {
            s.contains(&format!("{N_SHOWN} / {N_SHOWN} leads")) && !s.contains("loading")
        })
        .expect("listing completes");
    let rss = app.mem_kb("VmRSS:");
    let hwm = app.mem_kb("VmHWM:");
    println!(
        "listing {N} leads over HTTP: {:.1} s",
        (loaded - start).as_secs_f64()
    );
    println!(
        "resident after listing: VmRSS {:.1} MB, peak VmHWM {:.1} MB",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    app.quit();

    // 2. Start from the cache with the server unreachable.
    faults(&base, r#"{"down": true}"#);
    let start = Instant::now();
    let mut app = spawn(&args, d);
    let first_frame = app
        .wait_for(Duration::from_secs(60), |s| {
            s.contains("cached") && s.contains(" / ")
        })
        .expect("first frame from the cache");
    let all = app
        .wait_for(Duration::from_secs(60), |s| {
            s.contains(&format!("{N_SHOWN} / {N_SHOWN} leads"))
        })
        .expect("whole cache");
    println!(
        "first frame with cached leads: {:.1} ms after spawn",
        (first_frame - start).as_secs_f64() * 1000.0
    );
    println!(
        "all {N} cached leads on screen: {:.1} ms after spawn",
        (all - start).as_secs_f64() * 1000.0
    );
    println!(
        "resident from cache: VmRSS {:.1} MB",
        app.mem_kb("VmRSS:") as f64 / 1024.0
    );
    app.quit();
    let _ = server.kill();
    let _ = server.wait();
}
