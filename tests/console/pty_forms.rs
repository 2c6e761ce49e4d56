//! The forms through the real binary on `--demo` (burn off): a top-up lands exactly, and an
//! update followed by a top-up re-evaluates the alert state as Flexprice does.

use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::pty::Console;

const WAIT: Duration = Duration::from_secs(30);
const CTRL_U: &str = "\x15";

fn inner(l: &str) -> String {
    l.trim_start_matches(|c: char| c == '│' || c.is_whitespace())
        .trim_end_matches(['│', ' '])
        .to_string()
}

/// The number after `label` on the detail screen (`balance  2,400.00 USD` → 2400.00).
fn number(screen: &str, label: &str) -> Decimal {
    let line = screen
        .lines()
        .map(inner)
        .find(|l| l.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no {label:?} line in\n{screen}"));
    let text = line[label.len()..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .replace(',', "");
    Decimal::from_str(&text).unwrap_or_else(|e| panic!("{label}: {text:?}: {e}\n{screen}"))
}

fn open_detail_of(c: &mut Console, name: &str) -> String {
    c.wait_for("the list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
    for _ in 0..150 {
        c.send("\r");
        let s = c.wait_for("the detail", WAIT, |s| s.contains("── Balances"));
        if s.lines().nth(2).is_some_and(|l| l.contains(name)) {
            return c.wait_for("the breakdown", WAIT, |s| s.contains("purchased █"));
        }
        back_to_list(c);
        c.send("j");
    }
    panic!("never found {name}");
}

fn back_to_list(c: &mut Console) {
    c.send("\x1b");
    c.wait_for("the list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
}

#[test]
fn top_up_25_purchased_credits_lands_exactly() {
    let mut c = Console::start(&["--demo", "--burn", "0", "--refresh", "1"], 80, 24);
    let name = "Initech – AI tokens";
    let before = open_detail_of(&mut c, name);
    let (balance, purchased) = (number(&before, "balance"), number(&before, "purchased"));
    back_to_list(&mut c);

    c.send("t");
    let form = c.wait_for_text("Top up ·", WAIT);
    // The form's header: "1 credit = 0.02 USD · top-up rate …".
    let rate_line = form
        .lines()
        .find(|l| l.contains("1 credit = "))
        .expect("rate line");
    let rate = rate_line
        .split("1 credit = ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("x");
    let rate = Decimal::from_str(&rate.replace(',', "")).expect("conversion rate");
    c.type_keys("25");
    c.wait_for_text("PURCHASED_CREDIT_DIRECT", WAIT);
    c.send("\r");
    c.wait_for_text("Confirm", WAIT);
    c.send("\r");
    let flash = c.wait_for("the top-up result", WAIT, |s| s.contains("applied ·"));
    let tx = flash
        .split_whitespace()
        .find(|w| w.starts_with("wtxn_"))
        .unwrap_or_else(|| panic!("no transaction id in\n{flash}"))
        .to_string();

    c.send("\r");
    let expected_balance = balance + Decimal::from(25) * rate;
    let after = c.wait_for("the new balance", WAIT, |s| {
        s.contains("── Balances")
            && s.lines().map(inner).any(|l| l.starts_with("balance "))
            && number(s, "balance") == expected_balance
    });
    assert_eq!(
        number(&after, "purchased"),
        purchased + Decimal::from(25),
        "{after}"
    );

    // The ledger has it, newest first: purchased, +25 credits; Enter shows its id.
    c.send("L");
    c.wait_for("the ledger with the top-up", WAIT, |s| {
        s.contains("Ledger · ")
            && s.lines()
                .skip_while(|l| !l.contains("Time (UTC)"))
                .nth(1)
                .is_some_and(|l| l.contains("purchased") && l.contains("+25.00"))
    });
    c.send("\r");
    c.wait_for("the transaction with its id", WAIT, |s| {
        s.contains(" Transaction (") && s.contains(&tx)
    });
    c.send("\x1b");
    // One Esc at a time: two in one read would be one key.
    c.wait_for("the transaction closed", WAIT, |s| !s.contains(" Transaction ("));
    c.send("\x1b");
    c.wait_for("the ledger closed", WAIT, |s| !s.contains("Ledger · "));

    let audit = std::fs::read_to_string(c.state_path().join("audit.jsonl")).expect("audit log");
    let line = audit
        .lines()
        .find(|l| l.contains(&tx))
        .unwrap_or_else(|| panic!("{tx} not audited:\n{audit}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["action"], "top_up");
    assert_eq!(v["outcome"], "ok");
    assert_eq!(v["request"]["credits_to_add"], "25");
    assert_eq!(v["request"]["transaction_reason"], "PURCHASED_CREDIT_DIRECT");
    assert!(
        !audit.contains("sk_demo"),
        "the API key leaked into the audit log"
    );
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}

/// The line of the form's focused field (marked `▶` at its start, unlike a choice's `◀ x ▶`).
fn focused_field(screen: &str) -> Option<String> {
    screen
        .lines()
        .find(|l| l.trim_start_matches('│').starts_with('▶'))
        .map(str::to_string)
}

#[test]
fn rename_and_critical_above_balance_then_top_up_goes_in_alarm() {
    let mut c = Console::start(&["--demo", "--burn", "0", "--refresh", "1"], 80, 24);
    let name = "Acme Corp – EU credits";
    let before = open_detail_of(&mut c, name);
    let balance = number(&before, "balance");
    back_to_list(&mut c);

    c.send("e");
    c.wait_for_text("Edit wallet ·", WAIT);
    c.send("\x05"); // ctrl-e: end of the name
    c.type_keys(" (renamed)");
    let critical = (balance * Decimal::from(10)).round_dp(0);
    for (field, value) in [
        ("Critical threshold", critical.to_string()),
        ("Warning threshold", String::new()),
        ("Info threshold", String::new()),
    ] {
        for _ in 0..30 {
            let screen = c.screen();
            if screen.contains(&format!("▶ {field}")) {
                break;
            }
            // Let the Tab move the focus before looking again, so a late frame cannot make the
            // test type into the field after the one it wanted. Two fields read alike ("when
            // balance is"), so after a while without a visible move the test looks again.
            let focused = focused_field(&screen);
            c.send("\t");
            let sent = std::time::Instant::now();
            while focused_field(&c.screen()) == focused && sent.elapsed() < Duration::from_secs(2) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        c.wait_for_text(&format!("▶ {field}"), WAIT);
        c.send(CTRL_U);
        c.type_keys(&value);
    }
    c.send("\r");
    let confirm = c.wait_for_text("Confirm", WAIT);
    assert!(
        confirm.contains("(renamed)") && confirm.contains(&critical.to_string()),
        "{confirm}"
    );
    c.send("\r");
    c.wait_for_text("Saved", WAIT);

    c.send("t");
    c.wait_for_text("Top up ·", WAIT);
    c.type_keys("1");
    c.send("\r");
    c.wait_for_text("Confirm", WAIT);
    c.send("\r");
    c.wait_for_text("applied ·", WAIT);
    c.send("\r");
    let s = c.wait_for("in_alarm after the top-up", WAIT, |s| {
        s.contains("── Alert ✖ in_alarm")
    });
    assert!(s.contains(&format!("{name} (renamed)")), "{s}");
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}
