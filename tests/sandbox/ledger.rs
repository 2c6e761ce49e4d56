//! Ledger rules through the API: pending invoiced purchases, debit order, breakdowns, alert
//! states, auto top-up, terminate, conversions, derived keys, and our own client on top.

use reqwest::Method;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::common::{KEY, dec, sandbox};
use flexwallet::api::models::{ReferenceType, TopUpRequest, TransactionQuery, TransactionReason};
use flexwallet::api::{Client, ClientConfig, RetryPolicy, TopUpOutcome};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub fn grant(reason: &str, credits: &str, extra: Value) -> Value {
    let mut b = json!({"credits_to_add": credits, "transaction_reason": reason});
    if let (Some(o), Some(e)) = (b.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    b
}

#[tokio::test]
async fn invoiced_purchase_stays_pending_until_paid() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({"initial_credits_to_load": "5"})).await;
    let id = w["id"].as_str().unwrap();
    let r = sb
        .top_up(id, grant("PURCHASED_CREDIT_INVOICED", "100", json!({})))
        .await
        .json();
    let tx = &r["wallet_transaction"];
    assert_eq!(tx["transaction_status"], "pending");
    assert_eq!(tx["description"], "Purchased credits - pending payment");
    assert_eq!(
        (
            tx["credit_balance_before"].clone(),
            tx["credit_balance_after"].clone()
        ),
        (json!("5"), json!("5"))
    );
    let invoice = r["invoice_id"].as_str().expect("invoice_id").to_string();
    assert!(invoice.starts_with("inv_"));
    assert_eq!(r["wallet"]["credit_balance"], "5", "balance unchanged");
    let bal = sb
        .get(&format!(
            "/wallets/{id}/balance/real-time?expand=credits_available_breakdown"
        ))
        .await;
    assert_eq!(
        bal["credits_available_breakdown"],
        json!({"purchased": "0", "free": "5"})
    );
    // A direct top-up answers without invoice_id at all.
    let direct = sb
        .top_up(id, grant("PURCHASED_CREDIT_DIRECT", "1", json!({})))
        .await
        .json();
    assert!(direct.get("invoice_id").is_none());

    let paid = sb
        .http
        .post(format!("{}/_sandbox/invoices/{invoice}/pay", sb.sb.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    let w = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(w["credit_balance"], "106");
    let bal = sb
        .get(&format!(
            "/wallets/{id}/balance/real-time?expand=credits_available_breakdown"
        ))
        .await;
    assert_eq!(
        bal["credits_available_breakdown"],
        json!({"purchased": "101", "free": "5"})
    );
}

#[tokio::test]
async fn debits_consume_by_priority_then_expiry() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let mut ids = std::collections::HashMap::new();
    for (name, body) in [
        ("a", grant("FREE_CREDIT_GRANT", "100", json!({}))),
        (
            "b",
            grant("PURCHASED_CREDIT_DIRECT", "50", json!({"priority": 1})),
        ),
        (
            "c",
            grant(
                "PURCHASED_CREDIT_DIRECT",
                "30",
                json!({"priority": 0, "expiry_date_utc": "2099-01-01T00:00:00Z"}),
            ),
        ),
        (
            "d",
            grant(
                "FREE_CREDIT_GRANT",
                "20",
                json!({"expiry_date_utc": "2098-01-01T00:00:00Z"}),
            ),
        ),
    ] {
        let r = sb.top_up(&id, body).await.json();
        ids.insert(name, r["wallet_transaction"]["id"].as_str().unwrap().to_string());
    }
    let w = sb
        .post(
            &format!("/wallets/{id}/debit"),
            json!({"credits": "90", "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": "deb-1"}),
        )
        .await;
    assert_eq!(w["credit_balance"], "110");
    let ledger = sb.ledger(&id).await;
    let avail = |n: &str| {
        let tx = ledger.iter().find(|t| t["id"] == ids[n].as_str()).unwrap();
        tx["credits_available"].as_str().unwrap().to_string()
    };
    assert_eq!(
        [avail("c"), avail("b"), avail("d"), avail("a")],
        ["0", "0", "10", "100"]
    );
    let debit = ledger.iter().find(|t| t["type"] == "debit").unwrap();
    assert_eq!(debit["credits_available"], "0");
    assert_eq!(
        debit["metadata"]["consumed_credit_tx_ids"],
        format!("{},{},{}", ids["c"], ids["b"], ids["d"])
    );
    let b = sb
        .get(&format!(
            "/wallets/{id}/balance/real-time?expand=credits_available_breakdown"
        ))
        .await;
    assert_eq!(
        b["credits_available_breakdown"],
        json!({"purchased": "0", "free": "110"})
    );
    // A manual debit may overdraw; the next credit pays the debt first.
    sb.post(
        &format!("/wallets/{id}/debit"),
        json!({"credits": "150", "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": "deb-2"}),
    )
    .await;
    let r = sb
        .top_up(&id, grant("PURCHASED_CREDIT_DIRECT", "100", json!({})))
        .await
        .json();
    assert_eq!(r["wallet_transaction"]["credits_available"], "60");
    // A credit note holds credits of no bucket: Flexprice leaves the breakdown out.
    sb.top_up(&id, grant("CREDIT_NOTE", "5", json!({}))).await;
    let b = sb
        .get(&format!(
            "/wallets/{id}/balance/real-time?expand=credits_available_breakdown"
        ))
        .await;
    assert!(b.get("credits_available_breakdown").is_none());
}

#[tokio::test]
async fn terminate_and_closed_wallets() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({"initial_credits_to_load": "42"})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = sb
        .call(Method::POST, &format!("/wallets/{id}/terminate"), None)
        .await;
    assert_eq!(r.json(), json!({"message": "wallet terminated successfully"}));
    let w = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(
        (w["wallet_status"].clone(), w["credit_balance"].clone()),
        (json!("closed"), json!("0"))
    );
    let ledger = sb.ledger(&id).await;
    let term = ledger
        .iter()
        .find(|t| t["transaction_reason"] == "WALLET_TERMINATION")
        .unwrap();
    assert_eq!(
        (term["idempotency_key"].as_str(), term["credit_amount"].as_str()),
        (Some(id.as_str()), Some("42"))
    );
    let again = sb
        .call(Method::POST, &format!("/wallets/{id}/terminate"), None)
        .await;
    assert_eq!(
        again.json(),
        json!({"code":"invalid_operation","message":"Wallet is already terminated","http_status_code":400})
    );
    // Top-ups are not status-checked; debits are.
    assert_eq!(
        sb.top_up(&id, grant("FREE_CREDIT_GRANT", "1", json!({})))
            .await
            .status,
        200
    );
    let r = sb
        .call(
            Method::POST,
            &format!("/wallets/{id}/debit"),
            Some(
                json!({"credits": "1", "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": "x"}),
            ),
        )
        .await;
    assert_eq!(r.json()["message"], "Wallet is not active");
    let bal = sb.get(&format!("/wallets/{id}/balance/real-time")).await;
    assert_eq!(
        (
            bal["real_time_balance"].as_str(),
            bal["is_cached_fallback"].as_bool()
        ),
        (Some("0"), Some(false))
    );
    assert!(bal.get("unpaid_invoices_amount").is_none());
}

#[tokio::test]
async fn amounts_convert_with_the_topup_rate_and_round_like_postgres() {
    let sb = sandbox().await;
    let w = sb
        .wallet(json!({"conversion_rate": "2", "topup_conversion_rate": "2.5"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    let r = sb
        .top_up(
            &id,
            json!({"amount": "10", "transaction_reason": "PURCHASED_CREDIT_DIRECT"}),
        )
        .await
        .json();
    let tx = &r["wallet_transaction"];
    assert_eq!(
        (tx["credit_amount"].as_str(), tx["amount"].as_str()),
        (Some("4"), Some("10"))
    );
    assert_eq!(
        (
            r["wallet"]["credit_balance"].as_str(),
            r["wallet"]["balance"].as_str()
        ),
        (Some("4"), Some("8"))
    );
    let w3 = sb.wallet(json!({"topup_conversion_rate": "3"})).await;
    let id3 = w3["id"].as_str().unwrap();
    let r = sb
        .top_up(
            id3,
            json!({"amount": "10", "transaction_reason": "PURCHASED_CREDIT_DIRECT"}),
        )
        .await
        .json();
    // 10 / 3 has 16 decimals in Go; Postgres keeps 9. The amount comes from the unrounded credits.
    let tx = &r["wallet_transaction"];
    assert_eq!(
        (tx["credit_amount"].as_str(), tx["amount"].as_str()),
        (Some("3.333333333"), Some("10"))
    );
    let r = sb
        .top_up(
            id3,
            json!({"credits_to_add": "1.0000000004", "transaction_reason": "FREE_CREDIT_GRANT"}),
        )
        .await
        .json();
    assert_eq!(r["wallet_transaction"]["credit_amount"], "1");
    assert_eq!(dec(&r["wallet"]["credit_balance"]), d("4.333333333"));
}

#[tokio::test]
async fn keyless_top_ups_in_the_same_second_collide() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let mut collided = false;
    for attempt in 1..=3 {
        // Each attempt credits its own amount, so its key cannot meet the previous attempt's
        // second top-up when that one landed in the next second.
        let body = grant("FREE_CREDIT_GRANT", &attempt.to_string(), json!({}));
        let first = sb.top_up(&id, body.clone()).await;
        assert_eq!(first.status, 200, "attempt {attempt}: {}", first.text);
        let second = sb.top_up(&id, body).await;
        let key = first.json()["wallet_transaction"]["idempotency_key"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            key.starts_with("wallet_top_up-") && key.len() == "wallet_top_up-".len() + 16,
            "{key}"
        );
        if second.status == 409 {
            assert_eq!(second.json()["details"]["idempotency_key"], key.as_str());
            collided = true;
            break;
        }
        // The pair straddled a second boundary: try again.
    }
    assert!(collided, "identical keyless top-ups within a second must collide");
}

#[tokio::test]
async fn our_client_resolves_a_repeated_key_through_the_ledger() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let mut cfg = ClientConfig::new(sb.sb.url.clone(), SecretString::from(KEY.to_string()));
    cfg.retry = RetryPolicy::none();
    let client = Client::new(cfg).unwrap();
    let req = TopUpRequest {
        transaction_reason: TransactionReason::PurchasedCreditDirect,
        credits_to_add: Some(d("12.5")),
        idempotency_key: Some("client-key".into()),
        ..Default::default()
    };
    let first = client.top_up(&id, &req).await.unwrap();
    assert!(matches!(first, TopUpOutcome::Applied(_)));
    let second = client.top_up(&id, &req).await.unwrap();
    let TopUpOutcome::AlreadyApplied(tx) = second else {
        panic!("the 409 is resolved through the ledger")
    };
    assert_eq!(Some(tx.id.as_str()), first.transaction_id());
    assert_eq!(
        client.credited_by_key(&id, "client-key").await.unwrap(),
        d("12.5")
    );
    let page = client
        .transactions(
            &id,
            &TransactionQuery {
                reference_type: Some(ReferenceType::External),
                reference_id: Some("client-key".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let wallets = client.list_wallets(None).await.unwrap();
    assert_eq!(wallets.len(), 1);
    let bal = client.real_time_balance(&id).await.unwrap();
    assert_eq!(bal.real_time_balance, Some(d("12.5")));
}

/// The change feed the console keeps every balance fresh with: the wallets with a transaction
/// created since a time, across all wallets, in one small request.
#[tokio::test]
async fn the_change_feed_names_the_wallets_with_new_transactions() {
    let sb = sandbox().await;
    let a = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let b = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let client = Client::new(ClientConfig::new(
        sb.sb.url.clone(),
        SecretString::from(KEY.to_string()),
    ))
    .unwrap();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let quiet = client.changed_wallets(before).await.unwrap();
    assert!(quiet.wallet_ids.is_empty(), "{quiet:?}");
    assert!(quiet.complete);
    let r = sb
        .top_up(
            &a,
            grant(
                "PURCHASED_CREDIT_DIRECT",
                "5",
                json!({"idempotency_key": "feed-1"}),
            ),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let changes = client.changed_wallets(before).await.unwrap();
    assert_eq!(changes.wallet_ids.iter().collect::<Vec<_>>(), vec![&a]);
    assert!(!changes.wallet_ids.contains(&b));
    assert!(changes.as_of >= before);
    let later = client
        .changed_wallets(chrono::Utc::now() + chrono::Duration::seconds(5))
        .await
        .unwrap();
    assert!(later.wallet_ids.is_empty(), "{later:?}");
}

/// `POST /wallets/{id}/debit` takes `idempotency_key` as a required string: an empty one is
/// refused at binding, as a missing one is, and nothing is debited (seen: the sandbox debited
/// with an empty key).
#[tokio::test]
async fn a_debit_with_an_empty_idempotency_key_fails_binding() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({"initial_credits_to_load": "10"})).await;
    let id = w["id"].as_str().unwrap().to_string();
    for body in [
        json!({"credits": "1", "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": ""}),
        json!({"credits": "1", "transaction_reason": "MANUAL_BALANCE_DEBIT"}),
    ] {
        let r = sb
            .call(Method::POST, &format!("/wallets/{id}/debit"), Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(
            r.json(),
            json!({"code": "validation_error", "message": "Invalid request format", "http_status_code": 400}),
            "{body}"
        );
    }
    assert_eq!(sb.get(&format!("/wallets/{id}")).await["credit_balance"], "10");
}
