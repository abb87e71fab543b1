//! The terminal side: enter/leave the alternate screen, read key presses, draw.
//!
//! The loop awaits one event (a key, a worker message, a timer), applies it and everything
//! already queued behind it, then draws once. Nothing redraws while idle: the only timer that
//! ticks on its own drives the spinner and countdowns, and only while something is being
//! sent, retried or loaded.

use crossterm::event::{Event, KeyEventKind};
use ratatui::DefaultTerminal;
use std::io::Write as _;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::app::Msg;
use crate::runner::{Runner, TerminalEffect};

/// Stop this process as Ctrl-Z would in a shell (SIGTSTP); returns when it is continued.
fn suspend_self() {
    // SAFETY: `raise` only sends a signal to this thread; SIGTSTP has its default action
    // (stop the process) as no handler is installed for it, so the call returns once the
    // process is continued (SIGCONT).
    if unsafe { libc::raise(libc::SIGTSTP) } != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "could not suspend");
    }
}

/// Turn on what ratatui's `init` does not: bracketed paste (so pasted text arrives as one
/// event and never as keys) and, if asked, mouse capture.
fn enter_modes(mouse: bool) -> std::io::Result<()> {
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste)?;
    if mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Undo [`enter_modes`]; best effort (it also runs from the panic hook).
fn leave_modes(mouse: bool) {
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
}

/// How the TUI ended, for the exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The rep quit.
    Quit,
    /// SIGTERM, SIGHUP or SIGINT arrived (its number); exit with 128 + it, as a shell would.
    Signal(i32),
    /// The sync worker failed; the banner says what happened and that the changes are kept.
    WorkerFailed(String),
}

impl Exit {
    /// The conventional exit code: 0 after quitting, 128 + the signal, 2 after a failure.
    pub fn code(&self) -> u8 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(sig) => u8::try_from(128 + sig).unwrap_or(u8::MAX),
            Exit::WorkerFailed(_) => crate::commands::EXIT_FAILURE,
        }
    }
}

/// The signals that end the TUI cleanly. SIGINT only comes from `kill`: in raw mode Ctrl-C is
/// a key. Registered before the terminal is touched, so none of them can kill the process
/// between entering the alternate screen and the loop.
struct Signals {
    term: Signal,
    hup: Signal,
    int: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The next signal's number. Cancel-safe.
    async fn recv(&mut self) -> i32 {
        tokio::select! {
            Some(()) = self.term.recv() => SignalKind::terminate().as_raw_value(),
            Some(()) = self.hup.recv() => SignalKind::hangup().as_raw_value(),
            Some(()) = self.int.recv() => SignalKind::interrupt().as_raw_value(),
            else => std::future::pending().await,
        }
    }

    /// Drop the SIGINTs that arrived so far (while an interactive command had the terminal).
    fn forget_interrupts(&mut self) {
        use futures::FutureExt;
        while let Some(Some(())) = self.int.recv().now_or_never() {}
    }

    /// After a hangup (an SSH drop) the terminal's read or write error can come before the
    /// SIGHUP does. When the terminal fails, wait this long for a signal, so the exit code
    /// says what happened.
    async fn late(&mut self) -> Option<i32> {
        tokio::time::timeout(HANGUP_GRACE, self.recv()).await.ok()
    }
}

/// Terminal events, read on a thread of their own. crossterm's reader never returns once the
/// terminal is gone: after a hangup its read gives 0 bytes (or EIO) and it retries without end.
/// On the loop's thread that would freeze the app before it sees the SIGHUP (an SSH drop left a
/// process spinning at 100% CPU); on this thread only the thread spins, the loop still gets the
/// signal and exits, and the spinning thread ends with the process.
///
/// It stops reading while the terminal is handed to an interactive command (`gate`, see
/// `handover`).
fn spawn_event_reader(
    gate: std::sync::Arc<crate::handover::Gate>,
) -> std::io::Result<tokio::sync::mpsc::UnboundedReceiver<std::io::Result<Event>>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("terminal-events".into())
        .spawn(move || {
            loop {
                let Some(event) = crate::handover::next_event(&gate) else {
                    if tx.is_closed() {
                        break;
                    }
                    continue;
                };
                let failed = event.is_err();
                if tx.send(event).is_err() || failed {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// See [`Signals::late`].
const HANGUP_GRACE: std::time::Duration = std::time::Duration::from_millis(250);

/// Give the terminal back: bracketed paste and mouse off, cooked mode, main screen, cursor
/// shown. Every step is tried even when an earlier one failed: after a hangup every write to
/// the terminal fails, and that must not stop the shutdown.
fn restore(terminal: DefaultTerminal, mouse: bool) {
    leave_modes(mouse);
    if let Err(e) = crossterm::terminal::disable_raw_mode() {
        tracing::warn!(error = %e, "could not leave raw mode");
    }
    if let Err(e) =
        crossterm::execute!(std::io::stdout(), crossterm::terminal::LeaveAlternateScreen)
    {
        tracing::warn!(error = %e, "could not leave the alternate screen");
    }
    let mut terminal = terminal;
    if let Err(e) = terminal.show_cursor() {
        tracing::warn!(error = %e, "could not show the cursor");
        // Dropping it would try again and report the failure with `eprintln!`, which panics
        // when stderr is the terminal that just went away.
        std::mem::forget(terminal);
    }
}

/// Run the TUI until the user quits, a signal arrives, or the sync worker fails. The
/// terminal is restored on every exit path, panics included: ratatui's panic hook restores
/// the screen, and ours, run first, turns off bracketed paste and the mouse. A panic inside
/// the sync worker is the exception: it is caught there and reported (`Msg::WorkerFailed`),
/// the loop quits, and the terminal is restored on the way out like any other exit.
pub async fn run(mut runner: Runner) -> std::io::Result<Exit> {
    let mut signals = Signals::new()?;
    let mut terminal = ratatui::init();
    let mouse = runner.state.settings.mouse;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::sync::worker::in_worker() {
            // Caught by the worker's supervision and reported as `Msg::WorkerFailed`: the
            // screen is still ours, so neither restore it nor print over it; the log has it.
            tracing::error!("panic in the sync worker: {info}");
            return;
        }
        leave_modes(mouse);
        ratatui_hook(info);
    }));
    let result = match enter_modes(mouse) {
        Ok(()) => event_loop(&mut terminal, &mut runner, &mut signals).await,
        Err(e) => Err(e),
    };
    let result = match result {
        Err(e) => match signals.late().await {
            Some(sig) => Ok(Exit::Signal(sig)),
            None => Err(e),
        },
        Ok(None) => Ok(signals.late().await.map_or(Exit::Quit, Exit::Signal)),
        Ok(Some(exit)) => Ok(exit),
    };
    if let Ok(Exit::Signal(sig)) = &result {
        tracing::info!(signal = sig, "signal: restoring the terminal and exiting");
    }
    restore(terminal, mouse);
    // Every change was committed to the outbox before it showed; this saves the listings.
    runner.shutdown();
    // After quitting (not after a signal: the terminal may be gone), the session's summary on
    // the shell's screen, once the terminal is restored (a closed stderr is fine).
    if matches!(result, Ok(Exit::Quit))
        && let Some(line) = crate::app::session::summary(&runner.state)
    {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    result
}

/// The loop. `Ok(None)` when the terminal's input ended.
/// Hand the terminal to a program (an interactive command, the editor) and take it back, as
/// git does with its editor: the key reader stops first, so every key goes to the program.
fn hand_over<T>(
    terminal: &mut DefaultTerminal,
    runner: &Runner,
    gate: &crate::handover::Gate,
    signals: &mut Signals,
    run: impl FnOnce() -> T,
) -> std::io::Result<T> {
    let mouse = runner.state.settings.mouse;
    gate.pause();
    leave_modes(mouse);
    ratatui::restore();
    let out = run();
    *terminal = ratatui::init();
    gate.resume();
    // A Ctrl-C typed to the program (cooked mode) reached us too: it was the program's, not a
    // request to quit.
    signals.forget_interrupts();
    enter_modes(mouse)?;
    // Cleared without `Terminal::clear`, which asks the terminal where its cursor is (a
    // terminal that does not answer would end the app here); the next frame draws every cell.
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    Ok(out)
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    runner: &mut Runner,
    signals: &mut Signals,
) -> std::io::Result<Option<Exit>> {
    let gate = std::sync::Arc::new(crate::handover::Gate::default());
    let mut events = spawn_event_reader(std::sync::Arc::clone(&gate))?;
    let size = terminal.size()?;
    runner.apply(Msg::Resize(size.width, size.height));
    runner.start();
    terminal.draw(|f| {
        crate::ui::draw(f, &runner.state);
    })?;
    while !runner.state.quit {
        let msg = tokio::select! {
            biased;
            sig = signals.recv() => return Ok(Some(Exit::Signal(sig))),
            ev = events.recv() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => return Ok(None),
            },
            m = runner.next_msg() => m,
        };
        runner.handle(msg);
        if runner.state.quit {
            break;
        }
        for effect in runner.take_terminal_effects() {
            match effect {
                TerminalEffect::Copy(text) => {
                    if !crate::clipboard::copy_to_system(&text) {
                        // OSC 52: works over SSH and in tmux (set-clipboard on), needs no X11.
                        crossterm::execute!(
                            std::io::stdout(),
                            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
                        )?;
                    }
                }
                TerminalEffect::Suspend => {
                    let mouse = runner.state.settings.mouse;
                    leave_modes(mouse);
                    ratatui::restore();
                    suspend_self();
                    *terminal = ratatui::init();
                    enter_modes(mouse)?;
                    terminal.clear()?;
                }
                TerminalEffect::Interactive(job) => {
                    // Never fails: a command that cannot start comes back as such, and the
                    // terminal is taken back whatever happened.
                    let done = hand_over(terminal, runner, &gate, signals, || {
                        crate::shell::run_interactive(&job)
                    })?;
                    runner.apply(Msg::PipeDone(done));
                }
                TerminalEffect::Edit(job) => {
                    let result = hand_over(terminal, runner, &gate, signals, || {
                        crate::editor::run(&job)
                    })?;
                    runner.apply(Msg::Edited { job, result });
                }
            }
        }
        terminal.draw(|f| {
            crate::ui::draw(f, &runner.state);
        })?;
    }
    Ok(Some(match runner.worker_failure() {
        Some(detail) => Exit::WorkerFailed(
            runner
                .state
                .banner
                .clone()
                .unwrap_or_else(|| detail.to_owned()),
        ),
        None => Exit::Quit,
    }))
}

#[cfg(test)]
mod tests {
    /// Runs in a child process (see below): suspend, then say it was continued.
    #[test]
    fn child_suspends_itself() {
        if std::env::var_os("LT_SUSPEND_CHILD").is_none() {
            return;
        }
        super::suspend_self();
        println!("LT_CONTINUED");
    }

    /// `suspend_self` stops the process with SIGTSTP (as Ctrl-Z in a shell) and returns when
    /// it is continued. The child gets a process group of its own, so the group is not
    /// orphaned (the kernel discards SIGTSTP sent to an orphaned group); `waitpid` with
    /// `WUNTRACED` reports the stop, so nothing here waits for a time.
    #[test]
    #[expect(
        clippy::zombie_processes,
        reason = "the child is reaped by libc::waitpid, which sees stops too"
    )]
    fn suspend_stops_the_process_until_it_is_continued() {
        use std::io::Read;
        use std::os::unix::process::CommandExt;

        let exe = std::env::current_exe().unwrap();
        let mut child = std::process::Command::new(exe)
            .args(["--exact", "tui::tests::child_suspends_itself"])
            .args(["--nocapture", "--test-threads", "1"])
            .env("LT_SUSPEND_CHILD", "1")
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: `pid` is our own child, not yet waited for; `status` is a valid out-pointer.
        assert_eq!(
            unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) },
            pid
        );
        assert!(
            libc::WIFSTOPPED(status) && libc::WSTOPSIG(status) == libc::SIGTSTP,
            "the child was not stopped by SIGTSTP (status {status:#x})"
        );
        // SAFETY: sends SIGCONT to our stopped child.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
        // SAFETY: as above; this reaps the child (std's `Child` is not waited on after this).
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(out.contains("LT_CONTINUED"), "{out}");
    }
}
