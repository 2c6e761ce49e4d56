//! A CSV's own idempotency key that the ledger already holds: the same top-up is confirmed as
//! done, a different one is a conflict (failed, nothing credited), never `unknown`.

use std::sync::Arc;

use chrono::Utc;

use flexwallet::api::models::{TopUpRequest, TransactionReason};
use flexwallet::bulk::{self, ExecOptions, Plan, PlanOptions, RowStatus, plan};

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reused_csv_keys_are_confirmed_or_refused_through_the_ledger() {
    let env = common::start(10, Default::default()).await;
    let w = env.active_wallets(3).await;
    let earlier = |credits: i64, key: &str| TopUpRequest {
        transaction_reason: TransactionReason::FreeCreditGrant,
        credits_to_add: Some(credits.into()),
        idempotency_key: Some(key.into()),
        ..TopUpRequest::default()
    };
    env.client
        .top_up_once(&w[0].id, &earlier(10, "inc-7-a"))
        .await
        .unwrap();
    env.client
        .top_up_once(&w[1].id, &earlier(99, "inc-7-b"))
        .await
        .unwrap();
    let before = env.credit_balances().await;

    let text = format!(
        "wallet_id,credits_to_add,transaction_reason,idempotency_key\n\
         {},10,FREE_CREDIT_GRANT,inc-7-a\n{},10,FREE_CREDIT_GRANT,inc-7-b\n{},10,FREE_CREDIT_GRANT,\n",
        w[0].id, w[1].id, w[2].id
    );
    let now = Utc::now();
    let drafts = plan::drafts_from_csv(bulk::csv::read(text.as_bytes(), false).unwrap(), None, now).unwrap();
    let ids: Vec<&str> = drafts.iter().map(|d| d.wallet_id.as_str()).collect();
    let found = flexwallet::bulk::fetch_wallets(&env.client, &ids).await.unwrap();
    let opts = PlanOptions {
        allow_duplicates: false,
        target: env.sandbox.url.clone(),
        now,
        source: None,
        usual: Default::default(),
    };
    let plan = Plan::build(drafts, &found, &opts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let prepared = bulk::prepare(&plan, &dir.path().join("job.jsonl"), false).unwrap();
    let report = bulk::executor::spawn(
        prepared,
        Arc::new(env.client.clone()),
        None,
        ExecOptions::default(),
    )
    .task
    .await
    .unwrap();

    let s = &report.states;
    assert_eq!(s[0].status, RowStatus::Done, "{:?}", s[0]);
    assert!(s[0].already_applied);
    assert_eq!(s[1].status, RowStatus::Failed, "{:?}", s[1]);
    let error = s[1].error.as_deref().unwrap();
    assert!(error.contains("inc-7-b") && error.contains("99"), "{error}");
    assert_eq!(s[2].status, RowStatus::Done);
    assert!(!s[2].already_applied);
    assert_eq!(flexwallet::bulk::cli::exit_code(&report), 2);
    let after = env.credit_balances().await;
    assert_eq!(after[&w[0].id], before[&w[0].id], "confirmed, not credited again");
    assert_eq!(after[&w[1].id], before[&w[1].id], "the conflict credited nothing");
    assert_eq!(
        after[&w[2].id],
        before[&w[2].id] + rust_decimal::Decimal::from(10)
    );
}
