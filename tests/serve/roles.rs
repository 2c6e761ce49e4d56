//! Roles: a viewer cannot top up (and nothing is sent), an operator can (the audit line names
//! them and their key), bulk is for admins.

use std::time::Duration;

use crate::harness::{Options, Serve, Term, fingerprint, key};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_is_refused_top_ups_and_nothing_is_sent() {
    // Live refresh off: the only requests are the ones the console's keys cause.
    let serve = Serve::start(
        &[("vera", "viewer")],
        Options {
            refresh: Duration::ZERO,
            ..Options::default()
        },
    )
    .await;
    let t = Term::open(serve.addr(), "vera", 120, 40).await;
    let s = t
        .wait_for("the list and the balance", |s| {
            s.contains("Acme Corp") && s.contains("real-time balance")
        })
        .await;
    assert!(s.contains("vera · viewer") && s.contains("READ-ONLY"), "{s}");
    assert!(!s.contains("t top-up"), "the viewer's hints offer top-ups:\n{s}");
    let before = serve.sandbox.requests();
    t.send("t").await;
    let s = t.wait_for_text("read-only mode: changes are disabled").await;
    assert!(!s.contains("Top up ·"), "{s}");
    // A refused key has no effect to wait for: give a request that might be sent time to land.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        serve.sandbox.requests(),
        before,
        "the refused top-up sent a request"
    );
    assert_eq!(serve.audit(), "", "nothing may be audited for a refused top-up");
    t.send("q").await;
    t.wait_closed().await;
    serve.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_tops_up_and_the_audit_names_them_but_bulk_is_for_admins() {
    let serve = Serve::start(&[("olga", "operator"), ("ada", "admin")], Options::default()).await;
    let t = Term::open(serve.addr(), "olga", 120, 40).await;
    t.wait_for("the list", |s| {
        s.contains("Acme Corp") && s.contains("olga · operator")
    })
    .await;

    t.send(" ").await;
    t.send("B").await;
    t.wait_for_text("not allowed: bulk top-ups need the admin role")
        .await;

    t.send("t").await;
    t.wait_for_text("Top up ·").await;
    t.type_keys("25").await;
    t.wait_for_text("PURCHASED_CREDIT_DIRECT").await;
    t.send("\r").await;
    t.wait_for_text("Confirm").await;
    t.send("\r").await;
    let flash = t.wait_for("the top-up result", |s| s.contains("applied ·")).await;
    let tx = flash
        .split_whitespace()
        .find(|w| w.starts_with("wtxn_"))
        .unwrap_or_else(|| panic!("no transaction id in\n{flash}"))
        .to_string();
    let audit = serve.audit();
    let line = audit
        .lines()
        .find(|l| l.contains(&tx))
        .unwrap_or_else(|| panic!("{tx} not audited:\n{audit}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["action"], "top_up");
    assert_eq!(v["outcome"], "ok");
    assert_eq!(v["operator"], "olga");
    assert_eq!(v["key_fingerprint"], fingerprint(&key("olga")));
    assert_eq!(v["user"], "flexwallet");
    assert_eq!(v["request"]["credits_to_add"], "25");
    assert!(
        !audit.contains("sk_demo"),
        "the API key leaked into the audit log"
    );
    t.send("q").await;
    t.wait_closed().await;

    // An admin's B opens the bulk form over the marked wallet.
    let a = Term::open(serve.addr(), "ada", 120, 40).await;
    a.wait_for("the list", |s| {
        s.contains("Acme Corp") && s.contains("ada · admin")
    })
    .await;
    a.send(" ").await;
    a.send("B").await;
    a.wait_for_text("Bulk top-up · 1 marked wallet ").await;
    serve.stop().await;
}

/// A viewer may export (reading is their job), but only as a plain name in their own
/// directory: absolute paths, `..` and `~` write nothing and say why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_exports_only_into_their_own_directory() {
    let serve = Serve::start(&[("vera", "viewer")], Options::default()).await;
    let outside = serve.dir.path().join("outside.csv");
    let t = Term::open(serve.addr(), "vera", 120, 40).await;
    t.wait_for("the list", |s| s.contains("Acme Corp")).await;
    for bad in [
        outside.display().to_string(),
        "../outside.csv".into(),
        "~/.ssh/authorized_keys".into(),
    ] {
        t.send(":").await;
        t.wait_for_text("Commands (Enter runs").await;
        t.type_keys(&format!("export {bad}")).await;
        t.send("\r").await;
        let s = t.wait_for_text("files here are plain names").await;
        assert!(!s.contains("Wrote"), "{bad}:\n{s}");
        t.send("\x1b").await;
        t.wait_for("the palette closed", |s| {
            !s.contains("files here are plain names")
        })
        .await;
    }
    t.send(":").await;
    t.wait_for_text("Commands (Enter runs").await;
    t.type_keys("export wallets.csv").await;
    t.send("\r").await;
    t.wait_for_text("Wrote").await;
    let written = serve.dir.path().join("serve-files/vera/wallets.csv");
    let csv = std::fs::read_to_string(&written).unwrap();
    assert!(csv.contains("Acme Corp"), "{csv}");
    assert!(!outside.exists());
    assert!(!serve.dir.path().join("outside.csv").exists());
    // Private to the server's user; never replaced; a symlink planted in the directory is
    // neither followed nor replaced.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&written).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    let export_again = |name: &'static str| {
        let t = &t;
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            t.send(":").await;
            t.wait_for_text("Commands (Enter runs").await;
            t.type_keys(&format!("export {name}")).await;
            t.send("\r").await;
            let s = t.wait_for_text("exists: choose another name").await;
            if s.contains("Commands (Enter runs") {
                t.send("\x1b").await;
                t.wait_for("the palette closed", |s| !s.contains("Commands (Enter runs"))
                    .await;
            }
            // A key within the Esc wait after an Esc would be read as Alt+key.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            s
        }
    };
    let s = export_again("wallets.csv").await;
    assert!(!s.contains("Wrote"), "{s}");
    let target = serve.dir.path().join("target.txt");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, serve.dir.path().join("serve-files/vera/link.csv")).unwrap();
    export_again("link.csv").await;
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    t.send("q").await;
    t.wait_closed().await;
    serve.stop().await;
}

/// `:profile` over SSH: refused to an operator by the gate (admins only), and an admin hears
/// that the server talks to one profile; no key command runs for either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_may_ask_to_switch_profiles_and_the_server_keeps_one() {
    let serve = Serve::start(&[("olga", "operator"), ("ada", "admin")], Options::default()).await;
    for (who, answer) in [
        ("olga", "not allowed: profile switches need the admin role"),
        ("ada", "no other profile here"),
    ] {
        let t = Term::open(serve.addr(), who, 120, 40).await;
        t.wait_for("the list", |s| s.contains("Acme Corp")).await;
        t.send(":").await;
        t.wait_for_text("Commands (Enter runs").await;
        t.type_keys("profile prod").await;
        t.send("\r").await;
        let s = t.wait_for_text(answer).await;
        assert!(!s.contains("switching to profile"), "{who}:\n{s}");
        assert!(
            s.contains("demo"),
            "{who} still talks to the server's profile:\n{s}"
        );
        if s.contains("Commands (Enter runs") {
            t.send("\x1b").await;
            t.wait_for("the palette closed", |s| !s.contains("Commands (Enter runs"))
                .await;
            // A key within the Esc wait after an Esc would be read as Alt+key.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        t.send("q").await;
        t.wait_closed().await;
    }
    serve.stop().await;
}
