//! A dropped connection during a bulk job: the rows in flight finish and are journaled (none
//! is left half-sent), and the audit names the admin.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::harness::{Binary, Term, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_mid_job_leaves_every_sent_row_with_its_outcome() {
    let server = Binary::start(&[("ada", "admin")], &["--refresh", "0"]).await;
    let t = Term::open(server.addr, "ada", 100, 40).await;
    t.wait_for("the list", |s| {
        s.contains("Acme Corp") && s.contains("ada · admin")
    })
    .await;
    for _ in 0..10 {
        t.send(" ").await;
    }
    t.wait_for_text("10 marked").await;
    t.send("B").await;
    t.wait_for_text("Bulk top-up · 10 marked wallets").await;
    t.type_keys("10").await;
    t.send("\r").await;
    t.wait_for_text("Type the total credits (100)").await;
    // Slow answers: the job is still running when the link drops.
    let root = server.sandbox_url.trim_end_matches("/v1").to_string();
    let r = reqwest::Client::new()
        .post(format!("{root}/_sandbox/faults"))
        .json(&serde_json::json!({"latency_ms": 300}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t.type_keys("100").await;
    t.send("\r").await;
    // Rows on the wire, not just the job drawn: a drop before the first row's journal record
    // is durable would stop every row before sending, and there would be nothing to drain.
    t.wait_for("rows being sent", |s| {
        s.split("in flight ").skip(1).any(|rest| {
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            n.parse::<usize>().is_ok_and(|n| n > 0)
        })
    })
    .await;
    drop(t);

    // The console drains the job once its connection is gone, then says so in the log.
    let start = Instant::now();
    let log = loop {
        let log = std::fs::read_to_string(server.state("flexwallet.log")).unwrap_or_default();
        if log.contains("console ended") {
            break log;
        }
        assert!(start.elapsed() < WAIT, "the console never ended:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(log.contains("operator=ada"), "{log}");

    let jobs: Vec<_> = std::fs::read_dir(server.state("jobs")).unwrap().collect();
    assert_eq!(jobs.len(), 1, "one job journal");
    let journal = std::fs::read_to_string(jobs[0].as_ref().unwrap().path()).unwrap();
    let mut last: HashMap<u64, String> = HashMap::new();
    for line in journal.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(row) = v["row"].as_u64() {
            last.insert(row, v["event"].as_str().unwrap().to_string());
        }
    }
    let half_sent: Vec<_> = last.iter().filter(|(_, e)| *e == "sending").collect();
    assert!(
        half_sent.is_empty(),
        "rows left sending without an outcome: {half_sent:?}\n{journal}"
    );
    let done = last.values().filter(|e| *e == "done").count();
    println!("dropped mid-job: {done} of 10 rows done, the rest journaled to resume");
    assert!(done > 0, "{journal}");

    let audit = std::fs::read_to_string(server.state("audit.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = audit.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ok = lines.iter().filter(|l| l["outcome"] == "ok").count();
    assert_eq!(ok, done, "one ok audit line per done row:\n{audit}");
    assert!(
        lines
            .iter()
            .all(|l| l["operator"] == "ada" && l["job"].is_string()),
        "{audit}"
    );
}
