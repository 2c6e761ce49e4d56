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

/// As seen: `INVOICE_PAYMENT` debits labelled `usage`; at 200 columns a Reason column of ~60
/// blank characters beside a key cut to `bulk-37a1cafb08c0…`; at 80 a `Pri` header over a
/// column with nothing in it. Reasons are Flexprice's, in words; each column is as wide as what
/// it shows, whole, and one with nothing to show is left out; debits are signed.
#[test]
fn ledger_and_one_transaction() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let mut a = ledger(w, h);
        let s = snap(&a);
        assert!(s.contains("Ledger · Acme Corp"), "{s}");
        assert!(s.contains("pending"), "the invoiced top-up stands out: {s}");
        assert!(s.contains("invoice payment"), "{s}");
        assert!(s.contains("purchased credit invoiced"), "{s}");
        assert!(
            s.contains("-4,500.50") && s.contains("+10,000.00"),
            "signed:\n{s}"
        );
        assert!(!s.contains("Pri"), "no priority in these rows, no column:\n{s}");
        let body: Vec<&str> = s.lines().skip(2).take(usize::from(h) - 6).collect();
        // The rows under the header.
        for l in body.iter().skip(1) {
            assert!(!l.contains(" usage "), "an invoice payment is not usage:\n{s}");
            assert!(!l.contains('…') && !l.contains('≈'), "{w}x{h}: cut: {l:?}\n{s}");
            // No column padded far past what it shows (the Reason column took ~60 blanks).
            let inside = l.trim_start_matches('│').trim_end_matches('│').trim_end();
            assert!(
                !inside.contains(&" ".repeat(20)),
                "{w}x{h}: a wide gap in {l:?}\n{s}"
            );
        }
        if w >= 200 {
            assert!(s.contains("Idempotency key"), "{s}");
            let key = demo().ledger.items[3]
                .0
                .idempotency_key
                .clone()
                .unwrap_or_default();
            assert!(key.len() > 20 && s.contains(&key), "the key whole: {key}\n{s}");
        }
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

/// The incident timeline over the demo's transactions (one wallet's, enough for a screen):
/// time, customer by name, reason in words, signed amount with its currency, status; the
/// totals strip per currency and per reason; how fresh it is. Then a refresh that fails: what
/// was shown stays, marked STALE with the failure, never a quiet empty list.
#[test]
fn timeline_with_totals_then_stale() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut a = app(w, h, false);
        a.update(key(KeyCode::Char(':')));
        chars(&mut a, "timeline 2026-05-01..");
        let effects = a.update(key(KeyCode::Enter));
        let Some(Effect::LoadTimeline {
            generation,
            head: false,
            search,
        }) = effects.into_iter().next()
        else {
            panic!(":timeline asks for the window's first page");
        };
        assert_eq!(search.wallet_id, None);
        assert_eq!((search.filter.offset, search.filter.limit), (Some(0), Some(1000)));
        a.update(Action::TimelineLoaded {
            generation,
            head: false,
            result: Ok(demo().ledger.clone()),
        });
        let s = snap(&a);
        assert!(s.contains("Timeline · since 2026-05-01 00:00"), "{s}");
        assert!(s.contains("Acme Corp"), "customers by name: {s}");
        assert!(s.contains("Σ USD"), "the totals strip: {s}");
        assert!(s.contains("live"), "{s}");
        assert!(!s.contains('≈'), "{w}x{h}: no figure cut:\n{s}");
        insta::assert_snapshot!(format!("timeline_{w}x{h}"), s);

        let effects = a.update(Action::RefreshDue);
        let head = effects
            .into_iter()
            .find_map(|e| match e {
                Effect::LoadTimeline {
                    generation,
                    head: true,
                    ..
                } => Some(generation),
                _ => None,
            })
            .expect("the refresh asks what is new");
        a.update(Action::TimelineLoaded {
            generation: head,
            head: true,
            result: Err(flexwallet::api::ApiError::from_reply(
                503,
                "/wallets/transactions/search",
                r#"{"code":"service_unavailable","message":"try later","http_status_code":503}"#,
            )),
        });
        let s = snap(&a);
        assert!(s.contains("STALE") && s.contains("503"), "{s}");
        assert!(s.contains("Acme Corp"), "the rows stay: {s}");
        insta::assert_snapshot!(format!("timeline_stale_{w}x{h}"), s);
    }
}
