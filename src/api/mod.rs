//! The Flexprice wallet API: typed client, wire models and errors.
pub mod client;
pub mod error;
pub mod models;

pub use client::{Client, ClientConfig, RetryPolicy, TopUpOutcome};
pub use error::{ApiError, ErrorBody};
