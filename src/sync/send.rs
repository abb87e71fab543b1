//! Sending a set of changes in PATCH batches with bounded concurrency and retries. Used by the
//! headless commands (`leads update`, `leads set`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::backoff::{Backoff, Jitter};
use super::batch::{batches, merge_last_wins};
use crate::api::{ApiError, Client, ItemError, StatusChange};

/// How to send.
#[derive(Clone, Debug)]
pub struct SendOptions {
    /// PATCH requests in flight at once.
    pub concurrency: usize,
    pub backoff: Backoff,
    /// Attempts per batch for retryable failures (429, 5xx, timeouts, lost connections).
    pub max_attempts: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            concurrency: 4,
            backoff: Backoff::default(),
            max_attempts: 6,
        }
    }
}

/// What happened to every item.
#[derive(Debug, Default)]
pub struct SendReport {
    pub updated: Vec<String>,
    pub errors: Vec<ItemError>,
    /// A failure that stopped sending (401) or made whole batches fail (network, 5xx after
    /// the last attempt, validation). The affected items are also listed in `errors`.
    pub fatal: Option<ApiError>,
    /// PATCH requests made, retries included.
    pub requests: usize,
}

impl SendReport {
    /// 0: everything applied; 1: some items were refused by the server; 2: auth, network or
    /// other failure that is not about one item.
    pub fn exit_code(&self) -> u8 {
        if self.fatal.is_some() {
            2
        } else if self.errors.is_empty() {
            0
        } else {
            1
        }
    }
}

enum BatchEnd {
    Done(crate::api::PatchOutcome),
    Failed(ApiError),
    NotSent,
}

/// Merge (last wins), cut into batches of at most 200 and send them, `concurrency` at a time.
pub async fn send_all(
    client: &Client,
    changes: Vec<StatusChange>,
    opts: &SendOptions,
) -> SendReport {
    let merged = merge_last_wins(changes);
    let stop = Arc::new(AtomicBool::new(false));
    let batch_list: Vec<Vec<StatusChange>> = batches(&merged).map(<[_]>::to_vec).collect();
    let results: Vec<(Vec<StatusChange>, BatchEnd, usize)> = futures::stream::iter(batch_list)
        .enumerate()
        .map(|(n, batch)| {
            let stop = Arc::clone(&stop);
            async move {
                let (end, requests) = send_batch(client, &batch, opts, &stop, n as u64).await;
                (batch, end, requests)
            }
        })
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;

    let mut report = SendReport::default();
    for (batch, end, requests) in results {
        report.requests += requests;
        match end {
            BatchEnd::Done(outcome) => {
                report.updated.extend(outcome.updated);
                report.errors.extend(outcome.errors);
            }
            BatchEnd::Failed(e) => {
                report.errors.extend(batch.iter().map(|c| ItemError {
                    id: c.entity_id.to_string(),
                    error: e.code().to_owned(),
                }));
                if report.fatal.is_none() || matches!(e, ApiError::Unauthorized { .. }) {
                    report.fatal = Some(e);
                }
            }
            BatchEnd::NotSent => report.errors.extend(batch.iter().map(|c| ItemError {
                id: c.entity_id.to_string(),
                error: "not_sent".into(),
            })),
        }
    }
    report
}

async fn send_batch(
    client: &Client,
    batch: &[StatusChange],
    opts: &SendOptions,
    stop: &AtomicBool,
    salt: u64,
) -> (BatchEnd, usize) {
    let mut jitter = Jitter::seeded(Jitter::from_entropy().unit().to_bits() ^ salt);
    let mut requests = 0;
    let mut attempt = 0u32;
    loop {
        if stop.load(Ordering::SeqCst) {
            return (BatchEnd::NotSent, requests);
        }
        requests += 1;
        match client.patch_leads(batch).await {
            Ok(outcome) => return (BatchEnd::Done(outcome), requests),
            Err(e @ ApiError::Unauthorized { .. }) => {
                stop.store(true, Ordering::SeqCst);
                return (BatchEnd::Failed(e), requests);
            }
            Err(e) if e.is_retryable() && attempt + 1 < opts.max_attempts => {
                let wait = opts
                    .backoff
                    .next_delay(attempt, e.retry_after(), jitter.unit());
                tracing::warn!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "PATCH failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return (BatchEnd::Failed(e), requests),
        }
    }
}
