//! The client against a scripted Flexprice on 127.0.0.1: headers, retries only where they
//! cannot double-credit, Retry-After, timeouts, and a 409 on a retried key settled by the ledger.

use std::time::{Duration, Instant};

use flexwallet::api::models::*;
use flexwallet::api::{ApiError, Client, ClientConfig, RetryPolicy, TopUpOutcome};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::json;

use crate::fixture;
use crate::server::{Scripted, Seen, Step};

const KEY: &str = "sk_test_client_key";
const WALLET: &str = "wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5";

pub fn client_for(url: &str, retry: RetryPolicy, timeout: Duration) -> Client {
    let mut cfg = ClientConfig::new(url, SecretString::from(KEY));
    cfg.environment_id = Some("env_test".into());
    cfg.retry = retry;
    cfg.request_timeout = timeout;
    Client::new(cfg).unwrap()
}

pub fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    }
}

fn client(url: &str) -> Client {
    client_for(url, fast_retry(3), Duration::from_secs(5))
}

fn unavailable() -> Step {
    Step::json(
        503,
        r#"{"code":"service_unavailable","message":"Service unavailable","http_status_code":503}"#,
    )
}

fn top_up_request(key: &str) -> TopUpRequest {
    TopUpRequest {
        transaction_reason: TransactionReason::FreeCreditGrant,
        credits_to_add: Some(Decimal::new(33333333333333333, 16)),
        idempotency_key: Some(key.into()),
        ..Default::default()
    }
}

/// The ledger page that proves the top-up of `topup_response.json` landed.
fn ledger_with_the_top_up() -> String {
    let resp: serde_json::Value = serde_json::from_str(&fixture("wire/topup_response.json")).unwrap();
    json!({"items": [resp["wallet_transaction"]], "pagination": {"total": 1, "limit": 50, "offset": 50}})
        .to_string()
}

fn key_reused() -> Step {
    Step::json(409, fixture("errors/409_idempotency_key_reused.json"))
}

#[tokio::test]
async fn every_request_carries_key_environment_and_user_agent() {
    let server = Scripted::start(|_, _| Step::json(200, fixture("wire/wallet.json"))).await;
    let w = client(&server.url).get_wallet(WALLET).await.unwrap();
    assert_eq!(w.id, WALLET);
    let seen = server.seen();
    let r = &seen[0];
    assert_eq!(
        (r.method.as_str(), r.path()),
        ("GET", "/v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5")
    );
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("x-environment-id"), Some("env_test"));
    assert_eq!(
        r.header("user-agent"),
        Some(concat!("flexwallet/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(r.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn real_time_balance_asks_for_the_breakdown_and_search_always_sends_a_limit() {
    let server = Scripted::start(|req: &Seen, _| match req.path() {
        "/v1/wallets/search" => Step::json(200, fixture("wire/wallet_list.json")),
        _ => Step::json(200, fixture("wire/wallet_balance.json")),
    })
    .await;
    let c = client(&server.url);
    let b = c.real_time_balance(WALLET).await.unwrap();
    assert_eq!(
        b.credits_available_breakdown.unwrap().free,
        Decimal::new(22525, 2)
    );
    let ws = c.search_wallets(&WalletSearch::default()).await.unwrap();
    assert_eq!(ws.len(), 3);
    let seen = server.seen();
    assert_eq!(
        seen[0].path(),
        "/v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5/balance/real-time"
    );
    assert_eq!(seen[0].query(), "expand=credits_available_breakdown");
    let body: serde_json::Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(body, json!({"limit": 1000}));
}

#[tokio::test]
async fn a_read_is_retried_after_503_honouring_retry_after() {
    let server = Scripted::start(|_, i| match i {
        0 => unavailable().with_header("retry-after", "1"),
        _ => Step::json(200, fixture("wire/wallet_list.json")),
    })
    .await;
    let started = Instant::now();
    let ws = client(&server.url).list_wallets(None).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(ws.len(), 3);
    assert_eq!(server.seen().len(), 2);
    // The backoff alone would wait at most 20ms: the server's Retry-After won.
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}");
}

#[tokio::test]
async fn a_429_is_retried_after_the_date_it_names() {
    let server = Scripted::start(|_, i| match i {
        0 => {
            let at = chrono::Utc::now() + chrono::Duration::seconds(2);
            Step::json(
                429,
                r#"{"code":"too_many_requests","message":"Too many requests","http_status_code":429}"#,
            )
            .with_header("retry-after", &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        }
        _ => Step::json(200, fixture("wire/wallet.json")),
    })
    .await;
    let started = Instant::now();
    client(&server.url).get_wallet(WALLET).await.unwrap();
    // An HTTP date has whole seconds: at least one full second passed.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = Scripted::start(|_, _| unavailable()).await;
    let err = client(&server.url).get_wallet(WALLET).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), Some("service_unavailable"));
    assert_eq!(server.seen().len(), 3, "max_attempts is 3");
}

#[tokio::test]
async fn a_put_is_never_repeated_once_sent() {
    let req = UpdateWalletRequest {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    // The connection drops after the server read the PUT: the outcome is unknown.
    let server = Scripted::start(|_, _| Step::Drop).await;
    let err = client(&server.url).update_wallet(WALLET, &req).await.unwrap_err();
    assert!(matches!(err, ApiError::Interrupted { .. }), "{err:?}");
    assert!(err.outcome_unknown());
    assert_eq!(server.seen().len(), 1);
    assert_eq!(server.seen()[0].method, "PUT");

    // A 5xx may come after the change was made: not repeated either.
    let server = Scripted::start(|_, _| unavailable()).await;
    client(&server.url).update_wallet(WALLET, &req).await.unwrap_err();
    assert_eq!(server.seen().len(), 1);

    // A 429 turned it away before any processing: that one is repeated.
    let server = Scripted::start(|_, i| match i {
        0 => Step::json(
            429,
            r#"{"code":"too_many_requests","message":"Too many requests","http_status_code":429}"#,
        ),
        _ => Step::json(200, fixture("wire/wallet.json")),
    })
    .await;
    client(&server.url).update_wallet(WALLET, &req).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, r#"{"name":"Renamed"}"#);
}

#[tokio::test]
async fn a_refused_key_is_not_retried() {
    let server = Scripted::start(|_, _| Step::json(401, r#"{"error":"Unauthorized"}"#)).await;
    let err = client(&server.url).list_wallets(None).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_reply_that_does_not_decode_names_the_field() {
    let server =
        Scripted::start(|_, _| Step::json(200, fixture("wire/seed_update_wallet.verbatim.json"))).await;
    let err = client(&server.url).get_wallet(WALLET).await.unwrap_err();
    match &err {
        ApiError::Undecodable {
            status,
            reason,
            excerpt,
            ..
        } => {
            assert_eq!(*status, 200);
            assert!(reason.starts_with("balance: "), "{reason}");
            assert!(excerpt.starts_with('{'), "{excerpt}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_409_on_the_retry_of_a_lost_top_up_is_already_applied() {
    let key = "bulk-2026-08-22-row-17";
    // First attempt: the server commits, then the connection dies. The retry is refused with
    // 409 (the key is taken), and the ledger shows the first attempt's transaction.
    let server = Scripted::start(|req: &Seen, i| match (req.method.as_str(), i) {
        ("POST", 0) => Step::Drop,
        ("POST", _) => key_reused(),
        ("GET", _) if req.path().ends_with("/transactions") => Step::json(200, ledger_with_the_top_up()),
        _ => Step::json(500, ""),
    })
    .await;

    let outcome = client(&server.url)
        .top_up(WALLET, &top_up_request(key))
        .await
        .unwrap();
    let TopUpOutcome::AlreadyApplied(tx) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(tx.id, "wtxn_01K3BC0A2C4E6G8J0L2N4Q6S8U");
    assert_eq!(tx.idempotency_key.as_deref(), Some(key));
    assert_eq!(
        outcome.to_string(),
        "already applied: wtxn_01K3BC0A2C4E6G8J0L2N4Q6S8U +3.3333333333333333 credits (FREE_CREDIT_GRANT, completed)"
    );
    let seen = server.seen();
    let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(methods, ["POST", "POST", "GET"]);
    // Both attempts carried the same key and the same body.
    assert_eq!(seen[0].body, seen[1].body);
    assert!(
        seen[0]
            .body
            .contains(r#""idempotency_key":"bulk-2026-08-22-row-17""#)
    );
    assert!(seen[0].body.contains(r#""credits_to_add":"3.3333333333333333""#));
    // The ledger was asked by reference.
    assert_eq!(
        seen[2].path(),
        "/v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5/transactions"
    );
    let q = seen[2].query();
    assert!(
        q.contains("reference_type=EXTERNAL") && q.contains("reference_id=bulk-2026-08-22-row-17"),
        "{q}"
    );
}

#[tokio::test]
async fn a_timed_out_top_up_is_retried_with_its_key_and_settled_by_the_ledger() {
    let key = "bulk-2026-08-22-row-17";
    let server = Scripted::start(|req: &Seen, i| match (req.method.as_str(), i) {
        ("POST", 0) => Step::Delay(
            Duration::from_secs(6),
            Box::new(Step::json(200, fixture("wire/topup_response.json"))),
        ),
        ("POST", _) => key_reused(),
        _ => Step::json(200, ledger_with_the_top_up()),
    })
    .await;
    // The timeout must not catch the retry or the ledger read on a loaded machine.
    let c = client_for(&server.url, fast_retry(3), Duration::from_secs(2));
    let outcome = c.top_up(WALLET, &top_up_request(key)).await.unwrap();
    assert!(matches!(outcome, TopUpOutcome::AlreadyApplied(_)), "{outcome:?}");
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_reused_key_for_a_different_top_up_stays_a_409() {
    let server = Scripted::start(|req: &Seen, _| match req.method.as_str() {
        "POST" => key_reused(),
        _ => Step::json(200, ledger_with_the_top_up()),
    })
    .await;
    let mut other = top_up_request("bulk-2026-08-22-row-17");
    other.credits_to_add = Some(Decimal::new(50, 0));
    let err = client(&server.url).top_up(WALLET, &other).await.unwrap_err();
    assert!(err.is_already_exists(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "409 already_exists: a wallet transaction with this idempotency key already exists"
    );

    // The key belongs to another wallet: no ledger lookup, the 409 stands.
    let server = Scripted::start(|_, _| key_reused()).await;
    let err = client(&server.url)
        .top_up("wallet_other", &top_up_request("bulk-2026-08-22-row-17"))
        .await
        .unwrap_err();
    assert!(err.is_already_exists());
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_top_up_without_a_key_is_not_sent() {
    let server = Scripted::start(|_, _| Step::json(200, fixture("wire/topup_response.json"))).await;
    let mut req = top_up_request("");
    let err = client(&server.url).top_up(WALLET, &req).await.unwrap_err();
    assert!(matches!(err, ApiError::Invalid(_)));
    req.idempotency_key = None;
    client(&server.url).top_up(WALLET, &req).await.unwrap_err();
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn an_applied_top_up_returns_transaction_and_wallet() {
    let server = Scripted::start(|_, _| Step::json(200, fixture("wire/topup_response.json"))).await;
    let outcome = client(&server.url)
        .top_up(WALLET, &top_up_request("k-applied"))
        .await
        .unwrap();
    assert_eq!(outcome.transaction_id(), Some("wtxn_01K3BC0A2C4E6G8J0L2N4Q6S8U"));
    assert_eq!(
        outcome.wallet().unwrap().credit_balance,
        Decimal::new(628583333333, 9)
    );
    assert!(outcome.to_string().starts_with("applied: wtxn_"));
}

#[tokio::test]
async fn no_answer_within_the_timeout_is_a_timeout() {
    let server = Scripted::start(|_, _| {
        Step::Delay(
            Duration::from_secs(3),
            Box::new(Step::json(200, fixture("wire/wallet.json"))),
        )
    })
    .await;
    let c = client_for(&server.url, RetryPolicy::none(), Duration::from_millis(300));
    let started = Instant::now();
    let err = c.get_wallet(WALLET).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let host = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/v1")
        .to_string();
    assert_eq!(err, ApiError::Timeout { host, secs: 1 });
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error() {
    // Bind and drop to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client_for(
        &format!("http://127.0.0.1:{port}/v1"),
        fast_retry(2),
        Duration::from_secs(2),
    );
    let err = c.get_wallet(WALLET).await.unwrap_err();
    assert!(matches!(err, ApiError::Connect { .. }), "{err:?}");
    assert!(err.certainly_not_applied());
    assert!(
        err.to_string()
            .starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
        "{err}"
    );
}

#[tokio::test]
async fn terminate_repeated_after_it_landed_is_success() {
    let server = Scripted::start(|_, i| match i {
        0 => Step::Drop,
        _ => Step::json(400, fixture("errors/400_already_terminated.json")),
    })
    .await;
    client(&server.url).terminate(WALLET).await.unwrap();
    assert_eq!(server.seen().len(), 2);
    // On a first attempt the same answer is an error: the wallet was closed before.
    let server = Scripted::start(|_, _| Step::json(400, fixture("errors/400_already_terminated.json"))).await;
    let err = client(&server.url).terminate(WALLET).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "400 invalid_operation: wallet is already terminated"
    );
}

#[tokio::test]
async fn the_ledger_is_paged_by_our_own_offset() {
    // Flexprice replies offset = request offset + limit; following it would skip a page.
    let server = Scripted::start(|req: &Seen, _| {
        let q: std::collections::HashMap<String, String> = req
            .query()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let limit: usize = q["limit"].parse().unwrap();
        let offset: usize = q["offset"].parse().unwrap();
        let total = 1500;
        let items: Vec<serde_json::Value> = (offset..total.min(offset + limit))
            .map(|i| {
                json!({"id": format!("wtxn_{i}"), "wallet_id": WALLET, "type": "credit",
                       "amount": "1", "credit_amount": "1", "transaction_status": "completed",
                       "transaction_reason": "FREE_CREDIT_GRANT"})
            })
            .collect();
        Step::json(
            200,
            json!({"items": items, "pagination": {"total": total, "limit": limit, "offset": offset + limit}})
                .to_string(),
        )
    })
    .await;
    let txs = flexwallet::report::ledger(&client(&server.url), WALLET, 1200)
        .await
        .unwrap();
    let ids: Vec<String> = txs.iter().map(|t| t.id.clone()).collect();
    let expected: Vec<String> = (0..1200).map(|i| format!("wtxn_{i}")).collect();
    assert_eq!(ids, expected);
    let asked: Vec<String> = server.seen().iter().map(|s| s.query().to_string()).collect();
    assert_eq!(asked, ["limit=1000&offset=0", "limit=200&offset=1000"]);
}

#[tokio::test]
async fn a_409_on_a_first_attempt_for_this_very_top_up_is_already_applied() {
    // A previous run (a resumed bulk job) sent it; this run's first attempt finds the key taken.
    let server = Scripted::start(|req: &Seen, _| match req.method.as_str() {
        "POST" => key_reused(),
        _ => Step::json(200, ledger_with_the_top_up()),
    })
    .await;
    let c = client(&server.url);
    let outcome = c
        .top_up(WALLET, &top_up_request("bulk-2026-08-22-row-17"))
        .await
        .unwrap();
    assert_eq!(outcome.transaction_id(), Some("wtxn_01K3BC0A2C4E6G8J0L2N4Q6S8U"));
    assert!(matches!(outcome, TopUpOutcome::AlreadyApplied(_)));
    assert_eq!(server.seen().len(), 2, "one POST, one ledger read");
    let credited = c.credited_by_key(WALLET, "bulk-2026-08-22-row-17").await.unwrap();
    assert_eq!(credited, Decimal::new(33333333333333333, 16));
    assert_eq!(
        c.credited_by_key(WALLET, "never-used").await.unwrap(),
        Decimal::ZERO
    );
}

#[tokio::test]
async fn a_debit_whose_reply_was_lost_is_read_back_not_repeated() {
    let key = "dbt-77";
    let server = Scripted::start(move |req: &Seen, i| match (req.method.as_str(), i) {
        ("POST", 0) => Step::Drop,
        ("POST", _) => Step::json(
            409,
            r#"{"code":"already_exists","message":"A wallet transaction with this idempotency key already exists","http_status_code":409,"details":{"wallet_id":"wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5","type":"debit","amount":"12.375","idempotency_key":"dbt-77"}}"#,
        ),
        ("GET", _) if req.path().ends_with("/transactions") => Step::json(200, fixture("wire/transactions_page.json")),
        _ => Step::json(200, fixture("wire/wallet.json")),
    })
    .await;
    let req = DebitRequest {
        credits: Decimal::new(12375, 3),
        transaction_reason: TransactionReason::ManualBalanceDebit,
        idempotency_key: key.into(),
        description: None,
        metadata: None,
    };
    let w = client(&server.url).debit(WALLET, &req).await.unwrap();
    assert_eq!(w.id, WALLET);
    let methods: Vec<String> = server
        .seen()
        .iter()
        .map(|s| format!("{} {}", s.method, s.path()))
        .collect();
    assert_eq!(
        methods,
        [
            "POST /v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5/debit",
            "POST /v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5/debit",
            "GET /v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5/transactions",
            "GET /v1/wallets/wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5",
        ]
    );
}
