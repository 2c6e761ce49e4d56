//! A hostile fake Flexprice on 127.0.0.1, shared by the client, CLI and console tests: each
//! instance plays one [`Scenario`] (garbage, wrong types, nulls, a huge or dripping body, an
//! HTML 500, a redirect to another port, escape sequences, Decimal-maximum balances). A second
//! listener, the decoy, is where redirects point: it records every request and its `x-api-key`.
#![allow(dead_code)] // each test binary uses its own part

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;

/// The key every test sends; it must never reach the decoy.
pub const KEY: &str = "sk_hostile_SECRET_KEY_must_not_leave";
/// A window title (OSC 0), a screen clear (CSI 2J) and a clipboard write (OSC 52).
pub const ESCAPES: &str = "\u{1b}]0;HOSTILE-TITLE\u{7}\u{1b}[2J\u{1b}]52;c;SE9TVElMRQ==\u{7}";
/// What a wallet's name shows once [`ESCAPES`] is removed from it.
pub const CLEAN_NAME: &str = "Acme Evil Co";
/// `rust_decimal::Decimal::MAX`, and one above it.
pub const DECIMAL_MAX: &str = "79228162514264337593543950335";
pub const DECIMAL_BEYOND: &str = "79228162514264337593543950336";
/// How much the huge body would be if nobody stopped reading: 4 GiB, made 64 KiB at a time.
pub const HUGE_BYTES: u64 = 4 << 30;
/// The drip: one byte this often, for ever.
pub const DRIP_EVERY: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// 200 with bytes that are not JSON (nor UTF-8).
    Garbage,
    /// 200 with JSON whose fields have the wrong types.
    WrongTypes,
    /// 200 with `null` where objects and lists belong.
    Nulls,
    /// 200 with a body of [`HUGE_BYTES`], streamed (never allocated).
    Huge,
    /// 200 with a body that never ends: a byte every [`DRIP_EVERY`].
    Drip,
    /// 500 with an HTML page, as a proxy in front of the API would.
    Html500,
    /// 307 to the same path on the decoy, with `user:pass@` in the Location.
    Redirect,
    /// Every route: 400 with [`ESCAPES`] in the error's code and message.
    EscapeError,
    /// The wallet list holds names with [`ESCAPES`]; every other route answers as
    /// [`Scenario::EscapeError`].
    EscapeNames,
    /// A wallet whose balances are [`DECIMAL_MAX`].
    DecimalMax,
    /// A wallet whose balance is [`DECIMAL_BEYOND`].
    DecimalBeyond,
    /// The transactions search answers the same full page of debits (all of one instant)
    /// whatever it is asked, stating a total of one page.
    RepeatedPage,
}

#[derive(Default)]
struct Seen {
    /// Requests the hostile server answered.
    requests: AtomicUsize,
    /// Body bytes the huge body handed to the connection (not all may have been read).
    huge_sent: AtomicU64,
    /// Requests the decoy saw, and the `x-api-key` each carried (empty if none).
    decoy_keys: Mutex<Vec<String>>,
}

pub struct Hostile {
    /// Base URL with `/v1`, as `--api-url` takes it.
    pub url: String,
    /// The decoy's base URL (with `/v1`).
    pub decoy_url: String,
    pub scenario: Scenario,
    seen: Arc<Seen>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[derive(Clone)]
struct Ctx {
    scenario: Scenario,
    decoy: String,
    seen: Arc<Seen>,
}

impl Hostile {
    /// Starts the server and its decoy on the current tokio runtime.
    pub async fn start(scenario: Scenario) -> Hostile {
        let seen = Arc::new(Seen::default());
        let decoy_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let decoy_addr = decoy_listener.local_addr().unwrap();
        let decoy = Router::new().fallback(decoy).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ctx = Ctx {
            scenario,
            decoy: format!("http://user:pass@{decoy_addr}"),
            seen: seen.clone(),
        };
        let app = Router::new().fallback(hostile).with_state(ctx);
        let tasks = vec![
            tokio::spawn(async move {
                let _ = axum::serve(decoy_listener, decoy).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }),
        ];
        Hostile {
            url: format!("http://{addr}/v1"),
            decoy_url: format!("http://{decoy_addr}/v1"),
            scenario,
            seen,
            tasks,
        }
    }

    /// Starts it on a runtime of its own, for tests that run the binary (blocking).
    pub fn start_blocking(scenario: Scenario) -> (tokio::runtime::Runtime, Hostile) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let h = rt.block_on(Hostile::start(scenario));
        (rt, h)
    }

    pub fn requests(&self) -> usize {
        self.seen.requests.load(Ordering::SeqCst)
    }

    pub fn huge_sent(&self) -> u64 {
        self.seen.huge_sent.load(Ordering::SeqCst)
    }

    /// The `x-api-key` of each request the decoy saw ("" for none).
    pub fn decoy_keys(&self) -> Vec<String> {
        self.seen.decoy_keys.lock().unwrap().clone()
    }
}

/// A wallet as Flexprice writes it, with the given name and balance text.
pub fn wallet(id: &str, name: &str, balance: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "customer_id": "cust_hostile",
        "currency": "usd",
        "balance": balance,
        "credit_balance": balance,
        "wallet_status": "active",
        "name": name,
        "description": format!("described{ESCAPES}here"),
        "metadata": {"plan": format!("gold{ESCAPES}")},
        "wallet_type": "PRE_PAID",
        "config": {"allowed_price_types": ["ALL"]},
        "conversion_rate": "1",
        "topup_conversion_rate": "1",
        "environment_id": "env_hostile",
        "alert_state": "ok",
        "status": "published",
        "created_at": "2026-08-20T09:15:42Z",
        "updated_at": "2026-08-22T10:11:12Z"
    })
}

fn list(items: Vec<serde_json::Value>) -> String {
    let n = items.len();
    serde_json::json!({"items": items, "pagination": {"total": n, "limit": 50, "offset": 0}}).to_string()
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

fn json(status: StatusCode, body: String) -> Response {
    reply(status, "application/json", body)
}

fn escape_error() -> Response {
    let body = serde_json::json!({
        "code": format!("invalid{ESCAPES}_operation"),
        "message": format!("Wallet refused{ESCAPES} by the hostile server"),
        "http_status_code": 400,
        "details": {format!("field{ESCAPES}"): format!("bad{ESCAPES}")},
    });
    json(StatusCode::BAD_REQUEST, body.to_string())
}

async fn hostile(State(ctx): State<Ctx>, method: Method, uri: Uri) -> Response {
    ctx.seen.requests.fetch_add(1, Ordering::SeqCst);
    let path = uri.path();
    let is_list = (method == Method::GET && path == "/v1/wallets")
        || (method == Method::POST && path == "/v1/wallets/search");
    match ctx.scenario {
        Scenario::Garbage => reply(
            StatusCode::OK,
            "application/json",
            Bytes::from_static(b"\x00\xff\xfe{{{ not json \x1b[2J at all"),
        ),
        Scenario::WrongTypes if is_list => json(
            StatusCode::OK,
            r#"{"items":[{"id":123,"balance":{"x":1},"wallet_status":7,"currency":[]}],"pagination":"no"}"#
                .into(),
        ),
        Scenario::WrongTypes => json(StatusCode::OK, r#"{"id":[],"balance":true,"name":5}"#.into()),
        Scenario::Nulls if is_list => json(StatusCode::OK, r#"{"items":[null],"pagination":null}"#.into()),
        Scenario::Nulls => json(StatusCode::OK, "null".into()),
        Scenario::Huge => huge(ctx.seen.clone()),
        Scenario::Drip => drip(),
        Scenario::Html500 => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html",
            "<html><head><title>500</title></head><body><h1>500 Internal Server Error</h1>\
             <hr><center>nginx</center></body></html>",
        ),
        Scenario::Redirect => {
            let to = format!(
                "{}{}",
                ctx.decoy,
                uri.path_and_query().map_or(path, |p| p.as_str())
            );
            Response::builder()
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header(header::LOCATION, to)
                .body(Body::empty())
                .unwrap()
        }
        Scenario::EscapeError => escape_error(),
        Scenario::EscapeNames if is_list => json(
            StatusCode::OK,
            list(vec![
                wallet("wallet_hostile_1", &format!("Acme {ESCAPES}Evil Co"), "100"),
                wallet("wallet_hostile_2", &format!("{ESCAPES}Beta\u{9b}2J Ltd"), "5"),
            ]),
        ),
        Scenario::EscapeNames => escape_error(),
        Scenario::DecimalMax if is_list => json(
            StatusCode::OK,
            list(vec![wallet("wallet_max", "max", DECIMAL_MAX)]),
        ),
        Scenario::DecimalMax => json(
            StatusCode::OK,
            wallet("wallet_max", "max", DECIMAL_MAX).to_string(),
        ),
        Scenario::DecimalBeyond if is_list => json(
            StatusCode::OK,
            list(vec![wallet("wallet_big", "big", DECIMAL_BEYOND)]),
        ),
        Scenario::DecimalBeyond => json(
            StatusCode::OK,
            wallet("wallet_big", "big", DECIMAL_BEYOND).to_string(),
        ),
        Scenario::RepeatedPage => {
            let at = (chrono::Utc::now() - chrono::TimeDelta::hours(1)).to_rfc3339();
            let items: Vec<serde_json::Value> = (0..1000)
                .map(|i| {
                    serde_json::json!({
                        "id": format!("wtxn_{i}"), "wallet_id": "wallet_a", "type": "debit",
                        "credit_amount": "1", "amount": "1", "transaction_status": "completed",
                        "transaction_reason": "MANUAL_BALANCE_DEBIT", "created_at": at,
                    })
                })
                .collect();
            json(
                StatusCode::OK,
                serde_json::json!({"items": items, "pagination": {"total": 1000, "limit": 1000, "offset": 0}})
                    .to_string(),
            )
        }
    }
}

/// The huge body pauses this long after each [`HUGE_PAUSE_EVERY`] bytes: a test watching the
/// client's memory sees it while the client holds what it has read.
pub const HUGE_PAUSE: Duration = Duration::from_millis(150);
pub const HUGE_PAUSE_EVERY: u64 = 8 << 20;

/// `{"items":[` and then wallets for ever (up to [`HUGE_BYTES`]), made lazily from one shared
/// 64 KiB chunk: the server holds 64 KiB however much it sends.
fn huge(seen: Arc<Seen>) -> Response {
    let one = wallet("wallet_huge", "huge", "1").to_string() + ",";
    let mut chunk = String::with_capacity(64 * 1024 + one.len());
    while chunk.len() < 64 * 1024 {
        chunk.push_str(&one);
    }
    let chunk = Bytes::from(chunk);
    let head = Bytes::from_static(b"{\"items\":[");
    let stream = futures::stream::unfold(0u64, move |sent| {
        let (chunk, head, seen) = (chunk.clone(), head.clone(), seen.clone());
        async move {
            if sent >= HUGE_BYTES {
                return None;
            }
            let next = if sent == 0 { head } else { chunk };
            let n = next.len() as u64;
            if sent / HUGE_PAUSE_EVERY != (sent + n) / HUGE_PAUSE_EVERY {
                tokio::time::sleep(HUGE_PAUSE).await;
            }
            seen.huge_sent.fetch_add(n, Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(next), sent + n))
        }
    });
    reply(StatusCode::OK, "application/json", Body::from_stream(stream))
}

/// A body that never ends: one byte every [`DRIP_EVERY`].
fn drip() -> Response {
    let stream = futures::stream::unfold((), |()| async {
        tokio::time::sleep(DRIP_EVERY).await;
        Some((Ok::<_, std::io::Error>(Bytes::from_static(b" ")), ()))
    });
    reply(StatusCode::OK, "application/json", Body::from_stream(stream))
}

/// Where redirects point: records the key each request carried and answers a valid list, so
/// a client that follows the redirect succeeds (and the test sees the leak, not an error).
async fn decoy(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> Response {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    seen.decoy_keys.lock().unwrap().push(key);
    json(StatusCode::OK, list(vec![wallet("wallet_decoy", "decoy", "1")]))
}
