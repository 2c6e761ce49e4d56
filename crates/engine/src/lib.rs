//! The bulk top-up engine: a plan bound to its journal, sent exactly once; and the audit log.
//!
//! [`job::prepare`] opens or creates the job's journal → [`executor::spawn`] sends the rows
//! exactly once, reporting progress over a channel and stopping cleanly on cancellation. The
//! plan itself (`flexwallet-bulk`) is pure; everything here touches the disk or the network.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod audit;
pub mod executor;
pub mod fetch;
pub mod job;
pub mod journal;
pub mod lock;
pub mod paths;
pub mod plan_file;
pub mod results;

pub use executor::{ExecOptions, JobHandle};
pub use fetch::{USUAL_LOOKUP_LIMIT, fetch_usual, fetch_wallets, read_usual};
pub use job::{Prepared, default_journal_path, prepare};
