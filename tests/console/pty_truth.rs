//! What an operator saw on an older version (issue 19, "What was seen"), replayed on the real
//! binary in an 80x24 pseudo-terminal: every test is one thing the screen got wrong.
//!
//! Most tests run the console on a `flexwallet sandbox --demo-data` child with a known key, so
//! the test can move balances, break the API and read the ledger through the API itself. Set
//! `FLEXWALLET_BIN` to run another build of the console (the sandbox stays this build's).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::str::FromStr;
use std::time::{Duration, Instant};

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::pty::Console;
pub(crate) use crate::sandbox_child::Sandbox;

pub(crate) const WAIT: Duration = Duration::from_secs(60);
pub(crate) const KEY: &str = "sk_truth";
pub(crate) const ENV: &str = "env_truth";

pub(crate) fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.as_str().unwrap_or_else(|| panic!("not a decimal string: {v}")))
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The figure as an operator expects to read it, written here independently of the product:
/// thousands grouped, at least two decimals, never rounded, the sign in front.
pub(crate) fn grouped(d: Decimal) -> String {
    let mut n = d.normalize();
    if n.scale() < 2 {
        n.rescale(2);
    }
    let text = n.to_string();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text.as_str()),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}.{frac}")
}

/// The console on the sandbox at `cols`x`rows`, its list loaded.
pub(crate) fn console_on(sb: &Sandbox, refresh: u64, cols: u16, rows: u16) -> Console {
    let c = Console::start_with_env(
        &[
            "--api-url",
            &sb.url,
            "--environment-id",
            ENV,
            "--refresh",
            &refresh.to_string(),
        ],
        cols,
        rows,
        &[("FLEXPRICE_API_KEY", KEY)],
    );
    wait_list(&c);
    c
}

fn wait_list(c: &Console) -> String {
    c.wait_for("the wallet list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    })
}

/// The list's rows on screen, without the header and the frame.
fn list_rows(c: &Console) -> Vec<String> {
    let rows = c.rows();
    let Some(header) = rows
        .iter()
        .position(|r| r.contains("Name") && r.contains("Balance"))
    else {
        return Vec::new();
    };
    rows[header + 1..]
        .iter()
        .take_while(|r| !r.starts_with('└'))
        // From 120 columns the detail pane is drawn right of the list: only the list's part.
        .map(|r| r.split("││").next().unwrap_or_default().to_string())
        .filter(|r| r.chars().skip(1).any(|c| !c.is_whitespace() && c != '│'))
        .collect()
}

/// The list's freshness cell of a row: `│`, the mark column, a space, then the Fresh column.
fn fresh_cell(row: &str) -> char {
    row.chars().nth(3).unwrap_or(' ')
}

/// Opens the selected wallet's detail, reads its id, and goes back to the list.
fn selected_id(c: &mut Console) -> String {
    c.send("\r");
    let s = c.wait_for("the detail with the wallet id", WAIT, |s| {
        s.contains("── Balances") && s.contains("wallet_")
    });
    let id = s
        .split(|ch: char| ch.is_whitespace() || ch == '│')
        .find(|w| w.starts_with("wallet_"))
        .expect("a wallet id")
        .to_string();
    c.send("\x1b");
    wait_list(c);
    id
}

/// Moves the selection `n` rows down, one key at a time, letting each land.
fn down(c: &mut Console, n: usize) {
    for _ in 0..n {
        c.send("j");
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// The status bar (the last line).
fn status_line(c: &Console) -> String {
    c.rows().last().cloned().unwrap_or_default()
}

/// The screen's words in reading order, frames left out: text wrapped over lines reads whole.
fn words(screen: &str) -> String {
    screen
        .split(|ch: char| ch.is_whitespace() || ch == '│')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tokens of a row that hold a digit.
fn figures(row: &str) -> Vec<String> {
    row.split(|ch: char| ch.is_whitespace() || ch == '│')
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

/// The row shows `figure` whole, and nothing on it is the tail of `figure` (a cut figure, or
/// a negative one without its sign).
fn shows_whole(row: &str, figure: &str) -> bool {
    let tokens = figures(row);
    tokens.iter().any(|t| t == figure)
        && !tokens
            .iter()
            .any(|t| t != figure && t.len() >= 3 && figure.ends_with(t.as_str()))
}

/// Seen 1: A wallet topped up by 12,345,678 credits and another debited to -1,234,567.50: the 80x24
/// list shows both figures whole, the minus sign included, never the tail of a figure.
#[test]
fn big_and_negative_figures_show_whole_in_the_list() {
    let sb = Sandbox::demo(KEY, ENV);
    let wallets = sb.all_wallets();
    let mut c = console_on(&sb, 1, 80, 24);
    // Two active wallets in the first rows, each with a name no other wallet starts with, so
    // its row can be found by the start of its name.
    let mut picked: Vec<(String, String)> = Vec::new();
    c.send("g");
    for row in 0..8 {
        let id = selected_id(&mut c);
        let w = sb.wallet(&id);
        let name = w["name"].as_str().unwrap_or_default().to_string();
        let prefix: String = name.chars().take(12).collect();
        let unique = wallets
            .iter()
            .filter(|o| {
                o["name"]
                    .as_str()
                    .is_some_and(|n| n.chars().take(12).collect::<String>() == prefix)
            })
            .count()
            == 1;
        if w["wallet_status"] == "active" && dec(&w["conversion_rate"]) == Decimal::ONE && unique {
            picked.push((id, prefix));
        }
        if picked.len() == 2 {
            break;
        }
        assert!(row < 7, "no two suitable wallets in the first rows: {picked:?}");
        down(&mut c, 1);
    }
    let (big_id, big_name) = picked[0].clone();
    let (neg_id, neg_name) = picked[1].clone();

    let top_up = sb.ok(
        "POST",
        &format!("/v1/wallets/{big_id}/top-up"),
        Some(json!({
            "credits_to_add": "12345678",
            "transaction_reason": "PURCHASED_CREDIT_DIRECT",
            "idempotency_key": "truth-big-figure",
        })),
    );
    assert!(top_up["wallet_transaction"]["id"].is_string(), "{top_up}");
    let credits = dec(&sb.wallet(&neg_id)["credit_balance"]);
    let target = Decimal::from_str("-1234567.50").unwrap();
    sb.ok(
        "POST",
        &format!("/v1/wallets/{neg_id}/debit"),
        Some(json!({
            "credits": (credits - target).to_string(),
            "transaction_reason": "MANUAL_BALANCE_DEBIT",
            "idempotency_key": "truth-negative-figure",
        })),
    );
    let big = sb.wallet(&big_id);
    let neg = sb.wallet(&neg_id);
    assert_eq!(dec(&neg["credit_balance"]), target, "{neg}");
    let big_figure = grouped(dec(&big["credit_balance"]));
    let neg_figure = grouped(dec(&neg["credit_balance"]));
    assert_eq!(neg_figure, "-1,234,567.50");
    assert!(big_figure.starts_with("12,3"), "{big_figure}");

    let row_of = |rows: &[String], prefix: &str| {
        rows.iter()
            .find(|r| r.contains(prefix))
            .cloned()
            .unwrap_or_default()
    };
    let changed = Instant::now();
    let within = Duration::from_secs(30);
    let shown = loop {
        let rows = list_rows(&c);
        let (b, n) = (row_of(&rows, &big_name), row_of(&rows, &neg_name));
        if shows_whole(&b, &big_figure) && shows_whole(&n, &neg_figure) {
            break (b, n);
        }
        assert!(
            changed.elapsed() < within,
            "after {within:?} the list does not show {big_figure} on {big_name:?} and \
             {neg_figure} on {neg_name:?} whole:\n{}",
            c.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "big and negative figures shown whole after {:.1?}:\n{}\n{}",
        changed.elapsed(),
        shown.0,
        shown.1
    );
    // A few more refreshes: they stay whole.
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(100));
        let rows = list_rows(&c);
        let (b, n) = (row_of(&rows, &big_name), row_of(&rows, &neg_name));
        assert!(
            shows_whole(&b, &big_figure) && shows_whole(&n, &neg_figure),
            "a figure was cut after it was shown whole:\n{}",
            c.screen()
        );
    }
}

/// Seen 2: Every request failing: within three refresh intervals the status bar stops saying LIVE
/// and says REFRESH FAILING, and every row carries the `!` freshness marker; once the API
/// answers again, LIVE comes back and the markers go.
#[test]
fn every_request_failing_marks_rows_and_status_within_three_intervals() {
    let sb = Sandbox::demo(KEY, ENV);
    let interval = Duration::from_secs(1);
    let c = console_on(&sb, 1, 80, 24);
    c.wait_for("LIVE and no row marked", WAIT, |_| {
        let rows = list_rows(&c);
        status_line(&c).contains("● LIVE") && !rows.is_empty() && rows.iter().all(|r| fresh_cell(r) != '!')
    });
    sb.faults(json!({"fail_rate": 1.0}));
    let failing = Instant::now();
    let slack = Duration::from_secs(5);
    let s = c.wait_for(
        "REFRESH FAILING and every row marked `!`",
        interval * 3 + slack + Duration::from_secs(25),
        |_| {
            let status = status_line(&c);
            let rows = list_rows(&c);
            status.contains("REFRESH FAILING")
                && !status.contains("LIVE")
                && !rows.is_empty()
                && rows.iter().all(|r| fresh_cell(r) == '!')
        },
    );
    let took = failing.elapsed();
    eprintln!("failing shown after {took:.1?}:\n{s}");
    assert!(
        took <= interval * 3 + slack,
        "the failure took {took:?} to show (refresh {interval:?})"
    );
    sb.faults(json!({"fail_rate": 0.0}));
    let back = Instant::now();
    let s = c.wait_for("LIVE again and no row marked", WAIT, |_| {
        let status = status_line(&c);
        let rows = list_rows(&c);
        status.contains("● LIVE")
            && !status.contains("FAILING")
            && !rows.is_empty()
            && rows.iter().all(|r| fresh_cell(r) != '!' && !r.contains("stale"))
    });
    eprintln!("recovered after {:.1?}:\n{s}", back.elapsed());
}

/// Seen 3: After a resize from 80x24 to 200x50, the rows that come into view are as fresh as the
/// others: none is marked `!` or says `stale`, and the overview counts no stale wallet.
#[test]
fn after_a_resize_every_row_is_fresh_or_marked() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 1, 80, 24);
    // Past the balance contract (three intervals) of every row off screen.
    std::thread::sleep(Duration::from_secs(6));
    c.wait_for("LIVE", WAIT, |_| status_line(&c).contains("● LIVE"));
    c.resize(200, 50);
    let resized = Instant::now();
    // Every frame from the first at 200x50 on, for a while: the rows at the bottom were never
    // on screen before.
    let mut samples = 0;
    while resized.elapsed() < Duration::from_secs(12) {
        std::thread::sleep(Duration::from_millis(100));
        let screen = c.screen();
        let rows = list_rows(&c);
        if rows.len() <= 30 {
            assert!(
                samples == 0 && resized.elapsed() < WAIT,
                "the list is not drawn at 200x50:\n{screen}"
            );
            continue;
        }
        for r in &rows {
            assert!(
                fresh_cell(r) != '!' && !r.contains("stale"),
                "a row is marked stale {:.1?} after the resize:\n{r}\n\n{screen}",
                resized.elapsed()
            );
        }
        let overview = c.rows().first().cloned().unwrap_or_default();
        assert!(
            !overview.contains(" stale"),
            "the overview claims stale wallets:\n{screen}"
        );
        samples += 1;
    }
    assert!(samples > 20, "only {samples} frames at 200x50 were seen");
}

/// Seen 4: Enter pressed while the terminal is too small to show the top-up's confirm step sends
/// nothing; back at 80x24 the screen tells the truth about it.
#[test]
fn enter_while_too_small_confirms_nothing() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 1, 80, 24);
    c.send("g");
    let id = selected_id(&mut c);
    let ledger = sb.ledger(&id);
    let credits = dec(&sb.wallet(&id)["credit_balance"]);
    c.send("t");
    c.wait_for_text("Top up ·", WAIT);
    c.type_keys("3");
    c.wait_for_text("PURCHASED_CREDIT_DIRECT", WAIT);
    c.send("\r");
    c.wait_for("the confirm step", WAIT, |s| {
        s.contains(" Confirm ") && s.contains("send")
    });
    c.resize(70, 20);
    c.wait_for_text("Terminal too small", WAIT);
    c.send("\r");
    std::thread::sleep(Duration::from_secs(2));
    c.resize(80, 24);
    c.wait_for("the console at 80x24", WAIT, |s| {
        !s.contains("Terminal too small")
    });
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sb.ledger(&id), ledger, "a transaction was added");
    assert_eq!(dec(&sb.wallet(&id)["credit_balance"]), credits);
    let s = c.screen();
    eprintln!("back at 80x24 after an Enter while too small:\n{s}");
    // Nothing was sent, so the screen may not say it was, nor that it is on its way.
    assert!(
        !s.contains("applied") && !s.contains(" Sending ") && !s.contains("sending…"),
        "{s}"
    );
    // The Enter went nowhere: the confirm step is still waiting for one.
    assert!(s.contains(" Confirm ") && s.contains("send"), "{s}");
}

/// The failure in the list pane, from its first line to the line naming the key's source: the
/// cause is wrapped in the pane's frame, so its words are read joined.
fn failure_text(screen: &str) -> String {
    let lines: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("Loading the wallets failed"))
        .take_while(|l| !l.contains("API key from"))
        .collect();
    words(&lines.join("\n"))
}

/// What this build's client says when the sandbox refuses the key.
fn wrong_key_message(url: &str) -> String {
    use flexwallet::api::{Client, ClientConfig};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut cfg = ClientConfig::new(url, secrecy::SecretString::from("sk_wrong_key"));
        cfg.environment_id = Some(ENV.into());
        let client = Client::new(cfg).unwrap();
        let err = client
            .list_wallets(None)
            .await
            .expect_err("a wrong key is refused");
        err.to_string()
    })
}

/// Seen 5: A wrong API key: the screen says loading failed with the whole cause, where the key came
/// from, and when it tries again; and it does try again, with no key pressed.
#[test]
fn a_wrong_key_shows_the_whole_error_and_retries() {
    let sb = Sandbox::demo(KEY, ENV);
    let c = Console::start_with_env(
        &["--api-url", &sb.url, "--environment-id", ENV, "--refresh", "1"],
        80,
        24,
        &[("FLEXPRICE_API_KEY", "sk_wrong_key")],
    );
    c.wait_for_text("Loading the wallets failed", WAIT);
    // What the sandbox answers a wrong key (Flexprice's own auth body).
    let (status, body) = {
        let req = format!(
            "GET /v1/wallets HTTP/1.1\r\nHost: {}\r\nx-api-key: sk_wrong_key\r\nConnection: close\r\n\r\n",
            sb.host()
        );
        let mut t = TcpStream::connect(sb.host()).unwrap();
        t.write_all(req.as_bytes()).unwrap();
        let mut reply = String::new();
        t.read_to_string(&mut reply).unwrap();
        let status = reply.split_whitespace().nth(1).unwrap_or_default().to_string();
        (status, reply.split_once("\r\n\r\n").unwrap().1.to_string())
    };
    assert_eq!(status, "401", "{body}");
    let cause: Value = serde_json::from_str(&body).unwrap();
    let cause = cause["error"].as_str().expect("error").to_string();
    // The whole cause, as this build's client words it.
    let message = words(&wrong_key_message(&sb.url));
    assert!(message.contains(&cause), "{message}");
    let s = c.wait_for("the failure with its whole cause and the retry", WAIT, |s| {
        s.contains("API key from FLEXPRICE_API_KEY")
            && s.contains("trying again in")
            && words(&failure_text(s)).contains(&message)
    });
    let text = failure_text(&s);
    eprintln!("the failed start:\n{s}\nthe failure's words: {text}");
    assert!(!text.contains('…'), "the cause was cut: {text}\n{s}");
    // No key pressed from here on: the request count grows by itself.
    let before = sb.requests();
    let started = Instant::now();
    let retry_in: u64 = s
        .split("trying again in ")
        .nth(1)
        .and_then(|t| t.split('s').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no retry time in\n{s}"));
    let deadline = Duration::from_secs(retry_in.max(5) + 5);
    loop {
        let now = sb.requests();
        if now > before {
            eprintln!(
                "{} request(s) {:.1?} after the failure was read (it said trying again in {retry_in}s)",
                now - before,
                started.elapsed()
            );
            break;
        }
        assert!(
            started.elapsed() < deadline,
            "no request in {deadline:?} after the screen said trying again in {retry_in}s:\n{}",
            c.screen()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // And once more over the next seconds, still without a key.
    let s = c.screen();
    assert!(s.contains("Loading the wallets failed"), "{s}");
}

/// Seen 6: A top-up on a closed wallet asks first: the confirm says the wallet is closed and wants
/// the amount typed; Enter alone sends nothing, and Esc leaves the confirm step.
#[test]
fn a_closed_wallets_top_up_asks_first() {
    let sb = Sandbox::demo(KEY, ENV);
    let mut c = console_on(&sb, 1, 80, 24);
    c.send("/");
    c.wait_for_text("Filter (Enter applies", WAIT);
    c.type_keys("status:closed");
    c.send("\r");
    c.wait_for("the closed wallets", WAIT, |s| {
        s.contains("· /status:closed") && !s.contains("Filter (Enter applies")
    });
    c.send("g");
    let id = selected_id(&mut c);
    assert_eq!(sb.wallet(&id)["wallet_status"], "closed");
    let ledger = sb.ledger(&id);
    let credits = dec(&sb.wallet(&id)["credit_balance"]);
    c.send("t");
    c.wait_for_text("Top up ·", WAIT);
    c.type_keys("5");
    c.wait_for_text("PURCHASED_CREDIT_DIRECT", WAIT);
    c.send("\r");
    let s = c.wait_for("the confirm step", WAIT, |s| s.contains(" Confirm "));
    // Not just "closed": the overview counts the closed wallets.
    assert!(
        words(&s).contains("wallet is closed"),
        "the confirm does not say the wallet is closed:\n{s}"
    );
    assert!(
        words(&s).contains("Type 5 to confirm"),
        "the confirm does not ask for the amount:\n{s}"
    );
    c.send("\r");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sb.ledger(&id), ledger, "Enter alone sent the top-up");
    assert_eq!(dec(&sb.wallet(&id)["credit_balance"]), credits);
    let s = c.screen();
    eprintln!("the closed wallet's confirm after Enter alone:\n{s}");
    assert!(s.contains(" Confirm ") && !s.contains("applied"), "{s}");
    c.send("\x1b");
    let s = c.wait_for("the confirm step closed", WAIT, |s| !s.contains(" Confirm "));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(sb.ledger(&id), ledger, "Esc sent the top-up");
    assert!(!s.contains("applied"), "{s}");
}

/// A fake Flexprice API that answers every request with one wallet whose every figure is
/// Decimal's maximum.
fn fake_api_with_max_decimals() -> String {
    const MAX: &str = "79228162514264337593543950335";
    let wallet = json!({
        "id": "wallet_01MAXDECIMAL000000000000",
        "customer_id": "cust_max",
        "currency": "usd",
        "balance": MAX,
        "credit_balance": MAX,
        "wallet_status": "active",
        "name": "Max decimal",
        "wallet_type": "PRE_PAID",
        "conversion_rate": "1",
        "topup_conversion_rate": "1",
        "environment_id": ENV,
        "alert_state": "ok",
        "status": "published",
        "created_at": "2026-11-01T12:00:00Z",
        "updated_at": "2026-11-01T12:00:00Z",
        "credits_available_breakdown": {"purchased": MAX, "free": MAX},
    });
    let list = json!({
        "items": [wallet],
        "pagination": {"total": 1, "limit": 1000, "offset": 0},
    });
    let empty = json!({
        "items": [],
        "pagination": {"total": 0, "limit": 50, "offset": 0},
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake API");
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (wallet, list, empty) = (wallet.clone(), list.clone(), empty.clone());
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let mut length = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':')
                        && k.trim().eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let mut parts = request_line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let path = path.split('?').next().unwrap_or("");
                let reply = if path.contains("/balance/real-time") {
                    &wallet
                } else if path.contains("/transactions") {
                    &empty
                } else if method == "GET"
                    && path.starts_with("/v1/wallets/")
                    && path.len() > "/v1/wallets/".len()
                    && path != "/v1/wallets/search"
                {
                    &wallet
                } else {
                    &list
                };
                let text = reply.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{text}",
                    text.len()
                );
            });
        }
    });
    format!("http://{addr}/v1")
}

/// The start of a panic report in what the console wrote, escape sequences left out.
fn panic_report(c: &Console) -> String {
    let raw = String::from_utf8_lossy(&c.raw()).to_string();
    let mut plain = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\x1b' {
            // CSI: ESC [ … final byte in @..~; anything else: ESC and one more character.
            if chars.next_if_eq(&'[').is_some() {
                for f in chars.by_ref() {
                    if ('@'..='~').contains(&f) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
        } else {
            plain.push(ch);
        }
    }
    match plain.find("panicked") {
        Some(at) => plain[at.saturating_sub(40)..].chars().take(600).collect(),
        None => format!("no panic report; screen:\n{}", c.screen()),
    }
}

/// Seen 7: A wallet whose figures are Decimal's maximum: its detail says `out of range` where a sum
/// would overflow, and the console keeps running (no panic, still in its alternate screen).
#[test]
fn a_decimal_maximum_breakdown_shows_out_of_range_and_no_panic() {
    let url = fake_api_with_max_decimals();
    let mut c = Console::start_with_env(
        &["--api-url", &url, "--environment-id", ENV, "--refresh", "1"],
        80,
        24,
        &[("FLEXPRICE_API_KEY", KEY)],
    );
    c.wait_for("the one wallet", WAIT, |s| {
        s.contains("Wallets 1/1") && s.contains("Max decimal")
    });
    c.send("\r");
    let opened = Instant::now();
    let s = loop {
        let s = c.screen();
        if s.contains("── Balances") && words(&s).contains("out of range") {
            break s;
        }
        assert!(c.alive(), "the console ended on the detail: {}", panic_report(&c));
        assert!(
            opened.elapsed() < WAIT,
            "the detail never said out of range:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("the detail of the maximum wallet:\n{s}");
    // A few refreshes later it is still running and still drawing.
    std::thread::sleep(Duration::from_secs(3));
    assert!(c.alive(), "the console ended:\n{}", c.screen());
    assert!(
        c.in_alternate_screen(),
        "the console left its screen:\n{}",
        c.screen()
    );
    let raw = String::from_utf8_lossy(&c.raw()).to_string();
    assert!(!raw.contains("panicked"), "a panic report:\n{}", c.screen());
    let s = c.screen();
    assert!(
        words(&s).contains("out of range") && s.contains("── Balances"),
        "{s}"
    );
}
