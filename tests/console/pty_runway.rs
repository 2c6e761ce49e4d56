//! The runway on the real binary against a demo sandbox: `runway<24h` shows exactly the
//! wallets that the test works out itself from the API's transactions of the last 24 hours.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use crate::pty::Console;
use crate::pty_truth::{ENV, KEY, Sandbox, WAIT, console_on};

fn dec(v: &serde_json::Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or("0")).unwrap_or_default()
}

fn debit(sb: &Sandbox, wallet: &str, credits: Decimal, key: &str) {
    sb.ok(
        "POST",
        &format!("/v1/wallets/{wallet}/debit"),
        Some(json!({
            "credits": credits.round_dp(2).to_string(),
            "transaction_reason": "MANUAL_BALANCE_DEBIT",
            "idempotency_key": key,
            "description": "runway test usage",
        })),
    );
}

/// The active wallets whose credits run out within 24 hours at their debits of the last 24
/// hours, worked out here from `POST /wallets/transactions/search` (offset pages) and the
/// wallet list, as an operator would by hand.
fn expected(sb: &Sandbox) -> BTreeSet<String> {
    let end = Utc::now();
    let start = end - chrono::TimeDelta::hours(24);
    let mut debited: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut offset = 0;
    loop {
        let page = sb.ok(
            "POST",
            "/v1/wallets/transactions/search",
            Some(json!({
                "limit": 1000,
                "offset": offset,
                "order": "asc",
                "start_time": start.to_rfc3339(),
                "end_time": end.to_rfc3339(),
            })),
        );
        let items = page["items"].as_array().expect("items").clone();
        for t in &items {
            if t["type"] == "debit"
                && t["transaction_status"] == "completed"
                && t["transaction_reason"] != "WALLET_TERMINATION"
            {
                *debited
                    .entry(t["wallet_id"].as_str().expect("wallet_id").to_string())
                    .or_default() += dec(&t["credit_amount"]);
            }
        }
        if items.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    sb.all_wallets()
        .into_iter()
        .filter(|w| w["wallet_status"] == "active")
        .filter_map(|w| {
            let id = w["id"].as_str()?.to_string();
            let spent = *debited.get(&id)?;
            let created: DateTime<Utc> = w["created_at"].as_str()?.parse().ok()?;
            let hours = Decimal::from((end - created.max(start)).num_seconds()) / Decimal::from(3600);
            let per_hour = spent / hours;
            let credits = dec(&w["credit_balance"]);
            (credits / per_hour < Decimal::from(24)).then_some(id)
        })
        .collect()
}

fn wallet_ids(screen: &str) -> BTreeSet<String> {
    screen
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| w.starts_with("wallet_") && w.len() == "wallet_".len() + 26)
        .map(str::to_string)
        .collect()
}

#[test]
fn runway_under_24h_shows_exactly_the_wallets_the_ledger_says() {
    let sb = Sandbox::demo(KEY, ENV);
    // Usage on a dozen prepaid wallets: a big debit leaves some with less than a day of it,
    // a small one leaves others with days (either side of 24 h by a wide margin).
    let mut wallets: Vec<(String, Decimal)> = sb
        .all_wallets()
        .into_iter()
        .filter(|w| w["wallet_status"] == "active" && w["wallet_type"] == "PRE_PAID")
        .filter_map(|w| Some((w["id"].as_str()?.to_string(), dec(&w["credit_balance"]))))
        .filter(|(_, c)| *c >= Decimal::from(20))
        .collect();
    wallets.truncate(12);
    assert!(wallets.len() >= 8, "{wallets:?}");
    for (i, (id, credits)) in wallets.iter().enumerate() {
        let share = if i % 2 == 0 { "0.6" } else { "0.1" };
        debit(
            &sb,
            id,
            *credits * Decimal::from_str(share).unwrap(),
            &format!("runway-test-{i}"),
        );
    }
    let want = expected(&sb);
    assert!(want.len() >= 4, "the big debits run out within a day: {want:?}");

    let mut c: Console = console_on(&sb, 0, 200, 50);
    c.wait_for("the runway's figures", WAIT, |s| {
        s.contains("runway ") && s.contains(" ago")
    });
    // The ids column set: every wallet id whole.
    for _ in 0..3 {
        c.send("c");
    }
    c.wait_for("the ids columns", WAIT, |s| s.contains("Wallet ID"));
    c.send("/");
    c.wait_for_text("Filter (Enter applies", WAIT);
    c.type_keys("runway<24h");
    c.send("\r");
    let s = c.wait_for("the runway filter", WAIT, |s| {
        s.contains("· /runway<24h") && s.contains(&format!("Wallets {}/", want.len()))
    });
    assert_eq!(wallet_ids(&s), want, "{s}");
    c.send("q");
    c.wait_exit(WAIT);
}
