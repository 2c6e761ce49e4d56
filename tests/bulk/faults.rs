//! 2,000 rows through 5xx, 429, lost replies and connection resets: every wallet credited
//! exactly once, checked against the ledger and the balances.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use rust_decimal::Decimal;

use flexwallet::api::RetryPolicy;
use flexwallet::bulk::{self, Event, ExecOptions, Plan, PlanOptions, RowStatus, plan};

use crate::common;

const ROWS: usize = 2000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_rows_through_faults_are_credited_exactly_once() {
    let t0 = std::time::Instant::now();
    let env = common::start(ROWS + ROWS / 5, Default::default()).await;
    eprintln!("sandbox up {:?}", t0.elapsed());
    let wallets = env.active_wallets(ROWS).await;
    let before = env.credit_balances().await;

    let mut text = String::from("wallet_id,credits_to_add,transaction_reason,description\n");
    for (i, w) in wallets.iter().enumerate() {
        // Distinct amounts, so a credit landing on the wrong wallet or twice shows in the sums.
        text.push_str(&format!(
            "{},{}.{:02},FREE_CREDIT_GRANT,\"fault test, row {i}\"\n",
            w.id,
            1 + i % 97,
            i % 100
        ));
    }
    let now = Utc::now();
    let raw = bulk::csv::read(text.as_bytes(), false).unwrap();
    let drafts = plan::drafts_from_csv(raw, None, now).unwrap();
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

    eprintln!("planned {:?}", t0.elapsed());
    let dir = tempfile::tempdir().unwrap();
    let prepared = bulk::prepare(&plan, &dir.path().join("job.jsonl"), false).unwrap();
    env.set_faults(serde_json::json!({
        "fail_rate": 0.20,
        // 5% answered 429 with `Retry-After: 1` whatever the pace: a per-second limit would
        // throttle nothing on a machine slow enough never to reach it.
        "throttle_rate": 0.05,
        "lost_reply_rate": 0.02,
        "reset_rate": 0.02,
        "latency_ms": 0,
    }))
    .await;
    let exec = ExecOptions {
        concurrency: 32,
        retry: RetryPolicy {
            max_attempts: 20,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
        },
    };
    let handle = bulk::executor::spawn(prepared, Arc::new(env.client.clone()), None, exec);
    let mut progress = handle.progress;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    while let Some(p) = progress.recv().await {
        if let Event::Retrying { error, .. } = &p.event {
            let kind = if error.starts_with("429") {
                "429"
            } else if error.starts_with('5') {
                "5xx"
            } else {
                "no answer"
            };
            *seen.entry(kind).or_default() += 1;
        }
    }
    let report = handle.task.await.unwrap();
    eprintln!("job done {:?}", t0.elapsed());
    eprintln!("retries by cause: {seen:?}; {:?}", report.counts);
    env.faults_off().await;

    assert!(report.all_done(), "{:?}", report.counts);
    for cause in ["5xx", "429", "no answer"] {
        assert!(
            seen.get(cause).copied().unwrap_or(0) > 0,
            "no {cause} was injected: {seen:?}"
        );
    }
    assert!(
        report.counts.retries > ROWS / 10,
        "faults were injected: {:?}",
        report.counts
    );
    assert!(
        report.states.iter().any(|s| s.already_applied),
        "some lost replies were confirmed through the ledger"
    );
    let after = env.credit_balances().await;
    let mut total = Decimal::ZERO;
    for row in plan.rows.iter() {
        assert_eq!(
            after[&row.wallet_id],
            before[&row.wallet_id] + row.credits,
            "balance of {} (line {})",
            row.wallet_id,
            row.line
        );
        total += row.credits;
    }
    assert_eq!(total, plan.totals.credits);
    eprintln!("balances checked {:?}", t0.elapsed());
    assert!(report.states.iter().all(|s| s.status == RowStatus::Done));
    // Every key appears exactly once in its wallet's ledger (checked 16 wallets at a time).
    let counts: Vec<usize> = futures::stream::iter(plan.rows.iter())
        .map(|row| env.transactions_with_key(&row.wallet_id, &row.key))
        .buffered(16)
        .collect()
        .await;
    for (row, n) in plan.rows.iter().zip(counts) {
        assert_eq!(n, 1, "ledger of {} for key {}", row.wallet_id, row.key);
    }
    eprintln!("ledger checked {:?}", t0.elapsed());
}
