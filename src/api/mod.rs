//! The Flexprice wallet API: typed client, wire models and errors.
pub mod client;
pub mod error;
pub mod models;
pub mod retry;
pub mod shared_reads;
pub mod topup;

pub use client::{Client, ClientConfig, RetryPolicy, TopUpOutcome, decode};
pub use error::{ApiError, ErrorBody};
pub use shared_reads::{Reads, SharedReads};
