//! Bulk top-up plans, shared by the `topup` CLI and the console: rows, validation, row states.
//!
//! This crate is pure (no I/O, no runtime): the engine that journals and sends the rows is
//! `flexwallet-engine`.
//!
//! Flow: rows (from a CSV via [`csv`] and [`plan::drafts_from_csv`], or from the console's
//! selection as [`plan::DraftRow`]s) → [`plan::Plan::build`] validates everything against the
//! wallets before anything is sent → `job::prepare` (engine) opens or creates the job's journal →
//! `executor::spawn` (engine) sends the rows exactly once, reporting progress over a channel and
//! stopping cleanly on cancellation.
//!
//! Exactly once rests on three things: every row has a deterministic idempotency key derived
//! from the job id (a hash of the plan's content and its target) and the row's position, so a
//! re-run is the same job with the same keys; the journal records each row's state durably
//! before it is sent and after its answer; and a repeat that the server refuses with 409
//! `already_exists` is confirmed in the ledger and recorded as done.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod csv;
pub mod draft;
pub mod limits;
pub mod mistakes;
pub mod plan;
pub mod progress;
pub mod record;
pub mod row;
/// Builders for this crate's tests and the engine's (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
mod unique;
use std::fmt;

pub use plan::{DraftRow, Plan, PlanOptions, PlannedRow, Quantity};
pub use progress::{Counts, Event, JobReport, Progress};
pub use row::{RowState, RowStatus};

/// "row" or "rows", for a count of `n` rows in the plan's totals.
pub fn rows_word(n: usize) -> &'static str {
    if n == 1 { "row" } else { "rows" }
}

/// A problem with one row (or the header), located by its 1-based line in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub line: u64,
    /// The column at fault, when there is one.
    pub column: Option<String>,
    pub message: String,
    /// Not a problem of its own: what the problems above it mean and what to do (it is not
    /// counted among them).
    pub note: bool,
}

impl Issue {
    pub fn at(line: u64, message: impl Into<String>) -> Issue {
        Issue {
            line,
            column: None,
            message: message.into(),
            note: false,
        }
    }

    pub fn field(line: u64, column: &str, message: impl Into<String>) -> Issue {
        Issue {
            line,
            column: Some(column.to_string()),
            message: message.into(),
            note: false,
        }
    }

    /// A note about the problems listed (see [`Issue::note`]).
    pub fn note(message: impl Into<String>) -> Issue {
        Issue {
            note: true,
            ..Issue::at(0, message)
        }
    }

    /// How many of these are problems (notes are not).
    pub fn problems(issues: &[Issue]) -> usize {
        issues.iter().filter(|i| !i.note).count()
    }
}

impl Issue {
    /// The issue without its line, for plans whose rows are not lines of a file (the console's
    /// marked wallets): `credits_to_add: the amount must be greater than zero`.
    pub fn without_line(&self) -> String {
        Issue {
            line: 0,
            ..self.clone()
        }
        .to_string()
    }
}

/// `line 7: credits_to_add: the amount must be greater than zero`.
impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0 is the plan as a whole, not a line of the file.
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        match &self.column {
            Some(c) => write!(f, "{c}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}
