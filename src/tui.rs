//! The terminal side: enter/leave the alternate screen, read key presses, draw.
//!
//! The loop awaits one event (a key, a worker message, a timer), applies it and everything
//! already queued behind it, then draws once. Nothing redraws while idle: the only timer that
//! ticks on its own drives the spinner and countdowns, and only while something is being
//! sent, retried or loaded.

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;

use crate::app::Msg;
use crate::runner::{Runner, TerminalEffect};

/// Stop this process as Ctrl-Z would in a shell (SIGTSTP); returns when it is continued.
fn suspend_self() {
    let pid = std::process::id().to_string();
    if let Err(e) = std::process::Command::new("kill")
        .args(["-TSTP", &pid])
        .status()
    {
        tracing::warn!(error = %e, "could not suspend");
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

/// Run the TUI until the user quits. The terminal is restored on every exit path, panics
/// included: ratatui's panic hook restores the screen, and ours, run first, turns off
/// bracketed paste and the mouse.
pub async fn run(mut runner: Runner) -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let mouse = runner.state.settings.mouse;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes(mouse);
        ratatui_hook(info);
    }));
    enter_modes(mouse)?;
    let result = event_loop(&mut terminal, &mut runner).await;
    leave_modes(mouse);
    ratatui::restore();
    runner.shutdown();
    result
}

async fn event_loop(terminal: &mut DefaultTerminal, runner: &mut Runner) -> std::io::Result<()> {
    let mut events = EventStream::new();
    let size = terminal.size()?;
    runner.apply(Msg::Resize(size.width, size.height));
    runner.start();
    terminal.draw(|f| {
        crate::ui::draw(f, &runner.state);
    })?;
    while !runner.state.quit {
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
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
            }
        }
        terminal.draw(|f| {
            crate::ui::draw(f, &runner.state);
        })?;
    }
    Ok(())
}
