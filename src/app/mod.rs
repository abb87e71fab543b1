//! The application core: state, messages, and `update`, free of I/O.

pub mod action;
pub mod ask;
pub mod filter;
pub mod find;
pub mod line_edit;
mod modes;
pub mod msg;
pub mod nav;
pub mod outreach;
pub mod palette;
pub mod pane;
pub mod pipe;
pub mod queue;
pub mod record;
pub mod select;
pub mod session;
pub mod settings;
pub mod state;
pub mod triage;
pub mod undo;
pub mod update;
pub mod view;
pub mod views;

pub use action::Action;
pub use msg::{Effect, Msg};
pub use state::{Mode, Settings, State};
pub use update::{init, update};
