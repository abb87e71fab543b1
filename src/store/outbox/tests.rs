//! The rules of a shared outbox, one test each, with two handles on one file as two
//! processes would have.

use super::*;
use crate::api::GroupBy;

fn row(n: u128, status: Status) -> OutboxRow {
    OutboxRow {
        id: Uuid::from_u128(n),
        group: GroupBy::Person,
        status,
        confirmed: Status::New,
        error: None,
        seq: n as u64,
    }
}

fn change(n: u128, status: Status) -> StatusChange {
    StatusChange {
        entity_id: Uuid::from_u128(n),
        status,
    }
}

/// Two handles on one file, as two processes would have: the second one's claims are
/// made in the name of a live process that is not this one (the test runner's parent).
fn pair() -> (tempfile::TempDir, Store, Store) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.sqlite3");
    let a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    b.token = format!("{}:other", std::os::unix::process::parent_id());
    (dir, a, b)
}

/// The queued status of lead `n`, read without the handle learning anything (as another
/// process would see it).
fn status_of(s: &mut Store, n: u128) -> Option<Status> {
    s.conn
        .query_row(
            "SELECT status FROM outbox WHERE lead_id = ?1 AND applied = 0",
            params![Uuid::from_u128(n).to_string()],
            |r| r.get::<_, String>(0),
        )
        .optional()
        .unwrap()
        .and_then(|s| Status::from_wire(&s))
}

#[test]
fn a_confirmation_never_removes_another_process_newer_intent() {
    let (_d, mut a, mut b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    b.outbox().unwrap();
    b.write_outbox(&[OutboxOp::Put(row(1, Status::Contacted))])
        .unwrap();
    // A's dismissal comes back confirmed: B's newer intent must stay queued.
    a.write_outbox(&[OutboxOp::Applied(Uuid::from_u128(1))])
        .unwrap();
    assert_eq!(status_of(&mut a, 1), Some(Status::Contacted));
    // Nor may A's refusal (a new state of its older intent) overwrite it.
    let mut refused = row(1, Status::Dismissed);
    refused.error = Some("not_found".into());
    a.write_outbox(&[OutboxOp::Update(refused)]).unwrap();
    assert_eq!(status_of(&mut b, 1), Some(Status::Contacted));
    let error: Option<String> = b
        .conn
        .query_row("SELECT error FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(error, None);
}

#[test]
fn a_change_undone_in_one_process_is_not_sent_by_the_other() {
    let (_d, mut a, mut b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    assert_eq!(b.outbox().unwrap().len(), 1, "B restores A's change");
    let mut back = row(1, Status::New);
    back.confirmed = Status::New;
    assert!(
        a.write_outbox(&[OutboxOp::Cancel(back)])
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        b.claim(&[change(1, Status::Dismissed)]).unwrap(),
        [(Uuid::from_u128(1), Claim::Gone)]
    );
}

#[test]
fn one_lead_is_sent_by_one_process_at_a_time_and_newer_intents_are_adopted() {
    let (_d, mut a, mut b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    b.outbox().unwrap();
    assert_eq!(
        a.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Mine
    );
    assert_eq!(
        b.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Busy,
        "A is sending it"
    );
    // Meanwhile B changes its mind; A's request comes back.
    b.write_outbox(&[OutboxOp::Put(row(1, Status::Contacted))])
        .unwrap();
    a.release(&[Uuid::from_u128(1)]).unwrap();
    a.write_outbox(&[OutboxOp::Applied(Uuid::from_u128(1))])
        .unwrap();
    assert_eq!(
        status_of(&mut a, 1),
        Some(Status::Contacted),
        "still queued"
    );
    // A, holding the old intent, claims again: it adopts B's newer one.
    assert_eq!(
        a.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Adopted(Status::Contacted)
    );
    a.write_outbox(&[OutboxOp::Applied(Uuid::from_u128(1))])
        .unwrap();
    // B learns its intent was applied, instead of guessing.
    assert_eq!(
        b.claim(&[change(1, Status::Contacted)]).unwrap()[0].1,
        Claim::Applied(Status::Contacted)
    );
    assert_eq!(b.outbox_len().unwrap(), 0);
}

#[test]
fn undoing_a_change_another_process_already_sent_becomes_a_change_back() {
    let (_d, mut a, mut b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    b.outbox().unwrap();
    assert_eq!(
        b.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Mine
    );
    b.release(&[Uuid::from_u128(1)]).unwrap();
    b.write_outbox(&[OutboxOp::Applied(Uuid::from_u128(1))])
        .unwrap();
    // A never heard of it and undoes its (to it, unsent) change.
    let mut back = row(1, Status::New);
    back.confirmed = Status::New;
    let revived = a.write_outbox(&[OutboxOp::Cancel(back)]).unwrap();
    assert_eq!(revived.len(), 1);
    assert_eq!(revived[0].status, Status::New);
    assert_eq!(status_of(&mut b, 1), Some(Status::New), "queued to go back");
    assert_eq!(
        a.claim(&[change(1, Status::New)]).unwrap()[0].1,
        Claim::Mine
    );
}

#[test]
fn undoing_a_change_sent_elsewhere_without_an_answer_becomes_a_change_back() {
    let (_d, mut a, mut b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    b.outbox().unwrap();
    // B sends it; the request times out (no outcome): B only releases its claim.
    assert_eq!(
        b.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Mine
    );
    b.release(&[Uuid::from_u128(1)]).unwrap();
    let mut back = row(1, Status::New);
    back.confirmed = Status::New;
    let revived = a.write_outbox(&[OutboxOp::Cancel(back)]).unwrap();
    assert_eq!(
        revived.len(),
        1,
        "Puffle may hold it: the undo must be sent"
    );
    assert_eq!(status_of(&mut a, 1), Some(Status::New));
    // A definite refusal is an outcome: undoing a refused change is a plain cancel.
    a.write_outbox(&[OutboxOp::Put(row(2, Status::Dismissed))])
        .unwrap();
    assert_eq!(
        a.claim(&[change(2, Status::Dismissed)]).unwrap()[0].1,
        Claim::Mine
    );
    let mut refused = row(2, Status::Dismissed);
    refused.error = Some("not_found".into());
    a.write_outbox(&[OutboxOp::Update(refused)]).unwrap();
    let mut back = row(2, Status::New);
    back.confirmed = Status::New;
    assert!(
        a.write_outbox(&[OutboxOp::Cancel(back)])
            .unwrap()
            .is_empty()
    );
    assert_eq!(status_of(&mut a, 2), None);
}

#[test]
fn a_claim_of_a_dead_process_is_void() {
    let (_d, mut a, _b) = pair();
    a.write_outbox(&[OutboxOp::Put(row(1, Status::Dismissed))])
        .unwrap();
    // A claim left by a process that no longer exists (pid far above any real one).
    a.conn
        .execute(
            "UPDATE outbox SET claim = '4194303999:0', claim_until = ?1",
            params![now_ms() + CLAIM_LEASE_MS],
        )
        .unwrap();
    assert_eq!(
        a.claim(&[change(1, Status::Dismissed)]).unwrap()[0].1,
        Claim::Mine
    );
    // A live claim past its lease is void too.
    assert!(!held_by_other(Some("1:0"), now_ms() - 1, "me", now_ms()));
    // Our pid with another token: left by an earlier process with our pid (a container's
    // pid 1 run again), so void.
    let earlier = format!("{}:earlier", std::process::id());
    assert!(!held_by_other(
        Some(&earlier),
        now_ms() + 60_000,
        &process_token(),
        now_ms()
    ));
}
