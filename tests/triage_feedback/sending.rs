//! `$` during a retry wait, the detail pane's sync phase and history, and refused changes
//! counted as failed.

use std::time::Duration;

use lead_triage::api::{ApiError, PatchOutcome};
use lead_triage::app::queue::Phase;
use lead_triage::app::{Effect, Mode, Msg, update};
use lead_triage::ui;

use super::fixtures::*;

// ── 1. `$` during a retry wait ──────────────────────────────────────────────────────────────

#[test]
fn dollar_during_a_backoff_sends_now_and_the_stale_timer_sends_nothing_later() {
    let mut s = loaded(leads(4));
    keys(&mut s, "d d");
    let b = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, failed_with(&b, server_error(None)));
    assert!(s.retry_at.is_some(), "a backoff wait");
    assert!(s.queue.retry_scheduled.is_some());
    assert!(sends(&update(&mut s, Msg::FlushDue)).is_empty());
    // `$` cancels the wait and hands the batch to the worker.
    let b2 = sends(&press(&mut s, "$"));
    assert_eq!(b2.len(), 1, "sent at once");
    assert_eq!(batch_ids(&b2[0]), [1, 2]);
    assert_eq!(s.retry_at, None);
    assert_eq!(s.queue.retry_scheduled, None);
    assert_eq!(s.queue.wait_reason, None);
    assert_eq!(toast(&s), "sending 2 changes now");
    update(&mut s, all_ok(&b2[0]));
    assert_eq!(s.queue.counts, counts(0, 0, 0));
    // A new change waits for its debounce: the timer of the cancelled wait, firing later,
    // must not send it early.
    let fx = press(&mut s, "c");
    assert!(fx.iter().any(|e| matches!(e, Effect::ArmDebounce(_))));
    assert!(sends(&update(&mut s, Msg::RetryDue)).is_empty());
    assert_eq!(s.queue.counts, counts(1, 0, 0));
    assert_eq!(sends(&update(&mut s, Msg::FlushDue)).len(), 1);
}

#[test]
fn retry_keys_and_send_then_quit_during_a_wait_send_now() {
    let mut s = loaded(leads(4));
    // Lead 1 is refused (not_found); then lead 2 meets an hour-long Retry-After.
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, all_refused(&b1, "not_found"));
    press(&mut s, "d");
    let b2 = sends(&press(&mut s, "$")).remove(0);
    update(
        &mut s,
        failed_with(
            &b2,
            ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(3600)),
            },
        ),
    );
    assert_eq!(s.queue.counts, counts(1, 0, 1));
    assert!(s.retry_at.unwrap() >= Duration::from_secs(3600));
    // `R` retries the refused change: that is sending now, so the wait is cut short.
    let fx = press(&mut s, "R");
    let b3 = sends(&fx);
    assert_eq!(b3.len(), 1, "{fx:?}");
    assert_eq!(batch_ids(&b3[0]), [1, 2]);
    assert_eq!(s.retry_at, None);
    update(
        &mut s,
        failed_with(
            &b3[0],
            ApiError::RateLimited {
                retry_after: Some(Duration::from_secs(3600)),
            },
        ),
    );
    assert!(s.retry_at.is_some());
    // "Send, then quit" in the quit question sends now too, and quits once it is done.
    press(&mut s, "q");
    assert_eq!(s.mode, Mode::ConfirmQuit);
    let b4 = sends(&press(&mut s, "s"));
    assert_eq!(b4.len(), 1, "sent now, not after the hour");
    assert_eq!(s.retry_at, None);
    let fx = update(&mut s, all_ok(&b4[0]));
    assert!(fx.contains(&Effect::Quit), "{fx:?}");
}

#[test]
fn dollar_says_why_when_nothing_can_go() {
    let mut s = loaded(leads(3));
    press(&mut s, "$");
    assert_eq!(toast(&s), "nothing waiting to be sent");
    press(&mut s, "d");
    let _b = sends(&press(&mut s, "$")).remove(0);
    press(&mut s, "$");
    assert_eq!(toast(&s), "nothing more to send (1 on the way)");
}

// ── 2. The detail pane's sync phase and history ─────────────────────────────────────────────

#[test]
fn after_six_failed_attempts_the_detail_shows_the_wait_and_every_attempt() {
    let mut s = loaded(leads(3));
    press(&mut s, "c");
    press(&mut s, "k");
    let mut batch = sends(&press(&mut s, "$")).remove(0);
    for n in 1..=6u32 {
        assert_eq!(
            ui::detail::sync_phase(&s, &id(1)),
            format!("sending (batch {}, attempt {n})", batch.id)
        );
        let retry_after = (n == 6).then_some(Duration::from_secs(58));
        update(&mut s, failed_with(&batch, server_error(retry_after)));
        if n < 6 {
            batch = sends(&update(&mut s, Msg::RetryDue)).remove(0);
        }
    }
    // Not "pending (not sent yet)": waiting to retry, after how many attempts, until when.
    assert_eq!(
        ui::detail::sync_phase(&s, &id(1)),
        "waiting to retry: 6 attempts failed · Puffle asked to wait 58 s (server_error) · $ sends now"
    );
    press(&mut s, "enter");
    let text = detail_text(&s, 96);
    let history: Vec<&String> = text.iter().filter(|l| l.contains(" failed: ")).collect();
    assert_eq!(history.len(), 6, "one line per attempt: {text:#?}");
    for (k, line) in history.iter().enumerate() {
        assert!(
            line.contains(&format!(
                "attempt {} failed: Puffle server error (503",
                k + 1
            )),
            "{line}"
        );
    }
    assert!(history[0].contains("retrying in"), "{}", history[0]);
    assert!(
        text.iter()
            .any(|l| l.contains("sending contacted (batch ") && l.contains(", attempt 6)")),
        "each send names its attempt: {text:#?}"
    );
    assert!(
        text.iter().any(|l| l.contains("new → contacted (queued)")),
        "{text:#?}"
    );
    // The next attempt is the seventh; Puffle refuses it: the pane says so, with the code.
    press(&mut s, "esc");
    let b7 = sends(&press(&mut s, "$")).remove(0);
    assert_eq!(
        ui::detail::sync_phase(&s, &id(1)),
        format!("sending (batch {}, attempt 7)", b7.id)
    );
    update(&mut s, all_refused(&b7, "not_found"));
    assert_eq!(
        ui::detail::sync_phase(&s, &id(1)),
        "failed: refused by Puffle (not_found) after 7 attempts · r retries"
    );
    press(&mut s, "enter");
    let text = detail_text(&s, 96);
    assert!(
        text.iter()
            .any(|l| l.contains("attempt 7 refused by Puffle (not_found)")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|l| l.contains("error") && l.contains("not_found: Puffle has no such lead")),
        "{text:#?}"
    );
}

#[test]
fn the_detail_names_every_phase() {
    let mut s = loaded(leads(3));
    assert_eq!(ui::detail::sync_phase(&s, &id(1)), "in sync");
    press(&mut s, "c");
    assert_eq!(
        ui::detail::sync_phase(&s, &id(1)),
        "pending: not sent yet, goes after a short pause · $ sends now"
    );
    let b = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, all_ok(&b));
    assert_eq!(ui::detail::sync_phase(&s, &id(1)), "confirmed by Puffle");
    // A change restored from an earlier run waits for Puffle's current status.
    update(
        &mut s,
        Msg::Restore {
            outbox: vec![lead_triage::store::OutboxRow {
                id: id(3),
                group: lead_triage::api::GroupBy::Person,
                status: lead_triage::api::Status::Dismissed,
                confirmed: lead_triage::api::Status::New,
                error: None,
                seq: 1,
            }],
            cache: Vec::new(),
            check: true,
        },
    );
    assert!(
        ui::detail::sync_phase(&s, &id(3))
            .starts_with("waiting: Puffle's current status is checked first"),
        "{}",
        ui::detail::sync_phase(&s, &id(3))
    );
    // Left out of an answer: queued again, the attempt's result in the history.
    press(&mut s, "d");
    let b = sends(&press(&mut s, "$")).remove(0);
    update(
        &mut s,
        Msg::BatchDone {
            batch: b.id,
            result: Ok(PatchOutcome::default()),
        },
    );
    assert!(
        ui::detail::sync_phase(&s, &id(2))
            .starts_with("waiting to retry: attempt 1 failed · retrying in"),
        "{}",
        ui::detail::sync_phase(&s, &id(2))
    );
    let log = &s.sync_log[&id(2)];
    assert!(
        log.iter().any(|(_, l)| l
            .starts_with("attempt 1 failed: left out of Puffle's answer (1 of 5); retrying in")),
        "{log:?}"
    );
}

// ── 7. Refused changes are failed, never waiting ────────────────────────────────────────────

#[test]
fn a_refused_change_is_counted_as_failed_not_waiting() {
    let mut s = loaded(leads(4));
    press(&mut s, "d");
    let b1 = sends(&press(&mut s, "$")).remove(0);
    update(&mut s, all_refused(&b1, "not_found"));
    press(&mut s, "c");
    let b2 = sends(&press(&mut s, "$")).remove(0);
    update(
        &mut s,
        failed_with(
            &b2,
            ApiError::Connect {
                host: "app.puffle.ai".into(),
                detail: "refused".into(),
            },
        ),
    );
    assert_eq!(s.queue.counts, counts(1, 0, 1));
    assert_eq!(s.queue.counts.waiting(), 1);
    assert_eq!(
        s.queue.entries[&id(1)].phase,
        Phase::Failed,
        "the refused one"
    );
    let text = screen(&s);
    let status = text
        .lines()
        .find(|l| l.contains("pending "))
        .expect("status line");
    assert!(
        status.contains("pending 1 · sending 0 · failed 1"),
        "{status}"
    );
    assert!(status.contains("offline: 1 change waiting"), "{status}");
    // The quit question counts them apart too.
    press(&mut s, "q");
    let text = screen(&s).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("1 change is not sent to Puffle yet"),
        "{text}"
    );
    assert!(text.contains("1 change was refused by Puffle"), "{text}");
}
