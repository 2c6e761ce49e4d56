//! The incident tools' screens: the ledger (and one transaction), the command palette and the
//! raw JSON view, at 80x24 and 120x40.

use flexwallet::key::KeyCode;

use flexwallet::app::{Action, App, Effect};

use super::{LEDGER_WALLET, app, chars, demo, key, select, snap};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// `L` on the ledger wallet, answered with the demo's first page.
fn ledger(w: u16, h: u16) -> App {
    let mut a = app(w, h, false);
    select(&mut a, LEDGER_WALLET);
    let effects = a.update(key(KeyCode::Char('L')));
    let Some(Effect::LoadLedger {
        generation,
        wallet_id,
        query,
    }) = effects.into_iter().next()
    else {
        panic!("L asks for the first ledger page");
    };
    assert_eq!((query.offset, query.limit), (Some(0), Some(50)));
    a.update(Action::LedgerLoaded {
        generation,
        wallet_id,
        result: Ok(demo().ledger.clone()),
    });
    a
}

#[test]
fn ledger_and_one_transaction() {
    for (w, h) in SIZES {
        let mut a = ledger(w, h);
        let s = snap(&a);
        assert!(s.contains("Ledger · Acme Corp"), "{s}");
        assert!(s.contains("pending"), "the invoiced top-up stands out: {s}");
        insta::assert_snapshot!(format!("ledger_{w}x{h}"), s);
        a.update(key(KeyCode::Enter));
        let s = snap(&a);
        assert!(s.contains("idempotency key"), "{s}");
        insta::assert_snapshot!(format!("ledger_transaction_{w}x{h}"), s);
    }
}

#[test]
fn palette_all_commands_fuzzy_and_refused() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        a.update(key(KeyCode::Char(':')));
        insta::assert_snapshot!(format!("palette_{w}x{h}"), snap(&a));
        chars(&mut a, "exp");
        let s = snap(&a);
        assert!(s.contains(":export FILE"), "{s}");
        insta::assert_snapshot!(format!("palette_fuzzy_{w}x{h}"), s);
        for _ in 0..3 {
            a.update(key(KeyCode::Backspace));
        }
        chars(&mut a, "refresh soon");
        a.update(key(KeyCode::Enter));
        let s = snap(&a);
        assert!(s.contains("refresh takes whole seconds"), "{s}");
        insta::assert_snapshot!(format!("palette_error_{w}x{h}"), s);
    }
}

#[test]
fn raw_json_of_a_wallet_and_a_transaction() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        select(&mut a, LEDGER_WALLET);
        let effects = a.update(key(KeyCode::Char('J')));
        let Some(Effect::LoadRawWallet { wallet_id }) = effects.into_iter().next() else {
            panic!("J asks for the wallet's body");
        };
        a.update(Action::RawWalletLoaded {
            wallet_id,
            result: Ok(demo().raw.clone()),
        });
        let s = snap(&a);
        assert!(s.contains("raw JSON"), "{s}");
        assert!(s.contains("\"credit_balance\""), "{s}");
        insta::assert_snapshot!(format!("json_wallet_{w}x{h}"), s);

        let mut a = ledger(w, h);
        a.update(key(KeyCode::Char('J')));
        let s = snap(&a);
        assert!(s.contains("\"transaction_reason\""), "{s}");
        insta::assert_snapshot!(format!("json_transaction_{w}x{h}"), s);
    }
}
