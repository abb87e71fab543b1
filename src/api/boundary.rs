//! Where Puffle's text enters the app: the terminal policy that `puffle-api` leaves out.
//!
//! Every string is sanitised (escape sequences, controls and bidi overrides removed, see
//! `text.rs`), trimmed, and cut to the app's lengths: fields to [`MAX_FIELD_CHARS`], error
//! codes to 60 characters, messages to [`MAX_MESSAGE_CHARS`]. A field that cleans to blank is
//! absent, as the parser would have made it. Clean text passes without an allocation, which
//! matters for the 100,000 leads read back from the cache.

use puffle_api::model::{Company, Person, Signal};
use puffle_api::{ApiError, Lead, Page, PatchOutcome};

use crate::text::{MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, is_clean, sanitize_line};

/// Longest error code kept (codes are short identifiers such as `not_found`).
const MAX_CODE_CHARS: usize = 60;
/// Longest transport detail kept (a reqwest cause such as "connection refused").
const MAX_DETAIL_CHARS: usize = 160;

/// Clean one field in place: sanitised, cut, trimmed. Allocates only when something changes.
fn clean_field(s: &mut String, max: usize) {
    if !is_clean(s, max) {
        *s = sanitize_line(s, max);
    }
    let t = s.trim();
    if t.len() != s.len() {
        *s = t.to_owned();
    }
}

fn clean_opt(s: &mut Option<String>) {
    if let Some(v) = s {
        clean_field(v, MAX_FIELD_CHARS);
        if v.is_empty() {
            *s = None;
        }
    }
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
    .for_each(clean_opt);
}

fn clean_company(c: &mut Company) {
    [
        &mut c.name,
        &mut c.domain,
        &mut c.linkedin_url,
        &mut c.industry,
    ]
    .into_iter()
    .for_each(clean_opt);
}

/// Clean every string of a lead: from the wire, and again when read back from the cache.
pub fn clean_lead(lead: &mut Lead) {
    clean_field(&mut lead.name, MAX_FIELD_CHARS);
    if let Some(p) = &mut lead.person {
        clean_person(p);
    }
    if let Some(c) = &mut lead.company {
        clean_company(c);
    }
}

pub fn clean_signal(mut s: Signal) -> Signal {
    clean_field(&mut s.id, MAX_FIELD_CHARS);
    [&mut s.label, &mut s.title, &mut s.created_at, &mut s.url]
        .into_iter()
        .for_each(clean_opt);
    s
}

pub fn clean_page(mut page: Page) -> Page {
    page.leads.iter_mut().for_each(clean_lead);
    page.hydration_error = page.hydration_error.map(clean_error);
    page
}

/// Ids stay as sent (they are matched as UUIDs); reasons are cut like codes, and a reason
/// that cleans to nothing still says the item failed.
pub fn clean_outcome(mut out: PatchOutcome) -> PatchOutcome {
    for id in &mut out.updated {
        clean_field(id, MAX_FIELD_CHARS);
    }
    for e in &mut out.errors {
        clean_field(&mut e.id, MAX_FIELD_CHARS);
        clean_field(&mut e.error, MAX_CODE_CHARS);
        if e.error.is_empty() {
            e.error = "error".to_owned();
        }
    }
    out
}

fn clean_message(m: Option<String>) -> Option<String> {
    let mut m = m?;
    clean_field(&mut m, MAX_MESSAGE_CHARS);
    (!m.is_empty()).then_some(m)
}

fn line(s: String, max: usize) -> String {
    let mut s = s;
    clean_field(&mut s, max);
    s
}

/// Clean the server's words inside an error (messages, codes, transport details).
pub fn clean_error(e: ApiError) -> ApiError {
    match e {
        ApiError::Unauthorized { message } => ApiError::Unauthorized {
            message: clean_message(message),
        },
        ApiError::Forbidden { message } => ApiError::Forbidden {
            message: clean_message(message),
        },
        ApiError::Invalid {
            status,
            code,
            message,
        } => ApiError::Invalid {
            status,
            code: line(code, MAX_CODE_CHARS),
            message: clean_message(message),
        },
        ApiError::Server {
            status,
            message,
            retry_after,
        } => ApiError::Server {
            status,
            message: clean_message(message),
            retry_after,
        },
        ApiError::PayloadTooLarge { message } => ApiError::PayloadTooLarge {
            message: clean_message(message),
        },
        ApiError::Http { status, message } => ApiError::Http {
            status,
            message: clean_message(message),
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

#[cfg(test)]
mod tests {
    use super::*;
    use puffle_api::parse::leads_page;

    fn lead_from(body: &str) -> Lead {
        let mut page = leads_page(body.as_bytes()).unwrap();
        let mut lead = page.leads.remove(0);
        clean_lead(&mut lead);
        lead
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
