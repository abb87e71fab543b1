//! Walking a listing: cursor pagination with loop protection, as calls or as a `Stream`.

use std::collections::HashSet;

use futures::Stream;
use uuid::Uuid;

use crate::client::{Client, LeadQuery, MAX_PAGES};
use crate::error::ApiError;
use crate::model::{Lead, LeadsPage};

/// Follows `pagination.cursor` until `hasMore` is false, handing each page over as it
/// arrives with statuses hydrated. Stops with an error if the server repeats a cursor or
/// exceeds [`MAX_PAGES`].
#[derive(Debug)]
pub struct LeadPager {
    client: Client,
    query: LeadQuery,
    cursor: Option<String>,
    seen: HashSet<String>,
    done: bool,
    pages: usize,
}

/// One page as handed to the caller.
#[derive(Debug, Default)]
pub struct Page {
    pub leads: Vec<Lead>,
    /// Rows without a usable id.
    pub skipped: usize,
    /// Hydration could not run for this page (the leads keep `unknown`); the error is why.
    pub hydration_error: Option<ApiError>,
}

impl LeadPager {
    pub(crate) fn new(client: Client, query: LeadQuery) -> LeadPager {
        LeadPager {
            client,
            query,
            cursor: None,
            seen: HashSet::new(),
            done: false,
            pages: 0,
        }
    }

    pub fn query(&self) -> LeadQuery {
        self.query
    }

    /// Pages fetched so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The listing is over (every page came, or it was stopped for looping); retrying cannot
    /// bring more pages.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next page as the server sent it (statuses not yet learned), or `None` after the
    /// last one. An error leaves the pager where it was, so calling again retries the page.
    pub async fn next_raw_page(&mut self) -> Result<Option<LeadsPage>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let raw = self
            .client
            .leads_page(&self.query, self.cursor.as_deref())
            .await?;
        self.pages += 1;
        match raw.cursor.clone() {
            Some(c) if raw.has_more => {
                if !self.seen.insert(c.clone()) {
                    self.done = true;
                    return Err(ApiError::Broken(
                        "the lead list repeated a cursor (the server is looping); stopped".into(),
                    ));
                }
                if self.pages >= MAX_PAGES {
                    self.done = true;
                    return Err(ApiError::Broken(format!(
                        "the lead list did not end after {MAX_PAGES} pages; stopped"
                    )));
                }
                self.cursor = Some(c);
            }
            _ => self.done = true,
        }
        Ok(Some(raw))
    }

    /// The next page with statuses learned, or `None` after the last one.
    pub async fn next_page(&mut self) -> Result<Option<Page>, ApiError> {
        let Some(raw) = self.next_raw_page().await? else {
            return Ok(None);
        };
        let needs: Vec<bool> = raw.status_on_row.iter().map(|s| !s).collect();
        let mut leads = raw.leads;
        let hydration_error = match self
            .client
            .hydrate(self.query.group_by, &mut leads, &needs)
            .await
        {
            Ok(()) => None,
            Err(e @ ApiError::Unauthorized { .. }) => return Err(e),
            Err(e) => Some(e),
        };
        Ok(Some(Page {
            leads,
            skipped: raw.skipped,
            hydration_error,
        }))
    }

    /// Every remaining page, concatenated.
    pub async fn collect_all(&mut self) -> Result<Page, ApiError> {
        let mut all = Page::default();
        while let Some(page) = self.next_page().await? {
            all.leads.extend(page.leads);
            all.skipped += page.skipped;
            if all.hydration_error.is_none() {
                all.hydration_error = page.hydration_error;
            }
        }
        Ok(all)
    }
}

/// `(lead id, first signal id)` of the leads that need their status learned.
pub fn hydration_pairs(leads: &[Lead], needs: &[bool]) -> Vec<(Uuid, Uuid)> {
    leads
        .iter()
        .zip(needs)
        .filter(|(_, need)| **need)
        .filter_map(|(l, _)| l.signal_ids.first().map(|s| (l.id, *s)))
        .collect()
}

impl LeadPager {
    /// The remaining pages, statuses learned, as a `Stream`. It ends after the last page, or
    /// after yielding the first error (use [`LeadPager::next_page`] to retry a failed page).
    pub fn into_stream(self) -> impl Stream<Item = Result<Page, ApiError>> {
        futures::stream::unfold(Some(self), |pager| async move {
            let mut pager = pager?;
            match pager.next_page().await {
                Ok(Some(page)) => Some((Ok(page), Some(pager))),
                Ok(None) => None,
                Err(e) => Some((Err(e), None)),
            }
        })
    }
}
