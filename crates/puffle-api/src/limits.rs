//! Request sizes the server accepts (page size, ids per call), learned during the session.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::client::{MAX_PAGE_SIZE, SIGNAL_IDS_PER_CALL};
use crate::error::ApiError;

/// Request sizes the server accepts, learned during the session. The documented maximum is
/// assumed first; a `400` that rejects a page size or a number of ids lowers it (to the number
/// the server's message names, else by half) and the request is repeated. The lower value is
/// kept for every later request of the process.
#[derive(Debug)]
pub struct Limits {
    page: AtomicUsize,
    ids: AtomicUsize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            page: AtomicUsize::new(MAX_PAGE_SIZE as usize),
            ids: AtomicUsize::new(SIGNAL_IDS_PER_CALL),
        }
    }
}

/// Which learned limit a request is subject to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// `limit` of a listing.
    Page,
    /// Ids in one `GET /api/signals?ids=`.
    Ids,
}

impl Limits {
    fn cell(&self, kind: LimitKind) -> &AtomicUsize {
        match kind {
            LimitKind::Page => &self.page,
            LimitKind::Ids => &self.ids,
        }
    }

    /// The current limit.
    pub fn get(&self, kind: LimitKind) -> usize {
        self.cell(kind).load(Ordering::Relaxed).max(1)
    }

    /// A request of `used` was refused with `error`: lower the limit and say whether a retry
    /// with the new value makes sense.
    pub(crate) fn lower(&self, kind: LimitKind, used: usize, error: &ApiError) -> bool {
        if used <= 1
            || !matches!(
                error,
                ApiError::Invalid {
                    status: 400 | 422,
                    ..
                }
            )
        {
            return false;
        }
        // A message that says something else (a bad cursor, an unknown parameter) is not about
        // the size: nothing is lowered. Without a message, halving is the documented advice.
        let named = match error {
            ApiError::Invalid {
                message: Some(m), ..
            } if !m.trim().is_empty() => {
                let lower = m.to_lowercase();
                let about_size = ["limit", "ids", "page", "size", "many", "most", "max"]
                    .iter()
                    .any(|w| lower.contains(w));
                if !about_size {
                    return false;
                }
                largest_number_below(m, used)
            }
            _ => None,
        };
        let next = named.unwrap_or(used / 2).max(1);
        self.cell(kind).fetch_min(next, Ordering::Relaxed);
        tracing::warn!(
            ?kind,
            used,
            next,
            "the server refused the request size; retrying smaller"
        );
        true
    }
}

/// The largest number in `text` that is at least 1 and below `below` (from a message such as
/// "limit must be between 1 and 50").
fn largest_number_below(text: &str, below: usize) -> Option<usize> {
    // Whole words only: the digits inside an id are not a size.
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|w| w.parse::<usize>().ok())
        .filter(|&n| n >= 1 && n < below)
        .max()
}
