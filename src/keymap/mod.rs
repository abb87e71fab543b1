//! Keys → [`Action`]s: the default keymap embedded from `assets/keymap.toml`, user overrides,
//! chord resolution, and labels for the hint bar, the help overlay and a which-key popup.
//!
//! The file format is one table array per mode (`normal`, the list; `confirm`, the prompts that
//! ask before a bulk change):
//!
//! ```toml
//! [[normal]]
//! keys = ["j", "down"]      # one or more keys; "* i" is a chord (press `*`, then `i`)
//! action = "move_down"      # an Action, snake_case
//! desc = "Next row"         # optional, shown in help and hints
//! group = "Move"            # optional, the help overlay's section
//! ```
//!
//! Everything here is plain data and synchronous, so `update` can call [`Keymap::resolve`]
//! directly. Key comparison ignores kind and state and normalises shifted characters (see
//! [`normalize`]).

mod file;
mod key;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::Action;
pub use file::{KeymapError, KeymapErrorKind, MODES, action_from_name, action_name};
pub use key::{chord_label, key_label, normalize, parse_chord, parse_key};

/// The default keymap file, embedded at compile time.
pub const DEFAULT_KEYMAP_TOML: &str = include_str!("../../assets/keymap.toml");

/// The origin named in errors about the default keymap.
const DEFAULT_ORIGIN: &str = "assets/keymap.toml";

/// One binding of mode `normal`: some keys (or chords) for one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Each entry is a chord: one key, or several typed one after the other. Canonical form.
    /// Empty when a user override took every key of a default binding away.
    pub keys: Vec<Vec<KeyEvent>>,
    /// What the keys do.
    pub action: Action,
    /// A short description for help and hints.
    pub desc: String,
    /// The help overlay's section (Move, Select, Status, Queue, View, App).
    pub group: String,
}

impl Binding {
    /// The keys as the help shows them: `j, Down`, `* a`.
    pub fn keys_text(&self) -> String {
        self.keys
            .iter()
            .map(|chord| chord.iter().map(key_label).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Does the help filter `query` (lower case) find this binding?
    pub fn matches_help(&self, query: &str) -> bool {
        query.is_empty()
            || format!("{} {} {}", self.keys_text(), self.desc, self.group)
                .to_lowercase()
                .contains(query)
    }
}

/// What a key press means, given the chord prefix typed before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// The keys complete a binding.
    Action(Action),
    /// The keys so far start a chord: keep them and wait for the next key.
    Pending,
    /// Nothing is bound to these keys. The caller drops any pending prefix.
    Unbound,
}

/// The bindings of mode `normal` with lookup tables for resolving key presses.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<Vec<KeyEvent>, Action>,
    prefixes: HashSet<Vec<KeyEvent>>,
    /// The keys of the confirmation prompts (single keys, no chords).
    confirm: Layer,
}

/// The bindings of a mode whose keys are single keys.
#[derive(Debug, Clone, Default)]
struct Layer {
    bindings: Vec<Binding>,
    lookup: HashMap<KeyEvent, Action>,
}

impl Layer {
    fn new(bindings: Vec<Binding>) -> Layer {
        let mut lookup = HashMap::new();
        for b in &bindings {
            for chord in &b.keys {
                if let [key] = chord.as_slice() {
                    lookup.entry(*key).or_insert(b.action);
                }
            }
        }
        Layer { bindings, lookup }
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Self::default_keymap()
    }
}

impl Keymap {
    /// The embedded default keymap. A test guarantees it loads; should it ever not, a minimal
    /// keymap (quit, escape, help) is returned and the error is logged.
    pub fn default_keymap() -> Keymap {
        match Self::from_toml(DEFAULT_KEYMAP_TOML, DEFAULT_ORIGIN) {
            Ok(keymap) => keymap,
            Err(e) => {
                tracing::error!("built-in keymap is broken: {e}");
                Self::minimal()
            }
        }
    }

    /// A complete keymap from TOML text. `origin` names the text in errors (usually its path).
    pub fn from_toml(text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        let entries = file::parse_file(text, origin)?;
        let layer = |mode: &str| -> Vec<Binding> {
            entries
                .iter()
                .filter(|e| e.mode == mode)
                .map(|e| Binding {
                    keys: e.keys.iter().map(|(chord, _)| chord.clone()).collect(),
                    action: e.action,
                    desc: e.desc.clone().unwrap_or_else(|| humanize(e.action)),
                    group: e.group.clone().unwrap_or_else(|| "Other".to_string()),
                })
                .collect()
        };
        let mut keymap = Self::build(layer("normal"));
        keymap.confirm = Layer::new(layer("confirm"));
        Ok(keymap)
    }

    /// Applies a user keymap file on top of this one.
    ///
    /// For every action the user file binds, its bindings replace all of this keymap's bindings
    /// for that action (desc and group are kept unless the user gives them). Every other binding
    /// stays, minus any key the user file binds, or that would clash with one as a chord prefix.
    /// A binding can end with no keys that way; it stays listed. On any error in the user file
    /// the error is returned and nothing is applied.
    pub fn with_overrides(self, text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        let user = file::parse_file(text, origin)?;
        let mine = |mode: &str| -> Vec<file::Entry> {
            user.iter().filter(|e| e.mode == mode).cloned().collect()
        };
        let confirm = override_layer(self.confirm.bindings, &mine("confirm"));
        let mut keymap = Self::build(override_layer(self.bindings, &mine("normal")));
        keymap.confirm = Layer::new(confirm);
        Ok(keymap)
    }

    /// The default keymap with the user file at `path` applied, if that file exists.
    pub fn load_user(path: &Path) -> Result<Keymap, KeymapError> {
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Self::default_keymap().with_overrides(&text, &origin),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default_keymap()),
            Err(e) => Err(KeymapError::new(&origin, None, KeymapErrorKind::Io(e))),
        }
    }

    /// Resolves `key` typed after the chord prefix `pending` (empty when no chord is under way).
    pub fn resolve(&self, pending: &[KeyEvent], key: KeyEvent) -> Resolved {
        let mut seq: Vec<KeyEvent> = pending.iter().copied().map(normalize).collect();
        seq.push(normalize(key));
        if let Some(action) = self.lookup.get(&seq) {
            Resolved::Action(*action)
        } else if self.prefixes.contains(&seq) {
            Resolved::Pending
        } else {
            Resolved::Unbound
        }
    }

    /// What `key` means in a confirmation prompt (`accept`, `only_visible`, `escape`, or
    /// unbound). Esc always cancels, whatever the file says, so a prompt can always be left.
    pub fn resolve_confirm(&self, key: KeyEvent) -> Option<Action> {
        let key = normalize(key);
        match self.confirm.lookup.get(&key) {
            Some(a) => Some(*a),
            None if key.code == KeyCode::Esc => Some(Action::Escape),
            None => None,
        }
    }

    /// The labels of the keys bound to `action` in the prompts (`["y", "enter"]`).
    pub fn confirm_keys_for(&self, action: Action) -> Vec<String> {
        self.confirm
            .bindings
            .iter()
            .filter(|b| b.action == action)
            .flat_map(|b| b.keys.iter().map(|k| chord_label(k)))
            .collect()
    }

    /// Every binding in file order, for the help overlay.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The labels of every key bound to `action`, in file order (`["d", "3"]`).
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|b| b.action == action)
            .flat_map(|b| b.keys.iter().map(|k| chord_label(k)))
            .collect()
    }

    /// The description of the first binding for `action`, if any.
    pub fn desc_for(&self, action: Action) -> Option<&str> {
        let binding = self.bindings.iter().find(|b| b.action == action)?;
        Some(binding.desc.as_str())
    }

    /// What can follow the chord prefix `prefix`, for a which-key popup: the label of the rest
    /// of each chord, its action and its description, in file order.
    pub fn chord_continuations(&self, prefix: &[KeyEvent]) -> Vec<(String, Action, String)> {
        let prefix: Vec<KeyEvent> = prefix.iter().copied().map(normalize).collect();
        let mut out = Vec::new();
        for b in &self.bindings {
            for chord in &b.keys {
                if chord.len() > prefix.len() && chord.starts_with(&prefix) {
                    let rest = chord_label(&chord[prefix.len()..]);
                    out.push((rest, b.action, b.desc.clone()));
                }
            }
        }
        out
    }

    /// Builds the lookup tables. Bindings are already free of conflicts; the first wins.
    fn build(bindings: Vec<Binding>) -> Keymap {
        let mut lookup = HashMap::new();
        let mut prefixes = HashSet::new();
        for b in &bindings {
            for chord in &b.keys {
                lookup.entry(chord.clone()).or_insert(b.action);
                for n in 1..chord.len() {
                    prefixes.insert(chord[..n].to_vec());
                }
            }
        }
        Keymap {
            bindings,
            lookup,
            prefixes,
            confirm: Layer::default(),
        }
    }

    /// The fallback when the embedded keymap cannot load: enough to leave and to read help.
    fn minimal() -> Keymap {
        let key = |code, mods| vec![normalize(KeyEvent::new(code, mods))];
        let none = KeyModifiers::NONE;
        let binding = |keys, action, desc: &str| Binding {
            keys,
            action,
            desc: desc.to_string(),
            group: "App".to_string(),
        };
        Self::build(vec![
            binding(
                vec![
                    key(KeyCode::Char('q'), none),
                    key(KeyCode::Char('c'), KeyModifiers::CONTROL),
                ],
                Action::Quit,
                "Quit",
            ),
            binding(vec![key(KeyCode::Esc, none)], Action::Escape, "Cancel"),
            binding(vec![key(KeyCode::Char('?'), none)], Action::Help, "Help"),
        ])
    }
}

/// One mode's bindings with a user file's entries for that mode applied (see
/// [`Keymap::with_overrides`]).
fn override_layer(base: Vec<Binding>, user: &[file::Entry]) -> Vec<Binding> {
    let user_chords: Vec<&[KeyEvent]> = user
        .iter()
        .flat_map(|e| e.keys.iter().map(|(chord, _)| chord.as_slice()))
        .collect();
    let clashes = |chord: &[KeyEvent]| {
        user_chords
            .iter()
            .any(|u| u.starts_with(chord) || chord.starts_with(u))
    };
    let overridden: HashSet<Action> = user.iter().map(|e| e.action).collect();
    let mut placed: HashSet<Action> = HashSet::new();
    let mut out = Vec::new();
    let from_user = |e: &file::Entry, base: Option<&Binding>| Binding {
        keys: e.keys.iter().map(|(chord, _)| chord.clone()).collect(),
        action: e.action,
        desc: (e.desc.clone())
            .or_else(|| base.map(|b| b.desc.clone()))
            .unwrap_or_else(|| humanize(e.action)),
        group: (e.group.clone())
            .or_else(|| base.map(|b| b.group.clone()))
            .unwrap_or_else(|| "Other".to_string()),
    };
    for binding in base {
        if overridden.contains(&binding.action) {
            if placed.insert(binding.action) {
                let mine = user.iter().filter(|e| e.action == binding.action);
                out.extend(mine.map(|e| from_user(e, Some(&binding))));
            }
        } else {
            let keys = binding.keys.into_iter().filter(|k| !clashes(k)).collect();
            out.push(Binding { keys, ..binding });
        }
    }
    for e in user {
        if !placed.contains(&e.action) {
            out.push(from_user(e, None));
        }
    }
    out
}

/// `set_dismissed` → `Set dismissed`: the description when a file gives none.
fn humanize(action: Action) -> String {
    let name = action_name(action).replace('_', " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

#[cfg(test)]
mod tests;
