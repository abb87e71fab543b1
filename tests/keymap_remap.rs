#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Every default key of every keymap layer remapped: the real binary in a pseudo terminal
//! against the built-in server, with a `keymap.toml` that gives every action of every layer a
//! new key (Alt+letter, Alt+digit, F2–F12) and so takes every default away. The hint bar, the
//! help overlay, the detail pane, the questions and the toasts must name only the new keys
//! (whole-screen snapshots, plus checks on each place that names keys), the new keys must act,
//! and the old ones must not.
//!
//! Fixed keys stay what they are whatever the file says, and may still be named: Ctrl-C, Esc in
//! the two questions, and Backspace in a text input.

mod common;
mod pty;
#[path = "keymap_remap/screen.rs"]
mod screen;

use std::collections::{BTreeMap, BTreeSet};

use common::server;
use lead_triage::app::action::{ACTIONS, Action, Layer};
use pty::{Pty, line_with};
use puffle_demo_server::{ServerConfig, ServerHandle};
use screen::{boxed, hint_bar, hint_items, position, row, stable};

/// Keys no layer binds by default, as keymap names.
fn pool() -> Vec<String> {
    let mut out: Vec<String> = ('a'..='z').map(|c| format!("alt-{c}")).collect();
    out.extend(('0'..='9').map(|c| format!("alt-{c}")));
    out.extend(
        [
            "alt-,", "alt-.", "alt-;", "alt-'", "alt-/", "alt-=", "alt-`",
        ]
        .map(String::from),
    );
    out.extend((2..=12).map(|n| format!("f{n}")));
    // Control keys no default uses (not Ctrl-H, I, J, M: Backspace, Tab, Enter).
    out.extend(["ctrl-g", "ctrl-k", "ctrl-l", "ctrl-o", "ctrl-t"].map(String::from));
    out
}

/// The bytes a terminal sends for a key named in keymap notation (only what this test uses).
fn bytes(name: &str) -> String {
    if let Some(c) = name.strip_prefix("alt-") {
        return format!("\x1b{c}");
    }
    if let Some(c) = name.strip_prefix("ctrl-") {
        let byte = c.as_bytes()[0] - b'a' + 1;
        return char::from(byte).to_string();
    }
    let f = |n: u8| match n {
        2 => "\x1bOQ".to_string(),
        3 => "\x1bOR".to_string(),
        4 => "\x1bOS".to_string(),
        5 => "\x1b[15~".to_string(),
        n @ 6..=10 => format!("\x1b[{}~", n + 11),
        n => format!("\x1b[{}~", n + 12),
    };
    match name {
        "esc" => "\x1b".into(),
        "enter" => "\r".into(),
        n if n.starts_with('f') => f(n[1..].parse().expect("f-key number")),
        n => n.into(),
    }
}

/// The label the app shows for a key of [`pool`]: `A-a`, `F5`.
fn label(name: &str) -> String {
    if let Some(c) = name.strip_prefix("ctrl-") {
        return format!("C-{c}");
    }
    match name.strip_prefix("alt-") {
        Some(c) => format!("A-{c}"),
        None => name.to_uppercase(),
    }
}

/// The remap: for every layer, every action that has default keys there gets one new key.
struct Remap {
    keys: BTreeMap<(Layer, Action), String>,
}

impl Remap {
    fn new() -> Remap {
        let pool = pool();
        let mut keys = BTreeMap::new();
        for layer in Layer::ALL {
            let actions = ACTIONS.iter().filter(|d| {
                d.layers
                    .iter()
                    .any(|b| b.layer == layer && !b.keys.is_empty())
            });
            for (n, def) in actions.enumerate() {
                let key = pool.get(n).expect("the pool has a key for every action");
                keys.insert((layer, def.action), key.clone());
            }
        }
        Remap { keys }
    }

    fn toml(&self) -> String {
        let mut out = String::new();
        for ((layer, action), key) in &self.keys {
            out.push_str(&format!(
                "[[{}]]\nkeys = [{key:?}]\naction = {:?}\n\n",
                layer.name(),
                action.name()
            ));
        }
        out
    }

    /// The bytes of the new key of `action` in `layer`.
    fn key(&self, layer: Layer, action: Action) -> String {
        bytes(&self.keys[&(layer, action)])
    }

    fn new_label(&self, layer: Layer, action: Action) -> String {
        label(&self.keys[&(layer, action)])
    }

    fn list(&self, action: Action) -> String {
        self.key(Layer::Normal, action)
    }

    fn all_new_labels(&self) -> BTreeSet<String> {
        self.keys.values().map(|k| label(k)).collect()
    }
}

/// The default labels of `action` in `layer` (`j`, `↓`, `C-d`, `* a`), from the default keymap.
fn old_labels(layer: Layer, action: Action) -> Vec<String> {
    lead_triage::keymap::Keymap::default_keymap().keys_in(layer, action)
}

/// The ids of the server's person leads.
fn person_ids(h: &ServerHandle) -> Vec<String> {
    use lead_triage::api::{ApiKey, Client, ClientConfig, GroupBy, LeadQuery, SortBy};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let key = ApiKey::new(h.api_key()).expect("api key");
    let client =
        Client::new(ClientConfig::new(&h.base_url(), key).expect("config")).expect("client");
    let mut pager = client.pager(LeadQuery {
        group_by: GroupBy::Person,
        sort_by: SortBy::Recency,
        limit: 100,
    });
    let page = rt
        .block_on(pager.next_page())
        .expect("a page")
        .expect("leads");
    page.leads.iter().map(|l| l.id.to_string()).collect()
}

struct Env {
    h: ServerHandle,
    dir: tempfile::TempDir,
    remap: Remap,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            h: server(ServerConfig {
                leads: 40,
                ..ServerConfig::default()
            }),
            dir: tempfile::tempdir().expect("temp dir"),
            remap: Remap::new(),
        };
        // Every person lead `new`, so every status key changes what it acts on.
        let items: Vec<serde_json::Value> = (person_ids(&env.h).iter())
            .map(|id| serde_json::json!({"entityId": id, "status": "new"}))
            .collect();
        let v = common::hook_post(&env.h, "/__statuses", serde_json::json!({ "items": items }));
        assert_eq!(v["updated"].as_array().map_or(0, Vec::len), 40, "{v}");
        let conf = env.dir.path().join("lead-triage");
        std::fs::create_dir_all(&conf).expect("config dir");
        std::fs::write(conf.join("keymap.toml"), env.remap.toml()).expect("keymap");
        // A small threshold, so setting every lead asks first.
        std::fs::write(conf.join("config.toml"), "confirm_over = 3\n").expect("config");
        env
    }

    fn app(&self) -> Pty {
        let d = self.dir.path().to_str().expect("utf-8 temp dir");
        let base = self.h.base_url();
        let log = format!("{d}/tui.log");
        let app = Pty::spawn(
            &[
                "--base-url",
                &base,
                "--log-file",
                &log,
                "--data-dir",
                d,
                "--debounce-ms",
                "600000",
            ],
            &[
                ("PUFFLE_API_KEY", self.h.api_key()),
                ("HOME", d),
                ("XDG_CONFIG_HOME", d),
                ("XDG_DATA_HOME", d),
                ("XDG_STATE_HOME", d),
            ],
            150,
            50,
        );
        app.wait_for("the listing", |s| {
            s.contains("40 / 40 leads") && !s.contains("loading")
        });
        app
    }
}

/// Every hint item starts with a new key, or with one of the fixed keys allowed in `fixed`.
#[track_caller]
fn hints_name_only_new_keys(screen: &str, remap: &Remap, fixed: &[&str]) {
    let new = remap.all_new_labels();
    let items = hint_items(screen);
    assert!(!items.is_empty(), "no hints:\n{screen}");
    for item in items {
        let key = item.split(' ').next().unwrap_or_default();
        let ok =
            key.split('/').all(|k| new.contains(k)) || fixed.iter().any(|f| item.starts_with(f));
        assert!(
            ok,
            "hint `{item}` names a key that is not a new one:\n{screen}"
        );
    }
}

#[test]
fn every_default_key_remapped_shows_and_works_only_with_the_new_keys() {
    let env = Env::new();
    let r = &env.remap;
    let mut app = env.app();
    // Every row shows the status set above (a row can show `unknown` for a moment).
    app.wait_for("every row new", |s| {
        !s.contains("unknown") && hint_bar(s).contains(" help")
    });
    // A toast at the bottom, written after every row above it: the frame is whole. It names
    // the new find key.
    app.send(&r.list(Action::FindNext));
    let nothing = format!(
        "nothing to find yet: press {} and type",
        r.new_label(Layer::Normal, Action::Find)
    );
    let screen = app.wait_for("the find-next toast", |s| s.contains(&nothing));
    insta::assert_snapshot!("list", stable(&screen));
    hints_name_only_new_keys(&screen, r, &[]);
    for (action, text) in [
        (Action::Help, "help"),
        (Action::Quit, "quit"),
        (Action::SetDismissed, "dismiss"),
    ] {
        let new = format!("{} {text}", r.new_label(Layer::Normal, action));
        assert!(hint_bar(&screen).contains(&new), "{new}:\n{screen}");
        for old in old_labels(Layer::Normal, action) {
            assert!(
                !hint_bar(&screen).contains(&format!(" {old} {text}")),
                "{old}"
            );
        }
    }

    // The list: old keys do nothing, new keys act.
    assert_eq!(row(&screen), 1);
    app.send("j");
    app.send("?");
    app.send("d");
    app.send(&r.list(Action::MoveDown));
    let screen = app.wait_for("the new move_down key", |s| row(s) == 2);
    assert!(
        !screen.contains("Keys ·") && screen.contains("pending 0"),
        "{screen}"
    );

    // A status key's toast names the new undo key (two rows selected, so it has a toast).
    app.send(&r.list(Action::ToggleSelect));
    app.send(&r.list(Action::ToggleSelect));
    app.wait_for("two selected", |s| s.contains("2 selected") && row(s) == 4);
    app.send(&r.list(Action::SetDismissed));
    let screen = app.wait_for("the dismiss toast", |s| s.contains("→ dismissed"));
    let undo = r.new_label(Layer::Normal, Action::Undo);
    let toast = line_with(&screen, "→ dismissed").unwrap_or_default();
    assert!(toast.contains(&format!("{undo} to undo")), "{toast}");
    assert!(!toast.contains(" u to undo"), "{toast}");
    assert!(screen.contains("pending 2"), "{screen}");
    insta::assert_snapshot!("toast_after_dismiss", stable(&screen));
    // Back onto a row whose change is pending, for the detail pane.
    app.send(&r.list(Action::MoveUp));
    app.wait_for("row 3", |s| row(s) == 3);

    help_overlay(&mut app, r);
    detail_pane(&mut app, r);
    filter_and_find(&mut app, r);
    confirm_question(&mut app, r);
    quit_question(&mut app, r);
}

/// The help overlay: opened and closed only by the new keys, its title, filter line and every
/// binding row naming only new keys.
fn help_overlay(app: &mut Pty, r: &Remap) {
    let help = r.list(Action::Help);
    app.send(&help);
    let screen = app.wait_for("the help", |s| {
        boxed(s, " Keys") && hint_bar(s).contains("filter keys")
    });
    insta::assert_snapshot!("help", stable(&screen));
    let title = format!(
        " Keys · {}/{} scroll · {} close ",
        r.new_label(Layer::Help, Action::MoveDown),
        r.new_label(Layer::Help, Action::MoveUp),
        r.new_label(Layer::Help, Action::Escape)
    );
    assert!(screen.contains(&title), "{title}\n{screen}");
    let filter = format!(" {} to filter", r.new_label(Layer::Help, Action::Filter));
    assert!(screen.contains(&filter), "{filter}\n{screen}");
    hints_name_only_new_keys(&screen, r, &[]);

    // Every row of every page: the key column holds new keys only.
    let new = r.all_new_labels();
    let mut seen_rows = 0;
    let mut sections = BTreeSet::new();
    let mut screen = screen;
    loop {
        let mut in_language = false;
        for line in screen.lines().skip(1) {
            let Some(inner) = line.split('│').nth(1) else {
                continue;
            };
            if !inner.starts_with("  ") && !inner.trim().is_empty() {
                let title = inner.trim().to_string();
                in_language = title.starts_with("Filter (");
                if in_language {
                    let want = format!(
                        "Filter ({}) and find ({})",
                        r.new_label(Layer::Normal, Action::Filter),
                        r.new_label(Layer::Normal, Action::Find)
                    );
                    assert_eq!(title, want);
                }
                sections.insert(title);
                continue;
            }
            if in_language || inner.trim().is_empty() || !inner.starts_with("  ") {
                continue;
            }
            let keys = inner.get(2..20).unwrap_or_default().trim();
            if keys.is_empty() || inner.starts_with(" /") {
                continue;
            }
            for k in keys.split(", ") {
                assert!(
                    new.contains(k),
                    "help row `{inner}` names `{k}`, not a new key"
                );
            }
            seen_rows += 1;
        }
        let bottom = screen
            .lines()
            .find(|l| l.contains(" of ") && l.contains('└'));
        let done = bottom.is_none_or(|b| {
            let t: Vec<&str> = b.split(['–', ' ']).collect();
            let of = t.iter().position(|w| *w == "of");
            of.is_some_and(|i| i >= 1 && t.get(i - 1) == t.get(i + 1))
        });
        if done {
            break;
        }
        let before = position(&screen);
        app.send(&r.key(Layer::Help, Action::PageDown));
        screen = app.wait_for("the next help page", |s| {
            position(s) != before && boxed(s, " Keys") && hint_bar(s).contains("filter keys")
        });
    }
    assert!(seen_rows >= 60, "only {seen_rows} rows read");
    for title in [
        "Reading pane (every list key works too)",
        "This help",
        "Quit with unsent changes",
        "Questions before a bulk change",
    ] {
        assert!(sections.contains(title), "{title} missing: {sections:?}");
    }

    // The old close keys do nothing; the new one closes.
    // (A bare Esc is not sent: right before another key a terminal reads it as Alt.)
    app.send("q");
    app.send("?");
    app.send("\x1bOP");
    app.send(&r.key(Layer::Help, Action::Top));
    let screen = app.wait_for("the help's top", |s| {
        s.contains(" Keys") && s.contains(" to filter")
    });
    assert!(
        screen.contains(" Keys"),
        "an old key closed the help:\n{screen}"
    );
    app.send(&r.key(Layer::Help, Action::Escape));
    app.wait_for("the help to close", |s| !s.contains(" Keys"));
}

/// The reading pane: title and hints from its layer, old keys ignored.
fn detail_pane(app: &mut Pty, r: &Remap) {
    app.send("\r");
    app.send(&r.list(Action::Detail));
    // The pane's last section names the remapped send key (the frame is whole once it shows).
    let sends = format!("{} sends now", r.new_label(Layer::Normal, Action::Flush));
    let screen = app.wait_for("the detail", |s| {
        boxed(s, " Lead ·")
            && !s.contains("loading…")
            && hint_bar(s).contains("next signal")
            && s.contains(&sends)
    });
    let d = |a| r.new_label(Layer::Detail, a);
    let title = format!(
        " Lead · {} next signal · {} open signal · {} close ",
        d(Action::NextSignal),
        d(Action::OpenSignal),
        d(Action::Escape)
    );
    assert!(screen.contains(&title), "{title}\n{screen}");
    assert!(
        !screen.contains("Ctrl-C quit"),
        "Ctrl-C no longer quits in the list"
    );
    assert!(!screen.contains("$ sends now"), "{screen}");
    hints_name_only_new_keys(&screen, r, &[]);
    // A toast below the pane, written after the pane's last change: the frame is whole.
    app.send(&r.key(Layer::Detail, Action::CopyUrl));
    let screen = app.wait_for("the URL toast", |s| s.contains("copied LinkedIn URL"));
    insta::assert_snapshot!("detail", stable(&screen));
    app.send("q");
    app.send("\r");
    app.send("\x7f");
    app.send(&r.key(Layer::Detail, Action::CopyEmail));
    let screen = app.wait_for("the copy toast", |s| s.contains("copied email"));
    assert!(
        screen.contains(" Lead ·"),
        "an old key closed the pane:\n{screen}"
    );
    app.send(&r.key(Layer::Detail, Action::Escape));
    app.wait_for("the pane to close", |s| !s.contains(" Lead ·"));
}

/// Typing a filter and a find: their keep / back keys and hints.
fn filter_and_find(app: &mut Pty, r: &Remap) {
    app.send("/");
    app.send(&r.list(Action::Filter));
    let screen = app.wait_for("the filter input", |s| hint_bar(s).contains("lists all"));
    let f = |a| r.new_label(Layer::Filter, a);
    let line = format!("{} keep · {} clear", f(Action::Accept), f(Action::Escape));
    assert!(screen.contains(&line), "{line}\n{screen}");
    hints_name_only_new_keys(&screen, r, &["~word", "company:"]);
    assert!(hint_bar(&screen).contains(&format!(
        "({} lists all)",
        r.new_label(Layer::Normal, Action::Help)
    )));
    insta::assert_snapshot!("filter", stable(&screen));
    // Enter no longer keeps the filter, Ctrl-W and Ctrl-U no longer edit: still typing after
    // them, nothing deleted. The new keys delete a word and clear the line.
    app.send("ab zq\r\x17\x15");
    app.send("x");
    app.wait_for("the typed filter", |s| s.contains("\"ab zqx\""));
    app.send(&r.key(Layer::Filter, Action::DeleteWord));
    app.wait_for("a word deleted", |s| s.contains("\"ab \""));
    app.send("cd");
    app.send(&r.key(Layer::Filter, Action::ClearLine));
    app.wait_for("the line cleared", |s| s.contains("filter \"\""));
    app.send(&r.key(Layer::Filter, Action::Escape));
    app.wait_for("the filter to clear", |s| {
        !s.contains("delete word") && s.contains("40 / 40")
    });

    app.send(&r.list(Action::Find));
    let screen = app.wait_for("the find input", |s| {
        s.contains(" back") && hint_bar(s).contains("next/previous")
    });
    let f = |a| r.new_label(Layer::Find, a);
    let line = format!("{} stay · {} back", f(Action::Accept), f(Action::Escape));
    assert!(screen.contains(&line), "{line}\n{screen}");
    hints_name_only_new_keys(&screen, r, &[]);
    let next = format!(
        "{}/{} next/previous after {}",
        r.new_label(Layer::Normal, Action::FindNext),
        r.new_label(Layer::Normal, Action::FindPrev),
        r.new_label(Layer::Find, Action::Accept)
    );
    assert!(hint_bar(&screen).contains(&next), "{next}\n{screen}");
    insta::assert_snapshot!("find", stable(&screen));
    app.send("5\r");
    app.send(&r.key(Layer::Find, Action::Accept));
    let screen = app.wait_for("the find to end", |s| {
        s.contains("row 5 of 40") && !s.contains("go back")
    });
    assert_eq!(row(&screen), 5);
}

/// The question before a large change: its answers and hints from the confirm layer.
fn confirm_question(app: &mut Pty, r: &Remap) {
    app.send(&r.list(Action::SelectAll));
    app.wait_for("everything selected", |s| s.contains("40 selected"));
    app.send(&r.list(Action::SetContacted));
    let screen = app.wait_for("the question", |s| {
        boxed(s, "Confirm a large change") && hint_bar(s).contains("cancel")
    });
    let c = |a| r.new_label(Layer::Confirm, a);
    assert!(
        screen.contains(&format!("{} set ", c(Action::Accept))),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("{} cancel, nothing changes", c(Action::Escape))),
        "{screen}"
    );
    hints_name_only_new_keys(&screen, r, &[]);
    insta::assert_snapshot!("confirm", stable(&screen));
    // The old answers do nothing (Esc is fixed: it always cancels, so it is not sent here).
    app.send("y");
    app.send("n");
    app.send("\r");
    app.send(&r.key(Layer::Confirm, Action::Escape));
    let screen = app.wait_for("the cancel", |s| s.contains("cancelled"));
    assert!(
        screen.contains("pending 2"),
        "an old key answered the question:\n{screen}"
    );
    app.send(&r.list(Action::SelectNone));
    app.wait_for("the selection cleared", |s| !s.contains("40 selected"));
}

/// The quit question: its answers and hints from the quit layer; old answers ignored.
fn quit_question(app: &mut Pty, r: &Remap) {
    app.send("q");
    app.send(&r.list(Action::Quit));
    let screen = app.wait_for("the quit question", |s| {
        boxed(s, "Quit?") && s.contains(" stay") && hint_bar(s).contains("stay")
    });
    let q = |a| r.new_label(Layer::Quit, a);
    let answers = format!(
        "{} send, then quit   {} quit now   {} stay",
        q(Action::Flush),
        q(Action::Quit),
        q(Action::Escape)
    );
    assert!(screen.contains(&answers), "{answers}\n{screen}");
    hints_name_only_new_keys(&screen, r, &[]);
    insta::assert_snapshot!("quit", stable(&screen));
    app.send("y");
    app.send("s");
    app.send(&r.key(Layer::Quit, Action::Escape));
    let screen = app.wait_for("the question to go", |s| !s.contains("Quit?"));
    assert!(
        screen.contains("pending 2"),
        "an old key answered:\n{screen}"
    );
    app.send(&r.list(Action::Quit));
    app.wait_for("the quit question again", |s| s.contains("Quit?"));
    app.send(&r.key(Layer::Quit, Action::Quit));
    assert!(app.wait_exit(), "the new quit-now key quits");
}
