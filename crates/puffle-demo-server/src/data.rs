//! Seeded, deterministic dataset: persons, companies, signals and the precomputed sort orders.
//!
//! Everything is derived from [`Rng`] (splitmix64), so the same `seed` and `leads` always produce
//! the same data, ids included. To keep generation of 100,000 leads fast even in debug builds, the
//! dataset stores compact indices into the word lists in [`super::pools`]; display strings (names,
//! headlines, URLs, signal titles) are assembled only when a row is rendered, see
//! [`super::render`].

use std::ops::Range;

use uuid::Uuid;

use super::hostile::{self, HostileCompany, HostilePerson};
use super::order::{Ordering, find_by_id, sort_by_id, sorted_ids};
use super::pools;
use super::rng::Rng;

/// 2026-11-01T00:00:00Z. Signal timestamps lie in the 90 days before this fixed instant so that
/// the data does not depend on the wall clock.
pub(crate) const REFERENCE_UNIX: i64 = 1_793_491_200;
const NINETY_DAYS: u64 = 90 * 86_400;

/// Workflow status of an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    New,
    Contacted,
    Dismissed,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Contacted => "contacted",
            Status::Dismissed => "dismissed",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Status> {
        match s {
            "new" => Some(Status::New),
            "contacted" => Some(Status::Contacted),
            "dismissed" => Some(Status::Dismissed),
            _ => None,
        }
    }

    /// Seeded initial status: ~75% new, ~15% contacted, ~10% dismissed.
    fn draw(rng: &mut Rng) -> Status {
        match rng.weighted(&[75, 15, 10]) {
            0 => Status::New,
            1 => Status::Contacted,
            _ => Status::Dismissed,
        }
    }
}

/// How completely an entity was enriched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Enrichment {
    Full,
    /// Enrichment failed; the missing fields are sent as `null`.
    Nulls,
    /// Enrichment failed; the missing keys are left out entirely.
    Omitted,
}

impl Enrichment {
    /// ~90% full, ~5% nulls, ~5% omitted keys.
    fn draw(rng: &mut Rng) -> Enrichment {
        match rng.weighted(&[90, 5, 5]) {
            0 => Enrichment::Full,
            1 => Enrichment::Nulls,
            _ => Enrichment::Omitted,
        }
    }
}

pub(crate) struct Person {
    pub id: Uuid,
    pub locale: u8,
    pub given: u16,
    pub family: u16,
    /// Random tag that keeps LinkedIn slugs distinct.
    pub tag: u16,
    pub title: u8,
    pub headline_style: u8,
    pub company: Option<u32>,
    pub enrichment: Enrichment,
    pub has_avatar: bool,
    /// Range into [`Dataset::signals`]; a person's signals are stored contiguously.
    pub signals: Range<u32>,
    pub latest: i64,
    pub top: u8,
    pub hostile: Option<Box<HostilePerson>>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum CompanyName {
    Composed { prefix: u8, suffix: u8, form: u8 },
    Special(u8),
}

pub(crate) struct Company {
    pub id: Uuid,
    pub name: CompanyName,
    pub tld: u8,
    pub industry: u8,
    pub enrichment: Enrichment,
    /// Range into [`Dataset::company_persons`].
    pub persons: Range<u32>,
    pub count: u32,
    pub latest: i64,
    pub top: u8,
    pub hostile: Option<Box<HostileCompany>>,
}

/// Signal kinds; the index is also used for `signalTypeId`.
pub(crate) const SIGNAL_KINDS: &[&str] = &[
    "Hiring",
    "Funding",
    "Job change",
    "Post engagement",
    "Product launch",
    "Tech adoption",
];
/// Kinds that make sense for a person without a company.
const PERSONAL_KINDS: &[u8] = &[2, 3];
pub(crate) const SOURCES: &[&str] = &[
    "linkedin_posts",
    "linkedin_jobs",
    "news",
    "reddit",
    "hacker_news",
    "x_twitter",
];
/// Plausible sources (indices into [`SOURCES`]) per kind.
const KIND_SOURCES: &[&[u8]] = &[
    &[1, 2, 4],
    &[2, 5, 4],
    &[0, 5],
    &[0, 3, 5, 4],
    &[2, 4, 5, 3],
    &[3, 4, 1],
];

pub(crate) struct Signal {
    pub id: Uuid,
    pub person: u32,
    pub created: i64,
    pub score: u8,
    pub kind: u8,
    pub source: u8,
    /// Random bits for the templated parts (numbers in URLs, amounts, picks from word lists).
    pub extra: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EntityRef {
    Person(u32),
    Company(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GroupBy {
    Person,
    Company,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortBy {
    Recency,
    SignalCount,
    TopScore,
}

impl SortBy {
    fn slot(self) -> usize {
        match self {
            SortBy::Recency => 0,
            SortBy::SignalCount => 1,
            SortBy::TopScore => 2,
        }
    }
}

pub(crate) struct Dataset {
    pub persons: Vec<Person>,
    pub companies: Vec<Company>,
    /// Person indices grouped by company (see [`Company::persons`]).
    pub company_persons: Vec<u32>,
    pub signals: Vec<Signal>,
    pub person_status: Vec<Status>,
    pub company_status: Vec<Status>,
    /// Rows sorted by id, for lookups by binary search.
    persons_by_id: Vec<u32>,
    companies_by_id: Vec<u32>,
    signals_by_id: Vec<u32>,
    /// The ids of those rows, in the same order.
    person_ids: Vec<Uuid>,
    company_ids: Vec<Uuid>,
    signal_ids: Vec<Uuid>,
    /// `[recency, signalCount, topScore]` orderings for persons and companies.
    person_orders: [Ordering; 3],
    company_orders: [Ordering; 3],
    /// All signals, newest first.
    pub signal_order: Ordering,
    pub signal_type_ids: Vec<Uuid>,
}

impl Dataset {
    /// Generates `leads` persons with `leads / 3` companies (at least one when `leads > 0`).
    /// Long on purpose: every draw from the seeded generator happens here in one fixed order,
    /// which is what keeps a seed's data the same from release to release.
    pub(crate) fn generate(leads: usize, seed: u64, with_hostile: bool) -> Dataset {
        let mut rng = Rng::new(seed);
        let n_companies = if leads == 0 { 0 } else { (leads / 3).max(1) };

        let mut companies = Vec::with_capacity(n_companies);
        let mut company_status = Vec::with_capacity(n_companies);
        for _ in 0..n_companies {
            let id = rng.uuid();
            let name = if rng.chance(0.1) {
                CompanyName::Special(rng.index(pools::SPECIAL_COMPANIES.len()) as u8)
            } else {
                CompanyName::Composed {
                    prefix: rng.index(pools::COMPANY_PREFIXES.len()) as u8,
                    suffix: rng.index(pools::COMPANY_SUFFIXES.len()) as u8,
                    form: rng.index(pools::COMPANY_FORMS.len()) as u8,
                }
            };
            companies.push(Company {
                id,
                name,
                tld: rng.index(pools::TLDS.len()) as u8,
                industry: rng.index(pools::INDUSTRIES.len()) as u8,
                enrichment: Enrichment::draw(&mut rng),
                persons: 0..0,
                count: 0,
                latest: i64::MIN,
                top: 0,
                hostile: None,
            });
            company_status.push(Status::draw(&mut rng));
        }

        let locale_weights: Vec<u32> = pools::LOCALES.iter().map(|l| l.weight).collect();
        let mut persons = Vec::with_capacity(leads);
        let mut person_status = Vec::with_capacity(leads);
        let mut signals = Vec::with_capacity(leads * 3);
        for i in 0..leads {
            let id = rng.uuid();
            let locale = rng.weighted(&locale_weights);
            let loc = &pools::LOCALES[locale];
            // The first `n_companies` persons fill every company once so that no company is
            // empty; the rest pick freely, 12% of them with no company (~8% overall).
            let company = if i < n_companies {
                Some(i as u32)
            } else if rng.chance(0.12) {
                None
            } else {
                Some(rng.index(n_companies) as u32)
            };
            let first_signal = signals.len() as u32;
            let n_signals = 1 + rng.weighted(&[35, 25, 17, 12, 7, 4]);
            let (mut latest, mut top) = (i64::MIN, 0u8);
            for _ in 0..n_signals {
                let kind = if company.is_some() {
                    rng.index(SIGNAL_KINDS.len()) as u8
                } else {
                    PERSONAL_KINDS[rng.index(PERSONAL_KINDS.len())]
                };
                let sources = KIND_SOURCES[kind as usize];
                let signal = Signal {
                    id: rng.uuid(),
                    person: i as u32,
                    created: REFERENCE_UNIX - 1 - rng.below(NINETY_DAYS) as i64,
                    score: if rng.chance(0.4) { 3 } else { 2 },
                    kind,
                    source: sources[rng.index(sources.len())],
                    extra: rng.next_u64(),
                };
                latest = latest.max(signal.created);
                top = top.max(signal.score);
                signals.push(signal);
            }
            persons.push(Person {
                id,
                locale: locale as u8,
                given: rng.index(loc.given.len()) as u16,
                family: rng.index(loc.family.len()) as u16,
                tag: rng.below(1 << 16) as u16,
                title: rng.index(pools::TITLES.len()) as u8,
                headline_style: rng.below(8) as u8,
                company,
                enrichment: Enrichment::draw(&mut rng),
                has_avatar: rng.chance(0.85),
                signals: first_signal..signals.len() as u32,
                latest,
                top,
                hostile: None,
            });
            person_status.push(Status::draw(&mut rng));
        }

        let company_persons = group_by_company(&mut companies, &persons);
        if with_hostile {
            hostile::overlay(seed, &mut persons, &mut companies);
        }

        let persons_by_id = sort_by_id(persons.len(), |i| persons[i].id);
        let companies_by_id = sort_by_id(companies.len(), |i| companies[i].id);
        let signals_by_id = sort_by_id(signals.len(), |i| signals[i].id);
        let person_ids = sorted_ids(&persons_by_id, |r| persons[r as usize].id);
        let company_ids = sorted_ids(&companies_by_id, |r| companies[r as usize].id);
        let signal_ids = sorted_ids(&signals_by_id, |r| signals[r as usize].id);
        // Timestamps as sort keys (all after 1970; an empty company's i64::MIN sorts last).
        let ts_key = |t: i64| t.max(0) as u64;
        let person_orders = [
            Ordering::by_key_desc(&persons_by_id, |i| ts_key(persons[i].latest)),
            Ordering::by_key_desc(&persons_by_id, |i| persons[i].signals.len() as u64),
            Ordering::by_key_desc(&persons_by_id, |i| u64::from(persons[i].top)),
        ];
        let company_orders = [
            Ordering::by_key_desc(&companies_by_id, |i| ts_key(companies[i].latest)),
            Ordering::by_key_desc(&companies_by_id, |i| u64::from(companies[i].count)),
            Ordering::by_key_desc(&companies_by_id, |i| u64::from(companies[i].top)),
        ];
        let signal_order = Ordering::by_key_desc(&signals_by_id, |i| ts_key(signals[i].created));
        let mut type_rng = Rng::new(0x5167_4E41_4C54_5950);
        let signal_type_ids = SIGNAL_KINDS.iter().map(|_| type_rng.uuid()).collect();

        Dataset {
            persons,
            companies,
            company_persons,
            signals,
            person_status,
            company_status,
            persons_by_id,
            companies_by_id,
            signals_by_id,
            person_ids,
            company_ids,
            signal_ids,
            person_orders,
            company_orders,
            signal_order,
            signal_type_ids,
        }
    }

    /// The person or company with this id.
    pub(crate) fn entity(&self, id: &Uuid) -> Option<EntityRef> {
        find_by_id(&self.persons_by_id, &self.person_ids, id)
            .map(EntityRef::Person)
            .or_else(|| {
                find_by_id(&self.companies_by_id, &self.company_ids, id).map(EntityRef::Company)
            })
    }

    /// Parses and looks up an entity id; malformed ids are simply unknown.
    pub(crate) fn entity_str(&self, id: &str) -> Option<EntityRef> {
        Uuid::parse_str(id).ok().and_then(|u| self.entity(&u))
    }

    /// Parses and looks up a signal id; malformed ids are simply unknown.
    pub(crate) fn signal_str(&self, id: &str) -> Option<u32> {
        let id = Uuid::parse_str(id).ok()?;
        find_by_id(&self.signals_by_id, &self.signal_ids, &id)
    }

    pub(crate) fn order(&self, group: GroupBy, sort: SortBy) -> &Ordering {
        match group {
            GroupBy::Person => &self.person_orders[sort.slot()],
            GroupBy::Company => &self.company_orders[sort.slot()],
        }
    }

    /// Persons of a company, in generation order (the first one is shown on company rows).
    pub(crate) fn persons_of(&self, company: &Company) -> &[u32] {
        &self.company_persons[company.persons.start as usize..company.persons.end as usize]
    }

    pub(crate) fn signals_of(&self, person: &Person) -> &[Signal] {
        &self.signals[person.signals.start as usize..person.signals.end as usize]
    }
}

/// Counting sort of persons by company; fills each company's person range and aggregates.
fn group_by_company(companies: &mut [Company], persons: &[Person]) -> Vec<u32> {
    let mut counts = vec![0u32; companies.len() + 1];
    for p in persons {
        if let Some(c) = p.company {
            counts[c as usize + 1] += 1;
        }
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    let mut next = counts.clone();
    let mut flat = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
    for (i, p) in persons.iter().enumerate() {
        if let Some(c) = p.company {
            let slot = &mut next[c as usize];
            flat[*slot as usize] = i as u32;
            *slot += 1;
            let company = &mut companies[c as usize];
            company.count += p.signals.len() as u32;
            company.latest = company.latest.max(p.latest);
            company.top = company.top.max(p.top);
        }
    }
    for (i, company) in companies.iter_mut().enumerate() {
        company.persons = counts[i]..counts[i + 1];
    }
    flat
}
