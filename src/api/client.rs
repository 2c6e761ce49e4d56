//! The Flexprice wallet client: every call async, retries only where a retry cannot
//! double-credit, and a 409 on a top-up key resolved through the ledger.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::models::*;

pub const DEFAULT_API_URL: &str = "https://api.cloud.flexprice.io/v1";
pub const USER_AGENT: &str = concat!("flexwallet/", env!("CARGO_PKG_VERSION"));

/// How a call may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    /// Reads: retry on any transient failure.
    Safe,
    /// Writes carrying an idempotency key: a repeat is refused by the server (409), never applied twice.
    Keyed,
    /// Other writes: retry only when the request certainly never reached the server.
    Unsafe,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Full-jitter exponential backoff, or the server's `Retry-After` when it gave one.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(Duration::from_secs(60));
        }
        let exp = self.base_delay.saturating_mul(1u32 << attempt.min(16));
        let cap = exp.min(self.max_delay);
        let millis = cap.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis.max(1)))
    }
}

#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: SecretString,
    pub environment_id: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: SecretString) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            api_key,
            environment_id: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &"[redacted]")
            .field("environment_id", &self.environment_id)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// The answer to a top-up.
#[derive(Debug, Clone, PartialEq)]
pub enum TopUpOutcome {
    /// The server applied it now.
    Applied(Box<TopUpResponse>),
    /// The key had been used for this wallet before: the earlier attempt landed. The ledger
    /// transaction proves it.
    AlreadyApplied(Box<Transaction>),
}

impl TopUpOutcome {
    pub fn transaction_id(&self) -> Option<&str> {
        match self {
            TopUpOutcome::Applied(r) => r.wallet_transaction.as_ref().map(|t| t.id.as_str()),
            TopUpOutcome::AlreadyApplied(t) => Some(t.id.as_str()),
        }
    }

    pub fn wallet(&self) -> Option<&Wallet> {
        match self {
            TopUpOutcome::Applied(r) => Some(&r.wallet),
            TopUpOutcome::AlreadyApplied(_) => None,
        }
    }
}

/// A cheap handle: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    host: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// rustls needs a process-wide crypto provider; ring is small and builds everywhere.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        install_crypto_provider();
        let base = config.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ApiError::Invalid(format!("API URL {base:?} is not a URL: {e}")))?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(ApiError::Invalid(format!("API URL {base:?} has no host"))),
        };
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| ApiError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config: ClientConfig {
                    base_url: base,
                    ..config
                },
                host,
            }),
        })
    }

    /// `host[:port]` of the API, for the status bar and the audit log.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    pub fn environment_id(&self) -> Option<&str> {
        self.inner.config.environment_id.as_deref()
    }

    pub fn base_url(&self) -> &str {
        &self.inner.config.base_url
    }

    fn map_send_error(&self, e: reqwest::Error) -> ApiError {
        let host = self.inner.host.clone();
        if e.is_timeout() {
            ApiError::Timeout {
                host,
                secs: self.inner.config.request_timeout.as_secs(),
            }
        } else if e.is_connect() {
            ApiError::Connect {
                host,
                reason: root_cause(&e),
            }
        } else {
            ApiError::Interrupted {
                host,
                reason: root_cause(&e),
            }
        }
    }

    /// One HTTP exchange; returns the status and body text.
    async fn exchange<B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
    ) -> Result<(StatusCode, String, Option<Duration>), ApiError> {
        let url = format!("{}{}", self.inner.config.base_url, path);
        let mut req = self
            .inner
            .http
            .request(method, &url)
            .header("x-api-key", self.inner.config.api_key.expose_secret())
            .header("accept", "application/json");
        if let Some(env) = &self.inner.config.environment_id {
            req = req.header("X-Environment-ID", env);
        }
        if let Some(q) = query {
            req = req.query(q);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| self.map_send_error(e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = resp.text().await.map_err(|e| self.map_send_error(e))?;
        Ok((status, text, retry_after))
    }

    /// Sends with retries as `repeat` allows and returns the successful body text.
    async fn call_text<B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        repeat: Repeat,
    ) -> Result<String, ApiError> {
        let policy = &self.inner.config.retry;
        let mut attempt = 0;
        loop {
            let result = self.exchange(method.clone(), path, query, body).await;
            let (err, retry_after) = match result {
                Ok((status, text, _)) if status.is_success() => return Ok(text),
                Ok((status, text, ra)) => (ApiError::from_reply(status.as_u16(), path, &text), ra),
                Err(e) => (e, None),
            };
            attempt += 1;
            let may_repeat = match repeat {
                Repeat::Safe | Repeat::Keyed => err.is_transient(),
                Repeat::Unsafe => matches!(err, ApiError::Connect { .. }),
            };
            if !may_repeat || attempt >= policy.max_attempts {
                tracing::debug!(%path, attempt, error = %err, "call failed");
                return Err(err);
            }
            let delay = policy.delay(attempt, retry_after);
            tracing::debug!(%path, attempt, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    async fn call<T: DeserializeOwned, B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        repeat: Repeat,
    ) -> Result<T, ApiError> {
        let text = self.call_text(method, path, query, body, repeat).await?;
        serde_json::from_str(&text).map_err(|e| ApiError::undecodable(200, &e, &text))
    }

    async fn get<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: Option<&Q>,
    ) -> Result<T, ApiError> {
        self.call::<T, (), Q>(Method::GET, path, query, None, Repeat::Safe)
            .await
    }

    pub async fn get_wallet(&self, id: &str) -> Result<Wallet, ApiError> {
        self.get::<_, ()>(&format!("/wallets/{}", seg(id)), None).await
    }

    /// The wallet exactly as the API returned it (for the raw JSON view).
    pub async fn get_wallet_raw(&self, id: &str) -> Result<String, ApiError> {
        self.call_text::<(), ()>(
            Method::GET,
            &format!("/wallets/{}", seg(id)),
            None,
            None,
            Repeat::Safe,
        )
        .await
    }

    /// `GET /wallets`: every wallet at once (Flexprice ignores limit/offset here and fakes the
    /// pagination), so the reply's items are the whole answer.
    pub async fn list_wallets(&self, status: Option<&WalletStatus>) -> Result<Vec<Wallet>, ApiError> {
        let query: Vec<(&str, &str)> = status.map(|s| vec![("status", s.as_str())]).unwrap_or_default();
        let list: ListResponse<Wallet> = self.get("/wallets", Some(&query)).await?;
        Ok(list.items)
    }

    /// `POST /wallets/search` (reads, so retried).
    pub async fn search_wallets(&self, search: &WalletSearch) -> Result<Vec<Wallet>, ApiError> {
        let list: ListResponse<Wallet> = self
            .call::<_, _, ()>(Method::POST, "/wallets/search", None, Some(search), Repeat::Safe)
            .await?;
        Ok(list.items)
    }

    pub async fn real_time_balance(&self, id: &str) -> Result<WalletBalance, ApiError> {
        self.get(
            &format!("/wallets/{}/balance/real-time", seg(id)),
            Some(&[("expand", "credits_available_breakdown")]),
        )
        .await
    }

    pub async fn customer_wallets(&self, customer_id: &str) -> Result<Vec<Wallet>, ApiError> {
        self.get(
            &format!("/customers/{}/wallets", seg(customer_id)),
            Some(&[("expand", "credits_available_breakdown")]),
        )
        .await
    }

    /// One page of a wallet's ledger. Flexprice's `pagination.offset` in the reply is already
    /// the next page's offset; callers should page with their own `offset + items.len()`.
    pub async fn transactions(
        &self,
        wallet_id: &str,
        query: &TransactionQuery,
    ) -> Result<ListResponse<Transaction>, ApiError> {
        self.get(&format!("/wallets/{}/transactions", seg(wallet_id)), Some(query))
            .await
    }

    pub async fn search_transactions(
        &self,
        search: &TransactionSearch,
    ) -> Result<ListResponse<Transaction>, ApiError> {
        self.call::<_, _, ()>(
            Method::POST,
            "/wallets/transactions/search",
            None,
            Some(search),
            Repeat::Safe,
        )
        .await
    }

    pub async fn update_wallet(&self, id: &str, req: &UpdateWalletRequest) -> Result<Wallet, ApiError> {
        self.call::<_, _, ()>(
            Method::PUT,
            &format!("/wallets/{}", seg(id)),
            None,
            Some(req),
            Repeat::Unsafe,
        )
        .await
    }

    pub async fn create_wallet(&self, req: &CreateWalletRequest) -> Result<Wallet, ApiError> {
        self.call::<_, _, ()>(Method::POST, "/wallets", None, Some(req), Repeat::Unsafe)
            .await
    }

    pub async fn terminate(&self, id: &str) -> Result<(), ApiError> {
        // Terminate's debit uses the wallet id as its idempotency key: repeating is safe.
        self.call_text::<(), ()>(
            Method::POST,
            &format!("/wallets/{}/terminate", seg(id)),
            None,
            None,
            Repeat::Keyed,
        )
        .await
        .map(|_| ())
    }

    pub async fn debit(&self, id: &str, req: &DebitRequest) -> Result<Wallet, ApiError> {
        self.call::<_, _, ()>(
            Method::POST,
            &format!("/wallets/{}/debit", seg(id)),
            None,
            Some(req),
            Repeat::Keyed,
        )
        .await
    }

    /// Tops up a wallet. The request must carry an idempotency key (one is never invented here:
    /// the caller keeps it so that a retry after an unknown outcome uses the same one). Transient
    /// failures are retried with that key; a 409 `already_exists` for this wallet is resolved
    /// through the ledger into `AlreadyApplied`.
    pub async fn top_up(&self, wallet_id: &str, req: &TopUpRequest) -> Result<TopUpOutcome, ApiError> {
        let Some(key) = req.idempotency_key.as_deref().filter(|k| !k.is_empty()) else {
            return Err(ApiError::Invalid("a top-up needs an idempotency key".into()));
        };
        let path = format!("/wallets/{}/top-up", seg(wallet_id));
        let result = self
            .call::<TopUpResponse, _, ()>(Method::POST, &path, None, Some(req), Repeat::Keyed)
            .await;
        self.resolve_top_up(wallet_id, key, result).await
    }

    /// One top-up attempt, never repeated here, for callers that own the retry loop (the bulk
    /// engine journals each attempt and shows its retries). On failure the server's
    /// `Retry-After` comes back with the error. A 409 on the key is resolved as in [`top_up`].
    ///
    /// [`top_up`]: Client::top_up
    pub async fn top_up_once(
        &self,
        wallet_id: &str,
        req: &TopUpRequest,
    ) -> Result<TopUpOutcome, (ApiError, Option<Duration>)> {
        let Some(key) = req.idempotency_key.as_deref().filter(|k| !k.is_empty()) else {
            return Err((
                ApiError::Invalid("a top-up needs an idempotency key".into()),
                None,
            ));
        };
        let path = format!("/wallets/{}/top-up", seg(wallet_id));
        let mut retry_after = None;
        let result = match self.exchange::<_, ()>(Method::POST, &path, None, Some(req)).await {
            Ok((status, text, _)) if status.is_success() => serde_json::from_str::<TopUpResponse>(&text)
                .map_err(|e| ApiError::undecodable(status.as_u16(), &e, &text)),
            Ok((status, text, ra)) => {
                retry_after = ra;
                Err(ApiError::from_reply(status.as_u16(), &path, &text))
            }
            Err(e) => Err(e),
        };
        self.resolve_top_up(wallet_id, key, result)
            .await
            .map_err(|e| (e, retry_after))
    }

    /// A top-up's reply → outcome: a 409 `already_exists` on this wallet's key is looked up in
    /// the ledger (reads retried as the policy allows) and becomes `AlreadyApplied`.
    async fn resolve_top_up(
        &self,
        wallet_id: &str,
        key: &str,
        result: Result<TopUpResponse, ApiError>,
    ) -> Result<TopUpOutcome, ApiError> {
        match result {
            Ok(resp) => Ok(TopUpOutcome::Applied(Box::new(resp))),
            Err(err) if err.is_already_exists() => {
                let same_wallet = err
                    .details()
                    .and_then(|d| d.get("wallet_id"))
                    .and_then(|v| v.as_str())
                    .is_none_or(|w| w == wallet_id);
                if !same_wallet {
                    return Err(err);
                }
                match self.find_transaction_by_key(wallet_id, key).await? {
                    Some(tx) => Ok(TopUpOutcome::AlreadyApplied(Box::new(tx))),
                    None => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Finds the transaction a top-up with `key` created on this wallet. Direct top-ups carry the
    /// key as an EXTERNAL reference; other kinds are found by walking the ledger.
    pub async fn find_transaction_by_key(
        &self,
        wallet_id: &str,
        key: &str,
    ) -> Result<Option<Transaction>, ApiError> {
        let by_ref = TransactionQuery {
            limit: Some(50),
            reference_type: Some(ReferenceType::External),
            reference_id: Some(key.to_string()),
            ..Default::default()
        };
        let page = self.transactions(wallet_id, &by_ref).await?;
        if let Some(tx) = page
            .items
            .into_iter()
            .find(|t| t.idempotency_key.as_deref() == Some(key))
        {
            return Ok(Some(tx));
        }
        const PAGE: u32 = 200;
        const MAX_PAGES: u64 = 50;
        for page_no in 0..MAX_PAGES {
            let q = TransactionQuery {
                limit: Some(PAGE),
                offset: Some(page_no * PAGE as u64),
                order: Some("desc".into()),
                ..Default::default()
            };
            let page = self.transactions(wallet_id, &q).await?;
            let n = page.items.len();
            if let Some(tx) = page
                .items
                .into_iter()
                .find(|t| t.idempotency_key.as_deref() == Some(key))
            {
                return Ok(Some(tx));
            }
            if n < PAGE as usize {
                break;
            }
        }
        Ok(None)
    }

    /// Sum of credits of completed credit transactions carrying `key` on this wallet: 0 or the
    /// credits of the one transaction (used by tests and the bulk engine's final check).
    pub async fn credited_by_key(&self, wallet_id: &str, key: &str) -> Result<Decimal, ApiError> {
        Ok(self
            .find_transaction_by_key(wallet_id, key)
            .await?
            .map(|t| t.credit_amount)
            .unwrap_or_default())
    }
}

/// Percent-encodes a path segment so an id can never change the route.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
