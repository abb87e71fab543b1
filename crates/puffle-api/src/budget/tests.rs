//! The budget under tokio's paused clock: time moves only when every task waits, so the
//! schedule is exact and nothing sleeps for real.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::*;

/// Start `n` requests of `lane` now; each returns the moment it got its slot.
fn spawn_many(b: &Arc<Budget>, lane: Lane, n: usize) -> Vec<tokio::task::JoinHandle<Instant>> {
    (0..n)
        .map(|_| {
            let b = Arc::clone(b);
            tokio::spawn(async move {
                b.acquire(lane).await;
                Instant::now()
            })
        })
        .collect()
}

async fn times(handles: Vec<tokio::task::JoinHandle<Instant>>) -> Vec<Instant> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out.sort();
    out
}

/// Most sends in any window of `len` starting at a send.
fn most_in_any(times: &[Instant], len: Duration) -> usize {
    (0..times.len())
        .map(|i| {
            times[i..]
                .iter()
                .take_while(|t| **t - times[i] < len)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(start_paused = true)]
async fn background_reads_are_paced_and_never_fill_a_window() {
    let b = Arc::new(Budget::new(100));
    let start = Instant::now();
    let sent = times(spawn_many(&b, Lane::Listing, 250)).await;
    let share = 100 - b.reserve() as usize;
    assert_eq!(share, 98);
    assert!(most_in_any(&sent, Duration::from_secs(60)) <= share);
    // Paced evenly: one every window ÷ share, so 250 take 249 spacings.
    let spacing = WINDOW / share as u32;
    for w in sent.windows(2) {
        assert!(w[1] - w[0] >= spacing, "{:?}", w[1] - w[0]);
    }
    let took = *sent.last().unwrap() - start;
    // Timers have millisecond steps: each spacing ends on the next millisecond at the latest.
    assert!(took >= spacing * 249 && took <= (spacing + Duration::from_millis(1)) * 249);
    let v = b.view();
    assert_eq!(v.sent[Lane::Listing as usize], 250);
    assert_eq!(v.rate_limited, 0);
}

#[tokio::test(start_paused = true)]
async fn a_write_goes_before_every_waiting_read_and_has_headroom() {
    let b = Arc::new(Budget::new(100));
    let reads = spawn_many(&b, Lane::Hydration, 40);
    let listing = spawn_many(&b, Lane::Listing, 40);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = b.view().sent;
    let write = spawn_many(&b, Lane::Write, 1);
    let wrote = times(write).await[0];
    let after = b.view().sent;
    assert_eq!(wrote, Instant::now(), "the write was not held");
    assert_eq!(
        after[Lane::Listing as usize] + after[Lane::Hydration as usize],
        before[Lane::Listing as usize] + before[Lane::Hydration as usize],
        "no read went between the keypress and the write"
    );
    // A full window of reads still leaves the reserve to writes.
    let all = times(reads).await.len() + times(listing).await.len();
    assert_eq!(all, 80);
    let b = Arc::new(Budget::new(100));
    let _ = times(spawn_many(&b, Lane::OnScreen, 98)).await;
    let t = Instant::now();
    let w = times(spawn_many(&b, Lane::Write, 2)).await;
    assert!(
        w.iter().all(|x| *x == t),
        "two writes at once within the reserve"
    );
}

#[tokio::test(start_paused = true)]
async fn a_429_stops_every_lane_until_retry_after_and_lowers_the_limit() {
    let b = Arc::new(Budget::new(100));
    let _ = times(spawn_many(&b, Lane::OnScreen, 10)).await;
    let t = Instant::now();
    b.rate_limited(Some(Duration::from_secs(5)));
    let v = b.view();
    assert_eq!(v.per_min, 9, "what the window held, less one");
    assert_eq!(v.rate_limited, 1);
    let w = times(spawn_many(&b, Lane::Write, 1)).await[0];
    // Not before the server's Retry-After, and not before the lowered limit allows: the ten
    // sent at `t` leave the window first.
    assert_eq!(w - t, WINDOW);
    let b = Budget::new(100);
    b.rate_limited(Some(Duration::from_secs(5)));
    let t = Instant::now();
    b.acquire(Lane::Write).await;
    assert_eq!(
        Instant::now() - t,
        Duration::from_secs(5),
        "an empty window: Retry-After"
    );
}

#[tokio::test(start_paused = true)]
async fn headers_lower_the_limit_and_an_empty_remaining_waits_for_reset() {
    let b = Budget::new(100);
    b.observe_headers(Some(30), Some(0), Some(Duration::from_secs(7)));
    assert_eq!(b.view().per_min, 30);
    let t = Instant::now();
    b.acquire(Lane::Write).await;
    assert_eq!(Instant::now() - t, Duration::from_secs(7));
    b.observe_headers(Some(500), None, None);
    assert_eq!(
        b.view().per_min,
        30,
        "a higher limit never raises the budget"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_waiter_does_not_hold_back_the_lanes_after_it() {
    let b = Arc::new(Budget::new(2));
    b.acquire(Lane::Write).await;
    b.acquire(Lane::Write).await;
    // The window is full: this write waits, then is given up.
    let gave_up = tokio::time::timeout(Duration::from_secs(1), b.acquire(Lane::Write)).await;
    assert!(gave_up.is_err());
    assert_eq!(b.view().waiting, [0; 4]);
    let t = Instant::now();
    b.acquire(Lane::Listing).await;
    assert!(
        Instant::now() - t <= WINDOW,
        "the read went once the window freed"
    );
}

#[tokio::test(start_paused = true)]
async fn the_view_says_who_waits_and_why() {
    let b = Arc::new(Budget::new(100));
    b.rate_limited(Some(Duration::from_secs(30)));
    let w = spawn_many(&b, Lane::Write, 3);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let v = b.view();
    assert_eq!(v.waiting[Lane::Write as usize], 3);
    let (why, left) = v.holdup.unwrap();
    assert_eq!(why, Holdup::RateLimited);
    assert!(left <= Duration::from_secs(30) && left > Duration::from_secs(28));
    let _ = times(w).await;
    assert_eq!(b.view().holdup, None);
    assert_eq!(
        BudgetView {
            per_min: 600,
            ..b.view()
        }
        .estimate(588),
        WINDOW,
        "588 background requests at 600 a minute (12 kept for writes): one window"
    );
}

#[tokio::test(start_paused = true)]
async fn reads_wait_while_writes_are_queued() {
    let b = Arc::new(Budget::new(100));
    b.set_writes_pending(true);
    let reads = spawn_many(&b, Lane::OnScreen, 2);
    let listing = spawn_many(&b, Lane::Listing, 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        b.view().sent,
        [0; 4],
        "nothing read while the write waits its pause"
    );
    assert_eq!(b.view().holdup.map(|h| h.0), Some(Holdup::Writes));
    b.acquire(Lane::Write).await;
    let wrote = Instant::now();
    b.set_writes_pending(false);
    let r = times(reads).await;
    let l = times(listing).await;
    assert!(
        r.iter().chain(&l).all(|t| *t >= wrote),
        "every read after the write"
    );
    assert_eq!(b.view().sent, [1, 2, 2, 0]);
}
