//! An invoiced bulk top-up (`PURCHASED_CREDIT_INVOICED`) keeps each row's invoice: in the
//! results file, in the JSON report, in the audit line and in the journal, so the operator can
//! find and pay them. (Before, a bulk row kept only its transaction and balances.)

use std::collections::HashMap;

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invoiced_row_keeps_its_invoice_in_the_results_the_audit_and_the_journal() {
    let env = common::start(6, Default::default()).await;
    let wallets = env.active_wallets(3).await;
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("plan.csv");
    let mut plan = String::from("wallet_id,credits_to_add,transaction_reason\n");
    for w in &wallets {
        plan.push_str(&format!("{},7,PURCHASED_CREDIT_INVOICED\n", w.id));
    }
    std::fs::write(&csv, plan).unwrap();
    let results = home.path().join("out.csv");
    let out = env
        .cli(home.path())
        .args(["topup", "--yes", "--csv"])
        .arg(&csv)
        .arg("--results")
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The results file: an invoice per row, in the last column.
    let mut reader = csv::Reader::from_path(&results).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.last().map(String::as_str), Some("invoice_id"));
    let by_wallet: HashMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[10].to_string())
        })
        .collect();
    assert_eq!(by_wallet.len(), 3);
    for w in &wallets {
        let invoice = &by_wallet[&w.id];
        assert!(invoice.starts_with("inv_"), "{}: {invoice:?}", w.id);
    }

    // The audit log: each row's outcome line names its invoice.
    let audit = std::fs::read_to_string(home.path().join("state/flexwallet/audit.jsonl")).unwrap();
    let ended: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["outcome"] == "ok")
        .collect();
    assert_eq!(ended.len(), 3, "{audit}");
    for line in &ended {
        let wallet = line["wallet_id"].as_str().unwrap();
        assert_eq!(line["invoice_id"], by_wallet[wallet].as_str(), "{line}");
    }

    // The journal keeps it too: a job read back from it has the same invoices.
    let jobs = home.path().join("state/flexwallet/jobs");
    let journal = std::fs::read_dir(&jobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .expect("the job's journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    let done: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["event"] == "done")
        .map(|v| v["invoice_id"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut expected: Vec<String> = by_wallet.values().cloned().collect();
    let mut got = done.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "the journal's done records:\n{text}");

    // And they are the sandbox's invoices: paying one completes its credits.
    let first = &wallets[0];
    let before = env.credit_balances().await[&first.id];
    let url = format!(
        "{}/_sandbox/invoices/{}/pay",
        env.sandbox.url.trim_end_matches("/v1"),
        by_wallet[&first.id]
    );
    let paid = reqwest::Client::new()
        .post(url)
        .header("x-api-key", &env.sandbox.api_key)
        .send()
        .await
        .unwrap();
    assert!(paid.status().is_success(), "{}", paid.status());
    let after = env.credit_balances().await[&first.id];
    assert_eq!(after - before, rust_decimal::Decimal::from(7));
}
