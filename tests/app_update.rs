#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Behaviour of the application core, driven through `update(&mut State, Msg) -> Vec<Effect>`
//! with synthetic leads: no runtime, no terminal, no network.
//!
//! Keys are written the way the default keymap (`assets/keymap.toml`) names them and turned into
//! the `KeyEvent`s a terminal would deliver by a small parser of this file (independent of the
//! crate's own keymap parser).

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use lead_triage::api::model::{Company, Person};
use lead_triage::api::{ApiError, GroupBy, ItemError, Lead, PatchOutcome, Status, StatusChange};
use lead_triage::app::pane::SignalsEntry;
use lead_triage::app::queue::{Batch, Counts, Phase};
use lead_triage::app::state::{LoadState, RangeSel};
use lead_triage::app::view::SortKey;
use lead_triage::app::{Effect, Mode, Msg, Settings, State, init, update};
use lead_triage::keymap::Keymap;
use lead_triage::store::{CachedLeads, OutboxOp, OutboxRow};
use lead_triage::sync::backoff::Jitter;

// ── Fixtures ────────────────────────────────────────────────────────────────────────────────

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// A lead with the given id, name and confirmed status; company and headline from the name.
fn lead(n: u128, name: &str, status: Status) -> Lead {
    Lead {
        id: id(n),
        name: name.to_owned(),
        status,
        signal_count: (n % 7) as u32,
        top_score: Some((n % 11) as f64 / 10.0),
        signal_ids: vec![Uuid::from_u128(1_000_000 + n)],
        person: Some(Person {
            name: Some(name.to_owned()),
            linkedin_url: None,
            headline: Some(format!("Role {n}")),
            avatar: None,
            email: None,
        }),
        company: Some(Company {
            name: Some(format!("Company {n}")),
            domain: None,
            linkedin_url: None,
            industry: None,
        }),
    }
}

/// A lead with an explicit company and headline (for filter tests).
fn rich(n: u128, name: &str, company: Option<&str>, headline: Option<&str>) -> Lead {
    let mut l = lead(n, name, Status::New);
    l.company = company.map(|c| Company {
        name: Some(c.to_owned()),
        ..Company::default()
    });
    l.person = headline.map(|h| Person {
        name: Some(name.to_owned()),
        headline: Some(h.to_owned()),
        ..Person::default()
    });
    l
}

const NAMES: [&str; 8] = [
    "Ada Lovelace",
    "山田太郎",
    "Zoë Zhang 🚀",
    "Élodie Durand",
    "محمد علي",
    "Grace Hopper",
    "李小龙",
    "Émile 😀 Zola",
];

const STATUSES: [Status; 3] = [Status::New, Status::Contacted, Status::Dismissed];

/// `n` leads with ids 1..=n, varied names; statuses all `status`.
fn leads_with(n: u128, status: Status) -> Vec<Lead> {
    (1..=n)
        .map(|i| {
            lead(
                i,
                &format!("{} #{i}", NAMES[(i as usize) % NAMES.len()]),
                status,
            )
        })
        .collect()
}

/// `n` leads, all `new`.
fn leads(n: u128) -> Vec<Lead> {
    leads_with(n, Status::New)
}

/// The eight filter-test leads.
fn people() -> Vec<Lead> {
    vec![
        rich(
            1,
            "Ada Lovelace",
            Some("Analytical Engines"),
            Some("Mathematician"),
        ),
        rich(2, "Grace Hopper", Some("US Navy"), Some("Rear Admiral")),
        rich(3, "山田太郎", Some("株式会社ヤマダ"), Some("営業部長")),
        rich(
            4,
            "Zoë Zhang 🚀",
            Some("Rocket Labs"),
            Some("Head of Growth"),
        ),
        rich(
            5,
            "Élodie Durand",
            Some("Société Générale"),
            Some("Directrice Commerciale"),
        ),
        rich(
            6,
            "Linus Torvalds",
            Some("Linux Foundation"),
            Some("Kernel hacker"),
        ),
        rich(7, "محمد علي", Some("Acme"), Some("CTO")),
        rich(8, "Émile 😀 Zola", None, None),
    ]
}

fn new_state(settings: Settings) -> State {
    State::new(settings, Keymap::default_keymap(), Jitter::seeded(1))
}

/// A 120×30 state whose person view is loaded with `leads` in one page.
fn loaded_with(settings: Settings, leads: Vec<Lead>) -> State {
    let mut s = new_state(settings);
    assert!(update(&mut s, Msg::Resize(120, 30)).is_empty());
    let fx = init(&mut s);
    let generation = match fx.as_slice() {
        [
            Effect::Load {
                group: GroupBy::Person,
                generation,
            },
        ] => *generation,
        other => panic!("init should load the person view, got {other:?}"),
    };
    let fx = update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation,
            leads,
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(
        fx,
        vec![Effect::SaveCache(GroupBy::Person), Effect::TrimMemory],
        "the last page saves the cache, nothing else"
    );
    assert_eq!(s.data().load, LoadState::Loaded);
    s
}

fn loaded(leads: Vec<Lead>) -> State {
    loaded_with(Settings::default(), leads)
}

fn with_concurrency(n: usize) -> Settings {
    Settings {
        concurrency: n,
        ..Settings::default()
    }
}

// ── Keys ────────────────────────────────────────────────────────────────────────────────────

/// One key as a terminal reports it: `j`, `G`, `$`, `ctrl-d`, `shift-down`, `space`, `esc`, ….
fn key(spec: &str) -> KeyEvent {
    let (mods, name) = if let Some(rest) = spec.strip_prefix("ctrl-") {
        (KeyModifiers::CONTROL, rest)
    } else if let Some(rest) = spec.strip_prefix("alt-") {
        (KeyModifiers::ALT, rest)
    } else if let Some(rest) = spec.strip_prefix("shift-") {
        (KeyModifiers::SHIFT, rest)
    } else {
        (KeyModifiers::NONE, spec)
    };
    let code = match name {
        "space" => KeyCode::Char(' '),
        "enter" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "esc" => KeyCode::Esc,
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "f1" => KeyCode::F(1),
        one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap()),
        other => panic!("test key parser: unknown key {other:?}"),
    };
    KeyEvent::new(code, mods)
}

/// Press one key.
fn press(s: &mut State, spec: &str) -> Vec<Effect> {
    update(s, Msg::Key(key(spec)))
}

/// Press keys separated by spaces (`"j j d"`, `"* i"`), returning every effect.
fn keys(s: &mut State, seq: &str) -> Vec<Effect> {
    seq.split_whitespace().flat_map(|k| press(s, k)).collect()
}

/// Type text in filter mode, character by character.
fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        let fx = update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        assert!(fx.is_empty(), "typing {c:?} caused {fx:?}");
    }
}

// ── Inspection ──────────────────────────────────────────────────────────────────────────────

fn cursor(s: &State) -> usize {
    s.list().cursor
}

fn offset(s: &State) -> usize {
    s.list().offset
}

/// The id (as u128) of the lead under the cursor.
fn cursor_id(s: &State) -> u128 {
    s.cursor_lead().expect("a cursor lead").id.as_u128()
}

/// The visible rows, as lead ids, in order.
fn row_ids(s: &State) -> Vec<u128> {
    s.list()
        .rows
        .iter()
        .map(|&i| s.data().leads[i as usize].id.as_u128())
        .collect()
}

fn selected_ids(s: &State) -> BTreeSet<u128> {
    s.list()
        .selected
        .iter()
        .map(|&i| s.data().leads[i as usize].id.as_u128())
        .collect()
}

fn set(ids: impl IntoIterator<Item = u128>) -> BTreeSet<u128> {
    ids.into_iter().collect()
}

/// The status shown for lead `n` of the current view.
fn shown(s: &State, n: u128) -> Status {
    let i = s.data().by_id[&id(n)];
    s.shown_status(&s.data().leads[i as usize])
}

/// The confirmed status of lead `n` of the current view.
fn confirmed(s: &State, n: u128) -> Status {
    let i = s.data().by_id[&id(n)];
    s.data().leads[i as usize].status
}

fn sends(fx: &[Effect]) -> Vec<Batch> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Send(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

/// The effects other than local-store writes (`Persist`, `SaveCache`).
fn core(fx: &[Effect]) -> Vec<&Effect> {
    fx.iter()
        .filter(|e| {
            !matches!(
                e,
                Effect::Persist(_) | Effect::SaveCache(_) | Effect::TrimMemory
            )
        })
        .collect()
}

/// The outbox writes of a list of effects, in order.
fn persisted(fx: &[Effect]) -> Vec<OutboxOp> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Persist(ops) => Some(ops.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn has_debounce(fx: &[Effect]) -> bool {
    fx.iter().any(|e| matches!(e, Effect::ArmDebounce(_)))
}

fn retry_delays(fx: &[Effect]) -> Vec<Duration> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ScheduleRetry(d) => Some(*d),
            _ => None,
        })
        .collect()
}

fn batch_ids(b: &Batch) -> BTreeSet<u128> {
    b.items.iter().map(|i| i.entity_id.as_u128()).collect()
}

fn outcome(updated: &[Uuid], errors: &[(Uuid, &str)]) -> PatchOutcome {
    PatchOutcome {
        updated: updated.iter().map(Uuid::to_string).collect(),
        errors: errors
            .iter()
            .map(|(i, e)| ItemError {
                id: i.to_string(),
                error: (*e).to_owned(),
            })
            .collect(),
    }
}

/// The server accepted every item of `b`.
fn all_ok(b: &Batch) -> Msg {
    let ids: Vec<Uuid> = b.items.iter().map(|i| i.entity_id).collect();
    Msg::BatchDone {
        batch: b.id,
        result: Ok(outcome(&ids, &[])),
    }
}

fn counts(pending: usize, sending: usize, failed: usize) -> Counts {
    Counts {
        pending,
        sending,
        failed,
    }
}

/// The cursor is on screen and inside the rows.
fn assert_cursor_visible(s: &State) {
    let l = s.list();
    let page = s.page_rows();
    if l.rows.is_empty() {
        assert_eq!((l.cursor, l.offset), (0, 0));
        return;
    }
    assert!(
        l.cursor < l.rows.len(),
        "cursor {} of {}",
        l.cursor,
        l.rows.len()
    );
    assert!(
        l.offset <= l.cursor && l.cursor < l.offset + page,
        "cursor {} not within offset {} + page {page}",
        l.cursor,
        l.offset
    );
    assert!(
        l.offset <= l.rows.len().saturating_sub(page),
        "offset {} scrolls past the end ({} rows, page {page})",
        l.offset,
        l.rows.len()
    );
}

// ── Movement ────────────────────────────────────────────────────────────────────────────────

#[test]
fn page_rows_is_terminal_height_minus_chrome() {
    let s = loaded(leads(3));
    assert_eq!(s.page_rows(), 25, "30 rows minus 5 lines of chrome");
}

#[test]
fn j_and_k_move_one_row_and_clamp_at_both_ends() {
    let mut s = loaded(leads(5));
    assert_eq!((cursor(&s), cursor_id(&s)), (0, 1));
    press(&mut s, "k");
    assert_eq!(cursor(&s), 0, "k on the first row stays");
    keys(&mut s, "j j");
    assert_eq!((cursor(&s), cursor_id(&s)), (2, 3));
    press(&mut s, "k");
    assert_eq!(cursor(&s), 1);
    keys(&mut s, "j j j j j j");
    assert_eq!(cursor(&s), 4, "j on the last row stays");
    // Arrow keys are the same actions.
    press(&mut s, "up");
    assert_eq!(cursor(&s), 3);
    press(&mut s, "down");
    assert_eq!(cursor(&s), 4);
}

#[test]
fn g_and_shift_g_jump_to_the_ends_and_scroll() {
    let mut s = loaded(leads(100));
    press(&mut s, "G");
    assert_eq!((cursor(&s), offset(&s), cursor_id(&s)), (99, 75, 100));
    press(&mut s, "G");
    assert_eq!(cursor(&s), 99);
    press(&mut s, "g");
    assert_eq!((cursor(&s), offset(&s)), (0, 0));
    press(&mut s, "end");
    assert_eq!(cursor(&s), 99);
    press(&mut s, "home");
    assert_eq!(cursor(&s), 0);
}

#[test]
fn terminals_that_report_shift_with_capitals_still_work() {
    let mut s = loaded(leads(40));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)),
    );
    assert_eq!(cursor(&s), 39);
    // `*` typed with Shift, then `i`: the invert chord.
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('*'), KeyModifiers::SHIFT)),
    );
    press(&mut s, "i");
    assert_eq!(s.list().selected.len(), 40);
}

#[test]
fn scrolling_down_row_by_row_moves_the_offset_one_at_a_time() {
    let mut s = loaded(leads(100));
    for _ in 0..24 {
        press(&mut s, "j");
    }
    assert_eq!(
        (cursor(&s), offset(&s)),
        (24, 0),
        "row 24 is the last on screen"
    );
    press(&mut s, "j");
    assert_eq!((cursor(&s), offset(&s)), (25, 1));
    press(&mut s, "j");
    assert_eq!((cursor(&s), offset(&s)), (26, 2));
    // Going back up does not scroll until the cursor reaches the top of the window.
    for _ in 0..24 {
        press(&mut s, "k");
    }
    assert_eq!((cursor(&s), offset(&s)), (2, 2));
    press(&mut s, "k");
    assert_eq!((cursor(&s), offset(&s)), (1, 1));
}

#[test]
fn half_pages_and_pages_move_and_clamp() {
    let mut s = loaded(leads(100));
    // Half a page of 25 rows is 12.
    press(&mut s, "ctrl-d");
    assert_eq!((cursor(&s), offset(&s)), (12, 0));
    keys(&mut s, "ctrl-d ctrl-d");
    assert_eq!((cursor(&s), offset(&s)), (36, 12));
    press(&mut s, "ctrl-u");
    assert_eq!((cursor(&s), offset(&s)), (24, 12));
    keys(&mut s, "ctrl-u ctrl-u ctrl-u");
    assert_eq!((cursor(&s), offset(&s)), (0, 0), "ctrl-u clamps at the top");
    press(&mut s, "pgdn");
    assert_eq!((cursor(&s), offset(&s)), (25, 1));
    press(&mut s, "pgdn");
    assert_eq!((cursor(&s), offset(&s)), (50, 26));
    press(&mut s, "pgup");
    assert_eq!((cursor(&s), offset(&s)), (25, 25));
    keys(&mut s, "pgdn pgdn pgdn pgdn pgdn");
    assert_eq!((cursor(&s), offset(&s)), (99, 75), "pgdn clamps at the end");
    keys(&mut s, "ctrl-d");
    assert_eq!(cursor(&s), 99, "ctrl-d clamps at the end");
    keys(&mut s, "pgup pgup pgup pgup pgup");
    assert_eq!((cursor(&s), offset(&s)), (0, 0), "pgup clamps at the top");
    // Ctrl-F / Ctrl-B are page down / up too.
    press(&mut s, "ctrl-f");
    assert_eq!(cursor(&s), 25);
    press(&mut s, "ctrl-b");
    assert_eq!(cursor(&s), 0);
}

#[test]
fn movement_in_an_empty_list_does_nothing() {
    let mut s = loaded(Vec::new());
    let fx = keys(&mut s, "j k G g ctrl-d pgdn pgup space x v d");
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!((cursor(&s), offset(&s)), (0, 0));
    assert!(s.queue.entries.is_empty());
    assert!(s.list().selected.is_empty());
}

#[test]
fn cursor_stays_visible_for_any_movement_and_resize() {
    let mut s = loaded(leads(137));
    let seq = [
        "j", "G", "k", "ctrl-u", "pgup", "g", "pgdn", "ctrl-d", "ctrl-d", "j", "pgdn", "G", "pgup",
        "ctrl-u", "k", "k", "g", "end", "home", "pgdn", "pgdn", "pgdn",
    ];
    for (n, k) in seq.iter().cycle().take(300).enumerate() {
        press(&mut s, k);
        assert_cursor_visible(&s);
        if n % 37 == 0 {
            // A smaller, then the usual terminal.
            update(&mut s, Msg::Resize(80, 12));
            assert_eq!(s.page_rows(), 7);
            assert_cursor_visible(&s);
            update(&mut s, Msg::Resize(120, 30));
            assert_cursor_visible(&s);
        }
    }
}

#[test]
fn a_shrinking_terminal_scrolls_the_cursor_back_on_screen() {
    let mut s = loaded(leads(100));
    keys(&mut s, "ctrl-d ctrl-d"); // cursor 24, offset 0
    assert_eq!((cursor(&s), offset(&s)), (24, 0));
    update(&mut s, Msg::Resize(120, 15)); // 10 rows
    assert_eq!(cursor(&s), 24);
    assert_eq!(offset(&s), 15);
    assert_cursor_visible(&s);
}

// ── Selection ───────────────────────────────────────────────────────────────────────────────

#[test]
fn space_and_x_toggle_the_row_and_move_down() {
    let mut s = loaded(leads(6));
    press(&mut s, "space");
    assert_eq!(selected_ids(&s), set([1]));
    assert_eq!(cursor(&s), 1, "space moves down");
    press(&mut s, "x");
    assert_eq!(selected_ids(&s), set([1, 2]));
    assert_eq!(cursor(&s), 2, "x moves down");
    assert_eq!(s.list().visible_selected, 2);
    // Toggling a selected row unselects it.
    keys(&mut s, "k k x");
    assert_eq!(selected_ids(&s), set([2]));
    assert_eq!(s.list().visible_selected, 1);
    keys(&mut s, "space");
    assert!(selected_ids(&s).is_empty());
    assert_eq!(s.list().visible_selected, 0);
    // On the last row it toggles and stays.
    keys(&mut s, "G space");
    assert_eq!(selected_ids(&s), set([6]));
    assert_eq!(cursor(&s), 5);
}

#[test]
fn v_starts_a_sticky_range_that_movement_extends_and_v_commits() {
    let mut s = loaded(leads(10));
    keys(&mut s, "j v");
    assert_eq!(
        s.list().range,
        Some(RangeSel {
            anchor: 1,
            sticky: true
        })
    );
    keys(&mut s, "j j j");
    assert_eq!(
        s.list().range_bounds(),
        Some((1, 4)),
        "j extends a sticky range"
    );
    assert!(s.list().selected.is_empty(), "not selected until committed");
    press(&mut s, "k");
    assert_eq!(s.list().range_bounds(), Some((1, 3)), "k shrinks it");
    press(&mut s, "v");
    assert_eq!(s.list().range, None);
    assert_eq!(selected_ids(&s), set([2, 3, 4]));
    assert_eq!(s.list().visible_selected, 3);
    // A second range upwards adds to the selection.
    keys(&mut s, "G v k k v");
    assert_eq!(selected_ids(&s), set([2, 3, 4, 8, 9, 10]));
    assert_eq!(s.list().visible_selected, 6);
}

#[test]
fn space_during_a_range_commits_it() {
    let mut s = loaded(leads(10));
    keys(&mut s, "v j j space");
    assert_eq!(s.list().range, None);
    assert_eq!(selected_ids(&s), set([1, 2, 3]));
    assert_eq!(cursor(&s), 2, "committing does not move");
}

#[test]
fn esc_cancels_a_range_without_selecting() {
    let mut s = loaded(leads(10));
    keys(&mut s, "space"); // row 1 selected, cursor on row 2
    keys(&mut s, "v j j");
    assert!(s.list().range.is_some());
    let fx = press(&mut s, "esc");
    assert!(fx.is_empty());
    assert_eq!(s.list().range, None);
    assert_eq!(selected_ids(&s), set([1]), "the earlier selection stays");
}

#[test]
fn shift_arrows_make_a_range_that_a_plain_move_drops() {
    let mut s = loaded(leads(10));
    keys(&mut s, "j shift-down shift-down");
    assert_eq!(
        s.list().range,
        Some(RangeSel {
            anchor: 1,
            sticky: false
        })
    );
    assert_eq!(s.list().range_bounds(), Some((1, 3)));
    press(&mut s, "shift-up");
    assert_eq!(s.list().range_bounds(), Some((1, 2)));
    press(&mut s, "j");
    assert_eq!(s.list().range, None, "a plain move drops a Shift range");
    assert!(s.list().selected.is_empty());
    assert_eq!(cursor(&s), 3);
    // `J`/`K` are the same as Shift-↓/↑.
    keys(&mut s, "J J K");
    assert_eq!(s.list().range_bounds(), Some((3, 4)));
    press(&mut s, "v");
    assert_eq!(selected_ids(&s), set([4, 5]), "v commits a Shift range too");
}

#[test]
fn shift_arrow_does_not_drop_a_sticky_range() {
    let mut s = loaded(leads(10));
    keys(&mut s, "v shift-down j");
    assert_eq!(
        s.list().range,
        Some(RangeSel {
            anchor: 0,
            sticky: true
        })
    );
    assert_eq!(s.list().range_bounds(), Some((0, 2)));
}

#[test]
fn ctrl_a_selects_every_visible_row_only() {
    let mut s = loaded(people());
    keys(&mut s, "/");
    type_text(&mut s, "o");
    press(&mut s, "enter");
    let visible = set(row_ids(&s));
    assert!(visible.len() > 1 && visible.len() < 8, "{visible:?}");
    press(&mut s, "ctrl-a");
    assert_eq!(selected_ids(&s), visible);
    assert_eq!(s.list().visible_selected, visible.len());
    press(&mut s, "esc"); // clears the filter
    assert_eq!(row_ids(&s).len(), 8);
    assert_eq!(
        selected_ids(&s),
        visible,
        "rows that were hidden were not selected"
    );
    assert_eq!(s.list().visible_selected, visible.len());
}

#[test]
fn star_i_inverts_the_visible_selection_and_keeps_hidden_selected_rows() {
    let mut s = loaded(people());
    // Select Ada (1) and Grace (2).
    keys(&mut s, "space space");
    assert_eq!(selected_ids(&s), set([1, 2]));
    // `*` alone waits for the second key of the chord and does nothing yet.
    let fx = press(&mut s, "*");
    assert!(fx.is_empty());
    assert_eq!(s.chord.len(), 1, "chord prefix kept");
    assert_eq!(selected_ids(&s), set([1, 2]));
    press(&mut s, "i");
    assert!(s.chord.is_empty());
    assert_eq!(selected_ids(&s), set([3, 4, 5, 6, 7, 8]));
    // With a filter, invert only touches visible rows.
    keys(&mut s, "* n");
    assert!(s.list().selected.is_empty(), "* n clears the selection");
    keys(&mut s, "g space space"); // 1 and 2 selected again
    keys(&mut s, "/");
    type_text(&mut s, "zo"); // Zoë (4), Émile Zola (8)
    press(&mut s, "enter");
    assert_eq!(set(row_ids(&s)), set([4, 8]));
    keys(&mut s, "* i");
    assert_eq!(selected_ids(&s), set([1, 2, 4, 8]));
    assert_eq!(s.list().visible_selected, 2);
    keys(&mut s, "* i");
    assert_eq!(selected_ids(&s), set([1, 2]), "hidden rows stay selected");
    assert_eq!(s.list().visible_selected, 0);
}

#[test]
fn an_unbound_chord_continuation_drops_the_prefix() {
    let mut s = loaded(leads(5));
    keys(&mut s, "* w");
    assert!(s.chord.is_empty());
    assert!(s.list().selected.is_empty());
    press(&mut s, "j");
    assert_eq!(cursor(&s), 1, "keys work normally after an abandoned chord");
}

#[test]
fn star_digit_selects_visible_rows_by_shown_status() {
    let mut v = leads(9);
    for (i, l) in v.iter_mut().enumerate() {
        l.status = STATUSES[i % 3];
    }
    // ids 1,4,7 new; 2,5,8 contacted; 3,6,9 dismissed
    let mut s = loaded(v);
    keys(&mut s, "* 1");
    assert_eq!(selected_ids(&s), set([1, 4, 7]));
    assert_eq!(s.toast.as_deref(), Some("3 new rows selected (3 in all)"));
    keys(&mut s, "* 1");
    assert_eq!(
        s.toast.as_deref(),
        Some("no more visible new rows to select (3 selected)"),
        "a second time adds nothing and says so"
    );
    keys(&mut s, "* n * 3");
    assert_eq!(selected_ids(&s), set([3, 6, 9]));
    keys(&mut s, "* 2");
    assert_eq!(
        selected_ids(&s),
        set([2, 3, 5, 6, 8, 9]),
        "adds to the selection"
    );
    // The shown (queued) status counts, not only the confirmed one.
    keys(&mut s, "* n g c"); // lead 1: new → contacted (queued)
    assert_eq!(shown(&s, 1), Status::Contacted);
    keys(&mut s, "* 2");
    assert_eq!(selected_ids(&s), set([1, 2, 5, 8]));
    keys(&mut s, "* n * 1");
    assert_eq!(selected_ids(&s), set([4, 7]));
}

// ── Esc ─────────────────────────────────────────────────────────────────────────────────────

#[test]
fn esc_cascades_range_then_filter_then_selection() {
    let mut s = loaded(people());
    keys(&mut s, "space"); // Ada (1) selected
    keys(&mut s, "/");
    type_text(&mut s, "a"); // many rows, not all
    press(&mut s, "enter");
    assert_eq!(s.mode, Mode::Normal);
    let filtered = row_ids(&s).len();
    assert!(filtered < 8);
    keys(&mut s, "g v j");
    assert!(s.list().range.is_some());

    assert!(press(&mut s, "esc").is_empty());
    assert_eq!(s.list().range, None, "first Esc: range");
    assert_eq!(s.filter, "a");
    assert_eq!(selected_ids(&s), set([1]));

    assert!(press(&mut s, "esc").is_empty());
    assert_eq!(s.filter, "", "second Esc: filter");
    assert_eq!(row_ids(&s).len(), 8);
    assert_eq!(selected_ids(&s), set([1]));

    assert!(press(&mut s, "esc").is_empty());
    assert!(s.list().selected.is_empty(), "third Esc: selection");
    assert_eq!(s.list().visible_selected, 0);

    let fx = keys(&mut s, "esc esc esc");
    assert!(fx.is_empty());
    assert!(!s.quit);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn esc_never_quits_in_any_mode() {
    let mut s = loaded(leads(5));
    let mut fx = Vec::new();
    fx.extend(keys(&mut s, "esc"));
    fx.extend(keys(&mut s, "? esc"));
    fx.extend(keys(&mut s, "/ esc"));
    fx.extend(keys(&mut s, "d q")); // unsent change → confirm quit
    assert_eq!(s.mode, Mode::ConfirmQuit);
    fx.extend(keys(&mut s, "esc"));
    assert_eq!(s.mode, Mode::Normal, "Esc leaves the quit question");
    fx.extend(keys(&mut s, "* esc esc esc"));
    assert!(!fx.contains(&Effect::Quit), "{fx:?}");
    assert!(!s.quit);
}

#[test]
fn esc_in_help_closes_help_before_anything_else() {
    let mut s = loaded(leads(8));
    keys(&mut s, "space v j");
    assert!(s.list().range.is_some());
    press(&mut s, "?");
    assert_eq!(s.mode, Mode::Help { scroll: 0 });
    keys(&mut s, "j j");
    assert_eq!(
        s.mode,
        Mode::Help { scroll: 2 },
        "j scrolls help, not the list"
    );
    assert_eq!(cursor(&s), 2);
    press(&mut s, "esc");
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.list().range.is_some(), "Esc closed help only");
    assert_eq!(selected_ids(&s), set([1]));
    // `q` in help closes it too and does not quit.
    let fx = keys(&mut s, "f1 q");
    assert_eq!(s.mode, Mode::Normal);
    assert!(fx.is_empty());
    assert!(!s.quit);
}

// ── Which rows a status key targets ─────────────────────────────────────────────────────────

#[test]
fn status_key_without_selection_sets_the_cursor_row_and_moves_down() {
    let mut s = loaded(leads(5));
    keys(&mut s, "j");
    let fx = press(&mut s, "d");
    assert_eq!(shown(&s, 2), Status::Dismissed);
    for n in [1, 3, 4, 5] {
        assert_eq!(shown(&s, n), Status::New, "lead {n} untouched");
    }
    assert_eq!(
        confirmed(&s, 2),
        Status::New,
        "confirmed only by the server"
    );
    assert_eq!(cursor(&s), 2, "the cursor moves to the next row");
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert_eq!(
        core(&fx),
        [&Effect::ArmDebounce(Settings::default().debounce)]
    );
    // Rapid triage: one key per row.
    keys(&mut s, "c c d");
    assert_eq!(
        [3, 4, 5].map(|n| shown(&s, n)),
        [Status::Contacted, Status::Contacted, Status::Dismissed]
    );
    assert_eq!(cursor(&s), 4);
}

#[test]
fn status_key_with_selection_sets_every_selected_row_including_hidden_ones() {
    let mut s = loaded(people());
    keys(&mut s, "space space"); // Ada (1), Grace (2)
    keys(&mut s, "/");
    type_text(&mut s, "zo"); // Zoë (4), Émile Zola (8); 1 and 2 are hidden
    press(&mut s, "enter");
    keys(&mut s, "g space"); // select Zoë
    assert_eq!(selected_ids(&s), set([1, 2, 4]));
    let before_cursor = cursor(&s);
    let fx = press(&mut s, "d");
    assert!(
        matches!(s.mode, Mode::Ask(_)),
        "hidden leads: it asks first"
    );
    assert!(
        fx.is_empty() && s.queue.entries.is_empty(),
        "nothing queued yet"
    );
    let fx = press(&mut s, "y"); // all of them
    for n in [1, 2, 4] {
        assert_eq!(shown(&s, n), Status::Dismissed, "lead {n}");
    }
    for n in [3, 5, 6, 7, 8] {
        assert_eq!(shown(&s, n), Status::New, "lead {n} not targeted");
    }
    assert!(s.list().selected.is_empty(), "the selection is cleared");
    assert_eq!(s.list().visible_selected, 0);
    assert_eq!(
        cursor(&s),
        before_cursor,
        "a bulk change does not move the cursor"
    );
    let toast = s.toast.clone().expect("a toast");
    assert!(toast.starts_with("3 → dismissed"), "{toast}");
    assert!(toast.contains("2 hidden"), "{toast}");
    assert!(toast.contains("u to undo"), "{toast}");
    assert!(has_debounce(&fx));
    assert_eq!(s.queue.counts.pending, 3);
}

#[test]
fn status_key_during_a_range_targets_range_and_selection() {
    let mut s = loaded(leads(10));
    keys(&mut s, "G space"); // lead 10 selected
    keys(&mut s, "g j v j j"); // sticky range rows 1..=3 → leads 2, 3, 4
    press(&mut s, "c");
    let contacted: BTreeSet<u128> = (1..=10)
        .filter(|&n| shown(&s, n) == Status::Contacted)
        .collect();
    assert_eq!(contacted, set([2, 3, 4, 10]));
    assert_eq!(s.list().range, None, "the range ends");
    assert!(s.list().selected.is_empty());
    assert!(
        s.toast
            .as_deref()
            .unwrap_or("")
            .starts_with("4 → contacted")
    );

    // A Shift range alone targets just its rows.
    keys(&mut s, "G shift-up shift-up");
    press(&mut s, "d");
    let dismissed: BTreeSet<u128> = (1..=10)
        .filter(|&n| shown(&s, n) == Status::Dismissed)
        .collect();
    assert_eq!(dismissed, set([8, 9, 10]));
    assert_eq!(s.queue.counts.pending, 6);
}

#[test]
fn digit_keys_and_letter_keys_set_the_same_statuses() {
    for (letter, digit, status) in [
        ("n", "1", Status::New),
        ("c", "2", Status::Contacted),
        ("d", "3", Status::Dismissed),
    ] {
        let start = if status == Status::New {
            Status::Dismissed
        } else {
            Status::New
        };
        let mut by_letter = loaded(leads_with(4, start));
        let mut by_digit = loaded(leads_with(4, start));
        let fa = keys(&mut by_letter, &format!("{letter} space j {letter}"));
        let fb = keys(&mut by_digit, &format!("{digit} space j {digit}"));
        assert_eq!(fa, fb, "{letter} vs {digit}");
        for n in 1..=4 {
            assert_eq!(shown(&by_letter, n), shown(&by_digit, n), "lead {n}");
        }
        assert_eq!(shown(&by_digit, 1), status);
        assert_eq!(shown(&by_digit, 2), status, "selection row");
        assert_eq!(shown(&by_digit, 4), start, "untouched");
        assert_eq!(by_letter.toast, by_digit.toast);
        assert_eq!(by_digit.queue.counts.pending, 2);
    }
}

// ── Queue merging and flushing ──────────────────────────────────────────────────────────────

#[test]
fn changes_to_one_lead_merge_into_one_entry_last_wins() {
    let mut s = loaded(leads(3));
    keys(&mut s, "c k d");
    assert_eq!(s.queue.entries.len(), 1);
    let e = &s.queue.entries[&id(1)];
    assert_eq!(e.intent, Status::Dismissed);
    assert_eq!(e.confirmed, Status::New);
    assert_eq!(e.phase, Phase::Pending);
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert_eq!(shown(&s, 1), Status::Dismissed);
    // What is sent is the last intent only.
    let b = sends(&press(&mut s, "$"));
    assert_eq!(b.len(), 1);
    assert_eq!(
        b[0].items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::Dismissed
        }]
    );
}

#[test]
fn setting_the_confirmed_status_again_cancels_the_change() {
    let mut v = leads(3);
    v[0].status = Status::Contacted;
    let mut s = loaded(v);
    let fx = press(&mut s, "d");
    assert!(has_debounce(&fx));
    assert_eq!(s.queue.counts.pending, 1);
    let fx = keys(&mut s, "k c");
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert!(s.queue.entries.is_empty());
    assert_eq!(shown(&s, 1), Status::Contacted);
    assert!(!has_debounce(&fx), "nothing pending: no debounce");
    // Pressing the status a lead already has queues nothing either.
    let fx = keys(&mut s, "k c");
    assert!(core(&fx).is_empty(), "{fx:?}");
    assert!(s.queue.entries.is_empty());
    let fx = press(&mut s, "$");
    assert!(sends(&fx).is_empty());
    assert_eq!(s.toast.as_deref(), Some("nothing waiting to be sent"));
}

#[test]
fn debounce_is_armed_whenever_something_becomes_pending() {
    let mut s = loaded(leads(5));
    let fx = press(&mut s, "c");
    assert_eq!(
        core(&fx),
        [&Effect::ArmDebounce(Duration::from_millis(1500))]
    );
    let fx = press(&mut s, "c");
    assert_eq!(
        core(&fx),
        [&Effect::ArmDebounce(Duration::from_millis(1500))]
    );
    // Movement and selection never arm it.
    assert!(keys(&mut s, "j k space v j v * i ctrl-a s S").is_empty());
    // A custom debounce is what is armed.
    let settings = Settings {
        debounce: Duration::from_millis(250),
        ..Settings::default()
    };
    let mut s = loaded_with(settings, leads(2));
    assert_eq!(
        core(&press(&mut s, "d")),
        [&Effect::ArmDebounce(Duration::from_millis(250))]
    );
}

#[test]
fn flush_due_sends_what_is_pending() {
    let mut s = loaded(leads(5));
    keys(&mut s, "c d");
    let fx = update(&mut s, Msg::FlushDue);
    let b = sends(&fx);
    assert_eq!(b.len(), 1);
    assert_eq!(batch_ids(&b[0]), set([1, 2]));
    assert_eq!(s.queue.counts, counts(0, 2, 0));
    // Nothing left: a second FlushDue sends nothing.
    assert!(update(&mut s, Msg::FlushDue).is_empty());
}

#[test]
fn flush_sends_batches_of_at_most_200_and_no_more_than_the_concurrency() {
    let mut s = loaded_with(with_concurrency(2), leads(450));
    keys(&mut s, "ctrl-a d");
    assert_eq!(s.queue.counts, counts(450, 0, 0));
    let first = sends(&press(&mut s, "$"));
    assert_eq!(first.len(), 2, "two requests at once");
    assert!(first.iter().all(|b| b.items.len() == 200));
    assert_eq!(s.queue.counts, counts(50, 400, 0));
    assert!(
        first
            .iter()
            .flat_map(|b| &b.items)
            .all(|i| i.status == Status::Dismissed)
    );
    // No free slot: flushing again sends nothing.
    assert!(sends(&press(&mut s, "$")).is_empty());
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    // A result frees a slot and the rest goes at once.
    let fx = update(&mut s, all_ok(&first[0]));
    let third = sends(&fx);
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].items.len(), 50);
    assert_eq!(s.queue.counts, counts(0, 250, 0));
    let fx = update(&mut s, all_ok(&first[1]));
    assert!(sends(&fx).is_empty());
    let fx = update(&mut s, all_ok(&third[0]));
    assert!(sends(&fx).is_empty());
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert!(s.queue.entries.is_empty());
    // Every lead went exactly once.
    let mut all: Vec<u128> = first
        .iter()
        .chain(&third)
        .flat_map(|b| b.items.iter().map(|i| i.entity_id.as_u128()))
        .collect();
    all.sort_unstable();
    assert_eq!(all, (1..=450).collect::<Vec<_>>());
}

#[test]
fn selecting_450_and_flushing_confirms_all_in_three_batches() {
    let mut s = loaded(leads(450));
    keys(&mut s, "ctrl-a");
    assert_eq!(s.list().visible_selected, 450);
    press(&mut s, "c");
    assert!(
        s.toast
            .as_deref()
            .unwrap_or("")
            .starts_with("450 → contacted")
    );
    // Pending: shown as contacted, still new on the server.
    assert_eq!(s.queue.counts, counts(450, 0, 0));
    assert_eq!(
        (shown(&s, 7), confirmed(&s, 7)),
        (Status::Contacted, Status::New)
    );

    let mut queue: VecDeque<Batch> = sends(&press(&mut s, "$")).into();
    assert_eq!(
        queue.len(),
        3,
        "200 + 200 + 50, within the concurrency of 4"
    );
    assert_eq!(
        queue.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
        [200, 200, 50]
    );
    // Sending: still shown as contacted.
    assert_eq!(s.queue.counts, counts(0, 450, 0));
    assert!(matches!(s.queue.entries[&id(7)].phase, Phase::Sending(_)));
    assert_eq!(shown(&s, 7), Status::Contacted);

    let mut total = queue.len();
    while let Some(b) = queue.pop_front() {
        let more = sends(&update(&mut s, all_ok(&b)));
        total += more.len();
        queue.extend(more);
    }
    assert_eq!(total, 3);
    // Done: confirmed, marked done, nothing queued.
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert!(s.queue.entries.is_empty());
    assert_eq!(s.queue.done.len(), 450);
    for n in 1..=450 {
        assert_eq!(confirmed(&s, n), Status::Contacted, "lead {n}");
        assert_eq!(shown(&s, n), Status::Contacted, "lead {n}");
    }
    // Quitting now needs no question.
    assert_eq!(press(&mut s, "q"), vec![Effect::Quit]);
}

#[test]
fn batches_go_oldest_change_first() {
    let mut s = loaded_with(with_concurrency(1), leads(300));
    keys(&mut s, "G d"); // lead 300 changed first
    keys(&mut s, "g v");
    for _ in 0..249 {
        press(&mut s, "j");
    }
    keys(&mut s, "v c"); // then leads 1..=250
    assert_eq!(s.queue.counts.pending, 251);
    let b = sends(&press(&mut s, "$"));
    assert_eq!(b.len(), 1);
    let mut want = set(1..=199);
    want.insert(300);
    assert_eq!(batch_ids(&b[0]), want, "the 200 oldest changes go first");
    let next = sends(&update(&mut s, all_ok(&b[0])));
    assert_eq!(next.len(), 1);
    assert_eq!(batch_ids(&next[0]), set(200..=250));
}

// ── Reconciling per-item errors ─────────────────────────────────────────────────────────────

/// Five new leads; 1..=3 dismissed and sent in one batch, lead 2 refused with `not_found`.
fn with_one_refused() -> State {
    let mut s = loaded(leads(5));
    keys(&mut s, "space space space d");
    let b = sends(&press(&mut s, "$"));
    assert_eq!(b.len(), 1);
    assert_eq!(batch_ids(&b[0]), set([1, 2, 3]));
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b[0].id,
            result: Ok(outcome(&[id(1), id(3)], &[(id(2), "not_found")])),
        },
    );
    assert!(
        sends(&fx).is_empty(),
        "a refused item is not resent by itself"
    );
    assert!(retry_delays(&fx).is_empty(), "a refusal is not transient");
    s
}

#[test]
fn a_refused_item_fails_only_its_row_and_shows_the_confirmed_status() {
    let s = with_one_refused();
    assert_eq!(s.queue.counts, counts(0, 0, 1));
    let e = &s.queue.entries[&id(2)];
    assert_eq!(e.phase, Phase::Failed);
    assert_eq!(e.error.as_deref(), Some("not_found"), "the reason is kept");
    assert_eq!(
        shown(&s, 2),
        Status::New,
        "the failed row shows its confirmed status"
    );
    assert_eq!(confirmed(&s, 2), Status::New);
    for n in [1, 3] {
        assert_eq!(confirmed(&s, n), Status::Dismissed);
        assert!(s.queue.done.contains(&id(n)));
        assert!(!s.queue.entries.contains_key(&id(n)));
    }
    assert!(!s.queue.done.contains(&id(2)));
    // Failed changes are unsent: quitting asks.
    let mut s = s;
    press(&mut s, "q");
    assert_eq!(s.mode, Mode::ConfirmQuit);
}

#[test]
fn the_confirmed_status_key_on_a_failed_row_drops_the_refused_change() {
    let mut s = with_one_refused();
    keys(&mut s, "g j");
    assert_eq!(cursor_id(&s), 2);
    // The row shows `new` (confirmed); pressing `n` there is not a no-op: it drops the
    // refused change, leaves an undo step and a history line, and sends nothing.
    let fx = press(&mut s, "n");
    assert!(
        !s.queue.entries.contains_key(&id(2)),
        "the failed change is gone"
    );
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert!(sends(&fx).is_empty() && sends(&press(&mut s, "$")).is_empty());
    let log = &s.sync_log[&id(2)];
    assert!(
        log.iter()
            .any(|(_, l)| l.contains("refused change to dismissed dropped")),
        "{log:?}"
    );
    // `u` brings the refused change back, pending again.
    press(&mut s, "u");
    assert_eq!(shown(&s, 2), Status::Dismissed, "undo restores it");
    assert_eq!(s.queue.counts, counts(1, 0, 0));
}

#[test]
fn another_status_on_a_failed_row_is_queued_and_sent() {
    let mut s = with_one_refused();
    keys(&mut s, "g j");
    let fx = press(&mut s, "c");
    assert!(has_debounce(&fx), "the send timer starts");
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    let b = sends(&update(&mut s, Msg::FlushDue));
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].items[0].status, Status::Contacted);
}

#[test]
fn send_then_quit_stays_when_puffle_refuses_again() {
    let mut s = with_one_refused();
    press(&mut s, "q");
    assert_eq!(s.mode, Mode::ConfirmQuit);
    let b = sends(&press(&mut s, "s"));
    assert_eq!(b.len(), 1, "the refused change is retried");
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b[0].id,
            result: Ok(outcome(&[], &[(id(2), "not_found")])),
        },
    );
    assert!(!fx.contains(&Effect::Quit), "refused again: no quitting");
    assert!(!s.quit);
    assert!(
        s.toast
            .as_deref()
            .is_some_and(|t| t.contains("refused again")),
        "{:?}",
        s.toast
    );
    // Once everything is accepted, send-then-quit does quit.
    let mut s = loaded(leads(3));
    keys(&mut s, "d q");
    let b = sends(&press(&mut s, "s"));
    let fx = update(&mut s, all_ok(&b[0]));
    assert!(fx.contains(&Effect::Quit));
}

#[test]
fn a_bulk_change_counts_only_what_changed() {
    let mut v = leads(6);
    v[0].status = Status::Dismissed;
    v[1].status = Status::Dismissed;
    let mut s = loaded(v);
    keys(&mut s, "space space space");
    press(&mut s, "d");
    assert_eq!(
        s.toast.as_deref(),
        Some("1 → dismissed (2 already were) · u to undo")
    );
    keys(&mut s, "g space");
    press(&mut s, "d");
    assert_eq!(s.toast.as_deref(), Some("1 already dismissed"));
}

#[test]
fn select_all_and_dismiss_on_100_000_leads() {
    // Linear work per keypress: a per-target scan of the rows, or a recount of the queue
    // after each change, would take 10^10 steps (minutes) here.
    let mut s = loaded(leads(100_000));
    press(&mut s, "ctrl-a");
    press(&mut s, "d");
    assert!(
        matches!(s.mode, Mode::Ask(_)),
        "over confirm_over: it asks first"
    );
    assert_eq!(s.queue.counts.pending, 0);
    press(&mut s, "y");
    assert_eq!(s.toast.as_deref(), Some("100000 → dismissed · u to undo"));
    assert_eq!(s.queue.counts.pending, 100_000);
    press(&mut s, "u");
    assert_eq!(s.queue.counts.pending, 0, "undo takes all of them back");
    assert!(s.queue.entries.is_empty());
}

#[test]
fn brackets_jump_to_failed_rows() {
    let mut s = with_one_refused();
    keys(&mut s, "G");
    press(&mut s, "]");
    assert_eq!(cursor_id(&s), 2, "] wraps around to the failed row");
    press(&mut s, "]");
    assert_eq!(cursor_id(&s), 2, "the only failed row");
    keys(&mut s, "g");
    press(&mut s, "[");
    assert_eq!(cursor_id(&s), 2, "[ wraps backwards");
    // `* f` selects failed rows.
    keys(&mut s, "* f");
    assert_eq!(selected_ids(&s), set([2]));
    // No failed rows: a toast, the cursor stays.
    let mut clean = loaded(leads(5));
    keys(&mut clean, "j j");
    press(&mut clean, "]");
    assert_eq!(cursor(&clean), 2);
    assert_eq!(clean.toast.as_deref(), Some("no failed rows"));
}

#[test]
fn r_on_a_failed_row_requeues_and_sends_it() {
    let mut s = with_one_refused();
    keys(&mut s, "g ]");
    let fx = press(&mut s, "r");
    let b = sends(&fx);
    assert_eq!(b.len(), 1, "retry sends at once: {fx:?}");
    assert_eq!(
        b[0].items,
        vec![StatusChange {
            entity_id: id(2),
            status: Status::Dismissed
        }]
    );
    assert_eq!(s.queue.counts, counts(0, 1, 0));
    assert_eq!(s.queue.entries[&id(2)].error, None);
    assert_eq!(s.toast.as_deref(), Some("retrying 1 change"));
    assert_eq!(
        shown(&s, 2),
        Status::Dismissed,
        "sending again: the intent shows"
    );
    update(&mut s, all_ok(&b[0]));
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert_eq!(confirmed(&s, 2), Status::Dismissed);
}

#[test]
fn r_on_a_row_that_did_not_fail_does_nothing() {
    let mut s = with_one_refused();
    keys(&mut s, "G");
    let fx = press(&mut s, "r");
    assert!(sends(&fx).is_empty());
    assert_eq!(s.queue.counts, counts(0, 0, 1));
    assert_eq!(s.toast.as_deref(), Some("no failed change to retry here"));
    // R retries every failed change.
    let fx = press(&mut s, "R");
    assert_eq!(sends(&fx).len(), 1);
    assert_eq!(s.queue.counts, counts(0, 1, 0));
}

#[test]
fn changing_a_failed_rows_status_clears_the_failure() {
    let mut s = with_one_refused();
    keys(&mut s, "g ]");
    let fx = press(&mut s, "c");
    let e = &s.queue.entries[&id(2)];
    assert_eq!(
        (e.phase, e.intent, e.error.clone()),
        (Phase::Pending, Status::Contacted, None)
    );
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert_eq!(shown(&s, 2), Status::Contacted);
    assert!(has_debounce(&fx));

    // Setting the confirmed status on a failed row drops the change entirely.
    let mut s = with_one_refused();
    keys(&mut s, "g ]");
    press(&mut s, "n");
    assert!(s.queue.entries.is_empty());
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert_eq!(shown(&s, 2), Status::New);
}

#[test]
fn a_server_error_requeues_and_waits_for_the_retry() {
    let mut s = loaded(leads(4));
    keys(&mut s, "d d");
    let b = sends(&press(&mut s, "$")).remove(0);
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Err(ApiError::Server {
                status: 503,
                message: None,
                retry_after: None,
            }),
        },
    );
    let delays = retry_delays(&fx);
    assert_eq!(delays.len(), 1, "{fx:?}");
    // First attempt: between half and all of the 0.5 s base.
    assert!(
        delays[0] >= Duration::from_millis(250) && delays[0] <= Duration::from_millis(500),
        "{delays:?}"
    );
    assert!(sends(&fx).is_empty());
    assert_eq!(s.queue.counts, counts(2, 0, 0));
    assert_eq!(s.retry_at, Some(delays[0]));
    assert_eq!(shown(&s, 1), Status::Dismissed, "still the intent");
    assert_eq!(confirmed(&s, 1), Status::New);
    // Nothing is sent before the retry is due: not the debounce, not another change.
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    let fx = keys(&mut s, "c");
    assert!(sends(&fx).is_empty());
    assert_eq!(s.queue.counts, counts(3, 0, 0));
    // Then it goes.
    let fx = update(&mut s, Msg::RetryDue);
    let b2 = sends(&fx);
    assert_eq!(b2.len(), 1);
    assert_eq!(batch_ids(&b2[0]), set([1, 2, 3]));
    assert_eq!(s.retry_at, None);
    update(&mut s, all_ok(&b2[0]));
    assert_eq!(s.queue.counts, counts(0, 0, 0));
}

#[test]
fn dollar_during_a_retry_wait_sends_now_and_the_wait_is_explained() {
    let mut s = loaded(leads(3));
    keys(&mut s, "d d");
    let b = sends(&press(&mut s, "$")).remove(0);
    update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Err(ApiError::Server {
                status: 503,
                message: None,
                retry_after: Some(Duration::from_secs(58)),
            }),
        },
    );
    // The server's Retry-After on a 503 is the floor of the wait, and the reason is kept.
    assert!(s.retry_at.unwrap() >= Duration::from_secs(58));
    let reason = s.queue.wait_reason.clone().unwrap();
    assert_eq!(
        reason.describe(Duration::from_secs(58)),
        "Puffle asked to wait 58 s (server_error)"
    );
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    // `$` cuts the wait short.
    let b2 = sends(&press(&mut s, "$"));
    assert_eq!(b2.len(), 1);
    assert_eq!(batch_ids(&b2[0]), set([1, 2]));
    assert_eq!(s.retry_at, None);
    assert!(
        s.toast
            .as_deref()
            .unwrap()
            .contains("sending 2 changes now")
    );
}

#[test]
fn rate_limiting_honours_retry_after_and_halves_the_concurrency() {
    let mut s = loaded(leads(3));
    keys(&mut s, "c");
    let b = sends(&press(&mut s, "$")).remove(0);
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Err(ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(7)),
            }),
        },
    );
    let delays = retry_delays(&fx);
    assert_eq!(delays.len(), 1);
    assert!(delays[0] >= Duration::from_secs(7), "{delays:?}");
    assert_eq!(s.queue.concurrency, 2);
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert!(sends(&fx).is_empty());
    assert_eq!(sends(&update(&mut s, Msg::RetryDue)).len(), 1);
}

#[test]
fn repeated_failures_back_off_longer() {
    let mut s = loaded(leads(3));
    keys(&mut s, "c");
    let mut batch = sends(&press(&mut s, "$")).remove(0);
    let mut delays = Vec::new();
    for _ in 0..4 {
        let fx = update(
            &mut s,
            Msg::BatchDone {
                batch: batch.id,
                result: Err(ApiError::Timeout),
            },
        );
        delays.extend(retry_delays(&fx));
        batch = sends(&update(&mut s, Msg::RetryDue)).remove(0);
    }
    assert_eq!(delays.len(), 4);
    // Ceilings 0.5, 1, 2, 4 s; each delay at least half its ceiling.
    for (n, d) in delays.iter().enumerate() {
        let ceiling = Duration::from_millis(500 << n);
        assert!(*d >= ceiling / 2 && *d <= ceiling, "attempt {n}: {d:?}");
    }
}

#[test]
fn unauthorized_sets_a_banner_and_stops_sending() {
    let mut s = loaded(leads(4));
    keys(&mut s, "d d");
    let b = sends(&press(&mut s, "$")).remove(0);
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Err(ApiError::Unauthorized { message: None }),
        },
    );
    assert!(sends(&fx).is_empty());
    assert!(retry_delays(&fx).is_empty(), "a bad key is not retried");
    let banner = s.banner.clone().expect("a banner");
    assert!(banner.contains("PUFFLE_API_KEY"), "{banner}");
    assert_eq!(s.queue.counts, counts(2, 0, 0), "changes are kept");
    assert_eq!(
        s.queue.entries[&id(1)].error.as_deref(),
        Some("unauthorized")
    );
    assert_eq!(shown(&s, 1), Status::Dismissed);
    // No path sends anything any more.
    assert!(sends(&press(&mut s, "$")).is_empty());
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    assert!(sends(&update(&mut s, Msg::RetryDue)).is_empty());
    assert!(sends(&keys(&mut s, "c R")).is_empty());
    assert_eq!(s.queue.counts.sending, 0);
}

#[test]
fn a_lead_in_flight_is_not_sent_twice_and_ends_with_the_last_intent() {
    let mut s = loaded(leads(3));
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    assert_eq!(batch_ids(&b1), set([1]));
    // Change it twice more while the batch is out, plus another lead.
    let fx = keys(&mut s, "k c k n k c c");
    assert_eq!(shown(&s, 1), Status::Contacted, "the newest intent shows");
    assert_eq!(shown(&s, 2), Status::Contacted);
    let mut fx = fx;
    fx.extend(press(&mut s, "$"));
    fx.extend(update(&mut s, Msg::FlushDue));
    for b in sends(&fx) {
        assert!(
            !batch_ids(&b).contains(&1),
            "lead 1 sent again while in flight: {b:?}"
        );
    }
    assert_eq!(s.queue.entries[&id(1)].phase, Phase::Sending(b1.id));
    // The first batch comes back: lead 1 is queued again with the last intent and sent.
    let fx = update(&mut s, all_ok(&b1));
    assert_eq!(
        confirmed(&s, 1),
        Status::Dismissed,
        "what the server confirmed"
    );
    assert_eq!(shown(&s, 1), Status::Contacted);
    let b2 = sends(&fx);
    assert_eq!(b2.len(), 1);
    assert_eq!(
        b2[0].items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::Contacted
        }]
    );
    update(&mut s, all_ok(&b2[0]));
    assert_eq!(confirmed(&s, 1), Status::Contacted);
    assert!(!s.queue.entries.contains_key(&id(1)));
}

#[test]
fn a_lead_changed_back_while_in_flight_is_reverted_after_confirmation() {
    let mut s = loaded(leads(2));
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    keys(&mut s, "k n");
    assert_eq!(shown(&s, 1), Status::New);
    let fx = update(&mut s, all_ok(&b1));
    let b2 = sends(&fx);
    assert_eq!(b2.len(), 1);
    assert_eq!(
        b2[0].items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::New
        }]
    );
    update(&mut s, all_ok(&b2[0]));
    assert_eq!(confirmed(&s, 1), Status::New);
    assert!(s.queue.entries.is_empty());
}

#[test]
fn a_revert_made_during_a_timed_out_batch_is_still_sent() {
    let mut s = loaded(leads(2));
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    // Back to `new` while the PATCH is out.
    keys(&mut s, "k n");
    // The request times out: Puffle may or may not have dismissed the lead.
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b1.id,
            result: Err(ApiError::Timeout),
        },
    );
    assert_eq!(retry_delays(&fx).len(), 1);
    let b2 = sends(&update(&mut s, Msg::RetryDue));
    // The rep wants `new`; since the dismissal may have landed, `new` must be sent.
    assert_eq!(b2.len(), 1, "the revert was dropped: {:?}", s.queue.entries);
    assert_eq!(
        b2[0].items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::New
        }]
    );
}

#[test]
fn pressing_the_wanted_status_again_after_a_timeout_keeps_it_queued() {
    let mut s = loaded(leads(2));
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    keys(&mut s, "k n"); // back to `new` while the PATCH is out
    update(
        &mut s,
        Msg::BatchDone {
            batch: b1.id,
            result: Err(ApiError::Timeout),
        },
    );
    // `new` is queued because Puffle may hold `dismissed` now.
    assert_eq!(s.queue.entries[&id(1)].intent, Status::New);
    // The rep presses `n` once more on the lead: still wants `new`.
    keys(&mut s, "k n");
    assert_eq!(shown(&s, 1), Status::New);
    let b2 = sends(&update(&mut s, Msg::RetryDue));
    assert_eq!(
        b2.iter().map(batch_ids).collect::<Vec<_>>(),
        [set([1])],
        "`new` is no longer sent although the dismissal may have landed: {:?}",
        s.queue.entries
    );
}

#[test]
fn a_failed_batch_without_a_newer_intent_is_resent_unchanged() {
    let mut s = loaded(leads(3));
    keys(&mut s, "d c");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b1.id,
            result: Err(ApiError::Network("reset by peer".into())),
        },
    );
    assert_eq!(retry_delays(&fx).len(), 1);
    assert_eq!(s.queue.counts, counts(2, 0, 0));
    let b2 = sends(&update(&mut s, Msg::RetryDue)).remove(0);
    assert_eq!(b2.items, b1.items, "the same changes, in the same order");
    assert_ne!(b2.id, b1.id, "a new batch id");
    // A late answer for the old batch id changes nothing.
    let fx = update(&mut s, all_ok(&b1));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.queue.counts, counts(0, 2, 0));
}

// ── Undo / redo ─────────────────────────────────────────────────────────────────────────────

#[test]
fn undo_of_an_unsent_bulk_change_restores_all_rows_in_one_step() {
    let mut v = leads(300);
    for (i, l) in v.iter_mut().enumerate() {
        l.status = STATUSES[i % 2]; // new and contacted
    }
    let mut s = loaded(v);
    keys(&mut s, "ctrl-a d");
    assert_eq!(s.queue.counts.pending, 300);
    let fx = press(&mut s, "u");
    assert!(
        s.queue.entries.is_empty(),
        "unsent: the queue is empty again"
    );
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    for n in 1..=300u128 {
        let want = STATUSES[(n as usize - 1) % 2];
        assert_eq!(shown(&s, n), want, "lead {n}");
    }
    assert!(!has_debounce(&fx), "nothing to send: {fx:?}");
    assert_eq!(
        s.toast.as_deref(),
        Some("undid 300 changes (150 → new, 150 → contacted) · U to redo")
    );
    // One step only: a second undo has nothing left.
    press(&mut s, "u");
    assert_eq!(s.toast.as_deref(), Some("nothing to undo"));
    // Redo puts it back, and then the step can be undone again.
    let fx = keys(&mut s, "U U");
    assert_eq!(s.queue.counts.pending, 300);
    assert!((1..=300).all(|n| shown(&s, n) == Status::Dismissed));
    assert!(has_debounce(&fx));
    assert_eq!(s.toast.as_deref(), Some("nothing to redo"));
    press(&mut s, "z"); // z is undo too
    assert!(s.queue.entries.is_empty());
}

#[test]
fn undo_steps_are_per_keypress_in_reverse_order() {
    let mut s = loaded(leads(5));
    keys(&mut s, "c c"); // 1 and 2 contacted, cursor on 3
    keys(&mut s, "k k d"); // 1 dismissed
    assert_eq!(shown(&s, 1), Status::Dismissed);
    press(&mut s, "u");
    assert_eq!(
        shown(&s, 1),
        Status::Contacted,
        "back to what was shown before"
    );
    assert_eq!(shown(&s, 2), Status::Contacted);
    press(&mut s, "u");
    assert_eq!(shown(&s, 2), Status::New);
    assert_eq!(shown(&s, 1), Status::Contacted);
    press(&mut s, "u");
    assert_eq!(shown(&s, 1), Status::New);
    assert!(s.queue.entries.is_empty());
    // A new change after undo clears the redo stack.
    keys(&mut s, "G d U");
    assert_eq!(s.toast.as_deref(), Some("nothing to redo"));
    assert_eq!(shown(&s, 1), Status::New);
}

#[test]
fn undo_after_the_server_confirmed_queues_the_previous_status() {
    let mut s = loaded(leads(3));
    keys(&mut s, "space space d"); // 1, 2 dismissed
    let b = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, all_ok(&b));
    assert!(s.queue.entries.is_empty());
    assert_eq!(confirmed(&s, 1), Status::Dismissed);

    let fx = press(&mut s, "u");
    assert!(has_debounce(&fx));
    assert_eq!(s.queue.counts, counts(2, 0, 0));
    for n in [1, 2] {
        let e = &s.queue.entries[&id(n)];
        assert_eq!((e.intent, e.confirmed), (Status::New, Status::Dismissed));
        assert_eq!(shown(&s, n), Status::New);
    }
    let b = sends(&press(&mut s, "$")).remove(0);
    assert!(b.items.iter().all(|i| i.status == Status::New));
    assert_eq!(batch_ids(&b), set([1, 2]));
    update(&mut s, all_ok(&b));
    assert_eq!(confirmed(&s, 1), Status::New);

    // Redo queues the dismissal again.
    let fx = press(&mut s, "U");
    assert!(has_debounce(&fx));
    assert_eq!(s.queue.counts.pending, 2);
    assert!(
        s.queue
            .entries
            .values()
            .all(|e| e.intent == Status::Dismissed)
    );
}

#[test]
fn redo_of_an_undo_before_sending_cancels_the_queued_revert() {
    let mut s = loaded(leads(2));
    press(&mut s, "d");
    let b = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, all_ok(&b));
    press(&mut s, "u");
    assert_eq!(s.queue.counts.pending, 1);
    press(&mut s, "U");
    assert!(
        s.queue.entries.is_empty(),
        "back to the confirmed status: nothing to send"
    );
    assert_eq!(shown(&s, 1), Status::Dismissed);
}

#[test]
fn undo_of_an_unsent_change_on_an_unknown_status_lead_cancels_it() {
    let mut v = leads(3);
    v[0].status = Status::Unknown;
    let mut s = loaded(v);
    press(&mut s, "c");
    assert_eq!(s.queue.counts.pending, 1);
    press(&mut s, "u");
    assert_eq!(
        shown(&s, 1),
        Status::Unknown,
        "undo shows the status from before"
    );
    assert!(
        s.queue.entries.is_empty(),
        "the undone change would still be sent: {:?}",
        s.queue.entries
    );
}

// ── Filter, sort, reload ────────────────────────────────────────────────────────────────────

fn filter_rows(s: &mut State, text: &str) -> BTreeSet<u128> {
    keys(s, "/");
    assert_eq!(s.mode, Mode::Filter);
    type_text(s, text);
    let rows = set(row_ids(s));
    press(s, "esc");
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.filter.is_empty());
    assert_eq!(row_ids(s).len(), 8, "Esc clears the filter");
    rows
}

#[test]
fn filter_matches_name_company_and_headline_case_insensitively() {
    // `'` (an old habit from nucleo) is a substring, like a plain word.
    let mut s = loaded(people());
    assert_eq!(filter_rows(&mut s, "'ada"), set([1]), "name");
    assert_eq!(filter_rows(&mut s, "'LOVELACE"), set([1]), "upper case");
    assert_eq!(filter_rows(&mut s, "'rocket"), set([4]), "company");
    assert_eq!(filter_rows(&mut s, "'kernel"), set([6]), "headline");
    assert_eq!(
        filter_rows(&mut s, "'ÉLODIE"),
        set([5]),
        "non-ASCII case folding"
    );
    assert_eq!(filter_rows(&mut s, "'山田"), set([3]), "CJK name");
    assert_eq!(filter_rows(&mut s, "'ヤマダ"), set([3]), "CJK company");
    assert_eq!(filter_rows(&mut s, "'🚀"), set([4]), "emoji");
    assert_eq!(filter_rows(&mut s, "'محمد"), set([7]), "right-to-left");
    assert_eq!(
        filter_rows(&mut s, "'zola"),
        set([8]),
        "lead without enrichment"
    );
    assert_eq!(filter_rows(&mut s, "'nobody 'here"), set([]));
}

#[test]
fn fuzzy_filter_finds_letters_in_order_and_ranks_best_first() {
    let mut s = loaded(people());
    press(&mut s, "/");
    type_text(&mut s, "adlv");
    assert!(
        row_ids(&s).is_empty(),
        "a plain word is a substring, not letters in order"
    );
    press(&mut s, "ctrl-u");
    type_text(&mut s, "~adlv"); // A-d-a L-o-V-elace
    assert_eq!(row_ids(&s).first(), Some(&1), "the best match comes first");
    assert!(row_ids(&s).contains(&1));
    type_text(&mut s, "zzzz");
    assert!(row_ids(&s).is_empty());
}

#[test]
fn filter_typing_narrows_backspace_widens_enter_keeps() {
    let mut s = loaded(people());
    press(&mut s, "/");
    type_text(&mut s, "'gr");
    assert_eq!(set(row_ids(&s)), set([2, 4]), "Grace, Head of Growth");
    type_text(&mut s, "a");
    assert_eq!(set(row_ids(&s)), set([2]));
    assert_eq!(s.filter, "'gra");
    press(&mut s, "backspace");
    assert_eq!(set(row_ids(&s)), set([2, 4]));
    press(&mut s, "backspace");
    press(&mut s, "backspace");
    press(&mut s, "backspace");
    assert_eq!(row_ids(&s).len(), 8, "empty filter shows all");
    press(&mut s, "backspace");
    assert_eq!(s.filter, "", "backspace on empty text is harmless");
    type_text(&mut s, "'zo");
    press(&mut s, "enter");
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.filter, "'zo", "Enter keeps the filter");
    assert_eq!(set(row_ids(&s)), set([4, 8]));
    // Normal keys work on the filtered rows.
    keys(&mut s, "G");
    assert_eq!(cursor(&s), 1);
    // `/` again continues the same text; Esc in filter mode clears it.
    press(&mut s, "/");
    type_text(&mut s, "ë");
    assert_eq!(set(row_ids(&s)), set([4]));
    press(&mut s, "esc");
    assert_eq!((s.mode.clone(), s.filter.as_str()), (Mode::Normal, ""));
    assert_eq!(row_ids(&s).len(), 8);
    assert_cursor_visible(&s);
}

#[test]
fn filter_mode_keys_are_text_not_commands() {
    let mut s = loaded(people());
    press(&mut s, "/");
    let fx = keys(&mut s, "q d j $ ? space");
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.filter, "qdj$? ");
    assert_eq!(s.mode, Mode::Filter);
    assert!(s.queue.entries.is_empty());
    assert!(!s.quit);
    // Ctrl-U clears the text but stays in filter mode.
    press(&mut s, "ctrl-u");
    assert_eq!((s.mode.clone(), s.filter.as_str()), (Mode::Filter, ""));
    // Arrows still move the cursor while typing.
    press(&mut s, "down");
    assert_eq!(cursor(&s), 1);
    assert_eq!(s.mode, Mode::Filter);
}

#[test]
fn a_mistyped_filter_token_matches_nothing_and_says_why() {
    let mut s = loaded(leads(30));
    press(&mut s, "/");
    type_text(&mut s, "status:contaced");
    assert!(row_ids(&s).is_empty(), "a typo must not match every lead");
    assert!(
        s.filter_errors.iter().any(|e| e.contains("contaced")),
        "{:?}",
        s.filter_errors
    );
    press(&mut s, "enter");
    // Select all + dismiss on an empty view changes nothing.
    keys(&mut s, "ctrl-a d");
    assert!(s.queue.entries.is_empty());
    // Fixing the typo shows the matches; a unique prefix is enough.
    press(&mut s, "/");
    keys(&mut s, "ctrl-w");
    type_text(&mut s, "status:n");
    assert!(s.filter_errors.is_empty());
    assert_eq!(row_ids(&s).len(), 30, "all 30 are new");
}

#[test]
fn typing_a_filter_puts_the_cursor_on_the_best_match() {
    let mut s = loaded(people());
    keys(&mut s, "G");
    press(&mut s, "/");
    type_text(&mut s, "ada");
    assert_eq!(cursor(&s), 0, "the first row is the best match");
    assert_eq!(cursor_id(&s), 1);
    // Esc leaves the cursor on the lead it was on, in the whole list.
    press(&mut s, "esc");
    assert_eq!(cursor_id(&s), 1);
}

#[test]
fn filter_input_edits_like_readline_and_modified_keys_insert_nothing() {
    let mut s = loaded(people());
    press(&mut s, "/");
    type_text(&mut s, "acme status:new");
    press(&mut s, "ctrl-w");
    assert_eq!(s.filter, "acme ");
    press(&mut s, "alt-b");
    press(&mut s, "ctrl-b");
    assert_eq!(s.filter, "acme ", "Ctrl/Alt letters are not typed");
    assert_eq!(s.mode, Mode::Filter);
    // The help filter edits the same way.
    press(&mut s, "esc");
    press(&mut s, "?");
    press(&mut s, "/");
    type_text(&mut s, "undo last");
    press(&mut s, "ctrl-w");
    press(&mut s, "alt-x");
    assert_eq!(s.help_query, "undo ");
}

#[test]
fn filter_that_hides_the_cursor_row_keeps_the_cursor_in_bounds() {
    let mut s = loaded(leads(60));
    press(&mut s, "G");
    press(&mut s, "/");
    type_text(&mut s, "'#1"); // #1, #10..#19
    assert_eq!(row_ids(&s).len(), 11);
    assert_cursor_visible(&s);
    type_text(&mut s, "xyz");
    assert!(row_ids(&s).is_empty());
    assert_cursor_visible(&s);
    assert!(press(&mut s, "d").is_empty(), "no row, nothing to set");
    assert!(s.queue.entries.is_empty());
}

#[test]
fn filter_by_status_as_the_help_describes() {
    let mut v = people();
    v[1].status = Status::Contacted; // Grace
    v[5].status = Status::Contacted; // Linus
    let mut s = loaded(v);
    assert_eq!(
        s.keymap.desc_for(lead_triage::app::Action::Filter),
        Some("Filter rows (text or status:new)")
    );
    press(&mut s, "/");
    type_text(&mut s, "status:contacted");
    assert_eq!(set(row_ids(&s)), set([2, 6]));
}

#[test]
fn s_cycles_sort_keys_and_shift_s_reverses() {
    let mut s = loaded(people());
    assert_eq!(s.sort, SortKey::Recency);
    assert_eq!(row_ids(&s), [1, 2, 3, 4, 5, 6, 7, 8], "server order");
    let mut seen = Vec::new();
    for _ in 0..6 {
        press(&mut s, "s");
        seen.push(s.sort);
    }
    assert_eq!(
        seen,
        [
            SortKey::SignalCount,
            SortKey::TopScore,
            SortKey::Name,
            SortKey::Company,
            SortKey::Status,
            SortKey::Recency
        ]
    );
    keys(&mut s, "s s s");
    assert_eq!(s.sort, SortKey::Name);
    assert!(!s.descending, "names go A→Z");
    // Latin, then accented Latin, Arabic, CJK (lower-cased code point order).
    assert_eq!(row_ids(&s), [1, 2, 6, 4, 5, 8, 7, 3]);
    press(&mut s, "S");
    assert!(s.descending);
    assert_eq!(row_ids(&s), [3, 7, 8, 5, 4, 6, 2, 1]);
    press(&mut s, "s");
    assert_eq!(s.sort, SortKey::Company);
    assert!(!s.descending, "a new key starts in its natural direction");
    // Recency reversed is the server order backwards.
    keys(&mut s, "s s S");
    assert_eq!(s.sort, SortKey::Recency);
    assert_eq!(row_ids(&s), [8, 7, 6, 5, 4, 3, 2, 1]);
}

#[test]
fn sorting_keeps_the_cursor_on_its_lead() {
    let mut s = loaded(people());
    keys(&mut s, "j j"); // 山田 (3)
    assert_eq!(cursor_id(&s), 3);
    keys(&mut s, "s s s"); // by name: 山田 is last
    assert_eq!(cursor_id(&s), 3);
    assert_eq!(cursor(&s), 7);
    press(&mut s, "S");
    assert_eq!((cursor(&s), cursor_id(&s)), (0, 3));
}

#[test]
fn status_sort_follows_shown_statuses() {
    let mut s = loaded(leads(4));
    keys(&mut s, "s s s s s");
    assert_eq!(s.sort, SortKey::Status);
    assert_eq!(row_ids(&s), [1, 2, 3, 4]);
    press(&mut s, "d"); // lead 1 dismissed: sorts after the new ones
    assert_eq!(row_ids(&s), [2, 3, 4, 1]);
    assert_eq!(
        cursor_id(&s),
        2,
        "the cursor moved to the next lead and stays on it"
    );
    keys(&mut s, "c");
    assert_eq!(row_ids(&s), [3, 4, 2, 1]);
}

#[test]
fn the_selection_survives_filter_sort_and_reload() {
    let mut s = loaded(people());
    keys(&mut s, "space j space"); // Ada (1), 山田 (3)
    assert_eq!(selected_ids(&s), set([1, 3]));
    press(&mut s, "/");
    type_text(&mut s, "grace");
    assert_eq!(selected_ids(&s), set([1, 3]));
    assert_eq!(s.list().visible_selected, 0);
    press(&mut s, "esc");
    assert_eq!(s.list().visible_selected, 2);
    keys(&mut s, "s s s S s");
    assert_eq!(selected_ids(&s), set([1, 3]));
    assert_eq!(s.list().visible_selected, 2);

    let fx = press(&mut s, "ctrl-r");
    assert_eq!(
        fx,
        vec![Effect::Load {
            group: GroupBy::Person,
            generation: 2
        }]
    );
    assert_eq!(s.data().load, LoadState::Loading);
    // The reload returns the same leads in another order, in two pages.
    let mut fresh = people();
    fresh.reverse();
    let second = fresh.split_off(4);
    for (leads, last) in [(fresh, false), (second, true)] {
        update(
            &mut s,
            Msg::Page {
                group: GroupBy::Person,
                generation: 2,
                leads,
                skipped: 0,
                last,
            },
        );
    }
    assert_eq!(s.data().load, LoadState::Loaded);
    assert_eq!(s.data().leads.len(), 8, "same ids: no duplicates");
    assert_eq!(row_ids(&s).len(), 8);
    assert_eq!(selected_ids(&s), set([1, 3]));
    assert_eq!(s.list().visible_selected, 2);
    press(&mut s, "d");
    assert_eq!(shown(&s, 1), Status::Dismissed);
    assert_eq!(shown(&s, 3), Status::Dismissed);
    assert_eq!(s.queue.counts.pending, 2);
}

#[test]
fn a_reload_refreshes_statuses_from_the_server() {
    let mut s = loaded(leads(3));
    press(&mut s, "ctrl-r");
    let mut fresh = leads(3);
    fresh[1].status = Status::Contacted;
    fresh[1].name = "Renamed 改名".into();
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 2,
            leads: fresh,
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(shown(&s, 2), Status::Contacted);
    assert_eq!(
        s.data().changed_elsewhere,
        HashSet::from([1]),
        "lead 2 changed on the server"
    );
    assert_eq!(
        s.toast.as_deref(),
        Some("1 lead changed elsewhere (marked ⇄)")
    );
    press(&mut s, "/");
    type_text(&mut s, "改名");
    assert_eq!(row_ids(&s), [2], "the search text is rebuilt too");
}

#[test]
fn a_reload_does_not_mark_our_own_queued_changes_as_changed_elsewhere() {
    let mut s = loaded(leads(5));
    press(&mut s, "d"); // lead 1 dismissed, not yet confirmed
    press(&mut s, "ctrl-r");
    let mut fresh = leads(5);
    fresh[0].status = Status::Dismissed; // what we queued
    fresh[2].status = Status::Contacted; // someone else
    fresh[3].status = Status::Dismissed; // someone else
    page(&mut s, GroupBy::Person, 2, fresh, true);
    assert_eq!(s.data().changed_elsewhere, HashSet::from([2, 3]));
    assert_eq!(
        s.toast.as_deref(),
        Some("2 leads changed elsewhere (marked ⇄)")
    );
    assert_eq!(shown(&s, 1), Status::Dismissed);
    assert_eq!(shown(&s, 3), Status::Contacted);
}

#[test]
fn a_queued_change_survives_a_reload_and_compares_with_the_new_server_status() {
    let mut s = loaded(leads(3));
    press(&mut s, "d"); // lead 1: new → dismissed, queued
    press(&mut s, "ctrl-r");
    let mut fresh = leads(3);
    fresh[0].status = Status::Contacted; // another rep contacted it meanwhile
    page(&mut s, GroupBy::Person, 2, fresh, true);
    // Server data never overwrites a queued change, nor is the change sent over it: it is
    // held as a conflict, the row showing Puffle's status.
    let e = &s.queue.entries[&id(1)];
    assert_eq!(
        (e.intent, e.confirmed, e.error.as_deref()),
        (Status::Dismissed, Status::Contacted, Some("conflict"))
    );
    assert_eq!(shown(&s, 1), Status::Contacted);
    // Back to `new` must now be sent: the server says contacted.
    keys(&mut s, "g n");
    let e = &s.queue.entries[&id(1)];
    assert_eq!((e.intent, e.phase), (Status::New, Phase::Pending));
    // Setting what the server already has cancels the change.
    keys(&mut s, "g c");
    assert!(s.queue.entries.is_empty());
    assert_eq!(shown(&s, 1), Status::Contacted);
}

// ── Local store: outbox writes, cache, restore ──────────────────────────────────────────────

fn page(
    s: &mut State,
    group: GroupBy,
    generation: u64,
    leads: Vec<Lead>,
    last: bool,
) -> Vec<Effect> {
    update(
        s,
        Msg::Page {
            group,
            generation,
            leads,
            skipped: 0,
            last,
        },
    )
}

/// The outbox row stored for lead `n` in `ops` (panics if it is neither a new intent nor an
/// update of one).
fn put(ops: &[OutboxOp], n: u128) -> OutboxRow {
    ops.iter()
        .find_map(|op| match op {
            OutboxOp::Put(r) | OutboxOp::Update(r) if r.id == id(n) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no put for lead {n} in {ops:?}"))
}

/// Whether `ops` writes lead `n` as a new intent (a new version in a shared store).
fn is_intent(ops: &[OutboxOp], n: u128) -> bool {
    ops.iter()
        .any(|op| matches!(op, OutboxOp::Put(r) if r.id == id(n)))
}

#[test]
fn every_queue_change_is_persisted_first_and_confirmed_ones_are_deleted() {
    let mut s = loaded(leads(3));
    let fx = press(&mut s, "d");
    assert!(matches!(fx.first(), Some(Effect::Persist(_))), "{fx:?}");
    let ops = persisted(&fx);
    assert_eq!(ops.len(), 1);
    let row = put(&ops, 1);
    assert_eq!(
        (row.group, row.status, row.confirmed, row.error.clone()),
        (GroupBy::Person, Status::Dismissed, Status::New, None)
    );
    assert_eq!(row.seq, s.queue.entries[&id(1)].seq);
    assert!(is_intent(&ops, 1), "a key press is a new intent");
    // Cutting batches changes no stored row.
    let fx = press(&mut s, "$");
    assert!(persisted(&fx).is_empty(), "{fx:?}");
    let b = sends(&fx).remove(0);
    // A newer intent made while in flight is what is stored.
    let fx = keys(&mut s, "k c");
    let row = put(&persisted(&fx), 1);
    assert_eq!(
        (row.status, row.confirmed),
        (Status::Contacted, Status::New)
    );
    assert!(is_intent(&persisted(&fx), 1));
    // The batch comes back: the stored row follows, and is written before the next send.
    let fx = update(&mut s, all_ok(&b));
    let row = put(&persisted(&fx), 1);
    assert_eq!(
        (row.status, row.confirmed),
        (Status::Contacted, Status::Dismissed)
    );
    assert!(
        !is_intent(&persisted(&fx), 1),
        "the same intent in a new state: no new version"
    );
    let p = fx.iter().position(|e| matches!(e, Effect::Persist(_)));
    let q = fx.iter().position(|e| matches!(e, Effect::Send(_)));
    assert!(
        p.is_some() && q.is_some() && p < q,
        "persist before send: {fx:?}"
    );
    let b2 = sends(&fx).remove(0);
    let fx = update(&mut s, all_ok(&b2));
    assert_eq!(
        persisted(&fx),
        [OutboxOp::Applied(id(1))],
        "confirmed: row marked applied"
    );
}

#[test]
fn refused_rows_are_stored_with_their_error_and_undone_ones_deleted() {
    let mut s = loaded(leads(4));
    keys(&mut s, "space space d");
    let b = sends(&press(&mut s, "$")).remove(0);
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Ok(outcome(&[id(1)], &[(id(2), "not_found")])),
        },
    );
    let ops = persisted(&fx);
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(ops.contains(&OutboxOp::Applied(id(1))));
    assert_eq!(put(&ops, 2).error.as_deref(), Some("not_found"));
    assert!(!is_intent(&ops, 2), "a refusal is not a new intent");
    // An unsent change that is undone leaves the outbox: a cancel back to where it was (which
    // a shared store turns into a change back if another process sent it meanwhile).
    keys(&mut s, "G c");
    let fx = press(&mut s, "u");
    match persisted(&fx).as_slice() {
        [OutboxOp::Cancel(r)] => {
            assert_eq!(
                (r.id, r.status, r.confirmed),
                (id(4), Status::New, Status::New)
            );
        }
        other => panic!("expected one cancel, got {other:?}"),
    }
    // Retrying stores the row without its error.
    let fx = keys(&mut s, "g ] r");
    assert_eq!(put(&persisted(&fx), 2).error, None);
}

#[test]
fn undo_cancels_a_change_that_was_refused() {
    let mut s = loaded(leads(3));
    keys(&mut s, "space space d"); // leads 1 and 2 dismissed in one step
    let b = sends(&press(&mut s, "$")).remove(0);
    update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Ok(outcome(&[id(1)], &[(id(2), "forbidden")])),
        },
    );
    assert_eq!(s.queue.counts.failed, 1);
    press(&mut s, "u");
    // Lead 1 goes back to new (queued); the refused dismissal of lead 2 is cancelled.
    assert_eq!(s.queue.entries[&id(1)].intent, Status::New);
    assert!(
        !s.queue.entries.contains_key(&id(2)),
        "the undone dismissal of lead 2 is still queued: {:?}",
        s.queue.entries.get(&id(2))
    );
    assert_eq!(s.queue.counts.failed, 0);
    // Nothing re-sends the dismissal the rep undid.
    let fx = press(&mut s, "R");
    assert!(
        sends(&fx).iter().all(|b| !batch_ids(b).contains(&2)),
        "{fx:?}"
    );
}

#[test]
fn only_the_last_page_saves_the_cache_per_view() {
    let mut s = new_state(Settings::default());
    update(&mut s, Msg::Resize(120, 30));
    init(&mut s);
    let fx = page(&mut s, GroupBy::Person, 1, leads(3), false);
    assert!(fx.is_empty(), "{fx:?}");
    let fx = page(&mut s, GroupBy::Person, 1, Vec::new(), true);
    assert_eq!(
        fx,
        vec![Effect::SaveCache(GroupBy::Person), Effect::TrimMemory]
    );
    press(&mut s, "p");
    let fx = page(
        &mut s,
        GroupBy::Company,
        1,
        vec![lead(50, "Acme", Status::New)],
        true,
    );
    assert_eq!(
        fx,
        vec![Effect::SaveCache(GroupBy::Company), Effect::TrimMemory]
    );
}

#[test]
fn restore_shows_the_cache_and_resends_saved_changes() {
    let mut s = new_state(Settings::default());
    update(&mut s, Msg::Resize(120, 30));
    init(&mut s);
    let outbox = vec![
        OutboxRow {
            id: id(2),
            group: GroupBy::Person,
            status: Status::Dismissed,
            confirmed: Status::New,
            error: None,
            seq: 7,
        },
        OutboxRow {
            id: id(3),
            group: GroupBy::Person,
            status: Status::Contacted,
            confirmed: Status::New,
            error: Some("not_found".into()),
            seq: 8,
        },
    ];
    let cache = vec![(
        GroupBy::Person,
        CachedLeads {
            leads: leads(4),
            saved_at: 0,
        },
        3600,
    )];
    let fx = update(
        &mut s,
        Msg::Restore {
            outbox,
            cache,
            check: true,
        },
    );
    assert_eq!(
        row_ids(&s),
        [1, 2, 3, 4],
        "the cached listing shows at once"
    );
    assert_eq!(s.data().cached_age, Some(3600));
    assert_eq!(shown(&s, 2), Status::Dismissed);
    assert_eq!(
        shown(&s, 3),
        Status::New,
        "a refused change shows the confirmed status"
    );
    assert_eq!(s.queue.entries[&id(3)].error.as_deref(), Some("not_found"));
    assert!(
        persisted(&fx).is_empty(),
        "restored rows are stored already: {fx:?}"
    );
    // Pending restored changes wait until Puffle's statuses are checked (a teammate may have
    // changed them meanwhile); the refused one is not checked, it waits for the rep.
    assert!(sends(&fx).is_empty(), "{fx:?}");
    let checks: Vec<&Effect> = fx
        .iter()
        .filter(|e| matches!(e, Effect::Check { .. }))
        .collect();
    assert_eq!(
        checks,
        [&Effect::Check {
            group: GroupBy::Person,
            ids: vec![id(2)]
        }]
    );
    let fx = update(
        &mut s,
        Msg::Observed {
            checked: vec![id(2)],
            statuses: vec![(id(2), Status::New)],
        },
    );
    let b = sends(&fx);
    assert_eq!(
        b.len(),
        1,
        "checked: pending restored changes are sent: {fx:?}"
    );
    assert_eq!(
        b[0].items,
        vec![StatusChange {
            entity_id: id(2),
            status: Status::Dismissed
        }]
    );
    assert_eq!(s.queue.counts, counts(0, 1, 1));
    assert_eq!(
        s.toast.as_deref(),
        Some("1 unsent change from the last session · 1 refused by Puffle (] shows, r retries)")
    );
    // New changes queue after the restored ones.
    keys(&mut s, "G d");
    assert!(s.queue.entries[&id(4)].seq > 8);
    // The fresh listing replaces the cache; the restored change it already shows is ours.
    let mut fresh = leads(4);
    fresh[1].status = Status::Dismissed;
    let fx = page(&mut s, GroupBy::Person, 1, fresh, true);
    assert!(fx.contains(&Effect::SaveCache(GroupBy::Person)));
    assert_eq!(s.data().cached_age, None);
    assert_eq!(s.data().load, LoadState::Loaded);
    assert!(
        s.data().changed_elsewhere.is_empty(),
        "{:?}",
        s.data().changed_elsewhere
    );
    assert_eq!(s.data().leads.len(), 4);
}

#[test]
fn load_retrying_and_load_failures_are_shown() {
    let mut s = new_state(Settings::default());
    update(&mut s, Msg::Resize(120, 30));
    init(&mut s);
    update(
        &mut s,
        Msg::LoadRetrying {
            group: GroupBy::Person,
            generation: 1,
            error: "server error".into(),
            retry_in: Duration::from_millis(2500),
        },
    );
    assert_eq!(
        s.data().load,
        LoadState::Retrying("server error; retrying in 3 s".into())
    );
    page(&mut s, GroupBy::Person, 1, leads(2), false);
    assert_eq!(
        s.data().load,
        LoadState::Loading,
        "a page ends the retrying state"
    );
    // A failure of an older load is ignored.
    update(
        &mut s,
        Msg::LoadFailed {
            group: GroupBy::Person,
            generation: 0,
            error: ApiError::Timeout,
        },
    );
    assert_eq!(s.data().load, LoadState::Loading);
    update(
        &mut s,
        Msg::LoadFailed {
            group: GroupBy::Person,
            generation: 1,
            error: ApiError::Unauthorized { message: None },
        },
    );
    assert!(matches!(s.data().load, LoadState::Failed(_)));
    assert!(s.banner.as_deref().unwrap_or("").contains("PUFFLE_API_KEY"));
    assert_eq!(row_ids(&s), [1, 2], "rows already loaded stay");
    // Esc, after everything else, dismisses the banner.
    press(&mut s, "esc");
    assert_eq!(s.banner, None);
}

// ── Views ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn p_switches_view_and_loads_the_company_view_only_once() {
    let mut s = loaded(leads(5));
    keys(&mut s, "j j space");
    let fx = press(&mut s, "p");
    assert_eq!(
        fx,
        vec![Effect::Load {
            group: GroupBy::Company,
            generation: 1
        }]
    );
    assert_eq!(s.group, GroupBy::Company);
    assert!(row_ids(&s).is_empty(), "nothing loaded yet");
    let companies: Vec<Lead> = (101..=103)
        .map(|n| lead(n, &format!("Company {n} 株式会社"), Status::New))
        .collect();
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Company,
            generation: 1,
            leads: companies,
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(row_ids(&s), [101, 102, 103]);
    assert!(
        s.list().selected.is_empty(),
        "each view has its own selection"
    );
    assert_eq!(cursor(&s), 0, "and its own cursor");
    press(&mut s, "d");
    assert_eq!(s.queue.entries[&id(101)].group, GroupBy::Company);

    let fx = press(&mut s, "p");
    assert!(fx.is_empty(), "the person view is loaded already: {fx:?}");
    assert_eq!(s.group, GroupBy::Person);
    assert_eq!(cursor(&s), 3);
    assert_eq!(selected_ids(&s), set([3]));
    let fx = press(&mut s, "p");
    assert!(fx.is_empty(), "no second load of the company view: {fx:?}");
    assert_eq!(s.group, GroupBy::Company);
    assert_eq!(shown(&s, 101), Status::Dismissed);
}

#[test]
fn company_pages_arriving_while_on_the_person_view_show_after_switching() {
    let mut s = loaded(leads(3));
    press(&mut s, "p");
    press(&mut s, "p"); // back to persons before the company page arrives
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Company,
            generation: 1,
            leads: vec![lead(201, "Acme 🐧", Status::Contacted)],
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(row_ids(&s), [1, 2, 3], "the person rows are untouched");
    press(&mut s, "p");
    assert_eq!(row_ids(&s), [201]);
}

// ── Quit ────────────────────────────────────────────────────────────────────────────────────

#[test]
fn q_with_nothing_unsent_quits_at_once() {
    let mut s = loaded(leads(3));
    assert_eq!(press(&mut s, "q"), vec![Effect::Quit]);
    assert!(s.quit);
    let mut s = loaded(leads(3));
    assert_eq!(press(&mut s, "ctrl-c"), vec![Effect::Quit]);
}

#[test]
fn q_with_unsent_changes_asks_n_stays_y_quits() {
    let mut s = loaded(leads(3));
    press(&mut s, "d");
    let fx = press(&mut s, "q");
    assert!(fx.is_empty());
    assert_eq!(s.mode, Mode::ConfirmQuit);
    // Other keys do nothing while asking.
    assert!(keys(&mut s, "j d $").is_empty());
    assert_eq!(s.mode, Mode::ConfirmQuit);
    assert_eq!(cursor(&s), 1);
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    let fx = press(&mut s, "n");
    assert!(fx.is_empty());
    assert_eq!(s.mode, Mode::Normal);
    assert!(!s.quit);
    assert_eq!(
        s.queue.counts.pending, 1,
        "`n` kept the change and did not set a status"
    );
    press(&mut s, "q");
    assert_eq!(press(&mut s, "y"), vec![Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn confirm_quit_s_sends_then_quits_once_idle() {
    let mut s = loaded_with(with_concurrency(1), leads(250));
    keys(&mut s, "ctrl-a c");
    press(&mut s, "q");
    assert_eq!(s.mode, Mode::ConfirmQuit);
    let fx = press(&mut s, "s");
    let b = sends(&fx);
    assert_eq!(b.len(), 1);
    assert!(!fx.contains(&Effect::Quit));
    assert!(!s.quit);
    assert_eq!(s.mode, Mode::Normal);
    // First batch back: 50 still pending → the next batch, no quit yet.
    let fx = update(&mut s, all_ok(&b[0]));
    assert!(!fx.contains(&Effect::Quit), "{fx:?}");
    let b2 = sends(&fx);
    assert_eq!(b2.len(), 1);
    assert_eq!(b2[0].items.len(), 50);
    // Ticks while waiting do not quit.
    assert!(update(&mut s, Msg::Tick(Duration::from_secs(1))).is_empty());
    let fx = update(&mut s, all_ok(&b2[0]));
    assert_eq!(core(&fx), [&Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn confirm_quit_s_retries_failed_changes_too() {
    let mut s = with_one_refused();
    press(&mut s, "q");
    assert_eq!(s.mode, Mode::ConfirmQuit);
    let fx = press(&mut s, "s");
    let b = sends(&fx);
    assert_eq!(b.len(), 1);
    assert_eq!(batch_ids(&b[0]), set([2]));
    let fx = update(&mut s, all_ok(&b[0]));
    assert_eq!(core(&fx), [&Effect::Quit]);
}

// ── Pages ───────────────────────────────────────────────────────────────────────────────────

#[test]
fn pages_arrive_one_by_one_and_the_cursor_stays_on_its_lead() {
    let mut s = new_state(Settings::default());
    update(&mut s, Msg::Resize(120, 30));
    let fx = init(&mut s);
    assert_eq!(
        fx,
        vec![Effect::Load {
            group: GroupBy::Person,
            generation: 1
        }]
    );
    assert_eq!(s.data().load, LoadState::Loading);
    assert!(row_ids(&s).is_empty());
    let page = |n: std::ops::RangeInclusive<u128>, prefix: &str| -> Vec<Lead> {
        n.map(|i| lead(i, &format!("{prefix} {i:03}"), Status::New))
            .collect()
    };
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 1,
            leads: page(1..=30, "Mia"),
            skipped: 0,
            last: false,
        },
    );
    assert_eq!(row_ids(&s).len(), 30, "rows show after the first page");
    assert_eq!(s.data().load, LoadState::Loading);
    keys(&mut s, "j j j space");
    assert_eq!(cursor_id(&s), 5);
    // Sort by name; the next page holds names that sort before the cursor's.
    keys(&mut s, "s s s");
    assert_eq!(s.sort, SortKey::Name);
    assert_eq!(cursor_id(&s), 5);
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 1,
            leads: page(31..=60, "Ann"),
            skipped: 0,
            last: false,
        },
    );
    assert_eq!(row_ids(&s).len(), 60);
    assert_eq!(cursor_id(&s), 5, "the cursor stayed on its lead");
    assert_eq!(cursor(&s), 34);
    assert_cursor_visible(&s);
    assert_eq!(selected_ids(&s), set([4]));
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 1,
            leads: page(61..=70, "Zed"),
            skipped: 3,
            last: true,
        },
    );
    assert_eq!(row_ids(&s).len(), 70);
    assert_eq!(cursor_id(&s), 5);
    assert_eq!(s.data().load, LoadState::Loaded);
    let toast = s.toast.clone().unwrap_or_default();
    assert!(toast.contains('3'), "skipped rows are reported: {toast}");
}

/// The ids a `CheckScreen` asks about, if `fx` holds one.
fn screen_check(fx: &[Effect]) -> Option<Vec<Uuid>> {
    fx.iter().find_map(|e| match e {
        Effect::CheckScreen { ids, .. } => Some(ids.clone()),
        _ => None,
    })
}

#[test]
fn a_refresh_checks_the_rows_on_screen_it_has_not_listed_one_screen_at_a_time() {
    let mut s = loaded(leads(500));
    // A reload starts at the top, which its first page brings: no extra request.
    let fx = press(&mut s, "ctrl-r");
    assert_eq!(screen_check(&fx), None, "{fx:?}");
    // A jump to the bottom asks for exactly the rows now on screen.
    let fx = press(&mut s, "G");
    let window = s.layout().window(s.list());
    let on_screen: Vec<Uuid> = s.list().rows[window]
        .iter()
        .map(|&i| s.data().leads[i as usize].id)
        .collect();
    assert_eq!(screen_check(&fx), Some(on_screen.clone()));
    // While that check is out, moving on asks nothing more.
    let fx = press(&mut s, "pgup");
    assert_eq!(screen_check(&fx), None);
    // Its answer lets the next check go: the screen the rep is on now.
    let generation = s.data().generation;
    let fx = update(
        &mut s,
        Msg::ScreenStatuses {
            group: GroupBy::Person,
            generation,
            statuses: vec![(on_screen[0], Status::Dismissed)],
        },
    );
    let next = screen_check(&fx).expect("the screen moved to checks next");
    assert!(next.iter().all(|id| !on_screen.contains(id)));
    assert_eq!(
        s.data().leads[s.data().by_id[&on_screen[0]] as usize].status,
        Status::Dismissed,
        "the answer is shown"
    );
    // Rows a page already brought are not asked about again.
    let fx = update(
        &mut s,
        Msg::ScreenStatuses {
            group: GroupBy::Person,
            generation,
            statuses: Vec::new(),
        },
    );
    assert_eq!(screen_check(&fx), None);
    let fx = press(&mut s, "G");
    assert_eq!(screen_check(&fx), None, "the bottom was checked already");
    // Once the load is over, nothing is checked.
    let mut running = loaded(leads(500));
    press(&mut running, "ctrl-r");
    press(&mut running, "G");
    let generation = running.data().generation;
    update(
        &mut running,
        Msg::ScreenStatuses {
            group: GroupBy::Person,
            generation,
            statuses: Vec::new(),
        },
    );
    assert!(
        screen_check(&press(&mut running, "pgup")).is_some(),
        "a screen never looked at is checked while the load runs"
    );
    let generation = s.data().generation;
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation,
            leads: Vec::new(),
            skipped: 0,
            last: true,
        },
    );
    // (A screen never looked at, far from the top: checked while a load runs.)
    let fx = press(&mut s, "pgup");
    let fx2 = press(&mut s, "pgup");
    assert_eq!(screen_check(&fx), None);
    assert_eq!(screen_check(&fx2), None);
}

#[test]
fn pages_of_an_older_generation_are_ignored() {
    let mut s = loaded(leads(3));
    let fx = press(&mut s, "ctrl-r");
    assert_eq!(
        fx,
        vec![Effect::Load {
            group: GroupBy::Person,
            generation: 2
        }]
    );
    // A late page of the first load.
    let fx = update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 1,
            leads: vec![lead(99, "Stale 幽霊", Status::Dismissed)],
            skipped: 5,
            last: true,
        },
    );
    assert!(fx.is_empty());
    assert!(!s.data().by_id.contains_key(&id(99)));
    assert_eq!(row_ids(&s), [1, 2, 3]);
    assert_eq!(
        s.data().load,
        LoadState::Loading,
        "still waiting for generation 2"
    );
    assert_ne!(
        s.toast.as_deref(),
        Some("5 rows without a usable id were left out")
    );
    // A page of the current generation is taken.
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation: 2,
            leads: vec![lead(4, "Fresh", Status::New)],
            skipped: 0,
            last: true,
        },
    );
    assert_eq!(row_ids(&s), [1, 2, 3, 4]);
    assert_eq!(s.data().load, LoadState::Loaded);
}

// ── Model-based check over random key sequences ─────────────────────────────────────────────

mod random {
    use super::*;
    use proptest::prelude::*;

    const TOKENS: &[&str] = &[
        "j",
        "k",
        "g",
        "G",
        "ctrl-d",
        "ctrl-u",
        "pgdn",
        "pgup",
        "space",
        "x",
        "v",
        "J",
        "K",
        "shift-down",
        "ctrl-a",
        "* i",
        "* n",
        "* 1",
        "* 2",
        "esc",
        "n",
        "c",
        "d",
        "1",
        "3",
        "u",
        "U",
        "s",
        "S",
        "/ a enter",
        "/ 3 enter",
        "/ backspace",
        "$",
        "? j esc",
        "]",
        "r",
        "R",
        "p",
        "ACK",
        "REFUSE",
        "FAIL",
        "RETRY",
    ];

    /// Check the invariants of the view and the queue.
    fn check(s: &State, in_flight: &VecDeque<Batch>) {
        assert_cursor_visible(s);
        let l = s.list();
        let actual = l.rows.iter().filter(|i| l.selected.contains(i)).count();
        assert_eq!(l.visible_selected, actual, "visible_selected is stale");
        let unique: HashSet<u32> = l.rows.iter().copied().collect();
        assert_eq!(unique.len(), l.rows.len(), "duplicate rows");
        assert!(
            l.selected
                .iter()
                .all(|&i| (i as usize) < s.data().leads.len()),
            "the selection holds only known leads"
        );
        if let Some(r) = l.range {
            assert!(l.rows.contains(&r.anchor), "range anchor not visible");
        }
        let mut c = counts(0, 0, 0);
        for e in s.queue.entries.values() {
            match e.phase {
                Phase::Pending => c.pending += 1,
                Phase::Sending(_) => c.sending += 1,
                Phase::Failed => c.failed += 1,
            }
            assert!(e.intent != Status::Unknown);
        }
        assert_eq!(s.queue.counts, c, "counts are stale");
        // No lead in two batches at once, and every in-flight lead is marked sending.
        let mut seen = HashSet::new();
        for b in in_flight {
            assert!(b.items.len() <= 200);
            for item in &b.items {
                assert!(
                    seen.insert(item.entity_id),
                    "{} in two batches",
                    item.entity_id
                );
                assert_eq!(
                    s.queue.entries.get(&item.entity_id).map(|e| e.phase),
                    Some(Phase::Sending(b.id))
                );
            }
        }
        assert!(in_flight.len() <= s.settings.concurrency);
    }

    fn run(s: &mut State, token: &str, in_flight: &mut VecDeque<Batch>) -> Vec<Effect> {
        match token {
            "ACK" | "REFUSE" | "FAIL" => {
                let Some(b) = in_flight.pop_front() else {
                    return Vec::new();
                };
                let ids: Vec<Uuid> = b.items.iter().map(|i| i.entity_id).collect();
                let result = match token {
                    "ACK" => Ok(outcome(&ids, &[])),
                    "REFUSE" => Ok(outcome(&ids[1..], &[(ids[0], "not_found")])),
                    _ => Err(ApiError::Server {
                        status: 502,
                        message: None,
                        retry_after: None,
                    }),
                };
                update(
                    s,
                    Msg::BatchDone {
                        batch: b.id,
                        result,
                    },
                )
            }
            "RETRY" => update(s, Msg::RetryDue),
            other => keys(s, other),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn invariants_hold_and_the_server_ends_with_what_was_shown(
            seq in proptest::collection::vec(proptest::sample::select(TOKENS), 1..80),
        ) {
            let mut v = leads(70);
            for (i, l) in v.iter_mut().enumerate() {
                l.status = STATUSES[i % 3];
            }
            let mut s = loaded_with(with_concurrency(2), v);
            let mut in_flight: VecDeque<Batch> = VecDeque::new();
            for token in &seq {
                let fx = run(&mut s, token, &mut in_flight);
                prop_assert!(!fx.contains(&Effect::Quit), "{token} quit");
                in_flight.extend(sends(&fx));
                check(&s, &in_flight);
            }
            // Drain: the server accepts everything from now on.
            let person = &s.data[0];
            let want: Vec<(Uuid, Status)> = person
                .leads
                .iter()
                .map(|l| (l.id, s.queue.shown(&l.id, l.status)))
                .collect();
            let mut rounds = 0;
            loop {
                rounds += 1;
                prop_assert!(rounds < 100, "the queue never drains");
                let mut fx = update(&mut s, Msg::RetryDue);
                fx.extend(update(&mut s, Msg::FlushDue));
                in_flight.extend(sends(&fx));
                let Some(b) = in_flight.pop_front() else { break };
                let fx = update(&mut s, all_ok(&b));
                in_flight.extend(sends(&fx));
                check(&s, &in_flight);
            }
            prop_assert_eq!(s.queue.counts.pending, 0);
            prop_assert_eq!(s.queue.counts.sending, 0);
            let person = &s.data[0];
            for (lead_id, status) in want {
                let i = person.by_id[&lead_id] as usize;
                prop_assert_eq!(
                    s.queue.shown(&lead_id, person.leads[i].status),
                    status,
                    "the shown status changed while draining"
                );
                if !s.queue.entries.contains_key(&lead_id) {
                    prop_assert_eq!(person.leads[i].status, status, "not what was shown");
                }
            }
        }
    }
}

// ── Detail pane, help filter, mouse ─────────────────────────────────────────────────────────

#[test]
fn enter_opens_the_detail_pane_and_loads_its_signals() {
    let mut s = loaded(leads(10));
    keys(&mut s, "j");
    let fx = press(&mut s, "enter");
    let row = |s: &State, k: usize| s.data().leads[s.list().rows[k] as usize].id;
    let want = row(&s, 1);
    // The lead being read, then the three below it (the default prefetch), once each.
    let asked: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::LoadSignals { group, id } => Some((*group, *id)),
            _ => None,
        })
        .collect();
    let ahead: Vec<_> = (1..=4).map(|k| (GroupBy::Person, row(&s, k))).collect();
    assert_eq!(asked, ahead);
    assert!(s.pane.is_some());
    assert_eq!(
        s.mode,
        Mode::Normal,
        "the pane is not a mode: list keys work"
    );
    // A late answer for another lead changes nothing; the right one fills the pane.
    update(
        &mut s,
        Msg::Signals {
            id: id(999),
            result: Ok(vec![]),
            fetched_at: 0,
            cached: false,
        },
    );
    assert_eq!(s.signals.get(&want), Some(&SignalsEntry::Loading));
    let fx = update(
        &mut s,
        Msg::Signals {
            id: want,
            result: Err(ApiError::Timeout),
            fetched_at: 0,
            cached: false,
        },
    );
    assert!(matches!(
        s.signals.get(&want),
        Some(SignalsEntry::Failed { .. })
    ));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::LoadSignals { .. })),
        "a failure is not retried at once: {fx:?}"
    );
    press(&mut s, "esc");
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.pane.is_none());
    assert_eq!(cursor(&s), 1, "the cursor did not move");
}

#[test]
fn the_pane_follows_the_cursor_fetches_each_lead_once_and_prefetches_only_ahead() {
    let mut s = loaded(leads(30));
    s.settings.prefetch = 2;
    let row = |s: &State, k: usize| s.data().leads[s.list().rows[k] as usize].id;
    let mut asked = Vec::new();
    let take = |fx: Vec<Effect>, asked: &mut Vec<uuid::Uuid>| {
        for e in fx {
            if let Effect::LoadSignals { id, .. } = e {
                asked.push(id);
            }
        }
    };
    take(press(&mut s, "enter"), &mut asked);
    for _ in 0..10 {
        take(press(&mut s, "j"), &mut asked);
    }
    for _ in 0..10 {
        take(press(&mut s, "k"), &mut asked);
    }
    // Rows 0..=12: the ten stepped to plus two ahead of the last; nothing twice, nothing
    // further down, even though no answer arrived (a fetch in flight is not repeated).
    let want: Vec<_> = (0..=12).map(|k| row(&s, k)).collect();
    assert_eq!(asked, want);
    // An answer is kept: reading the lead again later asks nothing.
    let first = row(&s, 0);
    update(
        &mut s,
        Msg::Signals {
            id: first,
            result: Ok(vec![]),
            fetched_at: 0,
            cached: false,
        },
    );
    press(&mut s, "esc");
    let fx = press(&mut s, "enter");
    assert!(
        !fx.iter()
            .any(|e| matches!(e, Effect::LoadSignals { id, .. } if *id == first))
    );
    // Once stale, it is fetched again (the old copy stays on screen meanwhile).
    let later = s.settings.signals_fresh + Duration::from_secs(1);
    let fx = update(&mut s, Msg::Tick(later));
    assert!(fx.contains(&Effect::LoadSignals {
        group: GroupBy::Person,
        id: first
    }));
    assert!(matches!(
        s.signals.get(&first),
        Some(SignalsEntry::Loaded {
            refreshing: true,
            ..
        })
    ));
}

#[test]
fn in_the_pane_status_keys_act_and_advance_and_the_pane_keys_scroll_it() {
    let mut s = loaded(leads(10));
    press(&mut s, "enter");
    keys(&mut s, "d d d");
    for k in 0..3 {
        let lead = &s.data().leads[s.list().rows[k] as usize];
        assert_eq!(
            s.queue.shown(&lead.id, lead.status),
            Status::Dismissed,
            "row {k}"
        );
    }
    assert_eq!(cursor(&s), 3, "the pane shows the fourth lead");
    assert_eq!(
        s.pane.as_ref().unwrap().lead,
        Some(s.data().leads[s.list().rows[3] as usize].id)
    );
    keys(&mut s, "k c");
    let third = &s.data().leads[s.list().rows[2] as usize];
    assert_eq!(s.queue.shown(&third.id, third.status), Status::Contacted);
    // `/` filters with the pane open; `?` opens the help over it.
    press(&mut s, "/");
    assert_eq!(s.mode, Mode::Filter);
    press(&mut s, "esc");
    press(&mut s, "?");
    assert!(matches!(s.mode, Mode::Help { .. }));
    press(&mut s, "esc");
    assert!(s.pane.is_some());
    // With auto_advance off the cursor stays.
    s.settings.auto_advance = false;
    let at = cursor(&s);
    press(&mut s, "n");
    assert_eq!(cursor(&s), at);
}

#[test]
fn the_pane_opens_and_copies_the_current_signals_address_and_never_a_hostile_one() {
    let mut s = loaded(leads(3));
    let lead = s.cursor_lead().unwrap().id;
    press(&mut s, "enter");
    let signal = |n: u8, url: &str| lead_triage::api::model::Signal {
        id: format!("s{n}"),
        title: Some(format!("signal {n}")),
        url: Some(url.into()),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Signals {
            id: lead,
            result: Ok(vec![
                signal(1, "https://x.com/a/status/1"),
                signal(2, "https://www.linkedin.com/posts/2"),
                signal(3, "javascript:alert(1)"),
            ]),
            fetched_at: 0,
            cached: false,
        },
    );
    assert_eq!(
        press(&mut s, "O"),
        vec![Effect::Open("https://x.com/a/status/1".into())]
    );
    // Tab: the next signal is the one the keys act on.
    press(&mut s, "tab");
    assert_eq!(
        press(&mut s, "L"),
        vec![Effect::Copy("https://www.linkedin.com/posts/2".into())]
    );
    press(&mut s, "tab");
    assert!(
        press(&mut s, "O").is_empty(),
        "only web addresses are opened"
    );
    assert_eq!(s.toast.as_deref(), Some("this signal has no web address"));
    // The list kept its cursor: these keys belong to the pane.
    assert_eq!(cursor(&s), 0);
}

#[test]
fn a_failed_fetch_shows_in_the_pane_and_the_keys_still_work() {
    let mut s = loaded(leads(5));
    let first = s.cursor_lead().unwrap().id;
    press(&mut s, "enter");
    update(
        &mut s,
        Msg::Signals {
            id: first,
            result: Err(ApiError::Timeout),
            fetched_at: 0,
            cached: false,
        },
    );
    let theme = lead_triage::ui::theme::Theme {
        color: false,
        palette: s.settings.palette,
    };
    let text: Vec<String> = lead_triage::ui::detail::lines(&s, 80, &theme)
        .iter()
        .map(|l| l.spans.iter().map(|sp| sp.content.as_ref()).collect())
        .collect();
    assert!(
        text.iter().any(|l| l.starts_with("could not load: ")),
        "{text:?}"
    );
    // The keys never wait for it: the next lead is shown, loading.
    press(&mut s, "j");
    assert_eq!(cursor(&s), 1);
    let second = s.cursor_lead().unwrap().id;
    assert_eq!(s.signals.get(&second), Some(&SignalsEntry::Loading));
}

#[test]
fn esc_then_a_key_arriving_as_alt_is_not_lost() {
    let mut s = loaded(leads(5));
    press(&mut s, "enter");
    // tmux sends Esc quickly followed by d as Alt-d: the pane closes, then d dismisses.
    press(&mut s, "alt-d");
    assert!(s.pane.is_none());
    let first = &s.data().leads[s.list().rows[0] as usize];
    assert_eq!(s.queue.shown(&first.id, first.status), Status::Dismissed);
}

#[test]
fn the_help_overlay_can_be_filtered() {
    let mut s = loaded(leads(3));
    keys(&mut s, "? /");
    assert!(s.help_typing);
    type_text(&mut s, "dis");
    assert_eq!(s.help_query, "dis");
    assert!(matches!(s.mode, Mode::Help { .. }), "typing stays in help");
    press(&mut s, "enter");
    assert!(!s.help_typing);
    press(&mut s, "esc");
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.help_query.is_empty(), "closing clears the filter");
}

#[test]
fn a_toast_goes_away_by_itself_and_a_new_one_starts_its_own_time() {
    use lead_triage::app::state::TOAST_TTL;
    let mut s = loaded(leads(5));
    update(&mut s, Msg::Tick(Duration::from_secs(10)));
    press(&mut s, "u"); // "nothing to undo"
    assert_eq!(s.toast.as_deref(), Some("nothing to undo"));
    assert_eq!(s.toast_expires(), Some(Duration::from_secs(10) + TOAST_TTL));
    update(&mut s, Msg::Tick(Duration::from_secs(10) + TOAST_TTL / 2));
    assert!(s.toast.is_some(), "still there halfway");
    press(&mut s, "U"); // a different toast restarts the clock
    update(&mut s, Msg::Tick(Duration::from_secs(10) + TOAST_TTL));
    assert_eq!(s.toast.as_deref(), Some("nothing to redo"));
    update(&mut s, Msg::Tick(Duration::from_secs(10) + TOAST_TTL * 2));
    assert_eq!(s.toast, None, "gone once its time is up");
    assert_eq!(s.toast_expires(), None);
}

#[test]
fn help_scrolling_is_bounded_and_g_shift_g_jump_to_its_ends() {
    let mut s = loaded(leads(3));
    update(&mut s, Msg::Resize(100, 16));
    press(&mut s, "?");
    let max = s.help_max_scroll();
    assert!(max > 0, "the whole keymap does not fit in 16 lines");
    press(&mut s, "G");
    assert_eq!(s.mode, Mode::Help { scroll: max });
    press(&mut s, "j");
    assert_eq!(s.mode, Mode::Help { scroll: max }, "j at the end stays");
    press(&mut s, "k");
    assert_eq!(s.mode, Mode::Help { scroll: max - 1 }, "k moves at once");
    press(&mut s, "g");
    assert_eq!(s.mode, Mode::Help { scroll: 0 });
    press(&mut s, "ctrl-d");
    assert!(matches!(s.mode, Mode::Help { scroll } if scroll > 0));
    press(&mut s, "end");
    assert_eq!(s.mode, Mode::Help { scroll: max });
    // A filter that leaves a few lines needs no scrolling.
    keys(&mut s, "/");
    type_text(&mut s, "undo");
    assert_eq!(s.help_max_scroll(), 0);
}

#[test]
fn undo_and_redo_put_the_cursor_on_the_changed_row_and_log_it() {
    let mut s = loaded(leads(20));
    keys(&mut s, "j j d"); // lead 3 dismissed, cursor moves on to 4
    keys(&mut s, "G");
    press(&mut s, "u");
    assert_eq!(cursor_id(&s), 3, "the cursor goes back to the undone row");
    keys(&mut s, "g");
    press(&mut s, "U");
    assert_eq!(cursor_id(&s), 3);
    let log: Vec<&str> = s.sync_log[&id(3)].iter().map(|(_, l)| l.as_str()).collect();
    assert!(log.iter().any(|l| l.ends_with("(undo)")), "{log:?}");
    assert!(log.iter().any(|l| l.ends_with("(redo)")), "{log:?}");
}

#[test]
fn mouse_wheel_scrolls_clicks_move_and_the_mark_column_toggles() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut s = loaded(leads(60));
    let at = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut s, at(MouseEventKind::ScrollDown, 10, 10));
    assert_eq!(cursor(&s), 3);
    update(&mut s, at(MouseEventKind::ScrollUp, 10, 10));
    assert_eq!(cursor(&s), 0);
    update(&mut s, at(MouseEventKind::Down(MouseButton::Left), 20, 7));
    assert_eq!(cursor(&s), 5, "line 7 is the sixth row");
    update(&mut s, at(MouseEventKind::Down(MouseButton::Left), 0, 4));
    assert_eq!(cursor(&s), 5, "a click in the mark column does not move");
    assert!(s.list().selected.contains(&s.list().rows[2]));
    assert_eq!(s.list().visible_selected, 1);
    update(&mut s, at(MouseEventKind::Down(MouseButton::Left), 0, 4));
    assert!(s.list().selected.is_empty());
    // Clicks on the header or below the rows do nothing.
    update(&mut s, at(MouseEventKind::Down(MouseButton::Left), 20, 0));
    assert_eq!(cursor(&s), 5);
}

// ---- Stricter and sloppier servers (issue: every change lands exactly as meant) ----

#[test]
fn ids_left_out_of_answers_back_off_growing_then_fail_as_not_acknowledged() {
    let mut s = loaded(leads(2));
    keys(&mut s, "d d");
    let mut b = sends(&press(&mut s, "$")).remove(0);
    let mut delays = Vec::new();
    for _ in 0..lead_triage::app::queue::MAX_UNACKED {
        // The server answers 200 but names neither lead.
        let fx = update(
            &mut s,
            Msg::BatchDone {
                batch: b.id,
                result: Ok(outcome(&[], &[])),
            },
        );
        match retry_delays(&fx).first() {
            Some(d) => {
                delays.push(*d);
                assert!(
                    sends(&update(&mut s, Msg::FlushDue)).is_empty(),
                    "no send before the retry is due"
                );
                b = sends(&update(&mut s, Msg::RetryDue)).remove(0);
            }
            None => break,
        }
    }
    // Each wait is drawn from a ceiling twice the last one's: they grow.
    assert_eq!(
        delays.len() as u32,
        lead_triage::app::queue::MAX_UNACKED - 1
    );
    for (n, d) in delays.iter().enumerate() {
        let ceiling = Duration::from_millis(500) * 2u32.pow(n as u32);
        assert!(*d >= ceiling / 2 && *d <= ceiling, "attempt {n}: {d:?}");
    }
    assert_eq!(s.queue.counts, counts(0, 0, 2));
    for n in [1, 2] {
        assert_eq!(
            s.queue.entries[&id(n)].error.as_deref(),
            Some("not_acknowledged")
        );
        assert_eq!(
            shown(&s, n),
            Status::New,
            "a failed row shows the confirmed status"
        );
    }
}

#[test]
fn ids_echoed_in_upper_case_confirm_the_leads() {
    let mut s = loaded(leads(3));
    keys(&mut s, "d d");
    let b = sends(&press(&mut s, "$")).remove(0);
    let upper = PatchOutcome {
        updated: b
            .items
            .iter()
            .map(|i| i.entity_id.to_string().to_uppercase())
            .collect(),
        errors: Vec::new(),
    };
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Ok(upper),
        },
    );
    assert!(retry_delays(&fx).is_empty(), "nothing was left out");
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    assert_eq!(confirmed(&s, 1), Status::Dismissed);
    assert_eq!(confirmed(&s, 2), Status::Dismissed);
}

#[test]
fn a_413_halves_the_batch_for_the_session_and_every_item_still_goes() {
    let mut s = loaded(leads(300));
    press(&mut s, "ctrl-a");
    let first = sends(&press(&mut s, "d"));
    let first = if first.is_empty() {
        sends(&press(&mut s, "$"))
    } else {
        first
    };
    assert_eq!(
        first.iter().map(|b| b.items.len()).collect::<Vec<_>>(),
        [200, 100]
    );
    // The server refuses the 200-item body as too large, accepts the 100.
    let fx = update(
        &mut s,
        Msg::BatchDone {
            batch: first[0].id,
            result: Err(ApiError::PayloadTooLarge { message: None }),
        },
    );
    assert!(
        retry_delays(&fx).is_empty(),
        "a smaller request needs no wait"
    );
    let halves = sends(&fx);
    update(&mut s, all_ok(&first[1]));
    assert_eq!(s.queue.batch_size, 100, "remembered for the session");
    let mut all: BTreeSet<u128> = BTreeSet::new();
    for b in &halves {
        assert!(b.items.len() <= 100);
        all.extend(batch_ids(b));
    }
    let mut more = Vec::new();
    for b in &halves {
        more.extend(sends(&update(&mut s, all_ok(b))));
    }
    for b in &more {
        all.extend(batch_ids(b));
        update(&mut s, all_ok(b));
    }
    assert_eq!(
        all,
        batch_ids(&first[0]),
        "every item of the refused batch was sent again"
    );
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    // Later batches use the smaller size.
    keys(&mut s, "g c c c");
    press(&mut s, "ctrl-a");
    let later = sends(&press(&mut s, "n"));
    let later = if later.is_empty() {
        sends(&press(&mut s, "$"))
    } else {
        later
    };
    assert!(
        later.iter().all(|b| b.items.len() <= 100),
        "{:?}",
        later.iter().map(|b| b.items.len()).collect::<Vec<_>>()
    );
}

#[test]
fn a_whole_batch_400_is_split_until_only_the_invalid_item_fails() {
    let mut s = loaded(leads(16));
    press(&mut s, "ctrl-a");
    press(&mut s, "d");
    let mut pending = sends(&press(&mut s, "$"));
    let bad = id(7);
    let mut requests = 0;
    while let Some(b) = pending.pop() {
        requests += 1;
        assert!(requests < 64, "splitting must end");
        let result = if b.items.iter().any(|i| i.entity_id == bad) {
            Err(ApiError::Invalid {
                status: 400,
                code: "invalid_request".into(),
                message: Some(format!("items[3].entityId {bad} is invalid")),
            })
        } else {
            Ok(outcome(
                &b.items.iter().map(|i| i.entity_id).collect::<Vec<_>>(),
                &[],
            ))
        };
        let fx = update(
            &mut s,
            Msg::BatchDone {
                batch: b.id,
                result,
            },
        );
        pending.extend(sends(&fx));
    }
    assert_eq!(
        s.queue.counts,
        counts(0, 0, 1),
        "only the invalid item failed"
    );
    assert_eq!(
        s.queue.entries[&bad].error.as_deref(),
        Some("invalid_request")
    );
    for n in 1..=16u128 {
        if id(n) != bad {
            assert_eq!(confirmed(&s, n), Status::Dismissed, "lead {n}");
        }
    }
    // 1 + 2 + 2 + 2 + 2: the halves that hold the bad item, and their siblings.
    assert_eq!(requests, 9);
}

#[test]
fn a_teammate_change_seen_at_refresh_holds_the_queued_change_as_a_conflict() {
    let mut s = loaded(leads(3));
    keys(&mut s, "d d");
    assert_eq!(s.queue.counts, counts(2, 0, 0));
    // Before anything is sent, a refresh shows lead 1 contacted (a teammate) and lead 2
    // dismissed (already what we want).
    let generation = s.data().generation;
    update(
        &mut s,
        Msg::Statuses {
            group: GroupBy::Person,
            generation,
            statuses: vec![(id(1), Status::Contacted), (id(2), Status::Dismissed)],
        },
    );
    let e = &s.queue.entries[&id(1)];
    assert_eq!(e.error.as_deref(), Some(lead_triage::app::queue::CONFLICT));
    assert_eq!(
        (e.intent, e.confirmed),
        (Status::Dismissed, Status::Contacted)
    );
    assert!(
        !s.queue.entries.contains_key(&id(2)),
        "nothing left to send for lead 2"
    );
    assert_eq!(s.queue.counts, counts(0, 0, 1));
    assert!(s.toast.as_deref().unwrap().contains("conflict"));
    assert_eq!(
        shown(&s, 1),
        Status::Contacted,
        "the row shows Puffle's status"
    );
    // Held: nothing is sent.
    assert!(sends(&press(&mut s, "$")).is_empty());
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    // `r` keeps ours: sent over the teammate's status.
    keys(&mut s, "g");
    let b = sends(&press(&mut s, "r"));
    assert_eq!(b.len(), 1);
    assert_eq!(
        b[0].items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::Dismissed
        }]
    );
}

#[test]
fn take_theirs_drops_the_conflicting_change_for_the_selection() {
    let mut s = loaded(leads(3));
    keys(&mut s, "d d d");
    update(
        &mut s,
        Msg::Observed {
            checked: vec![id(1), id(3)],
            statuses: vec![(id(1), Status::Contacted), (id(3), Status::Contacted)],
        },
    );
    // Checked statuses release the rest for sending: lead 2 goes.
    assert_eq!(s.queue.counts, counts(0, 1, 2));
    press(&mut s, "ctrl-a");
    let fx = press(&mut s, "T");
    assert!(sends(&fx).is_empty());
    assert!(!s.queue.entries.contains_key(&id(1)));
    assert!(!s.queue.entries.contains_key(&id(3)));
    assert_eq!(
        s.queue.counts,
        counts(0, 1, 0),
        "lead 2 had no conflict and is on its way"
    );
    assert!(s.toast.as_deref().unwrap().contains("2 conflicts resolved"));
    assert_eq!(shown(&s, 1), Status::Contacted);
    // The outbox follows: the two rows leave it.
    let ops = persisted(&fx);
    assert_eq!(ops.len(), 2, "{ops:?}");
}

#[test]
fn batches_whose_leads_were_all_applied_elsewhere_free_their_slots_for_the_rest() {
    // One batch in flight at a time, so the second batch waits for the first's slot.
    let mut s = loaded_with(with_concurrency(1), leads(300));
    press(&mut s, "ctrl-a");
    press(&mut s, "d");
    let first = sends(&press(&mut s, "$"));
    assert_eq!(first.len(), 1);
    // Claiming found every lead already applied by another process: nothing is sent for it...
    let claims: Vec<(Uuid, lead_triage::store::Claim)> = first[0]
        .items
        .iter()
        .map(|i| {
            (
                i.entity_id,
                lead_triage::store::Claim::Applied(Status::Dismissed),
            )
        })
        .collect();
    let fx = update(
        &mut s,
        Msg::Claimed {
            batch: first[0].id,
            claims,
        },
    );
    // ...and the freed slot goes to the remaining 100 at once.
    let next = sends(&fx);
    assert_eq!(next.len(), 1, "{fx:?}");
    assert_eq!(next[0].items.len(), 100);
    assert_eq!(s.queue.counts, counts(0, 100, 0));
}

/// `.` sets the last status key's status again, on the row or the selection it now acts on;
/// before any status key it says there is nothing to repeat, and undo takes a repeat back.
#[test]
fn dot_repeats_the_last_status_key_on_the_row_or_the_selection() {
    let mut s = loaded(leads(8));
    let cursor = |s: &State| s.cursor_lead().expect("a row").id;
    let shown_id = |s: &State, id: Uuid| {
        let i = s.data().by_id[&id];
        s.shown_status(&s.data().leads[i as usize])
    };
    press(&mut s, ".");
    assert_eq!(s.queue.counts.pending, 0, "nothing was repeated");
    assert!(
        s.toast
            .as_deref()
            .is_some_and(|t| t.contains("nothing to repeat")),
        "{:?}",
        s.toast
    );
    // A status key on one row moves down (as Gmail's auto-advance): `.` acts on the next.
    let a = cursor(&s);
    press(&mut s, "d");
    let b = cursor(&s);
    assert_ne!(a, b);
    press(&mut s, ".");
    assert_eq!(
        shown_id(&s, b),
        Status::Dismissed,
        "repeated on the next row"
    );
    // The latest status key is the one repeated.
    let c = cursor(&s);
    press(&mut s, "c");
    assert_eq!(shown_id(&s, c), Status::Contacted);
    let d = cursor(&s);
    press(&mut s, ".");
    assert_eq!(shown_id(&s, d), Status::Contacted);
    // On a selection: every selected lead, and only those.
    keys(&mut s, "space space");
    let selected: Vec<Uuid> = s
        .list()
        .selected
        .iter()
        .map(|&i| s.data().leads[i as usize].id)
        .collect();
    assert_eq!(selected.len(), 2);
    press(&mut s, ".");
    for id in &selected {
        assert_eq!(shown_id(&s, *id), Status::Contacted);
    }
    let untouched = s
        .data()
        .leads
        .iter()
        .filter(|l| ![a, b, c, d].contains(&l.id) && !selected.contains(&l.id))
        .all(|l| s.shown_status(l) == Status::New);
    assert!(untouched, "no other lead changed");
    // Undo takes the repeat back as one step.
    press(&mut s, "u");
    for id in &selected {
        assert_eq!(shown_id(&s, *id), Status::New);
    }
    assert_eq!(shown_id(&s, d), Status::Contacted);
}
