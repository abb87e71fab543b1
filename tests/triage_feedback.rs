#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Feedback of the triage keys, driven through `update(&mut State, Msg)`: `$` during a retry
//! wait, the detail pane's sync phase and history, its scroll bound, Ctrl-C on every screen,
//! a status key that changes nothing, what undo and redo say, refused changes never counted
//! as waiting, and no key acting while the terminal is too small to draw.
//!
//! The fixtures are copied from `app_update.rs` (a few of them, trimmed).

#[path = "common/mod.rs"]
mod common;
#[path = "pty/mod.rs"]
mod pty;

#[path = "triage_feedback/fixtures.rs"]
mod fixtures;
#[path = "triage_feedback/screens.rs"]
mod screens;
#[path = "triage_feedback/sending.rs"]
mod sending;
#[path = "triage_feedback/tui.rs"]
mod tui;
