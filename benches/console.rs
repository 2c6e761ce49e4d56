//! Console hot paths with 100,000 wallets: render a frame, sort, decode a list reply, apply a
//! refresh. `cargo bench --bench console` prints each figure.

use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use flexwallet::moment::Moment;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;

use flexwallet::api::models::{
    AlertCondition, AlertSettings, AlertState, AlertThreshold, ListResponse, Wallet, WalletStatus,
};
use flexwallet::app::filter::Filter;
use flexwallet::app::{Action, App, Column, Origin, Sort};
use flexwallet::keymap::Keymap;
use flexwallet::ui::{self, Theme};

const N: usize = 100_000;

/// Deterministic wallets shaped like Flexprice's (ids, names, customers, decimals, alerts).
pub fn wallets(n: usize) -> Vec<Wallet> {
    let base = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let credits = Decimal::from_str(&format!("{}.{:02}", (i * 7919) % 100_000, i % 100)).unwrap();
            let rate = if i % 5 == 0 {
                Decimal::from_str("0.5").unwrap()
            } else {
                Decimal::ONE
            };
            Wallet {
                id: format!("wallet_01JC{:022}", i),
                customer_id: format!("cus_{:06}", i / 3),
                currency: ["usd", "eur", "crd"][i % 3].into(),
                balance: credits * rate,
                credit_balance: credits,
                wallet_status: if i % 17 == 0 {
                    WalletStatus::Closed
                } else {
                    WalletStatus::Active
                },
                name: Some(format!("Customer {:06} – usage credits", i / 3)),
                conversion_rate: rate,
                alert_state: Some(
                    [
                        AlertState::Ok,
                        AlertState::Info,
                        AlertState::Warning,
                        AlertState::InAlarm,
                    ][i % 4]
                        .clone(),
                ),
                alert_settings: Some(Box::new(AlertSettings {
                    critical: Some(AlertThreshold {
                        threshold: Decimal::from(10),
                        condition: AlertCondition::Below,
                    }),
                    warning: Some(AlertThreshold {
                        threshold: Decimal::from(100),
                        condition: AlertCondition::Below,
                    }),
                    info: None,
                    alert_enabled: Some(true),
                })),
                environment_id: Some("env_bench".into()),
                tenant_id: Some("tenant_bench".into()),
                created_at: Some(base - chrono::Duration::days((i % 300) as i64)),
                updated_at: Some(base - chrono::Duration::minutes((i % 10_000) as i64)),
                ..Default::default()
            }
        })
        .collect()
}

fn app_with(wallets: Vec<Wallet>, width: u16, height: u16) -> App {
    let now = Moment::from_secs(1_000);
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        Origin {
            profile: "bench".into(),
            host: "127.0.0.1:8080".into(),
            environment: None,
            key_source: "FLEXPRICE_API_KEY".into(),
        },
        false,
        Duration::from_secs(5),
        now,
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
        flexwallet::app::Env::sequential("/nonexistent/flexwallet-jobs"),
    );
    app.update(Action::Resize(width, height));
    let generation = app.start().len() as u64;
    app.update(Action::WalletsLoaded {
        generation,
        result: Ok(wallets),
    });
    app
}

fn bench(c: &mut Criterion) {
    let ws = wallets(N);

    let mut app = app_with(ws.clone(), 120, 40);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = Theme::sixteen();
    // Somewhere in the middle, list + detail side by side.
    for _ in 0..5 {
        app.update(Action::Key(flexwallet::key::KeyEvent::from(
            flexwallet::key::KeyCode::PageDown,
        )));
    }
    c.bench_function("render list+detail, 100k wallets, 120x40", |b| {
        b.iter(|| {
            terminal.draw(|f| ui::render(black_box(&app), &theme, f)).unwrap();
        })
    });

    // From the name order (the default), so the sort meets no presorted run.
    let by = |column| Sort {
        column,
        descending: false,
    };
    app.table.set_sort(by(Column::Name));
    let by_name = app.table.clone();
    c.bench_function("sort 100k wallets by balance", |b| {
        b.iter_batched_ref(
            || by_name.clone(),
            |t| t.set_sort(by(Column::Balance)),
            criterion::BatchSize::LargeInput,
        )
    });

    // Filter + sort of the matches, the whole of what `/` costs on Enter.
    let text = Filter::parse("cus_0012").unwrap();
    let structured = Filter::parse("!status:frozen currency:usd balance<50000 alert:in_alarm").unwrap();
    for (name, filter) in [("text", text), ("structured", structured)] {
        c.bench_function(&format!("filter 100k wallets ({name})"), |b| {
            b.iter(|| {
                app.table.set_filter(Some(black_box(filter.clone())));
                app.table.set_filter(None);
            })
        });
    }
    app.table.set_filter(None);
    app.table.set_sort(by(Column::Balance));
    let by_balance = app.table.clone();
    c.bench_function("sort 100k wallets by name", |b| {
        b.iter_batched_ref(
            || by_balance.clone(),
            |t| t.set_sort(by(Column::Name)),
            criterion::BatchSize::LargeInput,
        )
    });
    app.table.set_sort(Sort {
        column: Column::Balance,
        descending: true,
    });

    let body = serde_json::to_string(&ListResponse {
        items: ws.clone(),
        pagination: None,
    })
    .unwrap();
    println!("list reply for {N} wallets: {:.1} MB", body.len() as f64 / 1e6);
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    g.bench_function("decode a 100k-wallet list reply", |b| {
        b.iter(|| serde_json::from_str::<ListResponse<Wallet>>(black_box(&body)).unwrap())
    });
    g.bench_function("reducer: full list reload applied to 100k", |b| {
        b.iter_batched(
            || ws.clone(),
            |fresh| {
                let generation = app.live.list_generation;
                app.update(Action::WalletsLoaded {
                    generation,
                    result: Ok(fresh),
                })
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();

    let visible: Vec<Wallet> = app
        .table
        .visible_ids(app.list_height())
        .iter()
        .filter_map(|id| app.table.get(id))
        .map(|r| {
            let mut w = r.wallet.as_ref().clone();
            w.balance += Decimal::ONE;
            w
        })
        .collect();
    c.bench_function("reducer: refresh of the rows in view (100k loaded)", |b| {
        b.iter_batched(
            || visible.clone(),
            |fresh| {
                let ids = fresh.iter().map(|w| w.id.clone()).collect();
                let generation = app.live.rows_generation;
                app.update(Action::WalletsRefreshed {
                    generation,
                    ids,
                    result: Ok(fresh),
                })
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // The walk each second (and after each answer) that counts stale wallets for the overview,
    // with the change feed vouching for every balance and one wallet waiting to be fetched.
    app.live.confirmed = Some(app.now);
    if let Some(r) = app.table.rows.get(50_000) {
        app.live.pending.insert(r.wallet.id.clone(), app.now);
    }
    c.bench_function("stale count over 100k wallets (change feed on)", |b| {
        b.iter(|| std::hint::black_box(app.stale_wallets()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
