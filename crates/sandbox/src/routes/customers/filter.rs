//! `types.CustomerFilter`: binding from a query string or a JSON body, Flexprice's validation
//! (`GetCustomers`), and the repository's failures while it builds the query.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::super::Params;
use crate::error::ApiErr;

/// `types.Value`: the operand of a search condition.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Operand {
    #[serde(default)]
    pub string: Option<String>,
    #[serde(default)]
    pub number: Option<f64>,
    #[serde(default)]
    pub boolean: Option<bool>,
    #[serde(default)]
    pub date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub array: Option<Vec<String>>,
}

/// `types.FilterCondition`: every part is a pointer in Go.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Condition {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
    /// Bound (a non-string fails binding) but never read: the operand decides.
    #[serde(default, rename = "data_type")]
    _data_type: Option<String>,
    #[serde(default)]
    pub value: Option<Operand>,
}

/// `types.SortCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SortBy {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub direction: String,
}

/// The filter as bound, before validation. The JSON body binds straight into it; a query
/// string goes through [`Bound::from_query`].
#[derive(Debug, Default, Deserialize)]
pub struct Bound {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    pub expand: Option<String>,
    #[serde(default)]
    start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_time: Option<DateTime<Utc>>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
    /// `[]*FilterCondition`: `null` elements are skipped.
    #[serde(default)]
    filters: Option<Vec<Option<Condition>>>,
    /// In JSON the list shadows `QueryFilter.Sort` (the shallower field wins), so a string here
    /// fails binding.
    #[serde(default)]
    sort: Option<Vec<Option<SortBy>>>,
    #[serde(default)]
    customer_ids: Option<Vec<String>>,
    #[serde(default)]
    external_ids: Option<Vec<String>>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    email: Option<String>,
    /// Query strings only: gin also copies `sort` into `QueryFilter.Sort`, which the
    /// repository then orders by as a column name that does not exist.
    #[serde(skip)]
    sort_as_column: bool,
}

impl Bound {
    /// gin's `ShouldBindQuery`: repeated keys fill the lists, struct and map fields are JSON.
    pub fn from_query(p: &Params) -> Result<Bound, ApiErr> {
        let json = |name: &str| -> Result<Vec<serde_json::Value>, ApiErr> {
            p.all(name)
                .iter()
                .map(|v| serde_json::from_str(v).map_err(|_| ApiErr::bad_filter()))
                .collect()
        };
        let time = |name: &str| -> Result<Option<DateTime<Utc>>, ApiErr> {
            match p.get(name) {
                None | Some("") => Ok(None),
                Some(v) => DateTime::parse_from_rfc3339(v)
                    .map(|t| Some(t.with_timezone(&Utc)))
                    .map_err(|_| ApiErr::bad_filter()),
            }
        };
        let filters = json("filters")?
            .into_iter()
            .map(|v| serde_json::from_value::<Option<Condition>>(v).map_err(|_| ApiErr::bad_filter()))
            .collect::<Result<Vec<_>, _>>()?;
        let sort = json("sort")?
            .into_iter()
            .map(|v| serde_json::from_value::<Option<SortBy>>(v).map_err(|_| ApiErr::bad_filter()))
            .collect::<Result<Vec<_>, _>>()?;
        let metadata = match p.get("metadata") {
            None => None,
            Some(v) => Some(serde_json::from_str(v).map_err(|_| ApiErr::bad_filter())?),
        };
        Ok(Bound {
            limit: p.parse("limit", ApiErr::bad_filter)?,
            offset: p.parse("offset", ApiErr::bad_filter)?,
            status: p.get("status").map(str::to_string),
            order: p.get("order").map(str::to_string),
            expand: p.get("expand").map(str::to_string),
            start_time: time("start_time")?,
            end_time: time("end_time")?,
            metadata,
            sort_as_column: !sort.is_empty(),
            filters: (!filters.is_empty()).then_some(filters),
            sort: (!sort.is_empty()).then_some(sort),
            customer_ids: p.has("customer_ids").then(|| p.all("customer_ids")),
            external_ids: p.has("external_ids").then(|| p.all("external_ids")),
            external_id: p.get("external_id").map(str::to_string),
            email: p.get("email").map(str::to_string),
        })
    }

    /// The handler's default limit, then `CustomerFilter.Validate` as `GetCustomers` wraps it
    /// (hint "Invalid filter parameters": the message unless an inner error has its own hint).
    pub fn validate(self) -> Result<Query, ApiErr> {
        // `GetLimit() == 0` (no limit, or 0) gets `types.GetDefaultFilter().Limit`.
        let limit = self.limit.filter(|l| *l != 0).unwrap_or(50);
        if !(1..=1000).contains(&limit) {
            return Err(ApiErr::bad_filter().detail("limit", "must be between 1 and 1000"));
        }
        if self.offset.is_some_and(|o| o < 0) {
            return Err(ApiErr::bad_filter().detail("offset", "must be non-negative"));
        }
        if self.order.as_deref().is_some_and(|o| o != "asc" && o != "desc") {
            return Err(ApiErr::bad_filter().detail("order", "must be either 'asc' or 'desc'"));
        }
        if let (Some(s), Some(e)) = (self.start_time, self.end_time)
            && e < s
        {
            return Err(ApiErr::validation("Please provide a valid time range")
                .detail("end_time", "must be after start_time"));
        }
        if let Some(email) = self.email.as_deref().filter(|e| !e.is_empty())
            && !is_valid_email(email)
        {
            return Err(ApiErr::validation("Please provide a valid email"));
        }
        Ok(Query {
            limit,
            offset: self.offset.unwrap_or(0),
            // `GetStatus()` is "" without a status, and the repository then keeps published rows.
            status: self.status.filter(|s| !s.is_empty()),
            ascending: self.order.as_deref() == Some("asc"),
            external_id: self.external_id.filter(|s| !s.is_empty()),
            email: self.email.filter(|s| !s.is_empty()),
            customer_ids: self.customer_ids.unwrap_or_default(),
            external_ids: self.external_ids.unwrap_or_default(),
            metadata: self.metadata.unwrap_or_default(),
            filters: self.filters.unwrap_or_default().into_iter().flatten().collect(),
            sort: self.sort.unwrap_or_default().into_iter().flatten().collect(),
            sort_as_column: self.sort_as_column,
        })
    }
}

/// `types.IsValidEmail`: `^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$`.
fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let Some((host, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    // The regex backtracks over the domain's dots, so any last dot whose tail is letters works.
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b));
    local_ok && host_ok && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A validated filter.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub limit: i64,
    pub offset: i64,
    pub status: Option<String>,
    pub ascending: bool,
    pub external_id: Option<String>,
    pub email: Option<String>,
    pub customer_ids: Vec<String>,
    pub external_ids: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub filters: Vec<Condition>,
    pub sort: Vec<SortBy>,
    pub sort_as_column: bool,
}

/// How the repository fails while building the query, before any row is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// A condition or sort names no column: `unknown field name` marked validation, wrapped
    /// as a database error (two marks, so 400 or 500 at random), hint "Failed to list customers".
    UnknownField,
    /// A condition with an operator but no `value`: the predicate dereferences nil, gin's
    /// recovery answers 500 with an empty body.
    Panic,
    /// Ordering by a column that does not exist: the query fails, 500 `database_error`.
    BadOrder,
}

impl Query {
    /// The repository's failures, in the order `applyEntityQueryOptions` meets them.
    pub fn broken(&self) -> Option<Broken> {
        for c in &self.filters {
            if !is_column(c.field.as_deref().unwrap_or("")) {
                return Some(Broken::UnknownField);
            }
            let dereferences = matches!(
                c.operator.as_deref(),
                Some("eq" | "contains" | "not_contains" | "gt" | "lt" | "in" | "not_in" | "before" | "after")
            );
            if dereferences && c.value.is_none() {
                return Some(Broken::Panic);
            }
        }
        if self.sort.iter().any(|s| !is_column(&s.field)) {
            return Some(Broken::UnknownField);
        }
        self.sort_as_column.then_some(Broken::BadOrder)
    }
}

/// The columns of ent's `customer` table (`customer.ValidColumn`).
const COLUMNS: &[&str] = &[
    "id",
    "tenant_id",
    "status",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "environment_id",
    "metadata",
    "external_id",
    "name",
    "email",
    "contact",
    "address_line1",
    "address_line2",
    "address_city",
    "address_state",
    "address_postal_code",
    "address_country",
    "timezone",
];

fn is_column(field: &str) -> bool {
    COLUMNS.contains(&field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_follows_flexprice_regex() {
        for ok in [
            "a@b.co",
            "billing@acme-corp-000001.example",
            "x.y+z@sub.domain.io",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in ["", "a@b", "a@b.c", "@b.co", "a b@c.co", "a@b.c0", "a@.co"] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn the_default_limit_and_the_next_page_offset_rules() {
        let q = Bound::default().validate().unwrap();
        assert_eq!((q.limit, q.offset, q.ascending), (50, 0, false));
        let zero = Bound {
            limit: Some(0),
            ..Bound::default()
        };
        assert_eq!(zero.validate().unwrap().limit, 50);
        let big = Bound {
            limit: Some(1001),
            ..Bound::default()
        };
        let e = big.validate().unwrap_err();
        assert_eq!(e.message, "Invalid filter parameters");
        assert_eq!(e.details["limit"], "must be between 1 and 1000");
    }

    #[test]
    fn conditions_without_a_column_or_an_operand_break_the_query() {
        let cond = |field: &str, op: &str, value: Option<Operand>| Condition {
            field: Some(field.into()),
            operator: Some(op.into()),
            value,
            ..Condition::default()
        };
        let q = |filters: Vec<Condition>| Query {
            filters,
            ..Query::default()
        };
        assert_eq!(
            q(vec![cond("nope", "eq", None)]).broken(),
            Some(Broken::UnknownField)
        );
        assert_eq!(q(vec![cond("name", "eq", None)]).broken(), Some(Broken::Panic));
        // `gte` has no predicate: the missing operand is never read.
        assert_eq!(q(vec![cond("name", "gte", None)]).broken(), None);
    }
}
