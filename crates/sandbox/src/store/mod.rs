//! SQLite storage: the schema, one connection, transactions, and the ledger's store methods.

pub mod bulk;
pub mod queries;
pub mod rows;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;

use super::error::ApiErr;
use super::ledger::ports::LedgerStore;
use super::records::{CustomerRec, TxRec, WalletRec};
use rows::{CUSTOMER_COLUMNS, TX_COLUMNS, WALLET_COLUMNS};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS customers (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    environment_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wallets (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance TEXT NOT NULL,
    credit_balance TEXT NOT NULL,
    wallet_status TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    metadata TEXT,
    auto_topup TEXT,
    wallet_type TEXT NOT NULL,
    config TEXT NOT NULL,
    conversion_rate TEXT NOT NULL,
    topup_conversion_rate TEXT NOT NULL,
    environment_id TEXT NOT NULL,
    alert_settings TEXT,
    alert_state TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_transactions (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    wallet_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    type TEXT NOT NULL,
    amount TEXT NOT NULL,
    credit_amount TEXT NOT NULL,
    credit_balance_before TEXT NOT NULL,
    credit_balance_after TEXT NOT NULL,
    transaction_status TEXT NOT NULL,
    reference_type TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    description TEXT NOT NULL,
    metadata TEXT,
    expiry_date INTEGER,
    credits_available TEXT NOT NULL,
    transaction_reason TEXT NOT NULL,
    priority INTEGER,
    currency TEXT NOT NULL,
    parent_transaction_id TEXT,
    conversion_rate TEXT,
    topup_conversion_rate TEXT,
    idempotency_key TEXT NOT NULL,
    environment_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    auto_topup INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS invoices (
    id TEXT PRIMARY KEY,
    wallet_transaction_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    auto_topup INTEGER NOT NULL,
    paid INTEGER NOT NULL DEFAULT 0
);
";

/// Secondary indexes, kept apart so a bulk load can build them once at the end.
const INDEXES: &str = "
CREATE UNIQUE INDEX IF NOT EXISTS customers_id ON customers(id);
CREATE UNIQUE INDEX IF NOT EXISTS customers_external ON customers(environment_id, external_id);
-- `GET /customers`: one environment's customers newest first, without sorting them all.
CREATE INDEX IF NOT EXISTS customers_listed ON customers(environment_id, tenant_id, created_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS wallets_id ON wallets(id);
CREATE INDEX IF NOT EXISTS wallets_customer ON wallets(customer_id);
CREATE UNIQUE INDEX IF NOT EXISTS wtx_id ON wallet_transactions(id);
-- Flexprice's unique index: one key per environment across all wallets and kinds. Bonus rows
-- carry no key.
CREATE UNIQUE INDEX IF NOT EXISTS wtx_idempotency
    ON wallet_transactions(environment_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS wtx_wallet_created ON wallet_transactions(wallet_id, created_at, seq);
CREATE INDEX IF NOT EXISTS wtx_open_credits ON wallet_transactions(wallet_id)
    WHERE type = 'credit' AND credits_available <> '0';
CREATE INDEX IF NOT EXISTS wtx_auto_topup ON wallet_transactions(wallet_id, created_at) WHERE auto_topup = 1;
";

const DROP_INDEXES: &str = "
DROP INDEX IF EXISTS customers_id; DROP INDEX IF EXISTS customers_external; DROP INDEX IF EXISTS customers_listed;
DROP INDEX IF EXISTS wallets_id; DROP INDEX IF EXISTS wallets_customer;
DROP INDEX IF EXISTS wtx_id; DROP INDEX IF EXISTS wtx_idempotency; DROP INDEX IF EXISTS wtx_wallet_created;
DROP INDEX IF EXISTS wtx_open_credits; DROP INDEX IF EXISTS wtx_auto_topup;
";

/// An in-memory database that stays as fast at a million transactions as at a thousand.
///
/// SQLite's own `:memory:` keeps every page in its page cache, and its B-tree rebalancing
/// parks a page under a temporary page number far past the end (the pending-byte page); the
/// commit after that drops the pages past the end by walking the cache's whole hash table, so
/// a top-up's commit cost grew with the ledger (a fifth of the database thread after ~30,000
/// top-ups, half of it at 200,000). The `memdb` VFS keeps the database in one buffer instead,
/// behind an ordinary, small page cache, so that walk stays short. The name has no leading
/// `/`: the database is private to this connection, never shared with another sandbox in the
/// same process. The rollback journal and temporary tables stay in memory too (the VFS would
/// otherwise put them on disk).
fn open_memory() -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags("file:flexwallet-sandbox?vfs=memdb", flags)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = MEMORY", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("memory") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(format!("the in-memory database kept journal mode {mode}")),
        ));
    }
    conn.execute_batch(&format!(
        "PRAGMA temp_store = MEMORY; PRAGMA cache_size = {MEMORY_CACHE_PAGES};"
    ))?;
    // memdb caps a database at 1 GiB unless told otherwise; a sandbox burning for days may need
    // more, and running out is SQLITE_FULL on a top-up.
    let mut limit: i64 = MEMORY_LIMIT_BYTES;
    // SAFETY: the handle is this open connection's; SQLITE_FCNTL_SIZE_LIMIT reads and writes
    // the i64 it is given, which lives across the call.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_SIZE_LIMIT,
            (&raw mut limit).cast(),
        )
    };
    if rc != rusqlite::ffi::SQLITE_OK {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rc),
            None,
        ));
    }
    Ok(conn)
}

/// Pages the in-memory database's cache holds (4 KiB each): the B-trees' upper levels; leaves
/// are copied in from the buffer as needed.
const MEMORY_CACHE_PAGES: u32 = 128;
/// The most an in-memory database may grow to.
const MEMORY_LIMIT_BYTES: i64 = 64 << 30;

/// The sandbox database: one connection, writes serialized by its owner's mutex.
pub struct Db {
    conn: Connection,
    depth: u32,
}

impl Db {
    /// In memory when `path` is `None`; a file (WAL) survives restarts.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Db> {
        let conn = match path {
            Some(p) => {
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
            None => open_memory()?,
        };
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(INDEXES)?;
        Ok(Db { conn, depth: 0 })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn wallet_count(&self) -> rusqlite::Result<i64> {
        self.conn
            .query_row("SELECT COUNT(*) FROM wallets", [], |r| r.get(0))
    }

    pub fn insert_customer(&mut self, c: &CustomerRec) -> rusqlite::Result<()> {
        self.conn.execute(
            &format!("INSERT INTO customers ({CUSTOMER_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7)"),
            params![
                c.id,
                c.external_id,
                c.name,
                c.email,
                c.environment_id,
                c.tenant_id,
                rows::micros(&c.created_at)
            ],
        )?;
        Ok(())
    }
}

fn insert_wallet_sql() -> String {
    let n = WALLET_COLUMNS.split(',').count();
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO wallets ({WALLET_COLUMNS}) VALUES ({})",
        marks.join(",")
    )
}

fn insert_tx_sql() -> String {
    let n = TX_COLUMNS.split(',').count();
    let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO wallet_transactions ({TX_COLUMNS}) VALUES ({})",
        marks.join(",")
    )
}

fn update_wallet_sql() -> String {
    let sets: Vec<String> = WALLET_COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(1)
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    format!("UPDATE wallets SET {} WHERE id = ?1", sets.join(", "))
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

impl LedgerStore for Db {
    fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, ApiErr>) -> Result<T, ApiErr> {
        if self.depth > 0 {
            self.depth += 1;
            let r = f(self);
            self.depth -= 1;
            return r;
        }
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.depth = 1;
        let r = f(self);
        self.depth = 0;
        match r {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                if let Err(rb) = self.conn.execute_batch("ROLLBACK") {
                    tracing::error!(error = %rb, "sandbox: rollback failed");
                }
                Err(e)
            }
        }
    }

    fn wallet(&mut self, id: &str) -> Result<Option<WalletRec>, ApiErr> {
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {WALLET_COLUMNS} FROM wallets WHERE id = ?1"))?;
        Ok(st.query_row([id], rows::wallet).optional()?)
    }

    fn insert_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr> {
        let mut st = self.conn.prepare_cached(&insert_wallet_sql())?;
        rows::with_wallet_values(w, |values| st.execute(values))?;
        Ok(())
    }

    fn update_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr> {
        let mut st = self.conn.prepare_cached(&update_wallet_sql())?;
        rows::with_wallet_values(w, |values| st.execute(values))?;
        Ok(())
    }

    fn insert_tx(&mut self, tx: &TxRec) -> Result<bool, ApiErr> {
        let mut st = self.conn.prepare_cached(&insert_tx_sql())?;
        match rows::insert_tx(&mut st, tx) {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn update_tx(&mut self, tx: &TxRec) -> Result<(), ApiErr> {
        let mut st = self.conn.prepare_cached(
            "UPDATE wallet_transactions SET transaction_status = ?2, credit_balance_before = ?3, \
             credit_balance_after = ?4, credits_available = ?5, updated_at = ?6, updated_by = ?7 WHERE id = ?1",
        )?;
        st.execute(params![
            tx.id,
            tx.transaction_status.as_str(),
            flexprice_wire::money::wire_text(&tx.credit_balance_before),
            flexprice_wire::money::wire_text(&tx.credit_balance_after),
            flexprice_wire::money::wire_text(&tx.credits_available),
            rows::micros(&tx.updated_at),
            tx.updated_by,
        ])?;
        Ok(())
    }

    fn tx(&mut self, id: &str) -> Result<Option<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE id = ?1"
        ))?;
        Ok(st.query_row([id], rows::tx).optional()?)
    }

    fn open_credits(&mut self, wallet_id: &str) -> Result<Vec<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE wallet_id = ?1 AND type = 'credit' \
             AND credits_available <> '0' AND transaction_status = 'completed' AND status = 'published'"
        ))?;
        let rows = st.query_map([wallet_id], rows::tx)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn last_auto_topup(&mut self, wallet_id: &str) -> Result<Option<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE wallet_id = ?1 AND auto_topup = 1 \
             ORDER BY created_at DESC, seq DESC LIMIT 1"
        ))?;
        Ok(st.query_row([wallet_id], rows::tx).optional()?)
    }

    fn pending_auto_topup_invoice(&mut self, customer_id: &str) -> Result<bool, ApiErr> {
        let mut st = self.conn.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM invoices WHERE customer_id = ?1 AND auto_topup = 1 AND paid = 0)",
        )?;
        Ok(st.query_row([customer_id], |r| r.get(0))?)
    }

    fn insert_invoice(&mut self, invoice_id: &str, tx_id: &str, auto_topup: bool) -> Result<(), ApiErr> {
        let mut st = self.conn.prepare_cached(
            "INSERT INTO invoices (id, wallet_transaction_id, customer_id, auto_topup, paid) \
             SELECT ?1, id, customer_id, ?3, 0 FROM wallet_transactions WHERE id = ?2",
        )?;
        st.execute(params![invoice_id, tx_id, auto_topup])?;
        Ok(())
    }

    fn active_wallets_of(&mut self, customer_id: &str) -> Result<Vec<WalletRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {WALLET_COLUMNS} FROM wallets WHERE customer_id = ?1 AND wallet_status = 'active' \
             AND status = 'published' ORDER BY seq"
        ))?;
        let rows = st.query_map([customer_id], rows::wallet)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn customer_by_external_id(&mut self, external_id: &str) -> Result<Option<CustomerRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE external_id = ?1"
        ))?;
        Ok(st.query_row([external_id], rows::customer).optional()?)
    }
}

/// Sum of a list of exact decimals (SQLite cannot add text decimals exactly).
pub fn sum(values: impl IntoIterator<Item = Decimal>) -> Decimal {
    values.into_iter().fold(Decimal::ZERO, |a, b| a + b)
}
