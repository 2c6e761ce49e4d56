//! Read queries of the routes: wallet lists, transaction pages with filters, breakdowns,
//! customers.

use std::cmp::Ordering;
use std::str::FromStr;

use rusqlite::{OptionalExtension, ToSql};
use rust_decimal::Decimal;
use serde_json::Value;

use super::Db;
use super::rows::{self, CUSTOMER_COLUMNS, TX_COLUMNS, WALLET_COLUMNS};
use crate::error::ApiErr;
use crate::ledger;
use crate::records::{Breakdown, CustomerRec, TxRec, WalletRec};

/// One condition of the search DSL (`filters`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: String,
    pub operator: String,
    pub data_type: String,
    pub value: Value,
}

/// A transaction page request, after binding and validation.
#[derive(Debug, Clone, Default)]
pub struct TxQuery {
    pub wallet_id: Option<String>,
    pub tx_type: Option<String>,
    pub transaction_status: Option<String>,
    pub transaction_reason: Option<String>,
    pub reference: Option<(String, String)>,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub expiry_before: Option<i64>,
    pub expiry_after: Option<i64>,
    pub credits_available_gt: Option<Decimal>,
    pub priority: Option<i64>,
    pub created_by: Option<String>,
    pub status: Option<String>,
    pub filters: Vec<Condition>,
    pub sort: Vec<(String, bool)>,
    pub ascending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Db {
    pub fn wallets(&self, status: Option<&str>, ids: &[String]) -> Result<Vec<WalletRec>, ApiErr> {
        let mut sql = format!("SELECT {WALLET_COLUMNS} FROM wallets WHERE status = 'published'");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(s) = status {
            args.push(Box::new(s.to_string()));
            sql.push_str(&format!(" AND wallet_status = ?{}", args.len()));
        }
        if !ids.is_empty() {
            let marks: Vec<String> = ids
                .iter()
                .map(|id| {
                    args.push(Box::new(id.clone()));
                    format!("?{}", args.len())
                })
                .collect();
            sql.push_str(&format!(" AND id IN ({})", marks.join(",")));
        }
        sql.push_str(" ORDER BY seq");
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), rows::wallet)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One page of [`Db::wallets`]: at most `limit` wallets after the one at `after_seq`, in
    /// `seq` order, and the last one's `seq` to ask for the next page from. Each page is a range
    /// of the table's own key, so a page costs the same at the end of a million as at the start.
    /// Read through [`Db::scan_conn`]: a list of every wallet leaves the main page cache alone.
    pub fn wallets_page(
        &self,
        status: Option<&str>,
        ids: &[String],
        after_seq: i64,
        limit: usize,
    ) -> Result<(Vec<WalletRec>, i64), ApiErr> {
        let mut sql =
            format!("SELECT {WALLET_COLUMNS}, seq FROM wallets WHERE seq > ?1 AND status = 'published'");
        let mut args: Vec<Box<dyn ToSql>> = vec![Box::new(after_seq)];
        if let Some(s) = status {
            args.push(Box::new(s.to_string()));
            sql.push_str(&format!(" AND wallet_status = ?{}", args.len()));
        }
        if !ids.is_empty() {
            let marks: Vec<String> = ids
                .iter()
                .map(|id| {
                    args.push(Box::new(id.clone()));
                    format!("?{}", args.len())
                })
                .collect();
            sql.push_str(&format!(" AND id IN ({})", marks.join(",")));
        }
        sql.push_str(&format!(" ORDER BY seq LIMIT {limit}"));
        let seq_column = WALLET_COLUMNS.split(',').count();
        let mut st = self.scan_conn()?.prepare_cached(&sql)?;
        let mut last = after_seq;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
            Ok((rows::wallet(r)?, r.get::<_, i64>(seq_column)?))
        })?;
        let mut page = Vec::with_capacity(limit.min(1024));
        for row in rows {
            let (w, seq) = row?;
            last = seq;
            page.push(w);
        }
        Ok((page, last))
    }

    pub fn customer(&self, id: &str) -> Result<Option<CustomerRec>, ApiErr> {
        let mut st = self
            .conn()
            .prepare_cached(&format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = ?1"))?;
        Ok(st.query_row([id], rows::customer).optional()?)
    }

    pub fn customer_by_lookup_key(&self, key: &str) -> Result<Option<CustomerRec>, ApiErr> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE external_id = ?1"
        ))?;
        Ok(st.query_row([key], rows::customer).optional()?)
    }

    /// `credits_available_breakdown`, or `None` when Flexprice's query would fail its scan.
    pub fn breakdown(&self, wallet_id: &str) -> Result<Option<Breakdown>, ApiErr> {
        let mut other = self.conn().prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM wallet_transactions WHERE wallet_id = ?1 AND type = 'credit' \
             AND transaction_status = 'completed' AND status = 'published' AND transaction_reason NOT IN \
             ('PURCHASED_CREDIT_INVOICED','PURCHASED_CREDIT_DIRECT','FREE_CREDIT_GRANT','SUBSCRIPTION_CREDIT_GRANT'))",
        )?;
        if other.query_row([wallet_id], |r| r.get::<_, bool>(0))? {
            return Ok(None);
        }
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE wallet_id = ?1 AND type = 'credit' \
             AND credits_available <> '0' AND transaction_status = 'completed' AND status = 'published'"
        ))?;
        let open = st
            .query_map([wallet_id], rows::tx)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ledger::breakdown(&open))
    }

    /// One page of transactions and the total count. Conditions SQLite can check exactly run
    /// in SQL; decimal comparisons, the DSL and custom sorts run here.
    pub fn transactions(&self, q: &TxQuery) -> Result<(Vec<TxRec>, i64), ApiErr> {
        let mut sql = String::from(" FROM wallet_transactions WHERE 1 = 1");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, v: Box<dyn ToSql>| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(v) = &q.wallet_id {
            push(&mut sql, " AND wallet_id = ?", Box::new(v.clone()));
        }
        if let Some(v) = &q.tx_type {
            push(&mut sql, " AND type = ?", Box::new(v.clone()));
        }
        if let Some(v) = &q.transaction_status {
            push(&mut sql, " AND transaction_status = ?", Box::new(v.clone()));
        }
        if let Some(v) = &q.transaction_reason {
            push(&mut sql, " AND transaction_reason = ?", Box::new(v.clone()));
        }
        if let Some((t, id)) = &q.reference {
            push(&mut sql, " AND reference_type = ?", Box::new(t.clone()));
            push(&mut sql, " AND reference_id = ?", Box::new(id.clone()));
        }
        for (v, clause) in [
            (q.start_time, " AND created_at >= ?"),
            (q.end_time, " AND created_at <= ?"),
            (q.expiry_before, " AND expiry_date <= ?"),
            (q.expiry_after, " AND expiry_date >= ?"),
            (q.priority, " AND priority = ?"),
        ] {
            if let Some(v) = v {
                push(&mut sql, clause, Box::new(v));
            }
        }
        if let Some(v) = &q.created_by {
            push(&mut sql, " AND created_by = ?", Box::new(v.clone()));
        }
        match &q.status {
            Some(s) => push(&mut sql, " AND status = ?", Box::new(s.clone())),
            None => sql.push_str(" AND status IN ('published','archived')"),
        }
        let dir = if q.ascending { "ASC" } else { "DESC" };
        let order = format!(" ORDER BY created_at {dir}, seq {dir}");
        let in_rust = q.credits_available_gt.is_some() || !q.filters.is_empty() || !q.sort.is_empty();
        if !in_rust {
            let total: i64 = self
                .conn()
                .prepare_cached(&format!("SELECT COUNT(*){sql}"))?
                .query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0))?;
            let page_sql = format!(
                "SELECT {TX_COLUMNS}{sql}{order} LIMIT {} OFFSET {}",
                q.limit.max(0),
                q.offset.max(0)
            );
            let mut st = self.conn().prepare_cached(&page_sql)?;
            let items = st
                .query_map(rusqlite::params_from_iter(args.iter()), rows::tx)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            return Ok((items, total));
        }
        let mut st = self.conn().prepare(&format!("SELECT {TX_COLUMNS}{sql}{order}"))?;
        let mut all = st
            .query_map(rusqlite::params_from_iter(args.iter()), rows::tx)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if let Some(gt) = q.credits_available_gt {
            all.retain(|t| t.credits_available > gt);
        }
        if !q.filters.is_empty() {
            let mut kept = Vec::with_capacity(all.len());
            for t in all {
                let v = serde_json::to_value(&t).unwrap_or(Value::Null);
                if q.filters.iter().all(|c| matches(&v, c)) {
                    kept.push(t);
                }
            }
            all = kept;
        }
        if !q.sort.is_empty() {
            let keyed: Vec<(Value, TxRec)> = all
                .into_iter()
                .map(|t| (serde_json::to_value(&t).unwrap_or(Value::Null), t))
                .collect();
            let mut keyed = keyed;
            keyed.sort_by(|(a, _), (b, _)| {
                for (field, asc) in &q.sort {
                    let o = compare(&a[field.as_str()], &b[field.as_str()]);
                    let o = if *asc { o } else { o.reverse() };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
            all = keyed.into_iter().map(|(_, t)| t).collect();
        }
        let total = all.len() as i64;
        let items = all
            .into_iter()
            .skip(q.offset.max(0) as usize)
            .take(q.limit.max(0) as usize)
            .collect();
        Ok((items, total))
    }
}

/// Orders JSON values the way the columns order: decimals (strings that parse) as numbers.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => match (Decimal::from_str(x), Decimal::from_str(y)) {
            (Ok(p), Ok(q)) => p.cmp(&q),
            _ => x.cmp(y),
        },
        (Value::Number(x), Value::Number(y)) => {
            let p = Decimal::from_str(&x.to_string()).unwrap_or_default();
            let q = Decimal::from_str(&y.to_string()).unwrap_or_default();
            p.cmp(&q)
        }
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One DSL condition against a transaction's JSON.
fn matches(tx: &Value, c: &Condition) -> bool {
    let field = &tx[c.field.as_str()];
    let wanted = match c.data_type.as_str() {
        "number" => c.value.get("number").cloned(),
        "date" => c.value.get("date").cloned(),
        "array" => c.value.get("array").cloned(),
        _ => c.value.get("string").cloned(),
    }
    .unwrap_or(Value::Null);
    let list = || wanted.as_array().cloned().unwrap_or_default();
    let ord = || {
        let lhs = match field {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| Value::from(d.timestamp_micros()))
                .unwrap_or_else(|_| field.clone()),
            _ => field.clone(),
        };
        let rhs = match &wanted {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| Value::from(d.timestamp_micros()))
                .unwrap_or_else(|_| wanted.clone()),
            _ => wanted.clone(),
        };
        compare(&lhs, &rhs)
    };
    match c.operator.as_str() {
        "eq" => as_text(field) == as_text(&wanted) || ord() == Ordering::Equal,
        "contains" => as_text(field)
            .to_lowercase()
            .contains(&as_text(&wanted).to_lowercase()),
        "not_contains" => !as_text(field)
            .to_lowercase()
            .contains(&as_text(&wanted).to_lowercase()),
        "gt" | "after" => ord() == Ordering::Greater,
        "lt" | "before" => ord() == Ordering::Less,
        "gte" => ord() != Ordering::Less,
        "in" => list().iter().any(|v| as_text(v) == as_text(field)),
        "not_in" => !list().iter().any(|v| as_text(v) == as_text(field)),
        _ => true,
    }
}
