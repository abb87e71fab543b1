//! Where Puffle's text enters the app: the terminal policy that `puffle-api` leaves out.
//!
//! Every string is sanitised (escape sequences, controls and bidi overrides removed, see
//! `text.rs`), trimmed, and cut to the app's lengths: fields to [`MAX_FIELD_CHARS`], error
//! codes to 60 characters, messages to [`MAX_MESSAGE_CHARS`]. A field that cleans to blank is
//! absent, as the parser would have made it. Clean text passes without an allocation, which
//! matters for the 100,000 leads read back from the cache.

use puffle_api::model::{Company, LeadsPage, Person, Signal, SignalsPage};
use puffle_api::parse::{self, ParseError};
use puffle_api::{ApiError, Lead, Page, PatchOutcome};

use crate::text::{MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, MAX_TEXT_CHARS, is_clean, sanitize_line};

/// Longest error code kept (codes are short identifiers such as `not_found`).
const MAX_CODE_CHARS: usize = 60;
/// Longest transport detail kept (a reqwest cause such as "connection refused").
const MAX_DETAIL_CHARS: usize = 160;

/// Sanitised and cut to `max` in place; allocates only when something changes.
fn sanitized(s: &mut String, max: usize) {
    if !is_clean(s, max) {
        *s = sanitize_line(s, max);
    }
}

/// An optional field as the app keeps it: sanitised, trimmed (a CR or tab at either end would
/// show as a space), and absent when nothing is left.
fn field(s: &mut Option<String>) {
    field_up_to(s, MAX_FIELD_CHARS);
}

/// [`field`] with a limit of its own.
fn field_up_to(s: &mut Option<String>, max: usize) {
    if let Some(v) = s {
        sanitized(v, max);
        let t = v.trim();
        if t.is_empty() {
            *s = None;
        } else if t.len() != v.len() {
            *v = t.to_owned();
        }
    }
}

/// A field, then cut to `max` (codes, messages).
fn short(s: Option<String>, max: usize) -> Option<String> {
    let mut s = s;
    field(&mut s);
    s.map(|mut v| {
        sanitized(&mut v, max);
        v
    })
}

fn clean_person(p: &mut Person) {
    [
        &mut p.name,
        &mut p.linkedin_url,
        &mut p.headline,
        &mut p.avatar,
        &mut p.email,
    ]
    .into_iter()
    .for_each(field);
}

fn clean_company(c: &mut Company) {
    [
        &mut c.name,
        &mut c.domain,
        &mut c.linkedin_url,
        &mut c.industry,
    ]
    .into_iter()
    .for_each(field);
}

/// Clean every string of a lead: from the wire, and again when read back from the cache. A
/// name that cleans to nothing falls back to the person's or company's name, as a missing one
/// does in the parser.
pub fn clean_lead(lead: &mut Lead) {
    if let Some(p) = &mut lead.person {
        clean_person(p);
    }
    if let Some(c) = &mut lead.company {
        clean_company(c);
    }
    let mut name = Some(std::mem::take(&mut lead.name));
    field(&mut name);
    lead.name = name
        .or_else(|| lead.person.as_ref().and_then(|p| p.name.clone()))
        .or_else(|| lead.company.as_ref().and_then(|c| c.name.clone()))
        .unwrap_or_default();
}

pub fn clean_signal(mut s: Signal) -> Signal {
    sanitized(&mut s.id, MAX_FIELD_CHARS);
    [
        &mut s.label,
        &mut s.title,
        &mut s.created_at,
        &mut s.url,
        &mut s.source,
    ]
    .into_iter()
    .for_each(field);
    // A post keeps more, on one line: the pane wraps it.
    field_up_to(&mut s.excerpt, MAX_TEXT_CHARS);
    // Drafts are what the rep sends: their line breaks are kept.
    for text in [&mut s.dm_text, &mut s.comment_text] {
        draft_text(text);
    }
    s
}

/// A draft: each line cleaned, line breaks kept, blank as absent.
fn draft_text(s: &mut Option<String>) {
    if let Some(v) = s {
        let clean = crate::text::sanitize_text(v, MAX_TEXT_CHARS);
        let t = clean.trim();
        *s = (!t.is_empty()).then(|| t.to_owned());
    }
}

/// A generate answer's drafts and addresses, cleaned like a signal's.
pub fn clean_generate_result(
    mut r: puffle_api::outreach::GenerateResult,
) -> puffle_api::outreach::GenerateResult {
    sanitized(&mut r.id, MAX_FIELD_CHARS);
    if let Some(dm) = &mut r.dm {
        dm.text = crate::text::sanitize_text(&dm.text, MAX_TEXT_CHARS);
        field(&mut dm.profile_url);
        field(&mut dm.messaging_url);
    }
    if let Some(c) = &mut r.comment {
        c.text = crate::text::sanitize_text(&c.text, MAX_TEXT_CHARS);
        field(&mut c.source_url);
    }
    if let Some(e) = &mut r.error {
        *e = crate::text::sanitize_line(e, MAX_FIELD_CHARS);
    }
    r
}

pub fn clean_page(mut page: Page) -> Page {
    page.leads.iter_mut().for_each(clean_lead);
    page.hydration_error = page.hydration_error.map(clean_error);
    page
}

/// Ids stay as sent apart from sanitising (they are matched as UUIDs); an error item whose id
/// cleans to nothing names no item and is dropped; a reason that cleans to nothing still says
/// the item failed.
pub fn clean_outcome(mut out: PatchOutcome) -> PatchOutcome {
    for id in &mut out.updated {
        sanitized(id, MAX_FIELD_CHARS);
    }
    out.errors.retain_mut(|e| {
        let mut id = Some(std::mem::take(&mut e.id));
        field(&mut id);
        let Some(id) = id else { return false };
        e.id = id;
        e.error = short(Some(std::mem::take(&mut e.error)), MAX_CODE_CHARS)
            .unwrap_or_else(|| "error".to_owned());
        true
    });
    out
}

fn line(s: String, max: usize) -> String {
    short(Some(s), max).unwrap_or_default()
}

/// Clean the server's words inside an error (messages, codes, transport details).
pub fn clean_error(e: ApiError) -> ApiError {
    let msg = |m: Option<String>| short(m, MAX_MESSAGE_CHARS);
    match e {
        ApiError::Unauthorized { message } => ApiError::Unauthorized {
            message: msg(message),
        },
        ApiError::Forbidden { message } => ApiError::Forbidden {
            message: msg(message),
        },
        ApiError::Invalid {
            status,
            code,
            message,
        } => ApiError::Invalid {
            status,
            code: short(Some(code), MAX_CODE_CHARS).unwrap_or_else(|| "invalid_request".into()),
            message: msg(message),
        },
        ApiError::Server {
            status,
            message,
            retry_after,
        } => ApiError::Server {
            status,
            message: msg(message),
            retry_after,
        },
        ApiError::PayloadTooLarge { message } => ApiError::PayloadTooLarge {
            message: msg(message),
        },
        ApiError::Http { status, message } => ApiError::Http {
            status,
            message: msg(message),
        },
        ApiError::Connect { host, detail } => ApiError::Connect {
            host: line(host, MAX_FIELD_CHARS),
            detail: line(detail, MAX_DETAIL_CHARS),
        },
        ApiError::Network(d) => ApiError::Network(line(d, MAX_DETAIL_CHARS)),
        ApiError::Malformed(d) => ApiError::Malformed(line(d, MAX_DETAIL_CHARS)),
        ApiError::Broken(d) => ApiError::Broken(line(d, MAX_DETAIL_CHARS)),
        ApiError::NotSent(d) => ApiError::NotSent(line(d, MAX_DETAIL_CHARS)),
        e @ (ApiError::RateLimited { .. } | ApiError::Timeout | ApiError::TooLarge(_)) => e,
    }
}

/// The parser as the app sees it: `puffle_api::parse`, then this boundary. The client wrapper
/// applies the same cleaning to every answer; these exist so the parser properties
/// (`tests/parser_props.rs`) check exactly what reaches the app.
pub fn leads_page(body: &[u8]) -> Result<LeadsPage, ParseError> {
    let mut page = parse::leads_page(body)?;
    page.leads.iter_mut().for_each(clean_lead);
    Ok(page)
}

pub fn signals_page(body: &[u8]) -> Result<SignalsPage, ParseError> {
    let mut page = parse::signals_page(body)?;
    page.signals = page.signals.into_iter().map(clean_signal).collect();
    Ok(page)
}

pub fn patch_outcome(body: &[u8]) -> Result<PatchOutcome, ParseError> {
    parse::patch_outcome(body).map(clean_outcome)
}

/// `(code, message)` of an error body, cleaned as [`clean_error`] cleans them.
pub fn error_envelope(body: &[u8]) -> (Option<String>, Option<String>) {
    let (code, message) = parse::error_envelope(body);
    (
        short(code, MAX_CODE_CHARS),
        short(message, MAX_MESSAGE_CHARS),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead_from(body: &str) -> Lead {
        leads_page(body.as_bytes()).unwrap().leads.remove(0)
    }

    #[test]
    fn hostile_strings_are_cleaned() {
        let l = lead_from(
            "{\"leads\":[{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"Evil\\u001b]0;PWNED\\u0007 Inc\\u202e\"}]}",
        );
        assert_eq!(l.name, "Evil Inc");
    }

    #[test]
    fn control_characters_at_either_end_leave_no_space() {
        let l = lead_from(
            "{\"leads\":[{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"\\rGraniteworks\\t\",\"person\":{\"headline\":\"\\n CTO \\u001b[2J\",\"email\":\"\\u001b[0m\"}}]}",
        );
        assert_eq!(l.name, "Graniteworks");
        assert_eq!(l.headline(), Some("CTO"));
        assert_eq!(l.email(), None, "a field that cleans to nothing is absent");
    }

    #[test]
    fn a_megabyte_name_is_cut() {
        let name = "x".repeat(1 << 20);
        let l = lead_from(&format!(
            "{{\"leads\":[{{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"{name}\"}}]}}"
        ));
        assert_eq!(l.name.chars().count(), MAX_FIELD_CHARS);
        assert!(l.name.ends_with('…'));
    }

    #[test]
    fn error_words_and_item_reasons_are_cleaned() {
        let e = clean_error(ApiError::Invalid {
            status: 400,
            code: "bad\u{1b}[31m".into(),
            message: Some(format!("{}\u{7}", "m".repeat(5000))),
        });
        let text = e.to_string();
        assert!(crate::text::is_terminal_safe(&text), "{text:?}");
        assert!(text.len() < 400, "cut: {}", text.len());
        let out = clean_outcome(PatchOutcome {
            updated: vec!["a\u{1b}[2J".into()],
            errors: vec![puffle_api::ItemError {
                id: "x".into(),
                error: "\u{1b}[0m".into(),
            }],
        });
        assert_eq!(out.updated, ["a"]);
        assert_eq!(out.errors[0].error, "error");
    }

    #[test]
    fn names_are_kept_exactly_otherwise() {
        let l = lead_from(
            "{\"leads\":[{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"José 👩‍💻 Núñez\"}]}",
        );
        assert_eq!(l.name, "José 👩‍💻 Núñez");
    }
}
