//! Evaluation after a balance change: the alert state and whether the auto top-up is due (the
//! top-up itself is the ledger's, `ops::after_change`).

use rust_decimal::Decimal;

use crate::error::ApiErr;
use crate::records::WalletRec;
use flexprice_wire::models::TransactionStatus;

use super::ongoing_credit_balance;
use super::ports::{Ids, LedgerStore};

/// How deep auto top-ups may chain (each one re-evaluates the wallet it just credited).
const MAX_AUTO_TOPUP_CHAIN: u32 = 8;

/// An auto top-up that is due: its credits, and whether it is invoiced (pending until paid).
pub struct AutoTopUp {
    pub wallet_id: String,
    pub credits: Decimal,
    pub invoiced: bool,
}

/// After every transaction that moves a balance: re-evaluate the alert state (most severe
/// level the ongoing balance hits) and say whether the auto top-up is due (`chain`: how many
/// auto top-ups led here). Failures here are logged and never undo the transaction that
/// triggered them (as in Flexprice).
pub fn evaluate_after_change<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    wallet_id: &str,
    chain: u32,
) -> Option<AutoTopUp> {
    match evaluate(s, ids, wallet_id, chain) {
        Ok(due) => due,
        Err(e) => {
            tracing::warn!(wallet_id, error = %e.message, "sandbox: alert evaluation failed");
            None
        }
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
    wallet_id: &str,
    chain: u32,
) -> Result<Option<AutoTopUp>, ApiErr> {
    if !s.may_need_evaluation(wallet_id)? {
        return Ok(None);
    }
    let Some(mut w) = s.wallet(wallet_id)? else {
        return Ok(None);
    };
    if !watched(&w) {
        return Ok(None);
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
        return Ok(None);
    };
    let (Some(threshold), Some(amount)) = (auto.threshold, auto.amount) else {
        return Ok(None);
    };
    if ongoing > threshold || chain >= MAX_AUTO_TOPUP_CHAIN {
        return Ok(None);
    }
    let invoiced = auto.invoicing == Some(true);
    if invoiced && s.pending_auto_topup_invoice(&w.customer_id)? {
        return Ok(None);
    }
    let last = s.last_auto_topup(&w.id)?;
    if let Some(last) = &last {
        if last.transaction_status == TransactionStatus::Pending {
            return Ok(None);
        }
        if let Some(cd) = auto
            .cooldown
            .as_ref()
            .filter(|c| c.is_set())
            .and_then(|c| c.duration())
            && ids.now() < last.created_at + cd
        {
            return Ok(None);
        }
    }
    Ok(Some(AutoTopUp {
        wallet_id: w.id,
        credits: amount,
        invoiced,
    }))
}
