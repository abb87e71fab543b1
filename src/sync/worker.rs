//! The one task that owns the HTTP client. It carries out `Load` and `Send` commands and
//! reports every outcome as a `Msg`; all decisions (what to send, when to retry) are made
//! by `update`. Requests run concurrently inside this single task (`FuturesUnordered`), so
//! the number in flight is exactly what `update` handed out.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::{AbortHandle, Abortable, BoxFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use uuid::Uuid;

use crate::api::client::hydration_pairs;
use crate::api::{Client, GroupBy, LeadQuery, MAX_PAGE_SIZE};
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
    /// Fetch one lead's signals (detail pane).
    Signals { group: GroupBy, id: Uuid },
}

/// Start the worker on the current runtime. Dropping the returned sender stops it.
pub fn spawn(client: Client, msgs: UnboundedSender<Msg>) -> UnboundedSender<Command> {
    let (tx, rx) = unbounded_channel();
    tokio::spawn(run(client, rx, msgs));
    tx
}

async fn run(client: Client, mut rx: UnboundedReceiver<Command>, msgs: UnboundedSender<Msg>) {
    let mut tasks: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
    let mut loads: HashMap<GroupBy, AbortHandle> = HashMap::new();
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
                    let fut = load(client.clone(), group, generation, msgs.clone());
                    tasks.push(Box::pin(async move {
                        let _ = Abortable::new(fut, reg).await;
                    }));
                }
                Some(Command::Signals { group, id }) => {
                    let client = client.clone();
                    let msgs = msgs.clone();
                    tasks.push(Box::pin(async move {
                        let result = client.lead_signals(group, id).await;
                        let _ = msgs.send(Msg::Signals { id, result });
                    }));
                }
                Some(Command::Send(batch)) => {
                    let client = client.clone();
                    let msgs = msgs.clone();
                    tasks.push(Box::pin(async move {
                        tracing::debug!(batch = batch.id, items = batch.items.len(), "PATCH");
                        let result = client.patch_leads(&batch.items).await;
                        if let Err(e) = &result {
                            tracing::warn!(batch = batch.id, error = %e, "PATCH failed");
                        }
                        let _ = msgs.send(Msg::BatchDone { batch: batch.id, result });
                    }));
                }
            },
            Some(()) = tasks.next(), if !tasks.is_empty() => {}
        }
    }
}

/// List a view page by page. Each page goes to the screen as soon as it arrives (one round
/// trip); the statuses of its rows are learned from `GET /api/signals` while the next page is
/// being fetched, and arrive as `Msg::Statuses`.
async fn load(client: Client, group: GroupBy, generation: u64, msgs: UnboundedSender<Msg>) {
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
                let needs: Vec<bool> = raw.status_on_row.iter().map(|s| !s).collect();
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
