//! The change feed: every loaded wallet's balance stays fresh, not only the rows on screen.

use std::collections::BTreeSet;
use std::time::Duration;

use flexprice_wire::ApiError;
use flexprice_wire::models::Changes;

use super::tests::{loaded, wallet};
use super::*;

/// The stale count as the list marks rows, one by one (the count is a faster walk of its own).
fn by_row(app: &App) -> usize {
    app.stale_wallets_by_walk()
}

/// Moves the clocks on by `secs` and asks for the next refresh.
fn tick(app: &mut App, secs: u64) -> Vec<Effect> {
    let now = app.now + Duration::from_secs(secs);
    let clock = app.clock + chrono::Duration::seconds(secs as i64);
    app.update(Action::Tick { now, clock });
    app.update(Action::RefreshDue)
}

fn feed_of(effects: &[Effect]) -> Option<(u64, DateTime<Utc>)> {
    effects.iter().find_map(|e| match e {
        Effect::LoadChanges { generation, since } => Some((*generation, *since)),
        _ => None,
    })
}

fn answer(app: &mut App, generation: u64, ids: &[&str], complete: bool) -> Vec<Effect> {
    let changes = Changes {
        wallet_ids: ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        complete,
        as_of: app.clock,
    };
    app.update(Action::ChangesLoaded {
        generation,
        result: Ok(changes),
    })
}

/// Answers the rows-on-screen refresh so only the feed decides the rows off screen.
fn answer_rows(app: &mut App, effects: &[Effect]) {
    for e in effects {
        if let Effect::RefreshWallets { generation, ids } = e {
            let wallets = ids.iter().map(|id| wallet(id, id, "1")).collect();
            app.update(Action::WalletsRefreshed {
                generation: *generation,
                ids: ids.clone(),
                result: Ok(wallets),
            });
        }
        if let Effect::LoadBalance { generation, .. } = e {
            app.live.balance_generation = generation + 1;
            app.live.balance_loading = false;
        }
    }
}

#[test]
fn the_feed_starts_where_the_first_list_was_asked_and_moves_on_with_each_answer() {
    let (mut app, _) = loaded(300);
    let listed = app.live.list_asked;
    let effects = tick(&mut app, 5);
    let (generation, since) = feed_of(&effects).expect("a feed question each refresh");
    assert_eq!(since, listed - chrono::Duration::seconds(15));
    answer(&mut app, generation, &[], true);
    let effects = tick(&mut app, 5);
    let (_, since) = feed_of(&effects).unwrap();
    assert_eq!(since, app.clock - chrono::Duration::seconds(5 + 15));
}

/// 300 wallets, 18 on screen: with the feed answering, the balances of the 282 off screen stay
/// current though nothing fetches them, until the whole-wallet part of the contract (two
/// re-list periods: status and settings only come with the list) runs out; the one the feed
/// names is fetched.
#[test]
fn rows_off_screen_stay_fresh_while_the_feed_answers_and_a_named_wallet_is_fetched() {
    let (mut app, _) = loaded(300);
    app.live.relist_due = app.now + Duration::from_secs(3600);
    let cycle = |app: &mut App| {
        let effects = tick(app, 5);
        answer_rows(app, &effects);
        let (generation, _) = feed_of(&effects).unwrap();
        answer(app, generation, &[], true);
    };
    for _ in 0..24 {
        cycle(&mut app);
        assert_eq!(app.stale_count, 0);
        assert_eq!(app.stale_count, by_row(&app));
    }
    let (balance, whole) = app.oldest();
    assert_eq!(
        balance,
        Duration::ZERO,
        "every balance confirmed by the last answer"
    );
    assert_eq!(
        whole,
        Duration::from_secs(120),
        "off-screen rows were last listed at the start"
    );
    cycle(&mut app);
    assert_eq!(app.stale_count, 282, "past two re-list periods without a re-list");
    assert_eq!(app.stale_count, by_row(&app));

    // The feed names w250 (off screen): it is fetched, and until then its balance ages.
    let effects = tick(&mut app, 5);
    answer_rows(&mut app, &effects);
    let (generation, _) = feed_of(&effects).unwrap();
    let after = answer(&mut app, generation, &["w250"], true);
    let [Effect::RefreshChanged { generation, ids }] = after.as_slice() else {
        panic!("{after:?}")
    };
    assert_eq!(ids, &vec!["w250".to_string()]);
    let row = app.table.get("w250").unwrap();
    assert!(app.balance_fresh_at(row) < app.now);
    app.update(Action::ChangedRefreshed {
        generation: *generation,
        ids: ids.clone(),
        result: Ok(vec![wallet("w250", "Wallet 250", "1.5")]),
    });
    let row = app.table.get("w250").unwrap();
    assert_eq!(row.wallet.balance.to_string(), "1.5");
    assert_eq!(app.balance_fresh_at(row), app.now);
    assert!(app.live.pending.is_empty());
}

/// With every request failing, the rows off screen are marked stale within three intervals,
/// like the ones on screen, and the counts say so.
#[test]
fn a_failing_feed_lets_every_row_go_stale_within_three_intervals() {
    let (mut app, _) = loaded(300);
    app.live.relist_due = app.now + Duration::from_secs(3600);
    let effects = tick(&mut app, 5);
    answer_rows(&mut app, &effects);
    let (generation, _) = feed_of(&effects).unwrap();
    answer(&mut app, generation, &[], true);
    let down = ApiError::from_reply(503, "/wallets/transactions/search", r#"{"code":"down"}"#);
    for _ in 0..3 {
        let effects = tick(&mut app, 5);
        let (generation, _) = feed_of(&effects).unwrap();
        app.update(Action::ChangesLoaded {
            generation,
            result: Err(down.clone()),
        });
    }
    assert_eq!(app.stale_count, 0, "15 s: just inside the contract");
    tick(&mut app, 1);
    assert_eq!(app.stale_count, 300);
    assert_eq!(app.stale_count, by_row(&app));
    assert!(app.live.failing_since.is_some());
}

#[test]
fn an_incomplete_feed_or_an_unknown_wallet_brings_the_re_list_forward() {
    let (mut app, _) = loaded(30);
    app.live.relist_due = app.now + Duration::from_secs(3600);
    let effects = tick(&mut app, 5);
    let (generation, _) = feed_of(&effects).unwrap();
    answer(&mut app, generation, &["w001"], false);
    assert_eq!(app.live.relist_due, app.now);

    let (mut app, _) = loaded(30);
    app.live.relist_due = app.now + Duration::from_secs(3600);
    let effects = tick(&mut app, 5);
    let (generation, _) = feed_of(&effects).unwrap();
    let after = answer(&mut app, generation, &["w_new"], true);
    assert!(
        after.is_empty(),
        "an unknown wallet is not fetched by id: {after:?}"
    );
    assert_eq!(app.live.relist_due, app.now + Duration::from_secs(60));
}

/// An answer to an old question is dropped: the newest question wins.
#[test]
fn an_old_feed_answer_is_dropped() {
    let (mut app, _) = loaded(30);
    let effects = tick(&mut app, 5);
    let (generation, _) = feed_of(&effects).unwrap();
    app.live.feed_generation += 1;
    assert!(answer(&mut app, generation, &["w001"], true).is_empty());
    assert!(app.live.pending.is_empty());
    assert!(app.live.confirmed.is_none());
}

/// One step of a console's life, for the property below.
#[derive(Debug, Clone)]
enum Step {
    Wait(u64),
    Rows(bool),
    Feed { ok: bool, named: Vec<usize> },
    Changed(bool),
    Relist(bool),
    MarkFailed(usize),
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (1u64..200).prop_map(Step::Wait),
        any::<bool>().prop_map(Step::Rows),
        (any::<bool>(), proptest::collection::vec(0usize..60, 0..5))
            .prop_map(|(ok, named)| Step::Feed { ok, named }),
        any::<bool>().prop_map(Step::Changed),
        any::<bool>().prop_map(Step::Relist),
        (0usize..60).prop_map(Step::MarkFailed),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    /// The stale count read from the table's index agrees with asking every row, whatever
    /// happens: waits, answers and failures of every kind, in any order.
    #[test]
    fn the_indexed_stale_count_is_the_count_of_stale_rows(steps in proptest::collection::vec(step(), 1..40)) {
        let (mut app, _) = loaded(60);
        let down = ApiError::from_reply(503, "/x", r#"{"code":"down"}"#);
        let mut pending_effects: Vec<Effect> = Vec::new();
        for s in steps {
            match s {
                Step::Wait(secs) => {
                    pending_effects.extend(tick(&mut app, secs));
                }
                Step::Rows(ok) => {
                    if let Some(Effect::RefreshWallets { generation, ids }) = pending_effects.iter().find(|e| matches!(e, Effect::RefreshWallets { .. })).cloned() {
                        let result = if ok { Ok(ids.iter().map(|id| wallet(id, id, "2")).collect()) } else { Err(down.clone()) };
                        app.update(Action::WalletsRefreshed { generation, ids, result });
                    }
                }
                Step::Feed { ok, named } => {
                    if let Some((generation, _)) = feed_of(&pending_effects) {
                        let result = if ok {
                            Ok(Changes {
                                wallet_ids: named.iter().map(|i| format!("w{i:03}")).collect(),
                                complete: true,
                                as_of: app.clock,
                            })
                        } else {
                            Err(down.clone())
                        };
                        pending_effects.extend(app.update(Action::ChangesLoaded { generation, result }));
                    }
                }
                Step::Changed(ok) => {
                    if let Some(Effect::RefreshChanged { generation, ids }) = pending_effects.iter().rev().find(|e| matches!(e, Effect::RefreshChanged { .. })).cloned() {
                        let result = if ok { Ok(ids.iter().map(|id| wallet(id, id, "3")).collect()) } else { Err(down.clone()) };
                        pending_effects.extend(app.update(Action::ChangedRefreshed { generation, ids, result }));
                    }
                }
                Step::Relist(ok) => {
                    if let Some(Effect::LoadWallets { generation }) = pending_effects.iter().find(|e| matches!(e, Effect::LoadWallets { .. })).cloned() {
                        let result = if ok { Ok(super::tests::wallets(60)) } else { Err(down.clone()) };
                        app.update(Action::WalletsLoaded { generation, result });
                    }
                }
                Step::MarkFailed(i) => app.table.mark_failed(&[format!("w{i:03}")]),
            }
            proptest::prop_assert_eq!(app.stale_wallets(), app.stale_wallets_by_walk());
        }
    }
}
