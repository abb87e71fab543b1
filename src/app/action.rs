//! What a key can do, defined once: [`ACTIONS`] gives every action its keymap-file name, its
//! help-overlay group, and for each keymap layer it works in its default keys and the text the
//! help overlay and hints show. The enum, [`Action::ALL`], name parsing, the default keymap
//! (`Keymap::default_keymap`) and the help overlay are all derived from that one table.
//!
//! Adding an action is one entry in the `actions!` list below (plus what it does in `update`).

/// A keymap layer: the keys of one mode. Each is a table array in `keymap.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The list (`[[normal]]`).
    Normal,
    /// Typing a filter (`[[filter]]`); also the help overlay's own filter input, the command
    /// palette and the pipe prompt.
    Filter,
    /// Typing a find (`[[find]]`).
    Find,
    /// The help overlay (`[[help]]`).
    Help,
    /// The detail pane (`[[detail]]`).
    Detail,
    /// The questions before a bulk change (`[[confirm]]`).
    Confirm,
    /// The question before quitting with unsent changes (`[[quit]]`).
    Quit,
}

impl Layer {
    /// Every layer, in file and help order.
    pub const ALL: [Layer; 7] = [
        Layer::Normal,
        Layer::Filter,
        Layer::Find,
        Layer::Help,
        Layer::Detail,
        Layer::Confirm,
        Layer::Quit,
    ];

    /// The table array's name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Normal => "normal",
            Layer::Filter => "filter",
            Layer::Find => "find",
            Layer::Help => "help",
            Layer::Detail => "detail",
            Layer::Confirm => "confirm",
            Layer::Quit => "quit",
        }
    }

    /// The layer with this file name.
    pub fn from_name(name: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The help overlay's section title for a layer other than `normal` (whose bindings are
    /// grouped by their own group).
    pub fn title(self) -> &'static str {
        match self {
            Layer::Normal => "List",
            Layer::Filter => "Typing a filter (and the help's own filter)",
            Layer::Find => "Typing a find",
            Layer::Help => "This help",
            Layer::Detail => "Reading pane (every list key works too)",
            Layer::Confirm => "Questions before a bulk change",
            Layer::Quit => "Quit with unsent changes",
        }
    }

    /// Chords (`* a`) work only in the list; elsewhere every binding is one key.
    pub fn allows_chords(self) -> bool {
        self == Layer::Normal
    }
}

/// One layer's defaults for an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultBinding {
    /// The layer.
    pub layer: Layer,
    /// The default keys, in keymap notation (`"ctrl-d"`, `"* a"`). May be empty: the action
    /// works in the layer but has no key until a keymap file gives it one.
    pub keys: &'static [&'static str],
    /// What the action does there, for the help overlay and hints.
    pub help: &'static str,
}

/// One action's row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionDef {
    /// The action.
    pub action: Action,
    /// The snake_case name keymap files use.
    pub name: &'static str,
    /// The help overlay's section for its `normal` binding.
    pub group: &'static str,
    /// Every layer it works in, with its defaults there.
    pub layers: &'static [DefaultBinding],
}

macro_rules! actions {
    ($(
        $(#[$doc:meta])*
        $variant:ident $name:literal $group:literal {
            $($layer:ident [$($key:literal),*] $help:literal),+ $(,)?
        }
    )*) => {
        /// Every action a binding can name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        /// The table: one row per action, in [`Action`] order (the help overlay's order).
        pub const ACTIONS: &[ActionDef] = &[$(
            ActionDef {
                action: Action::$variant,
                name: $name,
                group: $group,
                layers: &[$(DefaultBinding {
                    layer: Layer::$layer,
                    keys: &[$($key),*],
                    help: $help,
                }),+],
            },
        )*];

        impl Action {
            /// Every action, in the order the help overlay groups them.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
        }
    };
}

actions! {
    MoveDown "move_down" "Move" {
        Normal ["j", "down"] "Next row",
        Filter ["down", "ctrl-n"] "Next row",
        Help ["j", "down"] "Scroll down",
        Detail ["ctrl-e"] "Scroll the pane down",
    }
    MoveUp "move_up" "Move" {
        Normal ["k", "up"] "Previous row",
        Filter ["up", "ctrl-p"] "Previous row",
        Help ["k", "up"] "Scroll up",
        Detail ["ctrl-y"] "Scroll the pane up",
    }
    Top "top" "Move" {
        Normal ["g", "home"] "First row",
        Help ["g", "home"] "To the top",
        Detail [] "The pane's top",
    }
    Bottom "bottom" "Move" {
        Normal ["G", "end"] "Last row",
        Help ["G", "end"] "To the end",
        Detail [] "The pane's end",
    }
    HalfPageDown "half_page_down" "Move" {
        Normal ["ctrl-d"] "Half a page down",
        Help ["ctrl-d"] "Half a page down",
        Detail [] "The pane half a page down",
    }
    HalfPageUp "half_page_up" "Move" {
        Normal ["ctrl-u"] "Half a page up",
        Help ["ctrl-u"] "Half a page up",
        Detail [] "The pane half a page up",
    }
    PageDown "page_down" "Move" {
        Normal ["pgdn", "ctrl-f"] "Page down",
        Help ["pgdn", "space", "ctrl-f"] "Page down",
        Detail ["pgdn"] "Page the pane down",
    }
    PageUp "page_up" "Move" {
        Normal ["pgup", "ctrl-b"] "Page up",
        Help ["pgup", "ctrl-b"] "Page up",
        Detail ["pgup"] "Page the pane up",
    }
    NextFailed "next_failed" "Move" { Normal ["]"] "Next failed row" }
    PrevFailed "prev_failed" "Move" { Normal ["["] "Previous failed row" }
    /// Search without filtering: the cursor jumps to the next match (or to a row number).
    Find "find" "Move" { Normal ["f"] "Find and jump (no filter; 42 = row 42)" }
    FindNext "find_next" "Move" { Normal ["ctrl-n"] "Next match of the find" }
    FindPrev "find_prev" "Move" { Normal ["ctrl-p"] "Previous match of the find" }
    ToggleSelect "toggle_select" "Select" {
        Normal ["space", "x"] "Select or unselect row, then move down",
    }
    RangeSelect "range_select" "Select" { Normal ["v"] "Start a range; again to keep it" }
    RangeDown "range_down" "Select" { Normal ["shift-down", "J"] "Extend range down" }
    RangeUp "range_up" "Select" { Normal ["shift-up", "K"] "Extend range up" }
    SelectAll "select_all" "Select" { Normal ["ctrl-a", "* a"] "Select all visible rows" }
    SelectNone "select_none" "Select" { Normal ["* n"] "Clear the selection" }
    InvertSelection "invert_selection" "Select" {
        Normal ["* i"] "Invert the selection (visible rows)",
    }
    SelectStatusNew "select_status_new" "Select" { Normal ["* 1"] "Select visible New leads" }
    SelectStatusContacted "select_status_contacted" "Select" {
        Normal ["* 2"] "Select visible Contacted leads",
    }
    SelectStatusDismissed "select_status_dismissed" "Select" {
        Normal ["* 3"] "Select visible Dismissed leads",
    }
    SelectFailed "select_failed" "Select" { Normal ["* f"] "Select rows that failed to sync" }
    SetNew "set_new" "Status" { Normal ["n", "1"] "Mark New (selection or row)" }
    SetContacted "set_contacted" "Status" {
        Normal ["c", "2"] "Mark Contacted (selection or row)",
    }
    SetDismissed "set_dismissed" "Status" { Normal ["d", "3"] "Dismiss (selection or row)" }
    Undo "undo" "Status" { Normal ["u", "z"] "Undo last change" }
    Redo "redo" "Status" { Normal ["U"] "Redo" }
    Repeat "repeat" "Status" {
        Normal ["."] "Repeat the last status key",
    }
    Flush "flush" "Queue" {
        Normal ["$"] "Send queued changes now",
        Quit ["s", "enter"] "Send, then quit",
    }
    Retry "retry" "Queue" { Normal ["r"] "Retry failed / keep yours on conflict" }
    RetryAll "retry_all" "Queue" { Normal ["R"] "Retry all failed (conflicts: keep yours)" }
    TakeTheirs "take_theirs" "Queue" { Normal ["T"] "Conflict: take Puffle's status" }
    Filter "filter" "View" {
        Normal ["/"] "Filter rows (text or status:new)",
        Help ["/"] "Filter this list of keys",
    }
    SortNext "sort_next" "View" { Normal ["s"] "Sort by next column" }
    SortReverse "sort_reverse" "View" { Normal ["S"] "Reverse sort order" }
    SwitchView "switch_view" "View" { Normal ["p"] "Switch person / company view" }
    NextView "next_view" "View" { Normal ["l", "right"] "Next saved view (tab)" }
    PrevView "prev_view" "View" { Normal ["h", "left"] "Previous saved view (tab)" }
    Reload "reload" "View" { Normal ["ctrl-r"] "Reload leads from the server" }
    Detail "detail" "View" { Normal ["enter"] "Reading pane: the lead and signals" }
    PaneLayout "pane_layout" "View" { Normal ["w"] "Pane beside / below / popup" }
    NextSignal "next_signal" "View" { Detail ["tab"] "Next signal" }
    PrevSignal "prev_signal" "View" { Detail ["backtab"] "Previous signal" }
    OpenSignal "open_signal" "View" { Detail ["O"] "Open the signal's web address" }
    CopySignalUrl "copy_signal_url" "View" { Detail ["L"] "Copy the signal's web address" }
    SelectPeople "select_people" "Select" { Detail ["a"] "Select the company's people" }
    DraftDm "draft_dm" "Outreach" {
        Normal ["m"] "Draft DMs (selection: top signals)",
        Detail ["m"] "Draft a DM for this signal",
    }
    DraftComment "draft_comment" "Outreach" {
        Normal ["M"] "Draft comments (selection)",
        Detail ["M"] "Draft a comment for this signal",
    }
    EditDm "edit_dm" "Outreach" { Detail ["i"] "Edit the DM draft in $EDITOR" }
    EditComment "edit_comment" "Outreach" { Detail ["I"] "Edit the comment draft in $EDITOR" }
    SendDraft "send_draft" "Outreach" { Detail [">"] "Copy the draft, open where it goes" }
    VoteUp "vote_up" "Outreach" { Detail ["+"] "Vote the signal up (correct)" }
    VoteDown "vote_down" "Outreach" { Detail ["-"] "Vote the signal down (wrong)" }
    ClearVote "clear_vote" "Outreach" { Detail ["="] "Clear the signal's vote" }
    OpenUrl "open_url" "View" {
        Normal ["o"] "Open LinkedIn profile in browser",
        Detail ["o"] "Open the LinkedIn profile in the browser",
    }
    CopyEmail "copy_email" "View" {
        Normal ["y"] "Copy email",
        Detail ["y"] "Copy the email",
    }
    CopyUrl "copy_url" "View" {
        Normal ["Y"] "Copy LinkedIn URL",
        Detail ["Y"] "Copy the LinkedIn URL",
    }
    Export "export" "View" { Normal ["e"] "Export selection or view to CSV" }
    ExportJson "export_json" "View" { Normal ["E"] "Export selection or view to JSON" }
    /// Type a shell command; the selection (or the row) goes to its stdin as JSON lines.
    Pipe "pipe" "View" { Normal ["|"] "Pipe selection or row to a shell command" }
    Help "help" "App" { Normal ["?", "f1"] "Help: every key" }
    /// Search every list action and `[commands]` entry by name, run one with Enter.
    Palette "palette" "App" { Normal [":"] "Command palette: search every action" }
    Escape "escape" "App" {
        Normal ["esc"] "Close / cancel / clear selection",
        Filter ["esc"] "Clear the filter, back to the list",
        Find ["esc"] "Back to where the find started",
        Help ["esc", "q", "?", "f1"] "Close the help",
        Detail ["esc", "q", "enter", "backspace"] "Close the pane",
        Confirm ["esc", "n"] "Cancel: nothing changes",
        Quit ["n", "esc"] "Stay",
    }
    Quit "quit" "App" {
        Normal ["q", "ctrl-c"] "Quit, asks if unsent (Ctrl-C: any popup)",
        Quit ["y", "q"] "Quit now",
    }
    Suspend "suspend" "App" { Normal ["ctrl-z"] "Suspend to the shell" }
    /// Accept what the prompt says (all the leads it counts); keep what was typed.
    Accept "accept" "Prompt" {
        Filter ["enter"] "Keep the filter, back to the list",
        Find ["enter"] "Stay on the match",
        Confirm ["y", "a", "enter"] "Yes: all the leads the prompt counts",
    }
    /// Act only on the visible leads of a selection that includes hidden ones.
    OnlyVisible "only_visible" "Prompt" {
        Confirm ["v"] "Only the visible ones (selection with hidden leads)",
    }
    /// Delete the last word of a text input, readline-style.
    DeleteWord "delete_word" "Edit" {
        Filter ["ctrl-w", "alt-backspace", "ctrl-backspace"] "Delete the last word",
        Find ["ctrl-w", "alt-backspace", "ctrl-backspace"] "Delete the last word",
    }
    /// Clear a text input, readline-style.
    ClearLine "clear_line" "Edit" {
        Filter ["ctrl-u"] "Clear the line",
        Find ["ctrl-u"] "Clear the line",
    }
}

impl Action {
    /// The status a `set_<status>` action sets.
    pub fn sets(self) -> Option<crate::api::Status> {
        use crate::api::Status;
        match self {
            Action::SetNew => Some(Status::New),
            Action::SetContacted => Some(Status::Contacted),
            Action::SetDismissed => Some(Status::Dismissed),
            _ => None,
        }
    }

    /// The status whose visible leads a `select_status_<status>` action selects.
    pub fn selects(self) -> Option<crate::api::Status> {
        use crate::api::Status;
        match self {
            Action::SelectStatusNew => Some(Status::New),
            Action::SelectStatusContacted => Some(Status::Contacted),
            Action::SelectStatusDismissed => Some(Status::Dismissed),
            _ => None,
        }
    }

    /// This action's row of [`ACTIONS`].
    pub fn def(self) -> &'static ActionDef {
        // The table is built in enum order by `actions!`, so the index is the discriminant.
        &ACTIONS[self as usize]
    }

    /// The snake_case name keymap files use.
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The action with this keymap-file name.
    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS.iter().find(|d| d.name == name).map(|d| d.action)
    }

    /// Its defaults in `layer`, when it works there.
    pub fn in_layer(self, layer: Layer) -> Option<&'static DefaultBinding> {
        self.def().layers.iter().find(|b| b.layer == layer)
    }

    /// Does the action do anything in `layer`? Every action is accepted in `normal` (as
    /// before layers existed); the other layers take only their own actions.
    pub fn works_in(self, layer: Layer) -> bool {
        layer == Layer::Normal || self.in_layer(layer).is_some()
    }
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
        let name = String::deserialize(d)?;
        Action::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown action `{name}`")))
    }
}
