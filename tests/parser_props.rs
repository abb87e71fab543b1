#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic on a broken set-up
//! Property tests for every parser that reads untrusted input: API bodies (`api::parse`), text
//! sanitizing (`text`), headless `--items` and ids (`headless`), keymap files (`keymap`),
//! `Retry-After` (`api::error`) and lead cache chunks (`store`).
//!
//! Two kinds of generators are used:
//! * arbitrary bytes / strings: nothing may panic, and every string a parser returns for
//!   display is terminal-safe (`text::is_terminal_safe`) and bounded;
//! * structured ones that build inputs close to valid (valid rows mixed with rows that have
//!   wrong types, nulls, missing fields, hostile strings, nested junk, numbers as strings…)
//!   together with the result the parser must give, so the lenient paths are checked, not
//!   just run.
//!
//! Case counts are moderate so the file runs in a few seconds in a debug build; the fuzz
//! targets in `fuzz/` check the same invariants for as long as one likes. Failing cases are
//! not persisted (no `.proptest-regressions` file): the bugs they found are pinned as plain
//! tests at the end, named `bug_…`, and fixed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::KeyEvent;
use lead_triage::api::boundary as parse;
use lead_triage::api::error::parse_retry_after;
use lead_triage::api::model::{Company, ItemError, LeadsPage, Person, Signal};
use lead_triage::api::parse::ParseError;
use lead_triage::api::{Lead, Status};
use lead_triage::app::action::Action;
use lead_triage::headless::{InputError, parse_ids, parse_items};
use lead_triage::keymap::{Keymap, Resolved, action_name, parse_chord};
use lead_triage::store::parse_cache_chunk;
use lead_triage::text::{
    MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, MAX_TEXT_CHARS, clean, is_terminal_safe, sanitize_line,
};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use unicode_segmentation::UnicodeSegmentation;
use uuid::Uuid;

/// Cases per property: enough to hit every generator branch many times, fast in debug builds.
const CASES: u32 = 256;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

type Check = Result<(), TestCaseError>;

/// The first characters of `s`, for failure messages about long strings.
fn preview(s: &str) -> String {
    let head: String = s.chars().take(120).collect();
    if head.len() < s.len() {
        format!("{head:?}… ({} chars)", s.chars().count())
    } else {
        format!("{head:?}")
    }
}

/// `s` is terminal-safe and at most `max` characters long.
fn check_text(what: &str, s: &str, max: usize) -> Check {
    prop_assert!(
        is_terminal_safe(s),
        "{what} is not terminal-safe: {}",
        preview(s)
    );
    let n = s.chars().count();
    prop_assert!(
        n <= max,
        "{what} has {n} chars, more than {max}: {}",
        preview(s)
    );
    Ok(())
}

fn check_opt(what: &str, s: &Option<String>, max: usize) -> Check {
    match s {
        Some(s) => {
            prop_assert!(
                !s.trim().is_empty(),
                "{what} is Some but blank: {s:?} (blank must be None)"
            );
            check_text(what, s, max)
        }
        None => Ok(()),
    }
}

// ── Generators: text ─────────────────────────────────────────────────────────────────────────

/// Escape sequences, controls and invisible characters a hostile server could send.
const HOSTILE: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}[31;1m",
    "\u{1b}[?1049h",
    "\u{1b}]0;PWNED\u{7}",
    "\u{1b}]52;c;SGVsbG8=\u{7}",
    "\u{1b}]8;;https://evil.example\u{1b}\\",
    "\u{1b}P1$r\u{1b}\\",
    "\u{1b}c",
    "\u{1b}(B",
    "\u{1b}",
    "\u{1b}]never ends",
    "\u{1b}[",
    "\u{9b}31m",
    "\u{9d}0;t\u{9c}",
    "\u{90}q\u{9c}",
    "\u{85}",
    "\u{0}",
    "\u{7}",
    "\u{8}",
    "\u{7f}",
    "\t",
    "\n",
    "\r\n",
    "\u{2028}",
    "\u{202e}",
    "\u{202a}",
    "\u{2066}",
    "\u{2069}",
    "\u{200b}",
    "\u{200d}",
    "\u{2060}",
    "\u{feff}",
    "\u{61c}",
    "\u{fff9}",
    "\u{e0041}\u{e0042}",
    "\u{e007f}",
    "\"",
    "\\",
];

/// Real text that must survive.
const TEXT: &[&str] = &[
    "Zoë Brennan-Okafor",
    "渡辺 さくら",
    "ليلى حداد",
    "🚀 Co-founder",
    "Brněnská Data s.r.o.",
    " ",
    "a",
    "x@y.io",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(HOSTILE).prop_map(str::to_owned),
        3 => select(TEXT).prop_map(str::to_owned),
        2 => "[ -~]{0,12}",
        2 => any::<char>().prop_map(String::from),
        1 => (any::<char>(), 1..1500usize).prop_map(|(c, n)| c.to_string().repeat(n)),
        1 => (select(HOSTILE), 1..200usize).prop_map(|(h, n)| h.repeat(n)),
    ]
}

/// A string mixing real text, escape sequences, controls, bidi and invisible characters,
/// sometimes thousands of characters long.
fn hostile() -> impl Strategy<Value = String> {
    vec(piece(), 0..6).prop_map(|p| p.concat())
}

/// Any text: arbitrary Unicode, hostile mixes, short ASCII.
fn any_text() -> BoxedStrategy<String> {
    prop_oneof![any::<String>(), hostile(), "[ -~]{0,40}"].boxed()
}

// ── Generators: JSON ─────────────────────────────────────────────────────────────────────────

/// Any JSON value, nested a little, with hostile strings.
fn junk() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from), // NaN and infinities become null
        hostile().prop_map(Value::String),
    ];
    let nested = leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(("[a-zA-Z_]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    });
    prop_oneof![
        8 => nested,
        // Deep nesting, within serde_json's recursion limit once embedded in a page.
        1 => (1..60usize).prop_map(|depth| {
            (0..depth).fold(json!("bottom"), |v, i| {
                if i % 2 == 0 { json!([v]) } else { json!({ "n": v }) }
            })
        }),
    ]
    .boxed()
}

fn junk_where(what: &'static str, keep: fn(&Value) -> bool) -> BoxedStrategy<Value> {
    junk().prop_filter(what, keep).boxed()
}

fn not_string() -> BoxedStrategy<Value> {
    junk_where("not a string", |v| !v.is_string())
}

fn not_object() -> BoxedStrategy<Value> {
    junk_where("not an object", |v| !v.is_object())
}

/// Null, a bool, an array or an object: not a number, not a string.
fn not_scalar() -> BoxedStrategy<Value> {
    junk_where("not a number or string", |v| {
        !v.is_number() && !v.is_string()
    })
}

/// Unknown fields, which every parser must ignore.
fn extra_fields() -> impl Strategy<Value = Map<String, Value>> {
    vec(("x_[a-z]{1,6}", junk()), 0..3).prop_map(|kv| kv.into_iter().collect())
}

/// A field that may be left out: `None` omits the key.
type Field = Option<Value>;

fn put(obj: &mut Map<String, Value>, key: &str, field: &Field) {
    if let Some(v) = field {
        obj.insert(key.to_string(), v.clone());
    }
}

/// What `opt_str` must make of a field: the cleaned string, `None` when blank or not a string.
/// A text field as the app keeps it: a blank string is absent (the client's rule), then the
/// app's boundary cleans and trims it, and what cleans to nothing is absent too.
fn expect_str(field: &Field) -> Option<String> {
    match field {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            let c = clean(s);
            let t = c.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        _ => None,
    }
}

/// [`expect_str`] for a signal's longer texts, kept up to `MAX_TEXT_CHARS`.
fn expect_text(field: &Field) -> Option<String> {
    match field {
        Some(Value::String(s)) => {
            let c = sanitize_line(s, MAX_TEXT_CHARS);
            let t = c.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        _ => None,
    }
}

/// What the app keeps of a draft: each line cleaned, line breaks kept, trimmed as a whole.
fn expect_draft(field: &Field) -> Option<String> {
    match field {
        Some(Value::String(s)) => {
            let c = lead_triage::text::sanitize_text(s, MAX_TEXT_CHARS);
            let t = c.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        _ => None,
    }
}

/// Of two fields the client reads in turn, the one it picks: the first that is a string with
/// something besides whitespace. (What the app's cleaning leaves of it comes after.)
fn first_present<'a>(a: &'a Field, b: &'a Field) -> &'a Field {
    match a {
        Some(Value::String(s)) if !s.trim().is_empty() => a,
        _ => b,
    }
}

/// A text field: usually a (hostile) string, sometimes the wrong type or absent.
fn text_field() -> BoxedStrategy<Field> {
    prop_oneof![
        5 => hostile().prop_map(|s| Some(Value::String(s))),
        1 => not_string().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

/// A UUID written in any form `Uuid::parse_str` accepts.
fn uuid_text() -> BoxedStrategy<(Uuid, String)> {
    (any::<u128>(), 0..5u8)
        .prop_map(|(n, form)| {
            let u = Uuid::from_u128(n);
            let s = match form {
                0 => u.hyphenated().to_string(),
                1 => u.hyphenated().to_string().to_uppercase(),
                2 => u.simple().to_string(),
                3 => u.braced().to_string(),
                _ => u.urn().to_string(),
            };
            (u, s)
        })
        .boxed()
}

/// A string that is not a UUID, even after trimming: near misses and hostile text.
fn not_uuid() -> BoxedStrategy<String> {
    prop_oneof![
        hostile(),
        uuid_text().prop_map(|(_, s)| s[..s.len() - 1].to_string()),
        uuid_text().prop_map(|(_, s)| format!("{s}0")),
        uuid_text().prop_map(|(_, s)| s.replacen(|c: char| c.is_ascii_hexdigit(), "g", 1)),
        uuid_text().prop_map(|(_, s)| format!("{s}\u{1b}[2J")),
        Just(String::new()),
    ]
    .prop_filter("must not parse as a UUID", |s| {
        Uuid::parse_str(s.trim()).is_err()
    })
    .boxed()
}

/// A UUID field: a valid one, a near miss, the wrong type, or absent.
fn uuid_field() -> impl Strategy<Value = (Field, Option<Uuid>)> {
    prop_oneof![
        3 => uuid_text().prop_map(|(u, s)| (Some(json!(s)), Some(u))),
        1 => not_uuid().prop_map(|s| (Some(json!(s)), None)),
        1 => not_string().prop_map(|v| (Some(v), None)),
        1 => Just((None, None)),
    ]
}

const NOT_NUMBERS: &[&str] = &[
    "NaN", "nan", "inf", "-inf", "infinity", "1e400", "-1e400", "seven", "", " ", "0x10", "1,5",
    "½",
];

/// `signalCount`, with the count it must give (`None`: fall back to `signalIds.length`).
fn count_field() -> impl Strategy<Value = (Field, Option<u32>)> {
    prop_oneof![
        (0u32..100_000).prop_map(|n| (Some(json!(n)), Some(n))),
        (0u32..100_000, select(&["", " ", "\t", "\n "][..]))
            .prop_map(|(n, pad)| (Some(json!(format!("{pad}{n}{pad}"))), Some(n))),
        (0u32..1000, 0u32..1000)
            .prop_map(|(n, frac)| (Some(json!(format!("{n}.{frac:03}"))), Some(n))),
        (0u32..100_000).prop_map(|n| (Some(json!(f64::from(n) + 0.5)), Some(n))),
        (1u32..1000).prop_map(|n| (Some(json!(format!("{n}e0"))), Some(n))),
        (5e9f64..1e300).prop_map(|f| (Some(json!(f)), Some(u32::MAX))),
        (5e9f64..1e300).prop_map(|f| (Some(json!(f.to_string())), Some(u32::MAX))),
        (1i64..1_000_000).prop_map(|n| (Some(json!(-n)), None)),
        (1i64..1_000_000).prop_map(|n| (Some(json!(format!("-{n}"))), None)),
        (0.001f64..1e6).prop_map(|f| (Some(json!(-f)), None)),
        select(NOT_NUMBERS).prop_map(|s| (Some(json!(s)), None)),
        not_scalar().prop_map(|v| (Some(v), None)),
        Just((None, None)),
    ]
}

/// `topScore` / `score`, with the value it must give. Quarters are exact in decimal, so the
/// JSON round trip is exact.
fn score_field() -> impl Strategy<Value = (Field, Option<f64>)> {
    prop_oneof![
        (-4000i32..4000).prop_map(|q| {
            let f = f64::from(q) / 4.0;
            (Some(json!(f)), Some(f))
        }),
        (-4000i32..4000).prop_map(|q| {
            let f = f64::from(q) / 4.0;
            (Some(json!(format!(" {f} "))), Some(f))
        }),
        any::<i32>().prop_map(|n| (Some(json!(n)), Some(f64::from(n)))),
        select(NOT_NUMBERS).prop_map(|s| (Some(json!(s)), None)),
        not_scalar().prop_map(|v| (Some(v), None)),
        Just((None, None)),
    ]
}

/// `signalIds`, with the ids it must give (only the valid UUID strings, in order).
fn signal_ids_field() -> impl Strategy<Value = (Field, Vec<Uuid>)> {
    let item = prop_oneof![
        3 => uuid_text().prop_map(|(u, s)| (json!(s), Some(u))),
        1 => not_uuid().prop_map(|s| (json!(s), None)),
        1 => not_string().prop_map(|v| (v, None)),
    ];
    prop_oneof![
        4 => vec(item, 0..6).prop_map(|items| {
            let (values, ids): (Vec<Value>, Vec<Option<Uuid>>) = items.into_iter().unzip();
            (Some(Value::Array(values)), ids.into_iter().flatten().collect())
        }),
        1 => junk_where("not an array", |v| !v.is_array()).prop_map(|v| (Some(v), Vec::new())),
        1 => Just((None, Vec::new())),
    ]
}

/// A status field, with the status it must give (only the three wire values count).
fn status_field() -> impl Strategy<Value = (Field, Option<Status>)> {
    prop_oneof![
        2 => select(&Status::SETTABLE[..]).prop_map(|s| (Some(json!(s.as_str())), Some(s))),
        1 => select(&["unknown", "New", "DISMISSED", "responded", " new", "", "new\u{1b}[2J"][..])
            .prop_map(|s| (Some(json!(s)), None)),
        1 => not_string().prop_map(|v| (Some(v), None)),
        2 => Just((None, None)),
    ]
}

fn person_field() -> impl Strategy<Value = (Field, Option<Person>)> {
    prop_oneof![
        3 => (
            text_field(),
            text_field(),
            text_field(),
            text_field(),
            text_field(),
            extra_fields()
        )
            .prop_map(|(name, url, headline, avatar, email, mut o)| {
                put(&mut o, "name", &name);
                put(&mut o, "linkedinUrl", &url);
                put(&mut o, "headline", &headline);
                put(&mut o, "avatar", &avatar);
                put(&mut o, "email", &email);
                let p = Person {
                    name: expect_str(&name),
                    linkedin_url: expect_str(&url),
                    headline: expect_str(&headline),
                    avatar: expect_str(&avatar),
                    email: expect_str(&email),
                };
                (Some(Value::Object(o)), Some(p))
            }),
        1 => not_object().prop_map(|v| (Some(v), None)),
        1 => Just((None, None)),
    ]
}

fn company_field() -> impl Strategy<Value = (Field, Option<Company>)> {
    prop_oneof![
        3 => (text_field(), text_field(), text_field(), text_field(), extra_fields()).prop_map(
            |(name, domain, url, industry, mut o)| {
                put(&mut o, "name", &name);
                put(&mut o, "domain", &domain);
                put(&mut o, "linkedinUrl", &url);
                put(&mut o, "industry", &industry);
                let c = Company {
                    name: expect_str(&name),
                    domain: expect_str(&domain),
                    linkedin_url: expect_str(&url),
                    industry: expect_str(&industry),
                };
                (Some(Value::Object(o)), Some(c))
            }
        ),
        1 => not_object().prop_map(|v| (Some(v), None)),
        1 => Just((None, None)),
    ]
}

// ── Generators: pages ────────────────────────────────────────────────────────────────────────

/// One row of a leads page and the lead it must give (`None`: the row is skipped).
#[derive(Debug, Clone)]
struct Row {
    value: Value,
    expect: Option<(Lead, bool)>,
}

/// A row with a valid id; every other field is anything.
fn lead_row() -> impl Strategy<Value = Row> {
    (
        uuid_text(),
        text_field(),
        signal_ids_field(),
        count_field(),
        score_field(),
        status_field(),
        status_field(),
        person_field(),
        company_field(),
        extra_fields(),
    )
        .prop_map(
            |(
                (id, id_text),
                name,
                (ids, signal_ids),
                (count, want_count),
                (score, top_score),
                (status, want_status),
                (entity_status, want_entity_status),
                (person, want_person),
                (company, want_company),
                mut o,
            )| {
                o.insert("id".into(), json!(id_text));
                put(&mut o, "name", &name);
                put(&mut o, "signalIds", &ids);
                put(&mut o, "signalCount", &count);
                put(&mut o, "topScore", &score);
                put(&mut o, "status", &status);
                put(&mut o, "entityStatus", &entity_status);
                put(&mut o, "person", &person);
                put(&mut o, "company", &company);
                let row_status = want_status.or(want_entity_status);
                let name = expect_str(&name)
                    .or_else(|| want_person.as_ref().and_then(|p| p.name.clone()))
                    .or_else(|| want_company.as_ref().and_then(|c| c.name.clone()))
                    .unwrap_or_default();
                let lead = Lead {
                    id,
                    name,
                    status: row_status.unwrap_or(Status::Unknown),
                    signal_count: want_count.unwrap_or(signal_ids.len() as u32),
                    top_score,
                    signal_ids,
                    person: want_person,
                    company: want_company,
                };
                Row {
                    value: Value::Object(o),
                    expect: Some((lead, row_status.is_some())),
                }
            },
        )
}

/// A row without a usable id: must be counted in `skipped`.
fn skipped_row() -> impl Strategy<Value = Row> {
    let id = prop_oneof![
        Just(None),
        not_uuid().prop_map(|s| Some(json!(s))),
        not_string().prop_map(Some),
    ];
    prop_oneof![
        3 => (id, text_field(), signal_ids_field(), extra_fields()).prop_map(
            |(id, name, (ids, _), mut o)| {
                put(&mut o, "id", &id);
                put(&mut o, "name", &name);
                put(&mut o, "signalIds", &ids);
                Row { value: Value::Object(o), expect: None }
            }
        ),
        1 => not_object().prop_map(|value| Row { value, expect: None }),
    ]
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    vec(prop_oneof![3 => lead_row(), 1 => skipped_row()], 0..10)
}

/// A `pagination` field with the cursor and `hasMore` it must give. The cursor is an opaque
/// token handed back to the server, so it is kept verbatim (it is never displayed).
fn pagination_field() -> impl Strategy<Value = (Field, Option<String>, bool)> {
    let cursor = prop_oneof![
        3 => hostile().prop_map(|s| (Some(json!(s)), (!s.is_empty()).then_some(s))),
        1 => any::<u64>().prop_map(|n| (Some(json!(n)), Some(n.to_string()))),
        1 => any::<i64>().prop_map(|n| (Some(json!(n)), Some(n.to_string()))),
        1 => not_scalar().prop_map(|v| (Some(v), None)),
        1 => Just((None, None)),
    ];
    let more = || {
        prop_oneof![
            3 => any::<bool>().prop_map(|b| (Some(json!(b)), b)),
            1 => junk_where("not a bool", |v| !v.is_boolean()).prop_map(|v| (Some(v), false)),
            2 => Just((None, false)),
        ]
    };
    prop_oneof![
        4 => (cursor, more(), more(), extra_fields()).prop_map(
            |((c, want_cursor), (camel, camel_b), (snake, snake_b), mut o)| {
                put(&mut o, "cursor", &c);
                put(&mut o, "hasMore", &camel);
                put(&mut o, "has_more", &snake);
                // `has_more` is only read when `hasMore` is absent.
                let more = if camel.is_some() { camel_b } else { snake_b };
                (Some(Value::Object(o)), want_cursor, more)
            }
        ),
        1 => not_object().prop_map(|v| (Some(v), None, false)),
        1 => Just((None, None, false)),
    ]
}

/// A leads page body built from rows, pagination and unknown top-level fields.
#[derive(Debug, Clone)]
struct PageCase {
    body: Vec<u8>,
    rows: Vec<Row>,
    cursor: Option<String>,
    has_more: bool,
}

fn leads_page_case() -> impl Strategy<Value = PageCase> {
    (rows(), pagination_field(), extra_fields()).prop_map(
        |(rows, (pagination, cursor, has_more), mut root)| {
            root.insert(
                "leads".into(),
                Value::Array(rows.iter().map(|r| r.value.clone()).collect()),
            );
            put(&mut root, "pagination", &pagination);
            PageCase {
                body: serde_json::to_vec(&Value::Object(root)).expect("serializes"),
                rows,
                cursor,
                has_more,
            }
        },
    )
}

/// Bytes close to a valid page: a valid body cut short, with a byte changed, or doubled.
fn damaged_page() -> impl Strategy<Value = Vec<u8>> {
    (
        leads_page_case(),
        any::<prop::sample::Index>(),
        any::<u8>(),
        0..4u8,
    )
        .prop_map(|(case, at, byte, how)| {
            let mut body = case.body;
            let i = at.index(body.len());
            match how {
                0 => body.truncate(i),
                1 => body[i] = byte,
                2 => body.insert(i, byte),
                _ => {
                    let copy = body.clone();
                    body.extend_from_slice(&copy);
                }
            }
            body
        })
}

// ── Invariants shared with the fuzz targets ──────────────────────────────────────────────────

fn check_person(p: &Person) -> Check {
    check_opt("person.name", &p.name, MAX_FIELD_CHARS)?;
    check_opt("person.linkedinUrl", &p.linkedin_url, MAX_FIELD_CHARS)?;
    check_opt("person.headline", &p.headline, MAX_FIELD_CHARS)?;
    check_opt("person.avatar", &p.avatar, MAX_FIELD_CHARS)?;
    check_opt("person.email", &p.email, MAX_FIELD_CHARS)
}

fn check_company(c: &Company) -> Check {
    check_opt("company.name", &c.name, MAX_FIELD_CHARS)?;
    check_opt("company.domain", &c.domain, MAX_FIELD_CHARS)?;
    check_opt("company.linkedinUrl", &c.linkedin_url, MAX_FIELD_CHARS)?;
    check_opt("company.industry", &c.industry, MAX_FIELD_CHARS)
}

fn check_lead(l: &Lead) -> Check {
    check_text("lead.name", &l.name, MAX_FIELD_CHARS)?;
    if let Some(s) = l.top_score {
        prop_assert!(s.is_finite(), "topScore {s} is not finite");
    }
    if let Some(p) = &l.person {
        check_person(p)?;
    }
    if let Some(c) = &l.company {
        check_company(c)?;
    }
    Ok(())
}

/// What holds for every page `leads_page` accepts, whatever the body.
fn check_leads_page(p: &LeadsPage) -> Check {
    prop_assert_eq!(
        p.leads.len(),
        p.status_on_row.len(),
        "one status_on_row flag per lead"
    );
    prop_assert!(
        !p.has_more || p.cursor.is_some(),
        "hasMore without a cursor must be an error, not a page"
    );
    if let Some(c) = &p.cursor {
        prop_assert!(!c.is_empty(), "an empty cursor must be None");
    }
    for (l, on_row) in p.leads.iter().zip(&p.status_on_row) {
        check_lead(l)?;
        prop_assert_eq!(
            *on_row,
            l.status != Status::Unknown,
            "status_on_row is set exactly when the row carried a status"
        );
    }
    Ok(())
}

fn check_signal(s: &Signal) -> Check {
    check_text("signal.id", &s.id, MAX_FIELD_CHARS)?;
    check_opt("signal.label", &s.label, MAX_FIELD_CHARS)?;
    check_opt("signal.title", &s.title, MAX_FIELD_CHARS)?;
    check_opt("signal.createdAt", &s.created_at, MAX_FIELD_CHARS)?;
    check_opt("signal.url", &s.url, MAX_FIELD_CHARS)?;
    if let Some(x) = s.score {
        prop_assert!(x.is_finite(), "score {x} is not finite");
    }
    Ok(())
}

fn check_parse_error(what: &str, e: &ParseError) -> Check {
    check_text(what, &e.to_string(), 200)
}

/// Runs the four API parsers on `body` and checks everything they return.
fn check_api_parsers(body: &[u8]) -> Check {
    match parse::leads_page(body) {
        Ok(p) => check_leads_page(&p)?,
        Err(e) => check_parse_error("leads_page error", &e)?,
    }
    match parse::signals_page(body) {
        Ok(p) => {
            prop_assert!(
                !p.has_more || p.cursor.is_some(),
                "signals: hasMore w/o cursor"
            );
            for s in &p.signals {
                check_signal(s)?;
            }
        }
        Err(e) => check_parse_error("signals_page error", &e)?,
    }
    match parse::patch_outcome(body) {
        Ok(o) => {
            for id in &o.updated {
                check_text("updated id", id, MAX_FIELD_CHARS)?;
            }
            for e in &o.errors {
                check_text("item error id", &e.id, MAX_FIELD_CHARS)?;
                prop_assert!(!e.id.trim().is_empty(), "item error without an id");
                check_text("item error", &e.error, 60)?;
                prop_assert!(!e.error.trim().is_empty(), "item error without a reason");
            }
        }
        Err(e) => check_parse_error("patch_outcome error", &e)?,
    }
    let (code, message) = parse::error_envelope(body);
    if let Some(c) = &code {
        check_text("envelope code", c, 60)?;
    }
    if let Some(m) = &message {
        check_text("envelope message", m, MAX_MESSAGE_CHARS)?;
    }
    Ok(())
}

// ── API parsers ──────────────────────────────────────────────────────────────────────────────

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn api_parsers_never_panic_on_bytes(body in vec(any::<u8>(), 0..512)) {
        check_api_parsers(&body)?;
    }

    #[test]
    fn api_parsers_never_panic_on_damaged_pages(body in damaged_page()) {
        check_api_parsers(&body)?;
    }

    #[test]
    fn api_parsers_take_any_json(v in junk()) {
        check_api_parsers(&serde_json::to_vec(&v).expect("serializes"))?;
        let wrapped = json!({ "leads": [v.clone()], "signals": [v.clone()], "updated": [v.clone()],
            "errors": [v.clone()], "error": v.clone(), "pagination": v });
        check_api_parsers(&serde_json::to_vec(&wrapped).expect("serializes"))?;
    }

    #[test]
    fn leads_page_keeps_every_row_with_a_usable_id(case in leads_page_case()) {
        let got = parse::leads_page(&case.body);
        if case.has_more && case.cursor.is_none() {
            prop_assert_eq!(got, Err(ParseError::MissingCursor), "hasMore true without a cursor");
            return Ok(());
        }
        let page = match got {
            Ok(p) => p,
            Err(e) => return Err(TestCaseError::fail(format!("a page with a leads array was refused: {e}"))),
        };
        check_leads_page(&page)?;
        let want: Vec<&(Lead, bool)> = case.rows.iter().filter_map(|r| r.expect.as_ref()).collect();
        prop_assert_eq!(page.leads.len(), want.len(), "one lead per row with a valid UUID id");
        prop_assert_eq!(page.skipped, case.rows.len() - want.len(), "skipped = rows without a usable id");
        for (i, (lead, (want_lead, want_on_row))) in page.leads.iter().zip(want).enumerate() {
            prop_assert_eq!(lead, want_lead, "lead {} differs from its row", i);
            prop_assert_eq!(page.status_on_row[i], *want_on_row, "status_on_row of lead {}", i);
        }
        prop_assert_eq!(&page.cursor, &case.cursor, "the cursor is kept verbatim");
        prop_assert_eq!(page.has_more, case.has_more);
    }

    #[test]
    fn leads_page_without_a_leads_array_is_refused(
        leads in prop_oneof![Just(None), junk_where("not an array", |v| !v.is_array()).prop_map(Some)],
        (pagination, _, _) in pagination_field(),
        top in prop_oneof![3 => Just(None), 1 => not_object().prop_map(Some)],
    ) {
        let body = match top {
            Some(v) => serde_json::to_vec(&v).expect("serializes"),
            None => {
                let mut root = Map::new();
                put(&mut root, "leads", &leads);
                put(&mut root, "pagination", &pagination);
                serde_json::to_vec(&Value::Object(root)).expect("serializes")
            }
        };
        prop_assert_eq!(parse::leads_page(&body), Err(ParseError::MissingArray("leads")));
    }

    #[test]
    fn signals_page_keeps_rows_with_a_string_id(
        rows in vec(prop_oneof![3 => signal_row(), 1 => bad_signal_row()], 0..10),
        (pagination, cursor, has_more) in pagination_field(),
    ) {
        let mut root = Map::new();
        root.insert("signals".into(), Value::Array(rows.iter().map(|r| r.0.clone()).collect()));
        put(&mut root, "pagination", &pagination);
        let got = parse::signals_page(&serde_json::to_vec(&Value::Object(root)).expect("serializes"));
        if has_more && cursor.is_none() {
            prop_assert_eq!(got, Err(ParseError::MissingCursor));
            return Ok(());
        }
        let page = got.map_err(|e| TestCaseError::fail(format!("signals page refused: {e}")))?;
        let want: Vec<&Signal> = rows.iter().filter_map(|r| r.1.as_ref()).collect();
        prop_assert_eq!(page.signals.len(), want.len(), "one signal per row with a string id");
        for (got, want) in page.signals.iter().zip(want) {
            check_signal(got)?;
            prop_assert_eq!(got, want);
        }
        prop_assert_eq!(page.cursor, cursor);
        prop_assert_eq!(page.has_more, has_more);
    }

    #[test]
    fn patch_outcome_keeps_string_ids_and_named_errors(
        updated in prop_oneof![
            4 => vec(prop_oneof![3 => hostile().prop_map(Value::String), 1 => not_string()], 0..8)
                .prop_map(|v| Some(Value::Array(v))),
            1 => junk_where("not an array", |v| !v.is_array()).prop_map(Some),
            1 => Just(None),
        ],
        errors in prop_oneof![
            4 => vec(item_error(), 0..6).prop_map(|v| Some(Value::Array(v))),
            1 => junk_where("not an array", |v| !v.is_array()).prop_map(Some),
            1 => Just(None),
        ],
    ) {
        let mut root = Map::new();
        put(&mut root, "updated", &updated);
        put(&mut root, "errors", &errors);
        let got = parse::patch_outcome(&serde_json::to_vec(&Value::Object(root)).expect("serializes"));
        let Some(Value::Array(updated)) = updated else {
            prop_assert_eq!(got, Err(ParseError::MissingArray("updated")));
            return Ok(());
        };
        let out = got.map_err(|e| TestCaseError::fail(format!("patch outcome refused: {e}")))?;
        let want_updated: Vec<String> = updated.iter().filter_map(|v| v.as_str().map(clean)).collect();
        prop_assert_eq!(&out.updated, &want_updated, "updated: every string, cleaned, in order");
        let want_errors: Vec<ItemError> = match errors {
            Some(Value::Array(items)) => items.iter().filter_map(expect_item_error).collect(),
            _ => Vec::new(),
        };
        prop_assert_eq!(&out.errors, &want_errors);
        for id in &out.updated {
            check_text("updated id", id, MAX_FIELD_CHARS)?;
        }
        for e in &out.errors {
            check_text("item error id", &e.id, MAX_FIELD_CHARS)?;
            check_text("item error", &e.error, 60)?;
        }
    }

    #[test]
    fn error_envelope_reads_every_form(
        form in 0..5u8,
        code in text_field(),
        message in text_field(),
        other in junk(),
    ) {
        let body = match form {
            0 => json!({ "error": object_of(&[("code", &code), ("message", &message)]) }),
            1 => json!({ "error": message.clone().unwrap_or(Value::Null) }),
            2 => Value::Object(object_of(&[("message", &message)])),
            3 => json!({ "error": other.clone(), "message": message.clone().unwrap_or(Value::Null) }),
            _ => other.clone(),
        };
        let got = parse::error_envelope(&serde_json::to_vec(&body).expect("serializes"));
        let cut = |s: String, n| sanitize_line(&s, n);
        let want = match &body {
            Value::Object(root) => match root.get("error") {
                Some(Value::Object(e)) => (
                    expect_str(&e.get("code").cloned()).map(|c| cut(c, 60)),
                    expect_str(&e.get("message").cloned()).map(|m| cut(m, MAX_MESSAGE_CHARS)),
                ),
                Some(Value::String(s)) => (
                    None,
                    expect_str(&Some(Value::String(s.clone()))).map(|m| cut(m, MAX_MESSAGE_CHARS)),
                ),
                _ => (
                    None,
                    expect_str(&root.get("message").cloned()).map(|m| cut(m, MAX_MESSAGE_CHARS)),
                ),
            },
            _ => (None, None),
        };
        prop_assert_eq!(&got, &want);
        if let Some(c) = &got.0 {
            check_text("envelope code", c, 60)?;
        }
        if let Some(m) = &got.1 {
            check_text("envelope message", m, MAX_MESSAGE_CHARS)?;
        }
    }
}

fn object_of(fields: &[(&str, &Field)]) -> Map<String, Value> {
    let mut o = Map::new();
    for (k, v) in fields {
        put(&mut o, k, v);
    }
    o
}

/// A signal row with a string id, and the signal it must give.
fn signal_row() -> impl Strategy<Value = (Value, Option<Signal>)> {
    (
        (hostile(), uuid_field(), uuid_field()),
        (status_field(), status_field(), score_field()),
        (text_field(), text_field(), text_field(), text_field()),
        (text_field(), text_field(), extra_fields()),
        (text_field(), text_field(), text_field(), text_field()),
    )
        .prop_map(
            |(
                (id, (entity, entity_id), (person, person_entity_id)),
                ((es, entity_status), (pes, person_entity_status), (score_v, score)),
                (type_label, label, formatted, title),
                (created, url, mut o),
                (source, excerpt, dm, comment),
            )| {
                o.insert("id".into(), json!(id));
                put(&mut o, "entityId", &entity);
                put(&mut o, "personEntityId", &person);
                put(&mut o, "entityStatus", &es);
                put(&mut o, "personEntityStatus", &pes);
                put(&mut o, "score", &score_v);
                put(&mut o, "signalTypeLabel", &type_label);
                put(&mut o, "label", &label);
                put(&mut o, "formattedTitle", &formatted);
                put(&mut o, "title", &title);
                put(&mut o, "createdAt", &created);
                put(&mut o, "url", &url);
                put(&mut o, "sourceId", &source);
                put(&mut o, "excerpt", &excerpt);
                put(&mut o, "dmText", &dm);
                put(&mut o, "commentText", &comment);
                let s = Signal {
                    id: clean(&id),
                    entity_id,
                    person_entity_id,
                    entity_status,
                    person_entity_status,
                    label: expect_str(first_present(&type_label, &label)),
                    title: expect_str(first_present(&formatted, &title)),
                    score,
                    created_at: expect_str(&created),
                    url: expect_str(&url),
                    source: expect_str(&source),
                    excerpt: expect_text(&excerpt),
                    dm_text: expect_draft(&dm),
                    comment_text: expect_draft(&comment),
                };
                (Value::Object(o), Some(s))
            },
        )
}

fn bad_signal_row() -> impl Strategy<Value = (Value, Option<Signal>)> {
    prop_oneof![
        (
            prop_oneof![Just(None), not_string().prop_map(Some)],
            text_field(),
            extra_fields()
        )
            .prop_map(|(id, title, mut o)| {
                put(&mut o, "id", &id);
                put(&mut o, "title", &title);
                (Value::Object(o), None)
            }),
        not_object().prop_map(|v| (v, None)),
    ]
}

/// An item of a PATCH answer's `errors` array.
fn item_error() -> impl Strategy<Value = Value> {
    let error = prop_oneof![
        hostile().prop_map(|s| Some(json!(s))),
        text_field().prop_map(|code| Some(Value::Object(object_of(&[("code", &code)])))),
        not_string().prop_map(Some),
        Just(None),
    ];
    prop_oneof![
        4 => (text_field(), error, extra_fields()).prop_map(|(id, error, mut o)| {
            put(&mut o, "id", &id);
            put(&mut o, "error", &error);
            Value::Object(o)
        }),
        1 => not_object(),
    ]
}

fn expect_item_error(v: &Value) -> Option<ItemError> {
    let o = v.as_object()?;
    let id = expect_str(&o.get("id").cloned())?;
    let error = match o.get("error") {
        Some(Value::String(s)) => expect_str(&Some(Value::String(s.clone())))
            .map(|c| sanitize_line(&c, 60))
            .unwrap_or_default(),
        Some(Value::Object(inner)) => expect_str(&inner.get("code").cloned())
            .map(|c| sanitize_line(&c, 60))
            .unwrap_or_default(),
        _ => String::new(),
    };
    // A reason that cleans to blank is shown as "error".
    let error = if error.trim().is_empty() {
        "error".into()
    } else {
        error
    };
    Some(ItemError { id, error })
}

// ── sanitize_line ────────────────────────────────────────────────────────────────────────────

/// Text a person would type: letters of any script, digits, punctuation, CJK, emoji, spaces.
fn plain_text() -> impl Strategy<Value = String> {
    "[\\p{L}\\p{N}\\p{P} 一-龯ぁ-んア-ン가-힣😀-🙏🚀-🛿]{0,80}"
}

/// A complete escape sequence, which must disappear entirely.
fn escape_sequence() -> impl Strategy<Value = String> {
    let params = "[0-9;?<=>]{0,8}";
    let final_byte = "[@-~]";
    let payload = "[ -~]{0,24}";
    let string_end = select(&["\u{7}", "\u{1b}\\", "\u{9c}"][..]);
    prop_oneof![
        (params, final_byte).prop_map(|(p, f)| format!("\u{1b}[{p}{f}")),
        (params, final_byte).prop_map(|(p, f)| format!("\u{9b}{p}{f}")),
        (
            select(&["]", "P", "X", "^", "_"][..]),
            payload,
            string_end.clone()
        )
            .prop_map(|(k, p, e)| format!("\u{1b}{k}{p}{e}")),
        (
            select(&["\u{90}", "\u{98}", "\u{9d}", "\u{9e}", "\u{9f}"][..]),
            payload,
            string_end
        )
            .prop_map(|(k, p, e)| format!("{k}{p}{e}")),
        "[0-9A-OQ-WYZa-z=<>]".prop_map(|c| format!("\u{1b}{c}")),
        ("[ -/]{1,3}", "[0-~]").prop_map(|(i, f)| format!("\u{1b}{i}{f}")),
    ]
}

/// What `sanitize_line` keeps of safe text over `max` characters: the whole grapheme clusters
/// that fit in `max - 1` characters, then `…` (a cut never splits an emoji sequence, a flag or
/// a letter and its accents).
fn cut_whole(s: &str, max: usize) -> String {
    let mut n = 0;
    let mut out = String::new();
    for g in s.graphemes(true) {
        n += g.chars().count();
        if n > max - 1 {
            break;
        }
        out.push_str(g);
    }
    out.push('…');
    out
}

/// Keeps only the characters `is_terminal_safe` accepts, less the line and paragraph
/// separators U+2028/U+2029: they are safe but `sanitize_line` turns them into spaces, like
/// every other line break.
fn only_safe(s: &str) -> String {
    s.chars()
        .filter(|c| is_terminal_safe(c.encode_utf8(&mut [0; 4])))
        .filter(|c| !matches!(c, '\u{2028}' | '\u{2029}'))
        .collect()
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn sanitize_output_is_safe_and_bounded(s in any_text(), max in 1..400usize) {
        let out = sanitize_line(&s, max);
        check_text("sanitize_line output", &out, max)?;
        let full = sanitize_line(&s, usize::MAX);
        if full.chars().count() > max {
            // A cut keeps the whole grapheme clusters that fit in `max - 1` chars, then `…`.
            prop_assert_eq!(&out, &cut_whole(&full, max), "cut of {}", preview(&full));
        } else {
            prop_assert_eq!(&out, &full, "nothing to cut");
        }
        // Nothing is added but the mark: every other output char is in the input.
        for c in out.chars().filter(|c| *c != '…' && *c != ' ') {
            prop_assert!(s.contains(c), "{:?} is not in the input", c);
        }
    }

    #[test]
    fn sanitize_is_idempotent(s in any_text(), max in 1..400usize) {
        let once = sanitize_line(&s, max);
        prop_assert_eq!(sanitize_line(&once, max), once.clone(), "second pass changed the output");
        prop_assert_eq!(clean(&s), sanitize_line(&s, MAX_FIELD_CHARS));
    }

    #[test]
    fn a_larger_limit_only_adds_at_the_end(s in any_text(), max in 1..400usize, more in 1..50usize) {
        let short = sanitize_line(&s, max);
        let long = sanitize_line(&s, max + more);
        let cut = short != sanitize_line(&s, usize::MAX);
        let head = if cut { short.strip_suffix('…').unwrap_or(&short) } else { &short };
        prop_assert!(long.starts_with(head), "{} is not a prefix of {}", preview(head), preview(&long));
        if !cut {
            prop_assert_eq!(long, short, "nothing was cut, so a larger limit changes nothing");
        }
    }

    #[test]
    fn safe_text_is_kept_or_cut_with_a_mark(s in any_text().prop_map(|s| only_safe(&s)), max in 1..400usize) {
        let out = sanitize_line(&s, max);
        let n = s.chars().count();
        if n <= max {
            prop_assert_eq!(out, s, "safe text within the limit must pass unchanged");
        } else {
            prop_assert_eq!(out, cut_whole(&s, max), "safe text over the limit: whole clusters in max-1 chars and …");
        }
    }

    #[test]
    fn plain_text_passes_unchanged(s in plain_text(), extra in 0..50usize) {
        let max = s.chars().count() + extra;
        prop_assert_eq!(sanitize_line(&s, max.max(1)), s.clone());
        prop_assert_eq!(clean(&s), s);
    }

    #[test]
    fn escape_sequences_vanish_whole(
        parts in vec(("[a-zA-Z0-9 .,]{0,12}", escape_sequence()), 0..6),
        tail in "[a-zA-Z0-9 .,]{0,12}",
    ) {
        let input: String = parts.iter().flat_map(|(t, e)| [t.as_str(), e.as_str()]).chain([tail.as_str()]).collect();
        let want: String = parts.iter().map(|(t, _)| t.as_str()).chain([tail.as_str()]).collect();
        prop_assert_eq!(sanitize_line(&input, 1000), want, "input {:?}", input);
    }

    #[test]
    fn line_breaks_and_tabs_become_spaces(s in "[a-z\t\n\r\u{85}\u{2028}\u{2029}]{0,40}") {
        let want: String = s.chars().map(|c| if c.is_ascii_lowercase() { c } else { ' ' }).collect();
        prop_assert_eq!(sanitize_line(&s, 100), want);
    }

    #[test]
    fn controls_and_invisibles_are_dropped(
        parts in vec(("[a-z]{0,5}", select(&[
            "\u{0}", "\u{7}", "\u{8}", "\u{7f}", "\u{80}", "\u{9c}", "\u{202e}", "\u{2066}",
            "\u{200b}", "\u{200e}", "\u{feff}", "\u{2060}", "\u{e0041}", "\u{61c}", "\u{fffb}",
        ][..])), 0..8),
    ) {
        let input: String = parts.iter().flat_map(|(t, c)| [t.as_str(), *c]).collect();
        let want: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        prop_assert_eq!(sanitize_line(&input, 1000), want);
    }

    #[test]
    fn joiners_and_selectors_are_kept(
        parts in vec(("[a-z]{0,5}", select(&[
            "\u{200d}", "\u{200c}", "\u{fe0f}", "\u{fe0e}", "\u{e0100}", "\u{e01ef}",
        ][..])), 0..8),
    ) {
        // Once removed as invisible; writing needs them (`क्‍ष`, `نیک‌پور`, `❤️`), so they stay.
        let input: String = parts.iter().flat_map(|(t, c)| [t.as_str(), *c]).collect();
        prop_assert_eq!(sanitize_line(&input, 1000), input);
    }
}

// ── headless: --items and ids ────────────────────────────────────────────────────────────────

/// One `--items` entry and what `parse_items` must say about it: the change, or a fragment of
/// the problem it must report.
fn items_entry() -> impl Strategy<Value = (Value, Result<(Uuid, Status), String>)> {
    let valid_id = uuid_text().prop_map(|(u, s)| (format!(" {s} "), u));
    let status = select(&Status::SETTABLE[..]);
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
    ];
    prop_oneof![
        6 => (valid_id.clone(), status.clone(), extra_fields()).prop_map(|((s, u), st, mut o)| {
            o.insert("entityId".into(), json!(s));
            o.insert("status".into(), json!(st.as_str()));
            (Value::Object(o), Ok((u, st)))
        }),
        1 => not_object().prop_map(|v| (v, Err("must be an object with \"entityId\" and \"status\"".into()))),
        1 => status.clone().prop_map(|st| (json!({ "status": st.as_str() }), Err("missing \"entityId\"".into()))),
        1 => (scalar, status.clone()).prop_map(|(v, st)| {
            (json!({ "entityId": v, "status": st.as_str() }), Err("entityId must be a string, not ".into()))
        }),
        1 => (not_uuid(), status).prop_map(|(s, st)| {
            let problem = format!("entityId {:?} is not a UUID", sanitize_line(&s, 80));
            (json!({ "entityId": s, "status": st.as_str() }), Err(problem))
        }),
        1 => valid_id.clone().prop_map(|(s, _)| (json!({ "entityId": s }), Err("missing \"status\"".into()))),
        1 => (valid_id.clone(), not_string()).prop_map(|((s, _), v)| {
            (json!({ "entityId": s, "status": v }), Err("status must be a string".into()))
        }),
        1 => (valid_id, prop_oneof![hostile(), Just("unknown".to_string()), Just("New".to_string())])
            .prop_filter("not a wire status", |(_, st)| Status::from_wire(st).is_none())
            .prop_map(|((s, _), st)| {
                let problem = format!(
                    "unknown status {:?} (expected new, contacted or dismissed)",
                    sanitize_line(&st, 80)
                );
                (json!({ "entityId": s, "status": st }), Err(problem))
            }),
    ]
}

#[derive(Debug, Clone)]
enum Arg {
    Id(Uuid, String),
    Dash,
    Bad(String),
}

#[derive(Debug, Clone)]
enum Line {
    Id(Uuid, String),
    Blank(String),
    Bad(String),
}

fn arg() -> impl Strategy<Value = Arg> {
    prop_oneof![
        4 => (uuid_text(), select(&["", " ", "\t"][..])).prop_map(|((u, s), pad)| Arg::Id(u, format!("{pad}{s}{pad}"))),
        1 => Just(Arg::Dash),
        1 => not_uuid().prop_filter("not a dash", |s| s != "-").prop_map(Arg::Bad),
    ]
}

fn line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => (uuid_text(), select(&["", " ", "\t", "\u{3000}"][..])).prop_map(|((u, s), pad)| Line::Id(u, format!("{pad}{s}{pad}"))),
        1 => select(&["", " ", "\t", " \t ", "\u{85}"][..]).prop_map(|s| Line::Blank(s.to_string())),
        1 => not_uuid()
            .prop_map(|s| s.replace(['\n', '\r'], " "))
            .prop_filter("not blank", |s| !s.trim().is_empty())
            .prop_map(Line::Bad),
    ]
}

/// What `parse_ids` must return, computed the simple way.
fn expect_ids(args: &[Arg], lines: &[Line]) -> Result<Vec<Uuid>, InputError> {
    let mut ids = Vec::new();
    let mut stdin_read = false;
    for (i, a) in args.iter().enumerate() {
        match a {
            Arg::Id(u, _) => ids.push(*u),
            Arg::Bad(s) => {
                return Err(InputError::BadId {
                    source_name: "argument",
                    position: i + 1,
                    value: sanitize_line(s, 80),
                });
            }
            Arg::Dash if stdin_read => {}
            Arg::Dash => {
                stdin_read = true;
                let before = ids.len();
                for (n, l) in lines.iter().enumerate() {
                    match l {
                        Line::Id(u, _) => ids.push(*u),
                        Line::Blank(_) => {}
                        Line::Bad(s) => {
                            return Err(InputError::BadId {
                                source_name: "stdin line",
                                position: n + 1,
                                value: sanitize_line(s.trim(), 80),
                            });
                        }
                    }
                }
                if ids.len() == before {
                    return Err(InputError::NoIds);
                }
            }
        }
    }
    Ok(ids)
}

fn arg_text(a: &Arg) -> String {
    match a {
        Arg::Id(_, s) | Arg::Bad(s) => s.clone(),
        Arg::Dash => "-".into(),
    }
}

fn line_text(l: &Line) -> &str {
    match l {
        Line::Id(_, s) | Line::Blank(s) | Line::Bad(s) => s,
    }
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn parse_items_never_panics_and_names_items(s in any_text()) {
        if let Err(e) = parse_items(&s) {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("--items"), "error does not name --items: {}", preview(&msg));
        }
    }

    #[test]
    fn parse_items_on_any_json_names_the_bad_item(v in junk()) {
        let text = serde_json::to_string(&v).expect("serializes");
        match parse_items(&text) {
            Ok(changes) => prop_assert!(!changes.is_empty(), "Ok with no changes"),
            Err(InputError::BadItem { index, .. }) => {
                prop_assert!(v.as_array().is_some_and(|a| index < a.len()), "index {} out of range", index);
            }
            Err(e) => prop_assert!(e.to_string().starts_with("--items"), "{}", e),
        }
    }

    #[test]
    fn parse_items_reports_the_first_bad_item(entries in vec(items_entry(), 0..8)) {
        let text = serde_json::to_string(&Value::Array(entries.iter().map(|e| e.0.clone()).collect()))
            .expect("serializes");
        let got = parse_items(&text);
        if entries.is_empty() {
            prop_assert_eq!(got, Err(InputError::NoItems));
            return Ok(());
        }
        match entries.iter().position(|e| e.1.is_err()) {
            None => {
                let changes = got.map_err(|e| TestCaseError::fail(format!("valid items refused: {e}")))?;
                let want: Vec<(Uuid, Status)> = entries.iter().filter_map(|e| e.1.clone().ok()).collect();
                let got: Vec<(Uuid, Status)> = changes.iter().map(|c| (c.entity_id, c.status)).collect();
                prop_assert_eq!(got, want);
            }
            Some(bad) => {
                let e = match got {
                    Err(e) => e,
                    Ok(c) => return Err(TestCaseError::fail(format!("item {bad} is bad but got {c:?}"))),
                };
                let msg = e.to_string();
                let prefix = format!("--items[{bad}]: ");
                prop_assert!(msg.starts_with(&prefix), "{} does not name item {}", preview(&msg), bad);
                let Err(problem) = &entries[bad].1 else { unreachable!() };
                prop_assert!(msg.contains(problem.as_str()), "{} lacks {}", preview(&msg), preview(problem));
                check_text("--items error", &msg, 1000)?;
            }
        }
    }

    #[test]
    fn parse_ids_never_panics(args in vec(prop_oneof![any_text(), Just("-".to_string())], 0..5), stdin in vec(any::<u8>(), 0..256)) {
        match parse_ids(&args, &stdin[..]) {
            Ok(ids) => prop_assert!(ids.len() <= args.len() + stdin.len()),
            Err(e) => check_text("parse_ids error", &e.to_string(), 1000)?,
        }
    }

    #[test]
    fn parse_ids_reads_args_and_stdin_and_names_bad_ones(
        args in vec(arg(), 0..6),
        lines in vec(line(), 0..8),
        crlf in any::<bool>(),
        trailing in any::<bool>(),
    ) {
        let texts: Vec<String> = args.iter().map(arg_text).collect();
        let sep = if crlf { "\r\n" } else { "\n" };
        let mut stdin = lines.iter().map(line_text).collect::<Vec<_>>().join(sep);
        if trailing {
            stdin.push_str(sep);
        }
        let got = parse_ids(&texts, stdin.as_bytes());
        prop_assert_eq!(&got, &expect_ids(&args, &lines), "args {:?} stdin {:?}", texts, stdin);
        if let Err(e) = got {
            check_text("parse_ids error", &e.to_string(), 1000)?;
        }
    }
}

// ── keymap files ─────────────────────────────────────────────────────────────────────────────

/// Keys that are pairwise distinct and prefix-free once canonical, each with a few spellings.
const KEY_POOL: &[&[&str]] = &[
    &["j"],
    &["k"],
    &["x"],
    &["G", "shift-g", "S-g"],
    &["$"],
    &["?"],
    &["ctrl-d", "Ctrl-D", "C-d", "control-d"],
    &["alt-x", "A-x", "meta-x"],
    &["shift-down", "S-Down", "SHIFT-down"],
    &["f5", "F5"],
    &["space", "spc", "Space"],
    &["enter", "return"],
    &["ctrl--"],
    &["pgdn", "pagedown", "PgDn"],
    &["backtab", "shift-tab", "S-Tab"],
    &["C-A-q"],
    &["super-s"],
    &["←", "left"],
    &["ñ"],
    &["* i"],
    &["* a", "*  a"],
    &["z z"],
    &["ctrl-x ctrl-s", "C-x C-s"],
    &["g w"],
];

/// A valid keymap file: `(text, entries)` with each entry's keys (as written) and action.
fn valid_keymap() -> impl Strategy<Value = (String, Vec<(Vec<String>, Action)>)> {
    let spelled: Vec<BoxedStrategy<String>> = KEY_POOL
        .iter()
        .map(|spellings| select(*spellings).prop_map(str::to_owned).boxed())
        .collect();
    (
        spelled.prop_shuffle(),
        vec(
            (
                1..4usize,
                select(Action::ALL),
                proptest::option::of(hostile()),
                proptest::option::of("[A-Za-z ]{1,10}"),
            ),
            0..8,
        ),
        any::<bool>(),
    )
        .prop_map(|(keys, entries, comments)| {
            let mut keys = keys.into_iter();
            let mut text = String::new();
            let mut out = Vec::new();
            for (n, action, desc, group) in entries {
                let mine: Vec<String> = keys.by_ref().take(n).collect();
                if mine.is_empty() {
                    break;
                }
                if comments {
                    text.push_str("# a comment\n\n");
                }
                text.push_str("[[normal]]\n");
                let list: Vec<String> = mine.iter().map(|k| toml_str(k)).collect();
                text.push_str(&format!("keys = [{}]\n", list.join(", ")));
                text.push_str(&format!("action = {}\n", toml_str(&action_name(action))));
                if let Some(d) = desc {
                    text.push_str(&format!("desc = {}\n", toml_str(&d)));
                }
                if let Some(g) = group {
                    text.push_str(&format!("group = {}\n", toml_str(&g)));
                }
                out.push((mine, action));
            }
            (text, out)
        })
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lines that keymap files are made of, right and wrong, to assemble near-valid files.
fn keymap_line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("[[normal]]".to_string()),
        1 => select(&["[normal]", "[[insert]]", "[[Normal]]", "normal = 3", "[[normal.x]]", "["][..]).prop_map(str::to_owned),
        3 => (select(KEY_POOL).prop_map(|s| s[0]), vec(select(KEY_POOL).prop_map(|s| s[0]), 0..3)).prop_map(|(k, more)| {
            let all: Vec<String> = std::iter::once(k).chain(more).map(toml_str).collect();
            format!("keys = [{}]", all.join(", "))
        }),
        1 => select(&["keys = []", "keys = [\"hyper-x\"]", "keys = [\"f99\"]", "keys = [\"shift-4\"]",
            "keys = [\"\"]", "keys = \"j\"", "keys = [1]", "keys = [\"foo\", \"j\"]"][..]).prop_map(str::to_owned),
        3 => select(Action::ALL).prop_map(|a| format!("action = {}", toml_str(&action_name(a)))),
        1 => select(&["action = \"nope\"", "action = \"set_dismised\"", "action = 3", "action = \"\""][..]).prop_map(str::to_owned),
        1 => hostile().prop_map(|d| format!("desc = {}", toml_str(&d))),
        1 => hostile().prop_map(|d| format!("group = {}", toml_str(&d))),
        1 => hostile().prop_map(|d| format!("x_{} = 1", d.len())),
        1 => hostile(),
    ]
}

fn origin() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_./~-]{1,30}"
}

/// Every chord of every binding resolves to its action, and each proper prefix is pending.
fn check_keymap_resolves(km: &Keymap) -> Check {
    for b in km.bindings() {
        for chord in &b.keys {
            prop_assert!(!chord.is_empty(), "empty chord in {:?}", b.action);
            let (last, prefix) = chord.split_last().expect("non-empty");
            prop_assert_eq!(
                km.resolve(prefix, *last),
                Resolved::Action(b.action),
                "chord {:?} of {:?}",
                chord,
                b.action
            );
            for n in 1..chord.len() {
                prop_assert_eq!(
                    km.resolve(&chord[..n - 1], chord[n - 1]),
                    Resolved::Pending,
                    "prefix of {:?}",
                    chord
                );
            }
        }
    }
    Ok(())
}

fn chord(s: &str) -> Vec<KeyEvent> {
    parse_chord(s).expect("pool keys parse")
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn keymap_never_panics_and_errors_name_the_origin(text in any_text(), origin in origin()) {
        match Keymap::from_toml(&text, &origin) {
            Ok(km) => check_keymap_resolves(&km)?,
            Err(e) => prop_assert!(e.to_string().starts_with(&origin), "{} lacks origin {}", e, origin),
        }
        match Keymap::default_keymap().with_overrides(&text, &origin) {
            Ok(km) => check_keymap_resolves(&km)?,
            Err(e) => prop_assert!(e.to_string().starts_with(&origin), "{} lacks origin {}", e, origin),
        }
    }

    #[test]
    fn near_valid_keymaps_load_or_name_origin_and_line(lines in vec(keymap_line(), 0..14), origin in origin()) {
        let text = lines.join("\n");
        for result in [
            Keymap::from_toml(&text, &origin),
            Keymap::default_keymap().with_overrides(&text, &origin),
        ] {
            match result {
                Ok(km) => check_keymap_resolves(&km)?,
                Err(e) => {
                    let msg = e.to_string();
                    prop_assert!(msg.starts_with(&origin), "{} lacks origin {}", preview(&msg), origin);
                    if let Some(line) = e.line {
                        let lines = text.split('\n').count();
                        prop_assert!((1..=lines).contains(&line), "line {} outside 1..={}", line, lines);
                        let named = format!("{origin}, line {line}: ");
                        prop_assert!(msg.starts_with(&named), "{} does not start with {}", preview(&msg), named);
                    }
                }
            }
        }
    }

    #[test]
    fn valid_keymap_loads_with_every_key(( text, entries) in valid_keymap(), origin in origin()) {
        let km = Keymap::from_toml(&text, &origin)
            .map_err(|e| TestCaseError::fail(format!("valid keymap refused: {e}\n{text}")))?;
        prop_assert_eq!(km.bindings().len(), entries.len());
        for (b, (keys, action)) in km.bindings().iter().zip(&entries) {
            prop_assert_eq!(b.action, *action);
            let want: Vec<Vec<KeyEvent>> = keys.iter().map(|k| chord(k)).collect();
            prop_assert_eq!(&b.keys, &want);
        }
        check_keymap_resolves(&km)?;
    }

    #[test]
    fn overrides_win_and_leave_a_consistent_keymap((text, entries) in valid_keymap(), origin in origin()) {
        let km = Keymap::default_keymap()
            .with_overrides(&text, &origin)
            .map_err(|e| TestCaseError::fail(format!("valid user keymap refused: {e}\n{text}")))?;
        check_keymap_resolves(&km)?;
        for (keys, action) in &entries {
            for k in keys {
                let c = chord(k);
                let (last, prefix) = c.split_last().expect("non-empty");
                prop_assert_eq!(km.resolve(prefix, *last), Resolved::Action(*action), "user key {} of {:?}", k, action);
            }
            // The user's keys replace every default key of the action.
            let mut got: Vec<Vec<KeyEvent>> = km.bindings().iter()
                .filter(|b| b.action == *action).flat_map(|b| b.keys.clone()).collect();
            let mut want: Vec<Vec<KeyEvent>> = entries.iter().filter(|(_, a)| a == action)
                .flat_map(|(ks, _)| ks.iter().map(|k| chord(k))).collect();
            got.sort_by_key(|c| format!("{c:?}"));
            want.sort_by_key(|c| format!("{c:?}"));
            prop_assert_eq!(got, want, "keys of {:?}", action);
        }
    }

    #[test]
    fn a_bad_entry_spoils_the_whole_file(
        (text, _) in valid_keymap(),
        bad in select(&[
            ("keys = [\"hyper-x\"]\naction = \"quit\"", "bad key `hyper-x`"),
            ("keys = []\naction = \"quit\"", "`keys` is empty"),
            ("keys = [\"F13\"]\naction = \"nope\"", "unknown action `nope`"),
            ("keys = [\"F13\"]\naction = \"quit\"\ncolor = \"red\"", "color"),
            ("keys = [\"F14\", \"F14\"]\naction = \"quit\"", "bound twice"),
            ("keys = [\"F15\", \"F15 a\"]\naction = \"quit\"", "is also the start of the chord"),
        ][..]),
        first in any::<bool>(),
        origin in origin(),
    ) {
        let entry = format!("[[normal]]\n{}\n", bad.0);
        let text = if first { format!("{entry}\n{text}") } else { format!("{text}\n{entry}") };
        for result in [
            Keymap::from_toml(&text, &origin).map(|_| ()),
            Keymap::default_keymap().with_overrides(&text, &origin).map(|_| ()),
        ] {
            let e = match result {
                Err(e) => e,
                Ok(()) => return Err(TestCaseError::fail(format!("accepted:\n{text}"))),
            };
            let msg = e.to_string();
            prop_assert!(msg.starts_with(&format!("{origin}, line ")), "{}", msg);
            prop_assert!(msg.contains(bad.1), "{} lacks {}", msg, bad.1);
        }
    }
}

// ── Retry-After ──────────────────────────────────────────────────────────────────────────────

const HOUR: Duration = Duration::from_secs(3600);

/// A whole-second instant between 1994 and 2096.
fn instant() -> impl Strategy<Value = SystemTime> {
    (784_000_000u64..4_000_000_000).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Any instant, before the epoch too.
fn any_instant() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        instant(),
        (0u64..1 << 40).prop_map(|s| UNIX_EPOCH + Duration::from_secs(s)),
        (0u64..1 << 36).prop_map(|s| UNIX_EPOCH - Duration::from_secs(s)),
    ]
}

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn retry_after_is_at_most_an_hour(
        value in prop_oneof![
            any_text(),
            "[ +-]?[0-9]{0,12}(\\.[0-9]{0,6})?([eE][+-]?[0-9]{1,4})?[ ]?",
            select(&["NaN", "inf", "-0", "-0.0", "+0", "1e400", "-1e-400", "0x10", ""][..]).prop_map(str::to_owned),
            // fmt_http_date panics outside 1970..9999, so only dates it can write.
            (instant(), any::<bool>()).prop_map(|(t, garble)| {
                let d = httpdate::fmt_http_date(t);
                if garble { d.replace("GMT", "UTC") } else { d }
            }),
        ],
        now in any_instant(),
    ) {
        if let Some(d) = parse_retry_after(&value, now) {
            prop_assert!(d <= HOUR, "{:?} gave {:?}", value, d);
        }
    }

    #[test]
    fn retry_after_seconds_are_clamped(n in 0u64..1_000_000, frac in proptest::option::of(0u32..1000), pad in select(&["", " ", "\t"][..]), now in any_instant()) {
        let text = match frac {
            Some(f) => format!("{pad}{n}.{f:03}{pad}"),
            None => format!("{pad}{n}{pad}"),
        };
        let want = Duration::from_millis((n * 1000 + u64::from(frac.unwrap_or(0))).min(3_600_000));
        let got = parse_retry_after(&text, now);
        let Some(got) = got else {
            return Err(TestCaseError::fail(format!("{text:?} gave no delay")));
        };
        // Decimal seconds go through f64: allow a microsecond of rounding.
        prop_assert!(got.abs_diff(want) <= Duration::from_micros(1), "{:?} gave {:?}, want {:?}", text, got, want);
    }

    #[test]
    fn retry_after_negative_seconds_are_ignored(n in 1u64..1_000_000, now in any_instant()) {
        prop_assert_eq!(parse_retry_after(&format!("-{n}"), now), None);
    }

    #[test]
    fn retry_after_dates_count_from_now(now in instant(), ahead in 0u64..20_000, past in any::<bool>()) {
        let (when, want) = if past {
            (now - Duration::from_secs(ahead), Duration::ZERO)
        } else {
            (now + Duration::from_secs(ahead), Duration::from_secs(ahead).min(HOUR))
        };
        let text = httpdate::fmt_http_date(when);
        prop_assert_eq!(parse_retry_after(&text, now), Some(want), "{}", text);
    }
}

// ── Lead cache chunks ────────────────────────────────────────────────────────────────────────

proptest! {
    #![proptest_config(config(CASES))]

    #[test]
    fn cache_chunk_never_panics(bytes in prop_oneof![vec(any::<u8>(), 0..512), damaged_page()]) {
        if let Some(leads) = parse_cache_chunk(&bytes) {
            prop_assert!(leads.len() <= bytes.len(), "more leads than bytes");
        }
    }

    #[test]
    fn cache_chunk_round_trips_parsed_leads(rows in rows()) {
        let leads: Vec<Lead> = rows.into_iter().filter_map(|r| r.expect.map(|(l, _)| l)).collect();
        let blob = serde_json::to_vec(&leads).expect("leads serialize");
        prop_assert_eq!(parse_cache_chunk(&blob), Some(leads));
    }

    #[test]
    fn cache_chunk_cleans_what_it_reads(
        name in hostile(),
        headline in hostile(),
        domain in hostile(),
        score in any::<f64>(),
    ) {
        // Whatever wrote the cache file, what comes back holds what the parser guarantees.
        let lead = Lead {
            id: Uuid::from_u128(7),
            name,
            status: Status::New,
            signal_count: 0,
            top_score: score.is_finite().then_some(score),
            signal_ids: Vec::new(),
            person: Some(Person { headline: Some(headline), ..Person::default() }),
            company: Some(Company { domain: Some(domain), ..Company::default() }),
        };
        let blob = serde_json::to_vec(&[&lead]).expect("lead serializes");
        let back = parse_cache_chunk(&blob).expect("a whole chunk reads back");
        prop_assert_eq!(back.len(), 1);
        check_lead(&back[0])?;
        prop_assert_eq!(back[0].top_score, lead.top_score, "the score is kept exactly");
    }

    #[test]
    fn cache_chunk_refuses_damaged_chunks(rows in rows(), at in any::<prop::sample::Index>()) {
        let leads: Vec<Lead> = rows.into_iter().filter_map(|r| r.expect.map(|(l, _)| l)).collect();
        let blob = serde_json::to_vec(&leads).expect("leads serialize");
        let cut = at.index(blob.len()); // strictly shorter than the whole chunk
        prop_assert_eq!(parse_cache_chunk(&blob[..cut]), None, "a truncated chunk must be ignored");
    }
}

// ── Plain tests: fixtures, edges ─────────────────────────────────────────────────────────────

#[test]
fn fixtures_pass_every_invariant() {
    let leads = include_bytes!("../crates/puffle-api/tests/fixtures/leads-page.json");
    let patch = include_bytes!("../crates/puffle-api/tests/fixtures/patch-response.json");
    for body in [&leads[..], &patch[..]] {
        check_api_parsers(body).expect("fixture invariants");
    }
    let page = parse::leads_page(leads).expect("fixture parses");
    let blob = serde_json::to_vec(&page.leads).expect("serializes");
    assert_eq!(parse_cache_chunk(&blob), Some(page.leads));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse::leads_page(deep.as_bytes()),
        Err(ParseError::NotJson(_))
    ));
    let body = format!(r#"{{"leads":[{}]}}"#, "{\"a\":".repeat(5000));
    assert!(parse::leads_page(body.as_bytes()).is_err());
    assert_eq!(parse::error_envelope(deep.as_bytes()), (None, None));
    assert!(parse_cache_chunk(deep.as_bytes()).is_none());
    assert!(parse_items(&deep).is_err());
}

#[test]
fn a_huge_field_is_cut_cheaply() {
    let name = "\u{202e}x\u{1b}[1m".repeat(200_000);
    let body = json!({ "leads": [{ "id": Uuid::from_u128(7).to_string(), "name": name }] });
    let page = parse::leads_page(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!(page.leads[0].name.chars().count(), MAX_FIELD_CHARS);
    assert!(page.leads[0].name.ends_with('…'));
}

#[test]
fn retry_after_negative_zero_is_zero() {
    let now = UNIX_EPOCH + Duration::from_secs(1_784_000_000);
    for v in ["-0", "-0.0", "0", "+0"] {
        assert_eq!(parse_retry_after(v, now), Some(Duration::ZERO), "{v}");
    }
}

// ── Bugs found by these properties and the fuzz targets (fixed; kept as regressions) ─────────

#[test]
fn bug_sanitize_line_zero_limit_exceeds_it() {
    let out = sanitize_line("abc", 0);
    assert_eq!(out, "", "a limit of 0 characters leaves nothing");
}

#[test]
fn bug_bare_message_is_not_cut_to_message_length() {
    let body = json!({ "message": "m".repeat(1000) });
    let (_, message) = parse::error_envelope(&serde_json::to_vec(&body).unwrap());
    let n = message.expect("message read").chars().count();
    assert!(
        n <= MAX_MESSAGE_CHARS,
        "message has {n} chars, more than {MAX_MESSAGE_CHARS}"
    );
}

#[test]
fn bug_blank_item_error_gives_empty_reason() {
    for error in ["", "   ", "\u{1b}[2J", "\u{202e}"] {
        let body = json!({ "updated": [], "errors": [{ "id": "x", "error": error }] });
        let out = parse::patch_outcome(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert!(
            !out.errors[0].error.trim().is_empty(),
            "error {error:?} gave the reason {:?}",
            out.errors[0].error
        );
    }
}

#[test]
fn bug_items_error_echoes_raw_json() {
    let hostile = json!([{ "entityId": ["\u{202e}evil", "x".repeat(10_000)], "status": "new" }]);
    let e = parse_items(&hostile.to_string()).unwrap_err().to_string();
    assert!(
        is_terminal_safe(&e),
        "error is not terminal-safe: {}",
        preview(&e)
    );
    assert!(
        e.chars().count() <= 300,
        "error has {} chars",
        e.chars().count()
    );
}

#[test]
fn bug_cache_chunk_is_not_sanitized() {
    let blob = json!([{
        "id": Uuid::from_u128(1).to_string(), "name": "Evil\u{1b}]0;PWNED\u{7}\u{202e}",
        "status": "new", "signalCount": 0, "topScore": null, "signalIds": [],
        "person": { "headline": "\u{1b}[2J" }, "company": null
    }]);
    let leads = parse_cache_chunk(&serde_json::to_vec(&blob).unwrap()).expect("chunk is valid");
    assert!(
        is_terminal_safe(&leads[0].name),
        "cached name {:?}",
        leads[0].name
    );
    assert_eq!(leads[0].name, "Evil");
    assert_eq!(
        leads[0].headline(),
        None,
        "a field that cleans to blank is absent, as from the parser"
    );
}

#[test]
fn bug_cached_top_score_drifts_by_an_ulp() {
    let body = r#"{"leads":[{"id":"dde45278-8ffc-4934-b480-d8ebf87e5430","topScore":1.0715660391465826e-75}]}"#;
    let leads = parse::leads_page(body.as_bytes()).unwrap().leads;
    let blob = serde_json::to_vec(&leads).unwrap();
    let cached = parse_cache_chunk(&blob).expect("chunk reads back");
    assert_eq!(
        cached[0].top_score, leads[0].top_score,
        "the score changed on its way through the cache"
    );
}
