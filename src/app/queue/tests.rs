use super::*;
use crate::api::{ApiError, ItemError, PatchOutcome};

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn queue() -> Queue {
    Queue::new(4, Backoff::default(), Jitter::seeded(1))
}

fn ok(updated: &[Uuid], errors: &[(Uuid, &str)]) -> Result<PatchOutcome, ApiError> {
    Ok(PatchOutcome {
        updated: updated.iter().map(Uuid::to_string).collect(),
        errors: errors
            .iter()
            .map(|(i, e)| ItemError {
                id: i.to_string(),
                error: (*e).into(),
            })
            .collect(),
    })
}

#[test]
fn merges_last_wins_and_cancels_back_to_confirmed() {
    let mut q = queue();
    assert!(q.change(id(1), GroupBy::Person, Status::New, Status::Contacted));
    assert!(q.change(id(1), GroupBy::Person, Status::New, Status::Dismissed));
    assert_eq!(q.entries.len(), 1);
    assert_eq!(q.shown(&id(1), Status::New), Status::Dismissed);
    // Back to the confirmed status: nothing left to send.
    assert!(q.change(id(1), GroupBy::Person, Status::New, Status::New));
    assert!(q.entries.is_empty());
    assert_eq!(q.counts, Counts::default());
    // Setting the confirmed status on an untouched lead queues nothing.
    assert!(!q.change(id(2), GroupBy::Person, Status::New, Status::New));
}

#[test]
fn batches_are_at_most_200_and_limited_by_concurrency() {
    let mut q = Queue::new(2, Backoff::default(), Jitter::seeded(1));
    for n in 0..1000 {
        q.change(id(n), GroupBy::Person, Status::New, Status::Dismissed);
    }
    let first = q.take_batches();
    assert_eq!(first.len(), 2, "two requests in flight at most");
    assert!(first.iter().all(|b| b.items.len() == 200));
    assert_eq!(
        q.counts,
        Counts {
            pending: 600,
            sending: 400,
            failed: 0
        }
    );
    assert!(q.take_batches().is_empty(), "no free slot");
    let b = &first[0];
    let ids: Vec<Uuid> = b.items.iter().map(|i| i.entity_id).collect();
    q.reconcile(b.id, ok(&ids, &[]));
    let next = q.take_batches();
    assert_eq!(next.len(), 1);
    // Oldest first: the first batch held leads 0..200.
    assert_eq!(ids[0], id(0));
}

#[test]
fn per_item_errors_fail_only_their_rows_and_show_confirmed() {
    let mut q = queue();
    for n in 1..=3 {
        q.change(id(n), GroupBy::Person, Status::New, Status::Contacted);
    }
    let b = q.take_batches().remove(0);
    let r = q.reconcile(b.id, ok(&[id(1), id(3)], &[(id(2), "not_found")]));
    assert_eq!(r.confirmed.len(), 2);
    assert_eq!(r.refused, vec![(id(2), "not_found".to_owned())]);
    assert_eq!(
        q.counts,
        Counts {
            pending: 0,
            sending: 0,
            failed: 1
        }
    );
    let e = &q.entries[&id(2)];
    assert_eq!(e.error.as_deref(), Some("not_found"));
    assert_eq!(
        e.shown(),
        Status::New,
        "a failed row shows its last confirmed status"
    );
    assert!(q.done.contains(&id(1)));
    // Retry puts it back; a new change clears the failure too.
    assert_eq!(q.retry(None), 1);
    assert_eq!(q.counts.pending, 1);
}

#[test]
fn one_request_per_lead_newer_intent_waits() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Contacted);
    let b = q.take_batches().remove(0);
    q.change(id(1), GroupBy::Person, Status::New, Status::Dismissed);
    assert_eq!(q.shown(&id(1), Status::New), Status::Dismissed);
    assert!(q.take_batches().is_empty(), "the lead is already in flight");
    q.reconcile(b.id, ok(&[id(1)], &[]));
    let e = &q.entries[&id(1)];
    assert_eq!(
        (e.phase, e.intent, e.confirmed),
        (Phase::Pending, Status::Dismissed, Status::Contacted)
    );
    let b2 = q.take_batches().remove(0);
    assert_eq!(
        b2.items,
        vec![StatusChange {
            entity_id: id(1),
            status: Status::Dismissed
        }]
    );
}

#[test]
fn changing_back_while_sending_reverts_after_confirmation() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Dismissed);
    let b = q.take_batches().remove(0);
    q.change(id(1), GroupBy::Person, Status::New, Status::New);
    q.reconcile(b.id, ok(&[id(1)], &[]));
    // The server now says dismissed, but the rep wants new: queue it.
    assert_eq!(q.entries[&id(1)].intent, Status::New);
    assert_eq!(q.entries[&id(1)].confirmed, Status::Dismissed);
}

#[test]
fn transient_errors_requeue_and_schedule_a_retry() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Contacted);
    let b = q.take_batches().remove(0);
    let r = q.reconcile(
        b.id,
        Err(ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        }),
    );
    assert!(r.retry_in.is_some_and(|d| d >= Duration::from_secs(7)));
    assert_eq!(q.concurrency, 2, "429 halves the concurrency");
    assert_eq!(q.counts.pending, 1);
    assert!(
        q.take_batches().is_empty(),
        "nothing is sent before the retry is due"
    );
    q.retry_due();
    let b = q.take_batches().remove(0);
    q.reconcile(b.id, ok(&[id(1)], &[]));
    assert_eq!(q.concurrency, 3, "success grows it back");
    assert!(q.entries.is_empty());
}

#[test]
fn auth_failure_blocks_and_keeps_changes() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Contacted);
    let b = q.take_batches().remove(0);
    let r = q.reconcile(b.id, Err(ApiError::Unauthorized { message: None }));
    assert!(r.auth_failed && q.auth_blocked);
    assert_eq!(q.counts.pending, 1);
    assert!(q.take_batches().is_empty());
}

#[test]
fn validation_errors_fail_the_batch_rows() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Contacted);
    let b = q.take_batches().remove(0);
    q.reconcile(
        b.id,
        Err(ApiError::Invalid {
            status: 400,
            code: "invalid_request".into(),
            message: None,
        }),
    );
    assert_eq!(q.entries[&id(1)].error.as_deref(), Some("invalid_request"));
    assert_eq!(q.counts.failed, 1);
}

#[test]
fn items_missing_from_the_answer_are_resent() {
    let mut q = queue();
    q.change(id(1), GroupBy::Person, Status::New, Status::Contacted);
    q.change(id(2), GroupBy::Person, Status::New, Status::Contacted);
    let b = q.take_batches().remove(0);
    let r = q.reconcile(b.id, ok(&[id(1)], &[]));
    assert!(r.retry_in.is_some());
    assert_eq!(q.entries[&id(2)].phase, Phase::Pending);
}
