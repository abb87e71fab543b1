//! The TUI's filter over a listing fetched without the TUI (`leads list --filter`,
//! `leads set --filter`): the leads go into the same [`Dataset`], this account's queued changes
//! into the same [`Queue`], and [`view::compute_rows`] picks and orders them, so a query
//! selects exactly the leads the TUI shows for it, in the TUI's default order.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::api::{Lead, Status};
use crate::store::OutboxRow;
use crate::sync::backoff::{Backoff, Jitter};

use super::filter::Query;
use super::queue::Queue;
use super::state::Dataset;
use super::view::{self, SortKey, ViewInput};

/// What this account's local store knows besides the listing.
#[derive(Debug, Default)]
pub struct Local {
    /// The queued changes (the outbox), shown as the TUI shows them (`status:`, `is:pending`,
    /// `is:failed`).
    pub outbox: Vec<OutboxRow>,
    /// The statuses of the TUI's cached listing of this view: a lead whose status differs now
    /// changed elsewhere, as the TUI would mark it when it opens.
    pub cached: HashMap<Uuid, Status>,
}

/// A listing loaded as the TUI loads it.
#[derive(Debug)]
pub struct Listing {
    data: Dataset,
    queue: Queue,
    /// For each dataset index, the position of that lead in the listing given to [`Listing::new`].
    origin: Vec<usize>,
}

impl Listing {
    /// Load `leads` (in the server's order) and the local state: the queued changes are
    /// restored, checked against the statuses listed (a change whose lead changed elsewhere
    /// becomes a conflict), and the cached statuses mark what changed elsewhere, as when the
    /// TUI starts on a cache and its refresh arrives.
    pub fn new(leads: &[Lead], local: Local) -> Listing {
        let mut queue = Queue::new(1, Backoff::default(), Jitter::seeded(1));
        queue.restore(local.outbox);
        let mut data = Dataset::default();
        let mut seen = HashSet::with_capacity(leads.len());
        let mut origin = Vec::with_capacity(leads.len());
        // First as last seen (the cache), in the server's order; a status the listing could
        // not learn stays unknown rather than taken from the cache.
        let before: Vec<Lead> = leads
            .iter()
            .enumerate()
            .filter(|(_, l)| seen.insert(l.id))
            .map(|(k, l)| {
                origin.push(k);
                let mut l = l.clone();
                if l.status != Status::Unknown
                    && let Some(&cached) = local.cached.get(&l.id)
                {
                    l.status = cached;
                }
                l
            })
            .collect();
        data.merge_new(before);
        // Then the listing, as `Msg::Page` takes it: a status we queued ourselves did not
        // change elsewhere.
        let ours: Vec<u32> = leads
            .iter()
            .filter(|l| {
                queue
                    .entries
                    .get(&l.id)
                    .is_some_and(|e| e.intent == l.status)
            })
            .filter_map(|l| data.by_id.get(&l.id).copied())
            .collect();
        for l in leads {
            queue.observe(&l.id, l.status);
        }
        data.merge(leads.to_vec());
        for i in ours {
            data.changed_elsewhere.remove(&i);
        }
        Listing {
            data,
            queue,
            origin,
        }
    }

    /// The leads `query` shows, as positions in the listing, in the TUI's order with the
    /// default sort (the server's order; best match first when the query has text). Nothing
    /// is selected here, so `is:selected` matches no lead. Empty while the query has errors.
    pub fn select(&self, query: &Query) -> Vec<usize> {
        let none = HashSet::new();
        let rows = view::compute_rows(&ViewInput {
            data: &self.data,
            queue: &self.queue,
            selected: &none,
            query,
            key: SortKey::Recency,
            descending: SortKey::Recency.descending_by_default(),
        });
        rows.into_iter()
            .filter_map(|i| self.origin.get(i as usize).copied())
            .collect()
    }

    /// The status the TUI shows for a lead: its queued change, else the listed one. `None`
    /// for a lead not in the listing.
    pub fn shown(&self, id: &Uuid) -> Option<Status> {
        let &i = self.data.by_id.get(id)?;
        let lead = self.data.leads.get(i as usize)?;
        Some(self.queue.shown(id, lead.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::GroupBy;
    use crate::api::model::Company;

    fn lead(n: u8, name: &str, company: &str, status: Status) -> Lead {
        Lead {
            id: Uuid::from_bytes([n; 16]),
            name: name.to_owned(),
            status,
            signal_count: u32::from(n),
            top_score: None,
            signal_ids: Vec::new(),
            person: None,
            company: Some(Company {
                name: Some(company.to_owned()),
                ..Company::default()
            }),
        }
    }

    fn row(id: Uuid, status: Status, confirmed: Status, error: Option<&str>) -> OutboxRow {
        OutboxRow {
            id,
            group: GroupBy::Person,
            status,
            confirmed,
            error: error.map(str::to_owned),
            seq: 1,
        }
    }

    #[test]
    fn the_filter_sees_queued_changes_and_keeps_the_server_order() {
        let leads = vec![
            lead(1, "Ada Park", "Lumenlabs", Status::New),
            lead(2, "Bo Chen", "Quartzworks", Status::New),
            lead(3, "Cy Diaz", "Helix Labs", Status::Contacted),
            lead(4, "Di Ek", "Nimbuslabs", Status::New),
            // The server repeated a lead: it counts once, at its first place.
            lead(1, "Ada Park", "Lumenlabs", Status::New),
        ];
        let local = Local {
            outbox: vec![
                row(leads[1].id, Status::Dismissed, Status::New, None),
                row(
                    leads[3].id,
                    Status::Contacted,
                    Status::New,
                    Some("not_found"),
                ),
            ],
            cached: HashMap::new(),
        };
        let l = Listing::new(&leads, local);
        assert_eq!(l.select(&Query::parse("")), vec![0, 1, 2, 3]);
        assert_eq!(l.select(&Query::parse("status:new")), vec![0, 3]);
        assert_eq!(l.select(&Query::parse("status:dismissed")), vec![1]);
        assert_eq!(l.select(&Query::parse("is:pending")), vec![1]);
        assert_eq!(l.select(&Query::parse("is:failed")), vec![3]);
        assert_eq!(l.select(&Query::parse("is:selected")), Vec::<usize>::new());
        assert_eq!(
            l.select(&Query::parse("status:contaced")),
            Vec::<usize>::new()
        );
        assert_eq!(l.shown(&leads[1].id), Some(Status::Dismissed));
        assert_eq!(l.shown(&leads[2].id), Some(Status::Contacted));
        assert_eq!(l.shown(&Uuid::nil()), None);
    }

    /// The rows the TUI itself shows (its `State`, loaded by `update` from a cache, the
    /// outbox and a fresh page, filtered by typing the query) are the rows `select` picks,
    /// in the same order, for every query.
    #[test]
    fn select_shows_what_the_tui_shows() {
        use crate::app::{Msg, Settings, State, update};
        use crate::store::CachedLeads;

        let names = [
            "Ada Park",
            "Bo Chen",
            "Cy Diaz",
            "Lab Sable",
            "Ola Bass",
            "Juni Per",
        ];
        let companies = [
            "Lumenlabs",
            "Quartz Labs",
            "Helixlake",
            "Ridgely AI",
            "Kitebase",
        ];
        let statuses = [
            Status::New,
            Status::Contacted,
            Status::Dismissed,
            Status::New,
        ];
        let leads: Vec<Lead> = (0..40u8)
            .map(|n| {
                let k = usize::from(n);
                lead(
                    n + 1,
                    &format!("{} {n}", names[k % names.len()]),
                    companies[k % companies.len()],
                    statuses[k % statuses.len()],
                )
            })
            .collect();
        // The TUI last saw every fourth lead with another status.
        let cached: Vec<Lead> = leads
            .iter()
            .enumerate()
            .map(|(k, l)| {
                let mut l = l.clone();
                if k % 4 == 1 {
                    l.status = Status::New;
                }
                l
            })
            .collect();
        let outbox = vec![
            row(leads[0].id, Status::Dismissed, Status::New, None),
            row(
                leads[2].id,
                Status::New,
                Status::Dismissed,
                Some("invalid_request"),
            ),
            // Made on `new`; Puffle says contacted now: a conflict.
            row(leads[5].id, Status::Dismissed, Status::New, None),
        ];

        let mut s = State::new(
            Settings::default(),
            crate::keymap::Keymap::default(),
            Jitter::seeded(1),
        );
        update(
            &mut s,
            Msg::Restore {
                outbox: outbox.clone(),
                cache: vec![(
                    GroupBy::Person,
                    CachedLeads {
                        leads: cached.clone(),
                        saved_at: 0,
                    },
                    0,
                )],
                check: false,
            },
        );
        let generation = s.data[0].generation;
        update(
            &mut s,
            Msg::Page {
                group: GroupBy::Person,
                generation,
                leads: leads.clone(),
                skipped: 0,
                last: true,
            },
        );
        let listing = Listing::new(
            &leads,
            Local {
                outbox,
                cached: cached.iter().map(|l| (l.id, l.status)).collect(),
            },
        );
        assert_eq!(listing.data.changed_elsewhere, s.data[0].changed_elsewhere);
        for query in [
            "",
            "labs",
            "status:new labs",
            "ab",
            "!status:dismissed la",
            "is:pending",
            "is:failed",
            "-is:failed juni",
            "signals:>10 signals:<=30 a",
            "status:c,d",
            "status:contaced",
        ] {
            s.filter = query.to_owned();
            s.refresh_view();
            let tui: Vec<usize> = s.lists[0].rows.iter().map(|&i| i as usize).collect();
            assert_eq!(listing.select(&Query::parse(query)), tui, "{query:?}");
        }
        for l in &leads {
            assert_eq!(
                listing.shown(&l.id),
                Some(s.queue.shown(
                    &l.id,
                    s.data[0].leads[s.data[0].by_id[&l.id] as usize].status
                ))
            );
        }
    }

    #[test]
    fn a_queued_change_over_a_teammates_status_is_a_conflict() {
        // Queued new → dismissed; Puffle says contacted now (a teammate).
        let leads = vec![lead(1, "Ada Park", "Lumenlabs", Status::Contacted)];
        let local = Local {
            outbox: vec![row(leads[0].id, Status::Dismissed, Status::New, None)],
            cached: HashMap::new(),
        };
        let l = Listing::new(&leads, local);
        assert_eq!(l.select(&Query::parse("is:failed")), vec![0]);
        assert_eq!(l.shown(&leads[0].id), Some(Status::Contacted));
    }

    #[test]
    fn cached_statuses_mark_what_changed_elsewhere_except_our_own() {
        let leads = vec![
            lead(1, "Ada Park", "Lumenlabs", Status::Contacted),
            lead(2, "Bo Chen", "Quartzworks", Status::Dismissed),
            lead(3, "Cy Diaz", "Helix Labs", Status::Unknown),
        ];
        let cached = leads
            .iter()
            .map(|l| (l.id, Status::New))
            .collect::<HashMap<_, _>>();
        let local = Local {
            // Bo's dismissal is ours (queued here, not yet acknowledged).
            outbox: vec![row(leads[1].id, Status::Dismissed, Status::New, None)],
            cached,
        };
        let l = Listing::new(&leads, local);
        let changed: Vec<u32> = {
            let mut v: Vec<u32> = l.data.changed_elsewhere.iter().copied().collect();
            v.sort_unstable();
            v
        };
        assert_eq!(
            changed,
            vec![0],
            "Ada changed elsewhere; Bo is ours; Cy unknown"
        );
        assert_eq!(l.shown(&leads[2].id), Some(Status::Unknown));
    }
}
