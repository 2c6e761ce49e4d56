//! The forms' reducer driven with real sandbox answers: a server 400 lands under its field, and a
//! lost reply becomes an unknown outcome whose retry (same key) credits exactly once.

use std::time::Duration;

use flexwallet::moment::Moment;

use chrono::Utc;
use flexwallet::key::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;
use secrecy::SecretString;

use flexwallet::api::models::{TopUpRequest, TransactionQuery};
use flexwallet::api::{Client, ClientConfig, RetryPolicy};
use flexwallet::app::form::Stage;
use flexwallet::app::{Action, App, Effect, Origin};
use flexwallet::keymap::Keymap;
use flexwallet::sandbox::{EmbeddedSandbox, FaultSettings};

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(crate) async fn sandbox_and_client(retry: RetryPolicy) -> (EmbeddedSandbox, Client) {
    let sb = flexwallet::sandbox::start_demo(0).await.unwrap();
    let mut cfg = ClientConfig::new(sb.url.clone(), SecretString::from(sb.api_key.clone()));
    cfg.environment_id = Some(sb.environment_id.clone());
    cfg.retry = retry;
    (sb, Client::new(cfg).unwrap())
}

pub(crate) async fn loaded_app(client: &Client) -> App {
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        Origin::default(),
        false,
        Duration::from_secs(5),
        Moment::from_secs(1_000),
        Utc::now(),
        flexwallet::tui::runtime_env(),
    );
    app.update(Action::Resize(120, 40));
    app.start();
    let wallets = client.list_wallets(None).await.unwrap();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets),
    });
    app
}

/// Runs a top-up effect the way the runtime does.
async fn run_top_up(client: &Client, effects: Vec<Effect>) -> Action {
    let Some(Effect::TopUp { wallet_id, request }) =
        effects.into_iter().find(|e| matches!(e, Effect::TopUp { .. }))
    else {
        panic!("no top-up effect");
    };
    let result = client.top_up(&wallet_id, &request).await;
    Action::TopUpDone { wallet_id, result }
}

fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

#[tokio::test]
async fn a_server_400_lands_under_the_field_it_names() {
    let (sb, client) = sandbox_and_client(RetryPolicy::default()).await;
    let mut app = loaded_app(&client).await;
    app.update(key(KeyCode::Char('t')));
    type_str(&mut app, "5");
    app.update(key(KeyCode::Enter));
    assert!(matches!(
        app.overlays.form().unwrap().stage,
        Stage::Confirm { .. }
    ));
    let wallet_id = app.overlays.form().unwrap().wallet_id().to_string();
    // The form only sends what it validated; to see the server's own check, send what an older
    // client could have sent (credits 0) and hand the real answer to the reducer.
    app.update(key(KeyCode::Enter));
    let bad = TopUpRequest {
        credits_to_add: Some(Decimal::ZERO),
        idempotency_key: Some(format!("t-{}", uuid::Uuid::new_v4())),
        ..Default::default()
    };
    let result = client.top_up(&wallet_id, &bad).await;
    let err = result
        .as_ref()
        .expect_err("the sandbox refuses 0 credits")
        .clone();
    assert_eq!(err.status(), Some(400));
    app.update(Action::TopUpDone { wallet_id, result });
    let form = app.overlays.form().expect("the form stays open");
    assert!(matches!(form.stage, Stage::Editing));
    let field = form.fields().iter().find(|f| f.id == "credits_to_add").unwrap();
    assert_eq!(
        field.error.as_deref(),
        Some("Credits to add must be a positive value")
    );
    assert_eq!(field.text_value(), "5", "every value is kept");
    assert_eq!(
        form.fields()[form.focus].id,
        "credits_to_add",
        "the focus goes to the field at fault"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn lost_reply_is_unknown_and_retry_with_the_same_key_credits_once() {
    // No automatic retries: the operator sees the unknown outcome and decides.
    let (sb, client) = sandbox_and_client(RetryPolicy::none()).await;
    let mut app = loaded_app(&client).await;
    let wallet = app.selected_wallet().unwrap().clone();

    app.update(key(KeyCode::Char('t')));
    type_str(&mut app, "7");
    app.update(key(KeyCode::Enter));
    let effects = app.update(key(KeyCode::Enter));
    let key_used = match &effects[..] {
        [Effect::TopUp { request, .. }] => request.idempotency_key.clone().unwrap(),
        other => panic!("{other:?}"),
    };

    sb.set_faults(FaultSettings {
        lost_reply_rate: 1.0,
        ..FaultSettings::default()
    })
    .unwrap();
    let answer = run_top_up(&client, effects).await;
    app.update(answer);
    let form = app.overlays.form().expect("the form stays open");
    assert!(matches!(form.stage, Stage::Unknown { .. }), "{:?}", form.stage);

    // The link is back; the operator retries with the same key.
    sb.set_faults(FaultSettings::default()).unwrap();
    let effects = app.update(key(KeyCode::Enter));
    match &effects[..] {
        [Effect::TopUp { request, .. }] => {
            assert_eq!(request.idempotency_key.as_deref(), Some(key_used.as_str()))
        }
        other => panic!("{other:?}"),
    }
    let answer = run_top_up(&client, effects).await;
    app.update(answer);
    assert!(
        app.overlays.form().is_none(),
        "the form closes once the outcome is known"
    );
    let flash = app.flash.as_ref().unwrap().text.clone();
    assert!(flash.contains("Already applied"), "{flash}");

    let q = TransactionQuery {
        limit: Some(1000),
        ..Default::default()
    };
    let ledger = client.transactions(&wallet.id, &q).await.unwrap().items;
    let with_key: Vec<_> = ledger
        .iter()
        .filter(|t| t.idempotency_key.as_deref() == Some(key_used.as_str()))
        .collect();
    assert_eq!(with_key.len(), 1, "exactly one credit for the key");
    assert_eq!(with_key[0].credit_amount, Decimal::from(7));
    let after = client.get_wallet(&wallet.id).await.unwrap();
    assert_eq!(after.credit_balance, wallet.credit_balance + Decimal::from(7));
    sb.shutdown().await;
}
