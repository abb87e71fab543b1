//! Mutable per-entity state: workflow statuses and "forgotten" flags; and per signal its
//! outreach state (drafts, vote, note, status; see `outreach.rs`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::data::{Dataset, EntityRef, Status};
use super::outreach::SignalOutreach;

/// Locks a mutex, recovering the data if a previous holder panicked. The server's shared state
/// stays consistent across a panic because every critical section only does plain assignments.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) struct LiveState {
    person_status: Vec<Status>,
    company_status: Vec<Status>,
    person_forgotten: Vec<bool>,
    company_forgotten: Vec<bool>,
    forgotten_persons: usize,
    forgotten_companies: usize,
    /// Signals with drafts, a vote, a note or a status, by signal index.
    outreach: HashMap<u32, SignalOutreach>,
}

impl LiveState {
    /// The seeded state: initial statuses, nothing forgotten.
    pub(crate) fn initial(ds: &Dataset) -> LiveState {
        LiveState {
            person_status: ds.person_status.clone(),
            company_status: ds.company_status.clone(),
            person_forgotten: vec![false; ds.persons.len()],
            company_forgotten: vec![false; ds.companies.len()],
            forgotten_persons: 0,
            forgotten_companies: 0,
            outreach: HashMap::new(),
        }
    }

    pub(crate) fn is_forgotten(&self, entity: EntityRef) -> bool {
        match entity {
            EntityRef::Person(i) => self.person_forgotten[i as usize],
            EntityRef::Company(i) => self.company_forgotten[i as usize],
        }
    }

    /// Current status, or `None` for a forgotten entity.
    pub(crate) fn status(&self, entity: EntityRef) -> Option<Status> {
        if self.is_forgotten(entity) {
            return None;
        }
        Some(match entity {
            EntityRef::Person(i) => self.person_status[i as usize],
            EntityRef::Company(i) => self.company_status[i as usize],
        })
    }

    /// Sets the status; returns false (and changes nothing) for a forgotten entity.
    pub(crate) fn set_status(&mut self, entity: EntityRef, status: Status) -> bool {
        if self.is_forgotten(entity) {
            return false;
        }
        match entity {
            EntityRef::Person(i) => self.person_status[i as usize] = status,
            EntityRef::Company(i) => self.company_status[i as usize] = status,
        }
        true
    }

    /// Marks an entity forgotten; returns true if it was known before.
    pub(crate) fn forget(&mut self, entity: EntityRef) -> bool {
        if self.is_forgotten(entity) {
            return false;
        }
        match entity {
            EntityRef::Person(i) => {
                self.person_forgotten[i as usize] = true;
                self.forgotten_persons += 1;
            }
            EntityRef::Company(i) => {
                self.company_forgotten[i as usize] = true;
                self.forgotten_companies += 1;
            }
        }
        true
    }

    /// The outreach state of a signal, if anything was ever set on it.
    pub(crate) fn outreach(&self, signal: u32) -> Option<&SignalOutreach> {
        self.outreach.get(&signal)
    }

    /// The outreach state of a signal, to change it.
    pub(crate) fn outreach_mut(&mut self, signal: u32) -> &mut SignalOutreach {
        self.outreach.entry(signal).or_default()
    }

    /// Number of known (not forgotten) `(persons, companies)`.
    pub(crate) fn known_counts(&self) -> (usize, usize) {
        (
            self.person_forgotten.len() - self.forgotten_persons,
            self.company_forgotten.len() - self.forgotten_companies,
        )
    }
}
