//! How the rep's session went: leads triaged (given a status, not undone) and the rate, for
//! the status line and the summary printed when the app quits.

use std::time::Duration;

use super::state::State;

/// Leads triaged this session and the rate per minute (over the time since the first, at
/// least a minute, so the first few keys do not read as hundreds a minute).
pub fn progress(s: &State) -> Option<(usize, f64)> {
    let n = s.triaged.len();
    let first = s.first_triage?;
    if n == 0 {
        return None;
    }
    let minutes = s
        .now
        .saturating_sub(first)
        .max(Duration::from_secs(60))
        .as_secs_f64()
        / 60.0;
    Some((n, n as f64 / minutes))
}

/// "12 triaged · 4.0/min", for the status line.
pub fn status_text(s: &State) -> Option<String> {
    progress(s)
        .map(|(n, rate)| format!("{} triaged · {rate:.1}/min", crate::app::find::thousands(n)))
}

/// The line printed after quitting: what the session did, and whether anything is unsent.
pub fn summary(s: &State) -> Option<String> {
    let (n, rate) = progress(s)?;
    let minutes = s
        .first_triage
        .map_or(0, |f| s.now.saturating_sub(f).as_secs() / 60);
    let unsent = s.queue.unsent() + crate::app::outreach::unsent(s);
    let tail = if unsent == 0 {
        "every change reached Puffle".to_owned()
    } else if s.settings.durable {
        format!(
            "{unsent} change{} not sent yet, kept: `lead-triage sync` sends them",
            if unsent == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{unsent} change{} not sent",
            if unsent == 1 { "" } else { "s" }
        )
    };
    Some(format!(
        "lead-triage: {} lead{} triaged in {} ({rate:.1} a minute); {tail}",
        crate::app::find::thousands(n),
        if n == 1 { "" } else { "s" },
        if minutes == 0 {
            "under a minute".to_owned()
        } else {
            format!("{minutes} min")
        },
    ))
}
