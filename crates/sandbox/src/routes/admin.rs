//! The sandbox's own routes, outside `/v1` and without auth (loopback only): fault settings,
//! and paying the invoice of a pending purchase.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;
use serde_json::json;

use super::{Id, St, ok};
use crate::error::ApiErr;
use crate::faults::FaultPatch;
use crate::ledger::ops;
use crate::ledger::ports::LedgerStore;
use crate::state::Core;

/// Counts every `/v1` request, answered or faulted: what a client costs the API.
pub async fn count(
    axum::extract::State(st): St,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    st.requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    next.run(req).await
}

/// `GET /_sandbox/stats`: `{"requests": N}`, the `/v1` requests served since start.
pub async fn stats(st: St) -> Response {
    ok(&json!({ "requests": st.requests.load(std::sync::atomic::Ordering::Relaxed) }))
}

pub async fn get_faults(st: St) -> Response {
    ok(&st.faults.settings())
}

pub async fn set_faults(st: St, body: Bytes) -> Response {
    let patch: FaultPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return ApiErr::validation(format!("fault settings: {e}")).into_response(),
    };
    let next = st.faults.settings().apply(&patch);
    if let Some((field, message)) = next.bad_field() {
        // Flexprice's shape: the hint as the message, the offending field in the details.
        let value = serde_json::to_value(next)
            .ok()
            .and_then(|v| v.get(field).cloned());
        return ApiErr::validation(message)
            .detail(field, value.unwrap_or_default())
            .into_response();
    }
    st.faults.set(next);
    tracing::info!(?next, "sandbox: fault settings changed");
    ok(&next)
}

/// Marks the invoice paid: its pending purchase completes and the balance moves.
pub async fn pay_invoice(st: St, id: Id) -> Response {
    let invoice = id.0;
    let result = st
        .db(move |core, actor| {
            let Core { db, ids } = core;
            db.atomically(|db| {
                let tx_id: Option<String> = db
                    .conn()
                    .query_row(
                        "SELECT wallet_transaction_id FROM invoices WHERE id = ?1 AND paid = 0",
                        [&invoice],
                        |r| r.get(0),
                    )
                    .optional()?;
                let tx_id = tx_id.ok_or_else(|| {
                    ApiErr::not_found("Invoice not found or already paid")
                        .detail("invoice_id", invoice.as_str())
                })?;
                db.conn()
                    .execute("UPDATE invoices SET paid = 1 WHERE id = ?1", [&invoice])?;
                ops::complete_purchase(db, ids, actor, &tx_id)
            })
        })
        .await;
    match result {
        Ok(tx) => ok(&json!({ "wallet_transaction": tx })),
        Err(e) => e.into_response(),
    }
}
