//! Evaluation after a balance change: the alert state and the auto top-up trigger.

use crate::error::ApiErr;
use crate::records::WalletRec;
use flexprice_wire::models::{Metadata, TransactionReason, TransactionStatus};

use super::ongoing_credit_balance;
use super::ops::{Credit, credit, pending_purchase, tx_id_for};
use super::ports::{Actor, Ids, LedgerStore};

/// How deep auto top-ups may chain (each one re-evaluates the wallet it just credited).
const MAX_AUTO_TOPUP_CHAIN: u32 = 8;

/// After every transaction that moves a balance: re-evaluate the alert state (most severe
/// level the ongoing balance hits) and fire the auto top-up when due. Failures here are logged
/// and never undo the transaction that triggered them (as in Flexprice).
pub fn after_change<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    chain: u32,
) {
    if let Err(e) = evaluate(s, ids, actor, wallet_id, chain) {
        tracing::warn!(wallet_id, error = %e.message, "sandbox: alert evaluation failed");
    }
}

/// Whether a change may set off anything for `w`: its alerts are enabled (without wallet
/// settings the tenant default applies, and it has alerts off) or its auto top-up is.
pub fn watched(w: &WalletRec) -> bool {
    w.alert_settings
        .as_ref()
        .is_some_and(|a| a.alert_enabled == Some(true))
        || w.auto_topup.as_ref().is_some_and(|a| a.is_enabled())
}

fn evaluate<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
    chain: u32,
) -> Result<(), ApiErr> {
    if !s.may_need_evaluation(wallet_id)? {
        return Ok(());
    }
    let Some(mut w) = s.wallet(wallet_id)? else {
        return Ok(());
    };
    if !watched(&w) {
        return Ok(());
    }
    // Without wallet settings the tenant default applies, and it has alerts off.
    let settings = w.alert_settings.clone().filter(|a| a.alert_enabled == Some(true));
    let auto = w.auto_topup.clone().filter(|a| a.is_enabled());
    let ongoing = ongoing_credit_balance(&w);
    if let Some(state) = settings.and_then(|st| super::alert_state(&st, ongoing))
        && w.alert_state != state
    {
        w.alert_state = state;
        w.updated_at = ids.now();
        s.atomically(|s| s.update_wallet(&w))?;
    }
    // A closed wallet is never topped up automatically: Flexprice's evaluators only see active
    // wallets (`GetWalletsByCustomerID`). Its direct call after a wallet operation does not
    // check, but there a closed wallet's real-time balance is 0, so each top-up would trigger
    // the next without end. A termination still tops up: its debit is evaluated inside the
    // termination's transaction, before the wallet closes.
    let Some(auto) = auto.filter(|_| w.is_active()) else {
        return Ok(());
    };
    let (Some(threshold), Some(amount)) = (auto.threshold, auto.amount) else {
        return Ok(());
    };
    if ongoing > threshold || chain >= MAX_AUTO_TOPUP_CHAIN {
        return Ok(());
    }
    let invoiced = auto.invoicing == Some(true);
    if invoiced && s.pending_auto_topup_invoice(&w.customer_id)? {
        return Ok(());
    }
    let last = s.last_auto_topup(&w.id)?;
    if let Some(last) = &last {
        if last.transaction_status == TransactionStatus::Pending {
            return Ok(());
        }
        if let Some(cd) = auto
            .cooldown
            .as_ref()
            .filter(|c| c.is_set())
            .and_then(|c| c.duration())
            && ids.now() < last.created_at + cd
        {
            return Ok(());
        }
    }
    let key = tx_id_for(ids);
    let c = Credit {
        credits: amount,
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
    if invoiced {
        pending_purchase(s, ids, actor, &w.id, c)?;
    } else {
        credit(s, ids, actor, &w.id, c, chain + 1)?;
    }
    Ok(())
}
