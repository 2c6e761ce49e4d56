//! The results of a job as CSV (one line per row) and as JSON, for the CLI and the console.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::executor::{Counts, JobReport};
use flexprice_wire::money;
use flexprice_wire::text::csv_cell;

/// `invoice_id` last: the columns before it kept their places when it was added.
pub const HEADER: [&str; 11] = [
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
    "invoice_id",
];

/// Creates the results file `out`, refusing a file a job cannot lose: one of `protected` (the
/// plan's CSV, the job's journal, with what each is), any job journal, the audit log or the
/// log file. Writing results over the plan or a journal would lose the job's resume and the
/// repeat guard's memory of it.
pub fn create_file(out: &Path, protected: &[(&Path, &str)], replace: bool) -> Result<std::fs::File, String> {
    if let Ok(target) = out.canonicalize() {
        let same = |p: &Path| p.canonicalize().is_ok_and(|p| p == target);
        let what = protected
            .iter()
            .find(|(p, _)| same(p))
            .map(|(_, what)| (*what).to_string())
            .or_else(|| same(&crate::audit::Audit::default_path()).then(|| "the audit log".into()))
            .or_else(|| {
                (target.file_name() == Some(std::ffi::OsStr::new(crate::paths::LOG_FILE)))
                    .then(|| "flexwallet's log".into())
            })
            .or_else(|| crate::journal::is_journal(&target).then(|| "a job's journal".into()));
        if let Some(what) = what {
            return Err(format!(
                "{} is {what}: the results would replace it; choose another file",
                out.display()
            ));
        }
    }
    crate::paths::create_private(out, replace).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!(
                "{} exists: choose another name (files here are never replaced)",
                out.display()
            )
        }
        _ => format!("cannot create {}: {e}", out.display()),
    })
}

/// Writes the results CSV: every row of the plan, in plan order.
pub fn write_csv<W: Write>(report: &JobReport, out: W) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(HEADER)?;
    for (row, state) in report.rows.iter().zip(&report.states) {
        let dec = |d: Option<rust_decimal::Decimal>| d.map(|d| money::wire_text(&d)).unwrap_or_default();
        // What the server said is cleaned as every exported cell is (the wallet and the key are
        // the plan's own, written back as they were given).
        let text = |t: Option<&str>| csv_cell(t.unwrap_or_default());
        w.write_record([
            row.line.to_string(),
            row.wallet_id.clone(),
            state.status.as_str().to_string(),
            text(state.transaction_id.as_deref()),
            dec(state.balance),
            dec(state.credit_balance),
            money::wire_text(&row.credits),
            row.key.clone(),
            state.attempts.to_string(),
            text(state.error.as_deref()),
            text(state.invoice_id.as_deref()),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    invoice_id: Option<&'a str>,
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
            invoice_id: s.invoice_id.as_deref(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_never_replace_a_plan_or_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("plan.csv");
        std::fs::write(&plan, "wallet_id,credits_to_add\n").unwrap();
        let journal = dir.path().join("j.jsonl");
        std::fs::write(
            &journal,
            "{\"event\":\"job\",\"job\":\"0123456789abcdef\",\"version\":1,\"target\":\"t\",\"rows\":0,\
             \"at\":\"2026-11-01T00:00:00Z\"}\n",
        )
        .unwrap();
        let protected = [(plan.as_path(), "the plan's CSV")];
        // Through another spelling of the same path, too.
        let dotted = dir.path().join(".").join("plan.csv");
        let e = create_file(&dotted, &protected, true).unwrap_err();
        assert!(e.contains("is the plan's CSV"), "{e}");
        let e = create_file(&journal, &protected, true).unwrap_err();
        assert!(e.contains("is a job's journal"), "{e}");
        assert!(
            std::fs::read_to_string(&journal)
                .unwrap()
                .starts_with("{\"event\":\"job\"")
        );
        let out = dir.path().join("out.csv");
        assert!(create_file(&out, &protected, true).is_ok());
        // An existing results file is replaced: it is neither.
        assert!(create_file(&out, &protected, true).is_ok());
    }
}

#[cfg(test)]
mod cell_tests {
    use super::*;
    use flexwallet_bulk::RowState;
    use flexwallet_bulk::test_support::simple_plan;

    /// From the attack pass: the results file wrote what the server said as it came; a
    /// spreadsheet opening it ran `=…` as a formula, and an escape sequence reached whoever
    /// printed the file. The plan's own wallet and key are written back as given.
    #[test]
    fn server_text_in_the_results_is_cleaned_and_never_a_formula() {
        let plan = simple_plan(1);
        let state = RowState {
            transaction_id: Some("=1+1".into()),
            invoice_id: Some("inv_\u{1b}[31m7".into()),
            error: Some("@SUM(A1)".into()),
            ..RowState::default()
        };
        let report = JobReport {
            job: "j".into(),
            rows: std::sync::Arc::new(plan.rows.clone()),
            states: vec![state],
            counts: Counts::default(),
            interrupted: false,
            stopped: None,
            elapsed: std::time::Duration::ZERO,
        };
        let mut out = Vec::new();
        write_csv(&report, &mut out).unwrap();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[1], plan.rows[0].wallet_id.as_str());
        assert_eq!(&row[3], "'=1+1");
        assert_eq!(&row[9], "'@SUM(A1)");
        assert_eq!(&row[10], "inv_7");
        assert_eq!(&row[7], plan.rows[0].key.as_str());
    }
}
