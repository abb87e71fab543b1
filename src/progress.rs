//! A progress line for the headless commands (`leads set`, `leads list`).
//!
//! When stderr is a terminal, a bar (or a counter, when the total is unknown) is drawn on
//! stderr with `indicatif`, and notes are printed above it. When stderr is not a terminal
//! (a pipe, a file, a CI log) nothing is drawn: only the notes are written, one plain line
//! each, `lead-triage: <note>`. Notes are for what the user must know ("Puffle asked to wait
//! 58 s"); everything shown is passed through [`crate::text::sanitize_line`] first, since
//! notes can quote server messages.
//!
//! ```text
//! let mut p = Progress::new("sending", Some(450));
//! p.set(200);
//! p.note("Puffle asked to wait 58 s");
//! p.set(450);
//! p.finish();
//! ```

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::text::sanitize_line;

/// Longest note shown, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// Longest label shown, in characters.
const LABEL_MAX_CHARS: usize = 40;

/// A progress line; see the module documentation.
///
/// `W` is where plain notes go when no bar is drawn (stderr for [`Progress::new`]).
#[derive(Debug)]
pub struct Progress<W: Write = io::Stderr> {
    bar: Option<ProgressBar>,
    out: W,
    done: u64,
}

impl Progress<io::Stderr> {
    /// A progress line on stderr: a bar if stderr is a terminal, else notes only.
    pub fn new(label: &str, total: Option<u64>) -> Progress {
        let stderr = io::stderr();
        if stderr.is_terminal() {
            Progress {
                bar: Some(bar(label, total)),
                out: stderr,
                done: 0,
            }
        } else {
            Progress::plain(stderr)
        }
    }
}

impl<W: Write> Progress<W> {
    /// No bar: notes are written to `out` as plain lines.
    pub fn plain(out: W) -> Progress<W> {
        Progress {
            bar: None,
            out,
            done: 0,
        }
    }

    /// True when a bar is drawn (stderr is a terminal).
    #[cfg(test)]
    pub fn is_drawn(&self) -> bool {
        self.bar.is_some()
    }

    /// How far the work is (items done so far).
    pub fn set(&mut self, done: u64) {
        self.done = done;
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// The total became known (or changed).
    pub fn set_total(&mut self, total: u64) {
        if let Some(bar) = &self.bar
            && bar.length() != Some(total)
        {
            bar.set_length(total);
        }
    }

    #[cfg(test)]
    /// The last value given to [`Progress::set`].
    pub fn done(&self) -> u64 {
        self.done
    }

    /// A message the user must see: printed above the bar, or as a plain line.
    pub fn note(&mut self, note: &str) {
        let note = sanitize_line(note, NOTE_MAX_CHARS);
        match &self.bar {
            Some(bar) => bar.println(format!("lead-triage: {note}")),
            None => {
                // A closed or full stderr must not stop the command; there is nowhere else
                // to report it.
                let _ = writeln!(self.out, "lead-triage: {note}");
                let _ = self.out.flush();
            }
        }
    }

    #[cfg(test)]
    /// Run `f` with the bar hidden, e.g. to write rows to stdout when stdout is the same
    /// terminal; without a bar it just runs `f`.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// The work is over: the bar is removed (the command prints its own summary).
    pub fn finish(self) {
        self.finish_into();
    }

    /// [`Progress::finish`], giving back the writer (tests read what was written).
    pub fn finish_into(mut self) -> W {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let _ = self.out.flush();
        self.out
    }
}

/// The bar drawn on a terminal: `label [=====>    ] 200/450 (eta 12s)`, or a counter when the
/// total is unknown.
fn bar(label: &str, total: Option<u64>) -> ProgressBar {
    let label = sanitize_line(label, LABEL_MAX_CHARS);
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            "{prefix} [{bar:30}] {pos}/{len} ({eta})",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{prefix} {spinner} {pos}",
        ),
    };
    // The templates are constants; should one ever fail to parse, the default style is used.
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(label);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_terminal_only_notes_are_written_as_plain_lines() {
        let mut p = Progress::plain(Vec::new());
        assert!(!p.is_drawn());
        p.set(10);
        p.set(200);
        p.note("Puffle asked to wait 58 s");
        p.set(450);
        p.note("done soon");
        assert_eq!(p.done(), 450);
        let out = String::from_utf8(p.finish_into()).unwrap();
        assert_eq!(
            out,
            "lead-triage: Puffle asked to wait 58 s\nlead-triage: done soon\n"
        );
    }

    #[test]
    fn nothing_at_all_without_notes() {
        let mut p = Progress::plain(Vec::new());
        for i in 0..1000 {
            p.set(i);
        }
        assert_eq!(p.suspend(|| 7), 7);
        assert!(p.finish_into().is_empty());
    }

    #[test]
    fn notes_are_sanitised_and_kept_to_one_line() {
        let mut p = Progress::plain(Vec::new());
        p.note("server said \x1b]0;PWNED\x07bad\nthing\u{202e}!\r");
        p.note(&"x".repeat(10_000));
        let out = String::from_utf8(p.finish_into()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out:?}");
        assert_eq!(lines[0], "lead-triage: server said bad thing! ");
        assert_eq!(
            lines[1].chars().count(),
            "lead-triage: ".len() + NOTE_MAX_CHARS
        );
        assert!(lines[1].ends_with('…'));
        assert!(crate::text::is_terminal_safe(&out.replace('\n', "")));
    }

    #[test]
    fn a_closed_writer_does_not_panic() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let mut p = Progress::plain(Closed);
        p.note("nobody reads this");
        p.set(3);
        assert_eq!(p.done(), 3);
        p.finish();
    }
}
