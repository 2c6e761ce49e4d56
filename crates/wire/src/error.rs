//! Typed errors of the Flexprice API, each with a sentence an operator can act on.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::text::{clean, clean_owned};

/// Flexprice's flat error body: `{code, message, http_status_code, details}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub http_status_code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The normal Flexprice error body (or the pre-April-2026 `{"success":false,…}` one).
    #[error("{status} {}: {}{}", .body.code, sentence(&.body.message), detail_suffix(*.status, .body))]
    Api { status: u16, body: Box<ErrorBody> },
    /// 401 `{"error":"Unauthorized"}` (or `Invalid token`): the API key was refused.
    #[error(
        "{status} unauthorized: the API key was refused ({error}); check FLEXPRICE_API_KEY or the profile's api_key_env / api_key_command"
    )]
    Unauthorized { status: u16, error: String },
    /// 403 `{"error":"Access denied","message":"Invalid or inaccessible environment"}`: the key
    /// carries no environment and `X-Environment-ID` was missing or unknown.
    #[error(
        "403 access denied: {}; set the environment ID (--environment-id, FLEXPRICE_ENVIRONMENT_ID or the profile's environment_id)",
        sentence(.message)
    )]
    EnvironmentDenied { message: String },
    /// Any other 403, e.g. `{"message":"insufficient permissions"}` on a write route.
    #[error("403 forbidden: {}", sentence(.message))]
    Forbidden { message: String },
    /// gin's plain-text `404 page not found`: the URL is not a Flexprice route.
    #[error("404 not found: {path} is not a Flexprice API route (check the API URL, it should end in /v1)")]
    NoRoute { path: String },
    /// The server answered, but not with anything we could read.
    #[error("{}", undecodable_text(*.status, .call, .reason, .excerpt))]
    Undecodable {
        status: u16,
        reason: String,
        excerpt: String,
        /// The call that got it (`GET /v1/wallets`), once the client has said; else empty.
        call: String,
    },
    /// The request never reached the server (connection refused, DNS, TLS, connect timeout).
    #[error("cannot connect to {host}: {reason}")]
    Connect { host: String, reason: String },
    /// The request was sent and no complete answer came: the outcome is unknown.
    #[error("no answer from {host}: {reason} (the request may or may not have been applied)")]
    Interrupted { host: String, reason: String },
    /// No answer within the request timeout: the outcome is unknown.
    #[error("timed out after {secs}s waiting for {host} (the request may or may not have been applied)")]
    Timeout { host: String, secs: u64 },
    /// A 3xx answer. Redirects are never followed: the API key (and a request's body) go only
    /// to the configured origin.
    #[error(
        "{call}: the API answered {status} redirect to {}; flexwallet does not follow redirects (the API key is sent only to {origin})",
        .location.as_deref().unwrap_or("nowhere (no Location header)")
    )]
    Redirected {
        status: u16,
        /// `GET /v1/wallets`
        call: String,
        /// Where it pointed, resolved, without userinfo and sanitised.
        location: Option<String>,
        /// The configured origin (`https://api.cloud.flexprice.io`), without userinfo.
        origin: String,
    },
    /// A reply body longer than the configured cap: reading stopped there.
    #[error(
        "reply larger than {} from {call}; raise max_reply_mb in the config file's profile if the API really sends this much",
        size_text(*.limit_bytes)
    )]
    TooLarge {
        status: u16,
        /// `GET /v1/wallets`
        call: String,
        limit_bytes: u64,
    },
    /// A precondition the client checks before sending.
    #[error("{0}")]
    Invalid(String),
}

/// `2048 MB` (MiB, as `max_reply_mb` counts) or `512 bytes` below one.
fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes / MB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Every string of an error body through the one sanitiser: codes, messages and details reach
/// terminals and logs.
fn clean_value(v: &mut Value) {
    match v {
        Value::String(s) => *s = clean_owned(std::mem::take(s)),
        Value::Array(items) => items.iter_mut().for_each(clean_value),
        Value::Object(map) => clean_map(map),
        _ => {}
    }
}

fn clean_map(map: &mut Map<String, Value>) {
    if map.keys().any(|k| matches!(clean(k), Cow::Owned(_))) {
        *map = std::mem::take(map)
            .into_iter()
            .map(|(k, v)| (clean_owned(k), v))
            .collect();
    }
    map.values_mut().for_each(clean_value);
}

impl ErrorBody {
    fn cleaned(mut self) -> ErrorBody {
        self.code = clean_owned(self.code);
        self.message = clean_owned(self.message);
        if let Some(details) = &mut self.details {
            clean_map(details);
        }
        self
    }
}

/// "A wallet transaction …" → "a wallet transaction …" so it reads after "409 already_exists:".
/// Acronyms ("API key …") keep their case.
fn sentence(message: &str) -> String {
    let first_word = message.split_whitespace().next().unwrap_or_default();
    let mut chars = first_word.chars();
    let capitalised = chars.next().is_some_and(char::is_uppercase)
        && chars.all(|c| !c.is_alphabetic() || c.is_lowercase())
        && first_word != "I";
    match message.chars().next() {
        Some(first) if capitalised => {
            let mut s = first.to_lowercase().collect::<String>();
            s.push_str(&message[first.len_utf8()..]);
            s
        }
        _ => message.to_string(),
    }
}

/// A 400's details say which field is wrong (`credits_to_add: "0"`); Flexprice's message alone
/// is often just "An unexpected error occurred". Other statuses keep their sentence short.
fn detail_suffix(status: u16, body: &ErrorBody) -> String {
    let Some(details) = body.details.as_ref().filter(|d| status == 400 && !d.is_empty()) else {
        return String::new();
    };
    let parts: Vec<String> = details
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s:?}"),
            other => format!("{k}: {other}"),
        })
        .collect();
    format!(" ({})", parts.join(", "))
}

fn undecodable_text(status: u16, call: &str, reason: &str, excerpt: &str) -> String {
    let from = if call.is_empty() {
        String::new()
    } else {
        format!(" from {call}")
    };
    if excerpt.trim().is_empty() {
        format!("{status} with an empty body{from}: {reason}")
    } else {
        format!("{status} unreadable reply{from}: {reason}; the body starts {excerpt:?}")
    }
}

const EXCERPT_CHARS: usize = 200;

fn excerpt(text: &str) -> String {
    let mut s: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        s.push('…');
    }
    s
}

impl ApiError {
    /// Classifies a non-success reply from its status and body.
    pub fn from_reply(status: u16, path: &str, body: &str) -> ApiError {
        if let Ok(b) = serde_json::from_str::<ErrorBody>(body) {
            return ApiError::Api {
                status,
                body: Box::new(b.cleaned()),
            };
        }
        #[derive(Deserialize)]
        struct AuthBody {
            error: Option<String>,
            message: Option<String>,
        }
        #[derive(Deserialize)]
        struct LegacyBody {
            error: LegacyInner,
        }
        #[derive(Deserialize)]
        struct LegacyInner {
            message: String,
        }
        if let Ok(legacy) = serde_json::from_str::<LegacyBody>(body) {
            // Releases before April 2026: `{"success":false,"error":{"message":…}}`.
            return ApiError::Api {
                status,
                body: Box::new(ErrorBody {
                    code: code_for_status(status).to_string(),
                    message: clean_owned(legacy.error.message),
                    http_status_code: status,
                    details: None,
                }),
            };
        }
        if let Ok(auth) = serde_json::from_str::<AuthBody>(body) {
            let (error, message) = (auth.error.map(clean_owned), auth.message.map(clean_owned));
            match (status, error, message) {
                (401, Some(error), _) => return ApiError::Unauthorized { status, error },
                (403, Some(error), Some(message)) if error == "Access denied" => {
                    return ApiError::EnvironmentDenied { message };
                }
                (403, Some(error), Some(message)) => {
                    return ApiError::Forbidden {
                        message: format!("{error}: {}", sentence(&message)),
                    };
                }
                (403, None, Some(message)) | (403, Some(message), None) => {
                    return ApiError::Forbidden { message };
                }
                _ => {}
            }
        }
        if status == 404 && body.trim() == "404 page not found" {
            return ApiError::NoRoute {
                path: path.to_string(),
            };
        }
        let reason = if body.trim().is_empty() {
            "the server failed without saying why".to_string()
        } else {
            "not a Flexprice error body".to_string()
        };
        ApiError::Undecodable {
            status,
            reason,
            excerpt: excerpt(body),
            call: String::new(),
        }
    }

    /// A reply whose body did not decode into what the endpoint returns; `reason` names the
    /// field at fault (`balance: "<string>" is not a decimal …`).
    pub fn undecodable(status: u16, reason: impl fmt::Display, body: &str) -> ApiError {
        ApiError::Undecodable {
            status,
            // serde's messages quote the offending input (`unknown variant `…``).
            reason: clean_owned(reason.to_string()),
            excerpt: excerpt(body),
            call: String::new(),
        }
    }

    /// Names the call an unreadable reply came from (`GET /v1/wallets`), so the operator
    /// knows which endpoint answered it; other errors are returned as they are.
    pub fn with_call(mut self, call: &str) -> ApiError {
        if let ApiError::Undecodable { call: c, .. } = &mut self
            && c.is_empty()
        {
            *c = call.to_string();
        }
        self
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. }
            | ApiError::Unauthorized { status, .. }
            | ApiError::Undecodable { status, .. }
            | ApiError::Redirected { status, .. }
            | ApiError::TooLarge { status, .. } => Some(*status),
            ApiError::Forbidden { .. } | ApiError::EnvironmentDenied { .. } => Some(403),
            ApiError::NoRoute { .. } => Some(404),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Api { body, .. } => Some(body.code.as_str()),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Api { body, .. } => body.message.clone(),
            other => other.to_string(),
        }
    }

    pub fn details(&self) -> Option<&Map<String, Value>> {
        match self {
            ApiError::Api { body, .. } => body.details.as_ref(),
            _ => None,
        }
    }

    pub fn is_already_exists(&self) -> bool {
        self.code() == Some("already_exists")
    }

    /// A 409 on an idempotency key whose transaction the server says is on another wallet
    /// than `wallet_id` (its `details.wallet_id`): the key is not this top-up's.
    pub fn key_used_by_other_wallet(&self, wallet_id: &str) -> bool {
        self.details()
            .and_then(|d| d.get("wallet_id"))
            .and_then(|v| v.as_str())
            .is_some_and(|w| w != wallet_id)
    }

    /// The request field the server blamed (first key of `details`), for placing the message
    /// under the right form field.
    pub fn field(&self) -> Option<&str> {
        self.details().and_then(|d| d.keys().next()).map(String::as_str)
    }

    /// Worth another attempt (if the request itself is safe to repeat).
    pub fn is_transient(&self) -> bool {
        match self {
            ApiError::Api { status, .. } | ApiError::Undecodable { status, .. } => {
                *status == 429 || *status >= 500
            }
            ApiError::Connect { .. } | ApiError::Interrupted { .. } | ApiError::Timeout { .. } => true,
            _ => false,
        }
    }

    /// True when the request was certainly not applied (it never reached the server, or the
    /// server refused it before touching anything).
    pub fn certainly_not_applied(&self) -> bool {
        match self {
            ApiError::Connect { .. } | ApiError::Invalid(_) => true,
            ApiError::Api { status, .. } => *status < 500,
            ApiError::Unauthorized { .. }
            | ApiError::Forbidden { .. }
            | ApiError::EnvironmentDenied { .. }
            | ApiError::NoRoute { .. } => true,
            _ => false,
        }
    }

    /// The request went out and we do not know whether it was applied.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, ApiError::Interrupted { .. } | ApiError::Timeout { .. })
            || matches!(self, ApiError::Api { status, .. } | ApiError::Undecodable { status, .. } if *status >= 500)
    }
}

fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "validation_error",
        403 => "permission_denied",
        404 => "not_found",
        409 => "already_exists",
        429 => "too_many_requests",
        501 => "not_implemented",
        503 => "service_unavailable",
        _ => "internal_error",
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}{}",
            self.http_status_code,
            self.code,
            sentence(&self.message),
            detail_suffix(self.http_status_code, self)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobyBvd25lZA==\u{7}";

    fn no_controls(s: &str) -> bool {
        !s.chars().any(char::is_control)
    }

    #[test]
    fn escape_sequences_in_error_bodies_never_reach_the_text() {
        let body = serde_json::json!({
            "code": format!("bad{HOSTILE}_code"),
            "message": format!("Wallet{HOSTILE} not found"),
            "http_status_code": 400,
            "details": {format!("field{HOSTILE}"): format!("v{HOSTILE}"), "n": [format!("x{HOSTILE}")]},
        })
        .to_string();
        let e = ApiError::from_reply(400, "/wallets/w", &body);
        let shown = format!("{e} {} {} {:?}", e.message(), e.code().unwrap_or(""), e.details());
        assert!(no_controls(&shown) && !shown.contains("pwned"), "{shown}");
        assert_eq!(e.code(), Some("bad_code"));
        assert_eq!(e.message(), "Wallet not found");
        for body in [
            format!(r#"{{"error":"Unauthorized{HOSTILE}"}}"#)
                .replace('\u{1b}', "\\u001b")
                .replace('\u{7}', "\\u0007"),
            r#"{"error":"Access denied","message":"env \u001b[2J gone"}"#.to_string(),
            r#"{"success":false,"error":{"message":"old \u001b]0;t\u0007 style"}}"#.to_string(),
        ] {
            for status in [401, 403, 500] {
                let text = ApiError::from_reply(status, "/x", &body).to_string();
                assert!(no_controls(&text), "{status} {body}: {text:?}");
            }
        }
    }

    #[test]
    fn redirects_and_oversized_replies_say_where_and_are_not_repeated() {
        let r = ApiError::Redirected {
            status: 307,
            call: "GET /v1/wallets".into(),
            location: Some("http://127.0.0.1:9/v1/wallets".into()),
            origin: "http://127.0.0.1:8".into(),
        };
        assert_eq!(
            r.to_string(),
            "GET /v1/wallets: the API answered 307 redirect to http://127.0.0.1:9/v1/wallets; \
             flexwallet does not follow redirects (the API key is sent only to http://127.0.0.1:8)"
        );
        let big = ApiError::TooLarge {
            status: 200,
            call: "GET /v1/wallets".into(),
            limit_bytes: 2048 * 1024 * 1024,
        };
        assert!(
            big.to_string()
                .starts_with("reply larger than 2048 MB from GET /v1/wallets; raise max_reply_mb"),
            "{big}"
        );
        for e in [&r, &big] {
            assert!(!e.is_transient() && !e.outcome_unknown(), "{e}");
            for repeat in [
                crate::retry::Repeat::Safe,
                crate::retry::Repeat::Keyed,
                crate::retry::Repeat::Unsafe,
            ] {
                assert!(!repeat.allows(e), "{e}");
            }
        }
    }
}
