//! The app's side of the Puffle API: the [`puffle_api`] crate, seen through the boundary
//! where its text enters the program.
//!
//! `puffle-api` keeps every string exactly as the server sent it. Everything the app receives
//! from it passes through this module's [`Client`] and [`LeadPager`], which clean leads,
//! signals, per-item errors and error messages ([`boundary`]) before anything reaches `State`,
//! the store or a headless output. Nothing else in the app calls `puffle_api::Client`.

pub mod boundary;

use uuid::Uuid;

pub use puffle_api::budget::{Budget, BudgetView, DEFAULT_PER_MIN, Holdup, Lane};
pub use puffle_api::client::{
    LimitKind, Limits, MAX_BODY_BYTES, MAX_ERROR_BODY_BYTES, MAX_PAGES, SIGNAL_IDS_PER_CALL,
};
pub use puffle_api::pager::hydration_pairs;
pub use puffle_api::{
    ApiError, ApiKey, ClientConfig, ConfigError, GroupBy, ItemError, Lead, LeadQuery,
    MAX_PAGE_SIZE, MAX_PATCH_ITEMS, Page, PatchOutcome, SortBy, Status, StatusChange, config,
    error, limits, model, outreach, parse,
};

use boundary::{clean_error, clean_lead, clean_outcome, clean_page, clean_signal};
use model::{LeadsPage, Signal};

/// The Puffle client, every answer cleaned on the way in. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    inner: puffle_api::Client,
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        puffle_api::Client::new(cfg)
            .map(|inner| Client { inner })
            .map_err(clean_error)
    }

    /// The request budget shared by this client's clones, when it paces.
    pub fn budget(&self) -> Option<&Budget> {
        self.inner.budget()
    }

    /// A handle whose reads go in `lane` (see [`puffle_api::Client::in_lane`]).
    pub fn in_lane(&self, lane: Lane) -> Client {
        Client {
            inner: self.inner.in_lane(lane),
        }
    }

    /// The request sizes learned so far.
    pub fn limits(&self) -> &Limits {
        self.inner.limits()
    }

    pub fn base_url(&self) -> &url::Url {
        self.inner.base_url()
    }

    pub fn pager(&self, query: LeadQuery) -> LeadPager {
        LeadPager {
            inner: self.inner.pager(query),
        }
    }

    pub async fn lead_signals(&self, group: GroupBy, id: Uuid) -> Result<Vec<Signal>, ApiError> {
        let signals = self
            .inner
            .lead_signals(group, id)
            .await
            .map_err(clean_error)?;
        Ok(signals.into_iter().map(clean_signal).collect())
    }

    pub async fn statuses_from_signals(
        &self,
        group: GroupBy,
        pairs: &[(Uuid, Uuid)],
    ) -> Result<Vec<(Uuid, Status)>, ApiError> {
        let statuses = self.inner.statuses_from_signals(group, pairs).await;
        statuses.map_err(clean_error)
    }

    pub async fn current_statuses(
        &self,
        group: GroupBy,
        ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Status)>, ApiError> {
        let statuses = self.inner.current_statuses(group, ids).await;
        statuses.map_err(clean_error)
    }

    /// `POST /api/signals/generate`; the drafts are cleaned (line breaks kept).
    pub async fn generate_drafts(
        &self,
        items: &[outreach::GenerateItem],
    ) -> Result<Vec<outreach::GenerateResult>, ApiError> {
        let results = self
            .inner
            .generate_drafts(items)
            .await
            .map_err(clean_error)?;
        Ok(results
            .into_iter()
            .map(boundary::clean_generate_result)
            .collect())
    }

    /// `PATCH /api/signals`.
    pub async fn patch_signals(
        &self,
        items: &[outreach::SignalUpdate],
    ) -> Result<PatchOutcome, ApiError> {
        let out = self.inner.patch_signals(items).await.map_err(clean_error)?;
        Ok(clean_outcome(out))
    }

    pub async fn patch_leads(&self, items: &[StatusChange]) -> Result<PatchOutcome, ApiError> {
        let outcome = self.inner.patch_leads(items).await.map_err(clean_error)?;
        Ok(clean_outcome(outcome))
    }
}

/// A listing walked page by page, each page cleaned.
#[derive(Debug)]
pub struct LeadPager {
    inner: puffle_api::LeadPager,
}

impl LeadPager {
    pub fn query(&self) -> LeadQuery {
        self.inner.query()
    }

    pub fn pages(&self) -> usize {
        self.inner.pages()
    }

    pub fn is_done(&self) -> bool {
        self.inner.is_done()
    }

    /// The next page as the server sent it (statuses not yet learned), cleaned.
    pub async fn next_raw_page(&mut self) -> Result<Option<LeadsPage>, ApiError> {
        let page = self.inner.next_raw_page().await.map_err(clean_error)?;
        Ok(page.map(|mut p| {
            p.leads.iter_mut().for_each(clean_lead);
            p
        }))
    }

    /// The next page with statuses learned, cleaned.
    pub async fn next_page(&mut self) -> Result<Option<Page>, ApiError> {
        let page = self.inner.next_page().await.map_err(clean_error)?;
        Ok(page.map(clean_page))
    }

    /// Every remaining page, statuses learned, concatenated and cleaned.
    pub async fn collect_all(&mut self) -> Result<Page, ApiError> {
        let page = self.inner.collect_all().await.map_err(clean_error)?;
        Ok(clean_page(page))
    }
}
