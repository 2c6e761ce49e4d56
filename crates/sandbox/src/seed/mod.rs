//! Seed data: the demo data set of `assets/demo.toml` and `--wallets N` generated wallets, both
//! deterministic (seeded identifiers, a fixed clock) and both built by the real ledger
//! operations in memory, then bulk-loaded.

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
    /// Time spent running the ledger in memory, then loading SQLite.
    pub built_in: std::time::Duration,
    pub loaded_in: std::time::Duration,
}

/// Builds the plan's data in memory with the ledger's own operations.
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

/// Seeds `db` when it holds no wallet yet (a `--db` file keeps what it has).
pub fn seed(db: &mut Db, plan: &SeedPlan, actor: &Actor) -> Result<Option<SeedReport>, ApiErr> {
    if (!plan.demo && plan.wallets == 0) || db.wallet_count()? > 0 {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let mem = build(plan, actor)?;
    let built_in = started.elapsed();
    db.load(&mem.customers, &mem.wallets, &mem.txs, &mem.invoices)?;
    Ok(Some(SeedReport {
        customers: mem.customers.len(),
        wallets: mem.wallets.len(),
        transactions: mem.txs.len(),
        built_in,
        loaded_in: started.elapsed() - built_in,
    }))
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

    #[test]
    fn offsets_parse_and_refuse_nonsense() {
        assert_eq!(offset("-80d"), Ok(Duration::days(-80)));
        assert_eq!(offset("3h"), Ok(Duration::hours(3)));
        assert!(offset("80").is_err());
        assert!(offset("xd").is_err());
    }
}
