//! `GET /wallets/{id}/transactions` and `POST /wallets/transactions/search`.

use std::collections::HashMap;
use std::str::FromStr;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Id, Params, Q, St, WalletOut, bind, expand, ok};
use crate::error::ApiErr;
use crate::ledger::ports::LedgerStore;
use crate::records::{CustomerRec, TxRec};
use crate::store::queries::{Condition, TxQuery};
use flexprice_wire::money;

/// What both routes bind before validating.
#[derive(Default)]
struct Filter {
    limit: Option<i64>,
    offset: Option<i64>,
    order: Option<String>,
    query: TxQuery,
    reference_type: Option<String>,
    reference_id: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    expiry_before: Option<DateTime<Utc>>,
    expiry_after: Option<DateTime<Utc>>,
}

fn invalid_filter() -> ApiErr {
    ApiErr::validation("Invalid filter")
}

/// `WalletTransactionFilter.Validate` (wrapped by the service with the hint "Invalid filter").
fn validate(f: &mut Filter) -> Result<(), ApiErr> {
    if let Some(l) = f.limit
        && !(1..=1000).contains(&l)
    {
        return Err(invalid_filter().detail("limit", "must be between 1 and 1000"));
    }
    if f.offset.is_some_and(|o| o < 0) {
        return Err(invalid_filter().detail("offset", "must be non-negative"));
    }
    if f.order.as_deref().is_some_and(|o| o != "asc" && o != "desc") {
        return Err(invalid_filter().detail("order", "must be either 'asc' or 'desc'"));
    }
    if f.query
        .tx_type
        .as_deref()
        .is_some_and(|t| t != "credit" && t != "debit")
    {
        return Err(ApiErr::validation("Please provide a valid transaction type"));
    }
    if f.query
        .transaction_status
        .as_deref()
        .is_some_and(|t| !matches!(t, "pending" | "completed" | "failed"))
    {
        return Err(ApiErr::validation("Please provide a valid transaction status"));
    }
    if (f.reference_type.is_some() && f.reference_id.is_none()) || f.reference_id.as_deref() == Some("") {
        return Err(ApiErr::validation(
            "Reference type and reference id must be provided together",
        ));
    }
    if let (Some(s), Some(e)) = (f.start, f.end)
        && e < s
    {
        return Err(ApiErr::validation("Please provide a valid time range")
            .detail("end_time", "must be after start_time"));
    }
    if let (Some(b), Some(a)) = (f.expiry_before, f.expiry_after)
        && b < a
    {
        return Err(ApiErr::validation(
            "Expiry date before must be after expiry date after",
        ));
    }
    let q = &mut f.query;
    if let (Some(t), Some(id)) = (&f.reference_type, &f.reference_id) {
        q.reference = Some((t.clone(), id.clone()));
    }
    q.start_time = f.start.map(|t| t.timestamp_micros());
    q.end_time = f.end.map(|t| t.timestamp_micros());
    q.expiry_before = f.expiry_before.map(|t| t.timestamp_micros());
    q.expiry_after = f.expiry_after.map(|t| t.timestamp_micros());
    q.ascending = f.order.as_deref() == Some("asc");
    q.offset = f.offset.unwrap_or(0);
    Ok(())
}

#[derive(Serialize)]
struct Page {
    total: i64,
    limit: i64,
    offset: i64,
}

/// `WalletTransactionResponse`: the transaction plus its optional expansions.
#[derive(Serialize)]
struct TxOut<'a> {
    #[serde(flatten)]
    tx: &'a TxRec,
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by_user: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    wallet: Option<Value>,
}

#[derive(Serialize)]
struct List<'a> {
    items: Vec<TxOut<'a>>,
    pagination: Page,
}

fn time(v: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiErr> {
    v.map(|s| DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc)))
        .transpose()
        .map_err(|_| ApiErr::bad_filter())
}

pub async fn list(st: St, id: Id, q: Q) -> Response {
    let p = Params::from(q);
    // `sort` is both a string and a list in the filter: gin's binding cannot fill it.
    if p.has("sort") || p.has("filters") {
        return ApiErr::bad_filter().into_response();
    }
    let bound = (|| {
        Ok::<_, ApiErr>(Filter {
            limit: p.parse("limit", ApiErr::bad_filter)?,
            offset: p.parse("offset", ApiErr::bad_filter)?,
            order: p.get("order").map(str::to_string),
            reference_type: p.get("reference_type").map(str::to_string),
            reference_id: p.get("reference_id").map(str::to_string),
            start: time(p.get("start_time"))?,
            end: time(p.get("end_time"))?,
            expiry_before: time(p.get("expiry_date_before"))?,
            expiry_after: time(p.get("expiry_date_after"))?,
            query: TxQuery {
                wallet_id: Some(id.0.clone()),
                tx_type: p.get("type").map(str::to_string),
                transaction_status: p.get("transaction_status").map(str::to_string),
                transaction_reason: p.get("transaction_reason").map(str::to_string),
                credits_available_gt: p
                    .get("credits_available_gt")
                    .map(Decimal::from_str)
                    .transpose()
                    .map_err(|_| ApiErr::bad_filter())?,
                priority: p.parse("priority", ApiErr::bad_filter)?,
                created_by: p.get("created_by").map(str::to_string),
                status: p.get("status").map(str::to_string),
                ..Default::default()
            },
        })
    })();
    let mut f = match bound {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    if f.limit.is_none_or(|l| l == 0) {
        f.limit = Some(50);
    }
    if let Err(e) = validate(&mut f) {
        return e.into_response();
    }
    answer(st, f, Vec::new()).await
}

#[derive(Deserialize)]
struct Sort {
    #[serde(default)]
    field: String,
    #[serde(default)]
    direction: String,
}

#[derive(Deserialize)]
struct SearchBody {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    expand: Option<String>,
    #[serde(default)]
    start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    filters: Option<Vec<Condition2>>,
    #[serde(default)]
    sort: Option<Vec<Sort>>,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type", default)]
    tx_type: Option<String>,
    #[serde(default)]
    transaction_status: Option<String>,
    #[serde(default)]
    reference_type: Option<String>,
    #[serde(default)]
    reference_id: Option<String>,
    #[serde(default)]
    expiry_date_before: Option<DateTime<Utc>>,
    #[serde(default)]
    expiry_date_after: Option<DateTime<Utc>>,
    #[serde(with = "money::opt_dec", default)]
    credits_available_gt: Option<Decimal>,
    #[serde(default)]
    transaction_reason: Option<String>,
    #[serde(default)]
    priority: Option<i64>,
    #[serde(default)]
    created_by: Option<String>,
}

#[derive(Deserialize)]
struct Condition2 {
    #[serde(default)]
    field: String,
    #[serde(default)]
    operator: String,
    #[serde(default)]
    data_type: String,
    #[serde(default)]
    value: Value,
}

pub async fn search(st: St, q: Q, body: Bytes) -> Response {
    let p = Params::from(q);
    let req: SearchBody = match bind(&body, ApiErr::bad_filter) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let has_query_filter = req.limit.is_some()
        || req.offset.is_some()
        || req.status.is_some()
        || req.order.is_some()
        || req.expand.is_some();
    let expand_raw = p.get("expand").map(str::to_string).or(req.expand.clone());
    let fields = match expand(expand_raw.as_deref(), &["customer", "created_by_user", "wallet"]) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let mut f = Filter {
        limit: req.limit,
        offset: req.offset,
        order: req.order,
        reference_type: req.reference_type,
        reference_id: req.reference_id,
        start: req.start_time,
        end: req.end_time,
        expiry_before: req.expiry_date_before,
        expiry_after: req.expiry_date_after,
        query: TxQuery {
            wallet_id: req.id,
            tx_type: req.tx_type,
            transaction_status: req.transaction_status,
            transaction_reason: req.transaction_reason,
            credits_available_gt: req.credits_available_gt,
            priority: req.priority,
            created_by: req.created_by,
            status: req.status,
            filters: req
                .filters
                .unwrap_or_default()
                .into_iter()
                .map(|c| Condition {
                    field: c.field,
                    operator: c.operator,
                    data_type: c.data_type,
                    value: c.value,
                })
                .collect(),
            sort: req
                .sort
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.field, s.direction != "desc"))
                .collect(),
            ..Default::default()
        },
    };
    // A filter object without limit gets the default; an `?expand=` that had to create the
    // filter leaves it unlimited (Flexprice's nil-limit query).
    match f.limit {
        Some(0) | None if has_query_filter => f.limit = Some(50),
        None if p.get("expand").is_some() => f.limit = Some(0),
        None => f.limit = Some(50),
        _ => {}
    }
    let unlimited = f.limit == Some(0) && !has_query_filter;
    if unlimited {
        f.limit = None;
    }
    if let Err(e) = validate(&mut f) {
        return e.into_response();
    }
    if unlimited {
        f.limit = Some(0);
    }
    answer(st, f, fields).await
}

async fn answer(st: St, f: Filter, fields: Vec<String>) -> Response {
    let limit = f.limit.unwrap_or(50);
    let offset = f.offset.unwrap_or(0);
    let mut q = f.query;
    q.limit = if limit == 0 { i64::MAX } else { limit };
    let result = st
        .db(move |core, _| {
            let (items, total) = core.db.transactions(&q)?;
            let mut wallets = HashMap::new();
            let mut customers: HashMap<String, Option<CustomerRec>> = HashMap::new();
            for t in &items {
                if fields.iter().any(|x| x == "wallet") && !wallets.contains_key(&t.wallet_id) {
                    let w = core.db.wallet(&t.wallet_id)?;
                    wallets.insert(t.wallet_id.clone(), w);
                }
                if fields.iter().any(|x| x == "customer") && !customers.contains_key(&t.customer_id) {
                    customers.insert(t.customer_id.clone(), core.db.customer(&t.customer_id)?);
                }
            }
            Ok((items, total, wallets, customers, fields))
        })
        .await;
    let (items, total, wallets, customers, fields) = match result {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let out: Vec<TxOut> = items
        .iter()
        .map(|t| TxOut {
            tx: t,
            customer: customers
                .get(&t.customer_id)
                .and_then(|c| c.as_ref())
                .map(customer_json),
            created_by_user: fields
                .iter()
                .any(|x| x == "created_by_user")
                .then(|| user_json(&t.created_by)),
            wallet: wallets.get(&t.wallet_id).and_then(|w| w.as_ref()).map(|w| {
                serde_json::to_value(WalletOut {
                    wallet: w,
                    credits_available_breakdown: None,
                })
                .unwrap_or(Value::Null)
            }),
        })
        .collect();
    ok(&List {
        items: out,
        pagination: Page {
            total,
            limit,
            // Go's `int` addition: a huge offset wraps around instead of failing.
            offset: offset.wrapping_add(limit),
        },
    })
}

fn customer_json(c: &CustomerRec) -> Value {
    json!({
        "id": c.id,
        "external_id": c.external_id,
        "name": c.name,
        "email": c.email,
        "environment_id": c.environment_id,
        "tenant_id": c.tenant_id,
        "status": "published",
        "created_at": crate::records::go_time::text(&c.created_at),
        "updated_at": crate::records::go_time::text(&c.created_at),
        "created_by": "",
        "updated_by": "",
    })
}

fn user_json(id: &str) -> Value {
    json!({ "id": id, "email": "", "name": "Sandbox API key", "type": "service_account", "roles": [] })
}
