//! The timeline's reducer: paging, live refresh, failures shown as stale, filter, totals,
//! export, and the keys.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::*;
use crate::app::tests::{app, code, key, wallets};
use crate::app::{Action, Focus};
use crate::key::KeyCode;
use flexprice_wire::models::{Transaction, TransactionReason, TransactionType};

/// Three wallets listed (whatever else the start asks for: the timeline does not depend on it).
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

fn tx(i: usize, at: DateTime<Utc>) -> (Transaction, serde_json::Value) {
    let tx = Transaction {
        id: format!("wtxn_{i:05}"),
        wallet_id: format!("w{:03}", i % 3),
        customer_id: Some(format!("cus_w{:03}", i % 3)),
        tx_type: if i.is_multiple_of(4) {
            TransactionType::Debit
        } else {
            TransactionType::Credit
        },
        amount: Decimal::from(10 * i as i64 + 1),
        credit_amount: Decimal::from(10 * i as i64 + 1),
        transaction_status: if i.is_multiple_of(5) {
            TransactionStatus::Pending
        } else {
            TransactionStatus::Completed
        },
        transaction_reason: if i.is_multiple_of(5) {
            TransactionReason::PurchasedCreditInvoiced
        } else {
            TransactionReason::PurchasedCreditDirect
        },
        currency: Some("usd".into()),
        created_at: Some(at),
        ..Default::default()
    };
    let raw = json!({ "id": tx.id });
    (tx, raw)
}

/// Transactions `ids` (newest first: a higher id is newer), one a second before `newest`.
fn page(ids: impl Iterator<Item = usize>, newest: DateTime<Utc>, top: usize) -> TransactionPage {
    TransactionPage {
        items: ids
            .map(|i| tx(i, newest - Duration::seconds((top - i) as i64)))
            .collect(),
        total: None,
    }
}

fn search_of(e: &Effect) -> (u64, bool, &TransactionSearch) {
    match e {
        Effect::LoadTimeline {
            generation,
            head,
            search,
        } => (*generation, *head, search),
        other => panic!("not a timeline load: {other:?}"),
    }
}

fn open(app: &mut App) -> u64 {
    let effects = key(app, 'T');
    assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Timeline));
    let [e] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let (generation, head, s) = search_of(e);
    assert!(!head);
    assert_eq!(s.wallet_id, None, "every wallet");
    assert_eq!(s.filter.limit, Some(PAGE));
    assert_eq!(s.filter.offset, Some(0));
    assert_eq!(s.filter.order.as_deref(), Some("desc"));
    assert_eq!(
        s.filter.start_time,
        Some(app.clock - Duration::hours(1)),
        "1h by default"
    );
    assert_eq!(
        s.filter.end_time,
        Some(app.clock),
        "the pages end where it opened"
    );
    generation
}

fn answer(app: &mut App, generation: u64, head: bool, page: TransactionPage) -> Vec<Effect> {
    app.update(Action::TimelineLoaded {
        generation,
        head,
        result: Ok(page),
    })
}

fn timeline(app: &App) -> &Timeline {
    app.overlays.timeline().expect("the timeline is open")
}

#[test]
fn pages_the_window_by_1000_with_its_own_count() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let now = app.clock;
    let more = answer(&mut app, g, false, page((1000..2000).rev(), now, 1999));
    let [e] = more.as_slice() else {
        panic!("a full page asks for the next: {more:?}")
    };
    let (g2, _, s) = search_of(e);
    assert_eq!(s.filter.offset, Some(1000));
    assert!(answer(&mut app, g2, false, page((990..1000).rev(), now, 1999)).is_empty());
    let t = timeline(&app);
    assert!(t.exhausted);
    assert_eq!(t.entries.len(), 1010);
    assert_eq!(t.view.len(), 1010);
    assert_eq!(t.entries[0].tx.id, "wtxn_01999", "newest first");
    assert!(t.fresh_at.is_some());
}

#[test]
fn a_refresh_puts_what_is_new_on_top_once_and_keeps_the_selection() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let opened = app.clock;
    answer(&mut app, g, false, page((0..10).rev(), opened, 9));
    code(&mut app, KeyCode::Down);
    code(&mut app, KeyCode::Down);
    assert_eq!(timeline(&app).selected_entry().unwrap().tx.id, "wtxn_00007");
    app.clock = opened + Duration::seconds(5);
    let effects = app.update(Action::RefreshDue);
    let head = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadTimeline { head: true, .. }))
        .expect("the tick asks what is new");
    let (hg, _, s) = search_of(head);
    assert_eq!(
        s.filter.start_time,
        Some(opened - Duration::seconds(15)),
        "since the newest held, less the overlap"
    );
    assert_eq!(s.filter.end_time, None);
    // Two new ones and the overlap (already held): only the new ones are added.
    let mut p = page((8..10).rev(), opened, 9);
    p.items.splice(
        0..0,
        page((10..12).rev(), opened + Duration::seconds(4), 11).items,
    );
    assert!(answer(&mut app, hg, true, p).is_empty());
    let t = timeline(&app);
    let ids: Vec<&str> = t.entries.iter().take(3).map(|e| e.tx.id.as_str()).collect();
    assert_eq!(ids, ["wtxn_00011", "wtxn_00010", "wtxn_00009"]);
    assert_eq!(t.entries.len(), 12);
    assert_eq!(t.arrived, 2);
    assert_eq!(
        t.selected_entry().unwrap().tx.id,
        "wtxn_00007",
        "the selection stays"
    );
}

#[test]
fn a_failure_keeps_what_is_shown_and_says_stale_until_an_answer() {
    let (mut app, now) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((0..5).rev(), at, 4));
    let effects = app.update(Action::RefreshDue);
    let (hg, ..) = search_of(
        effects
            .iter()
            .find(|e| matches!(e, Effect::LoadTimeline { .. }))
            .unwrap(),
    );
    app.update(Action::TimelineLoaded {
        generation: hg,
        head: true,
        result: Err(flexprice_wire::ApiError::from_reply(
            503,
            "/wallets/transactions/search",
            r#"{"code":"service_unavailable","message":"down","http_status_code":503}"#,
        )),
    });
    let t = timeline(&app);
    assert_eq!(t.entries.len(), 5, "never a quiet empty list");
    assert!(t.is_stale());
    let (why, since) = t.failure.clone().unwrap();
    assert!(why.contains("503"), "{why}");
    assert_eq!(since, now);
    assert_eq!(app.errors.len(), 1, "logged");
    // The next tick asks again; its answer clears the mark.
    let effects = app.update(Action::RefreshDue);
    let (hg, ..) = search_of(
        effects
            .iter()
            .find(|e| matches!(e, Effect::LoadTimeline { .. }))
            .unwrap(),
    );
    answer(&mut app, hg, true, TransactionPage::default());
    assert!(!timeline(&app).is_stale());
}

#[test]
fn the_first_page_failing_says_so() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    app.update(Action::TimelineLoaded {
        generation: g,
        head: false,
        result: Err(flexprice_wire::ApiError::Timeout {
            host: "h".into(),
            secs: 20,
        }),
    });
    let t = timeline(&app);
    assert!(t.is_stale() && !t.loading && t.entries.is_empty());
    // The next tick asks for the window's pages again, not only for what is new.
    let effects = app.update(Action::RefreshDue);
    let e = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadTimeline { .. }))
        .expect("asked again");
    let (g, head, s) = search_of(e);
    assert!(!head);
    assert_eq!(s.filter.offset, Some(0));
    let at = app.clock;
    answer(&mut app, g, false, page((0..3).rev(), at, 2));
    let t = timeline(&app);
    assert!(!t.is_stale() && t.exhausted && t.entries.len() == 3);
}

#[test]
fn filter_and_totals_cover_what_is_shown() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((1..11).rev(), at, 10));
    let all = timeline(&app).totals.clone();
    assert_eq!(all.count, 10);
    // `/` over the timeline filters the transactions, not the wallets.
    key(&mut app, '/');
    app.update(Action::Paste("status:pending".into()));
    code(&mut app, KeyCode::Enter);
    let t = timeline(&app);
    let ids: Vec<&str> = t.shown(0, 99).map(|e| e.tx.id.as_str()).collect();
    assert_eq!(ids, ["wtxn_00010", "wtxn_00005"]);
    assert_eq!(t.totals.count, 2);
    assert_eq!(t.totals.currencies[0].pending, Decimal::from(101 + 51));
    assert!(app.table.filter.is_none(), "the wallets' filter is untouched");
    // A bad term keeps the line open with the reason.
    key(&mut app, '/');
    app.update(Action::Paste(" alert:ok".into()));
    code(&mut app, KeyCode::Enter);
    let err = app.overlays.filter().and_then(|f| f.error.clone()).unwrap();
    assert!(err.contains("not a transaction's field"), "{err}");
    code(&mut app, KeyCode::Esc);
    // Esc clears the filter, then closes.
    code(&mut app, KeyCode::Esc);
    assert_eq!(timeline(&app).view.len(), 10);
    code(&mut app, KeyCode::Esc);
    assert!(app.overlays.timeline().is_none());
}

#[test]
fn completed_money_sums_per_currency() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((1..9).rev(), at, 8));
    let t = timeline(&app);
    let usd = &t.totals.currencies[0];
    // Completed: 1,2,3,6,7 credits (11+21+31+61+71), 4 and 8 debits (41+81); 5 pending.
    assert_eq!(usd.credited, Decimal::from(195));
    assert_eq!(usd.debited, Decimal::from(122));
    assert_eq!(usd.net(), Some(Decimal::from(73)));
    assert_eq!(usd.pending, Decimal::from(51));
}

#[test]
fn at_most_held_and_it_says_so() {
    let (mut app, _) = loaded(3);
    let mut g = open(&mut app);
    let now = app.clock;
    let mut n = 0;
    loop {
        let top = 20_000 - n * PAGE as usize;
        let effects = answer(
            &mut app,
            g,
            false,
            page((top - PAGE as usize..top).rev(), now, 20_000),
        );
        n += 1;
        match effects.as_slice() {
            [e] => g = search_of(e).0,
            [] => break,
            other => panic!("{other:?}"),
        }
    }
    let t = timeline(&app);
    assert_eq!(t.entries.len(), HELD);
    assert!(t.cut && !t.loading);
}

#[test]
fn enter_opens_the_wallet_and_j_the_raw_transaction() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((0..3).rev(), at, 2));
    key(&mut app, 'J');
    assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Json));
    assert_eq!(app.overlays.json().unwrap().title, "transaction wtxn_00002");
    code(&mut app, KeyCode::Esc);
    assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Timeline));
    code(&mut app, KeyCode::Enter);
    assert!(app.overlays.timeline().is_none());
    assert_eq!(app.focus, Focus::Detail);
    assert_eq!(app.table.selected_id(), Some("w002"));
}

#[test]
fn timeline_verb_takes_a_window_and_refuses_a_bad_one() {
    let (mut app, _) = loaded(3);
    key(&mut app, ':');
    app.update(Action::Paste("timeline 2026-10-01..2026-10-31".into()));
    let effects = code(&mut app, KeyCode::Enter);
    let (_, _, s) = search_of(&effects[0]);
    assert_eq!(
        s.filter.start_time.unwrap().to_rfc3339(),
        "2026-10-01T00:00:00+00:00"
    );
    assert!(timeline(&app).window.to.is_some());
    code(&mut app, KeyCode::Esc);
    key(&mut app, ':');
    app.update(Action::Paste("timeline 3 weeks".into()));
    assert!(code(&mut app, KeyCode::Enter).is_empty());
    let err = app.overlays.palette().and_then(|p| p.error.clone()).unwrap();
    assert!(err.contains("not a window"), "{err}");
}

#[test]
fn export_over_the_timeline_writes_its_rows_and_asks_before_replacing() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((1..4).rev(), at, 3));
    key(&mut app, ':');
    app.update(Action::Paste("export /tmp/t.csv".into()));
    let effects = code(&mut app, KeyCode::Enter);
    let [
        Effect::ExportTimeline {
            rows,
            header,
            replace: false,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(header.len(), rows[0].len());
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][1], "wtxn_00003");
    app.update(crate::app::overwrite::exists(
        "/tmp/t.csv".into(),
        crate::app::overwrite::PendingWrite::Timeline,
    ));
    let effects = code(&mut app, KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::ExportTimeline { replace: true, .. }]
    ));
    // Read-only does not stop an export, a viewer's role would (the gate's Export).
    assert_eq!(
        Effect::ExportTimeline {
            path: "/x".into(),
            header: vec![],
            rows: vec![],
            replace: false
        }
        .capability(),
        Some(crate::app::Capability::Export)
    );
}

// --- Attack pass: a hostile or broken API. ---

/// Answers every window page with `next` until it stops asking (or `limit` pages): how many.
fn page_until_quiet(
    app: &mut App,
    mut g: u64,
    limit: usize,
    next: impl Fn(usize) -> TransactionPage,
) -> usize {
    for n in 0..limit {
        let effects = answer(app, g, false, next(n));
        match effects.as_slice() {
            [e] => g = search_of(e).0,
            [] => return n + 1,
            other => panic!("{other:?}"),
        }
    }
    limit
}

#[test]
fn a_server_that_repeats_its_page_is_not_paged_forever() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let now = app.clock;
    // The same full page again and again (the offset quirk read wrong by a server).
    let asked = page_until_quiet(&mut app, g, 100, |_| page((1000..2000).rev(), now, 1999));
    assert!(asked <= 2, "paged {asked} times over one repeated page");
    let t = timeline(&app);
    assert_eq!(t.entries.len(), 1000);
    assert!(!t.loading);
    assert!(t.repeated, "it says why it stopped");
    // Nor does the refresh tick start paging it again.
    let effects = app.update(Action::RefreshDue);
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::LoadTimeline { head: false, .. })),
        "{effects:?}"
    );
}

#[test]
fn a_server_that_adds_one_new_transaction_per_full_page_is_not_paged_for_long() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let now = app.clock;
    // 999 repeated plus one new, each page: never short, never 10,000 held.
    let asked = page_until_quiet(&mut app, g, 10_000, |n| {
        let mut p = page((1..1000).rev(), now, 2000);
        p.items.push(tx(100_000 + n, now - Duration::hours(2)));
        p
    });
    assert!(asked <= (2 * HELD) / PAGE as usize, "paged {asked} times");
    assert!(timeline(&app).repeated);
}

#[test]
fn a_transaction_from_the_future_does_not_stop_live_refresh() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let opened = app.clock;
    let mut p = page((0..5).rev(), opened, 4);
    p.items[0].0.created_at = Some(opened + Duration::days(3650));
    answer(&mut app, g, false, p);
    app.clock = opened + Duration::seconds(5);
    let effects = app.update(Action::RefreshDue);
    let head = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadTimeline { head: true, .. }))
        .expect("the tick asks what is new");
    let since = search_of(head).2.filter.start_time.expect("a start");
    assert!(
        since <= app.clock,
        "asks only for what is newer than {since}: nothing new would ever show"
    );
}

#[test]
fn a_huge_page_of_new_transactions_is_taken_in_linear_time() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let opened = app.clock;
    answer(&mut app, g, false, page((0..5).rev(), opened, 4));
    app.clock = opened + Duration::seconds(5);
    let effects = app.update(Action::RefreshDue);
    let (hg, ..) = search_of(
        effects
            .iter()
            .find(|e| matches!(e, Effect::LoadTimeline { head: true, .. }))
            .unwrap(),
    );
    // A server that ignores `limit`: 60,000 in one reply (under the reply-size cap).
    let big = page((10..60_010).rev(), app.clock, 60_009);
    let started = std::time::Instant::now();
    answer(&mut app, hg, true, big);
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_secs(3),
        "the reducer (the UI thread) was busy {took:?}"
    );
    assert!(timeline(&app).entries.len() <= HELD);
}

/// The generation of the refresh (`head`) question among `effects`.
fn head_of(effects: &[Effect]) -> u64 {
    let head = effects
        .iter()
        .find(|e| matches!(e, Effect::LoadTimeline { head: true, .. }))
        .expect("a refresh question");
    search_of(head).0
}

fn recheck_answer(app: &mut App, generation: u64, page: TransactionPage) {
    app.update(Action::TimelineRechecked {
        generation,
        result: Ok(page),
    });
}

/// The held transaction `id`.
fn held<'a>(app: &'a App, id: &str) -> &'a LedgerEntry {
    timeline(app)
        .entries
        .iter()
        .find(|e| e.tx.id == id)
        .unwrap_or_else(|| panic!("{id} is held"))
}

/// `secs` after `at` (the wall clock) and `t0` (the monotonic one), as time passes.
fn later(app: &mut App, at: DateTime<Utc>, t0: crate::moment::Moment, secs: u64) {
    app.clock = at + Duration::seconds(secs as i64);
    app.now = t0 + std::time::Duration::from_secs(secs);
}

fn recheck_of(effects: &[Effect]) -> Option<(u64, &TransactionSearch)> {
    effects.iter().find_map(|e| match e {
        Effect::RecheckTimeline { generation, search } => Some((*generation, search)),
        _ => None,
    })
}

/// `tx(i, at)` paid: what the API answers once the invoice of a pending top-up is paid.
fn paid(i: usize, at: DateTime<Utc>) -> (Transaction, serde_json::Value) {
    let (mut tx, _) = tx(i, at);
    tx.transaction_status = TransactionStatus::Completed;
    (
        tx,
        json!({ "id": format!("wtxn_{i:05}"), "transaction_status": "completed" }),
    )
}

fn usd(app: &App) -> totals::CurrencyTotal {
    timeline(app)
        .totals
        .currencies
        .iter()
        .find(|c| c.currency == "usd")
        .cloned()
        .expect("usd totals")
}

/// As noticed: a pending invoiced top-up that was paid read "pending" in the timeline (and was
/// summed as pending) until `r`, since live refresh only asked for what was newer. Each refresh
/// asks again for the span of the pending ones held, and a settled answer takes their place.
#[test]
fn a_pending_top_up_paid_later_turns_completed_on_the_next_refresh() {
    let (mut app, t0) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    // Ids 0..=12: 0, 5 and 10 are pending invoiced top-ups, 12 s, 7 s and 2 s old.
    answer(&mut app, g, false, page((0..13).rev(), at, 12));
    let pending_before = usd(&app).pending;
    // 0 is a debit (pending credits only are summed apart).
    assert_eq!(pending_before, Decimal::from(51 + 101));
    let credited_before = usd(&app).credited;
    code(&mut app, KeyCode::Down);
    let selected = timeline(&app).selected_entry().unwrap().tx.id.clone();

    later(&mut app, at, t0, 5);
    let effects = app.update(Action::RefreshDue);
    let (rg, s) = recheck_of(&effects).expect("the tick asks for the pending ones again");
    assert_eq!(s.wallet_id, None);
    assert_eq!(
        s.filter.start_time,
        Some(at - Duration::seconds(12)),
        "the oldest pending"
    );
    assert_eq!(
        s.filter.end_time,
        Some(at - Duration::seconds(2)),
        "the newest pending"
    );
    assert_eq!(
        s.filter.transaction_reason,
        Some(TransactionReason::PurchasedCreditInvoiced),
        "their one reason"
    );
    let s = s.clone();

    // Asked while one is on its way: not asked twice.
    later(&mut app, at, t0, 10);
    assert!(recheck_of(&app.update(Action::RefreshDue)).is_none());

    // Top-up 5 was paid; 0 and 10 still wait (and an id not held is left alone).
    let mut answer_page = TransactionPage::default();
    answer_page.items.push(tx(10, at - Duration::seconds(2)));
    answer_page.items.push(paid(5, at - Duration::seconds(7)));
    answer_page.items.push(paid(777, at - Duration::seconds(8)));
    answer_page.items.push(tx(0, at - Duration::seconds(12)));
    assert_eq!(s.filter.limit, Some(PAGE));
    recheck_answer(&mut app, rg, answer_page);
    let t = timeline(&app);
    let five = held(&app, "wtxn_00005");
    assert_eq!(five.tx.transaction_status, TransactionStatus::Completed);
    assert_eq!(five.raw["transaction_status"], "completed", "its JSON (J) too");
    assert_eq!(t.entries.len(), 13, "nothing added");
    assert_eq!(usd(&app).pending, pending_before - Decimal::from(51));
    assert_eq!(usd(&app).credited, credited_before + Decimal::from(51));
    assert_eq!(timeline(&app).selected_entry().unwrap().tx.id, selected);

    // Not asked again within 15 s of an answer, however fast the refresh.
    later(&mut app, at, t0, 19);
    assert!(recheck_of(&app.update(Action::RefreshDue)).is_none());
    // A late answer saying "pending" never takes a settled one's place.
    later(&mut app, at, t0, 26);
    let effects = app.update(Action::RefreshDue);
    let (rg, s) = recheck_of(&effects).expect("0 and 10 still wait");
    assert_eq!(s.filter.start_time, Some(at - Duration::seconds(12)));
    let mut late = TransactionPage::default();
    late.items.push(tx(5, at - Duration::seconds(7)));
    recheck_answer(&mut app, rg, late);
    let five = held(&app, "wtxn_00005");
    assert_eq!(five.tx.transaction_status, TransactionStatus::Completed);
}

#[test]
fn the_refresh_overlap_replaces_the_held_copy() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((0..11).rev(), at, 10));
    let effects = app.update(Action::RefreshDue);
    let hg = head_of(&effects);
    let mut p = TransactionPage::default();
    p.items.push(paid(10, at));
    // A copy that says it was created at another time (a broken server) is not taken: it
    // would move out of its place in the order.
    p.items.push(paid(5, at - Duration::hours(3)));
    answer(&mut app, hg, true, p);
    let t = timeline(&app);
    assert_eq!(t.entries.len(), 11);
    assert_eq!(t.arrived, 0, "not counted as new");
    assert_eq!(t.entries[0].tx.transaction_status, TransactionStatus::Completed);
    assert_eq!(t.entries[5].tx.id, "wtxn_00005");
    assert_eq!(t.entries[5].tx.transaction_status, TransactionStatus::Pending);
}

#[test]
fn a_recheck_answer_after_a_restart_or_a_failure_changes_nothing_it_should_not() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((0..6).rev(), at, 5));
    let effects = app.update(Action::RefreshDue);
    let (rg, _) = recheck_of(&effects).unwrap();
    let hg = head_of(&effects);
    answer(&mut app, hg, true, TransactionPage::default());
    // A failure: stale, logged, what is shown kept.
    app.update(Action::TimelineRechecked {
        generation: rg,
        result: Err(flexprice_wire::ApiError::Timeout {
            host: "h".into(),
            secs: 20,
        }),
    });
    assert!(timeline(&app).is_stale());
    assert!(timeline(&app).stale().unwrap().0.contains("20"), "says why");
    // A good refresh does not hide that the statuses may be stale.
    let effects = app.update(Action::RefreshDue);
    assert!(recheck_of(&effects).is_none(), "not asked again at every tick");
    let hg = head_of(&effects);
    answer(&mut app, hg, true, TransactionPage::default());
    assert!(timeline(&app).is_stale());
    // ... but that answer means the API is back: the recheck goes at the next tick, not 15 s on.
    let effects = app.update(Action::RefreshDue);
    let (rg, _) = recheck_of(&effects).expect("asked again once the API answers");
    // `r` starts over: the answer to the question before is dropped.
    let effects = key(&mut app, 'r');
    let (g, ..) = search_of(
        effects
            .iter()
            .find(|e| matches!(e, Effect::LoadTimeline { .. }))
            .unwrap(),
    );
    answer(&mut app, g, false, page((0..6).rev(), at, 5));
    let mut p = TransactionPage::default();
    p.items.push(paid(5, at));
    recheck_answer(&mut app, rg, p);
    let five = held(&app, "wtxn_00005");
    assert_eq!(five.tx.transaction_status, TransactionStatus::Pending);
}

/// From the attack pass: a pending top-up under more than a page of others in its span (a
/// thousand invoiced top-ups on another wallet since) was never in the recheck's one page, and
/// read pending until `r`. A full page makes the next tick ask on from its oldest.
#[test]
fn a_pending_top_up_under_a_full_page_of_others_is_reached() {
    let (mut app, t0) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    // 0 (pending, a debit: 0 % 4) is the oldest; 5 and 10 pending too.
    answer(&mut app, g, false, page((0..11).rev(), at, 10));
    let effects = app.update(Action::RefreshDue);
    let (rg, s) = recheck_of(&effects).unwrap();
    let first_end = s.filter.end_time.unwrap();
    // A full page, none of ours in it, its oldest 2 s after the newest pending... (others).
    let oldest_of_page = at - Duration::seconds(3);
    let mut full = TransactionPage::default();
    for i in 0..PAGE as usize {
        let (mut tx, raw) = tx(100_000 + i, oldest_of_page);
        tx.id = format!("wtxn_other_{i}");
        full.items.push((tx, raw));
    }
    recheck_answer(&mut app, rg, full);
    // The next tick, within 15 s, asks on from there.
    let effects = app.update(Action::RefreshDue);
    let (rg, s) = recheck_of(&effects).expect("the walk goes on at the next tick");
    assert_eq!(s.filter.end_time, Some(oldest_of_page));
    assert!(s.filter.end_time.unwrap() < first_end);
    assert_eq!(
        s.filter.start_time,
        Some(at - Duration::seconds(10)),
        "down to the oldest pending"
    );
    let mut rest = TransactionPage::default();
    rest.items.push(paid(0, at - Duration::seconds(10)));
    recheck_answer(&mut app, rg, rest);
    let zero = held(&app, "wtxn_00000");
    assert_eq!(zero.tx.transaction_status, TransactionStatus::Completed);
    // The walk ended: the next question waits its 15 s.
    assert!(recheck_of(&app.update(Action::RefreshDue)).is_none());

    // A full page all at the end's instant cannot move the end: the walk stops there.
    later(&mut app, at, t0, 20);
    let effects = app.update(Action::RefreshDue);
    let (rg, s) = recheck_of(&effects).unwrap();
    let end = s.filter.end_time.unwrap();
    let mut stuck = TransactionPage::default();
    for i in 0..PAGE as usize {
        let (mut tx, raw) = tx(200_000 + i, end);
        tx.id = format!("wtxn_same_{i}");
        stuck.items.push((tx, raw));
    }
    recheck_answer(&mut app, rg, stuck);
    assert!(
        recheck_of(&app.update(Action::RefreshDue)).is_none(),
        "not asked forever"
    );
}

/// From the attack pass: the refresh and the recheck go out on the same tick; a refresh answer
/// read before the invoice was paid, arriving after the recheck's, turned the row back to
/// pending. And a new timeline's questions are numbered apart from the one it replaced.
#[test]
fn a_late_pending_copy_never_turns_a_paid_top_up_back_and_timelines_never_share_numbers() {
    let (mut app, _) = loaded(3);
    let g = open(&mut app);
    let at = app.clock;
    answer(&mut app, g, false, page((0..11).rev(), at, 10));
    let effects = app.update(Action::RefreshDue);
    let (rg, _) = recheck_of(&effects).unwrap();
    let hg = head_of(&effects);
    let mut p = TransactionPage::default();
    p.items.push(paid(10, at));
    recheck_answer(&mut app, rg, p);
    let mut late = TransactionPage::default();
    late.items.push(tx(10, at));
    answer(&mut app, hg, true, late);
    assert_eq!(
        timeline(&app).entries[0].tx.transaction_status,
        TransactionStatus::Completed
    );

    // `:timeline 24h` over it: none of the new one's numbers is one of the old one's.
    let old = timeline(&app);
    let old_numbers = [old.generation, old.head_generation, old.recheck_generation];
    app.overlays.close(OverlayKind::Timeline);
    open(&mut app);
    let new = timeline(&app);
    assert!(
        !old_numbers.contains(&new.generation),
        "{old_numbers:?} vs {}",
        new.generation
    );
}
