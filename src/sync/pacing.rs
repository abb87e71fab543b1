//! Saying so when the request budget holds a headless command back: a long listing or a large
//! `leads set` at Puffle's 100 requests a minute takes minutes, and a silent wait looks hung.

use std::future::Future;

use crate::api::{BudgetView, Holdup};
use crate::sync::engine::Observer;
use crate::sync::retry::QUIET_WAIT;

/// The line for stderr when requests wait for the budget, or `None` when nothing waits.
pub fn line(view: &BudgetView) -> Option<String> {
    let waiting: u32 = view.waiting.iter().sum();
    let (why, left) = view.holdup?;
    if waiting == 0 {
        return None;
    }
    let secs = left.as_secs_f64().ceil() as u64;
    Some(match why {
        Holdup::Window => format!(
            "pacing: {} requests a minute for this key (--rate-limit-per-min), {} sent in the last minute; next in {secs} s",
            view.per_min, view.in_window
        ),
        Holdup::RateLimited => {
            format!("Puffle answered 429 (rate limited): nothing is sent for {secs} s")
        }
        Holdup::Writes => return None,
    })
}

/// Await `fut`; if it is still waiting after a few seconds while the budget holds requests
/// back, tell `observer` once (`noted` remembers it across calls).
pub async fn noting<T>(
    budget: Option<&crate::api::Budget>,
    noted: &mut bool,
    observer: &mut impl Observer,
    fut: impl Future<Output = T>,
) -> T {
    let Some(budget) = budget.filter(|_| !*noted) else {
        return fut.await;
    };
    tokio::pin!(fut);
    loop {
        tokio::select! {
            v = &mut fut => return v,
            _ = tokio::time::sleep(QUIET_WAIT) => {
                if let Some(l) = line(&budget.view()) {
                    observer.note(&l);
                    *noted = true;
                    return fut.await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn view(holdup: Option<(Holdup, Duration)>, waiting: u32) -> BudgetView {
        BudgetView {
            per_min: 100,
            in_window: 98,
            waiting: [0, 0, waiting, 0],
            holdup,
            holdups: [None, None, holdup, None],
            sent: [0; 4],
            rate_limited: 0,
        }
    }

    #[test]
    fn the_line_says_why_and_for_how_long() {
        let l = line(&view(
            Some((Holdup::Window, Duration::from_millis(4200))),
            1,
        ))
        .unwrap();
        assert!(
            l.contains("100 requests a minute") && l.contains("next in 5 s"),
            "{l}"
        );
        let l = line(&view(
            Some((Holdup::RateLimited, Duration::from_secs(30))),
            1,
        ))
        .unwrap();
        assert!(l.contains("429") && l.contains("30 s"), "{l}");
        assert_eq!(
            line(&view(Some((Holdup::Window, Duration::from_secs(1))), 0)),
            None
        );
        assert_eq!(line(&view(None, 3)), None);
    }
}
