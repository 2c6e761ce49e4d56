//! `POST /wallets/{id}/top-up` as Flexprice orders it: load the wallet (404), convert an amount
//! into credits, validate, pick or derive the idempotency key, then credit now or leave a
//! pending purchase behind an invoice.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::ops::{Credit, credit, pending_purchase};
use super::ports::{Actor, Ids, LedgerStore};
use super::{TOP_UP_REASONS, derive_key, div16, rfc3339_seconds};
use crate::error::ApiErr;
use crate::records::{TxRec, WalletRec};
use flexprice_wire::models::{Metadata, TransactionReason};
use flexprice_wire::money::wire_text;

/// A bound `TopUpWalletRequest`.
#[derive(Debug, Clone, Default)]
pub struct TopUp {
    pub credits_to_add: Decimal,
    pub amount: Decimal,
    pub transaction_reason: String,
    pub expiry_date_utc: Option<DateTime<Utc>>,
    pub priority: Option<i64>,
    pub idempotency_key: Option<String>,
    pub description: String,
    pub metadata: Option<Metadata>,
    pub bonus_credits_to_add: Option<Decimal>,
    pub bonus_credits_expiry_date_utc: Option<DateTime<Utc>>,
    pub checkout: bool,
}

/// What the reply is built from.
#[derive(Debug, Clone)]
pub struct TopUpDone {
    pub tx: TxRec,
    pub wallet: WalletRec,
    pub invoice_id: Option<String>,
}

/// `TopUpWalletRequest.Validate`, in its order. `credits` is after the amount conversion.
fn validate(req: &TopUp, credits: Decimal, now: DateTime<Utc>) -> Result<TransactionReason, ApiErr> {
    if credits <= Decimal::ZERO {
        return Err(ApiErr::validation("Credits to add must be a positive value")
            .detail("credits_to_add", wire_text(&credits)));
    }
    let reason = TransactionReason::parse(&req.transaction_reason);
    if !TOP_UP_REASONS.contains(&reason) {
        let allowed: Vec<Value> = TOP_UP_REASONS.iter().map(|r| json!(r.as_str())).collect();
        return Err(ApiErr::validation("Invalid transaction reason")
            .detail("transaction_reason", req.transaction_reason.as_str())
            .detail("allowed_reasons", allowed));
    }
    if req.expiry_date_utc.is_some_and(|e| e < now) {
        return Err(ApiErr::validation("Expiry date must be in the future"));
    }
    if req.priority.is_some_and(|p| p < 0) {
        return Err(ApiErr::validation("Priority must be a non-negative integer"));
    }
    if let Some(bonus) = req.bonus_credits_to_add.filter(|b| *b <= Decimal::ZERO) {
        return Err(
            ApiErr::validation("To grant no bonus credits, omit bonus_credits_to_add entirely")
                .detail("bonus_credits_to_add", wire_text(&bonus)),
        );
    }
    if req.bonus_credits_expiry_date_utc.is_some_and(|e| e < now) {
        return Err(ApiErr::validation(
            "Bonus credits expiry date must be in the future",
        ));
    }
    if req.checkout && reason != TransactionReason::PurchasedCreditInvoiced {
        return Err(ApiErr::validation(
            "Omit checkout, or set transaction_reason to PURCHASED_CREDIT_INVOICED",
        )
        .detail("transaction_reason", req.transaction_reason.as_str()));
    }
    Ok(reason)
}

pub fn top_up<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    req: TopUp,
) -> Result<TopUpDone, ApiErr> {
    // This path's not-found carries no details (the service makes its own error).
    let w = s
        .wallet(wallet_id)?
        .ok_or_else(|| ApiErr::not_found("Wallet not found"))?;
    let mut credits = req.credits_to_add;
    if credits.is_zero() && !req.amount.is_zero() {
        // A quotient past what a `Decimal` holds is fine for Go's decimals; it goes on through
        // validation (sign first) and fails when stored. The extreme of its sign does the same.
        credits = div16(req.amount, w.topup_conversion_rate).unwrap_or(if req.amount.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
    }
    let now = ids.now();
    let reason = validate(&req, credits, now)?;
    let key = match req.idempotency_key.clone().filter(|k| !k.is_empty()) {
        Some(k) => k,
        None => derive_key(
            "wallet_top_up",
            &[
                ("wallet_id", wallet_id.to_string()),
                ("credits_to_add", wire_text(&credits)),
                ("transaction_reason", reason.as_str().to_string()),
                ("timestamp", rfc3339_seconds(now)),
            ],
        ),
    };
    let c = Credit {
        credits,
        reason: reason.clone(),
        description: req.description.clone(),
        metadata: req.metadata.clone(),
        expiry: req.expiry_date_utc,
        priority: req.priority,
        reference_type: "EXTERNAL",
        reference_id: key.clone(),
        idempotency_key: key,
        bonus: req
            .bonus_credits_to_add
            .map(|b| (b, req.bonus_credits_expiry_date_utc)),
    };
    if reason == TransactionReason::PurchasedCreditInvoiced {
        let (tx, invoice_id) = pending_purchase(s, ids, actor, wallet_id, c)?;
        let wallet = super::ops::load_wallet(s, wallet_id)?;
        return Ok(TopUpDone {
            tx,
            wallet,
            invoice_id: Some(invoice_id),
        });
    }
    let tx = credit(s, ids, actor, wallet_id, c, 0)?;
    let wallet = super::ops::load_wallet(s, wallet_id)?;
    Ok(TopUpDone {
        tx,
        wallet,
        invoice_id: None,
    })
}
