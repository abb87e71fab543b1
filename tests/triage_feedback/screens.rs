//! The detail's scroll bound, Ctrl-C on every screen, a status key that changes nothing,
//! what undo and redo say, and no key acting while the terminal is too small.

use lead_triage::api::{GroupBy, Status};
use lead_triage::app::{Effect, Mode, Msg, update};
use lead_triage::keymap::Keymap;
use lead_triage::ui;

use super::fixtures::*;

// ── 3. Detail scrolling stops at the end ────────────────────────────────────────────────────

#[test]
fn detail_scrolling_stops_at_the_end_and_k_responds_at_once() {
    let mut s = loaded(leads(3));
    update(&mut s, Msg::Resize(80, 14));
    press(&mut s, "enter");
    let max = ui::detail::max_scroll(&s);
    // The pane of an 80-column terminal is a popup 76 wide: 74 inside its borders.
    let all = detail_text(&s, 74).len();
    let visible = ui::detail::visible_lines(&s);
    assert!(max > 0, "the content is longer than the pane");
    assert_eq!(max, all - visible);
    for _ in 0..200 {
        press(&mut s, "ctrl-e");
    }
    assert_eq!(detail_scroll(&s), max, "clamped to the content");
    press(&mut s, "ctrl-y");
    assert_eq!(detail_scroll(&s), max - 1, "scrolling up moves at once");
    press(&mut s, "pgup");
    press(&mut s, "pgup");
    assert_eq!(detail_scroll(&s), 0);
    for _ in 0..20 {
        press(&mut s, "pgdn");
    }
    assert_eq!(detail_scroll(&s), max);
    // The last line drawn is the content's last line: the bottom of the pane is reached.
    let text = screen(&s);
    assert!(text.contains("Signals (1)"), "{text}");
}

// ── 4. Ctrl-C on every screen ───────────────────────────────────────────────────────────────

#[test]
fn ctrl_c_quits_from_the_detail_and_the_help_as_from_the_list() {
    // Nothing unsent: Ctrl-C quits at once, from the list, the detail and the help.
    for open in ["", "enter", "?"] {
        let mut s = loaded(leads(3));
        if !open.is_empty() {
            press(&mut s, open);
        }
        let fx = press(&mut s, "ctrl-c");
        assert!(fx.contains(&Effect::Quit), "after {open:?}: {fx:?}");
    }
    // Changes unsent: it asks, from anywhere; a second Ctrl-C quits.
    for open in ["", "enter", "?"] {
        let mut s = loaded(leads(3));
        press(&mut s, "c");
        press(&mut s, "k");
        if !open.is_empty() {
            press(&mut s, open);
        }
        let fx = press(&mut s, "ctrl-c");
        assert!(!fx.contains(&Effect::Quit), "after {open:?}: {fx:?}");
        assert_eq!(s.mode, Mode::ConfirmQuit, "after {open:?}");
        // The reading pane is not a mode: it stays under the question (Esc goes back to it).
        assert_eq!(s.pane.is_some(), open == "enter", "after {open:?}");
        assert!(press(&mut s, "ctrl-c").contains(&Effect::Quit));
    }
}

#[test]
fn ctrl_c_in_a_text_input_clears_it() {
    let mut s = loaded(leads(3));
    keys(&mut s, "/ a d a");
    assert_eq!(s.filter, "ada");
    let fx = press(&mut s, "ctrl-c");
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!((s.filter.as_str(), &s.mode), ("", &Mode::Normal));
    // The help's filter is a text input too.
    keys(&mut s, "? / q u");
    assert_eq!(s.help_query, "qu");
    let fx = press(&mut s, "ctrl-c");
    assert!(!fx.contains(&Effect::Quit));
    assert_eq!(s.help_query, "");
    assert!(!s.help_typing);
    assert!(matches!(s.mode, Mode::Help { .. }));
    // Out of the input, Ctrl-C quits.
    assert!(press(&mut s, "ctrl-c").contains(&Effect::Quit));
}

// ── 5. A status key that changes nothing ────────────────────────────────────────────────────

#[test]
fn c_on_a_contacted_row_says_so_and_stays() {
    let mut v = leads(3);
    v[1].status = Status::Contacted;
    let mut s = loaded(v);
    press(&mut s, "j");
    assert_eq!(cursor_id(&s), 2);
    let fx = press(&mut s, "c");
    assert!(
        sends(&fx).is_empty() && !fx.iter().any(|e| matches!(e, Effect::ArmDebounce(_))),
        "nothing to send: {fx:?}"
    );
    assert_eq!(toast(&s), "Ada Lovelace is already contacted");
    assert_eq!(cursor_id(&s), 2, "the cursor stays");
    assert!(s.queue.entries.is_empty());
    press(&mut s, "u");
    assert_eq!(toast(&s), "nothing to undo", "no empty undo step");
    // A change of the rep's not sent yet says so.
    press(&mut s, "d");
    press(&mut s, "k");
    press(&mut s, "d");
    assert_eq!(cursor_id(&s), 2);
    assert_eq!(
        toast(&s),
        "Ada Lovelace is already dismissed (not sent yet)"
    );
    // When it acts, it moves on.
    press(&mut s, "n");
    assert_eq!(cursor_id(&s), 3);
}

// ── 6. What undo and redo say ───────────────────────────────────────────────────────────────

#[test]
fn undo_and_redo_say_what_changed() {
    let mut s = loaded(leads(6));
    press(&mut s, "c");
    press(&mut s, "u");
    assert_eq!(toast(&s), "undid: Zoë Brennan-Okafor → new · U to redo");
    press(&mut s, "U");
    assert_eq!(toast(&s), "redid: Zoë Brennan-Okafor → contacted");
    // Three rows to one status.
    keys(&mut s, "u space space space d");
    press(&mut s, "u");
    assert_eq!(toast(&s), "undid 3 changes → new · U to redo");
    press(&mut s, "U");
    assert_eq!(toast(&s), "redid 3 changes → dismissed");
}

#[test]
fn undo_of_a_mixed_step_gives_the_breakdown() {
    let mut v = leads(6);
    v[0].status = Status::Contacted;
    let mut s = loaded(v);
    keys(&mut s, "space space space d");
    press(&mut s, "u");
    assert_eq!(
        toast(&s),
        "undid 3 changes (2 → new, 1 → contacted) · U to redo"
    );
    press(&mut s, "U");
    assert_eq!(toast(&s), "redid 3 changes → dismissed");
}

#[test]
fn undo_says_when_it_acted_in_the_other_view() {
    let mut s = loaded(leads(3));
    load_companies(
        &mut s,
        vec![
            lead(101, "Acme Robotics", Status::New),
            lead(102, "Qamar Labs", Status::New),
        ],
    );
    assert_eq!(s.group, GroupBy::Company);
    press(&mut s, "d");
    press(&mut s, "p");
    assert_eq!(s.group, GroupBy::Person);
    press(&mut s, "u");
    assert_eq!(
        toast(&s),
        "undid: Acme Robotics → new in the company view · U to redo"
    );
    press(&mut s, "U");
    assert_eq!(
        toast(&s),
        "redid: Acme Robotics → dismissed in the company view"
    );
}

// ── 8. No action while nothing is drawn ─────────────────────────────────────────────────────

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let mut s = loaded(leads(5));
    press(&mut s, "j");
    assert!(update(&mut s, Msg::Resize(40, 8)).is_empty());
    assert!(ui::too_small(s.size));
    let mut fx = Vec::new();
    for k in ["c", "d", "j", "ctrl-a", "$", "enter", "u", "space", "/"] {
        fx.extend(press(&mut s, k));
    }
    assert!(fx.is_empty(), "no effect at all: {fx:?}");
    assert!(s.queue.entries.is_empty(), "the queue is empty");
    assert_eq!(cursor_id(&s), 2, "the cursor did not move");
    assert!(s.list().selected.is_empty());
    assert_eq!(s.mode, Mode::Normal);
    // The screen says so.
    let text = screen(&s).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains(
            "Terminal too small (40×8, need 60×8) · keys are ignored until it is bigger · q quits"
        ),
        "{text}"
    );
    // Bigger again: keys act.
    update(&mut s, Msg::Resize(120, 30));
    assert!(!ui::too_small(s.size));
    let fx = press(&mut s, "c");
    assert!(fx.iter().any(|e| matches!(e, Effect::Persist(_))), "{fx:?}");
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert_eq!(cursor_id(&s), 3);
}

#[test]
fn quitting_still_works_while_the_terminal_is_too_small() {
    let mut s = loaded(leads(3));
    update(&mut s, Msg::Resize(120, 5));
    assert!(press(&mut s, "q").contains(&Effect::Quit));
    // With a change unsent, the question is asked, its answers shown on the message.
    let mut s = loaded(leads(3));
    press(&mut s, "d");
    update(&mut s, Msg::Resize(50, 20));
    assert!(!press(&mut s, "ctrl-c").contains(&Effect::Quit));
    assert_eq!(s.mode, Mode::ConfirmQuit);
    let text = screen(&s).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("1 change not sent: y quits anyway, s sends then quits, n stays"),
        "{text}"
    );
    press(&mut s, "n");
    assert_eq!(s.mode, Mode::Normal);
    assert!(press(&mut s, "d").is_empty(), "still ignored");
    press(&mut s, "q");
    assert!(press(&mut s, "y").contains(&Effect::Quit));
}

#[test]
fn the_detail_and_help_ignore_keys_while_too_small() {
    let mut s = loaded(leads(3));
    press(&mut s, "enter");
    update(&mut s, Msg::Resize(30, 30));
    for k in ["j", "G", "esc", "o", "y"] {
        assert!(press(&mut s, k).is_empty(), "{k}");
    }
    assert_eq!(detail_scroll(&s), 0);
    assert!(s.pane.is_some(), "Esc did not close what is not drawn");
    assert!(press(&mut s, "ctrl-c").contains(&Effect::Quit));
}

#[test]
fn the_help_states_the_ctrl_c_rule() {
    let km = Keymap::default_keymap();
    let desc = km
        .desc_for(lead_triage::app::Action::Quit)
        .expect("quit is bound");
    assert!(desc.contains("Ctrl-C: any popup"), "{desc}");
}
