//! The client and the `flexwallet` binary against the hostile fake Flexprice: the key never
//! follows a redirect, a huge reply stops at the cap in bounded memory, nonsense is a decode
//! error naming the call, a dripping body times out, and no escape sequence reaches stderr.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flexwallet::api::models::{WalletSearch, WalletStatus};
use flexwallet::api::{ApiError, Client, ClientConfig, RetryPolicy};
use rust_decimal::Decimal;
use secrecy::SecretString;

use crate::hostile::{self, DECIMAL_MAX, Hostile, KEY, Scenario};

fn client(h: &Hostile, attempts: u32, timeout: Duration, max_reply_bytes: u64) -> Client {
    let mut cfg = ClientConfig::new(&h.url, SecretString::from(KEY));
    cfg.retry = RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    cfg.request_timeout = timeout;
    cfg.max_reply_bytes = max_reply_bytes;
    Client::new(cfg).unwrap()
}

const MB: u64 = 1024 * 1024;

fn no_terminal_controls(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n')
}

#[tokio::test]
async fn a_redirect_is_never_followed_and_the_key_stays_home() {
    let h = Hostile::start(Scenario::Redirect).await;
    // Reads are retried on transient errors: a redirect must not be one.
    let c = client(&h, 4, Duration::from_secs(5), 16 * MB);
    let list = c.list_wallets(None).await;
    let search = c.search_wallets(&WalletSearch::default()).await;
    assert!(
        h.decoy_keys().is_empty(),
        "the decoy port saw requests, with keys {:?}",
        h.decoy_keys()
    );
    assert_eq!(h.requests(), 2, "one request a call, no retry");
    for (result, call) in [
        (list.map(|_| ()), "GET /v1/wallets"),
        (search.map(|_| ()), "POST /v1/wallets/search"),
    ] {
        let err = result.unwrap_err();
        let path = call.split(' ').nth(1).unwrap();
        let want = format!("{}{}", h.decoy_url.trim_end_matches("/v1"), path);
        match &err {
            ApiError::Redirected {
                status: 307,
                location: Some(location),
                ..
            } => assert!(location.starts_with(&want), "{location} / {want}"),
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("{call}: the API answered 307 redirect to {want}"))
                && text.contains("flexwallet does not follow redirects")
                && text.contains(&format!("sent only to {}", h.url.trim_end_matches("/v1"))),
            "{text}"
        );
        // The Location's userinfo is not repeated.
        assert!(!text.contains("pass"), "{text}");
    }
}

#[tokio::test]
async fn a_huge_reply_stops_at_the_cap_without_reading_the_rest() {
    let h = Hostile::start(Scenario::Huge).await;
    let c = client(&h, 4, Duration::from_secs(30), 8 * MB);
    let started = Instant::now();
    let err = c.list_wallets(None).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::TooLarge { status: 200, call, limit_bytes } if call == "GET /v1/wallets" && *limit_bytes == 8 * MB),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "reply larger than 8 MB from GET /v1/wallets; raise max_reply_mb in the config file's \
         profile if the API really sends this much"
    );
    assert_eq!(h.requests(), 1, "not repeated");
    // The server could send 4 GiB; it was stopped after the cap and what the sockets buffer.
    let sent = h.huge_sent();
    assert!(sent < 8 * MB + 16 * MB, "{sent} bytes handed out");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn nonsense_replies_are_decode_errors_naming_the_call() {
    for scenario in [Scenario::Garbage, Scenario::WrongTypes, Scenario::Nulls] {
        let h = Hostile::start(scenario).await;
        let c = client(&h, 1, Duration::from_secs(5), 16 * MB);
        let results = [
            (
                "GET /v1/wallets",
                c.list_wallets(Some(&WalletStatus::Active)).await.map(|_| ()),
            ),
            ("GET /v1/wallets/w1", c.get_wallet("w1").await.map(|_| ())),
            (
                "GET /v1/wallets/w1/balance/real-time",
                c.real_time_balance("w1").await.map(|_| ()),
            ),
            (
                "POST /v1/wallets/search",
                c.search_wallets(&WalletSearch::default()).await.map(|_| ()),
            ),
        ];
        for (call, result) in results {
            let Err(err) = result else {
                panic!("{scenario:?} {call}: decoded");
            };
            assert!(
                matches!(&err, ApiError::Undecodable { status: 200, .. }),
                "{scenario:?} {call}: {err:?}"
            );
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("200 unreadable reply from {call}: ")),
                "{scenario:?}: {text}"
            );
            assert!(no_terminal_controls(&text), "{scenario:?}: {text:?}");
        }
    }
}

#[tokio::test]
async fn an_html_500_is_an_error_naming_the_call() {
    let h = Hostile::start(Scenario::Html500).await;
    let c = client(&h, 2, Duration::from_secs(5), 16 * MB);
    let err = c.get_wallet("w1").await.unwrap_err();
    assert_eq!(
        h.requests(),
        2,
        "a 500 is transient: retried as the policy allows, then given up"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("500 unreadable reply from GET /v1/wallets/w1: not a Flexprice error body; the body starts \"<html>"),
        "{text}"
    );
}

#[tokio::test]
async fn decimal_maximum_balances_decode_and_beyond_them_is_a_clean_error() {
    let h = Hostile::start(Scenario::DecimalMax).await;
    let c = client(&h, 1, Duration::from_secs(5), 16 * MB);
    let w = c.get_wallet("wallet_max").await.unwrap();
    assert_eq!(w.balance, Decimal::MAX);
    assert_eq!(w.balance.to_string(), DECIMAL_MAX);
    assert_eq!(
        c.list_wallets(None).await.unwrap()[0].credit_balance,
        Decimal::MAX
    );

    let h = Hostile::start(Scenario::DecimalBeyond).await;
    let c = client(&h, 1, Duration::from_secs(5), 16 * MB);
    for err in [
        c.get_wallet("wallet_big").await.unwrap_err(),
        c.list_wallets(None).await.unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(
            matches!(&err, ApiError::Undecodable { reason, .. } if reason.contains("balance")),
            "{err:?}"
        );
        assert!(text.contains("unreadable reply from GET /v1/wallets"), "{text}");
    }
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_request_timeout() {
    let h = Hostile::start(Scenario::Drip).await;
    let c = client(&h, 2, Duration::from_millis(1200), 16 * MB);
    let started = Instant::now();
    let err = c.list_wallets(None).await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert_eq!(
        h.requests(),
        2,
        "timed out, retried once as allowed, timed out again"
    );
    assert!(
        took >= Duration::from_millis(2400) && took < Duration::from_secs(8),
        "{took:?}"
    );
}

/// What a run of the binary left: exit code, output, and its peak RSS in MB.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    peak_rss_mb: f64,
}

/// Runs `flexwallet ARGS` with a fresh config and state, `config` as its config.toml (if any),
/// watching its peak RSS.
fn flexwallet(args: &[&str], config: Option<&str>) -> Run {
    flexwallet_in(&tempfile::tempdir().unwrap(), args, config)
}

/// [`flexwallet`] with its config and state under `dir`, kept for the test to read.
fn flexwallet_in(dir: &tempfile::TempDir, args: &[&str], config: Option<&str>) -> Run {
    if let Some(text) = config {
        std::fs::create_dir_all(dir.path().join("config/flexwallet")).unwrap();
        std::fs::write(dir.path().join("config/flexwallet/config.toml"), text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args(args)
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("FLEXPRICE_API_KEY", KEY)
        .env_remove("FLEXPRICE_API_URL")
        .env_remove("FLEXPRICE_ENVIRONMENT_ID")
        .env_remove("FLEXWALLET_PROFILE")
        .env_remove("RUST_LOG")
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let readers = (
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            out.read_to_end(&mut buf).unwrap();
            buf
        }),
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            err.read_to_end(&mut buf).unwrap();
            buf
        }),
    );
    // The child's own peak, read from /proc while it runs (its rusage would count the test
    // process it was forked from): VmHWM only grows, so the last reading is the best.
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            let hwm = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: readers.0.join().unwrap(),
        stderr: readers.1.join().unwrap(),
        peak_rss_mb: peak_kb as f64 / 1024.0,
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_cli_prints_an_escape_laden_api_error_without_its_escapes() {
    let (_rt, h) = Hostile::start_blocking(Scenario::EscapeError);
    let r = flexwallet(&["--api-url", &h.url, "wallets", "list"], None);
    let stderr = text(&r.stderr);
    assert_eq!(r.code, Some(1), "{stderr}");
    for byte in [0x1b, 0x07, 0x9b] {
        assert!(!r.stderr.contains(&byte), "byte {byte:#x} on stderr: {stderr:?}");
    }
    assert!(no_terminal_controls(
        &stderr.trim_end_matches('\n').replace('\n', " ")
    ));
    // The words stay; the sequences' contents (the title, the clipboard's payload) go.
    assert!(
        stderr.contains("400 invalid_operation: wallet refused by the hostile server"),
        "{stderr:?}"
    );
    assert!(
        !stderr.contains("HOSTILE-TITLE") && !stderr.contains("SE9TVElMRQ"),
        "{stderr:?}"
    );
}

#[test]
fn the_cli_shows_names_from_the_api_without_their_escapes() {
    let (_rt, h) = Hostile::start_blocking(Scenario::EscapeNames);
    let r = flexwallet(&["--api-url", &h.url, "wallets", "list"], None);
    let stdout = text(&r.stdout);
    assert_eq!(r.code, Some(0), "{}", text(&r.stderr));
    assert!(
        !r.stdout.contains(&0x1b) && !r.stdout.contains(&0x07),
        "{stdout:?}"
    );
    assert!(stdout.contains(hostile::CLEAN_NAME), "{stdout}");
    assert!(stdout.contains("Beta Ltd"), "{stdout}");
}

#[test]
fn the_cli_says_where_a_redirect_pointed_and_sends_nothing_there() {
    let (_rt, h) = Hostile::start_blocking(Scenario::Redirect);
    let r = flexwallet(&["--api-url", &h.url, "wallets", "list"], None);
    let stderr = text(&r.stderr);
    assert_eq!(r.code, Some(1), "{stderr}");
    let decoy = format!("{}/wallets", h.decoy_url);
    assert!(
        stderr.contains(&format!("the API answered 307 redirect to {decoy}"))
            && stderr.contains("does not follow redirects"),
        "{stderr}"
    );
    assert!(!stderr.contains("user:pass"), "{stderr}");
    assert!(h.decoy_keys().is_empty(), "{:?}", h.decoy_keys());
    assert_eq!(h.requests(), 1);
}

#[test]
fn the_cli_stops_a_huge_reply_at_max_reply_mb_in_bounded_memory() {
    let (_rt, h) = Hostile::start_blocking(Scenario::Huge);
    let config = "default_profile = \"hostile\"\n[profiles.hostile]\nmax_reply_mb = 16\n";
    let started = Instant::now();
    let r = flexwallet(&["--api-url", &h.url, "wallets", "list"], Some(config));
    let took = started.elapsed();
    let stderr = text(&r.stderr);
    assert_eq!(r.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("reply larger than 16 MB from GET /v1/wallets; raise max_reply_mb"),
        "{stderr}"
    );
    eprintln!(
        "huge reply, max_reply_mb = 16: {took:.1?}, peak RSS {:.0} MB, {} MB handed out by the server",
        r.peak_rss_mb,
        h.huge_sent() / MB
    );
    // The binary alone is ~15 MB resident; the reply adds at most the cap.
    assert!(r.peak_rss_mb < 16.0 + 64.0, "peak RSS {:.0} MB", r.peak_rss_mb);
    assert!(h.huge_sent() < 16 * MB + 16 * MB, "{} bytes", h.huge_sent());
}

#[test]
fn max_reply_mb_out_of_range_is_a_config_error() {
    let config = "default_profile = \"p\"\n[profiles.p]\nmax_reply_mb = 0\n";
    let r = flexwallet(
        &["--api-url", "http://127.0.0.1:9/v1", "wallets", "list"],
        Some(config),
    );
    let stderr = text(&r.stderr);
    assert_eq!(r.code, Some(2), "{stderr}");
    assert!(
        stderr.contains("max_reply_mb: 0 is out of range: 1 to 65536 MB"),
        "{stderr}"
    );
}

#[test]
fn userinfo_in_the_api_url_never_reaches_the_log_or_the_screen() {
    let (_rt, h) = Hostile::start_blocking(Scenario::EscapeNames);
    let with_secret = h.url.replace("http://", "http://ops:s3cretPW@");
    let dir = tempfile::tempdir().unwrap();
    let r = flexwallet_in(
        &dir,
        &[
            "--api-url",
            &with_secret,
            "--log-level",
            "debug",
            "wallets",
            "list",
        ],
        None,
    );
    assert_eq!(r.code, Some(0), "{}", text(&r.stderr));
    let log = std::fs::read_to_string(dir.path().join("state/flexwallet/flexwallet.log")).unwrap();
    assert!(log.contains(&format!("API {}", h.url)), "{log}");
    let everything = format!("{log}{}{}", text(&r.stdout), text(&r.stderr));
    assert!(
        !everything.contains("s3cretPW") && !everything.contains("ops:"),
        "{everything}"
    );

    // And an error about that URL does not repeat it either.
    let r = flexwallet(
        &[
            "--api-url",
            "ftp://ops:s3cretPW@example.com/v1",
            "wallets",
            "list",
        ],
        None,
    );
    let stderr = text(&r.stderr);
    assert_eq!(r.code, Some(2), "{stderr}");
    assert!(
        stderr.contains("ftp://example.com/v1") && !stderr.contains("s3cretPW"),
        "{stderr}"
    );
}

/// Found by the attack pass: a server that answers the same full page whatever it is asked was
/// paged for ever by the runway's pass (30 searches a second, the same debits counted again
/// each time). The pass stops, says why, and sends a bounded number of requests.
#[tokio::test]
async fn the_runway_pass_stops_on_a_server_that_repeats_its_page() {
    let h = Hostile::start(Scenario::RepeatedPage).await;
    let c = client(&h, 1, Duration::from_secs(5), 16 * MB);
    let window = flexwallet::app::runway::Window::ending(chrono::Utc::now(), 24);
    let pass = tokio::time::timeout(
        Duration::from_secs(30),
        flexwallet::tui::runway::pass(&c, window, |_, _| {}),
    )
    .await
    .expect("the pass ends");
    let err = pass.expect_err("a repeated page is not figures");
    assert!(err.to_string().contains("kept paging"), "{err}");
    assert!(h.requests() <= 3, "{} requests", h.requests());
}
