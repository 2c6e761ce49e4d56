//! Row ⇄ record mapping: decimals as exact text, times as microseconds, JSON columns as text.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::types::Type;
use rusqlite::{Row, params};
use rust_decimal::Decimal;

use crate::records::{CustomerRec, TxRec, WalletRec};
use flexprice_wire::models::{
    AlertState, TransactionReason, TransactionStatus, TransactionType, WalletStatus, WalletType,
};
use flexprice_wire::money::wire_text;

pub const WALLET_COLUMNS: &str = "id, customer_id, currency, balance, credit_balance, wallet_status, name, \
     description, metadata, auto_topup, wallet_type, config, conversion_rate, topup_conversion_rate, \
     environment_id, alert_settings, alert_state, tenant_id, status, created_at, updated_at, created_by, \
     updated_by";

pub const TX_COLUMNS: &str = "id, wallet_id, customer_id, type, amount, credit_amount, \
     credit_balance_before, credit_balance_after, transaction_status, reference_type, reference_id, \
     description, metadata, expiry_date, credits_available, transaction_reason, priority, currency, \
     parent_transaction_id, conversion_rate, topup_conversion_rate, idempotency_key, environment_id, \
     tenant_id, status, created_at, updated_at, created_by, updated_by, auto_topup";

pub const CUSTOMER_COLUMNS: &str = "id, external_id, name, email, environment_id, tenant_id, created_at";

/// A decimal's wire text ([`wire_text`]) on the stack: binding one allocates nothing (the
/// bulk load renders five or six a ledger row, millions of them).
pub struct DecText {
    buf: [u8; 48],
    len: usize,
    /// Only if the text ever outgrew the buffer (a decimal's text is at most 31 bytes).
    spilled: Option<String>,
}

impl DecText {
    pub fn new(d: &Decimal) -> DecText {
        use std::io::Write;
        let mut t = DecText {
            buf: [0; 48],
            len: 0,
            spilled: None,
        };
        let mut cursor = std::io::Cursor::new(&mut t.buf[..]);
        if write!(cursor, "{}", d.normalize()).is_ok() {
            t.len = cursor.position() as usize;
        } else {
            t.spilled = Some(wire_text(d));
        }
        t
    }

    pub fn as_str(&self) -> &str {
        match &self.spilled {
            Some(s) => s,
            // Written by `Display`: UTF-8, whole.
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default(),
        }
    }
}

impl rusqlite::ToSql for DecText {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(
            rusqlite::types::ValueRef::Text(self.as_str().as_bytes()),
        ))
    }
}

pub fn micros(t: &DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn conversion(idx: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e))
}

fn dec(row: &Row, idx: usize) -> rusqlite::Result<Decimal> {
    let s: String = row.get(idx)?;
    Decimal::from_str(&s).map_err(|e| conversion(idx, e))
}

fn opt_dec(row: &Row, idx: usize) -> rusqlite::Result<Option<Decimal>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| Decimal::from_str(&s).map_err(|e| conversion(idx, e)))
        .transpose()
}

fn time(row: &Row, idx: usize) -> rusqlite::Result<DateTime<Utc>> {
    let v: i64 = row.get(idx)?;
    DateTime::from_timestamp_micros(v).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, v))
}

fn opt_time(row: &Row, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let v: Option<i64> = row.get(idx)?;
    v.map(|v| DateTime::from_timestamp_micros(v).ok_or(rusqlite::Error::IntegralValueOutOfRange(idx, v)))
        .transpose()
}

fn json<T: serde::de::DeserializeOwned>(row: &Row, idx: usize) -> rusqlite::Result<Option<T>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| serde_json::from_str(&s).map_err(|e| conversion(idx, e)))
        .transpose()
}

fn to_json<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

pub fn wallet(row: &Row) -> rusqlite::Result<WalletRec> {
    Ok(WalletRec {
        id: row.get(0)?,
        customer_id: row.get(1)?,
        currency: row.get(2)?,
        balance: dec(row, 3)?,
        credit_balance: dec(row, 4)?,
        wallet_status: WalletStatus::parse(&row.get::<_, String>(5)?),
        name: row.get(6)?,
        description: row.get(7)?,
        metadata: json(row, 8)?,
        auto_topup: json(row, 9)?,
        wallet_type: WalletType::parse(&row.get::<_, String>(10)?),
        config: json(row, 11)?.unwrap_or_default(),
        conversion_rate: dec(row, 12)?,
        topup_conversion_rate: dec(row, 13)?,
        environment_id: row.get(14)?,
        alert_settings: json(row, 15)?,
        alert_state: AlertState::parse(&row.get::<_, String>(16)?),
        tenant_id: row.get(17)?,
        status: row.get(18)?,
        created_at: time(row, 19)?,
        updated_at: time(row, 20)?,
        created_by: row.get(21)?,
        updated_by: row.get(22)?,
    })
}

/// The wallet's values in `WALLET_COLUMNS` order, as stored, handed to `f` (insert, update,
/// the seeder's bulk load).
pub fn with_wallet_values<R>(w: &WalletRec, f: impl FnOnce(&[&dyn rusqlite::ToSql]) -> R) -> R {
    f(params![
        w.id,
        w.customer_id,
        w.currency,
        DecText::new(&w.balance),
        DecText::new(&w.credit_balance),
        w.wallet_status.as_str(),
        w.name,
        w.description,
        to_json(&w.metadata),
        to_json(&w.auto_topup),
        w.wallet_type.as_str(),
        serde_json::to_string(&w.config).unwrap_or_else(|_| "{}".into()),
        DecText::new(&w.conversion_rate),
        DecText::new(&w.topup_conversion_rate),
        w.environment_id,
        to_json(&w.alert_settings),
        w.alert_state.as_str(),
        w.tenant_id,
        w.status,
        micros(&w.created_at),
        micros(&w.updated_at),
        w.created_by,
        w.updated_by,
    ])
}

pub fn tx(row: &Row) -> rusqlite::Result<TxRec> {
    Ok(TxRec {
        id: row.get(0)?,
        wallet_id: row.get(1)?,
        customer_id: row.get(2)?,
        tx_type: TransactionType::parse(&row.get::<_, String>(3)?),
        amount: dec(row, 4)?,
        credit_amount: dec(row, 5)?,
        credit_balance_before: dec(row, 6)?,
        credit_balance_after: dec(row, 7)?,
        transaction_status: TransactionStatus::parse(&row.get::<_, String>(8)?),
        reference_type: row.get(9)?,
        reference_id: row.get(10)?,
        description: row.get(11)?,
        metadata: json(row, 12)?,
        expiry_date: opt_time(row, 13)?,
        credits_available: dec(row, 14)?,
        transaction_reason: TransactionReason::parse(&row.get::<_, String>(15)?),
        priority: row.get(16)?,
        currency: row.get(17)?,
        parent_transaction_id: row.get(18)?,
        conversion_rate: opt_dec(row, 19)?,
        topup_conversion_rate: opt_dec(row, 20)?,
        idempotency_key: row.get(21)?,
        environment_id: row.get(22)?,
        tenant_id: row.get(23)?,
        status: row.get(24)?,
        created_at: time(row, 25)?,
        updated_at: time(row, 26)?,
        created_by: row.get(27)?,
        updated_by: row.get(28)?,
    })
}

/// Inserts a transaction; the unique index on (environment, key) answers for idempotency.
pub fn insert_tx(stmt: &mut rusqlite::CachedStatement<'_>, t: &TxRec) -> rusqlite::Result<usize> {
    with_tx_values(t, |values| stmt.execute(values))
}

/// The transaction's values in `TX_COLUMNS` order, as stored, handed to `f` (the insert, the
/// seeder's bulk load).
pub fn with_tx_values<R>(t: &TxRec, f: impl FnOnce(&[&dyn rusqlite::ToSql]) -> R) -> R {
    f(params![
        t.id,
        t.wallet_id,
        t.customer_id,
        t.tx_type.as_str(),
        DecText::new(&t.amount),
        DecText::new(&t.credit_amount),
        DecText::new(&t.credit_balance_before),
        DecText::new(&t.credit_balance_after),
        t.transaction_status.as_str(),
        t.reference_type,
        t.reference_id,
        t.description,
        to_json(&t.metadata),
        t.expiry_date.as_ref().map(micros),
        DecText::new(&t.credits_available),
        t.transaction_reason.as_str(),
        t.priority,
        t.currency,
        t.parent_transaction_id,
        t.conversion_rate.as_ref().map(DecText::new),
        t.topup_conversion_rate.as_ref().map(DecText::new),
        t.idempotency_key,
        t.environment_id,
        t.tenant_id,
        t.status,
        micros(&t.created_at),
        micros(&t.updated_at),
        t.created_by,
        t.updated_by,
        t.is_auto_topup(),
    ])
}

pub fn customer(row: &Row) -> rusqlite::Result<CustomerRec> {
    Ok(CustomerRec {
        id: row.get(0)?,
        external_id: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        environment_id: row.get(4)?,
        tenant_id: row.get(5)?,
        created_at: time(row, 6)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stack text is the wire text, to the byte, from the smallest to the largest decimal.
    #[test]
    fn dec_text_is_the_wire_text() {
        let mut values: Vec<Decimal> = [
            "0",
            "1",
            "-1",
            "0.5",
            "100.000000000",
            "-123.456000",
            "1e-9",
            "0.000000001",
            "12345678.9",
        ]
        .iter()
        .map(|s| {
            Decimal::from_scientific(s)
                .or_else(|_| Decimal::from_str(s))
                .unwrap()
        })
        .collect();
        values.extend([
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
            Decimal::new(-1, 28),
        ]);
        values.extend((0..2000).map(|i| Decimal::new(i * 7919 - 500_000, (i % 29) as u32)));
        for d in values {
            assert_eq!(DecText::new(&d).as_str(), wire_text(&d), "{d:?}");
        }
    }
}
