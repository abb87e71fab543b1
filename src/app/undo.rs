//! Undo and redo, one step per keypress (a keypress over 300 rows is one step).
//!
//! Memory is bounded by the number of changes kept, not the number of steps: one step can
//! hold 100,000 changes (select all, then `d`). At most [`MAX_CHANGES`] changes are kept across
//! the undo and redo stacks together; recording a step drops the oldest steps until the total
//! fits. A single step larger than the bound is kept alone, so the last keypress can always be
//! undone.

use std::collections::VecDeque;

use uuid::Uuid;

use crate::api::{GroupBy, Status};

/// Most changes kept, undo and redo stacks together.
pub const MAX_CHANGES: usize = 200_000;

/// The changes one keypress made: each lead with its shown status before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub group: GroupBy,
    pub changes: Vec<(Uuid, Status, Status)>,
}

/// Undo and redo stacks.
#[derive(Debug)]
pub struct History {
    /// Oldest first.
    done: VecDeque<Step>,
    undone: Vec<Step>,
    /// Changes held by `done` and `undone`.
    changes: usize,
    max_changes: usize,
}

impl Default for History {
    fn default() -> Self {
        History::with_limit(MAX_CHANGES)
    }
}

impl History {
    /// A history keeping at most `max_changes` changes (see the module documentation).
    pub fn with_limit(max_changes: usize) -> History {
        History {
            done: VecDeque::new(),
            undone: Vec::new(),
            changes: 0,
            max_changes,
        }
    }

    /// Record a new step; it clears the redo stack, then drops the oldest steps beyond the
    /// bound (never the new one).
    pub fn record(&mut self, step: Step) {
        if step.changes.is_empty() {
            return;
        }
        for s in self.undone.drain(..) {
            self.changes -= s.changes.len();
        }
        self.changes += step.changes.len();
        self.done.push_back(step);
        while self.changes > self.max_changes && self.done.len() > 1 {
            if let Some(old) = self.done.pop_front() {
                self.changes -= old.changes.len();
            }
        }
    }

    /// Take the last step to undo it.
    pub fn undo(&mut self) -> Option<Step> {
        let step = self.done.pop_back()?;
        self.undone.push(step.clone());
        Some(step)
    }

    /// Take the last undone step to apply it again.
    pub fn redo(&mut self) -> Option<Step> {
        let step = self.undone.pop()?;
        self.done.push_back(step.clone());
        Some(step)
    }

    /// Drop the last step without undoing it (its changes never reached the outbox).
    pub fn forget_last(&mut self) -> Option<Step> {
        let step = self.done.pop_back()?;
        self.changes -= step.changes.len();
        Some(step)
    }

    /// The last step, if any.
    pub fn last(&self) -> Option<&Step> {
        self.done.back()
    }

    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }

    /// Changes kept, undo and redo stacks together.
    pub fn changes_kept(&self) -> usize {
        self.changes
    }

    /// Steps that can be undone, and steps that can be redone.
    pub fn steps(&self) -> (usize, usize) {
        (self.done.len(), self.undone.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A step of `n` changes whose first lead id is `tag` (so steps can be told apart).
    fn step(tag: u128, n: usize) -> Step {
        Step {
            group: GroupBy::Person,
            changes: (0..n as u128)
                .map(|i| {
                    (
                        Uuid::from_u128(tag << 32 | i),
                        Status::New,
                        Status::Dismissed,
                    )
                })
                .collect(),
        }
    }

    fn tag(s: &Step) -> u128 {
        s.changes[0].0.as_u128() >> 32
    }

    #[test]
    fn three_select_all_deletes_keep_the_last_two_at_the_real_bound() {
        let mut h = History::default();
        for t in 1..=3 {
            h.record(step(t, 100_000));
        }
        assert_eq!(h.changes_kept(), 200_000);
        assert_eq!(h.steps(), (2, 0));
        assert_eq!(h.undo().map(|s| tag(&s)), Some(3));
        assert_eq!(h.undo().map(|s| tag(&s)), Some(2));
        assert_eq!(h.undo(), None, "the oldest step was dropped");
        assert_eq!(h.changes_kept(), 200_000, "undone steps still count");
    }

    #[test]
    fn many_small_steps_are_not_capped_by_count() {
        let mut h = History::with_limit(1000);
        for t in 1..=1000 {
            h.record(step(t, 1));
        }
        assert_eq!(h.steps(), (1000, 0), "1000 one-change steps fit in 1000");
        h.record(step(1001, 1));
        assert_eq!(h.steps(), (1000, 0));
        assert_eq!(h.changes_kept(), 1000);
    }

    #[test]
    fn a_step_larger_than_the_bound_is_kept_alone() {
        let mut h = History::with_limit(10);
        h.record(step(1, 4));
        h.record(step(2, 4));
        h.record(step(3, 25));
        assert_eq!(h.steps(), (1, 0));
        assert_eq!(h.changes_kept(), 25);
        assert_eq!(h.undo().map(|s| tag(&s)), Some(3));
        assert_eq!(h.redo().map(|s| tag(&s)), Some(3));
        // The next small step pushes the big one out.
        h.record(step(4, 2));
        assert_eq!(h.steps(), (1, 0));
        assert_eq!(h.changes_kept(), 2);
    }

    #[test]
    fn recording_clears_redo_and_its_count() {
        let mut h = History::with_limit(10);
        h.record(step(1, 6));
        h.record(step(2, 4));
        h.undo();
        assert_eq!(h.steps(), (1, 1));
        h.record(step(3, 4));
        assert_eq!(
            h.steps(),
            (2, 0),
            "step 2 left with the redo stack; 1 and 3 fit"
        );
        assert_eq!(h.changes_kept(), 10);
        h.record(step(4, 0));
        assert_eq!(h.steps(), (2, 0), "an empty step is not recorded");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Record(usize),
        Undo,
        Redo,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0usize..60).prop_map(Op::Record),
            1 => (0usize..3).prop_map(|_| Op::Record(150)),
            2 => Just(Op::Undo),
            2 => Just(Op::Redo),
        ]
    }

    proptest! {
        /// Against a model that keeps the longest run of newest steps that fits (at least
        /// one): same steps undone and redone, same totals, and the bound always holds.
        #[test]
        fn bounded_history_matches_the_model(ops in proptest::collection::vec(op(), 1..80)) {
            const LIMIT: usize = 100;
            let mut h = History::with_limit(LIMIT);
            let mut done: Vec<Step> = Vec::new();
            let mut undone: Vec<Step> = Vec::new();
            for (i, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Record(n) => {
                        h.record(step(i as u128 + 1, n));
                        if n > 0 {
                            undone.clear();
                            done.push(step(i as u128 + 1, n));
                            let mut sum = 0;
                            let keep = done
                                .iter()
                                .rev()
                                .take_while(|s| {
                                    sum += s.changes.len();
                                    sum <= LIMIT
                                })
                                .count()
                                .max(1);
                            done.drain(..done.len() - keep);
                            // The step just recorded can be undone.
                            prop_assert_eq!(done.last().map(tag), Some(i as u128 + 1));
                        }
                    }
                    Op::Undo => {
                        let want = done.pop();
                        if let Some(s) = &want {
                            undone.push(s.clone());
                        }
                        prop_assert_eq!(h.undo(), want);
                    }
                    Op::Redo => {
                        let want = undone.pop();
                        if let Some(s) = &want {
                            done.push(s.clone());
                        }
                        prop_assert_eq!(h.redo(), want);
                    }
                }
                let total: usize = done.iter().chain(&undone).map(|s| s.changes.len()).sum();
                prop_assert_eq!(h.changes_kept(), total);
                prop_assert_eq!(h.steps(), (done.len(), undone.len()));
                prop_assert!(total <= LIMIT || done.len() + undone.len() == 1, "total {}", total);
                prop_assert_eq!(h.can_undo(), !done.is_empty());
            }
        }
    }
}
