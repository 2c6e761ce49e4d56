//! The plan: rows validated against the wallets, totals, warnings, and the job id and row keys.
//!
//! The job id is a hash of the plan's normalised content and its target (API URL and
//! environment), so re-running the same CSV against the same API is the same job with the same
//! idempotency keys, while the same CSV against staging and then production are two jobs.
//! Formatting (BOM, CRLF, quoting, blank lines, column order, `10` vs `10.00`) does not change
//! the job. Row keys are `bulk-<job>-<n>` with `n` the row's 1-based position among the data
//! rows, not its file line, so that inserting a blank line cannot change a key.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use super::draft::{
    DraftRow, Quantity, drafts_and_issues, drafts_for_wallets, drafts_from_csv, parse_reason,
};
pub use super::unique::row_key;

use super::Issue;
use super::csv as bulk_csv;
use super::mistakes;
use flexprice_wire::dates::ExpirySpec;
use flexprice_wire::models::{Metadata, TopUpRequest, TransactionReason, Wallet};
use flexprice_wire::money::{self, STORED_SCALE};

/// What `topup --reason/--allow-duplicates` change, for a CSV read in the console
/// (`:import FILE --reason R --allow-duplicates`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportOptions {
    /// The reason of rows without a `transaction_reason` column.
    pub default_reason: Option<TransactionReason>,
    pub allow_duplicates: bool,
}

/// A CSV's bytes → the drafts of the rows valid on their own, with the problems of the others,
/// so that the valid rows can still be checked against the wallets in the same run. `Err` when
/// the file cannot be read at all (its header, a quote that never closes).
pub fn csv_drafts(
    bytes: &[u8],
    default_reason: Option<&TransactionReason>,
    now: DateTime<Utc>,
) -> Result<(Vec<DraftRow>, Vec<Issue>), Vec<Issue>> {
    // Each row becomes its draft as it is read: the rows as written are never held all at once.
    let mut drafts = Vec::new();
    let mut more = Vec::new();
    let mut issues = bulk_csv::each_row(bytes, default_reason.is_some(), |raw| {
        match super::draft::draft(raw, default_reason, now) {
            Ok(d) => drafts.push(d),
            Err(mut e) => more.append(&mut e),
        }
    })?;
    issues.append(&mut more);
    drafts.shrink_to_fit();
    Ok((drafts, issues))
}

/// The plan of the rows valid on their own, refused with the file's earlier problems if it
/// had any: every problem of the file comes out of one run, in line order.
pub fn with_earlier_issues(earlier: Vec<Issue>, built: Result<Plan, Vec<Issue>>) -> Result<Plan, Vec<Issue>> {
    let mut all = earlier;
    match built {
        Ok(plan) if all.is_empty() => return Ok(plan),
        Ok(_) => {}
        Err(later) => all.extend(later),
    }
    all.sort_by_key(|i| i.line);
    Err(all)
}

/// Hex digits of the plan hash used as the job id (64 bits: collisions are not a concern at
/// the scale of one operator's jobs, and keys stay short).
const JOB_ID_HEX: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// Same wallet on several rows: an error without this, a warning with it.
    pub allow_duplicates: bool,
    /// API base URL and environment: part of the job id.
    pub target: String,
    pub now: DateTime<Utc>,
    /// Where the rows came from (file name), for journals and summaries.
    pub source: Option<String>,
    /// The wallets' usual top-ups, where known (see [`crate::mistakes::Usual`]).
    pub usual: HashMap<String, mistakes::Usual>,
}

/// One row ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRow {
    /// 0-based position in the plan.
    pub index: usize,
    pub line: u64,
    pub wallet_id: String,
    pub currency: String,
    pub key: String,
    /// The exact body sent on every attempt (key included).
    pub request: TopUpRequest,
    /// Credits this row adds (from `amount` through the wallet's top-up rate, stored scale).
    pub credits: Decimal,
    /// What the credits are worth at the top-up rate, in the wallet's currency.
    pub amount: Decimal,
    /// The wallet's conversion rate: balance = credit_balance × rate.
    pub conversion_rate: Decimal,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CurrencyTotal {
    pub rows: usize,
    #[serde(with = "money::dec")]
    pub credits: Decimal,
    #[serde(with = "money::dec")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ReasonTotal {
    pub rows: usize,
    #[serde(with = "money::dec")]
    pub credits: Decimal,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Totals {
    pub rows: usize,
    #[serde(with = "money::dec")]
    pub credits: Decimal,
    pub by_currency: BTreeMap<String, CurrencyTotal>,
    pub by_reason: BTreeMap<String, ReasonTotal>,
}

impl Totals {
    /// Counts one planned row in the totals; `None` (and the totals unchanged) when a total
    /// would go beyond what a decimal holds.
    pub fn add(&mut self, row: &PlannedRow) -> Option<()> {
        let credits = self.credits.checked_add(row.credits)?;
        let reason = row.request.transaction_reason.as_str();
        let by_currency = self.by_currency.get(&row.currency);
        let c_credits = by_currency.map_or(Some(row.credits), |c| c.credits.checked_add(row.credits))?;
        let c_amount = by_currency.map_or(Some(row.amount), |c| c.amount.checked_add(row.amount))?;
        let r_credits = self
            .by_reason
            .get(reason)
            .map_or(Some(row.credits), |r| r.credits.checked_add(row.credits))?;
        self.rows += 1;
        self.credits = credits;
        // A currency or reason already counted is updated in place: no text is copied per row.
        let c = match self.by_currency.get_mut(&row.currency) {
            Some(c) => c,
            None => self.by_currency.entry(row.currency.clone()).or_default(),
        };
        c.rows += 1;
        c.credits = c_credits;
        c.amount = c_amount;
        let r = match self.by_reason.get_mut(reason) {
            Some(r) => r,
            None => self.by_reason.entry(reason.to_string()).or_default(),
        };
        r.rows += 1;
        r.credits = r_credits;
        Some(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub job: String,
    pub target: String,
    pub source: Option<String>,
    pub rows: Vec<PlannedRow>,
    pub warnings: Vec<Issue>,
    /// Rows that are almost always mistakes (see [`crate::mistakes`]): shown first, asked about
    /// before anything is sent (the CLI's `--yes` does not answer them).
    pub mistakes: Vec<Issue>,
    pub totals: Totals,
}

/// Hashed content of one row: what it asks for, not how the file spelt it.
#[derive(Serialize)]
struct Canonical<'a> {
    wallet_id: &'a str,
    credits_to_add: Option<String>,
    amount: Option<String>,
    reason: &'a str,
    expiry: Option<String>,
    priority: Option<i64>,
    description: Option<&'a str>,
    metadata: &'a Metadata,
    idempotency_key: Option<&'a str>,
}

/// The job id for these drafts sent to `target`: the SHA-256 of
/// `{"v":1,"target":…,"rows":[…canonical rows…]}`, written straight into the hash a row at a
/// time (the same bytes the JSON value of every row used to be built for, at a fraction of the
/// memory: a million rows' value tree took gigabytes).
pub fn job_id(drafts: &[DraftRow], target: &str) -> String {
    #[derive(Serialize)]
    struct Content<'a> {
        v: u8,
        target: &'a str,
        rows: Rows<'a>,
    }
    struct Rows<'a>(&'a [DraftRow]);
    impl Serialize for Rows<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.iter().map(canonical))
        }
    }
    /// Bytes written are bytes hashed.
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let content = Content {
        v: 1,
        target,
        rows: Rows(drafts),
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, Hashing(Sha256::new()));
    // Neither can fail: the writer only hashes, and every canonical field is a string, a
    // number, null or the metadata's string map.
    let written = serde_json::to_writer(&mut out, &content).map_err(std::io::Error::from);
    let flushed = std::io::Write::flush(&mut out);
    debug_assert!(written.is_ok() && flushed.is_ok(), "{written:?} {flushed:?}");
    let (hashing, _) = out.into_parts();
    let mut id = hex::encode(hashing.0.finalize());
    id.truncate(JOB_ID_HEX);
    id
}

/// What a row asks for, as its job id hashes it.
fn canonical(d: &DraftRow) -> Canonical<'_> {
    Canonical {
        wallet_id: &d.wallet_id,
        credits_to_add: match d.quantity {
            Quantity::Credits(c) => Some(money::wire_text(&c)),
            Quantity::Amount(_) => None,
        },
        amount: match d.quantity {
            Quantity::Amount(a) => Some(money::wire_text(&a)),
            Quantity::Credits(_) => None,
        },
        reason: d.reason.as_str(),
        expiry: d.expiry.as_ref().map(ExpirySpec::canonical),
        priority: d.priority,
        description: d.description.as_deref(),
        metadata: &d.metadata,
        idempotency_key: d.idempotency_key.as_deref(),
    }
}

/// The warning of a plan too large to be checked against each wallet's usual top-ups.
pub fn usual_not_checked() -> Issue {
    Issue::at(
        0,
        "amounts not checked against each wallet's usual top-ups (more than 500 wallets: one \
         ledger read each would take too long)",
    )
}

impl Plan {
    /// Validates the drafts against the wallets (every id must be among `wallets`). Returns all
    /// errors at once; warnings travel with the plan.
    pub fn build(
        drafts: Vec<DraftRow>,
        wallets: &HashMap<String, Wallet>,
        opts: &PlanOptions,
    ) -> Result<Plan, Vec<Issue>> {
        let job = job_id(&drafts, &opts.target);
        let (mut errors, mut warnings) = super::unique::check(&drafts, &job, opts.allow_duplicates);
        let mut found_mistakes: Vec<(usize, Issue)> = Vec::new();
        let planned = drafts.len();
        let mut rows = Vec::with_capacity(planned);
        let mut invoiced = 0usize;
        // Each draft is taken apart into its row, from the last: its texts move (none is
        // copied), and the drafts' own array shrinks as the rows' grows, so that a million of
        // each are never held whole at once. The rows are put back in order below.
        let mut drafts = drafts;
        while let Some(d) = drafts.pop() {
            let index = drafts.len();
            if index < drafts.capacity() / 2 && drafts.capacity() > 4096 {
                drafts.shrink_to_fit();
            }
            let line = d.line;
            let key = d.idempotency_key.unwrap_or_else(|| row_key(&job, index));
            let Some(wallet) = wallets.get(&d.wallet_id) else {
                errors.push(Issue::field(
                    line,
                    bulk_csv::WALLET_ID,
                    format!("no wallet {} in this environment", d.wallet_id),
                ));
                continue;
            };
            if d.reason == TransactionReason::PurchasedCreditInvoiced {
                invoiced += 1;
            }
            let rate = wallet.topup_rate();
            let (credits, amount) = match d.quantity {
                Quantity::Credits(c) => match c.checked_mul(rate) {
                    Some(amount) => (c, amount),
                    None => {
                        errors.push(Issue::field(
                            line,
                            bulk_csv::CREDITS_TO_ADD,
                            format!("{c} credits at the top-up rate {rate} is beyond what can be computed"),
                        ));
                        continue;
                    }
                },
                Quantity::Amount(a) => {
                    if rate <= Decimal::ZERO {
                        errors.push(Issue::field(
                            line,
                            bulk_csv::AMOUNT,
                            format!(
                                "wallet {} has top-up rate {rate}: give credits_to_add instead",
                                d.wallet_id
                            ),
                        ));
                        continue;
                    }
                    let Some(credits) = a.checked_div(rate) else {
                        errors.push(Issue::field(
                            line,
                            bulk_csv::AMOUNT,
                            format!("{a} at the top-up rate {rate} is beyond what can be computed"),
                        ));
                        continue;
                    };
                    let credits =
                        credits.round_dp_with_strategy(STORED_SCALE, RoundingStrategy::MidpointAwayFromZero);
                    if credits <= Decimal::ZERO {
                        errors.push(Issue::field(
                            line,
                            bulk_csv::AMOUNT,
                            "is worth less than the smallest credit",
                        ));
                        continue;
                    }
                    (credits, a)
                }
            };
            for m in mistakes::check(
                wallet,
                credits,
                d.currency.as_deref(),
                opts.usual.get(&d.wallet_id),
            ) {
                found_mistakes.push((index, Issue::at(line, format!("wallet {}: {m}", d.wallet_id))));
            }
            let request = TopUpRequest {
                transaction_reason: d.reason,
                credits_to_add: match d.quantity {
                    Quantity::Credits(c) => Some(c),
                    Quantity::Amount(_) => None,
                },
                amount: match d.quantity {
                    Quantity::Amount(a) => Some(a),
                    Quantity::Credits(_) => None,
                },
                expiry_date_utc: d.expiry.as_ref().map(|e| e.resolve(opts.now)),
                priority: d.priority,
                idempotency_key: Some(key.clone()),
                description: d.description,
                metadata: (!d.metadata.is_empty()).then_some(d.metadata),
            };
            let row = PlannedRow {
                index,
                line,
                wallet_id: d.wallet_id,
                currency: wallet.currency.to_ascii_lowercase(),
                key,
                request,
                credits,
                amount,
                conversion_rate: wallet.conversion_rate,
            };
            rows.push(row);
        }
        rows.reverse();
        // Rows' mistakes in row order, each row's in the order they were found.
        found_mistakes.sort_by_key(|(index, _)| *index);
        let found_mistakes: Vec<Issue> = found_mistakes.into_iter().map(|(_, m)| m).collect();
        let mut totals = Totals::default();
        rows.retain(|row| {
            let counted = totals.add(row).is_some();
            if !counted {
                errors.push(Issue::at(
                    row.line,
                    "the plan's total credits would go beyond what can be computed: split the file",
                ));
            }
            counted
        });
        if invoiced > 0 {
            warnings.push(Issue::at(
                0,
                format!(
                    "{invoiced} {} PURCHASED_CREDIT_INVOICED: each creates an invoice and stays pending until paid",
                    if invoiced == 1 { "row uses" } else { "rows use" }
                ),
            ));
        }
        if planned == 0 {
            errors.push(Issue::at(1, "the plan has no rows"));
        }
        if !errors.is_empty() {
            // Every problem at once: the rows that would have been asked about too.
            errors.extend(found_mistakes);
            errors.sort_by_key(|i| i.line);
            return Err(errors);
        }
        Ok(Plan {
            job,
            target: opts.target.clone(),
            source: opts.source.clone(),
            rows,
            warnings,
            mistakes: found_mistakes,
            totals,
        })
    }

    /// What the operator types to confirm: the total credits, as plain decimal text.
    pub fn confirmation_total(&self) -> String {
        money::wire_text(&self.totals.credits)
    }

    /// Whether `typed` is the total. Thousands separators and spaces are forgiven, nothing else.
    pub fn confirms(&self, typed: &str) -> bool {
        let cleaned: String = typed
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
            .collect();
        !cleaned.is_empty()
            && cleaned.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && Decimal::from_str(&cleaned).is_ok_and(|d| d == self.totals.credits)
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
