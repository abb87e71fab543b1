#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The reading pane, saved views and the session summary in the real binary, in a pseudo
//! terminal against the built-in server: decide from the pane, one key, next lead.

mod common;
mod pty;

use common::{server, statuses};
use lead_triage::api::Lead;
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

fn app(h: &ServerHandle, dir: &std::path::Path, extra: &[&str], size: (u16, u16)) -> Pty {
    let base = h.base_url();
    let log = dir.join("tui.log");
    let d = dir.to_str().unwrap();
    let mut args = vec![
        "--base-url",
        base.as_str(),
        "--log-file",
        log.to_str().unwrap(),
        "--data-dir",
        d,
        // Sent only with `$`, so what the server holds is what the test sent.
        "--debounce-ms",
        "600000",
    ];
    args.extend_from_slice(extra);
    let vars = [
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", d),
        ("XDG_CONFIG_HOME", d),
        ("XDG_STATE_HOME", d),
        ("LEAD_TRIAGE_RATE_LIMIT_PER_MIN", "0"),
    ];
    Pty::spawn(&args, &vars, size.0, size.1)
}

/// The name on the pane's first line (just under its title).
fn pane_lead(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let title = lines.iter().position(|l| l.contains("┌ Lead"))?;
    let col = lines[title].find("┌ Lead")?;
    let line = lines.get(title + 1)?;
    Some(line.get(col..)?.trim_start_matches('│').trim().to_owned())
}

fn short(name: &str) -> String {
    name.chars().take(12).collect()
}

fn status_of(h: &ServerHandle, lead: &Lead) -> String {
    statuses(h)
        .get(&lead.id.to_string())
        .cloned()
        .unwrap_or_default()
}

/// Open the pane, press `d` three times: the first three leads in view order are dismissed
/// on the server and the pane shows the fourth; `k` then `c` changes the third. The hint bar
/// shows the pane's bindings while it is open, and the quit summary counts the session.
#[test]
fn d_three_times_in_the_pane_dismisses_the_first_three_and_shows_the_fourth() {
    let h = server(ServerConfig {
        leads: 30,
        ..ServerConfig::default()
    });
    let order = common::listed(&h);
    let before = statuses(&h);
    for lead in &order[..4] {
        assert_ne!(
            before[&lead.id.to_string()],
            "dismissed",
            "the demo starts them undismissed"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&h, dir.path(), &[], (120, 40));
    app.wait_for("the list", |s| s.contains("30 / 30 leads"));
    // The frame can arrive in pieces: wait for the hint bar's last hint checked below.
    let screen = app.press_until("\r", "the pane and its hints", |s| {
        pane_lead(s).is_some()
            && s.lines()
                .last()
                .is_some_and(|l| l.contains("d dismiss & next"))
    });
    assert!(
        pane_lead(&screen)
            .unwrap()
            .starts_with(&short(&order[0].name)),
        "the pane shows the first lead:\n{screen}"
    );
    let hints = screen.lines().last().unwrap();
    for want in [
        "Esc close",
        "Tab next signal",
        "O open signal",
        "next/prev lead",
        "d dismiss & next",
    ] {
        assert!(
            hints.contains(want),
            "hint bar while the pane is open: {hints}"
        );
    }
    for next in &order[1..=3] {
        let want = short(&next.name);
        app.press_until("d", "the pane on the next lead", |s| {
            pane_lead(s).is_some_and(|n| n.starts_with(&want))
        });
    }
    app.wait_for("three queued", |s| {
        s.contains("pending 3 ·") && s.contains("3 triaged")
    });
    app.press_until("$", "sent", |s| {
        s.contains("pending 0 · sending 0 · failed 0")
    });
    for lead in &order[..3] {
        assert_eq!(status_of(&h, lead), "dismissed", "{}", lead.name);
    }
    assert_eq!(
        status_of(&h, &order[3]),
        before[&order[3].id.to_string()],
        "the fourth is untouched"
    );
    // `k` back to the third, `c`: it is contacted on the server.
    let third = short(&order[2].name);
    app.press_until("k", "the third lead", |s| {
        pane_lead(s).is_some_and(|n| n.starts_with(&third))
    });
    // The key takes and the pane moves on to the fourth again.
    let fourth = short(&order[3].name);
    app.press_until("c", "queued and advanced", |s| {
        s.contains("pending 1 ·") && pane_lead(s).is_some_and(|n| n.starts_with(&fourth))
    });
    app.press_until("$", "sent", |s| {
        s.contains("pending 0 · sending 0 · failed 0") && s.contains("3 triaged")
    });
    assert_eq!(status_of(&h, &order[2]), "contacted");
    assert_eq!(status_of(&h, &order[0]), "dismissed");
    // Quit (Esc closes the pane, q quits): the summary is left on the shell's screen.
    app.send("\x1b");
    app.wait_for("the pane closed", |s| pane_lead(s).is_none());
    app.send("q");
    assert!(app.wait_exit());
    let out = common::text(&app.raw());
    assert!(
        out.contains("lead-triage: 3 leads triaged in under a minute"),
        "quit summary: {out:?}"
    );
    assert!(out.contains("every change reached Puffle"), "{out:?}");
}

/// `w` moves the pane (below → popup at 120×40), and the choice is remembered: the next run
/// opens it there.
#[test]
fn the_pane_layout_is_switched_with_w_and_remembered() {
    let h = server(ServerConfig {
        leads: 10,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let title_col = |s: &str| {
        s.lines()
            .find_map(|l| l.find("┌ Lead").map(|b| l[..b].chars().count()))
    };
    let mut a = app(&h, dir.path(), &[], (120, 40));
    a.wait_for("the list", |s| s.contains("10 / 10 leads"));
    // Below the list, full width; then a popup (centred, 100 wide).
    a.press_until("\r", "the pane below", |s| title_col(s) == Some(0));
    a.press_until("w", "a popup", |s| {
        title_col(s) == Some(10) && s.contains("reading pane: a popup (remembered)")
    });
    a.send("q");
    a.wait_for("the pane closed", |s| title_col(s).is_none());
    a.send("q");
    assert!(a.wait_exit());
    let mut b = app(&h, dir.path(), &[], (120, 40));
    b.wait_for("the list", |s| s.contains("10 / 10 leads"));
    b.press_until("\r", "the pane as a popup again", |s| {
        title_col(s) == Some(10)
    });
    b.kill();
}

/// `--view NAME` starts on a saved view from the config: its tab is lit, its filter applies;
/// an unknown name is a clear error before the screen is taken.
#[test]
fn view_flag_starts_on_a_saved_view() {
    let h = server(ServerConfig {
        leads: 40,
        ..ServerConfig::default()
    });
    let all = statuses(&h);
    let dismissed = common::listed(&h)
        .iter()
        .filter(|l| all[&l.id.to_string()] == "dismissed")
        .count();
    assert!(
        dismissed > 0 && dismissed < 40,
        "the demo has some dismissed leads"
    );
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("lead-triage");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("config.toml"),
        "[views]\nhot = \"status:new score:3\"\ngone = \"status:dismissed\"\n",
    )
    .unwrap();
    let mut a = app(&h, dir.path(), &["--view", "gone"], (120, 30));
    // The tab lit, every tab counted, the filter applied (waited for as one frame).
    a.wait_for("the view", |s| {
        let tabs = s.lines().nth(1).unwrap_or_default();
        tabs.contains(&format!("[gone {dismissed} left]"))
            && tabs.contains(" all 40 ")
            && tabs.contains(" hot ")
            && s.contains(&format!("{dismissed} / 40 leads"))
    });
    a.kill();

    let out = common::bin(dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("PUFFLE_API_KEY", h.api_key())
        .args(["--base-url", &h.base_url(), "--view", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(
        err.contains("no view named \"nope\"; the config's [views] has: hot, gone"),
        "{err}"
    );

    // `default_view` in the config does the same without the flag; `h` / `l` move on.
    std::fs::write(
        conf.join("config.toml"),
        "default_view = \"gone\"\n[views]\nhot = \"status:new score:3\"\ngone = \"status:dismissed\"\n",
    )
    .unwrap();
    let mut b = app(&h, dir.path(), &[], (120, 30));
    b.wait_for("the default view", |s| {
        s.contains(&format!("[gone {dismissed} left]"))
    });
    b.press_until("h", "the previous tab", |s| s.contains("[hot "));
    b.press_until("h", "all", |s| s.contains("[all 40]"));
    b.kill();
}
