//! A client for Puffle's signal-leads API (`PUFFLE_API.md`): configuration and key handling,
//! the HTTP client with typed errors ([`ApiError`]), a lenient wire parser, and pagination
//! as calls or as a `Stream` ([`LeadPager::into_stream`]).
//!
//! Strings are kept exactly as the server sent them. This crate has no terminal policy: a
//! program that draws them must sanitise them first. The API key never appears in `Debug`
//! output or error messages.

pub mod budget;
pub mod client;
pub mod config;
pub mod error;
pub mod limits;
pub mod model;
pub mod outreach;
pub mod pager;
pub mod parse;

pub use budget::{Budget, BudgetView, Lane};
pub use client::{Client, ClientConfig, LeadQuery, MAX_PAGE_SIZE, MAX_PATCH_ITEMS};
pub use config::{ApiKey, ConfigError};
pub use error::ApiError;
pub use model::{GroupBy, ItemError, Lead, PatchOutcome, SortBy, Status, StatusChange};
pub use pager::{LeadPager, Page};
