//! What a top-up came to: applied now, or applied already under its idempotency key.

use std::fmt;

use crate::models::{TopUpResponse, Transaction, Wallet};

/// The answer to a top-up. `A` is what is kept of an applied one's reply: the whole reply for
/// the console, a [`TopUpReceipt`] for the bulk engine.
#[derive(Debug, Clone, PartialEq)]
pub enum TopUpOutcome<A = Box<TopUpResponse>> {
    /// The server applied it now.
    Applied(A),
    /// The idempotency key had already credited this wallet with this top-up: an earlier attempt
    /// (a retry's predecessor, or a previous run) landed. The ledger transaction proves it.
    AlreadyApplied(Box<Transaction>),
}

impl TopUpOutcome {
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            TopUpOutcome::Applied(r) => r.wallet_transaction.as_ref().map(|t| t.id.as_str()),
            TopUpOutcome::AlreadyApplied(t) => Some(t.id.as_str()),
        }
    }

    pub fn transaction(&self) -> Option<&Transaction> {
        match self {
            TopUpOutcome::Applied(r) => r.wallet_transaction.as_ref(),
            TopUpOutcome::AlreadyApplied(t) => Some(t),
        }
    }

    pub fn wallet(&self) -> Option<&Wallet> {
        match self {
            TopUpOutcome::Applied(r) => Some(&r.wallet),
            TopUpOutcome::AlreadyApplied(_) => None,
        }
    }
}

impl fmt::Display for TopUpOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, tx) = match self {
            TopUpOutcome::Applied(_) => ("applied", self.transaction()),
            TopUpOutcome::AlreadyApplied(_) => ("already applied", self.transaction()),
        };
        match tx {
            Some(t) => write!(
                f,
                "{what}: {} +{} credits ({}, {})",
                t.id,
                crate::money::wire_text(&t.credit_amount),
                t.transaction_reason,
                t.transaction_status
            ),
            None => f.write_str(what),
        }
    }
}
