//! What a headless change would do, before anything is sent: which leads would change and from
//! which status, and which already show the status asked for. `--dry-run` prints it; above
//! `confirm_over` leads a change needs `--yes`.

use std::collections::BTreeMap;
use std::io::Write;

use uuid::Uuid;

use crate::api::{Lead, Status, StatusChange};
use crate::text::tsv_cell;

/// One lead of a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub id: Uuid,
    /// The status it would get.
    pub to: Status,
    /// The status the TUI shows for it now; `None` when the listing does not hold it.
    pub now: Option<Status>,
    pub name: Option<String>,
    pub company: Option<String>,
}

/// A change, split into what would change and what already is so.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Leads that would change, in the order given (for `--filter`, the TUI's order).
    pub changes: Vec<Planned>,
    /// Leads that already show the status asked for: left alone.
    pub already: Vec<Planned>,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Plan {
    /// Split `changes` (merged: the last change of a lead wins, at its first place) by what
    /// `find` says of each lead now: the lead and the status the TUI shows for it.
    pub fn new<'a>(
        changes: &[StatusChange],
        find: impl Fn(&Uuid) -> Option<(&'a Lead, Status)>,
    ) -> Plan {
        let mut plan = Plan::default();
        for c in crate::sync::batch::merge_last_wins(changes.iter().copied()) {
            let found = find(&c.entity_id);
            let p = Planned {
                id: c.entity_id,
                to: c.status,
                now: found.map(|(_, s)| s),
                name: found.map(|(l, _)| l.name.clone()),
                company: found.and_then(|(l, _)| l.company_name().map(str::to_owned)),
            };
            if p.now == Some(p.to) {
                plan.already.push(p);
            } else {
                plan.changes.push(p);
            }
        }
        plan
    }

    /// What would be sent.
    pub fn to_send(&self) -> Vec<StatusChange> {
        self.changes
            .iter()
            .map(|p| StatusChange {
                entity_id: p.id,
                status: p.to,
            })
            .collect()
    }

    /// "set 52 leads to dismissed" or, with several statuses, "change 5 leads".
    pub fn what(&self) -> String {
        what(self.changes.iter().map(|p| p.to), self.changes.len())
    }

    /// The summary line: "would set 52 leads to dismissed (40 new, 12 contacted); 3 already
    /// dismissed". `verb` starts it ("would", or "" while sending).
    pub fn summary(&self, verb: &str) -> String {
        // By the status asked for, then by the one shown now (leads not listed last).
        type From = BTreeMap<(bool, Option<Status>), usize>;
        let mut by_to: BTreeMap<Status, From> = BTreeMap::new();
        for p in &self.changes {
            *by_to
                .entry(p.to)
                .or_default()
                .entry((p.now.is_none(), p.now))
                .or_default() += 1;
        }
        let from = |m: &From| {
            m.iter()
                .map(|((_, now), n)| match now {
                    Some(s) => format!("{n} {s}"),
                    None => format!("{n} not listed"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let only = by_to.values().next().filter(|_| by_to.len() == 1);
        let mut line = if self.changes.is_empty() {
            "nothing to change".to_owned()
        } else if let Some(m) = only {
            format!("{} ({})", self.what(), from(m))
        } else {
            let parts: Vec<String> = by_to
                .iter()
                .map(|(to, m)| {
                    let n: usize = m.values().sum();
                    format!("{n} to {to} ({})", from(m))
                })
                .collect();
            format!("{}: {}", self.what(), parts.join(", "))
        };
        if !verb.is_empty() && !self.changes.is_empty() {
            line = format!("{verb} {line}");
        }
        let mut already: BTreeMap<Status, usize> = BTreeMap::new();
        for p in &self.already {
            *already.entry(p.to).or_default() += 1;
        }
        for (status, n) in already {
            line.push_str(&format!("; {n} already {status}"));
        }
        line
    }

    /// The leads that would change as TSV: `id status set_to name company` (status
    /// `not_listed` for a lead the listing does not hold).
    pub fn write_tsv(&self, out: &mut impl Write) -> std::io::Result<()> {
        use crate::export::io_error;
        let mut w = crate::export::tsv_writer(&mut *out);
        w.write_record(["id", "status", "set_to", "name", "company"])
            .map_err(io_error)?;
        for p in &self.changes {
            let row = [
                p.id.to_string(),
                p.now.map_or("not_listed", Status::as_str).to_owned(),
                p.to.to_string(),
                p.name.as_deref().map(tsv_cell).unwrap_or_default(),
                p.company.as_deref().map(tsv_cell).unwrap_or_default(),
            ];
            w.write_record(&row).map_err(io_error)?;
        }
        w.flush()
    }
}

/// "set 52 leads to dismissed" when every status is the same, else "change 52 leads".
pub fn what(mut statuses: impl Iterator<Item = Status>, n: usize) -> String {
    let first = statuses.next();
    match first {
        Some(s) if statuses.all(|t| t == s) => format!("set {n} lead{} to {s}", plural(n)),
        _ => format!("change {n} lead{}", plural(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(n: u8, name: &str) -> Lead {
        Lead {
            id: Uuid::from_bytes([n; 16]),
            name: name.to_owned(),
            status: Status::New,
            signal_count: 1,
            top_score: None,
            signal_ids: Vec::new(),
            person: None,
            company: Some(crate::api::model::Company {
                name: Some("=Acme".to_owned()),
                ..Default::default()
            }),
        }
    }

    fn change(n: u8, status: Status) -> StatusChange {
        StatusChange {
            entity_id: Uuid::from_bytes([n; 16]),
            status,
        }
    }

    #[test]
    fn splits_by_what_each_lead_shows_now() {
        let leads = [lead(1, "Ada"), lead(2, "Bo"), lead(3, "Cy")];
        let shown = [Status::New, Status::Contacted, Status::Dismissed];
        let find = |id: &Uuid| {
            let k = leads.iter().position(|l| l.id == *id)?;
            Some((&leads[k], shown[k]))
        };
        let plan = Plan::new(
            &[
                change(1, Status::Contacted),
                change(2, Status::Dismissed),
                change(3, Status::Dismissed),
                change(9, Status::Dismissed),
                // The last change of a lead wins.
                change(1, Status::Dismissed),
            ],
            find,
        );
        assert_eq!(
            plan.summary("would"),
            "would set 3 leads to dismissed (1 new, 1 contacted, 1 not listed); 1 already dismissed"
        );
        assert_eq!(plan.what(), "set 3 leads to dismissed");
        let ids: Vec<Uuid> = plan.to_send().iter().map(|c| c.entity_id).collect();
        assert_eq!(
            ids,
            vec![leads[0].id, leads[1].id, Uuid::from_bytes([9; 16])]
        );
        let mut out = Vec::new();
        plan.write_tsv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id\tstatus\tset_to\tname\tcompany");
        assert_eq!(
            lines[1],
            format!("{}\tnew\tdismissed\tAda\t'=Acme", leads[0].id)
        );
        assert!(lines[3].contains("\tnot_listed\tdismissed\t\t"));

        let mixed = Plan::new(
            &[
                change(1, Status::Contacted),
                change(2, Status::New),
                change(3, Status::Dismissed),
            ],
            find,
        );
        assert_eq!(
            mixed.summary(""),
            "change 2 leads: 1 to new (1 contacted), 1 to contacted (1 new); 1 already dismissed"
        );
        let none = Plan::new(&[change(3, Status::Dismissed)], find);
        assert_eq!(
            none.summary("would"),
            "nothing to change; 1 already dismissed"
        );
        assert!(none.to_send().is_empty());
    }
}
