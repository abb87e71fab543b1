//! The Puffle API: configuration, client, wire parsing and typed errors.

pub mod client;
pub mod config;
pub mod error;
pub mod limits;
pub mod model;
pub mod parse;

pub use client::{
    Client, ClientConfig, LeadPager, LeadQuery, MAX_PAGE_SIZE, MAX_PATCH_ITEMS, Page,
};
pub use config::{ApiKey, ConfigError};
pub use error::ApiError;
pub use model::{GroupBy, ItemError, Lead, PatchOutcome, SortBy, Status, StatusChange};
