//! The ledger view against the sandbox: it pages past the first 50 transactions in order, with
//! no gap and no repeat, even when a new transaction lands between two pages.

use flexwallet::key::{KeyCode, KeyEvent, KeyModifiers};
use rust_decimal::Decimal;

use flexwallet::api::models::{TopUpRequest, TransactionQuery, TransactionReason};
use flexwallet::api::{Client, RetryPolicy};
use flexwallet::app::{Action, App, Effect};

const WALLET: &str = "Acme Corp – usage credits";

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Runs the ledger effects the way the runtime does, until none is left.
async fn settle(app: &mut App, client: &Client, mut effects: Vec<Effect>) -> usize {
    let mut requests = 0;
    while let Some(e) = effects.pop() {
        if let Effect::LoadLedger {
            generation,
            wallet_id,
            query,
        } = e
        {
            requests += 1;
            let result = client.transactions_page(&wallet_id, &query).await;
            effects.extend(app.update(Action::LedgerLoaded {
                generation,
                wallet_id,
                result,
            }));
        }
    }
    requests
}

#[tokio::test]
async fn ledger_pages_past_fifty_in_order_without_gap_or_repeat() {
    let (sb, client) = crate::forms_sandbox::sandbox_and_client(RetryPolicy::default()).await;
    let mut app = crate::forms_sandbox::loaded_app(&client).await;
    app.update(Action::Resize(80, 24));
    let wallets = client.list_wallets(None).await.unwrap();
    let wallet = wallets.iter().find(|w| w.display_name() == WALLET).unwrap();
    app.update(key(KeyCode::Char('/')));
    for c in format!("id:{}", wallet.id).chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(app.table.selected_id(), Some(wallet.id.as_str()));

    let effects = app.update(key(KeyCode::Char('L')));
    assert_eq!(settle(&mut app, &client, effects).await, 1);
    assert_eq!(app.overlays.ledger().unwrap().entries.len(), 50);

    // A top-up lands between two pages: every older transaction moves down by one.
    let topup = TopUpRequest {
        credits_to_add: Some(Decimal::ONE),
        transaction_reason: TransactionReason::FreeCreditGrant,
        idempotency_key: Some("ledger-shift".into()),
        ..Default::default()
    };
    client.top_up(&wallet.id, &topup).await.unwrap();

    let mut requests = 1;
    for _ in 0..200 {
        let effects = app.update(key(KeyCode::PageDown));
        requests += settle(&mut app, &client, effects).await;
        if app.overlays.ledger().unwrap().exhausted {
            break;
        }
    }
    let ledger = app.overlays.ledger().unwrap();
    assert!(ledger.exhausted, "the whole ledger was paged in");
    assert!(requests >= 3, "more than one page: {requests} requests");

    let all = client
        .transactions(
            &wallet.id,
            &TransactionQuery {
                limit: Some(1000),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let expected: Vec<&str> = all
        .items
        .iter()
        .map(|t| t.id.as_str())
        // The new one is newer than the first page: the ledger shows it after a reload.
        .filter(|id| all.items.first().map(|t| t.id.as_str()) != Some(*id))
        .collect();
    let got: Vec<&str> = ledger.entries.iter().map(|e| e.tx.id.as_str()).collect();
    assert!(expected.len() > 100, "{} transactions", expected.len());
    assert_eq!(got, expected, "newest first, no gap, no repeat");

    // r reloads from the top: the new transaction is first now.
    let effects = app.update(key(KeyCode::Char('r')));
    settle(&mut app, &client, effects).await;
    let first = &app.overlays.ledger().unwrap().entries[0].tx;
    assert_eq!(first.idempotency_key.as_deref(), Some("ledger-shift"));
    sb.shutdown().await;
}
