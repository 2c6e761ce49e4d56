//! A wallet's life through the real binary (issue 24): create (`C`), manual debit (`D`) and
//! terminate (`X`) in a pseudo-terminal at 80x24 on a `flexwallet sandbox --demo-data` child.
//! Each round-trips through the API (the test reads the sandbox), writes its audit lines
//! (sending, then the outcome), and is refused in read-only mode with nothing sent.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::pty::Console;
use crate::pty_audit::{ENV, KEY};
use crate::sandbox_child::Sandbox;

const WAIT: Duration = Duration::from_secs(30);

fn console(sb: &Sandbox, extra: &[&str]) -> Console {
    let mut args = vec!["--api-url", &sb.url, "--environment-id", ENV, "--refresh", "0"];
    args.extend_from_slice(extra);
    let c = Console::start_with_env(&args, 80, 24, &[("FLEXPRICE_API_KEY", KEY)]);
    c.wait_for("the wallet list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
    c
}

/// The audit lines of `action`, parsed.
fn audit_lines(state: &Path, action: &str) -> Vec<Value> {
    crate::pty::read_or_empty(&state.join("audit.jsonl"))
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("an audit line is JSON"))
        .filter(|v| v["action"] == action)
        .collect()
}

/// The two lines of one write: `sending` first, then `ok`, for `wallet`.
fn assert_sent_then_ok(lines: &[Value], wallet: &str, what: &str) {
    let outcomes: Vec<&str> = lines.iter().filter_map(|l| l["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["sending", "ok"], "{what}: {lines:#?}");
    assert_eq!(lines[1]["wallet_id"], wallet, "{what}: {lines:#?}");
}

#[test]
fn create_debit_and_terminate_round_trip_through_the_api_with_their_audit_lines() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console(&sb, &[]);
    let state = c.state_path();
    let before: Vec<String> = sb
        .all_wallets()
        .iter()
        .map(|w| w["id"].as_str().expect("id").to_string())
        .collect();

    // Create: the selected wallet's customer is offered; a currency nobody has, 100 initial
    // credits (Currency, then six Tabs to Initial credits).
    c.send("C");
    c.wait_for_text("New wallet", WAIT);
    c.send("\t");
    c.type_keys("XTS");
    for _ in 0..6 {
        c.send("\t");
    }
    c.type_keys("100");
    c.send("\r");
    let s = c.wait_for_text("Confirm", WAIT);
    assert!(s.contains("New PRE_PAID wallet in XTS for"), "{s}");
    c.send("\r");
    let s = c.wait_for_text("Created ", WAIT);
    let new: Vec<Value> = sb
        .all_wallets()
        .into_iter()
        .filter(|w| !before.iter().any(|id| w["id"] == id.as_str()))
        .collect();
    assert_eq!(new.len(), 1, "one wallet more: {new:#?}");
    let id = new[0]["id"].as_str().expect("id").to_string();
    assert!(s.contains(&id[..20]), "the flash names the new wallet:\n{s}");
    assert_eq!(new[0]["currency"], "xts");
    assert_eq!(new[0]["credit_balance"], "100");
    assert_eq!(new[0]["wallet_status"], "active");
    let lines = audit_lines(&state, "create_wallet");
    assert_sent_then_ok(&lines, &id, "create");
    assert_eq!(lines[0]["request"]["currency"], "xts");
    assert_eq!(lines[0]["request"]["initial_credits_to_load"], "100");

    // Debit 30 of them, correcting a transaction (the new wallet is the selected one).
    c.send("D");
    c.wait_for_text("Manual debit", WAIT);
    c.type_keys("30");
    c.send("\t");
    c.type_keys("wtxn_mistake");
    c.send("\r");
    let s = c.wait_for_text("Confirm", WAIT);
    assert!(s.contains("credits 100.00 → 70.00"), "the balance after:\n{s}");
    c.send("\r");
    c.wait_for_text("Debited 30.00 credits", WAIT);
    assert_eq!(sb.wallet(&id)["credit_balance"], "70");
    let debit = sb
        .wallet_transactions(&id)
        .into_iter()
        .find(|t| t["transaction_reason"] == "MANUAL_BALANCE_DEBIT")
        .expect("the debit in the ledger");
    assert_eq!(debit["credit_amount"], "30");
    assert_eq!(debit["metadata"]["corrects"], "wtxn_mistake");
    let lines = audit_lines(&state, "debit");
    assert_sent_then_ok(&lines, &id, "debit");
    assert_eq!(lines[0]["request"]["idempotency_key"], debit["idempotency_key"]);

    // Terminate: a wrong name is refused; the id goes ahead.
    c.send("X");
    let s = c.wait_for_text("Type ", WAIT);
    assert!(s.contains("debits the remaining 70.00 credits"), "{s}");
    c.type_keys("nope");
    c.send("\r");
    c.wait_for_text("that is not", WAIT);
    assert_eq!(
        sb.wallet(&id)["wallet_status"],
        "active",
        "a wrong name terminated it"
    );
    for _ in 0..4 {
        c.send("\x7f");
    }
    c.type_keys(&id);
    c.send("\r");
    c.wait_for_text("Terminated ", WAIT);
    let w = sb.wallet(&id);
    assert_eq!(w["wallet_status"], "closed");
    assert_eq!(w["credit_balance"], "0");
    let ended = sb
        .wallet_transactions(&id)
        .into_iter()
        .find(|t| t["transaction_reason"] == "WALLET_TERMINATION")
        .expect("the termination's debit");
    assert_eq!(ended["credit_amount"], "70");
    assert_sent_then_ok(&audit_lines(&state, "terminate_wallet"), &id, "terminate");

    // Again: closed, said so, nothing sent.
    c.send("X");
    c.wait_for_text("Already terminated", WAIT);
    assert_eq!(audit_lines(&state, "terminate_wallet").len(), 2);
    c.send("q");
    assert_eq!(c.wait_exit(Duration::from_secs(10)), 0);
}

#[test]
fn read_only_refuses_create_debit_and_terminate_and_sends_nothing() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console(&sb, &["--read-only"]);
    let (wallets, txs) = (sb.all_wallets().len(), sb.transactions());
    for (key, form) in [
        ("C", "New wallet"),
        ("D", "Manual debit"),
        ("X", "Terminate wallet"),
    ] {
        c.send(key);
        std::thread::sleep(Duration::from_millis(300));
        let s = c.screen();
        assert!(!s.contains(form), "{key} opened {form}:\n{s}");
    }
    // Each key was answered with the refusal: the message log counts it three times.
    c.send("M");
    c.wait_for_text("read-only mode: changes are disabled (×3", WAIT);
    c.send("M");
    // A refused key has nothing to wait for: give a request that might be sent time to land.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sb.all_wallets().len(), wallets);
    assert_eq!(sb.transactions(), txs);
    assert_eq!(crate::pty::read_or_empty(&c.state_path().join("audit.jsonl")), "");
    c.send("q");
    assert_eq!(c.wait_exit(Duration::from_secs(10)), 0);
}
