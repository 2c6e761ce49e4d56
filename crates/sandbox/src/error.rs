//! Flexprice's answers that are not a 200: the flat error body, the auth bodies, gin's 404.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error the way Flexprice's error handler renders it: `{code, message, http_status_code,
/// details?}` (details omitted when empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiErr {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub details: Map<String, Value>,
}

impl ApiErr {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiErr {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(400, "validation_error", message)
    }

    pub fn invalid_operation(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_operation", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(409, "already_exists", message)
    }

    pub fn database(message: impl Into<String>) -> Self {
        Self::new(500, "database_error", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "internal_error", message)
    }

    pub fn service_unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "service_unavailable", message)
    }

    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(429, "too_many_requests", message)
    }

    /// Binding failures of a JSON body.
    pub fn bad_body() -> Self {
        Self::validation("Invalid request format")
    }

    /// Binding failures of a query string or a search body.
    pub fn bad_filter() -> Self {
        Self::validation("Invalid filter parameters")
    }

    /// An error without any hint in its chain.
    pub fn unexpected_validation() -> Self {
        Self::validation("An unexpected error occurred")
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// A storage failure: the request may have been refused halfway, nothing is committed.
    pub fn storage(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "sandbox storage error");
        Self::database("Failed to access the database")
    }

    pub fn body(&self) -> Value {
        let mut body = json!({
            "code": self.code,
            "message": self.message,
            "http_status_code": self.status,
        });
        if !self.details.is_empty()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("details".into(), Value::Object(self.details.clone()));
        }
        body
    }
}

impl From<rusqlite::Error> for ApiErr {
    fn from(e: rusqlite::Error) -> Self {
        ApiErr::storage(e)
    }
}

/// gin answers JSON with this content type.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

pub fn json_response(status: u16, body: &impl serde::Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut resp = (status, bytes).into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a sandbox reply");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// gin's answer to an unknown route (and to a known path with another method).
pub fn no_route() -> Response {
    let mut resp = (StatusCode::NOT_FOUND, "404 page not found").into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    resp
}

/// Gin's recovery middleware after a handler panic: 500 with an empty body.
pub fn recovered_panic() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The auth middleware's own bodies, which are not the error shape.
pub fn auth_body(status: u16, body: Value) -> Response {
    json_response(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_omitted_when_empty() {
        let e = ApiErr::not_found("Wallet not found");
        assert_eq!(
            e.body(),
            json!({"code":"not_found","message":"Wallet not found","http_status_code":404})
        );
        let e = e.detail("wallet_id", "nope");
        assert_eq!(e.body()["details"], json!({"wallet_id":"nope"}));
    }
}
