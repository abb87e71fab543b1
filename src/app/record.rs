//! Compact in-memory leads for the TUI (100,000 leads must stay well under 80 MB).
//!
//! A record keeps one string, `text`, that holds the searchable fields joined by U+001F
//! (name, headline, email, company, domain): it is both where the fields are read from and
//! the haystack of the fuzzy filter, so nothing is stored twice. Companies are interned:
//! the people of one company share one `Arc<CompanyRecord>`. The avatar is not kept (the
//! terminal does not show it).

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::api::model::{Company, Person};
use crate::api::{Lead, Status};

/// Separator of the fields inside `LeadRecord::text` (never present in sanitized text).
const SEP: char = '\u{1f}';

/// A company, shared by its people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CompanyRecord {
    pub name: Option<Box<str>>,
    pub domain: Option<Box<str>>,
    pub linkedin_url: Option<Box<str>>,
    pub industry: Option<Box<str>>,
}

/// One lead as the TUI holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct LeadRecord {
    pub id: Uuid,
    /// The confirmed status (the server's), not the one shown while a change is queued.
    pub status: Status,
    pub signal_count: u32,
    /// `NaN` when unknown.
    top_score: f32,
    /// `name␟headline␟email␟company␟domain`.
    text: Box<str>,
    /// End offsets of the first four fields in `text`.
    ends: [u32; 4],
    pub linkedin_url: Option<Box<str>>,
    pub company: Option<Arc<CompanyRecord>>,
    pub signal_ids: Box<[Uuid]>,
    /// The person's own name when it differs from the row's name (company rows).
    person_name: Option<Box<str>>,
}

fn boxed(s: &Option<String>) -> Option<Box<str>> {
    s.as_deref().map(Box::from)
}

/// Fold text for matching: Latin accents removed (nucleo's normalisation table) and lower
/// case. The filter folds its query the same way, so `jose` finds "José" and `ÉLODIE` finds
/// "Élodie".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.extend(nucleo_matcher::chars::normalize(c).to_lowercase());
    }
    out
}

/// Shares identical companies between records.
#[derive(Debug, Default)]
pub struct Interner {
    companies: HashMap<Arc<CompanyRecord>, ()>,
}

impl Interner {
    fn company(&mut self, c: &Company) -> Arc<CompanyRecord> {
        let rec = CompanyRecord {
            name: boxed(&c.name),
            domain: boxed(&c.domain),
            linkedin_url: boxed(&c.linkedin_url),
            industry: boxed(&c.industry),
        };
        if let Some((k, _)) = self.companies.get_key_value(&rec) {
            return Arc::clone(k);
        }
        let arc = Arc::new(rec);
        self.companies.insert(Arc::clone(&arc), ());
        arc
    }
}

impl LeadRecord {
    /// Build a record from a parsed lead.
    pub fn from_lead(lead: Lead, interner: &mut Interner) -> LeadRecord {
        let person = lead.person.unwrap_or_default();
        let company = lead.company.as_ref().map(|c| interner.company(c));
        let mut text = String::with_capacity(128);
        let mut ends = [0u32; 4];
        let fields = [
            Some(lead.name.as_str()),
            person.headline.as_deref(),
            person.email.as_deref(),
            company.as_ref().and_then(|c| c.name.as_deref()),
        ];
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                text.push(SEP);
            }
            text.push_str(f.unwrap_or(""));
            ends[k] = text.len() as u32;
        }
        text.push(SEP);
        text.push_str(
            company
                .as_ref()
                .and_then(|c| c.domain.as_deref())
                .unwrap_or(""),
        );
        let person_name = person
            .name
            .filter(|n| *n != lead.name)
            .map(String::into_boxed_str);
        LeadRecord {
            id: lead.id,
            status: lead.status,
            signal_count: lead.signal_count,
            top_score: lead.top_score.map_or(f32::NAN, |s| s as f32),
            text: text.into_boxed_str(),
            ends,
            linkedin_url: person.linkedin_url.map(String::into_boxed_str),
            company,
            signal_ids: lead.signal_ids.into_boxed_slice(),
            person_name,
        }
    }

    /// Back to the wire model (for the cache and exports).
    pub fn to_lead(&self) -> Lead {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        let person = Person {
            name: Some(
                self.person_name
                    .as_deref()
                    .unwrap_or(self.name())
                    .to_owned(),
            ),
            linkedin_url: self.linkedin_url.as_deref().map(str::to_owned),
            headline: self.headline().and_then(opt),
            avatar: None,
            email: self.email().and_then(opt),
        };
        let has_person = person.linkedin_url.is_some()
            || person.headline.is_some()
            || person.email.is_some()
            || self.person_name.is_some();
        Lead {
            id: self.id,
            name: self.name().to_owned(),
            status: self.status,
            signal_count: self.signal_count,
            top_score: self.top_score(),
            signal_ids: self.signal_ids.to_vec(),
            person: has_person.then_some(person),
            company: self.company.as_ref().map(|c| Company {
                name: c.name.as_deref().map(str::to_owned),
                domain: c.domain.as_deref().map(str::to_owned),
                linkedin_url: c.linkedin_url.as_deref().map(str::to_owned),
                industry: c.industry.as_deref().map(str::to_owned),
            }),
        }
    }

    fn field(&self, k: usize) -> &str {
        let start = if k == 0 {
            0
        } else {
            self.ends[k - 1] as usize + SEP.len_utf8()
        };
        let end = self.ends[k] as usize;
        self.text.get(start..end).unwrap_or("")
    }

    fn non_empty(&self, k: usize) -> Option<&str> {
        Some(self.field(k)).filter(|s| !s.is_empty())
    }

    pub fn name(&self) -> &str {
        self.field(0)
    }

    pub fn headline(&self) -> Option<&str> {
        self.non_empty(1)
    }

    pub fn email(&self) -> Option<&str> {
        self.non_empty(2)
    }

    pub fn company_name(&self) -> Option<&str> {
        self.non_empty(3)
    }

    pub fn domain(&self) -> Option<&str> {
        self.company.as_ref().and_then(|c| c.domain.as_deref())
    }

    pub fn industry(&self) -> Option<&str> {
        self.company.as_ref().and_then(|c| c.industry.as_deref())
    }

    pub fn top_score(&self) -> Option<f64> {
        (!self.top_score.is_nan()).then_some(f64::from(self.top_score))
    }

    /// The text the filter searches: name, headline, email, company and domain.
    pub fn haystack(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_documented_example_and_shares_companies() {
        let page =
            crate::api::parse::leads_page(include_bytes!("../../tests/fixtures/leads-page.json"))
                .unwrap();
        let mut interner = Interner::default();
        let recs: Vec<LeadRecord> = page
            .leads
            .iter()
            .cloned()
            .map(|l| LeadRecord::from_lead(l, &mut interner))
            .collect();
        let zoe = &recs[0];
        assert_eq!(zoe.name(), "Zoë Brennan-Okafor");
        assert_eq!(zoe.company_name(), Some("Lumenlake"));
        assert_eq!(zoe.email(), Some("zoe@lumenlake.io"));
        assert_eq!(zoe.domain(), Some("lumenlake.io"));
        assert!(zoe.haystack().contains("VP Engineering"));
        assert_eq!(recs[1].company_name(), None);
        assert_eq!(recs[1].email(), None);
        for (rec, lead) in recs.iter().zip(&page.leads) {
            let back = rec.to_lead();
            assert_eq!(back.id, lead.id);
            assert_eq!(back.name, lead.name);
            assert_eq!(back.headline(), lead.headline());
            assert_eq!(back.email(), lead.email());
            assert_eq!(back.company, lead.company);
            assert_eq!(back.signal_ids, lead.signal_ids);
        }
        let mut twin = page.leads[0].clone();
        twin.id = Uuid::from_u128(9);
        let twin = LeadRecord::from_lead(twin, &mut interner);
        assert!(Arc::ptr_eq(
            twin.company.as_ref().unwrap(),
            recs[0].company.as_ref().unwrap()
        ));
    }
}
