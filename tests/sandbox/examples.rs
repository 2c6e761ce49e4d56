//! Every example body of WALLET_API.md section 1, reproduced against the sandbox: same status,
//! same JSON (key order aside). The snippets are read from the document itself, so a changed
//! document fails here until the sandbox follows.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{READ_ONLY, Reply, Sandbox, UNBOUND, sandbox, shared};

fn section_1() -> String {
    let doc = std::fs::read_to_string(shared("WALLET_API.md")).expect("WALLET_API.md readable");
    let start = doc.find("## 1.").expect("section 1");
    let end = doc[start..].find("## 2.").map(|e| start + e).expect("section 2");
    doc[start..end].to_string()
}

/// Backticked JSON objects of the section that are concrete (not templates like `{...}`).
fn concrete_examples(section: &str) -> BTreeSet<String> {
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('{'))
        .filter(|s| serde_json::from_str::<Value>(&s.replace('…', "x")).is_ok())
        .map(str::to_string)
        .collect()
}

/// The document's snippet with its `…` placeholders filled in, in order.
fn expected(section: &str, snippet: &str, fill: &[&str]) -> Value {
    assert!(
        section.contains(snippet),
        "WALLET_API.md no longer shows {snippet}"
    );
    let mut text = snippet.to_string();
    for f in fill {
        text = text.replacen('…', f, 1);
    }
    serde_json::from_str(&text).expect("snippet is JSON")
}

fn check(
    section: &str,
    covered: &mut BTreeSet<String>,
    snippet: &str,
    fill: &[&str],
    status: u16,
    reply: &Reply,
) {
    assert_eq!(reply.status, status, "{snippet}: got {}", reply.text);
    assert_eq!(reply.json(), expected(section, snippet, fill), "{snippet}");
    covered.insert(snippet.to_string());
}

#[tokio::test]
async fn every_example_of_section_1() {
    let doc = section_1();
    let mut covered = BTreeSet::new();
    let sb: Sandbox = sandbox().await;
    let w = sb.wallet(json!({})).await;
    let wid = w["id"].as_str().unwrap().to_string();

    let r = sb.call_as(None, Method::GET, "/wallets", None).await;
    check(&doc, &mut covered, r#"{"error":"Unauthorized"}"#, &[], 401, &r);
    let r = sb.call_as(Some("sk_wrong"), Method::GET, "/wallets", None).await;
    check(&doc, &mut covered, r#"{"error":"Unauthorized"}"#, &[], 401, &r);
    let bearer = sb
        .http
        .get(format!("{}/wallets", sb.sb.url))
        .header("authorization", "Bearer not.a.jwt")
        .send()
        .await
        .unwrap();
    let r = Reply {
        status: bearer.status(),
        headers: bearer.headers().clone(),
        text: bearer.text().await.unwrap(),
    };
    check(&doc, &mut covered, r#"{"error":"Invalid token"}"#, &[], 401, &r);

    let denied = r#"{"error":"Access denied","message":"Invalid or inaccessible environment"}"#;
    let r = sb.call_as(Some(UNBOUND), Method::GET, "/wallets", None).await;
    check(&doc, &mut covered, denied, &[], 403, &r);
    let wrong_env = sb
        .http
        .get(format!("{}/wallets", sb.sb.url))
        .header("x-api-key", UNBOUND)
        .header("X-Environment-ID", "env_other")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_env.status(), 403);
    let ok_env = sb
        .http
        .get(format!("{}/wallets", sb.sb.url))
        .header("x-api-key", UNBOUND)
        .header("X-Environment-ID", "env_test")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok_env.status(),
        200,
        "an unbound key works with the right environment"
    );

    let r = sb
        .call_as(
            Some(READ_ONLY),
            Method::POST,
            &format!("/wallets/{wid}/top-up"),
            Some(json!({"credits_to_add":"1","transaction_reason":"FREE_CREDIT_GRANT"})),
        )
        .await;
    check(
        &doc,
        &mut covered,
        r#"{"message":"insufficient permissions"}"#,
        &[],
        403,
        &r,
    );
    let r = sb
        .call_as(Some(READ_ONLY), Method::GET, &format!("/wallets/{wid}"), None)
        .await;
    assert_eq!(r.status, 200, "a read-only key reads");

    let r = sb.call(Method::GET, "/no/such/route", None).await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (404, "404 page not found"));
    assert!(doc.contains("`404 page not found`"));

    let r = sb.call(Method::GET, "/wallets/nope", None).await;
    check(
        &doc,
        &mut covered,
        r#"{"code":"not_found","message":"Wallet not found","http_status_code":404,"details":{"wallet_id":"nope"}}"#,
        &[],
        404,
        &r,
    );
    let valid = json!({"credits_to_add":"10","transaction_reason":"FREE_CREDIT_GRANT"});
    let r = sb.top_up("nope", valid.clone()).await;
    check(
        &doc,
        &mut covered,
        r#"{"code":"not_found","message":"Wallet not found","http_status_code":404}"#,
        &[],
        404,
        &r,
    );
    let r = sb
        .top_up(
            &wid,
            json!({"credits_to_add":"0","transaction_reason":"FREE_CREDIT_GRANT"}),
        )
        .await;
    check(
        &doc,
        &mut covered,
        r#"{"code":"validation_error","message":"Credits to add must be a positive value","http_status_code":400,"details":{"credits_to_add":"0"}}"#,
        &[],
        400,
        &r,
    );
    assert_eq!(
        r.json()["details"],
        expected(&doc, r#"{"credits_to_add":"0"}"#, &[])
    );
    covered.insert(r#"{"credits_to_add":"0"}"#.into());

    let keyed =
        json!({"credits_to_add":"10","transaction_reason":"FREE_CREDIT_GRANT","idempotency_key":"doc-key"});
    assert_eq!(sb.top_up(&wid, keyed.clone()).await.status, 200);
    let r = sb.top_up(&wid, keyed).await;
    check(
        &doc,
        &mut covered,
        r#"{"code":"already_exists","message":"A wallet transaction with this idempotency key already exists","http_status_code":409,"details":{"wallet_id":"…","type":"credit","amount":"10","idempotency_key":"…"}}"#,
        &[&wid, "doc-key"],
        409,
        &r,
    );

    // Prose examples: the second active wallet, binding failures, the PUT quirk.
    let r = sb
        .call(
            Method::POST,
            "/wallets",
            Some(json!({"customer_id": w["customer_id"], "currency": "USD"})),
        )
        .await;
    assert_eq!(r.status, 409);
    let body = r.json();
    assert_eq!(body["code"], "already_exists");
    assert_eq!(
        body["message"],
        "A customer can only have one active wallet per currency and wallet type"
    );
    let keys: BTreeSet<&str> = body["details"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["customer_id", "wallet_id", "currency", "wallet_type"])
    );
    assert_eq!(body["details"]["wallet_id"], wid.as_str());

    let r = sb
        .top_up(
            &wid,
            json!({"credits_to_add": "", "transaction_reason": "FREE_CREDIT_GRANT"}),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (
            400,
            json!({"code":"validation_error","message":"Invalid request format","http_status_code":400})
        )
    );
    let r = sb.top_up(&wid, json!({"credits_to_add": "5"})).await;
    assert_eq!(
        r.json()["message"],
        "Invalid request format",
        "transaction_reason is required"
    );
    let r = sb
        .call(Method::GET, &format!("/wallets/{wid}/transactions?limit=x"), None)
        .await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (
            400,
            json!({"code":"validation_error","message":"Invalid filter parameters","http_status_code":400})
        )
    );

    let mut seen = BTreeSet::new();
    for _ in 0..24 {
        let r = sb
            .call(Method::PUT, "/wallets/nope", Some(json!({"name": "x"})))
            .await;
        let body = r.json();
        assert_eq!(body["message"], "Wallet not found");
        assert_eq!(body["http_status_code"], r.status.as_u16());
        seen.insert(r.status.as_u16());
    }
    assert_eq!(
        seen,
        BTreeSet::from([404, 500]),
        "PUT on an unknown id answers 404 or 500"
    );

    let missing: Vec<String> = concrete_examples(&doc)
        .into_iter()
        .filter(|s| !covered.contains(s))
        .collect();
    assert!(
        missing.is_empty(),
        "section 1 examples not reproduced: {missing:?}"
    );
}

#[tokio::test]
async fn search_quirk_and_envelopes() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({"initial_credits_to_load": "5"})).await;
    let id = w["id"].as_str().unwrap();
    let r = sb.call(Method::POST, "/wallets/search", Some(json!({}))).await;
    assert_eq!(
        (r.status.as_u16(), r.text.as_str()),
        (500, ""),
        "empty search body panics"
    );
    let r = sb
        .call(Method::POST, "/wallets/search", Some(json!({"limit": 50})))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["pagination"],
        json!({"total": 1, "limit": 50, "offset": 0})
    );
    let r = sb
        .call(Method::POST, "/wallets/search", Some(json!({"limit": 5000})))
        .await;
    assert_eq!(
        r.json(),
        json!({"code":"validation_error","message":"An unexpected error occurred","http_status_code":400,
               "details":{"limit":"must be between 1 and 1000"}})
    );
    let r = sb.call(Method::GET, "/wallets?limit=1&offset=7", None).await;
    assert_eq!(
        r.json()["pagination"],
        json!({"total": 1, "limit": 50, "offset": 0}),
        "ignored"
    );
    let page = sb
        .get(&format!("/wallets/{id}/transactions?limit=10&offset=0"))
        .await;
    assert_eq!(page["pagination"], json!({"total": 1, "limit": 10, "offset": 10}));
    let r = sb
        .call(
            Method::GET,
            &format!("/wallets/{id}/balance/real-time?expand=nope"),
            None,
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"code":"validation_error","message":"Field is not allowed to be expanded","http_status_code":400,
               "details":{"field":"nope"}})
    );
    let r = sb.call(Method::GET, "/wallets/nope/transactions", None).await;
    assert_eq!(
        r.json()["items"],
        json!([]),
        "unknown wallet: empty list, not 404"
    );
}
