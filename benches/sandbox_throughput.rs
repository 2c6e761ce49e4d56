//! The sandbox's own figures, in one run:
//! - top-up requests/s at concurrency 1, 8 and 32 over keep-alive (the ceiling the bulk engine
//!   is measured against) on a fresh sandbox (1,000 wallets), and on one seeded with 1,000,000
//!   wallets (5.4 million ledger rows), the two measured in five turns, back to back, and the
//!   second as a share of the first (the median of the turns' shares; both in a database file: a
//!   million wallets do not fit SQLite's in-memory database);
//! - seeding those 1,000,000 wallets: the time until the sandbox listens, and the peak RSS of
//!   its process meanwhile;
//! - serving the list of the 1,000,000 wallets (`GET /v1/wallets`, ~730 MB of JSON): the time
//!   to read it all, and the peak RSS of the sandbox meanwhile;
//! - the demo data set's load time;
//! - the goals of issue 22 (seeding a million wallets under 90 s and 2 GB; top-ups after five
//!   million ledger rows at least 80 % of a fresh sandbox's), each `met` or `NOT met`.
//!
//! Every sandbox is a `flexwallet sandbox` child process, as in use, so that its memory is its
//! own: the peaks are its `VmHWM` (/proc/PID/status), reset (`clear_refs`) before the list.
//!
//! `cargo bench --bench sandbox_throughput`. Quick runs: `SANDBOX_BENCH_WALLETS` (default
//! 1000000) and `SANDBOX_BENCH_SECS` (measuring time per concurrency level, default 3).
//! `SANDBOX_BENCH_BIN` measures another build: a `flexwallet` or a `flexprice-sandbox` binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flexwallet::sandbox::ledger::ports::Actor;
use flexwallet::sandbox::{seed, store};

// Shared with the other throughput bench, which uses the other half of it.
#[path = "support/load.rs"]
#[allow(dead_code)]
mod load;
use load::top_ups;

const KEY: &str = "sk_bench";
const LEVELS: [usize; 3] = [1, 8, 32];

fn actor() -> Actor {
    Actor {
        tenant_id: "tenant_bench".into(),
        environment_id: "env_bench".into(),
        user_id: "user_bench".into(),
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

/// A sandbox in a child process, up and listening.
struct Sandbox {
    child: std::process::Child,
    url: String,
    stderr: Arc<Mutex<Vec<String>>>,
    /// From the start of the process to its `listening on` line (seeding included).
    ready_after: Duration,
}

impl Sandbox {
    /// `db`: a file (`--db`), else in memory (the default).
    fn start(wallets: usize, db: Option<&Path>) -> Sandbox {
        let bin =
            std::env::var("SANDBOX_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_flexwallet").into());
        let mut cmd = Command::new(&bin);
        if Path::new(&bin)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("flexwallet"))
        {
            cmd.arg("sandbox");
        }
        let started = Instant::now();
        let mut child = cmd
            .args(["--addr", "127.0.0.1:0", "--api-key", KEY, "--wallets"])
            .arg(wallets.to_string())
            .args(
                db.map(|p| [std::ffi::OsStr::new("--db"), p.as_os_str()])
                    .into_iter()
                    .flatten(),
            )
            .env("XDG_STATE_HOME", std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                lines.lock().expect("lines").push(line);
            }
        });
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("the sandbox's first line");
        let ready_after = started.elapsed();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the sandbox did not start: {line:?} {:?}", stderr.lock()))
            .to_string();
        Sandbox {
            child,
            url,
            stderr,
            ready_after,
        }
    }

    /// A `VmHWM`-like line of /proc/PID/status, in MB.
    fn status_mb(&self, field: &str) -> f64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("status");
        text.lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }

    /// CPU time the process has used (user and system), in seconds.
    fn cpu_secs(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("stat");
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        // SAFETY: sysconf reads a configuration value; no memory is involved.
        let per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        (ticks(11) + ticks(12)) / per_sec
    }

    /// Starts `VmHWM` again from the current RSS.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").expect("clear_refs");
    }

    /// The sandbox's own `seeded …` line (printed right after `listening on`).
    fn seeded_line(&self) -> String {
        for _ in 0..100 {
            if let Some(l) = self
                .stderr
                .lock()
                .expect("lines")
                .iter()
                .find(|l| l.starts_with("seeded"))
            {
                return l.clone();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        "(no seeded line)".into()
    }

    fn stop(mut self) {
        // SAFETY: kill(2) on our own child's pid, which it still is (not yet waited for).
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(64)
        .build()
        .expect("client")
}

/// What reading the whole wallet list gave.
struct Listed {
    total: u64,
    bytes: u64,
    /// Every `every`-th wallet of the list that is active.
    picked: Vec<String>,
}

/// Reads `GET /wallets` as it arrives (never holding it whole: the bench's memory is not the
/// sandbox's), keeping the id of every `every`-th active wallet.
async fn read_list(client: &reqwest::Client, url: &str, every: u64) -> Listed {
    const START: &[u8] = b"{\"id\":\"wallet_";
    const END: &[u8] = b"],\"pagination\":{\"total\":";
    let mut resp = client
        .get(format!("{url}/wallets"))
        .header("x-api-key", KEY)
        .send()
        .await
        .expect("list");
    assert_eq!(resp.status(), 200);
    let mut buf: Vec<u8> = Vec::new();
    let (mut seen, mut bytes, mut picked) = (0u64, 0u64, Vec::new());
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)
            .and_then(|h| h.windows(needle.len()).position(|w| w == needle))
            .map(|p| p + from)
    };
    // An item is looked at once the next one (or the list's end) has arrived.
    let mut take = |item: &[u8], seen: &mut u64| {
        if (*seen).is_multiple_of(every) && find(item, b"\"wallet_status\":\"active\"", 0).is_some() {
            let id = &item[7..item[7..].iter().position(|b| *b == b'"').map_or(7, |p| p + 7)];
            picked.push(String::from_utf8_lossy(id).into_owned());
        }
        *seen += 1;
    };
    while let Some(chunk) = resp.chunk().await.expect("list body") {
        bytes += chunk.len() as u64;
        buf.extend_from_slice(&chunk);
        let mut at = 0;
        while let Some(s) = find(&buf, START, at) {
            match find(&buf, START, s + 1).or_else(|| find(&buf, END, s)) {
                Some(next) => {
                    take(&buf[s..next], &mut seen);
                    at = next;
                }
                None => {
                    at = s;
                    break;
                }
            }
        }
        buf.drain(..at);
    }
    let tail = String::from_utf8_lossy(&buf);
    let total = tail
        .split("\"total\":")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("the list ends in its pagination: {tail:?}"));
    assert_eq!(total, seen, "every item of the list was read");
    Listed { total, bytes, picked }
}

/// `secs` seconds of top-ups at concurrency `c` against `sb`, spread over `wallets`; prints and
/// returns (requests/s, the sandbox's CPU a request). On a shared machine the rate moves with
/// what else runs; the CPU a request says what the sandbox itself spends.
async fn level(
    client: &reqwest::Client,
    sb: &Sandbox,
    wallets: &[String],
    c: usize,
    secs: f64,
    tag: &str,
) -> (f64, f64) {
    let cpu = sb.cpu_secs();
    let started = Instant::now();
    let (rps, p50, p99) = top_ups(client, &sb.url, KEY, wallets, c, secs, &format!("{tag}-c{c}")).await;
    let per_request = (sb.cpu_secs() - cpu) / (rps * started.elapsed().as_secs_f64());
    println!(
        "sandbox top-up throughput ({tag}), concurrency {c:>2}, keep-alive: {rps:>8.0} requests/s \
         (latency p50 {p50:.2?}, p99 {p99:.2?}; sandbox CPU {:.0} µs a request)",
        per_request * 1e6
    );
    (rps, per_request)
}

/// Top-ups at each level against `sb` (after 1 s at 32 to warm up).
async fn levels(
    client: &reqwest::Client,
    sb: &Sandbox,
    wallets: &[String],
    secs: f64,
    tag: &str,
) -> Vec<(f64, f64)> {
    top_ups(client, &sb.url, KEY, wallets, 32, 1.0, &format!("{tag}-warm")).await;
    let mut rates = Vec::new();
    for c in LEVELS {
        rates.push(level(client, sb, wallets, c, secs, tag).await);
    }
    rates
}

/// The median of one level's turns (by rate; its CPU a request with it).
fn median(turns: &[(f64, f64)]) -> (f64, f64) {
    let mut t = turns.to_vec();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    t[t.len() / 2]
}

/// Big over fresh, turn by turn (each turn measured the two back to back): the median and the
/// lowest and highest of those shares. A drift in what else runs on the machine moves both
/// halves of a pair alike, where it would move the medians of the two sides apart.
fn paired_share(fresh: &[(f64, f64)], big: &[(f64, f64)]) -> (f64, f64, f64) {
    let mut shares: Vec<f64> = fresh.iter().zip(big).map(|(f, b)| b.0 / f.0).collect();
    shares.sort_by(f64::total_cmp);
    (shares[shares.len() / 2], shares[0], shares[shares.len() - 1])
}

fn bench_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flexwallet-sandbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench directory");
    dir
}

/// Seeds `wallets` into a child sandbox (a file under `dir`, else in memory) and prints the time
/// and the peak RSS.
fn seeded(wallets: usize, file: Option<&Path>) -> Sandbox {
    let sb = Sandbox::start(wallets, file);
    let peak = sb.status_mb("VmHWM");
    println!(
        "seed {wallets} wallets {}: {:.1?} until listening ({:.0} s of CPU), peak RSS {peak:.0} MB \
         (RSS after {:.0} MB); {}",
        if file.is_some() {
            "into a file (--db)"
        } else {
            "in memory"
        },
        sb.ready_after,
        sb.cpu_secs(),
        sb.status_mb("VmRSS"),
        sb.seeded_line()
    );
    sb
}

/// Reads the whole list of `sb`'s wallets, printing the time and the peak RSS meanwhile; keeps
/// about 1,000 active wallets spread over it.
fn listed(
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    sb: &Sandbox,
    wallets: usize,
) -> Vec<String> {
    sb.reset_peak();
    let before = sb.status_mb("VmRSS");
    let started = Instant::now();
    let listed = rt.block_on(read_list(client, &sb.url, (wallets as u64 / 1000).max(1)));
    println!(
        "serve the list of {} wallets: {:.1?}, {:.1} MB of JSON, peak RSS while serving {:.0} MB \
         (RSS {before:.0} MB before)",
        listed.total,
        started.elapsed(),
        listed.bytes as f64 / 1e6,
        sb.status_mb("VmHWM"),
    );
    listed.picked
}

/// The goals (issue 22), for a million wallets and five million ledger rows.
const GOAL_WALLETS: usize = 1_000_000;
const GOAL_ROWS: u64 = 5_000_000;
const GOAL_SEED_SECS: f64 = 90.0;
const GOAL_SEED_PEAK_MB: f64 = 2000.0;
const GOAL_SHARE: f64 = 0.80;
/// Turns of fresh and big measurements (fresh first, then big first, in turn); each level's
/// rates are the medians of its turns, its share the median of the turns' shares.
const ROUNDS: usize = 5;

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

/// Fresh vs big, both in a database file (`--db`): an in-memory database cannot grow past
/// SQLite's largest allocation (2 GiB, about 550,000 wallets), so a million wallets need a file.
/// Top-ups on 1,000 wallets in memory (the default, for comparison with earlier figures); a
/// fresh `--db` sandbox of 1,000 wallets, its list read, left idle while `big` wallets are
/// seeded into another (time and peak) and their list served (time and peak); then top-ups on
/// the two in turns, each level on one then the other, `ROUNDS` times, so that both see the
/// same machine (other work on shared cores moves either); the share is the median of the turns'
/// shares (big over fresh, the two measured back to back). Last,
/// the goals and whether they are met.
fn at_scale(big: usize, secs: f64) {
    let dir = bench_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let client = client();

    let in_memory = Sandbox::start(1000, None);
    let wallets = listed(&rt, &client, &in_memory, 1000);
    rt.block_on(levels(&client, &in_memory, &wallets, secs, "fresh, in memory"));
    in_memory.stop();

    let fresh = Sandbox::start(1000, Some(&dir.join("fresh.db")));
    let fresh_wallets = listed(&rt, &client, &fresh, 1000);

    let sb = seeded(big, Some(&dir.join("big.db")));
    let (seed_time, seed_peak) = (sb.ready_after, sb.status_mb("VmHWM"));
    let wallets = listed(&rt, &client, &sb, big);
    let rows: u64 = sb
        .seeded_line()
        .split(" wallets, ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let big_tag = format!("{big} wallets, {rows} ledger rows, --db");
    let (fresh_rates, big_rates) = rt.block_on(async {
        top_ups(&client, &fresh.url, KEY, &fresh_wallets, 32, 1.0, "fresh-warm").await;
        top_ups(&client, &sb.url, KEY, &wallets, 32, 1.0, "big-warm").await;
        let (mut f, mut b) = (vec![Vec::new(); LEVELS.len()], vec![Vec::new(); LEVELS.len()]);
        for round in 1..=ROUNDS {
            for (i, c) in LEVELS.into_iter().enumerate() {
                let fresh_tag = format!("fresh, --db, turn {round}");
                let tag = format!("{big_tag}, turn {round}");
                // Which goes first alternates, so that a drift in what else runs weighs on both.
                if round % 2 == 1 {
                    f[i].push(level(&client, &fresh, &fresh_wallets, c, secs, &fresh_tag).await);
                    b[i].push(level(&client, &sb, &wallets, c, secs, &tag).await);
                } else {
                    b[i].push(level(&client, &sb, &wallets, c, secs, &tag).await);
                    f[i].push(level(&client, &fresh, &fresh_wallets, c, secs, &fresh_tag).await);
                }
            }
        }
        (f, b)
    });
    fresh.stop();
    sb.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let mut shares = Vec::new();
    for ((c, f), b) in LEVELS.iter().zip(&fresh_rates).zip(&big_rates) {
        let ((fr, fcpu), (br, bcpu)) = (median(f), median(b));
        let (share, low, high) = paired_share(f, b);
        println!(
            "top-ups after {rows} ledger rows vs fresh, concurrency {c:>2}: {:.0} % (median of \
             {ROUNDS} turns' shares, {:.0}–{:.0} %; medians {br:.0} vs {fr:.0} requests/s, sandbox \
             CPU a request {:.0} vs {:.0} µs)",
            100.0 * share,
            100.0 * low,
            100.0 * high,
            bcpu * 1e6,
            fcpu * 1e6
        );
        shares.push(share);
    }

    let at_goal_size = big >= GOAL_WALLETS;
    let (secs_taken, peak_ok) = (seed_time.as_secs_f64(), seed_peak < GOAL_SEED_PEAK_MB);
    println!(
        "goal: seed 1,000,000 wallets in under {GOAL_SEED_SECS:.0} s with a peak RSS under 2 GB: \
         {secs_taken:.1} s, peak {seed_peak:.0} MB ({big} wallets): {}",
        if at_goal_size {
            verdict(secs_taken < GOAL_SEED_SECS && peak_ok)
        } else {
            "not measured (fewer wallets)"
        }
    );
    let list: Vec<String> = shares.iter().map(|s| format!("{:.0} %", 100.0 * s)).collect();
    println!(
        "goal: top-ups after 5,000,000 ledger rows at least {:.0} % of a fresh sandbox's at every \
         concurrency ({}): {} after {rows} rows: {}",
        100.0 * GOAL_SHARE,
        LEVELS.map(|c| c.to_string()).join(" / "),
        list.join(" / "),
        if rows >= GOAL_ROWS {
            verdict(shares.iter().all(|s| *s >= GOAL_SHARE))
        } else {
            "not measured (fewer rows)"
        }
    );
}

/// Load time of the demo data set (in process): built through the ledger, loaded in SQLite.
fn demo_load() {
    let plan = seed::SeedPlan {
        demo: true,
        wallets: 0,
        seed: 0,
    };
    let mut times = Vec::new();
    let mut rows = (0, 0);
    for _ in 0..15 {
        let started = Instant::now();
        let mut db = store::Db::open(None).expect("in-memory database");
        let report = seed::seed(&mut db, &plan, &actor()).expect("demo seeds");
        times.push(started.elapsed());
        if let Some(r) = report {
            rows = (r.wallets, r.transactions);
        }
    }
    times.sort();
    println!(
        "demo data set load: median {:.1?}, best {:.1?} ({} wallets, {} transactions)",
        times[times.len() / 2],
        times[0],
        rows.0,
        rows.1
    );
}

fn main() {
    // `cargo test --benches` runs bench targets with --bench absent: keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("sandbox_throughput: run with `cargo bench` to measure");
        return;
    }
    let secs: f64 = env_or("SANDBOX_BENCH_SECS", 3.0);
    let big: usize = env_or("SANDBOX_BENCH_WALLETS", 1_000_000);
    at_scale(big, secs);
    demo_load();
}
