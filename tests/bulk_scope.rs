#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! What a status key acts on, through `update` and `ui::draw`: the scope in the header, the
//! questions before acting on hidden or many leads, counts that stay true under a filter,
//! `is:changed` / `is:conflict`, find-and-jump, and the header and hint bar at 60, 80 and 200
//! columns (snapshots).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use lead_triage::api::model::{Company, Person};
use lead_triage::api::{GroupBy, Lead, Status};
use lead_triage::app::{Effect, Mode, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::sync::backoff::Jitter;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn lead(n: u128, name: &str, company: &str, status: Status) -> Lead {
    Lead {
        id: Uuid::from_u128(n),
        name: name.to_owned(),
        status,
        signal_count: 1,
        top_score: Some(2.0),
        signal_ids: vec![],
        person: Some(Person {
            name: Some(name.to_owned()),
            headline: Some(format!("Role {n}")),
            ..Person::default()
        }),
        company: Some(Company {
            name: Some(company.to_owned()),
            ..Company::default()
        }),
    }
}

/// `n` new leads; every third works at "Polar Labs".
fn leads(n: u128) -> Vec<Lead> {
    (1..=n)
        .map(|i| {
            let company = if i % 3 == 0 { "Polar Labs" } else { "Nordlys" };
            lead(i, &format!("Person {i}"), company, Status::New)
        })
        .collect()
}

fn state(settings: Settings, keymap: Keymap, v: Vec<Lead>, w: u16, h: u16) -> State {
    let mut s = State::new(settings, keymap, Jitter::seeded(1));
    update(&mut s, Msg::Resize(w, h));
    let fx = init(&mut s);
    let Some(&Effect::Load { group, generation }) = fx.first() else {
        panic!("init loads first: {fx:?}")
    };
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads: v,
            skipped: 0,
            last: true,
        },
    );
    s
}

fn loaded(v: Vec<Lead>) -> State {
    state(Settings::default(), Keymap::default_keymap(), v, 120, 30)
}

fn key(spec: &str) -> KeyEvent {
    match spec {
        "esc" => KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        "enter" => KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
        "space" => KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE),
        s if s.starts_with("ctrl-") => KeyEvent::new(
            KeyCode::Char(s.chars().last().unwrap_or('a')),
            KeyModifiers::CONTROL,
        ),
        s => {
            let c = s.chars().next().unwrap_or(' ');
            let m = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            KeyEvent::new(KeyCode::Char(c), m)
        }
    }
}

/// Press keys separated by spaces, returning every effect.
fn keys(s: &mut State, seq: &str) -> Vec<Effect> {
    seq.split_whitespace()
        .flat_map(|k| update(s, Msg::Key(key(k))))
        .collect()
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
}

fn screen(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| {
        lead_triage::ui::draw(f, s);
    })
    .expect("draw");
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn header(s: &State) -> String {
    screen(s, 200, 20).lines().next().unwrap_or("").to_string()
}

fn shown(s: &State, n: u128) -> Status {
    let i = s.data().by_id[&Uuid::from_u128(n)];
    s.shown_status(&s.data().leads[i as usize])
}

fn is_ask(s: &State) -> bool {
    matches!(s.mode, Mode::Ask(_))
}

#[test]
fn the_header_says_what_the_next_status_key_acts_on() {
    let mut s = loaded(leads(9));
    assert!(header(&s).contains("→ this row"), "{}", header(&s));
    keys(&mut s, "space space");
    assert!(header(&s).contains("→ 2 selected"), "{}", header(&s));
    keys(&mut s, "/");
    type_text(&mut s, "company:labs");
    keys(&mut s, "enter");
    // Rows 1 and 2 are Nordlys: hidden by the filter, still selected.
    assert!(
        header(&s).contains("→ 2 selected (2 hidden)"),
        "{}",
        header(&s)
    );
    assert!(header(&s).contains("3 / 9 leads"), "{}", header(&s));
    assert!(header(&s).contains("row 1 of 3"), "{}", header(&s));
}

#[test]
fn a_selection_with_hidden_leads_asks_and_esc_changes_nothing() {
    let mut s = loaded(leads(9));
    keys(&mut s, "space space"); // leads 1, 2
    keys(&mut s, "/");
    type_text(&mut s, "company:labs"); // 3, 6, 9
    keys(&mut s, "enter space"); // lead 3 selected too
    let fx = keys(&mut s, "d");
    assert!(is_ask(&s), "it asks");
    assert!(
        fx.is_empty() && s.queue.entries.is_empty(),
        "nothing queued: {fx:?}"
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("2 of the 3 selected leads are hidden"),
        "{text}"
    );
    assert!(text.contains("only the 1 visible"), "{text}");
    // Keys other than the prompt's do nothing, and Esc cancels.
    assert!(keys(&mut s, "j c u").is_empty());
    assert!(is_ask(&s));
    let fx = keys(&mut s, "esc");
    assert!(fx.is_empty() && s.queue.entries.is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.toast.as_deref().is_some_and(|t| t.contains("cancelled")));
    // `v`: only the visible one; the hidden ones stay selected.
    keys(&mut s, "d v");
    assert_eq!(shown(&s, 3), Status::Dismissed);
    assert_eq!((shown(&s, 1), shown(&s, 2)), (Status::New, Status::New));
    assert_eq!(s.list().selected.len(), 2);
    // `y`: all of them.
    keys(&mut s, "c y");
    assert_eq!(
        (shown(&s, 1), shown(&s, 2)),
        (Status::Contacted, Status::Contacted)
    );
    assert!(s.list().selected.is_empty());
}

#[test]
fn a_change_over_confirm_over_asks_with_the_count_by_status() {
    let mut v = leads(8);
    v[0].status = Status::Contacted;
    v[1].status = Status::Dismissed;
    let settings = Settings {
        confirm_over: 5,
        ..Settings::default()
    };
    let mut s = state(settings, Keymap::default_keymap(), v, 120, 30);
    keys(&mut s, "ctrl-a");
    let fx = keys(&mut s, "d");
    assert!(is_ask(&s) && fx.is_empty());
    let text = screen(&s, 120, 30);
    assert!(text.contains("Set 7 leads to dismissed?"), "{text}");
    assert!(text.contains("6 new · 1 contacted"), "{text}");
    assert!(text.contains("1 already dismissed"), "{text}");
    keys(&mut s, "esc");
    assert!(s.queue.entries.is_empty());
    keys(&mut s, "d y");
    assert_eq!(s.queue.counts.pending, 7, "exactly the stated count");
    // Five or fewer never ask, and 0 turns the question off.
    keys(&mut s, "u");
    keys(&mut s, "ctrl-a");
    let fx = keys(&mut s, "j");
    assert!(fx.is_empty());
    let settings = Settings {
        confirm_over: 0,
        ..Settings::default()
    };
    let mut s = state(settings, Keymap::default_keymap(), leads(800), 120, 30);
    keys(&mut s, "ctrl-a d");
    assert!(!is_ask(&s));
    assert_eq!(s.queue.counts.pending, 800);
}

#[test]
fn the_prompt_keys_come_from_the_keymap() {
    let user = "[[confirm]]\nkeys = [\"o\"]\naction = \"accept\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .expect("keymap");
    let settings = Settings {
        confirm_over: 2,
        ..Settings::default()
    };
    let mut s = state(settings, km, leads(4), 120, 30);
    keys(&mut s, "ctrl-a d");
    assert!(is_ask(&s));
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("o set 4 to dismissed"),
        "the hint names the bound key: {text}"
    );
    keys(&mut s, "y");
    assert!(is_ask(&s), "y is no longer bound");
    keys(&mut s, "o");
    assert_eq!(s.queue.counts.pending, 4);
}

#[test]
fn counts_stay_true_after_triage_under_a_filter() {
    let mut s = loaded(leads(9));
    keys(&mut s, "/");
    type_text(&mut s, "status:new");
    keys(&mut s, "enter");
    assert!(header(&s).contains("9 / 9 leads"));
    keys(&mut s, "d d d");
    let h = header(&s);
    assert!(h.contains("6 / 9 leads"), "{h}");
    assert!(h.contains("(3 shown no longer match)"), "{h}");
    assert_eq!(
        s.list().rows.len(),
        9,
        "the rows stay until the filter is applied again"
    );
    // Undo brings them back to matching.
    keys(&mut s, "u");
    assert!(header(&s).contains("7 / 9 leads"), "{}", header(&s));
    // Applying the filter again drops the rows that no longer match.
    keys(&mut s, "/");
    type_text(&mut s, " ");
    keys(&mut s, "enter");
    assert_eq!(s.list().rows.len(), 7);
    assert!(!header(&s).contains("no longer match"));
}

#[test]
fn is_changed_and_is_conflict_filter_what_puffle_changed() {
    let mut s = loaded(leads(6));
    // A refresh says a teammate contacted lead 2.
    let fx = keys(&mut s, "ctrl-r");
    let Some(&Effect::Load { group, generation }) =
        fx.iter().find(|e| matches!(e, Effect::Load { .. }))
    else {
        panic!("reload lists again: {fx:?}")
    };
    let mut again = leads(6);
    again[1].status = Status::Contacted;
    update(
        &mut s,
        Msg::Page {
            group,
            generation,
            leads: again,
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(group, GroupBy::Person);
    keys(&mut s, "/");
    type_text(&mut s, "is:changed");
    assert_eq!(s.list().rows.len(), 1);
    assert_eq!(
        s.list().cursor_lead(),
        s.data().by_id.get(&Uuid::from_u128(2)).copied()
    );
    type_text(&mut s, " -is:conflict");
    assert_eq!(s.list().rows.len(), 1);
    keys(&mut s, "esc");
    keys(&mut s, "/");
    type_text(&mut s, "is:conflict");
    assert!(s.list().rows.is_empty(), "no change of ours is held");
}

#[test]
fn find_jumps_without_filtering_and_a_number_goes_to_that_row() {
    let mut s = loaded(leads(30));
    keys(&mut s, "f");
    assert_eq!(s.mode, Mode::Find);
    type_text(&mut s, "person 12");
    assert_eq!(s.list().rows.len(), 30, "nothing is filtered");
    let at = |s: &State| {
        s.data().leads[s.list().cursor_lead().unwrap_or(0) as usize]
            .name()
            .to_owned()
    };
    assert_eq!(at(&s), "Person 12");
    keys(&mut s, "enter");
    assert_eq!(s.mode, Mode::Normal);
    assert!(
        s.toast
            .as_deref()
            .is_some_and(|t| t.contains("row 12 of 30")),
        "{:?}",
        s.toast
    );
    // Ctrl-N goes to the next match ("Person 12" only), wrapping: it stays.
    keys(&mut s, "ctrl-n");
    assert_eq!(at(&s), "Person 12");
    // A word with several matches: Ctrl-N / Ctrl-P walk them.
    keys(&mut s, "f");
    type_text(&mut s, "labs");
    assert_eq!(
        at(&s),
        "Person 12",
        "the find starts at the cursor's row, which matches"
    );
    keys(&mut s, "enter ctrl-n");
    assert_eq!(at(&s), "Person 15");
    keys(&mut s, "ctrl-n");
    assert_eq!(at(&s), "Person 18");
    keys(&mut s, "ctrl-p ctrl-p");
    assert_eq!(at(&s), "Person 12");
    // A number jumps to that row; Esc goes back to where the find started.
    keys(&mut s, "f");
    type_text(&mut s, "25");
    assert_eq!(s.list().cursor, 24);
    keys(&mut s, "esc");
    assert_eq!(at(&s), "Person 12");
    assert!(header(&s).contains("row 12 of 30"), "{}", header(&s));
}

/// A screen with a filter, a selection with hidden leads and a toast, at one width.
fn busy(w: u16) -> String {
    let mut s = state(
        Settings::default(),
        Keymap::default_keymap(),
        leads(1200),
        w,
        10,
    );
    keys(&mut s, "space space");
    keys(&mut s, "/");
    type_text(&mut s, "company:labs");
    keys(&mut s, "enter");
    screen(&s, w, 10)
}

#[test]
fn header_and_hints_keep_the_essentials_at_60_80_and_200_columns() {
    for w in [60u16, 80, 200] {
        let text = busy(w);
        let lines: Vec<&str> = text.lines().collect();
        let head = lines[0];
        let (count, scope) = if w < 80 {
            ("400/1,200", "→ 2 sel (2 hid)")
        } else {
            ("400 / 1,200 leads", "→ 2 selected (2 hidden)")
        };
        for part in ["people", "best", count, scope] {
            assert!(head.contains(part), "{w} columns: {part} in {head:?}");
        }
        let hints = lines[lines.len() - 1];
        assert!(
            hints.trim_start().starts_with("? help  q quit"),
            "{w} columns: {hints:?}"
        );
        insta::assert_snapshot!(format!("busy_{w}"), text);
    }
}

#[test]
fn retry_on_a_selection_with_hidden_leads_asks_too() {
    use lead_triage::api::{ItemError, PatchOutcome};
    let mut s = loaded(leads(6));
    keys(&mut s, "space space d"); // leads 1 and 2 → dismissed
    let fx = keys(&mut s, "$");
    let Some(Effect::Send(batch)) = fx.iter().find(|e| matches!(e, Effect::Send(_))) else {
        panic!("sent: {fx:?}")
    };
    let refused = |n: u128| ItemError {
        id: Uuid::from_u128(n).to_string(),
        error: "not_found".into(),
    };
    update(
        &mut s,
        Msg::BatchDone {
            batch: batch.id,
            result: Ok(PatchOutcome {
                updated: vec![],
                errors: vec![refused(1), refused(2)],
            }),
        },
    );
    assert_eq!(s.queue.counts.failed, 2);
    // Select both failed rows, then hide them.
    keys(&mut s, "g space space");
    keys(&mut s, "/");
    type_text(&mut s, "-is:failed");
    keys(&mut s, "enter");
    assert!(header(&s).contains("(2 hidden)"), "{}", header(&s));
    let fx = keys(&mut s, "r");
    assert!(
        is_ask(&s) && fx.is_empty(),
        "r asks before resending hidden changes"
    );
    assert!(screen(&s, 120, 30).contains("Send their refused changes again too?"));
    keys(&mut s, "esc");
    assert_eq!(s.queue.counts.failed, 2, "Esc retried nothing");
    let fx = keys(&mut s, "r y");
    assert_eq!(s.queue.counts.failed, 0);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Send(_))),
        "sent at once: {fx:?}"
    );
}

#[test]
fn ctrl_c_in_a_question_cancels_it_and_quits_and_paste_goes_into_the_find() {
    let settings = Settings {
        confirm_over: 2,
        ..Settings::default()
    };
    let mut s = state(settings, Keymap::default_keymap(), leads(4), 120, 30);
    keys(&mut s, "ctrl-a d");
    assert!(is_ask(&s));
    let fx = keys(&mut s, "ctrl-c");
    assert!(s.queue.entries.is_empty(), "nothing queued");
    assert!(
        fx.contains(&Effect::Quit),
        "nothing unsent: it quits: {fx:?}"
    );

    let mut s = loaded(leads(30));
    keys(&mut s, "f");
    update(&mut s, Msg::Paste("Person 7\n".into()));
    let i = s.list().cursor_lead().unwrap_or(0) as usize;
    assert_eq!(s.data().leads[i].name(), "Person 7");
    assert_eq!(s.list().rows.len(), 30);
    keys(&mut s, "ctrl-c");
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.list().cursor, 0, "Ctrl-C leaves the find like Esc");
}
