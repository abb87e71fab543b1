//! Handing the terminal to an interactive command and taking it back (like git's editor):
//! the terminal-events thread stops reading first, so not one key meant for the command is
//! taken by the app, and starts again once the command is done.
//!
//! The reader polls with a timeout instead of blocking in a read, so it can stop between two
//! polls: [`Gate::pause`] waits until it has (at most [`POLL`] and a little).

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// How long the reader waits for input before looking at the gate again.
pub const POLL: Duration = Duration::from_millis(100);

/// Whether the terminal-events thread may read, shared with it.
#[derive(Debug, Default)]
pub struct Gate {
    state: Mutex<GateState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    /// The UI asked the reader to stop.
    paused: bool,
    /// The reader is stopped (not inside a poll or a read).
    parked: bool,
}

impl Gate {
    /// The reader's side, before each poll: returns at once unless paused, else parks until
    /// resumed.
    pub fn wait_open(&self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while st.paused {
            st.parked = true;
            self.changed.notify_all();
            st = self
                .changed
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner);
        }
        st.parked = false;
    }

    /// Whether a pause was asked (the reader then leaves an event it polled for later).
    pub fn is_paused(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .paused
    }

    /// Stop the reader and wait until it is parked (given up after a second: a reader stuck
    /// on a dead terminal must not hang the app).
    pub fn pause(&self) {
        let st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut st = st;
        st.paused = true;
        let (st, _) = self
            .changed
            .wait_timeout_while(st, Duration::from_secs(1), |s| !s.parked)
            .unwrap_or_else(PoisonError::into_inner);
        drop(st);
    }

    /// Let the reader read again.
    pub fn resume(&self) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.paused = false;
        self.changed.notify_all();
    }
}

/// The next terminal event, or `None` when the gate closed while waiting (then nothing was
/// read; look at the gate again).
pub fn next_event(gate: &Gate) -> Option<std::io::Result<crossterm::event::Event>> {
    gate.wait_open();
    match crossterm::event::poll(POLL) {
        Ok(false) => None,
        Ok(true) if gate.is_paused() => None,
        Ok(true) => Some(crossterm::event::read()),
        Err(e) => Some(Err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn pause_waits_for_the_reader_to_park_and_resume_frees_it() {
        let gate = Arc::new(Gate::default());
        let (tx, rx) = std::sync::mpsc::channel();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let g = Arc::clone(&gate);
        let reader = std::thread::spawn(move || {
            g.wait_open();
            tx.send(()).unwrap();
            go_rx.recv().unwrap();
            g.wait_open();
            tx.send(()).unwrap();
        });
        rx.recv().unwrap();
        let g = Arc::clone(&gate);
        let pauser = std::thread::spawn(move || g.pause());
        while !gate.is_paused() {
            std::thread::yield_now();
        }
        go_tx.send(()).unwrap();
        // `pause` returns once the reader parked in its second `wait_open`.
        pauser.join().unwrap();
        assert!(gate.state.lock().unwrap().parked);
        assert!(rx.try_recv().is_err(), "the reader is held");
        gate.resume();
        rx.recv().unwrap();
        reader.join().unwrap();
        assert!(!gate.state.lock().unwrap().parked);
    }
}
