//! No write without its audit line (issue 21): the real binary in a pseudo-terminal, on a
//! `flexwallet sandbox --demo-data` child whose ledgers the test reads. An audit log that
//! cannot be written refuses the top-up with the reason on screen, and nothing reaches the
//! sandbox. `FLEXWALLET_BIN` runs another build of the console (the sandbox stays this build's).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::pty::Console;

const WAIT: Duration = Duration::from_secs(30);
pub(crate) const KEY: &str = "sk_audit";
pub(crate) const ENV: &str = "env_audit";

/// `flexwallet sandbox --demo-data` as a child process; killed on drop. The lifecycle tests
/// (`pty_lifecycle`) use it too.
pub(crate) struct Sandbox {
    child: Child,
    host: String,
    pub(crate) url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Sandbox {
    pub(crate) fn start() -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
            .args(["sandbox", "--addr", "127.0.0.1:0", "--api-key", KEY])
            .args(["--environment-id", ENV, "--demo-data"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the sandbox");
        let mut out = BufReader::new(child.stdout.take().expect("sandbox stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the sandbox's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let host = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host")
            .to_string();
        Sandbox {
            child,
            host,
            url,
            _stdout: out,
        }
    }

    /// `GET path` with the sandbox's key, as JSON (must answer 200).
    pub(crate) fn get(&self, path: &str) -> Value {
        let mut s = TcpStream::connect(&self.host).expect("connect to the sandbox");
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nx-api-key: {KEY}\r\nConnection: close\r\n\r\n",
            self.host
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("read");
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {reply}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
    }

    /// Every wallet's transactions: the demo's ledgers are short.
    pub(crate) fn transactions(&self) -> usize {
        let wallets = self.get("/v1/wallets?limit=1000");
        wallets["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|w| {
                let id = w["id"].as_str().expect("wallet id");
                let page = self.get(&format!("/v1/wallets/{id}/transactions?limit=1000"));
                page["items"].as_array().expect("items").len()
            })
            .sum()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    let sb = Sandbox::start();
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
    let sb = Sandbox::start();
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
