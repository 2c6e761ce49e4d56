//! Flexprice's wallet API as data: wire models, exact money, dates, API errors, retry policy,
//! and the one sanitiser for text from outside.
//!
//! No I/O here: the client (`flexprice-client`), the sandbox and the console core all speak
//! these types.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod dates;
pub mod error;
pub mod models;
pub mod money;
pub mod outcome;
pub mod retry;
pub mod text;
pub mod words;

pub use error::{ApiError, ErrorBody};
pub use outcome::TopUpOutcome;
pub use retry::RetryPolicy;
