//! The wallet list's reply, read from SQLite a page at a time and written as it is read: a list
//! of a million wallets never sits in memory whole, neither as rows nor as JSON.
//!
//! The bytes are those of serializing the whole `{"items":[…],"pagination":{…}}` at once: the
//! items are the same compact JSON, the commas and brackets around them are written here, and
//! the pagination (whose total is known only at the end) closes the body. A list that fits one
//! page is answered whole, with its length, as it always was.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use serde::Serialize;

use super::{WalletRow, ok, wallet_outs, with_breakdowns};
use crate::error::{ApiErr, JSON_CONTENT_TYPE};
use crate::state::Shared;

/// Wallets read (and written) per page: ~0.7 MB of JSON.
const PAGE: usize = 1000;

/// The wallet-list pagination Flexprice hard-codes.
#[derive(Serialize)]
struct Page {
    total: usize,
    limit: i64,
    offset: i64,
}

#[derive(Serialize)]
struct List<'a> {
    items: Vec<super::WalletOut<'a>>,
    pagination: Page,
}

/// Which wallets a list holds, after binding and validation.
pub struct ListQuery {
    pub status: Option<String>,
    pub ids: Vec<String>,
    pub with_breakdown: bool,
}

/// `GET /wallets` and `POST /wallets/search`: every matching wallet in `seq` order.
pub async fn reply(st: Shared, q: ListQuery) -> Response {
    let q = Arc::new(q);
    let (rows, last) = match page(&st, &q, i64::MIN).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if rows.len() < PAGE {
        let items = wallet_outs(&rows);
        let total = items.len();
        return ok(&List {
            items,
            pagination: pagination(total),
        });
    }
    let mut out = Vec::with_capacity(PAGE * 800);
    out.extend_from_slice(b"{\"items\":[");
    let first = match write_items(&mut out, &rows, true) {
        Ok(()) => Bytes::from(out),
        Err(e) => return e.into_response(),
    };
    let rest = Pages {
        st,
        q,
        after: last,
        total: rows.len(),
        done: false,
    };
    let chunks = futures::stream::once(async move { Ok::<_, std::io::Error>(first) })
        .chain(futures::stream::unfold(rest, Pages::next));
    let mut resp = (StatusCode::OK, Body::from_stream(chunks)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    resp
}

fn pagination(total: usize) -> Page {
    Page {
        total,
        limit: 50,
        offset: 0,
    }
}

/// The wallets after `after`, with their breakdowns when asked: one job on the database thread,
/// so top-ups and other requests run between two pages.
async fn page(st: &Shared, q: &Arc<ListQuery>, after: i64) -> Result<(Vec<WalletRow>, i64), ApiErr> {
    let q = q.clone();
    st.db(move |core, _| {
        let (wallets, last) = core.db.wallets_page(q.status.as_deref(), &q.ids, after, PAGE)?;
        Ok((with_breakdowns(&core.db, wallets, q.with_breakdown)?, last))
    })
    .await
}

/// Appends the rows as list items (comma-separated, a comma before the first unless it opens
/// the list).
fn write_items(out: &mut Vec<u8>, rows: &[WalletRow], opens: bool) -> Result<(), ApiErr> {
    for (i, item) in wallet_outs(rows).iter().enumerate() {
        if i > 0 || !opens {
            out.push(b',');
        }
        serde_json::to_writer(&mut *out, item)
            .map_err(|e| ApiErr::internal(format!("cannot encode a wallet: {e}")))?;
    }
    Ok(())
}

/// The body after its first chunk: the next pages, then the closing pagination.
struct Pages {
    st: Shared,
    q: Arc<ListQuery>,
    after: i64,
    total: usize,
    done: bool,
}

impl Pages {
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Pages)> {
        if self.done {
            return None;
        }
        let (rows, last) = match page(&self.st, &self.q, self.after).await {
            Ok(p) => p,
            Err(e) => {
                // The status is long sent: the body ends short, and the client sees the cut.
                self.done = true;
                return Some((Err(std::io::Error::other(e.message)), self));
            }
        };
        let mut out = Vec::with_capacity(rows.len() * 800 + 64);
        if let Err(e) = write_items(&mut out, &rows, false) {
            self.done = true;
            return Some((Err(std::io::Error::other(e.message)), self));
        }
        self.total += rows.len();
        self.after = last;
        if rows.len() < PAGE {
            out.extend_from_slice(b"],\"pagination\":");
            if let Err(e) = serde_json::to_writer(&mut out, &pagination(self.total)) {
                self.done = true;
                return Some((Err(std::io::Error::other(e)), self));
            }
            out.push(b'}');
            self.done = true;
        }
        Some((Ok(Bytes::from(out)), self))
    }
}
