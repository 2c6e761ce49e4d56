//! The bulk top-up through the real binary on `--demo` (burn off): three marked wallets, ten
//! credits each, confirmed by typing the total; balances rise exactly, one transaction each.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::pty::Console;

const WAIT: Duration = Duration::from_secs(30);

fn inner(l: &str) -> String {
    l.trim_start_matches(|c: char| c == '│' || c.is_whitespace())
        .trim_end_matches(['│', ' '])
        .to_string()
}

fn detail_line(screen: &str, label: &str) -> Option<String> {
    screen
        .lines()
        .map(inner)
        .find(|l| l.starts_with(&format!("{label} ")))
}

/// The number after `label` on the detail screen (`balance  2,400.00 USD` → 2400.00).
fn number(screen: &str, label: &str) -> Option<Decimal> {
    let line = detail_line(screen, label)?;
    let text = line[label.len()..].split_whitespace().next()?.replace(',', "");
    Decimal::from_str(&text).ok()
}

/// `conversion  1 credit = 0.02 USD`: the number after '='.
fn rate(screen: &str) -> Option<Decimal> {
    let line = detail_line(screen, "conversion")?;
    let r = line
        .split('=')
        .nth(1)?
        .split_whitespace()
        .next()?
        .replace(',', "");
    Decimal::from_str(&r).ok()
}

fn wait_list(c: &Console) {
    c.wait_for("the list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
}

/// Opens the selected wallet's detail and returns (wallet id line, balance, rate) once `ok`
/// accepts the balance.
fn read_selected(c: &mut Console, ok: impl Fn(Decimal) -> bool) -> (String, Decimal, Decimal) {
    c.send("\r");
    let s = c.wait_for("the detail", WAIT, |s| {
        s.contains("── Balances") && rate(s).is_some() && number(s, "balance").is_some_and(&ok)
    });
    let id = s
        .split_whitespace()
        .find(|w| w.starts_with("wallet_"))
        .unwrap_or_else(|| panic!("no wallet id on\n{s}"))
        .to_string();
    let out = (
        id,
        number(&s, "balance").unwrap_or_default(),
        rate(&s).unwrap_or_default(),
    );
    c.send("\x1b");
    wait_list(c);
    out
}

/// Marks the first three wallets and fills the bulk form with 10 credits each (not sent).
fn ten_credits_on_the_first_three(c: &mut Console) {
    c.send("g");
    for _ in 0..3 {
        c.send(" ");
    }
    c.wait_for_text("3 marked", WAIT);
    c.send("B");
    c.wait_for_text("Bulk top-up · 3 marked wallets", WAIT);
    c.type_keys("10");
}

#[test]
fn bulk_ten_credits_on_three_marked_wallets_lands_exactly_once_each() {
    // 40 rows: the detail shows the conversion line without scrolling.
    let mut c = Console::start(&["--demo", "--burn", "0", "--refresh", "1"], 80, 40);
    wait_list(&c);
    let mut before = Vec::new();
    for _ in 0..3 {
        before.push(read_selected(&mut c, |_| true));
        c.send("j");
    }
    ten_credits_on_the_first_three(&mut c);
    c.send("\r");
    let preview = c.wait_for_text("Type the total credits (", WAIT);
    let total = preview
        .split("Type the total credits (")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(total, "30", "{preview}");
    c.type_keys("29");
    c.send("\r");
    c.wait_for_text("that is not 30: nothing was sent", WAIT);
    c.send("\x7f\x7f");
    c.type_keys("30");
    c.send("\r");
    c.wait_for_text("every wallet was credited", WAIT);
    c.send("\x1b");
    let list = c.wait_for("the list without marks", WAIT, |s| {
        s.contains("Wallets ") && !s.contains("marked")
    });
    assert!(!list.contains("Bulk top-up ·"), "{list}");

    c.send("g");
    for (id, balance, rate) in &before {
        let expected = *balance + Decimal::from(10) * *rate;
        let (after_id, after, _) = read_selected(&mut c, |b| b == expected);
        assert_eq!(&after_id, id);
        assert_eq!(after, expected);
        c.send("j");
    }

    // One done row with a transaction id per wallet in the journal, and one audited top-up.
    let jobs = c.state_path().join("jobs");
    let journal = std::fs::read_dir(&jobs)
        .expect("jobs dir")
        .flatten()
        .map(|e| std::fs::read_to_string(e.path()).expect("journal"))
        .collect::<Vec<_>>();
    assert_eq!(journal.len(), 1, "one journal in {}", jobs.display());
    let records: Vec<serde_json::Value> = journal[0]
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal line"))
        .collect();
    let wallet_of_row: HashMap<u64, String> = records
        .iter()
        .filter(|r| r["event"] == "planned")
        .map(|r| {
            (
                r["row"].as_u64().unwrap(),
                r["wallet_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut done: HashMap<String, Vec<String>> = HashMap::new();
    for r in records.iter().filter(|r| r["event"] == "done") {
        let tx = r["transaction_id"].as_str().expect("transaction id").to_string();
        assert!(tx.starts_with("wtxn_"), "{r}");
        done.entry(wallet_of_row[&r["row"].as_u64().unwrap()].clone())
            .or_default()
            .push(tx);
    }
    for (id, _, _) in &before {
        assert_eq!(done.get(id).map(Vec::len), Some(1), "{id}: {done:?}");
    }
    assert_eq!(done.len(), 3);
    let audit = std::fs::read_to_string(c.state_path().join("audit.jsonl")).expect("audit log");
    for txs in done.values() {
        let lines: Vec<&str> = audit.lines().filter(|l| l.contains(&txs[0])).collect();
        assert_eq!(lines.len(), 1, "{}: {audit}", txs[0]);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["outcome"], "ok");
        assert_eq!(v["request"]["credits_to_add"], "10");
    }

    // The same form again is the same job: its preview says it already ran.
    ten_credits_on_the_first_three(&mut c);
    c.send("\r");
    c.wait_for_text("this job already ran and every row is done (3 of 3)", WAIT);
    // Esc: back to the form; Esc again asks before the filled form is thrown away; Enter.
    c.send("\x1b");
    c.wait_for_text("Bulk top-up · 3 marked wallets", WAIT);
    c.send("\x1b");
    c.wait_for_text("Discard changes?", WAIT);
    c.send("\r");
    c.wait_for("the form closed", WAIT, |s| !s.contains("Bulk top-up ·"));

    // The same credits again with another description: a new job with new keys, which the
    // server could not tell from the first. The console refuses it before anything is sent.
    c.send("B");
    c.wait_for_text("Bulk top-up · 3 marked wallets", WAIT);
    c.type_keys("10");
    for _ in 0..4 {
        c.send("\t");
    }
    c.wait_for_text("▶ Description", WAIT);
    c.type_keys("again");
    c.send("\r");
    let refused = c.wait_for_text("These repeat earlier jobs", WAIT);
    assert!(refused.contains("already credited"), "{refused}");
    // Marked wallets are not lines of a file: no "line N" that points nowhere.
    assert!(!refused.contains("line 1:"), "{refused}");
    assert_eq!(
        std::fs::read_dir(&jobs).expect("jobs dir").count(),
        1,
        "no second job was started"
    );
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}

/// As seen: `Esc` on the bulk preview threw the whole form away. At 80x24: the form filled
/// with every field (priority and metadata too), the preview scrolled with `j`, then `Esc`: the
/// same form, every value as typed.
#[test]
fn esc_on_the_bulk_preview_returns_to_the_filled_form() {
    let mut c = Console::start(&["--demo", "--burn", "0"], 80, 24);
    wait_list(&c);
    ten_credits_on_the_first_three(&mut c);
    // Mode and credits are filled; Tab to the priority (reason, expiry, priority).
    for _ in 0..3 {
        c.send("\t");
    }
    c.wait_for_text("▶ Priority", WAIT);
    c.type_keys("2");
    c.send("\t");
    c.type_keys("goodwill credit");
    c.send("\t");
    c.wait_for_text("▶ Metadata key", WAIT);
    c.type_keys("ticket");
    c.send("\t");
    c.type_keys("INC-42");
    let filled = c.wait_for_text("INC-42", WAIT);
    c.send("\r");
    let preview = c.wait_for_text("Type the total credits (30)", WAIT);
    assert!(preview.contains("every row: no expiry · priority 2"), "{preview}");
    // j moves through the rows; it types nothing into the total.
    c.send("jj");
    let moved = c.wait_for_text("row 3/3", WAIT);
    assert!(!moved.contains("to send: j"), "{moved}");
    c.send("\x1b");
    let back = c.wait_for_text("Bulk top-up · 3 marked wallets", WAIT);
    for value in ["10", "goodwill credit", "ticket", "INC-42"] {
        assert!(back.contains(value), "{value} kept:\n{back}");
    }
    let field = |s: &str, label: &str| {
        s.lines()
            .find(|l| l.contains(label))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    for label in ["Credits each", "Priority", "Description", "Metadata key", "value"] {
        assert_eq!(field(&back, label), field(&filled, label), "{label}");
    }
    // Esc on the filled form asks first, with only its own keys on screen; Esc keeps the
    // form, every value still there.
    c.send("\x1b");
    let asking = c.wait_for_text("Discard changes?", WAIT);
    assert!(asking.contains("Enter discard"), "{asking}");
    assert!(
        !asking.contains("Enter preview"),
        "the form's keys under the question: {asking}"
    );
    c.send("\x1b");
    let kept = c.wait_for("the question gone", WAIT, |s| !s.contains("Discard changes?"));
    assert_eq!(field(&kept, "Metadata key"), field(&filled, "Metadata key"));
    c.send("\x1b");
    c.wait_for_text("Discard changes?", WAIT);
    c.send("\r");
    c.wait_for("the form closed", WAIT, |s| !s.contains("Bulk top-up ·"));
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}
