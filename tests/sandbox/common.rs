//! Shared helpers: start an in-process sandbox, talk to it with reqwest, find the shared docs.

use std::path::PathBuf;

use flexwallet::cli::SandboxArgs;
use flexwallet::sandbox::{EmbeddedSandbox, start_embedded};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const KEY: &str = "sk_test";
pub const UNBOUND: &str = "sk_unbound";
pub const READ_ONLY: &str = "sk_read_only";

pub fn args() -> SandboxArgs {
    SandboxArgs {
        api_key: KEY.into(),
        environment_id: "env_test".into(),
        unbound_api_key: Some(UNBOUND.into()),
        read_only_api_key: Some(READ_ONLY.into()),
        ..SandboxArgs::default()
    }
}

pub async fn sandbox() -> Sandbox {
    Sandbox::start(args()).await
}

pub struct Sandbox {
    pub sb: EmbeddedSandbox,
    pub http: reqwest::Client,
}

/// A plain HTTP client for loopback (rustls needs its process-wide provider first).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("HTTP client")
}

pub struct Reply {
    pub status: StatusCode,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Sandbox {
    pub async fn start(args: SandboxArgs) -> Sandbox {
        let sb = start_embedded(args).await.expect("sandbox starts");
        Sandbox { sb, http: http() }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(Some(KEY), method, path, body).await
    }

    pub async fn call_as(&self, key: Option<&str>, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.sb.url, path));
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request answered");
        Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body read"),
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        let r = self.call(Method::GET, path, None).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.json()
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self.call(Method::POST, path, Some(body)).await;
        assert_eq!(r.status, 200, "POST {path}: {}", r.text);
        r.json()
    }

    /// A fresh prepaid wallet for a fresh customer.
    pub async fn wallet(&self, extra: Value) -> Value {
        let mut body = json!({
            "customer_id": format!("cust_{}", uuid::Uuid::new_v4().simple()),
            "currency": "usd",
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.post("/wallets", body).await
    }

    pub async fn top_up(&self, wallet: &str, body: Value) -> Reply {
        self.call(Method::POST, &format!("/wallets/{wallet}/top-up"), Some(body))
            .await
    }

    /// Every transaction of a wallet, following the pages.
    pub async fn ledger(&self, wallet: &str) -> Vec<Value> {
        let mut all = Vec::new();
        loop {
            let page = self
                .get(&format!(
                    "/wallets/{wallet}/transactions?limit=200&offset={}",
                    all.len()
                ))
                .await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            let n = items.len();
            all.extend(items);
            if n < 200 {
                return all;
            }
        }
    }
}

/// A file of the shared ground truth (`shared/flexprice/…`), found by walking up from the crate.
pub fn shared(name: &str) -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = dir.join("shared").join("flexprice").join(name);
        if candidate.exists() {
            return candidate;
        }
        if !dir.pop() {
            panic!(
                "shared/flexprice/{name} not found above {}",
                env!("CARGO_MANIFEST_DIR")
            );
        }
    }
}

pub fn dec(v: &Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("decimal must be a string: {v}"))
        .parse()
        .expect("decimal")
}
