//! Two runs of one job: the second is refused, names the process that holds the job, and
//! leaves its journal as it was; two started together send the plan once between them.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rust_decimal::Decimal;

use crate::common;

/// `rows` rows, one per active wallet, crediting `base + i` to the i-th (distinct, so a row
/// credited twice or on the wrong wallet shows in the sums); the wallets and their credits.
async fn plan_csv(
    env: &common::Env,
    csv: &std::path::Path,
    rows: usize,
    base: usize,
) -> Vec<(String, Decimal)> {
    use std::io::Write;
    let wallets = env.active_wallets(rows).await;
    let mut f = std::fs::File::create(csv).unwrap();
    writeln!(f, "wallet_id,credits_to_add,transaction_reason").unwrap();
    wallets
        .iter()
        .enumerate()
        .map(|(i, w)| {
            writeln!(f, "{},{},FREE_CREDIT_GRANT", w.id, base + i).unwrap();
            (w.id.clone(), Decimal::from(base + i))
        })
        .collect()
}

fn topup(env: &common::Env, home: &std::path::Path, csv: &std::path::Path) -> std::process::Command {
    let mut cmd = env.cli(home);
    // Plans of made-up sizes: some rows are far above the seeded wallets' usual top-ups.
    cmd.args([
        "topup",
        "--yes",
        "--allow-mistakes",
        "--concurrency",
        "2",
        "--csv",
    ])
    .arg(csv);
    cmd
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child's pid with a valid signal number.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// The report seen: "a second `topup --journal` on a locked 3-line journal exited 0 and
/// unlinked the first run's journal".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_of_a_held_job_refuses_naming_its_holder_and_leaves_the_journal_intact() {
    let env = common::start(12, Default::default()).await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("credits.csv");
    plan_csv(&env, &csv, 3, 5).await;
    let journal = home.path().join("job.jsonl");
    // Slow replies: the first run is still on its first row when it is paused.
    env.set_faults(serde_json::json!({"latency_ms": 300})).await;
    let mut first = topup(&env, home.path(), &csv)
        .arg("--journal")
        .arg(&journal)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |t| t.lines().count()) < 4 {
        assert!(first.try_wait().unwrap().is_none(), "the first run ended early");
        assert!(
            Instant::now() < deadline,
            "the first run never created its journal"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&first, libc::SIGSTOP);
    // The journal as a run may find it while its holder is still writing it: the header and
    // two of the three planned rows. Read alone, that looks like a crash during its creation.
    let text = std::fs::read_to_string(&journal).unwrap();
    let three_lines: String = text.split_inclusive('\n').take(3).collect();
    std::fs::write(&journal, &three_lines).unwrap();

    let second = topup(&env, home.path(), &csv)
        .arg("--journal")
        .arg(&journal)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    signal(&first, libc::SIGKILL);
    let _ = first.wait();
    assert_ne!(second.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("process {}", first.id())),
        "the refusal names the holder: {stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&journal).unwrap(),
        three_lines,
        "the first run's journal is untouched"
    );
}

/// The report seen: two runs of a 200k-row CSV started 50 ms apart both sent rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_started_together_send_the_plan_once_and_one_is_refused() {
    const ROWS: usize = 40;
    let env = common::start(ROWS + ROWS / 2, Default::default()).await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("credits.csv");
    let planned = plan_csv(&env, &csv, ROWS, 3).await;
    let before = env.credit_balances().await;
    // About a second of sending at concurrency 2: the runs overlap.
    env.set_faults(serde_json::json!({"latency_ms": 40})).await;
    // Both on the default journal path (the same job, the same state directory).
    let spawn = || {
        topup(&env, home.path(), &csv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (pid_a, pid_b) = (a.id(), b.id());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let outcomes = [(pid_a, a), (pid_b, b)];
    let sent: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| o.status.code() == Some(0))
        .collect();
    let refused: Vec<_> = outcomes
        .iter()
        .filter(|(_, o)| o.status.code() != Some(0))
        .collect();
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(
        (sent.len(), refused.len()),
        (1, 1),
        "{}\n---\n{}",
        text(&outcomes[0].1),
        text(&outcomes[1].1)
    );
    let (winner, loser) = (sent[0].0, &refused[0].1);
    assert!(
        text(loser).contains(&format!("process {winner}")),
        "the refusal names the run that holds the job: {}",
        text(loser)
    );
    env.faults_off().await;
    let after = env.credit_balances().await;
    let mut total = Decimal::ZERO;
    for (wallet, credits) in &planned {
        assert_eq!(after[wallet], before[wallet] + credits, "{wallet}");
        total += after[wallet] - before[wallet];
    }
    let plan_total: Decimal = planned.iter().map(|(_, c)| *c).sum();
    assert_eq!(total, plan_total, "the plan was credited once");
}
