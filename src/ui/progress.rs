//! What the bars say about the request budget: a refresh's progress with an estimate at the
//! budget's pace (header), and why the rep's changes wait for it (status line).

use crate::app::state::State;

/// "│ refreshing 3,400 / 100,000 · about 17 min at 100 req/min ": a load's progress, and with
/// the request budget an honest estimate of what is left (two requests per 100 leads: the page
/// and its statuses). Without a cache the total is not known: "│ loading 3,400… ".
pub(super) fn progress(s: &State) -> String {
    use crate::app::find::thousands;
    let data = s.data();
    let done = data.refreshed;
    let pace = s.budget.map(|b| b.per_min);
    let head = match data.cached_age {
        Some(_) => {
            let total = data.leads.len().max(done);
            format!("refreshing {} / {}", thousands(done), thousands(total))
        }
        None => format!("loading {}…", thousands(done.max(data.leads.len()))),
    };
    let estimate = match (data.cached_age, s.budget) {
        (Some(_), Some(b)) => {
            let left = data.leads.len().saturating_sub(done) as u64;
            let requests = left.div_ceil(100) * 2;
            let eta = b.estimate(requests);
            (requests > 0).then(|| format!(" · about {} at {} req/min", span(eta), b.per_min))
        }
        _ => pace.map(|n| format!(" · {n} req/min")),
    };
    format!("│ {head}{} ", estimate.unwrap_or_default())
}

/// A wait in words: "45 s", "17 min", "2 h 5 min".
fn span(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..=89 => format!("{} s", secs.max(1)),
        90..=5399 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

/// Why the rep's changes wait for the request budget, when they do: "changes wait for the
/// request budget: Puffle answered 429 (rate limited), next in 12 s".
pub(super) fn budget_wait(s: &State) -> Option<String> {
    use crate::api::{Holdup, Lane};
    let b = s.budget?;
    let (why, left) = b.holdups[Lane::Write as usize]?;
    let next = left.as_secs_f64().ceil() as u64;
    Some(match why {
        Holdup::RateLimited => {
            format!("changes wait for the request budget: Puffle answered 429, next in {next} s")
        }
        Holdup::Window => format!(
            "changes wait for the request budget: {} sent in the last minute ({} req/min), next in {next} s",
            b.in_window, b.per_min
        ),
        Holdup::Writes => return None,
    })
}
