//! Getting status changes to Puffle: pure batching and backoff logic, and the sender used by
//! the headless commands.

pub mod backoff;
pub mod batch;
pub mod outbox;
pub mod send;
pub mod worker;
