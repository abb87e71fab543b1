//! lead-triage: triage Puffle signal leads from the keyboard.
//!
//! The library holds every piece so that tests, benches and the tiny `main.rs` share them.

pub mod api;
pub mod app;
pub mod cli;
pub mod clipboard;
pub mod commands;
pub mod config;
pub mod export;
pub mod fsperm;
pub mod headless;
pub mod keymap;
pub mod logging;
pub mod progress;
pub mod runner;
pub mod store;
pub mod sync;
pub mod text;
pub mod tui;
pub mod ui;
