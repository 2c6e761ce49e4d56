//! The runway's pass at 100,000 wallets and about 500,000 transactions in the last 24 hours:
//! API requests it uses, time to its figures, peak extra memory (live heap counted by a global
//! allocator wrapper, from the pass's start), and the console's frame time while it runs
//! against idle (the pass is a task of the runtime; the frames are drawn here, as the loop
//! does). `cargo bench --bench runway`.
//!
//! The ledger is built once into a SQLite file under `target/` (100,000 wallets seeded as
//! `--wallets` does, then the debits replayed through the sandbox's ledger with their clock set
//! inside the window) and served by a `flexwallet sandbox --db FILE` child, so the server's
//! memory and CPU are its own process's. The window ends when the file is built: a file older
//! than 20 hours is built again. `RUNWAY_BENCH_WALLETS` and `RUNWAY_BENCH_DEBITS` change the
//! sizes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use secrecy::SecretString;

use flexwallet::api::models::TransactionReason;
use flexwallet::api::{Client, ClientConfig};
use flexwallet::app::{Action, App, Effect, Origin};
use flexwallet::keymap::Keymap;
use flexwallet::moment::Moment;
use flexwallet::sandbox::ledger::ops::{self, Debit};
use flexwallet::sandbox::ledger::ports::{Actor, LedgerStore};
use flexwallet::sandbox::seed::{self, SeedIds, SeedPlan};
use flexwallet::sandbox::store::Db;
use flexwallet::ui::Theme;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let now = LIVE.fetch_add(new as isize - layout.size() as isize, Ordering::Relaxed) + new as isize
            - layout.size() as isize;
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const KEY: &str = "sk_bench_runway";
const ENV: &str = "env_bench";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mb(bytes: isize) -> f64 {
    bytes as f64 / 1e6
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// 100,000 seeded wallets, then `debits` usage debits spread over the 24 hours before now on
/// about two thirds of the active prepaid wallets, each a few percent of its credits.
fn build(path: &std::path::Path, wallets: usize, debits: usize) {
    let _ = std::fs::remove_file(path);
    let actor = Actor {
        tenant_id: flexwallet::sandbox::TENANT_ID.into(),
        environment_id: ENV.into(),
        user_id: flexwallet::sandbox::USER_ID.into(),
    };
    let started = Instant::now();
    let mut db = Db::open(Some(path)).expect("open the bench database");
    let plan = SeedPlan {
        demo: false,
        wallets,
        seed: 1,
    };
    seed::seed(&mut db, &plan, &actor).expect("seed");
    println!("  seeded {wallets} wallets in {:.1?}", started.elapsed());
    let mut burners: Vec<(String, Decimal)> = db
        .wallets(Some("active"), &[])
        .expect("wallets")
        .into_iter()
        .filter(|w| w.wallet_type.as_str() == "PRE_PAID" && w.credit_balance > Decimal::ONE)
        .map(|w| (w.id, w.credit_balance))
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let keep = burners.len() * 2 / 3;
    for i in 0..keep {
        let j = rng.random_range(i..burners.len());
        burners.swap(i, j);
    }
    burners.truncate(keep);
    let mut ids = SeedIds::new(11);
    let end = Utc::now() - TimeDelta::minutes(1);
    let span = TimeDelta::hours(24) - TimeDelta::minutes(2);
    let start = end - span;
    let step_ms = span.num_milliseconds() / debits.max(1) as i64;
    let started = Instant::now();
    const BATCH: usize = 20_000;
    let mut done = 0;
    while done < debits {
        let n = BATCH.min(debits - done);
        db.atomically(|db| {
            for k in done..done + n {
                let (id, credits) = &burners[rng.random_range(0..burners.len())];
                let share = Decimal::new(rng.random_range(2..50), 3);
                let amount = (credits * share).round_dp(2).max(Decimal::new(1, 2));
                ids.set_clock(start + TimeDelta::milliseconds(step_ms * k as i64));
                ops::debit(
                    db,
                    &mut ids,
                    &actor,
                    id,
                    Debit {
                        credits: amount,
                        reason: TransactionReason::ManualBalanceDebit,
                        description: "bench usage".into(),
                        metadata: None,
                        idempotency_key: format!("bench_{k}"),
                    },
                )?;
            }
            Ok(())
        })
        .expect("debits");
        done += n;
    }
    println!(
        "  {debits} debits over {} wallets in {:.1?}",
        burners.len(),
        started.elapsed()
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let wallets = env_number("RUNWAY_BENCH_WALLETS", 100_000);
    let debits = env_number("RUNWAY_BENCH_DEBITS", 500_000);
    let path =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("runway-{wallets}-{debits}.db"));
    let fresh = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < Duration::from_secs(20 * 3600));
    if !fresh {
        println!("building {} ...", path.display());
        build(&path, wallets, debits);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args([
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            KEY,
            "--environment-id",
            ENV,
            "--db",
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the sandbox");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("first line");
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let _sandbox = Proc(child);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut cfg = ClientConfig::new(url, SecretString::from(KEY.to_string()));
    cfg.environment_id = Some(ENV.into());
    let client = Client::new(cfg).expect("client");

    // The console as the loop holds it: every wallet listed, 200x50.
    let origin = Instant::now();
    let moment = || Moment::after(origin.elapsed());
    let mut app = App::new(
        Keymap::builtin().expect("keymap"),
        Origin::default(),
        false,
        Duration::from_secs(5),
        moment(),
        Utc::now(),
        flexwallet::tui::runtime_env(),
    );
    app.update(Action::Resize(200, 50));
    let effects = app.start();
    let (generation, window) = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadRunway { generation, window } => Some((*generation, *window)),
            _ => None,
        })
        .expect("the start asks for a runway pass");
    let list = rt.block_on(client.list_wallets(None)).expect("list");
    let listed = list.len();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(list),
    });
    let theme = Theme::sixteen();
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut frame = |app: &mut App, actions: Vec<Action>| -> Duration {
        let t = Instant::now();
        for a in actions {
            app.update(a);
        }
        app.update(Action::Tick {
            now: moment(),
            clock: Utc::now(),
        });
        term.draw(|f| flexwallet::ui::render(app, &theme, f))
            .expect("draw");
        t.elapsed()
    };
    let sample = |v: &mut Vec<Duration>| {
        v.sort_unstable();
        let at = |q: f64| v[((v.len() - 1) as f64 * q) as usize];
        format!(
            "p50 {:.2?}  p99 {:.2?}  max {:.2?}  ({} frames)",
            at(0.5),
            at(0.99),
            v[v.len() - 1],
            v.len()
        )
    };

    // Idle: two seconds of frames, one every 16 ms.
    let mut idle = Vec::new();
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        idle.push(frame(&mut app, Vec::new()));
        std::thread::sleep(Duration::from_millis(16));
    }

    // The pass, as the runtime runs it: a task; its actions come back through a channel.
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let task = rt.spawn(flexwallet::tui::runway::run(
        client.clone(),
        generation,
        window,
        tx.clone(),
    ));
    let mut busy = Vec::new();
    let mut first_progress = None;
    let mut loaded = None;
    let mut apply = Duration::ZERO;
    while loaded.is_none() {
        let mut actions = Vec::new();
        while let Ok(a) = rx.try_recv() {
            if first_progress.is_none() {
                first_progress = Some(started.elapsed());
            }
            actions.push(a);
        }
        if task.is_finished() {
            let a = rt.block_on(task).expect("the pass's task");
            let at = started.elapsed();
            let t = Instant::now();
            app.update(a);
            apply = t.elapsed();
            loaded = Some(at);
            break;
        }
        busy.push(frame(&mut app, actions));
        std::thread::sleep(Duration::from_millis(16));
    }
    let total = loaded.unwrap_or_default();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let kept = LIVE.load(Ordering::Relaxed) - base;
    let figures = app.table.runway.figures.clone().expect("figures");
    let t = Instant::now();
    app.table.set_sort(flexwallet::app::table::Sort {
        column: flexwallet::app::Column::Runway,
        descending: false,
    });
    let sort = t.elapsed();
    let t = Instant::now();
    app.table.set_filter(Some(
        flexwallet::app::filter::Filter::parse("runway<24h").expect("filter"),
    ));
    let filter = t.elapsed();
    let under = app.table.view().len();

    println!(
        "runway at {listed} wallets, window {} .. {}",
        window.start, window.end
    );
    println!(
        "  transactions read {}  wallets with some {}  API requests {}",
        figures.transactions,
        figures.wallets(),
        figures.requests
    );
    println!(
        "  first progress {:.2?}  figures (time to first figures = total) {:.2?}",
        first_progress.unwrap_or_default(),
        total
    );
    println!(
        "  peak extra heap {:.1} MB  kept after (the figures) {:.1} MB",
        mb(peak),
        mb(kept)
    );
    println!(
        "  on the UI thread: applying the figures {apply:.2?}  sort by runway {sort:.2?}  filter runway<24h {filter:.2?} ({under} wallets)"
    );
    println!("  frame (update + draw, 200x50) idle:   {}", sample(&mut idle));
    println!("  frame (update + draw, 200x50) during: {}", sample(&mut busy));
}
