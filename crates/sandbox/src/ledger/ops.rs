//! The wallet operations (credit, pending purchase, debit, evaluation after a change, auto
//! top-up, terminate), written once over [`LedgerStore`] so that the SQLite store, the seeder
//! and the burn all go through the same code.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{credits_available, fits_storage, lot_is_eligible, lot_order, round9};
use crate::error::ApiErr;
use crate::records::{TxRec, WalletRec};
use flexprice_wire::models::{Metadata, TransactionReason, TransactionStatus, TransactionType};

use super::alerts::{AutoTopUp, evaluate_after_change};
pub use super::ports::{Actor, Ids, LedgerStore};

pub fn wallet_id_for(ids: &mut dyn Ids) -> String {
    format!("wallet_{}", ids.ulid())
}

pub fn tx_id_for(ids: &mut dyn Ids) -> String {
    format!("wtxn_{}", ids.ulid())
}

/// The repository's not-found: message plus the id in details.
pub fn wallet_not_found(id: &str) -> ApiErr {
    ApiErr::not_found("Wallet not found").detail("wallet_id", id)
}

pub fn load_wallet<S: LedgerStore>(s: &mut S, id: &str) -> Result<WalletRec, ApiErr> {
    s.wallet(id)?.ok_or_else(|| wallet_not_found(id))
}

/// What a credit writes (`WalletOperation` of type credit).
#[derive(Debug, Clone, Default)]
pub struct Credit {
    /// Unrounded: the amount is computed from it before Postgres rounds either.
    pub credits: Decimal,
    pub reason: TransactionReason,
    pub description: String,
    pub metadata: Option<Metadata>,
    pub expiry: Option<DateTime<Utc>>,
    pub priority: Option<i64>,
    pub idempotency_key: String,
    pub reference_type: &'static str,
    pub reference_id: String,
    pub bonus: Option<(Decimal, Option<DateTime<Utc>>)>,
}

/// What a debit writes.
#[derive(Debug, Clone)]
pub struct Debit {
    pub credits: Decimal,
    pub reason: TransactionReason,
    pub description: String,
    pub metadata: Option<Metadata>,
    pub idempotency_key: String,
}

fn base_tx(ids: &mut dyn Ids, actor: &Actor, w: &WalletRec, now: DateTime<Utc>) -> TxRec {
    TxRec {
        id: tx_id_for(ids),
        wallet_id: w.id.clone(),
        customer_id: w.customer_id.clone(),
        tx_type: TransactionType::Credit,
        amount: Decimal::ZERO,
        credit_amount: Decimal::ZERO,
        credit_balance_before: w.credit_balance,
        credit_balance_after: w.credit_balance,
        transaction_status: TransactionStatus::Completed,
        reference_type: String::new(),
        reference_id: String::new(),
        description: String::new(),
        metadata: Some(Metadata::new()),
        expiry_date: None,
        credits_available: Decimal::ZERO,
        transaction_reason: TransactionReason::FreeCreditGrant,
        priority: None,
        currency: w.currency.clone(),
        parent_transaction_id: None,
        conversion_rate: None,
        topup_conversion_rate: None,
        idempotency_key: String::new(),
        environment_id: actor.environment_id.clone(),
        tenant_id: actor.tenant_id.clone(),
        status: "published".into(),
        created_at: now,
        updated_at: now,
        created_by: actor.user_id.clone(),
        updated_by: actor.user_id.clone(),
    }
}

/// `CreateTransaction`: a taken key is 409 with the transaction's wallet, type and amount.
fn insert_checked<S: LedgerStore>(s: &mut S, tx: &TxRec) -> Result<(), ApiErr> {
    for v in [
        tx.amount,
        tx.credit_amount,
        tx.credit_balance_before,
        tx.credit_balance_after,
    ] {
        if !fits_storage(v) {
            return Err(ApiErr::database("Failed to create wallet transaction")
                .detail("wallet_id", tx.wallet_id.as_str())
                .detail("type", tx.tx_type.as_str())
                .detail("amount", flexprice_wire::money::wire_text(&tx.amount)));
        }
    }
    if s.insert_tx(tx)? {
        return Ok(());
    }
    Err(
        ApiErr::already_exists("A wallet transaction with this idempotency key already exists")
            .detail("wallet_id", tx.wallet_id.as_str())
            .detail("type", tx.tx_type.as_str())
            .detail("amount", flexprice_wire::money::wire_text(&tx.amount))
            .detail("idempotency_key", tx.idempotency_key.as_str()),
    )
}

fn set_balance<S: LedgerStore>(
    s: &mut S,
    w: &mut WalletRec,
    credit_balance: Decimal,
    now: DateTime<Utc>,
) -> Result<(), ApiErr> {
    let balance = match credit_balance.checked_mul(w.conversion_rate).map(round9) {
        Some(b) if fits_storage(b) => b,
        b => {
            let mut e =
                ApiErr::database("Failed to update wallet balance").detail("wallet_id", w.id.as_str());
            if let Some(b) = b {
                e = e.detail("balance", flexprice_wire::money::wire_text(&b));
            }
            return Err(e.detail(
                "credit_balance",
                flexprice_wire::money::wire_text(&credit_balance),
            ));
        }
    };
    w.credit_balance = round9(credit_balance);
    w.balance = balance;
    w.updated_at = now;
    s.update_wallet(w)
}

/// A number the transaction stores, rounded like Postgres. Go's decimals have no upper bound:
/// Flexprice computes any amount and Postgres refuses what does not fit `numeric(20,9)` (the 500
/// of [`insert_checked`]). A `Decimal` overflows first (past 7.9e28): the same 500 then, without
/// the amount it cannot write down.
fn stored(v: Option<Decimal>, wallet_id: &str, tx_type: &TransactionType) -> Result<Decimal, ApiErr> {
    v.map(round9).ok_or_else(|| {
        ApiErr::database("Failed to create wallet transaction")
            .detail("wallet_id", wallet_id)
            .detail("type", tx_type.as_str())
    })
}

/// Flexprice's check on a credit's or debit's amount (the same message for both).
fn require_positive(credits: Decimal) -> Result<(), ApiErr> {
    if credits <= Decimal::ZERO {
        return Err(ApiErr::validation(
            "Wallet transaction amount must be greater than 0",
        ));
    }
    Ok(())
}

/// After every transaction that moves a balance: the alert evaluation, then the auto top-up it
/// calls for (`chain`: how many auto top-ups led here), which is evaluated in turn. Failures
/// are logged and never undo the transaction that triggered them (as in Flexprice).
fn after_change<S: LedgerStore>(s: &mut S, ids: &mut dyn Ids, actor: &Actor, wallet_id: &str, chain: u32) {
    let Some(AutoTopUp {
        wallet_id,
        credits,
        invoiced,
    }) = evaluate_after_change(s, ids, wallet_id, chain)
    else {
        return;
    };
    let key = tx_id_for(ids);
    let c = Credit {
        credits,
        reason: if invoiced {
            TransactionReason::PurchasedCreditInvoiced
        } else {
            TransactionReason::PurchasedCreditDirect
        },
        description: "Auto top-up triggered for low ongoing balance".into(),
        metadata: Some(Metadata::from([("auto_topup".to_string(), "true".to_string())])),
        reference_type: "EXTERNAL",
        reference_id: key.clone(),
        idempotency_key: key,
        ..Default::default()
    };
    let done = if invoiced {
        pending_purchase(s, ids, actor, &wallet_id, c).map(drop)
    } else {
        credit(s, ids, actor, &wallet_id, c, chain + 1).map(drop)
    };
    if let Err(e) = done {
        tracing::warn!(wallet_id, error = %e.message, "sandbox: alert evaluation failed");
    }
}

/// `processWalletOperation` for a credit, then the evaluation that follows it.
pub fn credit<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    c: Credit,
    chain: u32,
) -> Result<TxRec, ApiErr> {
    let tx = s.atomically(|s| {
        let mut w = load_wallet(s, wallet_id)?;
        require_positive(c.credits)?;
        let now = ids.now();
        let after = stored(
            w.credit_balance.checked_add(c.credits),
            wallet_id,
            &TransactionType::Credit,
        )?;
        let mut tx = base_tx(ids, actor, &w, now);
        tx.amount = stored(
            c.credits.checked_mul(w.topup_conversion_rate),
            wallet_id,
            &TransactionType::Credit,
        )?;
        tx.credit_amount = round9(c.credits);
        tx.credit_balance_after = after;
        tx.reference_type = c.reference_type.into();
        tx.reference_id = c.reference_id.clone();
        tx.description = c.description.clone();
        tx.metadata = Some(c.metadata.clone().unwrap_or_default());
        tx.expiry_date = c.expiry;
        tx.transaction_reason = c.reason.clone();
        tx.priority = c.priority;
        tx.topup_conversion_rate = Some(w.topup_conversion_rate);
        tx.idempotency_key = c.idempotency_key.clone();
        tx.credits_available = credits_available(&tx.tx_type, w.credit_balance, after, tx.credit_amount);
        insert_checked(s, &tx)?;
        let mut balance = after;
        if let Some((bonus, bonus_expiry)) = c.bonus.filter(|(b, _)| *b > Decimal::ZERO) {
            let mut b = base_tx(ids, actor, &w, now);
            b.credit_balance_before = balance;
            balance = stored(balance.checked_add(bonus), wallet_id, &TransactionType::Credit)?;
            b.credit_balance_after = balance;
            b.amount = stored(
                bonus.checked_mul(w.topup_conversion_rate),
                wallet_id,
                &TransactionType::Credit,
            )?;
            b.credit_amount = round9(bonus);
            b.description = "Bonus credits for purchase".into();
            b.metadata = tx.metadata.clone();
            b.transaction_reason = TransactionReason::PurchasedCreditBonus;
            b.parent_transaction_id = Some(tx.id.clone());
            b.topup_conversion_rate = Some(w.topup_conversion_rate);
            b.expiry_date = bonus_expiry;
            b.credits_available =
                credits_available(&b.tx_type, b.credit_balance_before, balance, b.credit_amount);
            insert_checked(s, &b)?;
        }
        set_balance(s, &mut w, balance, now)?;
        Ok(tx)
    })?;
    after_change(s, ids, actor, wallet_id, chain);
    Ok(tx)
}

/// The pending half of `PURCHASED_CREDIT_INVOICED`: the credit waits for its invoice to be
/// paid; the balance does not move. Returns the transaction and the invoice id.
pub fn pending_purchase<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    c: Credit,
) -> Result<(TxRec, String), ApiErr> {
    s.atomically(|s| {
        let w = load_wallet(s, wallet_id)?;
        let now = ids.now();
        let mut tx = base_tx(ids, actor, &w, now);
        tx.transaction_status = TransactionStatus::Pending;
        tx.amount = stored(
            c.credits.checked_mul(w.topup_conversion_rate),
            wallet_id,
            &TransactionType::Credit,
        )?;
        tx.credit_amount = round9(c.credits);
        tx.reference_type = "EXTERNAL".into();
        tx.reference_id = c.idempotency_key.clone();
        tx.description = if c.description.is_empty() {
            "Purchased credits - pending payment".into()
        } else {
            c.description.clone()
        };
        tx.metadata = Some(c.metadata.clone().unwrap_or_default());
        tx.transaction_reason = TransactionReason::PurchasedCreditInvoiced;
        tx.priority = c.priority;
        tx.idempotency_key = c.idempotency_key.clone();
        tx.topup_conversion_rate = Some(w.topup_conversion_rate);
        tx.expiry_date = c.expiry;
        tx.credits_available =
            credits_available(&tx.tx_type, w.credit_balance, w.credit_balance, tx.credit_amount);
        insert_checked(s, &tx)?;
        if let Some((bonus, bonus_expiry)) = c.bonus.filter(|(b, _)| *b > Decimal::ZERO) {
            let mut b = base_tx(ids, actor, &w, now);
            b.transaction_status = TransactionStatus::Pending;
            b.amount = stored(
                bonus.checked_mul(w.topup_conversion_rate),
                wallet_id,
                &TransactionType::Credit,
            )?;
            b.credit_amount = round9(bonus);
            b.reference_type = "EXTERNAL".into();
            b.reference_id = c.idempotency_key.clone();
            b.description = "Bonus credits for purchase".into();
            b.metadata = tx.metadata.clone();
            b.transaction_reason = TransactionReason::PurchasedCreditBonus;
            b.parent_transaction_id = Some(tx.id.clone());
            b.topup_conversion_rate = Some(w.topup_conversion_rate);
            b.expiry_date = bonus_expiry;
            b.credits_available = b.credit_amount;
            insert_checked(s, &b)?;
        }
        let invoice_id = format!("inv_{}", ids.ulid());
        s.insert_invoice(&invoice_id, &tx.id, tx.is_auto_topup())?;
        Ok((tx, invoice_id))
    })
}

/// Paying the invoice of a pending purchase (`completePurchasedCreditTransaction`): the credit
/// completes against the balance of that moment.
pub fn complete_purchase<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    tx_id: &str,
) -> Result<TxRec, ApiErr> {
    let tx = s.atomically(|s| {
        let mut tx = s
            .tx(tx_id)?
            .ok_or_else(|| ApiErr::not_found("Transaction not found").detail("transaction_id", tx_id))?;
        if tx.transaction_status != TransactionStatus::Pending {
            return Err(ApiErr::invalid_operation("Transaction is not pending"));
        }
        let mut w = load_wallet(s, &tx.wallet_id)?;
        let now = ids.now();
        let after = round9(w.credit_balance + tx.credit_amount);
        tx.credit_balance_before = w.credit_balance;
        tx.credit_balance_after = after;
        tx.credits_available = credits_available(&tx.tx_type, w.credit_balance, after, tx.credit_amount);
        tx.transaction_status = TransactionStatus::Completed;
        tx.updated_at = now;
        s.update_tx(&tx)?;
        set_balance(s, &mut w, after, now)?;
        Ok(tx)
    })?;
    after_change(s, ids, actor, &tx.wallet_id, 0);
    Ok(tx)
}

/// `processWalletOperation` for a debit: consumes credits by priority then expiry; only a
/// manual debit may take the balance below what the credits cover.
pub fn debit<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    d: Debit,
) -> Result<TxRec, ApiErr> {
    let tx = s.atomically(|s| {
        let mut w = load_wallet(s, wallet_id)?;
        require_positive(d.credits)?;
        let now = ids.now();
        let credits = round9(d.credits);
        let mut lots = s.open_lots(wallet_id)?;
        lots.retain(|l| lot_is_eligible(l, now));
        lots.sort_by(lot_order);
        let available: Decimal = lots.iter().map(|l| l.credits_available).sum();
        if available < credits && d.reason != TransactionReason::ManualBalanceDebit {
            return Err(
                ApiErr::invalid_operation("Insufficient balance to process debit operation")
                    .detail("wallet_id", wallet_id)
                    .detail("amount", flexprice_wire::money::wire_text(&credits)),
            );
        }
        let mut remaining = credits;
        let mut consumed = Vec::new();
        for mut lot in lots {
            if remaining.is_zero() {
                break;
            }
            let take = remaining.min(lot.credits_available);
            lot.credits_available = (lot.credits_available - take).normalize();
            s.draw_credit(&lot.id, lot.credits_available, now, &actor.user_id)?;
            remaining -= take;
            consumed.push(lot.id);
        }
        let after = stored(
            w.credit_balance.checked_sub(credits),
            wallet_id,
            &TransactionType::Debit,
        )?;
        let mut tx = base_tx(ids, actor, &w, now);
        tx.tx_type = TransactionType::Debit;
        tx.amount = stored(
            credits.checked_mul(w.conversion_rate),
            wallet_id,
            &TransactionType::Debit,
        )?;
        tx.credit_amount = credits;
        tx.credit_balance_after = after;
        tx.reference_type = "REQUEST".into();
        tx.reference_id = tx_id_for(ids);
        tx.description = d.description.clone();
        let mut metadata = d.metadata.clone().unwrap_or_default();
        if !consumed.is_empty() {
            metadata.insert("consumed_credit_tx_ids", consumed.join(","));
        }
        tx.metadata = Some(metadata);
        tx.transaction_reason = d.reason.clone();
        tx.conversion_rate = Some(w.conversion_rate);
        tx.idempotency_key = d.idempotency_key.clone();
        insert_checked(s, &tx)?;
        set_balance(s, &mut w, after, now)?;
        Ok(tx)
    })?;
    after_change(s, ids, actor, wallet_id, 0);
    Ok(tx)
}

/// The credits of one expired grant leave the wallet (Flexprice's expiry job).
pub fn expire_credit<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    tx_id: &str,
) -> Result<(), ApiErr> {
    let wallet_id = s.atomically(|s| {
        let Some(mut lot) = s.tx(tx_id)? else {
            return Ok(None);
        };
        if lot.credits_available <= Decimal::ZERO {
            return Ok(None);
        }
        let mut w = load_wallet(s, &lot.wallet_id)?;
        let now = ids.now();
        let credits = lot.credits_available;
        lot.credits_available = Decimal::ZERO;
        lot.updated_at = now;
        s.update_tx(&lot)?;
        let after = stored(
            w.credit_balance.checked_sub(credits),
            &w.id,
            &TransactionType::Debit,
        )?;
        let mut tx = base_tx(ids, actor, &w, now);
        tx.tx_type = TransactionType::Debit;
        tx.amount = stored(
            credits.checked_mul(w.conversion_rate),
            &w.id,
            &TransactionType::Debit,
        )?;
        tx.credit_amount = credits;
        tx.credit_balance_after = after;
        tx.reference_type = "REQUEST".into();
        tx.reference_id = tx_id_for(ids);
        tx.description = "Credits expired".into();
        tx.metadata = Some(Metadata::from([(
            "consumed_credit_tx_ids".to_string(),
            lot.id.clone(),
        )]));
        tx.transaction_reason = TransactionReason::CreditExpired;
        tx.conversion_rate = Some(w.conversion_rate);
        tx.idempotency_key = format!("expire-{}", lot.id);
        insert_checked(s, &tx)?;
        set_balance(s, &mut w, after, now)?;
        Ok(Some(w.id))
    })?;
    if let Some(id) = wallet_id {
        after_change(s, ids, actor, &id, 0);
    }
    Ok(())
}
