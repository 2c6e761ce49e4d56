//! Every error body of WALLET_API.md section 1 (and the 500 with no body) becomes a typed
//! error whose Display is a sentence an operator understands.

use flexwallet::api::{ApiError, ErrorBody};
use serde_json::json;

use crate::fixture;

fn error(file: &str, path: &str) -> ApiError {
    let status: u16 = file[..3].parse().unwrap();
    ApiError::from_reply(status, path, &fixture(&format!("errors/{file}")))
}

fn api_body(e: &ApiError) -> &ErrorBody {
    match e {
        ApiError::Api { body, .. } => body,
        other => panic!("expected a Flexprice error body, got {other:?}"),
    }
}

#[test]
fn not_found_with_and_without_details() {
    let e = error("404_get_wallet_not_found.json", "/wallets/nope");
    let b = api_body(&e);
    assert_eq!(
        (b.code.as_str(), b.message.as_str(), b.http_status_code),
        ("not_found", "Wallet not found", 404)
    );
    assert_eq!(e.details().unwrap()["wallet_id"], "nope");
    assert_eq!(e.field(), Some("wallet_id"));
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.to_string(), "404 not_found: wallet not found");
    assert!(e.certainly_not_applied() && !e.is_transient() && !e.outcome_unknown());

    let e = error("404_topup_wallet_not_found.json", "/wallets/nope/top-up");
    assert_eq!(api_body(&e).details, None);
    assert_eq!(e.to_string(), "404 not_found: wallet not found");
}

#[test]
fn validation_errors_name_the_field() {
    let e = error("400_credits_zero.json", "/wallets/w/top-up");
    assert_eq!(e.code(), Some("validation_error"));
    assert_eq!(e.field(), Some("credits_to_add"));
    // Decimals inside details are strings.
    assert_eq!(e.details().unwrap()["credits_to_add"], json!("0"));
    assert_eq!(
        e.to_string(),
        "400 validation_error: credits to add must be a positive value (credits_to_add: \"0\")"
    );

    let e = error("400_limit_out_of_range.json", "/wallets");
    assert_eq!(
        e.to_string(),
        "400 validation_error: an unexpected error occurred (limit: \"must be between 1 and 1000\")"
    );

    let e = error("400_invalid_request_format.json", "/wallets/w/top-up");
    assert_eq!(e.details(), None);
    assert_eq!(e.to_string(), "400 validation_error: invalid request format");

    let e = error("400_already_terminated.json", "/wallets/w/terminate");
    assert_eq!(e.code(), Some("invalid_operation"));
    assert_eq!(
        e.to_string(),
        "400 invalid_operation: wallet is already terminated"
    );
}

#[test]
fn conflicts_read_as_sentences() {
    let e = error("409_idempotency_key_reused.json", "/wallets/w/top-up");
    assert!(e.is_already_exists());
    assert_eq!(
        e.to_string(),
        "409 already_exists: a wallet transaction with this idempotency key already exists"
    );
    let d = e.details().unwrap();
    assert_eq!(d["wallet_id"], "wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5");
    assert_eq!(d["type"], "credit");
    assert_eq!(d["amount"], "10");
    assert_eq!(d["idempotency_key"], "bulk-2026-08-22-row-17");

    let e = error("409_one_active_wallet.json", "/wallets");
    assert!(e.is_already_exists());
    assert_eq!(
        e.to_string(),
        "409 already_exists: a customer can only have one active wallet per currency and wallet type"
    );
    let keys: Vec<&String> = e.details().unwrap().keys().collect();
    assert_eq!(keys, ["customer_id", "wallet_id", "currency", "wallet_type"]);
}

#[test]
fn auth_bodies_are_not_the_normal_shape() {
    for (file, said) in [
        ("401_unauthorized.json", "Unauthorized"),
        ("401_invalid_token.json", "Invalid token"),
    ] {
        let e = error(file, "/wallets");
        assert_eq!(
            e,
            ApiError::Unauthorized {
                status: 401,
                error: said.into()
            }
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with("401 unauthorized: the API key was refused"),
            "{shown}"
        );
        assert!(shown.contains("FLEXPRICE_API_KEY"), "{shown}");
        assert!(e.certainly_not_applied() && !e.is_transient());
    }

    let e = error("403_environment_denied.json", "/wallets");
    assert_eq!(
        e,
        ApiError::EnvironmentDenied {
            message: "Invalid or inaccessible environment".into()
        }
    );
    assert_eq!(e.status(), Some(403));
    let shown = e.to_string();
    assert!(
        shown.starts_with("403 access denied: invalid or inaccessible environment; set the environment ID"),
        "{shown}"
    );
    assert!(shown.contains("--environment-id"), "{shown}");

    let e = error("403_insufficient_permissions.json", "/wallets/w/top-up");
    assert_eq!(
        e,
        ApiError::Forbidden {
            message: "insufficient permissions".into()
        }
    );
    assert_eq!(e.to_string(), "403 forbidden: insufficient permissions");
}

#[test]
fn plain_text_404_is_a_wrong_url() {
    let e = error("404_page_not_found.txt", "/wallet");
    assert_eq!(
        e,
        ApiError::NoRoute {
            path: "/wallet".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "404 not found: /wallet is not a Flexprice API route (check the API URL, it should end in /v1)"
    );
}

#[test]
fn legacy_error_shape_keeps_its_message() {
    let e = error("404_legacy.json", "/wallets/nope");
    let b = api_body(&e);
    assert_eq!(
        (b.code.as_str(), b.message.as_str(), b.http_status_code),
        ("not_found", "Wallet not found", 404)
    );
    assert_eq!(e.to_string(), "404 not_found: wallet not found");
}

#[test]
fn a_500_with_an_empty_body_is_transient_and_its_outcome_unknown() {
    let e = error("500_empty.txt", "/wallets/search");
    assert!(matches!(&e, ApiError::Undecodable { status: 500, excerpt, .. } if excerpt.is_empty()));
    assert!(e.is_transient() && e.outcome_unknown() && !e.certainly_not_applied());
    assert_eq!(
        e.to_string(),
        "500 with an empty body: the server failed without saying why"
    );
}

#[test]
fn an_unreadable_body_keeps_an_excerpt() {
    let html = format!("<html><body>502 Bad Gateway{}</body></html>", " ".repeat(500));
    let e = ApiError::from_reply(502, "/wallets", &html);
    match &e {
        ApiError::Undecodable { status, excerpt, .. } => {
            assert_eq!(*status, 502);
            assert!(excerpt.starts_with("<html><body>502 Bad Gateway"));
            assert_eq!(excerpt.chars().count(), 201, "200 characters and an ellipsis");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with("502 unreadable reply: not a Flexprice error body; the body starts \"<html>")
    );
}

#[test]
fn network_failures_say_whether_the_request_may_have_landed() {
    let refused = ApiError::Connect {
        host: "127.0.0.1:9".into(),
        reason: "Connection refused (os error 111)".into(),
    };
    assert_eq!(
        refused.to_string(),
        "cannot connect to 127.0.0.1:9: Connection refused (os error 111)"
    );
    assert!(refused.certainly_not_applied() && !refused.outcome_unknown());
    let timeout = ApiError::Timeout {
        host: "api.cloud.flexprice.io".into(),
        secs: 20,
    };
    assert_eq!(
        timeout.to_string(),
        "timed out after 20s waiting for api.cloud.flexprice.io (the request may or may not have been applied)"
    );
    assert!(timeout.outcome_unknown() && !timeout.certainly_not_applied());
}
