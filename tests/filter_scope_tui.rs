#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The set a bulk key acts on is exactly the set the rep meant: the real binary in a pseudo
//! terminal against the built-in server. `/labs` Enter, select all, `d` dismisses on the server
//! exactly the leads a reference computed here (independently of the app's filter) finds; the
//! same for a qualifier and for a fuzzy word; and the questions asked before acting on hidden
//! leads or on more than `confirm_over` leads send nothing on Esc and exactly the stated count
//! when accepted.

mod common;
mod pty;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::log::{items_len, key_of};
use common::{hook_get, server, statuses};
use pty::{Pty, count_after};
use puffle_demo_server::{ServerConfig, ServerHandle};
use serde_json::Value;

const PATCH: &str = "PATCH /api/signals/leads";

/// A server and a private data dir for one test.
struct Env {
    h: ServerHandle,
    dir: tempfile::TempDir,
}

impl Env {
    fn new(leads: usize) -> Env {
        Env {
            h: server(ServerConfig {
                leads,
                ..ServerConfig::default()
            }),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn d(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 temp dir")
    }

    /// The TUI with a long debounce (`$` sends) in a 160×40 terminal.
    fn app(&self) -> Pty {
        let base = self.h.base_url();
        let log = format!("{}/tui.log", self.d());
        Pty::spawn(
            &[
                "--base-url",
                &base,
                "--log-file",
                &log,
                "--data-dir",
                self.d(),
                "--debounce-ms",
                "600000",
            ],
            &[
                ("PUFFLE_API_KEY", self.h.api_key()),
                ("HOME", self.d()),
                ("XDG_CONFIG_HOME", self.d()),
                ("XDG_DATA_HOME", self.d()),
                ("XDG_STATE_HOME", self.d()),
            ],
            160,
            40,
        )
    }

    /// Every person lead set to `new` on the server, so every status key changes each row.
    fn all_new(&self) {
        let items: Vec<Value> = listing(&self.h)
            .iter()
            .map(|r| serde_json::json!({"entityId": r.id, "status": "new"}))
            .collect();
        let n = items.len();
        let v = common::hook_post(
            &self.h,
            "/__statuses",
            serde_json::json!({ "items": items }),
        );
        assert_eq!(v["updated"].as_array().map_or(0, Vec::len), n, "{v}");
    }

    /// The ids of the leads in every PATCH the server received, in order.
    fn patched(&self) -> Vec<String> {
        let Value::Array(log) = hook_get(&self.h, "/__log") else {
            panic!("log is an array");
        };
        let mut ids = Vec::new();
        for e in log.iter().filter(|e| key_of(e) == PATCH) {
            assert!(items_len(e) > 0, "a PATCH with items: {e}");
            for item in e["items"].as_array().into_iter().flatten() {
                ids.push(item["entityId"].as_str().unwrap_or("").to_lowercase());
            }
        }
        ids
    }
}

/// One person lead as the documented API lists it: its id and the searched fields.
struct Row {
    id: String,
    fields: Vec<(&'static str, String)>,
}

/// Every person lead, read page by page from the documented endpoint with plain JSON (not
/// the app's client or parser).
fn listing(h: &ServerHandle) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/signals/leads?groupBy=person&limit=100".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = get_api(h, &path);
        for l in page["leads"].as_array().expect("leads") {
            let s = |v: &Value| v.as_str().unwrap_or("").to_string();
            rows.push(Row {
                id: s(&l["id"]).to_lowercase(),
                fields: vec![
                    ("name", s(&l["name"])),
                    ("headline", s(&l["person"]["headline"])),
                    ("email", s(&l["person"]["email"])),
                    ("company", s(&l["company"]["name"])),
                    ("domain", s(&l["company"]["domain"])),
                    ("industry", s(&l["company"]["industry"])),
                ],
            });
        }
        if page["pagination"]["hasMore"] != Value::Bool(true) {
            return rows;
        }
        cursor = page["pagination"]["cursor"].as_str().map(str::to_owned);
    }
}

fn get_api(h: &ServerHandle, path: &str) -> Value {
    let url = format!("{}{}", h.base_url(), path);
    let key = h.api_key().to_string();
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    reqwest::Client::new()
                        .get(url)
                        .bearer_auth(key)
                        .send()
                        .await
                        .expect("reachable")
                        .json::<Value>()
                        .await
                        .expect("JSON")
                })
        })
        .join()
        .expect("thread")
    })
}

/// Lower case with the common Latin accents taken off: the reference's own folding.
fn fold(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ł' | 'ľ' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => 'o',
            'ř' => 'r',
            'ś' | 'š' => 's',
            'ť' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            c => c,
        })
        .collect()
}

fn is_subsequence(hay: &str, needle: &str) -> bool {
    let mut want = needle.chars().peekable();
    for c in hay.chars() {
        if want.peek() == Some(&c) {
            want.next();
        }
    }
    want.peek().is_none()
}

/// The ids of the rows for which `hit` holds in some field `in_field` accepts.
fn reference(
    rows: &[Row],
    in_field: impl Fn(&str) -> bool,
    hit: impl Fn(&str) -> bool,
) -> BTreeSet<String> {
    rows.iter()
        .filter(|r| r.fields.iter().any(|(f, v)| in_field(f) && hit(&fold(v))))
        .map(|r| r.id.clone())
        .collect()
}

fn loaded(s: &str, n: usize) -> bool {
    s.contains(&format!("{n} / {n} leads")) && !s.contains("loading")
}

fn wait_server<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Type `query` as the filter, select every row it shows, press `d`, send, and check that
/// what the server dismissed is exactly `want` (plus what was dismissed before).
fn filter_select_all_dismiss(env: &Env, n: usize, query: &str, want: &BTreeSet<String>) {
    assert!(
        !want.is_empty() && want.len() < n,
        "the query picks some leads, not all: {}",
        want.len()
    );
    let before = statuses(&env.h);
    let already: BTreeSet<String> = want
        .iter()
        .filter(|id| before.get(*id).map(String::as_str) == Some("dismissed"))
        .cloned()
        .collect();
    let mut app = env.app();
    app.wait_for("every lead listed", |s| loaded(s, n));
    app.send("/");
    app.send(query);
    let m = want.len();
    let shown = format!("filter \"{query}\"");
    app.press_until("\r", "the filter's count", |s| {
        s.contains(&format!("{m} / {n} leads")) && s.contains("→ this row") && s.contains(&shown)
    });
    app.press_until("\x01", "all selected", |s| {
        s.contains(&format!("→ {m} selected"))
    });
    let sent = m - already.len();
    app.press_until("d", "the change queued", |s| {
        s.contains("→ dismissed") && count_after(s, "pending") == Some(sent)
    });
    app.press_until("$", "sent", |s| s.contains("pending 0 · sending 0"));
    let after = wait_server("the server's statuses", || {
        let now = statuses(&env.h);
        let dismissed = want
            .iter()
            .filter(|id| now.get(*id).map(String::as_str) == Some("dismissed"))
            .count();
        (dismissed == m).then_some(now)
    });
    for (id, status) in &after {
        let was = before.get(id).map(String::as_str);
        if want.contains(id) {
            assert_eq!(status, "dismissed", "{id} matched {query}");
        } else {
            assert_eq!(
                Some(status.as_str()),
                was,
                "{id} did not match {query}: untouched"
            );
        }
    }
    let patched: BTreeSet<String> = env.patched().into_iter().collect();
    let expected: BTreeSet<String> = want.difference(&already).cloned().collect();
    assert_eq!(patched, expected, "exactly the matching leads were sent");
    app.kill();
}

#[test]
fn a_plain_word_dismisses_exactly_the_leads_with_it_in_a_field() {
    let n = 400;
    let env = Env::new(n);
    let rows = listing(&env.h);
    assert_eq!(rows.len(), n);
    let want = reference(&rows, |_| true, |v| v.contains("labs"));
    // The old default (letters in order) would have taken more: the two differ here.
    let fuzzy = reference(&rows, |_| true, |v| is_subsequence(v, "labs"));
    assert!(
        fuzzy.len() > want.len(),
        "the data tells substring from fuzzy"
    );
    filter_select_all_dismiss(&env, n, "labs", &want);
}

#[test]
fn a_qualifier_looks_only_in_its_field() {
    let n = 400;
    let env = Env::new(n);
    let rows = listing(&env.h);
    let want = reference(&rows, |f| f == "company", |v| v.contains("labs"));
    filter_select_all_dismiss(&env, n, "company:labs", &want);
}

#[test]
fn a_fuzzy_word_takes_the_letters_in_order_a_superset() {
    let n = 400;
    let env = Env::new(n);
    let rows = listing(&env.h);
    let want = reference(&rows, |_| true, |v| is_subsequence(v, "labs"));
    let plain = reference(&rows, |_| true, |v| v.contains("labs"));
    assert!(want.is_superset(&plain) && want.len() > plain.len());
    filter_select_all_dismiss(&env, n, "~labs", &want);
}

#[test]
fn hidden_selected_leads_are_asked_about_and_esc_sends_nothing() {
    let n = 60;
    let env = Env::new(n);
    env.all_new();
    let mut app = env.app();
    app.wait_for("every lead listed", |s| loaded(s, n));
    // Select the first three rows, hide them with the filter, then select one visible row.
    app.send(" ");
    app.send(" ");
    app.press_until(" ", "three selected", |s| s.contains("→ 3 selected"));
    app.send("/");
    app.send("-is:selected");
    let screen = app.press_until("\r", "the selected rows hidden", |s| {
        s.contains("→ 3 selected (3 hidden)") && s.contains("filter \"-is:selected\"")
    });
    assert!(
        screen.contains(&format!("{} / {n} leads", n - 3)),
        "{screen}"
    );
    app.press_until(" ", "a visible one selected", |s| {
        s.contains("→ 4 selected (3 hidden)")
    });
    // `c` would act on three leads the rep cannot see: it asks instead.
    let screen = app.press_until("c", "the question", |s| s.contains("hidden by the filter"));
    assert!(screen.contains("3 of the 4 selected"), "{screen}");
    assert!(screen.contains("only the 1 visible"), "{screen}");
    app.press_until("\x1b", "cancelled", |s| s.contains("cancelled"));
    assert_eq!(
        count_after(&app.contents(), "pending"),
        Some(0),
        "Esc queued nothing"
    );
    // Asked again, `v` takes only the visible one: the server sees exactly one lead.
    app.press_until("c", "the question again", |s| {
        s.contains("hidden by the filter")
    });
    app.press_until("v", "one queued", |s| count_after(s, "pending") == Some(1));
    app.press_until("$", "sent", |s| s.contains("pending 0 · sending 0"));
    wait_server("the PATCH", || (env.patched().len() == 1).then_some(()));
    // The three hidden ones are still selected; `y` takes all of them, exactly three.
    let screen = app.press_until("c", "the last question", |s| {
        s.contains("hidden by the filter")
    });
    assert!(screen.contains("3 of the 3 selected"), "{screen}");
    app.press_until("y", "three queued", |s| {
        count_after(s, "pending") == Some(3)
    });
    app.press_until("$", "sent", |s| s.contains("pending 0 · sending 0"));
    let sent = wait_server("the second PATCH", || {
        let p = env.patched();
        (p.len() >= 4).then_some(p)
    });
    assert_eq!(
        sent.len(),
        4,
        "one, then exactly the three hidden: {sent:?}"
    );
    let distinct: BTreeSet<&String> = sent.iter().collect();
    assert_eq!(distinct.len(), 4);
    app.kill();
}

#[test]
fn more_than_confirm_over_leads_asks_with_the_count_and_esc_sends_nothing() {
    let n = 600;
    let env = Env::new(n);
    env.all_new();
    let mut app = env.app();
    app.wait_for("every lead listed", |s| loaded(s, n));
    app.press_until("\x01", "all selected", |s| {
        s.contains(&format!("→ {n} selected"))
    });
    let screen = app.press_until("d", "the question", |s| {
        s.contains("Confirm a large change")
    });
    // "Set N leads to dismissed?" with the breakdown by status.
    let stated: usize = screen
        .lines()
        .find_map(|l| {
            let rest = l.split("Set ").nth(1)?;
            rest.split(" leads to dismissed?")
                .next()?
                .replace(',', "")
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("a count in the question: {screen}"));
    assert_eq!(
        stated, n,
        "every lead is new, so all {n} would change: {screen}"
    );
    assert!(screen.contains("Now: "), "a breakdown: {screen}");
    app.press_until("\x1b", "cancelled", |s| s.contains("cancelled"));
    assert_eq!(count_after(&app.contents(), "pending"), Some(0));
    // Accepting sends exactly the stated count.
    app.press_until("d", "the question again", |s| {
        s.contains("Confirm a large change")
    });
    app.press_until("y", "queued", |s| count_after(s, "pending") == Some(stated));
    app.press_until("$", "sent", |s| s.contains("pending 0 · sending 0"));
    let sent = wait_server("every PATCH", || {
        let p = env.patched();
        (p.len() >= stated).then_some(p)
    });
    assert_eq!(sent.len(), stated, "exactly the stated count was sent");
    app.kill();
}
