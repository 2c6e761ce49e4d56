//! Drafts: rows as the CSV (or the console's bulk form) asks for them, each field checked.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::Issue;
use super::csv::{self as bulk_csv, RawRow};
use super::limits;
use flexprice_wire::dates::{self, ExpirySpec};
use flexprice_wire::models::{Metadata, TransactionReason};
use flexprice_wire::money::{self, STORED_SCALE};

/// Flexprice stores keys in a varchar; keep CSV-given keys well inside any sane limit.
const MAX_KEY_LEN: usize = 200;

/// Credits or a currency amount (Flexprice converts amounts with the top-up rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    Credits(Decimal),
    Amount(Decimal),
}

/// One validated row before the wallets are known: what the CSV (or the console's form for each
/// marked wallet) asks for. `line` is the CSV line, or the 1-based position in a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftRow {
    pub line: u64,
    pub wallet_id: String,
    pub quantity: Quantity,
    pub reason: TransactionReason,
    pub expiry: Option<ExpirySpec>,
    pub priority: Option<i64>,
    pub description: Option<String>,
    pub metadata: Metadata,
    /// Given by the CSV; otherwise the plan derives `bulk-<job>-<n>`.
    pub idempotency_key: Option<String>,
    /// The currency the row's author meant (the CSV's optional `currency` column).
    pub currency: Option<String>,
}

/// The CSV's rows → drafts. Every bad field is reported with its line; `default_reason` is
/// `--reason` (already checked by [`parse_reason`]).
pub fn drafts_from_csv(
    rows: Vec<RawRow>,
    default_reason: Option<&TransactionReason>,
    now: DateTime<Utc>,
) -> Result<Vec<DraftRow>, Vec<Issue>> {
    match drafts_and_issues(rows, default_reason, now) {
        (drafts, issues) if issues.is_empty() => Ok(drafts),
        (_, issues) => Err(issues),
    }
}

/// The rows that are valid on their own, and the problems of the others.
pub fn drafts_and_issues(
    rows: Vec<RawRow>,
    default_reason: Option<&TransactionReason>,
    now: DateTime<Utc>,
) -> (Vec<DraftRow>, Vec<Issue>) {
    let mut drafts = Vec::with_capacity(rows.len());
    let mut issues = Vec::new();
    for raw in rows {
        match draft(raw, default_reason, now) {
            Ok(d) => drafts.push(d),
            Err(mut e) => issues.append(&mut e),
        }
    }
    (drafts, issues)
}

/// One row → its draft, or every problem of its fields.
pub(crate) fn draft(
    raw: RawRow,
    default_reason: Option<&TransactionReason>,
    now: DateTime<Utc>,
) -> Result<DraftRow, Vec<Issue>> {
    let line = raw.line;
    let mut issues = Vec::new();
    let wallet_id = raw.wallet_id.unwrap_or_default();
    if wallet_id.is_empty() {
        issues.push(Issue::field(line, bulk_csv::WALLET_ID, "is empty"));
    } else if wallet_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        issues.push(Issue::field(
            line,
            bulk_csv::WALLET_ID,
            format!("{wallet_id:?} contains spaces or control characters"),
        ));
    }
    let amount_of = |col: &str, text: &str, issues: &mut Vec<Issue>| {
        money::parse_amount(text, STORED_SCALE)
            .map_err(|e| issues.push(Issue::field(line, col, format!("{text:?}: {e}"))))
            .ok()
    };
    let quantity = match (&raw.credits_to_add, &raw.amount) {
        (Some(_), Some(_)) => {
            issues.push(Issue::at(
                line,
                "give credits_to_add or amount, not both (Flexprice would silently ignore amount)",
            ));
            None
        }
        (Some(c), None) => amount_of(bulk_csv::CREDITS_TO_ADD, c, &mut issues).map(Quantity::Credits),
        (None, Some(a)) => amount_of(bulk_csv::AMOUNT, a, &mut issues).map(Quantity::Amount),
        (None, None) => {
            issues.push(Issue::at(line, "credits_to_add or amount is required"));
            None
        }
    };
    let reason = match (&raw.transaction_reason, default_reason) {
        (Some(text), _) => match parse_reason(text) {
            Ok(r) => Some(r),
            Err(e) => {
                issues.push(Issue::field(line, bulk_csv::TRANSACTION_REASON, e));
                None
            }
        },
        (None, Some(r)) => Some(r.clone()),
        (None, None) => {
            issues.push(Issue::field(
                line,
                bulk_csv::TRANSACTION_REASON,
                "is empty (fill it in or pass --reason)",
            ));
            None
        }
    };
    let expiry = raw.expiry_date_utc.as_deref().and_then(|text| {
        dates::parse_expiry_spec(text)
            .and_then(|spec| dates::check_future(spec.resolve(now), now).map(|_| spec))
            .map_err(|e| issues.push(Issue::field(line, bulk_csv::EXPIRY_DATE_UTC, e.to_string())))
            .ok()
    });
    let priority = raw
        .priority
        .as_deref()
        .and_then(|text| match flexprice_wire::words::whole_number(text) {
            // Digits only, as the CSV says (no `+`).
            Ok(p) if text.bytes().all(|b| b.is_ascii_digit()) => Some(p),
            Ok(_) => {
                issues.push(Issue::field(
                    line,
                    bulk_csv::PRIORITY,
                    format!("{text:?} is not a whole number (0, 1, 2…; lower is consumed first)"),
                ));
                None
            }
            Err(e) => {
                issues.push(Issue::field(
                    line,
                    bulk_csv::PRIORITY,
                    format!("{e} (lower is consumed first)"),
                ));
                None
            }
        });
    if let Some(c) = &raw.currency
        && (c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        issues.push(Issue::field(
            line,
            bulk_csv::CURRENCY,
            format!("{c:?} is not a three-letter currency code (like USD)"),
        ));
    }
    if let Some(key) = &raw.idempotency_key
        && (key.len() > MAX_KEY_LEN || key.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        issues.push(Issue::field(
            line,
            bulk_csv::IDEMPOTENCY_KEY,
            format!("must be at most {MAX_KEY_LEN} characters without spaces"),
        ));
    }
    if let Some(Err(e)) = raw.description.as_deref().map(limits::check_description) {
        issues.push(Issue::field(line, bulk_csv::DESCRIPTION, e));
    }
    for (key, value) in &raw.metadata {
        if let Err(e) = limits::check_metadata_value(value) {
            issues.push(Issue::field(
                line,
                &format!("{}{key}", bulk_csv::METADATA_PREFIX),
                e,
            ));
        }
    }
    match (quantity, reason) {
        (Some(quantity), Some(reason)) if issues.is_empty() => Ok(DraftRow {
            line,
            wallet_id,
            quantity,
            reason,
            expiry,
            priority,
            description: raw.description,
            metadata: raw.metadata.into_iter().collect(),
            idempotency_key: raw.idempotency_key,
            currency: raw.currency,
        }),
        _ => Err(issues),
    }
}

/// The console's bulk form: one draft per marked wallet, all alike. `line` is the wallet's
/// 1-based position in the selection, so messages can point at it.
pub fn drafts_for_wallets(wallet_ids: &[String], template: &DraftRow) -> Vec<DraftRow> {
    wallet_ids
        .iter()
        .enumerate()
        .map(|(i, id)| DraftRow {
            line: i as u64 + 1,
            wallet_id: id.clone(),
            ..template.clone()
        })
        .collect()
}

/// A top-up reason as typed (case-insensitive); only the six Flexprice accepts on a top-up.
pub fn parse_reason(text: &str) -> Result<TransactionReason, String> {
    let r = TransactionReason::parse(&text.trim().to_ascii_uppercase());
    if r.is_top_up_reason() {
        Ok(r)
    } else {
        let allowed: Vec<&str> = TransactionReason::TOP_UP.iter().map(|r| r.as_str()).collect();
        Err(format!(
            "{:?} is not a top-up reason; use one of {}",
            text.trim(),
            allowed.join(", ")
        ))
    }
}
