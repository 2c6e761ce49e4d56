//! Each bad CSV is refused with its line number through the real binary, and nothing is sent.

use std::path::Path;

use crate::common;

/// (fixture, line reported, words in the message).
const CASES: [(&str, u64, &str); 10] = [
    (
        "missing_column.csv",
        1,
        "missing column \"credits_to_add\" or \"amount\"",
    ),
    ("bad_amount.csv", 3, "credits_to_add: \"-5\""),
    ("unknown_wallet.csv", 3, "no wallet wallet_does_not_exist"),
    ("bom.csv", 3, "\"1e3\" is not a plain decimal"),
    ("crlf.csv", 4, "\"INVOICE_PAYMENT\" is not a top-up reason"),
    ("quoted_commas.csv", 5, "5 fields, but the header has 4 columns"),
    ("blank_lines.csv", 7, "greater than zero"),
    ("duplicate_wallet.csv", 4, "is also on line 2"),
    ("closed_wallet.csv", 3, "is closed"),
    ("bad_date.csv", 2, "\"2026-13-01\" is not a date"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_csv_names_its_line_and_nothing_is_sent() {
    let env = common::start(10, Default::default()).await;
    let wallets = env.active_wallets(4).await;
    let closed = wallets[3].id.clone();
    env.client.terminate(&closed).await.unwrap();
    let before = env.credit_balances().await;
    let home = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bulk");
    for (name, line, needle) in CASES {
        let template = std::fs::read(fixtures.join(name)).unwrap();
        let text = String::from_utf8(template)
            .unwrap()
            .replace("{W1}", &wallets[0].id)
            .replace("{W2}", &wallets[1].id)
            .replace("{W3}", &wallets[2].id)
            .replace("{CLOSED}", &closed);
        let csv = home.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let out = env
            .cli(home.path())
            .args(["topup", "--csv"])
            .arg(&csv)
            .arg("--yes")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        let expected = format!("{}:line {line}: ", csv.display());
        let reported = stderr
            .lines()
            .find(|l| l.starts_with(&expected))
            .unwrap_or_else(|| panic!("{name}: no message for line {line} in:\n{stderr}"));
        assert!(reported.contains(needle), "{name}: {reported:?} lacks {needle:?}");
        assert!(stderr.contains("nothing was sent"), "{name}: {stderr}");
    }
    assert_eq!(env.credit_balances().await, before, "no wallet changed");
    assert!(
        !home.path().join("state/flexwallet/jobs").exists(),
        "no job was started"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_path_that_cannot_be_written_stops_the_job_before_anything_is_sent() {
    let env = common::start(4, Default::default()).await;
    let wallets = env.active_wallets(2).await;
    let before = env.credit_balances().await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("plan.csv");
    let text = format!(
        "wallet_id,credits_to_add,transaction_reason\n{},5,FREE_CREDIT_GRANT\n{},6,FREE_CREDIT_GRANT\n",
        wallets[0].id, wallets[1].id
    );
    std::fs::write(&csv, &text).unwrap();
    let journal = home.path().join("job.jsonl");
    let missing = home.path().join("no/such/dir/out.csv");
    // An earlier job's journal, to be protected like this job's own.
    let other_journal = home.path().join("other.jsonl");
    std::fs::write(
        &other_journal,
        "{\"event\":\"job\",\"job\":\"0123456789abcdef\",\"version\":1,\"target\":\"x\",\"rows\":1,\
         \"at\":\"2026-11-01T00:00:00Z\"}\n",
    )
    .unwrap();
    let other_before = std::fs::read_to_string(&other_journal).unwrap();
    for (results, needle) in [
        (missing.as_path(), "cannot create"),
        (csv.as_path(), "is the plan's CSV"),
        (journal.as_path(), "is the job's journal"),
        (other_journal.as_path(), "is a job's journal"),
    ] {
        let out = env
            .cli(home.path())
            .args(["topup", "--yes", "--csv"])
            .arg(&csv)
            .arg("--journal")
            .arg(&journal)
            .arg("--results")
            .arg(results)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert_eq!(
            env.credit_balances().await,
            before,
            "nothing was credited: {stderr}"
        );
        assert!(!journal.exists(), "no journal left to resume: {stderr}");
        assert_eq!(std::fs::read_to_string(&csv).unwrap(), text, "the plan is intact");
        assert_eq!(std::fs::read_to_string(&other_journal).unwrap(), other_before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_the_plan_on_stdout_and_an_edited_csv_shows_its_repeats() {
    let env = common::start(4, Default::default()).await;
    let wallets = env.active_wallets(2).await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("plan.csv");
    let row = |w: usize, desc: &str| format!("{},7,FREE_CREDIT_GRANT,{desc}\n", wallets[w].id);
    let header = "wallet_id,credits_to_add,transaction_reason,description\n";
    std::fs::write(&csv, format!("{header}{}{}", row(0, "a"), row(1, "a"))).unwrap();
    let run = |extra: &[&str]| {
        env.cli(home.path())
            .args(["topup", "--csv"])
            .arg(&csv)
            .args(extra)
            .output()
            .unwrap()
    };

    let before = env.credit_balances().await;
    let dry = run(&["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&dry.stdout);
    assert!(
        stdout.contains("2 rows, 14.00 credits"),
        "the plan is the output: {stdout}"
    );
    assert!(String::from_utf8_lossy(&dry.stderr).contains("dry run: nothing was sent"));
    assert_eq!(env.credit_balances().await, before);

    // The job runs; then the CSV is edited (a new job with new keys) and checked again.
    assert_eq!(run(&["--yes"]).status.code(), Some(0));
    std::fs::write(&csv, format!("{header}{}{}", row(0, "b"), row(1, "a"))).unwrap();
    let json = run(&["--dry-run", "--json"]);
    assert_eq!(
        json.status.code(),
        Some(1),
        "a repeat stops the job, dry run or not"
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let repeats = v["repeats"].as_array().unwrap();
    assert_eq!(repeats.len(), 2, "{v}");
    assert_eq!(repeats[0]["line"], 2);
    assert!(
        repeats[0]["message"]
            .as_str()
            .unwrap()
            .contains("already credited 7 credits")
    );
    let allowed = run(&["--dry-run", "--json", "--allow-repeat"]);
    assert_eq!(allowed.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_of_every_kind_are_reported_in_one_run() {
    let env = common::start(10, Default::default()).await;
    let wallets = env.active_wallets(3).await;
    env.client.terminate(&wallets[2].id).await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("mixed.csv");
    // A row bad on its own, an unknown wallet, a closed one, a ragged row and a duplicate:
    // the wallet checks run on the rows that parsed, without waiting for the others' fix.
    let text = format!(
        "wallet_id,credits_to_add,transaction_reason\n\
         {w0},-5,FREE_CREDIT_GRANT\n\
         wallet_nobody,5,FREE_CREDIT_GRANT\n\
         {w2},5,FREE_CREDIT_GRANT\n\
         {w1},5,FREE_CREDIT_GRANT,extra\n\
         {w1},6,FREE_CREDIT_GRANT\n\
         {w1},7,FREE_CREDIT_GRANT\n",
        w0 = wallets[0].id,
        w1 = wallets[1].id,
        w2 = wallets[2].id,
    );
    std::fs::write(&csv, text).unwrap();
    let out = env
        .cli(home.path())
        .args(["topup", "--yes", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let lines: Vec<u64> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{}:line ", csv.display())))
        .filter_map(|l| l.split(':').next()?.parse().ok())
        .collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 7], "{stderr}");
    assert!(stderr.contains("no wallet wallet_nobody"), "{stderr}");
    assert!(stderr.contains("is closed"), "{stderr}");
    assert!(stderr.contains("is also on line 6"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_journaled_elsewhere_is_still_seen_by_the_repeat_guard() {
    let env = common::start(4, Default::default()).await;
    let wallets = env.active_wallets(1).await;
    let home = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let csv = home.path().join("plan.csv");
    let header = "wallet_id,credits_to_add,transaction_reason,description\n";
    std::fs::write(&csv, format!("{header}{},4,FREE_CREDIT_GRANT,a\n", wallets[0].id)).unwrap();
    let first = env
        .cli(home.path())
        .args(["topup", "--yes", "--csv"])
        .arg(&csv)
        .arg("--journal")
        .arg(elsewhere.path().join("mine.jsonl"))
        .output()
        .unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // Edited (a new job), journaled in the default place, which is not where the first one is.
    std::fs::write(&csv, format!("{header}{},4,FREE_CREDIT_GRANT,b\n", wallets[0].id)).unwrap();
    let again = env
        .cli(home.path())
        .args(["topup", "--dry-run", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("already credited 4 credits"), "{stdout}");
}
