//! Driving the real binary in a pseudo terminal and reading its screen with vt100.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// What the reader thread has seen.
struct Screen {
    parser: vt100::Parser,
    raw: Vec<u8>,
    closed: bool,
}

/// A running binary in a pseudo terminal.
pub struct Pty {
    shared: Arc<(Mutex<Screen>, Condvar)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    /// Spawn `bin args…` in a `cols`×`rows` terminal with `env`.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        Pty::spawn_in(None, args, env, cols, rows)
    }

    /// [`Pty::spawn`] with a working directory.
    pub fn spawn_in(
        cwd: Option<&std::path::Path>,
        args: &[&str],
        env: &[(&str, &str)],
        cols: u16,
        rows: u16,
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_lead-triage"));
        cmd.env_clear();
        cmd.env("TERM", "xterm-256color");
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        // The built-in server has no rate limit unless a test sets one; a test of the budget
        // passes its own value, which wins.
        cmd.env("LEAD_TRIAGE_RATE_LIMIT_PER_MIN", "0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        for a in args {
            cmd.arg(a);
        }
        if let Some(dir) = cwd {
            cmd.cwd(dir);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn in pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let shared = Arc::new((
            Mutex::new(Screen {
                parser: vt100::Parser::new(
                    std::num::NonZeroU16::new(rows).expect("rows"),
                    std::num::NonZeroU16::new(cols).expect("cols"),
                    0,
                ),
                raw: Vec::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        let bg = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
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
                s.raw.extend_from_slice(&buf[..n]);
                cv.notify_all();
            }
        });
        Pty {
            shared,
            writer,
            child,
            _master: pair.master,
        }
    }

    /// Resize the terminal to `cols`×`rows` (the program gets SIGWINCH), and the screen that
    /// mirrors it.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        {
            let mut s = self.shared.0.lock().unwrap();
            s.parser.set_size(
                std::num::NonZeroU16::new(rows).expect("rows"),
                std::num::NonZeroU16::new(cols).expect("cols"),
            );
        }
        self._master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    /// Type bytes (keys) into the terminal.
    pub fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// Type one key and wait until the screen reflects `until`.
    pub fn press_until(&mut self, key: &str, what: &str, until: impl Fn(&str) -> bool) -> String {
        self.send(key);
        self.wait_for(what, until)
    }

    /// The screen as text, one line per row.
    pub fn contents(&self) -> String {
        self.shared.0.lock().unwrap().parser.screen().contents()
    }

    /// Every byte the program wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.shared.0.lock().unwrap().raw.clone()
    }

    /// Wait (on output events, not on sleeps) until the screen satisfies `pred`; panics with the
    /// screen after 60 s.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().unwrap();
        loop {
            let text = s.parser.screen().contents();
            if pred(&text) {
                return text;
            }
            let now = Instant::now();
            if now >= deadline || s.closed {
                drop(s);
                panic!("timed out waiting for {what}; screen:\n{text}");
            }
            s = cv.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    /// Wait until the screen satisfies `pred` (true) or the program exits (false).
    pub fn wait_for_or_exit(&self, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        let (lock, cv) = &*self.shared;
        let mut s = lock.lock().unwrap();
        loop {
            if pred(&s.parser.screen().contents()) {
                return true;
            }
            if s.closed {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                let text = s.parser.screen().contents();
                drop(s);
                panic!("neither happened in time; screen:\n{text}");
            }
            s = cv.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    /// Wait for the process to exit (the pty closes when it does); returns whether it
    /// succeeded.
    pub fn wait_exit(&mut self) -> bool {
        self.wait_exit_status().success()
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("child pid")
    }

    /// Names of the local-mode flags the terminal has now (`ICANON`, `ECHO`, …), read from the
    /// master side (which reports the terminal's termios).
    pub fn local_flags(&self) -> Vec<String> {
        let termios = self._master.get_termios().expect("termios of the pty");
        termios
            .local_flags
            .iter_names()
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// Wait for the process to exit (the pty closes when it does); returns how it exited.
    pub fn wait_exit_status(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        {
            let (lock, cv) = &*self.shared;
            let mut s = lock.lock().unwrap();
            while !s.closed {
                let now = Instant::now();
                if now >= deadline {
                    drop(s);
                    let _ = self.child.kill();
                    panic!("the app did not exit; screen:\n{}", self.contents());
                }
                s = cv.wait_timeout(s, deadline - now).unwrap().0;
            }
        }
        self.child.wait().expect("wait")
    }

    /// SIGKILL: no chance to clean up, like a crash or a closed laptop lid gone wrong.
    pub fn kill_hard(&mut self) {
        if let Some(pid) = self.child.process_id() {
            let status = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success());
        }
        let _ = self.child.wait();
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The number after `label ` on the status line (e.g. `pending 3`).
pub fn count_after(screen: &str, label: &str) -> Option<usize> {
    let i = screen.find(&format!("{label} "))? + label.len() + 1;
    screen[i..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The line of the screen that contains `needle`.
pub fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}
