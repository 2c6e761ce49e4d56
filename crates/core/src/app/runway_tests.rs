use super::*;
use chrono::TimeZone;
use proptest::prelude::*;
use rust_decimal::Decimal;

use flexprice_wire::models::{AlertSettings, AlertThreshold};

fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).single().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn tx(wallet: &str, kind: TransactionType, credits: &str, hours_ago: i64) -> Transaction {
    let mut t: Transaction = serde_json::from_value(serde_json::json!({
        "id": format!("wtxn_{wallet}_{hours_ago}_{credits}"),
        "wallet_id": wallet,
        "type": kind.as_str(),
        "credit_amount": credits,
        "transaction_status": "completed",
        "transaction_reason": if kind == TransactionType::Debit { "INVOICE_PAYMENT" } else { "PURCHASED_CREDIT_DIRECT" },
    }))
    .unwrap();
    t.created_at = Some(end() - TimeDelta::hours(hours_ago));
    t
}

fn wallet(id: &str, credits: &str) -> Wallet {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "customer_id": "cust_1",
        "currency": "usd",
        "balance": credits,
        "credit_balance": credits,
        "wallet_status": "active",
        "created_at": "2026-01-01T00:00:00Z",
    }))
    .unwrap()
}

fn pass(txs: &[Transaction]) -> Runways {
    let mut tally = Tally::new(Window::ending(end(), 24));
    for t in txs {
        tally.take(t);
    }
    tally.finish(1)
}

#[test]
fn burn_is_the_debits_over_the_window_per_hour() {
    let r = pass(&[
        tx("w1", TransactionType::Debit, "10", 20),
        tx("w1", TransactionType::Debit, "14", 2),
        // Credits do not burn.
        tx("w1", TransactionType::Credit, "500", 1),
    ]);
    let w = wallet("w1", "48");
    assert_eq!(r.rate(&w), Some(dec("1")));
    let f = r.figures(&w);
    assert_eq!(f.to_zero, Left::After(48 * 3600));
    assert_eq!(f.debits, 2);
    assert_eq!(left_words(f.to_zero), "2d 00h");
}

#[test]
fn a_wallet_without_debits_says_no_burn() {
    let r = pass(&[tx("w1", TransactionType::Credit, "100", 3)]);
    assert_eq!(r.rate(&wallet("w1", "5")), None);
    assert_eq!(r.runway(&wallet("w1", "5")), Runway::Left(Left::NoBurn));
    // A wallet the window never named burns nothing either.
    assert_eq!(r.runway(&wallet("w2", "5")), Runway::Left(Left::NoBurn));
    assert_eq!(left_words(Left::NoBurn), "no burn");
}

#[test]
fn pending_failed_and_outside_the_window_move_nothing() {
    let mut pending = tx("w1", TransactionType::Debit, "50", 1);
    pending.transaction_status = TransactionStatus::Pending;
    let mut failed = tx("w1", TransactionType::Debit, "50", 1);
    failed.transaction_status = TransactionStatus::Failed;
    let old = tx("w1", TransactionType::Debit, "50", 30);
    let r = pass(&[pending, failed, old]);
    assert_eq!(r.rate(&wallet("w1", "5")), None);
}

#[test]
fn a_termination_is_not_burn() {
    let mut t = tx("w1", TransactionType::Debit, "80", 1);
    t.transaction_reason = TransactionReason::WalletTermination;
    let r = pass(&[t]);
    assert_eq!(r.rate(&wallet("w1", "0")), None);
    let mut closed = wallet("w1", "0");
    closed.wallet_status = WalletStatus::Closed;
    assert_eq!(r.runway(&closed), Runway::Closed);
}

#[test]
fn a_young_wallet_burns_over_its_own_age() {
    let r = pass(&[tx("w1", TransactionType::Debit, "12", 1)]);
    let mut w = wallet("w1", "24");
    w.created_at = Some(end() - TimeDelta::hours(2));
    assert_eq!(r.rate(&w), Some(dec("6")));
    assert_eq!(r.runway(&w), Runway::Left(Left::After(4 * 3600)));
}

#[test]
fn an_empty_or_negative_wallet_that_burns_is_empty_now() {
    let r = pass(&[tx("w1", TransactionType::Debit, "12", 1)]);
    assert_eq!(r.runway(&wallet("w1", "0")), Runway::Left(Left::Reached));
    assert_eq!(r.runway(&wallet("w1", "-3")), Runway::Left(Left::Reached));
}

#[test]
fn thresholds_below_are_reached_in_order() {
    let r = pass(&[tx("w1", TransactionType::Debit, "240", 5)]); // 10 credits an hour
    let mut w = wallet("w1", "1000");
    let below = |t: &str| AlertThreshold {
        threshold: dec(t),
        condition: AlertCondition::Below,
    };
    w.alert_settings = Some(Box::new(AlertSettings {
        critical: Some(below("100")),
        warning: Some(below("500")),
        info: Some(below("1200")),
        alert_enabled: Some(true),
    }));
    let f = r.figures(&w);
    assert_eq!(
        f.to_levels,
        vec![
            (AlertState::InAlarm, dec("100"), Left::After(90 * 3600)),
            (AlertState::Warning, dec("500"), Left::After(50 * 3600)),
            (AlertState::Info, dec("1200"), Left::Reached),
        ]
    );
    // Disabled alerts head nowhere.
    if let Some(s) = w.alert_settings.as_mut() {
        s.alert_enabled = Some(false);
    }
    assert!(r.figures(&w).to_levels.is_empty());
}

#[test]
fn the_series_walks_back_from_the_credits_now() {
    let r = pass(&[
        tx("w1", TransactionType::Credit, "100", 23),
        tx("w1", TransactionType::Debit, "30", 12),
        tx("w1", TransactionType::Debit, "20", 1),
    ]);
    let s = r.series("w1", dec("50")).unwrap();
    assert_eq!(s.len(), usize::from(BUCKETS) + 1);
    assert_eq!(s[0], Decimal::ZERO);
    assert_eq!(s[usize::from(BUCKETS)], dec("50"));
    assert_eq!(s[10], dec("100"));
    assert_eq!(s[30], dec("70"));
    // No changes: flat at the credits now.
    assert!(r.series("w9", dec("7")).unwrap().iter().all(|p| *p == dec("7")));
}

#[test]
fn overflowing_sums_give_no_figures() {
    let r = pass(&[
        tx("w1", TransactionType::Debit, &Decimal::MAX.to_string(), 2),
        tx("w1", TransactionType::Debit, &Decimal::MAX.to_string(), 1),
    ]);
    assert_eq!(r.overflowed, 1);
    assert_eq!(r.rate(&wallet("w1", "5")), None);
}

#[test]
fn spans_of_the_filter_language() {
    assert_eq!(parse_span("24h"), Some(86_400));
    assert_eq!(parse_span("2d"), Some(172_800));
    assert_eq!(parse_span("90m"), Some(5400));
    assert_eq!(parse_span("1.5d"), Some(129_600));
    assert_eq!(parse_span("1w"), Some(604_800));
    assert_eq!(parse_span("24"), None);
    assert_eq!(parse_span("h"), None);
    assert_eq!(parse_span("-2h"), None);
    assert_eq!(parse_span("2y"), None);
}

#[test]
fn freshness_words() {
    let mut b = Board::default();
    assert_eq!(b.freshness(end()), "runway …");
    b.computing = Some((50, Some(200)));
    assert_eq!(b.freshness(end()), "runway … 25%");
    b.computing = None;
    b.done_at = Some(end() - TimeDelta::minutes(3));
    assert_eq!(b.freshness(end()), "runway 3m ago");
    b.computing = Some((0, None));
    assert_eq!(b.freshness(end()), "runway 3m ago, updating…");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The rate times the hours to zero gives back the credits (to the second), and more
    /// credits never run out sooner.
    #[test]
    fn time_to_zero_is_credits_over_rate(
        debits in prop::collection::vec((1u32..10_000, 0i64..24), 1..20),
        credits in 1u32..10_000_000,
        more in 0u32..1000,
    ) {
        let txs: Vec<_> = debits
            .iter()
            .map(|(c, h)| tx("w1", TransactionType::Debit, &c.to_string(), *h))
            .collect();
        let r = pass(&txs);
        let total: u32 = debits.iter().map(|(c, _)| c).sum();
        let rate = r.rate(&wallet("w1", "1")).unwrap();
        prop_assert_eq!(rate, Decimal::from(total) / Decimal::from(24));
        let Runway::Left(Left::After(s)) = r.runway(&wallet("w1", &credits.to_string())) else {
            return Err(TestCaseError::fail("a burning wallet with credits has a time left"));
        };
        // s is the least whole second with s × burn ≥ credits (burn: total over 86,400 s).
        let (c, t) = (i128::from(credits) * 86_400, i128::from(total));
        prop_assert!(i128::from(s) * t >= c && (i128::from(s) - 1) * t < c, "{s} s");
        let Runway::Left(Left::After(later)) = r.runway(&wallet("w1", &(credits + more).to_string())) else {
            return Err(TestCaseError::fail("more credits, still a time left"));
        };
        prop_assert!(later >= s);
    }

    /// Walking back through the series and forward through the transactions meet: the first
    /// point plus every change is the credits now.
    #[test]
    fn the_series_adds_up(
        moves in prop::collection::vec((any::<bool>(), 1u32..100_000, 0i64..24), 0..40),
        credits in -100_000i64..1_000_000,
    ) {
        let txs: Vec<_> = moves
            .iter()
            .map(|(credit, c, h)| {
                let kind = if *credit { TransactionType::Credit } else { TransactionType::Debit };
                tx("w1", kind, &c.to_string(), *h)
            })
            .collect();
        let r = pass(&txs);
        let s = r.series("w1", Decimal::from(credits)).unwrap();
        let net: Decimal = moves
            .iter()
            .map(|(credit, c, _)| if *credit { Decimal::from(*c) } else { -Decimal::from(*c) })
            .sum();
        prop_assert_eq!(s[0] + net, Decimal::from(credits));
    }
}

mod in_the_app {
    use std::sync::Arc;

    use super::*;
    use crate::app::filter::Filter;
    use crate::app::share::Feed;
    use crate::app::tests::{app, key, wallet};
    use crate::app::{Action, App, Column, Effect, Sort};

    fn pass_of(effects: &[Effect]) -> (u64, Window) {
        effects
            .iter()
            .find_map(|e| match e {
                Effect::LoadRunway { generation, window } => Some((*generation, *window)),
                _ => None,
            })
            .expect("a runway pass")
    }

    /// w1 burns 10 an hour with 100 left (10 h), w2 1 an hour with 100 left (100 h), w3
    /// nothing.
    fn figures(window: Window) -> Arc<Runways> {
        let mut tally = Tally::new(window);
        for (id, credits) in [("w1", "240"), ("w2", "24")] {
            let mut t = tx(id, TransactionType::Debit, credits, 3);
            t.created_at = Some(window.end - TimeDelta::hours(3));
            tally.take(&t);
        }
        Arc::new(tally.finish(1))
    }

    #[test]
    fn a_pass_at_start_fills_the_column_the_sort_and_the_filter() {
        let (mut app, _) = app(false);
        let (generation, window) = pass_of(&app.start());
        assert_eq!(window.seconds(), 24 * 3600);
        assert_eq!(window.end, app.clock);
        let mut wallets = vec![
            wallet("w1", "A", "100"),
            wallet("w2", "B", "100"),
            wallet("w3", "C", "100"),
        ];
        for w in &mut wallets {
            w.created_at = Some(window.start - TimeDelta::days(30));
        }
        app.update(Action::WalletsLoaded {
            generation: 1,
            result: Ok(wallets),
        });
        // Computing: the list knows it, nothing is made up.
        assert!(app.table.runway.computing.is_some());
        let w3 = app.table.get("w3").unwrap().wallet.clone();
        assert_eq!(app.table.runway.runway(&w3), Runway::Unknown);
        // A stale answer is dropped.
        app.update(Action::RunwayLoaded {
            generation: generation + 7,
            result: Ok(figures(window)),
        });
        assert!(app.table.runway.figures.is_none());
        app.update(Action::RunwayLoaded {
            generation,
            result: Ok(figures(window)),
        });
        assert!(app.table.runway.computing.is_none());
        assert_eq!(app.table.runway.done_at, Some(app.clock));
        app.table.set_sort(Sort {
            column: Column::Runway,
            descending: false,
        });
        let order: Vec<&str> = app
            .table
            .view()
            .iter()
            .map(|&i| app.table.rows[i as usize].wallet.id.as_str())
            .collect();
        assert_eq!(order, ["w1", "w2", "w3"]);
        let shown = |app: &mut App, text: &str| {
            app.table.set_filter(Some(Filter::parse(text).unwrap()));
            app.table.view().len()
        };
        assert_eq!(shown(&mut app, "runway<24h"), 1);
        assert_eq!(shown(&mut app, "runway<5d"), 2);
        assert_eq!(shown(&mut app, "runway>2d"), 2, "w2 and w3, which never runs out");
        assert_eq!(shown(&mut app, "!runway<24h"), 2);
        // A balance refreshed moves the runway without a pass: w2 down to 10 credits is 10 h.
        app.update(Action::WalletsRefreshed {
            generation: app.live.rows_generation,
            ids: vec!["w2".into()],
            result: Ok(vec![{
                let mut w = wallet("w2", "B", "10");
                w.created_at = Some(window.start - TimeDelta::days(30));
                w
            }]),
        });
        assert_eq!(shown(&mut app, "runway<24h"), 2);
    }

    #[test]
    fn the_next_pass_waits_for_its_time_or_r_and_a_follower_runs_none() {
        let (mut app, _) = app(false);
        let (generation, window) = pass_of(&app.start());
        // None while one is under way, even on r.
        assert!(
            !key(&mut app, 'r')
                .iter()
                .any(|e| matches!(e, Effect::LoadRunway { .. }))
        );
        app.update(Action::RunwayLoaded {
            generation,
            result: Ok(figures(window)),
        });
        assert!(app.runway_due(false).is_none(), "not due yet");
        app.now += EVERY;
        assert!(app.runway_due(false).is_some(), "due after EVERY");

        let (mut follower, _) = app_following();
        assert!(follower.start().is_empty());
        assert!(follower.runway_due(true).is_none());
    }

    fn app_following() -> (App, crate::moment::Moment) {
        let (mut app, now) = app(false);
        app.feed = Feed::Follow;
        (app, now)
    }

    #[test]
    fn a_failed_pass_keeps_the_last_figures_and_tries_again_sooner() {
        let (mut app, _) = app(false);
        let (generation, window) = pass_of(&app.start());
        app.update(Action::RunwayLoaded {
            generation,
            result: Ok(figures(window)),
        });
        app.now += EVERY;
        let (again, _) = pass_of(&app.runway_due(false).into_iter().collect::<Vec<_>>());
        app.update(Action::RunwayLoaded {
            generation: again,
            result: Err(flexprice_wire::ApiError::from_reply(
                503,
                "/wallets/transactions/search",
                "{}",
            )),
        });
        assert!(app.table.runway.figures.is_some(), "the last figures stay");
        assert!(app.table.runway.failed.is_some());
        assert!(app.table.runway.freshness(app.clock).contains("update failed"));
        app.now += RETRY;
        assert!(app.runway_due(false).is_some());
    }
}
