//! The API key never shows: not in Debug or Display of settings, client config, client or
//! errors, not in any log line written during real calls (trace level, every crate), not in
//! the binary's error report or log file.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexwallet::api::models::{TopUpRequest, TransactionReason};
use flexwallet::api::{Client, ClientConfig, RetryPolicy};
use flexwallet::config::{ConfigFile, Overrides, resolve};
use secrecy::{ExposeSecret, SecretString};
use tracing_subscriber::fmt::MakeWriter;

use crate::client::fast_retry;
use crate::fixture;
use crate::server::{Scripted, Seen, Step};

/// Recognisable, and long enough that no accidental substring matches.
const KEY: &str = "sk_live_CANARY_4f9a7c21e8b3d6055a1c";

fn assert_clean(what: &str, shown: &str) {
    assert!(!shown.is_empty(), "{what}: nothing to check");
    assert!(!shown.contains(KEY), "{what} shows the API key: {shown}");
    // Not even a recognisable piece of it.
    assert!(
        !shown.contains("CANARY_4f9a"),
        "{what} shows part of the API key: {shown}"
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

#[test]
fn settings_config_and_client_never_show_the_key() {
    let path = Path::new("/home/ops/.config/flexwallet/config.toml");
    let text = "default_profile = \"prod\"\n[profiles.prod]\napi_key_env = \"PROD_KEY\"\n";
    let cfg = ConfigFile::parse(text, path).unwrap();
    let env = |k: &str| (k == "PROD_KEY").then(|| KEY.to_string());
    let settings = resolve(Some((path, &cfg, text)), &env, &Overrides::default()).unwrap();
    assert_eq!(
        settings.api_key.as_ref().unwrap().expose_secret(),
        KEY,
        "the key was loaded"
    );
    assert_clean("Settings Debug", &format!("{settings:?} {settings:#?}"));
    assert_clean("Settings Display", &settings.to_string());

    let mut config = ClientConfig::new("http://127.0.0.1:9/v1", SecretString::from(KEY));
    config.environment_id = Some("env_1".into());
    assert_clean("ClientConfig Debug", &format!("{config:?} {config:#?}"));
    let client = Client::new(config).unwrap();
    assert_clean("Client Debug", &format!("{client:?} {client:#?}"));
}

/// Calls that succeed, retry, fail on auth, time out, and settle a 409 through the ledger,
/// with every crate logging at trace level into a buffer.
#[test]
fn no_log_line_of_real_calls_shows_the_key() {
    // reqwest logs through the `log` crate: route it into tracing too.
    let _ = tracing_log::LogTracer::init();
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let (errors, seen) = runtime.block_on(async {
        let server = Scripted::start(|req: &Seen, i| match (req.method.as_str(), req.path(), i) {
            (_, _, 0) => Step::json(503, "").with_header("retry-after", "0"),
            ("GET", "/v1/wallets", _) => Step::json(200, fixture("wire/wallet_list.json")),
            ("GET", "/v1/wallets/denied", _) => Step::json(401, r#"{"error":"Unauthorized"}"#),
            ("GET", "/v1/wallets/slow", _) => Step::Delay(
                Duration::from_secs(6),
                Box::new(Step::json(200, fixture("wire/wallet.json"))),
            ),
            ("POST", _, _) => Step::json(409, fixture("errors/409_idempotency_key_reused.json")),
            ("GET", p, _) if p.ends_with("/transactions") => Step::json(200, "{\"items\":[]}"),
            _ => Step::json(404, fixture("errors/404_get_wallet_not_found.json")),
        })
        .await;
        let mut cfg = ClientConfig::new(&server.url, SecretString::from(KEY));
        cfg.environment_id = Some("env_1".into());
        cfg.retry = fast_retry(2);
        // Long enough for a loaded machine logging at TRACE; the slow step outlasts it.
        cfg.request_timeout = Duration::from_secs(2);
        let client = Client::new(cfg).unwrap();
        let mut errors = Vec::new();
        assert_eq!(client.list_wallets(None).await.unwrap().len(), 3);
        errors.push(client.get_wallet("denied").await.unwrap_err());
        errors.push(client.get_wallet("nope").await.unwrap_err());
        errors.push(client.get_wallet("slow").await.unwrap_err());
        let req = TopUpRequest {
            transaction_reason: TransactionReason::FreeCreditGrant,
            credits_to_add: Some(10.into()),
            idempotency_key: Some("k-1".into()),
            ..Default::default()
        };
        errors.push(
            client
                .top_up("wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5", &req)
                .await
                .unwrap_err(),
        );
        let mut none = ClientConfig::new(&server.url, SecretString::from(KEY));
        none.retry = RetryPolicy::none();
        errors.push(Client::new(none).unwrap().get_wallet("x").await.unwrap_err());
        (errors, server.seen())
    });
    drop(runtime);

    // The key was really sent, so the checks below are not vacuous.
    assert!(seen.iter().all(|s| s.header("x-api-key") == Some(KEY)));
    for e in &errors {
        assert_clean("ApiError Display", &e.to_string());
        assert_clean("ApiError Debug", &format!("{e:?}"));
    }
    let logs = captured.text();
    assert_clean("log lines", &logs);
    // The client logged each call: method, path, status, attempt and duration.
    assert!(logs.contains("api call"), "{logs}");
    assert!(
        logs.lines().any(|l| l.contains("method=GET")
            && l.contains("path=\"/wallets\"")
            && l.contains("status=200")
            && l.contains("attempt=2")
            && l.contains("ms=")),
        "{logs}"
    );
    assert!(logs.contains("retrying"), "{logs}");
    // Trace-level lines of the HTTP stack were captured too.
    assert!(logs.contains("TRACE"), "{logs}");
}

/// The binary with FLEXPRICE_API_KEY set, logging at trace level: neither its error report
/// nor its log file holds the key.
#[test]
fn the_binary_error_report_and_log_file_do_not_show_the_key() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(Scripted::start(|_, _| {
        Step::json(401, r#"{"error":"Unauthorized"}"#)
    }));
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args([
            "--api-url",
            &server.url,
            "--log-level",
            "trace,flexwallet=trace",
            "wallets",
            "list",
        ])
        .env("FLEXPRICE_API_KEY", KEY)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("RUST_BACKTRACE", "full")
        .env("RUST_LIB_BACKTRACE", "1")
        .env_remove("FLEXPRICE_ENVIRONMENT_ID")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("401 unauthorized: the API key was refused"),
        "{stderr}"
    );
    assert_clean("error report", &stderr);
    assert_clean(
        "stdout",
        &format!("(empty){}", String::from_utf8_lossy(&out.stdout)),
    );
    let log = std::fs::read_to_string(dir.path().join("state/flexwallet/flexwallet.log")).unwrap();
    assert!(log.contains("api call") && log.contains("status=401"), "{log}");
    assert!(log.contains("API key set"), "the settings line is logged: {log}");
    assert_clean("log file", &log);
    assert!(server.seen().iter().all(|s| s.header("x-api-key") == Some(KEY)));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("state/flexwallet/flexwallet.log"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the log file is private: {mode:o}");
    }
}
