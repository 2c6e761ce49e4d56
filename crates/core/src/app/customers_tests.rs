//! Customers by name: listed with the wallets (once, not per wallet), searched by the filter,
//! sorted by name, shared with followers, and never in the way of the wallets when the list
//! of customers fails.

use std::sync::Arc;
use std::time::Duration;

use flexprice_wire::ApiError;
use flexprice_wire::models::{Customer, Wallet};

use super::super::share::Feed;
use super::super::tests::{app, key, wallet};
use super::*;
use crate::app::filter::Filter;
use crate::app::table::ColumnSet;
use crate::app::{Action, Column, Sort};

fn customer(id: &str, name: &str, external_id: &str) -> Customer {
    Customer {
        id: id.into(),
        name: name.into(),
        external_id: external_id.into(),
        ..Default::default()
    }
}

/// Two customers, three wallets; one wallet's customer is not in the customer list.
fn wallets() -> Vec<Wallet> {
    let mut w = vec![
        wallet("w1", "Postpaid Wallet - EUR", "10"),
        wallet("w2", "Postpaid Wallet - EUR", "20"),
        wallet("w3", "Postpaid Wallet - EUR", "30"),
    ];
    w[0].customer_id = "cust_b".into();
    w[1].customer_id = "cust_a".into();
    w[2].customer_id = "cust_unknown".into();
    w
}

fn customers() -> Vec<Customer> {
    vec![
        customer("cust_a", "Globex Corporation", "globex"),
        customer("cust_b", "Acme Corp", "acme-corp"),
    ]
}

fn view_ids(app: &App) -> Vec<&str> {
    app.table
        .view()
        .iter()
        .map(|&i| app.table.rows[i as usize].wallet.id.as_str())
        .collect()
}

fn filtered(app: &mut App, text: &str) -> Vec<String> {
    app.table.set_filter(Some(Filter::parse(text).unwrap()));
    view_ids(app).into_iter().map(str::to_string).collect()
}

/// Started and answered: the wallets, then the customers (as their answers may come).
fn named() -> App {
    let (mut app, _) = app(false);
    let start = super::super::tests::without_runway(app.start());
    assert_eq!(
        start,
        vec![
            Effect::LoadWallets { generation: 1 },
            Effect::LoadCustomers { generation: 1 }
        ],
        "the customers are listed with the wallets, once for all of them"
    );
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    app.update(Action::CustomersLoaded {
        generation: 1,
        result: Ok(by_id(customers())),
    });
    app
}

#[test]
fn wallets_are_named_by_their_customer() {
    let app = named();
    assert_eq!(app.customer_label("cust_a"), "Globex Corporation");
    assert_eq!(
        app.customer("cust_b").map(|c| c.external_id.as_str()),
        Some("acme-corp")
    );
    // Not in the list: its id, as before.
    assert_eq!(app.customer_label("cust_unknown"), "cust_unknown");
}

#[test]
fn customers_answering_first_are_kept_for_the_wallets() {
    let (mut app, _) = app(false);
    app.start();
    app.update(Action::CustomersLoaded {
        generation: 1,
        result: Ok(by_id(customers())),
    });
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    let mut app = app;
    assert_eq!(filtered(&mut app, "globex corporation"), ["w2"]);
}

#[test]
fn the_filter_finds_wallets_by_customer_name_external_id_and_id() {
    let mut app = named();
    // Free text: a customer's name, in any case, each word.
    assert_eq!(filtered(&mut app, "Globex Corporation"), ["w2"]);
    assert_eq!(filtered(&mut app, "acme"), ["w1"]);
    assert_eq!(filtered(&mut app, "acme-corp"), ["w1"]);
    // `customer:` takes the id or the external id whole, or a part of the name.
    assert_eq!(filtered(&mut app, "customer:cust_a"), ["w2"]);
    assert_eq!(filtered(&mut app, "customer:GLOBEX"), ["w2"]);
    assert_eq!(filtered(&mut app, "customer:acme-corp"), ["w1"]);
    assert_eq!(filtered(&mut app, "customer:corp"), ["w1", "w2"]);
    assert_eq!(filtered(&mut app, "customer:cust_unknown"), ["w3"]);
    assert_eq!(filtered(&mut app, "!customer:corp"), ["w3"]);
    // A term never matches across two fields.
    assert!(filtered(&mut app, "eurcust").is_empty());
}

#[test]
fn sorting_by_customer_sorts_by_name() {
    let mut app = named();
    app.table.set_sort(Sort {
        column: Column::Customer,
        descending: false,
    });
    // Acme Corp, Globex Corporation, then the unnamed one by its id.
    assert_eq!(view_ids(&app), ["w1", "w2", "w3"]);
    app.table.set_sort(Sort {
        column: Column::Customer,
        descending: true,
    });
    assert_eq!(view_ids(&app), ["w3", "w2", "w1"]);
}

#[test]
fn a_failed_customer_list_hides_no_wallet_and_is_tried_again() {
    let (mut app, now) = app(false);
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    app.update(Action::CustomersLoaded {
        generation: 1,
        result: Err(ApiError::from_reply(
            503,
            "/customers",
            r#"{"code":"service_unavailable","message":"down","http_status_code":503}"#,
        )),
    });
    assert_eq!(app.table.len(), 3, "every wallet is still listed");
    assert_eq!(app.customer_label("cust_a"), "cust_a", "shown by id meanwhile");
    assert!(app.errors.iter().any(|e| e.call == "list customers"));
    // Not at once; after the wait, on the refresh timer.
    app.now = now + Duration::from_secs(1);
    let early = app.update(Action::RefreshDue);
    assert!(
        !early.iter().any(|e| matches!(e, Effect::LoadCustomers { .. })),
        "{early:?}"
    );
    app.now = now + Duration::from_secs(6);
    let later = app.update(Action::RefreshDue);
    assert!(
        later.contains(&Effect::LoadCustomers { generation: 2 }),
        "{later:?}"
    );
    app.update(Action::CustomersLoaded {
        generation: 2,
        result: Ok(by_id(customers())),
    });
    assert_eq!(app.customer_label("cust_a"), "Globex Corporation");
}

#[test]
fn a_stale_answer_is_dropped_and_the_same_list_moves_nothing() {
    let mut app = named();
    let before = app.table.shared();
    // The same customers again (the next list): the shared data is not copied.
    let g = app.customer_fetch.generation;
    app.update(Action::CustomersLoaded {
        generation: g,
        result: Ok(by_id(customers())),
    });
    assert!(Arc::ptr_eq(&before, &app.table.shared()));
    // An answer to an older question is dropped.
    app.update(Action::CustomersLoaded {
        generation: g - 1,
        result: Ok(by_id(vec![customer("cust_a", "Renamed", "")])),
    });
    assert_eq!(app.customer_label("cust_a"), "Globex Corporation");
}

#[test]
fn followers_read_the_leaders_customers_without_asking() {
    let (mut lead, _) = app(false);
    lead.feed = Feed::Lead;
    let effects = lead.start();
    assert!(effects.contains(&Effect::LoadCustomers { generation: 1 }));
    lead.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    lead.update(Action::CustomersLoaded {
        generation: 1,
        result: Ok(by_id(customers())),
    });
    let (mut f, _) = app(false);
    f.feed = Feed::Follow;
    assert!(f.start().is_empty());
    let effects = f.update(Action::Followed(Arc::new(lead.picture())));
    assert!(!effects.iter().any(|e| matches!(e, Effect::LoadCustomers { .. })));
    assert_eq!(f.customer_label("cust_b"), "Acme Corp");
    assert!(Arc::ptr_eq(&f.table.shared(), &lead.table.shared()));
    f.table.set_filter(Some(Filter::parse("globex").unwrap()));
    assert_eq!(view_ids(&f), ["w2"]);
}

#[test]
fn names_from_the_api_are_sanitised() {
    let (mut app, _) = app(false);
    app.start();
    app.update(Action::CustomersLoaded {
        generation: 1,
        result: Ok(by_id(vec![customer(
            "cust_a",
            "Evil\u{1b}]0;pwned\u{7} Inc",
            "x\u{1b}[2J",
        )])),
    });
    let label = app.customer_label("cust_a");
    assert!(!label.contains('\u{1b}'), "{label:?}");
    assert!(!app.customer("cust_a").unwrap().external_id.contains('\u{1b}'));
}

#[test]
fn the_columns_key_cycles_the_sets() {
    let mut app = named();
    let mut seen = vec![app.column_set];
    for _ in 0..4 {
        key(&mut app, 'c');
        seen.push(app.column_set);
    }
    assert_eq!(
        seen,
        [
            ColumnSet::Balances,
            ColumnSet::Credits,
            ColumnSet::Customers,
            ColumnSet::Ids,
            ColumnSet::Balances
        ]
    );
    assert!(app.flash.as_ref().is_some_and(|f| f.text.contains("balances")));
}

#[test]
fn retries_back_off_to_a_minute() {
    let waits: Vec<u64> = (0..7).map(|n| retry_after(n).as_secs()).collect();
    assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60]);
}
