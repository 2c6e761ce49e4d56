//! Flexprice's auth middleware: API key, else the JWT path (which the sandbox always refuses),
//! environment resolution, and the RBAC check of write routes.

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::error::auth_body;
use super::state::Shared;

/// Routes guarded by `write(EntityWallet, ActionWrite)` in Flexprice's router.
fn is_write_route(method: &Method, path: &str) -> bool {
    match *method {
        Method::POST => matches!(
            path,
            "/v1/wallets"
                | "/v1/wallets/{id}/top-up"
                | "/v1/wallets/{id}/terminate"
                | "/v1/wallets/{id}/modify"
                | "/v1/wallets/{id}/debit"
        ),
        Method::PUT => path == "/v1/wallets/{id}",
        _ => false,
    }
}

pub async fn authenticate(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let (key, authz, env, write) = {
        let header = |name: &str| -> String {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let key = header("x-api-key");
        let authz = header("authorization");
        let env = header("x-environment-id");
        let path = req
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let write = is_write_route(req.method(), &path);
        (key, authz, env, write)
    };
    let keys = &state.keys;
    let read_only = keys.read_only_api_key.as_deref() == Some(key.as_str()) && !key.is_empty();
    let bound = (!key.is_empty() && key == keys.api_key) || read_only;
    let unbound = !key.is_empty() && keys.unbound_api_key.as_deref() == Some(key.as_str());
    if !bound && !unbound {
        let error = if authz.is_empty() {
            "Unauthorized"
        } else if !authz.starts_with("Bearer ") {
            "Invalid authorization header format"
        } else {
            // The sandbox issues no JWTs, so every bearer token fails validation.
            "Invalid token"
        };
        return auth_body(401, json!({ "error": error }));
    }
    if unbound && env != state.actor.environment_id {
        return auth_body(
            403,
            json!({"error": "Access denied", "message": "Invalid or inaccessible environment"}),
        );
    }
    if read_only && write {
        return auth_body(403, json!({"message": "insufficient permissions"}));
    }
    next.run(req).await
}
