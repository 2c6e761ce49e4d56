//! `--wallets N --seed S`: N wallets spread over customers, currencies (usd, eur and the
//! credits-only `crd`), wallet types, statuses, alert settings and states, auto top-ups, with
//! histories of free and purchased grants, debits, expiries and pending invoiced top-ups.

use chrono::Duration;
use rand::Rng;
use rust_decimal::Decimal;

use super::memstore::MemStore;
use super::{SeedIds, base_time, customer};
use crate::error::ApiErr;
use crate::ledger::lifecycle::{self, NewWallet};
use crate::ledger::ops::{self, Debit};
use crate::ledger::ports::{Actor, Ids};
use crate::ledger::topup::{self, TopUp};
use crate::records::{AutoTopup, Cooldown};
use flexprice_wire::models::{
    AlertCondition, AlertSettings, AlertThreshold, Metadata, TransactionReason, WalletType,
};

const COMPANIES: [&str; 24] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Aperture",
    "Massive Dynamic",
    "Pied Piper",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Nakatomi",
    "Duff",
    "Prestige",
    "Sirius",
    "Blue Sun",
    "Virtucon",
];
const SUFFIXES: [&str; 8] = [
    "Corp",
    "Labs",
    "Inc",
    "Systems",
    "Analytics",
    "Cloud",
    "AI",
    "Logistics",
];
/// Currency, wallet type: each customer holds at most one active wallet of each.
const KINDS: [(&str, WalletType); 5] = [
    ("usd", WalletType::PrePaid),
    ("eur", WalletType::PrePaid),
    ("crd", WalletType::PrePaid),
    ("usd", WalletType::PostPaid),
    ("eur", WalletType::PostPaid),
];

fn money(rng: &mut impl Rng, lo: f64, hi: f64) -> Decimal {
    // Log-uniform, two decimals: balances span orders of magnitude like real ones.
    let x = (lo.ln() + rng.random::<f64>() * (hi.ln() - lo.ln())).exp();
    Decimal::from_f64_retain(x)
        .unwrap_or(Decimal::ONE)
        .round_dp(2)
        .normalize()
}

fn level(threshold: Decimal) -> Option<AlertThreshold> {
    Some(AlertThreshold {
        threshold: threshold.round_dp(0).max(Decimal::ZERO),
        condition: AlertCondition::Below,
    })
}

/// Thresholds placed around the planned final balance so the states come out mixed.
fn alert_settings(rng: &mut impl Rng, balance: Decimal) -> Option<AlertSettings> {
    let roll: f64 = rng.random();
    if roll < 0.35 {
        return None;
    }
    let b = balance.max(Decimal::ONE);
    let pct = |p: i64| b * Decimal::new(p, 2);
    let (c, w, i) = match rng.random_range(0..4) {
        0 => (pct(120), pct(250), pct(500)),
        1 => (pct(30), pct(150), pct(300)),
        2 => (pct(10), pct(50), pct(120)),
        _ => (pct(5), pct(10), pct(20)),
    };
    Some(AlertSettings {
        critical: level(c),
        warning: level(w),
        info: if rng.random_bool(0.6) { level(i) } else { None },
        alert_enabled: Some(roll >= 0.45),
    })
}

/// Wallets per independently seeded chunk: chunks build in parallel and are handed on in order,
/// so the result depends on the seed only, never on the number of threads. Part of what a seed
/// means: changing it changes every generated data set.
const CHUNK: usize = 2000;

/// Chunks built ahead of the one being written, per building thread: enough to keep the
/// builders busy while the writer works, few enough that memory stays flat (a chunk is a few
/// MB).
const AHEAD_PER_THREAD: usize = 2;

/// Builds `n` wallets into `store` (for the demo's filler and for tests; the sandbox's own
/// seeding streams them with [`each_chunk`]).
pub fn apply(store: &mut MemStore, actor: &Actor, n: usize, seed: u64) -> Result<(), ApiErr> {
    each_chunk(
        actor,
        n,
        seed,
        |mem| Ok(std::mem::take(mem)),
        |mem| {
            store.append(mem);
            Ok(())
        },
    )
}

/// Builds `n` wallets chunk by chunk on worker threads, turns each chunk into what `sink`
/// takes with `prepare` (still on the worker), and hands them to `sink` in order, on the
/// calling thread. At most a few chunks exist at a time, so memory does not grow with `n`; an
/// error from a chunk, `prepare` or `sink` stops the builders and is returned. Each worker
/// builds its chunks in one store, emptied between chunks (what `prepare` leaves in it is
/// dropped there): its tables keep their room, and the allocator is not asked for (and then
/// made to give back) a few MB per chunk.
pub fn each_chunk<T: Send>(
    actor: &Actor,
    n: usize,
    seed: u64,
    prepare: impl Fn(&mut MemStore) -> Result<T, ApiErr> + Sync,
    mut sink: impl FnMut(T) -> Result<(), ApiErr>,
) -> Result<(), ApiErr> {
    let chunks = n.div_ceil(CHUNK);
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .min(chunks.max(1));
    let window = Window::new(threads * AHEAD_PER_THREAD);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut store = MemStore::with_capacity(CHUNK);
                while let Some(k) = window.claim(chunks) {
                    let size = CHUNK.min(n - k * CHUNK);
                    store.clear();
                    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        chunk(&mut store, actor, size, seed, k)?;
                        prepare(&mut store)
                    }))
                    .unwrap_or_else(|_| Err(ApiErr::internal("a seeding thread panicked")));
                    window.deliver(k, built);
                }
            });
        }
        let mut written = || -> Result<(), ApiErr> {
            for k in 0..chunks {
                sink(window.take(k)?)?;
            }
            Ok(())
        };
        let r = written();
        // Whatever happened, the builders must stop before the scope can end.
        window.stop();
        r
    })
}

/// The chunks between the builders and the writer: which to build next, which are built, and
/// how far ahead of the writer the builders may go.
struct Window<T> {
    state: std::sync::Mutex<WindowState<T>>,
    /// Signalled when a chunk is built (the writer waits) or the writer moves on (builders wait).
    changed: std::sync::Condvar,
    ahead: usize,
}

struct WindowState<T> {
    next_claim: usize,
    next_take: usize,
    built: std::collections::BTreeMap<usize, Result<T, ApiErr>>,
    stopped: bool,
}

impl<T> Window<T> {
    fn new(ahead: usize) -> Self {
        Window {
            state: std::sync::Mutex::new(WindowState {
                next_claim: 0,
                next_take: 0,
                built: std::collections::BTreeMap::new(),
                stopped: false,
            }),
            changed: std::sync::Condvar::new(),
            ahead: ahead.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, WindowState<T>> {
        // A builder's panic is caught before it could poison the lock; take the state anyway.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The next chunk to build, waiting while the builders are far enough ahead; `None` when
    /// every chunk is claimed or the writer stopped.
    fn claim(&self, chunks: usize) -> Option<usize> {
        let mut s = self.lock();
        loop {
            if s.stopped || s.next_claim >= chunks {
                return None;
            }
            if s.next_claim < s.next_take + self.ahead {
                s.next_claim += 1;
                return Some(s.next_claim - 1);
            }
            s = self
                .changed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn deliver(&self, k: usize, chunk: Result<T, ApiErr>) {
        self.lock().built.insert(k, chunk);
        self.changed.notify_all();
    }

    /// Chunk `k`, once built.
    fn take(&self, k: usize) -> Result<T, ApiErr> {
        let mut s = self.lock();
        loop {
            if let Some(chunk) = s.built.remove(&k) {
                s.next_take = k + 1;
                drop(s);
                self.changed.notify_all();
                return chunk;
            }
            s = self
                .changed
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn stop(&self) {
        let mut s = self.lock();
        s.stopped = true;
        s.built.clear();
        drop(s);
        self.changed.notify_all();
    }
}

/// Builds chunk `k` (of `n` wallets) into `store`, which is empty.
fn chunk(store: &mut MemStore, actor: &Actor, n: usize, seed: u64, k: usize) -> Result<(), ApiErr> {
    let mut ids = SeedIds::new(seed ^ 0x5eed_0000_0000_0001 ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let base = base_time();
    let mut made = 0usize;
    let mut customer_no = k * CHUNK;
    while made < n {
        customer_no += 1;
        let rng = ids.rng();
        let company = COMPANIES[rng.random_range(0..COMPANIES.len())];
        let suffix = SUFFIXES[rng.random_range(0..SUFFIXES.len())];
        let name = format!("{company} {suffix}");
        let slug = format!("{}-{customer_no:06}", name.to_lowercase().replace(' ', "-"));
        let wallets_here = rng.random_range(1..=3usize).min(n - made);
        let joined = base - Duration::days(rng.random_range(40..200));
        ids.set_clock(joined);
        let email = format!("billing@{}.example", slug);
        let cust = customer(&mut ids, actor, &slug, &name, &email);
        let customer_id = cust.id.clone();
        store.add_customer(cust);
        let mut kinds: Vec<usize> = (0..KINDS.len()).collect();
        for j in 0..wallets_here {
            let pick = ids.rng().random_range(j..kinds.len());
            kinds.swap(j, pick);
            let (currency, wallet_type) = KINDS[kinds[j]].clone();
            one_wallet(
                store,
                &mut ids,
                actor,
                &customer_id,
                currency,
                wallet_type,
                joined,
            )?;
            made += 1;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn one_wallet(
    store: &mut MemStore,
    ids: &mut SeedIds,
    actor: &Actor,
    customer_id: &str,
    currency: &str,
    wallet_type: WalletType,
    joined: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiErr> {
    let base = base_time();
    let rng = ids.rng();
    let target = if rng.random_bool(0.08) {
        Decimal::ZERO
    } else {
        money(rng, 5.0, 50_000.0)
    };
    let rate = match (currency, rng.random_range(0..10)) {
        ("crd", _) | (_, 0..=6) => Decimal::ONE,
        (_, 7) => Decimal::new(5, 1),
        (_, 8) => Decimal::TWO,
        _ => Decimal::new(25, 2),
    };
    let topup_rate = if rng.random_bool(0.15) {
        rate * Decimal::new(125, 2)
    } else {
        rate
    };
    let auto_topup = (wallet_type == WalletType::PrePaid && rng.random_bool(0.2)).then(|| AutoTopup {
        enabled: Some(rng.random_bool(0.8)),
        threshold: Some((target * Decimal::new(5, 1)).round_dp(0)),
        amount: Some(money(rng, 100.0, 5000.0).round_dp(0).max(Decimal::ONE)),
        invoicing: Some(rng.random_bool(0.3)),
        cooldown: rng.random_bool(0.5).then(|| Cooldown {
            value: rng.random_range(1..60),
            unit: "minute".into(),
        }),
    });
    let alerts = alert_settings(rng, target);
    let spent = (target * Decimal::new(rng.random_range(20..300), 2)).round_dp(2);
    let grants_total = target + spent;
    let free_share = Decimal::new(rng.random_range(10..40), 2);
    let free = (grants_total * free_share).round_dp(2).max(Decimal::ONE);
    let purchases = rng.random_range(1..=3usize);
    let debits = if spent > Decimal::ZERO {
        rng.random_range(1..=4usize)
    } else {
        0
    };
    let expiring = rng.random_bool(0.05);
    let pending = rng.random_bool(0.1);
    let credit_note = rng.random_bool(0.03);
    let closed = rng.random_bool(0.05);
    let created = joined + Duration::days(rng.random_range(0..20));
    let span = (base - created).num_minutes().max(60);
    let steps = (purchases + debits + 3) as i64;
    let at = |j: i64| created + Duration::minutes(span * j / steps);

    ids.set_clock(created);
    let w = lifecycle::create(
        store,
        ids,
        actor,
        NewWallet {
            customer_id: customer_id.to_string(),
            currency: currency.to_string(),
            wallet_type: Some(wallet_type),
            conversion_rate: rate,
            topup_conversion_rate: Some(topup_rate),
            initial_credits: free,
            alert_settings: alerts,
            auto_topup,
            metadata: Some(Metadata::from([("plan".to_string(), "growth".to_string())])),
            ..Default::default()
        },
    )?;
    let mut step = 1;
    if expiring {
        ids.set_clock(at(step));
        let expiry = ids_in_days(ids, 3);
        let grant = grant(
            store,
            ids,
            actor,
            &w.id,
            "25",
            TransactionReason::FreeCreditGrant,
            Some(expiry),
        )?;
        ids.set_clock(at(step) + Duration::days(4));
        ops::expire_credit(store, ids, actor, &grant)?;
    }
    let mut left = grants_total - free;
    for p in 0..purchases {
        step += 1;
        ids.set_clock(at(step));
        let part = if p + 1 == purchases {
            left
        } else {
            (left * Decimal::new(ids.rng().random_range(20..60), 2)).round_dp(2)
        };
        left -= part;
        if part > Decimal::ZERO {
            let reason = if p == 1 && credit_note {
                TransactionReason::CreditNote
            } else if p == 2 {
                TransactionReason::SubscriptionCreditGrant
            } else {
                TransactionReason::PurchasedCreditDirect
            };
            grant(store, ids, actor, &w.id, &part.to_string(), reason, None)?;
        }
    }
    let mut to_spend = spent;
    for d in 0..debits {
        step += 1;
        ids.set_clock(at(step));
        let part = if d + 1 == debits {
            to_spend
        } else {
            (to_spend * Decimal::new(ids.rng().random_range(10..50), 2)).round_dp(2)
        };
        to_spend -= part;
        if part > Decimal::ZERO {
            let key = format!("inv_pay_{}", ids.ulid());
            ops::debit(
                store,
                ids,
                actor,
                &w.id,
                Debit {
                    credits: part,
                    reason: TransactionReason::InvoicePayment,
                    description: format!("Invoice payment {}", &key[8..18]),
                    metadata: None,
                    idempotency_key: key,
                },
            )?;
        }
    }
    if pending {
        let hours = ids.rng().random_range(1..72);
        ids.set_clock(base - Duration::hours(hours));
        let credits = money(ids.rng(), 100.0, 10_000.0).round_dp(0).max(Decimal::ONE);
        grant(
            store,
            ids,
            actor,
            &w.id,
            &credits.to_string(),
            TransactionReason::PurchasedCreditInvoiced,
            None,
        )?;
    }
    if closed {
        let hours = ids.rng().random_range(1..48);
        ids.set_clock(base - Duration::hours(hours));
        lifecycle::terminate(store, ids, actor, &w.id)?;
    }
    Ok(())
}

fn ids_in_days(ids: &mut SeedIds, days: i64) -> chrono::DateTime<chrono::Utc> {
    let now = ids.now();
    now + Duration::days(days)
}

/// A top-up through the API's own path; returns the transaction id.
pub fn grant(
    store: &mut MemStore,
    ids: &mut SeedIds,
    actor: &Actor,
    wallet_id: &str,
    credits: &str,
    reason: TransactionReason,
    expiry: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<String, ApiErr> {
    let key = format!("seed_{}", ids.ulid());
    let credits = super::dec(credits).map_err(ApiErr::validation)?;
    let done = topup::top_up(
        store,
        ids,
        actor,
        wallet_id,
        TopUp {
            credits_to_add: credits,
            transaction_reason: reason.as_str().to_string(),
            expiry_date_utc: expiry,
            idempotency_key: Some(key),
            ..Default::default()
        },
    )?;
    Ok(done.tx.id)
}
