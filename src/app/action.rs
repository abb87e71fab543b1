//! What a key can do. Named in `assets/keymap.toml` by their snake_case names.

use serde::{Deserialize, Serialize};

/// Every action a binding can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // Movement
    MoveDown,
    MoveUp,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    NextFailed,
    PrevFailed,
    /// Search without filtering: the cursor jumps to the next match (or to a row number).
    Find,
    FindNext,
    FindPrev,
    // Selection
    ToggleSelect,
    RangeSelect,
    RangeDown,
    RangeUp,
    SelectAll,
    SelectNone,
    InvertSelection,
    SelectStatusNew,
    SelectStatusContacted,
    SelectStatusDismissed,
    SelectFailed,
    // Status
    SetNew,
    SetContacted,
    SetDismissed,
    Undo,
    Redo,
    // Queue
    Flush,
    Retry,
    RetryAll,
    TakeTheirs,
    // View
    Filter,
    SortNext,
    SortReverse,
    SwitchView,
    Reload,
    Detail,
    OpenUrl,
    CopyEmail,
    CopyUrl,
    Export,
    ExportJson,
    // App
    Help,
    Escape,
    Quit,
    Suspend,
    // Confirmation prompts (mode `confirm`)
    /// Accept what the prompt says (all the leads it counts).
    Accept,
    /// Act only on the visible leads of a selection that includes hidden ones.
    OnlyVisible,
}

impl Action {
    /// Every action, in the order the help overlay groups them.
    pub const ALL: &'static [Action] = &[
        Action::MoveDown,
        Action::MoveUp,
        Action::Top,
        Action::Bottom,
        Action::HalfPageDown,
        Action::HalfPageUp,
        Action::PageDown,
        Action::PageUp,
        Action::NextFailed,
        Action::PrevFailed,
        Action::Find,
        Action::FindNext,
        Action::FindPrev,
        Action::ToggleSelect,
        Action::RangeSelect,
        Action::RangeDown,
        Action::RangeUp,
        Action::SelectAll,
        Action::SelectNone,
        Action::InvertSelection,
        Action::SelectStatusNew,
        Action::SelectStatusContacted,
        Action::SelectStatusDismissed,
        Action::SelectFailed,
        Action::SetNew,
        Action::SetContacted,
        Action::SetDismissed,
        Action::Undo,
        Action::Redo,
        Action::Flush,
        Action::Retry,
        Action::RetryAll,
        Action::TakeTheirs,
        Action::Filter,
        Action::SortNext,
        Action::SortReverse,
        Action::SwitchView,
        Action::Reload,
        Action::Detail,
        Action::OpenUrl,
        Action::CopyEmail,
        Action::CopyUrl,
        Action::Export,
        Action::ExportJson,
        Action::Help,
        Action::Escape,
        Action::Quit,
        Action::Suspend,
        Action::Accept,
        Action::OnlyVisible,
    ];
}
