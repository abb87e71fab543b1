//! `lead-triage sync`: send what the outbox holds, without the TUI, and record the outcome.

use std::collections::HashMap;

use crate::api::{Client, StatusChange};
use crate::store::{OutboxOp, OutboxRow, Store};

use super::backoff::Backoff;
use super::send::{SendOptions, SendReport, send_all};

/// Send every outbox row; confirmed rows are deleted, refused rows keep their error, rows
/// that could not be sent (network, auth) stay as they were.
pub async fn send_outbox(
    client: &Client,
    store: &mut Store,
    rows: Vec<OutboxRow>,
    concurrency: usize,
    backoff: Backoff,
) -> SendReport {
    let changes: Vec<StatusChange> = rows
        .iter()
        .map(|r| StatusChange {
            entity_id: r.id,
            status: r.status,
        })
        .collect();
    let by_id: HashMap<String, OutboxRow> =
        rows.into_iter().map(|r| (r.id.to_string(), r)).collect();
    let opts = SendOptions {
        concurrency,
        backoff,
        ..SendOptions::default()
    };
    let report = send_all(client, changes, &opts).await;
    let mut ops = Vec::new();
    for id in &report.updated {
        if let Some(r) = by_id.get(id) {
            ops.push(OutboxOp::Delete(r.id));
        }
    }
    // Per-item refusals are recorded; whole-batch failures (e.g. network) leave rows pending.
    let batch_codes = report.fatal.as_ref().map(|e| e.code());
    for e in &report.errors {
        if Some(e.error.as_str()) == batch_codes || e.error == "not_sent" {
            continue;
        }
        if let Some(r) = by_id.get(&e.id) {
            let mut r = r.clone();
            r.error = Some(e.error.clone());
            ops.push(OutboxOp::Put(r));
        }
    }
    let mut report = report;
    if let Err(e) = store.write_outbox(&ops) {
        tracing::error!(error = %e, "could not record the sync outcome");
        report
            .fatal
            .get_or_insert(crate::api::ApiError::Malformed(format!(
                "sent, but could not update the local outbox: {e}"
            )));
    }
    report
}
