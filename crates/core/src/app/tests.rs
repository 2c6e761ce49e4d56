//! Reducer tests: navigation, sorting, marks surviving refresh, pause, stale marks, latest-wins.

use std::str::FromStr;
use std::time::Duration;

use crate::moment::Moment;

use crate::key::{KeyCode, KeyEvent, KeyModifiers};
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use flexprice_wire::models::{AlertState, Wallet};

pub(super) fn wallet(id: &str, name: &str, balance: &str) -> Wallet {
    Wallet {
        id: id.into(),
        name: Some(name.into()),
        customer_id: format!("cus_{id}"),
        currency: "usd".into(),
        balance: Decimal::from_str(balance).unwrap(),
        credit_balance: Decimal::from_str(balance).unwrap(),
        ..Default::default()
    }
}

pub(super) fn wallets(n: usize) -> Vec<Wallet> {
    (0..n)
        .map(|i| {
            wallet(
                &format!("w{i:03}"),
                &format!("Wallet {i:03}"),
                &format!("{}", 1000 - i),
            )
        })
        .collect()
}

pub(super) fn app(read_only: bool) -> (App, Moment) {
    let now = Moment::from_secs(1_000);
    let clock = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let km = Keymap::builtin().unwrap();
    let mut app = App::new(
        km,
        Origin::default(),
        read_only,
        Duration::from_secs(5),
        now,
        clock,
        Env::sequential("/nonexistent/flexwallet-jobs"),
    );
    app.update(Action::Resize(80, 24));
    (app, now)
}

/// The start's effects but its runway pass, which it must ask for once (`runway_tests`).
pub(super) fn without_runway(effects: Vec<Effect>) -> Vec<Effect> {
    let (runway, rest): (Vec<_>, Vec<_>) = effects
        .into_iter()
        .partition(|e| matches!(e, Effect::LoadRunway { .. }));
    assert_eq!(runway.len(), 1, "one runway pass at start: {runway:?}");
    rest
}

pub(super) fn loaded(n: usize) -> (App, Moment) {
    let (mut app, now) = app(false);
    let effects = without_runway(app.start());
    assert_eq!(
        effects,
        vec![
            Effect::LoadWallets { generation: 1 },
            Effect::LoadCustomers { generation: 1 }
        ]
    );
    let after = app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets(n)),
    });
    assert!(
        matches!(after.as_slice(), [Effect::LoadBalance { .. }]),
        "{after:?}"
    );
    app.live.balance_loading = false;
    (app, now)
}

pub(super) fn key(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
}

pub(super) fn code(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

#[test]
fn navigation_moves_clamps_and_scrolls() {
    let (mut app, _) = loaded(100);
    let height = app.list_height();
    assert_eq!(app.table.selected, 0);
    key(&mut app, 'k');
    assert_eq!(app.table.selected, 0, "up at the top stays");
    key(&mut app, 'j');
    key(&mut app, 'j');
    assert_eq!(app.table.selected_id(), Some("w002"));
    code(&mut app, KeyCode::PageDown);
    assert_eq!(app.table.selected, 2 + height);
    assert!(app.table.offset > 0 && app.table.selected < app.table.offset + height);
    key(&mut app, 'G');
    assert_eq!(app.table.selected, 99);
    assert_eq!(app.table.offset, 100 - height);
    key(&mut app, 'j');
    assert_eq!(app.table.selected, 99, "down at the bottom stays");
    key(&mut app, 'g');
    assert_eq!((app.table.selected, app.table.offset), (0, 0));
}

#[test]
fn moving_asks_for_the_new_wallets_balance_and_supersedes() {
    let (mut app, _) = loaded(5);
    let e1 = key(&mut app, 'j');
    let e2 = key(&mut app, 'j');
    assert!(matches!(&e1[..], [Effect::LoadBalance { wallet_id, .. }] if wallet_id == "w001"));
    let (g1, g2) = match (&e1[0], &e2[0]) {
        (Effect::LoadBalance { generation: a, .. }, Effect::LoadBalance { generation: b, .. }) => (*a, *b),
        _ => unreachable!(),
    };
    assert!(g2 > g1);
    // The older answer arrives last: it must not be stored.
    let mut stale = wallet("w001", "Wallet 001", "1");
    stale.real_time_balance = Some(Decimal::ONE);
    app.update(Action::BalanceLoaded {
        generation: g1,
        wallet_id: "w001".into(),
        result: Ok(Box::new(stale)),
    });
    assert!(app.balances.is_empty());
    assert_eq!(app.table.get("w001").unwrap().wallet.balance, Decimal::from(999));
    let fresh = wallet("w002", "Wallet 002", "998");
    app.update(Action::BalanceLoaded {
        generation: g2,
        wallet_id: "w002".into(),
        result: Ok(Box::new(fresh)),
    });
    assert!(app.balances.contains_key("w002"));
}

#[test]
fn sorting_by_balance_keeps_the_selection() {
    let (mut app, _) = loaded(10);
    key(&mut app, 'j');
    key(&mut app, 'j');
    assert_eq!(app.table.selected_id(), Some("w002"));
    // Name → Id → Customer → Currency → Balance
    for _ in 0..4 {
        key(&mut app, 's');
    }
    assert_eq!(app.table.sort.column, Column::Balance);
    let balances: Vec<Decimal> = app
        .table
        .view()
        .iter()
        .map(|&i| app.table.rows[i as usize].wallet.balance)
        .collect();
    assert!(balances.windows(2).all(|w| w[0] <= w[1]), "{balances:?}");
    assert_eq!(app.table.selected_id(), Some("w002"));
    key(&mut app, 'S');
    assert!(app.table.sort.descending);
    let first = app.table.view()[0];
    assert_eq!(app.table.rows[first as usize].wallet.id, "w000");
    assert_eq!(app.table.selected_id(), Some("w002"));
}

#[test]
fn marks_survive_refresh_and_reload() {
    let (mut app, _) = loaded(10);
    key(&mut app, ' ');
    key(&mut app, ' ');
    assert_eq!(app.table.marks.len(), 2);
    assert_eq!(app.table.selected_id(), Some("w002"), "mark moves down");
    let effects = app.update(Action::RefreshDue);
    let (generation, ids) = match &effects[0] {
        Effect::RefreshWallets { generation, ids } => (*generation, ids.clone()),
        e => panic!("{e:?}"),
    };
    let mut fresh = wallets(10);
    fresh[0].balance = Decimal::from(5);
    app.update(Action::WalletsRefreshed {
        generation,
        ids,
        result: Ok(fresh),
    });
    assert!(app.table.marks.contains("w000") && app.table.marks.contains("w001"));
    app.update(Action::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)));
    let generation = app.live.list_generation;
    let mut reloaded = wallets(9); // w009 is gone
    reloaded.reverse();
    app.update(Action::WalletsLoaded {
        generation,
        result: Ok(reloaded),
    });
    assert_eq!(app.table.marks.len(), 2);
    assert_eq!(
        app.table.selected_id(),
        Some("w002"),
        "selection follows the wallet"
    );
    key(&mut app, 'a');
    assert_eq!(app.table.marks.len(), 9);
    key(&mut app, 'a');
    assert!(app.table.marks.is_empty(), "a second 'a' clears");
}

#[test]
fn refresh_highlights_a_changed_balance_for_one_cycle() {
    let (mut app, _) = loaded(3);
    let effects = app.update(Action::RefreshDue);
    let Effect::RefreshWallets { generation, ids } = effects[0].clone() else {
        panic!()
    };
    let mut fresh = wallets(3);
    fresh[1].balance = Decimal::from_str("1024.00").unwrap();
    app.update(Action::WalletsRefreshed {
        generation,
        ids,
        result: Ok(fresh),
    });
    let row = app.table.get("w001").unwrap();
    let delta = row.meta.delta.unwrap();
    assert_eq!((delta.amount, delta.cycle), (Decimal::from(25), app.live.cycle));
    assert_eq!(row.wallet.balance, Decimal::from(1024));
    app.update(Action::RefreshDue);
    let row = app.table.get("w001").unwrap();
    assert_ne!(
        row.meta.delta.map(|d| d.cycle),
        Some(app.live.cycle),
        "highlight is gone next cycle"
    );
}

#[test]
fn pause_freezes_live_refresh() {
    let (mut app, _) = loaded(3);
    assert!(!app.update(Action::RefreshDue).is_empty());
    key(&mut app, 'p');
    assert!(app.live.paused);
    assert!(app.update(Action::RefreshDue).is_empty());
    key(&mut app, 'p');
    assert!(!app.update(Action::RefreshDue).is_empty());
}

#[test]
fn stale_after_three_intervals_or_a_failed_refresh() {
    let (mut app, now) = loaded(3);
    assert!(!app.is_stale(app.table.get("w000").unwrap()));
    app.update(Action::Tick {
        now: now + Duration::from_secs(14),
        clock: app.clock,
    });
    assert!(!app.is_stale(app.table.get("w000").unwrap()));
    app.update(Action::Tick {
        now: now + Duration::from_secs(16),
        clock: app.clock,
    });
    assert!(app.is_stale(app.table.get("w000").unwrap()));

    let (mut app, _) = loaded(3);
    let Effect::RefreshWallets { generation, ids } = app.update(Action::RefreshDue)[0].clone() else {
        panic!()
    };
    let err = flexprice_wire::ApiError::Timeout {
        host: "h".into(),
        secs: 20,
    };
    app.update(Action::WalletsRefreshed {
        generation,
        ids,
        result: Err(err),
    });
    assert!(app.is_stale(app.table.get("w000").unwrap()));
    assert_eq!(app.errors.len(), 1);
    assert_eq!(app.recent_errors(), 1);
}

#[test]
fn latest_wins_for_list_and_rows() {
    let (mut app, _) = loaded(3);
    let Effect::RefreshWallets { generation: old, ids } = app.update(Action::RefreshDue)[0].clone() else {
        panic!()
    };
    let Effect::RefreshWallets { generation: new, .. } = app.update(Action::RefreshDue)[0].clone() else {
        panic!()
    };
    let mut fresh = wallets(3);
    fresh[0].balance = Decimal::from(1);
    app.update(Action::WalletsRefreshed {
        generation: old,
        ids: ids.clone(),
        result: Ok(fresh),
    });
    assert_eq!(
        app.table.get("w000").unwrap().wallet.balance,
        Decimal::from(1000),
        "stale answer dropped"
    );
    app.update(Action::WalletsRefreshed {
        generation: new,
        ids,
        result: Ok(wallets(3)),
    });
    assert!(!app.live.rows_loading);
    // A superseded full list is dropped too.
    let gen_before = app.live.list_generation;
    key(&mut app, 'r');
    app.update(Action::WalletsLoaded {
        generation: gen_before,
        result: Ok(vec![]),
    });
    assert_eq!(app.table.len(), 3);
}

#[test]
fn read_only_refuses_writes() {
    let (mut app, _) = app(true);
    app.update(Action::WalletsLoaded {
        generation: 0,
        result: Ok(wallets(2)),
    });
    key(&mut app, 't');
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
    key(&mut app, 'e');
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn next_alarm_wraps_around() {
    let (mut app, _) = app(false);
    let mut ws = wallets(6);
    ws[1].alert_state = Some(AlertState::InAlarm);
    ws[4].alert_state = Some(AlertState::InAlarm);
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(ws),
    });
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w001"));
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w004"));
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w001"));
    key(&mut app, 'N');
    assert_eq!(app.table.selected_id(), Some("w004"));
}

#[test]
fn open_back_and_layers() {
    let (mut app, _) = loaded(3);
    code(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Detail);
    assert_eq!(app.context(), Context::Detail);
    key(&mut app, '?');
    assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Help));
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.overlays.top_kind(), None);
    assert_eq!(app.focus, Focus::Detail);
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::List);
    assert_eq!(key(&mut app, 'q'), vec![Effect::Quit]);
    assert!(app.should_quit);
}

#[test]
fn copy_sends_the_selected_id() {
    let (mut app, _) = loaded(3);
    assert_eq!(key(&mut app, 'y'), vec![Effect::Copy("w000".into())]);
}

#[test]
fn typing_q_in_a_form_field_is_a_letter_not_quit() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    assert!(app.overlays.has(OverlayKind::Form));
    // Description: a free-text field.
    while app.overlays.form().unwrap().fields()[app.overlays.form().unwrap().focus].id != "description" {
        code(&mut app, KeyCode::Tab);
    }
    for c in "quiet pause?".chars() {
        assert!(key(&mut app, c).is_empty(), "{c} did something");
    }
    assert!(!app.should_quit);
    let form = app.overlays.form().unwrap();
    assert_eq!(form.fields()[form.focus].text_value(), "quiet pause?");
    assert!(!app.live.paused);
}

#[test]
fn overview_counts_follow_loads_refreshes_and_finds() {
    use flexprice_wire::models::WalletStatus;
    let (mut app, now) = loaded(4);
    let recount = |app: &App| {
        let mut c = table::Counts::default();
        for r in &app.table.rows {
            c.by_alert[r.wallet.alert_state().severity() as usize] += 1;
            match r.wallet.wallet_status {
                WalletStatus::Active => c.active += 1,
                WalletStatus::Frozen => c.frozen += 1,
                _ => c.closed += 1,
            }
        }
        c
    };
    assert_eq!(app.table.counts, recount(&app));
    assert_eq!(app.table.counts.by_alert[0], 4);
    let mut w = wallet("w001", "Wallet 001", "1");
    w.alert_state = Some(AlertState::InAlarm);
    w.wallet_status = WalletStatus::Frozen;
    app.table.apply_refresh(vec![w], now, 1);
    assert_eq!(app.table.counts, recount(&app));
    assert_eq!((app.table.counts.by_alert[3], app.table.counts.frozen), (1, 1));
    app.table.upsert(wallet("w999", "New", "2"), now, 1);
    assert_eq!(app.table.counts, recount(&app));
    assert_eq!(app.table.counts.active, 4);
}

#[test]
fn a_balance_spinner_only_while_there_is_none_or_it_is_slow() {
    let (mut app, now) = loaded(3);
    let Some(Effect::LoadBalance { generation, .. }) = app.load_balance() else {
        panic!("no balance asked for")
    };
    assert!(
        app.balance_pending(),
        "nothing to show yet: the spinner says it is coming"
    );
    app.update(Action::BalanceLoaded {
        generation,
        wallet_id: "w000".into(),
        result: Ok(Box::new(wallet("w000", "Wallet 000", "1000"))),
    });
    assert!(!app.balance_pending() && !app.refresh_in_flight());
    // The next cycle: the last answer stays on screen; a spinner only once it is slow.
    app.update(Action::RefreshDue);
    assert!(app.refresh_in_flight());
    assert!(!app.balance_pending());
    app.update(Action::Tick {
        now: now + SLOW_BALANCE,
        clock: app.clock,
    });
    assert!(app.balance_pending());
}

/// As seen: with every request failing, nothing on an 80-column screen said so. The rows
/// refreshed and failing are marked, the live state says since when it fails and why, and an
/// answer clears it.
#[test]
fn failing_refreshes_degrade_the_picture_until_an_answer() {
    let (mut app, now) = loaded(5);
    app.live.relist_due = now + Duration::from_secs(3600);
    app.update(Action::Tick {
        now: now + Duration::from_secs(5),
        clock: app.clock,
    });
    let effects = app.update(Action::RefreshDue);
    let Some(Effect::RefreshWallets { generation, ids }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    let err = ApiError::from_reply(
        503,
        "/wallets/search",
        r#"{"code":"service_unavailable","message":"down","http_status_code":503}"#,
    );
    app.update(Action::WalletsRefreshed {
        generation,
        ids: ids.clone(),
        result: Err(err),
    });
    // Failing since the last answer (the load at `now`), not since the failure was known.
    assert_eq!(app.live.failing_since, Some(now));
    assert_eq!(app.live.last_failure.as_deref(), Some("503 service_unavailable"));
    assert_eq!(app.stale_wallets(), ids.len());
    assert!(app.table.rows.iter().all(|r| app.is_stale(r)));
    // The next answer clears it.
    let effects = app.update(Action::RefreshDue);
    let Some(Effect::RefreshWallets { generation, ids }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    app.update(Action::WalletsRefreshed {
        generation,
        ids,
        result: Ok(wallets(5)),
    });
    assert_eq!(app.live.failing_since, None);
    assert_eq!(app.stale_wallets(), 0);
}

/// As seen: a failed start spun forever. The first list is tried again with backoff; once
/// loaded, the whole list is fetched again every re-list period, so rows off screen stay
/// fresh and the overview's counts with them.
#[test]
fn the_list_is_retried_after_a_failed_start_and_relisted_on_a_schedule() {
    let (mut app, now) = app(false);
    assert_eq!(
        without_runway(app.start()),
        vec![
            Effect::LoadWallets { generation: 1 },
            Effect::LoadCustomers { generation: 1 }
        ]
    );
    let err = ApiError::from_reply(401, "/wallets", r#"{"error":"unauthorized"}"#);
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Err(err),
    });
    assert!(app.live.failing_since.is_some());
    let at = |app: &mut App, secs: u64| {
        app.update(Action::Tick {
            now: now + Duration::from_secs(secs),
            clock: app.clock,
        });
        app.update(Action::RefreshDue)
    };
    assert!(at(&mut app, 1).is_empty(), "not before its backoff");
    assert_eq!(
        at(&mut app, 2),
        vec![
            Effect::LoadWallets { generation: 2 },
            Effect::LoadCustomers { generation: 2 }
        ]
    );
    app.update(Action::WalletsLoaded {
        generation: 2,
        result: Ok(wallets(3)),
    });
    assert_eq!(app.live.failing_since, None);
    app.live.balance_loading = false;
    let effects = at(&mut app, 30);
    assert!(
        !effects.contains(&Effect::LoadWallets { generation: 3 }),
        "{effects:?}"
    );
    let effects = at(&mut app, 2 + 60);
    assert!(
        effects.contains(&Effect::LoadWallets { generation: 3 }),
        "{effects:?}"
    );
    assert_eq!(super::relist_period(100_000), Duration::from_secs(600));
}

/// As seen: `alert:in_alarm status:closed` matched wallets at 0.00 counted as alarms, and `n`
/// landed on them during triage. Closed wallets are left out of the alarm counts and of
/// `n`/`N`, unless the filter asks for them.
#[test]
fn closed_wallets_are_not_alarms_unless_asked_for() {
    let (mut app, _) = app(false);
    let mut ws = wallets(6);
    ws[1].alert_state = Some(AlertState::InAlarm);
    ws[1].wallet_status = flexprice_wire::models::WalletStatus::Closed;
    ws[4].alert_state = Some(AlertState::InAlarm);
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(ws),
    });
    assert_eq!(
        app.table.counts.by_alert[AlertState::InAlarm.severity() as usize],
        1
    );
    assert_eq!(app.table.counts.closed, 1);
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w004"));
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w004"), "the closed one is skipped");
    app.apply_filter("status:closed").unwrap();
    key(&mut app, 'n');
    assert_eq!(app.table.selected_id(), Some("w001"), "asked for: it counts");
}

/// As seen: a single top-up of a closed wallet went through with no word, while bulk refused
/// the same row. It now warns and asks for the amount to be typed, as a large top-up does.
#[test]
fn a_closed_wallets_top_up_warns_and_asks_for_the_amount() {
    let (mut app, _) = app(false);
    let mut ws = wallets(2);
    ws[0].wallet_status = flexprice_wire::models::WalletStatus::Closed;
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(ws),
    });
    key(&mut app, 't');
    key(&mut app, '3');
    code(&mut app, KeyCode::Enter);
    let Some(form::Stage::Confirm {
        submission: form::Submission::TopUp { preview, .. },
        expected,
        ..
    }) = app.overlays.form().map(|f| &f.stage)
    else {
        panic!("{:?}", app.overlays)
    };
    assert!(preview.contains("the wallet is closed"), "{preview}");
    assert_eq!(expected.as_deref(), Some("3"));
    assert!(
        code(&mut app, KeyCode::Enter).is_empty(),
        "Enter alone sends nothing"
    );
    key(&mut app, '3');
    let effects = code(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::TopUp { .. }]),
        "{effects:?}"
    );
}

/// A currency unlike the wallet's and an amount far above its usual top-ups ask first in the
/// single form, with the words bulk uses; an ordinary amount goes straight to the confirm.
#[test]
fn a_foreign_currency_or_an_unusual_amount_asks_first() {
    let (mut app, _) = loaded(3);
    std::sync::Arc::make_mut(&mut app.table.get_mut("w000").unwrap().wallet).conversion_rate = Decimal::ONE;
    let effects = key(&mut app, 't');
    assert_eq!(
        effects,
        vec![Effect::LoadUsual {
            wallet_id: "w000".into()
        }]
    );
    let usual = flexwallet_bulk::mistakes::Usual {
        median: Decimal::from(50),
        count: 7,
    };
    app.update(Action::UsualLoaded {
        wallet_id: "w000".into(),
        result: Ok(Some(usual)),
    });
    let confirm = |app: &mut App, typed: &str| -> (String, Option<String>) {
        for c in typed.chars() {
            key(app, c);
        }
        code(app, KeyCode::Enter);
        let Some(form::Stage::Confirm {
            submission: form::Submission::TopUp { preview, .. },
            expected,
            ..
        }) = app.overlays.form().map(|f| &f.stage)
        else {
            panic!("{:?}", app.overlays.form().map(|f| f.fields().to_vec()))
        };
        let out = (preview.clone(), expected.clone());
        code(app, KeyCode::Esc);
        for _ in typed.chars() {
            code(app, KeyCode::Backspace);
        }
        out
    };
    let (preview, expected) = confirm(&mut app, "400");
    assert!(!preview.contains('⚠'), "{preview}");
    assert_eq!(expected, None);
    let (preview, expected) = confirm(&mut app, "600");
    assert!(
        preview.contains("600.00 credits is more than 10 times the wallet's usual top-up (usual is 50.00 credits, the median of its last 7 top-ups)"),
        "{preview}"
    );
    assert_eq!(expected.as_deref(), Some("600"));
    // By amount, in another currency.
    code(&mut app, KeyCode::Up);
    code(&mut app, KeyCode::Right);
    code(&mut app, KeyCode::Down);
    let (preview, expected) = confirm(&mut app, "5 EUR");
    assert!(
        preview.contains("EUR is not the wallet's currency (USD)"),
        "{preview}"
    );
    assert_eq!(expected.as_deref(), Some("5 EUR"));
}

#[test]
fn flashes_the_error_log_and_pastes_carry_no_escape_sequences() {
    let (mut app, _) = app(false);
    let hostile = "\u{1b}]0;title\u{7}\u{1b}[2J\u{1b}]52;c;eA==\u{7}";
    let body = format!(
        r#"{{"code":"bad{0}","message":"Refused{0} here","http_status_code":400}}"#,
        hostile.replace('\u{1b}', "\\u001b").replace('\u{7}', "\\u0007")
    );
    let err = ApiError::from_reply(400, "/wallets/w1", &body);
    app.log_error(&format!("balance w1{hostile}"), &err);
    app.flash(FlashKind::Error, format!("Top-up failed: {hostile}{err}"));
    let e = &app.errors[0];
    let shown = format!(
        "{} {:?} {} {}",
        e.call,
        e.code,
        e.message,
        app.flash.as_ref().unwrap().text
    );
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(!shown.contains("title") && !shown.contains("[2J"), "{shown}");
    assert_eq!(e.message, "400 bad: refused here");
    app.open_filter();
    if let Some(Overlay::Filter(f)) = app.overlays.top_mut() {
        f.paste(&format!("w1{hostile}\n"));
        assert_eq!(f.input.value(), "w1 ");
    } else {
        panic!("no filter line");
    }
}
