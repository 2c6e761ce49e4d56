//! Fault rates hold over 1,000 calls; a lost reply's top-up is in the ledger anyway.

use std::time::Instant;

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{KEY, Sandbox, sandbox};
use flexwallet::sandbox::FaultSettings;

async fn set(sb: &Sandbox, body: Value) -> Value {
    let r = sb
        .http
        .post(format!("{}/_sandbox/faults", sb.sb.root_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Expected count of `n` draws at rate `p`, with 4.5 standard deviations of slack.
fn within(count: usize, n: usize, p: f64) -> bool {
    let mean = n as f64 * p;
    let sd = (n as f64 * p * (1.0 - p)).sqrt();
    (count as f64 - mean).abs() <= 4.5 * sd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_and_resets_hold_their_rates() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    let now = set(&sb, json!({"fail_rate": 0.2})).await;
    assert_eq!(now["fail_rate"], 0.2);
    let (mut s500, mut s503) = (0, 0);
    for _ in 0..1000 {
        let r = sb.call(Method::GET, &format!("/wallets/{id}"), None).await;
        match r.status.as_u16() {
            500 => {
                assert_eq!(
                    r.json(),
                    json!({"code":"internal_error","message":"An unexpected error occurred","http_status_code":500})
                );
                s500 += 1;
            }
            503 => {
                assert_eq!(r.json()["code"], "service_unavailable");
                s503 += 1;
            }
            200 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(within(s500 + s503, 1000, 0.2), "failures {}", s500 + s503);
    assert!(s500 > 0 && s503 > 0, "both 500 and 503 bodies occur");

    set(&sb, json!({"fail_rate": 0.0, "reset_rate": 0.1})).await;
    let mut resets = 0;
    for _ in 0..1000 {
        let r = sb
            .http
            .get(format!("{}/wallets/{id}", sb.sb.url))
            .header("x-api-key", KEY)
            .send()
            .await;
        match r {
            Ok(resp) => assert_eq!(resp.status(), 200),
            Err(e) => {
                assert!(!e.is_timeout(), "a reset is immediate: {e}");
                resets += 1;
            }
        }
    }
    assert!(within(resets, 1000, 0.1), "resets {resets}");
    set(&sb, json!({"reset_rate": 0.0, "throttle_rate": 0.05})).await;
    let mut throttled = 0;
    for _ in 0..1000 {
        let r = sb.call(Method::GET, &format!("/wallets/{id}"), None).await;
        match r.status.as_u16() {
            429 => {
                assert_eq!(r.headers["retry-after"], "1");
                assert_eq!(r.json()["code"], "too_many_requests");
                throttled += 1;
            }
            200 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(within(throttled, 1000, 0.05), "throttled {throttled}");
    set(&sb, json!({"throttle_rate": 0.0})).await;
    assert_eq!(sb.sb.faults(), FaultSettings::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_replies_commit_exactly_once() {
    let sb = sandbox().await;
    let id = sb.wallet(json!({})).await["id"].as_str().unwrap().to_string();
    set(&sb, json!({"lost_reply_rate": 0.1})).await;
    let mut answered = 0;
    let mut lost = 0;
    for i in 0..1000 {
        let r = sb
            .http
            .post(format!("{}/wallets/{id}/top-up", sb.sb.url))
            .header("x-api-key", KEY)
            .json(&json!({"credits_to_add": "1", "transaction_reason": "FREE_CREDIT_GRANT", "idempotency_key": format!("lr-{i}")}))
            .send()
            .await;
        match r {
            Ok(resp) => {
                assert_eq!(resp.status(), 200);
                answered += 1;
            }
            Err(_) => lost += 1,
        }
    }
    assert!(within(lost, 1000, 0.1), "lost {lost}");
    set(&sb, json!({"lost_reply_rate": 0.0})).await;
    let w = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(
        w["credit_balance"], "1000",
        "every top-up committed, answered ({answered}) or not ({lost})"
    );
    assert_eq!(sb.ledger(&id).await.len(), 1000);

    // The hard case end to end: no answer, yet the ledger has it; the retry with its key is 409.
    set(&sb, json!({"lost_reply_rate": 1.0})).await;
    let body = json!({"credits_to_add": "5", "transaction_reason": "FREE_CREDIT_GRANT", "idempotency_key": "the-lost-one"});
    let r = sb
        .http
        .post(format!("{}/wallets/{id}/top-up", sb.sb.url))
        .header("x-api-key", KEY)
        .json(&body)
        .send()
        .await;
    assert!(r.is_err(), "the client saw no answer");
    // Reads are not top-ups: they are answered.
    assert_eq!(
        sb.call(Method::GET, &format!("/wallets/{id}"), None).await.status,
        200
    );
    set(&sb, json!({"lost_reply_rate": 0.0})).await;
    let found = sb
        .get(&format!(
            "/wallets/{id}/transactions?reference_type=EXTERNAL&reference_id=the-lost-one"
        ))
        .await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(sb.top_up(&id, body).await.status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_and_latency() {
    let sb = sandbox().await;
    set(&sb, json!({"rate_limit": 50})).await;
    let replies = join_all((0..300).map(|_| sb.call(Method::GET, "/wallets", None))).await;
    let limited: Vec<_> = replies.iter().filter(|r| r.status == 429).collect();
    // 300 requests spread over at most four one-second windows (a slow, loaded machine
    // included): at least 100 over the limit.
    assert!(limited.len() >= 100, "limited {}", limited.len());
    for r in &limited {
        assert_eq!(r.json()["code"], "too_many_requests");
        assert_eq!(
            r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
    set(&sb, json!({"rate_limit": 0, "latency_ms": 40})).await;
    let started = Instant::now();
    for _ in 0..10 {
        assert_eq!(sb.call(Method::GET, "/wallets", None).await.status, 200);
    }
    // Jitter keeps each delay within 20–60 ms: ten calls take at least 200 ms.
    assert!(started.elapsed().as_millis() >= 200);
    let bad = sb
        .http
        .post(format!("{}/_sandbox/faults", sb.sb.root_url()))
        .json(&json!({"fail_rate": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

/// `/_sandbox/stats` counts every `/v1` request, refused and faulted ones included, and not its
/// own controls.
#[tokio::test]
async fn stats_count_v1_requests() {
    let sb = sandbox().await;
    let stats = |sb: &Sandbox| {
        let url = format!("{}/_sandbox/stats", sb.sb.root_url());
        let http = sb.http.clone();
        async move {
            let v: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            v["requests"].as_u64().unwrap()
        }
    };
    let before = stats(&sb).await;
    sb.get("/wallets").await;
    sb.call_as(None, Method::GET, "/wallets", None).await;
    set(&sb, json!({"fail_rate": 1})).await;
    sb.call(Method::GET, "/wallets", None).await;
    assert_eq!(stats(&sb).await - before, 3);
    assert_eq!(sb.sb.requests() - before, 3);
}

/// Nonsense fault settings are refused with Flexprice's validation error, naming the field, and
/// change nothing: `latency_ms` of `u64::MAX` used to be taken, and then every request hung.
#[tokio::test]
async fn nonsense_fault_settings_are_refused_and_change_nothing() {
    let sb = sandbox().await;
    let url = format!("{}/_sandbox/faults", sb.sb.root_url());
    let post = |body: Value| {
        let (http, url) = (sb.http.clone(), url.clone());
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = post(json!({"latency_ms": 18446744073709551615u64})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "code": "validation_error",
            "message": "latency_ms must be between 0 and 60000, got 18446744073709551615",
            "http_status_code": 400,
            "details": {"latency_ms": 18446744073709551615u64},
        })
    );
    for (bad, field) in [
        (json!({"latency_ms": 60001}), "latency_ms"),
        (json!({"fail_rate": 1.5}), "fail_rate"),
        (json!({"reset_rate": -0.1}), "reset_rate"),
        (json!({"throttle_rate": 2}), "throttle_rate"),
    ] {
        let (status, body) = post(bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["code"], "validation_error", "{bad}");
        assert!(body["details"].get(field).is_some(), "{bad}: {body}");
    }
    // Not a number of the right kind: the body does not bind.
    let (status, body) = post(json!({"latency_ms": -1})).await;
    assert_eq!((status, &body["code"]), (400, &json!("validation_error")));
    assert_eq!(sb.sb.faults(), FaultSettings::default());
    // Requests are answered at once.
    let started = Instant::now();
    assert_eq!(sb.call(Method::GET, "/wallets", None).await.status, 200);
    assert!(started.elapsed().as_secs() < 5);
    // The edge is accepted.
    assert_eq!(set(&sb, json!({"latency_ms": 60000})).await["latency_ms"], 60000);
}
