//! lead-triage: triage Puffle signal leads from the keyboard.
//!
//! The library holds every piece so that tests, benches and the tiny `main.rs` share them.

pub mod api;
pub mod cli;
pub mod commands;
pub mod demo_server;
pub mod headless;
pub mod logging;
pub mod sync;
pub mod text;
