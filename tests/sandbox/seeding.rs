//! Seed data: deterministic per seed, varied, the demo data set's showcase cases, the binary's
//! first line, the demo entry point, and the burn.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Sandbox, args, dec, http};
use flexwallet::sandbox::ledger::ports::Actor;
use flexwallet::sandbox::seed::{SeedPlan, build};

fn actor() -> Actor {
    Actor {
        tenant_id: "t".into(),
        environment_id: "e".into(),
        user_id: "u".into(),
    }
}

#[test]
fn the_same_seed_gives_the_same_wallets() {
    let plan = SeedPlan {
        demo: true,
        wallets: 200,
        seed: 9,
    };
    let a = build(&plan, &actor()).unwrap();
    let b = build(&plan, &actor()).unwrap();
    assert_eq!(
        serde_json::to_value(&a.wallets).unwrap(),
        serde_json::to_value(&b.wallets).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&a.txs).unwrap(),
        serde_json::to_value(&b.txs).unwrap()
    );
    assert_eq!(a.customers, b.customers);
    let other = build(&SeedPlan { seed: 10, ..plan }, &actor()).unwrap();
    assert_ne!(
        serde_json::to_value(&a.wallets[16..]).unwrap(),
        serde_json::to_value(&other.wallets[16..]).unwrap(),
        "the generated part follows the seed"
    );
}

#[test]
fn generated_wallets_cover_the_variety() {
    let mem = build(
        &SeedPlan {
            demo: false,
            wallets: 400,
            seed: 3,
        },
        &actor(),
    )
    .unwrap();
    assert_eq!(mem.wallets.len(), 400);
    let set = |f: &dyn Fn(&Value) -> String| -> BTreeSet<String> {
        mem.wallets
            .iter()
            .map(|w| f(&serde_json::to_value(w).unwrap()))
            .collect()
    };
    assert_eq!(
        set(&|w| w["currency"].as_str().unwrap().into()),
        BTreeSet::from(["crd".into(), "eur".into(), "usd".into()])
    );
    assert_eq!(set(&|w| w["wallet_type"].as_str().unwrap().into()).len(), 2);
    assert!(set(&|w| w["wallet_status"].as_str().unwrap().into()).contains("closed"));
    let states = set(&|w| w["alert_state"].as_str().unwrap().into());
    for s in ["ok", "info", "warning", "in_alarm"] {
        assert!(states.contains(s), "no {s} wallet in {states:?}");
    }
    assert!(mem.wallets.iter().any(|w| w.auto_topup.is_some()));
    assert!(
        mem.customers.len() < mem.wallets.len(),
        "customers hold several wallets"
    );
    let reasons: BTreeSet<String> = mem.txs.iter().map(|t| t.transaction_reason.to_string()).collect();
    for r in [
        "FREE_CREDIT_GRANT",
        "PURCHASED_CREDIT_DIRECT",
        "PURCHASED_CREDIT_INVOICED",
        "INVOICE_PAYMENT",
    ] {
        assert!(reasons.contains(r), "no {r} in {reasons:?}");
    }
    assert!(mem.txs.iter().any(|t| t.transaction_status.as_str() == "pending"));
    // The ledger's invariant holds for every seeded wallet.
    for w in &mem.wallets {
        assert_eq!(
            w.balance,
            (w.credit_balance * w.conversion_rate).round_dp(9).normalize(),
            "{}",
            w.id
        );
    }
}

#[tokio::test]
async fn the_demo_data_set_has_its_showcase_cases() {
    let mut a = args();
    a.demo_data = true;
    let sb = Sandbox::start(a).await;
    let wallets = sb.get("/wallets").await["items"].as_array().cloned().unwrap();
    let named = |n: &str| -> Value {
        wallets
            .iter()
            .find(|w| w["name"].as_str().is_some_and(|x| x.starts_with(n)))
            .cloned()
            .unwrap_or_else(|| panic!("no wallet {n}"))
    };
    let acme = named("Acme Corp – usage");
    let ledger = sb.ledger(acme["id"].as_str().unwrap()).await;
    assert!(ledger.len() > 120, "a wallet for ledger paging: {}", ledger.len());
    assert!(ledger.iter().any(|t| t["transaction_status"] == "pending"));
    assert_eq!(named("Umbrella")["wallet_status"], "closed");
    assert_eq!(named("Acme Corp – invoice")["wallet_type"], "POST_PAID");
    let initech = named("Initech");
    assert_ne!(initech["conversion_rate"], "1");
    assert_ne!(initech["conversion_rate"], initech["topup_conversion_rate"]);
    let globex = named("Globex – compute");
    assert_eq!(globex["currency"], "crd");
    assert_eq!(globex["alert_state"], "in_alarm");
    let pending_auto = sb.ledger(globex["id"].as_str().unwrap()).await;
    assert!(
        pending_auto
            .iter()
            .any(|t| t["metadata"]["auto_topup"] == "true" && t["transaction_status"] == "pending")
    );
    let stark = sb.ledger(named("Stark")["id"].as_str().unwrap()).await;
    assert!(stark.iter().any(|t| t["transaction_reason"] == "CREDIT_EXPIRED"));
    let states: BTreeSet<&str> = wallets.iter().filter_map(|w| w["alert_state"].as_str()).collect();
    assert_eq!(states, BTreeSet::from(["in_alarm", "info", "ok", "warning"]));
    assert!(dec(&named("Vandelay")["credit_balance"]).is_sign_negative());
    assert!(wallets.len() >= 40 && wallets.len() <= 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_starts_with_no_configuration_and_burns() {
    let still = flexwallet::sandbox::start_demo(0).await.unwrap();
    assert!(still.seeded.is_some_and(|r| r.wallets > 40));
    assert!(still.url.starts_with("http://127.0.0.1:") && still.url.ends_with("/v1"));
    still.shutdown().await;

    let sb = flexwallet::sandbox::start_demo(240_000).await.unwrap();
    let client = http();
    let burned = |client: reqwest::Client, url: String, key: String| async move {
        let body: Value = client
            .post(format!("{url}/wallets/transactions/search"))
            .header("x-api-key", key)
            .json(
                &serde_json::json!({"limit": 1, "filters": [{"field": "description", "operator": "eq",
                "data_type": "string", "value": {"string": "Sandbox burn: simulated usage"}}]}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["pagination"]["total"].as_i64().unwrap()
    };
    let mut seen = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        seen = burned(client.clone(), sb.url.clone(), sb.api_key.clone()).await;
        if seen >= 2 {
            break;
        }
    }
    assert!(seen >= 2, "the burn debits wallets while you watch");
    sb.shutdown().await;
}

#[test]
fn the_binary_prints_its_real_port_first_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args([
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--wallets",
            "30",
            "--api-key",
            "sk_bin",
        ])
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    let port: u16 = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/v1")
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let total = rt.block_on(async {
        let body: Value = http()
            .get(format!("{url}/wallets"))
            .header("x-api-key", "sk_bin")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["pagination"]["total"].as_i64().unwrap()
    });
    assert_eq!(total, 30);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status}");
}

#[tokio::test]
async fn a_dropped_handle_keeps_the_sandbox_serving() {
    let sb = flexwallet::sandbox::start_embedded(crate::common::args())
        .await
        .unwrap();
    let url = sb.url.clone();
    drop(sb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let r = http()
        .get(format!("{url}/wallets"))
        .header("x-api-key", crate::common::KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "serves for the life of the process");
}
