//! Invariants shared by the fuzz targets (the same ones `tests/parser_props.rs` checks).

use lead_triage::api::model::{Company, LeadsPage, Person, Signal};
use lead_triage::api::{Lead, Status};
use lead_triage::text::{MAX_FIELD_CHARS, is_terminal_safe};

/// The first characters of `s`, for panic messages about long strings.
pub fn preview(s: &str) -> String {
    let head: String = s.chars().take(120).collect();
    format!("{head:?} ({} chars)", s.chars().count())
}

/// `s` is terminal-safe and at most `max` characters long.
#[track_caller]
pub fn assert_text(what: &str, s: &str, max: usize) {
    assert!(
        is_terminal_safe(s),
        "{what} is not terminal-safe: {}",
        preview(s)
    );
    let n = s.chars().count();
    assert!(n <= max, "{what} has {n} chars, more than {max}");
}

/// An optional field: absent, or non-blank, safe and bounded.
#[track_caller]
pub fn assert_opt(what: &str, s: &Option<String>, max: usize) {
    if let Some(s) = s {
        assert!(!s.trim().is_empty(), "{what} is Some but blank: {s:?}");
        assert_text(what, s, max);
    }
}

pub fn assert_person(p: &Person) {
    assert_opt("person.name", &p.name, MAX_FIELD_CHARS);
    assert_opt("person.linkedinUrl", &p.linkedin_url, MAX_FIELD_CHARS);
    assert_opt("person.headline", &p.headline, MAX_FIELD_CHARS);
    assert_opt("person.avatar", &p.avatar, MAX_FIELD_CHARS);
    assert_opt("person.email", &p.email, MAX_FIELD_CHARS);
}

pub fn assert_company(c: &Company) {
    assert_opt("company.name", &c.name, MAX_FIELD_CHARS);
    assert_opt("company.domain", &c.domain, MAX_FIELD_CHARS);
    assert_opt("company.linkedinUrl", &c.linkedin_url, MAX_FIELD_CHARS);
    assert_opt("company.industry", &c.industry, MAX_FIELD_CHARS);
}

pub fn assert_lead(l: &Lead) {
    assert_text("lead.name", &l.name, MAX_FIELD_CHARS);
    if let Some(s) = l.top_score {
        assert!(s.is_finite(), "topScore {s} is not finite");
    }
    if let Some(p) = &l.person {
        assert_person(p);
    }
    if let Some(c) = &l.company {
        assert_company(c);
    }
}

/// What holds for every page `leads_page` accepts. The cursor is an opaque token sent back
/// to the server verbatim and never displayed, so only its presence is checked.
pub fn assert_leads_page(p: &LeadsPage) {
    assert_eq!(p.leads.len(), p.status_on_row.len(), "one flag per lead");
    assert!(!p.has_more || p.cursor.is_some(), "hasMore without cursor");
    if let Some(c) = &p.cursor {
        assert!(!c.is_empty(), "an empty cursor must be None");
    }
    for (l, on_row) in p.leads.iter().zip(&p.status_on_row) {
        assert_lead(l);
        assert_eq!(*on_row, l.status != Status::Unknown, "status_on_row");
    }
}

pub fn assert_signal(s: &Signal) {
    assert_text("signal.id", &s.id, MAX_FIELD_CHARS);
    assert_opt("signal.label", &s.label, MAX_FIELD_CHARS);
    assert_opt("signal.title", &s.title, MAX_FIELD_CHARS);
    assert_opt("signal.createdAt", &s.created_at, MAX_FIELD_CHARS);
    assert_opt("signal.url", &s.url, MAX_FIELD_CHARS);
    if let Some(x) = s.score {
        assert!(x.is_finite(), "score {x} is not finite");
    }
}
