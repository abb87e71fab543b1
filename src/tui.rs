//! The terminal side: enter/leave the alternate screen, read key presses, and the event loop
//! that feeds `update` and draws when something changed.
//!
//! The loop awaits one event (key, worker message, timer), applies it and everything already
//! queued behind it, then draws once. Nothing redraws while idle: the only timer that ticks on
//! its own is the spinner/countdown, and only while something is being sent, retried or loaded.

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::sleep_until;

use crate::api::Client;
use crate::app::state::LoadState;
use crate::app::{Effect, Msg, State, init, update};
use crate::sync::worker::{self, Command};

/// How often the spinner and countdowns advance while they are visible.
const TICK: Duration = Duration::from_millis(100);

/// Run the TUI until the user quits. The terminal is restored on every exit path, panics
/// included (ratatui's panic hook).
pub async fn run(client: Client, state: State) -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, client, state).await;
    ratatui::restore();
    result
}

struct Timers {
    debounce: Option<Instant>,
    retry: Option<Instant>,
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400)
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    client: Client,
    mut state: State,
) -> std::io::Result<()> {
    let start = Instant::now();
    let (msg_tx, mut msg_rx) = unbounded_channel::<Msg>();
    let worker = worker::spawn(client, msg_tx);
    let mut events = EventStream::new();
    let mut timers = Timers {
        debounce: None,
        retry: None,
    };
    let size = terminal.size()?;
    apply(
        &mut state,
        Msg::Resize(size.width, size.height),
        &worker,
        &mut timers,
    );
    for fx in init(&mut state) {
        execute(fx, &worker, &mut timers);
    }
    terminal.draw(|f| {
        crate::ui::draw(f, &state);
    })?;

    while !state.quit {
        let animating = state.queue.counts.sending > 0
            || state.retry_at.is_some()
            || state.data().load == LoadState::Loading;
        let debounce = timers.debounce.map(tokio::time::Instant::from_std);
        let retry = timers.retry.map(tokio::time::Instant::from_std);
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(m) = msg_rx.recv() => m,
            _ = sleep_until(debounce.unwrap_or_else(far_future)), if debounce.is_some() => {
                timers.debounce = None;
                Msg::FlushDue
            }
            _ = sleep_until(retry.unwrap_or_else(far_future)), if retry.is_some() => {
                timers.retry = None;
                Msg::RetryDue
            }
            _ = tokio::time::sleep(TICK), if animating => Msg::Tick(start.elapsed()),
        };
        apply(&mut state, Msg::Tick(start.elapsed()), &worker, &mut timers);
        apply(&mut state, msg, &worker, &mut timers);
        // Drain what is already queued so one frame shows all of it.
        while let Ok(m) = msg_rx.try_recv() {
            apply(&mut state, m, &worker, &mut timers);
        }
        if state.quit {
            break;
        }
        terminal.draw(|f| {
            crate::ui::draw(f, &state);
        })?;
    }
    Ok(())
}

fn apply(state: &mut State, msg: Msg, worker: &UnboundedSender<Command>, timers: &mut Timers) {
    for fx in update(state, msg) {
        execute(fx, worker, timers);
    }
}

fn execute(fx: Effect, worker: &UnboundedSender<Command>, timers: &mut Timers) {
    match fx {
        Effect::Load { group, generation } => {
            let _ = worker.send(Command::Load { group, generation });
        }
        Effect::Send(batch) => {
            let _ = worker.send(Command::Send(batch));
        }
        Effect::ArmDebounce(d) => timers.debounce = Some(Instant::now() + d),
        Effect::ScheduleRetry(d) => timers.retry = Some(Instant::now() + d),
        Effect::Quit => {}
    }
}
