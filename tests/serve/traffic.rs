//! One refresh source and shared reads: twenty consoles watching the same wallets cost the API
//! what one console costs.

use std::time::Duration;

use crate::harness::{Options, Serve, Term};

const WINDOW: Duration = Duration::from_secs(10);

/// Requests the sandbox served during `WINDOW` while `n` consoles were open and loaded.
async fn requests_with(serve: &Serve, n: usize) -> u64 {
    let mut terms = Vec::new();
    for _ in 0..n {
        terms.push(Term::open(serve.addr(), "watcher", 80, 24).await);
    }
    for t in &terms {
        t.wait_for("a loaded, live list", |s| {
            s.contains("Acme Corp") && s.contains("LIVE")
        })
        .await;
    }
    let before = serve.sandbox.requests();
    tokio::time::sleep(WINDOW).await;
    let used = serve.sandbox.requests() - before;
    for t in &terms {
        t.send("q").await;
    }
    for t in &terms {
        t.wait_closed().await;
    }
    used
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_sessions_cost_what_one_session_costs() {
    let serve = Serve::start(
        &[("watcher", "viewer")],
        Options {
            refresh: Duration::from_secs(1),
            ..Options::default()
        },
    )
    .await;
    let one = requests_with(&serve, 1).await;
    let twenty = requests_with(&serve, 20).await;
    println!(
        "API requests in {WINDOW:?} at a 1 s refresh: 1 session {one}, 20 sessions {twenty} ({:.2}x)",
        twenty as f64 / one as f64
    );
    assert!(
        one >= 10,
        "one live session should refresh every second: {one} requests"
    );
    // A few requests of slack: a window can catch one tick more than the other, and a console
    // served late after a shared fetch sends its own. Unshared, twenty would cost twenty times.
    assert!(
        twenty as f64 <= one as f64 * 1.2 + 4.0,
        "20 sessions cost {twenty} requests, one costs {one}"
    );
    serve.stop().await;
}
