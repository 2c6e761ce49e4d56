//! A wallet's life: creation (with its initial free credits), the prepaid→postpaid modify, and
//! termination.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::ops::{Credit, Debit, credit, debit, load_wallet, tx_id_for, wallet_id_for};
use super::ports::{Actor, Ids, LedgerStore};
use super::{derive_key, rfc3339_seconds, round5};
use crate::error::ApiErr;
use crate::records::{AutoTopup, WalletRec};
use flexprice_wire::models::{
    AlertSettings, AlertState, Metadata, PriceType, TransactionReason, WalletConfig, WalletStatus, WalletType,
};

/// A validated `POST /wallets` body.
#[derive(Debug, Clone, Default)]
pub struct NewWallet {
    pub customer_id: String,
    pub external_customer_id: String,
    pub currency: String,
    pub wallet_type: Option<WalletType>,
    pub description: String,
    pub metadata: Option<Metadata>,
    pub conversion_rate: Decimal,
    pub topup_conversion_rate: Option<Decimal>,
    pub initial_credits: Decimal,
    pub initial_credits_expiry: Option<DateTime<Utc>>,
    pub alert_settings: Option<AlertSettings>,
    pub auto_topup: Option<AutoTopup>,
    /// Set by the seeder only: Flexprice's API cannot name a wallet at creation.
    pub name: Option<String>,
}

/// `CreateWallet`: resolve the customer, refuse a second active twin, store, then load the
/// initial credits as a free grant. Returns the wallet as the reply shows it.
pub fn create<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    req: NewWallet,
) -> Result<WalletRec, ApiErr> {
    let mut customer_id = req.customer_id.clone();
    if customer_id.is_empty() {
        let customer = s
            .customer_by_external_id(&req.external_customer_id)?
            .ok_or_else(|| {
                ApiErr::not_found(format!(
                    "Customer with lookup key {} was not found",
                    req.external_customer_id
                ))
                .detail("lookup_key", req.external_customer_id.as_str())
            })?;
        customer_id = customer.id;
    }
    let wallet_type = req.wallet_type.clone().unwrap_or(WalletType::PrePaid);
    let mut w = new_wallet(ids, actor, &customer_id, &req.currency, wallet_type);
    ensure_no_active_twin(s, &w)?;
    let rate = if req.conversion_rate <= Decimal::ZERO {
        Decimal::ONE
    } else {
        req.conversion_rate
    };
    w.conversion_rate = round5(rate);
    w.topup_conversion_rate = round5(req.topup_conversion_rate.unwrap_or(rate));
    w.description = req.description.clone();
    w.metadata = req.metadata.clone();
    w.alert_settings = req.alert_settings.clone();
    w.auto_topup = req.auto_topup.clone();
    if let Some(name) = req.name.clone().filter(|n| !n.is_empty()) {
        w.name = name;
    }
    let id = w.id.clone();
    s.atomically(|s| {
        s.insert_wallet(&w)?;
        if req.initial_credits > Decimal::ZERO {
            let key = derive_key(
                "credit_grant",
                &[
                    ("wallet_id", id.clone()),
                    (
                        "credits_to_add",
                        flexprice_wire::money::wire_text(&req.initial_credits),
                    ),
                    ("transaction_reason", "FREE_CREDIT_GRANT".into()),
                    ("timestamp", rfc3339_seconds(ids.now())),
                ],
            );
            credit(
                s,
                ids,
                actor,
                &id,
                Credit {
                    credits: req.initial_credits,
                    reason: TransactionReason::FreeCreditGrant,
                    expiry: req.initial_credits_expiry,
                    reference_type: "EXTERNAL",
                    reference_id: key.clone(),
                    idempotency_key: key,
                    ..Default::default()
                },
                0,
            )?;
        }
        load_wallet(s, &id)
    })
}

/// `ModifyWallet` (`prepaid_to_postpaid`): the prepaid wallet's credits move to a new
/// postpaid wallet and the prepaid one closes.
pub fn to_postpaid<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    id: &str,
) -> Result<(WalletRec, WalletRec), ApiErr> {
    s.atomically(|s| {
        let original = load_wallet(s, id)?;
        if original.wallet_type != WalletType::PrePaid {
            return Err(
                ApiErr::invalid_operation("Only prepaid wallets can be converted to postpaid")
                    .detail("wallet_id", id)
                    .detail("wallet_type", original.wallet_type.as_str()),
            );
        }
        if !original.is_active() {
            return Err(ApiErr::invalid_operation("Only active wallets can be converted")
                .detail("wallet_id", id)
                .detail("wallet_status", original.wallet_status.as_str()));
        }
        for existing in s.active_wallets_of(&original.customer_id)? {
            if existing.wallet_type == WalletType::PostPaid && existing.currency == original.currency {
                return Err(ApiErr::already_exists(
                    "A customer can only have one active postpaid wallet per currency",
                )
                .detail("customer_id", original.customer_id.as_str())
                .detail("wallet_id", existing.id.as_str())
                .detail("currency", original.currency.as_str()));
            }
        }
        let transferred = original.credit_balance;
        if transferred > Decimal::ZERO {
            debit(
                s,
                ids,
                actor,
                id,
                Debit {
                    credits: transferred,
                    reason: TransactionReason::WalletTermination,
                    description: "Wallet conversion - prepaid to postpaid".into(),
                    metadata: None,
                    idempotency_key: format!("{id}_conversion_debit"),
                },
            )?;
        }
        let mut closed = load_wallet(s, id)?;
        closed.wallet_status = WalletStatus::Closed;
        closed.updated_at = ids.now();
        s.update_wallet(&closed)?;
        let mut post = new_wallet(
            ids,
            actor,
            &original.customer_id,
            &original.currency,
            WalletType::PostPaid,
        );
        post.description = format!("Converted from prepaid wallet {id}");
        post.metadata = Some(Metadata::from([("converted_from".to_string(), id.to_string())]));
        post.conversion_rate = original.conversion_rate;
        post.topup_conversion_rate = original.topup_conversion_rate;
        post.alert_settings = original.alert_settings.clone();
        post.auto_topup = original.auto_topup.clone();
        s.insert_wallet(&post)?;
        if transferred > Decimal::ZERO {
            let key = derive_key(
                "credit_grant",
                &[
                    ("wallet_id", post.id.clone()),
                    ("source_wallet_id", id.to_string()),
                    ("credits_to_add", flexprice_wire::money::wire_text(&transferred)),
                    ("transaction_reason", "FREE_CREDIT_GRANT".into()),
                    ("conversion_transfer", "true".into()),
                ],
            );
            let reference_id = tx_id_for(ids);
            credit(
                s,
                ids,
                actor,
                &post.id,
                Credit {
                    credits: transferred,
                    reason: TransactionReason::FreeCreditGrant,
                    description: "Credits transferred from prepaid wallet".into(),
                    reference_type: "REQUEST",
                    reference_id,
                    idempotency_key: key,
                    ..Default::default()
                },
                0,
            )?;
        }
        let post = load_wallet(s, &post.id)?;
        closed.credit_balance = Decimal::ZERO;
        closed.balance = Decimal::ZERO;
        Ok((closed, post))
    })
}

/// `TerminateWallet`: debit what is left (key = wallet id) and close.
pub fn terminate<S: LedgerStore>(
    s: &mut S,
    ids: &mut dyn Ids,
    actor: &Actor,
    wallet_id: &str,
) -> Result<(), ApiErr> {
    let w = load_wallet(s, wallet_id)?;
    if w.wallet_status == WalletStatus::Closed {
        return Err(ApiErr::invalid_operation("Wallet is already terminated"));
    }
    s.atomically(|s| {
        if w.credit_balance > Decimal::ZERO {
            debit(
                s,
                ids,
                actor,
                wallet_id,
                Debit {
                    credits: w.credit_balance,
                    reason: TransactionReason::WalletTermination,
                    description: "Wallet termination - remaining balance debit".into(),
                    metadata: None,
                    idempotency_key: wallet_id.to_string(),
                },
            )?;
        }
        let mut w = load_wallet(s, wallet_id)?;
        w.wallet_status = WalletStatus::Closed;
        w.updated_at = ids.now();
        w.updated_by = actor.user_id.clone();
        s.update_wallet(&w)
    })
}

/// A new wallet row with Flexprice's defaults (name, config, state `ok`).
pub fn new_wallet(
    ids: &mut dyn Ids,
    actor: &Actor,
    customer_id: &str,
    currency: &str,
    wallet_type: WalletType,
) -> WalletRec {
    let now = ids.now();
    let post_paid = wallet_type == WalletType::PostPaid;
    WalletRec {
        id: wallet_id_for(ids),
        customer_id: customer_id.to_string(),
        currency: currency.to_ascii_lowercase(),
        balance: Decimal::ZERO,
        credit_balance: Decimal::ZERO,
        wallet_status: WalletStatus::Active,
        name: format!(
            "{} Wallet - {}",
            if post_paid { "Postpaid" } else { "Prepaid" },
            currency.to_ascii_uppercase()
        ),
        description: String::new(),
        metadata: None,
        auto_topup: None,
        wallet_type,
        config: WalletConfig {
            allowed_price_types: Some(vec![if post_paid {
                PriceType::All
            } else {
                PriceType::Usage
            }]),
        },
        conversion_rate: Decimal::ONE,
        topup_conversion_rate: Decimal::ONE,
        environment_id: actor.environment_id.clone(),
        alert_settings: None,
        alert_state: AlertState::Ok,
        tenant_id: actor.tenant_id.clone(),
        status: "published".into(),
        created_at: now,
        updated_at: now,
        created_by: actor.user_id.clone(),
        updated_by: actor.user_id.clone(),
    }
}

/// The 409 of a second active wallet for the same customer, currency and type.
pub fn ensure_no_active_twin<S: LedgerStore>(s: &mut S, w: &WalletRec) -> Result<(), ApiErr> {
    if let Some(existing) = s.active_twin(&w.customer_id, &w.currency, &w.wallet_type)? {
        return Err(ApiErr::already_exists(
            "A customer can only have one active wallet per currency and wallet type",
        )
        .detail("customer_id", w.customer_id.as_str())
        .detail("wallet_id", existing.as_str())
        .detail("currency", w.currency.as_str())
        .detail("wallet_type", json!(w.wallet_type.as_str())));
    }
    Ok(())
}
