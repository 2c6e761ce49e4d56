//! One picture for many consoles: a leader refreshes, followers show its data (one copy) and
//! hand it what they fetched.

use std::sync::Arc;
use std::time::Duration;

use super::share::{Feed, Picture};
use super::tests::{app, wallet, wallets};
use super::*;

/// A leader with `n` wallets listed.
fn leader(n: usize) -> App {
    let (mut lead, _) = app(false);
    lead.feed = Feed::Lead;
    assert_eq!(
        super::tests::without_runway(lead.start()),
        vec![
            Effect::LoadWallets { generation: 1 },
            Effect::LoadCustomers { generation: 1 }
        ]
    );
    let after = lead.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets(n)),
    });
    assert!(
        after.is_empty(),
        "a leader has no screen, so no balance to load: {after:?}"
    );
    lead
}

fn follower() -> App {
    let (mut f, _) = app(false);
    f.feed = Feed::Follow;
    assert!(f.start().is_empty(), "a follower lists nothing itself");
    f
}

fn show(f: &mut App, lead: &App) -> Vec<Effect> {
    f.update(Action::Followed(Arc::new(lead.picture())))
}

fn shared_of(effects: &[Effect]) -> Option<(Vec<Wallet>, Vec<String>)> {
    effects.iter().find_map(|e| match e {
        Effect::Share { wallets, failed } => Some((wallets.clone(), failed.clone())),
        _ => None,
    })
}

#[test]
fn followers_show_the_leaders_wallets_from_one_copy() {
    let lead = leader(300);
    let (mut a, mut b) = (follower(), follower());
    let first = show(&mut a, &lead);
    assert!(
        matches!(first.as_slice(), [Effect::LoadBalance { .. }]),
        "the selected wallet's balance, once: {first:?}"
    );
    show(&mut b, &lead);
    assert_eq!(a.table.len(), 300);
    assert!(a.loaded_once);
    assert!(Arc::ptr_eq(&a.table.shared(), &lead.table.shared()));
    assert!(Arc::ptr_eq(&b.table.shared(), &lead.table.shared()));
    // Each its own order.
    a.table.set_sort(Sort {
        column: Column::Balance,
        descending: false,
    });
    assert_eq!(
        a.table.selected_id(),
        Some("w000"),
        "the selection stays on its wallet"
    );
    a.table.select_first();
    assert_eq!(a.table.selected_id(), Some("w299"));
    assert_eq!(b.table.selected_id(), Some("w000"));
}

#[test]
fn a_follower_refreshes_its_screen_and_hands_the_rows_to_the_leader() {
    let mut lead = leader(300);
    let mut f = follower();
    show(&mut f, &lead);
    f.live.balance_loading = false;
    let effects = f.update(Action::RefreshDue);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::LoadWallets { .. } | Effect::LoadChanges { .. })),
        "the list and the change feed are the leader's: {effects:?}"
    );
    let (generation, ids) = effects
        .iter()
        .find_map(|e| match e {
            Effect::RefreshWallets { generation, ids } => Some((*generation, ids.clone())),
            _ => None,
        })
        .expect("the rows on screen");
    let before = f.table.shared();
    let mut fresh: Vec<Wallet> = ids.iter().map(|id| wallet(id, id, "1000")).collect();
    fresh[0].balance = rust_decimal::Decimal::from(7);
    let gone = fresh.pop().map(|w| w.id).unwrap();
    let effects = f.update(Action::WalletsRefreshed {
        generation,
        ids: ids.clone(),
        result: Ok(fresh),
    });
    assert!(
        Arc::ptr_eq(&before, &f.table.shared()),
        "a follower never writes the shared data"
    );
    let (wallets, failed) = shared_of(&effects).expect("handed to the leader");
    assert_eq!(wallets.len(), ids.len() - 1);
    assert_eq!(failed, vec![gone.clone()]);
    lead.update(Action::Shared { wallets, failed });
    show(&mut f, &lead);
    let first = f.table.get(&ids[0]).unwrap();
    assert_eq!(first.wallet.balance, rust_decimal::Decimal::from(7));
    assert!(first.meta.delta.is_some(), "the change is shown");
    assert!(f.table.get(&gone).unwrap().meta.failed);
}

#[test]
fn a_wallet_looked_up_by_id_is_shown_once_the_leader_has_it() {
    let mut lead = leader(3);
    let mut f = follower();
    show(&mut f, &lead);
    let effects = f.update(Action::WalletFound {
        wallet_id: "w_new".into(),
        result: Ok(Box::new(wallet("w_new", "Newcomer", "5"))),
    });
    let (wallets, _) = shared_of(&effects).expect("handed to the leader");
    assert!(f.table.get("w_new").is_none());
    lead.update(Action::Shared {
        wallets,
        failed: Vec::new(),
    });
    let effects = show(&mut f, &lead);
    assert_eq!(f.table.selected_id(), Some("w_new"));
    assert_eq!(f.focus, Focus::Detail);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadBalance { wallet_id, .. } if wallet_id == "w_new"))
    );
}

#[test]
fn a_paused_follower_keeps_its_picture_until_resumed() {
    let mut lead = leader(3);
    let mut f = follower();
    show(&mut f, &lead);
    f.live.paused = true;
    lead.update(Action::Shared {
        wallets: vec![wallet("w001", "Wallet 001", "1")],
        failed: Vec::new(),
    });
    show(&mut f, &lead);
    assert_eq!(
        f.table.get("w001").unwrap().wallet.balance,
        rust_decimal::Decimal::from(999)
    );
    f.update(Action::Key(crate::key::KeyEvent::new(
        crate::key::KeyCode::Char('p'),
        crate::key::KeyModifiers::NONE,
    )));
    assert!(!f.live.paused);
    assert_eq!(
        f.table.get("w001").unwrap().wallet.balance,
        rust_decimal::Decimal::ONE
    );
}

#[test]
fn a_follower_tells_the_truth_about_the_leaders_refresh() {
    let mut lead = leader(30);
    let mut f = follower();
    show(&mut f, &lead);
    assert_eq!(f.stale_count, 0);
    // The leader's re-list fails for long enough that every row is past the contract.
    let later = lead.now + Duration::from_secs(3_000);
    lead.update(Action::Tick {
        now: later,
        clock: lead.clock + chrono::Duration::seconds(3_000),
    });
    let effects = lead.update(Action::RefreshDue);
    let generation = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadWallets { generation } => Some(*generation),
            _ => None,
        })
        .expect("a re-list is due");
    lead.update(Action::WalletsLoaded {
        generation,
        result: Err(flexprice_wire::ApiError::Connect {
            host: "api".into(),
            reason: "connection refused".into(),
        }),
    });
    f.update(Action::Tick {
        now: later,
        clock: lead.clock,
    });
    show(&mut f, &lead);
    assert!(f.live.failing_since.is_some(), "REFRESH FAILING, as the leader");
    assert_eq!(f.errors.len(), 1, "the leader's error is in the follower's log");
    assert_eq!(f.errors[0].call, "list wallets");
    show(&mut f, &lead);
    assert_eq!(f.errors.len(), 1, "and only once");
    assert_eq!(f.stale_count, 30, "every row past the contract is counted");
    let _: &Picture = &lead.picture();
}

/// Whatever a follower does with the picture (its balance loads, a failed one, its own sort and
/// filter), it holds the leader's one copy: nothing on its side copies the data.
#[test]
fn a_follower_never_copies_the_picture() {
    let lead = leader(300);
    let mut f = follower();
    let first = show(&mut f, &lead);
    let Some(Effect::LoadBalance {
        generation,
        wallet_id,
    }) = first.into_iter().next()
    else {
        panic!("the selected wallet's balance")
    };
    let data = lead.table.shared();
    let effects = f.update(Action::BalanceLoaded {
        generation,
        wallet_id: wallet_id.clone(),
        result: Ok(Box::new(wallet(&wallet_id, "Renamed", "12"))),
    });
    assert!(shared_of(&effects).is_some(), "the balance goes to the leader");
    f.table.set_sort(Sort {
        column: Column::Balance,
        descending: true,
    });
    f.table
        .set_filter(Some(crate::app::filter::Filter::parse("w01").unwrap()));
    assert!(!f.table.view().is_empty());
    f.table.set_filter(None);
    assert_eq!(f.table.view().len(), 300);
    assert!(
        Arc::ptr_eq(&data, &f.table.shared()),
        "the follower holds the leader's data, not a copy"
    );
}
