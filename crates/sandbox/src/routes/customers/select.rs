//! The customer repository's reads (`internal/repository/ent/customer.go`) on SQLite: one
//! customer by id or external id, and a filtered page with its total.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use rusqlite::ToSql;

use super::filter::{Operand, Query};
use crate::error::ApiErr;
use crate::ledger::ports::Actor;
use crate::records::CustomerRec;
use crate::store::Db;
use crate::store::rows::{self, CUSTOMER_COLUMNS};

/// A customer's column as the search sees it.
enum Cell<'a> {
    Text(Option<&'a str>),
    Time(DateTime<Utc>),
    /// `metadata` (jsonb): the sandbox's customers have none.
    Null,
}

/// What the sandbox keeps of a customer, column by column: the rest are Go's zero values and
/// the ent defaults the response shows too (see `CustomerOut`).
fn cell<'a>(c: &'a CustomerRec, user: &'a str, field: &str) -> Cell<'a> {
    match field {
        "id" => Cell::Text(Some(&c.id)),
        "tenant_id" => Cell::Text(Some(&c.tenant_id)),
        "status" => Cell::Text(Some("published")),
        "created_at" | "updated_at" => Cell::Time(c.created_at),
        "created_by" | "updated_by" => Cell::Text(Some(user)),
        "environment_id" => Cell::Text(Some(&c.environment_id)),
        "external_id" => Cell::Text(Some(&c.external_id)),
        "name" => Cell::Text(Some(&c.name)),
        "email" => Cell::Text(Some(&c.email)),
        "timezone" => Cell::Text(Some("UTC")),
        "contact" | "metadata" => Cell::Null,
        _ => Cell::Text(Some("")),
    }
}

/// `predicateFromFilter`: `None` when the operator and operand make no predicate (Flexprice
/// drops the condition). Operands of the wrong kind for the column match nothing.
fn keep(cell: &Cell, op: &str, v: &Operand) -> Option<bool> {
    let text = match cell {
        Cell::Text(t) => *t,
        _ => None,
    };
    match op {
        "eq" => Some(if let Some(s) = &v.string {
            match cell {
                Cell::Text(Some(t)) => t == s,
                Cell::Time(t) => DateTime::parse_from_rfc3339(s).is_ok_and(|d| d == *t),
                _ => false,
            }
        } else if v.number.is_none() && v.boolean.is_none() {
            matches!((cell, v.date), (Cell::Time(t), Some(d)) if *t == d)
        } else {
            false
        }),
        "contains" | "not_contains" => v.string.as_ref().map(|s| {
            text.is_some_and(|t| t.to_lowercase().contains(&s.to_lowercase()) == (op == "contains"))
        }),
        "gt" | "lt" => v.number.map(|_| false),
        "in" | "not_in" => v
            .array
            .as_ref()
            .filter(|a| !a.is_empty())
            .map(|a| text.is_some_and(|t| a.iter().any(|x| x == t) == (op == "in"))),
        "before" | "after" => v.date.map(|d| match cell {
            Cell::Time(t) if op == "before" => *t < d,
            Cell::Time(t) => *t > d,
            _ => false,
        }),
        _ => None,
    }
}

/// Postgres orders NULL after every value.
fn compare(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Text(Some(x)), Cell::Text(Some(y))) => x.cmp(y),
        (Cell::Time(x), Cell::Time(y)) => x.cmp(y),
        (Cell::Text(None) | Cell::Null, Cell::Text(None) | Cell::Null) => Ordering::Equal,
        (Cell::Text(None) | Cell::Null, _) => Ordering::Greater,
        (_, Cell::Text(None) | Cell::Null) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

/// A customer of the caller's tenant and environment by id, whatever its status (`Get`), or by
/// external id among the published ones (`GetByLookupKey`; every sandbox customer is published).
pub fn one(db: &Db, actor: &Actor, by: Lookup, value: &str) -> Result<Option<CustomerRec>, ApiErr> {
    let column = match by {
        Lookup::Id => "id",
        Lookup::ExternalId => "external_id",
    };
    let mut st = db.conn().prepare_cached(&format!(
        "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {column} = ?1 AND tenant_id = ?2 \
         AND environment_id = ?3 ORDER BY seq LIMIT 1"
    ))?;
    let mut rows = st.query_map(
        rusqlite::params![value, actor.tenant_id, actor.environment_id],
        rows::customer,
    )?;
    Ok(rows.next().transpose()?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Id,
    ExternalId,
}

/// One page and the total count (`List` then `Count`), newest first unless `order=asc`.
pub fn select(db: &Db, actor: &Actor, q: &Query) -> Result<(Vec<CustomerRec>, i64), ApiErr> {
    // Every sandbox customer is published and has no metadata.
    let other_status = q.status.as_deref().is_some_and(|s| s != "published");
    if other_status || !q.metadata.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let mut sql = String::from(" FROM customers WHERE tenant_id = ?1 AND environment_id = ?2");
    let mut args: Vec<Box<dyn ToSql>> = vec![
        Box::new(actor.tenant_id.clone()),
        Box::new(actor.environment_id.clone()),
    ];
    let mut push = |sql: &mut String, clause: &str, values: &[String]| {
        let marks: Vec<String> = values
            .iter()
            .map(|v| {
                args.push(Box::new(v.clone()));
                format!("?{}", args.len())
            })
            .collect();
        sql.push_str(&clause.replace('?', &marks.join(",")));
    };
    if let Some(v) = &q.external_id {
        push(&mut sql, " AND external_id = ?", std::slice::from_ref(v));
    }
    if let Some(v) = &q.email {
        push(&mut sql, " AND email = ?", std::slice::from_ref(v));
    }
    if !q.customer_ids.is_empty() {
        push(&mut sql, " AND id IN (?)", &q.customer_ids);
    }
    if !q.external_ids.is_empty() {
        push(&mut sql, " AND external_id IN (?)", &q.external_ids);
    }
    let dir = if q.ascending { "ASC" } else { "DESC" };
    let order = format!(" ORDER BY created_at {dir}, seq {dir}");
    let (limit, offset) = (q.limit.max(0), q.offset.max(0));
    if q.filters.is_empty() && q.sort.is_empty() {
        let total: i64 = db
            .conn()
            .prepare_cached(&format!("SELECT COUNT(*){sql}"))?
            .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
        let mut st = db.conn().prepare_cached(&format!(
            "SELECT {CUSTOMER_COLUMNS}{sql}{order} LIMIT {limit} OFFSET {offset}"
        ))?;
        let items = st
            .query_map(rusqlite::params_from_iter(args.iter()), rows::customer)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok((items, total));
    }
    let mut st = db
        .conn()
        .prepare(&format!("SELECT {CUSTOMER_COLUMNS}{sql}{order}"))?;
    let mut all = st
        .query_map(rusqlite::params_from_iter(args.iter()), rows::customer)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let user = actor.user_id.as_str();
    all.retain(|c| {
        q.filters.iter().all(|f| {
            let (field, op, value) = match (&f.field, &f.operator, &f.value) {
                (Some(field), Some(op), Some(value)) => (field, op, value),
                _ => return true,
            };
            keep(&cell(c, user, field), op, value).unwrap_or(true)
        })
    });
    // The DSL's sorts come first; the default created_at order (already applied) breaks ties.
    all.sort_by(|a, b| {
        for s in &q.sort {
            let o = compare(&cell(a, user, &s.field), &cell(b, user, &s.field));
            let o = if s.direction == "desc" { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
    let total = all.len() as i64;
    let items = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok((items, total))
}
