//! One request budget per API key, shared by every request a [`Client`](crate::Client) and its
//! clones make: Puffle documents 100 requests per minute per key (`PUFFLE_API.md` §6).
//!
//! * **Never over the limit in any window.** Every request takes a slot, stamped with the time
//!   it was sent; a slot is free when fewer than the limit were sent in the last
//!   [`WINDOW`] (a minute plus a margin for the network, so a server counting from arrival
//!   in any one-minute window, sliding or fixed, never counts more than the limit).
//! * **Lanes.** [`Lane::Write`] (the rep's changes) goes first, then [`Lane::OnScreen`] (what
//!   the rep is looking at), then [`Lane::Listing`] and [`Lane::Hydration`] in the
//!   background. A lane takes a slot only when no request of a lane before it is waiting, so
//!   a write never waits behind a read that has not been sent yet.
//! * **Headroom.** Reads leave [`Budget::reserve`] slots of every window to writes, so a burst
//!   of changes is not answered 429 because of our own reads, and background reads are paced
//!   (one every window ÷ their share) instead of spent in a burst at start.
//! * **Writes first, even before they are sent.** While the program says writes are queued
//!   ([`Budget::set_writes_pending`], e.g. during the short pause before a batch goes), reads
//!   wait, so the write is the next request the server sees.
//! * **Learning.** A 429 stops every lane until its `Retry-After` (a minute without one) and
//!   lowers the limit for the session to what the window held; `X-RateLimit-Limit`,
//!   `-Remaining` and `-Reset` headers, when a server sends them, lower it too.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Puffle's documented limit, requests per minute per key.
pub const DEFAULT_PER_MIN: u32 = 100;

/// The window the budget counts in: a minute, plus a margin for requests that take longer to
/// reach the server than to leave here.
pub const WINDOW: Duration = Duration::from_millis(61_000);

/// Who a request is for, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lane {
    /// The rep's changes (PATCH).
    Write = 0,
    /// What is on screen: statuses of visible rows, the signals of the lead being read.
    OnScreen = 1,
    /// Background listing pages.
    Listing = 2,
    /// Background status hydration.
    Hydration = 3,
}

impl Lane {
    pub const ALL: [Lane; 4] = [Lane::Write, Lane::OnScreen, Lane::Listing, Lane::Hydration];

    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Write => "write",
            Lane::OnScreen => "on screen",
            Lane::Listing => "listing",
            Lane::Hydration => "statuses",
        }
    }

    fn is_background(self) -> bool {
        matches!(self, Lane::Listing | Lane::Hydration)
    }
}

/// Why requests are waiting, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holdup {
    /// The server answered 429; nothing is sent until then.
    RateLimited,
    /// Writes are queued: reads wait for them.
    Writes,
    /// Our own pacing: the window is full (or the lane's share of it is).
    Window,
}

/// A snapshot of the budget, for progress lines and estimates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BudgetView {
    /// The limit now (the configured one, or lower once the server said so).
    pub per_min: u32,
    /// Requests sent in the current window.
    pub in_window: u32,
    /// Requests waiting for a slot, per lane (`Lane as usize`).
    pub waiting: [u32; 4],
    /// Why they wait and for how long at most, when something waits.
    pub holdup: Option<(Holdup, Duration)>,
    /// The same, per lane (`Lane as usize`): why requests of that lane wait, when they do.
    pub holdups: [Option<(Holdup, Duration)>; 4],
    /// Requests sent since the budget was made, per lane.
    pub sent: [u64; 4],
    /// 429 answers seen.
    pub rate_limited: u64,
}

impl BudgetView {
    /// Time to send `requests` more background requests at the current pace.
    pub fn estimate(&self, requests: u64) -> Duration {
        let share = u64::from(self.per_min.saturating_sub(reserve(self.per_min)).max(1));
        Duration::from_millis(requests.saturating_mul(WINDOW.as_millis() as u64) / share)
    }
}

/// Slots of every window kept for writes: 2 % of the limit, at least one (below 3 a minute,
/// none, or reads could never go).
fn reserve(per_min: u32) -> u32 {
    if per_min < 3 {
        0
    } else {
        (per_min / 50).max(1)
    }
}

#[derive(Debug)]
struct Inner {
    per_min: u32,
    sent: VecDeque<Instant>,
    /// Last background send, for pacing.
    last_background: Option<Instant>,
    blocked_until: Option<Instant>,
    waiting: [u32; 4],
    sent_total: [u64; 4],
    rate_limited: u64,
    /// Per lane: why its waiting requests wait, and until when at most.
    holdup: [Option<(Holdup, Instant)>; 4],
    writes_pending: bool,
}

impl Inner {
    fn prune(&mut self, now: Instant) {
        while self
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.sent.pop_front();
        }
    }

    /// How many requests this lane may have in one window.
    fn cap(&self, lane: Lane) -> usize {
        match lane {
            Lane::Write => self.per_min as usize,
            _ => (self.per_min - reserve(self.per_min)).max(1) as usize,
        }
    }

    /// `Ok(())` when `lane` may send now; else the instant to look again.
    fn try_take(&mut self, lane: Lane, now: Instant) -> Result<(), (Holdup, Instant)> {
        if self.writes_pending && lane != Lane::Write {
            // Looked at again when the writes are sent (`set_writes_pending(false)` notifies).
            return Err((Holdup::Writes, now + WINDOW));
        }
        if let Some(until) = self.blocked_until {
            if until > now {
                return Err((Holdup::RateLimited, until));
            }
            self.blocked_until = None;
        }
        self.prune(now);
        let cap = self.cap(lane);
        if self.sent.len() >= cap {
            // The oldest send that must leave the window first.
            let free_at = self.sent[self.sent.len() - cap] + WINDOW;
            return Err((Holdup::Window, free_at));
        }
        if lane.is_background()
            && let Some(last) = self.last_background
        {
            let spacing = WINDOW / self.cap(Lane::Listing) as u32;
            if now < last + spacing {
                return Err((Holdup::Window, last + spacing));
            }
        }
        self.sent.push_back(now);
        if lane.is_background() {
            self.last_background = Some(now);
        }
        self.sent_total[lane as usize] += 1;
        Ok(())
    }

    fn higher_waiting(&self, lane: Lane) -> bool {
        self.waiting[..lane as usize].iter().any(|n| *n > 0)
    }
}

/// The budget; see the module documentation. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Budget {
    inner: Mutex<Inner>,
    changed: Notify,
}

impl Budget {
    /// A budget of `per_min` requests per minute (at least one).
    pub fn new(per_min: u32) -> Budget {
        Budget {
            inner: Mutex::new(Inner {
                per_min: per_min.max(1),
                sent: VecDeque::new(),
                last_background: None,
                blocked_until: None,
                waiting: [0; 4],
                sent_total: [0; 4],
                rate_limited: 0,
                holdup: [None; 4],
                writes_pending: false,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves plain counters behind: keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Slots of every window kept for writes.
    pub fn reserve(&self) -> u32 {
        reserve(self.lock().per_min)
    }

    /// Wait for a slot in `lane`, then take it (the request is counted as sent now). Dropping
    /// the future gives up the place in the queue.
    pub async fn acquire(&self, lane: Lane) {
        let mut place = Place {
            budget: self,
            lane,
            registered: false,
        };
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wake = {
                let mut inner = self.lock();
                let attempt = if inner.higher_waiting(lane) {
                    // The more urgent lane goes first; it notifies when it takes its slot.
                    Err(None)
                } else {
                    inner.try_take(lane, Instant::now()).map_err(Some)
                };
                match attempt {
                    Ok(()) => {
                        drop(inner);
                        place.leave();
                        return;
                    }
                    Err(at) => {
                        if !place.registered {
                            inner.waiting[lane as usize] += 1;
                            place.registered = true;
                        }
                        if let Some(hold) = at {
                            inner.holdup[lane as usize] = Some(hold);
                        }
                        at.map(|(_, at)| at)
                    }
                }
            };
            match wake {
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Say whether writes are queued; while they are, reads wait (see the module docs).
    pub fn set_writes_pending(&self, pending: bool) {
        let mut inner = self.lock();
        if inner.writes_pending == pending {
            return;
        }
        inner.writes_pending = pending;
        drop(inner);
        self.changed.notify_waiters();
    }

    /// The server answered 429: nothing goes until `retry_after` (a window without one), and
    /// the limit for the session becomes what the window held (the server counts more than we
    /// did: another client on the key, or a smaller limit).
    pub fn rate_limited(&self, retry_after: Option<Duration>) {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.prune(now);
        inner.rate_limited += 1;
        let wait = retry_after.unwrap_or(WINDOW).min(Duration::from_secs(3600));
        let until = now + wait;
        inner.blocked_until = Some(inner.blocked_until.map_or(until, |b| b.max(until)));
        let held = (inner.sent.len() as u32).saturating_sub(1).max(1);
        if held < inner.per_min {
            tracing::info!(per_min = held, "rate limited: lowering the request budget");
            inner.per_min = held;
        }
        drop(inner);
        self.changed.notify_waiters();
    }

    /// `X-RateLimit-*` headers of an answer: a lower `limit` lowers the budget; `remaining`
    /// of 0 waits until `reset` (seconds from now).
    pub fn observe_headers(
        &self,
        limit: Option<u32>,
        remaining: Option<u32>,
        reset: Option<Duration>,
    ) {
        let mut inner = self.lock();
        if let Some(limit) = limit.filter(|l| *l >= 1 && *l < inner.per_min) {
            tracing::info!(
                per_min = limit,
                "the server's limit is lower: lowering the budget"
            );
            inner.per_min = limit;
        }
        if remaining == Some(0) {
            let until = Instant::now() + reset.unwrap_or(WINDOW).min(Duration::from_secs(3600));
            inner.blocked_until = Some(inner.blocked_until.map_or(until, |b| b.max(until)));
        }
    }

    /// A snapshot for progress lines and the status line.
    pub fn view(&self) -> BudgetView {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.prune(now);
        let waiting = inner.waiting;
        let mut holdups = [None; 4];
        for (i, h) in holdups.iter_mut().enumerate() {
            *h = inner.holdup[i]
                .filter(|_| waiting[i] > 0)
                .map(|(why, at)| (why, at.saturating_duration_since(now)));
        }
        // The most urgent lane that waits says why.
        let holdup = holdups.iter().flatten().next().copied();
        BudgetView {
            per_min: inner.per_min,
            in_window: inner.sent.len() as u32,
            waiting,
            holdup,
            holdups,
            sent: inner.sent_total,
            rate_limited: inner.rate_limited,
        }
    }
}

/// A request's place in the queue of its lane; leaving it (sent, or the future dropped) lets
/// the lanes after it go.
struct Place<'a> {
    budget: &'a Budget,
    lane: Lane,
    registered: bool,
}

impl Place<'_> {
    fn leave(&mut self) {
        let mut inner = self.budget.lock();
        if self.registered {
            inner.waiting[self.lane as usize] -= 1;
            self.registered = false;
        }
        if inner.waiting[self.lane as usize] == 0 {
            inner.holdup[self.lane as usize] = None;
        }
        drop(inner);
        self.budget.changed.notify_waiters();
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        if self.registered {
            self.leave();
        }
    }
}

#[cfg(test)]
mod tests;
