//! The worker's side of outreach: drafting for leads (their top signal found first when the
//! rep did not pick one), at most 20 items per call, an item answered `already_in_flight`
//! asked again after a growing wait until its draft is written; and sending the rep's changes
//! to signals.

use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use crate::api::outreach::{ALREADY_IN_FLIGHT, GenerateItem, GenerateResult, MAX_GENERATE_ITEMS};
use crate::api::{Client, GroupBy};
use crate::app::Msg;
use crate::app::outreach::same_id;

/// How long a draft another call is writing is waited for before giving up.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(90);

/// The signal a lead is drafted for: the best scored, then the newest.
fn top(signals: &[crate::api::model::Signal]) -> Option<String> {
    signals
        .iter()
        .max_by(|a, b| {
            (a.score.unwrap_or(f64::MIN))
                .total_cmp(&b.score.unwrap_or(f64::MIN))
                .then_with(|| a.created_at.cmp(&b.created_at))
        })
        .map(|s| s.id.clone())
}

fn failed(id: &str, error: &str) -> GenerateResult {
    GenerateResult {
        id: id.to_owned(),
        error: Some(error.to_owned()),
        ..GenerateResult::default()
    }
}

/// Draft for `items` (lead, signal or `None` for its top one), answering as `Msg::Drafted`
/// (per item, as each call returns) or `Msg::DraftFailed`.
pub async fn generate(
    client: Client,
    group: GroupBy,
    items: Vec<(Uuid, Option<String>)>,
    dm: bool,
    comment: bool,
    tx: UnboundedSender<Msg>,
) {
    let mut resolved: Vec<(Uuid, String)> = Vec::new();
    for (lead, signal) in items {
        match signal {
            Some(id) => resolved.push((lead, id)),
            None => match client.lead_signals(group, lead).await {
                Ok(signals) => {
                    let best = top(&signals);
                    let _ = tx.send(Msg::Signals {
                        id: lead,
                        result: Ok(signals),
                        fetched_at: crate::store::unix_now(),
                        cached: false,
                    });
                    match best {
                        Some(id) => resolved.push((lead, id)),
                        None => {
                            let _ = tx.send(Msg::Drafted(vec![(lead, failed("", "no_signals"))]));
                        }
                    }
                }
                Err(e) => {
                    let _ = tx.send(Msg::DraftFailed {
                        leads: vec![lead],
                        error: e.to_string(),
                    });
                }
            },
        }
    }
    for chunk in resolved.chunks(MAX_GENERATE_ITEMS) {
        let mut pending = chunk.to_vec();
        let started = Instant::now();
        let mut wait = Duration::from_millis(500);
        loop {
            let request: Vec<GenerateItem> = pending
                .iter()
                .map(|(_, id)| GenerateItem {
                    id: id.clone(),
                    dm,
                    comment,
                })
                .collect();
            let results = match client.generate_drafts(&request).await {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "generate failed");
                    let _ = tx.send(Msg::DraftFailed {
                        leads: pending.iter().map(|(l, _)| *l).collect(),
                        error: e.to_string(),
                    });
                    break;
                }
            };
            let mut done = Vec::new();
            let mut again = Vec::new();
            for (lead, id) in &pending {
                match results.iter().find(|r| same_id(&r.id, id)) {
                    Some(r) if r.error.as_deref() == Some(ALREADY_IN_FLIGHT) => {
                        again.push((*lead, id.clone()));
                    }
                    Some(r) => done.push((*lead, r.clone())),
                    None => done.push((*lead, failed(id, crate::app::queue::NOT_ACKNOWLEDGED))),
                }
            }
            // Those still being drafted elsewhere say so until their turn comes.
            done.extend(
                again
                    .iter()
                    .map(|(l, id)| (*l, failed(id, ALREADY_IN_FLIGHT))),
            );
            let _ = tx.send(Msg::Drafted(done));
            if again.is_empty() {
                break;
            }
            if started.elapsed() >= IN_FLIGHT_WAIT {
                // Given up waiting: said, so the pane does not say "asking again" forever.
                let gave_up = again
                    .iter()
                    .map(|(l, id)| (*l, failed(id, "still_being_drafted_elsewhere")))
                    .collect();
                let _ = tx.send(Msg::Drafted(gave_up));
                break;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(8));
            // The other call may have written the draft meanwhile: read it rather than pay
            // for a second one; ask again only for those still without it.
            let mut still = Vec::new();
            for (lead, id) in again {
                match written(&client, group, lead, &id, dm, comment).await {
                    Some(r) => {
                        let _ = tx.send(Msg::Drafted(vec![(lead, r)]));
                    }
                    None => still.push((lead, id)),
                }
            }
            if still.is_empty() {
                break;
            }
            pending = still;
        }
    }
}

/// The drafts another call wrote for a lead's signal, once they are all there (read from
/// `GET /api/signals`; the lead's signals also refresh the pane).
async fn written(
    client: &Client,
    group: GroupBy,
    lead: Uuid,
    id: &str,
    dm: bool,
    comment: bool,
) -> Option<GenerateResult> {
    let signals = client.lead_signals(group, lead).await.ok()?;
    let sig = signals.iter().find(|x| same_id(&x.id, id))?.clone();
    let have = (!dm || sig.dm_text.is_some()) && (!comment || sig.comment_text.is_some());
    if !have {
        return None;
    }
    Some(GenerateResult {
        id: sig.id.clone(),
        dm: sig
            .dm_text
            .clone()
            .map(|text| crate::api::outreach::DmDraft {
                text,
                ..Default::default()
            }),
        comment: sig
            .comment_text
            .clone()
            .map(|text| crate::api::outreach::CommentDraft {
                text,
                source_url: sig.url.clone(),
            }),
        error: None,
    })
}
