//! Sizes beyond the plan's bounds are refused before anything is sent or journaled.

use crate::common;

/// The report seen: "a 50 MB description passes the plan, then fails with 413 and adds 50 MB
/// each to the journal and the audit log".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_description_is_refused_with_its_line_before_anything_is_written() {
    let env = common::start(4, Default::default()).await;
    let wallets = env.active_wallets(2).await;
    let before = env.credit_balances().await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("plan.csv");
    let huge = "x".repeat(5 << 20);
    std::fs::write(
        &csv,
        format!(
            "wallet_id,credits_to_add,transaction_reason,description\n{},5,FREE_CREDIT_GRANT,fine\n{},5,FREE_CREDIT_GRANT,{huge}\n",
            wallets[0].id, wallets[1].id
        ),
    )
    .unwrap();
    let out = env
        .cli(home.path())
        .args(["topup", "--yes", "--allow-mistakes", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:line 3: description: is 5,242,880 bytes long: a field may be at most 4,096",
            csv.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.len() < 2000,
        "the field is not echoed: {} bytes",
        stderr.len()
    );
    assert_eq!(env.credit_balances().await, before, "nothing was sent");
    let jobs = home.path().join("state/flexwallet/jobs");
    let journals = std::fs::read_dir(&jobs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(journals, 0, "no journal was written");
}
