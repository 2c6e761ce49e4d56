//! The seeder's bulk load: rows streamed into an empty database one batch (one transaction) at
//! a time, the secondary indexes built once at the end, pragmas for a load while it runs, and a
//! marker that tells an interrupted seed from a finished one.
//!
//! The rows arrive rendered ([`Rendered`], made on the threads that built them), so that the one
//! thread that writes only binds and steps: with the texts bound in place (no copy, no
//! allocation a value) and many rows a statement.

use std::ffi::{CStr, CString, c_int};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, ffi, params};

use super::rows::{self, CUSTOMER_COLUMNS, TX_COLUMNS, WALLET_COLUMNS};
use super::{DROP_INDEXES, Db, INDEXES, KEPT_WHILE_LOADING, SCHEMA};
use crate::records::{CustomerRec, TxRec, WalletRec};

/// Present from the first batch until the indexes are built: a database that still has it was
/// left by a seed that never finished (the process died mid-load).
const UNFINISHED: &str = "seed_unfinished";

/// Page cache while loading (KiB). The index builds sort in runs of this size: runs that stay
/// in the CPU's caches merge faster than large ones sort (2 MiB: 5.3 s of CPU for the indexes
/// of 200,000 wallets, 64 MiB: 9.0 s, 256 MiB: 11.0 s). Appending rows needs only the B-trees'
/// right edges.
const LOAD_CACHE_KIB: i64 = 2 * 1024;

/// Rows an insert statement takes at once (the rest of a batch goes one by one).
const ROWS_A_STATEMENT: usize = 16;

const INVOICE_COLUMNS: &str = "id, wallet_transaction_id, customer_id, auto_topup, paid";

/// Rows of one batch, borrowed from whoever built them.
pub struct Batch<'a> {
    pub customers: &'a [CustomerRec],
    pub wallets: &'a [WalletRec],
    pub txs: &'a [TxRec],
    /// `(invoice id, transaction id, customer id, auto top-up, paid)`.
    pub invoices: &'a [(String, String, String, bool, bool)],
}

/// One stored value of a rendered row.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    /// A range of [`Rows::texts`].
    Text(u32, u32),
}

/// A table's rows rendered as SQLite stores them (decimals as text, times as microseconds, JSON
/// as text): every value of every row one after another, the texts in one buffer (UTF-8: every
/// text comes from a Rust string).
#[derive(Default)]
struct Rows {
    width: usize,
    cells: Vec<Cell>,
    texts: Vec<u8>,
}

impl Rows {
    fn push(&mut self, values: &[&dyn ToSql]) -> rusqlite::Result<()> {
        self.width = values.len();
        for v in values {
            let cell = match v.to_sql()? {
                ToSqlOutput::Borrowed(r) => self.cell(r)?,
                ToSqlOutput::Owned(v) => self.cell(ValueRef::from(&v))?,
                _ => return Err(unsupported("a value of another kind")),
            };
            self.cells.push(cell);
        }
        Ok(())
    }

    fn cell(&mut self, v: ValueRef<'_>) -> rusqlite::Result<Cell> {
        Ok(match v {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(i) => Cell::Int(i),
            ValueRef::Real(f) => Cell::Real(f),
            ValueRef::Text(text) => {
                // A `String`'s or `&str`'s bytes (the only texts a record has): no need to check
                // them again (that was 3 % of seeding).
                debug_assert!(std::str::from_utf8(text).is_ok());
                let at = u32::try_from(self.texts.len()).map_err(|_| unsupported("a batch over 4 GiB"))?;
                self.texts.extend_from_slice(text);
                Cell::Text(at, text.len() as u32)
            }
            ValueRef::Blob(_) => return Err(unsupported("a blob")),
        })
    }

    fn rows(&self) -> usize {
        self.cells.len().checked_div(self.width).unwrap_or(0)
    }

    /// Empty, keeping the room it has.
    fn clear(&mut self) {
        self.cells.clear();
        self.texts.clear();
    }
}

fn unsupported(what: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(format!("the bulk load cannot store {what}").into())
}

/// A batch rendered for the load ([`Rows`] for each table), so that the thread that loads only
/// binds and steps, and the records it was made from are freed where they were made. One can
/// be filled again ([`Rendered::fill`]): the seeder passes them round instead of allocating
/// (and growing) a few MB for every batch.
#[derive(Default)]
pub struct Rendered {
    customers: Rows,
    wallets: Rows,
    txs: Rows,
    invoices: Rows,
}

impl Rendered {
    pub fn new(b: Batch<'_>) -> rusqlite::Result<Rendered> {
        let mut r = Rendered::default();
        r.fill(b)?;
        Ok(r)
    }

    /// Renders `b` into this one, in place of what it held.
    pub fn fill(&mut self, b: Batch<'_>) -> rusqlite::Result<()> {
        let r = self;
        for rows in [&mut r.customers, &mut r.wallets, &mut r.txs, &mut r.invoices] {
            rows.clear();
        }
        for c in b.customers {
            r.customers.push(params![
                c.id,
                c.external_id,
                c.name,
                c.email,
                c.environment_id,
                c.tenant_id,
                rows::micros(&c.created_at)
            ])?;
        }
        for w in b.wallets {
            rows::with_wallet_values(w, |values| r.wallets.push(values))?;
        }
        for t in b.txs {
            rows::with_tx_values(t, |values| r.txs.push(values))?;
        }
        for (id, txid, cust, auto, paid) in b.invoices {
            r.invoices.push(params![id, txid, cust, auto, paid])?;
        }
        Ok(())
    }
}

/// A prepared statement of the raw C API: rusqlite copies every text it binds (and allocates
/// for it); these bind the rendered texts where they lie, valid until the step is done.
struct RawStatement {
    db: *mut ffi::sqlite3,
    stmt: *mut ffi::sqlite3_stmt,
}

impl RawStatement {
    fn prepare(conn: &Connection, sql: &str) -> rusqlite::Result<RawStatement> {
        let sql = CString::new(sql).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
        // SAFETY: the handle is the open connection's, which outlives the statement (the load
        // finalizes it before it closes or gives back the connection); `stmt` is written by the
        // call.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        // SAFETY: as above; `sql` is NUL-terminated and lives across the call.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        let prepared = RawStatement { db, stmt };
        prepared.check(rc)?;
        Ok(prepared)
    }

    fn check(&self, rc: c_int) -> rusqlite::Result<()> {
        if rc == ffi::SQLITE_OK || rc == ffi::SQLITE_DONE {
            return Ok(());
        }
        // SAFETY: errmsg reads the connection's last error text, copied before the next call.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }
            .to_string_lossy()
            .into_owned();
        Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some(message)))
    }

    /// Binds `rows` (all of `rows.width` values each, as many rows as the statement takes) from
    /// `rows.texts`, runs the statement and resets it.
    fn run(&mut self, rows: &Rows, cells: &[Cell]) -> rusqlite::Result<()> {
        for (i, cell) in cells.iter().enumerate() {
            let at = (i + 1) as c_int;
            // SAFETY: `stmt` is prepared and not finalized; a text is bound from `rows.texts`,
            // which lives until after the step below, and SQLITE_STATIC tells SQLite not to
            // free it; the bindings are cleared before the texts could go.
            let rc = unsafe {
                match *cell {
                    Cell::Null => ffi::sqlite3_bind_null(self.stmt, at),
                    Cell::Int(v) => ffi::sqlite3_bind_int64(self.stmt, at, v),
                    Cell::Real(v) => ffi::sqlite3_bind_double(self.stmt, at, v),
                    Cell::Text(from, len) => ffi::sqlite3_bind_text(
                        self.stmt,
                        at,
                        rows.texts.as_ptr().add(from as usize).cast(),
                        len as c_int,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            self.check(rc)?;
        }
        // SAFETY: a prepared statement with every parameter bound.
        let stepped = unsafe { ffi::sqlite3_step(self.stmt) };
        // SAFETY: as above; reset keeps the bindings, cleared here so none outlives its text.
        let reset = unsafe {
            ffi::sqlite3_reset(self.stmt);
            ffi::sqlite3_clear_bindings(self.stmt)
        };
        self.check(stepped)?;
        self.check(reset)
    }
}

impl Drop for RawStatement {
    fn drop(&mut self) {
        // SAFETY: finalized once, here; the connection is still open (see `prepare`).
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// One table's inserts: many rows a statement, then one at a time for the rest.
struct TableInsert {
    many: RawStatement,
    one: RawStatement,
}

impl TableInsert {
    fn prepare(db: &Connection, table: &str, columns: &str) -> rusqlite::Result<TableInsert> {
        let width = columns.split(',').count();
        let row = format!("({})", vec!["?"; width].join(","));
        let sql = |n: usize| {
            format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                vec![row.as_str(); n].join(",")
            )
        };
        Ok(TableInsert {
            many: RawStatement::prepare(db, &sql(ROWS_A_STATEMENT))?,
            one: RawStatement::prepare(db, &sql(1))?,
        })
    }

    fn insert(&mut self, rows: &Rows) -> rusqlite::Result<()> {
        if rows.width == 0 {
            return Ok(());
        }
        let n = rows.rows();
        let whole = n - n % ROWS_A_STATEMENT;
        let split = whole * rows.width;
        for cells in rows.cells[..split].chunks(ROWS_A_STATEMENT * rows.width) {
            self.many.run(rows, cells)?;
        }
        for cells in rows.cells[split..].chunks(rows.width) {
            self.one.run(rows, cells)?;
        }
        Ok(())
    }
}

/// An open bulk load. Dropping it without [`BulkLoad::finish`] leaves the marker (in place) or
/// an unfinished side file, so the next start discards the partial data
/// ([`Db::discard_unfinished_seed`], [`side_path`]).
pub struct BulkLoad<'a> {
    /// Declared first: finalized before any connection is closed or handed back.
    inserts: Option<[TableInsert; 4]>,
    /// Loading an empty database file: the file the rows go into instead, which replaces the
    /// database's own once it is complete.
    side: Option<Side>,
    db: &'a mut Db,
    restore: Vec<(&'static str, String)>,
    /// Time spent writing batches and building the indexes.
    pub writing: Duration,
    pub indexing: Duration,
}

/// The file a load into an empty database file fills, beside it.
struct Side {
    conn: Connection,
    path: PathBuf,
}

/// Where the load of an empty database file at `path` goes until it is complete. One left by a
/// load that never finished is deleted at the next open.
pub fn side_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".seeding");
    PathBuf::from(name)
}

/// A file error, as SQLite's own I/O errors read.
fn io_err(what: &str, path: &Path, e: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_IOERR),
        Some(format!("{what} {}: {e}", path.display())),
    )
}

/// Deletes `path` if it is there.
pub(super) fn remove_if_there(path: &Path) -> rusqlite::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err("removing", path, e)),
        _ => Ok(()),
    }
}

fn prepare_inserts(conn: &Connection) -> rusqlite::Result<[TableInsert; 4]> {
    Ok([
        TableInsert::prepare(conn, "customers", CUSTOMER_COLUMNS)?,
        TableInsert::prepare(conn, "wallets", WALLET_COLUMNS)?,
        TableInsert::prepare(conn, "wallet_transactions", TX_COLUMNS)?,
        TableInsert::prepare(conn, "invoices", INVOICE_COLUMNS)?,
    ])
}

impl Db {
    /// Starts a bulk load into this database (which holds no wallet): indexes dropped, load
    /// pragmas set. An empty database file is loaded through a side file instead (see
    /// [`BulkLoad::finish`]).
    pub fn bulk_load(&mut self) -> rusqlite::Result<BulkLoad<'_>> {
        if let Some(path) = self.path.clone()
            && self.is_empty()?
        {
            return self.bulk_load_beside(&path);
        }
        let conn = self.conn();
        let mut restore = Vec::new();
        // Durability buys nothing mid-load: a load that dies is discarded and redone. A file
        // database keeps its WAL, so a crash never leaves a torn file behind.
        for (name, value) in [
            ("synchronous", "OFF".to_string()),
            ("cache_size", (-LOAD_CACHE_KIB).to_string()),
        ] {
            let old: i64 = conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?;
            conn.execute_batch(&format!("PRAGMA {name} = {value}"))?;
            restore.push((name, old.to_string()));
        }
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {UNFINISHED} (since INTEGER); {DROP_INDEXES} {KEPT_WHILE_LOADING}"
        ))?;
        let inserts = prepare_inserts(conn)?;
        Ok(BulkLoad {
            inserts: Some(inserts),
            side: None,
            db: self,
            restore,
            writing: Duration::ZERO,
            indexing: Duration::ZERO,
        })
    }

    /// The load of an empty database file: into a new file beside it, with no journal (the WAL
    /// wrote every page twice, once into the log and once more at each checkpoint, and its index
    /// lookups grew with a load's one big transaction) and no syncing. A load that dies leaves
    /// only the side file; the database file is replaced only by a complete one.
    fn bulk_load_beside(&mut self, path: &Path) -> rusqlite::Result<BulkLoad<'_>> {
        let side = side_path(path);
        remove_if_there(&side)?;
        let conn = Connection::open(&side)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = OFF", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("off") {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_ERROR),
                Some(format!("the seeding file kept journal mode {mode}")),
            ));
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous = OFF; PRAGMA cache_size = {}; {SCHEMA} {KEPT_WHILE_LOADING} \
             CREATE TABLE {UNFINISHED} (since INTEGER);",
            -LOAD_CACHE_KIB
        ))?;
        let inserts = prepare_inserts(&conn)?;
        Ok(BulkLoad {
            inserts: Some(inserts),
            side: Some(Side { conn, path: side }),
            db: self,
            restore: Vec::new(),
            writing: Duration::ZERO,
            indexing: Duration::ZERO,
        })
    }

    /// Whether the database holds no row at all (a file just created, or one a previous start
    /// made without seeding).
    fn is_empty(&self) -> rusqlite::Result<bool> {
        self.conn().query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM customers) AND NOT EXISTS (SELECT 1 FROM wallets) \
             AND NOT EXISTS (SELECT 1 FROM wallet_transactions) AND NOT EXISTS (SELECT 1 FROM invoices)",
            [],
            |r| r.get(0),
        )
    }

    /// Puts the loaded side file in place of this database's (empty) file and opens it.
    fn take_side(&mut self, side: Side) -> rusqlite::Result<()> {
        let Some(path) = self.path.clone() else {
            return Err(unsupported("a side file for an in-memory database"));
        };
        let mode: String = side
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_ERROR),
                Some(format!("the seeded file kept journal mode {mode}")),
            ));
        }
        side.conn.close().map_err(|(_, e)| e)?;
        // Closed, the empty database leaves no log behind; were one left, it would be replayed
        // onto the new file.
        self.checkpointer = None;
        if let Some(scan) = self.scan.take() {
            scan.close().map_err(|(_, e)| e)?;
        }
        let empty = std::mem::replace(&mut self.conn, Connection::open_in_memory()?);
        empty.close().map_err(|(_, e)| e)?;
        for suffix in ["-wal", "-shm"] {
            let mut log = path.as_os_str().to_owned();
            log.push(suffix);
            remove_if_there(Path::new(&log))?;
        }
        std::fs::rename(&side.path, &path).map_err(|e| io_err("renaming", &side.path, e))?;
        self.conn = super::open_file(&path)?;
        self.checkpointer = Some(super::Checkpointer::start(&path)?);
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    /// Whether a seed started and never finished (see [`BulkLoad`]).
    pub fn seed_unfinished(&self) -> rusqlite::Result<bool> {
        self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1)",
            [UNFINISHED],
            |r| r.get(0),
        )
    }

    /// Empties a database an interrupted seed left half-loaded, so that it can be seeded again.
    pub fn discard_unfinished_seed(&mut self) -> rusqlite::Result<()> {
        self.conn().execute_batch(&format!(
            "BEGIN; DELETE FROM invoices; DELETE FROM wallet_transactions; DELETE FROM wallets; \
             DELETE FROM customers; {INDEXES} DROP TABLE IF EXISTS {UNFINISHED}; COMMIT;"
        ))
    }
}

impl BulkLoad<'_> {
    /// Appends one batch in one transaction.
    pub fn write(&mut self, b: &Rendered) -> rusqlite::Result<()> {
        let started = Instant::now();
        let conn = match &self.side {
            Some(side) => &side.conn,
            None => &self.db.conn,
        };
        let Some([customers, wallets, txs, invoices]) = self.inserts.as_mut() else {
            return Err(unsupported("a batch after the load finished"));
        };
        conn.execute_batch("BEGIN")?;
        let written = customers
            .insert(&b.customers)
            .and_then(|()| wallets.insert(&b.wallets))
            .and_then(|()| txs.insert(&b.txs))
            .and_then(|()| invoices.insert(&b.invoices));
        match written {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        self.writing += started.elapsed();
        Ok(())
    }

    /// Builds the indexes (sorting each column once beats keeping them through millions of
    /// inserts), drops the marker and puts the pragmas back; a side file then takes the
    /// database file's place.
    pub fn finish(mut self) -> rusqlite::Result<(Duration, Duration)> {
        self.inserts = None;
        let started = Instant::now();
        let conn = match &self.side {
            Some(side) => &side.conn,
            None => &self.db.conn,
        };
        // The builders are done by now: the index sorts may use every core (SQLite sorts the
        // runs on worker threads while its own thread reads the next).
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        conn.execute_batch(&format!(
            "PRAGMA threads = {threads}; BEGIN; {INDEXES} DROP TABLE {UNFINISHED}; COMMIT; \
             PRAGMA threads = 0;"
        ))?;
        if let Some(side) = self.side.take() {
            self.db.take_side(side)?;
        }
        self.indexing = started.elapsed();
        for (name, old) in std::mem::take(&mut self.restore) {
            self.db.conn().execute_batch(&format!("PRAGMA {name} = {old}"))?;
        }
        Ok((self.writing, self.indexing))
    }
}

impl Drop for BulkLoad<'_> {
    fn drop(&mut self) {
        self.inserts = None;
        if let Some(side) = self.side.take() {
            drop(side.conn);
            if let Err(e) = remove_if_there(&side.path) {
                tracing::warn!(error = %e, "sandbox: cannot remove an unfinished seeding file");
            }
        }
        for (name, old) in std::mem::take(&mut self.restore) {
            if let Err(e) = self.db.conn().execute_batch(&format!("PRAGMA {name} = {old}")) {
                tracing::warn!(error = %e, "sandbox: cannot restore PRAGMA {name} after a bulk load");
            }
        }
    }
}
