//! `GET /customers/{id}`, `GET /customers/external/{external_id}`, `GET /customers` and
//! `POST /customers/search` (`internal/api/v1/customer.go`), scoped to the caller's tenant and
//! environment like Flexprice's customer repository.

mod filter;
mod select;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;

use super::{Id, Params, Q, St, bind, ok};
use crate::error::{ApiErr, recovered_panic};
use crate::records::{CustomerRec, go_time};
use filter::{Bound, Broken, Query};
use select::Lookup;

/// `dto.CustomerResponse`: `customer.Customer` with its `types.BaseModel`, in Go's field order.
/// The sandbox keeps a customer's id, external id, name, email, environment, tenant and
/// creation time; the other fields are what Flexprice shows for a customer created without
/// them: `contact` nil (omitted), empty address strings, the `UTC` timezone default, `metadata`
/// nil (`null`), published, never updated, created by the key's user. `integrations` is only
/// written when expanded and non-empty, and the sandbox has none.
#[derive(Serialize)]
pub struct CustomerOut<'a> {
    id: &'a str,
    external_id: &'a str,
    name: &'a str,
    email: &'a str,
    address_line1: &'a str,
    address_line2: &'a str,
    address_city: &'a str,
    address_state: &'a str,
    address_postal_code: &'a str,
    address_country: &'a str,
    timezone: &'a str,
    metadata: Option<()>,
    environment_id: &'a str,
    tenant_id: &'a str,
    status: &'a str,
    #[serde(with = "go_time")]
    created_at: DateTime<Utc>,
    #[serde(with = "go_time")]
    updated_at: DateTime<Utc>,
    created_by: &'a str,
    updated_by: &'a str,
}

impl<'a> CustomerOut<'a> {
    pub fn new(c: &'a CustomerRec, user_id: &'a str) -> Self {
        CustomerOut {
            id: &c.id,
            external_id: &c.external_id,
            name: &c.name,
            email: &c.email,
            address_line1: "",
            address_line2: "",
            address_city: "",
            address_state: "",
            address_postal_code: "",
            address_country: "",
            timezone: "UTC",
            metadata: None,
            environment_id: &c.environment_id,
            tenant_id: &c.tenant_id,
            status: "published",
            created_at: c.created_at,
            updated_at: c.created_at,
            created_by: user_id,
            updated_by: user_id,
        }
    }
}

/// `types.PaginationResponse` from `NewPaginationResponse`: `offset` is the request's offset
/// plus the limit (the next page's offset), `total` counts every match.
#[derive(Serialize)]
struct Page {
    total: i64,
    limit: i64,
    offset: i64,
}

#[derive(Serialize)]
struct List<'a> {
    items: Vec<CustomerOut<'a>>,
    pagination: Page,
}

/// `types.NewExpand(..).Validate(CustomerExpandConfig)`: only `integrations`, which allows no
/// nested field (`a.b.c` nests `b` and `c`).
fn check_expand(raw: Option<&str>) -> Result<(), ApiErr> {
    let raw = raw.unwrap_or("");
    if raw.is_empty() {
        return Ok(());
    }
    let refuse =
        |field: &str| ApiErr::validation("Field is not allowed to be expanded").detail("field", field);
    for field in raw.split(',') {
        let mut parts = field.trim().split('.');
        let root = parts.next().unwrap_or("");
        if root != "integrations" {
            return Err(refuse(root));
        }
        if let Some(nested) = parts.next() {
            return Err(refuse(nested));
        }
    }
    Ok(())
}

/// `GET /customers/{id}`: any status, but only in the caller's environment.
pub async fn get_one(st: St, id: Id, q: Q) -> Response {
    let p = Params::from(q);
    if let Err(e) = check_expand(p.get("expand")) {
        return e.into_response();
    }
    one(st, Lookup::Id, id.0).await
}

/// `GET /customers/search` falls on `/customers/:id` in gin's GET tree.
pub async fn get_search(st: St, q: Q) -> Response {
    get_one(st, axum::extract::Path("search".to_string()), q).await
}

/// `GET /customers/external/{external_id}`: the published customer with this external id.
pub async fn by_external_id(st: St, id: Id, q: Q) -> Response {
    let p = Params::from(q);
    if let Err(e) = check_expand(p.get("expand")) {
        return e.into_response();
    }
    one(st, Lookup::ExternalId, id.0).await
}

async fn one(st: St, by: Lookup, key: String) -> Response {
    let result = st
        .db(move |core, actor| match select::one(&core.db, actor, by, &key)? {
            Some(c) => Ok((c, actor.user_id.clone())),
            None => Err(not_found(by, &key)),
        })
        .await;
    match result {
        Ok((c, user)) => ok(&CustomerOut::new(&c, &user)),
        Err(e) => e.into_response(),
    }
}

/// The repository's not-found errors (`internal/repository/ent/customer.go`).
pub fn not_found(by: Lookup, key: &str) -> ApiErr {
    match by {
        Lookup::Id => {
            ApiErr::not_found(format!("Customer with ID {key} was not found")).detail("customer_id", key)
        }
        Lookup::ExternalId => ApiErr::not_found(format!("Customer with lookup key {key} was not found"))
            .detail("lookup_key", key),
    }
}

/// `GET /customers`: the filter from the query string.
pub async fn list(st: St, q: Q) -> Response {
    match Bound::from_query(&Params::from(q)) {
        Ok(b) => answer(st, b).await,
        Err(e) => e.into_response(),
    }
}

/// `POST /customers/search`: the same filter as a JSON body (`{}` lists the first page).
pub async fn search(st: St, body: Bytes) -> Response {
    match bind::<Bound>(&body, ApiErr::bad_filter) {
        Ok(b) => answer(st, b).await,
        Err(e) => e.into_response(),
    }
}

/// `GetCustomers`: expand, then the filter's validation, then the repository.
async fn answer(st: St, b: Bound) -> Response {
    if let Err(e) = check_expand(b.expand.as_deref()) {
        return e.into_response();
    }
    let q: Query = match b.validate() {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    match q.broken() {
        Some(Broken::Panic) => return recovered_panic(),
        Some(Broken::UnknownField) => {
            // Marked both validation and database: Go's map iteration picks the status.
            let heads = st.coin.lock().map(|mut r| r.random_bool(0.5)).unwrap_or(true);
            let mut e = ApiErr::database("Failed to list customers");
            if heads {
                e.status = 400;
                e.code = "validation_error";
            }
            return e.into_response();
        }
        Some(Broken::BadOrder) => return ApiErr::database("Failed to list customers").into_response(),
        None => {}
    }
    let (limit, offset) = (q.limit, q.offset);
    let result = st
        .db(move |core, actor| {
            let (items, total) = select::select(&core.db, actor, &q)?;
            Ok((items, total, actor.user_id.clone()))
        })
        .await;
    match result {
        Ok((items, total, user)) => ok(&List {
            items: items.iter().map(|c| CustomerOut::new(c, &user)).collect(),
            pagination: Page {
                total,
                limit,
                offset: offset + limit,
            },
        }),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_allows_integrations_only_and_nothing_nested() {
        assert!(check_expand(None).is_ok());
        assert!(check_expand(Some("integrations")).is_ok());
        let e = check_expand(Some("wallets")).unwrap_err();
        assert_eq!(e.details["field"], "wallets");
        let e = check_expand(Some("integrations.provider")).unwrap_err();
        assert_eq!(e.message, "Field is not allowed to be expanded");
        assert_eq!(e.details["field"], "provider");
    }
}
