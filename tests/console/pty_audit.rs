//! No write without its audit line (issue 21): the real binary in a pseudo-terminal, on a
//! `flexwallet sandbox --demo-data` child whose ledgers the test reads. An audit log that
//! cannot be written refuses the top-up with the reason on screen, and nothing reaches the
//! sandbox. `FLEXWALLET_BIN` runs another build of the console (the sandbox stays this build's).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::pty::Console;
use crate::sandbox_child::Sandbox;

const WAIT: Duration = Duration::from_secs(30);
pub(crate) const KEY: &str = "sk_audit";
pub(crate) const ENV: &str = "env_audit";

/// The console on the sandbox at 80x24, live refresh off; `state` is its XDG_STATE_HOME.
fn console(sb: &Sandbox, state: &Path) -> Console {
    let state = state.to_str().expect("utf-8 path");
    let c = Console::start_with_env(
        &["--api-url", &sb.url, "--environment-id", ENV, "--refresh", "0"],
        80,
        24,
        &[("FLEXPRICE_API_KEY", KEY), ("XDG_STATE_HOME", state)],
    );
    c.wait_for("the wallet list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });
    c
}

/// Goes as far as a top-up of 25 credits can: `t`, the amount, Enter, and Enter on the confirm.
/// Returns once the form is refused or gone, or the top-up has had time to land.
fn try_top_up(c: &mut Console, refused: &str) -> String {
    c.send("t");
    let s = c.wait_for("the form or its refusal", WAIT, |s| {
        s.contains("Top up ·") || s.contains(refused)
    });
    if s.contains(refused) {
        return s;
    }
    c.type_keys("25");
    c.wait_for_text("PURCHASED_CREDIT_DIRECT", WAIT);
    c.send("\r");
    c.wait_for_text("Confirm", WAIT);
    c.send("\r");
    c.wait_for("the answer", WAIT, |s| {
        s.contains("applied ·") || s.contains(refused)
    })
}

/// Seen on an older build: with the state directory on a read-only file system the console
/// applied the top-up, wrote no audit line, and said nothing on screen. A state directory
/// under a regular file cannot be created even by root (a chmod'ed one can, by root).
#[test]
fn a_state_directory_that_cannot_be_written_refuses_a_top_up_and_sends_nothing() {
    let sb = Sandbox::demo(KEY, ENV);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("file"), "").expect("a regular file");
    let state = dir.path().join("file").join("sub");
    let before = sb.transactions();
    let mut c = console(&sb, &state);

    let refusal = "read-only: audit log not writable (Not a directory)";
    let s = try_top_up(&mut c, refusal);
    assert!(s.contains(refusal), "no refusal on screen:\n{s}");
    assert!(!s.contains("Top up ·"), "the form opened:\n{s}");
    // A refused key has nothing to wait for: give a top-up that might be sent time to land.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        sb.transactions(),
        before,
        "a transaction was created without an audit log"
    );
    // It lasts: the status bar says so, whatever the flash line says.
    let s = c.screen();
    assert!(s.contains("READ-ONLY: audit log not writable"), "{s}");

    // Reads go on.
    c.send("r");
    c.wait_for_text("Refreshing", WAIT);
    c.send("q");
    assert_eq!(c.wait_exit(Duration::from_secs(10)), 0);
}

/// Before each write: the audit log is lost while the top-up waits for its confirm (its
/// directory replaced by a file). The confirm sends nothing and the form says why.
#[test]
fn an_audit_log_lost_before_the_confirm_sends_nothing() {
    let sb = Sandbox::demo(KEY, ENV);
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let mut c = console(&sb, &state);
    let before = sb.transactions();
    c.send("t");
    c.wait_for_text("Top up ·", WAIT);
    c.type_keys("25");
    c.wait_for_text("PURCHASED_CREDIT_DIRECT", WAIT);
    c.send("\r");
    c.wait_for_text("Confirm", WAIT);

    let flexwallet = state.join("flexwallet");
    std::fs::rename(&flexwallet, dir.path().join("moved")).expect("move the state directory");
    std::fs::write(&flexwallet, "").expect("a file in its place");
    c.send("\r");
    let started = Instant::now();
    let s = c.wait_for("the refusal or the answer", WAIT, |s| {
        s.contains("not sent: read-only") || s.contains("applied ·")
    });
    assert!(s.contains("not sent: read-only: audit log not writable"), "{s}");
    std::thread::sleep(Duration::from_millis(500).saturating_sub(started.elapsed()));
    assert_eq!(
        sb.transactions(),
        before,
        "a transaction was created without its audit line"
    );
    let audit = std::fs::read_to_string(dir.path().join("moved").join("audit.jsonl")).unwrap_or_default();
    assert!(
        !audit.contains("top_up"),
        "a top-up line went to the old log:\n{audit}"
    );
}
