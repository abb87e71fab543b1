#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! The command palette (`:`) and the pipe prompt (`|`) through `update`: what the palette
//! lists (keys as the keymap has them now, `[commands]` entries), how typing ranks it, what
//! Enter runs, and what the pipe hands to the runner and shows when the command is done.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use lead_triage::api::model::{Company, Person};
use lead_triage::api::{GroupBy, Lead, Status};
use lead_triage::app::action::Action;
use lead_triage::app::palette::{Target, entries};
use lead_triage::app::pipe::{Ended, PipeDone, PipeJob, UserCommand};
use lead_triage::app::{Effect, Mode, Msg, Settings, State, init, update};
use lead_triage::keymap::{Keymap, parse_key};
use lead_triage::sync::backoff::Jitter;

fn lead(n: u128, name: &str) -> Lead {
    Lead {
        id: Uuid::from_u128(n),
        name: name.to_owned(),
        status: Status::New,
        signal_count: 1,
        top_score: None,
        signal_ids: vec![],
        person: Some(Person {
            name: Some(name.to_owned()),
            linkedin_url: None,
            headline: None,
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

fn crm() -> UserCommand {
    UserCommand {
        name: "crm".into(),
        run: "crm-add --list hot".into(),
        key: Some(lead_triage::keymap::normalize(parse_key("ctrl-k").unwrap())),
        description: "Add to the CRM".into(),
        interactive: false,
    }
}

fn state(keymap: Keymap, commands: Vec<UserCommand>) -> State {
    let settings = Settings {
        commands,
        ..Settings::default()
    };
    let mut s = State::new(settings, keymap, Jitter::seeded(1));
    update(&mut s, Msg::Resize(120, 30));
    let Effect::Load { generation, .. } = init(&mut s)[0] else {
        panic!("init loads")
    };
    let leads = (1..=6).map(|n| lead(n, &format!("Lead {n}"))).collect();
    update(
        &mut s,
        Msg::Page {
            group: GroupBy::Person,
            generation,
            leads,
            skipped: 0,
            last: true,
        },
    );
    s
}

/// Keys in keymap notation, separated by spaces (`"j x : enter"`).
fn keys(s: &mut State, seq: &str) -> Vec<Effect> {
    seq.split_whitespace()
        .flat_map(|k| update(s, Msg::Key(parse_key(k).unwrap())))
        .collect()
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        let fx = update(
            s,
            Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
        assert!(fx.is_empty(), "typing {c:?} caused {fx:?}");
    }
}

fn shown(s: &State, row: usize) -> Status {
    let i = s.list().rows[row];
    s.shown_status(&s.data().leads[i as usize])
}

fn pipes(fx: &[Effect]) -> Vec<&PipeJob> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Pipe(job) => Some(job),
            _ => None,
        })
        .collect()
}

#[test]
fn typing_filters_best_first_and_enter_runs_the_action_as_its_key_would() {
    let mut s = state(Keymap::default_keymap(), vec![]);
    keys(&mut s, ":");
    assert_eq!(s.mode, Mode::Palette);
    let all = entries(&s);
    // Every list action but the palette itself, each with its keys and description.
    let dismiss = all
        .iter()
        .find(|e| e.target == Target::Action(Action::SetDismissed))
        .unwrap();
    assert_eq!(dismiss.keys, "d, 3");
    assert_eq!(dismiss.desc, "Dismiss (selection or row)");
    assert!(
        !all.iter()
            .any(|e| e.target == Target::Action(Action::Palette))
    );
    assert!(
        !all.iter()
            .any(|e| e.target == Target::Action(Action::Accept))
    );
    assert!(all.iter().any(|e| e.target == Target::Action(Action::Pipe)));

    type_text(&mut s, "dismiss");
    let found = entries(&s);
    assert!(found.len() < all.len() && found.len() >= 2, "{found:?}");
    assert_eq!(found[0].target, Target::Action(Action::SetDismissed));
    assert!(
        found
            .iter()
            .any(|e| e.target == Target::Action(Action::SelectStatusDismissed)),
        "{found:?}"
    );
    assert_eq!(shown(&s, 0), Status::New);
    let fx = keys(&mut s, "enter");
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(shown(&s, 0), Status::Dismissed, "Enter ran `d` on the row");
    assert!(fx.iter().any(|e| matches!(e, Effect::Persist(_))), "{fx:?}");
    assert_eq!(s.list().cursor, 1, "and moved down, as `d` does");
    // Opened again, the query is empty.
    keys(&mut s, ":");
    assert_eq!(s.palette.query, "");
    assert_eq!(entries(&s).len(), all.len());
}

#[test]
fn arrows_and_ctrl_n_p_move_wrapping_and_esc_closes_without_acting() {
    let mut s = state(Keymap::default_keymap(), vec![]);
    keys(&mut s, ":");
    type_text(&mut s, "sort");
    let found = entries(&s);
    assert!(found.len() >= 2, "{found:?}");
    keys(&mut s, "ctrl-n");
    assert_eq!(s.palette.cursor, 1);
    keys(&mut s, "ctrl-p up");
    assert_eq!(s.palette.cursor, found.len() - 1, "up from the first wraps");
    keys(&mut s, "down");
    assert_eq!(s.palette.cursor, 0);
    // Backspace edits (the filter layer's text keys): the cursor goes back to the top.
    keys(&mut s, "down backspace");
    assert_eq!(s.palette.query, "sor");
    assert_eq!(s.palette.cursor, 0);
    let before = s.list().cursor;
    keys(&mut s, "esc");
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.list().cursor, before);
    assert_eq!(shown(&s, 0), Status::New);
    // A query that matches nothing: Enter runs nothing and says so.
    keys(&mut s, ":");
    type_text(&mut s, "zzzzqqq");
    assert!(entries(&s).is_empty());
    let fx = keys(&mut s, "enter");
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.toast.as_deref(), Some("no command matches"));
}

#[test]
fn remapped_keys_show_and_commands_are_listed_and_run_from_the_palette_and_their_key() {
    let keymap = Keymap::default_keymap()
        .with_overrides(
            "[[normal]]\nkeys = [\"D\"]\naction = \"set_dismissed\"\n\n[[filter]]\nkeys = [\"tab\"]\naction = \"accept\"\n",
            "test",
        )
        .unwrap();
    let mut s = state(keymap, vec![crm()]);
    keys(&mut s, ":");
    let all = entries(&s);
    let dismiss = all
        .iter()
        .find(|e| e.target == Target::Action(Action::SetDismissed))
        .unwrap();
    assert_eq!(dismiss.keys, "D", "the remapped key");
    let cmd = all.last().unwrap();
    assert_eq!(cmd.target, Target::Command(0));
    assert_eq!(
        (cmd.keys.as_str(), cmd.desc.as_str()),
        ("C-k", "Add to the CRM")
    );
    type_text(&mut s, "crm");
    assert_eq!(entries(&s)[0].target, Target::Command(0));
    // Enter is no longer the filter layer's accept: Tab is.
    let fx = keys(&mut s, "enter");
    assert!(pipes(&fx).is_empty() && s.mode == Mode::Palette);
    let fx = keys(&mut s, "tab");
    let jobs = pipes(&fx);
    assert_eq!(jobs.len(), 1, "{fx:?}");
    assert_eq!(jobs[0].label, "crm");
    assert_eq!(jobs[0].command, "crm-add --list hot");
    let ids: Vec<u128> = jobs[0].leads.iter().map(|l| l.id.as_u128()).collect();
    assert_eq!(ids, vec![1], "no selection: the cursor's row");
    assert_eq!(s.pipe.running, 1);
    // Its key runs it from the list, on the selection in view order.
    keys(&mut s, "j x j x");
    let fx = keys(&mut s, "ctrl-k");
    let jobs = pipes(&fx);
    let ids: Vec<u128> = jobs[0].leads.iter().map(|l| l.id.as_u128()).collect();
    assert_eq!(ids, vec![2, 4]);
    assert!(
        s.toast
            .as_deref()
            .unwrap()
            .contains("running crm on 2 leads")
    );
}

#[test]
fn the_pipe_prompt_runs_the_typed_command_and_shows_how_it_ended() {
    let mut s = state(Keymap::default_keymap(), vec![]);
    keys(&mut s, "j j d");
    // The row dismissed above: the status as shown (queued, not yet sent) goes out.
    keys(&mut s, "k k k x j x");
    keys(&mut s, "|");
    assert_eq!(s.mode, Mode::Pipe);
    type_text(&mut s, "jq -r .name | wc -l");
    keys(&mut s, "ctrl-w");
    assert_eq!(s.pipe.line, "jq -r .name | wc ");
    type_text(&mut s, "-c");
    let fx = keys(&mut s, "enter");
    assert_eq!(s.mode, Mode::Normal);
    let jobs = pipes(&fx);
    assert_eq!(jobs.len(), 1, "{fx:?}");
    assert_eq!(jobs[0].command, "jq -r .name | wc -c");
    assert!(!jobs[0].interactive);
    let got: Vec<(u128, Status)> = jobs[0]
        .leads
        .iter()
        .map(|l| (l.id.as_u128(), l.status))
        .collect();
    assert_eq!(got, vec![(1, Status::New), (3, Status::Dismissed)]);
    update(
        &mut s,
        Msg::PipeDone(PipeDone {
            label: jobs[0].label.clone(),
            count: 2,
            ended: Ended::Code(3),
            tail: vec!["first".into(), "bad \x1b[31mthing\x1b[0m".into()],
        }),
    );
    let toast = s.toast.clone().unwrap();
    assert!(toast.contains("failed, exit 3 (2 leads)"), "{toast}");
    assert!(toast.ends_with("first │ bad thing"), "{toast}");
    assert_eq!(s.pipe.running, 0);
    // Esc cancels; an empty command runs nothing.
    keys(&mut s, "|");
    type_text(&mut s, "cat");
    let fx = keys(&mut s, "esc");
    assert!(pipes(&fx).is_empty() && s.mode == Mode::Normal);
    keys(&mut s, "|");
    let fx = keys(&mut s, "enter");
    assert!(pipes(&fx).is_empty(), "{fx:?}");
}
