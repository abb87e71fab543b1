#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The finishing touches, end to end: a user keymap, NO_COLOR, the OSC 52 clipboard, export,
//! completions and the man page.

mod common;
mod pty;

use common::{bin, server, text};
use lead_triage::api::{ApiKey, Client, ClientConfig, GroupBy, LeadQuery, SortBy};
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

fn first_page(h: &ServerHandle) -> Vec<lead_triage::api::Lead> {
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
    let q = LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 100,
    };
    let mut pager = client.pager(q);
    rt.block_on(pager.next_page()).unwrap().unwrap().leads
}

fn first_lead(h: &ServerHandle) -> lead_triage::api::Lead {
    first_page(h).into_iter().next().expect("a lead")
}

fn app(h: &ServerHandle, dir: &std::path::Path, extra_env: &[(&str, &str)]) -> Pty {
    let d = dir.to_str().unwrap();
    let base = h.base_url();
    let log = format!("{d}/tui.log");
    let mut env = vec![
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", d),
        ("XDG_CONFIG_HOME", d),
        ("XDG_DATA_HOME", d),
    ];
    env.extend_from_slice(extra_env);
    let app = Pty::spawn_in(
        Some(dir),
        &[
            "--base-url",
            &base,
            "--log-file",
            &log,
            "--debounce-ms",
            "600000",
        ],
        &env,
        120,
        30,
    );
    app.wait_for("the listing", |s| {
        s.contains("40 / 40 leads") && !s.contains("loading")
    });
    app
}

fn quit(mut app: Pty) {
    app.send("q");
    if app.wait_for_or_exit(|s| s.contains("Quit?")) {
        app.send("y");
    }
    assert!(app.wait_exit());
}

#[test]
fn a_user_keymap_moves_dismiss_and_d_no_longer_dismisses() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("lead-triage")).unwrap();
    std::fs::write(
        dir.path().join("lead-triage/keymap.toml"),
        "[[normal]]\nkeys = [\"D\"]\naction = \"set_dismissed\"\n",
    )
    .unwrap();
    let mut app = app(&h, dir.path(), &[]);
    let screen = app.contents();
    assert!(
        screen.contains("D dismiss"),
        "the hint bar follows the keymap:\n{screen}"
    );
    // `d` is unbound now: nothing is queued. (`j` afterwards proves the key was handled.)
    app.send("d");
    app.send("j");
    app.send("k");
    let screen = app.wait_for("the cursor to come back", |s| s.contains("pending 0"));
    assert!(!screen.contains("→ dismissed"));
    let first = first_lead(&h);
    let expected = if first.status == lead_triage::api::Status::Dismissed {
        0
    } else {
        1
    };
    if expected == 1 {
        app.press_until("D", "the change", |s| s.contains("pending 1"));
    }
    quit(app);
}

#[test]
fn no_color_output_carries_no_colour_sequences() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&h, dir.path(), &[("NO_COLOR", "1")]);
    app.send("x");
    app.press_until("?", "help", |s| s.contains("Keys ·"));
    app.press_until("q", "help closed", |s| {
        !s.contains("Keys ·") && s.contains("1 selected")
    });
    let raw = app.raw();
    quit(app);
    // Every SGR sequence may only reset colours (39/49) or set attributes (bold, reverse…).
    let mut i = 0;
    let mut sgr = 0;
    while i + 2 < raw.len() {
        if raw[i] == 0x1b && raw[i + 1] == b'[' {
            let mut j = i + 2;
            while j < raw.len() && !(0x40..=0x7e).contains(&raw[j]) {
                j += 1;
            }
            if j < raw.len() && raw[j] == b'm' {
                sgr += 1;
                let params = String::from_utf8_lossy(&raw[i + 2..j]).into_owned();
                for p in params.split(';').filter(|p| !p.is_empty()) {
                    let n: u32 = p.parse().unwrap_or(0);
                    let colour = matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107 | 58);
                    assert!(!colour, "colour sequence ESC[{params}m with NO_COLOR");
                }
            }
            i = j;
        }
        i += 1;
    }
    assert!(sgr > 0, "attributes (reverse, bold) are still used");
}

#[test]
fn y_without_a_clipboard_emits_osc52_with_the_email() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let leads = first_page(&h);
    let k = leads
        .iter()
        .position(|l| l.email().is_some())
        .expect("a lead with an email");
    let email = leads[k].email().unwrap_or_default().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&h, dir.path(), &[("DISPLAY", ""), ("WAYLAND_DISPLAY", "")]);
    for _ in 0..k {
        app.send("j");
    }
    app.press_until("y", "the toast", |s| {
        s.contains(&format!("copied email: {email}"))
    });
    let raw = app.raw();
    quit(app);
    let want = format!("\x1b]52;c;{}", common::base64(email.as_bytes()));
    let at = String::from_utf8_lossy(&raw)
        .find(&want)
        .unwrap_or_else(|| panic!("no OSC 52 with {email}"));
    let rest = &raw[at + want.len()..];
    assert!(
        rest.starts_with(b"\x07") || rest.starts_with(b"\x1b\\"),
        "the sequence is terminated (BEL or ST)"
    );
}

#[test]
fn e_exports_the_view_to_csv_in_the_current_directory() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&h, dir.path(), &[]);
    let screen = app.press_until("e", "the export", |s| s.contains("exported 40 leads to"));
    assert!(screen.contains(dir.path().to_str().unwrap().get(..20).unwrap_or("/")));
    quit(app);
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .expect("a CSV file");
    let csv = std::fs::read_to_string(file.path()).unwrap();
    assert_eq!(csv.lines().count(), 41);
    assert!(csv.starts_with(lead_triage::export::CSV_HEADER));
}

#[test]
fn completions_man_page_and_csv_listing() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = bin(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains("leads"),
            "{shell} completion knows the subcommands"
        );
    }
    let out = bin(dir.path()).arg("man").output().unwrap();
    assert!(out.status.success());
    let man = text(&out.stdout);
    assert!(man.contains(".TH") && man.contains("lead-triage") && man.contains("PUFFLE_API_KEY"));

    let h = server(ServerConfig {
        leads: 30,
        ..ServerConfig::default()
    });
    let out = bin(dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args([
            "--base-url",
            &h.base_url(),
            "leads",
            "list",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = text(&out.stdout);
    assert_eq!(csv.lines().count(), 31);
    assert_eq!(csv.lines().next(), Some(lead_triage::export::CSV_HEADER));
}

#[test]
fn pasted_text_goes_into_the_filter_and_never_acts_as_keys() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&h, dir.path(), &[]);
    // The app asked the terminal for bracketed paste.
    assert!(
        app.raw().windows(8).any(|w| w == b"\x1b[?2004h"),
        "bracketed paste is not enabled"
    );
    // A paste with a newline and keys after it, into the filter: the newline becomes a
    // space, `d` and `x` are text, nothing is queued or selected.
    app.send("/");
    app.wait_for("the filter line", |s| s.contains("Enter keep"));
    app.send("\x1b[200~zq\rd x\x1b[201~");
    let screen = app.wait_for("the pasted text", |s| s.contains("\"zq d x\""));
    assert!(screen.contains("pending 0"), "{screen}");
    assert!(!screen.contains("selected"), "{screen}");
    // Pasted outside an input it is ignored and says so.
    app.send("\x1b"); // Esc: leave the filter
    app.wait_for("the whole list", |s| s.contains("40 / 40 leads"));
    app.send("\x1b[200~dd\x1b[201~");
    let screen = app.wait_for("the paste note", |s| s.contains("paste ignored"));
    assert!(screen.contains("pending 0"), "{screen}");
    quit(app);
}
