//! `GET /wallets`, `POST /wallets/search`, `GET /wallets/{id}`, `PUT /wallets/{id}`.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Deserialize;

use super::wallet_pages::{self, ListQuery};
use super::{BREAKDOWN, Id, Params, Q, St, bind, expand, object, ok};
use crate::error::{ApiErr, recovered_panic};
use crate::ledger::ops::wallet_not_found;
use crate::ledger::ports::{Ids, LedgerStore};
use crate::records::{AutoTopup, WalletRec};
use crate::validate;
use flexprice_wire::models::{AlertSettings, AlertState, Metadata, WalletConfig};

/// The shared part of `GET /wallets` and `POST /wallets/search` after binding.
struct WalletFilter {
    ids: Vec<String>,
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    order: Option<String>,
    expand: Option<String>,
}

async fn answer_list(st: St, f: WalletFilter) -> Response {
    let fields = match expand(f.expand.as_deref(), &[BREAKDOWN]) {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    // QueryFilter.Validate has no hints: the message is the generic one, the details say why.
    if let Some(l) = f.limit.filter(|l| *l != 0 && !(1..=1000).contains(l)) {
        let _ = l;
        return ApiErr::unexpected_validation()
            .detail("limit", "must be between 1 and 1000")
            .into_response();
    }
    if f.offset.is_some_and(|o| o < 0) {
        return ApiErr::unexpected_validation()
            .detail("offset", "must be non-negative")
            .into_response();
    }
    if f.order.as_deref().is_some_and(|o| o != "asc" && o != "desc") {
        return ApiErr::unexpected_validation()
            .detail("order", "must be either 'asc' or 'desc'")
            .into_response();
    }
    let with_breakdown = fields.iter().any(|x| x == BREAKDOWN);
    // Every matching wallet, whatever the limit and offset (Flexprice's list ignores them).
    wallet_pages::reply(
        st.0,
        ListQuery {
            status: f.status,
            ids: f.ids,
            with_breakdown,
        },
    )
    .await
}

pub async fn list(st: St, q: Q) -> Response {
    let p = Params::from(q);
    let bound = (|| {
        Ok::<_, ApiErr>(WalletFilter {
            ids: p.all("wallet_ids"),
            status: p.get("status").map(str::to_string),
            limit: p.parse("limit", ApiErr::bad_filter)?,
            offset: p.parse("offset", ApiErr::bad_filter)?,
            order: p.get("order").map(str::to_string),
            expand: p.get("expand").map(str::to_string),
        })
    })();
    if let Err(e) = p.flag("alert_enabled", ApiErr::bad_filter) {
        return e.into_response();
    }
    match bound {
        Ok(f) => answer_list(st, f).await,
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct SearchBody {
    #[serde(default)]
    wallet_ids: Option<Vec<String>>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    alert_enabled: Option<bool>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    expand: Option<String>,
}

pub async fn search(st: St, body: Bytes) -> Response {
    let req: SearchBody = match bind(&body, ApiErr::bad_filter) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let keys = object(&body, ApiErr::bad_filter).unwrap_or_default();
    // Without any QueryFilter field the embedded filter stays nil and the handler
    // dereferences it: gin's recovery answers 500 with an empty body.
    if !["limit", "offset", "sort", "order", "expand"]
        .iter()
        .any(|k| keys.contains_key(*k))
    {
        return recovered_panic();
    }
    let _ = (req.alert_enabled, req.sort);
    answer_list(
        st,
        WalletFilter {
            ids: req.wallet_ids.unwrap_or_default(),
            status: req.status,
            limit: req.limit,
            offset: req.offset,
            order: req.order,
            expand: req.expand,
        },
    )
    .await
}

pub async fn get_one(st: St, id: Id) -> Response {
    let id = id.0;
    match st
        .db(move |core, _| core.db.wallet(&id)?.ok_or_else(|| wallet_not_found(&id)))
        .await
    {
        Ok(w) => ok(&w),
        Err(e) => e.into_response(),
    }
}

/// `GET /wallets/search` falls on `/wallets/:id` in gin's GET tree.
pub async fn get_search(st: St) -> Response {
    get_one(st, axum::extract::Path("search".to_string())).await
}

#[derive(Deserialize)]
struct UpdateBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    auto_topup: Option<AutoTopup>,
    #[serde(default)]
    config: Option<WalletConfig>,
    #[serde(default)]
    alert_settings: Option<AlertSettings>,
}

/// `UpdateWallet`: merge, store, and answer the in-memory object (old `updated_at`).
pub async fn update(st: St, id: Id, body: Bytes) -> Response {
    let req: UpdateBody = match bind(&body, ApiErr::bad_body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if let Some(c) = &req.config
        && let Err(e) = validate::config(c)
    {
        return e.into_response();
    }
    let id = id.0;
    let missing_status = {
        // The unknown-id error carries two marks; Go's map iteration picks one at random.
        let heads = st.coin.lock().map(|mut r| r.random_bool(0.5)).unwrap_or(true);
        if heads { 404 } else { 500 }
    };
    let result = st
        .db(move |core, actor| {
            let Some(existing) = core.db.wallet(&id)? else {
                let mut e = wallet_not_found(&id);
                if missing_status == 500 {
                    e.status = 500;
                    e.code = "database_error";
                }
                return Err(e);
            };
            let mut reply = existing.clone();
            apply_update(&mut reply, req);
            let mut stored = reply.clone();
            if stored.name.is_empty() {
                stored.name = existing.name.clone();
            }
            if stored.description.is_empty() {
                stored.description = existing.description.clone();
            }
            if stored.config.allowed_price_types.is_none() {
                stored.config = existing.config.clone();
            }
            stored.updated_at = core.ids.now();
            stored.updated_by = actor.user_id.clone();
            core.db.update_wallet(&stored)?;
            Ok(reply)
        })
        .await;
    match result {
        Ok(w) => ok(&w),
        Err(e) => e.into_response(),
    }
}

fn apply_update(w: &mut WalletRec, req: UpdateBody) {
    if let Some(n) = req.name {
        w.name = n;
    }
    if let Some(d) = req.description {
        w.description = d;
    }
    if let Some(m) = req.metadata {
        w.metadata = Some(m);
    }
    if let Some(a) = req.auto_topup {
        let mut cur = w.auto_topup.clone().unwrap_or_default();
        if a.enabled.is_some() {
            cur.enabled = a.enabled;
        }
        if a.threshold.is_some() {
            cur.threshold = a.threshold;
        }
        if a.amount.is_some() {
            cur.amount = a.amount;
        }
        if a.invoicing.is_some() {
            cur.invoicing = a.invoicing;
        }
        if let Some(c) = a.cooldown {
            cur.cooldown = if c.value == 0 { None } else { Some(c) };
        }
        w.auto_topup = Some(cur);
    }
    if let Some(c) = req.config {
        w.config = c;
    }
    if let Some(a) = req.alert_settings {
        if a.alert_enabled != Some(true) {
            w.alert_state = AlertState::Ok;
        }
        w.alert_settings = Some(a);
    }
}

/// `PUT /wallets/search` also lands on `/wallets/:id`.
pub async fn update_search(st: St, body: Bytes) -> Response {
    update(st, axum::extract::Path("search".to_string()), body).await
}
