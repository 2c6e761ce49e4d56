//! The layers that hold text to read whole (issue 23): the message log and help at 80x24,
//! 120x40 and 200x50, help and detail stopping at their ends, pop-ups off the hint line, and
//! the ledger's title fitted to its box.

use flexwallet::api::models::{
    TopUpResponse, Transaction, TransactionReason, TransactionStatus, TransactionType,
};
use flexwallet::api::{ApiError, TopUpOutcome};
use flexwallet::app::{Action, App, Effect};
use flexwallet::key::KeyCode;

use super::{LEDGER_WALLET, app, demo, key, select, snap, words};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];
const INVOICE: &str = "inv_01M8T4M0R24M7Y9QX3F5ZK2VWD";

/// The answer to an invoiced top-up of the selected wallet: pending until its invoice is paid.
fn pending_top_up(a: &mut App) {
    let wallet = a.selected_wallet().expect("a wallet").clone();
    let tx = Transaction {
        id: "wtxn_01M8T4M0R24M7Y9QX3F5ZK2VWC".into(),
        wallet_id: wallet.id.clone(),
        tx_type: TransactionType::Credit,
        credit_amount: 25.into(),
        transaction_status: TransactionStatus::Pending,
        transaction_reason: TransactionReason::PurchasedCreditInvoiced,
        ..Default::default()
    };
    a.update(Action::TopUpDone {
        wallet_id: wallet.id.clone(),
        result: Ok(TopUpOutcome::Applied(Box::new(TopUpResponse {
            wallet_transaction: Some(tx),
            wallet,
            invoice_id: Some(INVOICE.into()),
        }))),
    });
}

/// Time passes: a flash shown whole this long has been read.
fn wait(a: &mut App, secs: u64) {
    a.update(Action::Tick {
        now: a.now + std::time::Duration::from_secs(secs),
        clock: a.clock + chrono::Duration::seconds(secs as i64),
    });
}

/// A sort, a refresh that fails and an invoiced top-up, a few seconds apart: four messages,
/// the last too long for the flash line at 80 columns.
fn with_messages(w: u16, h: u16) -> App {
    let mut a = app(w, h, false);
    select(&mut a, LEDGER_WALLET);
    a.update(key(KeyCode::Char('s')));
    wait(&mut a, 6);
    a.update(key(KeyCode::Char('r')));
    wait(&mut a, 2);
    let generation = a.live.list_generation;
    let err = ApiError::from_reply(
        503,
        "/wallets",
        r#"{"code":"service_unavailable","message":"Service unavailable","http_status_code":503}"#,
    );
    a.update(Action::WalletsLoaded {
        generation,
        result: Err(err),
    });
    wait(&mut a, 6);
    pending_top_up(&mut a);
    a
}

/// As seen: `Top-up wtxn_… pending until invoice inv_01M8T4M0R24M7Y` cut on the flash line
/// and gone after five seconds. The flash line says where it is whole; `M` shows every
/// message with its time, wrapped, newest first; reading them clears the unread count.
#[test]
fn message_log() {
    for (w, h) in SIZES {
        let mut a = with_messages(w, h);
        let s = snap(&a);
        let flash = s.lines().nth(usize::from(h) - 2).unwrap_or_default();
        if w == 80 {
            assert!(
                flash.contains("(M: read all)"),
                "the cut flash says where it is whole: {flash}"
            );
        }
        a.update(key(KeyCode::Char('M')));
        let s = snap(&a);
        assert!(s.contains(" Messages (4)"), "{w}x{h}:\n{s}");
        assert!(words(&s).contains(INVOICE), "{w}x{h}: the invoice id whole:\n{s}");
        assert!(
            words(&s).contains("Loading wallets failed: 503 service_unavailable"),
            "{s}"
        );
        assert!(
            s.contains("12:00:00") && s.contains("12:00:14"),
            "each with its time:\n{s}"
        );
        // The pop-up keeps off the hint line and the status bar.
        let rows: Vec<&str> = s.lines().collect();
        assert!(rows[usize::from(h) - 2].contains("Esc back"), "{w}x{h}:\n{s}");
        assert!(
            rows[usize::from(h) - 1].contains("demo@env_demo"),
            "{w}x{h}:\n{s}"
        );
        assert!(!rows[usize::from(h) - 1].contains("unread"), "read now:\n{s}");
        insta::assert_snapshot!(format!("message_log_{w}x{h}"), s);
    }
}

/// Unread messages are counted in the status bar, whole (`· 1 unread (M)`, not `· 37 err`).
#[test]
fn unread_messages_are_counted_in_the_status_bar() {
    let mut a = with_messages(80, 24);
    a.update(key(KeyCode::Char('s')));
    let status = snap(&a).lines().nth(23).unwrap_or_default().to_string();
    // The cut top-up was never shown whole; the others were, for seconds; the sort's flash
    // is on screen.
    assert!(status.ends_with("· 1 unread (M)"), "{status:?}");
    // Outcomes replaced at once were not read either (what a key just did, like a sort, is
    // logged but never unread).
    a.update(key(KeyCode::Char('y')));
    a.update(key(KeyCode::Char('Y')));
    a.update(key(KeyCode::Char('s')));
    let status = snap(&a).lines().nth(23).unwrap_or_default().to_string();
    assert!(status.ends_with("· 3 unread (M)"), "{status:?}");
    // The refresh state is never pushed off by the count: the host gives way first.
    let r = snap(&a);
    assert!(status.contains("REFRESH FAILING"), "{status:?}\n{r}");
}

/// The help's rows: keys in a column of their own, never run into their meaning; every
/// meaning whole (wrapped under itself); the pop-up off the hint line; and the scroll stops
/// where the last row reaches the bottom.
#[test]
fn help() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        a.update(key(KeyCode::Char('?')));
        let s = snap(&a);
        let rows: Vec<&str> = s.lines().collect();
        assert!(rows[usize::from(h) - 2].contains("Esc back"), "{w}x{h}:\n{s}");
        assert!(!s.contains("SpacePage"), "{s}");
        insta::assert_snapshot!(format!("help_{w}x{h}"), s);

        // To the end: the legend's last row is on screen, and more keys move nothing.
        a.update(key(KeyCode::End));
        let end = snap(&a);
        assert!(end.contains("interval (UTC)"), "{w}x{h}:\n{end}");
        let bottom = end.lines().nth(usize::from(h) - 3).unwrap_or_default();
        let total = bottom
            .rsplit(" of ")
            .next()
            .and_then(|t| t.split_whitespace().next())
            .unwrap_or_else(|| panic!("{w}x{h}: no position:\n{end}"));
        assert!(
            end.contains(&format!("–{total} of {total} ")),
            "{w}x{h}: not at the end:\n{end}"
        );
        for _ in 0..5 {
            a.update(key(KeyCode::Char('j')));
        }
        a.update(key(KeyCode::PageDown));
        assert_eq!(snap(&a), end, "{w}x{h}: scrolled past the end");
        // One up moves one row at once (the scroll had not run on past the end).
        a.update(key(KeyCode::Char('k')));
        assert_ne!(snap(&a), end, "{w}x{h}");
        if w >= 120 {
            // Columns side by side: their words interleave row by row.
            continue;
        }
        let all = help_words(&mut a);
        for (keys, desc) in [
            ("PgDn, ctrl-d, Space", "Page down"),
            ("B", "Bulk top-up marked wallets / show the running job"),
            (
                "r",
                "Retry a finished job's rows not done: the same job, with their keys (exactly once)",
            ),
        ] {
            assert!(
                all.contains(&format!("{keys} {desc}")),
                "{w}x{h}: {keys} {desc}\n{all}"
            );
        }
    }
}

/// Every page of the help, its words in order (wrapped meanings read as one).
fn help_words(a: &mut App) -> String {
    a.update(key(KeyCode::Home));
    let mut pages = Vec::new();
    loop {
        let s = snap(a);
        let inner: String = s
            .lines()
            .skip(2)
            .take(usize::from(a.size.1) - 5)
            .map(|l| {
                // Inside the pop-up's borders (two columns in from each side).
                let inner: String = l.chars().skip(3).take(usize::from(a.size.0) - 6).collect();
                format!("{inner}\n")
            })
            .collect();
        pages.push(words(&inner));
        a.update(key(KeyCode::PageDown));
        if snap(a) == s {
            break;
        }
    }
    pages.join(" ")
}

/// As seen: the detail scrolled on past its last line into blank rows.
#[test]
fn detail_stops_at_its_end() {
    let mut a = app(80, 24, false);
    select(&mut a, LEDGER_WALLET);
    a.update(key(KeyCode::Enter));
    for _ in 0..200 {
        a.update(key(KeyCode::Char('j')));
    }
    let end = snap(&a);
    let rows: Vec<&str> = end.lines().collect();
    // The box's last row inside the border holds text: no blank rows below the content.
    let last = rows[20].trim_start_matches('│').trim_end_matches('│').trim();
    assert!(!last.is_empty(), "blank rows at the end:\n{end}");
    a.update(key(KeyCode::Char('k')));
    assert_ne!(snap(&a), end, "one up moves at once");
}

/// As seen: `Ledger · … · 1 transactions · 1 new since opened · pe┐`. One transaction is
/// singular, and a title too long for the box gives way in whole pieces.
#[test]
fn ledger_title_fits_and_counts_in_words() {
    for (w, h) in SIZES {
        let mut a = app(w, h, false);
        select(&mut a, LEDGER_WALLET);
        let effects = a.update(key(KeyCode::Char('L')));
        let Some(Effect::LoadLedger {
            generation,
            wallet_id,
            ..
        }) = effects.into_iter().next()
        else {
            panic!("L asks for the ledger");
        };
        let mut page = demo().ledger.clone();
        page.items.truncate(1);
        page.total = Some(1);
        a.update(Action::LedgerLoaded {
            generation,
            wallet_id,
            result: Ok(page),
        });
        if let Some(l) = a.overlays.ledger_mut() {
            l.arrived = 1;
            l.loading = true;
        }
        let s = snap(&a);
        let title = s.lines().nth(1).unwrap_or_default();
        assert!(!title.contains("1 transactions"), "{title}");
        if w >= 120 {
            assert!(title.contains("· 1 transaction ·"), "{w}x{h}: {title}");
        }
        // Whole pieces: the title's last word is followed by a space, then the border.
        let inside = title.trim_end_matches(['┐', '─']);
        assert!(inside.ends_with(' '), "{w}x{h}: cut at the border: {title}");
    }
}

/// As seen: `Bulk top-up · 1 marked wallets`.
#[test]
fn one_marked_wallet_is_singular() {
    let mut a = app(80, 24, false);
    a.update(key(KeyCode::Char(' ')));
    a.update(key(KeyCode::Char('B')));
    let s = snap(&a);
    assert!(s.contains("Bulk top-up · 1 marked wallet "), "{s}");
    assert!(!s.contains("1 marked wallets"), "{s}");
}

/// As seen: a 503 to a top-up was reported as "no answer came back". It is an answer, one that
/// does not say whether the top-up was applied.
#[test]
fn a_503_to_a_top_up_is_said_to_be_an_answer() {
    let mut a = app(80, 24, false);
    a.update(key(KeyCode::Char('t')));
    a.update(key(KeyCode::Char('5')));
    a.update(key(KeyCode::Enter));
    a.update(key(KeyCode::Enter));
    let wallet_id = a.selected_wallet().expect("a wallet").id.clone();
    let err = ApiError::from_reply(
        503,
        "/wallets/x/top-up",
        r#"{"code":"service_unavailable","message":"Service unavailable","http_status_code":503}"#,
    );
    a.update(Action::TopUpDone {
        wallet_id,
        result: Err(err),
    });
    let s = words(&snap(&a));
    assert!(s.contains("Outcome unknown"), "{s}");
    assert!(
        s.contains("The server answered 503, which does not say whether it was applied"),
        "{s}"
    );
    assert!(!s.contains("no answer came back"), "{s}");
}
