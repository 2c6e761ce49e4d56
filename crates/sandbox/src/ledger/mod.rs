//! Flexprice's wallet rules as pure functions: rounding to the stored precision, credits
//! available, debit order, the alert evaluator, the auto top-up trigger, derived keys.

pub mod alerts;
pub mod lifecycle;
pub mod ops;
pub mod ports;
pub mod topup;

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sha2::{Digest, Sha256};

use super::records::{Breakdown, TxRec, WalletRec};
use flexprice_wire::models::{AlertCondition, AlertSettings, AlertState, TransactionReason, TransactionType};

/// Balances and amounts are `numeric(20,9)`: Postgres rounds half away from zero.
pub fn round9(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(9, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// Rates are `numeric(10,5)`.
pub fn round5(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(5, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// shopspring's `Div`: the quotient rounded to 16 decimal places.
pub fn div16(a: Decimal, b: Decimal) -> Option<Decimal> {
    a.checked_div(b)
        .map(|q| q.round_dp_with_strategy(16, RoundingStrategy::MidpointAwayFromZero))
}

/// Whether a value fits `numeric(20,9)` (eleven integer digits).
pub fn fits_storage(d: Decimal) -> bool {
    d.abs() < Decimal::from(100_000_000_000i64)
}

/// `Transaction.ComputeCreditsAvailable`: a credit that lands on a negative balance first pays
/// the debt; only what is left above zero can be consumed later.
pub fn credits_available(
    tx_type: &TransactionType,
    before: Decimal,
    after: Decimal,
    credits: Decimal,
) -> Decimal {
    match tx_type {
        TransactionType::Credit if before < Decimal::ZERO => after.max(Decimal::ZERO),
        TransactionType::Credit => credits,
        _ => Decimal::ZERO,
    }
}

/// The order debits consume credits in (`FindEligibleCredits`): priority ascending with no
/// priority last, then earliest expiry with no expiry last, then the biggest credit first.
pub fn debit_order(a: &TxRec, b: &TxRec) -> Ordering {
    fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    nulls_last(&a.priority, &b.priority)
        .then_with(|| nulls_last(&a.expiry_date, &b.expiry_date))
        .then_with(|| b.credit_amount.cmp(&a.credit_amount))
        .then_with(|| a.created_at.cmp(&b.created_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// [`debit_order`] over [`ports::Lot`]s (the same fields, the same order).
pub fn lot_order(a: &ports::Lot, b: &ports::Lot) -> Ordering {
    fn nulls_last<T: Ord>(a: &Option<T>, b: &Option<T>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    nulls_last(&a.priority, &b.priority)
        .then_with(|| nulls_last(&a.expiry_date, &b.expiry_date))
        .then_with(|| b.credit_amount.cmp(&a.credit_amount))
        .then_with(|| a.created_at.cmp(&b.created_at))
        .then_with(|| a.id.cmp(&b.id))
}

/// [`is_eligible`] for an open credit (completed credit already): credits left, not expired.
pub fn lot_is_eligible(lot: &ports::Lot, now: DateTime<Utc>) -> bool {
    lot.credits_available > Decimal::ZERO && lot.expiry_date.is_none_or(|e| e >= now)
}

/// A credit a debit may draw from at `now`.
pub fn is_eligible(tx: &TxRec, now: DateTime<Utc>) -> bool {
    tx.tx_type == TransactionType::Credit
        && tx.transaction_status == flexprice_wire::models::TransactionStatus::Completed
        && tx.credits_available > Decimal::ZERO
        && tx.expiry_date.is_none_or(|e| e >= now)
}

/// `AlertSettings.AlertState`: the first configured level's condition decides the direction,
/// then the most severe level the ongoing balance hits wins. `None` when nothing is configured
/// (Flexprice logs an error and leaves the state alone).
pub fn alert_state(settings: &AlertSettings, ongoing: Decimal) -> Option<AlertState> {
    let condition = settings
        .critical
        .as_ref()
        .or(settings.warning.as_ref())
        .or(settings.info.as_ref())?
        .condition
        .clone();
    let hit = |level: &Option<flexprice_wire::models::AlertThreshold>| {
        level.as_ref().is_some_and(|l| match condition {
            AlertCondition::Above => ongoing >= l.threshold,
            _ => ongoing <= l.threshold,
        })
    };
    match condition {
        AlertCondition::Above | AlertCondition::Below => {}
        AlertCondition::Other(_) => return None,
    }
    Some(if hit(&settings.critical) {
        AlertState::InAlarm
    } else if hit(&settings.warning) {
        AlertState::Warning
    } else if hit(&settings.info) {
        AlertState::Info
    } else {
        AlertState::Ok
    })
}

/// The real-time credit balance the evaluator and the trigger look at. The sandbox has no
/// metered usage and no unpaid usage invoices, so it is the wallet balance in credits; a
/// wallet that is not active counts as zero (`GetWalletBalanceV2`).
pub fn ongoing_credit_balance(w: &WalletRec) -> Decimal {
    if !w.is_active() {
        return Decimal::ZERO;
    }
    div16(w.balance, w.conversion_rate).unwrap_or(w.credit_balance)
}

/// The breakdown over completed, published credit transactions. `None` when another credit
/// reason holds credits: Flexprice's query then produces a NULL group and silently omits it.
pub fn breakdown<'a>(credits: impl IntoIterator<Item = &'a TxRec>) -> Option<Breakdown> {
    let mut b = Breakdown::default();
    for tx in credits {
        if tx.tx_type != TransactionType::Credit
            || tx.transaction_status != flexprice_wire::models::TransactionStatus::Completed
            || tx.status != "published"
        {
            continue;
        }
        match tx.transaction_reason.bucket() {
            Some(flexprice_wire::models::CreditBucket::Purchased) => b.purchased += tx.credits_available,
            Some(flexprice_wire::models::CreditBucket::Free) => b.free += tx.credits_available,
            None => return None,
        }
    }
    b.purchased = b.purchased.normalize();
    b.free = b.free.normalize();
    Some(b)
}

/// `idempotency.Generator.GenerateKey`: `scope-` + the first 8 bytes of SHA-256 over
/// `scope:k1=v1:k2=v2…` with keys sorted.
pub fn derive_key(scope: &str, params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut input = scope.to_string();
    for (k, v) in sorted {
        input.push_str(&format!(":{k}={v}"));
    }
    let hash = Sha256::digest(input.as_bytes());
    format!("{scope}-{}", hex::encode(&hash[..8]))
}

/// Go's `time.RFC3339` in UTC: whole seconds.
pub fn rfc3339_seconds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The reasons a top-up accepts, in the order Flexprice lists them in `allowed_reasons`.
pub const TOP_UP_REASONS: [TransactionReason; 6] = [
    TransactionReason::FreeCreditGrant,
    TransactionReason::PurchasedCreditInvoiced,
    TransactionReason::PurchasedCreditDirect,
    TransactionReason::SubscriptionCreditGrant,
    TransactionReason::CreditNote,
    TransactionReason::InvoiceVoidRefund,
];

#[cfg(test)]
mod tests {
    use super::*;
    use flexprice_wire::models::AlertThreshold;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn division_rounds_like_shopspring_then_postgres() {
        let q = div16(d("10"), d("3")).unwrap();
        assert_eq!(q.to_string(), "3.3333333333333333");
        assert_eq!(round9(q).to_string(), "3.333333333");
        // Amount computed from the unrounded credits: 9.9999999999999999 rounds to 10.
        assert_eq!(round9(q * d("3")).to_string(), "10");
        assert_eq!(round9(d("0.0000000005")).to_string(), "0.000000001");
        assert_eq!(round5(d("1.234565")).to_string(), "1.23457");
    }

    #[test]
    fn alert_state_takes_the_most_severe_level_hit() {
        let lvl = |t: &str, c: AlertCondition| {
            Some(AlertThreshold {
                threshold: d(t),
                condition: c,
            })
        };
        let s = AlertSettings {
            critical: lvl("10", AlertCondition::Below),
            warning: lvl("50", AlertCondition::Below),
            info: lvl("100", AlertCondition::Below),
            alert_enabled: Some(true),
        };
        assert_eq!(alert_state(&s, d("5")), Some(AlertState::InAlarm));
        assert_eq!(alert_state(&s, d("10")), Some(AlertState::InAlarm));
        assert_eq!(alert_state(&s, d("30")), Some(AlertState::Warning));
        assert_eq!(alert_state(&s, d("100")), Some(AlertState::Info));
        assert_eq!(alert_state(&s, d("100.5")), Some(AlertState::Ok));
        let above = AlertSettings {
            critical: lvl("1000", AlertCondition::Above),
            ..Default::default()
        };
        assert_eq!(alert_state(&above, d("1000")), Some(AlertState::InAlarm));
        assert_eq!(alert_state(&AlertSettings::default(), d("0")), None);
    }

    #[test]
    fn derived_keys_match_the_go_generator() {
        // Computed with Flexprice's generator: sha256("wallet_top_up:credits_to_add=10:…").
        let key = derive_key(
            "wallet_top_up",
            &[
                ("wallet_id", "wallet_X".into()),
                ("credits_to_add", "10".into()),
                ("transaction_reason", "FREE_CREDIT_GRANT".into()),
                ("timestamp", "2026-08-22T10:11:12Z".into()),
            ],
        );
        let input = "wallet_top_up:credits_to_add=10:timestamp=2026-08-22T10:11:12Z:\
                     transaction_reason=FREE_CREDIT_GRANT:wallet_id=wallet_X";
        let expect = hex::encode(&Sha256::digest(input.as_bytes())[..8]);
        assert_eq!(key, format!("wallet_top_up-{expect}"));
        assert_eq!(key.len(), "wallet_top_up-".len() + 16);
    }

    #[test]
    fn credits_available_pays_debt_first() {
        let c = TransactionType::Credit;
        assert_eq!(credits_available(&c, d("-30"), d("70"), d("100")), d("70"));
        assert_eq!(credits_available(&c, d("-130"), d("-30"), d("100")), d("0"));
        assert_eq!(credits_available(&c, d("5"), d("105"), d("100")), d("100"));
        assert_eq!(
            credits_available(&TransactionType::Debit, d("5"), d("0"), d("5")),
            d("0")
        );
    }
}
