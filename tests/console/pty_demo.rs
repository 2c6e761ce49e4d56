//! The real binary with `--demo`, in a PTY: open a wallet, live refresh, pause, panic, signals.

use std::time::Duration;

use crate::pty::Console;

const LOAD: Duration = Duration::from_secs(30);

fn loaded(c: &Console) -> String {
    c.wait_for("the wallet list", LOAD, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    })
}

/// The terminal was handed back: alternate screen left, cursor visible, raw sequences seen.
fn assert_restored(c: &Console) {
    assert!(!c.in_alternate_screen(), "still in the alternate screen");
    assert!(!c.cursor_hidden(), "cursor still hidden");
    let raw = String::from_utf8_lossy(&c.raw()).to_string();
    let left = raw.rfind("\x1b[?1049l").expect("leave-alternate-screen sequence");
    let entered = raw.rfind("\x1b[?1049h").expect("enter-alternate-screen sequence");
    assert!(left > entered);
    assert!(
        raw[left..].contains("\x1b[?25h") || raw.rfind("\x1b[?25h") > Some(entered),
        "cursor shown again"
    );
}

#[test]
fn open_a_wallet_see_breakdown_and_alert_then_quit() {
    let mut c = Console::start(&["--demo", "--burn", "0"], 80, 24);
    loaded(&c);
    c.send("\r");
    let inner = |l: &str| {
        l.trim_start_matches(|c: char| c == '│' || c.is_whitespace())
            .to_string()
    };
    let s = c.wait_for("the breakdown", LOAD, |s| {
        s.contains("Credits available")
            && s.lines()
                .any(|l| inner(l).starts_with("purchased ") && l.contains("credits"))
    });
    let number_after = |label: &str| {
        s.lines()
            .map(inner)
            .find(|l| l.starts_with(&format!("{label} ")))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            .map(|n| n.replace(',', ""))
            .unwrap_or_else(|| panic!("no {label} line in\n{s}"))
    };
    for label in ["purchased", "free"] {
        let n = number_after(label);
        assert!(
            n.parse::<rust_decimal::Decimal>().is_ok(),
            "{label} is {n:?}\n{s}"
        );
    }
    assert!(s.contains("── Alert"), "{s}");
    assert!(
        ["ok", "info", "warning", "in_alarm"]
            .iter()
            .any(|w| s.contains(&format!("── Alert {}", alert_glyph(w)))),
        "{s}"
    );
    c.send("q");
    assert_eq!(c.wait_exit(Duration::from_secs(10)), 0);
    assert_restored(&c);
}

fn alert_glyph(state: &str) -> String {
    let glyph = match state {
        "in_alarm" => "✖",
        "warning" => "▲",
        "info" => "●",
        _ => "✔",
    };
    format!("{glyph} {state}")
}

/// The text of the Balance column for every row on screen.
fn balances(c: &Console) -> Vec<String> {
    let rows = c.rows();
    let Some(header_at) = rows
        .iter()
        .position(|r| r.contains("Balance") && r.contains("Name"))
    else {
        return Vec::new();
    };
    let header = &rows[header_at];
    let end = header
        .find("Balance")
        .map(|i| i + "Balance".len() + 1)
        .unwrap_or(0);
    let start = end.saturating_sub(16);
    rows[header_at + 1..]
        .iter()
        .take_while(|r| !r.starts_with('└'))
        .map(|r| {
            r.chars()
                .skip(start)
                .take(end - start)
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

/// The balances once they have not changed for `quiet`, waiting at most `LOAD`.
fn steady_balances(c: &Console, quiet: Duration) -> Vec<String> {
    let deadline = std::time::Instant::now() + LOAD;
    let mut last = balances(c);
    let mut since = std::time::Instant::now();
    while since.elapsed() < quiet {
        assert!(
            std::time::Instant::now() < deadline,
            "balances never held still while paused"
        );
        std::thread::sleep(Duration::from_millis(100));
        let now = balances(c);
        if now != last {
            last = now;
            since = std::time::Instant::now();
        }
    }
    last
}

#[test]
fn live_refresh_shows_changes_and_pause_freezes() {
    let mut c = Console::start(&["--demo", "--refresh", "1", "--burn", "30000"], 200, 50);
    loaded(&c);
    let before = balances(&c);
    assert!(before.len() > 10, "{before:?}");
    // Some balance on screen moves without a key press. The burn debits one random prepaid
    // wallet every 250 ms and only a few of them are on screen, so the wait is for the
    // condition, not for a fixed number of refreshes.
    c.wait_for("a balance change", LOAD, |_| balances(&c) != before);
    c.send("p");
    c.wait_for_text("PAUSED", Duration::from_secs(5));
    // Let a refresh already in flight land: the screen has to hold still for three refresh
    // intervals before it is taken as the frozen state.
    let frozen = steady_balances(&c, Duration::from_secs(3));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(balances(&c), frozen, "balances moved while paused");
    c.send("q");
    assert_eq!(c.wait_exit(Duration::from_secs(10)), 0);
}

#[test]
fn panic_restores_the_terminal_and_prints_the_report() {
    let mut c = Console::start(&["--demo", "--burn", "0", "--test-panic-after", "1500"], 80, 24);
    // No wait for the list: on a slow machine the panic may come first. assert_restored sees
    // the alternate screen entered in the raw output.
    let code = c.wait_exit(Duration::from_secs(20));
    assert_ne!(code, 0);
    assert_restored(&c);
    let out = String::from_utf8_lossy(&c.raw()).to_string();
    assert!(
        out.contains("test panic requested"),
        "no panic report:\n{}",
        c.screen()
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut c = Console::start(&["--demo", "--burn", "0"], 80, 24);
    loaded(&c);
    let pid = c.pid().expect("pid");
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    c.wait_exit(Duration::from_secs(10));
    assert_restored(&c);
}

#[test]
fn too_small_terminal_says_so() {
    let mut c = Console::start(&["--demo", "--burn", "0"], 60, 20);
    c.wait_for_text("Terminal too small", LOAD);
    c.send("q");
    c.wait_exit(Duration::from_secs(10));
}
