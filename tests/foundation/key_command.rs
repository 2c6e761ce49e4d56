//! A profile's `api_key_command` (issue 20): no terminal, stdin closed, a deadline, stderr in
//! the message (cleaned), stdout never.

use std::path::Path;
use std::time::{Duration, Instant};

use flexwallet::config::key_command::{self, KeyCommandError};
use flexwallet::config::{ConfigFile, Overrides, resolve};
use secrecy::ExposeSecret;
use tokio_util::sync::CancellationToken;

fn run(cmd: &str, timeout: Duration) -> Result<String, KeyCommandError> {
    key_command::run(cmd, timeout, &CancellationToken::new()).map(|k| k.expose_secret().to_string())
}

/// Whether `pid` is gone (or a zombie nobody reaped yet: it runs nothing any more).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

fn wait_gone(pid: u32) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        if gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[test]
fn the_first_line_printed_is_the_key() {
    let key = run(
        "printf '  sk_from_vault  \\nnotes: x\\n'",
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(key, "sk_from_vault");
}

#[test]
fn a_command_past_its_timeout_is_stopped_with_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    // The shell and a process it started, both holding the output pipes.
    let cmd = format!(
        "echo 'Enter passphrase:' >&2; sleep 30 & echo \"$$ $!\" > {}; wait",
        pids.display()
    );
    let start = Instant::now();
    let err = run(&cmd, Duration::from_millis(500)).unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(&err, KeyCommandError::TimedOut { after, .. } if *after == Duration::from_millis(500)),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.starts_with("no key within 500ms, so it was stopped"), "{msg}");
    assert!(msg.contains("api_key_command_timeout_secs"), "{msg}");
    assert!(msg.contains("Enter passphrase:"), "what it said is quoted: {msg}");
    assert!(took < Duration::from_secs(3), "returned after {took:?}");
    let text = std::fs::read_to_string(&pids).unwrap();
    for pid in text.split_whitespace() {
        let pid: u32 = pid.parse().unwrap();
        assert!(wait_gone(pid), "process {pid} still runs after the timeout");
    }
}

#[test]
fn a_failure_quotes_stderr_cleaned_and_never_stdout() {
    let err = run(
        "echo sk_printed_before_failing; printf 'vault locked\\033[2J\\033]0;title\\007\\nsecond line\\nthird line\\n' >&2; exit 1",
        Duration::from_secs(10),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("exited with status 1: vault locked"), "{msg}");
    assert!(msg.contains("second line"), "{msg}");
    assert!(!msg.contains("third line"), "two lines at most: {msg}");
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
    assert!(!msg.contains("[2J") && !msg.contains("title"), "{msg:?}");
    assert!(!msg.contains("sk_printed"), "stdout is never shown: {msg}");
    assert!(!format!("{err:?}").contains("sk_printed"), "{err:?}");
}

#[test]
fn stdin_is_closed_so_a_read_ends_at_once() {
    let start = Instant::now();
    let key = run("cat; read line || echo sk_after_eof", Duration::from_secs(20)).unwrap();
    assert_eq!(key, "sk_after_eof");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn the_command_has_no_terminal_and_a_session_of_its_own() {
    // Fields 5, 6 and 7 of /proc/PID/stat: process group, session, controlling terminal.
    let out = run(
        "read -r _ _ _ _ pgrp sid tty _ < /proc/$$/stat; echo \"$$ $pgrp $sid $tty\"",
        Duration::from_secs(10),
    )
    .unwrap();
    let f: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(f.len(), 4, "{out}");
    assert_eq!(
        (f[1], f[2]),
        (f[0], f[0]),
        "leads its own group and session: {out}"
    );
    assert_eq!(f[3], "0", "no controlling terminal: {out}");

    let err = run("echo drawn > /dev/tty && echo sk_key", Duration::from_secs(10)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("/dev/tty"), "the shell's complaint is quoted: {msg}");
    assert!(matches!(err, KeyCommandError::Failed { .. }), "{err:?}");
}

#[test]
fn output_is_bounded() {
    let err = run("head -c 200000 /dev/zero | tr '\\0' k", Duration::from_secs(10)).unwrap_err();
    assert_eq!(err, KeyCommandError::TooLong);
    // A chatty stderr is cut, and does not block the command.
    let key = run(
        "head -c 300000 /dev/zero | tr '\\0' e >&2; echo sk_after_noise",
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(key, "sk_after_noise");
    let err = run("exit 0", Duration::from_secs(10)).unwrap_err();
    assert!(matches!(err, KeyCommandError::Empty { .. }), "{err:?}");
}

#[test]
fn a_cancelled_command_is_stopped() {
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        c.cancel();
    });
    let start = Instant::now();
    let err = key_command::run("sleep 30", Duration::from_secs(60), &cancel).unwrap_err();
    assert_eq!(err, KeyCommandError::Cancelled);
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
}

#[test]
fn the_profile_sets_the_timeout_and_the_error_names_the_line() {
    let path = Path::new("/etc/flexwallet/config.toml");
    let text = "[profiles.slow]\napi_key_command = \"sleep 30\"\napi_key_command_timeout_secs = 1\n";
    let cfg = ConfigFile::parse(text, path).unwrap();
    let flags = Overrides {
        profile: Some("slow".into()),
        ..Overrides::default()
    };
    let start = Instant::now();
    let e = resolve(Some((path, &cfg, text)), &|_| None, &flags).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(4), "{:?}", start.elapsed());
    assert_eq!(
        (e.line, e.key.as_str()),
        (Some(2), "profiles.slow.api_key_command")
    );
    assert!(e.message.starts_with("no key within 1s"), "{e}");

    for (bad, why) in [
        (
            "api_key_command = \"x\"\napi_key_command_timeout_secs = 0",
            "not from 1 to 3600",
        ),
        (
            "api_key_env = \"K\"\napi_key_command_timeout_secs = 5",
            "only means something with api_key_command",
        ),
    ] {
        let text = format!("[profiles.p]\n{bad}\n");
        let e = ConfigFile::parse(&text, path).unwrap_err();
        assert_eq!(e.key, "profiles.p.api_key_command_timeout_secs", "{e}");
        assert!(e.message.contains(why), "{e}");
    }
}
