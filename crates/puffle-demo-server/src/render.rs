//! Turns dataset entries into the JSON shapes of the Puffle contract.
//!
//! Rendering happens per page (at most 100 rows), so building strings here is cheap compared with
//! storing them for every entity up front.

use serde_json::{Map, Value, json};

use super::data::{
    Company, CompanyName, Dataset, Enrichment, EntityRef, Person, SIGNAL_KINDS, SOURCES, Signal,
    Status,
};
use super::pools::{self, NameStyle};
use super::state::LiveState;

/// Romanised name parts of a person: `(given, family)`.
fn roman(p: &Person) -> (&'static str, &'static str) {
    let loc = &pools::LOCALES[usize::from(p.locale)];
    (
        loc.given[usize::from(p.given)].1,
        loc.family[usize::from(p.family)].1,
    )
}

pub(crate) fn person_name(p: &Person) -> String {
    if let Some(name) = p.hostile.as_ref().and_then(|h| h.name.as_ref()) {
        return name.clone();
    }
    let loc = &pools::LOCALES[usize::from(p.locale)];
    let given = loc.given[usize::from(p.given)].0;
    let family = loc.family[usize::from(p.family)].0;
    match loc.style {
        NameStyle::GivenFamily => format!("{given} {family}"),
        NameStyle::FamilyGivenSpaced => format!("{family} {given}"),
        NameStyle::FamilyGivenJoined => format!("{family}{given}"),
    }
}

/// The name to greet a person by: the given name (the whole name for a hostile one).
pub(crate) fn given_name(p: &Person) -> String {
    if let Some(name) = p.hostile.as_ref().and_then(|h| h.name.as_ref()) {
        return name.clone();
    }
    pools::LOCALES[usize::from(p.locale)].given[usize::from(p.given)]
        .0
        .to_owned()
}

/// The person's job title, as headlines show it.
pub(crate) fn job_title(p: &Person) -> &'static str {
    pools::TITLES[usize::from(p.title)]
}

/// The person's LinkedIn profile, or `None` when enrichment failed (as on lead rows).
pub(crate) fn linkedin_url(p: &Person) -> Option<String> {
    (p.enrichment == Enrichment::Full)
        .then(|| format!("https://www.linkedin.com/in/{}", person_slug(p)))
}

/// A LinkedIn messaging link to the person, when their profile is known.
pub(crate) fn messaging_url(p: &Person) -> Option<String> {
    (p.enrichment == Enrichment::Full).then(|| {
        format!(
            "https://www.linkedin.com/messaging/compose/?recipient={}",
            person_slug(p)
        )
    })
}

fn person_slug(p: &Person) -> String {
    let (given, family) = roman(p);
    if p.tag.is_multiple_of(3) {
        format!("{given}-{family}")
    } else {
        format!("{given}-{family}-{:x}", p.tag)
    }
}

pub(crate) fn company_name(c: &Company) -> String {
    if let Some(name) = c.hostile.as_ref().and_then(|h| h.name.as_ref()) {
        return name.clone();
    }
    match c.name {
        CompanyName::Composed {
            prefix,
            suffix,
            form,
        } => format!(
            "{}{}{}",
            pools::COMPANY_PREFIXES[usize::from(prefix)],
            pools::COMPANY_SUFFIXES[usize::from(suffix)],
            pools::COMPANY_FORMS[usize::from(form)]
        ),
        CompanyName::Special(i) => pools::SPECIAL_COMPANIES[usize::from(i)].0.to_owned(),
    }
}

fn company_slug(c: &Company) -> String {
    match c.name {
        CompanyName::Composed { prefix, suffix, .. } => format!(
            "{}{}",
            pools::COMPANY_PREFIXES[usize::from(prefix)].to_ascii_lowercase(),
            pools::COMPANY_SUFFIXES[usize::from(suffix)]
        ),
        CompanyName::Special(i) => pools::SPECIAL_COMPANIES[usize::from(i)].1.to_owned(),
    }
}

/// The company's domain, or `None` when enrichment failed.
pub(crate) fn company_domain(c: &Company) -> Option<String> {
    if c.enrichment != Enrichment::Full {
        return None;
    }
    let tld = match c.name {
        CompanyName::Composed { .. } => pools::TLDS[usize::from(c.tld)],
        CompanyName::Special(i) => pools::SPECIAL_COMPANIES[usize::from(i)].2,
    };
    Some(format!("{}{tld}", company_slug(c)))
}

fn company_industry(c: &Company) -> String {
    if let Some(industry) = c.hostile.as_ref().and_then(|h| h.industry.as_ref()) {
        return industry.clone();
    }
    pools::INDUSTRIES[usize::from(c.industry)].to_owned()
}

fn headline(ds: &Dataset, p: &Person) -> String {
    if let Some(h) = p.hostile.as_ref().and_then(|h| h.headline.as_ref()) {
        return h.clone();
    }
    let title = pools::TITLES[usize::from(p.title)];
    let pick = |list: &[&'static str]| list[usize::from(p.tag) % list.len()];
    let Some(company) = p.company.map(|c| &ds.companies[c as usize]) else {
        return match p.headline_style % 3 {
            0 => format!("Independent {title} | {}", pick(pools::TOPICS)),
            1 => format!("{title} (open to work)"),
            _ => format!("Consultant · {} advisor", pick(pools::TOPICS)),
        };
    };
    let company = company_name(company);
    match p.headline_style {
        4 => format!(
            "{title} at {company} · ex-{}",
            pick(pools::FORMER_EMPLOYERS)
        ),
        5 => format!("🚀 {title} at {company} — we're hiring"),
        6 => format!("{title} @ {company} | {}", pick(pools::TOPICS)),
        7 if pools::LOCALES[usize::from(p.locale)].japanese => {
            format!("{company} {}", pick(pools::JA_TITLES))
        }
        _ => format!("{title} at {company}"),
    }
}

fn email(ds: &Dataset, p: &Person) -> Option<String> {
    let (given, family) = roman(p);
    let family = family.replace('-', "");
    match p.company.map(|c| &ds.companies[c as usize]) {
        Some(c) => {
            let domain = company_domain(c)?;
            Some(if p.tag.is_multiple_of(2) {
                format!("{given}@{domain}")
            } else {
                format!("{given}.{family}@{domain}")
            })
        }
        None if p.tag.is_multiple_of(2) => Some(format!("{given}.{family}@gmail.com")),
        None => None,
    }
}

/// The `person` object of a lead row; missing enrichment gives nulls or omitted keys.
pub(crate) fn person_object(ds: &Dataset, p: &Person) -> Value {
    let mut obj = Map::new();
    obj.insert("name".into(), person_name(p).into());
    let slug = person_slug(p);
    match p.enrichment {
        Enrichment::Full => {
            obj.insert(
                "linkedinUrl".into(),
                format!("https://www.linkedin.com/in/{slug}").into(),
            );
            obj.insert("headline".into(), headline(ds, p).into());
            let avatar = p
                .has_avatar
                .then(|| format!("https://media.licdn.com/dms/image/v2/{slug}.jpg"));
            obj.insert("avatar".into(), avatar.into());
            obj.insert("email".into(), email(ds, p).into());
        }
        Enrichment::Nulls => {
            obj.insert("linkedinUrl".into(), Value::Null);
            obj.insert("headline".into(), headline(ds, p).into());
            obj.insert("avatar".into(), Value::Null);
            obj.insert("email".into(), Value::Null);
        }
        Enrichment::Omitted => {
            obj.insert("headline".into(), headline(ds, p).into());
        }
    }
    Value::Object(obj)
}

pub(crate) fn company_object(c: &Company) -> Value {
    let mut obj = Map::new();
    obj.insert("name".into(), company_name(c).into());
    match c.enrichment {
        Enrichment::Full => {
            obj.insert("domain".into(), company_domain(c).into());
            obj.insert(
                "linkedinUrl".into(),
                format!("https://www.linkedin.com/company/{}", company_slug(c)).into(),
            );
            obj.insert("industry".into(), company_industry(c).into());
        }
        Enrichment::Nulls => {
            obj.insert("domain".into(), Value::Null);
            obj.insert("linkedinUrl".into(), Value::Null);
            obj.insert("industry".into(), company_industry(c).into());
        }
        Enrichment::Omitted => {}
    }
    Value::Object(obj)
}

fn status_value(status: Option<Status>) -> Value {
    status.map_or(Value::Null, |s| s.as_str().into())
}

/// Renders one lead row (person or company).
pub(crate) fn lead_row(
    ds: &Dataset,
    live: &LiveState,
    entity: EntityRef,
    with_status: bool,
) -> Value {
    let mut row = Map::new();
    let mangle;
    match entity {
        EntityRef::Person(i) => {
            let p = &ds.persons[i as usize];
            mangle = p.hostile.as_ref().and_then(|h| h.mangle);
            let ids: Vec<Value> = ds
                .signals_of(p)
                .iter()
                .map(|s| s.id.to_string().into())
                .collect();
            row.insert("id".into(), p.id.to_string().into());
            row.insert("name".into(), person_name(p).into());
            row.insert("signalCount".into(), ids.len().into());
            row.insert("signalIds".into(), Value::Array(ids));
            row.insert("topScore".into(), p.top.into());
            row.insert("person".into(), person_object(ds, p));
            let company = p
                .company
                .map_or(Value::Null, |c| company_object(&ds.companies[c as usize]));
            row.insert("company".into(), company);
        }
        EntityRef::Company(i) => {
            let c = &ds.companies[i as usize];
            mangle = c.hostile.as_ref().and_then(|h| h.mangle);
            let persons = ds.persons_of(c);
            let ids: Vec<Value> = persons
                .iter()
                .flat_map(|&p| ds.signals_of(&ds.persons[p as usize]))
                .map(|s| s.id.to_string().into())
                .collect();
            row.insert("id".into(), c.id.to_string().into());
            row.insert("name".into(), company_name(c).into());
            row.insert("signalCount".into(), ids.len().into());
            row.insert("signalIds".into(), Value::Array(ids));
            row.insert("topScore".into(), c.top.into());
            let person = persons
                .first()
                .map_or(Value::Null, |&p| person_object(ds, &ds.persons[p as usize]));
            row.insert("person".into(), person);
            row.insert("company".into(), company_object(c));
        }
    }
    if with_status {
        row.insert("status".into(), status_value(live.status(entity)));
    }
    if let Some(m) = mangle {
        m.apply(&mut row);
    }
    Value::Object(row)
}

/// Renders one signal row, with the live entity statuses and the signal's outreach state
/// (`dmText`, `commentText`, `vote`, `comment`, `status`, each only once set).
pub(crate) fn signal_row(ds: &Dataset, live: &LiveState, index: u32) -> Value {
    let mut row = signal_fields(ds, live, index);
    if let (Value::Object(map), Some(o)) = (&mut row, live.outreach(index)) {
        o.render_into(map);
    }
    row
}

fn signal_fields(ds: &Dataset, live: &LiveState, index: u32) -> Value {
    let s = &ds.signals[index as usize];
    let p = &ds.persons[s.person as usize];
    let company = p.company.map(|c| (c, &ds.companies[c as usize]));
    let person_name = person_name(p);
    let company_name = company.map(|(_, c)| company_name(c));
    let (title, excerpt) = signal_text(s, p, &person_name, company_name.as_deref());
    json!({
        "id": s.id.to_string(),
        "signalTypeId": ds.signal_type_ids[usize::from(s.kind)].to_string(),
        "signalTypeLabel": SIGNAL_KINDS[usize::from(s.kind)],
        "sourceId": SOURCES[usize::from(s.source)],
        "score": s.score,
        "title": title,
        "excerpt": excerpt,
        "url": signal_url(s, p),
        "createdAt": iso8601(s.created),
        "entityId": company.map(|(_, c)| c.id.to_string()),
        "personEntityId": p.id.to_string(),
        "entityCompany": company_name,
        "entityPerson": person_name,
        "entityDomain": company.and_then(|(_, c)| company_domain(c)),
        "entityStatus": company.map_or(Value::Null, |(i, _)| status_value(live.status(EntityRef::Company(i)))),
        "personEntityStatus": status_value(live.status(EntityRef::Person(s.person))),
    })
}

pub(crate) fn signal_text(
    s: &Signal,
    p: &Person,
    person: &str,
    company: Option<&str>,
) -> (String, String) {
    let pick = |list: &[&'static str], shift: u32| list[((s.extra >> shift) as usize) % list.len()];
    let title = pools::TITLES[usize::from(p.title)];
    let company = company.unwrap_or("their company");
    match s.kind {
        0 => (
            format!("{company} is hiring a {}", pick(pools::ROLES, 0)),
            format!(
                "{company} posted {} open roles, including {} in {}.",
                1 + s.extra % 12,
                pick(pools::ROLES, 0),
                pick(pools::CITIES, 8)
            ),
        ),
        1 => (
            format!(
                "{company} raises ${}M Series {}",
                5 + (s.extra >> 16) % 95,
                pick(&["A", "B", "C"], 24)
            ),
            format!(
                "The round was led by {}. {person} says the money goes into go-to-market.",
                pick(pools::INVESTORS, 32)
            ),
        ),
        2 => (
            format!("{person} started a new position as {title}"),
            format!("{person} joined {company} as {title}."),
        ),
        3 => (
            format!(
                "{person} engaged with a post about {}",
                pick(pools::TOPICS, 0)
            ),
            format!(
                "\"Anyone using a tool for {}? Our current setup is painful.\"",
                pick(pools::TOPICS, 0)
            ),
        ),
        4 => (
            format!("{company} launched {}", pick(pools::PRODUCTS, 40)),
            format!("{company} announced {} today.", pick(pools::PRODUCTS, 40)),
        ),
        _ => (
            format!("{company} is evaluating {}", pick(pools::TOOLS, 48)),
            format!(
                "An engineer at {company} asked for experiences with {} at scale.",
                pick(pools::TOOLS, 48)
            ),
        ),
    }
}

pub(crate) fn signal_url(s: &Signal, p: &Person) -> String {
    let r = s.extra;
    match SOURCES[usize::from(s.source)] {
        "linkedin_posts" => format!(
            "https://www.linkedin.com/feed/update/urn:li:activity:{}",
            7_100_000_000_000_000_000u64 + r % 100_000_000_000_000_000
        ),
        "linkedin_jobs" => format!(
            "https://www.linkedin.com/jobs/view/{}",
            4_000_000_000u64 + r % 1_000_000_000
        ),
        "news" => format!("https://technews.example.com/articles/{}", r % 100_000_000),
        "reddit" => format!(
            "https://www.reddit.com/r/sales/comments/{}/",
            base36(r % 2_176_782_336)
        ),
        "hacker_news" => format!(
            "https://news.ycombinator.com/item?id={}",
            40_000_000 + r % 5_000_000
        ),
        _ => {
            let (given, family) = roman(p);
            format!(
                "https://x.com/{given}{}/status/{}",
                family.replace('-', ""),
                1_800_000_000_000_000_000u64 + r % 100_000_000_000_000_000
            )
        }
    }
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(crate) fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_793_491_200), "2026-11-01T00:00:00Z");
        assert_eq!(iso8601(1_699_335_116), "2023-11-07T05:31:56Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn base36_digits() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
