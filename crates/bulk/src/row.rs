//! One row's life as a pure state machine: what an answer means and what to do next.
//!
//! No I/O here: the executor feeds each attempt's result in and acts on the verdict, and replay
//! feeds journal records in. The rule that keeps money safe: a row is `failed` only when no
//! attempt can have been applied; once any attempt might have landed (lost reply, timeout, 5xx,
//! an unreadable 2xx), the row ends `done` (confirmed) or `unknown` (re-sent with the same key
//! on resume), never `failed`.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::Serialize;

use super::plan::PlannedRow;
use crate::record::Record;
use flexprice_wire::models::{TopUpReceipt, Transaction, TransactionStatus, TransactionType};
use flexprice_wire::{ApiError, RetryPolicy, TopUpOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Not sent yet, or certainly not applied and to be sent again.
    #[default]
    Pending,
    /// An attempt is out (or waiting to retry); after a crash: sent, outcome unknown.
    InFlight,
    Done,
    /// Refused; certainly not applied.
    Failed,
    /// Sent; whether it was applied is unknown. Resume re-sends it with the same key.
    Unknown,
}

impl RowStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::InFlight => "in_flight",
            RowStatus::Done => "done",
            RowStatus::Failed => "failed",
            RowStatus::Unknown => "unknown",
        }
    }
}

/// Where one row stands.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RowState {
    pub status: RowStatus,
    /// Some attempt may have been applied (so this row must never end `failed`).
    pub maybe_applied: bool,
    /// Attempts over the job's whole life (journal included).
    pub attempts: u32,
    pub transaction_id: Option<String>,
    /// An invoiced top-up's invoice (its credits are pending until it is paid).
    pub invoice_id: Option<String>,
    pub credit_balance: Option<Decimal>,
    pub balance: Option<Decimal>,
    /// Confirmed through the ledger after a 409 on the row's key.
    pub already_applied: bool,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

impl RowState {
    /// Replays one journal record of this row.
    pub fn apply(&mut self, record: &Record) {
        match record {
            Record::Job { .. } | Record::Planned { .. } => {}
            Record::Sending { attempt, .. } => {
                self.status = RowStatus::InFlight;
                self.maybe_applied = true;
                self.attempts = self.attempts.max(*attempt);
            }
            Record::Done {
                transaction_id,
                invoice_id,
                credit_balance,
                balance,
                already_applied,
                ..
            } => {
                *self = RowState {
                    status: RowStatus::Done,
                    maybe_applied: true,
                    attempts: self.attempts,
                    transaction_id: transaction_id.clone(),
                    invoice_id: invoice_id.clone(),
                    credit_balance: *credit_balance,
                    balance: *balance,
                    already_applied: *already_applied,
                    http_status: None,
                    error: None,
                }
            }
            Record::Failed {
                http_status, error, ..
            } => {
                self.status = RowStatus::Failed;
                self.maybe_applied = false;
                self.http_status = *http_status;
                self.error = Some(error.clone());
            }
            Record::Unknown { error, .. } => {
                self.status = RowStatus::Unknown;
                self.maybe_applied = true;
                self.error = Some(error.clone());
            }
            Record::Deferred { error, .. } => {
                self.status = RowStatus::Pending;
                self.maybe_applied = false;
                self.error = Some(error.clone());
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoneInfo {
    pub transaction_id: Option<String>,
    pub invoice_id: Option<String>,
    pub credit_balance: Option<Decimal>,
    pub balance: Option<Decimal>,
    pub already_applied: bool,
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Done(DoneInfo),
    Failed {
        error: String,
        http_status: Option<u16>,
    },
    Unknown {
        error: String,
    },
    /// Certainly not applied, retries used up: send again on resume.
    Deferred {
        error: String,
    },
    Retry {
        delay: Duration,
        error: String,
    },
}

/// One row's attempts within one run.
#[derive(Debug, Clone)]
pub struct RowMachine {
    policy: RetryPolicy,
    attempts: u32,
    maybe_applied: bool,
    /// Set when an answer means no other row can succeed either (key refused, wrong URL).
    pub stop_job: Option<String>,
}

impl RowMachine {
    /// `maybe_applied`: from the journal (an earlier run's attempt may have landed).
    pub fn new(policy: RetryPolicy, maybe_applied: bool) -> RowMachine {
        RowMachine {
            policy,
            attempts: 0,
            maybe_applied,
            stop_job: None,
        }
    }

    pub fn maybe_applied(&self) -> bool {
        self.maybe_applied
    }

    /// Judges one attempt's result.
    pub fn judge(
        &mut self,
        row: &PlannedRow,
        result: Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<Duration>)>,
    ) -> Verdict {
        self.attempts += 1;
        match result {
            Ok(TopUpOutcome::Applied(receipt)) => Verdict::Done(DoneInfo {
                transaction_id: receipt.transaction_id,
                invoice_id: receipt.invoice_id,
                credit_balance: receipt.credit_balance,
                balance: receipt.balance,
                already_applied: false,
            }),
            Ok(TopUpOutcome::AlreadyApplied(tx)) => self.confirm_existing(row, &tx),
            Err((err, retry_after)) => self.judge_error(row, err, retry_after),
        }
    }

    /// The ledger holds a transaction with our key: it is ours only if it is the same top-up.
    fn confirm_existing(&mut self, row: &PlannedRow, tx: &Transaction) -> Verdict {
        let conflict = if !tx.wallet_id.is_empty() && tx.wallet_id != row.wallet_id {
            Some(format!("it belongs to wallet {}", tx.wallet_id))
        } else if tx.tx_type != TransactionType::Credit {
            Some(format!("it is a {}", tx.tx_type))
        } else if tx.transaction_reason != row.request.transaction_reason {
            Some(format!("its reason is {}", tx.transaction_reason))
        } else if tx.transaction_status == TransactionStatus::Failed {
            Some("that transaction failed on the server".to_string())
        } else if !same_quantity(row, tx) {
            Some(format!(
                "it credited {} credits, this row {}",
                tx.credit_amount, row.credits
            ))
        } else {
            None
        };
        if let Some(why) = conflict {
            let error = format!(
                "idempotency key {} was already used by transaction {}: {why}",
                row.key, tx.id
            );
            return self.refused(error, Some(409));
        }
        let credit_balance = tx.credit_balance_after;
        Verdict::Done(DoneInfo {
            transaction_id: Some(tx.id.clone()),
            // The ledger's transaction does not name its invoice.
            invoice_id: None,
            credit_balance: Some(credit_balance),
            balance: credit_balance.checked_mul(row.conversion_rate),
            already_applied: true,
        })
    }

    fn judge_error(&mut self, row: &PlannedRow, err: ApiError, retry_after: Option<Duration>) -> Verdict {
        let error = err.to_string();
        if err.is_already_exists() {
            let elsewhere = err
                .details()
                .and_then(|d| d.get("wallet_id"))
                .and_then(|v| v.as_str())
                .filter(|w| *w != row.wallet_id)
                .map(str::to_string);
            return match elsewhere {
                Some(w) => self.refused(
                    format!(
                        "idempotency key {} was already used on wallet {w}: {error}",
                        row.key
                    ),
                    Some(409),
                ),
                None => Verdict::Unknown {
                    error: format!(
                        "the server says key {} was used, but this wallet's ledger shows no transaction with it: {error}",
                        row.key
                    ),
                },
            };
        }
        // Wrong for every row alike (the key, the route, a redirect never followed): stop.
        if matches!(
            err,
            ApiError::Unauthorized { .. }
                | ApiError::Forbidden { .. }
                | ApiError::NoRoute { .. }
                | ApiError::Redirected { .. }
        ) {
            self.stop_job = Some(error.clone());
            return self.refused(error, err.status());
        }
        // A success whose body we could not read was applied all the same.
        let applied_unreadable = err.status().is_some_and(|s| (200..300).contains(&s));
        if err.is_transient() || applied_unreadable {
            self.maybe_applied |= err.outcome_unknown() || applied_unreadable;
            if self.attempts >= self.policy.max_attempts {
                return self.give_up(error);
            }
            return Verdict::Retry {
                delay: self.policy.delay(self.attempts, retry_after),
                error,
            };
        }
        self.refused(error, err.status())
    }

    /// A refusal is `failed` only if nothing before it can have been applied.
    fn refused(&self, error: String, http_status: Option<u16>) -> Verdict {
        if self.maybe_applied {
            Verdict::Unknown {
                error: format!("{error} (an earlier attempt may have been applied)"),
            }
        } else {
            Verdict::Failed { error, http_status }
        }
    }

    /// No more attempts now (retries used up, or the job is stopping).
    pub fn give_up(&self, error: String) -> Verdict {
        if self.maybe_applied {
            Verdict::Unknown { error }
        } else {
            Verdict::Deferred { error }
        }
    }
}

/// Does the ledger's transaction credit what this row asks for?
fn same_quantity(row: &PlannedRow, tx: &Transaction) -> bool {
    match (row.request.credits_to_add, row.request.amount) {
        (Some(c), _) => tx.credit_amount == c,
        // From an amount the server divides by the top-up rate; its rounding may differ from
        // ours in the last stored digit.
        (None, Some(_)) => tx
            .credit_amount
            .checked_sub(row.credits)
            .is_some_and(|d| d.abs() <= Decimal::new(1, 6)),
        (None, None) => true,
    }
}

#[cfg(test)]
#[path = "row_tests.rs"]
mod tests;
