//! With `--db`, wallets and transactions survive a restart (and seeding does not run twice).

use serde_json::json;

use crate::common::{Sandbox, args};

#[tokio::test]
async fn a_db_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.db");
    let mut a = args();
    a.db = Some(path.clone());
    a.wallets = 20;

    let sb = Sandbox::start(a.clone()).await;
    assert_eq!(sb.sb.seeded.map(|r| r.wallets), Some(20));
    let w = sb
        .wallet(json!({"initial_credits_to_load": "7.25", "metadata": {"k": "v"}}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    let r = sb
        .top_up(&id, json!({"credits_to_add": "2.5", "transaction_reason": "PURCHASED_CREDIT_DIRECT", "idempotency_key": "persist-1"}))
        .await;
    assert_eq!(r.status, 200);
    let before_wallets = sb.get("/wallets").await;
    let before_ledger = sb.ledger(&id).await;
    sb.sb.shutdown().await;

    let sb = Sandbox::start(a).await;
    assert!(
        sb.sb.seeded.is_none(),
        "a database with wallets is not seeded again"
    );
    assert_eq!(sb.get("/wallets").await, before_wallets);
    assert_eq!(sb.ledger(&id).await, before_ledger);
    let w = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(w["credit_balance"], "9.75");
    // The idempotency index survived too.
    let again = sb
        .top_up(&id, json!({"credits_to_add": "2.5", "transaction_reason": "PURCHASED_CREDIT_DIRECT", "idempotency_key": "persist-1"}))
        .await;
    assert_eq!(again.status, 409);
}
