//! No write without its audit line, over SSH: a server whose audit log cannot be written gives
//! every console a read-only one that says why; a top-up is refused and nothing is sent.

use std::time::Duration;

use crate::harness::{Options, Serve, Term};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_audit_log_an_operators_top_up_is_refused_and_nothing_is_sent() {
    // Live refresh off: the only requests are the ones the console's keys cause.
    let serve = Serve::start(
        &[("olga", "operator")],
        Options {
            refresh: Duration::ZERO,
            audit_unwritable: true,
            ..Options::default()
        },
    )
    .await;
    let t = Term::open(serve.addr(), "olga", 120, 40).await;
    let s = t
        .wait_for("the list and the balance", |s| {
            s.contains("Acme Corp") && s.contains("real-time balance")
        })
        .await;
    assert!(s.contains("READ-ONLY: audit log not writable"), "{s}");
    assert!(!s.contains("t top-up"), "the hints offer top-ups:\n{s}");
    let before = serve.sandbox.requests();
    t.send("t").await;
    let s = t
        .wait_for_text("read-only: audit log not writable (Not a directory)")
        .await;
    assert!(!s.contains("Top up ·"), "{s}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        serve.sandbox.requests(),
        before,
        "the refused top-up sent a request"
    );
    // Reads go on.
    t.send("r").await;
    t.wait_for("a refresh", |_| serve.sandbox.requests() > before)
        .await;
    t.send("q").await;
    t.wait_closed().await;
    serve.stop().await;
}
