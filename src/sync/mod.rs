//! Getting status changes to Puffle: pure batching and backoff logic, the worker that performs
//! the requests, and the engine that lets the headless commands send through the same queue.

pub mod backoff;
pub mod batch;
pub mod engine;
pub mod outreach;
pub mod pacing;
pub mod retry;
pub mod worker;
