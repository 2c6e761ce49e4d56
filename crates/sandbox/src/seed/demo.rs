//! The demo data set (`assets/demo.toml`, compiled in): hand-written showcase wallets replayed
//! through the ledger, plus generated filler wallets.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::memstore::MemStore;
use super::{SeedIds, base_time, customer, dec, offset};
use crate::error::ApiErr;
use crate::ledger::ports::{Actor, Ids, LedgerStore};
use crate::ledger::{is_eligible, lifecycle, ops};
use crate::records::{AutoTopup, Cooldown};
use flexprice_wire::models::{
    AlertCondition, AlertSettings, AlertThreshold, Metadata, TransactionReason, WalletType,
};

pub const DEMO_TOML: &str = include_str!("../../../../assets/demo.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoFile {
    pub generate: Generate,
    #[serde(default)]
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub wallets: Vec<Wallet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    pub wallets: usize,
    pub seed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub key: String,
    pub name: String,
    pub email: String,
    pub joined: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wallet {
    pub customer: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub currency: String,
    #[serde(rename = "type", default = "pre_paid")]
    pub wallet_type: String,
    #[serde(default = "one")]
    pub conversion_rate: String,
    pub topup_conversion_rate: Option<String>,
    pub created: String,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    pub alerts: Option<Alerts>,
    pub auto_topup: Option<Auto>,
    #[serde(default)]
    pub history: Vec<Event>,
}

fn pre_paid() -> String {
    "PRE_PAID".into()
}

fn one() -> String {
    "1".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    pub enabled: bool,
    pub condition: String,
    pub critical: Option<String>,
    pub warning: Option<String>,
    pub info: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auto {
    pub enabled: bool,
    pub threshold: String,
    pub amount: String,
    pub invoicing: bool,
    /// `"30 minute"`, `"1 hour"`…
    pub cooldown: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub at: String,
    /// free, subscription, purchased, invoiced, credit_note, debit, manual_debit, expire_due,
    /// terminate, series (`count` debits of `credits`, `every` apart).
    pub kind: String,
    pub credits: Option<String>,
    pub priority: Option<i64>,
    /// Offset from the event's time.
    pub expires: Option<String>,
    pub description: Option<String>,
    pub count: Option<usize>,
    pub every: Option<String>,
}

fn bad(wallet: &str, what: impl std::fmt::Display) -> ApiErr {
    ApiErr::internal(format!("assets/demo.toml, wallet {wallet:?}: {what}"))
}

pub fn parse() -> Result<DemoFile, ApiErr> {
    toml::from_str(DEMO_TOML).map_err(|e| ApiErr::internal(format!("assets/demo.toml: {e}")))
}

pub fn apply(store: &mut MemStore, actor: &Actor) -> Result<(), ApiErr> {
    let file = parse()?;
    let mut ids = SeedIds::new(file.generate.seed);
    let base = base_time();
    let mut customers = HashMap::new();
    for c in &file.customers {
        ids.set_clock(base + offset(&c.joined).map_err(|e| bad(&c.key, e))?);
        let rec = customer(&mut ids, actor, &c.key, &c.name, &c.email);
        customers.insert(c.key.clone(), rec.id.clone());
        store.add_customer(rec);
    }
    for w in &file.wallets {
        let customer_id = customers
            .get(&w.customer)
            .ok_or_else(|| bad(&w.name, format!("unknown customer {:?}", w.customer)))?;
        showcase(store, &mut ids, actor, customer_id, w)?;
    }
    super::generate::apply(store, actor, file.generate.wallets, file.generate.seed)
}

fn threshold(
    w: &str,
    t: &Option<String>,
    condition: &AlertCondition,
) -> Result<Option<AlertThreshold>, ApiErr> {
    t.as_ref()
        .map(|t| {
            Ok(AlertThreshold {
                threshold: dec(t).map_err(|e| bad(w, e))?,
                condition: condition.clone(),
            })
        })
        .transpose()
}

fn showcase(
    store: &mut MemStore,
    ids: &mut SeedIds,
    actor: &Actor,
    customer_id: &str,
    w: &Wallet,
) -> Result<(), ApiErr> {
    let base = base_time();
    let name = w.name.as_str();
    let alerts = match &w.alerts {
        Some(a) => {
            let c = AlertCondition::parse(&a.condition);
            Some(AlertSettings {
                critical: threshold(name, &a.critical, &c)?,
                warning: threshold(name, &a.warning, &c)?,
                info: threshold(name, &a.info, &c)?,
                alert_enabled: Some(a.enabled),
            })
        }
        None => None,
    };
    let auto_topup = match &w.auto_topup {
        Some(a) => Some(AutoTopup {
            enabled: Some(a.enabled),
            threshold: Some(dec(&a.threshold).map_err(|e| bad(name, e))?),
            amount: Some(dec(&a.amount).map_err(|e| bad(name, e))?),
            invoicing: Some(a.invoicing),
            cooldown: a.cooldown.as_ref().map(|c| {
                let (v, u) = c.split_once(' ').unwrap_or((c.as_str(), "minute"));
                Cooldown {
                    value: v.parse().unwrap_or(0),
                    unit: u.to_string(),
                }
            }),
        }),
        None => None,
    };
    ids.set_clock(base + offset(&w.created).map_err(|e| bad(name, e))?);
    let rec = lifecycle::create(
        store,
        ids,
        actor,
        lifecycle::NewWallet {
            customer_id: customer_id.to_string(),
            currency: w.currency.clone(),
            wallet_type: Some(WalletType::parse(&w.wallet_type)),
            description: w.description.clone(),
            metadata: w.metadata.clone(),
            conversion_rate: dec(&w.conversion_rate).map_err(|e| bad(name, e))?,
            topup_conversion_rate: w
                .topup_conversion_rate
                .as_deref()
                .map(dec)
                .transpose()
                .map_err(|e| bad(name, e))?,
            alert_settings: alerts,
            auto_topup,
            name: Some(w.name.clone()),
            ..Default::default()
        },
    )?;
    let mut events: Vec<(DateTime<Utc>, &Event)> = Vec::new();
    for e in &w.history {
        events.push((base + offset(&e.at).map_err(|x| bad(name, x))?, e));
    }
    events.sort_by_key(|(t, _)| *t);
    for (at, e) in events {
        ids.set_clock(at);
        replay(store, ids, actor, &rec.id, e, at)
            .map_err(|x| bad(name, format!("{} at {}: {}", e.kind, e.at, x.message)))?;
    }
    Ok(())
}

fn replay(
    store: &mut MemStore,
    ids: &mut SeedIds,
    actor: &Actor,
    wallet_id: &str,
    e: &Event,
    at: DateTime<Utc>,
) -> Result<(), ApiErr> {
    let credits =
        || -> Result<Decimal, ApiErr> { dec(e.credits.as_deref().unwrap_or("")).map_err(ApiErr::validation) };
    let expiry = e
        .expires
        .as_deref()
        .map(|x| offset(x).map(|d| at + d))
        .transpose()
        .map_err(ApiErr::validation)?;
    let reason = match e.kind.as_str() {
        "free" => Some(TransactionReason::FreeCreditGrant),
        "subscription" => Some(TransactionReason::SubscriptionCreditGrant),
        "purchased" => Some(TransactionReason::PurchasedCreditDirect),
        "invoiced" => Some(TransactionReason::PurchasedCreditInvoiced),
        "credit_note" => Some(TransactionReason::CreditNote),
        _ => None,
    };
    if let Some(reason) = reason {
        let c = credits()?;
        let key = format!("demo_{}", ids.ulid());
        let done = crate::ledger::topup::top_up(
            store,
            ids,
            actor,
            wallet_id,
            crate::ledger::topup::TopUp {
                credits_to_add: c,
                transaction_reason: reason.as_str().into(),
                expiry_date_utc: expiry,
                priority: e.priority,
                idempotency_key: Some(key),
                description: e.description.clone().unwrap_or_default(),
                ..Default::default()
            },
        )?;
        let _ = done;
        return Ok(());
    }
    let debit = |store: &mut MemStore, ids: &mut SeedIds, reason: TransactionReason, c: Decimal| {
        let key = format!("demo_{}", ids.ulid());
        ops::debit(
            store,
            ids,
            actor,
            wallet_id,
            ops::Debit {
                credits: c,
                reason,
                description: e
                    .description
                    .clone()
                    .unwrap_or_else(|| "Usage for the period".into()),
                metadata: None,
                idempotency_key: key,
            },
        )
        .map(|_| ())
    };
    match e.kind.as_str() {
        "debit" => debit(store, ids, TransactionReason::InvoicePayment, credits()?),
        "manual_debit" => debit(store, ids, TransactionReason::ManualBalanceDebit, credits()?),
        "series" => {
            let every = offset(e.every.as_deref().unwrap_or("12h")).map_err(ApiErr::validation)?;
            let c = credits()?;
            for k in 0..e.count.unwrap_or(0) {
                ids.set_clock(at + every * (k as i32));
                debit(store, ids, TransactionReason::InvoicePayment, c)?;
            }
            Ok(())
        }
        "expire_due" => {
            let now = ids.now();
            let due: Vec<String> = store
                .open_credits(wallet_id)?
                .into_iter()
                .filter(|t| !is_eligible(t, now))
                .map(|t| t.id)
                .collect();
            for id in due {
                ops::expire_credit(store, ids, actor, &id)?;
            }
            Ok(())
        }
        "terminate" => lifecycle::terminate(store, ids, actor, wallet_id),
        other => Err(ApiErr::validation(format!("unknown event kind {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_parses() {
        let f = parse().unwrap();
        assert!(f.wallets.len() >= 10);
        assert!(f.generate.wallets > 0);
    }
}
