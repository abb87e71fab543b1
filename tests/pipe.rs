#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Piping leads to the rep's own tools, end to end: the real binary in a pseudo terminal on
//! the built-in server, with `[commands]` in a configuration file (`XDG_CONFIG_HOME`). A
//! command gets exactly the selected leads as JSON lines, in view order; what it prints last
//! and how it exits show on screen; the UI keeps taking keys while it runs; an interactive
//! command gets the terminal (and every key typed to it).

mod common;
mod pty;

use std::path::Path;

use common::server;
use pty::Pty;
use puffle_demo_server::{ServerConfig, ServerHandle};

const LEADS: usize = 40;

/// Start the app with `config` as its configuration file; wait for the list.
fn app(h: &ServerHandle, dir: &str, config: &str) -> Pty {
    std::fs::create_dir_all(format!("{dir}/lead-triage")).unwrap();
    std::fs::write(format!("{dir}/lead-triage/config.toml"), config).unwrap();
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
    let vars = [
        ("PUFFLE_API_KEY", h.api_key()),
        ("HOME", dir),
        ("XDG_CONFIG_HOME", dir),
        ("XDG_STATE_HOME", dir),
    ];
    let app = Pty::spawn(&args, &vars, 120, 40);
    let all = format!("{LEADS} / {LEADS} leads");
    app.wait_for("the list", |s| s.contains(&all) && !s.contains("loading"));
    app
}

/// The JSON lines of a file, parsed.
fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(lines: &[serde_json::Value]) -> Vec<String> {
    lines
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_configured_command_gets_exactly_the_selection_as_json_lines_while_keys_keep_working() {
    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let expected = common::in_view_order(&h, "");
    // The command waits for a file this test creates, so it is still running while the app
    // takes keys; then it reports how many lines it has received so far.
    let config = format!(
        r#"
[commands.crm]
run = "cat >> {d}/out.jsonl; while [ ! -e {d}/go ]; do sleep 0.02; done; rm -f {d}/go; echo received $(wc -l < {d}/out.jsonl) lines"
key = "ctrl-k"
description = "Add to the CRM"
"#
    );
    let mut app = app(&h, d, &config);
    // Rows 2 and 4: down, select (moves down), down, select.
    app.press_until("j", "row 2", |s| s.contains("row 2 of 40"));
    app.press_until("x", "row 2 selected", |s| s.contains("→ 1 selected"));
    app.press_until("j", "row 4", |s| s.contains("row 4 of 40"));
    app.press_until("x", "row 4 selected", |s| s.contains("→ 2 selected"));
    let screen = app.press_until("\x0b", "the command started", |s| {
        s.contains("running crm on 2 leads")
    });
    for l in [&expected[1], &expected[3]] {
        let first = l.name.split_whitespace().next().unwrap();
        assert!(screen.contains(first), "{} on screen:\n{screen}", l.name);
    }
    // The command is still running (it waits for `go`): the list still moves.
    app.press_until("k", "the cursor moved while the command runs", |s| {
        s.contains("row 4 of 40")
    });
    app.press_until("j", "and back", |s| s.contains("row 5 of 40"));
    std::fs::write(format!("{d}/go"), "").unwrap();
    let screen = app.wait_for("the command's last line", |s| {
        s.contains("crm: exit 0 (2 leads) · received 2 lines")
    });
    let got = json_lines(&dir.path().join("out.jsonl"));
    assert_eq!(
        ids(&got),
        vec![expected[1].id.to_string(), expected[3].id.to_string()],
        "exactly rows 2 and 4, in view order"
    );
    // The JSON export's shape, with the status the screen shows.
    for (v, l) in got.iter().zip([&expected[1], &expected[3]]) {
        assert_eq!(v["name"], l.name.as_str());
        assert_eq!(v["status"], serde_json::to_value(l.status).unwrap());
        assert_eq!(v["signalCount"], l.signal_count, "{v}");
    }
    assert!(
        screen.contains("→ 2 selected"),
        "the selection stays:\n{screen}"
    );

    // The palette lists the command with its key and description; Enter runs it the same way.
    app.press_until(":", "the palette", |s| s.contains("Commands"));
    for c in "crm".chars() {
        app.send(&c.to_string());
    }
    let screen = app.wait_for("the command in the palette", |s| {
        s.contains(":crm") && s.contains("▶ C-k") && s.contains("Add to the CRM")
    });
    assert!(
        !screen.contains("Next row"),
        "only matches are listed:\n{screen}"
    );
    std::fs::write(format!("{d}/go"), "").unwrap();
    app.press_until("\r", "the second run", |s| {
        s.contains("crm: exit 0 (2 leads) · received 4 lines")
    });
    let got = json_lines(&dir.path().join("out.jsonl"));
    assert_eq!(ids(&got[2..]), ids(&got[..2]), "the same two leads again");
}

#[test]
fn a_typed_command_that_fails_shows_its_exit_status_and_last_output() {
    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let expected = common::in_view_order(&h, "");
    let mut app = app(&h, d, "");
    app.press_until("|", "the prompt", |s| s.contains("the row goes to stdin"));
    let command =
        format!("cat > {d}/one.jsonl; echo first; echo oops >&2; echo last words; exit 3");
    app.send(&command);
    app.wait_for("the command typed", |s| s.contains("exit 3▏"));
    let screen = app.press_until("\r", "the failure", |s| s.contains("failed, exit 3"));
    let line = pty::line_with(&screen, "failed, exit 3").unwrap();
    assert!(
        line.contains("(1 lead) · first │ oops │ last words"),
        "{line}"
    );
    let got = json_lines(&dir.path().join("one.jsonl"));
    assert_eq!(
        ids(&got),
        vec![expected[0].id.to_string()],
        "the cursor's row"
    );
    // A command that cannot be run at all (no such program) is a failure too, and the app
    // goes on.
    app.press_until("|", "the prompt again", |s| {
        s.contains("the row goes to stdin")
    });
    app.send("no-such-program-here");
    app.wait_for("typed", |s| s.contains("no-such-program-here▏"));
    app.press_until("\r", "exit 127", |s| {
        s.contains("failed, exit 127") && s.contains("not found")
    });
    app.press_until("j", "still working", |s| s.contains("row 2 of 40"));
}

#[test]
fn an_interactive_command_gets_the_terminal_and_every_key_then_the_app_comes_back() {
    let h = server(ServerConfig {
        leads: LEADS,
        ..ServerConfig::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let expected = common::in_view_order(&h, "");
    let config = format!(
        r#"
[commands.ask]
run = "cp \"$LEAD_TRIAGE_LEADS\" {d}/given.jsonl; printf 'say something: '; read line; printf '%s' \"$line\" > {d}/typed"
key = "ctrl-g"
interactive = true
"#
    );
    let mut app = app(&h, d, &config);
    app.press_until("\x07", "the command's prompt", |s| {
        s.contains("say something:") && !s.contains("leads │")
    });
    app.send("hello there\r");
    app.wait_for("the app back", |s| {
        s.contains("ask: exit 0 (1 lead)") && s.contains("40 / 40 leads")
    });
    assert_eq!(
        std::fs::read_to_string(dir.path().join("typed")).unwrap(),
        "hello there",
        "every key went to the command"
    );
    let got = json_lines(&dir.path().join("given.jsonl"));
    assert_eq!(ids(&got), vec![expected[0].id.to_string()]);
    // The app takes keys again, in raw mode.
    app.press_until("j", "keys work again", |s| s.contains("row 2 of 40"));
    let flags = app.local_flags();
    assert!(
        !flags.iter().any(|f| f == "ICANON"),
        "raw mode again: {flags:?}"
    );
}

/// A bad `[commands]` entry stops the app before it touches the terminal, with an error that
/// names the file and the entry (checked against the user's keymap).
#[test]
fn bad_command_entries_are_config_errors_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lead-triage");
    std::fs::create_dir_all(&cfg).unwrap();
    let cases = [
        (
            "[commands.crm]\nrun = \"x\"\nkey = \"j\"\n",
            "commands.crm: key \"j\" is already bound in the list (to `move_down`)",
        ),
        (
            "[commands.crm]\nrun = \"  \"\n",
            "commands.crm: `run` is empty",
        ),
        (
            "[commands.crm]\nrun = \"x\"\nshortcut = \"ctrl-k\"\n",
            "line 3: commands.crm: unknown field `shortcut`",
        ),
    ];
    for (config, want) in cases {
        std::fs::write(cfg.join("config.toml"), config).unwrap();
        let out = common::bin(dir.path()).args(["--demo"]).output().unwrap();
        let err = common::text(&out.stderr);
        assert!(!out.status.success(), "{config}: {err}");
        assert!(
            err.contains("config.toml") && err.contains(want),
            "{config}: {err}"
        );
    }
    // Remapping `j` away in the keymap frees it for a command.
    std::fs::write(
        cfg.join("keymap.toml"),
        "[[normal]]\nkeys = [\"down\"]\naction = \"move_down\"\n",
    )
    .unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "[commands.crm]\nrun = \"x\"\nkey = \"j\"\n\n[commands.two]\nrun = \"y\"\nkey = \"j\"\n",
    )
    .unwrap();
    let out = common::bin(dir.path()).args(["--demo"]).output().unwrap();
    let err = common::text(&out.stderr);
    assert!(
        err.contains("commands.two: key \"j\" is also the key of commands.crm"),
        "{err}"
    );
}
