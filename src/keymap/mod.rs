//! Keys → [`Action`]s per [`Layer`]: the default keymap (generated from the action table,
//! [`crate::app::action::ACTIONS`]), user overrides, chord resolution, and labels for the hint
//! bar, the help overlay, popups, toasts and a which-key popup.
//!
//! The file format is one table array per mode (`normal`, the list; `filter`, `find`, `help`,
//! `detail`; `confirm`, the prompts that ask before a bulk change; `quit`, the question before
//! quitting with unsent changes):
//!
//! ```toml
//! [[normal]]
//! keys = ["j", "down"]      # one or more keys; "* i" is a chord (press `*`, then `i`)
//! action = "move_down"      # an Action, snake_case
//! desc = "Next row"         # optional, shown in help and hints
//! group = "Move"            # optional, the help overlay's section (mode `normal`)
//!
//! [[detail]]
//! keys = ["x"]
//! action = "escape"         # close the detail pane with `x` (and no longer with Esc, q, …)
//! ```
//!
//! Chords work only in `normal`. Everything here is plain data and synchronous, so `update`
//! can call [`Keymap::resolve`] directly. Key comparison ignores kind and state and
//! normalises shifted characters (see [`normalize`]).

mod file;
mod key;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::action::{ACTIONS, Action, Layer};
pub use file::{KeymapError, KeymapErrorKind, MODES, action_from_name, action_name};
pub use key::{chord_label, key_label, normalize, parse_chord, parse_key};

/// The reference copy of the default keymap shipped in the repository. It is generated from
/// the action table ([`default_toml`]); a test checks that the two agree.
pub const DEFAULT_KEYMAP_TOML: &str = include_str!("../../assets/keymap.toml");

/// The origin named in errors about the default keymap.
const DEFAULT_ORIGIN: &str = "the built-in keymap (src/app/action.rs)";

/// One binding: some keys (or chords) for one action, in one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Each entry is a chord: one key, or several typed one after the other. Canonical form.
    /// Empty when a user override took every key of a default binding away.
    pub keys: Vec<Vec<KeyEvent>>,
    /// What the keys do.
    pub action: Action,
    /// A short description for help and hints.
    pub desc: String,
    /// The help overlay's section (Move, Select, Status, Queue, View, App in `normal`).
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

/// Every layer's bindings with lookup tables for resolving key presses.
#[derive(Debug, Clone)]
pub struct Keymap {
    /// Indexed by `Layer as usize`.
    layers: [LayerMap; Layer::ALL.len()],
}

/// The bindings of one layer and their lookup tables.
#[derive(Debug, Clone, Default)]
struct LayerMap {
    bindings: Vec<Binding>,
    lookup: HashMap<Vec<KeyEvent>, Action>,
    prefixes: HashSet<Vec<KeyEvent>>,
}

impl LayerMap {
    /// Builds the lookup tables. Bindings are already free of conflicts; the first wins.
    fn new(bindings: Vec<Binding>) -> LayerMap {
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
        LayerMap {
            bindings,
            lookup,
            prefixes,
        }
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Self::default_keymap()
    }
}

/// The default keymap as a keymap file, generated from the action table: every layer, every
/// action with its default keys, help text and group. `assets/keymap.toml` is this text.
pub fn default_toml() -> String {
    let mut out = String::from(DEFAULT_PREAMBLE);
    for layer in Layer::ALL {
        out.push_str(&format!(
            "\n# ── {} (mode `{}`) {}\n",
            layer.title(),
            layer.name(),
            "─".repeat(70usize.saturating_sub(layer.title().len() + layer.name().len()))
        ));
        for def in ACTIONS {
            let Some(bind) = def.layers.iter().find(|b| b.layer == layer) else {
                continue;
            };
            if bind.keys.is_empty() {
                continue;
            }
            let keys: Vec<String> = bind.keys.iter().map(|k| format!("{k:?}")).collect();
            out.push_str(&format!("\n[[{}]]\n", layer.name()));
            out.push_str(&format!("keys = [{}]\n", keys.join(", ")));
            out.push_str(&format!("action = {:?}\n", def.name));
            out.push_str(&format!("desc = {:?}\n", bind.help));
            let group = if layer == Layer::Normal {
                def.group
            } else {
                layer.title()
            };
            out.push_str(&format!("group = {group:?}\n"));
        }
    }
    out
}

/// The comment that opens [`default_toml`].
const DEFAULT_PREAMBLE: &str = "\
# lead-triage default keymap. GENERATED from src/app/action.rs (the action table); do not edit.
#
# To change keys, write a user keymap ($XDG_CONFIG_HOME/lead-triage/keymap.toml) with the same
# layout: every binding you give for an action in a mode REPLACES that action's default keys in
# that mode, every other default stays, and a key you bind is taken away from any default
# action of the same mode that had it.
#
# Key notation (modifier and key names are case-insensitive, letters are not):
#   \"j\"  \"G\"  \"$\"  \"/\"  \"?\"  \"[\"          a character; an uppercase letter means Shift+letter
#   \"ctrl-d\"  \"alt-x\"  \"shift-down\"      modifiers: ctrl- alt- shift- (also C- A- S-)
#   space enter esc tab backtab backspace up down left right home end pgup pgdn
#   delete insert f1 .. f12               named keys
#   \"* i\"                                 a chord: press `*`, then `i` (mode `normal` only)
#
# Fields: keys (one or more), action (snake_case name), desc (for help and hints),
# group (the help overlay's section in mode `normal`: Move, Select, Status, Queue, View, App).
#
# Modes: normal (the list), filter (typing a filter, and the help's filter, the command
# palette and the | prompt), find (typing a find), help (the help overlay), detail (the detail
# pane), confirm (the questions before a bulk change), quit (the question before quitting with
# unsent changes). Fixed keys, whatever
# the file says: Ctrl-C (quits, or clears a text input), Esc in the confirm and quit questions,
# and Backspace in a text input.
";

impl Keymap {
    /// The default keymap, from the action table. A test guarantees it loads; should it ever
    /// not, a minimal keymap (quit, escape, help) is returned and the error is logged.
    pub fn default_keymap() -> Keymap {
        match Self::from_toml(&default_toml(), DEFAULT_ORIGIN) {
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
        let layers = Layer::ALL.map(|layer| {
            LayerMap::new(
                entries
                    .iter()
                    .filter(|e| e.mode == layer)
                    .map(|e| Binding {
                        keys: e.keys.iter().map(|(chord, _)| chord.clone()).collect(),
                        action: e.action,
                        desc: e
                            .desc
                            .clone()
                            .unwrap_or_else(|| default_desc(e.action, layer)),
                        group: e.group.clone().unwrap_or_else(|| default_group(layer)),
                    })
                    .collect(),
            )
        });
        Ok(Keymap { layers })
    }

    /// Applies a user keymap file on top of this one.
    ///
    /// Per mode: for every action the user file binds, its bindings replace all of this
    /// keymap's bindings for that action in that mode (desc and group are kept unless the user
    /// gives them). Every other binding stays, minus any key the user file binds in the same
    /// mode, or that would clash with one as a chord prefix. A binding can end with no keys
    /// that way; it stays listed. On any error in the user file the error is returned and
    /// nothing is applied.
    pub fn with_overrides(self, text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        let user = file::parse_file(text, origin)?;
        let mut layers = self.layers;
        for layer in Layer::ALL {
            let mine: Vec<file::Entry> = user.iter().filter(|e| e.mode == layer).cloned().collect();
            let map = &mut layers[layer as usize];
            let base = std::mem::take(&mut map.bindings);
            *map = LayerMap::new(override_layer(base, &mine, layer));
        }
        Ok(Keymap { layers })
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

    fn layer(&self, layer: Layer) -> &LayerMap {
        &self.layers[layer as usize]
    }

    /// Resolves `key` typed in the list after the chord prefix `pending` (empty when no chord
    /// is under way).
    pub fn resolve(&self, pending: &[KeyEvent], key: KeyEvent) -> Resolved {
        let map = self.layer(Layer::Normal);
        let mut seq: Vec<KeyEvent> = pending.iter().copied().map(normalize).collect();
        seq.push(normalize(key));
        if let Some(action) = map.lookup.get(&seq) {
            Resolved::Action(*action)
        } else if map.prefixes.contains(&seq) {
            Resolved::Pending
        } else {
            Resolved::Unbound
        }
    }

    /// What `key` means in `layer` (one key; chords exist only in `normal`). In the two
    /// questions (`confirm`, `quit`) Esc always cancels, whatever the file says, so a
    /// question can always be left.
    pub fn resolve_in(&self, layer: Layer, key: KeyEvent) -> Option<Action> {
        let key = normalize(key);
        match self.layer(layer).lookup.get(std::slice::from_ref(&key)) {
            Some(a) => Some(*a),
            None if key.code == KeyCode::Esc && matches!(layer, Layer::Confirm | Layer::Quit) => {
                Some(Action::Escape)
            }
            None => None,
        }
    }

    /// What `key` means in a confirmation prompt (see [`Keymap::resolve_in`]).
    pub fn resolve_confirm(&self, key: KeyEvent) -> Option<Action> {
        self.resolve_in(Layer::Confirm, key)
    }

    /// The labels of every key bound to `action` in `layer`, in file order (`["y", "Enter"]`).
    pub fn keys_in(&self, layer: Layer, action: Action) -> Vec<String> {
        self.layer(layer)
            .bindings
            .iter()
            .filter(|b| b.action == action)
            .flat_map(|b| b.keys.iter().map(|k| chord_label(k)))
            .collect()
    }

    /// The first key bound to `action` in `layer`, the one hints and toasts name; `None`
    /// when it has none (then no text may promise a key).
    pub fn key_in(&self, layer: Layer, action: Action) -> Option<String> {
        self.keys_in(layer, action).into_iter().next()
    }

    /// The first key of `action` in the list (see [`Keymap::key_in`]).
    pub fn key(&self, action: Action) -> Option<String> {
        self.key_in(Layer::Normal, action)
    }

    /// `"{key} {text}"` with the list's first key for `action`, or `None` when it has no key.
    pub fn hint(&self, action: Action, text: &str) -> Option<String> {
        self.key(action).map(|k| format!("{k} {text}"))
    }

    /// `" · {key} {text}"` with the list's first key for `action`, or nothing when it has no
    /// key: the tail of a toast that names a key.
    pub fn note(&self, action: Action, text: &str) -> String {
        self.hint(action, text)
            .map_or(String::new(), |h| format!(" · {h}"))
    }

    /// [`Keymap::hint`] for each `(action, text)` that has a key, joined by `sep`.
    pub fn hints(&self, hints: &[(Action, &str)], sep: &str) -> String {
        (hints.iter())
            .filter_map(|(a, t)| self.hint(*a, t))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The labels of the keys bound to `action` in the prompts (`["y", "Enter"]`).
    pub fn confirm_keys_for(&self, action: Action) -> Vec<String> {
        self.keys_in(Layer::Confirm, action)
    }

    /// Every binding of the list in file order, for the help overlay.
    pub fn bindings(&self) -> &[Binding] {
        &self.layer(Layer::Normal).bindings
    }

    /// Every binding of `layer` in file order.
    pub fn layer_bindings(&self, layer: Layer) -> &[Binding] {
        &self.layer(layer).bindings
    }

    /// The labels of every key bound to `action` in the list, in file order (`["d", "3"]`).
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.keys_in(Layer::Normal, action)
    }

    /// The description of the first list binding for `action`, if any.
    pub fn desc_for(&self, action: Action) -> Option<&str> {
        let binding = self.bindings().iter().find(|b| b.action == action)?;
        Some(binding.desc.as_str())
    }

    /// What can follow the chord prefix `prefix`, for a which-key popup: the label of the rest
    /// of each chord, its action and its description, in file order.
    pub fn chord_continuations(&self, prefix: &[KeyEvent]) -> Vec<(String, Action, String)> {
        let prefix: Vec<KeyEvent> = prefix.iter().copied().map(normalize).collect();
        let mut out = Vec::new();
        for b in self.bindings() {
            for chord in &b.keys {
                if chord.len() > prefix.len() && chord.starts_with(&prefix) {
                    let rest = chord_label(&chord[prefix.len()..]);
                    out.push((rest, b.action, b.desc.clone()));
                }
            }
        }
        out
    }

    /// A keymap with only these list bindings (the other layers empty).
    fn build(bindings: Vec<Binding>) -> Keymap {
        let mut layers: [LayerMap; Layer::ALL.len()] = Default::default();
        layers[Layer::Normal as usize] = LayerMap::new(bindings);
        Keymap { layers }
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

/// The description of `action` in `layer` when a file gives none: the table's help text, or
/// its name in words.
fn default_desc(action: Action, layer: Layer) -> String {
    match action.in_layer(layer) {
        Some(bind) => bind.help.to_string(),
        None => humanize(action),
    }
}

/// The help overlay's section when a file gives none.
fn default_group(layer: Layer) -> String {
    match layer {
        Layer::Normal => "Other".to_string(),
        other => other.title().to_string(),
    }
}

/// One mode's bindings with a user file's entries for that mode applied (see
/// [`Keymap::with_overrides`]).
fn override_layer(base: Vec<Binding>, user: &[file::Entry], layer: Layer) -> Vec<Binding> {
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
            .unwrap_or_else(|| default_desc(e.action, layer)),
        group: (e.group.clone())
            .or_else(|| base.map(|b| b.group.clone()))
            .unwrap_or_else(|| default_group(layer)),
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
    let name = action.name().replace('_', " ");
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

#[cfg(test)]
mod tests;
