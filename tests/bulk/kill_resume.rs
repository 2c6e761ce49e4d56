//! A CLI job killed with SIGKILL partway, then resumed: the ledger proves exactly once.

use std::io::Write;
use std::time::{Duration, Instant};

use flexwallet::bulk::journal::{self, Record};

use crate::common;

const ROWS: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_job_then_resume_credits_every_wallet_once() {
    let env = common::start(ROWS + ROWS / 5, Default::default()).await;
    let wallets = env.active_wallets(ROWS).await;
    let before = env.credit_balances().await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("credits.csv");
    let mut f = std::fs::File::create(&csv).unwrap();
    writeln!(f, "wallet_id,credits_to_add,transaction_reason").unwrap();
    for (i, w) in wallets.iter().enumerate() {
        writeln!(f, "{},{},PURCHASED_CREDIT_DIRECT", w.id, 10 + i).unwrap();
    }
    drop(f);
    let journal_path = home.path().join("job.jsonl");
    // Slow replies keep rows in flight when the kill lands.
    // 300 rows at concurrency 4 take about 4 s at 50 ms: room for a late kill.
    env.set_faults(serde_json::json!({"latency_ms": 50})).await;

    let mut child = env
        .cli(home.path())
        .args(["topup", "--yes", "--concurrency", "4", "--csv"])
        .arg(&csv)
        .arg("--journal")
        .arg(&journal_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = std::fs::read_to_string(&journal_path)
            .map(|t| t.matches("\"event\":\"done\"").count())
            .unwrap_or(0);
        if done >= 40 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the job ended before the kill"
        );
        assert!(Instant::now() < deadline, "the job made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let replay = journal::read(&journal_path).unwrap();
    let done = replay
        .records
        .iter()
        .filter(|r| matches!(r, Record::Done { .. }))
        .count();
    assert!((40..ROWS).contains(&done), "killed partway: {done} done");
    let credited_now = env
        .credit_balances()
        .await
        .iter()
        .filter(|(id, b)| before[*id] != **b)
        .count();
    assert!(credited_now >= done, "every journaled row landed");

    env.faults_off().await;
    let results = home.path().join("results.csv");
    let out = env
        .cli(home.path())
        .args(["topup", "--yes", "--resume", "--csv"])
        .arg(&csv)
        .arg("--journal")
        .arg(&journal_path)
        .arg("--results")
        .arg(&results)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("resuming job"), "{stderr}");

    let after = env.credit_balances().await;
    let mut rdr = csv::Reader::from_path(&results).unwrap();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (wallet, status, credits, key) = (&rec[1], &rec[2], &rec[6], &rec[7]);
        assert_eq!(status, "done");
        let credits: rust_decimal::Decimal = credits.parse().unwrap();
        assert_eq!(after[wallet], before[wallet] + credits, "{wallet}");
        assert_eq!(env.transactions_with_key(wallet, key).await, 1, "{wallet} {key}");
        rows += 1;
    }
    assert_eq!(rows, ROWS);
    // The second run sent only what the first had not finished, with the same keys.
    let second_run_done = journal::read(&journal_path)
        .unwrap()
        .records
        .iter()
        .filter(|r| matches!(r, Record::Done { .. }))
        .count()
        - done;
    assert_eq!(second_run_done, ROWS - done);
}
