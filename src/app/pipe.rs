//! Piping leads to the rep's own tools (mutt's `|`, gh-dash's custom keybindings): the `pipe`
//! action (`|` by default) opens a prompt for a shell command, and each `[commands]` entry of
//! the configuration file runs its command from its key or from the palette. The selection
//! (or, without one, the cursor's row) goes to the command as JSON lines, one lead per line
//! in the JSON export's shape with the status the screen shows, in view order (selected leads
//! a filter hides come last). What the command did comes back as [`PipeDone`]: its exit
//! status and the last lines of its output, shown as a toast. The runner runs it off the UI
//! thread (`crate::shell`); an interactive command gets the terminal. Part of `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::api::Lead;

use super::action::{Action, Layer};
use super::msg::Effect;
use super::state::{Mode, State};

/// A `[commands]` entry of the configuration file, checked (see `config::commands`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCommand {
    /// The entry's name (`[commands.crm]` → `crm`).
    pub name: String,
    /// The shell command (`sh -c`).
    pub run: String,
    /// The list key that runs it, if any (normalised; it clashes with no list binding).
    pub key: Option<KeyEvent>,
    /// What the palette says it does.
    pub description: String,
    /// The terminal is handed over while it runs (stdin stays the terminal; the leads are in
    /// the file `$LEAD_TRIAGE_LEADS` names).
    pub interactive: bool,
}

/// A command to run on some leads (`Effect::Pipe`).
#[derive(Clone, Debug, PartialEq)]
pub struct PipeJob {
    /// Names the command on screen: the entry's name, or the typed command.
    pub label: String,
    /// The shell command.
    pub command: String,
    /// The leads, in the order they go to the command.
    pub leads: Vec<Lead>,
    /// Hand the terminal over while it runs.
    pub interactive: bool,
}

/// How a command ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it.
    Signal(i32),
    /// It could not be started (or its input not written): why.
    Failed(String),
}

/// What a command did (`Msg::PipeDone`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PipeDone {
    pub label: String,
    /// How many leads it was given.
    pub count: usize,
    pub ended: Ended,
    /// The last lines (at most [`TAIL_LINES`]) of its stdout and stderr, not yet cleaned.
    pub tail: Vec<String>,
}

/// How many of a command's last output lines the toast shows.
pub const TAIL_LINES: usize = 3;

/// The prompt of the `pipe` action, and how many commands are running.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipeState {
    /// The command being typed.
    pub line: String,
    /// Commands started and not yet done.
    pub running: usize,
}

/// `|`: type a command.
pub fn open_prompt(s: &mut State) {
    s.pipe.line.clear();
    s.mode = Mode::Pipe;
}

/// A key in the prompt: the `filter` layer's keep (run) and clear (cancel), else editing.
pub fn on_prompt_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    let action = if ctrl_c {
        Some(Action::Escape)
    } else {
        s.keymap.resolve_in(Layer::Filter, key)
    };
    match action {
        Some(Action::Escape) => {
            s.pipe.line.clear();
            s.mode = Mode::Normal;
        }
        Some(Action::Accept) => {
            let command = s.pipe.line.trim().to_owned();
            s.pipe.line.clear();
            s.mode = Mode::Normal;
            if command.is_empty() {
                s.toast = Some("no command typed: nothing run".into());
            } else {
                start(s, command.clone(), command, false, fx);
            }
        }
        Some(Action::MoveDown | Action::MoveUp) => {}
        _ => {
            super::modes::edit_line(&mut s.pipe.line, action, key);
        }
    }
}

/// Pasted text goes into the command being typed (already cleaned by the caller).
pub fn paste(s: &mut State, text: &str) {
    s.pipe.line.push_str(text);
}

/// A key the list does not bind: the `[commands]` entry it belongs to runs. Returns whether
/// one did.
pub fn on_unbound_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) -> bool {
    let key = crate::keymap::normalize(key);
    let found = (s.settings.commands.iter()).position(|c| c.key == Some(key));
    match found {
        Some(i) => {
            s.toast = None;
            run_command(s, i, fx);
            true
        }
        None => false,
    }
}

/// Run `[commands]` entry `i`.
pub fn run_command(s: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let Some(c) = s.settings.commands.get(i).cloned() else {
        return;
    };
    start(s, c.name, c.run, c.interactive, fx);
}

/// The leads a command gets: the selection in view order (selected leads the filter hides
/// after them, in the order they were listed), else the cursor's row; each with the status
/// the screen shows.
pub fn leads(s: &State) -> Vec<Lead> {
    let list = s.list();
    let data = s.data();
    let ids: Vec<u32> = if list.selected.is_empty() {
        list.cursor_lead().into_iter().collect()
    } else {
        let mut ids: Vec<u32> = (list.rows.iter())
            .copied()
            .filter(|i| list.selected.contains(i))
            .collect();
        let shown: std::collections::HashSet<u32> = ids.iter().copied().collect();
        let mut hidden: Vec<u32> = (list.selected.iter())
            .copied()
            .filter(|i| !shown.contains(i))
            .collect();
        hidden.sort_unstable();
        ids.extend(hidden);
        ids
    };
    (ids.iter())
        .filter_map(|&i| data.leads.get(i as usize))
        .map(|rec| {
            let mut l = rec.to_lead();
            l.status = s.shown_status(rec);
            l
        })
        .collect()
}

/// How many leads [`leads`] gives, without building them.
pub fn leads_count(s: &State) -> usize {
    let list = s.list();
    if list.selected.is_empty() {
        usize::from(list.cursor_lead().is_some())
    } else {
        list.selected.len()
    }
}

/// Hand the leads to `command`.
fn start(s: &mut State, label: String, command: String, interactive: bool, fx: &mut Vec<Effect>) {
    let leads = leads(s);
    if leads.is_empty() {
        s.toast = Some(format!(
            "nothing to pipe to {}: no row",
            shown_label(&label)
        ));
        return;
    }
    s.pipe.running += 1;
    s.toast = Some(format!(
        "running {} on {} lead{}…",
        shown_label(&label),
        leads.len(),
        super::triage::plural(leads.len())
    ));
    fx.push(Effect::Pipe(PipeJob {
        label,
        command,
        leads,
        interactive,
    }));
}

/// A label short enough for a toast, cleaned.
fn shown_label(label: &str) -> String {
    crate::ui::fit::fit(&crate::text::clean(label), 40)
}

/// `Msg::PipeDone`: say how it ended and what it said last.
pub fn on_done(s: &mut State, done: PipeDone) {
    s.pipe.running = s.pipe.running.saturating_sub(1);
    s.toast = Some(summary(&done));
}

/// "crm: exit 0 (2 leads) · added 2 │ done", cleaned of control characters.
pub fn summary(done: &PipeDone) -> String {
    let how = match &done.ended {
        Ended::Code(0) => "exit 0".to_string(),
        Ended::Code(n) => format!("failed, exit {n}"),
        Ended::Signal(n) => format!("killed by signal {n}"),
        Ended::Failed(e) => format!("could not run: {e}"),
    };
    let mut text = format!(
        "{}: {how} ({} lead{})",
        shown_label(&done.label),
        done.count,
        super::triage::plural(done.count)
    );
    let tail: Vec<String> = (done.tail.iter())
        .map(|l| crate::text::clean(l).trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if !tail.is_empty() {
        text.push_str(" · ");
        text.push_str(&tail.join(" │ "));
    }
    crate::text::clean(&text)
}
