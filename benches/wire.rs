//! How long the client needs to decode what Flexprice sends and to print it: `GET /wallets`
//! returns every wallet at once, so the console's refresh cost grows with the fleet.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flexwallet::api::decode;
use flexwallet::api::models::{ListResponse, Transaction, Wallet};
use flexwallet::report::{WALLET_HEADER, table, wallet_rows};
use serde_json::{Value, json};

/// A `GET /wallets` body with `n` wallets shaped like tests/fixtures/wire/wallet.json.
fn wallet_list(n: usize) -> String {
    let template: Value =
        serde_json::from_str(include_str!("../tests/fixtures/wire/wallet.json")).unwrap_or(Value::Null);
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut w = template.clone();
            w["id"] = json!(format!("wallet_{i:026}"));
            w["balance"] = json!(format!("{}.{:09}", i * 7, i % 1_000_000_000));
            w["credit_balance"] = json!(format!("{}.5", i * 3));
            w
        })
        .collect();
    json!({"items": items, "pagination": {"total": n, "limit": 50, "offset": 0}}).to_string()
}

fn transaction_page(n: usize) -> String {
    let page: Value = serde_json::from_str(include_str!("../tests/fixtures/wire/transactions_page.json"))
        .unwrap_or(Value::Null);
    let tx = page["items"][0].clone();
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let mut t = tx.clone();
            t["id"] = json!(format!("wtxn_{i:026}"));
            t["credit_amount"] = json!(format!("{i}.123456789"));
            t
        })
        .collect();
    json!({"items": items, "pagination": {"total": n, "limit": n, "offset": n}}).to_string()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    for n in [1_000usize, 10_000] {
        let body = wallet_list(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(
            format!("GET /wallets, {n} wallets ({} KiB)", body.len() / 1024),
            |b| b.iter(|| decode::<ListResponse<Wallet>>(200, black_box(&body)).map(|l| l.items.len())),
        );
    }
    let body = transaction_page(1_000);
    g.throughput(Throughput::Elements(1_000));
    g.bench_function("transactions page, 1000 rows", |b| {
        b.iter(|| decode::<ListResponse<Transaction>>(200, black_box(&body)).map(|l| l.items.len()))
    });
    g.finish();

    let wallets = decode::<ListResponse<Wallet>>(200, &wallet_list(10_000))
        .map(|l| l.items)
        .unwrap_or_default();
    let mut g = c.benchmark_group("print");
    g.throughput(Throughput::Elements(wallets.len() as u64));
    g.bench_function("wallets list table, 10000 wallets", |b| {
        b.iter(|| table(&WALLET_HEADER, &wallet_rows(black_box(&wallets)), &[4, 5]).len())
    });
    g.bench_function("wallets list --json, 10000 wallets", |b| {
        b.iter(|| {
            serde_json::to_string(black_box(&wallets))
                .map(|s| s.len())
                .unwrap_or(0)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
