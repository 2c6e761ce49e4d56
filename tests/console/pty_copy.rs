//! `y` and `Y` on the real binary: the raw output carries an OSC 52 sequence with the id.

use std::time::Duration;

use base64::Engine;

use crate::pty::Console;

const LOAD: Duration = Duration::from_secs(30);

fn osc52(text: &str) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{b64}\x07").into_bytes()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The value printed after `label` in the detail pane (the line below it when it wraps).
fn detail_value(screen: &str, label: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&format!("│  {label} ")) || l.trim_end().ends_with(&format!("│  {label}")))
        .unwrap_or_else(|| panic!("no {label} in\n{screen}"));
    let pane = |l: &str| {
        l.rsplit("││")
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| c == '│' || c.is_whitespace())
            .to_string()
    };
    let same = pane(lines[at]).trim_start_matches(label).trim().to_string();
    if same.is_empty() {
        pane(lines[at + 1])
    } else {
        same
    }
}

#[test]
fn y_and_shift_y_copy_wallet_and_customer_ids_through_osc52() {
    let mut c = Console::start(&["--demo", "--burn", "0", "--refresh", "0"], 120, 40);
    let s = c.wait_for("the detail pane", LOAD, |s| {
        s.contains("Wallets ") && s.contains("customer")
    });
    let wallet_id = detail_value(&s, "id");
    let customer_id = detail_value(&s, "customer id");
    assert!(
        wallet_id.starts_with("wallet_") || wallet_id.starts_with("wal"),
        "{wallet_id}\n{s}"
    );
    assert!(customer_id.starts_with("cus"), "{customer_id}\n{s}");
    assert!(!contains(&c.raw(), b"\x1b]52;"), "nothing copied yet");
    c.send("y");
    c.wait_for_text("to the clipboard", LOAD);
    assert!(
        contains(&c.raw(), &osc52(&wallet_id)),
        "no OSC 52 with {wallet_id}"
    );
    c.send("Y");
    c.wait_for_text(&format!("Copied customer {customer_id}"), LOAD);
    assert!(
        contains(&c.raw(), &osc52(&customer_id)),
        "no OSC 52 with {customer_id}"
    );
    c.send("q");
    c.wait_exit(LOAD);
}
