//! The incremental view (refreshes move single rows) must always equal a view built from
//! scratch, whatever the sort, filter and refreshed values.

use crate::moment::Moment;
use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use flexprice_wire::models::{AlertState, WalletStatus};

fn wallet(i: usize, balance: i64, alert: u8, frozen: bool) -> Wallet {
    Wallet {
        id: format!("w{i:03}"),
        name: Some(format!("Wallet {}", i % 7)),
        customer_id: format!("cus_{}", i % 5),
        currency: if i.is_multiple_of(2) { "usd" } else { "eur" }.into(),
        balance: Decimal::new(balance, 2),
        credit_balance: Decimal::new(balance, 2),
        alert_state: Some(match alert % 4 {
            0 => AlertState::Ok,
            1 => AlertState::Info,
            2 => AlertState::Warning,
            _ => AlertState::InAlarm,
        }),
        wallet_status: if frozen {
            WalletStatus::Frozen
        } else {
            WalletStatus::Active
        },
        ..Default::default()
    }
}

fn columns() -> impl Strategy<Value = Column> {
    prop::sample::select(vec![
        Column::Name,
        Column::Id,
        Column::Balance,
        Column::Credits,
        Column::Alert,
        Column::Status,
        Column::Currency,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn incremental_view_equals_a_rebuilt_one(
        n in 1usize..40,
        column in columns(),
        descending in any::<bool>(),
        filter in prop::sample::select(vec!["", "alert:in_alarm", "balance<5", "!status:frozen currency:usd", "wallet 3"]),
        updates in prop::collection::vec((0usize..40, -1000i64..1000, any::<u8>(), any::<bool>()), 0..30),
        selected in 0usize..40,
    ) {
        let now = Moment::from_secs(1_000);
        let mut t = WalletTable::default();
        t.replace_all((0..n).map(|i| wallet(i, (i as i64 * 37) % 900, i as u8, i.is_multiple_of(6))).collect(), now, 0);
        t.set_sort(Sort { column, descending });
        t.set_filter(Some(crate::app::filter::Filter::parse(filter).unwrap()));
        t.selected = selected.min(t.view.len().saturating_sub(1));
        for (i, balance, alert, frozen) in updates {
            let keep = t.selected_id().map(str::to_string);
            t.apply_refresh(vec![wallet(i % n, balance, alert, frozen)], now, 1);
            let still_there = keep.as_deref().is_some_and(|k| t.view.iter().any(|&r| t.rows[r].wallet.id == k));
            if still_there {
                prop_assert_eq!(t.selected_id(), keep.as_deref(), "the selection follows its wallet");
            }
        }
        let incremental = t.view.clone();
        t.rebuild_view(None);
        prop_assert_eq!(incremental, t.view.clone());
        let mut by_status = Counts::default();
        for r in &t.rows {
            by_status.add(&r.wallet);
        }
        prop_assert_eq!(t.counts, by_status);
    }
}

#[test]
fn a_name_sort_follows_a_renamed_wallet() {
    let now = Moment::from_secs(1_000);
    let mut t = WalletTable::default();
    t.replace_all((0..5).map(|i| wallet(i, 100, 0, false)).collect(), now, 0);
    let mut w = wallet(1, 100, 0, false);
    w.name = Some("Aardvark".into());
    w.balance = Decimal::from_str("1").unwrap();
    t.apply_refresh(vec![w], now, 1);
    assert_eq!(t.rows[t.view[0]].wallet.id, "w001");
}

proptest! {
    #[test]
    fn money_keys_order_exactly_as_the_amounts(
        a in (any::<i64>(), 0u32..=28), b in (any::<i64>(), 0u32..=28),
    ) {
        let (x, y) = (Decimal::new(a.0, a.1), Decimal::new(b.0, b.1));
        prop_assert_eq!(money_key(x).cmp(&money_key(y)), x.cmp(&y));
    }
}

#[test]
fn money_keys_hold_the_largest_amounts() {
    let (max, min) = (Decimal::MAX, Decimal::MIN);
    assert!(money_key(min) < money_key(Decimal::ZERO));
    assert!(money_key(Decimal::ZERO) < money_key(max));
    let tiny = Decimal::new(1, 28);
    assert!(
        money_key(Decimal::ZERO) < money_key(tiny),
        "equal coarse keys, exact tie-break"
    );
}
