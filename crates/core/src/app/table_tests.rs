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
        t.selected = selected.min(t.view().len().saturating_sub(1));
        for (i, balance, alert, frozen) in updates {
            let keep = t.selected_id().map(str::to_string);
            t.apply_refresh(vec![wallet(i % n, balance, alert, frozen)], now, 1);
            let still_there = keep.as_deref().is_some_and(|k| t.view().iter().any(|&r| t.rows[r as usize].wallet.id == k));
            if still_there {
                prop_assert_eq!(t.selected_id(), keep.as_deref(), "the selection follows its wallet");
            }
        }
        let incremental = t.view().to_vec();
        t.rebuild_view(None);
        prop_assert_eq!(incremental, t.view().to_vec());
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
    assert_eq!(t.rows[t.view()[0] as usize].wallet.id, "w001");
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A console following another's data (the `serve` sessions following the one refresh)
    /// sees exactly what a table of its own would: its view equals one built from scratch
    /// over the same data, whether it saw every step or skipped some.
    #[test]
    fn a_follower_view_equals_a_rebuilt_one(
        n in 1usize..40,
        column in columns(),
        descending in any::<bool>(),
        filter in prop::sample::select(vec!["", "alert:in_alarm", "balance<5", "!status:frozen currency:usd", "wallet 3"]),
        steps in prop::collection::vec((0u8..10, 0usize..45, -1000i64..1000, any::<u8>(), any::<bool>(), any::<bool>()), 0..30),
    ) {
        let now = Moment::from_secs(1_000);
        let mut leader = WalletTable::default();
        leader.replace_all((0..n).map(|i| wallet(i, (i as i64 * 37) % 900, i as u8, i.is_multiple_of(6))).collect(), now, 0);
        let mut follower = WalletTable::default();
        follower.set_sort(Sort { column, descending });
        follower.set_filter(Some(crate::app::filter::Filter::parse(filter).unwrap()));
        follower.follow(leader.shared());
        for (op, i, balance, alert, frozen, seen) in steps {
            match op {
                0 => leader.mark_failed(&[format!("w{:03}", i % n)]),
                1 => leader.upsert(wallet(i + 40, balance, alert, frozen), now, 1),
                2 => leader.replace_all((0..n).map(|i| wallet(i, balance + i as i64, alert, frozen)).collect(), now, 1),
                _ => {
                    leader.apply_refresh(vec![wallet(i % n, balance, alert, frozen)], now, 1);
                }
            }
            if seen {
                let keep = follower.selected_id().map(str::to_string);
                follower.follow(leader.shared());
                if let Some(k) = keep.as_deref()
                    && follower.view().iter().any(|&r| follower.rows[r as usize].wallet.id == k)
                {
                    prop_assert_eq!(follower.selected_id(), Some(k), "the selection follows its wallet");
                }
            }
        }
        follower.follow(leader.shared());
        prop_assert!(Arc::ptr_eq(&follower.shared(), &leader.shared()), "one copy of the data");
        let followed = follower.view().to_vec();
        follower.rebuild_view(None);
        prop_assert_eq!(followed, follower.view().to_vec());
    }
}

#[test]
fn a_follower_moves_only_what_changed_and_holds_no_copy() {
    let now = Moment::from_secs(1_000);
    let mut leader = WalletTable::default();
    leader.replace_all((0..1000).map(|i| wallet(i, i as i64, 0, false)).collect(), now, 0);
    let mut follower = WalletTable::default();
    follower.set_sort(Sort {
        column: Column::Balance,
        descending: false,
    });
    follower.follow(leader.shared());
    assert_eq!(follower.rows[follower.view()[0] as usize].wallet.id, "w000");
    // One write after the follower took the data: the leader copies, the change list holds
    // that one row, and the follower moves it.
    leader.apply_refresh(vec![wallet(500, -5, 0, false)], now, 1);
    assert_eq!(leader.changed_since(follower.version), Some(vec![500]));
    follower.follow(leader.shared());
    assert_eq!(follower.rows[follower.view()[0] as usize].wallet.id, "w500");
    // Wallets are shared between the copies, not cloned.
    assert!(Arc::ptr_eq(&leader.rows[1].wallet, &follower.rows[1].wallet));
}

/// A follower that missed some pictures still moves only the rows changed since the one it
/// holds; one further behind than the changes kept sorts again. Either way its view is the one
/// a table of its own would show.
#[test]
fn a_follower_behind_by_several_pictures_catches_up() {
    let now = Moment::from_secs(1_000);
    let mut leader = WalletTable::default();
    leader.replace_all((0..300).map(|i| wallet(i, i as i64, 0, false)).collect(), now, 0);
    let sort = Sort {
        column: Column::Balance,
        descending: true,
    };
    let follower = |data: Arc<TableData>| {
        let mut f = WalletTable::default();
        f.set_sort(sort);
        f.follow(data);
        f
    };
    let mut far = follower(leader.shared());
    // Pictures published and not seen: every write after one copies the data.
    let mut near = None;
    for step in 0..5000 {
        let i = (step * 7) % 300;
        leader.apply_refresh(vec![wallet(i, (step as i64 * 13) % 1000, 0, false)], now, 1);
        let picture = leader.shared();
        if step == 4500 {
            near = Some(follower(picture));
        }
    }
    let mut near = near.unwrap();
    assert!(
        leader.changed_since(far.version).is_none(),
        "too far behind: sorts again"
    );
    let moved = leader.changed_since(near.version).unwrap();
    assert!(
        !moved.is_empty() && moved.len() <= 300,
        "only the rows changed since"
    );
    for f in [&mut far, &mut near] {
        f.follow(leader.shared());
        let followed = f.view().to_vec();
        f.rebuild_view(None);
        assert_eq!(followed, f.view().to_vec());
    }
}

/// What each `serve` session holds a wallet is its order: one `u32` a row, whatever the sort
/// (collected in place from the sort's keyed vector, it kept three to six times that), and no
/// second copy for the view while there is no filter.
#[test]
fn a_console_holds_one_u32_a_row() {
    let now = Moment::from_secs(1_000);
    let mut t = WalletTable::default();
    t.replace_all((0..1000).map(|i| wallet(i, i as i64, 0, false)).collect(), now, 0);
    for column in Column::ALL {
        for descending in [false, true] {
            t.set_sort(Sort { column, descending });
            assert_eq!(t.order.capacity(), 1000, "{column:?}");
            assert!(t.filtered.is_none());
        }
    }
    t.set_filter(Some(crate::app::filter::Filter::parse("wallet 3").unwrap()));
    let shown = t.view().len();
    assert!(shown > 0 && t.filtered.as_ref().is_some_and(|v| v.capacity() == shown));
}
