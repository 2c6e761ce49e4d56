//! The real binary: `flexwallet serve --demo` serves the console to a known key, and refuses
//! unknown keys and passwords.

use crate::harness::{Binary, Term, connect, key, login};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_console_to_known_keys_only() {
    let server = Binary::start(&[("alice", "operator")], &[]).await;
    let addr = server.addr;
    let host_key = server.dir.path().join("keys/host_key");

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
    let log = std::fs::read_to_string(server.state("flexwallet.log")).unwrap();
    assert!(
        log.contains("ssh login") && log.contains("operator=alice"),
        "{log}"
    );
    assert!(!log.contains("sk_demo"), "the API key reached the log");
}
