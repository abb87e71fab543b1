//! The visible list: which leads pass the filter, in which order. Recomputed only when the
//! filter, the sort or the data change, never per frame.

use std::cmp::Ordering;

use crate::api::{Lead, Status};

use super::queue::Queue;

/// Local sort keys (on top of the server's order, which is recency).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// The order the server sent (most recent signal first).
    #[default]
    Recency,
    SignalCount,
    TopScore,
    Name,
    Company,
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Recency,
        SortKey::SignalCount,
        SortKey::TopScore,
        SortKey::Name,
        SortKey::Company,
        SortKey::Status,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Recency => "recency",
            SortKey::SignalCount => "signals",
            SortKey::TopScore => "score",
            SortKey::Name => "name",
            SortKey::Company => "company",
            SortKey::Status => "status",
        }
    }

    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }

    /// The natural direction: numbers and recency biggest first, text A→Z.
    pub fn descending_by_default(self) -> bool {
        matches!(
            self,
            SortKey::Recency | SortKey::SignalCount | SortKey::TopScore
        )
    }
}

/// The lower-cased text a filter searches: name, company, headline, email, domain.
pub fn haystack(lead: &Lead) -> String {
    let mut h = lead.name.to_lowercase();
    let parts = [
        lead.company_name(),
        lead.headline(),
        lead.email(),
        lead.company.as_ref().and_then(|c| c.domain.as_deref()),
    ];
    for p in parts.into_iter().flatten() {
        h.push('\u{1f}');
        h.push_str(&p.to_lowercase());
    }
    h
}

/// Does this lead pass the (already lower-cased) filter text?
pub fn matches(hay: &str, needle: &str) -> bool {
    needle.is_empty() || hay.contains(needle)
}

fn status_rank(s: Status) -> u8 {
    match s {
        Status::New => 0,
        Status::Contacted => 1,
        Status::Dismissed => 2,
        Status::Unknown => 3,
    }
}

fn cmp_text(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.to_lowercase().cmp(&b.to_lowercase()),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Compute the visible rows: indices into `leads` that pass `needle`, sorted by `key`.
/// Ties keep the server's order (reversed with the rest), so the result is total and stable.
pub fn compute_rows(
    leads: &[Lead],
    hay: &[String],
    queue: &Queue,
    needle: &str,
    key: SortKey,
    descending: bool,
) -> Vec<u32> {
    let mut rows: Vec<u32> = (0..leads.len() as u32)
        .filter(|&i| matches(&hay[i as usize], needle))
        .collect();
    let reverse = descending != key.descending_by_default();
    let cmp = |a: &u32, b: &u32| -> Ordering {
        let (la, lb) = (&leads[*a as usize], &leads[*b as usize]);
        let ord = match key {
            SortKey::Recency => Ordering::Equal,
            SortKey::SignalCount => lb.signal_count.cmp(&la.signal_count),
            SortKey::TopScore => lb
                .top_score
                .unwrap_or(f64::MIN)
                .total_cmp(&la.top_score.unwrap_or(f64::MIN)),
            SortKey::Name => cmp_text(Some(&la.name), Some(&lb.name)),
            SortKey::Company => cmp_text(la.company_name(), lb.company_name()),
            SortKey::Status => status_rank(queue.shown(&la.id, la.status))
                .cmp(&status_rank(queue.shown(&lb.id, lb.status))),
        };
        let ord = ord.then(a.cmp(b));
        if reverse { ord.reverse() } else { ord }
    };
    if key != SortKey::Recency || reverse {
        rows.sort_by(cmp);
    }
    rows
}
