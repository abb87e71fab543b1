//! lead-triage: triage Puffle signal leads from the keyboard.
//!
//! The library holds every piece so that tests, benches and the tiny `main.rs` share them.
//! Its public surface is what those need: the API boundary, the pure `app` core (`State`,
//! `Msg`, `update`), the store, the keymap, the sync engine, rendering, the runner and the
//! headless commands. The terminal loop, the configuration file, clipboard, file modes and
//! progress lines are internal.

pub mod api;
pub mod app;
pub mod cli;
pub(crate) mod clipboard;
pub mod commands;
pub(crate) mod config;
pub(crate) mod editor;
pub mod export;
pub(crate) mod fsperm;
pub(crate) mod handover;
pub mod headless;
pub mod keymap;
pub mod logging;
pub(crate) mod progress;
pub mod runner;
pub(crate) mod shell;
pub mod store;
pub mod sync;
pub mod text;
pub(crate) mod tui;
pub mod ui;
