//! 64 concurrent top-ups: distinct keys sum exactly; one shared key lands exactly once.

use futures::future::join_all;
use rust_decimal::Decimal;
use serde_json::json;

use crate::common::{dec, sandbox};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_top_ups_sum_exactly() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({"initial_credits_to_load": "0.5"})).await;
    let id = w["id"].as_str().unwrap().to_string();
    let replies = join_all((0..64).map(|i| {
        let sb = &sb;
        let id = id.clone();
        async move {
            sb.top_up(
                &id,
                json!({
                    "credits_to_add": format!("{}.123456789", i + 1),
                    "transaction_reason": "PURCHASED_CREDIT_DIRECT",
                    "idempotency_key": format!("concurrent-{i}"),
                }),
            )
            .await
        }
    }))
    .await;
    assert!(replies.iter().all(|r| r.status == 200));
    // Σ (i + 1.123456789) for i in 0..64 = 2080 + 64 × 0.123456789.
    let expect = Decimal::new(5, 1) + Decimal::from(2080) + Decimal::new(123456789, 9) * Decimal::from(64);
    let wallet = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(dec(&wallet["credit_balance"]), expect);
    assert_eq!(dec(&wallet["balance"]), expect);
    let ledger = sb.ledger(&id).await;
    assert_eq!(ledger.len(), 65);
    let credited: Decimal = ledger.iter().map(|t| dec(&t["credit_amount"])).sum();
    assert_eq!(credited, expect, "the ledger agrees with the balance");
    // Each transaction saw the balance the previous one left: a serial history.
    let mut afters: Vec<(Decimal, Decimal)> = ledger
        .iter()
        .map(|t| (dec(&t["credit_balance_before"]), dec(&t["credit_balance_after"])))
        .collect();
    afters.sort();
    for pair in afters.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "no lost update");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_lands_once() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({})).await;
    let id = w["id"].as_str().unwrap().to_string();
    let body =
        json!({"credits_to_add": "25", "transaction_reason": "FREE_CREDIT_GRANT", "idempotency_key": "same"});
    let replies = join_all((0..64).map(|_| sb.top_up(&id, body.clone()))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let conflicts: Vec<_> = replies.iter().filter(|r| r.status == 409).collect();
    assert_eq!((ok, conflicts.len()), (1, 63));
    for c in conflicts {
        assert_eq!(c.json()["code"], "already_exists");
        assert_eq!(c.json()["details"]["idempotency_key"], "same");
    }
    let wallet = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(dec(&wallet["credit_balance"]), Decimal::from(25));
    let ledger = sb.ledger(&id).await;
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0]["idempotency_key"], "same");
}
