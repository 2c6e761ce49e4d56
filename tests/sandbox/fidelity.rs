//! Places where the sandbox once answered unlike Flexprice: auto top-up on closed wallets,
//! non-object JSON bodies, the price-unit message. Each test names the Go code it copies
//! (github.com/flexprice/flexprice at e4b5303f, the commit WALLET_API.md was read from).

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Reply, Sandbox, sandbox};
use crate::ledger::grant;

/// Sends `body` as it is (not re-encoded), with a JSON content type.
pub async fn raw(sb: &Sandbox, method: Method, path: &str, body: &str) -> Reply {
    let resp = sb
        .http
        .request(method, format!("{}{}", sb.sb.url, path))
        .header("x-api-key", crate::common::KEY)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request answered");
    Reply {
        status: resp.status(),
        headers: resp.headers().clone(),
        text: resp.text().await.expect("body read"),
    }
}

async fn terminate(sb: &Sandbox, id: &str) {
    let r = sb
        .call(Method::POST, &format!("/wallets/{id}/terminate"), None)
        .await;
    assert_eq!(r.status, 200, "terminate: {}", r.text);
}

fn auto_topups(ledger: &[Value]) -> usize {
    ledger
        .iter()
        .filter(|t| t["metadata"]["auto_topup"] == "true")
        .count()
}

/// Termination is `walletService.TerminateWallet` (`internal/ee/service/wallet.go`): one
/// `DB.WithTx` that debits the remaining credits (`WALLET_TERMINATION`) and then sets the wallet
/// `closed`. The debit goes through `processWalletOperation`, which calls
/// `EvaluateAlertsForWallet` for the wallet it changed **inside that same transaction**, while
/// the wallet still reads `active` with a zero balance: `triggerAutoTopup` tops it up before the
/// status update. So Flexprice does leave a terminated auto-top-up wallet `closed` holding the
/// auto top-up's credits, the top-up listed after the termination debit. This pins that (it is
/// not a sandbox bug); WALLET_API.md §4 "POST /wallets/{id}/terminate" names the handler only.
#[tokio::test]
async fn termination_auto_tops_up_inside_its_transaction_like_flexprice() {
    let sb = sandbox().await;
    let auto = json!({"enabled": true, "threshold": "2", "amount": "20", "invoicing": false});
    let w = sb
        .wallet(json!({"auto_topup": auto, "initial_credits_to_load": "50"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    terminate(&sb, &id).await;
    let w = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(w["wallet_status"], "closed");
    assert_eq!(w["credit_balance"], "20");
    let mut ledger = sb.ledger(&id).await;
    ledger.sort_by(|a, b| a["created_at"].as_str().cmp(&b["created_at"].as_str()));
    let reasons: Vec<&str> = ledger
        .iter()
        .map(|t| t["transaction_reason"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        reasons,
        [
            "FREE_CREDIT_GRANT",
            "WALLET_TERMINATION",
            "PURCHASED_CREDIT_DIRECT"
        ]
    );
    assert_eq!(auto_topups(&ledger), 1);
}

/// A closed wallet is never topped up automatically. Flexprice's alert evaluators only ever
/// see active wallets: `walletService.CheckWalletBalanceAlert` (`internal/ee/service/wallet.go`,
/// the Kafka consumer and, before 2026-07-14, the call after every wallet operation) and
/// `alertService.EvaluateWalletAlertsForCustomer` (`internal/ee/service/alert_evaluation.go`)
/// both list wallets with `WalletRepo.GetWalletsByCustomerID`, which filters
/// `wallet_status = active` (`internal/repository/ent/wallet.go`). (At e4b5303f
/// `processWalletOperation` evaluates the changed wallet directly whatever its status; for a
/// closed wallet `GetWalletBalanceV2` reports 0, so each auto top-up would trigger the next
/// without end. The sandbox used to stop after eight; it now follows the evaluators.)
/// The top-up itself is accepted: `walletService.TopUpWallet` does not check the status
/// (WALLET_API.md §4 "POST /wallets/{id}/top-up").
#[tokio::test]
async fn a_closed_wallet_is_never_auto_topped_up() {
    let sb = sandbox().await;
    let auto = json!({"enabled": true, "threshold": "2", "amount": "20", "invoicing": false});
    let w = sb.wallet(json!({"auto_topup": auto})).await;
    let id = w["id"].as_str().unwrap().to_string();
    // Nothing to debit: the termination moves no balance and evaluates nothing.
    terminate(&sb, &id).await;
    let closed = sb.get(&format!("/wallets/{id}")).await;
    assert_eq!(
        (
            closed["wallet_status"].as_str(),
            closed["credit_balance"].as_str()
        ),
        (Some("closed"), Some("0"))
    );
    let r = sb.top_up(&id, grant("FREE_CREDIT_GRANT", "1", json!({}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = r.json();
    assert_eq!(r["wallet"]["credit_balance"], "1", "{r}");
    assert_eq!(r["wallet"]["balance"], "1");
    let ledger = sb.ledger(&id).await;
    assert_eq!(ledger.len(), 1, "only the top-up itself: {ledger:?}");
    assert_eq!(auto_topups(&ledger), 0);
    // Same for a wallet closed with credits in it (the auto top-up of the termination stays).
    let w = sb
        .wallet(json!({"auto_topup": auto, "initial_credits_to_load": "7"}))
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    terminate(&sb, &id).await;
    let before = sb.ledger(&id).await;
    let r = sb
        .top_up(&id, grant("PURCHASED_CREDIT_DIRECT", "1", json!({})))
        .await
        .json();
    assert_eq!(r["wallet"]["credit_balance"], "21", "{r}");
    let after = sb.ledger(&id).await;
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(auto_topups(&after), auto_topups(&before));
}

/// One JSON-bodied endpoint and what each kind of body gets there.
struct Endpoint {
    method: Method,
    path: String,
    /// The hint of the handler's `ShouldBindJSON` failure.
    bind_hint: &'static str,
    /// What a `null` body (Go: a no-op, so the same as `{}`) answers.
    null_status: u16,
}

/// gin's `ShouldBindJSON` decodes with `encoding/json` into the request struct, then runs the
/// `binding` validators. A string, number, boolean or array into a struct is an
/// `UnmarshalTypeError`, an empty body is `io.EOF`: 400 `validation_error` with the handler's
/// hint. `null` into a struct is a no-op, so it answers what `{}` answers. Handlers in
/// `internal/api/v1/wallet.go` and their hints: `CreateWallet`, `UpdateWallet`, `TopUpWallet`,
/// `ManualBalanceDebit`, `ModifyWallet` say "Invalid request format"; `QueryWallets` and
/// `QueryWalletTransactions` say "Invalid filter parameters" (WALLET_API.md §1 "Body that fails
/// JSON binding"). `TerminateWallet` binds nothing: any body is ignored.
#[tokio::test]
async fn non_object_bodies_fail_binding_and_null_is_an_empty_object() {
    let sb = sandbox().await;
    let w = sb.wallet(json!({"initial_credits_to_load": "10"})).await;
    let id = w["id"].as_str().unwrap().to_string();
    let name = w["name"].clone();
    const FORMAT: &str = "Invalid request format";
    const FILTER: &str = "Invalid filter parameters";
    let ep = |method: Method, path: String, bind_hint, null_status| Endpoint {
        method,
        path,
        bind_hint,
        null_status,
    };
    let endpoints = [
        // `currency` is `binding:"required"`.
        ep(Method::POST, "/wallets".into(), FORMAT, 400),
        ep(Method::PUT, format!("/wallets/{id}"), FORMAT, 200),
        // `transaction_reason` is required.
        ep(Method::POST, format!("/wallets/{id}/top-up"), FORMAT, 400),
        // `transaction_reason` and `idempotency_key` are required.
        ep(Method::POST, format!("/wallets/{id}/debit"), FORMAT, 400),
        // `modification_type` is required.
        ep(Method::POST, format!("/wallets/{id}/modify"), FORMAT, 400),
        // No QueryFilter field: the handler dereferences the nil filter, gin recovers with 500.
        ep(Method::POST, "/wallets/search".into(), FILTER, 500),
        ep(Method::POST, "/wallets/transactions/search".into(), FILTER, 200),
    ];
    let refused = [
        "\"X\"",
        "\"\"",
        "0",
        "1",
        "-1.5e3",
        "1e400",
        "true",
        "false",
        "[]",
        "[null, null]",
        "[\"X\"]",
        "[{}]",
        "",
        "  ",
    ];
    let mut wrong = Vec::new();
    for e in &endpoints {
        let refusal = json!({"code": "validation_error", "message": e.bind_hint, "http_status_code": 400});
        for body in refused {
            let r = raw(&sb, e.method.clone(), &e.path, body).await;
            let got: Value = serde_json::from_str(&r.text).unwrap_or(Value::Null);
            if r.status != 400 || got != refusal {
                wrong.push(format!(
                    "{} {} {body:?}: {} {}",
                    e.method, e.path, r.status, r.text
                ));
            }
        }
        for body in ["null", " null\n", "{}"] {
            let r = raw(&sb, e.method.clone(), &e.path, body).await;
            let shape_ok = match e.null_status {
                400 => r.json() == refusal,
                500 => r.text.is_empty(),
                _ => r.json().is_object(),
            };
            if r.status.as_u16() != e.null_status || !shape_ok {
                wrong.push(format!(
                    "{} {} {body:?}: {} {}",
                    e.method, e.path, r.status, r.text
                ));
            }
        }
    }
    // The array did not rename the wallet, `null` changed nothing.
    let now = sb.get(&format!("/wallets/{id}")).await;
    if now["name"] != name {
        wrong.push(format!("the wallet was renamed to {}", now["name"]));
    }
    // Terminate reads no body.
    let r = raw(&sb, Method::POST, &format!("/wallets/{id}/terminate"), "[\"X\"]").await;
    if r.status != 200 {
        wrong.push(format!("terminate with a body: {} {}", r.status, r.text));
    }
    assert!(
        wrong.is_empty(),
        "answers unlike Flexprice:\n{}",
        wrong.join("\n")
    );
}

/// `walletService.CreateWallet` (`internal/ee/service/wallet.go`) looks the code up with
/// `priceUnitRepository.GetByCode` (`internal/repository/ent/priceunit.go`), whose not-found
/// error has the hint `"Price unit with code %s was not found"` and the reportable detail
/// `code`; the error handler renders it flat (WALLET_API.md §1 "Error body").
#[tokio::test]
async fn an_unknown_price_unit_is_named_in_the_error() {
    let sb = sandbox().await;
    let body = json!({"customer_id": "cust_pu", "currency": "usd", "price_unit": "GEMS"});
    let r = sb.call(Method::POST, "/wallets", Some(body)).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"code": "not_found", "message": "Price unit with code GEMS was not found",
               "http_status_code": 404, "details": {"code": "GEMS"}})
    );
}

/// `types.NewPaginationResponse` (`internal/types/pagination.go`) answers `offset + limit` in Go
/// `int`s (WALLET_API.md §3 "List envelope"), which wrap instead of failing: the largest offset
/// gives an empty page whose next offset is negative. (Found by `generated`: the sandbox's
/// checked addition panicked and dropped the connection.)
#[tokio::test]
async fn the_largest_offset_wraps_like_a_go_int() {
    let sb = sandbox().await;
    sb.wallet(json!({"initial_credits_to_load": "1"})).await;
    let body = json!({"offset": i64::MAX});
    let r = sb
        .call(Method::POST, "/wallets/transactions/search", Some(body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let page = r.json();
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["pagination"]["limit"], 50);
    assert_eq!(page["pagination"]["offset"], json!(i64::MAX.wrapping_add(50)));
}

/// Go's decimals have no upper bound, so `walletService.TopUpWallet` computes any amount and
/// the insert in `walletRepository.CreateTransaction` (`internal/repository/ent/wallet.go`) is
/// what fails: 500 `database_error` "Failed to create wallet transaction" (WALLET_API.md §2
/// "No API-level max; overflow → 500"). Past 7.9e28 a `Decimal` overflows before that; the
/// sandbox answered that with a panic (`internal_error`), now with the same 500, nothing stored.
#[tokio::test]
async fn amounts_past_a_decimal_fail_like_a_postgres_overflow() {
    let sb = sandbox().await;
    let w = sb
        .wallet(
            json!({"conversion_rate": "2", "topup_conversion_rate": "0.5", "initial_credits_to_load": "100"}),
        )
        .await;
    let id = w["id"].as_str().unwrap().to_string();
    let max = "79228162514264337593543950335";
    for body in [
        // credits + balance, and credits × 0.5 fits but the balance × 2 does not.
        grant("FREE_CREDIT_GRANT", max, json!({})),
        // amount ÷ 0.5 credits.
        json!({"amount": max, "transaction_reason": "FREE_CREDIT_GRANT"}),
        json!({"amount": max, "transaction_reason": "PURCHASED_CREDIT_INVOICED"}),
        grant(
            "PURCHASED_CREDIT_DIRECT",
            "1",
            json!({"bonus_credits_to_add": max}),
        ),
    ] {
        let r = sb.top_up(&id, body.clone()).await;
        assert_eq!(r.status, 500, "{body}: {}", r.text);
        let e = r.json();
        assert_eq!(
            (
                e["code"].as_str(),
                e["message"].as_str(),
                e["details"]["wallet_id"].as_str()
            ),
            (
                Some("database_error"),
                Some("Failed to create wallet transaction"),
                Some(id.as_str())
            ),
            "{body}: {e}"
        );
    }
    let debit = json!({"credits": max, "transaction_reason": "MANUAL_BALANCE_DEBIT", "idempotency_key": "d"});
    let r = sb
        .call(Method::POST, &format!("/wallets/{id}/debit"), Some(debit))
        .await;
    assert_eq!(r.status, 500, "{}", r.text);
    assert_eq!(r.json()["details"]["type"], "debit");
    // Nothing was written, and the store still commits what follows.
    assert_eq!(sb.ledger(&id).await.len(), 1);
    let r = sb.top_up(&id, grant("FREE_CREDIT_GRANT", "1", json!({}))).await;
    assert_eq!(r.json()["wallet"]["credit_balance"], "101");
}

/// Go's `net/http` percent-decodes the path into bytes and gin routes on it, so
/// `GET /wallets/%FF` reaches `WalletHandler.GetWalletByID` (`internal/api/v1/wallet.go`) with the
/// id `"\xff"`; Go's JSON writes such bytes as U+FFFD. The sandbox answers it as an unknown id
/// (WALLET_API.md §1's `GET /wallets/nope` example) instead of axum's plain-text 400. (Found by
/// `generated`. Real Flexprice passes the bytes on to Postgres, which is likely to refuse them as
/// invalid UTF-8 with a 500 that WALLET_API.md does not document.)
#[tokio::test]
async fn ids_that_are_not_utf8_are_unknown_ids() {
    let sb = sandbox().await;
    for (method, path) in [
        (Method::GET, "/wallets/%FF"),
        (Method::POST, "/wallets/%C3%28/terminate"),
        (Method::GET, "/wallets/%FF/balance/real-time"),
    ] {
        let r = sb.call(method.clone(), path, None).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
        assert_eq!(r.json()["code"], "not_found", "{method} {path}");
        assert_eq!(r.json()["message"], "Wallet not found");
    }
    let r = sb.call(Method::GET, "/wallets/a%FFb", None).await;
    assert_eq!(r.json()["details"], json!({"wallet_id": "a\u{FFFD}b"}));
}

/// The same binding, one level down: `encoding/json` leaves a field alone for a `null` member
/// (a plain string stays `""`, a pointer, map or slice stays nil), so `"description": null` is
/// the same as leaving it out. Handlers `CreateWallet`, `TopUpWallet`, `UpdateWallet`,
/// `ManualBalanceDebit` (`internal/api/v1/wallet.go`, WALLET_API.md §1 "Body that fails JSON
/// binding": a null is not a binding failure).
#[tokio::test]
async fn null_members_are_absent_members() {
    let sb = sandbox().await;
    let body = json!({"customer_id": "cust_nulls", "currency": "usd", "description": null,
                      "wallet_type": null, "metadata": null, "conversion_rate": null});
    let r = sb.call(Method::POST, "/wallets", Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let w = r.json();
    let id = w["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            w["wallet_type"].as_str(),
            w["description"].as_str(),
            w["conversion_rate"].as_str()
        ),
        (Some("PRE_PAID"), Some(""), Some("1"))
    );
    let top_up = json!({"credits_to_add": "5", "transaction_reason": "FREE_CREDIT_GRANT",
                        "description": null, "idempotency_key": null, "priority": null});
    let r = sb.top_up(&id, top_up).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let debit = json!({"credits": "1", "transaction_reason": "MANUAL_BALANCE_DEBIT",
                       "idempotency_key": "n1", "description": null});
    let r = sb
        .call(Method::POST, &format!("/wallets/{id}/debit"), Some(debit))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = sb
        .call(
            Method::PUT,
            &format!("/wallets/{id}"),
            Some(json!({"name": null, "description": "d"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], w["name"]);
    // A required field that is null is still missing.
    let r = sb
        .top_up(&id, json!({"credits_to_add": "5", "transaction_reason": null}))
        .await;
    assert_eq!(r.json()["message"], "Invalid request format");
}
