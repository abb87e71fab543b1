#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The "one place per concept" tables agree with everything derived from them: statuses (the
//! client's `Status::ALL`), actions (`app::action::ACTIONS`), filter tokens
//! (`app::filter::tokens`), and the command line, theme, keymap and help built on them. A new
//! entry that one of them does not know fails here.

use clap::Parser;
use lead_triage::api::{GroupBy, SortBy, Status};
use lead_triage::app::action::{ACTIONS, Action, Layer};
use lead_triage::app::filter::Query;
use lead_triage::app::filter::tokens::{TOKENS, WORD_FORMS};
use lead_triage::cli::Cli;
use lead_triage::keymap::Keymap;
use lead_triage::ui::theme::Palette;

#[test]
fn every_status_has_its_name_filter_colour_and_actions() {
    let keymap = Keymap::default_keymap();
    for st in Status::ALL {
        let name = st.as_str();
        assert_eq!(Status::from_name(name), Some(st));
        // The filter takes it, and only it.
        let q = Query::parse(&format!("status:{name}"));
        assert!(q.errors.is_empty(), "status:{name}: {:?}", q.errors);
        let set = q.statuses.unwrap();
        for other in Status::ALL {
            assert_eq!(
                set.contains(other),
                other == st,
                "status:{name} and {other}"
            );
        }
        // The theme has a colour role for it.
        assert!(Palette::roles().contains(&name), "no theme role {name}");
        assert!(Palette::default().set(name, "red").is_ok());
        // A settable status has a `set_` and a `select_status_` action with a key and help;
        // `unknown` has neither and the command line refuses it.
        let setter: Vec<&Action> = Action::ALL
            .iter()
            .filter(|a| a.sets() == Some(st))
            .collect();
        let selector: Vec<&Action> = Action::ALL
            .iter()
            .filter(|a| a.selects() == Some(st))
            .collect();
        let cli = Cli::try_parse_from([
            "lead-triage",
            "leads",
            "set",
            name,
            "00000000-0000-0000-0000-000000000001",
        ]);
        if st.is_settable() {
            assert_eq!(setter.len(), 1, "one action sets {name}");
            assert_eq!(setter[0].name(), format!("set_{name}"));
            assert_eq!(selector.len(), 1, "one action selects {name}");
            assert_eq!(selector[0].name(), format!("select_status_{name}"));
            for a in [setter[0], selector[0]] {
                let b = a.in_layer(Layer::Normal).expect("works in the list");
                assert!(!b.help.is_empty() && !b.keys.is_empty(), "{}", a.name());
                assert!(keymap.key(*a).is_some(), "{} has a default key", a.name());
            }
            assert!(cli.is_ok(), "leads set {name}: {:?}", cli.err());
        } else {
            assert!(
                setter.is_empty() && selector.is_empty(),
                "{name} cannot be set"
            );
            assert!(cli.is_err(), "leads set {name} must be refused");
        }
    }
}

#[test]
fn every_action_parses_by_name_and_has_help_in_each_layer() {
    assert_eq!(ACTIONS.len(), Action::ALL.len());
    for (def, &a) in ACTIONS.iter().zip(Action::ALL.iter()) {
        assert_eq!(def.action, a, "the table is in enum order");
        assert_eq!(Action::from_name(def.name), Some(a), "{} parses", def.name);
        assert!(!def.layers.is_empty(), "{} works somewhere", def.name);
        for b in def.layers {
            assert!(!b.help.is_empty(), "{} has help in {:?}", def.name, b.layer);
        }
    }
}

#[test]
fn every_token_and_sort_key_is_known_where_it_is_named() {
    for t in TOKENS {
        assert!(Query::parse(t.example).errors.is_empty(), "{}", t.example);
    }
    for (form, _) in WORD_FORMS {
        assert!(Query::parse(form).errors.is_empty(), "{form}");
    }
    for g in GroupBy::ALL {
        let cli = Cli::try_parse_from(["lead-triage", "leads", "list", "--group-by", g.as_str()]);
        assert!(cli.is_ok(), "--group-by {g}");
    }
    for k in SortBy::ALL {
        let cli = Cli::try_parse_from(["lead-triage", "leads", "list", "--sort-by", k.as_str()]);
        assert!(cli.is_ok(), "--sort-by {k}");
    }
    assert!(Cli::try_parse_from(["lead-triage", "leads", "list", "--sort-by", "name"]).is_err());
}
