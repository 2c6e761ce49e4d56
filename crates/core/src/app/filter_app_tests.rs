//! The filter in the reducer: typing, Enter, a refused term, refresh, marks, n/N, Esc.

use std::str::FromStr;
use std::time::Duration;

use crate::moment::Moment;

use crate::key::{KeyCode, KeyEvent, KeyModifiers};
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::*;
use flexprice_wire::models::AlertState;

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn wallets() -> Vec<Wallet> {
    (0..10)
        .map(|i| Wallet {
            id: format!("w{i}"),
            name: Some(format!("Wallet {i}")),
            customer_id: format!("cus_{}", i % 2),
            currency: "usd".into(),
            balance: Decimal::from(i * 10),
            credit_balance: Decimal::from(i * 10),
            alert_state: (i % 3 == 0).then_some(AlertState::InAlarm),
            ..Default::default()
        })
        .collect()
}

fn loaded() -> App {
    let now = Moment::from_secs(1_000);
    let clock = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        Origin::default(),
        false,
        Duration::from_secs(5),
        now,
        clock,
        crate::app::Env::sequential("/nonexistent/flexwallet-jobs"),
    );
    app.update(Action::Resize(80, 24));
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    app
}

fn view_ids(app: &App) -> Vec<String> {
    app.table
        .view()
        .iter()
        .map(|&i| app.table.rows[i as usize].wallet.id.clone())
        .collect()
}

#[test]
fn typing_q_goes_to_the_filter_not_quit_and_enter_applies() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Filter);
    typed(&mut app, "cus_1 q");
    assert!(!app.should_quit);
    assert_eq!(app.overlays.filter().unwrap().input.value(), "cus_1 q");
    for _ in 0..2 {
        key(&mut app, KeyCode::Backspace);
    }
    key(&mut app, KeyCode::Enter);
    assert!(!app.overlays.has(OverlayKind::Filter));
    assert_eq!(view_ids(&app), ["w1", "w3", "w5", "w7", "w9"]);
}

#[test]
fn a_bad_term_keeps_the_previous_filter_and_says_why() {
    let mut app = loaded();
    app.apply_filter("balance>=50").unwrap();
    assert_eq!(view_ids(&app), ["w5", "w6", "w7", "w8", "w9"]);
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.overlays.filter().unwrap().input.value(), "balance>=50");
    typed(&mut app, " status:sleepy");
    key(&mut app, KeyCode::Enter);
    let err = app.overlays.filter().unwrap().error.clone().unwrap();
    assert!(err.starts_with("`status:sleepy`: unknown status"), "{err}");
    assert_eq!(view_ids(&app), ["w5", "w6", "w7", "w8", "w9"]);
    key(&mut app, KeyCode::Esc);
    assert!(!app.overlays.has(OverlayKind::Filter));
    assert_eq!(app.table.filter.as_ref().unwrap().text, "balance>=50");
    // Esc on the list clears the filter.
    key(&mut app, KeyCode::Esc);
    assert!(app.table.filter.is_none());
    assert_eq!(app.table.view().len(), 10);
}

#[test]
fn filter_survives_reload_and_refresh_and_marks_survive_filtering() {
    let mut app = loaded();
    key(&mut app, KeyCode::Char(' ')); // marks w0
    app.apply_filter("!alert:in_alarm").unwrap();
    assert_eq!(view_ids(&app), ["w1", "w2", "w4", "w5", "w7", "w8"]);
    assert!(app.table.marks.contains("w0"));
    // A full reload where w1 went into alarm.
    let mut fresh = wallets();
    fresh[1].alert_state = Some(AlertState::InAlarm);
    let generation = {
        let effects = key(&mut app, KeyCode::Char('r'));
        assert!(effects.contains(&Effect::LoadWallets { generation: 2 }));
        2
    };
    app.update(Action::WalletsLoaded {
        generation,
        result: Ok(fresh),
    });
    assert_eq!(view_ids(&app), ["w2", "w4", "w5", "w7", "w8"]);
    // A row refresh that changes a balance under a comparison.
    app.apply_filter("balance<45").unwrap();
    assert_eq!(view_ids(&app), ["w0", "w1", "w2", "w3", "w4"]);
    let mut w4 = wallets().remove(4);
    w4.balance = Decimal::from_str("45").unwrap();
    app.table.apply_refresh(vec![w4], app.now, 1);
    assert_eq!(view_ids(&app), ["w0", "w1", "w2", "w3"]);
    app.table.set_filter(None);
    assert!(app.table.marks.contains("w0"));
}

#[test]
fn next_alarm_moves_within_the_filtered_view() {
    let mut app = loaded();
    app.apply_filter("cus_1").unwrap();
    // In view: w1 w3 w5 w7 w9; in alarm among them: w3, w9.
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.table.selected_id(), Some("w3"));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.table.selected_id(), Some("w9"));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.table.selected_id(), Some("w3"));
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(app.table.selected_id(), Some("w9"));
}
