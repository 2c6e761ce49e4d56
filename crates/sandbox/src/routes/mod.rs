//! The `/v1` wallet routes (WALLET_API.md section 4) and the sandbox's own `/_sandbox` routes,
//! plus the binding helpers that reproduce gin's answers to bad input.

mod admin;
mod balance;
mod create;
mod customers;
mod money;
mod transactions;
mod wallet_pages;
mod wallets;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Query;
use axum::middleware;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiErr, no_route};
use super::state::Shared;
use super::{auth, faults};

pub fn router(state: Shared) -> Router {
    let v1 = Router::new()
        .route("/v1/wallets", post(create::create).get(wallets::list))
        .route(
            "/v1/wallets/search",
            post(wallets::search)
                .get(wallets::get_search)
                .put(wallets::update_search),
        )
        .route("/v1/wallets/transactions/search", post(transactions::search))
        .route("/v1/wallets/{id}", get(wallets::get_one).put(wallets::update))
        .route("/v1/wallets/{id}/transactions", get(transactions::list))
        .route("/v1/wallets/{id}/top-up", post(money::top_up))
        .route("/v1/wallets/{id}/debit", post(money::debit))
        .route("/v1/wallets/{id}/terminate", post(money::terminate))
        .route("/v1/wallets/{id}/modify", post(money::modify))
        .route("/v1/wallets/{id}/balance/real-time", get(balance::real_time))
        .route(
            "/v1/wallets/{id}/balance/real-time-cached",
            get(balance::real_time_cached),
        )
        .route("/v1/customers/wallets", get(balance::customer_wallets))
        .route("/v1/customers/{id}/wallets", get(balance::wallets_of_customer))
        .route("/v1/customers", get(customers::list))
        .route(
            "/v1/customers/search",
            post(customers::search).get(customers::get_search),
        )
        .route("/v1/customers/{id}", get(customers::get_one))
        .route(
            "/v1/customers/external/{external_id}",
            get(customers::by_external_id),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .fallback(|| async { no_route() })
        .method_not_allowed_fallback(|| async { no_route() })
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(
            state.faults.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), admin::count));
    let admin = Router::new()
        .route("/_sandbox/faults", get(admin::get_faults).post(admin::set_faults))
        .route("/_sandbox/stats", get(admin::stats))
        .route("/_sandbox/invoices/{id}/pay", post(admin::pay_invoice))
        .with_state(state);
    admin.merge(v1)
}

/// Query pairs in order (repeated keys kept), the way gin's form binding sees them.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// An optional typed parameter; a value that does not parse is a binding failure.
    pub fn parse<T: std::str::FromStr>(&self, name: &str, err: fn() -> ApiErr) -> Result<Option<T>, ApiErr> {
        match self.get(name) {
            // gin leaves a field alone when its parameter is empty.
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| err()),
        }
    }

    /// gin parses booleans with `strconv.ParseBool`.
    pub fn flag(&self, name: &str, err: fn() -> ApiErr) -> Result<Option<bool>, ApiErr> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Ok(Some(true)),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Ok(Some(false)),
            Some(_) => Err(err()),
        }
    }
}

impl From<Query<Vec<(String, String)>>> for Params {
    fn from(q: Query<Vec<(String, String)>>) -> Self {
        Params(q.0)
    }
}

/// `ShouldBindJSON`: `encoding/json` into the request struct, then the `binding` tags. Only an
/// object fills a struct: a string, number, boolean or array is an `UnmarshalTypeError`, an
/// empty body `io.EOF` (both a binding failure). `null` leaves the struct as it is, so it binds
/// like `{}`; a `null` member likewise leaves its field zero, as if it were absent.
pub fn bind<T: DeserializeOwned>(body: &Bytes, err: fn() -> ApiErr) -> Result<T, ApiErr> {
    let mut fields = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        Ok(Value::Null) => serde_json::Map::new(),
        _ => return Err(err()),
    };
    fields.retain(|_, v| !v.is_null());
    serde_json::from_value(Value::Object(fields)).map_err(|_| err())
}

/// The raw JSON object of a body, to see which keys were present.
pub fn object(body: &Bytes, err: fn() -> ApiErr) -> Result<serde_json::Map<String, Value>, ApiErr> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(err()),
    }
}

/// `types.NewExpand(..).Validate(config)`: each comma-separated field must be allowed.
pub fn expand(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<String>, ApiErr> {
    let mut fields = Vec::new();
    for part in raw.unwrap_or("").split(',') {
        let field = part.trim();
        if field.is_empty() {
            continue;
        }
        let (head, nested) = field.split_once('.').unwrap_or((field, ""));
        if !allowed.contains(&head) {
            return Err(ApiErr::validation("Field is not allowed to be expanded").detail("field", head));
        }
        if !nested.is_empty() {
            return Err(ApiErr::validation("Field does not support nested expands").detail("field", head));
        }
        fields.push(head.to_string());
    }
    Ok(fields)
}

pub const BREAKDOWN: &str = "credits_available_breakdown";

/// A wallet reply with its optional extras, serialized in Flexprice's field order.
#[derive(serde::Serialize)]
pub struct WalletOut<'a> {
    #[serde(flatten)]
    pub wallet: &'a super::records::WalletRec,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credits_available_breakdown: Option<super::records::Breakdown>,
}

/// A wallet with its breakdown, when the request expanded it.
pub type WalletRow = (super::records::WalletRec, Option<super::records::Breakdown>);

/// Looks up each wallet's breakdown when `expanded` (lists answer with or without it).
pub fn with_breakdowns(
    db: &super::store::Db,
    wallets: Vec<super::records::WalletRec>,
    expanded: bool,
) -> Result<Vec<WalletRow>, ApiErr> {
    wallets
        .into_iter()
        .map(|w| {
            let b = if expanded { db.breakdown(&w.id)? } else { None };
            Ok((w, b))
        })
        .collect()
}

/// The rows as the API writes them.
pub fn wallet_outs(rows: &[WalletRow]) -> Vec<WalletOut<'_>> {
    rows.iter()
        .map(|(w, b)| WalletOut {
            wallet: w,
            credits_available_breakdown: b.clone(),
        })
        .collect()
}

pub fn ok(body: &impl serde::Serialize) -> axum::response::Response {
    super::error::json_response(200, body)
}

pub type St = axum::extract::State<Shared>;
pub type Id = axum::extract::Path<String>;
pub type Q = Query<Vec<(String, String)>>;
