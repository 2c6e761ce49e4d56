//! What a generated request may get back: a 200 with JSON, a 4xx with Flexprice's error body
//! (or gin's plain-text 404), or one of the 5xx WALLET_API.md documents.

use reqwest::Method;
use serde_json::{Value, json};

use super::Req;
use crate::common::Reply;

/// `internal/errors/errors.go`: each code and its status.
const CODES: [(&str, u16); 12] = [
    ("validation_error", 400),
    ("invalid_operation", 400),
    ("not_found", 404),
    ("already_exists", 409),
    ("version_conflict", 409),
    ("permission_denied", 403),
    ("service_unavailable", 503),
    ("too_many_requests", 429),
    ("not_implemented", 501),
    ("database_error", 500),
    ("system_error", 500),
    ("internal_error", 500),
];

/// The flat error body of WALLET_API.md §1, its status the code's.
fn error_shape(status: u16, text: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|_| format!("not JSON: {text:?}"))?;
    let o = v.as_object().ok_or("not an object")?;
    let known = ["code", "message", "http_status_code", "details"];
    if o.keys().any(|k| !known.contains(&k.as_str())) {
        return Err(format!("unexpected keys: {text}"));
    }
    let code = o.get("code").and_then(Value::as_str).ok_or("no code")?;
    let (_, mapped) = CODES
        .iter()
        .find(|(c, _)| *c == code)
        .ok_or(format!("unknown code {code}"))?;
    let message = o.get("message").and_then(Value::as_str);
    // `details` is omitted when empty.
    let details = o.get("details").map(|d| d.as_object().map(|d| d.len()));
    let fine = message.is_some_and(|m| !m.is_empty())
        && !matches!(details, Some(None | Some(0)))
        && o.get("http_status_code") == Some(&json!(status))
        && *mapped == status;
    if fine {
        Ok(v)
    } else {
        Err(format!("bad error body for {status}: {text}"))
    }
}

/// The 5xx WALLET_API.md documents.
fn documented_5xx(req: &Req, status: u16, text: &str) -> bool {
    if status != 500 {
        return false;
    }
    // §4: a search body without any QueryFilter field leaves the filter nil, the handler
    // dereferences it, gin's recovery answers an empty 500.
    if req.method == Method::POST && req.path == "/wallets/search" && text.is_empty() {
        let body = req
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str::<Value>(b).ok());
        let filter_keys = ["limit", "offset", "sort", "order", "expand"];
        return match body {
            Some(Value::Null) => true,
            Some(Value::Object(o)) => !filter_keys.iter().any(|k| o.contains_key(*k)),
            _ => false,
        };
    }
    let Ok(v) = error_shape(status, text) else {
        return false;
    };
    match (v["code"].as_str(), v["message"].as_str()) {
        // §1: an unknown id on PUT carries not_found and database_error; the status is random.
        (Some("database_error"), Some("Wallet not found")) => req.method == Method::PUT,
        // §2: no API-level maximum; what does not fit numeric(20,9) overflows in Postgres.
        (
            Some("database_error"),
            Some("Failed to create wallet transaction" | "Failed to update wallet balance"),
        ) => true,
        _ => false,
    }
}

pub fn check(req: &Req, r: &Reply) -> Result<(), String> {
    let status = r.status.as_u16();
    match status {
        // Every success is a 200 (WALLET_API.md §1).
        200 => serde_json::from_str::<Value>(&r.text)
            .map(|_| ())
            .map_err(|_| format!("200 is not JSON: {}", r.text)),
        // gin's own answer to a path no route matches.
        404 if r.text == "404 page not found" => Ok(()),
        400..=499 => error_shape(status, &r.text).map(|_| ()),
        _ if documented_5xx(req, status, &r.text) => Ok(()),
        _ => Err(format!("{status} {:?}", r.text)),
    }
}
