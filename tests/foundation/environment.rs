//! The binary in hostile surroundings: values out of range, no terminal, a closed pipe,
//! `RUST_BACKTRACE` set on a server, files others may write; and the modes of what it creates.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::fixture;
use crate::server::{Scripted, Step};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The binary with its config and state under `home`, no key and no backtrace variables: the
/// caller adds what the test is about. FLEXWALLET_BIN runs another build (an older one, to see
/// a test fail).
fn flexwallet(home: &Path, args: &[&str]) -> Command {
    let bin = std::env::var_os("FLEXWALLET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_flexwallet").into());
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("FLEXPRICE_API_KEY")
        .env_remove("FLEXPRICE_API_URL")
        .env_remove("FLEXPRICE_ENVIRONMENT_ID")
        .env_remove("FLEXWALLET_PROFILE")
        .env_remove("RUST_LOG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

/// `| head -1` at its worst: the reader is gone before the first byte is written.
fn into_closed_pipe(cmd: &mut Command) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer);
    let out = cmd
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
        .wait_with_output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

/// A Flexprice that lists wallets and refuses every key with 401.
fn flexprice(runtime: &tokio::runtime::Runtime, refuse: bool) -> Scripted {
    runtime.block_on(Scripted::start(move |_, _| {
        if refuse {
            Step::json(401, fixture("errors/401_unauthorized.json"))
        } else {
            Step::json(200, fixture("wire/wallet_list.json"))
        }
    }))
}

/// An API no test reaches: these runs must stop before any request.
const NOWHERE: &str = "http://127.0.0.1:1/v1";

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn refresh_out_of_range_is_refused_by_name_before_anything_runs() {
    let home = tempfile::tempdir().unwrap();
    // Used to panic in the console ("overflow when adding duration to instant").
    let r = run(flexwallet(
        home.path(),
        &[
            "--api-url",
            NOWHERE,
            "--refresh",
            "18446744073709551615",
            "wallets",
            "list",
        ],
    )
    .env("FLEXPRICE_API_KEY", "sk_env"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("'--refresh <SECS>'") && r.stderr.contains("is not in 0..=86400"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "default_profile = \"prod\"\n\n[profiles.prod]\nrefresh_secs = 9223372036854775807\n",
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = run(flexwallet(
        home.path(),
        &[
            "--api-url",
            NOWHERE,
            "--config",
            config.to_str().unwrap(),
            "wallets",
            "list",
        ],
    )
    .env("FLEXPRICE_API_KEY", "sk_env"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "flexwallet: {}:4: profiles.prod.refresh_secs: 9223372036854775807 is out of range: 0 (off) to 86400 seconds\n",
            config.display()
        )
    );
}

/// Whatever reaches it, the refresh timer never adds past the clock's end.
#[test]
fn a_refresh_timer_beyond_the_clock_is_none_not_a_panic() {
    let rt = runtime();
    rt.block_on(async {
        assert!(flexwallet::tui::refresh_timer(std::time::Duration::MAX).is_none());
        assert!(flexwallet::tui::refresh_timer(std::time::Duration::ZERO).is_none());
        assert!(flexwallet::tui::refresh_timer(std::time::Duration::from_secs(5)).is_some());
    });
}

#[test]
fn serve_durations_out_of_range_are_refused() {
    use flexwallet::cli::parse_duration;
    assert_eq!(
        parse_duration("168h"),
        Ok(std::time::Duration::from_secs(604_800))
    );
    for bad in ["169h", "18446744073709551615h", "18446744073709551615m", "604801"] {
        let e = parse_duration(bad).unwrap_err();
        assert!(e.contains("out of range: at most 168h"), "{bad}: {e}");
    }
}

#[test]
fn the_console_without_a_terminal_says_so() {
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}/v1", closed_port());
    for args in [&["--api-url", url.as_str()][..], &["--demo", "--burn", "0"]] {
        // stdin is /dev/null and stdout a pipe: `flexwallet < /dev/null`, or from cron.
        let r = run(flexwallet(home.path(), args).env("FLEXPRICE_API_KEY", "sk_env"));
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            "flexwallet: the console needs a terminal, and neither stdin nor stdout is one; for \
             scripts use `flexwallet wallets …` or `flexwallet topup …`, and `flexwallet serve` \
             offers the console over SSH\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly_with_0() {
    let home = tempfile::tempdir().unwrap();
    let r = into_closed_pipe(&mut flexwallet(home.path(), &["completions", "bash"]));
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));

    let rt = runtime();
    let server = flexprice(&rt, false);
    for json in [false, true] {
        let mut args = vec!["--api-url", server.url.as_str(), "wallets", "list"];
        args.extend(json.then_some("--json"));
        let r = into_closed_pipe(flexwallet(home.path(), &args).env("FLEXPRICE_API_KEY", "sk_env"));
        assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{args:?}");
    }
}

/// Servers often run with RUST_BACKTRACE=1: an error is still one plain line, in a file too.
#[test]
fn ordinary_errors_are_one_plain_line_whatever_rust_backtrace_says() {
    let home = tempfile::tempdir().unwrap();
    let rt = runtime();
    let refusing = flexprice(&rt, true);
    let unreachable = format!("http://127.0.0.1:{}/v1", closed_port());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_addr = taken.local_addr().unwrap().to_string();
    let cases: [(&[&str], i32); 4] = [
        (&["--api-url", &refusing.url, "wallets", "list"], 1),
        (&["--api-url", &unreachable, "wallets", "list"], 1),
        (&["sandbox", "--addr", &taken_addr], 1),
        (&["--api-url", &unreachable, "serve", "--addr", &taken_addr], 2),
    ];
    for (args, code) in cases {
        let r = run(flexwallet(home.path(), args)
            .env("FLEXPRICE_API_KEY", "sk_env")
            .env("RUST_BACKTRACE", "1")
            .env("RUST_LIB_BACKTRACE", "full"));
        assert_eq!(r.code, Some(code), "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}:\n{}", r.stderr);
        assert!(r.stderr.starts_with("flexwallet: "), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains('\x1b'), "{args:?}: {:?}", r.stderr);
        assert!(!r.stderr.contains("BACKTRACE"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn a_config_or_operators_file_others_may_write_is_refused_with_its_mode() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[profiles.prod]\nread_only = true\n").unwrap();
    for (mode, who) in [
        (0o664, "group-writable (mode 0664)"),
        (0o646, "world-writable (mode 0646)"),
        (0o666, "group- and world-writable (mode 0666)"),
    ] {
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(mode)).unwrap();
        let r = run(flexwallet(
            home.path(),
            &[
                "--api-url",
                NOWHERE,
                "--config",
                config.to_str().unwrap(),
                "wallets",
                "list",
            ],
        )
        .env("FLEXPRICE_API_KEY", "sk_env"));
        assert_eq!(r.code, Some(2), "{}", r.stderr);
        let path = config.display();
        assert_eq!(
            r.stderr,
            format!("flexwallet: {path}: (file): {who}, so others could change it; run chmod go-w {path}\n")
        );
    }
    // The default file is checked the same way; 0644 (others read) is fine.
    let default = home.path().join("config/flexwallet/config.toml");
    std::fs::create_dir_all(default.parent().unwrap()).unwrap();
    std::fs::write(&default, "[profiles.prod]\nread_only = true\n").unwrap();
    std::fs::set_permissions(&default, std::fs::Permissions::from_mode(0o620)).unwrap();
    let r = run(
        flexwallet(home.path(), &["--api-url", NOWHERE, "wallets", "list"])
            .env("FLEXPRICE_API_KEY", "sk_env"),
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("group-writable (mode 0620)"), "{}", r.stderr);
    std::fs::set_permissions(&default, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = run(
        flexwallet(home.path(), &["--api-url", NOWHERE, "wallets", "list"])
            .env("FLEXPRICE_API_KEY", "sk_env"),
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);

    let operators = home.path().join("operators.toml");
    std::fs::write(&operators, "").unwrap();
    std::fs::set_permissions(&operators, std::fs::Permissions::from_mode(0o666)).unwrap();
    let e = flexwallet::serve::authorized::Authorized::load(&operators).unwrap_err();
    assert!(
        e.message
            .contains("group- and world-writable (mode 0666), so others could change it; run chmod go-w"),
        "{e}"
    );
    let r = run(flexwallet(
        home.path(),
        &[
            "--api-url",
            NOWHERE,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--authorized",
            operators.to_str().unwrap(),
        ],
    )
    .env("FLEXPRICE_API_KEY", "sk_env"));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("world-writable (mode 0666)"), "{}", r.stderr);
    std::fs::set_permissions(&operators, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(flexwallet::serve::authorized::Authorized::load(&operators).is_ok());
}

/// A bulk top-up against a sandbox leaves only owner-only files and directories: the state
/// directory, `jobs/`, the journal, the audit log, the log and the results (even over a file
/// that was 0644), and a journal kept elsewhere, with its note in `jobs/`.
#[test]
fn what_the_tool_creates_is_for_its_user_only() {
    let home = tempfile::tempdir().unwrap();
    let rt = runtime();
    let sandbox = rt
        .block_on(flexwallet::sandbox::start_embedded(
            flexwallet::sandbox::SandboxOptions {
                wallets: 4,
                ..Default::default()
            },
        ))
        .unwrap();
    let r = run(flexwallet(
        home.path(),
        &["--api-url", &sandbox.url, "wallets", "list", "--json"],
    )
    .env("FLEXPRICE_API_KEY", &sandbox.api_key));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let wallets: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let active: Vec<&str> = wallets
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["wallet_status"] == "active")
        .filter_map(|w| w["id"].as_str())
        .collect();
    assert!(active.len() >= 2, "{}", r.stdout);

    let topup = |wallet: &str, extra: &[&str]| {
        let plan = home.path().join(format!("{wallet}.csv"));
        std::fs::write(&plan, format!("wallet_id,credits_to_add\n{wallet},1\n")).unwrap();
        let mut args = vec![
            "--api-url",
            sandbox.url.as_str(),
            "topup",
            "--csv",
            plan.to_str().unwrap(),
            "--reason",
            "PURCHASED_CREDIT_DIRECT",
            "--yes",
        ];
        args.extend_from_slice(extra);
        let r = run(flexwallet(home.path(), &args).env("FLEXPRICE_API_KEY", &sandbox.api_key));
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.stderr);
    };

    let results = home.path().join("results.csv");
    std::fs::write(&results, "old").unwrap();
    std::fs::set_permissions(&results, std::fs::Permissions::from_mode(0o644)).unwrap();
    topup(active[0], &["--results", results.to_str().unwrap()]);
    let state = home.path().join("state/flexwallet");
    let jobs = state.join("jobs");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&jobs), 0o700);
    assert_eq!(mode(&state.join("audit.jsonl")), 0o600);
    assert_eq!(mode(&state.join("flexwallet.log")), 0o600);
    let journals: Vec<_> = std::fs::read_dir(&jobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!journals.is_empty());
    for j in &journals {
        assert_eq!(mode(j), 0o600, "{}", j.display());
    }
    assert_eq!(mode(&results), 0o600);
    assert!(std::fs::read_to_string(&results).unwrap().contains(active[0]));

    let elsewhere = home.path().join("kept/jobs/one.jsonl");
    topup(active[1], &["--journal", elsewhere.to_str().unwrap()]);
    assert_eq!(mode(&home.path().join("kept")), 0o700);
    assert_eq!(mode(elsewhere.parent().unwrap()), 0o700);
    assert_eq!(mode(&elsewhere), 0o600);
    let notes: Vec<_> = std::fs::read_dir(&jobs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !journals.contains(p))
        .collect();
    assert!(!notes.is_empty(), "no note of the journal kept elsewhere");
    for n in &notes {
        assert_eq!(mode(n), 0o600, "{}", n.display());
    }
    rt.block_on(sandbox.shutdown());
}

/// The console's `:export` writes through the same helper: 0600, also over a file that was 0644.
#[test]
fn exported_csvs_are_for_their_user_only() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("wallets.csv");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let wallets: Vec<flexwallet::api::models::Wallet> =
        serde_json::from_str(&fixture("wire/wallet_list.json"))
            .map(|v: serde_json::Value| serde_json::from_value(v["items"].clone()).unwrap())
            .unwrap();
    let none = Default::default();
    let n = flexwallet::report::export_wallets(&path, &wallets, &none, true).unwrap();
    assert_eq!(n, wallets.len());
    assert_eq!(mode(&path), 0o600);
    let fresh = home.path().join("fresh.csv");
    flexwallet::report::export_wallets(&fresh, &wallets, &none, false).unwrap();
    assert_eq!(mode(&fresh), 0o600);
}

/// As noticed: the export named each wallet's customer by id only, though the console shows
/// its name. The name and external id come last, cleaned as every cell is (a name a
/// spreadsheet would run as a formula is led by `'`); an unknown customer leaves them empty.
#[test]
fn exported_wallets_carry_their_customers_name_and_external_id() {
    use flexwallet::app::customers::{CustomerInfo, Customers};
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("wallets.csv");
    let mut wallets: Vec<flexwallet::api::models::Wallet> =
        serde_json::from_str(&fixture("wire/wallet_list.json"))
            .map(|v: serde_json::Value| serde_json::from_value(v["items"].clone()).unwrap())
            .unwrap();
    let mut unknown = wallets[0].clone();
    unknown.customer_id = "cust_nobody".into();
    wallets.push(unknown);
    let mut customers = Customers::new();
    customers.insert(
        wallets[0].customer_id.clone(),
        CustomerInfo {
            name: "=HYPERLINK(\"http://x\")".into(),
            external_id: "acme-001".into(),
        },
    );
    flexwallet::report::export_wallets(&path, &wallets, &customers, false).unwrap();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[header.len() - 2..],
        ["customer_name", "customer_external_id"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), wallets.len());
    assert_eq!(&rows[0][2], wallets[0].customer_id.as_str(), "the id stays");
    assert_eq!(&rows[0][12], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&rows[0][13], "acme-001");
    let last = &rows[rows.len() - 1];
    assert_eq!((&last[2], &last[12], &last[13]), ("cust_nobody", "", ""));
}

/// A real bug still gets color-eyre's report, with its backtrace when asked for: in a terminal
/// console whose stderr goes to a file (a service's log), as plain text without colour codes.
#[test]
fn a_panic_still_gets_its_report_in_plain_text_when_stderr_is_a_file() {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let home = tempfile::tempdir().unwrap();
    let report = home.path().join("stderr.txt");
    let bin = std::env::var_os("FLEXWALLET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_flexwallet").into());
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    // stdin and stdout are the terminal; stderr is the file.
    let mut cmd = CommandBuilder::new("sh");
    cmd.args([
        "-c",
        "exec \"$0\" --demo --burn 0 --test-panic-after 300 2>\"$1\"",
    ]);
    cmd.arg(&bin);
    cmd.arg(&report);
    cmd.env("TERM", "xterm-256color");
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env("RUST_BACKTRACE", "1");
    cmd.env_remove("NO_COLOR");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    // Drain the terminal so that the console never blocks on writing its screen.
    let mut reader = pair.master.try_clone_reader().unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("no panic within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("The application panicked (crashed)."), "{text}");
    assert!(text.contains("test panic requested"), "{text}");
    assert!(text.contains("BACKTRACE"), "{text}");
    assert!(!text.contains('\x1b'), "{text:?}");
}
