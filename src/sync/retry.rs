//! The one retry loop for reads (listing pages, learning statuses), shared by the worker and
//! the headless commands. Writes are retried by the queue (`app::queue`), with the same
//! [`Backoff`].
//!
//! A transient failure (429, 5xx, timeout, lost connection, unreadable answer) waits
//! `Backoff::next_delay` (the server's `Retry-After` as a floor) and tries again, for as long as
//! the total wait stays within the budget. Waits of a few seconds or more are reported through
//! `note`, so a long wait is never silent.

use std::time::Duration;

use crate::api::ApiError;

use super::backoff::{Backoff, Jitter};

/// Waits shorter than this are not reported.
pub const QUIET_WAIT: Duration = Duration::from_secs(3);

/// How long a sequence of retries may wait in total.
#[derive(Debug)]
pub struct RetryBudget {
    backoff: Backoff,
    /// `None`: no limit (the TUI's listing retries until it is cancelled).
    max_wait: Option<Duration>,
    waited: Duration,
    attempt: u32,
    jitter: Jitter,
    last: Duration,
}

impl RetryBudget {
    pub fn new(backoff: Backoff, max_wait: Option<Duration>) -> RetryBudget {
        RetryBudget {
            backoff,
            max_wait,
            waited: Duration::ZERO,
            attempt: 0,
            jitter: Jitter::from_entropy(),
            last: Duration::ZERO,
        }
    }

    /// The wait before retrying after `e`, or why not to retry.
    pub fn next_wait(&mut self, e: &ApiError) -> Result<Duration, GiveUp> {
        if !e.is_retryable() {
            return Err(GiveUp::NotRetryable);
        }
        let wait = self
            .backoff
            .next_delay(self.attempt, e.retry_after(), self.jitter.unit());
        if let Some(max) = self.max_wait
            && self.waited + wait > max
        {
            return Err(GiveUp::OverBudget { wait, max });
        }
        self.attempt = self.attempt.saturating_add(1);
        self.waited += wait;
        Ok(wait)
    }

    /// Like [`RetryBudget::next_wait`], keeping the wait for [`RetryBudget::last_wait`] (for
    /// use in a match guard).
    pub fn next_wait_ok(&mut self, e: &ApiError) -> Option<Duration> {
        let w = self.next_wait(e).ok();
        self.last = w.unwrap_or_default();
        w
    }

    /// The wait last granted by [`RetryBudget::next_wait_ok`].
    pub fn last_wait(&self) -> Duration {
        self.last
    }

    /// A request succeeded: the next failure starts the backoff again (the total wait so far
    /// still counts against the budget).
    pub fn succeeded(&mut self) {
        self.attempt = 0;
    }

    /// Total time waited so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }
}

/// Why a retry loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    NotRetryable,
    OverBudget { wait: Duration, max: Duration },
}

/// What a wait is for, in words: "Puffle asked to wait 58 s" or "retrying in 4 s".
pub fn describe_wait(e: &ApiError, wait: Duration) -> String {
    let secs = wait.as_secs_f64().ceil() as u64;
    match e.retry_after() {
        Some(ra) if ra >= wait.saturating_sub(Duration::from_millis(1)) => {
            format!("Puffle asked to wait {secs} s ({})", e.code())
        }
        _ => format!("{e}; retrying in {secs} s"),
    }
}

/// Run `op` until it succeeds, fails for good, or the budget is spent. `note` hears of every
/// wait of [`QUIET_WAIT`] or more (and of every wait when `verbose`).
pub async fn with_retries<T>(
    budget: &mut RetryBudget,
    mut note: impl FnMut(&ApiError, Duration),
    mut op: impl AsyncFnMut() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    loop {
        match op().await {
            Ok(v) => {
                budget.succeeded();
                return Ok(v);
            }
            Err(e) => match budget.next_wait(&e) {
                Ok(wait) => {
                    tracing::warn!(error = %e, wait_ms = wait.as_millis() as u64, "request failed; retrying");
                    note(&e, wait);
                    tokio::time::sleep(wait).await;
                }
                Err(GiveUp::OverBudget { wait, max }) => {
                    tracing::warn!(error = %e, wait_s = wait.as_secs(), max_s = max.as_secs(), "retry budget spent");
                    return Err(e);
                }
                Err(GiveUp::NotRetryable) => return Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_counts_waits_and_refuses_a_wait_past_it() {
        let mut b = RetryBudget::new(Backoff::default(), Some(Duration::from_secs(10)));
        let e = ApiError::RateLimited {
            retry_after: Some(Duration::from_secs(4)),
        };
        assert!(b.next_wait(&e).unwrap() >= Duration::from_secs(4));
        assert!(b.next_wait(&e).unwrap() >= Duration::from_secs(4));
        // A third 4 s wait would pass 10 s in total.
        assert!(matches!(b.next_wait(&e), Err(GiveUp::OverBudget { .. })));
        let long = ApiError::Server {
            status: 503,
            message: None,
            retry_after: Some(Duration::from_secs(3600)),
        };
        let mut b = RetryBudget::new(Backoff::default(), Some(Duration::from_secs(120)));
        assert!(matches!(b.next_wait(&long), Err(GiveUp::OverBudget { .. })));
        assert_eq!(b.waited(), Duration::ZERO);
        let bad = ApiError::Unauthorized { message: None };
        assert_eq!(b.next_wait(&bad), Err(GiveUp::NotRetryable));
    }

    #[test]
    fn describe_names_the_server_wait() {
        let e = ApiError::Server {
            status: 503,
            message: None,
            retry_after: Some(Duration::from_secs(58)),
        };
        assert_eq!(
            describe_wait(&e, Duration::from_secs(58)),
            "Puffle asked to wait 58 s (server_error)"
        );
        let e = ApiError::Timeout;
        assert!(describe_wait(&e, Duration::from_secs(2)).contains("retrying in 2 s"));
    }
}
