//! The incident timeline (`T`, `:timeline`) on the real binary against a demo sandbox: new
//! transactions appear at its top within one refresh, its totals are the API's, and a failing
//! API shows as stale, never as a quiet empty list.

use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::pty::Console;
use crate::pty_truth::{ENV, KEY, Sandbox, WAIT, console_on, dec, grouped};

/// The timeline's rows under its header (the frame and the strip left out).
fn timeline_rows(c: &Console) -> Vec<String> {
    let rows = c.rows();
    let Some(header) = rows
        .iter()
        .position(|r| r.contains("Time (UTC)") && r.contains("Customer"))
    else {
        return Vec::new();
    };
    rows[header + 1..]
        .iter()
        .take_while(|r| !r.contains('Σ') && !r.starts_with('└'))
        .filter(|r| r.chars().any(|ch| ch.is_ascii_digit()))
        .cloned()
        .collect()
}

/// Active wallets of a currency, by id.
fn wallets_in(sb: &Sandbox, currency: &str) -> Vec<String> {
    sb.all_wallets()
        .into_iter()
        .filter(|w| w["currency"] == currency && w["wallet_status"] == "active")
        .map(|w| w["id"].as_str().expect("id").to_string())
        .collect()
}

fn top_up(sb: &Sandbox, wallet: &str, credits: &str, key: &str) -> Value {
    sb.ok(
        "POST",
        &format!("/v1/wallets/{wallet}/top-up"),
        Some(json!({
            "credits_to_add": credits,
            "transaction_reason": "PURCHASED_CREDIT_DIRECT",
            "idempotency_key": key,
        })),
    )
}

fn open_timeline(c: &mut Console, window: &str) -> String {
    if window.is_empty() {
        c.send("T");
    } else {
        c.send(":");
        c.wait_for_text("Command", WAIT);
        c.type_keys(&format!("timeline {window}"));
        c.send("\r");
    }
    c.wait_for("the timeline, loaded", WAIT, |s| {
        s.contains(" Timeline ") && (s.contains("Time (UTC)") || s.contains("No transactions"))
    })
}

#[test]
fn a_top_up_made_elsewhere_appears_at_the_top_within_one_refresh() {
    let sb = Sandbox::demo(KEY, ENV);
    let refresh = 2;
    let mut c = console_on(&sb, refresh, 80, 24);
    let usd = wallets_in(&sb, "usd");
    let key = format!("timeline-live-{}", std::process::id());
    top_up(&sb, &usd[0], "11", &format!("{key}-first"));
    open_timeline(&mut c, "");
    c.wait_for("the first top-up", WAIT, |_| {
        timeline_rows(&c).first().is_some_and(|r| r.contains("11.00"))
    });
    let sent = Instant::now();
    top_up(&sb, &usd[1], "4321.5", &key);
    let s = c.wait_for("the new top-up at the top", WAIT, |_| {
        timeline_rows(&c).first().is_some_and(|r| r.contains("4,321.50"))
    });
    let took = sent.elapsed();
    assert!(
        took <= Duration::from_secs(refresh + 3),
        "within one refresh ({refresh}s) and a little: took {took:?}\n{s}"
    );
    let rows = timeline_rows(&c);
    assert!(rows[1].contains("11.00"), "the older one under it: {rows:?}");
    assert!(s.contains("2 transactions"), "{s}");
    assert!(s.contains("live"), "says it is live: {s}");
}

#[test]
fn timeline_totals_are_the_sums_of_the_api() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 2, 80, 24);
    let usd = wallets_in(&sb, "usd");
    let tag = std::process::id();
    top_up(&sb, &usd[0], "100", &format!("tl-sum-a-{tag}"));
    top_up(&sb, &usd[1], "250.5", &format!("tl-sum-b-{tag}"));
    top_up(&sb, &usd[2], "19.25", &format!("tl-sum-c-{tag}"));
    sb.ok(
        "POST",
        &format!("/v1/wallets/{}/debit", usd[0]),
        Some(json!({
            "credits": "30",
            "transaction_reason": "MANUAL_BALANCE_DEBIT",
            "idempotency_key": format!("tl-sum-d-{tag}"),
        })),
    );
    open_timeline(&mut c, "1h");
    // The sums, from the API: completed credits in, completed debits out, per currency.
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let page = sb.ok(
        "POST",
        "/v1/wallets/transactions/search",
        Some(json!({ "start_time": since, "limit": 1000 })),
    );
    let (mut credited, mut debited) = (Decimal::ZERO, Decimal::ZERO);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 4, "what the test made: {page}");
    for t in items {
        assert_eq!(t["currency"], "usd");
        if t["transaction_status"] != "completed" {
            continue;
        }
        match t["type"].as_str() {
            Some("credit") => credited += dec(&t["amount"]),
            Some("debit") => debited += dec(&t["amount"]),
            other => panic!("type {other:?}"),
        }
    }
    let net = credited - debited;
    assert!(net > Decimal::from_str("0").expect("0"));
    let want = format!(
        "USD net +{} (in +{} out -{})",
        grouped(net),
        grouped(credited),
        grouped(debited)
    );
    let s = c
        .wait_for("the totals strip", WAIT, |s| s.contains(&want))
        .to_string();
    assert!(s.contains("4 transactions"), "{s}");
    assert!(s.contains("last 1h"), "{s}");
    // Per reason: the three purchases and the debit.
    assert!(
        s.contains(&format!("purchased credit direct ×3 +{}", grouped(credited))),
        "{s}"
    );
}

#[test]
fn a_failing_api_shows_the_timeline_stale_at_80x24() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 2, 80, 24);
    let usd = wallets_in(&sb, "usd");
    top_up(&sb, &usd[0], "77", &format!("tl-stale-{}", std::process::id()));
    open_timeline(&mut c, "");
    c.wait_for("the top-up", WAIT, |_| {
        timeline_rows(&c).first().is_some_and(|r| r.contains("77.00"))
    });
    sb.faults(json!({"fail_rate": 1.0}));
    let s = c.wait_for("the timeline marked stale", WAIT, |s| s.contains("STALE"));
    // What was held stays, marked, never a quiet empty list.
    assert!(
        timeline_rows(&c).first().is_some_and(|r| r.contains("77.00")),
        "{s}"
    );
    assert!(s.contains("failing for"), "{s}");
    sb.faults(json!({"fail_rate": 0.0}));
    c.wait_for("fresh again", WAIT, |s| {
        !s.contains("STALE") && s.contains("live")
    });
    // A timeline opened while the API fails says so too.
    sb.faults(json!({"fail_rate": 1.0}));
    c.send("r");
    let s = c.wait_for("the reload failing", WAIT, |s| s.contains("STALE"));
    assert!(
        s.contains("Loading the timeline failed") || s.contains("STALE"),
        "{s}"
    );
}

/// As noticed: an invoiced top-up paid while the timeline was open still read "pending" until
/// `r` (live refresh only asked for what was newer than the newest held). Now the row turns
/// completed, and leaves the pending total, within a refresh or two.
#[test]
fn a_pending_top_up_paid_while_open_turns_completed_without_r() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 2, 120, 30);
    let usd = wallets_in(&sb, "usd");
    let reply = sb.ok(
        "POST",
        &format!("/v1/wallets/{}/top-up", usd[0]),
        Some(json!({
            "credits_to_add": "777",
            "transaction_reason": "PURCHASED_CREDIT_INVOICED",
            "idempotency_key": format!("tl-pending-{}", std::process::id()),
        })),
    );
    let invoice = reply["invoice_id"]
        .as_str()
        .expect("an invoiced top-up's invoice")
        .to_string();
    // Something newer by more than the refresh's overlap (15 s), so that only asking for the
    // pending ones again can see it paid.
    std::thread::sleep(Duration::from_secs(16));
    top_up(
        &sb,
        &usd[1],
        "5",
        &format!("tl-pending-later-{}", std::process::id()),
    );
    open_timeline(&mut c, "");
    c.wait_for("the invoiced top-up, pending", WAIT, |_| {
        timeline_rows(&c)
            .iter()
            .any(|r| r.contains("777.00") && r.contains("pending"))
    });
    let (status, body) = sb.call("POST", &format!("/_sandbox/invoices/{invoice}/pay"), None);
    assert_eq!(status, 200, "{body}");
    c.wait_for("the paid top-up, completed", WAIT, |_| {
        timeline_rows(&c)
            .iter()
            .any(|r| r.contains("777.00") && r.contains("completed"))
    });
}
