//! Typed errors of the Flexprice API, each with a sentence an operator can act on.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    #[error("{}", undecodable_text(*.status, .reason, .excerpt))]
    Undecodable {
        status: u16,
        reason: String,
        excerpt: String,
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
    /// A precondition the client checks before sending.
    #[error("{0}")]
    Invalid(String),
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

fn undecodable_text(status: u16, reason: &str, excerpt: &str) -> String {
    if excerpt.trim().is_empty() {
        format!("{status} with an empty body: {reason}")
    } else {
        format!("{status} unreadable reply: {reason}; the body starts {excerpt:?}")
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
                body: Box::new(b),
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
                    message: legacy.error.message,
                    http_status_code: status,
                    details: None,
                }),
            };
        }
        if let Ok(auth) = serde_json::from_str::<AuthBody>(body) {
            match (status, auth.error, auth.message) {
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
        }
    }

    /// A reply whose body did not decode into what the endpoint returns; `reason` names the
    /// field at fault (`balance: "<string>" is not a decimal …`).
    pub fn undecodable(status: u16, reason: impl fmt::Display, body: &str) -> ApiError {
        ApiError::Undecodable {
            status,
            reason: reason.to_string(),
            excerpt: excerpt(body),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. }
            | ApiError::Unauthorized { status, .. }
            | ApiError::Undecodable { status, .. } => Some(*status),
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
