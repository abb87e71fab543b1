//! Key notation: parsing `"ctrl-d"` / `"G"` / `"* i"`, canonical forms and short labels.
//!
//! Every key is reduced to a canonical [`KeyEvent`] (code and modifiers only, kind `Press`, no
//! state) so that what the terminal reports and what the keymap file says compare equal:
//! - a character key never carries SHIFT: the shift is in the character (`G`, `$`); a lowercase
//!   letter reported with SHIFT becomes the uppercase letter;
//! - Ctrl+letter is always the lowercase letter, because terminals send the same byte for Ctrl-d
//!   and Ctrl-Shift-d;
//! - Shift-Tab is `BackTab` without SHIFT.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

/// Named keys accepted in keymap files (lowercase), with the code each stands for.
const NAMED: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("spc", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("bksp", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("↑", KeyCode::Up),
    ("down", KeyCode::Down),
    ("↓", KeyCode::Down),
    ("left", KeyCode::Left),
    ("←", KeyCode::Left),
    ("right", KeyCode::Right),
    ("→", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pageup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pagedown", KeyCode::PageDown),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
];

/// Modifier prefixes (lowercase, without the dash).
const MODIFIERS: &[(&str, KeyModifiers)] = &[
    ("ctrl", KeyModifiers::CONTROL),
    ("control", KeyModifiers::CONTROL),
    ("c", KeyModifiers::CONTROL),
    ("alt", KeyModifiers::ALT),
    ("meta", KeyModifiers::ALT),
    ("a", KeyModifiers::ALT),
    ("m", KeyModifiers::ALT),
    ("shift", KeyModifiers::SHIFT),
    ("s", KeyModifiers::SHIFT),
    ("super", KeyModifiers::SUPER),
];

/// The canonical form of a key: what the keymap compares. Ignores kind and state.
pub fn normalize(key: KeyEvent) -> KeyEvent {
    let mut code = key.code;
    let mut mods = key.modifiers;
    match code {
        KeyCode::Char(c) => {
            let c = if mods.contains(KeyModifiers::CONTROL) && c.is_ascii_alphabetic() {
                c.to_ascii_lowercase()
            } else if mods.contains(KeyModifiers::SHIFT) && c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            };
            code = KeyCode::Char(c);
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
            code = KeyCode::BackTab;
            mods.remove(KeyModifiers::SHIFT);
        }
        KeyCode::BackTab => mods.remove(KeyModifiers::SHIFT),
        _ => {}
    }
    KeyEvent {
        code,
        modifiers: mods,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

/// Parses one key such as `"j"`, `"G"`, `"ctrl-d"`, `"shift-down"`, `"f1"` or `"$"`.
///
/// Modifier and key names are case-insensitive; a single letter keeps its case. The result is
/// canonical (see [`normalize`]). The error is a short reason, without the key text.
pub fn parse_key(s: &str) -> Result<KeyEvent, String> {
    let text = s.trim();
    if text.is_empty() {
        return Err("empty key".to_string());
    }
    let mut mods = KeyModifiers::NONE;
    let mut rest = text;
    // Strip `mod-` prefixes while something is left after the dash (`ctrl--` is Ctrl + `-`).
    while let Some((head, tail)) = rest.split_once('-') {
        if tail.is_empty() {
            break;
        }
        let lower = head.to_ascii_lowercase();
        match MODIFIERS.iter().find(|(name, _)| *name == lower) {
            Some((_, m)) => {
                mods |= *m;
                rest = tail;
            }
            None if head.is_empty() => break,
            None => {
                return Err(format!(
                    "unknown modifier `{head}` (use ctrl-, alt- or shift-)"
                ));
            }
        }
    }
    let code = parse_code(rest)?;
    if let KeyCode::Char(c) = code
        && mods.contains(KeyModifiers::SHIFT)
        && !c.is_alphabetic()
    {
        return Err(format!(
            "shift- only goes with letters and named keys; write the shifted character itself (not shift-{rest})"
        ));
    }
    Ok(normalize(KeyEvent::new(code, mods)))
}

/// Parses a key name without modifiers: one character or a named key.
fn parse_code(s: &str) -> Result<KeyCode, String> {
    let lower = s.to_lowercase();
    if let Some((_, code)) = NAMED.iter().find(|(name, _)| *name == lower) {
        return Ok(*code);
    }
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Ok(KeyCode::Char(c));
    }
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
        && (1..=24).contains(&n)
    {
        return Ok(KeyCode::F(n));
    }
    Err(format!(
        "unknown key name `{s}` (use one character, or space, enter, esc, tab, backtab, \
         backspace, up, down, left, right, home, end, pgup, pgdn, delete, insert, f1..f12)"
    ))
}

/// Parses a key or a chord of keys separated by spaces: `"j"`, `"* i"`, `"ctrl-x ctrl-s"`.
pub fn parse_chord(s: &str) -> Result<Vec<KeyEvent>, String> {
    let keys = s
        .split_whitespace()
        .map(parse_key)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err("empty key".to_string());
    }
    Ok(keys)
}

/// A short label for the hint bar and help: `j`, `G`, `C-d`, `S-↓`, `Space`, `Enter`, `PgDn`.
///
/// Labels parse back to the same key with [`parse_key`].
pub fn key_label(key: &KeyEvent) -> String {
    let key = normalize(*key);
    let mut out = String::new();
    for (flag, prefix) in [
        (KeyModifiers::CONTROL, "C-"),
        (KeyModifiers::ALT, "A-"),
        (KeyModifiers::SUPER, "Super-"),
        (KeyModifiers::SHIFT, "S-"),
    ] {
        if key.modifiers.contains(flag) {
            out.push_str(prefix);
        }
    }
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::BackTab => "S-Tab".to_string(),
        KeyCode::Backspace => "Bksp".to_string(),
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::Delete => "Del".to_string(),
        KeyCode::Insert => "Ins".to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    out.push_str(&name);
    out
}

/// The label of a chord: key labels joined by a space (`* i`).
pub fn chord_label(keys: &[KeyEvent]) -> String {
    keys.iter().map(key_label).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        normalize(KeyEvent::new(code, mods))
    }

    #[test]
    fn parses_plain_named_and_modified_keys() {
        let cases = [
            ("j", key(KeyCode::Char('j'), KeyModifiers::NONE)),
            ("G", key(KeyCode::Char('G'), KeyModifiers::NONE)),
            ("shift-g", key(KeyCode::Char('G'), KeyModifiers::NONE)),
            ("ctrl-d", key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            ("Ctrl-D", key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            ("C-d", key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            ("alt-x", key(KeyCode::Char('x'), KeyModifiers::ALT)),
            ("shift-down", key(KeyCode::Down, KeyModifiers::SHIFT)),
            ("SHIFT-Down", key(KeyCode::Down, KeyModifiers::SHIFT)),
            ("space", key(KeyCode::Char(' '), KeyModifiers::NONE)),
            ("Enter", key(KeyCode::Enter, KeyModifiers::NONE)),
            ("esc", key(KeyCode::Esc, KeyModifiers::NONE)),
            ("pgdn", key(KeyCode::PageDown, KeyModifiers::NONE)),
            ("f1", key(KeyCode::F(1), KeyModifiers::NONE)),
            ("F12", key(KeyCode::F(12), KeyModifiers::NONE)),
            ("shift-tab", key(KeyCode::BackTab, KeyModifiers::NONE)),
            ("$", key(KeyCode::Char('$'), KeyModifiers::NONE)),
            ("-", key(KeyCode::Char('-'), KeyModifiers::NONE)),
            ("ctrl--", key(KeyCode::Char('-'), KeyModifiers::CONTROL)),
            ("[", key(KeyCode::Char('['), KeyModifiers::NONE)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_key(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn rejects_bad_keys() {
        assert!(parse_key("").is_err());
        assert!(
            parse_key("foo")
                .unwrap_err()
                .contains("unknown key name `foo`")
        );
        assert!(
            parse_key("hyper-x")
                .unwrap_err()
                .contains("unknown modifier")
        );
        assert!(parse_key("f25").is_err());
        assert!(parse_key("shift-4").is_err());
        assert!(parse_chord("   ").is_err());
    }

    #[test]
    fn shifted_letters_match_with_or_without_shift() {
        let want = parse_key("G").unwrap();
        let plain = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::NONE);
        let shifted_upper = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        let shifted_lower = KeyEvent::new(KeyCode::Char('g'), KeyModifiers::SHIFT);
        for k in [plain, shifted_upper, shifted_lower] {
            let n = normalize(k);
            assert_eq!((n.code, n.modifiers), (want.code, want.modifiers));
        }
        let lower = normalize(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE));
        assert_ne!(lower.code, want.code);
    }

    #[test]
    fn labels_are_short_and_parse_back() {
        let cases = [
            ("j", "j"),
            ("G", "G"),
            ("ctrl-d", "C-d"),
            ("shift-down", "S-↓"),
            ("space", "Space"),
            ("enter", "Enter"),
            ("esc", "Esc"),
            ("pgdn", "PgDn"),
            ("pgup", "PgUp"),
            ("alt-x", "A-x"),
            ("ctrl-alt-x", "C-A-x"),
            ("backtab", "S-Tab"),
            ("f1", "F1"),
            ("backspace", "Bksp"),
            ("delete", "Del"),
        ];
        for (text, label) in cases {
            let k = parse_key(text).unwrap();
            assert_eq!(key_label(&k), label, "{text}");
            assert_eq!(parse_key(label), Ok(k), "label {label} parses back");
        }
    }

    #[test]
    fn chords_parse_and_label() {
        let chord = parse_chord("* i").unwrap();
        assert_eq!(chord.len(), 2);
        assert_eq!(chord_label(&chord), "* i");
        assert_eq!(parse_chord(&chord_label(&chord)), Ok(chord));
    }
}
