//! Bulk throughput (rows/s) at concurrency 1, 8, 32 and 64 against an embedded sandbox, next to
//! the sandbox's own ceiling measured in the same run (plain keep-alive top-ups at concurrency
//! 1, 8 and 32, as the sandbox issue measures it) and raw keyed top-ups through flexwallet's
//! client with no plan, journal or audit log.
//!
//! Every measurement starts on a fresh sandbox with the same seed: a sandbox's top-ups slow
//! down as its ledger grows (SQLite walks an in-memory database's page cache at each commit),
//! so whatever ran later would otherwise be measured on a slower server.
//!
//! A job is 2,000 rows: throughput is the engine's steady rate. In a 400-row job at
//! concurrency 64 the last wave of requests (fewer than 64 in flight) and the job's set-up
//! weigh more; it is printed apart, and so is the set-up (`prepare`).
//!
//! The sandbox runs on CPU 1 and the client and engine on CPU 0, as in use, where the server
//! is another machine: on shared cores every microsecond the engine spends is taken from the
//! server, and the figure would measure the two together. `FLEXWALLET_BENCH_SHARED_CORES=1`
//! measures that case too, and the CPU a row costs is printed either way.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group};
use secrecy::SecretString;

use flexwallet::api::models::{TopUpRequest, TransactionReason, Wallet};
use flexwallet::api::{Client, ClientConfig};
use flexwallet::audit::{Audit, AuditContext};
use flexwallet::bulk::{self, ExecOptions, Plan, PlanOptions, plan};
use flexwallet::cli::SandboxArgs;
use flexwallet::sandbox::EmbeddedSandbox;

const ROWS: usize = 2_000;
/// The small job whose fixed costs are printed apart.
const SMALL: usize = 400;
const CONCURRENCY: [usize; 4] = [1, 8, 32, 64];
/// The levels the sandbox issue measures its ceiling at.
const SANDBOX_LEVELS: [usize; 3] = [1, 8, 32];

// Shared with the other throughput bench, which uses the other half of it.
#[path = "support/load.rs"]
#[allow(dead_code)]
mod load;

/// One sandbox, fresh from the seed, and what talks to it.
struct Target {
    /// The measurement it was started for.
    label: String,
    client: Client,
    http: reqwest::Client,
    url: String,
    api_key: String,
    wallets: Vec<Wallet>,
    sandbox: Mutex<Option<EmbeddedSandbox>>,
}

struct Bench {
    rt: tokio::runtime::Runtime,
    /// The sandbox runs on its own runtime, as it would in its own process.
    server_rt: tokio::runtime::Runtime,
    target: Mutex<Option<Arc<Target>>>,
    dir: tempfile::TempDir,
    audit: Arc<Audit>,
    run: AtomicU64,
    /// (label, rows, seconds) over every measured iteration.
    figures: Mutex<Vec<(String, usize, f64)>>,
    /// The sandbox on CPU 1, the client and the engine on CPU 0.
    pinned: bool,
}

impl Bench {
    fn new() -> Bench {
        // Threads keep the CPUs of the thread that made them: the sandbox's runtime is made
        // while this thread is on CPU 1, the client's on CPU 0 (and see `target`).
        let two_cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
        let pinned = two_cpus && !shared_cores() && pin_to(1);
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sandbox")
            .enable_all()
            .build()
            .unwrap();
        let pinned = pinned && pin_to(0);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ctx = AuditContext {
            user: "bench".into(),
            profile: None,
            api_host: "127.0.0.1".into(),
            environment: None,
        };
        let audit = Arc::new(Audit::open(&dir.path().join("audit.jsonl"), ctx).unwrap());
        Bench {
            rt,
            server_rt,
            target: Mutex::new(None),
            dir,
            audit,
            run: AtomicU64::new(0),
            figures: Mutex::new(Vec::new()),
            pinned,
        }
    }

    /// The sandbox for the measurement `label`: the one already running for it, or a fresh
    /// one from the seed (the previous one stopped first).
    fn target(&self, label: &str) -> Arc<Target> {
        let mut current = self.target.lock().unwrap();
        if let Some(t) = current.as_ref()
            && t.label == label
        {
            return t.clone();
        }
        if let Some(old) = current.take()
            && let Some(sb) = old.sandbox.lock().unwrap().take()
        {
            self.server_rt.block_on(sb.shutdown());
        }
        // The sandbox's database thread is made by this thread: on CPU 1 while it starts.
        if self.pinned {
            pin_to(1);
        }
        let sb = self
            .server_rt
            .block_on(flexwallet::sandbox::start_embedded(SandboxArgs {
                wallets: ROWS + ROWS / 4,
                seed: 1,
                ..SandboxArgs::default()
            }))
            .unwrap();
        if self.pinned {
            pin_to(0);
        }
        let t = self.rt.block_on(async {
            let mut cfg = ClientConfig::new(sb.url.clone(), SecretString::from(sb.api_key.clone()));
            cfg.environment_id = Some(sb.environment_id.clone());
            let client = Client::new(cfg).unwrap();
            let wallets: Vec<Wallet> = client
                .list_wallets(None)
                .await
                .unwrap()
                .into_iter()
                .filter(|w| w.wallet_status == flexwallet::api::models::WalletStatus::Active)
                .take(ROWS)
                .collect();
            assert_eq!(wallets.len(), ROWS, "enough active wallets");
            let http = reqwest::Client::builder()
                .no_proxy()
                .tcp_nodelay(true)
                .pool_max_idle_per_host(64)
                .build()
                .unwrap();
            Target {
                label: label.to_string(),
                client,
                http,
                url: sb.url.clone(),
                api_key: sb.api_key.clone(),
                wallets,
                sandbox: Mutex::new(Some(sb)),
            }
        });
        let t = Arc::new(t);
        *current = Some(t.clone());
        t
    }

    /// One whole bulk job of `rows` rows: plan, journal, executor, audit.
    fn bulk_job(&self, rows: usize, concurrency: usize) -> Duration {
        let label = format!("bulk{rows} c={concurrency}");
        let t = self.target(&label);
        let run = self.run.fetch_add(1, Ordering::Relaxed);
        let mut text = String::from("wallet_id,credits_to_add,transaction_reason,description\n");
        for w in t.wallets.iter().take(rows) {
            text.push_str(&format!("{},1,FREE_CREDIT_GRANT,bench {run}\n", w.id));
        }
        let now = Utc::now();
        let raw = bulk::csv::read(text.as_bytes(), false).unwrap();
        let drafts = plan::drafts_from_csv(raw, None, now).unwrap();
        let found = t
            .wallets
            .iter()
            .take(rows)
            .map(|w| (w.id.clone(), w.clone()))
            .collect();
        let opts = PlanOptions {
            allow_duplicates: false,
            target: t.url.clone(),
            now,
            source: None,
            usual: Default::default(),
        };
        let plan = Plan::build(drafts, &found, &opts).unwrap();
        let journal = self.dir.path().join(format!("{}.jsonl", plan.job));
        let meter = Meter::start();
        let prepared = bulk::prepare(&plan, &journal, false).unwrap();
        self.record(
            format!("prepare{rows} c={concurrency}"),
            rows,
            meter.wall.elapsed(),
        );
        let exec = ExecOptions {
            concurrency,
            ..ExecOptions::default()
        };
        let sender = Arc::new(t.client.clone());
        let audit = Some(self.audit.clone());
        let report = self
            .rt
            .block_on(async move { bulk::executor::spawn(prepared, sender, audit, exec).task.await });
        let elapsed = self.measured(meter, label, rows);
        assert!(report.unwrap().all_done());
        elapsed
    }

    /// ROWS raw top-ups through flexwallet's client with fresh keys, `concurrency` at a time.
    fn raw_topups(&self, concurrency: usize) -> Duration {
        let label = format!("raw c={concurrency}");
        let t = self.target(&label);
        let run = self.run.fetch_add(1, Ordering::Relaxed);
        let meter = Meter::start();
        self.rt.block_on(async {
            let next = Arc::new(AtomicU64::new(0));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..concurrency {
                let (t, next) = (t.clone(), next.clone());
                tasks.spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                        if i >= ROWS {
                            break;
                        }
                        let req = TopUpRequest {
                            transaction_reason: TransactionReason::FreeCreditGrant,
                            credits_to_add: Some(1.into()),
                            idempotency_key: Some(format!("raw-{run}-{i}")),
                            ..TopUpRequest::default()
                        };
                        t.client
                            .top_up_once(&t.wallets[i % t.wallets.len()].id, &req)
                            .await
                            .unwrap();
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        });
        self.measured(meter, label, ROWS)
    }

    /// The sandbox issue's measure: ROWS plain keep-alive top-ups, `concurrency` at a time.
    fn plain_topups(&self, concurrency: usize) -> Duration {
        let label = format!("sandbox c={concurrency}");
        let t = self.target(&label);
        let run = self.run.fetch_add(1, Ordering::Relaxed);
        let ids: Vec<String> = t.wallets.iter().map(|w| w.id.clone()).collect();
        let meter = Meter::start();
        self.rt.block_on(load::top_ups_until(
            &t.http,
            &t.url,
            &t.api_key,
            &ids,
            concurrency,
            load::Until::Requests(ROWS as u64),
            &format!("plain-{run}"),
        ));
        self.measured(meter, label, ROWS)
    }

    /// Records what `meter` saw under `label` (wall time, the process's CPU, the sandbox's CPU)
    /// and returns the wall time.
    fn measured(&self, meter: Meter, label: String, rows: usize) -> Duration {
        let elapsed = meter.wall.elapsed();
        self.record(format!("cpu {label}"), rows, cpu() - meter.cpu);
        self.record(format!("srv {label}"), rows, sandbox_cpu() - meter.sandbox);
        self.record(label, rows, elapsed);
        elapsed
    }

    fn record(&self, label: String, rows: usize, elapsed: Duration) {
        self.figures
            .lock()
            .unwrap()
            .push((label, rows, elapsed.as_secs_f64()));
    }

    /// Rows per second over every iteration recorded under `label`.
    fn rate(&self, label: &str) -> f64 {
        let f = self.figures.lock().unwrap();
        let (rows, secs) = f
            .iter()
            .filter(|(l, _, _)| l == label)
            .fold((0usize, 0f64), |(r, s), (_, rows, secs)| (r + rows, s + secs));
        rows as f64 / secs.max(1e-9)
    }

    /// Microseconds of CPU a row cost: this whole process (client, engine and sandbox), and
    /// the sandbox's threads alone.
    fn cpu_per_row(&self, label: &str) -> String {
        let all = 1e6 / self.rate(&format!("cpu {label}")).max(1e-9);
        let srv = 1e6 / self.rate(&format!("srv {label}")).max(1e-9);
        format!(
            "{:.0} µs CPU a row: client {:.0} + sandbox {srv:.0}",
            all,
            all - srv
        )
    }
}

/// Where a measurement started: wall clock, the process's CPU, the sandbox's CPU.
struct Meter {
    wall: Instant,
    cpu: Duration,
    sandbox: Duration,
}

impl Meter {
    fn start() -> Meter {
        Meter {
            wall: Instant::now(),
            cpu: cpu(),
            sandbox: sandbox_cpu(),
        }
    }
}

/// `FLEXWALLET_BENCH_SHARED_CORES=1`: sandbox and client share both cores (no pinning).
fn shared_cores() -> bool {
    std::env::var_os("FLEXWALLET_BENCH_SHARED_CORES").is_some_and(|v| v == "1")
}

/// Puts the calling thread (and the threads it makes from now on) on one CPU; false if this
/// machine has no such CPU.
fn pin_to(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is the empty set; CPU_SET and sched_setaffinity get valid
    // pointers to it, and pid 0 is the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// CPU time the sandbox's threads (named `sandbox…`: its runtime and its database thread) have
/// used so far, from the scheduler's per-thread nanoseconds; the rest of `cpu()` is the client's.
fn sandbox_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        let path = task.path();
        let is_sandbox = std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.starts_with("sandbox"));
        if is_sandbox && let Ok(stat) = std::fs::read_to_string(path.join("schedstat")) {
            ns += stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

/// CPU time this process (client, engine and sandbox alike) has used so far.
fn cpu() -> Duration {
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let tv =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

static BENCH: std::sync::OnceLock<Bench> = std::sync::OnceLock::new();

fn bench() -> &'static Bench {
    BENCH.get_or_init(Bench::new)
}

fn throughput(c: &mut Criterion) {
    let b = bench();
    let mut group = c.benchmark_group("bulk_throughput");
    group
        .throughput(Throughput::Elements(ROWS as u64))
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    for &n in &CONCURRENCY {
        if SANDBOX_LEVELS.contains(&n) {
            group.bench_function(format!("sandbox/c{n}"), |bn| {
                bn.iter_custom(|iters| (0..iters).map(|_| b.plain_topups(n)).sum())
            });
        }
        group.bench_function(format!("raw/c{n}"), |bn| {
            bn.iter_custom(|iters| (0..iters).map(|_| b.raw_topups(n)).sum())
        });
        group.bench_function(format!("bulk/c{n}"), |bn| {
            bn.iter_custom(|iters| (0..iters).map(|_| b.bulk_job(ROWS, n)).sum())
        });
    }
    group.throughput(Throughput::Elements(SMALL as u64));
    group.bench_function(format!("bulk{SMALL}/c64"), |bn| {
        bn.iter_custom(|iters| (0..iters).map(|_| b.bulk_job(SMALL, 64)).sum())
    });
    group.finish();
}

criterion_group!(benches, throughput);

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    let b = bench();
    println!(
        "\nbulk throughput ({ROWS}-row jobs: plan, fsynced journal, audit log), each on a fresh sandbox:"
    );
    println!(
        "  {}",
        if b.pinned {
            "the sandbox on CPU 1, client and engine on CPU 0 (as in use: the server is elsewhere); \
             FLEXWALLET_BENCH_SHARED_CORES=1 lets them share both"
        } else {
            "the sandbox, client and engine share every core"
        }
    );
    let mut best = (0f64, 0usize);
    // A figure, or a dash for what a filtered run (`-- 'bulk/c8$'`) did not measure.
    let figure = |label: &str, unit: &str| {
        let rate = b.rate(label);
        if rate > 0.0 {
            format!("{rate:>6.0} {unit} ({})", b.cpu_per_row(label))
        } else {
            format!("{:>6} (not measured in this run)", "—")
        }
    };
    for n in CONCURRENCY {
        let bulk = b.rate(&format!("bulk{ROWS} c={n}"));
        if bulk > best.0 {
            best = (bulk, n);
        }
        let sandbox = if SANDBOX_LEVELS.contains(&n) {
            format!(
                "\n                  plain {}",
                figure(&format!("sandbox c={n}"), "req/s")
            )
        } else {
            String::new()
        };
        println!(
            "  concurrency {n:>2}: bulk {}\n                  raw   {}{sandbox}",
            figure(&format!("bulk{ROWS} c={n}"), "rows/s"),
            figure(&format!("raw c={n}"), "req/s"),
        );
    }
    // rate() is rows per second of preparing: its inverse is the time per job.
    let prep = b.rate(&format!("prepare{ROWS} c=64"));
    if prep > 0.0 {
        println!(
            "  preparing a {ROWS}-row job (journal created, {ROWS} rows planned, fsynced): {:.1} ms",
            1e3 * ROWS as f64 / prep
        );
    }
    let small = b.rate(&format!("bulk{SMALL} c=64"));
    if small > 0.0 {
        println!(
            "  a {SMALL}-row job at concurrency 64: {small:.0} rows/s (its set-up and last wave weigh more)"
        );
    }
    let (ceiling, at) = SANDBOX_LEVELS
        .iter()
        .map(|&n| (b.rate(&format!("sandbox c={n}")), n))
        .fold((0f64, 0), |a, x| if x.0 > a.0 { x } else { a });
    let raw_best = CONCURRENCY
        .iter()
        .map(|n| b.rate(&format!("raw c={n}")))
        .fold(0f64, f64::max);
    if ceiling > 0.0 && best.0 > 0.0 {
        println!(
            "  best bulk: {:.0} rows/s (concurrency {}) = {:.0}% of the sandbox's ceiling, {ceiling:.0} req/s \
             (plain keep-alive top-ups, concurrency {at}, as the sandbox issue measures it; goal: at least 90%)",
            best.0,
            best.1,
            100.0 * best.0 / ceiling
        );
    }
    if raw_best > 0.0 && best.0 > 0.0 {
        println!(
            "  stricter: {:.0}% of raw keyed top-ups through flexwallet's own client, no journal ({raw_best:.0} req/s)",
            100.0 * best.0 / raw_best
        );
    }
}
