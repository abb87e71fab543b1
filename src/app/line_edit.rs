//! Editing a one-line text input (the filter, the help filter) from the keyboard, with the
//! readline keys reps already know: Backspace, Ctrl-W / Alt-Backspace (delete a word),
//! Ctrl-U (clear). Keys with Ctrl or Alt never insert their letter.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// An editing key that changed nothing (Backspace on an empty line).
    Unchanged,
    /// Not an editing key: the caller decides (Enter, Esc, arrows…).
    NotEditing,
}

/// Apply `key` to `line`.
pub fn apply(line: &mut String, key: KeyEvent) -> Edit {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    let before = line.len();
    match key.code {
        KeyCode::Backspace if ctrl || alt => delete_word(line),
        KeyCode::Backspace => {
            line.pop();
        }
        KeyCode::Char('w') if ctrl => delete_word(line),
        KeyCode::Char('u') if ctrl => line.clear(),
        KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => line.push(c),
        _ => return Edit::NotEditing,
    }
    if line.len() == before {
        Edit::Unchanged
    } else {
        Edit::Changed
    }
}

/// Remove the last word and the spaces after it.
fn delete_word(line: &mut String) {
    let trimmed = line.trim_end().len();
    line.truncate(trimmed);
    let start = line
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    line.truncate(start);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn readline_keys() {
        let mut l = String::from("acme status:new ");
        let none = KeyModifiers::NONE;
        assert_eq!(
            apply(&mut l, key(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Edit::Changed
        );
        assert_eq!(l, "acme ");
        assert_eq!(
            apply(&mut l, key(KeyCode::Backspace, KeyModifiers::ALT)),
            Edit::Changed
        );
        assert_eq!(l, "");
        assert_eq!(
            apply(&mut l, key(KeyCode::Backspace, none)),
            Edit::Unchanged
        );
        assert_eq!(
            apply(&mut l, key(KeyCode::Char('Z'), KeyModifiers::SHIFT)),
            Edit::Changed
        );
        assert_eq!(apply(&mut l, key(KeyCode::Char('é'), none)), Edit::Changed);
        assert_eq!(l, "Zé");
        for m in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
            assert_eq!(apply(&mut l, key(KeyCode::Char('b'), m)), Edit::NotEditing);
        }
        assert_eq!(l, "Zé", "Ctrl and Alt keys insert nothing");
        assert_eq!(
            apply(&mut l, key(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            Edit::Changed
        );
        assert_eq!(l, "");
        assert_eq!(apply(&mut l, key(KeyCode::Enter, none)), Edit::NotEditing);
        let mut l = String::from("李 明");
        apply(&mut l, key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(l, "李 ");
    }
}
