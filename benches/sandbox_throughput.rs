//! The sandbox's own figures: top-up requests/s at concurrency 1, 8 and 32 over keep-alive (the
//! ceiling the bulk engine is measured against), the demo data set's load time, and the time to
//! seed 100,000 wallets.
//!
//! `cargo bench --bench sandbox_throughput` (set `SANDBOX_BENCH_SECS` to change the measuring
//! time per level, default 3).

use std::time::Instant;

use flexwallet::cli::SandboxArgs;
use flexwallet::sandbox::ledger::ports::Actor;
use flexwallet::sandbox::{seed, start_embedded, store};
use serde_json::Value;

// Shared with the other throughput bench, which uses the other half of it.
#[path = "support/load.rs"]
#[allow(dead_code)]
mod load;
use load::top_ups;

const KEY: &str = "sk_bench";

fn actor() -> Actor {
    Actor {
        tenant_id: "tenant_bench".into(),
        environment_id: "env_bench".into(),
        user_id: "user_bench".into(),
    }
}

/// Load time of the demo data set: build through the ledger in memory, bulk insert.
fn demo_load() {
    let plan = seed::SeedPlan {
        demo: true,
        wallets: 0,
        seed: 0,
    };
    let mut times = Vec::new();
    let mut rows = (0, 0);
    for _ in 0..15 {
        let started = Instant::now();
        let mut db = store::Db::open(None).expect("in-memory database");
        let report = seed::seed(&mut db, &plan, &actor()).expect("demo seeds");
        times.push(started.elapsed());
        if let Some(r) = report {
            rows = (r.wallets, r.transactions);
        }
    }
    times.sort();
    println!(
        "demo data set load: median {:.1?}, best {:.1?} ({} wallets, {} transactions)",
        times[times.len() / 2],
        times[0],
        rows.0,
        rows.1
    );
}

fn seed_100k() {
    let plan = seed::SeedPlan {
        demo: false,
        wallets: 100_000,
        seed: 42,
    };
    let started = Instant::now();
    let mem = seed::build(&plan, &actor()).expect("seed builds");
    let built = started.elapsed();
    let mut db = store::Db::open(None).expect("in-memory database");
    db.load(&mem.customers, &mem.wallets, &mem.txs, &mem.invoices)
        .expect("bulk load");
    let total = started.elapsed();
    println!(
        "seed 100,000 wallets: {:.2?} ({:.2?} building through the ledger, {:.2?} loading SQLite; \
         {} customers, {} transactions)",
        total,
        built,
        total - built,
        mem.customers.len(),
        mem.txs.len()
    );
}

/// Runs top-ups from `concurrency` workers for `secs`; returns (requests/s, p50, p99).
fn throughput() {
    let secs: f64 = std::env::var("SANDBOX_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    // The server gets its own runtime, as it would in its own process.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let sb = server_rt
        .block_on(start_embedded(SandboxArgs {
            api_key: KEY.into(),
            wallets: 1000,
            ..SandboxArgs::default()
        }))
        .expect("sandbox starts");
    let url = sb.url.clone();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    client_rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");
        let list: Value = client
            .get(format!("{url}/wallets?status=active"))
            .header("x-api-key", KEY)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        let wallets: Vec<String> = list["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|w| w["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        top_ups(&client, &url, KEY, &wallets, 32, 1.0, "warm").await;
        for c in [1, 8, 32] {
            let (rps, p50, p99) = top_ups(&client, &url, KEY, &wallets, c, secs, &format!("c{c}")).await;
            println!(
                "sandbox top-up throughput, concurrency {c:>2}, keep-alive: {rps:>8.0} requests/s \
                 (latency p50 {p50:.2?}, p99 {p99:.2?})"
            );
        }
    });
    server_rt.block_on(sb.shutdown());
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sandbox_throughput: run with `cargo bench` to measure");
        return;
    }
    throughput();
    demo_load();
    seed_100k();
}
