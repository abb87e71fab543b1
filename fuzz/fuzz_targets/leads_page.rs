//! The API body parsers on the same bytes: `leads_page`, `signals_page`, `patch_outcome`,
//! `error_envelope`, plus `store::parse_cache_chunk` (also JSON from outside the process).
//! None may panic; every string they return for display is terminal-safe and bounded; pages
//! are consistent (one flag per lead, no `hasMore` without a cursor).

#![no_main]

use lead_triage::api::parse::{error_envelope, leads_page, patch_outcome, signals_page};
use lead_triage::store::parse_cache_chunk;
use lead_triage::text::{MAX_FIELD_CHARS, MAX_MESSAGE_CHARS};
use lead_triage_fuzz::{assert_lead, assert_leads_page, assert_signal, assert_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match leads_page(data) {
        Ok(page) => assert_leads_page(&page),
        Err(e) => assert_text("leads_page error", &e.to_string(), 200),
    }
    match signals_page(data) {
        Ok(page) => {
            assert!(
                !page.has_more || page.cursor.is_some(),
                "hasMore without cursor"
            );
            page.signals.iter().for_each(assert_signal);
        }
        Err(e) => assert_text("signals_page error", &e.to_string(), 200),
    }
    match patch_outcome(data) {
        Ok(out) => {
            for id in &out.updated {
                assert_text("updated id", id, MAX_FIELD_CHARS);
            }
            for e in &out.errors {
                assert!(!e.id.trim().is_empty(), "item error without id");
                assert_text("item error id", &e.id, MAX_FIELD_CHARS);
                assert_text("item error", &e.error, 60);
                assert!(!e.error.trim().is_empty(), "blank item error reason");
            }
        }
        Err(e) => assert_text("patch_outcome error", &e.to_string(), 200),
    }
    let (code, message) = error_envelope(data);
    if let Some(c) = &code {
        assert_text("envelope code", c, 60);
    }
    if let Some(m) = &message {
        assert_text("envelope message", m, MAX_MESSAGE_CHARS);
    }
    // The cache must not panic, must give safe text and must round-trip exactly.
    if let Some(leads) = parse_cache_chunk(data) {
        leads.iter().for_each(assert_lead);
        let blob = serde_json::to_vec(&leads).expect("leads serialize");
        let again = parse_cache_chunk(&blob).expect("a chunk we wrote reads back");
        assert_eq!(again.len(), leads.len(), "cache round trip");
        for (a, b) in leads.iter().zip(&again) {
            assert_eq!(a, b, "cache round trip");
        }
    }
});
