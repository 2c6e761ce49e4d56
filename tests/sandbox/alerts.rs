//! Alert states and the auto top-up, through the API.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::sandbox;
use crate::ledger::grant;

#[tokio::test]
async fn alert_state_follows_transactions_not_puts() {
    let sb = sandbox().await;
    let alerts = json!({"critical": {"threshold": "10", "condition": "below"},
                        "warning": {"threshold": "50", "condition": "below"},
                        "info": {"threshold": "100", "condition": "below"}, "alert_enabled": true});
    let w = sb
        .wallet(json!({"alert_settings": alerts, "initial_credits_to_load": "200"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    assert_eq!(w["alert_state"], "ok");
    let debit = |n: &str, key: &str| json!({"credits": n, "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": key});
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("120", "k1")).await;
    assert_eq!(w["alert_state"], "info");
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("40", "k2")).await;
    assert_eq!(w["alert_state"], "warning");
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("35", "k3")).await;
    assert_eq!(w["alert_state"], "in_alarm");
    // A PUT moving the thresholds does not re-evaluate…
    let moved = json!({"alert_settings": {"critical": {"threshold": "1", "condition": "below"}, "alert_enabled": true}});
    let w = sb
        .call(Method::PUT, &format!("/wallets/{id}"), Some(moved))
        .await
        .json();
    assert_eq!(w["alert_state"], "in_alarm");
    // …the next transaction does.
    let r = sb
        .top_up(&id, grant("FREE_CREDIT_GRANT", "1", json!({})))
        .await
        .json();
    assert_eq!(r["wallet"]["alert_state"], "ok");
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("5.5", "k4")).await;
    assert_eq!(w["alert_state"], "in_alarm");
    // Turning alerts off resets the state at once.
    let off = json!({"alert_settings": {"critical": {"threshold": "1", "condition": "below"}, "alert_enabled": false}});
    let w = sb
        .call(Method::PUT, &format!("/wallets/{id}"), Some(off))
        .await
        .json();
    assert_eq!(w["alert_state"], "ok");
    assert_eq!(sb.get(&format!("/wallets/{id}")).await["alert_state"], "ok");
}

#[tokio::test]
async fn auto_top_up_fires_at_the_threshold_with_cooldown_and_pending_guards() {
    let sb = sandbox().await;
    let auto = json!({"enabled": true, "threshold": "20", "amount": "100", "invoicing": false,
                      "cooldown": {"value": 1, "unit": "hour"}});
    let w = sb
        .wallet(json!({"auto_topup": auto, "initial_credits_to_load": "50"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    let debit = |n: &str, key: &str| json!({"credits": n, "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": key});
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("29", "a1")).await;
    assert_eq!(w["credit_balance"], "21", "above the threshold: nothing fires");
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("1", "a2")).await;
    assert_eq!(
        w["credit_balance"], "120",
        "falling to the threshold fires the top-up"
    );
    let auto_tx: Vec<Value> = sb
        .ledger(&id)
        .await
        .into_iter()
        .filter(|t| t["metadata"]["auto_topup"] == "true")
        .collect();
    assert_eq!(auto_tx.len(), 1);
    assert_eq!(auto_tx[0]["transaction_reason"], "PURCHASED_CREDIT_DIRECT");
    assert_eq!(
        auto_tx[0]["description"],
        "Auto top-up triggered for low ongoing balance"
    );
    let w = sb.post(&format!("/wallets/{id}/debit"), debit("110", "a3")).await;
    assert_eq!(w["credit_balance"], "10", "within the cooldown: no second top-up");

    // Invoiced: the pending purchase blocks the next one.
    let inv = json!({"enabled": true, "threshold": "20", "amount": "100", "invoicing": true});
    let w = sb
        .wallet(json!({"auto_topup": inv, "initial_credits_to_load": "30"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    sb.post(&format!("/wallets/{id}/debit"), debit("15", "b1")).await;
    sb.post(&format!("/wallets/{id}/debit"), debit("5", "b2")).await;
    let ledger = sb.ledger(&id).await;
    let pending: Vec<&Value> = ledger
        .iter()
        .filter(|t| t["transaction_status"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "one pending invoiced auto top-up, not two");
    assert_eq!(pending[0]["transaction_reason"], "PURCHASED_CREDIT_INVOICED");
    assert_eq!(sb.get(&format!("/wallets/{id}")).await["credit_balance"], "10");
}
