//! Reducer tests of create, terminate and manual debit: the typed confirmation, the key kept
//! across a retry, the gate, and Flexprice's one-active-wallet refusal in words.

use crate::app::form::{FormKind, Stage, Submission};
use crate::app::tests::{app, code, key, wallets};
use crate::app::{Action, App, Effect, OverlayKind};
use crate::key::KeyCode;
use flexprice_wire::ApiError;
use flexprice_wire::models::WalletStatus;

/// The console with `n` wallets listed (what `start` asks besides is not this file's concern).
fn loaded(n: usize) -> (App, crate::moment::Moment) {
    let (mut app, now) = app(false);
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets(n)),
    });
    app.live.balance_loading = false;
    (app, now)
}

fn typ(app: &mut App, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(key(app, c));
    }
    out
}

fn stage(app: &App) -> &Stage {
    &app.overlays.form().expect("a form").stage
}

#[test]
fn terminate_goes_ahead_only_once_the_wallets_name_or_id_is_typed() {
    let (mut app, _) = loaded(3);
    assert!(key(&mut app, 'X').is_empty());
    let form = app.overlays.form().expect("the terminate confirm");
    assert!(matches!(form.kind, FormKind::Terminate(_)));
    match &form.stage {
        Stage::Confirm {
            submission: Submission::Terminate { summary },
            expected,
            ..
        } => {
            assert!(
                summary
                    .join("\n")
                    .contains("debits the remaining 1,000.00 credits"),
                "{summary:?}"
            );
            assert_eq!(expected.as_deref(), Some("Wallet 000 or w000"));
        }
        other => panic!("{other:?}"),
    }
    // Enter with nothing typed, then with another wallet's name: refused, nothing sent.
    assert!(code(&mut app, KeyCode::Enter).is_empty());
    typ(&mut app, "Wallet 001");
    assert!(code(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(stage(&app), Stage::Confirm { mismatch: true, .. }));
    for _ in 0.."Wallet 001".len() {
        code(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "wallet 000");
    let effects = code(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Terminate {
            wallet_id: "w000".into()
        }]
    );
    assert!(matches!(stage(&app), Stage::Sending { .. }));
}

#[test]
fn esc_closes_the_terminate_confirm_and_a_closed_wallet_is_not_offered() {
    let (mut app, _) = loaded(2);
    key(&mut app, 'X');
    code(&mut app, KeyCode::Esc);
    assert!(app.overlays.form().is_none(), "Esc leaves no empty form behind");
    let mut w = (*app.table.selected_row().unwrap().wallet).clone();
    w.wallet_status = WalletStatus::Closed;
    app.table.upsert(w, app.now, 0);
    for c in ['X', 'D'] {
        key(&mut app, c);
        assert!(
            app.overlays.form().is_none(),
            "{c} opened a form on a closed wallet"
        );
    }
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("is closed; Flexprice debits active wallets only")),
        "{:?}",
        app.flash
    );
    key(&mut app, 'X');
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("Already terminated"))
    );
}

/// A debit whose answer was lost is retried with the same key (the server settles it), and the
/// key of the next debit is a new one.
#[test]
fn a_debit_retry_keeps_its_key() {
    let (mut app, _) = loaded(2);
    key(&mut app, 'D');
    typ(&mut app, "25");
    code(&mut app, KeyCode::Tab);
    typ(&mut app, "wtxn_1");
    code(&mut app, KeyCode::Enter);
    assert!(
        matches!(stage(&app), Stage::Confirm { expected: None, .. }),
        "{:?}",
        stage(&app)
    );
    let first = code(&mut app, KeyCode::Enter);
    let [Effect::Debit { wallet_id, request }] = first.as_slice() else {
        panic!("{first:?}")
    };
    assert_eq!(wallet_id, "w000");
    assert_eq!(
        request.metadata.as_ref().and_then(|m| m.get("corrects")),
        Some("wtxn_1")
    );
    let sent_key = request.idempotency_key.clone();
    app.update(Action::Debited {
        wallet_id: "w000".into(),
        result: Err(ApiError::Timeout {
            host: "h".into(),
            secs: 30,
        }),
    });
    assert!(matches!(stage(&app), Stage::Unknown { .. }), "{:?}", stage(&app));
    let retry = code(&mut app, KeyCode::Enter);
    let [Effect::Debit { request: again, .. }] = retry.as_slice() else {
        panic!("{retry:?}")
    };
    assert_eq!(again.idempotency_key, sent_key, "the retry must use the same key");
    app.update(Action::Debited {
        wallet_id: "w000".into(),
        result: Ok(crate::app::lifecycle::Debited::AlreadyApplied {
            transaction_id: "wtxn_9".into(),
            wallet: None,
        }),
    });
    assert!(app.overlays.form().is_none());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("nothing was debited twice"))
    );
    key(&mut app, 'D');
    let FormKind::Debit(f) = &app.overlays.form().unwrap().kind else {
        panic!()
    };
    assert_ne!(f.field("idempotency_key").unwrap().text_value(), sent_key);
}

#[test]
fn a_debit_below_zero_is_typed_to_confirm() {
    let (mut app, _) = loaded(1);
    key(&mut app, 'D');
    typ(&mut app, "1500");
    code(&mut app, KeyCode::Tab);
    typ(&mut app, "INV-7");
    code(&mut app, KeyCode::Enter);
    match stage(&app) {
        Stage::Confirm {
            submission: Submission::Debit { warning, preview, .. },
            expected,
            ..
        } => {
            assert!(
                warning.as_deref().is_some_and(|w| w.contains("negative")),
                "{warning:?}"
            );
            assert!(preview.contains("credits 1,000.00 → -500.00"), "{preview}");
            assert_eq!(expected.as_deref(), Some("1500"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        code(&mut app, KeyCode::Enter).is_empty(),
        "sent without the amount typed"
    );
    typ(&mut app, "1500");
    assert!(matches!(
        code(&mut app, KeyCode::Enter).as_slice(),
        [Effect::Debit { .. }]
    ));
}

#[test]
fn read_only_refuses_every_lifecycle_key() {
    let (mut app, _) = app(true);
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets(2)),
    });
    for c in ['C', 'D', 'X'] {
        assert!(key(&mut app, c).is_empty());
        assert!(app.overlays.form().is_none(), "{c} opened a form read-only");
        assert_eq!(
            app.flash.as_ref().map(|f| f.text.as_str()),
            Some("read-only mode: changes are disabled")
        );
    }
    for cmd in [
        crate::keymap::Command::Create,
        crate::keymap::Command::Debit,
        crate::keymap::Command::Terminate,
    ] {
        assert!(!app.allows(cmd), "{cmd:?} offered read-only");
    }
}

#[test]
fn the_one_active_wallet_refusal_is_explained_with_the_wallet_there() {
    let (mut app, _) = loaded(2);
    key(&mut app, 'C');
    // The selected wallet's customer is offered; a currency and Enter.
    code(&mut app, KeyCode::Tab);
    typ(&mut app, "usd");
    code(&mut app, KeyCode::Enter);
    let sent = code(&mut app, KeyCode::Enter);
    let [Effect::CreateWallet { request, follow_up }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(request.currency, "usd");
    assert!(follow_up.is_empty());
    let body = r#"{"code":"already_exists","message":"A customer can only have one active wallet per currency and wallet type","http_status_code":409,"details":{"customer_id":"cus_w000","wallet_id":"w000","currency":"usd","wallet_type":"PRE_PAID"}}"#;
    app.update(Action::WalletCreated {
        result: Err(ApiError::from_reply(409, "/wallets", body)),
    });
    let form = app.overlays.form().expect("the form stays");
    assert!(matches!(form.stage, Stage::Editing));
    let banner = form.banner.clone().unwrap_or_default();
    assert!(
        banner.contains("one active wallet per currency and wallet type")
            && banner.contains("already has an active PRE_PAID USD wallet: Wallet 000 (w000)")
            && banner.contains("Terminate that one first"),
        "{banner}"
    );
    assert!(form.fields().iter().all(|f| f.error.is_none()), "said twice");
    app.overlays.close(OverlayKind::Form);
}

/// As seen: an id copied from the timeline (`y`) and pasted into the debit's *Corrects* field
/// vanished: a terminal's paste reached only the filter and the palette, never a form.
#[test]
fn a_pasted_reference_lands_in_the_focused_field_and_in_the_typed_confirm() {
    let (mut app, _) = loaded(2);
    key(&mut app, 'D');
    typ(&mut app, "25");
    code(&mut app, KeyCode::Tab);
    // A copied id may come with a newline, or worse.
    app.update(Action::Paste("wtxn_01K\u{1b}[31m\n".into()));
    code(&mut app, KeyCode::Enter);
    assert!(matches!(stage(&app), Stage::Confirm { .. }), "{:?}", stage(&app));
    let sent = code(&mut app, KeyCode::Enter);
    let [Effect::Debit { request, .. }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(
        request.metadata.as_ref().and_then(|m| m.get("corrects")),
        Some("wtxn_01K")
    );

    // The terminate confirm takes a pasted wallet id.
    let (mut app, _) = loaded(2);
    key(&mut app, 'X');
    app.update(Action::Paste("w000".into()));
    assert_eq!(
        code(&mut app, KeyCode::Enter),
        vec![Effect::Terminate {
            wallet_id: "w000".into()
        }]
    );
}

// --- Attack pass: what the operator sees and types when names or replies are odd. ---

fn rename(app: &mut App, id: &str, name: &str) {
    let mut w = (*app.table.get(id).expect("listed").wallet).clone();
    w.name = Some(name.into());
    let now = app.now;
    app.table.upsert(w, now, 0);
}

/// A name with an escape sequence is shown cleaned ("Acme Red"): typing what is shown confirms.
#[test]
fn terminate_takes_the_name_as_shown_not_its_hidden_bytes() {
    let (mut app, _) = loaded(2);
    rename(&mut app, "w000", "Acme\u{1b}[31m Red\u{200b}");
    key(&mut app, 'X');
    match stage(&app) {
        Stage::Confirm { expected, .. } => {
            assert_eq!(expected.as_deref(), Some("Acme Red or w000"))
        }
        other => panic!("{other:?}"),
    }
    typ(&mut app, "Acme Red");
    assert_eq!(
        code(&mut app, KeyCode::Enter),
        vec![Effect::Terminate {
            wallet_id: "w000".into()
        }]
    );
}

/// Two listed wallets with one name: the name does not say which, so the id is asked.
#[test]
fn terminate_asks_the_id_when_another_wallet_has_the_same_name() {
    let (mut app, _) = loaded(2);
    rename(&mut app, "w000", "Prepaid");
    rename(&mut app, "w001", " PREPAID ");
    key(&mut app, 'X');
    let Stage::Confirm { expected, .. } = stage(&app) else {
        panic!("{:?}", stage(&app))
    };
    assert_eq!(expected.as_deref(), Some("w000"));
    typ(&mut app, "Prepaid");
    assert!(
        code(&mut app, KeyCode::Enter).is_empty(),
        "the shared name confirmed"
    );
    for _ in 0.."Prepaid".len() {
        code(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "w000");
    assert_eq!(
        code(&mut app, KeyCode::Enter),
        vec![Effect::Terminate {
            wallet_id: "w000".into()
        }]
    );
}

/// The follow-up update's reply was lost: it may have landed, so it is not said to have failed,
/// and the wallet is read back to show what is true.
#[test]
fn a_lost_follow_up_reply_is_not_called_a_failure() {
    let (mut app, _) = loaded(1);
    let wallet = flexprice_wire::models::Wallet {
        id: "w_new".into(),
        customer_id: "cus_w000".into(),
        currency: "usd".into(),
        ..Default::default()
    };
    let effects = app.update(Action::WalletCreated {
        result: Ok(crate::app::lifecycle::Created {
            wallet: Box::new(wallet),
            follow_up: Some(ApiError::Timeout {
                host: "h".into(),
                secs: 20,
            }),
        }),
    });
    let text = app.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
    assert!(text.contains("Created"), "{text}");
    assert!(!text.contains("were not set"), "{text}");
    assert!(text.contains("may"), "{text}");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshWallets { ids, .. } if ids.contains(&"w_new".to_string()))),
        "the wallet is read back: {effects:?}"
    );
}

/// A create whose reply was lost, retried: the one-active-wallet refusal may be the first
/// attempt's own wallet, made without the name the follow-up update would have set: said.
#[test]
fn a_retried_create_refused_says_the_first_wallet_may_lack_its_name() {
    let (mut app, _) = loaded(2);
    key(&mut app, 'C');
    code(&mut app, KeyCode::Tab);
    typ(&mut app, "usd");
    code(&mut app, KeyCode::Tab);
    code(&mut app, KeyCode::Tab);
    typ(&mut app, "Acme USD");
    code(&mut app, KeyCode::Enter);
    let sent = code(&mut app, KeyCode::Enter);
    let [Effect::CreateWallet { follow_up, .. }] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(follow_up.name.as_deref(), Some("Acme USD"));
    app.update(Action::WalletCreated {
        result: Err(ApiError::Timeout {
            host: "h".into(),
            secs: 20,
        }),
    });
    assert!(matches!(stage(&app), Stage::Unknown { .. }), "{:?}", stage(&app));
    let again = code(&mut app, KeyCode::Enter);
    assert!(
        matches!(again.as_slice(), [Effect::CreateWallet { .. }]),
        "{again:?}"
    );
    let body = r#"{"code":"already_exists","message":"A customer can only have one active wallet per currency and wallet type","http_status_code":409,"details":{"customer_id":"cus_w000","wallet_id":"w_new","currency":"usd","wallet_type":"PRE_PAID"}}"#;
    app.update(Action::WalletCreated {
        result: Err(ApiError::from_reply(409, "/wallets", body)),
    });
    let banner = app
        .overlays
        .form()
        .and_then(|f| f.banner.clone())
        .unwrap_or_default();
    assert!(banner.contains("This was a retry"), "{banner}");
    assert!(banner.contains("name"), "the name not set is not said: {banner}");
}
