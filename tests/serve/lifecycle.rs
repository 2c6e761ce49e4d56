//! A wallet's life over `serve` (issue 24): a viewer is refused new wallets, manual debits and
//! terminations, by key and by the palette, and nothing is sent or audited; an operator may
//! debit and terminate (the confirm asks for the wallet's name typed out).

use std::time::Duration;

use crate::harness::{Options, Serve, Term};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_create_debit_and_terminate_and_nothing_is_sent() {
    let serve = Serve::start(
        &[("vera", "viewer")],
        Options {
            refresh: Duration::ZERO,
            ..Options::default()
        },
    )
    .await;
    let t = Term::open(serve.addr(), "vera", 120, 40).await;
    t.wait_for("the list and the balance", |s| {
        s.contains("Acme Corp") && s.contains("real-time balance")
    })
    .await;
    let before = serve.sandbox.requests();
    for (key, form) in [
        ("C", "New wallet"),
        ("D", "Manual debit"),
        ("X", "Terminate wallet"),
    ] {
        t.send(key).await;
        t.wait_for_text("read-only mode: changes are disabled").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s = t.wait_for("the screen", |_| true).await;
        assert!(!s.contains(form), "{key} opened {form} for a viewer:\n{s}");
    }
    // Each key was answered with the refusal: the message log counts it three times.
    t.send("M").await;
    t.wait_for_text("read-only mode: changes are disabled (×3").await;
    t.send("M").await;
    // The palette does not offer them either.
    for verb in ["create", "debit", "terminate"] {
        t.send(":").await;
        t.wait_for_text("Commands (Enter runs").await;
        t.type_keys(verb).await;
        t.send("\r").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let s = t.wait_for("the screen", |_| true).await;
        assert!(
            !s.contains("New wallet") && !s.contains("Manual debit") && !s.contains("Terminate wallet"),
            ":{verb} opened a form for a viewer:\n{s}"
        );
        if s.contains("Commands (Enter runs") {
            t.send("\x1b").await;
            t.wait_for("the palette closed", |s| !s.contains("Commands (Enter runs"))
                .await;
        }
        // A key within the Esc wait after an Esc would be read as Alt+key.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(serve.sandbox.requests(), before, "a refused write sent a request");
    assert_eq!(serve.audit(), "", "nothing may be audited for a refused write");
    t.send("q").await;
    t.wait_closed().await;
    serve.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_may_open_a_debit_and_a_termination() {
    let serve = Serve::start(&[("olga", "operator")], Options::default()).await;
    let t = Term::open(serve.addr(), "olga", 120, 40).await;
    t.wait_for("the list", |s| {
        s.contains("Acme Corp") && s.contains("olga · operator")
    })
    .await;
    // The termination opens on its confirm ("… debits the remaining … credits"), the debit on
    // its form.
    for (key, form) in [("X", "debits the remaining"), ("D", "Manual debit")] {
        t.send(key).await;
        t.wait_for_text(form).await;
        t.send("\x1b").await;
        t.wait_for("the form closed", |s| !s.contains(form)).await;
        // A key within the Esc wait after an Esc would be read as Alt+key.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(serve.audit(), "", "opening a form audits nothing");
    t.send("q").await;
    t.wait_closed().await;
    serve.stop().await;
}
