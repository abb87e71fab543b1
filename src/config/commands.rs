//! The `[commands]` table of the configuration file: the rep's own shell commands, each run
//! on the selection (or the row) from its key in the list or from the command palette (see
//! `app::pipe` for what a command gets).
//!
//! ```toml
//! [commands.crm]
//! run = "crm-add --list hot"   # sh -c; the leads as JSON lines on stdin
//! key = "ctrl-k"               # optional: one key, bound to nothing in the list
//! description = "Add to the CRM"   # optional: what the palette says (else `run`)
//! interactive = false          # true: the command gets the terminal (stdin stays it)
//! ```
//!
//! Checked when the file is read (an unknown field, an empty `run`, a key that does not
//! parse) and once more against the keymap (a key bound in the list), every error naming the
//! entry.

use serde::Deserialize;

use crate::app::pipe::UserCommand;
use crate::keymap::{Keymap, Resolved};

/// One entry as the file has it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CommandEntry {
    pub run: String,
    pub key: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub interactive: bool,
}

/// The `[commands.NAME]` table that the byte `offset` of `text` is in, if any: names the
/// entry in an error `toml` reports by line only (an unknown field, a wrong type).
pub fn entry_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset.min(text.len()))?;
    let header = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))?;
    let name = header
        .trim_start_matches('[')
        .split(']')
        .next()?
        .trim()
        .strip_prefix("commands.")?;
    Some(name.trim_matches('"').to_owned())
}

/// What is wrong with one entry on its own (its key is parsed, not yet checked against the
/// keymap).
pub fn check(name: &str, e: &CommandEntry) -> Result<(), String> {
    if e.run.trim().is_empty() {
        return Err(format!("commands.{name}: `run` is empty"));
    }
    if let Some(k) = &e.key {
        parse_one_key(k).map_err(|m| format!("commands.{name}: key {k:?}: {m}"))?;
    }
    Ok(())
}

fn parse_one_key(k: &str) -> Result<crossterm::event::KeyEvent, String> {
    if k.split_whitespace().count() > 1 {
        return Err("one key, not a chord".into());
    }
    crate::keymap::parse_key(k).map(crate::keymap::normalize)
}

/// The entries, checked against the list's bindings in `keymap`: a key that a list action
/// has (or that starts a chord there), or that another entry has, is an error naming both.
pub fn resolve<'a>(
    entries: impl IntoIterator<Item = (&'a String, &'a CommandEntry)>,
    keymap: &Keymap,
) -> Result<Vec<UserCommand>, String> {
    let mut out: Vec<UserCommand> = Vec::new();
    for (name, e) in entries {
        check(name, e)?;
        let key = match &e.key {
            Some(k) => {
                let key = parse_one_key(k).map_err(|m| format!("commands.{name}: {m}"))?;
                match keymap.resolve(&[], key) {
                    Resolved::Action(a) => {
                        return Err(format!(
                            "commands.{name}: key {k:?} is already bound in the list (to `{}`); pick another key or remap that one",
                            a.name()
                        ));
                    }
                    Resolved::Pending => {
                        return Err(format!(
                            "commands.{name}: key {k:?} starts a chord in the list; pick another key"
                        ));
                    }
                    Resolved::Unbound => {}
                }
                if let Some(other) = out.iter().find(|c| c.key == Some(key)) {
                    return Err(format!(
                        "commands.{name}: key {k:?} is also the key of commands.{}",
                        other.name
                    ));
                }
                Some(key)
            }
            None => None,
        };
        out.push(UserCommand {
            name: name.clone(),
            run: e.run.clone(),
            key,
            description: (e.description.clone())
                .filter(|d| !d.trim().is_empty())
                .map(|d| crate::text::clean(&d))
                .unwrap_or_else(|| crate::text::clean(&e.run)),
            interactive: e.interactive,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(run: &str, key: Option<&str>) -> CommandEntry {
        CommandEntry {
            run: run.into(),
            key: key.map(str::to_owned),
            ..CommandEntry::default()
        }
    }

    #[test]
    fn keys_must_be_free_in_the_list_and_unique() {
        let km = Keymap::default_keymap();
        let one = |name: &str, e: CommandEntry| {
            let map = std::collections::BTreeMap::from([(name.to_owned(), e)]);
            resolve(&map, &km)
        };
        let ok = one("crm", entry("crm-add", Some("ctrl-k"))).unwrap();
        assert_eq!(
            ok[0].description, "crm-add",
            "the run text when no description"
        );
        let e = one("crm", entry("crm-add", Some("j"))).unwrap_err();
        assert!(e.contains("commands.crm") && e.contains("move_down"), "{e}");
        let e = one("crm", entry("crm-add", Some("*"))).unwrap_err();
        assert!(e.contains("commands.crm") && e.contains("chord"), "{e}");
        let e = one("crm", entry("  ", None)).unwrap_err();
        assert!(e.contains("commands.crm") && e.contains("empty"), "{e}");
        let e = one("crm", entry("x", Some("ctrl-nope-k"))).unwrap_err();
        assert!(e.contains("commands.crm"), "{e}");
        let two = std::collections::BTreeMap::from([
            ("a".to_owned(), entry("x", Some("ctrl-k"))),
            ("b".to_owned(), entry("y", Some("ctrl-k"))),
        ]);
        let e = resolve(&two, &km).unwrap_err();
        assert!(e.contains("commands.b") && e.contains("commands.a"), "{e}");
    }

    #[test]
    fn entry_at_names_the_table() {
        let text = "color = true\n[commands.crm]\nrun = \"x\"\nbogus = 1\n";
        assert_eq!(
            entry_at(text, text.find("bogus").unwrap()).as_deref(),
            Some("crm")
        );
        assert_eq!(entry_at(text, 3), None);
    }
}
