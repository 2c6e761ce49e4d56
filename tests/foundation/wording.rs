//! What the command line says, as seen wrong in issue 23: each test failed before its fix.

use std::path::Path;
use std::process::Command;

use flexwallet::config::{ConfigFile, Overrides, resolve};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn flexwallet(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args(args)
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env_remove("FLEXPRICE_API_KEY")
        .env_remove("FLEXWALLET_PROFILE")
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// As seen: `--limit 0` → `0 is not in 1..18446744073709551615`.
#[test]
fn a_count_out_of_range_says_so_in_words() {
    let r = flexwallet(&["wallets", "transactions", "wallet_x", "--limit", "0"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("must be at least 1"), "{}", r.stderr);
    assert!(!r.stderr.contains("18446744073709551615"), "{}", r.stderr);
    let r = flexwallet(&[
        "wallets",
        "transactions",
        "wallet_x",
        "--limit",
        "99999999999999999999",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.contains("too large: at most 18,446,744,073,709,551,615"),
        "{}",
        r.stderr
    );
    let r = flexwallet(&["serve", "--demo", "--max-sessions", "0"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("must be at least 1"), "{}", r.stderr);
}

/// As seen: `wallets transactions wallet_nope` printed an empty table and exited 0.
#[test]
fn the_ledger_of_a_wallet_that_does_not_exist_is_an_error() {
    let r = flexwallet(&["--demo", "wallets", "transactions", "wallet_nope"]);
    assert_eq!(r.code, Some(1), "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("404"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "no table: {}", r.stdout);
}

/// As seen: a bad keymap file exited 1, where the README says configuration errors exit 2.
#[test]
fn a_bad_keymap_file_is_a_configuration_error() {
    let keymap = crate::fixture_path("keymap/unknown_action.toml");
    let r = flexwallet(&["--keymap", keymap.to_str().unwrap(), "serve", "--demo"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("unknown action"), "{}", r.stderr);
}

/// As seen: `confirm_above = 10` was refused (only `"10"` was taken).
#[test]
fn confirm_above_takes_a_number_or_a_string() {
    let path = Path::new("c.toml");
    let flags = Overrides {
        profile: Some("p".into()),
        ..Overrides::default()
    };
    for (value, want) in [
        ("10", "10"),
        ("12.5", "12.5"),
        ("\"10\"", "10"),
        ("2500000", "2500000"),
    ] {
        let text = format!("[profiles.p]\nconfirm_above = {value}\n");
        let cfg = ConfigFile::parse(&text, path).unwrap_or_else(|e| panic!("{value}: {e}"));
        let s = resolve(Some((path, &cfg, &text)), &|_| None, &flags).unwrap();
        assert_eq!(s.confirm_above.map(|d| d.to_string()).as_deref(), Some(want));
    }
    for bad in ["-5", "true", "\"lots\""] {
        let text = format!("[profiles.p]\nconfirm_above = {bad}\n");
        let e = ConfigFile::parse(&text, path).expect_err(bad);
        assert_eq!(e.key, "profiles.p.confirm_above", "{e}");
        assert_eq!(e.line, Some(2), "{e}");
    }
}
