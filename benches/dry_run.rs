//! A 1,000,000-row CSV through `flexwallet topup --csv FILE --dry-run`: the release binary's
//! peak resident memory (`ru_maxrss` from `wait4`) and wall time, against an embedded sandbox.
//! `cargo bench --bench dry_run`.
//!
//! The sandbox holds 10,000 wallets (seeding a million takes minutes), so the plan names each
//! about a hundred times and runs with `--allow-duplicates`: the plan, its rows and its wallet
//! lookups are those of a million-row job, and the duplicate check does its most work.
//! `FLEXWALLET_DRYRUN_ROWS`, `FLEXWALLET_DRYRUN_WALLETS` and `FLEXWALLET_DRYRUN_RUNS` change
//! the sizes and the number of runs; `FLEXWALLET_DRYRUN_BIN` measures another build.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flexwallet::api::models::WalletStatus;
use flexwallet::cli::SandboxArgs;

/// The goal, set from the figures before the change (2.28 GB, 7.8 s; 2.41 GB, 19.5 s here).
const GOAL_RSS_MB: f64 = 600.0;
const GOAL_SECS: f64 = 4.0;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Run {
    wall: Duration,
    cpu: Duration,
    peak_mb: f64,
    status: i32,
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let rows = env_number("FLEXWALLET_DRYRUN_ROWS", 1_000_000);
    let wallets = env_number("FLEXWALLET_DRYRUN_WALLETS", 10_000);
    let runs = env_number("FLEXWALLET_DRYRUN_RUNS", 3).max(1);
    let bin = std::env::var("FLEXWALLET_DRYRUN_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_flexwallet").to_string());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let args = SandboxArgs {
        wallets,
        seed: 1,
        ..SandboxArgs::default()
    };
    let sandbox = rt
        .block_on(flexwallet::sandbox::start_embedded(args))
        .expect("sandbox");
    let ids: Vec<String> = rt.block_on(async {
        let mut cfg = flexwallet::api::ClientConfig::new(
            sandbox.url.clone(),
            secrecy::SecretString::from(sandbox.api_key.clone()),
        );
        cfg.environment_id = Some(sandbox.environment_id.clone());
        let client = flexwallet::api::Client::new(cfg).expect("client");
        client
            .list_wallets(None)
            .await
            .expect("list")
            .into_iter()
            .filter(|w| w.wallet_status == WalletStatus::Active)
            .map(|w| w.id)
            .collect()
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("plan.csv");
    write_csv(&csv, &ids, rows);
    let size = std::fs::metadata(&csv).map(|m| m.len()).unwrap_or(0);
    println!(
        "dry run of {rows} rows over {} wallets ({:.1} MB of CSV), {runs} runs, binary {bin}",
        ids.len(),
        size as f64 / 1e6
    );
    let mut results = Vec::new();
    for i in 0..runs {
        let home = dir.path().join(format!("home{i}"));
        let run = dry_run(
            &bin,
            &home,
            &csv,
            &sandbox.url,
            &sandbox.environment_id,
            &sandbox.api_key,
        );
        println!(
            "  run {}: exit {}, wall {:.2} s, CPU {:.2} s, peak RSS {:.0} MB",
            i + 1,
            run.status,
            run.wall.as_secs_f64(),
            run.cpu.as_secs_f64(),
            run.peak_mb
        );
        assert_eq!(run.status, 0, "the dry run failed");
        results.push(run);
    }
    results.sort_by_key(|r| r.wall);
    let median = &results[results.len() / 2];
    let peak = results.iter().map(|r| r.peak_mb).fold(0.0, f64::max);
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "median wall {:.2} s (goal ≤ {GOAL_SECS} s: {}), highest peak RSS {peak:.0} MB (goal ≤ {GOAL_RSS_MB} MB: {}), CPU {:.2} s",
        median.wall.as_secs_f64(),
        met(median.wall.as_secs_f64() <= GOAL_SECS),
        met(peak <= GOAL_RSS_MB),
        median.cpu.as_secs_f64(),
    );
    rt.block_on(sandbox.shutdown());
}

/// One row a line, the wallets in turn, credits 1..50.
fn write_csv(path: &Path, ids: &[String], rows: usize) {
    let file = std::fs::File::create(path).expect("create the CSV");
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "wallet_id,credits_to_add,transaction_reason,description").expect("write");
    for i in 0..rows {
        writeln!(
            out,
            "{},{},FREE_CREDIT_GRANT,Spring promotion",
            ids[i % ids.len()],
            1 + i % 50
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

fn dry_run(bin: &str, home: &Path, csv: &Path, url: &str, env_id: &str, key: &str) -> Run {
    let started = Instant::now();
    // Reaped below by wait4, which also gives the peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(bin)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("FLEXPRICE_API_KEY", key)
        .args(["--api-url", url, "--environment-id", env_id])
        .args(["topup", "--dry-run", "--allow-duplicates", "--csv"])
        .arg(csv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the binary");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child's pid, with pointers to live locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let tv =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    Run {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        // Kilobytes on Linux.
        peak_mb: usage.ru_maxrss as f64 * 1024.0 / 1e6,
        status: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}
