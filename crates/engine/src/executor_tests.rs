use super::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::audit::AuditContext;
use crate::job::prepare;
use crate::journal;
use flexwallet_bulk::test_support::*;

/// An in-memory ledger answering like Flexprice behind our client: a repeated key comes back
/// as `AlreadyApplied` (the client's 409 resolution), faults are drawn from a seeded generator.
struct FakeServer {
    ledger: Mutex<HashMap<String, (String, Decimal)>>,
    rng: Mutex<rand::rngs::StdRng>,
    fail: f64,
    limit: f64,
    lost: f64,
    delay: Duration,
    refuse_key: bool,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl FakeServer {
    fn new(fail: f64, limit: f64, lost: f64, delay: Duration) -> FakeServer {
        FakeServer {
            ledger: Mutex::new(HashMap::new()),
            rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(7)),
            fail,
            limit,
            lost,
            delay,
            refuse_key: false,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        }
    }

    fn api(status: u16, code: &str) -> ApiError {
        let body = serde_json::json!({"code": code, "message": "m", "http_status_code": status});
        ApiError::from_reply(status, "/top-up", &body.to_string())
    }
}

impl TopUpSender for FakeServer {
    async fn send(
        &self,
        wallet_id: &str,
        req: &TopUpRequest,
    ) -> Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<Duration>)> {
        {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if self.refuse_key {
                return Err((
                    ApiError::from_reply(401, "/x", r#"{"error":"Unauthorized"}"#),
                    None,
                ));
            }
            let roll: f64 = self.rng.lock().unwrap().random();
            if roll < self.fail {
                return Err((Self::api(500, "internal_error"), None));
            }
            if roll < self.fail + self.limit {
                return Err((
                    Self::api(429, "too_many_requests"),
                    Some(Duration::from_millis(2)),
                ));
            }
            let key = req.idempotency_key.clone().unwrap();
            let credits = req.credits_to_add.unwrap();
            let mut ledger = self.ledger.lock().unwrap();
            let n = ledger.len();
            let tx = transaction(&format!("wtxn_{n}"), wallet_id, &key, &credits.to_string(), "110");
            if let Some((w, c)) = ledger.get(&key) {
                let tx = transaction(&format!("wtxn_of_{key}"), w, &key, &c.to_string(), "110");
                return Ok(TopUpOutcome::AlreadyApplied(Box::new(tx)));
            }
            ledger.insert(key, (wallet_id.to_string(), credits));
            if roll < self.fail + self.limit + self.lost {
                return Err((
                    ApiError::Interrupted {
                        host: "fake".into(),
                        reason: "connection reset".into(),
                    },
                    None,
                ));
            }
            Ok(TopUpOutcome::Applied(receipt(tx, "110")))
        }
    }
}

fn fast(concurrency: usize) -> ExecOptions {
    ExecOptions {
        concurrency,
        retry: RetryPolicy {
            max_attempts: 30,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
    }
}

async fn drain(mut rx: mpsc::UnboundedReceiver<Progress>) -> Vec<Progress> {
    let mut all = Vec::new();
    while let Some(p) = rx.recv().await {
        all.push(p);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_with_every_row_applied_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let plan = simple_plan(300);
    let server = Arc::new(FakeServer::new(0.2, 0.05, 0.05, Duration::ZERO));
    let audit_path = dir.path().join("audit.jsonl");
    let ctx = AuditContext {
        user: "t".into(),
        profile: None,
        api_host: "fake".into(),
        environment: None,
    };
    let audit = Arc::new(Audit::open(&audit_path, ctx).unwrap());
    let handle = spawn(
        prepare(&plan, &path, false).unwrap(),
        server.clone(),
        Some(audit),
        fast(16),
    );
    let events = tokio::spawn(drain(handle.progress));
    let report = handle.task.await.unwrap();
    let events = events.await.unwrap();

    assert!(report.all_done(), "{:?}", report.counts);
    assert!(report.counts.retries > 0 && report.counts.sent > 300);
    assert!(server.max_in_flight.load(Ordering::SeqCst) <= 16);
    let ledger = server.ledger.lock().unwrap();
    assert_eq!(ledger.len(), 300);
    for row in &plan.rows {
        assert_eq!(ledger[&row.key].0, row.wallet_id);
    }
    assert!(
        report.states.iter().any(|s| s.already_applied),
        "lost replies were confirmed"
    );
    assert!(matches!(events.last().unwrap().event, Event::Completed(_)));
    assert_eq!(events.last().unwrap().counts.done, 300);
    // The journal alone tells the same story.
    drop(ledger);
    let replayed = prepare(&plan, &path, true).unwrap();
    assert!(replayed.states.iter().all(|s| s.status == RowStatus::Done));
    let audit_lines = std::fs::read_to_string(&audit_path).unwrap();
    assert_eq!(audit_lines.lines().count(), 300);
    assert!(!audit_lines.contains("sk_"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_finishes_in_flight_rows_and_resume_completes_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let plan = simple_plan(100);
    let server = Arc::new(FakeServer::new(0.0, 0.0, 0.0, Duration::from_millis(50)));
    let mut handle = spawn(
        prepare(&plan, &path, false).unwrap(),
        server.clone(),
        None,
        fast(4),
    );
    let mut finished = 0;
    let mut stopping_seen = false;
    let mut sent_after_stop = 0;
    while let Some(p) = handle.progress.recv().await {
        match p.event {
            Event::Finished { .. } => {
                finished += 1;
                if finished == 10 {
                    handle.cancel.cancel();
                }
            }
            Event::Stopping { .. } => stopping_seen = true,
            Event::Sending { .. } if stopping_seen => sent_after_stop += 1,
            _ => {}
        }
    }
    let report = handle.task.await.unwrap();
    assert!(report.interrupted);
    assert!(report.stopped.as_deref().unwrap().contains("cancelled"));
    assert_eq!(report.counts.in_flight, 0, "in-flight rows finished");
    // Only requests racing the cancel itself may still go out.
    assert!(
        sent_after_stop <= 4,
        "{sent_after_stop} rows started after the cancel"
    );
    let done = report.counts.done;
    // Stopped partway, whatever the machine's pace: at least the ten seen, not all of them.
    assert!((10..100).contains(&done), "{done}");
    assert_eq!(server.ledger.lock().unwrap().len(), done);
    assert_eq!(report.counts.pending, 100 - done);
    assert!(
        report.interrupted,
        "a cancel is an interruption (exit 130 in the CLI)"
    );

    let resumed = prepare(&plan, &path, true).unwrap();
    assert_eq!(resumed.to_send(), 100 - done);
    let report = spawn(resumed, server.clone(), None, fast(8)).task.await.unwrap();
    assert!(report.all_done());
    assert_eq!(report.counts.done_before, done);
    assert_eq!(report.counts.sent, 100 - done);
    assert_eq!(server.ledger.lock().unwrap().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_cut_off_mid_send_are_resent_with_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let plan = simple_plan(5);
    let server = Arc::new(FakeServer::new(0.0, 0.0, 0.0, Duration::ZERO));
    // A previous run applied rows 0 and 1 but died before journaling the answers.
    {
        let p = prepare(&plan, &path, false).unwrap();
        for i in 0..2 {
            let at = Utc::now();
            p.journal
                .append(&Record::Sending {
                    row: i,
                    attempt: 1,
                    at,
                })
                .await
                .unwrap();
            server
                .send(&plan.rows[i].wallet_id, &plan.rows[i].request)
                .await
                .unwrap();
        }
    }
    let report = spawn(
        prepare(&plan, &path, true).unwrap(),
        server.clone(),
        None,
        fast(2),
    )
    .task
    .await
    .unwrap();
    assert!(report.all_done());
    assert!(report.states[0].already_applied && report.states[1].already_applied);
    assert_eq!(report.states[0].attempts, 2);
    assert!(!report.states[2].already_applied);
    assert_eq!(server.ledger.lock().unwrap().len(), 5);
    let replay = journal::read(&path).unwrap();
    let done = replay
        .records
        .iter()
        .filter(|r| matches!(r, Record::Done { .. }))
        .count();
    assert_eq!(done, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_api_key_stops_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let plan = simple_plan(50);
    let mut server = FakeServer::new(0.0, 0.0, 0.0, Duration::from_millis(2));
    server.refuse_key = true;
    let prepared = prepare(&plan, &dir.path().join("j.jsonl"), false).unwrap();
    let report = spawn(prepared, Arc::new(server), None, fast(2))
        .task
        .await
        .unwrap();
    assert!(!report.interrupted);
    assert!(report.stopped.as_deref().unwrap().contains("unauthorized"));
    assert!(report.counts.failed >= 1 && report.counts.failed <= 2);
    assert_eq!(report.counts.pending, 50 - report.counts.failed);
    assert!(
        !report.all_done(),
        "a refused key leaves rows not done (exit 2 in the CLI)"
    );
}
