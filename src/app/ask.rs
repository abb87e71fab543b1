//! The questions a status key asks before it acts on what the rep cannot see: a selection that
//! includes leads hidden by the filter (all of them, only the visible ones, or cancel), and a
//! change of more than `confirm_over` leads (the count, by status). Nothing is queued until the
//! rep answers; Esc cancels and nothing changes. Part of `update`.

use std::collections::HashSet;

use crossterm::event::KeyEvent;

use crate::api::Status;

use super::action::Action;
use super::msg::Effect;
use super::state::{Mode, State, gi};
use super::triage;

/// What a bulk key does, once the rep has answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bulk {
    /// A status key.
    Status(Status),
    /// `T`: take Puffle's status on conflicting leads (drops the rep's changes).
    TakeTheirs,
    /// `r`: send refused changes again.
    Retry,
}

/// A question waiting for the rep's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    /// What the key does.
    pub what: Bulk,
    /// Every lead the key would act on (dataset indices of the current view).
    pub all: Vec<u32>,
    /// The visible ones among `all`, while the question is about hidden leads; `None` once
    /// the question is only about the size of the change.
    pub visible: Option<Vec<u32>>,
    /// How many of `all` would change, by the status they show now (for the size question).
    pub change: Vec<(Status, usize)>,
}

impl Ask {
    /// How many leads the size question is about: those that would change.
    pub fn changing(&self) -> usize {
        self.change.iter().map(|(_, n)| n).sum()
    }

    /// How many of `all` are hidden by the filter.
    pub fn hidden(&self) -> usize {
        self.visible
            .as_ref()
            .map_or(0, |v| self.all.len().saturating_sub(v.len()))
    }
}

/// The leads of `targets` that `status` would change, counted by the status they show now.
fn breakdown(s: &State, status: Status, targets: &[u32]) -> Vec<(Status, usize)> {
    let data = &s.data[gi(s.group)];
    let mut counts = [0usize; 4];
    for &i in targets {
        let lead = &data.leads[i as usize];
        let shown = s.queue.shown(&lead.id, lead.status);
        let failed = s
            .queue
            .entries
            .get(&lead.id)
            .is_some_and(|e| e.phase == super::queue::Phase::Failed);
        if shown != status || failed {
            counts[status_slot(shown)] += 1;
        }
    }
    [
        Status::New,
        Status::Contacted,
        Status::Dismissed,
        Status::Unknown,
    ]
    .into_iter()
    .zip(counts)
    .filter(|(_, n)| *n > 0)
    .collect()
}

fn status_slot(s: Status) -> usize {
    match s {
        Status::New => 0,
        Status::Contacted => 1,
        Status::Dismissed => 2,
        Status::Unknown => 3,
    }
}

/// Ask before a bulk key acts, if it must: returns true when a question is now on screen (and
/// nothing was done). Every bulk key asks about hidden leads; a status key also asks about a
/// change over `confirm_over`.
pub fn asks_first(s: &mut State, what: Bulk, targets: &[u32]) -> bool {
    let rows: HashSet<u32> = if s.list().rows.len() == s.data().leads.len() {
        // No filter hides anything: every target is visible.
        HashSet::new()
    } else {
        s.list().rows.iter().copied().collect()
    };
    let visible: Vec<u32> = if rows.is_empty() {
        targets.to_vec()
    } else {
        targets
            .iter()
            .copied()
            .filter(|i| rows.contains(i))
            .collect()
    };
    if visible.len() < targets.len() {
        let change = match what {
            Bulk::Status(status) => breakdown(s, status, targets),
            _ => Vec::new(),
        };
        s.mode = Mode::Ask(Box::new(Ask {
            what,
            all: targets.to_vec(),
            visible: Some(visible),
            change,
        }));
        return true;
    }
    size_question(s, what, targets.to_vec())
}

/// Ask about the size of the change when it is over `confirm_over`; true when asked.
fn size_question(s: &mut State, what: Bulk, targets: Vec<u32>) -> bool {
    let Bulk::Status(status) = what else {
        return false;
    };
    let change = breakdown(s, status, &targets);
    let n: usize = change.iter().map(|(_, n)| n).sum();
    let limit = s.settings.confirm_over;
    if limit == 0 || n <= limit {
        return false;
    }
    s.mode = Mode::Ask(Box::new(Ask {
        what,
        all: targets,
        visible: None,
        change,
    }));
    true
}

/// A key while a question is on screen: the prompt's own keymap layer (`[[confirm]]`).
pub fn on_ask_key(s: &mut State, ask: Ask, key: KeyEvent, fx: &mut Vec<Effect>) {
    let Some(action) = s.keymap.resolve_confirm(key) else {
        // Any other key leaves the question up: nothing is done by accident.
        return;
    };
    let (targets, size_checked) = match (action, ask.visible) {
        (Action::Escape, _) => {
            s.mode = Mode::Normal;
            s.toast = Some(match ask.what {
                Bulk::Status(status) => format!("cancelled: no lead set to {status}"),
                _ => "cancelled: nothing changed".into(),
            });
            return;
        }
        (Action::Accept, Some(_)) => (ask.all, false),
        (Action::OnlyVisible, Some(visible)) => (visible, false),
        (Action::Accept, None) => (ask.all, true),
        _ => return,
    };
    s.mode = Mode::Normal;
    if targets.is_empty() {
        s.toast = Some("no visible lead selected: nothing changed".into());
        return;
    }
    if !size_checked && size_question(s, ask.what, targets.clone()) {
        return;
    }
    match ask.what {
        Bulk::Status(status) => triage::commit(s, status, &targets, true, fx),
        Bulk::TakeTheirs => triage::take_theirs_on(s, &targets, true, fx),
        Bulk::Retry => triage::retry_on(s, &targets, fx),
    }
}
