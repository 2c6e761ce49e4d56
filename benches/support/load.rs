//! The sandbox's top-up ceiling as the sandbox issue defines it: plain keep-alive `POST
//! …/top-up` requests with fresh keys, `concurrency` at a time, for `secs` seconds. Shared by
//! the sandbox and the bulk benches, so the bulk engine is measured against the same figure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

/// (requests/s, latency p50, latency p99): `secs` seconds of requests.
pub async fn top_ups(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    wallets: &[String],
    concurrency: usize,
    secs: f64,
    tag: &str,
) -> (f64, Duration, Duration) {
    let until = Until::Elapsed(Duration::from_secs_f64(secs));
    top_ups_until(client, url, key, wallets, concurrency, until, tag).await
}

/// When a run of requests ends.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    Elapsed(Duration),
    Requests(u64),
}

/// (requests/s, latency p50, latency p99)
pub async fn top_ups_until(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    wallets: &[String],
    concurrency: usize,
    until: Until,
    tag: &str,
) -> (f64, Duration, Duration) {
    let done = Arc::new(AtomicU64::new(0));
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let url = url.to_string();
        let wallets = wallets.to_vec();
        let (done, issued) = (done.clone(), issued.clone());
        let tag = tag.to_string();
        let key = key.to_string();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = 0usize;
            while match until {
                Until::Elapsed(d) => started.elapsed() < d,
                Until::Requests(n) => issued.fetch_add(1, Ordering::Relaxed) < n,
            } {
                let wallet = &wallets[(worker * 7919 + i) % wallets.len()];
                let body = json!({
                    "credits_to_add": "1.5",
                    "transaction_reason": "PURCHASED_CREDIT_DIRECT",
                    "idempotency_key": format!("bench-{tag}-{worker}-{i}"),
                });
                let t = Instant::now();
                let resp = client
                    .post(format!("{url}/wallets/{wallet}/top-up"))
                    .header("x-api-key", key.as_str())
                    .json(&body)
                    .send()
                    .await
                    .expect("top-up answered");
                assert_eq!(resp.status(), 200);
                let _ = resp.bytes().await.expect("body");
                latencies.push(t.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    (done.load(Ordering::Relaxed) as f64 / elapsed, pct(0.5), pct(0.99))
}
