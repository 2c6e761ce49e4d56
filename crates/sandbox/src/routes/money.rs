//! The routes that move credits: top-up, debit, terminate, and the prepaid→postpaid modify.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Id, St, bind, ok};
use crate::error::ApiErr;
use crate::ledger::lifecycle;
use crate::ledger::ops::{self, Debit, load_wallet};
use crate::ledger::topup::{self, TopUp};
use crate::records::{TxRec, WalletRec};
use flexprice_wire::models::{Metadata, TransactionReason};
use flexprice_wire::money;

#[derive(Deserialize)]
struct TopUpBody {
    #[serde(with = "money::opt_dec", default)]
    credits_to_add: Option<Decimal>,
    #[serde(with = "money::opt_dec", default)]
    amount: Option<Decimal>,
    transaction_reason: String,
    #[serde(default)]
    expiry_date_utc: Option<DateTime<Utc>>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    idempotency_key: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(with = "money::opt_dec", default)]
    bonus_credits_to_add: Option<Decimal>,
    #[serde(default)]
    bonus_credits_expiry_date_utc: Option<DateTime<Utc>>,
    #[serde(default)]
    force_sync_invoice: Option<bool>,
    #[serde(default)]
    checkout: Option<Value>,
}

#[derive(Serialize)]
struct TopUpReply<'a> {
    wallet_transaction: &'a TxRec,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoice_id: Option<&'a str>,
    wallet: &'a WalletRec,
}

pub async fn top_up(st: St, id: Id, body: Bytes) -> Response {
    let req: TopUpBody = match bind(&body, ApiErr::bad_body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // `binding:"required"` refuses an empty string too.
    if req.transaction_reason.is_empty() {
        return ApiErr::bad_body().into_response();
    }
    let _ = req.force_sync_invoice;
    let id = id.0;
    let input = TopUp {
        credits_to_add: req.credits_to_add.unwrap_or_default(),
        amount: req.amount.unwrap_or_default(),
        transaction_reason: req.transaction_reason,
        expiry_date_utc: req.expiry_date_utc,
        priority: req.priority,
        idempotency_key: req.idempotency_key,
        description: req.description,
        metadata: req.metadata,
        bonus_credits_to_add: req.bonus_credits_to_add,
        bonus_credits_expiry_date_utc: req.bonus_credits_expiry_date_utc,
        checkout: req.checkout.is_some_and(|c| !c.is_null()),
    };
    let result = st
        .db(move |core, actor| topup::top_up(&mut core.db, &mut core.ids, actor, &id, input))
        .await;
    match result {
        Ok(done) => ok(&TopUpReply {
            wallet_transaction: &done.tx,
            invoice_id: done.invoice_id.as_deref(),
            wallet: &done.wallet,
        }),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct DebitBody {
    #[serde(with = "money::opt_dec", default)]
    credits: Option<Decimal>,
    transaction_reason: String,
    idempotency_key: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    metadata: Option<Metadata>,
}

/// `ManualBalanceDebit`: validate the request, then the wallet (must be active), then debit.
pub async fn debit(st: St, id: Id, body: Bytes) -> Response {
    let req: DebitBody = match bind(&body, ApiErr::bad_body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    // Both are `binding:"required"` strings: gin refuses "" as it refuses a missing one.
    if req.transaction_reason.is_empty() || req.idempotency_key.is_empty() {
        return ApiErr::bad_body().into_response();
    }
    let credits = req.credits.unwrap_or_default();
    if credits <= Decimal::ZERO {
        return ApiErr::validation("Credits to debit must be a positive value")
            .detail("credits", money::wire_text(&credits))
            .into_response();
    }
    if req.transaction_reason != "MANUAL_BALANCE_DEBIT" {
        return ApiErr::validation("Invalid transaction reason")
            .detail("transaction_reason", req.transaction_reason.as_str())
            .detail("allowed_reasons", json!(["MANUAL_BALANCE_DEBIT"]))
            .into_response();
    }
    let id = id.0;
    let result = st
        .db(move |core, actor| {
            let w = load_wallet(&mut core.db, &id)?;
            if !w.is_active() {
                return Err(ApiErr::invalid_operation("Wallet is not active"));
            }
            ops::debit(
                &mut core.db,
                &mut core.ids,
                actor,
                &id,
                Debit {
                    credits,
                    reason: TransactionReason::ManualBalanceDebit,
                    description: req.description,
                    metadata: req.metadata,
                    idempotency_key: req.idempotency_key,
                },
            )?;
            load_wallet(&mut core.db, &id)
        })
        .await;
    match result {
        Ok(w) => ok(&w),
        Err(e) => e.into_response(),
    }
}

pub async fn terminate(st: St, id: Id) -> Response {
    let id = id.0;
    let result = st
        .db(move |core, actor| lifecycle::terminate(&mut core.db, &mut core.ids, actor, &id))
        .await;
    match result {
        Ok(()) => ok(&json!({"message": "wallet terminated successfully"})),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct ModifyBody {
    modification_type: String,
}

#[derive(Serialize)]
struct ModifyReply {
    original_wallet: WalletRec,
    new_wallet: WalletRec,
}

pub async fn modify(st: St, id: Id, body: Bytes) -> Response {
    let req: ModifyBody = match bind(&body, ApiErr::bad_body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if req.modification_type.is_empty() {
        return ApiErr::bad_body().into_response();
    }
    if req.modification_type != "prepaid_to_postpaid" {
        return ApiErr::validation("Invalid wallet modification request").into_response();
    }
    let id = id.0;
    let result = st
        .db(move |core, actor| lifecycle::to_postpaid(&mut core.db, &mut core.ids, actor, &id))
        .await;
    match result {
        Ok((original_wallet, new_wallet)) => ok(&ModifyReply {
            original_wallet,
            new_wallet,
        }),
        Err(e) => e.into_response(),
    }
}
