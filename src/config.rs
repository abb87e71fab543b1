//! Where configuration lives: `$XDG_CONFIG_HOME/lead-triage/` (else `~/.config/lead-triage/`).

use std::path::PathBuf;

/// The configuration directory.
pub fn config_dir() -> PathBuf {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from(".config"))
        .join("lead-triage")
}

/// The user's keymap file (optional; overrides the defaults per action).
pub fn keymap_path() -> PathBuf {
    config_dir().join("keymap.toml")
}
