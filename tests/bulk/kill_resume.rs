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
    write_plan(&csv, &wallets, "PURCHASED_CREDIT_DIRECT", 10);
    let journal_path = home.path().join("job.jsonl");
    // Slow replies keep rows in flight when the kill lands.
    // 300 rows at concurrency 4 take about 4 s at 50 ms: room for a late kill.
    env.set_faults(serde_json::json!({"latency_ms": 50})).await;

    let mut child = env
        .cli(home.path())
        // Plans of made-up sizes: some rows are far above the seeded wallets' usual top-ups.
        .args([
            "topup",
            "--yes",
            "--allow-mistakes",
            "--concurrency",
            "4",
            "--csv",
        ])
        .arg(&csv)
        .arg("--journal")
        .arg(&journal_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_done_rows(&journal_path, 40, &mut child, "the kill").await;
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

/// The operator's SSH link drops mid-job: SIGHUP, and the terminal is gone (writing to it
/// fails). The job finishes its rows in flight, journals them, and exits 130; nothing is left
/// without an outcome, and a resume from the journal alone completes it exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hangup_with_the_terminal_gone_finishes_rows_in_flight_then_resume_completes() {
    const N: usize = 120;
    let env = common::start(N + N / 5, Default::default()).await;
    let wallets = env.active_wallets(N).await;
    let before = env.credit_balances().await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("credits.csv");
    write_plan(&csv, &wallets, "FREE_CREDIT_GRANT", 3);
    let journal_path = home.path().join("job.jsonl");
    env.set_faults(serde_json::json!({"latency_ms": 100})).await;
    let mut child = env
        .cli(home.path())
        // Plans of made-up sizes: some rows are far above the seeded wallets' usual top-ups.
        .args([
            "topup",
            "--yes",
            "--allow-mistakes",
            "--concurrency",
            "4",
            "--csv",
        ])
        .arg(&csv)
        .arg("--journal")
        .arg(&journal_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The terminal goes away: every later write to stderr fails.
    drop(child.stderr.take());
    wait_for_done_rows(&journal_path, 8, &mut child, "the hangup").await;
    // SAFETY: kill(2) on our own child's pid with a valid signal number.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGHUP) }, 0);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted, not killed: {status:?}");

    // Every row that was sent has its outcome: none is left "sending".
    let replay = journal::read(&journal_path).unwrap();
    let mut last = std::collections::HashMap::new();
    for r in &replay.records {
        let row = match r {
            Record::Sending { row, .. } => Some((*row, "sending")),
            Record::Done { row, .. } => Some((*row, "done")),
            Record::Failed { row, .. } => Some((*row, "failed")),
            Record::Unknown { row, .. } => Some((*row, "unknown")),
            Record::Deferred { row, .. } => Some((*row, "deferred")),
            _ => None,
        };
        if let Some((row, event)) = row {
            last.insert(row, event);
        }
    }
    let dangling: Vec<_> = last.iter().filter(|(_, e)| **e == "sending").collect();
    assert!(dangling.is_empty(), "rows left in flight: {dangling:?}");
    let done = last.values().filter(|e| **e == "done").count();
    assert!((8..N).contains(&done), "stopped partway: {done} done");

    env.faults_off().await;
    // Resumed from the journal alone, as a console job (which has no CSV) would be.
    std::fs::remove_file(&csv).unwrap();
    let out = env
        .cli(home.path())
        .args(["topup", "--yes", "--resume", "--journal"])
        .arg(&journal_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("resuming job"), "{stderr}");
    let after = env.credit_balances().await;
    for (i, w) in wallets.iter().enumerate() {
        let key = format!("bulk-{}-{}", replay_job(&journal_path), i + 1);
        assert_eq!(
            after[&w.id],
            before[&w.id] + rust_decimal::Decimal::from(3 + i),
            "{}",
            w.id
        );
        assert_eq!(env.transactions_with_key(&w.id, &key).await, 1, "{} {key}", w.id);
    }
}

/// The job id in a journal's first record.
fn replay_job(path: &std::path::Path) -> String {
    match journal::read(path).unwrap().records.first() {
        Some(Record::Job { job, .. }) => job.clone(),
        other => panic!("{other:?}"),
    }
}

/// A plan of one row per wallet: credits `base`, `base + 1`, … (distinct, so that a credit on the
/// wrong wallet or twice shows in the sums).
fn write_plan(csv: &std::path::Path, wallets: &[flexwallet::api::models::Wallet], reason: &str, base: usize) {
    let mut f = std::fs::File::create(csv).unwrap();
    writeln!(f, "wallet_id,credits_to_add,transaction_reason").unwrap();
    for (i, w) in wallets.iter().enumerate() {
        writeln!(f, "{},{},{reason}", w.id, base + i).unwrap();
    }
}

/// Waits until the journal records `n` done rows, the job still running.
async fn wait_for_done_rows(
    journal: &std::path::Path,
    n: usize,
    child: &mut std::process::Child,
    before: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(journal)
        .map(|t| t.matches("\"event\":\"done\"").count())
        .unwrap_or(0)
        < n
    {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the job ended before {before}"
        );
        assert!(Instant::now() < deadline, "the job made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
