//! The visible list: which leads pass the filter, in which order. Recomputed only when the
//! filter, the sort or the data change, never per frame.

use std::cmp::Ordering;
use std::collections::HashSet;

use crate::api::Status;

use super::filter::{Facts, Query, Scorer};
use super::queue::{Phase, Queue};
use super::record::LeadRecord;
use super::state::Dataset;

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

fn status_rank(s: Status) -> usize {
    s.index()
}

fn cmp_text(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a
            .chars()
            .flat_map(char::to_lowercase)
            .cmp(b.chars().flat_map(char::to_lowercase)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Everything the filter and the sort look at.
pub struct ViewInput<'a> {
    pub data: &'a Dataset,
    pub queue: &'a Queue,
    pub selected: &'a HashSet<u32>,
    pub query: &'a Query,
    pub key: SortKey,
    pub descending: bool,
}

/// The facts the filter tokens test for one lead.
pub fn facts(input: &ViewInput, i: u32, lead: &LeadRecord) -> Facts {
    let entry = input.queue.entries.get(&lead.id);
    let changed = &input.data.changed_elsewhere;
    Facts {
        shown: entry.map_or(lead.status, |e| e.shown()),
        failed: entry.is_some_and(|e| e.phase == Phase::Failed),
        pending: entry.is_some_and(|e| e.phase != Phase::Failed),
        selected: input.selected.contains(&i),
        changed: !changed.is_empty() && changed.contains(&i),
        conflict: entry.is_some_and(|e| {
            e.phase == Phase::Failed && e.error.as_deref() == Some(super::queue::CONFLICT)
        }),
        score: lead.top_score(),
        signals: lead.signal_count,
    }
}

/// From this many leads on, matching runs on two threads.
const PARALLEL_FROM: usize = 20_000;

/// The leads in `range` that pass the query, with their match scores, in index order.
fn matching(input: &ViewInput, range: std::ops::Range<u32>) -> Vec<(u32, u32)> {
    let q = input.query;
    let data = input.data;
    let tokens = q.has_tokens();
    let mut scorer = Scorer::default();
    let mut out = Vec::with_capacity(1024);
    for i in range {
        if tokens && !q.tokens_hold(&facts(input, i, &data.leads[i as usize])) {
            continue;
        }
        if let Some(score) = q.text_score(data.match_key(i), &mut scorer) {
            out.push((i, score));
        }
    }
    out
}

/// Compute the visible rows: indices into `leads` that pass the query, sorted. With words
/// and the default sort, the best matches come first; otherwise by the sort key. Ties keep the
/// server's order (reversed with the rest), so the result is total and stable.
/// How many leads pass the query (a saved view's count), without sorting them.
pub fn count_matching(input: &ViewInput) -> usize {
    if input.query.is_empty() {
        input.data.leads.len()
    } else {
        matching(input, 0..input.data.leads.len() as u32).len()
    }
}

pub fn compute_rows(input: &ViewInput) -> Vec<u32> {
    let q = input.query;
    let data = input.data;
    let mut hits: Vec<(u32, u32)> =
        Vec::with_capacity(if q.ranks() { 4096 } else { data.leads.len() });
    if q.is_empty() {
        hits.extend((0..data.leads.len() as u32).map(|i| (i, 0)));
    } else if data.leads.len() >= PARALLEL_FROM {
        // Two halves on two threads: the keystroke cost at 100,000 leads roughly halves.
        let mid = (data.leads.len() / 2) as u32;
        let (a, b) = std::thread::scope(|sc| {
            let left = sc.spawn(|| matching(input, 0..mid));
            let right = matching(input, mid..data.leads.len() as u32);
            (left.join(), right)
        });
        match a {
            Ok(a) => hits.extend(a),
            // A matcher panic in the helper thread: do that half here instead.
            Err(_) => hits.extend(matching(input, 0..mid)),
        }
        hits.extend(b);
    } else {
        hits.extend(matching(input, 0..data.leads.len() as u32));
    }
    let by_score = q.ranks() && input.key == SortKey::Recency;
    let reverse = input.descending != input.key.descending_by_default();
    let leads = &data.leads;
    let queue = input.queue;
    let key = input.key;
    let cmp = |&(a, sa): &(u32, u32), &(b, sb): &(u32, u32)| -> Ordering {
        let (la, lb) = (&leads[a as usize], &leads[b as usize]);
        let ord = match key {
            SortKey::Recency if by_score => sb.cmp(&sa),
            SortKey::Recency => Ordering::Equal,
            SortKey::SignalCount => lb.signal_count.cmp(&la.signal_count),
            SortKey::TopScore => lb
                .top_score()
                .unwrap_or(f64::MIN)
                .total_cmp(&la.top_score().unwrap_or(f64::MIN)),
            SortKey::Name => cmp_text(Some(la.name()), Some(lb.name())),
            SortKey::Company => cmp_text(la.company_name(), lb.company_name()),
            SortKey::Status => status_rank(queue.shown(&la.id, la.status))
                .cmp(&status_rank(queue.shown(&lb.id, lb.status))),
        };
        let ord = ord.then(a.cmp(&b));
        if reverse { ord.reverse() } else { ord }
    };
    if by_score && !reverse {
        return best_first(&hits);
    }
    if key != SortKey::Recency || reverse || by_score {
        hits.sort_unstable_by(cmp);
    }
    hits.into_iter().map(|(i, _)| i).collect()
}

/// Scores this high or higher are ranked by a comparison sort instead of by buckets.
const BUCKETS: u32 = 1 << 16;

/// The common case of words: best score first, then server order. `hits` are in server
/// (index) order, and scores are small integers, so a counting sort does it in two passes
/// (100,000 hits in well under a millisecond; a comparison sort took a few).
fn best_first(hits: &[(u32, u32)]) -> Vec<u32> {
    let max = hits.iter().map(|h| h.1).max().unwrap_or(0);
    if max >= BUCKETS {
        let mut keys: Vec<u64> = hits
            .iter()
            .map(|&(i, s)| (u64::from(u32::MAX - s) << 32) | u64::from(i))
            .collect();
        keys.sort_unstable();
        return keys.into_iter().map(|k| k as u32).collect();
    }
    // Bucket b holds score max - b, so bucket 0 is the best.
    let mut start = vec![0usize; max as usize + 2];
    for &(_, s) in hits {
        start[(max - s) as usize + 1] += 1;
    }
    for b in 1..start.len() {
        start[b] += start[b - 1];
    }
    let mut out = vec![0u32; hits.len()];
    for &(i, s) in hits {
        let slot = &mut start[(max - s) as usize];
        out[*slot] = i;
        *slot += 1;
    }
    out
}
