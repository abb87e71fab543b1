//! Lenient parsing of Puffle responses.
//!
//! The contract leaves nullability open (PUFFLE_API.md, Unknowns 6, 7, 13), so parsing is done
//! field by field over a `serde_json::Value`: a missing, `null` or wrongly typed field becomes
//! "absent" instead of failing the page; unknown fields are ignored. Only a body that is not
//! JSON at all, or whose top level has the wrong shape, is an error. Strings are kept exactly as
//! sent (a blank one counts as absent): this crate has no terminal policy, so a program that
//! shows them must sanitise them first (lead-triage does it where text enters its state).

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::model::{
    Company, ItemError, Lead, LeadsPage, PatchOutcome, Person, Signal, SignalsPage, Status,
};

/// Why a response body could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("response is not JSON ({0})")]
    NotJson(String),
    #[error("response has no `{0}` array")]
    MissingArray(&'static str),
    #[error("response says more pages follow but gives no cursor")]
    MissingCursor,
}

fn parse_json(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(|e| {
        let mut msg = e.to_string();
        msg.truncate(120);
        ParseError::NotJson(msg)
    })
}

/// The body as JSON, for the other parsers of the crate.
pub(crate) fn json(body: &[u8]) -> Result<Value, ParseError> {
    parse_json(body)
}

/// A string field, kept exactly; blank strings count as absent.
fn opt_str(obj: &Map<String, Value>, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A number field; numeric strings are accepted too.
fn opt_f64(obj: &Map<String, Value>, key: &str) -> Option<f64> {
    match obj.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|f| f.is_finite())
}

fn opt_uuid(obj: &Map<String, Value>, key: &str) -> Option<Uuid> {
    obj.get(key)?.as_str().and_then(|s| Uuid::parse_str(s).ok())
}

fn opt_status(obj: &Map<String, Value>, key: &str) -> Option<Status> {
    obj.get(key)?.as_str().and_then(Status::from_wire)
}

fn pagination(root: &Map<String, Value>) -> Result<(Option<String>, bool), ParseError> {
    let Some(p) = root.get("pagination").and_then(Value::as_object) else {
        // No pagination object: treat the page as the last one.
        return Ok((None, false));
    };
    let cursor = match p.get("cursor") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let has_more = p
        .get("hasMore")
        .or_else(|| p.get("has_more"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if has_more && cursor.is_none() {
        return Err(ParseError::MissingCursor);
    }
    Ok((cursor, has_more))
}

fn person(v: &Value) -> Option<Person> {
    let o = v.as_object()?;
    Some(Person {
        name: opt_str(o, "name"),
        linkedin_url: opt_str(o, "linkedinUrl"),
        headline: opt_str(o, "headline"),
        avatar: opt_str(o, "avatar"),
        email: opt_str(o, "email"),
    })
}

fn company(v: &Value) -> Option<Company> {
    let o = v.as_object()?;
    Some(Company {
        name: opt_str(o, "name"),
        domain: opt_str(o, "domain"),
        linkedin_url: opt_str(o, "linkedinUrl"),
        industry: opt_str(o, "industry"),
    })
}

/// Parse one lead row; `None` when the row has no usable id.
/// The second value says whether the row carried its own status.
fn lead(v: &Value) -> Option<(Lead, bool)> {
    let o = v.as_object()?;
    let id = opt_uuid(o, "id")?;
    let signal_ids: Vec<Uuid> = o
        .get("signalIds")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().and_then(|s| Uuid::parse_str(s).ok()))
                .collect()
        })
        .unwrap_or_default();
    let person = o.get("person").and_then(person);
    let company = o.get("company").and_then(company);
    let name = opt_str(o, "name")
        .or_else(|| person.as_ref().and_then(|p| p.name.clone()))
        .or_else(|| company.as_ref().and_then(|c| c.name.clone()))
        .unwrap_or_default();
    let row_status = opt_status(o, "status").or_else(|| opt_status(o, "entityStatus"));
    let signal_count = opt_f64(o, "signalCount")
        .filter(|n| *n >= 0.0)
        .map(|n| n.min(u32::MAX as f64) as u32)
        .unwrap_or(signal_ids.len() as u32);
    let lead = Lead {
        id,
        name,
        status: row_status.unwrap_or(Status::Unknown),
        signal_count,
        top_score: opt_f64(o, "topScore"),
        signal_ids,
        person,
        company,
    };
    Some((lead, row_status.is_some()))
}

/// Parse a `GET /api/signals/leads` body.
pub fn leads_page(body: &[u8]) -> Result<LeadsPage, ParseError> {
    let root = parse_json(body)?;
    let root = root.as_object().ok_or(ParseError::MissingArray("leads"))?;
    let rows = root
        .get("leads")
        .and_then(Value::as_array)
        .ok_or(ParseError::MissingArray("leads"))?;
    let (cursor, has_more) = pagination(root)?;
    let mut page = LeadsPage {
        leads: Vec::with_capacity(rows.len()),
        status_on_row: Vec::with_capacity(rows.len()),
        cursor,
        has_more,
        skipped: 0,
    };
    for row in rows {
        match lead(row) {
            Some((lead, has_status)) => {
                page.leads.push(lead);
                page.status_on_row.push(has_status);
            }
            None => page.skipped += 1,
        }
    }
    Ok(page)
}

fn signal(v: &Value) -> Option<Signal> {
    let o = v.as_object()?;
    let id = match o.get("id")? {
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Some(Signal {
        id,
        entity_id: opt_uuid(o, "entityId"),
        person_entity_id: opt_uuid(o, "personEntityId"),
        entity_status: opt_status(o, "entityStatus"),
        person_entity_status: opt_status(o, "personEntityStatus"),
        label: opt_str(o, "signalTypeLabel").or_else(|| opt_str(o, "label")),
        title: opt_str(o, "formattedTitle").or_else(|| opt_str(o, "title")),
        score: opt_f64(o, "score"),
        created_at: opt_str(o, "createdAt"),
        url: opt_str(o, "url"),
        source: opt_str(o, "sourceId"),
        excerpt: opt_str(o, "excerpt"),
        dm_text: opt_str(o, "dmText"),
        comment_text: opt_str(o, "commentText"),
    })
}

/// Parse a `GET /api/signals` body.
pub fn signals_page(body: &[u8]) -> Result<SignalsPage, ParseError> {
    let root = parse_json(body)?;
    let root = root
        .as_object()
        .ok_or(ParseError::MissingArray("signals"))?;
    let rows = root
        .get("signals")
        .and_then(Value::as_array)
        .ok_or(ParseError::MissingArray("signals"))?;
    let (cursor, has_more) = pagination(root)?;
    Ok(SignalsPage {
        signals: rows.iter().filter_map(signal).collect(),
        cursor,
        has_more,
    })
}

/// Parse a `PATCH /api/signals/leads` 200 body. Ids are kept as given, since the
/// caller matches them against what it sent.
pub fn patch_outcome(body: &[u8]) -> Result<PatchOutcome, ParseError> {
    let root = parse_json(body)?;
    let root = root
        .as_object()
        .ok_or(ParseError::MissingArray("updated"))?;
    let updated = root
        .get("updated")
        .and_then(Value::as_array)
        .ok_or(ParseError::MissingArray("updated"))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let errors = root
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    let o = e.as_object()?;
                    let id = opt_str(o, "id")?;
                    let error = match o.get("error") {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Object(inner)) => opt_str(inner, "code").unwrap_or_default(),
                        _ => String::new(),
                    };
                    // A blank reason still names the item as failed.
                    let error = if error.trim().is_empty() {
                        "error".to_string()
                    } else {
                        error
                    };
                    Some(ItemError { id, error })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(PatchOutcome { updated, errors })
}

/// The `{error:{code,message}}` envelope, or a bare `{error:"…"}`, or nothing useful.
/// Returns `(code, message)` as sent; tolerates any body.
pub fn error_envelope(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(Value::Object(root)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    match root.get("error") {
        Some(Value::Object(e)) => (opt_str(e, "code"), opt_str(e, "message")),
        Some(Value::String(s)) => (None, Some(s.clone())),
        _ => (None, opt_str(&root, "message")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../tests/fixtures/leads-page.json");

    #[test]
    fn parses_the_documented_example() {
        let page = leads_page(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(page.leads.len(), 5);
        assert_eq!(page.skipped, 0);
        assert!(page.has_more);
        assert_eq!(
            page.cursor.as_deref(),
            Some("17e467f3-3d57-4d32-8b6d-2ff41c518e52")
        );
        let jose = &page.leads[1];
        assert_eq!(jose.name, "José Álvarez Núñez");
        assert!(jose.company.is_none());
        assert_eq!(jose.email(), None);
        assert_eq!(jose.signal_count, 1, "count falls back to signalIds.length");
        assert_eq!(jose.status, Status::Unknown, "no status on documented rows");
        assert!(page.status_on_row.iter().all(|s| !s));
        let marek = &page.leads[3];
        assert_eq!(marek.company_name(), Some("Brněnská Data s.r.o."));
        assert_eq!(marek.company.as_ref().unwrap().domain, None);
    }

    #[test]
    fn wrong_types_become_absent() {
        let body = br#"{"leads":[{"id":"dde45278-8ffc-4934-b480-d8ebf87e5430","name":42,
            "signalIds":"nope","signalCount":"7","topScore":null,"status":"weird",
            "person":"not an object","company":{"name":["x"],"domain":"a.io"}},
            {"id":"not-a-uuid"},{"name":"no id"}, 17],"pagination":{"cursor":null,"hasMore":false}}"#;
        let page = leads_page(body).unwrap();
        assert_eq!(page.leads.len(), 1);
        assert_eq!(page.skipped, 3);
        let l = &page.leads[0];
        assert_eq!(l.name, "");
        assert_eq!(l.signal_count, 7);
        assert_eq!(l.top_score, None);
        assert_eq!(l.status, Status::Unknown);
        assert!(l.person.is_none());
        assert_eq!(l.company.as_ref().unwrap().domain.as_deref(), Some("a.io"));
    }

    #[test]
    fn status_on_row_is_read() {
        let body =
            br#"{"leads":[{"id":"dde45278-8ffc-4934-b480-d8ebf87e5430","status":"dismissed"}]}"#;
        let page = leads_page(body).unwrap();
        assert_eq!(page.leads[0].status, Status::Dismissed);
        assert_eq!(page.status_on_row, vec![true]);
        assert!(!page.has_more);
    }

    #[test]
    fn bad_bodies_are_errors() {
        assert!(matches!(
            leads_page(b"<html>502</html>"),
            Err(ParseError::NotJson(_))
        ));
        assert_eq!(leads_page(b"[]"), Err(ParseError::MissingArray("leads")));
        assert_eq!(
            leads_page(br#"{"leads":[],"pagination":{"hasMore":true}}"#),
            Err(ParseError::MissingCursor)
        );
    }

    #[test]
    fn strings_are_kept_exactly_and_blank_ones_are_absent() {
        // No terminal policy here: escapes, controls and long text are the caller's to clean.
        let body = "{\"leads\":[{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"Evil\\u001b]0;PWNED\\u0007 Inc\\u202e\",\"person\":{\"headline\":\" \\t\\n\",\"email\":\" a@b.io\"}}]}";
        let page = leads_page(body.as_bytes()).unwrap();
        assert_eq!(page.leads[0].name, "Evil\u{1b}]0;PWNED\u{7} Inc\u{202e}");
        assert_eq!(page.leads[0].headline(), None, "a blank field is absent");
        assert_eq!(page.leads[0].email(), Some(" a@b.io"), "kept exactly");
    }

    #[test]
    fn a_megabyte_name_is_kept_whole() {
        let name = "x".repeat(1 << 20);
        let body = format!(
            "{{\"leads\":[{{\"id\":\"dde45278-8ffc-4934-b480-d8ebf87e5430\",\"name\":\"{name}\"}}]}}"
        );
        let page = leads_page(body.as_bytes()).unwrap();
        assert_eq!(page.leads[0].name.len(), 1 << 20);
    }

    #[test]
    fn patch_outcome_and_envelopes() {
        let body = include_str!("../tests/fixtures/patch-response.json");
        let out = patch_outcome(body.as_bytes()).unwrap();
        assert_eq!(out.updated.len(), 3);
        assert_eq!(out.errors.len(), 2);
        assert_eq!(out.errors[0].error, "not_found");
        assert_eq!(
            error_envelope(br#"{"error":{"code":"invalid_request","message":"too many"}}"#),
            (Some("invalid_request".into()), Some("too many".into()))
        );
        assert_eq!(
            error_envelope(br#"{"error":"bad"}"#),
            (None, Some("bad".into()))
        );
        assert_eq!(error_envelope(b"Bad Gateway"), (None, None));
    }
}
