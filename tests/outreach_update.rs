#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Outreach in `update`: drafting only when asked (and asking first above the threshold),
//! edits and votes committed before they show, sent, retried, and settled.

#[allow(dead_code)]
#[path = "triage_feedback/fixtures.rs"]
mod fixtures;

use fixtures::*;
use lead_triage::api::model::Signal;
use lead_triage::api::outreach::{ALREADY_IN_FLIGHT, DmDraft, GenerateResult, SignalUpdate, Vote};
use lead_triage::api::{ApiError, PatchOutcome, Status};
use lead_triage::app::outreach::{CONFIRM_DRAFTS_OVER, EditJob, Kind};
use lead_triage::app::{Effect, Mode, Msg, State, update};

const SIGNAL: &str = "4b0c8f0e-7f7e-4d2e-9a53-1e9f9a3c0001";

/// The reading pane open on the first lead, its one signal loaded.
fn reading() -> State {
    let mut s = loaded(leads(8));
    let lead = s.cursor_lead().unwrap().id;
    press(&mut s, "enter");
    update(
        &mut s,
        Msg::Signals {
            id: lead,
            result: Ok(vec![Signal {
                id: SIGNAL.into(),
                title: Some("Hiring 3 AEs".into()),
                score: Some(3.0),
                url: Some("https://www.linkedin.com/posts/1".into()),
                ..Signal::default()
            }]),
            fetched_at: 0,
            cached: false,
        },
    );
    s
}

/// The runner's answer once a change to a signal is committed to the store.
fn queued(lead: uuid::Uuid, update: SignalUpdate) -> Msg {
    Msg::SignalUpdateQueued {
        lead,
        update: Ok(update),
    }
}

/// Puffle confirmed the signal's change.
fn confirmed(sent: Vec<SignalUpdate>) -> Msg {
    Msg::SignalsPatched {
        sent,
        result: Ok(PatchOutcome {
            updated: vec![SIGNAL.into()],
            errors: vec![],
        }),
    }
}

fn generates(fx: &[Effect]) -> usize {
    fx.iter()
        .filter(|e| matches!(e, Effect::Generate { .. }))
        .count()
}

#[test]
fn m_drafts_the_signal_under_the_pane_and_the_answer_fills_it() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    let fx = press(&mut s, "m");
    assert_eq!(
        fx,
        vec![Effect::Generate {
            group: lead_triage::api::GroupBy::Person,
            items: vec![(lead, Some(SIGNAL.into()))],
            dm: true,
            comment: false,
        }]
    );
    assert!(s.outreach.drafting.contains_key(&lead));
    // Another call was already writing it: the pane says so, then the draft lands.
    update(
        &mut s,
        Msg::Drafted(vec![(
            lead,
            GenerateResult {
                id: SIGNAL.into(),
                error: Some(ALREADY_IN_FLIGHT.into()),
                ..GenerateResult::default()
            },
        )]),
    );
    let text = detail_text(&s, 100).join("\n");
    assert!(
        text.contains("already being drafted, asking again"),
        "{text}"
    );
    let fx = update(
        &mut s,
        Msg::Drafted(vec![(
            lead,
            GenerateResult {
                id: SIGNAL.to_uppercase(),
                dm: Some(DmDraft {
                    text: "Hi Ada,\n\ncongrats on the hires.".into(),
                    profile_url: Some("https://www.linkedin.com/in/ada".into()),
                    messaging_url: Some("https://www.linkedin.com/messaging/compose/?r=ada".into()),
                }),
                ..GenerateResult::default()
            },
        )]),
    );
    assert!(!s.outreach.drafting.contains_key(&lead));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::SaveSignals { .. })),
        "kept in the store's cache: {fx:?}"
    );
    let text = detail_text(&s, 100).join("\n");
    assert!(text.contains("DM draft:"), "{text}");
    assert!(
        text.contains("Hi Ada,") && text.contains("congrats on the hires."),
        "{text}"
    );
}

#[test]
fn drafting_for_a_selection_above_the_threshold_asks_first_and_esc_sends_nothing() {
    let mut s = loaded(leads(8));
    for _ in 0..=CONFIRM_DRAFTS_OVER {
        press(&mut s, "x");
    }
    let fx = press(&mut s, "m");
    assert_eq!(generates(&fx), 0, "asked first: {fx:?}");
    assert!(matches!(s.mode, Mode::ConfirmDrafts(_)));
    let fx = press(&mut s, "esc");
    assert_eq!(generates(&fx), 0);
    assert_eq!(s.mode, Mode::Normal);
    assert!(s.outreach.drafting.is_empty());
    assert_eq!(toast(&s), "nothing drafted");
    // Asked again and accepted: one request for all of them, each for its top signal.
    press(&mut s, "m");
    let fx = press(&mut s, "y");
    let Some(Effect::Generate { items, dm, .. }) =
        fx.iter().find(|e| matches!(e, Effect::Generate { .. }))
    else {
        panic!("accepted: {fx:?}")
    };
    assert_eq!(items.len(), CONFIRM_DRAFTS_OVER + 1);
    assert!(
        items.iter().all(|(_, sig)| sig.is_none()),
        "top signals found by the worker"
    );
    assert!(*dm);
    // At the threshold it does not ask.
    let mut s = loaded(leads(8));
    for _ in 0..CONFIRM_DRAFTS_OVER {
        press(&mut s, "x");
    }
    assert_eq!(generates(&press(&mut s, "m")), 1);
}

#[test]
fn an_edit_is_committed_before_it_shows_then_sent_and_settled() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    let fx = press(&mut s, "i");
    let Some(Effect::Edit(job)) = fx.into_iter().next() else {
        panic!("i opens the editor")
    };
    assert_eq!((job.kind, job.text.as_str()), (Kind::Dm, ""));
    let fx = update(
        &mut s,
        Msg::Edited {
            job: job.clone(),
            result: Ok("Hello Ada".into()),
        },
    );
    let want = SignalUpdate {
        id: SIGNAL.into(),
        dm_text: Some("Hello Ada".into()),
        ..SignalUpdate::default()
    };
    assert_eq!(
        fx,
        vec![Effect::QueueSignalUpdate {
            lead,
            update: want.clone()
        }]
    );
    assert!(
        s.outreach.queued.is_empty(),
        "not pending before the store has it"
    );
    let fx = update(&mut s, queued(lead, want.clone()));
    assert_eq!(fx, vec![Effect::SendSignalUpdates(vec![want.clone()])]);
    let text = detail_text(&s, 100).join("\n");
    assert!(
        text.contains("DM edited (sending)") && text.contains("Hello Ada"),
        "{text}"
    );
    // A vote meanwhile is queued; it goes once the first answer is in.
    let fx = press(&mut s, "+");
    let vote = SignalUpdate {
        id: SIGNAL.into(),
        vote: Some(Some(Vote::Up)),
        ..SignalUpdate::default()
    };
    assert_eq!(fx, vec![Effect::QueueSignalUpdate { lead, update: vote }]);
    let merged = SignalUpdate {
        vote: Some(Some(Vote::Up)),
        ..want.clone()
    };
    let fx = update(&mut s, queued(lead, merged.clone()));
    assert!(fx.is_empty(), "one PATCH per signal at a time: {fx:?}");
    let fx = update(&mut s, confirmed(vec![want.clone()]));
    assert!(fx.contains(&Effect::SettleSignalUpdates(vec![want])));
    assert!(
        fx.contains(&Effect::SendSignalUpdates(vec![merged.clone()])),
        "{fx:?}"
    );
    // Puffle leaves it out of its answer: sent again after a wait, then `not_acknowledged`.
    let fx = update(
        &mut s,
        Msg::SignalsPatched {
            sent: vec![merged.clone()],
            result: Ok(PatchOutcome::default()),
        },
    );
    assert!(
        fx.iter()
            .all(|e| !matches!(e, Effect::SendSignalUpdates(_))),
        "waits first"
    );
    update(&mut s, Msg::Tick(std::time::Duration::from_secs(3)));
    assert!(
        s.outreach.queued[SIGNAL].sending.is_some(),
        "sent again once due"
    );
    // A refusal stays on screen with its code.
    update(
        &mut s,
        Msg::SignalsPatched {
            sent: vec![merged],
            result: Ok(PatchOutcome {
                updated: vec![],
                errors: vec![lead_triage::api::ItemError {
                    id: SIGNAL.into(),
                    error: "invalid_vote".into(),
                }],
            }),
        },
    );
    let text = detail_text(&s, 100).join("\n");
    assert!(text.contains("refused: invalid_vote"), "{text}");
}

#[test]
fn a_failed_send_is_retried_and_an_unchanged_edit_queues_nothing() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    let job = EditJob {
        lead,
        signal: SIGNAL.into(),
        kind: Kind::Comment,
        text: "Great news".into(),
    };
    let fx = update(
        &mut s,
        Msg::Edited {
            job: job.clone(),
            result: Ok("Great news".into()),
        },
    );
    assert!(fx.is_empty());
    assert_eq!(toast(&s), "comment draft unchanged");
    let update_ = SignalUpdate {
        id: SIGNAL.into(),
        comment_text: Some("Great news!".into()),
        ..SignalUpdate::default()
    };
    update(&mut s, queued(lead, update_.clone()));
    let fx = update(
        &mut s,
        Msg::SignalsPatched {
            sent: vec![update_.clone()],
            result: Err(ApiError::Timeout),
        },
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.outreach.queued[SIGNAL].retry_at.is_some());
    let fx = update(&mut s, Msg::Tick(std::time::Duration::from_secs(5)));
    assert_eq!(fx, vec![Effect::SendSignalUpdates(vec![update_])]);
}

#[test]
fn send_copies_the_draft_opens_the_messaging_page_and_asks_to_mark_contacted() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    update(
        &mut s,
        Msg::Drafted(vec![(
            lead,
            GenerateResult {
                id: SIGNAL.into(),
                dm: Some(DmDraft {
                    text: "Hi Ada".into(),
                    profile_url: None,
                    messaging_url: Some("https://www.linkedin.com/messaging/compose/?r=ada".into()),
                }),
                ..GenerateResult::default()
            },
        )]),
    );
    let fx = press(&mut s, ">");
    assert_eq!(
        fx,
        vec![
            Effect::Copy("Hi Ada".into()),
            Effect::Open("https://www.linkedin.com/messaging/compose/?r=ada".into())
        ]
    );
    assert_eq!(s.mode, Mode::MarkContacted(lead));
    press(&mut s, "y");
    assert_eq!(s.mode, Mode::Normal);
    let l = &s.data().leads[s.data().by_id[&lead] as usize];
    assert_eq!(s.queue.shown(&l.id, l.status), Status::Contacted);
    // Undoable like any status key.
    press(&mut s, "u");
    let l = &s.data().leads[s.data().by_id[&lead] as usize];
    assert_eq!(s.queue.shown(&l.id, l.status), l.status);
}

#[test]
fn send_without_a_draft_opens_the_profile_alone() {
    let mut s = reading();
    let profile = s.cursor_lead().unwrap().linkedin_url().map(str::to_owned);
    let fx = press(&mut s, ">");
    match profile {
        Some(url) => {
            assert_eq!(fx, vec![Effect::Open(url)]);
            assert!(matches!(s.mode, Mode::MarkContacted(_)));
        }
        None => assert!(fx.is_empty()),
    }
}

#[test]
fn a_refused_old_send_does_not_block_the_newer_change_and_a_refusal_leaves_the_store() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    let first = SignalUpdate {
        id: SIGNAL.into(),
        dm_text: Some("one".into()),
        ..SignalUpdate::default()
    };
    update(&mut s, queued(lead, first.clone()));
    // Without a store the runner passes the raw change on: it is merged here, not lost.
    let vote = SignalUpdate {
        id: SIGNAL.into(),
        vote: Some(Some(Vote::Down)),
        ..SignalUpdate::default()
    };
    update(&mut s, queued(lead, vote));
    let both = SignalUpdate {
        vote: Some(Some(Vote::Down)),
        ..first.clone()
    };
    assert_eq!(s.outreach.queued[SIGNAL].update, both);
    // Puffle refuses the first send: the newer change (both) still goes.
    let refused = PatchOutcome {
        updated: vec![],
        errors: vec![lead_triage::api::ItemError {
            id: SIGNAL.into(),
            error: "invalid_request".into(),
        }],
    };
    let fx = update(
        &mut s,
        Msg::SignalsPatched {
            sent: vec![first],
            result: Ok(refused.clone()),
        },
    );
    assert!(s.outreach.queued[SIGNAL].error.is_none());
    assert!(
        fx.contains(&Effect::SendSignalUpdates(vec![both.clone()])),
        "{fx:?}"
    );
    // Refused as it stands: shown, and out of the store so no later start sends it again.
    let fx = update(
        &mut s,
        Msg::SignalsPatched {
            sent: vec![both.clone()],
            result: Ok(refused),
        },
    );
    assert_eq!(fx, vec![Effect::SettleSignalUpdates(vec![both])]);
    assert_eq!(
        lead_triage::app::outreach::unsent(&s),
        0,
        "not counted as waiting"
    );
}

#[test]
fn a_draft_waited_for_elsewhere_is_not_asked_again_and_an_older_fetch_keeps_the_edit() {
    let mut s = reading();
    let lead = s.cursor_lead().unwrap().id;
    press(&mut s, "m");
    update(
        &mut s,
        Msg::Drafted(vec![(
            lead,
            GenerateResult {
                id: SIGNAL.into(),
                error: Some(ALREADY_IN_FLIGHT.into()),
                ..GenerateResult::default()
            },
        )]),
    );
    assert_eq!(
        generates(&press(&mut s, "m")),
        0,
        "still being drafted: not paid twice"
    );
    assert_eq!(toast(&s), "already drafting for that");
    // An edit is confirmed; a fetch begun before it answers with the old text afterwards.
    let edit = SignalUpdate {
        id: SIGNAL.into(),
        dm_text: Some("edited".into()),
        ..SignalUpdate::default()
    };
    update(&mut s, queued(lead, edit.clone()));
    update(&mut s, confirmed(vec![edit]));
    let fx = update(
        &mut s,
        Msg::Signals {
            id: lead,
            result: Ok(vec![Signal {
                id: SIGNAL.into(),
                dm_text: Some("old draft".into()),
                ..Signal::default()
            }]),
            fetched_at: 0,
            cached: true,
        },
    );
    let sig = lead_triage::app::pane::current_signal(&s).unwrap();
    assert_eq!(sig.dm_text.as_deref(), Some("edited"));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::SaveSignals { .. })),
        "the store's cache gets the confirmed edit: {fx:?}"
    );
}
