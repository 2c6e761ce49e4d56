//! The message log through the real binary at 80x24 (issue 23): an invoiced top-up's flash is
//! too long for the line, and its invoice id is read whole in the log (`M`), in the ledger's
//! transaction detail and in the audit log.

use std::time::Duration;

use crate::pty::Console;

const WAIT: Duration = Duration::from_secs(30);

/// `inv_` and a ULID (26 characters): the whole id, not a cut one.
fn invoice_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .find(|w| w.starts_with("inv_") && w.len() == 4 + 26)
        .map(str::to_string)
}

/// The screen's words, the frames and wrapping taken out: an id wrapped to the next row of a
/// log entry reads whole (the log wraps at spaces, and an id has none).
fn words(screen: &str) -> String {
    screen
        .replace(['│', '┌', '┐', '└', '┘', '─'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_invoice_of_a_pending_top_up_is_read_whole_in_the_message_log_at_80x24() {
    let mut c = Console::start(&["--demo", "--burn", "0"], 80, 24);
    c.wait_for("the list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
    c.send("t");
    c.wait_for_text("Top up ·", WAIT);
    c.type_keys("25");
    c.send("\t");
    c.wait_for_text("▶ Reason", WAIT);
    // PURCHASED_CREDIT_DIRECT → PURCHASED_CREDIT_INVOICED: each creates an invoice and stays
    // pending until it is paid.
    c.send("\x1b[C");
    c.wait_for_text("PURCHASED_CREDIT_INVOICED", WAIT);
    c.send("\r");
    c.wait_for_text("Confirm", WAIT);
    c.send("\r");
    let flash = c.wait_for("the top-up's flash", WAIT, |s| {
        s.contains("pending until invoice")
    });
    let line = flash
        .lines()
        .find(|l| l.contains("pending until invoice"))
        .unwrap_or_default()
        .to_string();
    // At 80 columns the flash is cut, and says where it is whole.
    assert!(
        invoice_in(&line).is_none(),
        "the flash holds it whole after all: {line}"
    );
    assert!(line.contains("(M: read all)"), "{line}");

    c.send("M");
    let log = c.wait_for_text(" Messages (", WAIT);
    let invoice =
        invoice_in(&words(&log)).unwrap_or_else(|| panic!("no whole invoice id in the message log:\n{log}"));
    assert!(
        words(&log).contains(&format!("pending until invoice {invoice} is paid")),
        "{log}"
    );
    c.send("\x1b");
    c.wait_for("the log closed", WAIT, |s| !s.contains(" Messages ("));

    // The ledger's transaction detail names the invoice too (newest first: the top-up).
    c.send("L");
    c.wait_for("the ledger with the pending top-up", WAIT, |s| {
        s.contains("Ledger · ")
            && s.lines()
                .skip_while(|l| !l.contains("Time (UTC)"))
                .nth(1)
                .is_some_and(|l| l.contains("pending"))
    });
    c.send("\r");
    let detail = c.wait_for_text(" Transaction (", WAIT);
    assert!(
        detail
            .lines()
            .any(|l| l.contains("invoice") && l.contains(&invoice)),
        "{invoice} not in the transaction's detail:\n{detail}"
    );

    // And the audit log's line for the top-up.
    let audit = std::fs::read_to_string(c.state_path().join("audit.jsonl")).expect("audit log");
    let outcome = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no outcome line:\n{audit}"));
    assert_eq!(outcome["invoice_id"], invoice.as_str(), "{outcome}");
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}
