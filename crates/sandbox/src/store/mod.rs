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

/// The one secondary index a bulk load keeps up as it goes: it takes a row in a hundred, and
/// building it at the end would read the whole ledger once more for it.
macro_rules! kept_while_loading {
    () => {
        "CREATE INDEX IF NOT EXISTS wtx_auto_topup ON wallet_transactions(wallet_id, created_at) \
         WHERE auto_topup = 1;"
    };
}
const KEPT_WHILE_LOADING: &str = kept_while_loading!();

/// Secondary indexes, kept apart so a bulk load can build them once at the end.
const INDEXES: &str = concat!(
    "
CREATE UNIQUE INDEX IF NOT EXISTS customers_id ON customers(id);
CREATE UNIQUE INDEX IF NOT EXISTS customers_external ON customers(environment_id, external_id);
-- `GET /customers`: one environment's customers newest first, without sorting them all.
CREATE INDEX IF NOT EXISTS customers_listed ON customers(environment_id, tenant_id, created_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS wallets_id ON wallets(id);
CREATE INDEX IF NOT EXISTS wallets_customer ON wallets(customer_id);
CREATE UNIQUE INDEX IF NOT EXISTS wtx_id ON wallet_transactions(id);
-- Flexprice's unique index: one key per environment across all wallets and kinds. Bonus rows
-- carry no key. The key comes first: keys differ where environments rarely do, and building the
-- index after a seed then sorts on one column instead of two (5.4 million rows: 7.7 s of CPU
-- instead of 9.8).
CREATE UNIQUE INDEX IF NOT EXISTS wtx_idempotency
    ON wallet_transactions(idempotency_key, environment_id) WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS wtx_wallet_created ON wallet_transactions(wallet_id, created_at, seq);
-- The search over every wallet by time (the change feed, the timeline, the runway's pass): a
-- range of this, in order and counted from the index alone, instead of a scan and a sort of the
-- whole ledger per page. Its condition is the searches' own default, word for word, so SQLite
-- takes it for them.
CREATE INDEX IF NOT EXISTS wtx_created ON wallet_transactions(created_at, seq)
    WHERE status IN ('published','archived');
CREATE INDEX IF NOT EXISTS wtx_open_credits ON wallet_transactions(wallet_id)
    WHERE type = 'credit' AND credits_available <> '0';
",
    kept_while_loading!(),
    "
-- The auto top-up trigger asks whether an invoice of the customer is still unpaid: without
-- this, a scan of every invoice (110,000 at a million wallets) each time an invoiced auto
-- top-up is due.
CREATE INDEX IF NOT EXISTS invoices_auto_unpaid ON invoices(customer_id) WHERE auto_topup = 1 AND paid = 0;
"
);

const DROP_INDEXES: &str = "
DROP INDEX IF EXISTS customers_id; DROP INDEX IF EXISTS customers_external; DROP INDEX IF EXISTS customers_listed;
DROP INDEX IF EXISTS wallets_id; DROP INDEX IF EXISTS wallets_customer;
DROP INDEX IF EXISTS wtx_id; DROP INDEX IF EXISTS wtx_idempotency; DROP INDEX IF EXISTS wtx_wallet_created;
DROP INDEX IF EXISTS wtx_open_credits; DROP INDEX IF EXISTS invoices_auto_unpaid; DROP INDEX IF EXISTS wtx_created;
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

/// A database file, as the sandbox serves it: WAL, never synced, and a page cache for a large
/// ledger.
///
/// Not synced (`synchronous = OFF`): every commit is written to the log before the reply, so the
/// file survives the sandbox's restarts and crashes, but nothing waits for the disk. With
/// SQLite's `NORMAL`, each checkpoint (every 1,000 pages of log, about every 150 top-ups) waited
/// for the pages it copied to reach the disk; at a million wallets a top-up's pages are spread
/// over a 3.7 GB file, so each checkpoint wrote hundreds of them and held every request queued
/// behind it (top-ups at concurrency 8 and 32: half a fresh sandbox's rate for the same CPU a
/// request, p99 44 and 133 ms; 2026-12-03). A mock has no use for surviving the machine's own
/// crash.
fn open_file(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "OFF")?;
    c.pragma_update(None, "cache_size", -FILE_CACHE_KIB)?;
    // The log is copied back by [`Checkpointer`]; a commit checkpoints only if the log has grown
    // far past that (the checkpointer stopped or fell behind).
    c.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES)?;
    Ok(c)
}

/// Log pages past which a commit checkpoints on its own (SQLite's default is 1,000).
const BACKSTOP_CHECKPOINT_PAGES: i64 = 50_000;

/// How often [`Checkpointer`] copies the log back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Copies a database file's write-ahead log back into it on a thread of its own (`PASSIVE`
/// checkpoints: they never wait for, nor hold up, the database thread's reads and writes).
///
/// SQLite's own checkpoint runs inside the commit that crosses 1,000 log pages, so one request
/// in about 150 top-ups waited for it. At a million wallets the pages a run of top-ups touches
/// lie all over a 3.9 GB file, so each of those checkpoints wrote hundreds of scattered pages:
/// the aged sandbox kept a fresh one's median latency and CPU a request, with a p99 twice as
/// long and a lower rate (c8: 10–18 ms vs 5–10 ms, 77 %). With this thread: 6.5–12.5 vs
/// 7.5–8.8 ms (2026-12-03, BENCHMARKS.md).
struct Checkpointer {
    stop: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(path: &Path) -> rusqlite::Result<Checkpointer> {
        let conn = Connection::open(path)?;
        let stop = std::sync::Arc::new((std::sync::Mutex::new(false), std::sync::Condvar::new()));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sandbox-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*flag;
                let mut stopped = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                loop {
                    stopped = wake
                        .wait_timeout(stopped, CHECKPOINT_EVERY)
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .0;
                    if *stopped {
                        break;
                    }
                    // Busy: another checkpoint (a commit's, past the backstop) is running.
                    match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        Err(rusqlite::Error::SqliteFailure(f, _))
                            if f.code == rusqlite::ErrorCode::DatabaseBusy => {}
                        Err(e) => tracing::warn!(error = %e, "sandbox: checkpoint failed"),
                        Ok(()) => {}
                    }
                }
            })
            .map_err(|e| {
                rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                    Some(format!("starting the checkpoint thread: {e}")),
                )
            })?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Page cache of a database file (KiB). SQLite's default, 2 MiB (500 pages), held neither the
/// upper levels of a million wallets' B-trees nor the leaves a run of top-ups keeps touching (a
/// wallet's row and its entries in three indexes), and every miss is a `pread`: at a million
/// wallets 8 % of the database thread's time, 0.04 % with this cache (2026-12-03, top-ups over
/// 1,000 wallets). Reading every page once (the whole wallet list) fills it: the RSS of a
/// sandbox on a file grows by this much at most.
const FILE_CACHE_KIB: i64 = 64 * 1024;

/// Page cache of the connection that reads the wallet list of a database file (KiB).
const SCAN_CACHE_KIB: i64 = 2 * 1024;

/// The sandbox database: one connection, writes serialized by its owner's mutex.
pub struct Db {
    conn: Connection,
    depth: u32,
    /// The file, when not in memory.
    path: Option<std::path::PathBuf>,
    /// A second connection to the file, for reading the whole wallet list: a million wallets'
    /// pages pass through its small cache instead of evicting, from the main one, the pages the
    /// top-ups keep using (and growing the RSS by the main cache's size). Opened when first
    /// needed; an in-memory database reads its list through `conn`.
    scan: std::cell::OnceCell<Connection>,
    /// A database file's log copier (none in memory).
    checkpointer: Option<Checkpointer>,
}

impl Db {
    /// In memory when `path` is `None`; a file (WAL) survives restarts.
    pub fn open(path: Option<&Path>) -> rusqlite::Result<Db> {
        let conn = match path {
            Some(p) => {
                // What a seed that never finished left beside the file (the file itself is still
                // as that start found it).
                bulk::remove_if_there(&bulk::side_path(p))?;
                open_file(p)?
            }
            None => open_memory()?,
        };
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(INDEXES)?;
        Ok(Db {
            conn,
            depth: 0,
            path: path.map(Path::to_path_buf),
            scan: std::cell::OnceCell::new(),
            checkpointer: path.map(Checkpointer::start).transpose()?,
        })
    }

    /// The connection that reads the whole wallet list (see [`Db::scan`]). Every write is
    /// committed by the time it reads (the database thread runs one job at a time), so it sees
    /// what `conn` sees.
    pub(crate) fn scan_conn(&self) -> rusqlite::Result<&Connection> {
        let Some(path) = &self.path else {
            return Ok(&self.conn);
        };
        if self.scan.get().is_none() {
            let c = Connection::open(path)?;
            c.execute_batch(&format!(
                "PRAGMA query_only = 1; PRAGMA cache_size = {};",
                -SCAN_CACHE_KIB
            ))?;
            c.set_prepared_statement_cache_capacity(8);
            let _ = self.scan.set(c);
        }
        Ok(self.scan.get().unwrap_or(&self.conn))
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

/// Every column but the key and the owner (`?2`, bound but unused): a wallet never changes
/// customer, and setting an indexed column, even to its own value, rewrites its index entry (one
/// more page written and checkpointed a top-up, a random one in a million wallets).
fn update_wallet_sql() -> String {
    let sets: Vec<String> = WALLET_COLUMNS
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(1)
        .filter(|(_, c)| *c != "customer_id")
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    format!("UPDATE wallets SET {} WHERE id = ?1", sets.join(", "))
}

fn wallet_sql() -> String {
    format!("SELECT {WALLET_COLUMNS} FROM wallets WHERE id = ?1")
}

fn tx_sql() -> String {
    format!("SELECT {TX_COLUMNS} FROM wallet_transactions WHERE id = ?1")
}

fn open_credits_sql() -> String {
    format!(
        "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE wallet_id = ?1 AND type = 'credit' \
         AND credits_available <> '0' AND transaction_status = 'completed' AND status = 'published'"
    )
}

fn last_auto_topup_sql() -> String {
    format!(
        "SELECT {TX_COLUMNS} FROM wallet_transactions WHERE wallet_id = ?1 AND auto_topup = 1 \
         ORDER BY created_at DESC, seq DESC LIMIT 1"
    )
}

const PENDING_AUTO_TOPUP_INVOICE: &str =
    "SELECT EXISTS (SELECT 1 FROM invoices WHERE customer_id = ?1 AND auto_topup = 1 AND paid = 0)";

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
        let mut st = self.conn.prepare_cached(&wallet_sql())?;
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

    fn draw_credit(
        &mut self,
        id: &str,
        credits_available: Decimal,
        at: chrono::DateTime<chrono::Utc>,
        by: &str,
    ) -> Result<(), ApiErr> {
        let mut st = self.conn.prepare_cached(
            "UPDATE wallet_transactions SET credits_available = ?2, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
        )?;
        st.execute(params![
            id,
            flexprice_wire::money::wire_text(&credits_available),
            rows::micros(&at),
            by,
        ])?;
        Ok(())
    }

    fn tx(&mut self, id: &str) -> Result<Option<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&tx_sql())?;
        Ok(st.query_row([id], rows::tx).optional()?)
    }

    fn open_credits(&mut self, wallet_id: &str) -> Result<Vec<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&open_credits_sql())?;
        let rows = st.query_map([wallet_id], rows::tx)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn last_auto_topup(&mut self, wallet_id: &str) -> Result<Option<TxRec>, ApiErr> {
        let mut st = self.conn.prepare_cached(&last_auto_topup_sql())?;
        Ok(st.query_row([wallet_id], rows::tx).optional()?)
    }

    fn pending_auto_topup_invoice(&mut self, customer_id: &str) -> Result<bool, ApiErr> {
        let mut st = self.conn.prepare_cached(PENDING_AUTO_TOPUP_INVOICE)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What SQLite plans for `sql`, one step a line.
    fn plan(db: &Db, sql: &str) -> Vec<String> {
        explain(db, &format!("EXPLAIN QUERY PLAN {sql}"), |r| r.get(3))
    }

    /// The rows of an `EXPLAIN` of a statement with parameters (left unbound).
    fn explain<T>(db: &Db, sql: &str, row: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>) -> Vec<T> {
        let mut st = db.conn().prepare(sql).unwrap();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().unwrap() {
            out.push(row(r).unwrap());
        }
        out
    }

    /// Every read of a top-up, a debit and the auto top-up trigger finds its rows through an
    /// index: none walks a table, whose cost would grow with the ledger (the unpaid auto top-up
    /// invoice check read every invoice: 110,000 at a million wallets).
    #[test]
    fn the_ledger_reads_no_whole_table() {
        let db = Db::open(None).unwrap();
        for sql in [
            wallet_sql(),
            tx_sql(),
            open_credits_sql(),
            last_auto_topup_sql(),
            PENDING_AUTO_TOPUP_INVOICE.to_string(),
            update_wallet_sql(),
        ] {
            let steps = plan(&db, &sql);
            assert!(
                steps
                    .iter()
                    .all(|s| !s.starts_with("SCAN ") || s == "SCAN CONSTANT ROW"),
                "{sql}\n{steps:?}"
            );
        }
    }

    /// A database file's log is copied back by the checkpoint thread, not by a commit: rows
    /// committed (far fewer log pages than a commit's own checkpoint waits for) reach the
    /// database file within a moment, with no request paying for it.
    #[test]
    fn the_log_is_copied_back_off_the_request_path() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "flexprice-sandbox-checkpoint-{}-{nanos}.db",
            std::process::id()
        ));
        let db = Db::open(Some(&path)).unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        std::thread::sleep(CHECKPOINT_EVERY * 3);
        let before = size();
        db.conn()
            .execute_batch(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
                 INSERT INTO invoices (id, wallet_transaction_id, customer_id, auto_topup) \
                 SELECT 'inv_' || i, 'wtx_' || i, 'cust_' || i, 0 FROM n;",
            )
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while size() == before && std::time::Instant::now() < deadline {
            std::thread::sleep(CHECKPOINT_EVERY);
        }
        let after = size();
        drop(db);
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
        assert!(after > before, "the database file stayed at {before} bytes");
    }

    /// A wallet's update leaves its customer's index alone: the customer never changes, and
    /// setting the column, even to the same value, rewrote the index entry (a page more a
    /// top-up to write and checkpoint, at a random place among a million wallets).
    #[test]
    fn updating_a_wallet_does_not_rewrite_its_customer_index() {
        let db = Db::open(None).unwrap();
        let root: i64 = db
            .conn()
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'wallets_customer'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let written: Vec<(String, i64)> = explain(&db, &format!("EXPLAIN {}", update_wallet_sql()), |r| {
            Ok((r.get(1)?, r.get(3)?))
        })
        .into_iter()
        .filter(|(op, _): &(String, i64)| op == "OpenWrite")
        .collect();
        assert!(!written.is_empty(), "the update opens the table to write");
        assert!(
            written.iter().all(|(_, page)| *page != root),
            "the update writes the customer index: {written:?}"
        );
    }
}
