//! The results of a job as CSV (one line per row) and as JSON, for the CLI and the console.

use std::io::Write;

use serde::Serialize;

use super::executor::{Counts, JobReport};
use crate::money;

pub const HEADER: [&str; 10] = [
    "line",
    "wallet_id",
    "status",
    "transaction_id",
    "new_balance",
    "new_credit_balance",
    "credits",
    "idempotency_key",
    "attempts",
    "error",
];

/// Writes the results CSV: every row of the plan, in plan order.
pub fn write_csv<W: Write>(report: &JobReport, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for (row, state) in report.rows.iter().zip(&report.states) {
        let dec = |d: Option<rust_decimal::Decimal>| d.map(|d| money::wire_text(&d)).unwrap_or_default();
        w.write_record([
            row.line.to_string(),
            row.wallet_id.clone(),
            state.status.as_str().to_string(),
            state.transaction_id.clone().unwrap_or_default(),
            dec(state.balance),
            dec(state.credit_balance),
            money::wire_text(&row.credits),
            row.key.clone(),
            state.attempts.to_string(),
            state.error.clone().unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[derive(Serialize)]
struct JsonRow<'a> {
    line: u64,
    wallet_id: &'a str,
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_id: Option<&'a str>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    new_balance: Option<rust_decimal::Decimal>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    new_credit_balance: Option<rust_decimal::Decimal>,
    #[serde(with = "money::dec")]
    credits: rust_decimal::Decimal,
    idempotency_key: &'a str,
    attempts: u32,
    already_applied: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    job: &'a str,
    counts: &'a Counts,
    interrupted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stopped: Option<&'a str>,
    elapsed_ms: u128,
    rows: Vec<JsonRow<'a>>,
}

/// The whole report as one JSON document.
pub fn to_json(report: &JobReport) -> serde_json::Value {
    let rows = report
        .rows
        .iter()
        .zip(&report.states)
        .map(|(row, s)| JsonRow {
            line: row.line,
            wallet_id: &row.wallet_id,
            status: s.status.as_str(),
            transaction_id: s.transaction_id.as_deref(),
            new_balance: s.balance,
            new_credit_balance: s.credit_balance,
            credits: row.credits,
            idempotency_key: &row.key,
            attempts: s.attempts,
            already_applied: s.already_applied,
            error: s.error.as_deref(),
        })
        .collect();
    serde_json::to_value(JsonReport {
        job: &report.job,
        counts: &report.counts,
        interrupted: report.interrupted,
        stopped: report.stopped.as_deref(),
        elapsed_ms: report.elapsed.as_millis(),
        rows,
    })
    .unwrap_or_default()
}
