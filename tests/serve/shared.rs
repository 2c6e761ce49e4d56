//! One picture of the wallets for every console: what one operator's console learns (the
//! answer to a top-up) is in every other console at once, not at their next refresh.

use std::time::Duration;

use crate::harness::{Options, Serve, Term};

/// The list's row (left of the detail pane) that holds `text`.
fn line_of<'a>(screen: &'a str, text: &str) -> &'a str {
    screen
        .lines()
        .map(|l| l.split("││").next().unwrap_or_default())
        .find(|l| l.contains(text))
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_top_up_in_one_console_shows_in_every_other_at_once() {
    // A refresh far longer than the test: only the shared picture can carry the change.
    let serve = Serve::start(
        &[("olga", "operator"), ("vic", "viewer")],
        Options {
            refresh: Duration::from_secs(600),
            ..Options::default()
        },
    )
    .await;
    let vic = Term::open(serve.addr(), "vic", 120, 40).await;
    let olga = Term::open(serve.addr(), "olga", 120, 40).await;
    for t in [&vic, &olga] {
        t.wait_for("the list", |s| s.contains("Acme Corp")).await;
    }
    let before = line_of(&vic.screen(), "Acme Corp").to_string();
    assert!(!before.contains("+25"), "{before}");

    olga.send("t").await;
    olga.wait_for_text("Top up ·").await;
    olga.type_keys("25").await;
    olga.wait_for_text("PURCHASED_CREDIT_DIRECT").await;
    olga.send("\r").await;
    olga.wait_for_text("Confirm").await;
    olga.send("\r").await;
    olga.wait_for("the top-up result", |s| s.contains("applied ·"))
        .await;

    let after = vic
        .wait_for("olga's top-up in vic's list", |s| {
            line_of(s, "Acme Corp").contains("+25")
        })
        .await;
    println!("before: {before}\nafter:  {}", line_of(&after, "Acme Corp"));
    for t in [&vic, &olga] {
        t.send("q").await;
        t.wait_closed().await;
    }
    serve.stop().await;
}
