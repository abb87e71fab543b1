//! The command palette (`:` by default, the `palette` action): every action of the list and
//! every `[commands]` entry of the configuration file, each with its key as the keymap has it
//! now (so it teaches the shortcuts) and its description. Typing filters fuzzily, best match
//! first; the `filter` layer's keys move (↑/↓, Ctrl-P/Ctrl-N), run (Enter) and close (Esc),
//! and edit the query (`delete_word`, `clear_line`), so a remapped filter key works here too.
//! Enter runs the entry exactly as its key would (`update::act`). Part of `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::action::{Action, Layer};
use super::msg::Effect;
use super::state::{Mode, State};

/// What the palette's query and cursor are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaletteInput {
    /// What was typed.
    pub query: String,
    /// The highlighted entry, an index into [`entries`].
    pub cursor: usize,
}

/// What an entry runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// An action of the list.
    Action(Action),
    /// A `[commands]` entry (its index in `Settings::commands`).
    Command(usize),
}

/// One line of the palette.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub target: Target,
    /// The keys that run it in the list (`"d, 3"`), empty when it has none.
    pub keys: String,
    /// What it does.
    pub desc: String,
    /// Extra words the query matches (the action's or command's name).
    pub name: String,
}

/// Every entry, in table order: the list's actions (but the palette itself), then the
/// configured commands.
pub fn all_entries(s: &State) -> Vec<Entry> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for b in s.keymap.bindings() {
        let a = b.action;
        if a == Action::Palette || a.in_layer(Layer::Normal).is_none() || seen.contains(&a) {
            continue;
        }
        seen.push(a);
        out.push(Entry {
            target: Target::Action(a),
            keys: s.keymap.keys_for(a).join(", "),
            desc: b.desc.clone(),
            name: a.name().replace('_', " "),
        });
    }
    for (i, c) in s.settings.commands.iter().enumerate() {
        out.push(Entry {
            target: Target::Command(i),
            keys: c
                .key
                .map(|k| crate::keymap::key_label(&k))
                .unwrap_or_default(),
            desc: c.description.clone(),
            name: format!("{} {}", c.name, c.run),
        });
    }
    out
}

/// The entries the query keeps, best match first (ties, as in fzf: the shorter text, then
/// table order); all of them, in table order, while the query is empty.
pub fn entries(s: &State) -> Vec<Entry> {
    let all = all_entries(s);
    let query = s.palette.query.trim();
    if query.is_empty() {
        return all;
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, usize, Entry)> = all
        .into_iter()
        .enumerate()
        .filter_map(|(order, e)| {
            let hay = format!("{} {} {}", e.desc, e.name, e.keys);
            let score = pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher)?;
            Some((score, hay.chars().count(), order, e))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    scored.into_iter().map(|(_, _, _, e)| e).collect()
}

/// Open the palette with an empty query.
pub fn open(s: &mut State) {
    s.palette = PaletteInput::default();
    s.mode = Mode::Palette;
}

fn close(s: &mut State) {
    s.palette = PaletteInput::default();
    s.mode = Mode::Normal;
}

/// A key in the palette: the `filter` layer (run, close, move), else editing the query.
pub fn on_key(s: &mut State, key: KeyEvent, fx: &mut Vec<Effect>) {
    let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
    // Ctrl-C leaves a text input as Esc does (see `modes`).
    let action = if ctrl_c {
        Some(Action::Escape)
    } else {
        s.keymap.resolve_in(Layer::Filter, key)
    };
    match action {
        Some(Action::Escape) => close(s),
        Some(Action::Accept) => {
            let chosen = entries(s).get(s.palette.cursor).map(|e| e.target);
            close(s);
            match chosen {
                Some(target) => run(s, target, fx),
                None => s.toast = Some("no command matches".into()),
            }
        }
        Some(Action::MoveDown) => step(s, 1),
        Some(Action::MoveUp) => step(s, -1),
        _ => {
            if super::modes::edit_line(&mut s.palette.query, action, key)
                == super::line_edit::Edit::Changed
            {
                s.palette.cursor = 0;
            }
        }
    }
}

/// Pasted text goes into the query (already cleaned by the caller).
pub fn paste(s: &mut State, text: &str) {
    s.palette.query.push_str(text);
    s.palette.cursor = 0;
}

/// Move the highlight, wrapping around.
fn step(s: &mut State, by: isize) {
    let n = entries(s).len();
    if n == 0 {
        return;
    }
    let at = s.palette.cursor.min(n - 1) as isize;
    s.palette.cursor = (at + by).rem_euclid(n as isize) as usize;
}

/// Run an entry as its key would.
pub fn run(s: &mut State, target: Target, fx: &mut Vec<Effect>) {
    match target {
        Target::Action(a) => super::update::act(s, a, fx),
        Target::Command(i) => super::pipe::run_command(s, i, fx),
    }
}
