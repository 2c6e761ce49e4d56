//! Seed data: the demo data set of `assets/demo.toml` and `--wallets N` generated wallets, both
//! deterministic (seeded identifiers, a fixed clock) and both built by the real ledger
//! operations in memory, a chunk at a time, each chunk bulk-loaded as soon as it is built (so
//! a million wallets never sit in memory at once).

pub mod demo;
pub mod generate;
pub mod memstore;

use std::str::FromStr;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::error::ApiErr;
use super::ledger::ports::{Actor, Ids};
use super::records::CustomerRec;
use super::store::Db;
use super::store::bulk::{Batch, Rendered};
use memstore::MemStore;

/// The seeded histories end here: fixed, so that the same seed gives the same wallets.
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// A settable clock and ULIDs drawn from a seeded generator.
pub struct SeedIds {
    rng: StdRng,
    clock: DateTime<Utc>,
}

impl SeedIds {
    pub fn new(seed: u64) -> Self {
        SeedIds {
            rng: StdRng::seed_from_u64(seed),
            clock: base_time(),
        }
    }

    pub fn set_clock(&mut self, t: DateTime<Utc>) {
        self.clock = t;
    }

    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }
}

impl Ids for SeedIds {
    fn now(&mut self) -> DateTime<Utc> {
        // Each call moves a millisecond on, so a history's rows keep their order by time.
        let t = self.clock;
        self.clock += Duration::milliseconds(1);
        t
    }

    fn ulid(&mut self) -> String {
        let ms = self.clock.timestamp_millis().max(0) as u64;
        ulid::Ulid::from_parts(ms, self.rng.random::<u128>()).to_string()
    }
}

/// What to seed into an empty database.
#[derive(Debug, Clone, Default)]
pub struct SeedPlan {
    pub demo: bool,
    pub wallets: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SeedReport {
    pub customers: usize,
    pub wallets: usize,
    pub transactions: usize,
    /// Time the loader waited for the ledger to build chunks (building that overlapped the
    /// loading is not counted), then time spent in SQLite: writing rows and building indexes.
    pub built_in: std::time::Duration,
    pub loaded_in: std::time::Duration,
}

/// Builds the plan's data in memory with the ledger's own operations (all of it at once: for
/// tests and small plans; [`seed`] streams).
pub fn build(plan: &SeedPlan, actor: &Actor) -> Result<MemStore, ApiErr> {
    let mut store = MemStore::default();
    if plan.demo {
        demo::apply(&mut store, actor)?;
    }
    if plan.wallets > 0 {
        generate::apply(&mut store, actor, plan.wallets, plan.seed)?;
    }
    Ok(store)
}

/// Seeds `db` when it holds no wallet yet (a `--db` file keeps what it has; one an interrupted
/// seed left half-loaded is emptied and seeded again). The rows go in chunk by chunk, in the
/// same order as [`build`] puts them, so the database is the same as loading [`build`]'s.
pub fn seed(db: &mut Db, plan: &SeedPlan, actor: &Actor) -> Result<Option<SeedReport>, ApiErr> {
    if db.seed_unfinished()? {
        tracing::warn!("sandbox: the database holds an interrupted seed; seeding it again");
        db.discard_unfinished_seed()?;
    }
    if (!plan.demo && plan.wallets == 0) || db.wallet_count()? > 0 {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let mut report = SeedReport::default();
    let mut load = db.bulk_load()?;
    // Rendered batches go round: the loader hands each one back once written, and the next
    // chunk is rendered into it (a few MB each, never allocated and freed again).
    let spare: std::sync::Mutex<Vec<Rendered>> = std::sync::Mutex::new(Vec::new());
    let spare_one = || {
        spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    };
    let mut write = |(rows, counts): (Rendered, [usize; 3])| -> Result<(), ApiErr> {
        load.write(&rows)?;
        report.customers += counts[0];
        report.wallets += counts[1];
        report.transactions += counts[2];
        spare
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(rows);
        Ok(())
    };
    if plan.demo {
        let mut mem = MemStore::default();
        demo::apply(&mut mem, actor)?;
        write(render(&mem, spare_one())?)?;
    }
    if plan.wallets > 0 {
        let prepare = |mem: &mut MemStore| render(mem, spare_one());
        generate::each_chunk(actor, plan.wallets, plan.seed, prepare, &mut write)?;
    }
    let (writing, indexing) = load.finish()?;
    report.loaded_in = writing + indexing;
    report.built_in = started.elapsed().saturating_sub(report.loaded_in);
    tracing::info!(
        waited = ?report.built_in,
        writing = ?writing,
        indexing = ?indexing,
        "sandbox: seeded {} wallets",
        report.wallets
    );
    Ok(Some(report))
}

/// A chunk's rows as the load binds them (rendered into `rows`), and how many of each there are.
fn render(mem: &MemStore, mut rows: Rendered) -> Result<(Rendered, [usize; 3]), ApiErr> {
    rows.fill(Batch {
        customers: &mem.customers,
        wallets: &mem.wallets,
        txs: &mem.txs,
        invoices: &mem.invoices,
    })?;
    Ok((rows, [mem.customers.len(), mem.wallets.len(), mem.txs.len()]))
}

pub fn customer(ids: &mut SeedIds, actor: &Actor, external_id: &str, name: &str, email: &str) -> CustomerRec {
    let created_at = ids.now();
    CustomerRec {
        id: format!("cust_{}", ids.ulid()),
        external_id: external_id.to_string(),
        name: name.to_string(),
        email: email.to_string(),
        environment_id: actor.environment_id.clone(),
        tenant_id: actor.tenant_id.clone(),
        created_at,
    }
}

/// `"-80d"`, `"-3h"`, `"-90m"`, `"+30d"`: an offset from the base time.
pub fn offset(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not an offset like -80d, -3h or -90m"))?;
    match unit {
        "d" => Ok(Duration::days(n)),
        "h" => Ok(Duration::hours(n)),
        "m" => Ok(Duration::minutes(n)),
        _ => Err(format!("{text:?}: the unit must be d, h or m")),
    }
}

pub fn dec(text: &str) -> Result<Decimal, String> {
    Decimal::from_str(text.trim()).map_err(|_| format!("{text:?} is not a decimal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor() -> Actor {
        Actor {
            tenant_id: "t".into(),
            environment_id: "e".into(),
            user_id: "u".into(),
        }
    }

    fn all<T>(db: &Db, table: &str, columns: &str, row: fn(&rusqlite::Row) -> rusqlite::Result<T>) -> Vec<T> {
        let mut st = db
            .conn()
            .prepare(&format!("SELECT {columns} FROM {table} ORDER BY seq"))
            .unwrap();
        st.query_map([], row).unwrap().map(Result::unwrap).collect()
    }

    /// Streamed chunk by chunk (the demo, then more than one chunk of generated wallets), the
    /// database holds exactly what building it all in memory gives, in the same order.
    #[test]
    fn seeding_streams_the_same_rows_as_building_in_memory() {
        use crate::store::rows::{self, CUSTOMER_COLUMNS, TX_COLUMNS, WALLET_COLUMNS};
        // Not the demo's own seed (7), whose wallets would be the same as the demo's filler.
        let plan = SeedPlan {
            demo: true,
            wallets: 4500,
            seed: 11,
        };
        let mem = build(&plan, &actor()).unwrap();
        let mut db = Db::open(None).unwrap();
        let report = seed(&mut db, &plan, &actor()).unwrap().unwrap();
        assert_eq!(
            (report.customers, report.wallets, report.transactions),
            (mem.customers.len(), mem.wallets.len(), mem.txs.len())
        );
        assert!(all(&db, "customers", CUSTOMER_COLUMNS, rows::customer) == mem.customers);
        assert!(all(&db, "wallets", WALLET_COLUMNS, rows::wallet) == mem.wallets);
        assert!(all(&db, "wallet_transactions", TX_COLUMNS, rows::tx) == mem.txs);
        let invoices: Vec<memstore::InvoiceRow> = db
            .conn()
            .prepare("SELECT id, wallet_transaction_id, customer_id, auto_topup, paid FROM invoices ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(invoices, mem.invoices);
        assert!(!db.seed_unfinished().unwrap());
        assert!(
            seed(&mut db, &plan, &actor()).unwrap().is_none(),
            "a seeded database stays"
        );
    }

    /// A load that stopped halfway is thrown away and seeded again at the next start.
    #[test]
    fn an_interrupted_seed_is_seeded_again() {
        let plan = SeedPlan {
            demo: false,
            wallets: 300,
            seed: 1,
        };
        let mem = build(&plan, &actor()).unwrap();
        let mut db = Db::open(None).unwrap();
        {
            let mut load = db.bulk_load().unwrap();
            let half = crate::store::bulk::Rendered::new(Batch {
                customers: &mem.customers,
                wallets: &mem.wallets[..100],
                txs: &[],
                invoices: &[],
            })
            .unwrap();
            load.write(&half).unwrap();
            // Dropped unfinished, as when the process dies mid-seed.
        }
        assert!(db.seed_unfinished().unwrap());
        assert_eq!(db.wallet_count().unwrap(), 100);
        let report = seed(&mut db, &plan, &actor()).unwrap().unwrap();
        assert_eq!(report.wallets, 300);
        assert_eq!(db.wallet_count().unwrap(), 300);
        assert!(!db.seed_unfinished().unwrap());
    }

    /// A database file in the system's temporary directory, removed with its companions (log,
    /// shared memory, side file) when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str) -> TempFile {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            TempFile(std::env::temp_dir().join(format!(
                "flexprice-sandbox-{name}-{}-{nanos}.db",
                std::process::id()
            )))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            for suffix in ["", "-wal", "-shm", ".seeding"] {
                let mut p = self.0.as_os_str().to_owned();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }

    fn index_names(db: &Db) -> Vec<String> {
        let mut st = db
            .conn()
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' \
                 ORDER BY name",
            )
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// An empty database file is seeded through a file beside it, without a journal, which then
    /// takes its place: the same rows as building in memory, every index, WAL again, nothing
    /// left beside it; reopened, it is served as seeded and not seeded again.
    #[test]
    fn seeding_an_empty_file_goes_through_a_side_file() {
        use crate::store::bulk::side_path;
        use crate::store::rows::{self, CUSTOMER_COLUMNS, TX_COLUMNS, WALLET_COLUMNS};
        let plan = SeedPlan {
            demo: true,
            wallets: 2500,
            seed: 3,
        };
        let mem = build(&plan, &actor()).unwrap();
        let file = TempFile::new("side");
        let mut db = Db::open(Some(&file.0)).unwrap();
        let report = seed(&mut db, &plan, &actor()).unwrap().unwrap();
        assert_eq!(
            (report.customers, report.wallets, report.transactions),
            (mem.customers.len(), mem.wallets.len(), mem.txs.len())
        );
        assert!(all(&db, "customers", CUSTOMER_COLUMNS, rows::customer) == mem.customers);
        assert!(all(&db, "wallets", WALLET_COLUMNS, rows::wallet) == mem.wallets);
        assert!(all(&db, "wallet_transactions", TX_COLUMNS, rows::tx) == mem.txs);
        assert!(!side_path(&file.0).exists());
        let mode: String = db
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(index_names(&db), index_names(&Db::open(None).unwrap()));
        assert!(!db.seed_unfinished().unwrap());
        drop(db);
        let mut again = Db::open(Some(&file.0)).unwrap();
        assert_eq!(again.wallet_count().unwrap() as usize, mem.wallets.len());
        assert!(seed(&mut again, &plan, &actor()).unwrap().is_none());
    }

    /// What a seed that died left beside the file is deleted at the next open, and the file
    /// (still empty) is seeded again.
    #[test]
    fn a_side_file_left_behind_is_deleted() {
        use crate::store::bulk::side_path;
        let file = TempFile::new("left");
        drop(Db::open(Some(&file.0)).unwrap());
        std::fs::write(side_path(&file.0), b"half a seed").unwrap();
        let mut db = Db::open(Some(&file.0)).unwrap();
        assert!(!side_path(&file.0).exists());
        let plan = SeedPlan {
            demo: false,
            wallets: 300,
            seed: 1,
        };
        assert_eq!(seed(&mut db, &plan, &actor()).unwrap().unwrap().wallets, 300);
        assert_eq!(db.wallet_count().unwrap(), 300);
    }

    /// A load into a file that stops before it finishes (an error mid-seed) removes its side
    /// file and leaves the database file as it was: empty, not marked.
    #[test]
    fn an_unfinished_load_into_a_file_leaves_it_empty() {
        use crate::store::bulk::side_path;
        let plan = SeedPlan {
            demo: false,
            wallets: 100,
            seed: 1,
        };
        let mem = build(&plan, &actor()).unwrap();
        let file = TempFile::new("unfinished");
        let mut db = Db::open(Some(&file.0)).unwrap();
        {
            let mut load = db.bulk_load().unwrap();
            let rows = Rendered::new(Batch {
                customers: &mem.customers,
                wallets: &mem.wallets,
                txs: &mem.txs,
                invoices: &mem.invoices,
            })
            .unwrap();
            load.write(&rows).unwrap();
            assert!(side_path(&file.0).exists());
        }
        assert!(!side_path(&file.0).exists());
        assert_eq!(db.wallet_count().unwrap(), 0);
        assert!(!db.seed_unfinished().unwrap());
    }

    /// A file that already holds rows (a customer, no wallet) is seeded in place: its rows stay.
    #[test]
    fn a_file_with_rows_is_seeded_in_place() {
        let file = TempFile::new("inplace");
        let mut db = Db::open(Some(&file.0)).unwrap();
        let mut ids = SeedIds::new(5);
        let mut kept = customer(&mut ids, &actor(), "kept-1", "Kept Corp", "billing@kept.example");
        kept.id = "cust_kept".into();
        db.insert_customer(&kept).unwrap();
        let plan = SeedPlan {
            demo: false,
            wallets: 200,
            seed: 2,
        };
        assert_eq!(seed(&mut db, &plan, &actor()).unwrap().unwrap().wallets, 200);
        assert_eq!(db.wallet_count().unwrap(), 200);
        assert_eq!(db.customer("cust_kept").unwrap(), Some(kept));
    }

    #[test]
    fn offsets_parse_and_refuse_nonsense() {
        assert_eq!(offset("-80d"), Ok(Duration::days(-80)));
        assert_eq!(offset("3h"), Ok(Duration::hours(3)));
        assert!(offset("80").is_err());
        assert!(offset("xd").is_err());
    }
}
