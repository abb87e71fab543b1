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
use crate::runner::Runner;

/// Run the TUI until the user quits. The terminal is restored on every exit path, panics
/// included (ratatui's panic hook).
pub async fn run(mut runner: Runner) -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut runner).await;
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
        terminal.draw(|f| {
            crate::ui::draw(f, &runner.state);
        })?;
    }
    Ok(())
}
