//! A wallet list longer than a page is written as it is read from SQLite: the same JSON as a
//! list answered whole, in the same order, with the same filters.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Sandbox, args};

async fn with_wallets(n: usize) -> Sandbox {
    let mut a = args();
    a.wallets = n;
    Sandbox::start(a).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_longer_than_a_page_streams_the_same_json() {
    // A whole number of pages (the last page read is empty), and a partial last page.
    for n in [2000, 2345] {
        let sb = with_wallets(n).await;
        let reply = sb.call(Method::GET, "/wallets", None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.headers["content-type"], "application/json; charset=utf-8");
        let body = reply.json();
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            reply.text,
            "compact JSON, fields in the sandbox's order"
        );
        let items = body["items"].as_array().unwrap();
        assert_eq!(items.len(), n);
        assert_eq!(body["pagination"], json!({"total": n, "limit": 50, "offset": 0}));
        let mut ids: Vec<&str> = items.iter().map(|w| w["id"].as_str().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "every wallet once");
        // Around the page edges, each item is what a list answered whole says of it.
        for i in [0, 998, 999, 1000, 1001, 1999, n - 1] {
            let id = items[i]["id"].as_str().unwrap();
            let one = sb
                .call(Method::GET, &format!("/wallets?wallet_ids={id}"), None)
                .await;
            let one = one.json();
            assert_eq!(one["items"], json!([items[i].clone()]), "item {i}");
            assert_eq!(one["pagination"]["total"], 1);
        }
        // The status filter holds on every page.
        let active = sb.get("/wallets?status=active").await;
        let expected: Vec<&Value> = items.iter().filter(|w| w["wallet_status"] == "active").collect();
        assert!(expected.len() > 1000, "the filtered list streams too");
        assert_eq!(
            active["items"].as_array().unwrap().iter().collect::<Vec<_>>(),
            expected
        );
        assert_eq!(active["pagination"]["total"], expected.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_list_expands_breakdowns_and_answers_search() {
    let sb = with_wallets(1500).await;
    let plain = sb.get("/wallets").await;
    let expanded = sb.get("/wallets?expand=credits_available_breakdown").await;
    let (plain, expanded) = (
        plain["items"].as_array().unwrap(),
        expanded["items"].as_array().unwrap(),
    );
    assert_eq!(plain.len(), 1500);
    assert_eq!(expanded.len(), 1500);
    for (p, e) in plain.iter().zip(expanded) {
        assert_eq!(p["id"], e["id"]);
    }
    assert!(
        expanded[1000..]
            .iter()
            .any(|w| w.get("credits_available_breakdown").is_some()),
        "breakdowns on the streamed pages too"
    );
    let searched = sb
        .call(Method::POST, "/wallets/search", Some(json!({"limit": 10})))
        .await
        .json();
    assert_eq!(
        searched["items"].as_array().unwrap(),
        plain,
        "search ignores limit, as the list does"
    );
}
