//! The journal's records: one per state change of a bulk job, as JSON lines (the engine writes them).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use flexprice_wire::models::TopUpRequest;
use flexprice_wire::money;

pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Record {
    /// First line: what the job is.
    Job {
        job: String,
        version: u32,
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
        rows: usize,
        at: DateTime<Utc>,
    },
    /// One per row, right after the header: the exact request every attempt sends.
    Planned {
        row: usize,
        line: u64,
        wallet_id: String,
        currency: String,
        key: String,
        #[serde(with = "money::dec")]
        credits: Decimal,
        #[serde(with = "money::dec")]
        amount: Decimal,
        #[serde(with = "money::dec")]
        conversion_rate: Decimal,
        request: Box<TopUpRequest>,
    },
    /// About to send attempt `attempt` (1-based, counted over the whole job's life).
    Sending {
        row: usize,
        attempt: u32,
        at: DateTime<Utc>,
    },
    /// The server applied it (now or, with `already_applied`, on an earlier attempt).
    Done {
        row: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        transaction_id: Option<String>,
        /// An invoiced top-up's invoice (absent in journals written before it was kept).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invoice_id: Option<String>,
        #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
        credit_balance: Option<Decimal>,
        #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
        balance: Option<Decimal>,
        #[serde(default)]
        already_applied: bool,
        at: DateTime<Utc>,
    },
    /// Refused: certainly not applied.
    Failed {
        row: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        error: String,
        at: DateTime<Utc>,
    },
    /// Sent, outcome unknown after every retry (or cut short): re-sent with the same key on resume.
    Unknown {
        row: usize,
        error: String,
        at: DateTime<Utc>,
    },
    /// Not applied, but not refused either (rate limited, unreachable, or stopped before a
    /// retry): sent again on resume.
    Deferred {
        row: usize,
        error: String,
        at: DateTime<Utc>,
    },
}

impl Record {
    pub fn row(&self) -> Option<usize> {
        match self {
            Record::Job { .. } => None,
            Record::Planned { row, .. }
            | Record::Sending { row, .. }
            | Record::Done { row, .. }
            | Record::Failed { row, .. }
            | Record::Unknown { row, .. }
            | Record::Deferred { row, .. } => Some(*row),
        }
    }
}
