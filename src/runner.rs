//! Runs `update` against the real world without a terminal: owns the state, the worker's
//! channels, the timers and the local store, and carries out effects. The TUI adds keys and
//! drawing on top (`tui.rs`); tests and benches drive it directly.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::OptionFuture;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;
use tokio::time::sleep_until;

use crate::api::{Client, GroupBy};
use crate::app::record::LeadRecord;
use crate::app::state::{LoadState, gi};
use crate::app::{Effect, Msg, State, init, update};
use crate::store::{CACHE_CHUNK, OutboxOp, Store, unix_now};
use crate::sync::worker::{self, Command};

/// How often the spinner and countdowns advance while they are visible.
const TICK: Duration = Duration::from_millis(100);

mod reading;

/// What the terminal side must do for the app.
#[derive(Clone, Debug, PartialEq)]
pub enum TerminalEffect {
    /// Write the text to the clipboard with OSC 52.
    Copy(String),
    /// Restore the terminal, stop the process (SIGTSTP), and take the terminal back.
    Suspend,
    /// Hand the terminal to an interactive command (as `Suspend` does), run it, take the
    /// terminal back and apply `Msg::PipeDone`.
    Interactive(crate::app::pipe::PipeJob),
    /// Hand the terminal to the editor on a draft, then take it back.
    Edit(crate::app::outreach::EditJob),
}

/// The app without its terminal.
pub struct Runner {
    for_terminal: Vec<TerminalEffect>,
    pub state: State,
    worker: UnboundedSender<Command>,
    /// The worker task, watched by [`Runner::next_msg`]. The runner holds the worker's command
    /// sender for as long as it lives, so the task cannot end but by a panic (or a bug that
    /// lets its loop return); either way the end is reported as `Msg::WorkerFailed`, so no
    /// row waits on "sending" for an answer that cannot come. The handle is watched rather
    /// than the message channel because the runner holds a sender of that channel itself,
    /// so it never closes. `None` once the end was reported.
    worker_task: Option<JoinHandle<()>>,
    /// What `Msg::WorkerFailed` said, once it came.
    worker_failure: Option<String>,
    msgs: UnboundedReceiver<Msg>,
    msg_tx: UnboundedSender<Msg>,
    debounce: Option<Instant>,
    retry: Option<Instant>,
    start: Instant,
    store: Option<Store>,
    /// The last outbox write that failed, until one succeeds again.
    store_error: Option<String>,
    /// PATCH requests handed to the worker.
    patches: usize,
    /// An outbox write of the effects being carried out failed: their sends are held back.
    unsaved: bool,
    /// Leads claimed in the store per batch in flight.
    claimed: std::collections::HashMap<u64, Vec<uuid::Uuid>>,
    /// The worker's client, for its request budget (shared with the worker's clones).
    client: Client,
}

/// Give freed heap pages back to the system after a large load (glibc keeps them otherwise,
/// and the many short-lived strings of parsing leave the heap fragmented).
fn trim_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `malloc_trim` only releases free memory; it touches no live allocation and
        // is safe to call at any time from any thread.
        let _ = unsafe { libc::malloc_trim(0) };
    }
}

/// The program that opens web addresses: `$BROWSER` when set and not empty (one program,
/// given the address as its argument, as the `opener` crate reads it), else `open` on macOS
/// and `xdg-open` elsewhere.
fn opener_program(browser: Option<std::ffi::OsString>) -> std::ffi::OsString {
    match browser {
        Some(b) if !b.is_empty() => b,
        _ if cfg!(target_os = "macos") => "open".into(),
        _ => "xdg-open".into(),
    }
}

/// Run the opener on `url` and wait for it (reaping it); an error if it cannot start or
/// fails (`xdg-open` exits non-zero when it finds no browser, as over SSH).
fn run_opener(program: &std::ffi::OsStr, url: &str) -> std::io::Result<()> {
    let status = std::process::Command::new(program)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()?;
    if status.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("the opener {status}")))
    }
}

fn no_browser_notice(url: &str) -> String {
    format!("no browser here: the address is {url} · Y copies it")
}

/// Write records to the cache in chunks of [`CACHE_CHUNK`].
fn save_records(
    store: &mut Store,
    group: GroupBy,
    leads: &[Arc<LeadRecord>],
) -> Result<(), crate::store::StoreError> {
    let chunks = leads
        .chunks(CACHE_CHUNK)
        .map(|c| c.iter().map(|r| r.to_lead()).collect::<Vec<_>>());
    store.save_cache(group, chunks, unix_now())
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400)
}

impl Runner {
    /// Start the worker for `client`. With a store, changes are durable.
    pub fn new(client: Client, mut state: State, store: Option<Store>) -> Runner {
        let (msg_tx, msgs) = unbounded_channel();
        let (worker, worker_task) = worker::spawn(client.clone(), msg_tx.clone());
        state.settings.durable = store.is_some();
        state.started_unix = crate::store::unix_now();
        if let Some(code) = store
            .as_ref()
            .and_then(|st| st.pane_layout().ok().flatten())
        {
            state.pane_layout = crate::app::pane::PaneLayout::from_code(code);
        }
        Runner {
            for_terminal: Vec::new(),
            state,
            worker,
            worker_task: Some(worker_task),
            worker_failure: None,
            msgs,
            msg_tx,
            debounce: None,
            retry: None,
            start: Instant::now(),
            store,
            store_error: None,
            patches: 0,
            unsaved: false,
            claimed: std::collections::HashMap::new(),
            client,
        }
    }

    /// The request budget now, when the client paces.
    pub fn budget_view(&self) -> Option<crate::api::BudgetView> {
        self.client.budget().map(|b| b.view())
    }

    /// Why the last outbox write failed, if it did (and none succeeded since).
    pub fn store_error(&self) -> Option<String> {
        self.store_error.clone()
    }

    /// PATCH requests handed to the worker so far.
    pub fn patch_requests(&self) -> usize {
        self.patches
    }

    /// Changes survive the process (there is a store).
    pub fn durable(&self) -> bool {
        self.store.is_some()
    }

    /// Write to the outbox directly (outside `update`).
    pub fn write_outbox(&mut self, ops: &[crate::store::OutboxOp]) -> Result<(), String> {
        match &mut self.store {
            Some(store) => store
                .write_outbox(ops)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }

    /// Effects only the terminal side can carry out (clipboard, suspend), oldest first.
    pub fn take_terminal_effects(&mut self) -> Vec<TerminalEffect> {
        std::mem::take(&mut self.for_terminal)
    }

    /// Open a web address with `$BROWSER` or the system's opener, on a thread of its own that
    /// waits for the opener (so the event loop never blocks and no zombie is left); if there
    /// is none, or it fails (SSH, a server), say so and show the address.
    fn open(&mut self, url: String) {
        let program = opener_program(std::env::var_os("BROWSER"));
        let tx = self.msg_tx.clone();
        let shown = url.clone();
        let spawned = std::thread::Builder::new()
            .name("open-url".into())
            .spawn(move || {
                if let Err(e) = run_opener(&program, &url) {
                    tracing::info!(error = %e, opener = ?program, "no browser opener");
                    let _ = tx.send(Msg::Notice(no_browser_notice(&url)));
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the opener thread");
            let _ = self.msg_tx.send(Msg::Notice(no_browser_notice(&shown)));
        }
    }

    /// Path of the store, if any.
    pub fn store_path(&self) -> Option<PathBuf> {
        self.store.as_ref().map(|s| s.path().to_owned())
    }

    /// Load what the last run left (outbox, cached listings), then start listing.
    pub fn start(&mut self) {
        if let Some(store) = &mut self.store {
            let outbox = store.outbox();
            let now = unix_now();
            // Only the first chunk of each cached listing is read before the first frame; the
            // rest follows from a background thread.
            let mut cache = Vec::new();
            let mut rest = Vec::new();
            // The view on screen is read first.
            let mut groups = [GroupBy::Person, GroupBy::Company];
            if self.state.group == GroupBy::Company {
                groups.reverse();
            }
            for g in groups {
                match store.load_cache(g, 0) {
                    Ok(Some(c)) => {
                        let age = now.saturating_sub(c.saved_at);
                        cache.push((g, c, age));
                        rest.push(g);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "lead cache unreadable"),
                }
            }
            if !rest.is_empty() {
                self.load_rest_of_cache(rest);
            }
            match outbox {
                Ok(outbox) => self.apply(Msg::Restore {
                    outbox,
                    cache,
                    check: true,
                }),
                Err(e) => {
                    self.apply(Msg::Restore {
                        outbox: Vec::new(),
                        cache,
                        check: true,
                    });
                    self.apply(Msg::StoreFailed(e.to_string()));
                }
            }
            // Edited drafts and votes an earlier run did not get confirmed go out now.
            match self.store.as_ref().map(Store::signal_outbox) {
                Some(Ok(rows)) if !rows.is_empty() => self.apply(Msg::RestoreSignalUpdates(rows)),
                Some(Err(e)) => tracing::warn!(error = %e, "queued signal changes unreadable"),
                _ => {}
            }
        }
        for fx in init(&mut self.state) {
            self.execute(fx);
        }
    }

    /// Why the sync worker failed, if it did (the app then quits).
    pub fn worker_failure(&self) -> Option<&str> {
        self.worker_failure.as_deref()
    }

    /// Apply one message and carry out its effects.
    pub fn apply(&mut self, msg: Msg) {
        self.unsaved = false;
        // A batch's claims are released only once its outcome is written (the effects below),
        // so another process never sends a lead whose answer is not yet recorded.
        let release = match &msg {
            Msg::BatchDone { batch, .. } => self.claimed.remove(batch),
            _ => None,
        };
        if let Msg::WorkerFailed(detail) = &msg {
            self.worker_failure.get_or_insert_with(|| detail.clone());
        }
        for fx in update(&mut self.state, msg) {
            self.execute(fx);
        }
        if let Some(budget) = self.client.budget() {
            // Reads wait while the rep's changes are queued or on their way (a batch handed to
            // the worker takes its slot a moment later): the write is the next request.
            budget.set_writes_pending(self.state.queue.counts.waiting() > 0);
        }
        if let Some(ids) = release
            && let Some(store) = &mut self.store
            && let Err(e) = store.release(&ids)
        {
            // Claims also end with their lease, or at once when this process exits.
            tracing::warn!(error = %e, "could not release claims");
        }
    }

    fn execute(&mut self, fx: Effect) {
        match fx {
            Effect::Persist(ops) => {
                if let Some(store) = &mut self.store {
                    match store.write_outbox(&ops) {
                        Ok(revived) => {
                            if self.store_error.take().is_some() {
                                let _ = self.msg_tx.send(Msg::PersistRecovered);
                            }
                            if !revived.is_empty() {
                                let _ = self.msg_tx.send(Msg::Revived(revived));
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "outbox write failed");
                            let error = crate::text::clean(&e.short());
                            self.store_error = Some(error.clone());
                            self.unsaved = true;
                            let ids: Vec<uuid::Uuid> = ops.iter().map(OutboxOp::id).collect();
                            // What is on disk is what the screen must show (the failed
                            // transaction changed nothing).
                            let committed = store.committed(&ids).unwrap_or_else(|e| {
                                tracing::error!(error = %e, "could not read the outbox back");
                                ids.iter().map(|id| (*id, None)).collect()
                            });
                            // Rolled back at once, before any other message can act on the
                            // unsaved state (the sends of this round are held below).
                            for fx in
                                update(&mut self.state, Msg::PersistFailed { error, committed })
                            {
                                self.execute(fx);
                            }
                            self.unsaved = true;
                        }
                    }
                }
            }
            Effect::SaveCache(group) => self.save_cache(group),
            Effect::Load { group, generation } => {
                let _ = self.worker.send(Command::Load { group, generation });
            }
            Effect::Send(batch) if self.unsaved => {
                // Its changes may not be on disk: not sent; it comes back as "not sent" after
                // the rollback above, and is retried with the backoff.
                let _ = self.msg_tx.send(Msg::BatchDone {
                    batch: batch.id,
                    result: Err(crate::api::ApiError::NotSent(
                        "the local outbox could not be written".into(),
                    )),
                });
            }
            Effect::Send(batch) => self.send(batch),
            Effect::ArmDebounce(d) => self.debounce = Some(Instant::now() + d),
            Effect::ScheduleRetry(d) => self.retry = Some(Instant::now() + d),
            Effect::TrimMemory => trim_memory(),
            Effect::Open(url) => self.open(url),
            Effect::Check { group, ids } => {
                let _ = self.worker.send(Command::Check { group, ids });
            }
            Effect::CheckScreen {
                group,
                generation,
                ids,
            } => {
                let _ = self.worker.send(Command::CheckScreen {
                    group,
                    generation,
                    ids,
                });
            }
            fx @ (Effect::LoadSignals { .. }
            | Effect::SaveSignals { .. }
            | Effect::Generate { .. }
            | Effect::QueueSignalUpdate { .. }
            | Effect::SendSignalUpdates(_)
            | Effect::SettleSignalUpdates(_)
            | Effect::Edit(_)
            | Effect::RememberLayout(_)) => self.execute_reading(fx),
            Effect::Copy(text) => self.for_terminal.push(TerminalEffect::Copy(text)),
            Effect::Suspend => self.for_terminal.push(TerminalEffect::Suspend),
            Effect::Pipe(job) if job.interactive => {
                self.for_terminal.push(TerminalEffect::Interactive(job));
            }
            Effect::Pipe(job) => {
                // Off the UI thread: keys keep working while the command runs.
                let tx = self.msg_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::PipeDone(crate::shell::run_piped(&job)));
                });
            }
            Effect::Export {
                format,
                view,
                leads,
            } => {
                let tx = self.msg_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
                    let notice = match crate::export::to_file(&dir, view, &leads, format) {
                        Ok(path) => format!(
                            "exported {} lead{} to {}",
                            leads.len(),
                            if leads.len() == 1 { "" } else { "s" },
                            path.display()
                        ),
                        Err(e) => format!("could not export to {}: {e}", dir.display()),
                    };
                    let _ = tx.send(Msg::Notice(crate::text::clean(&notice)));
                });
            }
            Effect::Quit => {}
        }
    }

    /// Claim the batch's leads in the store (another process may share it), then hand what is
    /// ours to send to the worker. What the claim found goes back to `update` first.
    fn send(&mut self, mut batch: crate::app::queue::Batch) {
        if let Some(store) = &mut self.store {
            match store.claim(&batch.items) {
                Ok(claims) => {
                    use crate::store::Claim;
                    let mut keep = Vec::with_capacity(batch.items.len());
                    for (item, (_, claim)) in batch.items.iter().zip(&claims) {
                        match claim {
                            Claim::Mine => keep.push(*item),
                            Claim::Adopted(status) => keep.push(crate::api::StatusChange {
                                entity_id: item.entity_id,
                                status: *status,
                            }),
                            Claim::Applied(_) | Claim::Gone | Claim::Busy => {}
                        }
                    }
                    let all_mine = claims.iter().all(|(_, c)| *c == Claim::Mine);
                    batch.items = keep;
                    if !all_mine {
                        // Queued before the worker can answer, so `update` sees it first.
                        let _ = self.msg_tx.send(Msg::Claimed {
                            batch: batch.id,
                            claims,
                        });
                    }
                }
                Err(e) => {
                    // Sending without a claim could race another process: wait and retry.
                    tracing::error!(error = %e, "could not claim leads for sending");
                    let _ = self.msg_tx.send(Msg::BatchDone {
                        batch: batch.id,
                        result: Err(crate::api::ApiError::NotSent(format!(
                            "the local store could not be read ({e})"
                        ))),
                    });
                    return;
                }
            }
        }
        if batch.items.is_empty() {
            return;
        }
        self.claimed
            .insert(batch.id, batch.items.iter().map(|i| i.entity_id).collect());
        self.patches += 1;
        let _ = self.worker.send(Command::Send(batch));
    }

    /// Read cache chunks 1.. of these views on a blocking thread; each arrives as a message.
    fn load_rest_of_cache(&self, groups: Vec<GroupBy>) {
        let Some(path) = self.store_path() else {
            return;
        };
        let tx = self.msg_tx.clone();
        tokio::task::spawn_blocking(move || {
            let store = match Store::open(&path) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the lead cache");
                    return;
                }
            };
            for g in groups {
                let n = store.cache_chunks(g).unwrap_or(0);
                for k in 1..n {
                    // Parsed here, beside the UI thread, which only builds the records. An
                    // unreadable chunk is skipped (it is only a cache).
                    let leads = match store.load_cache(g, k) {
                        Ok(c) => c.map(|c| c.leads).unwrap_or_default(),
                        Err(e) => {
                            tracing::warn!(error = %e, "lead cache chunk unreadable");
                            break;
                        }
                    };
                    let last = k + 1 == n;
                    if tx
                        .send(Msg::CachePage {
                            group: g,
                            leads,
                            last,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
            }
        });
    }

    /// Save a view's listing in the background (it can be large). The records are shared,
    /// not copied; they are converted chunk by chunk on the blocking thread.
    fn save_cache(&mut self, group: GroupBy) {
        let Some(path) = self.store_path() else {
            return;
        };
        let leads = self.state.data[gi(group)].leads.clone();
        tokio::task::spawn_blocking(move || {
            let result = Store::open(&path).and_then(|mut s| save_records(&mut s, group, &leads));
            if let Err(e) = result {
                tracing::warn!(error = %e, "could not save the lead cache");
            }
        });
    }

    /// Before exit: save the listings with the statuses confirmed during this run, so the next
    /// start does not mistake our own changes for changes made elsewhere.
    pub fn shutdown(&mut self) {
        let Some(store) = &mut self.store else {
            return;
        };
        for g in [GroupBy::Person, GroupBy::Company] {
            let data = &self.state.data[gi(g)];
            if data.load == LoadState::Loaded
                && let Err(e) = save_records(store, g, &data.leads)
            {
                tracing::warn!(error = %e, "could not save the lead cache");
            }
        }
    }

    /// Something is moving on screen: sending, retrying or loading.
    pub fn animating(&self) -> bool {
        let s = &self.state;
        s.queue.counts.sending > 0
            || s.retry_at.is_some()
            || matches!(s.data().load, LoadState::Loading | LoadState::Retrying(_))
    }

    /// Wait for the next message from the worker or a timer (not from the terminal).
    /// Cancel-safe, so it can sit in a `select!` next to terminal events.
    pub async fn next_msg(&mut self) -> Msg {
        let debounce = self.debounce.map(tokio::time::Instant::from_std);
        let retry = self.retry.map(tokio::time::Instant::from_std);
        let animating = self.animating();
        let toast = self
            .state
            .toast_expires()
            .map(|d| tokio::time::Instant::from_std(self.start + d));
        tokio::select! {
            Some(m) = self.msgs.recv() => m,
            Some(end) = OptionFuture::from(self.worker_task.as_mut()) => {
                self.worker_task = None;
                let detail = worker::failure(end);
                tracing::error!("{detail}");
                Msg::WorkerFailed(detail)
            }
            _ = sleep_until(debounce.unwrap_or_else(far_future)), if debounce.is_some() => {
                self.debounce = None;
                Msg::FlushDue
            }
            _ = sleep_until(retry.unwrap_or_else(far_future)), if retry.is_some() => {
                self.retry = None;
                Msg::RetryDue
            }
            _ = tokio::time::sleep(TICK), if animating => Msg::Tick(self.start.elapsed()),
            // One tick when the toast is due to go.
            _ = sleep_until(toast.unwrap_or_else(far_future)), if toast.is_some() => {
                Msg::Tick(self.start.elapsed())
            }
        }
    }

    /// Apply a message after advancing the clock, then everything already queued behind it.
    pub fn handle(&mut self, msg: Msg) {
        self.apply(Msg::Tick(self.start.elapsed()));
        if let Some(view) = self.client.budget().map(|b| b.view())
            && self.state.budget != Some(view)
        {
            self.apply(Msg::Budget(view));
        }
        self.apply(msg);
        while let Ok(m) = self.msgs.try_recv() {
            self.apply(m);
        }
    }

    /// Run until `done(state)` holds or `timeout` passes; returns whether it held.
    pub async fn run_until(&mut self, timeout: Duration, done: impl Fn(&State) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.state) {
            tokio::select! {
                m = self.next_msg() => self.handle(m),
                _ = sleep_until(deadline) => return false,
            }
        }
        true
    }
}
