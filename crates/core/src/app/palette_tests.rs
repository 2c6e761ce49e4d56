//! The command palette, the ledger and the raw JSON view through the reducer.

use std::path::PathBuf;
use std::time::Duration;

use crate::key::KeyCode;

use super::tests::{code, key, loaded};
use super::*;
use flexprice_wire::models::{Transaction, TransactionPage, TransactionStatus, TransactionType};

fn palette(app: &mut App, text: &str) -> Vec<Effect> {
    key(app, ':');
    assert!(app.overlays.has(OverlayKind::Palette));
    for c in text.chars() {
        key(app, c);
    }
    code(app, KeyCode::Enter)
}

#[test]
fn fuzzy_search_lists_commands_with_their_keys() {
    let (mut app, _) = loaded(5);
    key(&mut app, ':');
    let all = app.overlays.palette().unwrap().matches.len();
    for c in "topup".chars() {
        key(&mut app, c);
    }
    let p = app.overlays.palette().unwrap();
    assert!(p.matches.len() < all);
    let best = p.selected_entry().unwrap();
    assert_eq!(best.kind, palette::EntryKind::Run(Command::TopUp));
    assert_eq!(best.key, "t");
    // Enter runs it: the top-up form opens, the palette is gone.
    code(&mut app, KeyCode::Enter);
    assert!(!app.overlays.has(OverlayKind::Palette));
    assert!(app.overlays.has(OverlayKind::Form));
}

#[test]
fn read_only_palette_offers_no_write_command() {
    let (mut app, _) = loaded(5);
    app.permissions.read_only = true;
    key(&mut app, ':');
    let p = app.overlays.palette().unwrap();
    assert!(p.entries.iter().all(|e| match e.kind {
        palette::EntryKind::Run(c) => Capability::of_command(c).is_none_or(|c| !c.writes_to_the_api()),
        palette::EntryKind::Verb(v) => v != palette::Verb::Import,
    }));
}

#[test]
fn wallet_opens_a_loaded_wallet_or_asks_the_api() {
    let (mut app, _) = loaded(20);
    app.apply_filter("name:\"Wallet 001\"").unwrap();
    let effects = palette(&mut app, "wallet w007");
    assert_eq!(
        app.table.selected_id(),
        Some("w007"),
        "the hiding filter is cleared"
    );
    assert!(app.table.filter.is_none());
    assert_eq!(app.focus, Focus::Detail);
    assert!(matches!(effects.as_slice(), [Effect::LoadBalance { wallet_id, .. }] if wallet_id == "w007"));

    let effects = palette(&mut app, "wallet w999");
    assert_eq!(
        effects,
        vec![Effect::FindWallet {
            wallet_id: "w999".into()
        }]
    );
    let mut found = super::tests::wallet("w999", "Found later", "5");
    found.customer_id = "cus_x".into();
    app.update(Action::WalletFound {
        wallet_id: "w999".into(),
        result: Ok(Box::new(found)),
    });
    assert_eq!(app.table.len(), 21);
    assert_eq!(app.table.selected_id(), Some("w999"));
}

#[test]
fn customer_filters_and_export_writes_the_view_in_order() {
    let (mut app, _) = loaded(10);
    palette(&mut app, "customer cus_w003");
    assert_eq!(app.table.view().len(), 1);
    assert_eq!(app.table.filter.as_ref().unwrap().text, "customer:cus_w003");
    let effects = palette(&mut app, "export /tmp/x.csv");
    let [Effect::ExportView { path, wallets, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(path, &PathBuf::from("/tmp/x.csv"));
    assert_eq!(
        wallets.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
        ["w003"]
    );
}

#[test]
fn refresh_and_readonly_take_arguments_and_explain_bad_ones() {
    let (mut app, _) = loaded(3);
    let effects = palette(&mut app, "refresh 30");
    assert_eq!(effects, vec![Effect::SetRefresh(Duration::from_secs(30))]);
    assert_eq!(app.live.interval, Duration::from_secs(30));

    let effects = palette(&mut app, "refresh -1");
    assert!(effects.is_empty());
    let err = app.overlays.palette().and_then(|p| p.error.clone()).unwrap();
    assert!(err.contains("whole seconds"), "{err}");
    code(&mut app, KeyCode::Esc);

    palette(&mut app, "wallet");
    let err = app.overlays.palette().and_then(|p| p.error.clone()).unwrap();
    assert_eq!(err, "wallet needs an argument: :wallet ID");
    code(&mut app, KeyCode::Esc);

    palette(&mut app, "readonly");
    assert!(app.read_only());
    palette(&mut app, "readonly off");
    assert!(!app.read_only(), "not started read-only: it can be turned off");

    app.permissions.read_only_locked = true;
    palette(&mut app, "readonly on");
    palette(&mut app, "readonly off");
    assert!(app.read_only(), "started read-only: stays read-only");
    assert!(
        app.overlays
            .palette()
            .unwrap()
            .error
            .as_ref()
            .unwrap()
            .contains("started read-only")
    );
}

#[test]
fn unknown_text_is_explained_and_a_verb_without_argument_is_completed() {
    let (mut app, _) = loaded(3);
    palette(&mut app, "zzzzqqq");
    let p = app.overlays.palette().unwrap();
    assert_eq!(p.error.as_deref(), Some("no command matches \"zzzzqqq\""));
    code(&mut app, KeyCode::Esc);
    key(&mut app, ':');
    for c in "impo".chars() {
        key(&mut app, c);
    }
    code(&mut app, KeyCode::Tab);
    assert_eq!(app.overlays.palette().unwrap().input.value(), "import ");
}

fn tx(i: usize, status: TransactionStatus) -> (Transaction, serde_json::Value) {
    let tx = Transaction {
        id: format!("wtx_{i:03}"),
        tx_type: TransactionType::Credit,
        transaction_status: status,
        ..Default::default()
    };
    (
        tx,
        serde_json::json!({ "id": format!("wtx_{i:03}"), "zeta": 1, "alpha": "1.50" }),
    )
}

#[test]
fn ledger_pages_filters_and_shows_raw_json() {
    let (mut app, _) = loaded(3);
    let effects = key(&mut app, 'L');
    let [
        Effect::LoadLedger {
            generation,
            wallet_id,
            query,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(query.offset, Some(0));
    let page = TransactionPage {
        items: (0..50).map(|i| tx(i, TransactionStatus::Completed)).collect(),
        total: Some(60),
    };
    let more = app.update(Action::LedgerLoaded {
        generation: *generation,
        wallet_id: wallet_id.clone(),
        result: Ok(page),
    });
    assert!(
        more.is_empty(),
        "a full screen is held: nothing more until scrolling"
    );
    assert_eq!(app.context(), Context::Ledger);
    let effects = code(&mut app, KeyCode::End);
    let [Effect::LoadLedger { query, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(query.offset, Some(50));

    // A status filter starts over, sent to the API.
    let effects = key(&mut app, 'S');
    let [Effect::LoadLedger { query, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(query.transaction_status, Some(TransactionStatus::Pending));
    assert_eq!(query.offset, Some(0));
    let l = app.overlays.ledger().unwrap();
    assert!(l.entries.is_empty());
    let (generation, wallet_id) = (l.generation, l.wallet_id.clone());
    app.update(Action::LedgerLoaded {
        generation,
        wallet_id,
        result: Ok(TransactionPage {
            items: vec![tx(7, TransactionStatus::Pending)],
            total: Some(1),
        }),
    });
    let l = app.overlays.ledger().unwrap();
    assert!(l.exhausted);
    assert!(l.entries[0].is_pending());

    // y copies the transaction id; J shows it as the API sent it (key order kept).
    let effects = key(&mut app, 'y');
    assert_eq!(effects, vec![Effect::Copy("wtx_007".into())]);
    key(&mut app, 'J');
    assert_eq!(app.context(), Context::Json);
    let lines = &app.overlays.json().unwrap().lines;
    let zeta = lines.iter().position(|l| l.contains("zeta")).unwrap();
    let alpha = lines.iter().position(|l| l.contains("alpha")).unwrap();
    assert!(zeta < alpha);
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Ledger);
    code(&mut app, KeyCode::Esc);
    assert!(!app.overlays.has(OverlayKind::Ledger));
    assert_eq!(app.context(), Context::List);
}

#[test]
fn the_start_of_a_command_name_ranks_that_command_first() {
    let (mut app, _) = loaded(3);
    key(&mut app, ':');
    for c in "wal".chars() {
        key(&mut app, c);
    }
    let p = app.overlays.palette().unwrap();
    assert_eq!(
        p.selected_entry().map(|e| e.kind.clone()),
        Some(palette::EntryKind::Verb(palette::Verb::Wallet))
    );
}

#[test]
fn import_takes_the_cli_flags_for_a_default_reason_and_duplicates() {
    let (mut app, _) = loaded(3);
    let effects = palette(
        &mut app,
        "import --reason free_credit_grant in.csv --allow-duplicates",
    );
    assert_eq!(
        effects,
        vec![Effect::ImportPlan {
            path: PathBuf::from("in.csv"),
            options: flexwallet_bulk::plan::ImportOptions {
                default_reason: Some(flexprice_wire::models::TransactionReason::FreeCreditGrant),
                allow_duplicates: true,
            },
        }]
    );
    code(&mut app, KeyCode::Esc);
    let quoted = palette(&mut app, "import \"/tmp/with space.csv\"");
    assert!(
        matches!(quoted.as_slice(), [Effect::ImportPlan { path, .. }] if path == &PathBuf::from("/tmp/with space.csv")),
        "{quoted:?}"
    );
    for (text, error) in [
        ("import in.csv --reason INVOICE_PAYMENT", "is not a top-up reason"),
        ("import in.csv --reason", "--reason needs a reason"),
        ("import in.csv --yes", "unknown option --yes"),
        ("import --allow-duplicates", "which file?"),
    ] {
        code(&mut app, KeyCode::Esc);
        assert!(palette(&mut app, text).is_empty(), "{text}");
        let p = app
            .overlays
            .palette()
            .expect("the palette stays open with the error");
        assert!(
            p.error.as_deref().is_some_and(|e| e.contains(error)),
            "{text}: {:?}",
            p.error
        );
    }
}

/// `:profile NAME` is asked of the runtime and said until it answers (the key command may take
/// a while); the answer, good or bad, ends it. Only an admin may ask.
#[test]
fn a_profile_switch_is_shown_until_it_answers() {
    let (mut app, _) = loaded(5);
    let effects = palette(&mut app, "profile slow");
    assert!(
        matches!(&effects[..], [Effect::SwitchProfile(p)] if p == "slow"),
        "{effects:?}"
    );
    assert_eq!(app.switching_to.as_deref(), Some("slow"));
    app.update(Action::ProfileSwitched(Err("vault locked".into())));
    assert_eq!(app.switching_to, None);
    assert_eq!(app.flash.as_ref().map(|f| f.text.as_str()), Some("vault locked"));

    palette(&mut app, "profile slow");
    let origin = Origin {
        profile: "slow".into(),
        ..Origin::default()
    };
    let effects = app.update(Action::ProfileSwitched(Ok(Switched {
        origin,
        read_only: true,
        refresh: Duration::from_secs(30),
        confirm_above: Some(rust_decimal::Decimal::from(10)),
    })));
    assert_eq!(app.switching_to, None);
    assert_eq!(app.origin.profile, "slow");
    // That profile's own settings: its refresh_secs, confirm_above and read_only.
    assert_eq!(app.live.interval, Duration::from_secs(30));
    assert!(
        effects.contains(&Effect::SetRefresh(Duration::from_secs(30))),
        "{effects:?}"
    );
    assert_eq!(app.confirm_above, rust_decimal::Decimal::from(10));
    assert!(app.read_only());
    assert!(app.flash.as_ref().unwrap().text.contains("refresh every 30s"));

    for role in [Role::Viewer, Role::Operator] {
        let (mut app, _) = loaded(5);
        app.permissions.role = role;
        let effects = palette(&mut app, "profile slow");
        assert!(effects.is_empty(), "{role:?}: {effects:?}");
        assert_eq!(app.switching_to, None);
    }
}
