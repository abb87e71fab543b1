//! Outreach from the keyboard (`PUFFLE_API.md` §12), in the reading pane: draft a DM or a
//! comment for the signal under the pane's cursor (or for each selected lead's top signal),
//! edit a draft in `$VISUAL` / `$EDITOR`, vote a signal up or down, and send: the draft is
//! copied, where to send it is opened, and the app asks "mark contacted?". Part of `update`.
//!
//! Drafting is only ever started by a key (it may cost the account credits), and above
//! [`CONFIRM_DRAFTS_OVER`] leads it asks first. Edits and votes are changes of the rep's, so
//! they go the way status changes do: committed to the store's signal outbox before they show
//! as pending, sent in `PATCH /api/signals` batches (at most 200), retried with a backoff when
//! the call fails, and sent by the next start when the app was killed first.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::api::outreach::{ALREADY_IN_FLIGHT, GenerateResult, SignalUpdate, Vote};
use crate::api::{ApiError, PatchOutcome, Status};

use super::msg::Effect;

mod changes;
mod send;

use super::pane::SignalsEntry;
use super::state::{Mode, State, gi};
pub use changes::{edit, on_edited, on_patched, on_queued, on_restore, reapply, send_due, vote};
pub use send::{on_mark_key, send};

/// Drafting for more leads than this at once asks first.
pub const CONFIRM_DRAFTS_OVER: usize = 3;

/// Which draft.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Dm,
    Comment,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Dm => "DM",
            Kind::Comment => "comment",
        }
    }
}

/// A draft handed to the editor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditJob {
    pub lead: Uuid,
    pub signal: String,
    pub kind: Kind,
    pub text: String,
}

/// A lead whose drafts are being written: for which signal (once known) and since when, or
/// why it failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Drafting {
    pub dm: bool,
    pub comment: bool,
    pub since: Duration,
    pub error: Option<String>,
}

/// Where a signal's drafts are sent, from the generate answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub profile: Option<String>,
    pub messaging: Option<String>,
    pub source: Option<String>,
}

/// A signal's change of the rep's, committed and not yet confirmed.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub lead: Uuid,
    /// Everything queued for the signal (merged).
    pub update: SignalUpdate,
    /// What is on its way now, if anything.
    pub sending: Option<SignalUpdate>,
    /// Puffle refused it (the code), or it was never acknowledged.
    pub error: Option<String>,
    /// Failed or unanswered tries so far.
    pub attempts: u32,
    /// Not sent again before this (the session clock).
    pub retry_at: Option<Duration>,
}

/// The question before drafting for several leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftAsk {
    pub items: Vec<(Uuid, Option<String>)>,
    pub dm: bool,
    pub comment: bool,
}

/// Everything outreach keeps in the state.
#[derive(Clone, Debug, Default)]
pub struct Outreach {
    pub drafting: HashMap<Uuid, Drafting>,
    pub links: HashMap<String, Links>,
    pub queued: HashMap<String, Queued>,
    /// Changes to signals Puffle confirmed this session.
    pub confirmed: usize,
    /// The drafts Puffle confirmed this session, per signal: put back into any copy of the
    /// signals read since (an older fetch, the store's cache).
    pub confirmed_drafts: HashMap<String, SignalUpdate>,
}

/// The signal the pane's cursor is on, with its lead.
fn current(s: &State) -> Option<(Uuid, crate::api::model::Signal)> {
    let lead = s.cursor_lead()?.id;
    super::pane::current_signal(s).map(|sig| (lead, sig.clone()))
}

/// The signal a lead would be drafted for: the best scored, then the newest.
fn top_signal(s: &State, lead: &Uuid) -> Option<String> {
    let signals = super::pane::loaded(s, lead)?;
    signals
        .iter()
        .max_by(|a, b| {
            (a.score.unwrap_or(f64::MIN))
                .total_cmp(&b.score.unwrap_or(f64::MIN))
                .then_with(|| a.created_at.cmp(&b.created_at))
        })
        .map(|sig| sig.id.clone())
}

/// `m` / `M`: draft a DM (or a comment). With a selection, for each selected lead's top
/// signal; else in the pane for the signal under its cursor; else for the row's top signal.
pub fn draft(s: &mut State, kind: Kind, fx: &mut Vec<Effect>) {
    let (dm, comment) = (kind == Kind::Dm, kind == Kind::Comment);
    let list = s.list();
    let items: Vec<(Uuid, Option<String>)> = if !list.selected.is_empty() {
        let data = s.data();
        let mut ids: Vec<u32> = list.selected.iter().copied().collect();
        ids.sort_unstable();
        ids.into_iter()
            .map(|i| {
                let id = data.leads[i as usize].id;
                (id, top_signal(s, &id))
            })
            .collect()
    } else if s.pane.is_some() {
        match current(s) {
            Some((lead, sig)) => vec![(lead, Some(sig.id))],
            None => {
                s.toast =
                    Some("no signal to draft for here (signals load as the lead is shown)".into());
                return;
            }
        }
    } else {
        match s.cursor_lead().map(|l| l.id) {
            Some(id) => vec![(id, top_signal(s, &id))],
            None => return,
        }
    };
    let items: Vec<_> = items
        .into_iter()
        .filter(|(lead, _)| {
            // A draft being written (here, or elsewhere and waited for) is not asked again.
            s.outreach
                .drafting
                .get(lead)
                .is_none_or(|d| d.error.is_some() && d.error.as_deref() != Some(ALREADY_IN_FLIGHT))
        })
        .collect();
    if items.is_empty() {
        s.toast = Some("already drafting for that".into());
        return;
    }
    if items.len() > CONFIRM_DRAFTS_OVER {
        s.mode = Mode::ConfirmDrafts(Box::new(DraftAsk { items, dm, comment }));
        return;
    }
    start(s, items, dm, comment, fx);
}

/// Ask Puffle for the drafts (the rep asked, or accepted the question).
pub fn start(
    s: &mut State,
    items: Vec<(Uuid, Option<String>)>,
    dm: bool,
    comment: bool,
    fx: &mut Vec<Effect>,
) {
    for (lead, _) in &items {
        s.outreach.drafting.insert(
            *lead,
            Drafting {
                dm,
                comment,
                since: s.now,
                error: None,
            },
        );
    }
    let what = if dm { "DM" } else { "comment" };
    s.toast = Some(match items.len() {
        1 => format!("drafting a {what}…"),
        n => format!("drafting {n} {what}s (the top signal of each lead)…"),
    });
    fx.push(Effect::Generate {
        group: s.group,
        items,
        dm,
        comment,
    });
}

/// A key in the question before drafting for several leads (the `confirm` layer).
pub fn on_ask_key(
    s: &mut State,
    ask: DraftAsk,
    key: crossterm::event::KeyEvent,
    fx: &mut Vec<Effect>,
) {
    use super::action::Action;
    match s.keymap.resolve_confirm(key) {
        Some(Action::Accept) => {
            s.mode = Mode::Normal;
            start(s, ask.items, ask.dm, ask.comment, fx);
        }
        Some(Action::Escape) => {
            s.mode = Mode::Normal;
            s.toast = Some("nothing drafted".into());
        }
        _ => {}
    }
}

/// Put a signal's drafts into the signals the pane shows (and the store's cache).
fn apply_drafts(
    s: &mut State,
    lead: Uuid,
    signal: &str,
    dm: Option<&str>,
    comment: Option<&str>,
    fx: &mut Vec<Effect>,
) {
    if let Some(SignalsEntry::Loaded {
        signals,
        fetched_at,
        ..
    }) = s.signals.get_mut(&lead)
    {
        let list = Arc::make_mut(signals);
        if let Some(sig) = list.iter_mut().find(|x| same_id(&x.id, signal)) {
            if let Some(t) = dm {
                sig.dm_text = Some(t.to_owned());
            }
            if let Some(t) = comment {
                sig.comment_text = Some(t.to_owned());
            }
            fx.push(Effect::SaveSignals {
                id: lead,
                fetched_at: *fetched_at,
                signals: Arc::clone(signals),
            });
        }
    }
}

/// Signal ids are UUIDs on Puffle: compared as such (any case), else exactly.
pub fn same_id(a: &str, b: &str) -> bool {
    match (Uuid::parse_str(a), Uuid::parse_str(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `Msg::Drafted`: drafts (or per-item errors) for these leads.
pub fn on_drafted(s: &mut State, results: Vec<(Uuid, GenerateResult)>, fx: &mut Vec<Effect>) {
    let mut done = 0;
    for (lead, mut r) in results {
        let empty = r.dm.as_ref().is_some_and(|d| d.text.trim().is_empty())
            || r.comment.as_ref().is_some_and(|c| c.text.trim().is_empty());
        if r.error.is_none() && (empty || (r.dm.is_none() && r.comment.is_none())) {
            r.error = Some("empty_draft".into());
        }
        if let Some(error) = r.error.clone() {
            if let Some(d) = s.outreach.drafting.get_mut(&lead) {
                d.error = Some(error);
            }
            continue;
        }
        s.outreach.drafting.remove(&lead);
        done += 1;
        let links = s.outreach.links.entry(r.id.clone()).or_default();
        if let Some(dm) = &r.dm {
            links.profile.clone_from(&dm.profile_url);
            links.messaging.clone_from(&dm.messaging_url);
        }
        if let Some(c) = &r.comment {
            links.source.clone_from(&c.source_url);
        }
        let dm = r.dm.as_ref().map(|d| d.text.as_str());
        let comment = r.comment.as_ref().map(|c| c.text.as_str());
        apply_drafts(s, lead, &r.id, dm, comment, fx);
    }
    if done > 0 {
        let keys = [
            s.keymap
                .key_in(super::action::Layer::Detail, super::action::Action::EditDm)
                .map(|k| format!("{k} edits it")),
            s.keymap
                .key_in(
                    super::action::Layer::Detail,
                    super::action::Action::SendDraft,
                )
                .map(|k| format!("{k} sends it")),
        ];
        let keys: Vec<String> = keys.into_iter().flatten().collect();
        let tail = if keys.is_empty() {
            String::new()
        } else if s.pane.is_some() {
            format!(" · {}", keys.join(" · "))
        } else {
            format!(" · in the reading pane {}", keys.join(" · "))
        };
        s.toast = Some(match done {
            1 => format!("draft ready{tail}"),
            n => format!("{n} drafts ready{tail}"),
        });
    }
}

/// `Msg::DraftFailed`: the generate call failed as a whole.
pub fn on_draft_failed(s: &mut State, leads: Vec<Uuid>, error: String) {
    for lead in &leads {
        if let Some(d) = s.outreach.drafting.get_mut(lead) {
            d.error = Some(error.clone());
        }
    }
    s.toast = Some(format!("could not draft: {error}"));
}

/// The text of a signal's draft as the rep last left it: the queued edit, else Puffle's.
pub fn draft_text(s: &State, sig: &crate::api::model::Signal, kind: Kind) -> Option<String> {
    let queued = s.outreach.queued.get(&sig.id).and_then(|q| match kind {
        Kind::Dm => q.update.dm_text.clone(),
        Kind::Comment => q.update.comment_text.clone(),
    });
    queued.or_else(|| match kind {
        Kind::Dm => sig.dm_text.clone(),
        Kind::Comment => sig.comment_text.clone(),
    })
}

/// What the pane says of a signal's outreach: drafting, the edit queued, the vote.
pub fn notes(s: &State, lead: &Uuid, sig: &crate::api::model::Signal) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = s.outreach.drafting.get(lead) {
        let what = match (d.dm, d.comment) {
            (true, true) => "a DM and a comment",
            (true, false) => "a DM",
            _ => "a comment",
        };
        out.push(match &d.error {
            Some(e) if e == ALREADY_IN_FLIGHT => {
                format!("drafting {what}: already being drafted, asking again…")
            }
            Some(e) => format!("could not draft {what}: {e}"),
            None => format!(
                "drafting {what}… {} s",
                s.now.saturating_sub(d.since).as_secs()
            ),
        });
    }
    if let Some(q) = s.outreach.queued.get(&sig.id) {
        let mut parts = Vec::new();
        if q.update.dm_text.is_some() {
            parts.push("DM edited".to_owned());
        }
        if q.update.comment_text.is_some() {
            parts.push("comment edited".to_owned());
        }
        if let Some(v) = q.update.vote {
            parts.push(match v {
                Some(v) => format!("voted {}", v.as_str()),
                None => "vote cleared".to_owned(),
            });
        }
        let state = match (&q.error, &q.sending, q.retry_at) {
            (Some(e), _, _) => format!("refused: {e}"),
            (None, Some(_), _) => "sending".to_owned(),
            (None, None, Some(at)) => format!(
                "pending, retrying in {} s",
                at.saturating_sub(s.now).as_secs_f64().ceil() as u64
            ),
            (None, None, None) => "pending".to_owned(),
        };
        out.push(format!("{} ({state})", parts.join(", ")));
    }
    out
}

/// Changes to signals not yet confirmed that are still being sent (refused ones wait for the
/// rep, and are kept in the store).
pub fn unsent(s: &State) -> usize {
    s.outreach
        .queued
        .values()
        .filter(|q| q.error.is_none())
        .count()
}
