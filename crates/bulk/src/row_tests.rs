use super::*;
use crate::test_support::*;
use flexprice_wire::TopUpOutcome;

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
    }
}

fn row() -> PlannedRow {
    simple_plan(1).rows.remove(0)
}

fn api(status: u16, code: &str, details: serde_json::Value) -> ApiError {
    let body =
        serde_json::json!({"code": code, "message": "m", "http_status_code": status, "details": details});
    ApiError::from_reply(status, "/wallets/w1/top-up", &body.to_string())
}

fn lost() -> ApiError {
    ApiError::Interrupted {
        host: "h".into(),
        reason: "connection reset".into(),
    }
}

fn err(e: ApiError) -> Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<Duration>)> {
    Err((e, None))
}

#[test]
fn applied_is_done_with_the_new_balance() {
    let r = row();
    let mut m = RowMachine::new(policy(3), false);
    let tx = transaction("wtxn_1", "w1", &r.key, "10", "110");
    let v = m.judge(&r, Ok(TopUpOutcome::Applied(receipt(tx, "110"))));
    assert_eq!(
        v,
        Verdict::Done(DoneInfo {
            transaction_id: Some("wtxn_1".into()),
            invoice_id: None,
            credit_balance: Some(d("110")),
            balance: Some(d("110")),
            already_applied: false,
        })
    );
}

#[test]
fn an_earlier_application_is_confirmed_only_if_it_is_the_same_top_up() {
    let mut r = row();
    r.conversion_rate = d("2");
    let mut m = RowMachine::new(policy(3), true);
    let tx = transaction("wtxn_1", "w1", &r.key, "10", "110");
    match m.judge(&r, Ok(TopUpOutcome::AlreadyApplied(Box::new(tx)))) {
        Verdict::Done(d) => {
            assert!(d.already_applied);
            assert_eq!(d.credit_balance, Some(super::super::test_support::d("110")));
            assert_eq!(d.balance, Some(super::super::test_support::d("220")));
        }
        other => panic!("{other:?}"),
    }
    // Same credits under another reason is another top-up.
    let mut m = RowMachine::new(policy(3), false);
    let mut tx = transaction("wtxn_2", "w1", &r.key, "10", "110");
    tx.transaction_reason = flexprice_wire::models::TransactionReason::CreditNote;
    assert!(matches!(
        m.judge(&r, Ok(TopUpOutcome::AlreadyApplied(Box::new(tx)))),
        Verdict::Failed { .. }
    ));
    // A key that credited something else (a reused CSV key) is a conflict, not success.
    let mut m = RowMachine::new(policy(3), false);
    let tx = transaction("wtxn_9", "w1", &r.key, "99", "199");
    match m.judge(&r, Ok(TopUpOutcome::AlreadyApplied(Box::new(tx)))) {
        Verdict::Failed { error, http_status } => {
            assert_eq!(http_status, Some(409));
            assert!(error.contains("wtxn_9") && error.contains("99"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn transient_errors_retry_then_end_unknown_or_deferred() {
    let r = row();
    // Lost replies may have been applied: the row ends unknown, never failed.
    let mut m = RowMachine::new(policy(3), false);
    assert!(matches!(m.judge(&r, err(lost())), Verdict::Retry { .. }));
    assert!(matches!(
        m.judge(&r, err(api(503, "service_unavailable", serde_json::json!({})))),
        Verdict::Retry { .. }
    ));
    assert!(matches!(m.judge(&r, err(lost())), Verdict::Unknown { .. }));
    // 429s were certainly not applied: deferred to the next run.
    let mut m = RowMachine::new(policy(2), false);
    let limited = || {
        Err((
            api(429, "too_many_requests", serde_json::json!({})),
            Some(Duration::from_secs(3)),
        ))
    };
    match m.judge(&r, limited()) {
        Verdict::Retry { delay, .. } => assert_eq!(delay, Duration::from_secs(3), "Retry-After honoured"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(m.judge(&r, limited()), Verdict::Deferred { .. }));
    // Backoff without Retry-After stays within the policy.
    let mut m = RowMachine::new(policy(5), false);
    for _ in 0..4 {
        match m.judge(&r, err(api(500, "internal_error", serde_json::json!({})))) {
            Verdict::Retry { delay, .. } => assert!(delay <= Duration::from_millis(40)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn refusals_fail_unless_an_earlier_attempt_may_have_landed() {
    let r = row();
    let bad = || {
        err(api(
            400,
            "validation_error",
            serde_json::json!({"credits_to_add": "0"}),
        ))
    };
    let mut m = RowMachine::new(policy(3), false);
    match m.judge(&r, bad()) {
        Verdict::Failed { error, http_status } => {
            assert_eq!(http_status, Some(400));
            assert!(error.contains("validation_error"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    let mut m = RowMachine::new(policy(3), false);
    assert!(matches!(m.judge(&r, err(lost())), Verdict::Retry { .. }));
    assert!(matches!(m.judge(&r, bad()), Verdict::Unknown { .. }));
    // Resumed after a crash mid-send: the journal says it may have landed.
    let mut m = RowMachine::new(policy(3), true);
    assert!(matches!(m.judge(&r, bad()), Verdict::Unknown { .. }));
}

#[test]
fn conflicts_on_the_key() {
    let r = row();
    let mut m = RowMachine::new(policy(3), false);
    let elsewhere = api(409, "already_exists", serde_json::json!({"wallet_id": "w2"}));
    match m.judge(&r, err(elsewhere)) {
        Verdict::Failed { error, .. } => assert!(error.contains("wallet w2"), "{error}"),
        other => panic!("{other:?}"),
    }
    let unresolved = api(409, "already_exists", serde_json::json!({"wallet_id": "w1"}));
    assert!(matches!(m.judge(&r, err(unresolved)), Verdict::Unknown { .. }));
}

#[test]
fn a_refused_key_stops_the_job_and_an_unreadable_success_is_retried() {
    let r = row();
    let mut m = RowMachine::new(policy(3), false);
    let v = m.judge(
        &r,
        err(ApiError::from_reply(401, "/x", r#"{"error":"Unauthorized"}"#)),
    );
    assert!(matches!(v, Verdict::Failed { .. }));
    assert!(m.stop_job.is_some());
    // A redirect is never followed, and would be the same for every row: the job stops too.
    let mut m = RowMachine::new(policy(3), false);
    let redirected = ApiError::Redirected {
        status: 307,
        call: "POST /v1/wallets/w1/top-up".into(),
        location: Some("http://127.0.0.1:9/v1/wallets/w1/top-up".into()),
        origin: "http://127.0.0.1:8".into(),
    };
    assert!(matches!(m.judge(&r, err(redirected)), Verdict::Failed { .. }));
    assert!(m.stop_job.is_some() && !m.maybe_applied());
    let mut m = RowMachine::new(policy(3), false);
    let garbled = ApiError::Undecodable {
        status: 200,
        reason: "eof".into(),
        excerpt: "{".into(),
        call: String::new(),
    };
    assert!(matches!(m.judge(&r, err(garbled)), Verdict::Retry { .. }));
    assert!(m.maybe_applied());
}

#[test]
fn replay_folds_records_into_state() {
    let at = chrono::Utc::now();
    let mut s = RowState::default();
    s.apply(&Record::Sending {
        row: 0,
        attempt: 1,
        at,
    });
    assert_eq!(
        (s.status, s.maybe_applied, s.attempts),
        (RowStatus::InFlight, true, 1)
    );
    s.apply(&Record::Unknown {
        row: 0,
        error: "lost".into(),
        at,
    });
    assert_eq!(s.status, RowStatus::Unknown);
    s.apply(&Record::Sending {
        row: 0,
        attempt: 2,
        at,
    });
    s.apply(&Record::Done {
        row: 0,
        transaction_id: Some("t".into()),
        invoice_id: Some("inv_1".into()),
        credit_balance: None,
        balance: None,
        already_applied: true,
        at,
    });
    assert_eq!(
        (s.status, s.attempts, s.error.clone()),
        (RowStatus::Done, 2, None)
    );
    assert_eq!(
        s.invoice_id.as_deref(),
        Some("inv_1"),
        "replayed from the journal"
    );
    let mut f = RowState::default();
    f.apply(&Record::Sending {
        row: 0,
        attempt: 1,
        at,
    });
    f.apply(&Record::Failed {
        row: 0,
        http_status: Some(404),
        error: "gone".into(),
        at,
    });
    assert_eq!((f.status, f.maybe_applied), (RowStatus::Failed, false));
}
