#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Hostile data never reaches the terminal raw, and the key never reaches any output.
//!
//! The real binary runs in a pseudo terminal against `demo-server --hostile` (names with
//! ESC/CSI/OSC/DCS sequences, C0/C1 controls, bidi overrides, 10 KB strings, wrong JSON types)
//! with a known key and trace logging. Every byte the app writes is captured and checked, and
//! the joiners and skin tones of real names arrive as written.

mod common;
mod pty;

use common::server;
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

const KEY: &str = "pk_live_SENTINEL_7e3f9a1c5b2d";

/// Records what a real terminal would do with the app's output.
#[derive(Default)]
struct Recorder {
    titles: usize,
    clipboard: usize,
    oscs: usize,
    bells: usize,
    odd_escapes: Vec<String>,
}

impl vt100::Callbacks for Recorder {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, _: &[u8]) {
        self.titles += 1;
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, _: &[u8]) {
        self.titles += 1;
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], _: &[u8]) {
        self.clipboard += 1;
    }
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, _: &[&[u8]]) {
        self.oscs += 1;
    }
    fn unhandled_escape(&mut self, _: &mut vt100::Screen, i1: Option<u8>, i2: Option<u8>, b: u8) {
        self.odd_escapes
            .push(format!("ESC {i1:?} {i2:?} {}", b as char));
    }
}

/// The CSI sequences in `raw`, as (private marker + params, final byte).
fn csi_sequences(raw: &[u8]) -> Vec<(String, char)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < raw.len() {
        if raw[i] == 0x1b && raw[i + 1] == b'[' {
            let mut j = i + 2;
            while j < raw.len() && !(0x40..=0x7e).contains(&raw[j]) {
                j += 1;
            }
            if j < raw.len() {
                out.push((
                    String::from_utf8_lossy(&raw[i + 2..j]).into_owned(),
                    raw[j] as char,
                ));
            }
            i = j;
        }
        i += 1;
    }
    out
}

/// Sequences ratatui and crossterm emit: cursor position, SGR colours, clear, erase line,
/// DEC private modes (alternate screen, cursor visibility, bracketed paste, mouse).
fn app_generated(params: &str, fin: char) -> bool {
    let digits = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || c == ';' || c == ':')
    };
    match fin {
        'H' | 'm' | 'J' | 'K' => digits(params),
        'h' | 'l' => params.starts_with('?') && digits(&params[1..]),
        'A' | 'B' | 'C' | 'D' | 'G' | 'd' => digits(params),
        _ => false,
    }
}

fn run(h: &ServerHandle, dir: &str, keys: &[&str]) -> Vec<u8> {
    let base = h.base_url();
    let log = format!("{dir}/tui.log");
    let mut app = Pty::spawn(
        &[
            "--base-url",
            &base,
            "--log-file",
            &log,
            "--data-dir",
            dir,
            "--debounce-ms",
            "600000",
        ],
        &[
            ("PUFFLE_API_KEY", KEY),
            ("LEAD_TRIAGE_LOG", "debug"),
            ("HOME", dir),
            ("XDG_CONFIG_HOME", dir),
        ],
        120,
        40,
    );
    app.wait_for("the listing", |s| {
        s.contains("300 / 300 leads") && !s.contains("loading")
    });
    for k in keys {
        app.send(k);
    }
    // The last keys sort twice: once the header says so, every key was handled.
    app.wait_for("the keys to be handled", |s| s.contains("sort score"));
    app.send("$");
    app.wait_for("the queue to drain", |s| {
        s.contains("pending 0 · sending 0")
    });
    app.send("q");
    if app.wait_for_or_exit(|s| s.contains("Quit?")) {
        app.send("y");
    }
    assert!(app.wait_exit(), "the app exits cleanly, no crash");
    app.raw()
}

#[test]
fn hostile_data_never_reaches_the_terminal_and_the_key_appears_nowhere() {
    let h = server(ServerConfig {
        leads: 300,
        hostile: true,
        api_key: KEY.to_owned(),
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // Move over every page of rows, open and close help, filter and clear it, select and
    // send, switch views. (No bare Esc: followed at once by another key, a terminal reads it
    // as Alt+key.)
    let keys = [
        "\x04", "\x04", "\x04", "G", "g", "?", "q", "/", "a", "\r", "/", "\x15", "\r", "x", "x",
        "x", "d", "p", "j", "j", "c", "p", "s", "s",
    ];
    let raw = run(&h, d, &keys);
    let mut parser = vt100::Parser::new_with_callbacks(
        std::num::NonZeroU16::new(40).unwrap(),
        std::num::NonZeroU16::new(120).unwrap(),
        0,
        Recorder::default(),
    );
    parser.process(&raw);
    let rec = parser.callbacks();
    assert_eq!(rec.titles, 0, "no window title change");
    assert_eq!(rec.clipboard, 0, "no clipboard write");
    assert_eq!(
        rec.oscs, 0,
        "no OSC sequence at all (hyperlinks, colours, …)"
    );
    assert_eq!(rec.bells, 0, "no bell from data");
    assert!(rec.odd_escapes.is_empty(), "{:?}", rec.odd_escapes);

    let foreign: Vec<_> = csi_sequences(&raw)
        .into_iter()
        .filter(|(p, f)| !app_generated(p, *f))
        .collect();
    assert!(
        foreign.is_empty(),
        "sequences the app did not generate: {foreign:?}"
    );
    let text = String::from_utf8_lossy(&raw);
    for bad in [
        '\u{9b}', '\u{9d}', '\u{90}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{7}',
    ] {
        assert!(!text.contains(bad), "{:?} reached the terminal", bad);
    }
    for bytes in [&b"\x1b]"[..], b"\x1bP", b"\x1b_", b"\x1b^", b"\x1bX"] {
        assert!(
            !raw.windows(bytes.len()).any(|w| w == bytes),
            "string sequence {bytes:?} reached the terminal"
        );
    }
    // What writing needs reaches the terminal as written (names from the hostile data's
    // `FAITHFUL_NAMES`), each cluster in one piece: a zero-width joiner, a zero-width
    // non-joiner, a lone skin tone.
    for kept in [
        "\u{915}\u{94D}\u{200D}\u{937}",
        "\u{6A9}\u{200C}",
        "\u{1F3FD}",
    ] {
        assert!(text.contains(kept), "{kept:?} did not reach the terminal");
    }
    for remnant in ["PWNED", "52;c", "SGVsbG8"] {
        assert!(
            !text.contains(remnant),
            "payload remnant {remnant:?} on screen"
        );
    }
    // A clean run with the same keys clears the screen as often: the data cleared nothing.
    let clean = server(ServerConfig {
        leads: 300,
        api_key: KEY.to_owned(),
        ..ServerConfig::default()
    });
    let dir2 = tempfile::tempdir().unwrap();
    let clean_raw = run(&clean, dir2.path().to_str().unwrap(), &keys);
    let clears = |r: &[u8]| csi_sequences(r).iter().filter(|(_, f)| *f == 'J').count();
    assert_eq!(clears(&raw), clears(&clean_raw));

    // The key: nowhere on the terminal, nowhere in the trace-level log.
    assert!(!text.contains(KEY), "the key reached the terminal");
    let log = std::fs::read_to_string(format!("{d}/tui.log")).unwrap_or_default();
    assert!(
        log.len() > 1000,
        "trace logging was on ({} bytes)",
        log.len()
    );
    assert!(!log.contains(KEY), "the key reached the log");
    assert!(!log.contains(&KEY[8..]), "part of the key reached the log");
}
