//! The real binary: `flexwallet serve --demo` serves the console to a known key, and refuses
//! unknown keys and passwords.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::harness::{Term, authorized, connect, key, login};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_console_to_known_keys_only() {
    let dir = tempfile::tempdir().unwrap();
    let ops = dir.path().join("operators.toml");
    std::fs::write(&ops, authorized(&[("alice", "operator")])).unwrap();
    let host_key = dir.path().join("keys/host_key");
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args([
            "serve",
            "--demo",
            "--burn",
            "0",
            "--addr",
            "127.0.0.1:0",
            "--authorized",
        ])
        .arg(&ops)
        .arg("--host-key")
        .arg(&host_key)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env_remove("FLEXPRICE_API_KEY")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let addr: std::net::SocketAddr = first
        .trim()
        .strip_prefix("listening on ssh://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&host_key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the host key must be owner-only");
    }

    let t = Term::open(addr, "alice", 120, 40).await;
    let s = t
        .wait_for("the wallet list", |s| {
            s.contains("Acme Corp") && s.contains("Wallets 116/116")
        })
        .await;
    assert!(s.contains("alice · operator"), "{s}");
    assert!(t.in_alternate_screen());

    let mut stranger = connect(addr).await;
    assert!(
        !login(&mut stranger, key("mallory")).await,
        "an unknown key was let in"
    );
    let mut guesser = connect(addr).await;
    let password = guesser.authenticate_password("wallets", "hunter2").await.unwrap();
    assert!(!password.success(), "a password login was let in");

    t.send("q").await;
    assert_eq!(t.wait_closed().await, Some(0));
    assert!(!t.in_alternate_screen(), "the client's screen was not given back");
    let log = std::fs::read_to_string(dir.path().join("state/flexwallet/flexwallet.log")).unwrap();
    assert!(
        log.contains("ssh login") && log.contains("operator=alice"),
        "{log}"
    );
    assert!(!log.contains("sk_demo"), "the API key reached the log");
}
