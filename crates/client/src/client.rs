//! The Flexprice wallet client: every call async, retries only where a retry cannot
//! double-credit, and a 409 on a top-up key resolved through the ledger.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HeaderValue, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use flexprice_wire::ApiError;
use flexprice_wire::models::*;
use flexprice_wire::retry::{Repeat, parse_retry_after};
use flexprice_wire::text::{clean, clean_owned, without_userinfo};

/// Pages of 1,000 transactions the change feed reads before it says "list everything again".
pub const CHANGE_FEED_PAGES: u32 = 5;

pub use flexprice_wire::TopUpOutcome;
pub use flexprice_wire::retry::RetryPolicy;

pub const DEFAULT_API_URL: &str = "https://api.cloud.flexprice.io/v1";
pub const USER_AGENT: &str = concat!("flexwallet/", env!("CARGO_PKG_VERSION"));
pub const API_KEY_HEADER: &str = "x-api-key";
pub const ENVIRONMENT_HEADER: &str = "X-Environment-ID";
/// The largest reply read by default (`max_reply_mb` = 2048): the list of 1,000,000 wallets is
/// 728 MB from the sandbox and about 1 GB from Flexprice (~1 KB a wallet), so the one unpaged
/// reply (`GET /wallets`) fits twice over, and a hostile endless body stops here.
pub const DEFAULT_MAX_REPLY_MB: u64 = 2048;
/// A reply's buffer is reserved from its `Content-Length` up to this much; beyond, it grows as
/// the bytes come (a length is a claim, not bytes).
const RESERVE_AT_MOST: u64 = 64 * 1024 * 1024;

#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: SecretString,
    pub environment_id: Option<String>,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// A reply body longer than this is not read further: the call fails with
    /// [`ApiError::TooLarge`].
    pub max_reply_bytes: u64,
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
            max_reply_bytes: DEFAULT_MAX_REPLY_MB * 1024 * 1024,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &without_userinfo(&self.base_url))
            .field("api_key", &"[redacted]")
            .field("environment_id", &self.environment_id)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("max_reply_bytes", &self.max_reply_bytes)
            .finish()
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
    /// The base URL parsed once: a request's URL is this with its path extended, so no request
    /// parses the host again (with IDNA mapping, that was 5 % of a top-up's client CPU).
    base: reqwest::Url,
    host: String,
    /// `scheme://host[:port]` of the API: the one origin the key is sent to.
    origin: String,
    /// The base URL without userinfo: what logs, errors, journals and the screen show.
    shown_url: String,
    /// The key as a header value marked sensitive, so no Debug of a request or header map shows it.
    key_header: HeaderValue,
    environment_header: Option<HeaderValue>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.inner.host)
            .field("config", &self.inner.config)
            .finish()
    }
}

/// A reply as it came: status, body text and the `Retry-After` it asked for.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) text: String,
    pub(super) retry_after: Option<Duration>,
    /// `GET /v1/wallets`: what an unreadable reply is said to come from.
    pub(super) call: String,
}

impl Reply {
    /// The body as `T`; an unreadable one names the field at fault and the call.
    pub(super) fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        decode(self.status.as_u16(), &self.text).map_err(|e| e.with_call(&self.call))
    }

    /// A non-success reply as its error (`path` as the route was asked, for a 404 of gin's).
    pub(super) fn error(&self, path: &str) -> ApiError {
        ApiError::from_reply(self.status.as_u16(), path, &self.text).with_call(&self.call)
    }
}

/// rustls needs a process-wide crypto provider; ring is small and builds everywhere.
fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Decodes a reply body; on failure the reason names the JSON path at fault. The path is only
/// tracked on a second pass after a failure: tracking it costs a key allocation per field.
pub fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    let first_err = match serde_json::from_str(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    let reason = match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) if e.path().to_string() != "." => format!("{}: {}", e.path(), e.inner()),
        Err(e) => e.inner().to_string(),
        Ok(_) => first_err.to_string(),
    };
    Err(ApiError::undecodable(status, reason, text))
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        install_crypto_provider();
        let base = config.base_url.trim_end_matches('/').to_string();
        let shown_url = clean(&without_userinfo(&base)).into_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ApiError::Invalid(format!("API URL {shown_url:?} is not a URL: {e}")))?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(ApiError::Invalid(format!(
                "API URL {shown_url:?} must not have a query (?…) or fragment (#…)"
            )));
        }
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::Invalid(format!(
                "API URL {shown_url:?} must start with https:// (or http://)"
            )));
        }
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(ApiError::Invalid(format!("API URL {shown_url:?} has no host"))),
        };
        let origin = parsed.origin().ascii_serialization();
        let mut key_header = HeaderValue::from_str(config.api_key.expose_secret()).map_err(|_| {
            ApiError::Invalid("the API key contains characters an HTTP header cannot carry".into())
        })?;
        key_header.set_sensitive(true);
        let environment_header = match &config.environment_id {
            Some(env) => Some(HeaderValue::from_str(env).map_err(|_| {
                ApiError::Invalid(format!(
                    "environment ID {env:?} contains characters an HTTP header cannot carry"
                ))
            })?),
            None => None,
        };
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            // A redirect would carry the key (and a POST's body) to wherever it points: the
            // answer is turned into [`ApiError::Redirected`] instead.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ApiError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config: ClientConfig {
                    base_url: base,
                    ..config
                },
                base: parsed,
                host,
                origin,
                shown_url,
                key_header,
                environment_header,
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

    /// The API's base URL as configured, less any `user:password@`: it is what a bulk job's
    /// target, the logs and the screen show.
    pub fn base_url(&self) -> &str {
        &self.inner.shown_url
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut url = self.inner.base.clone();
        let full = format!("{}{}", self.inner.base.path().trim_end_matches('/'), path);
        url.set_path(&full);
        let mut req = self
            .inner
            .http
            .request(method, url)
            .header(API_KEY_HEADER, self.inner.key_header.clone())
            .header(ACCEPT, "application/json");
        if let Some(env) = &self.inner.environment_header {
            req = req.header(ENVIRONMENT_HEADER, env.clone());
        }
        req
    }

    fn map_send_error(&self, e: reqwest::Error) -> ApiError {
        let host = self.inner.host.clone();
        // A connect timeout is a connect error too: the request never left, so check it first.
        if e.is_connect() {
            ApiError::Connect {
                host,
                reason: clean_owned(root_cause(&e)),
            }
        } else if e.is_timeout() {
            let millis = self.inner.config.request_timeout.as_millis() as u64;
            ApiError::Timeout {
                host,
                secs: millis.div_ceil(1000).max(1),
            }
        } else {
            ApiError::Interrupted {
                host,
                reason: clean_owned(root_cause(&e)),
            }
        }
    }

    /// One HTTP exchange, logged (method, path, status, attempt, duration; never headers).
    pub(super) async fn exchange<B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: &Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        attempt: u32,
    ) -> Result<Reply, ApiError> {
        let started = Instant::now();
        let mut req = self.request(method.clone(), path);
        if let Some(q) = query {
            req = req.query(q);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let result = async {
            let resp = req.send().await.map_err(|e| self.map_send_error(e))?;
            let status = resp.status();
            if status.is_redirection() {
                return Err(self.redirected(method, &resp));
            }
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
            let call = format!("{method} {}", resp.url().path());
            let text = self.read_body(method, resp).await?;
            Ok(Reply {
                status,
                text,
                retry_after,
                call,
            })
        }
        .await;
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(r) => tracing::debug!(%method, path, status = r.status.as_u16(), attempt, ms, "api call"),
            Err(e) => tracing::debug!(%method, path, attempt, ms, error = %e, "api call failed"),
        }
        result
    }

    /// A 3xx answer as the error that says where it pointed (resolved against the request's URL,
    /// without userinfo, sanitised): it is never followed.
    fn redirected(&self, method: &Method, resp: &reqwest::Response) -> ApiError {
        const SHOWN_CHARS: usize = 200;
        let location = resp.headers().get(reqwest::header::LOCATION).map(|v| {
            let raw = String::from_utf8_lossy(v.as_bytes());
            let shown = match resp.url().join(&raw) {
                Ok(mut url) => {
                    let _ = url.set_username("");
                    let _ = url.set_password(None);
                    url.to_string()
                }
                Err(_) => without_userinfo(&raw).into_owned(),
            };
            let shown = clean(&shown);
            match shown.char_indices().nth(SHOWN_CHARS) {
                Some((cut, _)) => format!("{}…", &shown[..cut]),
                None => shown.into_owned(),
            }
        });
        ApiError::Redirected {
            status: resp.status().as_u16(),
            call: format!("{method} {}", resp.url().path()),
            location,
            origin: self.inner.origin.clone(),
        }
    }

    /// The reply's body, read as it comes and abandoned past `max_reply_bytes` (the connection
    /// is dropped, not drained). The request timeout covers the whole body, so a body that
    /// drips ends in [`ApiError::Timeout`].
    async fn read_body(&self, method: &Method, mut resp: reqwest::Response) -> Result<String, ApiError> {
        let limit = self.inner.config.max_reply_bytes;
        let too_large = |resp: &reqwest::Response| ApiError::TooLarge {
            status: resp.status().as_u16(),
            call: format!("{method} {}", resp.url().path()),
            limit_bytes: limit,
        };
        let announced = resp.content_length();
        if announced.is_some_and(|n| n > limit) {
            return Err(too_large(&resp));
        }
        let reserve = announced.unwrap_or(0).min(limit).min(RESERVE_AT_MOST);
        let mut body: Vec<u8> = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_send_error(e))? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large(&resp));
            }
            body.extend_from_slice(&chunk);
        }
        // One buffer, no copy: valid UTF-8 becomes the String as it is; only a broken reply
        // pays for the lossy pass.
        Ok(match String::from_utf8(body) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// Sends with retries as `repeat` allows. Returns the successful reply or the last error,
    /// and how many attempts were made.
    async fn send<B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        repeat: Repeat,
    ) -> (Result<Reply, ApiError>, u32) {
        let policy = &self.inner.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (err, retry_after) = match self.exchange(&method, path, query, body, attempt).await {
                Ok(reply) if reply.status.is_success() => return (Ok(reply), attempt),
                Ok(reply) => (reply.error(path), reply.retry_after),
                Err(e) => (e, None),
            };
            if !repeat.allows(&err) || attempt >= policy.max_attempts.max(1) {
                return (Err(err), attempt);
            }
            let delay = policy.delay(attempt, retry_after);
            tracing::info!(%method, path, attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    pub(super) async fn call_counted<T: DeserializeOwned, B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        repeat: Repeat,
    ) -> (Result<T, ApiError>, u32) {
        let (reply, attempts) = self.send(method, path, query, body, repeat).await;
        let decoded = reply.and_then(|r| r.decode());
        (decoded, attempts)
    }

    async fn call<T: DeserializeOwned, B: Serialize + ?Sized, Q: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: Option<&Q>,
        body: Option<&B>,
        repeat: Repeat,
    ) -> Result<T, ApiError> {
        self.call_counted(method, path, query, body, repeat).await.0
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
        let path = format!("/wallets/{}", seg(id));
        let (reply, _) = self
            .send::<(), ()>(Method::GET, &path, None, None, Repeat::Safe)
            .await;
        reply.map(|r| r.text)
    }

    /// `GET /wallets` (not in the spec): every wallet at once. Flexprice ignores limit/offset
    /// here and makes the pagination up (`{total: len, limit: 50, offset: 0}`), so the items are
    /// the whole answer and the pagination is not looked at.
    pub async fn list_wallets(&self, status: Option<&WalletStatus>) -> Result<Vec<Wallet>, ApiError> {
        let query: Vec<(&str, &str)> = status.map(|s| vec![("status", s.as_str())]).unwrap_or_default();
        let list: ListResponse<Wallet> = self.get("/wallets", Some(&query)).await?;
        Ok(list.items)
    }

    /// `POST /wallets/search` (a read, so retried). [`WalletSearch`] always carries a limit: an
    /// empty body makes Flexprice panic.
    pub async fn search_wallets(&self, search: &WalletSearch) -> Result<Vec<Wallet>, ApiError> {
        let list: ListResponse<Wallet> = self
            .call::<_, _, ()>(Method::POST, "/wallets/search", None, Some(search), Repeat::Safe)
            .await?;
        Ok(list.items)
    }

    /// `GET /wallets/{id}/balance/real-time?expand=credits_available_breakdown`.
    pub async fn real_time_balance(&self, id: &str) -> Result<WalletBalance, ApiError> {
        self.get(
            &format!("/wallets/{}/balance/real-time", seg(id)),
            Some(&[("expand", "credits_available_breakdown")]),
        )
        .await
    }

    /// `GET /customers/{id}/wallets`: the customer's active wallets (a bare array).
    pub async fn customer_wallets(&self, customer_id: &str) -> Result<Vec<Wallet>, ApiError> {
        self.get(
            &format!("/customers/{}/wallets", seg(customer_id)),
            Some(&[("expand", "credits_available_breakdown")]),
        )
        .await
    }

    /// One page of a wallet's ledger. Flexprice's `pagination.offset` in the reply is already
    /// the next page's offset (request offset + limit), so page with your own
    /// `offset + items.len()`, never with the reply's offset.
    pub async fn transactions(
        &self,
        wallet_id: &str,
        query: &TransactionQuery,
    ) -> Result<ListResponse<Transaction>, ApiError> {
        self.get(&format!("/wallets/{}/transactions", seg(wallet_id)), Some(query))
            .await
    }

    /// One ledger page with each transaction also kept exactly as the API sent it (for the raw
    /// JSON view). Same offset rule as [`Client::transactions`].
    pub async fn transactions_page(
        &self,
        wallet_id: &str,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ApiError> {
        let path = format!("/wallets/{}/transactions", seg(wallet_id));
        let (reply, _) = self
            .send::<(), _>(Method::GET, &path, Some(query), None, Repeat::Safe)
            .await;
        let reply = reply?;
        let typed: ListResponse<Transaction> = reply.decode()?;
        let raw: ListResponse<serde_json::Value> = reply.decode()?;
        Ok(TransactionPage {
            total: typed.pagination.as_ref().map(|p| p.total),
            items: typed.items.into_iter().zip(raw.items).collect(),
        })
    }

    /// `POST /wallets/transactions/search` (a read, so retried).
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

    /// One page of the search over every wallet's transactions, each also kept exactly as the
    /// API sent it (the timeline's raw JSON view). Same offset rule as [`Client::transactions`].
    pub async fn search_transactions_page(
        &self,
        search: &TransactionSearch,
    ) -> Result<TransactionPage, ApiError> {
        let (reply, _) = self
            .send::<_, ()>(
                Method::POST,
                "/wallets/transactions/search",
                None,
                Some(search),
                Repeat::Safe,
            )
            .await;
        let reply = reply?;
        let typed: ListResponse<Transaction> = reply.decode()?;
        let raw: ListResponse<serde_json::Value> = reply.decode()?;
        Ok(TransactionPage {
            total: typed.pagination.as_ref().map(|p| p.total),
            items: typed.items.into_iter().zip(raw.items).collect(),
        })
    }

    /// The change feed: which wallets have a transaction created since `since`, across all
    /// wallets (`POST /wallets/transactions/search` with `start_time`, newest first, up to
    /// [`CHANGE_FEED_PAGES`] pages of 1,000). A few hundred bytes when little happens, where a
    /// full list of 100,000 wallets is about 100 MB. Newest first, so a transaction created while
    /// paging pushes older ones to the next page: one may be read twice, none is skipped.
    pub async fn changed_wallets(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Changes, ApiError> {
        const PAGE: u32 = 1000;
        let as_of = chrono::Utc::now();
        let mut changes = Changes {
            wallet_ids: Default::default(),
            complete: false,
            as_of,
        };
        for page in 0..CHANGE_FEED_PAGES {
            let search = TransactionSearch {
                wallet_id: None,
                filter: TransactionQuery {
                    limit: Some(PAGE),
                    offset: Some(u64::from(page) * u64::from(PAGE)),
                    order: Some("desc".into()),
                    start_time: Some(since),
                    ..TransactionQuery::default()
                },
            };
            let reply: ListResponse<TransactionWallet> = self
                .call::<_, _, ()>(
                    Method::POST,
                    "/wallets/transactions/search",
                    None,
                    Some(&search),
                    Repeat::Safe,
                )
                .await?;
            let n = reply.items.len();
            changes.wallet_ids.extend(
                reply
                    .items
                    .into_iter()
                    .map(|t| t.wallet_id)
                    .filter(|id| !id.is_empty()),
            );
            if n < PAGE as usize {
                changes.complete = true;
                break;
            }
        }
        Ok(changes)
    }

    /// `PUT /wallets/{id}`: never repeated once it may have reached the server.
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

    /// `POST /wallets`: never repeated once it may have reached the server.
    pub async fn create_wallet(&self, req: &CreateWalletRequest) -> Result<Wallet, ApiError> {
        self.call::<_, _, ()>(Method::POST, "/wallets", None, Some(req), Repeat::Unsafe)
            .await
    }

    /// `POST /wallets/{id}/terminate`. Its debit uses the wallet id as idempotency key, so a
    /// repeat cannot debit twice; a repeat that finds the wallet terminated means the first
    /// attempt landed.
    pub async fn terminate(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/wallets/{}/terminate", seg(id));
        let (reply, attempts) = self
            .send::<(), ()>(Method::POST, &path, None, None, Repeat::Keyed)
            .await;
        match reply {
            Ok(_) => Ok(()),
            Err(err)
                if attempts > 1
                    && err.code() == Some("invalid_operation")
                    && err.message().contains("already terminated") =>
            {
                tracing::info!(wallet = id, attempts, "terminate: an earlier attempt landed");
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    /// `POST /wallets/{id}/debit` (needs an idempotency key). A 409 on a repeat of the key means
    /// the first attempt landed: the wallet is read back and returned.
    pub async fn debit(&self, id: &str, req: &DebitRequest) -> Result<Wallet, ApiError> {
        if req.idempotency_key.is_empty() {
            return Err(ApiError::Invalid("a debit needs an idempotency key".into()));
        }
        let path = format!("/wallets/{}/debit", seg(id));
        let (result, attempts) = self
            .call_counted::<Wallet, _, ()>(Method::POST, &path, None, Some(req), Repeat::Keyed)
            .await;
        match result {
            Err(err) if attempts > 1 && err.is_already_exists() => {
                match self.find_transaction_by_key(id, &req.idempotency_key).await? {
                    Some(tx) if tx.tx_type == TransactionType::Debit && tx.credit_amount == req.credits => {
                        tracing::info!(wallet = id, tx = %tx.id, attempts, "debit: an earlier attempt landed");
                        self.get_wallet(id).await
                    }
                    _ => Err(err),
                }
            }
            other => other,
        }
    }

    /// `GET /customers/{id}`: the customer in the key's environment (404 `not_found`,
    /// "Customer with ID … was not found", otherwise).
    pub async fn get_customer(&self, id: &str) -> Result<Customer, ApiError> {
        self.get::<_, ()>(&format!("/customers/{}", seg(id)), None).await
    }

    /// `GET /customers/external/{external_id}`: the published customer with this external id.
    pub async fn get_customer_by_external_id(&self, external_id: &str) -> Result<Customer, ApiError> {
        self.get::<_, ()>(&format!("/customers/external/{}", seg(external_id)), None)
            .await
    }

    /// `GET /customers`: one page. Flexprice's `pagination.offset` in the reply is the next
    /// page's offset (request offset + limit), `total` counts every match. A filter with a
    /// `sort` is refused here: only [`Client::search_customers`] takes one.
    pub async fn customers_page(&self, filter: &CustomerFilter) -> Result<ListResponse<Customer>, ApiError> {
        let query = filter
            .query_pairs()
            .ok_or_else(|| ApiError::Invalid("GET /customers cannot sort: use the customer search".into()))?;
        self.get("/customers", Some(&query)).await
    }

    /// Every customer the filter matches, from its `offset` on, following `GET /customers` page
    /// by page (`limit` is the page size, at most and by default 1,000) until a short page or
    /// the total.
    /// Customers created while paging may shift the newest-first pages: ask `order: asc` for a
    /// walk that new customers only extend.
    pub async fn list_customers(&self, filter: &CustomerFilter) -> Result<Vec<Customer>, ApiError> {
        // Flexprice refuses a limit above 1,000.
        let page = filter.limit.filter(|l| *l > 0).map_or(1000, |l| l.min(1000));
        let start = filter.offset.unwrap_or(0);
        let mut all: Vec<Customer> = Vec::new();
        loop {
            let query = CustomerFilter {
                limit: Some(page),
                offset: Some(start + all.len() as u64),
                ..filter.clone()
            };
            let reply = self.customers_page(&query).await?;
            let n = reply.items.len();
            all.extend(reply.items);
            let total = reply.pagination.map(|p| p.total.max(0) as u64);
            let done = n < page as usize || total.is_some_and(|t| start + all.len() as u64 >= t);
            if n == 0 || done {
                return Ok(all);
            }
        }
    }

    /// `POST /customers/search` (a read, so retried): one page, as [`Client::customers_page`].
    pub async fn search_customers(
        &self,
        filter: &CustomerFilter,
    ) -> Result<ListResponse<Customer>, ApiError> {
        self.call::<_, _, ()>(
            Method::POST,
            "/customers/search",
            None,
            Some(filter),
            Repeat::Safe,
        )
        .await
    }
}

/// Percent-encodes a path segment so an id can never change the route.
pub(super) fn seg(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_live_UNIT_TEST_KEY_42";

    fn client() -> Client {
        let mut cfg = ClientConfig::new("http://127.0.0.1:9/v1/", SecretString::from(KEY));
        cfg.environment_id = Some("env_1".into());
        Client::new(cfg).unwrap()
    }

    #[test]
    fn requests_carry_the_headers_but_never_show_the_key() {
        let c = client();
        let req = c.request(Method::GET, "/wallets").build().unwrap();
        assert_eq!(req.url().as_str(), "http://127.0.0.1:9/v1/wallets");
        let key = req.headers().get(API_KEY_HEADER).unwrap();
        assert!(key.is_sensitive());
        assert_eq!(key.to_str().unwrap(), KEY);
        assert_eq!(req.headers().get(ENVIRONMENT_HEADER).unwrap(), "env_1");
        let shown = format!("{req:?} {:?} {c:?} {:?}", req.headers(), c.inner.config);
        assert!(!shown.contains(KEY), "{shown}");
    }

    #[test]
    fn bad_urls_and_keys_are_refused_without_echoing_the_key() {
        let bad = |url: &str, key: &str| {
            Client::new(ClientConfig::new(url, SecretString::from(key)))
                .unwrap_err()
                .to_string()
        };
        assert!(bad("api.flexprice.io", KEY).contains("is not a URL"));
        assert!(bad("ftp://x/v1", KEY).contains("must start with https://"));
        assert!(bad("http://x/v1?tenant=a", KEY).contains("must not have a query"));
        assert!(bad("http://x/v1#top", KEY).contains("must not have a query"));
        let e = bad("http://127.0.0.1/v1", "sk_line\nbreak");
        assert!(e.contains("API key") && !e.contains("sk_line"), "{e}");
    }

    #[test]
    fn userinfo_in_the_api_url_is_never_shown() {
        let c = Client::new(ClientConfig::new(
            "https://ops:hunter2@api.example.com/v1/",
            SecretString::from(KEY),
        ))
        .unwrap();
        let shown = format!("{c:?} {} {} {}", c.base_url(), c.host(), c.inner.origin);
        assert!(!shown.contains("hunter2") && !shown.contains("ops:"), "{shown}");
        assert_eq!(c.base_url(), "https://api.example.com/v1");
        assert_eq!(c.inner.origin, "https://api.example.com");
        // Nor in the refusal of a URL that is not one.
        let e = Client::new(ClientConfig::new(
            "ftp://ops:hunter2@x/v1",
            SecretString::from(KEY),
        ))
        .unwrap_err()
        .to_string();
        assert!(!e.contains("hunter2") && e.contains("ftp://x/v1"), "{e}");
    }

    #[test]
    fn ids_cannot_change_the_route() {
        assert_eq!(seg("wallet_01H"), "wallet_01H");
        assert_eq!(seg("../x?y=1"), "..%2Fx%3Fy%3D1");
        // The encoded id reaches the URL as it is: not decoded, not encoded twice.
        let path = format!("/wallets/{}/top-up", seg("../x?y=1 %"));
        let req = client().request(Method::POST, &path).build().unwrap();
        assert_eq!(
            req.url().as_str(),
            "http://127.0.0.1:9/v1/wallets/..%2Fx%3Fy%3D1%20%25/top-up"
        );
    }

    #[test]
    fn a_base_url_without_a_path_or_with_a_deep_one_keeps_it() {
        for (base, want) in [
            ("http://127.0.0.1:9", "http://127.0.0.1:9/wallets"),
            ("http://127.0.0.1:9/", "http://127.0.0.1:9/wallets"),
            (
                "https://eu.example.com/api/v1//",
                "https://eu.example.com/api/v1/wallets",
            ),
        ] {
            let c = Client::new(ClientConfig::new(base, SecretString::from(KEY))).unwrap();
            let req = c.request(Method::GET, "/wallets").build().unwrap();
            assert_eq!(req.url().as_str(), want, "{base}");
        }
    }
}
