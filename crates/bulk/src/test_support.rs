//! Builders shared by the bulk engine's unit tests.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::csv as bulk_csv;
use super::plan::{self, Plan, PlanOptions};
use flexprice_wire::models::{TopUpReceipt, TopUpResponse, Transaction, Wallet};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 8, 22, 10, 0, 0).unwrap()
}

pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn wallet(id: &str, currency: &str, status: &str) -> Wallet {
    serde_json::from_value(serde_json::json!({
        "id": id, "customer_id": "cust", "currency": currency, "balance": "100",
        "credit_balance": "100", "wallet_status": status, "conversion_rate": "1",
    }))
    .unwrap()
}

/// `n` active usd wallets `w1`..`wn`, plus `closed1` (closed) and `eur1` (eur, top-up rate 2).
pub fn wallets(n: usize) -> HashMap<String, Wallet> {
    let mut m: HashMap<String, Wallet> = (1..=n)
        .map(|i| {
            let id = format!("w{i}");
            (id.clone(), wallet(&id, "usd", "active"))
        })
        .collect();
    m.insert("closed1".into(), wallet("closed1", "usd", "closed"));
    let mut eur = wallet("eur1", "eur", "active");
    eur.topup_conversion_rate = Some(d("2"));
    eur.conversion_rate = d("2");
    m.insert("eur1".into(), eur);
    m
}

pub fn options() -> PlanOptions {
    PlanOptions {
        allow_duplicates: false,
        target: "http://127.0.0.1:1/v1#env".into(),
        now: now(),
        source: Some("test.csv".into()),
        usual: Default::default(),
    }
}

pub fn plan_from(text: &str, opts: &PlanOptions) -> Result<Plan, Vec<super::Issue>> {
    let raw = bulk_csv::read(text.as_bytes(), false)?;
    let drafts = plan::drafts_from_csv(raw, None, opts.now)?;
    Plan::build(drafts, &wallets(50), opts)
}

/// A plan of `n` rows, `w1`..`wn`, 10 credits each.
pub fn simple_plan(n: usize) -> Plan {
    let mut text = String::from("wallet_id,credits_to_add,transaction_reason\n");
    for i in 1..=n {
        text.push_str(&format!("w{i},10,FREE_CREDIT_GRANT\n"));
    }
    let raw = bulk_csv::read(text.as_bytes(), false).unwrap();
    let drafts = plan::drafts_from_csv(raw, None, now()).unwrap();
    Plan::build(drafts, &wallets(n), &options()).unwrap()
}

pub fn transaction(id: &str, wallet_id: &str, key: &str, credits: &str, after: &str) -> Transaction {
    serde_json::from_value(serde_json::json!({
        "id": id, "wallet_id": wallet_id, "type": "credit", "amount": credits,
        "credit_amount": credits, "credit_balance_before": "0", "credit_balance_after": after,
        "transaction_status": "completed", "idempotency_key": key,
        "transaction_reason": "FREE_CREDIT_GRANT",
    }))
    .unwrap()
}

pub fn receipt(tx: Transaction, credit_balance: &str) -> TopUpReceipt {
    TopUpReceipt::from(&response(tx, credit_balance))
}

pub fn response(tx: Transaction, credit_balance: &str) -> TopUpResponse {
    let mut w = wallet(&tx.wallet_id, "usd", "active");
    w.credit_balance = d(credit_balance);
    w.balance = d(credit_balance);
    TopUpResponse {
        wallet_transaction: Some(tx),
        wallet: w,
        invoice_id: None,
    }
}
