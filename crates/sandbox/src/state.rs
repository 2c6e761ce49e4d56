//! The running sandbox's shared state: the database owned by one thread that runs the requests'
//! work in order, the live clock and id generator, the keys, the fault injector, the real-time
//! balance cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;

use super::error::ApiErr;
use super::faults::Faults;
use super::ledger::ports::{Actor, Ids};
use super::store::Db;

/// The real clock at Postgres precision (microseconds), never going backwards, and monotonic
/// ULIDs.
pub struct LiveIds {
    last: DateTime<Utc>,
    ulids: ulid::Generator,
}

impl Default for LiveIds {
    fn default() -> Self {
        LiveIds {
            last: DateTime::<Utc>::UNIX_EPOCH,
            ulids: ulid::Generator::new(),
        }
    }
}

impl Ids for LiveIds {
    fn now(&mut self) -> DateTime<Utc> {
        let now = Utc::now();
        let now = now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now);
        if now > self.last {
            self.last = now;
        }
        self.last
    }

    fn ulid(&mut self) -> String {
        match self.ulids.generate() {
            Ok(u) => u.to_string(),
            Err(_) => ulid::Ulid::generate().to_string(),
        }
    }
}

/// What the database thread owns: everything a write must see consistently.
pub struct Core {
    pub db: Db,
    pub ids: LiveIds,
}

/// The keys the sandbox accepts.
#[derive(Clone)]
pub struct Keys {
    /// Behaves like a key stored in Flexprice's database: bound to the environment.
    pub api_key: String,
    /// Behaves like a key from Flexprice's config file: the environment header is required.
    pub unbound_api_key: Option<String>,
    /// A bound key whose role may not write.
    pub read_only_api_key: Option<String>,
}

/// Work for the database thread.
type Job = Box<dyn FnOnce(&mut Core, &Actor) + Send>;

pub struct AppState {
    jobs: std::sync::mpsc::Sender<Job>,
    pub actor: Actor,
    pub keys: Keys,
    pub faults: Arc<Faults>,
    /// Flexprice's Redis cache of real-time balances: `(balance, when it was cached)`.
    pub balance_cache: Mutex<HashMap<String, (Decimal, Instant)>>,
    /// Decides the 404-or-500 of `PUT /wallets/{unknown}` (Go map iteration order).
    pub coin: Mutex<StdRng>,
    /// Requests served under `/v1` (for measuring how much traffic clients cause).
    pub requests: std::sync::atomic::AtomicU64,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn new(db: Db, actor: Actor, keys: Keys, faults: Arc<Faults>, seed: u64) -> std::io::Result<Self> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let mut core = Core {
            db,
            ids: LiveIds::default(),
        };
        let owner = actor.clone();
        // One thread owns the connection: requests queue instead of contending for a lock, and
        // the async workers never wait on SQLite. It ends when the last sender is gone.
        std::thread::Builder::new()
            .name("sandbox-db".into())
            .spawn(move || {
                for job in queue {
                    let run = std::panic::AssertUnwindSafe(|| job(&mut core, &owner));
                    if std::panic::catch_unwind(run).is_err() {
                        tracing::error!("sandbox: a database job panicked");
                    }
                }
            })?;
        Ok(AppState {
            jobs,
            actor,
            keys,
            faults,
            balance_cache: Mutex::new(HashMap::new()),
            coin: Mutex::new(StdRng::seed_from_u64(seed ^ 0xc0_1d)),
            requests: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Runs `f` on the database thread, after the work queued before it: writes are
    /// serialized and SQLite calls never stall the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiErr>
    where
        T: Send + 'static,
        F: FnOnce(&mut Core, &Actor) -> Result<T, ApiErr> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |core, actor| {
            let _ = reply.send(f(core, actor));
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiErr::internal("An unexpected error occurred"))?;
        answer
            .await
            .map_err(|_| ApiErr::internal("An unexpected error occurred"))?
    }

    pub fn cached_balance(&self, wallet_id: &str, max_live_secs: Option<u64>) -> Option<Decimal> {
        let cache = self.balance_cache.lock().ok()?;
        let (v, at) = cache.get(wallet_id)?;
        match max_live_secs {
            Some(max) if at.elapsed().as_secs() > max => None,
            _ => Some(*v),
        }
    }

    pub fn cache_balance(&self, wallet_id: &str, v: Decimal) {
        if let Ok(mut cache) = self.balance_cache.lock() {
            cache.insert(wallet_id.to_string(), (v, Instant::now()));
        }
    }
}
