//! `/` on the real binary with `--demo`: the in-alarm filter shows exactly the sandbox's wallets
//! in alarm, and `!` inverts it.

use std::time::Duration;

use flexwallet::api::RetryPolicy;
use flexwallet::api::models::AlertState;

use crate::pty::Console;

const LOAD: Duration = Duration::from_secs(30);

/// (ids of the wallets in alarm, number of all wallets) of the demo data, asked of a sandbox through the API: the
/// demo seed is deterministic, so it is the same data the binary's own sandbox serves.
fn demo_counts() -> (Vec<String>, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (sb, client) = crate::forms_sandbox::sandbox_and_client(RetryPolicy::default()).await;
        let wallets = client.list_wallets(None).await.unwrap();
        sb.shutdown().await;
        let alarm = wallets
            .iter()
            .filter(|w| w.alert_state() == AlertState::InAlarm)
            .map(|w| w.id.clone())
            .collect();
        (alarm, wallets.len())
    })
}

/// The "Wallets shown/total" numbers of the list title.
fn title_counts(screen: &str) -> (usize, usize) {
    let at = screen
        .find("Wallets ")
        .unwrap_or_else(|| panic!("no title in\n{screen}"));
    let rest = &screen[at + "Wallets ".len()..];
    let nums: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '/')
        .collect();
    let (a, b) = nums
        .split_once('/')
        .unwrap_or_else(|| panic!("bad title in\n{screen}"));
    (a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn alarm_filter_matches_the_api_and_bang_inverts() {
    let (alarm_ids, total) = demo_counts();
    let alarm = alarm_ids.len();
    assert!(
        alarm > 0 && alarm < total,
        "the demo data should have some wallets in alarm"
    );
    let mut c = Console::start(&["--demo", "--burn", "0", "--refresh", "0"], 120, 40);
    c.wait_for("the wallet list", LOAD, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
    c.send("/");
    c.wait_for_text("Filter (Enter applies", LOAD);
    c.type_keys("alert:in_alarm");
    c.send("\r");
    let s = c.wait_for("the filtered title", LOAD, |s| s.contains("· /alert:in_alarm"));
    assert_eq!(title_counts(&s), (alarm, total), "{s}");
    // `:export` writes exactly the filtered view.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alarm.csv");
    c.send(":");
    c.wait_for_text("Commands (Enter runs", LOAD);
    c.type_keys(&format!("export {}", out.display()));
    c.send("\r");
    c.wait_for_text(&format!("Wrote {alarm} wallets"), LOAD);
    let mut csv = csv::Reader::from_path(&out).unwrap();
    let headers = csv.headers().unwrap().clone();
    let alert_col = headers.iter().position(|h| h == "alert_state").unwrap();
    let mut exported = Vec::new();
    for rec in csv.records() {
        let rec = rec.unwrap();
        assert_eq!(&rec[alert_col], "in_alarm", "{rec:?}");
        exported.push(rec[0].to_string());
    }
    let mut expected = alarm_ids.clone();
    expected.sort();
    let in_view_order = exported.clone();
    exported.sort();
    assert_eq!(exported, expected, "the CSV holds the filtered view's wallets");
    // In the view's order: the first row on screen is the CSV's first row.
    let first_name = csv::Reader::from_path(&out)
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap()[1]
        .to_string();
    let s = c.screen();
    let first_row = s
        .lines()
        .find(|l| l.contains(" USD ") || l.contains(" EUR ") || l.contains(" CRD "));
    assert!(
        first_row.is_some_and(|l| l.contains(&first_name[..first_name.len().min(12)])),
        "first exported {first_name} ({}) is not the first row in\n{s}",
        in_view_order[0]
    );
    // `/` reopens with the current filter: go to its start and invert it.
    c.send("/");
    c.wait_for_text("Filter (Enter applies", LOAD);
    c.send("\x1b[H");
    std::thread::sleep(Duration::from_millis(50));
    c.send("!");
    c.send("\r");
    let s = c.wait_for("the inverted title", LOAD, |s| s.contains("· /!alert:in_alarm"));
    assert_eq!(title_counts(&s), (total - alarm, total), "{s}");
    // A bad term is explained and the inverted filter stays.
    c.send("/");
    c.wait_for_text("Filter (Enter applies", LOAD);
    c.type_keys(" colour:red");
    c.send("\r");
    let s = c.wait_for_text("unknown field `colour`", LOAD);
    assert_eq!(title_counts(&s), (total - alarm, total), "{s}");
    c.send("\x1b");
    // Esc and q in one read would be Alt-q: wait for the Esc to show first.
    c.wait_for("the prompt closed", LOAD, |now| now != s);
    c.send("q");
    c.wait_exit(LOAD);
}
