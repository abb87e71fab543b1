//! The system clipboard, where there is one: `pbcopy` on macOS, `wl-copy` under Wayland,
//! `xclip` or `xsel` under X11. Without a display (SSH, a container) there is none, and the
//! caller falls back to OSC 52 through the terminal.

use std::io::Write;
use std::process::{Command, Stdio};

/// The clipboard programs worth trying here, in order.
fn candidates() -> Vec<(&'static str, &'static [&'static str])> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    let mut out: Vec<(&'static str, &'static [&'static str])> = Vec::new();
    if cfg!(target_os = "macos") {
        out.push(("pbcopy", &[]));
    }
    if set("WAYLAND_DISPLAY") {
        out.push(("wl-copy", &[]));
    }
    if set("DISPLAY") {
        out.push(("xclip", &["-selection", "clipboard"]));
        out.push(("xsel", &["--clipboard", "--input"]));
    }
    out
}

/// Put `text` on the system clipboard; false when there is no clipboard program to use.
pub fn copy_to_system(text: &str) -> bool {
    for (program, args) in candidates() {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(mut child) = child else {
            continue;
        };
        let wrote = child
            .stdin
            .take()
            .is_some_and(|mut stdin| stdin.write_all(text.as_bytes()).is_ok());
        if wrote && child.wait().is_ok_and(|s| s.success()) {
            return true;
        }
    }
    false
}
