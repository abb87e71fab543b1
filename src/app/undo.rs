//! Undo and redo, one step per keypress (a keypress over 300 rows is one step).

use uuid::Uuid;

use crate::api::{GroupBy, Status};

/// Most steps kept.
const MAX_STEPS: usize = 500;

/// The changes one keypress made: each lead with its shown status before and after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub group: GroupBy,
    pub changes: Vec<(Uuid, Status, Status)>,
}

/// Undo and redo stacks.
#[derive(Debug, Default)]
pub struct History {
    done: Vec<Step>,
    undone: Vec<Step>,
}

impl History {
    /// Record a new step; it clears the redo stack.
    pub fn record(&mut self, step: Step) {
        if step.changes.is_empty() {
            return;
        }
        self.undone.clear();
        self.done.push(step);
        if self.done.len() > MAX_STEPS {
            self.done.remove(0);
        }
    }

    /// Take the last step to undo it.
    pub fn undo(&mut self) -> Option<Step> {
        let step = self.done.pop()?;
        self.undone.push(step.clone());
        Some(step)
    }

    /// Take the last undone step to apply it again.
    pub fn redo(&mut self) -> Option<Step> {
        let step = self.undone.pop()?;
        self.done.push(step.clone());
        Some(step)
    }

    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }
}
