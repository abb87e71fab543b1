use super::*;

fn k(s: &str) -> KeyEvent {
    parse_key(s).unwrap()
}

fn raw(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

/// The default keymap, exactly as DESIGN.md §4 / aesthetics-ux B.3 list it.
const EXPECTED: &[(Action, &[&str])] = &[
    (Action::MoveDown, &["j", "↓"]),
    (Action::MoveUp, &["k", "↑"]),
    (Action::Top, &["g", "Home"]),
    (Action::Bottom, &["G", "End"]),
    (Action::HalfPageDown, &["C-d"]),
    (Action::HalfPageUp, &["C-u"]),
    (Action::PageDown, &["PgDn", "C-f"]),
    (Action::PageUp, &["PgUp", "C-b"]),
    (Action::NextFailed, &["]"]),
    (Action::PrevFailed, &["["]),
    (Action::Find, &["f"]),
    (Action::FindNext, &["C-n"]),
    (Action::FindPrev, &["C-p"]),
    (Action::ToggleSelect, &["Space", "x"]),
    (Action::RangeSelect, &["v"]),
    (Action::RangeDown, &["S-↓", "J"]),
    (Action::RangeUp, &["S-↑", "K"]),
    (Action::SelectAll, &["C-a", "* a"]),
    (Action::SelectNone, &["* n"]),
    (Action::InvertSelection, &["* i"]),
    (Action::SelectStatusNew, &["* 1"]),
    (Action::SelectStatusContacted, &["* 2"]),
    (Action::SelectStatusDismissed, &["* 3"]),
    (Action::SelectFailed, &["* f"]),
    (Action::SetNew, &["n", "1"]),
    (Action::SetContacted, &["c", "2"]),
    (Action::SetDismissed, &["d", "3"]),
    (Action::Undo, &["u", "z"]),
    (Action::Redo, &["U"]),
    (Action::Repeat, &["."]),
    (Action::Flush, &["$"]),
    (Action::Retry, &["r"]),
    (Action::RetryAll, &["R"]),
    (Action::TakeTheirs, &["T"]),
    (Action::Filter, &["/"]),
    (Action::SortNext, &["s"]),
    (Action::SortReverse, &["S"]),
    (Action::SwitchView, &["p"]),
    (Action::NextView, &["l", "→"]),
    (Action::PrevView, &["h", "←"]),
    (Action::Reload, &["C-r"]),
    (Action::Detail, &["Enter"]),
    (Action::PaneLayout, &["w"]),
    (Action::DraftDm, &["m"]),
    (Action::DraftComment, &["M"]),
    (Action::OpenUrl, &["o"]),
    (Action::CopyEmail, &["y"]),
    (Action::CopyUrl, &["Y"]),
    (Action::Export, &["e"]),
    (Action::ExportJson, &["E"]),
    (Action::Pipe, &["|"]),
    (Action::Help, &["?", "F1"]),
    (Action::Palette, &[":"]),
    (Action::Escape, &["Esc"]),
    (Action::Quit, &["q", "C-c"]),
    (Action::Suspend, &["C-z"]),
];

/// The prompt keys (mode `confirm`).
const EXPECTED_CONFIRM: &[(Action, &[&str])] = &[
    (Action::Accept, &["y", "a", "Enter"]),
    (Action::OnlyVisible, &["v"]),
    (Action::Escape, &["Esc", "n"]),
];

/// Actions without a list binding (prompts, text inputs, the reading pane's own keys).
const PROMPT_ONLY: [Action; 15] = [
    Action::EditDm,
    Action::EditComment,
    Action::SendDraft,
    Action::VoteUp,
    Action::VoteDown,
    Action::ClearVote,
    Action::NextSignal,
    Action::PrevSignal,
    Action::OpenSignal,
    Action::CopySignalUrl,
    Action::SelectPeople,
    Action::Accept,
    Action::OnlyVisible,
    Action::DeleteWord,
    Action::ClearLine,
];

#[test]
fn default_keymap_loads_without_fallback() {
    let loaded = Keymap::from_toml(DEFAULT_KEYMAP_TOML, DEFAULT_ORIGIN);
    assert!(loaded.is_ok(), "{:?}", loaded.err());
}

#[test]
fn default_keymap_binds_every_action_as_listed() {
    let km = Keymap::default_keymap();
    assert_eq!(EXPECTED.len() + PROMPT_ONLY.len(), Action::ALL.len());
    for (action, keys) in EXPECTED_CONFIRM {
        assert_eq!(km.confirm_keys_for(*action), keys.to_vec(), "{action:?}");
    }
    for action in Action::ALL.iter().filter(|a| !PROMPT_ONLY.contains(a)) {
        let want = EXPECTED.iter().find(|(a, _)| a == action);
        let want = want.map(|(_, keys)| keys.to_vec()).unwrap_or_default();
        assert_eq!(km.keys_for(*action), want, "{action:?}");
    }
    // One binding per action, in Action::ALL order, each with a description and a known group.
    let order: Vec<Action> = km.bindings().iter().map(|b| b.action).collect();
    let normal: Vec<Action> = (Action::ALL.iter())
        .filter(|a| !PROMPT_ONLY.contains(a))
        .copied()
        .collect();
    assert_eq!(order, normal);
    let groups = [
        "Move", "Select", "Status", "Queue", "View", "Outreach", "App",
    ];
    for b in km.bindings() {
        assert!(groups.contains(&b.group.as_str()), "{:?}", b);
        assert!(!b.desc.is_empty() && b.desc.len() <= 40, "{:?}", b);
    }
    assert_eq!(
        km.desc_for(Action::SetDismissed),
        Some("Dismiss (selection or row)")
    );
}

#[test]
fn plain_keys_resolve() {
    let km = Keymap::default_keymap();
    assert_eq!(km.resolve(&[], k("j")), Resolved::Action(Action::MoveDown));
    assert_eq!(
        km.resolve(&[], k("down")),
        Resolved::Action(Action::MoveDown)
    );
    assert_eq!(
        km.resolve(&[], k("ctrl-d")),
        Resolved::Action(Action::HalfPageDown)
    );
    assert_eq!(
        km.resolve(&[], k("d")),
        Resolved::Action(Action::SetDismissed)
    );
    assert_eq!(
        km.resolve(&[], k("3")),
        Resolved::Action(Action::SetDismissed)
    );
    assert_eq!(km.resolve(&[], k("$")), Resolved::Action(Action::Flush));
    assert_eq!(
        km.resolve(&[], k("shift-down")),
        Resolved::Action(Action::RangeDown)
    );
}

#[test]
fn shifted_letters_resolve_with_or_without_shift() {
    let km = Keymap::default_keymap();
    let bottom = Resolved::Action(Action::Bottom);
    let c = KeyCode::Char;
    assert_eq!(km.resolve(&[], raw(c('G'), KeyModifiers::NONE)), bottom);
    assert_eq!(km.resolve(&[], raw(c('G'), KeyModifiers::SHIFT)), bottom);
    assert_eq!(km.resolve(&[], raw(c('g'), KeyModifiers::SHIFT)), bottom);
    assert_eq!(
        km.resolve(&[], raw(c('g'), KeyModifiers::NONE)),
        Resolved::Action(Action::Top)
    );
    // `$` arrives with SHIFT on some terminals.
    assert_eq!(
        km.resolve(&[], raw(c('$'), KeyModifiers::SHIFT)),
        Resolved::Action(Action::Flush)
    );
    // Ctrl-Shift-d is Ctrl-d (terminals send the same byte).
    let ctrl_shift = KeyModifiers::CONTROL | KeyModifiers::SHIFT;
    assert_eq!(
        km.resolve(&[], raw(c('D'), ctrl_shift)),
        Resolved::Action(Action::HalfPageDown)
    );
}

#[test]
fn kind_and_state_are_ignored() {
    use crossterm::event::{KeyEventKind, KeyEventState};
    let km = Keymap::default_keymap();
    let mut key = raw(KeyCode::Char('j'), KeyModifiers::NONE);
    key.kind = KeyEventKind::Repeat;
    key.state = KeyEventState::NUM_LOCK;
    assert_eq!(km.resolve(&[], key), Resolved::Action(Action::MoveDown));
}

#[test]
fn chords_wait_then_resolve() {
    let km = Keymap::default_keymap();
    let star = k("*");
    assert_eq!(km.resolve(&[], star), Resolved::Pending);
    assert_eq!(
        km.resolve(&[star], k("i")),
        Resolved::Action(Action::InvertSelection)
    );
    assert_eq!(
        km.resolve(&[star], k("2")),
        Resolved::Action(Action::SelectStatusContacted)
    );
    assert_eq!(km.resolve(&[star], k("j")), Resolved::Unbound);
    assert_eq!(km.resolve(&[star], k("esc")), Resolved::Unbound);
}

#[test]
fn unbound_keys() {
    let km = Keymap::default_keymap();
    for key in ["W", "ctrl-x", "f5", "alt-j", "tab"] {
        assert_eq!(km.resolve(&[], k(key)), Resolved::Unbound, "{key}");
    }
}

#[test]
fn which_key_lists_chord_continuations() {
    let km = Keymap::default_keymap();
    let next: Vec<(String, Action)> = km
        .chord_continuations(&[k("*")])
        .into_iter()
        .map(|(label, action, _)| (label, action))
        .collect();
    let want = [
        ("a", Action::SelectAll),
        ("n", Action::SelectNone),
        ("i", Action::InvertSelection),
        ("1", Action::SelectStatusNew),
        ("2", Action::SelectStatusContacted),
        ("3", Action::SelectStatusDismissed),
        ("f", Action::SelectFailed),
    ];
    let want: Vec<(String, Action)> = want.iter().map(|(l, a)| (l.to_string(), *a)).collect();
    assert_eq!(next, want);
    assert!(km.chord_continuations(&[k("j")]).is_empty());
}

#[test]
fn overrides_replace_an_actions_keys_and_steal_keys() {
    let user = "[[normal]]\nkeys = [\"x\"]\naction = \"set_dismissed\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .unwrap();
    assert_eq!(
        km.resolve(&[], k("x")),
        Resolved::Action(Action::SetDismissed)
    );
    assert_eq!(km.resolve(&[], k("d")), Resolved::Unbound);
    assert_eq!(km.resolve(&[], k("3")), Resolved::Unbound);
    assert_eq!(km.keys_for(Action::ToggleSelect), vec!["Space"]);
    assert_eq!(
        km.desc_for(Action::SetDismissed),
        Some("Dismiss (selection or row)")
    );
}

#[test]
fn overriding_a_chord_prefix_removes_the_chords() {
    let user = "[[normal]]\nkeys = [\"*\"]\naction = \"select_all\"\ndesc = \"All\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .unwrap();
    assert_eq!(km.resolve(&[], k("*")), Resolved::Action(Action::SelectAll));
    assert!(km.keys_for(Action::InvertSelection).is_empty());
    assert!(km.chord_continuations(&[k("*")]).is_empty());
    assert_eq!(km.desc_for(Action::SelectAll), Some("All"));
    // The emptied binding stays listed for the help overlay.
    assert!(
        km.bindings()
            .iter()
            .any(|b| b.action == Action::InvertSelection)
    );
}

#[test]
fn empty_override_changes_nothing() {
    let km = Keymap::default_keymap()
        .with_overrides("# nothing\n", "user.toml")
        .unwrap();
    assert_eq!(km.bindings(), Keymap::default_keymap().bindings());
}

#[test]
fn minimal_fallback_can_quit() {
    let km = Keymap::minimal();
    assert_eq!(km.resolve(&[], k("q")), Resolved::Action(Action::Quit));
    assert_eq!(km.resolve(&[], k("ctrl-c")), Resolved::Action(Action::Quit));
    assert_eq!(km.resolve(&[], k("esc")), Resolved::Action(Action::Escape));
}

#[test]
fn humanized_names() {
    assert_eq!(humanize(Action::SetDismissed), "Set dismissed");
}

#[test]
fn prompt_keys_are_their_own_layer_and_can_be_remapped() {
    let km = Keymap::default_keymap();
    assert_eq!(km.resolve_confirm(k("y")), Some(Action::Accept));
    assert_eq!(km.resolve_confirm(k("v")), Some(Action::OnlyVisible));
    assert_eq!(km.resolve_confirm(k("esc")), Some(Action::Escape));
    assert_eq!(
        km.resolve_confirm(k("d")),
        None,
        "a status key does not answer"
    );
    // `v` is range select in the list; in a prompt it means "only the visible ones".
    assert_eq!(
        km.resolve(&[], k("v")),
        Resolved::Action(Action::RangeSelect)
    );
    let user = "[[confirm]]\nkeys = [\"o\"]\naction = \"accept\"\n";
    let km = km.with_overrides(user, "user.toml").unwrap();
    assert_eq!(km.resolve_confirm(k("o")), Some(Action::Accept));
    assert_eq!(
        km.resolve_confirm(k("y")),
        None,
        "the user's keys replace the default"
    );
    assert_eq!(km.confirm_keys_for(Action::Accept), vec!["o"]);
    // Esc cancels even when the file takes it away.
    let user = "[[confirm]]\nkeys = [\"x\"]\naction = \"escape\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .unwrap();
    assert_eq!(km.resolve_confirm(k("esc")), Some(Action::Escape));
    assert_eq!(km.resolve_confirm(k("x")), Some(Action::Escape));
}

#[test]
fn the_shipped_default_keymap_file_is_the_generated_one() {
    let generated = default_toml();
    if std::env::var_os("UPDATE_KEYMAP").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/keymap.toml");
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(
        DEFAULT_KEYMAP_TOML == generated,
        "assets/keymap.toml is out of date: run UPDATE_KEYMAP=1 cargo test --lib keymap"
    );
}

/// The action table, its parser, its help texts and the default keymap agree: every row has a
/// name the parser accepts (and serde too), help in every layer it lists, no layer twice; no
/// default key is bound twice in one layer; chords only in `normal`; the default keymap's
/// layers are exactly the table's keys and help; every layer has a file name the parser takes.
#[test]
fn the_action_table_agrees_with_parser_help_and_default_keymap() {
    use crate::app::action::{ACTIONS, Layer};
    assert_eq!(ACTIONS.len(), Action::ALL.len());
    let mut names = HashSet::new();
    for (i, def) in ACTIONS.iter().enumerate() {
        assert_eq!(def.action, Action::ALL[i], "table order is enum order");
        assert_eq!(def.action.def(), def);
        assert!(names.insert(def.name), "`{}` named twice", def.name);
        assert!(
            !def.name.is_empty() && def.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "`{}` is not snake_case",
            def.name
        );
        assert_eq!(action_from_name(def.name), Some(def.action), "{}", def.name);
        let json = serde_json::to_string(&def.action).unwrap();
        assert_eq!(json, format!("\"{}\"", def.name));
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), def.action);
        assert!(!def.layers.is_empty(), "{} works in no layer", def.name);
        assert!(!def.group.is_empty(), "{} has no group", def.name);
        let mut layers = HashSet::new();
        for b in def.layers {
            assert!(
                layers.insert(b.layer),
                "{} lists {:?} twice",
                def.name,
                b.layer
            );
            assert!(
                !b.help.trim().is_empty(),
                "{} has no help in {:?}",
                def.name,
                b.layer
            );
            assert!(
                b.help.len() <= 60,
                "{}: help too long for the overlay",
                def.name
            );
        }
    }
    assert_eq!(action_from_name("nope"), None);

    let km = Keymap::default_keymap();
    for layer in Layer::ALL {
        assert_eq!(Layer::from_name(layer.name()), Some(layer));
        assert!(
            MODES.contains(&layer.name()),
            "{} is not a file mode",
            layer.name()
        );
        let mut seen: HashMap<Vec<KeyEvent>, Action> = HashMap::new();
        for def in ACTIONS {
            let Some(b) = def.action.in_layer(layer) else {
                assert!(km.keys_in(layer, def.action).is_empty());
                continue;
            };
            let mut labels = Vec::new();
            for key in b.keys {
                let chord = parse_chord(key).unwrap_or_else(|e| panic!("{key}: {e}"));
                assert!(
                    chord.len() == 1 || layer.allows_chords(),
                    "{key} in {layer:?}"
                );
                if let Some(other) = seen.insert(chord.clone(), def.action) {
                    panic!(
                        "`{key}` is bound to {other:?} and {:?} in {layer:?}",
                        def.action
                    );
                }
                labels.push(chord_label(&chord));
            }
            assert_eq!(
                km.keys_in(layer, def.action),
                labels,
                "{layer:?} {}",
                def.name
            );
            let binding = km
                .layer_bindings(layer)
                .iter()
                .find(|x| x.action == def.action);
            if !b.keys.is_empty() {
                assert_eq!(
                    binding.map(|x| x.desc.as_str()),
                    Some(b.help),
                    "{}",
                    def.name
                );
            }
        }
        // Every binding the keymap (and so the help overlay) lists is one the table knows.
        for binding in km.layer_bindings(layer) {
            let known = binding.action.in_layer(layer);
            assert!(
                known.is_some(),
                "{:?} in {layer:?} is not in the table",
                binding.action
            );
        }
    }
    assert_eq!(MODES.len(), Layer::ALL.len());
}

/// The help overlay lists every binding of every layer with the table's help text, and
/// nothing the table does not know (apart from the filter language's examples).
#[test]
fn the_help_overlay_lists_exactly_the_tables_bindings() {
    use crate::app::action::ACTIONS;
    let s = crate::app::State::new(
        crate::app::state::Settings::default(),
        Keymap::default_keymap(),
        crate::sync::backoff::Jitter::seeded(1),
    );
    let theme = crate::ui::theme::Theme {
        color: false,
        palette: Default::default(),
    };
    let text: Vec<String> = crate::ui::help::lines(&s, &theme)
        .iter()
        .map(|l| l.spans.iter().map(|sp| sp.content.as_ref()).collect())
        .collect();
    let helps: HashSet<&str> = ACTIONS
        .iter()
        .flat_map(|d| d.layers.iter().map(|b| b.help))
        .collect();
    let mut language = false;
    let mut rows = 0;
    for line in &text {
        if !line.starts_with("  ") {
            language = line.starts_with("Filter (");
            continue;
        }
        let desc: String = line.chars().skip(20).collect();
        let desc = desc.trim();
        if !language {
            assert!(
                helps.contains(desc),
                "help row `{line}` is not in the action table"
            );
            rows += 1;
        }
    }
    let bound: usize = ACTIONS
        .iter()
        .flat_map(|d| d.layers.iter())
        .filter(|b| !b.keys.is_empty())
        .count();
    assert_eq!(rows, bound, "one help row per default binding");
}

#[test]
fn every_layer_can_be_remapped_on_its_own() {
    use crate::app::action::Layer;
    let user = "[[detail]]\nkeys = [\"x\"]\naction = \"escape\"\n\n[[help]]\nkeys = [\"h\"]\naction = \"move_down\"\n\n[[quit]]\nkeys = [\"Q\"]\naction = \"quit\"\n\n[[filter]]\nkeys = [\"tab\"]\naction = \"accept\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .unwrap();
    assert_eq!(km.resolve_in(Layer::Detail, k("x")), Some(Action::Escape));
    assert_eq!(km.resolve_in(Layer::Detail, k("esc")), None);
    assert_eq!(km.resolve_in(Layer::Detail, k("q")), None);
    // The list keeps its own keys: layers are separate.
    assert_eq!(km.resolve(&[], k("esc")), Resolved::Action(Action::Escape));
    assert_eq!(km.resolve_in(Layer::Help, k("h")), Some(Action::MoveDown));
    assert_eq!(km.resolve_in(Layer::Help, k("j")), None);
    assert_eq!(km.keys_in(Layer::Help, Action::MoveDown), vec!["h"]);
    assert_eq!(km.resolve_in(Layer::Quit, k("Q")), Some(Action::Quit));
    assert_eq!(km.resolve_in(Layer::Quit, k("y")), None);
    // Esc always stays in the quit question, whatever the file says.
    assert_eq!(km.resolve_in(Layer::Quit, k("esc")), Some(Action::Escape));
    assert_eq!(km.resolve_in(Layer::Filter, k("tab")), Some(Action::Accept));
    assert_eq!(km.resolve_in(Layer::Filter, k("enter")), None);
    assert_eq!(
        km.key_in(Layer::Filter, Action::Accept).as_deref(),
        Some("Tab")
    );
}

#[test]
fn a_layer_refuses_actions_it_cannot_do_and_chords() {
    let e = Keymap::default_keymap()
        .with_overrides(
            "[[detail]]\nkeys = [\"x\"]\naction = \"set_new\"\n",
            "u.toml",
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("u.toml, line 3: action `set_new` does nothing in mode `detail` (actions of `detail`: move_down,"),
        "{e}"
    );
    let e = Keymap::default_keymap()
        .with_overrides("[[help]]\nkeys = [\"g g\"]\naction = \"top\"\n", "u.toml")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "u.toml, line 2: `g g` is a chord: chords work only in mode `normal`, give one key"
    );
    let e = Keymap::default_keymap()
        .with_overrides("[[find]]\nkeys = [\"x\"]\naction = \"accept\"\n\n[[find]]\nkeys = [\"x\"]\naction = \"escape\"\n", "u.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`x` is bound twice in mode `find` (line 2 and line 6)"),
        "{e}"
    );
    let e = Keymap::default_keymap()
        .with_overrides(
            "[[insert]]\nkeys = [\"x\"]\naction = \"accept\"\n",
            "u.toml",
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "unknown mode `insert` (known modes: normal, filter, find, help, detail, confirm, quit)"
        ),
        "{e}"
    );
}

/// An action left with no key is not offered: no hint, no toast tail, no title part.
#[test]
fn texts_do_not_promise_a_key_an_action_lost() {
    use crate::app::action::Layer;
    // `u`, `z` go to redo, so undo has none; `o` and `y`, `Y` of the detail pane go to escape.
    let user = "[[normal]]\nkeys = [\"u\", \"z\"]\naction = \"redo\"\n\n[[detail]]\nkeys = [\"o\", \"y\", \"Y\"]\naction = \"escape\"\n";
    let km = Keymap::default_keymap()
        .with_overrides(user, "user.toml")
        .unwrap();
    assert!(km.keys_for(Action::Undo).is_empty());
    assert_eq!(km.hint(Action::Undo, "to undo"), None);
    assert_eq!(km.note(Action::Undo, "to undo"), "");
    assert_eq!(km.note(Action::Redo, "redoes"), " · u redoes");
    assert_eq!(
        km.hints(&[(Action::Undo, "undo"), (Action::Flush, "send")], ", "),
        "$ send"
    );
    let s = crate::app::State::new(
        crate::app::state::Settings::default(),
        km,
        crate::sync::backoff::Jitter::seeded(1),
    );
    let title = crate::ui::detail::title(&s);
    assert_eq!(
        title, " Lead · Tab next signal · O open signal · o close ",
        "no open or copy key of the profile is named"
    );
    assert_eq!(s.keymap.key_in(Layer::Detail, Action::OpenUrl), None);
}
