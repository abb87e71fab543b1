//! The one task that owns the HTTP client. It carries out `Load` and `Send` commands and
//! reports every outcome as a `Msg`; all decisions (what to send, when to retry) are made
//! by `update`. Requests run concurrently inside this single task (`FuturesUnordered`), so
//! the number in flight is exactly what `update` handed out.

use std::any::Any;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{AbortHandle, Abortable, BoxFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::{JoinError, JoinHandle};

use uuid::Uuid;

use crate::api::hydration_pairs;
use crate::api::{Client, GroupBy, Lane, LeadQuery, MAX_PAGE_SIZE};
use crate::app::Msg;
use crate::app::queue::Batch;
use crate::sync::backoff::Backoff;
use crate::sync::retry::RetryBudget;

/// Work for the worker.
#[derive(Debug)]
pub enum Command {
    /// List every page of a view; a newer `Load` of the same view cancels the older one.
    Load { group: GroupBy, generation: u64 },
    /// Send one PATCH.
    Send(Batch),
    /// Learn the statuses Puffle has now for queued leads (restored at start), answered as
    /// `Msg::Observed`.
    Check { group: GroupBy, ids: Vec<Uuid> },
    /// Learn the statuses of rows on screen ahead of the listing (`Msg::ScreenStatuses`);
    /// the load of that view then leaves them out of its background hydration.
    CheckScreen {
        group: GroupBy,
        generation: u64,
        ids: Vec<Uuid>,
    },
    /// Fetch one lead's signals (detail pane).
    Signals { group: GroupBy, id: Uuid },
    /// Draft outreach (`sync::outreach::generate`).
    Generate {
        group: GroupBy,
        items: Vec<(Uuid, Option<String>)>,
        dm: bool,
        comment: bool,
    },
    /// Send the rep's changes to signals, answered as `Msg::SignalsPatched`.
    PatchSignals(Vec<crate::api::outreach::SignalUpdate>),
}

/// Start the worker on the current runtime. Dropping the returned sender stops it. The
/// handle tells when the task ended: while its sender is held, only by a panic (see
/// `Runner::next_msg`).
pub fn spawn(
    client: Client,
    msgs: UnboundedSender<Msg>,
) -> (UnboundedSender<Command>, JoinHandle<()>) {
    let (tx, rx) = unbounded_channel();
    let task = tokio::spawn(marked(run(client, rx, msgs)));
    (tx, task)
}

thread_local! {
    /// Set while this thread polls the worker task (and so any future it runs).
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// Whether the current thread is polling the worker. The TUI's panic hook asks: such a panic
/// is caught and reported as `Msg::WorkerFailed` (or noticed through the task's handle), the
/// app quits by itself, so the hook must not restore the terminal early nor print over it.
pub fn in_worker() -> bool {
    IN_WORKER.with(Cell::get)
}

/// Polls `fut` with [`in_worker`] set. The flag is still set while the panic hook runs (it
/// runs before unwinding) and is put back as the poll unwinds.
fn marked<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            IN_WORKER.with(|f| f.set(self.0));
        }
    }
    let mut fut = Box::pin(fut);
    std::future::poll_fn(move |cx| {
        let _reset = Reset(IN_WORKER.with(|f| f.replace(true)));
        fut.as_mut().poll(cx)
    })
}

/// The text of a panic's payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// What the end of the worker task means (it only ends early by panicking).
pub fn failure(end: Result<(), JoinError>) -> String {
    match end {
        Ok(()) => "the sync worker stopped".to_owned(),
        Err(e) if e.is_panic() => format!(
            "the sync worker panicked: {}",
            panic_message(&*e.into_panic())
        ),
        Err(e) => format!("the sync worker stopped: {e}"),
    }
}

/// One future of the worker, supervised: a panic in it is caught, logged and reported as
/// `Msg::WorkerFailed` rather than taking the whole worker down unannounced. (Its own state
/// dies with it, and it shares nothing with the others but the client and the sender, so
/// `AssertUnwindSafe` is sound; the queue lives in `update`, which then quits.)
fn supervised(
    what: &'static str,
    fut: impl Future<Output = ()> + Send + 'static,
    msgs: UnboundedSender<Msg>,
) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        if let Err(payload) = AssertUnwindSafe(fut).catch_unwind().await {
            let detail = format!("{what} panicked: {}", panic_message(&*payload));
            tracing::error!("{detail}");
            let _ = msgs.send(Msg::WorkerFailed(detail));
        }
    })
}

/// A test-only fault, read once at worker start from `LEAD_TRIAGE_TEST_PANIC`: `worker`
/// panics in the worker's own loop, `task` in the request future, both on the first `Send`.
/// Not a user-facing setting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TestPanic {
    None,
    Worker,
    Task,
}

impl TestPanic {
    fn from_env() -> TestPanic {
        match std::env::var("LEAD_TRIAGE_TEST_PANIC").as_deref() {
            Ok("worker") => TestPanic::Worker,
            Ok("task") => TestPanic::Task,
            _ => TestPanic::None,
        }
    }
}

async fn run(client: Client, mut rx: UnboundedReceiver<Command>, msgs: UnboundedSender<Msg>) {
    let mut tasks: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    let mut loads: HashMap<GroupBy, AbortHandle> = HashMap::new();
    // Per view, the leads whose statuses a screen check asked for during the current load.
    let mut screened: HashMap<GroupBy, Screened> = HashMap::new();
    let test_panic = TestPanic::from_env();
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                None => break,
                Some(Command::Load { group, generation }) => {
                    if let Some(old) = loads.remove(&group) {
                        old.abort();
                    }
                    let (handle, reg) = AbortHandle::new_pair();
                    loads.insert(group, handle);
                    let checked = Screened::default();
                    screened.insert(group, checked.clone());
                    let fut = load(client.clone(), group, generation, checked, msgs.clone());
                    tasks.push(supervised("listing", async move {
                        let _ = Abortable::new(fut, reg).await;
                    }, msgs.clone()));
                }
                Some(Command::Check { group, ids }) => {
                    let client = client.clone();
                    let tx = msgs.clone();
                    tasks.push(supervised("checking statuses", async move {
                        // Retried for a while; if Puffle cannot tell, the changes are sent as
                        // queued rather than held for the whole session.
                        let mut budget =
                            RetryBudget::new(Backoff::default(), Some(Duration::from_secs(120)));
                        let statuses = loop {
                            match client.current_statuses(group, &ids).await {
                                Ok(v) => break v,
                                Err(e) => match budget.next_wait(&e) {
                                    Ok(wait) => tokio::time::sleep(wait).await,
                                    Err(_) => {
                                        tracing::warn!(error = %e, "could not check statuses; sending as queued");
                                        break Vec::new();
                                    }
                                },
                            }
                        };
                        let _ = tx.send(Msg::Observed { checked: ids, statuses });
                    }, msgs.clone()));
                }
                Some(Command::CheckScreen { group, generation, ids }) => {
                    if let Some(set) = screened.get(&group) {
                        set.add(&ids);
                    }
                    let client = client.in_lane(Lane::OnScreen);
                    let tx = msgs.clone();
                    tasks.push(supervised("checking the rows on screen", async move {
                        let statuses = match client.current_statuses(group, &ids).await {
                            Ok(v) => v,
                            Err(e) => {
                                // The background listing reaches them in its turn.
                                tracing::warn!(error = %e, "statuses of {} rows on screen not checked", ids.len());
                                Vec::new()
                            }
                        };
                        let _ = tx.send(Msg::ScreenStatuses { group, generation, statuses });
                    }, msgs.clone()));
                }
                Some(Command::Signals { group, id }) => {
                    let client = client.clone();
                    let tx = msgs.clone();
                    tasks.push(supervised("loading signals", async move {
                        let result = client.lead_signals(group, id).await;
                        let fetched_at = crate::store::unix_now();
                        let _ = tx.send(Msg::Signals { id, result, fetched_at, cached: false });
                    }, msgs.clone()));
                }
                Some(Command::Generate { group, items, dm, comment }) => {
                    let client = client.clone();
                    let tx = msgs.clone();
                    tasks.push(supervised("drafting", async move {
                        super::outreach::generate(client, group, items, dm, comment, tx).await;
                    }, msgs.clone()));
                }
                Some(Command::PatchSignals(items)) => {
                    let client = client.clone();
                    let tx = msgs.clone();
                    tasks.push(supervised("sending signal changes", async move {
                        let result = client.patch_signals(&items).await;
                        if let Err(e) = &result {
                            tracing::warn!(error = %e, "PATCH /api/signals failed");
                        }
                        let _ = tx.send(Msg::SignalsPatched { sent: items, result });
                    }, msgs.clone()));
                }
                Some(Command::Send(batch)) => {
                    if test_panic == TestPanic::Worker {
                        panic!("LEAD_TRIAGE_TEST_PANIC=worker: the worker loop panics");
                    }
                    let client = client.clone();
                    let tx = msgs.clone();
                    tasks.push(supervised("sending", async move {
                        if test_panic == TestPanic::Task {
                            panic!("LEAD_TRIAGE_TEST_PANIC=task: a send panics");
                        }
                        tracing::debug!(batch = batch.id, items = batch.items.len(), "PATCH");
                        let result = client.patch_leads(&batch.items).await;
                        if let Err(e) = &result {
                            tracing::warn!(batch = batch.id, error = %e, "PATCH failed");
                        }
                        let _ = tx.send(Msg::BatchDone { batch: batch.id, result });
                    }, msgs.clone()));
                }
            },
            Some(()) = tasks.next(), if !tasks.is_empty() => {}
        }
    }
}

/// Leads of one load whose statuses a screen check already asked for: the load's background
/// hydration leaves them out (their answer may already be on screen, or is on its way).
#[derive(Clone, Default)]
struct Screened(Arc<Mutex<HashSet<Uuid>>>);

impl Screened {
    fn add(&self, ids: &[Uuid]) {
        if let Ok(mut set) = self.0.lock() {
            set.extend(ids.iter().copied());
        }
    }

    fn contains(&self, id: &Uuid) -> bool {
        self.0.lock().is_ok_and(|set| set.contains(id))
    }
}

/// List a view page by page. Each page goes to the screen as soon as it arrives (one round
/// trip); the statuses of its rows are learned from `GET /api/signals` while the next page is
/// being fetched, and arrive as `Msg::Statuses`.
async fn load(
    client: Client,
    group: GroupBy,
    generation: u64,
    screened: Screened,
    msgs: UnboundedSender<Msg>,
) {
    let mut pager = client.pager(LeadQuery {
        group_by: group,
        limit: MAX_PAGE_SIZE,
        ..LeadQuery::default()
    });
    // The TUI's listing retries until a newer load or quitting cancels it.
    let mut budget = RetryBudget::new(Backoff::default(), None);
    let mut hydrating: Option<BoxFuture<'static, ()>> = None;
    loop {
        let previous = hydrating.take();
        let (result, ()) = futures::join!(pager.next_raw_page(), async {
            if let Some(h) = previous {
                h.await;
            }
        });
        match result {
            Ok(Some(raw)) => {
                budget.succeeded();
                let needs: Vec<bool> = raw
                    .status_on_row
                    .iter()
                    .zip(&raw.leads)
                    .map(|(on_row, lead)| !on_row && !screened.contains(&lead.id))
                    .collect();
                let pairs = hydration_pairs(&raw.leads, &needs);
                let sent = msgs.send(Msg::Page {
                    group,
                    generation,
                    leads: raw.leads,
                    skipped: raw.skipped,
                    last: false,
                });
                if sent.is_err() {
                    return;
                }
                if !pairs.is_empty() {
                    hydrating = Some(Box::pin(learn_statuses(
                        client.clone(),
                        group,
                        generation,
                        pairs,
                        msgs.clone(),
                    )));
                }
            }
            Ok(None) => {
                let _ = msgs.send(Msg::Page {
                    group,
                    generation,
                    leads: Vec::new(),
                    skipped: 0,
                    last: true,
                });
                return;
            }
            // Transient failures are retried for as long as the app runs (a newer load or
            // quitting cancels this one); the screen says so. A pager that stopped itself
            // (e.g. on a looping cursor) has nothing to retry.
            Err(e) if !pager.is_done() && budget.next_wait_ok(&e).is_some() => {
                let wait = budget.last_wait();
                let _ = msgs.send(Msg::LoadRetrying {
                    group,
                    generation,
                    error: e.to_string(),
                    retry_in: wait,
                });
                tokio::time::sleep(wait).await;
            }
            Err(error) => {
                tracing::warn!(error = %error, "listing failed");
                let _ = msgs.send(Msg::LoadFailed {
                    group,
                    generation,
                    error,
                });
                return;
            }
        }
    }
}

/// Longest total wait for learning the statuses of one page before leaving them unknown.
const STATUS_MAX_WAIT: Duration = Duration::from_secs(30);

/// Learn the statuses of a page's rows; what cannot be learned stays unknown.
async fn learn_statuses(
    client: Client,
    group: GroupBy,
    generation: u64,
    pairs: Vec<(Uuid, Uuid)>,
    msgs: UnboundedSender<Msg>,
) {
    let mut budget = RetryBudget::new(Backoff::default(), Some(STATUS_MAX_WAIT));
    // The budget's loop, inline: an async closure here would make the future not `Send`.
    let result = loop {
        match client.statuses_from_signals(group, &pairs).await {
            Ok(v) => break Ok(v),
            Err(e) => match budget.next_wait(&e) {
                Ok(wait) => tokio::time::sleep(wait).await,
                Err(_) => break Err(e),
            },
        }
    };
    match result {
        Ok(statuses) => {
            let _ = msgs.send(Msg::Statuses {
                group,
                generation,
                statuses,
            });
        }
        Err(e) => tracing::warn!(error = %e, "statuses of {} leads stay unknown", pairs.len()),
    }
}
