//! The rep's changes to signals (edited drafts, votes): committed first, then sent, retried,
//! settled; and drafts confirmed this session kept over older copies. Part of `outreach`.

use super::*;

/// A change left out of Puffle's answer this many times fails as `not_acknowledged`.
const OMITTED_TIMES: u32 = 5;

/// Put the drafts confirmed this session into a lead's signals just read (a fetch begun
/// before the confirmation, or the store's cache from before it), and keep that in the cache.
pub fn reapply(s: &mut State, lead: Uuid, fx: &mut Vec<Effect>) {
    if s.outreach.confirmed_drafts.is_empty() {
        return;
    }
    let Some(SignalsEntry::Loaded { signals, .. }) = s.signals.get(&lead) else {
        return;
    };
    let stale: Vec<SignalUpdate> = signals
        .iter()
        .filter_map(|sig| {
            let kept = s.outreach.confirmed_drafts.get(&sig.id)?;
            let differs = kept
                .dm_text
                .as_ref()
                .is_some_and(|t| sig.dm_text.as_ref() != Some(t))
                || (kept.comment_text.as_ref())
                    .is_some_and(|t| sig.comment_text.as_ref() != Some(t));
            differs.then(|| kept.clone())
        })
        .collect();
    for kept in stale {
        apply_drafts(
            s,
            lead,
            &kept.id,
            kept.dm_text.as_deref(),
            kept.comment_text.as_deref(),
            fx,
        );
    }
}

/// `i` / `I`: edit the signal's DM (or comment) draft in the editor.
pub fn edit(s: &mut State, kind: Kind, fx: &mut Vec<Effect>) {
    let Some((lead, sig)) = current(s) else {
        s.toast = Some("no signal here to edit a draft of".into());
        return;
    };
    let text = draft_text(s, &sig, kind).unwrap_or_default();
    fx.push(Effect::Edit(EditJob {
        lead,
        signal: sig.id,
        kind,
        text,
    }));
}

/// `Msg::Edited`: the editor closed; a changed draft is queued (committed first).
pub fn on_edited(
    s: &mut State,
    job: EditJob,
    result: Result<String, String>,
    fx: &mut Vec<Effect>,
) {
    match result {
        Err(e) => s.toast = Some(format!("the editor did not run: {e}")),
        Ok(text) if text == job.text => {
            s.toast = Some(format!("{} draft unchanged", job.kind.noun()));
        }
        Ok(text) => {
            let mut update = SignalUpdate {
                id: job.signal,
                ..SignalUpdate::default()
            };
            match job.kind {
                Kind::Dm => update.dm_text = Some(text),
                Kind::Comment => update.comment_text = Some(text),
            }
            s.toast = Some(format!("saving the edited {}…", job.kind.noun()));
            fx.push(Effect::QueueSignalUpdate {
                lead: job.lead,
                update,
            });
        }
    }
}

/// `+` / `-` / `=`: vote the signal up or down, or clear the vote.
pub fn vote(s: &mut State, vote: Option<Vote>, fx: &mut Vec<Effect>) {
    let Some((lead, sig)) = current(s) else {
        s.toast = Some("no signal here to vote on".into());
        return;
    };
    s.toast = Some(match vote {
        Some(v) => format!("voting the signal {}…", v.as_str()),
        None => "clearing the vote…".into(),
    });
    fx.push(Effect::QueueSignalUpdate {
        lead,
        update: SignalUpdate {
            id: sig.id,
            vote: Some(vote),
            ..SignalUpdate::default()
        },
    });
}

/// `Msg::SignalUpdateQueued`: on disk now, so pending on screen, and sent.
pub fn on_queued(
    s: &mut State,
    lead: Uuid,
    update: Result<SignalUpdate, String>,
    fx: &mut Vec<Effect>,
) {
    match update {
        Ok(update) => {
            let id = update.id.clone();
            let q = s.outreach.queued.entry(id).or_insert(Queued {
                lead,
                update: update.clone(),
                sending: None,
                error: None,
                attempts: 0,
                retry_at: None,
            });
            // The store merged already; without one this is the merge.
            q.update.merge(&update);
            q.error = None;
            q.retry_at = None;
            q.attempts = 0;
            send_due(s, fx);
        }
        Err(e) => s.toast = Some(format!("not saved, nothing queued: {e}")),
    }
}

/// `Msg::RestoreSignalUpdates`: what an earlier run left queued goes out now.
pub fn on_restore(s: &mut State, rows: Vec<crate::store::SignalOutboxRow>, fx: &mut Vec<Effect>) {
    for row in rows {
        on_queued(s, row.lead, Ok(row.update), fx);
    }
}

/// Send what is queued, not on its way, and not waiting for a retry.
pub fn send_due(s: &mut State, fx: &mut Vec<Effect>) {
    let now = s.now;
    let mut items = Vec::new();
    for q in s.outreach.queued.values_mut() {
        let due = q.retry_at.is_none_or(|at| at <= now);
        if q.sending.is_none() && q.error.is_none() && due {
            q.sending = Some(q.update.clone());
            items.push(q.update.clone());
        }
    }
    for chunk in items.chunks(crate::api::outreach::MAX_SIGNAL_PATCH_ITEMS) {
        fx.push(Effect::SendSignalUpdates(chunk.to_vec()));
    }
}

/// The wait before try `attempts + 1` of a change (1, 2, 4 … 60 s).
fn backoff(attempts: u32) -> Duration {
    Duration::from_secs((1u64 << attempts.min(6)).min(60))
}

/// `Msg::SignalsPatched`: what Puffle did with changes sent.
pub fn on_patched(
    s: &mut State,
    sent: Vec<SignalUpdate>,
    result: Result<PatchOutcome, ApiError>,
    fx: &mut Vec<Effect>,
) {
    let now = s.now;
    let (updated, errors): (Vec<String>, HashMap<String, String>) = match &result {
        Ok(out) => (
            out.updated.clone(),
            out.errors
                .iter()
                .map(|e| (e.id.clone(), e.error.clone()))
                .collect(),
        ),
        Err(_) => (Vec::new(), HashMap::new()),
    };
    let mut settled = Vec::new();
    for item in sent {
        let Some(q) = s.outreach.queued.get_mut(&item.id) else {
            continue;
        };
        q.sending = None;
        let ok = updated.iter().any(|u| same_id(u, &item.id));
        let refused = errors.iter().find(|(k, _)| same_id(k, &item.id));
        match (&result, ok, refused) {
            (Ok(_), true, _) => {
                settled.push(item.clone());
                s.outreach.confirmed += 1;
                if item.dm_text.is_some() || item.comment_text.is_some() {
                    let kept = s
                        .outreach
                        .confirmed_drafts
                        .entry(item.id.clone())
                        .or_insert_with(|| SignalUpdate {
                            id: item.id.clone(),
                            ..SignalUpdate::default()
                        });
                    kept.merge(&item);
                }
                let lead = q.lead;
                if q.update == item {
                    s.outreach.queued.remove(&item.id);
                }
                if item.dm_text.is_some() || item.comment_text.is_some() {
                    apply_drafts(
                        s,
                        lead,
                        &item.id,
                        item.dm_text.as_deref(),
                        item.comment_text.as_deref(),
                        fx,
                    );
                }
            }
            // Changed again since it was sent: the newer change goes next, whatever this was.
            _ if q.update != item => {}
            (Ok(_), false, Some((_, code))) => {
                // Refused for good: shown until edited again, and out of the store so that
                // no later start sends it again.
                q.error = Some(code.clone());
                settled.push(item.clone());
            }
            (Ok(_), false, None) => {
                // Left out of the answer: not known to be applied; sent again, then given up.
                q.attempts += 1;
                if q.attempts >= OMITTED_TIMES {
                    q.error = Some(crate::app::queue::NOT_ACKNOWLEDGED.into());
                } else {
                    q.retry_at = Some(now + backoff(q.attempts));
                }
            }
            (Err(e), _, _) if e.is_retryable() => {
                q.attempts += 1;
                q.retry_at = Some(now + backoff(q.attempts));
            }
            (Err(e), _, _) => {
                q.error = Some(e.to_string());
                settled.push(item.clone());
            }
        }
    }
    if !settled.is_empty() {
        fx.push(Effect::SettleSignalUpdates(settled));
    }
    if let Err(e) = &result {
        s.toast = Some(format!("signal changes not sent yet: {e}"));
    }
    send_due(s, fx);
}
