#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! User keymap files: valid overrides apply, invalid ones are refused with a message that names
//! the file, the line and the problem. Fixtures live in `tests/fixtures/keymaps/`.

use std::path::PathBuf;

use crossterm::event::KeyEvent;
use lead_triage::app::action::Action;
use lead_triage::keymap::{Keymap, KeymapError, Resolved, parse_key};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keymaps")
        .join(name)
}

fn key(s: &str) -> KeyEvent {
    parse_key(s).expect("test key parses")
}

fn load(name: &str) -> Result<Keymap, KeymapError> {
    Keymap::load_user(&fixture(name))
}

fn load_err(name: &str) -> String {
    load(name).expect_err("fixture is refused").to_string()
}

#[track_caller]
fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "message {message:?} lacks {part:?}");
    }
}

#[test]
fn missing_user_file_means_defaults() {
    let km = load("does_not_exist.toml").expect("missing file is fine");
    assert_eq!(km.bindings(), Keymap::default_keymap().bindings());
}

#[test]
fn override_moves_dismiss_to_x() {
    let km = load("move_dismiss_to_x.toml").expect("valid fixture");
    assert_eq!(
        km.resolve(&[], key("x")),
        Resolved::Action(Action::SetDismissed)
    );
    assert_eq!(km.resolve(&[], key("d")), Resolved::Unbound);
    assert_eq!(km.resolve(&[], key("3")), Resolved::Unbound);
    // toggle_select lost `x` but keeps Space.
    assert_eq!(km.keys_for(Action::ToggleSelect), vec!["Space"]);
    assert_eq!(
        km.resolve(&[], key("space")),
        Resolved::Action(Action::ToggleSelect)
    );
    assert_eq!(km.keys_for(Action::SetDismissed), vec!["x"]);
    // Everything else is untouched.
    assert_eq!(
        km.resolve(&[], key("c")),
        Resolved::Action(Action::SetContacted)
    );
    assert_eq!(
        km.resolve(&[], key("j")),
        Resolved::Action(Action::MoveDown)
    );
}

#[test]
fn override_with_chords_and_descriptions() {
    let km = load("rebind_several.toml").expect("valid fixture");
    assert_eq!(km.keys_for(Action::MoveDown), vec!["C-j", "J"]);
    assert_eq!(km.resolve(&[], key("j")), Resolved::Unbound);
    // `J` moved from range_down, which keeps Shift-Down.
    assert_eq!(km.keys_for(Action::RangeDown), vec!["S-↓"]);
    // `g w` is a chord, so the default single `g` (top) had to go; Home stays.
    assert_eq!(km.keys_for(Action::Top), vec!["Home"]);
    assert_eq!(km.resolve(&[], key("g")), Resolved::Pending);
    assert_eq!(
        km.resolve(&[key("g")], key("w")),
        Resolved::Action(Action::Flush)
    );
    assert_eq!(km.keys_for(Action::Flush), vec!["w", "g w"]);
    let flush = km.bindings().iter().find(|b| b.action == Action::Flush);
    assert_eq!(flush.map(|b| b.desc.as_str()), Some("Write changes"));
    assert_eq!(flush.map(|b| b.group.as_str()), Some("Queue"));
}

#[test]
fn bad_toml_names_file_and_line() {
    let e = load_err("bad_toml.toml");
    assert_contains(&e, &["bad_toml.toml", "line 7", "invalid TOML"]);
}

#[test]
fn unknown_action_names_line_and_suggests() {
    let e = load_err("unknown_action.toml");
    assert_contains(
        &e,
        &[
            "unknown_action.toml",
            "line 7",
            "unknown action `set_dismised`",
            "set_dismissed",
        ],
    );
}

#[test]
fn unknown_key_name_is_refused() {
    let e = load_err("unknown_key.toml");
    assert_contains(
        &e,
        &[
            "unknown_key.toml",
            "line 2",
            "bad key `pagedwn`",
            "unknown key name",
        ],
    );
}

#[test]
fn duplicate_binding_names_both_lines() {
    let e = load_err("duplicate_key.toml");
    assert_contains(
        &e,
        &[
            "duplicate_key.toml",
            "line 6",
            "`x` is bound twice in mode `normal`",
            "line 2 and line 6",
        ],
    );
}

#[test]
fn unknown_field_is_refused() {
    let e = load_err("unknown_field.toml");
    assert_contains(
        &e,
        &["unknown_field.toml", "line 4", "unknown field `descr`"],
    );
}

#[test]
fn unknown_mode_is_refused() {
    let e = load_err("unknown_mode.toml");
    assert_contains(
        &e,
        &["unknown_mode.toml", "line 5", "unknown mode `visual`"],
    );
}

#[test]
fn empty_keys_is_refused() {
    let e = load_err("empty_keys.toml");
    assert_contains(&e, &["empty_keys.toml", "line 3", "`keys` is empty"]);
}

#[test]
fn key_that_is_also_a_chord_prefix_is_refused() {
    let e = load_err("prefix_conflict.toml");
    assert_contains(
        &e,
        &[
            "prefix_conflict.toml",
            "line 6",
            "`g` (line 6) is also the start of the chord `g g` (line 2)",
        ],
    );
}

#[test]
fn errors_carry_origin_and_line_fields() {
    let e = load("duplicate_key.toml").expect_err("refused");
    assert!(e.origin.ends_with("duplicate_key.toml"));
    assert_eq!(e.line, Some(6));
}

#[test]
fn unreadable_path_is_an_error_not_defaults() {
    // A directory exists but cannot be read as a file.
    let dir = tempfile::tempdir().expect("tempdir");
    let e = Keymap::load_user(dir.path()).expect_err("refused");
    assert_eq!(e.line, None);
    assert!(e.to_string().contains("cannot read the keymap file"));
}

#[test]
fn from_toml_builds_a_complete_keymap_from_scratch() {
    let text = std::fs::read_to_string(fixture("move_dismiss_to_x.toml")).expect("fixture");
    let km = Keymap::from_toml(&text, "scratch.toml").expect("valid");
    assert_eq!(km.bindings().len(), 1);
    assert_eq!(km.resolve(&[], key("j")), Resolved::Unbound);
    assert_eq!(
        km.resolve(&[], key("x")),
        Resolved::Action(Action::SetDismissed)
    );
}
