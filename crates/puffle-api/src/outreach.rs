//! Outreach around a lead (`PUFFLE_API.md` §12): drafting a DM and/or a public comment per
//! signal (`POST /api/signals/generate`), and saving edited drafts and votes on a signal
//! (`PATCH /api/signals`). The requests are built and the answers parsed here; the client
//! sends them (`client/outreach.rs`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Most items of one `POST /api/signals/generate`.
pub const MAX_GENERATE_ITEMS: usize = 20;

/// Most items of one `PATCH /api/signals`.
pub const MAX_SIGNAL_PATCH_ITEMS: usize = 200;

/// The per-item error of a draft another call is still writing: wait, then ask again.
pub const ALREADY_IN_FLIGHT: &str = "already_in_flight";

/// One signal to draft for, and which drafts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateItem {
    pub id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dm: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comment: bool,
}

/// A drafted DM, with where to send it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DmDraft {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaging_url: Option<String>,
}

/// A drafted public comment, with the post it answers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentDraft {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
}

/// What one item of a generate call came back with: drafts, or a per-item error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerateResult {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm: Option<DmDraft>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<CommentDraft>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Feedback on a signal's quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vote {
    Up,
    Down,
}

impl Vote {
    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Up => "up",
            Vote::Down => "down",
        }
    }
}

/// One item of `PATCH /api/signals`: what to change on a signal (at least one field).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignalUpdate {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dm_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_text: Option<String>,
    /// `Some(None)` clears the vote (`"vote": null`); `None` leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "vote_field")]
    pub vote: Option<Option<Vote>>,
}

impl SignalUpdate {
    /// Does it change anything?
    pub fn is_empty(&self) -> bool {
        self.dm_text.is_none() && self.comment_text.is_none() && self.vote.is_none()
    }

    /// `later` on top of `self` (the same signal): each field the later one sets wins.
    pub fn merge(&mut self, later: &SignalUpdate) {
        if later.dm_text.is_some() {
            self.dm_text.clone_from(&later.dm_text);
        }
        if later.comment_text.is_some() {
            self.comment_text.clone_from(&later.comment_text);
        }
        if later.vote.is_some() {
            self.vote = later.vote;
        }
    }
}

/// `vote`: absent, `null`, `"up"` or `"down"`.
mod vote_field {
    use super::Vote;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Option<Vote>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Vote>>, D::Error> {
        Option::<Vote>::deserialize(d).map(Some)
    }
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Parse a generate answer: `{"results": [...]}`, each result's id as `id` or `signalId` (the
/// docs use both); a result without an id cannot be matched and is dropped.
pub fn generate_results(body: &[u8]) -> Result<Vec<GenerateResult>, crate::parse::ParseError> {
    let root = crate::parse::json(body)?;
    let results = root
        .get("results")
        .and_then(Value::as_array)
        .ok_or(crate::parse::ParseError::MissingArray("results"))?;
    Ok(results
        .iter()
        .filter_map(|r| {
            let o = r.as_object()?;
            let id = text(o, "id").or_else(|| text(o, "signalId"))?;
            let dm = o.get("dm").and_then(Value::as_object).map(|d| DmDraft {
                text: text(d, "text").unwrap_or_default(),
                profile_url: text(d, "profileUrl"),
                messaging_url: text(d, "messagingUrl"),
            });
            let comment = o
                .get("comment")
                .and_then(Value::as_object)
                .map(|c| CommentDraft {
                    text: text(c, "text").unwrap_or_default(),
                    source_url: text(c, "sourceUrl"),
                });
            let error = match o.get("error") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                Some(Value::Object(inner)) => Some(text(inner, "code").unwrap_or("error".into())),
                Some(Value::String(_)) => Some("error".into()),
                _ => None,
            };
            Some(GenerateResult {
                id,
                dm,
                comment,
                error,
            })
        })
        .collect())
}
