//! Reading keymap files: TOML → checked entries with line numbers, and the errors it reports.
//!
//! Loading is all-or-nothing: [`parse_file`] either returns every entry of the file, checked
//! (known modes, fields, actions and keys; no duplicates; no key that is both a binding and a
//! chord prefix), or the first problem found.

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use serde::Deserialize;
use toml::Spanned;

use super::key::{chord_label, parse_chord};
use crate::app::action::{Action, Layer};

/// Modes a keymap file may contain, as top-level table arrays: one per [`Layer`].
pub const MODES: &[&str] = &[
    "normal", "filter", "find", "help", "detail", "confirm", "quit",
];

/// A keymap file could not be used. Display reads `<origin>, line <n>: <problem>`.
#[derive(Debug, thiserror::Error)]
#[error("{origin}{}: {kind}", line_suffix(*.line))]
pub struct KeymapError {
    /// Where the text came from: a file path, or `assets/keymap.toml` for the default.
    pub origin: String,
    /// The 1-based line the problem is on, when it has one.
    pub line: Option<usize>,
    /// What is wrong (boxed to keep `Result`s small).
    pub kind: Box<KeymapErrorKind>,
}

impl KeymapError {
    /// An error about `origin`, at `line` when known.
    pub fn new(origin: &str, line: Option<usize>, kind: KeymapErrorKind) -> Self {
        Self {
            origin: origin.to_string(),
            line,
            kind: Box::new(kind),
        }
    }
}

/// The problems a keymap file can have.
#[derive(Debug, thiserror::Error)]
pub enum KeymapErrorKind {
    /// The text is not valid TOML.
    #[error("invalid TOML: {0}")]
    Toml(String),
    /// A top-level table that is not a known mode.
    #[error("unknown mode `{0}` (known modes: {modes})", modes = MODES.join(", "))]
    UnknownMode(String),
    /// Valid TOML of the wrong shape: unknown or missing field, wrong type.
    #[error("{0}")]
    Schema(String),
    /// An action that does nothing in the mode it is bound in.
    #[error("action `{action}` does nothing in mode `{mode}` (actions of `{mode}`: {valid})")]
    WrongMode {
        /// The action's name.
        action: String,
        /// The mode.
        mode: String,
        /// The actions the mode takes.
        valid: String,
    },
    /// A chord outside mode `normal`.
    #[error("`{key}` is a chord: chords work only in mode `normal`, give one key")]
    ChordOutsideList {
        /// The chord as written.
        key: String,
    },
    /// An action name that does not exist.
    #[error("unknown action `{name}` (try: {suggest})")]
    UnknownAction {
        /// The name as written.
        name: String,
        /// A few valid names, close ones first.
        suggest: String,
    },
    /// A key that cannot be parsed.
    #[error("bad key `{key}`: {reason}")]
    BadKey {
        /// The key as written.
        key: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `keys = []`.
    #[error("`keys` is empty: give at least one key")]
    EmptyKeys,
    /// The same key or chord bound twice in one mode.
    #[error("`{key}` is bound twice in mode `{mode}` (line {first_line} and line {second_line})")]
    Duplicate {
        /// The key label.
        key: String,
        /// The mode.
        mode: String,
        /// The line of the first binding.
        first_line: usize,
        /// The line of the second binding.
        second_line: usize,
    },
    /// A key bound on its own that also starts a chord, so the chord could never be typed.
    #[error(
        "`{prefix}` (line {prefix_line}) is also the start of the chord `{chord}` (line {chord_line}) in mode `{mode}`"
    )]
    PrefixConflict {
        /// The shorter key or chord.
        prefix: String,
        /// Its line.
        prefix_line: usize,
        /// The longer chord.
        chord: String,
        /// Its line.
        chord_line: usize,
        /// The mode.
        mode: String,
    },
    /// The file exists but cannot be read.
    #[error("cannot read the keymap file: {0}")]
    Io(std::io::Error),
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|n| format!(", line {n}")).unwrap_or_default()
}

/// One binding as read from a file, checked, with line numbers.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The mode (layer) it belongs to.
    pub mode: Layer,
    /// Canonical chords with the line each is written on.
    pub keys: Vec<(Vec<KeyEvent>, usize)>,
    /// The action.
    pub action: Action,
    /// Description, if given.
    pub desc: Option<String>,
    /// Group, if given.
    pub group: Option<String>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    normal: Vec<RawBinding>,
    #[serde(default)]
    filter: Vec<RawBinding>,
    #[serde(default)]
    find: Vec<RawBinding>,
    #[serde(default)]
    help: Vec<RawBinding>,
    #[serde(default)]
    detail: Vec<RawBinding>,
    #[serde(default)]
    confirm: Vec<RawBinding>,
    #[serde(default)]
    quit: Vec<RawBinding>,
}

impl RawFile {
    /// The bindings of every layer, in layer order.
    fn into_layers(self) -> [(Layer, Vec<RawBinding>); 7] {
        [
            (Layer::Normal, self.normal),
            (Layer::Filter, self.filter),
            (Layer::Find, self.find),
            (Layer::Help, self.help),
            (Layer::Detail, self.detail),
            (Layer::Confirm, self.confirm),
            (Layer::Quit, self.quit),
        ]
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    keys: Spanned<Vec<Spanned<String>>>,
    action: Spanned<String>,
    desc: Option<String>,
    group: Option<String>,
}

/// Turns byte offsets into 1-based line numbers.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    fn at(&self, offset: usize) -> usize {
        crate::config::line_of(self.0, offset)
    }
}

/// Parses and checks a whole keymap file.
pub fn parse_file(text: &str, origin: &str) -> Result<Vec<Entry>, KeymapError> {
    let lines = Lines(text);
    let err = |line: Option<usize>, kind| KeymapError::new(origin, line, kind);
    let toml_err = |e: toml::de::Error, kind: fn(String) -> KeymapErrorKind| {
        err(
            e.span().map(|s| lines.at(s.start)),
            kind(e.message().to_string()),
        )
    };
    let table = toml::de::DeTable::parse(text).map_err(|e| toml_err(e, KeymapErrorKind::Toml))?;
    // Report the first unknown mode in file order.
    let unknown = table
        .get_ref()
        .iter()
        .filter(|(k, _)| !MODES.contains(&k.get_ref().as_ref()))
        .min_by_key(|(k, _)| k.span().start);
    if let Some((k, _)) = unknown {
        let kind = KeymapErrorKind::UnknownMode(k.get_ref().to_string());
        return Err(err(Some(lines.at(k.span().start)), kind));
    }
    let raw = RawFile::deserialize(toml::de::Deserializer::from(table))
        .map_err(|e| toml_err(e, KeymapErrorKind::Schema))?;

    let mut entries = Vec::new();
    for (mode, bindings) in raw.into_layers() {
        for b in bindings {
            entries.push(check_binding(mode, b, &lines, origin)?);
        }
    }
    check_conflicts(&entries, origin)?;
    Ok(entries)
}

/// One binding of `mode`, checked: a known action that works in the mode, at least one key,
/// keys that parse, chords only in `normal`.
fn check_binding(
    mode: Layer,
    b: RawBinding,
    lines: &Lines<'_>,
    origin: &str,
) -> Result<Entry, KeymapError> {
    let err = |line: usize, kind| KeymapError::new(origin, Some(line), kind);
    let action_line = lines.at(b.action.span().start);
    let name = b.action.get_ref();
    let action = action_from_name(name).ok_or_else(|| err(action_line, unknown_action(name)))?;
    if !action.works_in(mode) {
        let valid: Vec<&str> = (Action::ALL.iter())
            .filter(|a| a.in_layer(mode).is_some())
            .map(|a| a.name())
            .collect();
        let kind = KeymapErrorKind::WrongMode {
            action: name.clone(),
            mode: mode.name().to_string(),
            valid: valid.join(", "),
        };
        return Err(err(action_line, kind));
    }
    if b.keys.get_ref().is_empty() {
        return Err(err(
            lines.at(b.keys.span().start),
            KeymapErrorKind::EmptyKeys,
        ));
    }
    let mut keys = Vec::new();
    for key in b.keys.into_inner() {
        let key_line = lines.at(key.span().start);
        let chord = parse_chord(key.get_ref()).map_err(|reason| {
            let kind = KeymapErrorKind::BadKey {
                key: key.get_ref().clone(),
                reason,
            };
            err(key_line, kind)
        })?;
        if chord.len() > 1 && !mode.allows_chords() {
            let kind = KeymapErrorKind::ChordOutsideList {
                key: key.get_ref().clone(),
            };
            return Err(err(key_line, kind));
        }
        keys.push((chord, key_line));
    }
    Ok(Entry {
        mode,
        keys,
        action,
        desc: b.desc,
        group: b.group,
    })
}

/// Checks, per mode, that no chord is bound twice and that no binding is a prefix of another.
pub fn check_conflicts(entries: &[Entry], origin: &str) -> Result<(), KeymapError> {
    let mut seen: HashMap<(Layer, &[KeyEvent]), usize> = HashMap::new();
    for entry in entries {
        for (chord, line) in &entry.keys {
            let slot = (entry.mode, chord.as_slice());
            if let Some(first_line) = seen.insert(slot, *line) {
                let kind = KeymapErrorKind::Duplicate {
                    key: chord_label(chord),
                    mode: entry.mode.name().to_string(),
                    first_line,
                    second_line: *line,
                };
                return Err(KeymapError::new(origin, Some(*line), kind));
            }
        }
    }
    for entry in entries {
        for (chord, chord_line) in &entry.keys {
            for n in 1..chord.len() {
                let prefix = &chord[..n];
                if let Some(prefix_line) = seen.get(&(entry.mode, prefix)) {
                    let kind = KeymapErrorKind::PrefixConflict {
                        prefix: chord_label(prefix),
                        prefix_line: *prefix_line,
                        chord: chord_label(chord),
                        chord_line: *chord_line,
                        mode: entry.mode.name().to_string(),
                    };
                    return Err(KeymapError::new(origin, Some(*prefix_line), kind));
                }
            }
        }
    }
    Ok(())
}

/// The action with this snake_case name (see [`Action::from_name`]).
pub fn action_from_name(name: &str) -> Option<Action> {
    Action::from_name(name)
}

/// The snake_case name of an action, as written in keymap files (see [`Action::name`]).
pub fn action_name(action: Action) -> String {
    action.name().to_string()
}

fn unknown_action(name: &str) -> KeymapErrorKind {
    let mut names: Vec<(usize, String)> = Action::ALL
        .iter()
        .map(|a| {
            let n = action_name(*a);
            (distance(name, &n), n)
        })
        .collect();
    names.sort_by_key(|(d, _)| *d);
    let suggest = names
        .into_iter()
        .take(4)
        .map(|(_, n)| n)
        .collect::<Vec<_>>()
        .join(", ");
    KeymapErrorKind::UnknownAction {
        name: name.to_string(),
        suggest: format!("{suggest}, … — every action is listed in assets/keymap.toml"),
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(action_from_name(&action_name(*a)), Some(*a));
        }
        assert_eq!(action_name(Action::SetDismissed), "set_dismissed");
        assert_eq!(action_from_name("nope"), None);
    }

    #[test]
    fn unknown_action_suggests_close_names() {
        let msg = unknown_action("set_dismised").to_string();
        assert!(
            msg.starts_with("unknown action `set_dismised` (try: set_dismissed"),
            "{msg}"
        );
    }

    #[test]
    fn lines_are_one_based() {
        let l = Lines("a\nb\nc");
        assert_eq!((l.at(0), l.at(2), l.at(4), l.at(99)), (1, 2, 3, 3));
    }

    #[test]
    fn error_display_has_origin_and_line() {
        let text = "[[normal]]\nkeys = []\naction = \"quit\"\n";
        let e = parse_file(text, "my.toml").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(
            e.to_string(),
            "my.toml, line 2: `keys` is empty: give at least one key"
        );
    }

    #[test]
    fn prefix_conflict_names_both_lines() {
        let text = "[[normal]]\nkeys = [\"*\"]\naction = \"quit\"\n\n[[normal]]\nkeys = [\"* a\"]\naction = \"help\"\n";
        let e = parse_file(text, "p.toml").unwrap_err().to_string();
        assert!(
            e.contains(
                "p.toml, line 2: `*` (line 2) is also the start of the chord `* a` (line 6)"
            ),
            "{e}"
        );
    }
}
