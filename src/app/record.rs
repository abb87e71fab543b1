//! Compact in-memory leads for the TUI (100,000 leads must stay well under 80 MB).
//!
//! A record keeps all its text in one allocation, `text`: the searchable fields first (name,
//! headline, email, company, domain; this prefix is also the fuzzy filter's haystack), then
//! the person's LinkedIn URL and the person's own name when it differs from the row's name.
//! Fields are separated by U+001F, which sanitized text never contains. Companies are
//! interned: the people of one company share one `Arc<CompanyRecord>`. Signal ids and the
//! avatar are not kept: the detail pane asks the server for a lead's signals when it opens.

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::api::model::{Company, Person};
use crate::api::{Lead, Status};

/// Separator of the fields inside `LeadRecord::text` and the filter's haystack.
pub const FIELD_SEP: char = '\u{1f}';
const SEP: char = FIELD_SEP;

/// Fields of `LeadRecord::text`, in order.
const NAME: usize = 0;
const HEADLINE: usize = 1;
const EMAIL: usize = 2;
const COMPANY: usize = 3;
const DOMAIN: usize = 4;
const LINKEDIN: usize = 5;
const PERSON_NAME: usize = 6;
const FIELDS: usize = 7;
/// The searchable fields are the first five.
const SEARCHABLE: usize = DOMAIN + 1;

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
    /// All the text fields, separated by U+001F (see the module docs).
    text: Box<str>,
    /// End offset of each field in `text`.
    ends: [u16; FIELDS],
    pub company: Option<Arc<CompanyRecord>>,
}

fn boxed(s: &Option<String>) -> Option<Box<str>> {
    s.as_deref().map(Box::from)
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

/// Fold text for matching: Latin accents removed (nucleo's normalisation table), lower case,
/// and the invisible joiners and variation selectors left out (they are kept in the text a
/// rep sees, but nobody types them). The filter folds its query the same way, so `jose` finds
/// "José", `ÉLODIE` finds "Élodie" and `نیکپور` finds "نیک‌پور".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appending to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    // Most text is ASCII: folding it is only lower-casing (the table and the skipped
    // characters are all outside ASCII), so runs of it are copied and lower-cased in bulk
    // and only the other characters are looked up one by one.
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(n);
        let start = out.len();
        out.push_str(ascii);
        if let Some(folded) = out.get_mut(start..) {
            folded.make_ascii_lowercase();
        }
        let Some(c) = tail.chars().next() else {
            return;
        };
        let (one, after) = tail.split_at(c.len_utf8());
        fold_chars_into(one, out);
        rest = after;
    }
}

/// [`fold_into`] one character at a time (any text).
fn fold_chars_into(s: &str, out: &mut String) {
    for c in s.chars() {
        if matches!(c, '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
        {
            continue;
        }
        // Lower case first: the table does not know every capital (`Ě`).
        for l in c.to_lowercase() {
            out.extend(nucleo_matcher::chars::normalize(l).to_lowercase());
        }
    }
}

impl LeadRecord {
    /// Build a record from a parsed lead.
    pub fn from_lead(lead: Lead, interner: &mut Interner) -> LeadRecord {
        let person = lead.person.unwrap_or_default();
        let company = lead.company.as_ref().map(|c| interner.company(c));
        let person_name = person.name.as_deref().filter(|n| *n != lead.name);
        let fields: [Option<&str>; FIELDS] = [
            Some(lead.name.as_str()),
            person.headline.as_deref(),
            person.email.as_deref(),
            company.as_ref().and_then(|c| c.name.as_deref()),
            company.as_ref().and_then(|c| c.domain.as_deref()),
            person.linkedin_url.as_deref(),
            person_name,
        ];
        let mut text = String::with_capacity(160);
        let mut ends = [0u16; FIELDS];
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                text.push(SEP);
            }
            // Fields are capped when parsed (300 characters), so offsets fit in u16.
            let room = usize::from(u16::MAX).saturating_sub(text.len() + FIELDS);
            let f = f.unwrap_or("");
            let f = if f.len() <= room { f } else { "" };
            text.push_str(f);
            ends[k] = text.len() as u16;
        }
        LeadRecord {
            id: lead.id,
            status: lead.status,
            signal_count: lead.signal_count,
            top_score: lead.top_score.map_or(f32::NAN, |s| s as f32),
            text: text.into_boxed_str(),
            ends,
            company,
        }
    }

    /// Back to the wire model (for the cache and exports). Signal ids are not kept.
    pub fn to_lead(&self) -> Lead {
        let opt = |s: Option<&str>| s.map(str::to_owned);
        let person = Person {
            name: Some(
                self.non_empty(PERSON_NAME)
                    .unwrap_or(self.name())
                    .to_owned(),
            ),
            linkedin_url: opt(self.linkedin_url()),
            headline: opt(self.headline()),
            avatar: None,
            email: opt(self.email()),
        };
        let has_person = person.linkedin_url.is_some()
            || person.headline.is_some()
            || person.email.is_some()
            || self.non_empty(PERSON_NAME).is_some();
        Lead {
            id: self.id,
            name: self.name().to_owned(),
            status: self.status,
            signal_count: self.signal_count,
            top_score: self.top_score(),
            signal_ids: Vec::new(),
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
            usize::from(self.ends[k - 1]) + SEP.len_utf8()
        };
        let end = usize::from(self.ends[k]);
        self.text.get(start..end).unwrap_or("")
    }

    fn non_empty(&self, k: usize) -> Option<&str> {
        Some(self.field(k)).filter(|s| !s.is_empty())
    }

    pub fn name(&self) -> &str {
        self.field(NAME)
    }

    pub fn headline(&self) -> Option<&str> {
        self.non_empty(HEADLINE)
    }

    pub fn email(&self) -> Option<&str> {
        self.non_empty(EMAIL)
    }

    pub fn company_name(&self) -> Option<&str> {
        self.non_empty(COMPANY)
    }

    pub fn domain(&self) -> Option<&str> {
        self.non_empty(DOMAIN)
    }

    pub fn linkedin_url(&self) -> Option<&str> {
        self.non_empty(LINKEDIN)
    }

    pub fn industry(&self) -> Option<&str> {
        self.company.as_ref().and_then(|c| c.industry.as_deref())
    }

    pub fn top_score(&self) -> Option<f64> {
        (!self.top_score.is_nan()).then_some(f64::from(self.top_score))
    }

    /// The text the filter searches: name, headline, email, company and domain (the search
    /// text adds the company's industry, see `Dataset::match_key`).
    pub fn haystack(&self) -> &str {
        let end = usize::from(self.ends[SEARCHABLE - 1]);
        self.text.get(..end).unwrap_or("")
    }

    /// Same text and company as `other` (only the status or the numbers may differ).
    pub fn same_text(&self, other: &LeadRecord) -> bool {
        self.text == other.text && self.company == other.company
    }

    /// Take the status and numbers of a newer copy of the same lead.
    pub fn update_from(&mut self, newer: &LeadRecord) {
        self.status = newer.status;
        self.signal_count = newer.signal_count;
        self.top_score = newer.top_score;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_documented_example_and_shares_companies() {
        let page = crate::api::parse::leads_page(include_bytes!(
            "../../crates/puffle-api/tests/fixtures/leads-page.json"
        ))
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
        assert_eq!(
            zoe.linkedin_url(),
            Some("https://www.linkedin.com/in/zoe-brennan-okafor")
        );
        assert!(zoe.haystack().contains("VP Engineering"));
        assert!(
            !zoe.haystack().contains("linkedin"),
            "URLs are not searched"
        );
        assert_eq!(recs[1].company_name(), None);
        assert_eq!(recs[1].email(), None);
        for (rec, lead) in recs.iter().zip(&page.leads) {
            let back = rec.to_lead();
            assert_eq!(back.id, lead.id);
            assert_eq!(back.name, lead.name);
            assert_eq!(back.headline(), lead.headline());
            assert_eq!(back.email(), lead.email());
            assert_eq!(back.company, lead.company);
            assert_eq!(
                back.person.as_ref().and_then(|p| p.linkedin_url.clone()),
                lead.person.as_ref().and_then(|p| p.linkedin_url.clone())
            );
        }
        let mut twin = page.leads[0].clone();
        twin.id = Uuid::from_u128(9);
        let twin = LeadRecord::from_lead(twin, &mut interner);
        assert!(Arc::ptr_eq(
            twin.company.as_ref().unwrap(),
            recs[0].company.as_ref().unwrap()
        ));
        assert!(twin.same_text(&recs[0]));
    }

    #[test]
    fn folding_ascii_in_bulk_folds_like_one_char_at_a_time() {
        let ascii: String = (0u8..128).map(char::from).collect();
        let mut slow = String::new();
        fold_chars_into(&ascii, &mut slow);
        assert_eq!(fold(&ascii), slow);
        assert_eq!(fold("Ada LOVELACE <ada@x.io>"), "ada lovelace <ada@x.io>");
        let mixed = "Zoë ÉLODIE Dvořák\u{200D}NAÏVE Ěmil 渡辺 O'BRIEN";
        let mut slow = String::new();
        fold_chars_into(mixed, &mut slow);
        assert_eq!(fold(mixed), slow);
    }

    #[test]
    fn folding_removes_accents_and_case() {
        assert_eq!(fold("Zoë ÉLODIE Dvořák"), "zoe elodie dvorak");
        assert_eq!(fold("渡辺"), "渡辺");
    }
}
