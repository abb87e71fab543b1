//! The outreach calls of the client (`crate::outreach` has the types and the parsing).

use reqwest::Method;

use crate::budget::Lane;
use crate::error::ApiError;
use crate::model::PatchOutcome;
use crate::outreach::{
    GenerateItem, GenerateResult, MAX_GENERATE_ITEMS, MAX_SIGNAL_PATCH_ITEMS, SignalUpdate,
};

use super::Client;

fn invalid(message: String) -> ApiError {
    ApiError::Invalid {
        status: 0,
        code: "invalid_request".into(),
        message: Some(message),
    }
}

impl Client {
    /// `POST /api/signals/generate` with 1–20 items, each asking for a DM and/or a comment.
    /// It is the rep's request (it may cost credits), so it goes in the write lane.
    pub async fn generate_drafts(
        &self,
        items: &[GenerateItem],
    ) -> Result<Vec<GenerateResult>, ApiError> {
        if items.is_empty() || items.len() > MAX_GENERATE_ITEMS {
            return Err(invalid(format!(
                "a generate call carries 1 to {MAX_GENERATE_ITEMS} items, not {}",
                items.len()
            )));
        }
        if let Some(bad) = items.iter().find(|i| !i.dm && !i.comment) {
            return Err(invalid(format!(
                "item {} asks for neither a DM nor a comment",
                bad.id
            )));
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            items: &'a [GenerateItem],
        }
        let body = serde_json::to_vec(&Body { items }).map_err(|e| invalid(e.to_string()))?;
        let resp = self
            .send(
                Lane::Write,
                Method::POST,
                "/api/signals/generate",
                &[],
                Some(body),
            )
            .await?;
        crate::outreach::generate_results(&resp).map_err(|e| ApiError::Malformed(e.to_string()))
    }

    /// `PATCH /api/signals` with 1–200 items (edited drafts, votes).
    pub async fn patch_signals(&self, items: &[SignalUpdate]) -> Result<PatchOutcome, ApiError> {
        if items.is_empty() || items.len() > MAX_SIGNAL_PATCH_ITEMS {
            return Err(invalid(format!(
                "a signal PATCH carries 1 to {MAX_SIGNAL_PATCH_ITEMS} items, not {}",
                items.len()
            )));
        }
        if let Some(bad) = items.iter().find(|i| i.is_empty()) {
            return Err(invalid(format!("item {} changes nothing", bad.id)));
        }
        #[derive(serde::Serialize)]
        struct Body<'a> {
            items: &'a [SignalUpdate],
        }
        let body = serde_json::to_vec(&Body { items }).map_err(|e| invalid(e.to_string()))?;
        let resp = self
            .send(Lane::Write, Method::PATCH, "/api/signals", &[], Some(body))
            .await?;
        crate::parse::patch_outcome(&resp).map_err(|e| ApiError::Malformed(e.to_string()))
    }
}
