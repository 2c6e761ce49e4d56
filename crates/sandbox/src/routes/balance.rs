//! Real-time balances and the customer wallet lists.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::{BREAKDOWN, Id, Params, Q, St, expand, ok, wallet_outs, with_breakdowns};
use crate::error::ApiErr;
use crate::ledger::ops::wallet_not_found;
use crate::ledger::ports::LedgerStore;
use crate::ledger::{div16, round9};
use crate::records::{Breakdown, WalletRec, go_time};
use crate::state::Shared;
use flexprice_wire::models::WalletType;
use flexprice_wire::money;

/// `WalletBalanceResponse`.
#[derive(Serialize)]
struct BalanceOut<'a> {
    #[serde(flatten)]
    wallet: &'a WalletRec,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    real_time_balance: Option<Decimal>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    real_time_credit_balance: Option<Decimal>,
    #[serde(with = "go_time::opt", skip_serializing_if = "Option::is_none")]
    balance_updated_at: Option<DateTime<Utc>>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    current_period_usage: Option<Decimal>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none")]
    unpaid_invoices_amount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credits_available_breakdown: Option<Breakdown>,
    is_cached_fallback: bool,
}

impl<'a> BalanceOut<'a> {
    fn bare(wallet: &'a WalletRec) -> Self {
        BalanceOut {
            wallet,
            real_time_balance: None,
            real_time_credit_balance: None,
            balance_updated_at: None,
            current_period_usage: None,
            unpaid_invoices_amount: None,
            credits_available_breakdown: None,
            is_cached_fallback: false,
        }
    }
}

fn credits_of(amount: Decimal, rate: Decimal) -> Decimal {
    div16(amount, rate).map(|d| d.normalize()).unwrap_or_default()
}

/// `GetWalletBalanceV2` / `GetWalletBalanceFromCache`. The sandbox has no metered usage and no
/// unpaid usage invoices, so a prepaid wallet's real-time balance is its balance.
fn compute<'a>(st: &Shared, w: &'a WalletRec, from_cache: bool, max_live: Option<u64>) -> BalanceOut<'a> {
    let mut out = BalanceOut::bare(w);
    out.balance_updated_at = Some(w.updated_at);
    out.current_period_usage = Some(Decimal::ZERO);
    if !w.is_active() {
        out.real_time_balance = Some(Decimal::ZERO);
        out.real_time_credit_balance = Some(Decimal::ZERO);
        return out;
    }
    if w.wallet_type == WalletType::PostPaid {
        out.real_time_balance = Some(w.balance);
        out.real_time_credit_balance = Some(credits_of(w.balance, w.conversion_rate));
        out.unpaid_invoices_amount = Some(Decimal::ZERO);
        if !from_cache {
            st.cache_balance(&w.id, w.balance);
        }
        return out;
    }
    if from_cache && let Some(cached) = st.cached_balance(&w.id, max_live) {
        out.real_time_balance = Some(cached);
        out.real_time_credit_balance = Some(credits_of(cached, w.conversion_rate));
        out.is_cached_fallback = true;
        return out;
    }
    let rt = round9(w.balance);
    st.cache_balance(&w.id, rt);
    out.real_time_balance = Some(rt);
    out.real_time_credit_balance = Some(credits_of(rt, w.conversion_rate));
    out.unpaid_invoices_amount = Some(Decimal::ZERO);
    out
}

async fn balance_reply(
    st: St,
    id: String,
    raw_expand: Option<String>,
    from_cache: bool,
    max_live: Option<u64>,
) -> Response {
    let fields = match expand(raw_expand.as_deref(), &[BREAKDOWN]) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let with_breakdown = fields.iter().any(|f| f == BREAKDOWN);
    let result = st
        .db(move |core, _| {
            let w = core.db.wallet(&id)?.ok_or_else(|| wallet_not_found(&id))?;
            let b = if with_breakdown {
                core.db.breakdown(&id)?
            } else {
                None
            };
            Ok((w, b))
        })
        .await;
    match result {
        Ok((w, b)) => {
            let mut out = compute(&st.0, &w, from_cache, max_live);
            out.credits_available_breakdown = b;
            ok(&out)
        }
        Err(e) => e.into_response(),
    }
}

/// `x-max-live: <seconds>`; anything that is not a positive integer is ignored.
fn max_live(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-max-live")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v > 0)
        .map(|v| v as u64)
}

pub async fn real_time(st: St, id: Id, q: Q) -> Response {
    let p = Params::from(q);
    let from_cache = p.get("from_cache") == Some("true");
    let exp = p.get("expand").map(str::to_string);
    balance_reply(st, id.0, exp, from_cache, None).await
}

pub async fn real_time_cached(st: St, id: Id, q: Q, headers: HeaderMap) -> Response {
    let p = Params::from(q);
    let exp = p.get("expand").map(str::to_string);
    balance_reply(st, id.0, exp, true, max_live(&headers)).await
}

/// `GET /customers/{id}/wallets`: the customer's active wallets, `[]` when it has none.
pub async fn wallets_of_customer(st: St, id: Id, q: Q) -> Response {
    let p = Params::from(q);
    let fields = match expand(p.get("expand"), &[BREAKDOWN]) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let with_breakdown = fields.iter().any(|f| f == BREAKDOWN);
    let id = id.0;
    let result = st
        .db(move |core, _| {
            let wallets = core.db.active_wallets_of(&id)?;
            with_breakdowns(&core.db, wallets, with_breakdown)
        })
        .await;
    match result {
        Ok(rows) => ok(&wallet_outs(&rows)),
        Err(e) => e.into_response(),
    }
}

/// `GET /customers/wallets?id=|lookup_key=`: balances of the customer's active wallets.
pub async fn customer_wallets(st: St, q: Q, headers: HeaderMap) -> Response {
    let p = Params::from(q);
    let (include_rt, from_cache) = match (
        p.flag("include_real_time_balance", ApiErr::bad_body),
        p.flag("from_cache", ApiErr::bad_body),
    ) {
        (Ok(a), Ok(b)) => (a.unwrap_or(false), b.unwrap_or(false)),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let fields = match expand(p.get("expand"), &[BREAKDOWN]) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let id = p.get("id").unwrap_or("").to_string();
    let key = p.get("lookup_key").unwrap_or("").to_string();
    if id.is_empty() && key.is_empty() {
        return ApiErr::validation("Please provide either id or lookup_key").into_response();
    }
    if !id.is_empty() && !key.is_empty() {
        return ApiErr::validation("Please provide either 'id' or 'lookup_key', but not both.")
            .into_response();
    }
    let with_breakdown = include_rt && fields.iter().any(|f| f == BREAKDOWN);
    let result = st
        .db(move |core, _| {
            let customer = if !id.is_empty() {
                core.db.customer(&id)?.ok_or_else(|| {
                    ApiErr::not_found(format!("Customer with ID {id} was not found"))
                        .detail("customer_id", id.as_str())
                })?
            } else {
                core.db.customer_by_lookup_key(&key)?.ok_or_else(|| {
                    ApiErr::not_found(format!("Customer with lookup key {key} was not found"))
                        .detail("lookup_key", key.as_str())
                })?
            };
            let mut out = Vec::new();
            for w in core.db.active_wallets_of(&customer.id)? {
                let b = if with_breakdown {
                    core.db.breakdown(&w.id)?
                } else {
                    None
                };
                out.push((w, b));
            }
            Ok(out)
        })
        .await;
    let rows = match result {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let live = max_live(&headers);
    let items: Vec<BalanceOut> = rows
        .iter()
        .map(|(w, b)| {
            let mut out = if include_rt {
                compute(&st.0, w, from_cache, live)
            } else {
                BalanceOut::bare(w)
            };
            out.credits_available_breakdown = b.clone();
            out
        })
        .collect();
    ok(&items)
}
