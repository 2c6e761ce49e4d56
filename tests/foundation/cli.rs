//! The `flexwallet` binary: `wallets …` output, `--json`, completions and exit codes
//! (0 ok, 1 runtime/API error, 2 usage/config error).

use std::process::Output;

use serde_json::Value;

use crate::fixture;
use crate::fixture_path;
use crate::report::WALLET_TABLE;
use crate::server::{Scripted, Seen, Step};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with a clean environment for config/state and the given key.
fn flexwallet(args: &[&str], key: Option<&str>) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_flexwallet"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env_remove("FLEXPRICE_API_KEY")
        .env_remove("FLEXPRICE_API_URL")
        .env_remove("FLEXPRICE_ENVIRONMENT_ID")
        .env_remove("FLEXWALLET_PROFILE")
        .env_remove("RUST_LOG")
        // Operators' setting: the one-line report (and no backtrace capture slowing each run).
        .env("RUST_BACKTRACE", "0")
        .env_remove("RUST_LIB_BACKTRACE");
    if let Some(k) = key {
        cmd.env("FLEXPRICE_API_KEY", k);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).to_string(),
        stderr: String::from_utf8_lossy(&stderr).to_string(),
    }
}

fn flexprice() -> (tokio::runtime::Runtime, Scripted) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(Scripted::start(|req: &Seen, _| match req.path() {
        "/v1/wallets" => Step::json(200, fixture("wire/wallet_list.json")),
        p if p.ends_with("/balance/real-time") && p.contains("/wallet_01K3") => {
            Step::json(200, fixture("wire/wallet_balance.json"))
        }
        p if p.ends_with("/transactions") => Step::json(200, fixture("wire/transactions_page.json")),
        _ => Step::json(404, fixture("errors/404_get_wallet_not_found.json")),
    }));
    (runtime, server)
}

#[test]
fn wallets_list_prints_the_aligned_table_and_json_with_string_decimals() {
    let (_rt, server) = flexprice();
    let r = flexwallet(&["--api-url", &server.url, "wallets", "list"], Some("sk_cli"));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, WALLET_TABLE);

    let r = flexwallet(
        &[
            "--api-url",
            &server.url,
            "wallets",
            "list",
            "--status",
            "closed",
            "--json",
        ],
        Some("sk_cli"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let first = &v[0];
    assert_eq!(first["balance"], Value::String("1250.5".into()));
    assert_eq!(first["credit_balance"], Value::String("625.25".into()));
    assert_eq!(first["conversion_rate"], Value::String("2".into()));
    assert_eq!(
        first["alert_settings"]["critical"]["threshold"],
        Value::String("50".into())
    );
    assert_eq!(v[2]["balance"], Value::String("-1500".into()));
    assert!(r.stdout.contains("\"balance\": \"1250.5\""), "{}", r.stdout);
    assert_eq!(server.seen().last().unwrap().query(), "status=closed");
}

#[test]
fn wallets_get_and_transactions() {
    let (_rt, server) = flexprice();
    let id = "wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5";
    let r = flexwallet(&["--api-url", &server.url, "wallets", "get", id], Some("sk_cli"));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "FIELD                 VALUE\nid                    wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5\n"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\nreal-time balance     980.249999999 usd\n"),
        "{}",
        r.stdout
    );

    let r = flexwallet(
        &["--api-url", &server.url, "wallets", "get", id, "--json"],
        Some("sk_cli"),
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["real_time_balance"], Value::String("980.249999999".into()));
    assert_eq!(
        v["credits_available_breakdown"]["free"],
        Value::String("225.25".into())
    );

    let r = flexwallet(
        &[
            "--api-url",
            &server.url,
            "wallets",
            "transactions",
            id,
            "--limit",
            "3",
            "--json",
        ],
        Some("sk_cli"),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["credit_amount"], Value::String("12.375".into()));
    assert_eq!(server.seen().last().unwrap().query(), "limit=3&offset=0");

    let r = flexwallet(
        &[
            "--api-url",
            &server.url,
            "wallets",
            "transactions",
            id,
            "--limit",
            "3",
        ],
        Some("sk_cli"),
    );
    assert!(r.stdout.starts_with("TIME (UTC)           ID"), "{}", r.stdout);
    assert_eq!(r.stdout.lines().count(), 4);
}

#[test]
fn api_and_network_errors_exit_1_with_a_sentence() {
    let (_rt, server) = flexprice();
    let r = flexwallet(
        &["--api-url", &server.url, "wallets", "get", "nope"],
        Some("sk_cli"),
    );
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stderr, "flexwallet: 404 not_found: wallet not found\n");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let r = flexwallet(&["--api-url", &url, "wallets", "list"], Some("sk_cli"));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .starts_with(&format!("flexwallet: cannot connect to 127.0.0.1:{port}: ")),
        "{}",
        r.stderr
    );
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let config = fixture_path("config/wrong_type.toml");
    let r = flexwallet(
        &["--config", config.to_str().unwrap(), "wallets", "list"],
        Some("sk_cli"),
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        format!(
            "flexwallet: {}:10: profiles.staging.read_only: invalid type: string \"yes\", expected a boolean\n",
            config.display()
        )
    );

    let profiles = fixture_path("config/profiles.toml");
    let r = flexwallet(
        &[
            "--config",
            profiles.to_str().unwrap(),
            "--profile",
            "stagin",
            "wallets",
            "list",
        ],
        None,
    );
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("profiles.toml:9: profiles.stagin: "),
        "{}",
        r.stderr
    );

    let r = flexwallet(&["wallets", "list"], None);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("no API key: set FLEXPRICE_API_KEY"),
        "{}",
        r.stderr
    );

    let r = flexwallet(
        &["--api-url", "api.flexprice.io", "wallets", "list"],
        Some("sk_cli"),
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("is not a URL"), "{}", r.stderr);

    for bad in [
        &["wallets", "list", "--status", "bogus"][..],
        &["--color", "sometimes"],
        &["wallets", "frobnicate"],
    ] {
        let r = flexwallet(bad, Some("sk_cli"));
        assert_eq!(r.code, Some(2), "{bad:?}: {}", r.stderr);
    }
    let r = flexwallet(&["--log-level", "loud", "wallets", "list"], Some("sk_cli"));
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("bad log level \"loud\""), "{}", r.stderr);
}

#[test]
fn completions_for_a_shell() {
    let r = flexwallet(&["completions", "bash"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("_flexwallet()") && r.stdout.contains("transactions"),
        "{}",
        r.stdout
    );
}

/// `flexwallet sandbox --help` lists the sandbox's own flags only: the console's (`--refresh`,
/// `--keymap`, `--read-only`…) mean nothing to a server. They are still accepted there, as
/// before, and still listed where they apply.
#[test]
fn sandbox_help_lists_no_console_flag() {
    let r = flexwallet(&["sandbox", "--help"], None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for own in [
        "--wallets",
        "--fail-rate",
        "--api-key",
        "--environment-id",
        "--burn",
        "--log-level",
    ] {
        assert!(r.stdout.contains(own), "{own} missing:\n{}", r.stdout);
    }
    for console in [
        "--refresh",
        "--keymap",
        "--read-only ",
        "--profile",
        "--config",
        "--api-url",
        "--color",
        "--demo ",
    ] {
        assert!(!r.stdout.contains(console), "{console} listed:\n{}", r.stdout);
    }
    let top = flexwallet(&["--help"], None);
    assert!(
        top.stdout.contains("--refresh") && top.stdout.contains("--keymap"),
        "{}",
        top.stdout
    );
    let list = flexwallet(&["wallets", "list", "--help"], None);
    assert!(list.stdout.contains("--profile"), "{}", list.stdout);
}
