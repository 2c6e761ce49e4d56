//! The Flexprice wallet API client: typed async calls over reqwest, retries, shared reads.
//!
//! The wire types live in `flexprice-wire` and are re-exported here, so a caller that talks to
//! Flexprice needs this one crate.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod client;
pub mod shared_reads;
pub mod topup;

pub use client::{Client, ClientConfig, decode};
pub use flexprice_wire::{
    ApiError, ErrorBody, RetryPolicy, TopUpOutcome, dates, error, models, money, retry, text,
};
pub use shared_reads::{Reads, SharedReads};
