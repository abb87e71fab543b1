//! The lead model and the enums of the Puffle API.
//!
//! Wire parsing lives in `parse.rs`. Strings hold exactly what the server sent.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Workflow status of a lead (a person or company entity).
///
/// `Unknown` is ours, not Puffle's: the documented lead rows carry no status, and a status that
/// could not be learned is shown as unknown rather than guessed as `new`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Contacted,
    Dismissed,
    Unknown,
}

impl Status {
    /// Every status, in the order lists and counts show them. `Status::index` is the position
    /// here, so tables elsewhere (colours, counters, filter bits) can be indexed by it.
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Contacted,
        Status::Dismissed,
        Status::Unknown,
    ];

    /// The three values the API accepts in a PATCH.
    pub const SETTABLE: [Status; 3] = [Status::New, Status::Contacted, Status::Dismissed];

    /// The wire name, and the name used by filters, the store and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Contacted => "contacted",
            Status::Dismissed => "dismissed",
            Status::Unknown => "unknown",
        }
    }

    /// Position in [`Status::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Parse one of the settable wire values (`new`, `contacted`, `dismissed`).
    pub fn from_wire(s: &str) -> Option<Status> {
        Status::SETTABLE.into_iter().find(|st| st.as_str() == s)
    }

    /// Parse any status name, `unknown` included (filters, the local store).
    pub fn from_name(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_settable(self) -> bool {
        self != Status::Unknown
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `groupBy` of `GET /api/signals/leads`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GroupBy {
    #[default]
    Person,
    Company,
}

impl GroupBy {
    /// Every view, in the order the API documents them.
    pub const ALL: [GroupBy; 2] = [GroupBy::Person, GroupBy::Company];

    /// Parse a wire value (`person`, `company`).
    pub fn from_wire(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Person => "person",
            GroupBy::Company => "company",
        }
    }

    pub fn other(self) -> GroupBy {
        match self {
            GroupBy::Person => GroupBy::Company,
            GroupBy::Company => GroupBy::Person,
        }
    }
}

/// `sortBy` of `GET /api/signals/leads` (the server sorts descending).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortBy {
    #[default]
    Recency,
    SignalCount,
    TopScore,
}

impl SortBy {
    /// Every sort key, in the order the API documents them.
    pub const ALL: [SortBy; 3] = [SortBy::Recency, SortBy::SignalCount, SortBy::TopScore];

    /// Parse a wire value (`recency`, `signalCount`, `topScore`).
    pub fn from_wire(s: &str) -> Option<SortBy> {
        SortBy::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortBy::Recency => "recency",
            SortBy::SignalCount => "signalCount",
            SortBy::TopScore => "topScore",
        }
    }
}

impl std::fmt::Display for GroupBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for SortBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The enrichment of a person, every field optional (enrichment can fail).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub name: Option<String>,
    pub linkedin_url: Option<String>,
    pub headline: Option<String>,
    pub avatar: Option<String>,
    pub email: Option<String>,
}

/// The enrichment of a company, every field optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Company {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub linkedin_url: Option<String>,
    pub industry: Option<String>,
}

/// One row of the lead list: a person or a company with the signals that reference it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lead {
    /// Entity id: exactly the `entityId` a PATCH expects.
    pub id: Uuid,
    pub name: String,
    pub status: Status,
    pub signal_count: u32,
    pub top_score: Option<f64>,
    pub signal_ids: Vec<Uuid>,
    pub person: Option<Person>,
    pub company: Option<Company>,
}

impl Lead {
    /// The company name shown in the list, whichever view the row comes from.
    pub fn company_name(&self) -> Option<&str> {
        self.company.as_ref().and_then(|c| c.name.as_deref())
    }

    pub fn headline(&self) -> Option<&str> {
        self.person.as_ref().and_then(|p| p.headline.as_deref())
    }

    pub fn email(&self) -> Option<&str> {
        self.person.as_ref().and_then(|p| p.email.as_deref())
    }
}

/// One status change: the item of a `PATCH /api/signals/leads` body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub entity_id: Uuid,
    pub status: Status,
}

/// A per-item failure reported by the server (or by us for items that could not be sent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    pub id: String,
    pub error: String,
}

/// The result of one PATCH call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchOutcome {
    pub updated: Vec<String>,
    pub errors: Vec<ItemError>,
}

impl PatchOutcome {
    /// The answer keyed by entity. Ids are parsed as UUIDs, so an id echoed in upper case (or
    /// in braces, or as a URN) still names the item that was sent; an id that is not a UUID
    /// cannot name any sent item and is left out.
    pub fn by_entity(&self) -> (HashSet<Uuid>, HashMap<Uuid, &str>) {
        let updated = self
            .updated
            .iter()
            .filter_map(|id| Uuid::parse_str(id.trim()).ok())
            .collect();
        let errors = self
            .errors
            .iter()
            .filter_map(|e| Some((Uuid::parse_str(e.id.trim()).ok()?, e.error.as_str())))
            .collect();
        (updated, errors)
    }
}

/// A signal row of `GET /api/signals`, reduced to what lead-triage shows and needs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signal {
    pub id: String,
    pub entity_id: Option<Uuid>,
    pub person_entity_id: Option<Uuid>,
    pub entity_status: Option<Status>,
    pub person_entity_status: Option<Status>,
    pub label: Option<String>,
    pub title: Option<String>,
    pub score: Option<f64>,
    pub created_at: Option<String>,
    pub url: Option<String>,
    /// Where the signal was found (`sourceId`, for example `linkedin_post`).
    pub source: Option<String>,
    /// The signal's text: what the person posted, the job ad, the news.
    pub excerpt: Option<String>,
    /// The drafted DM, when Puffle has one (`POST /api/signals/generate`).
    pub dm_text: Option<String>,
    /// The drafted public comment, when Puffle has one.
    pub comment_text: Option<String>,
}

/// One page of leads as parsed from the wire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LeadsPage {
    pub leads: Vec<Lead>,
    /// Which leads carried a status on the row (the others need hydration).
    pub status_on_row: Vec<bool>,
    pub cursor: Option<String>,
    pub has_more: bool,
    /// Rows that could not be used at all (no valid id); reported, never silently dropped.
    pub skipped: usize,
}

/// One page of signals.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SignalsPage {
    pub signals: Vec<Signal>,
    pub cursor: Option<String>,
    pub has_more: bool,
}
