//! `flexwallet serve`'s resident memory at 100,000 wallets with 1, 10 and 32 sessions open, and
//! after they all close: the wallets are held once (the leader's picture) however many
//! operators are logged in. `cargo bench --bench serve_memory`.
//!
//! A `flexwallet sandbox --wallets 100000` of its own (so the server's memory is its own), then
//! `flexwallet serve` against it, and SSH sessions (russh) at 80x24 that each wait until their
//! console shows the wallets. RSS is `VmRSS` of the server's process, read when it has been
//! steady for two seconds. `SERVE_BENCH_WALLETS` changes the count; `FLEXWALLET_BIN` runs
//! another build of the binary (an older one, to compare); `SERVE_BENCH_PROBE` is a shell
//! command run after each reading with `PID` and `STAGE` set (say, `gdb -p $PID -batch -ex
//! 'call (void) malloc_stats()'` to see the allocator's arenas).
//!
//! The children's stdout is read to its end, never closed: a server whose stdout reader went
//! away used to exit at its second startup line (EPIPE, exit 0, nothing said), which read here as
//! an RSS of 0 and then "connection refused". Should the server die anyway, the bench stops
//! with its exit status and the end of its log.

#[allow(unused_imports)]
#[path = "../tests/serve/harness.rs"]
mod harness;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use harness::Term;

const KEY: &str = "sk_bench_serve_memory";
const ENV: &str = "env_bench";

fn bin() -> String {
    std::env::var("FLEXWALLET_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_flexwallet").to_string())
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child's first line of stdout; the rest is read (and dropped) by a thread until it ends.
fn first_line(child: &mut Child) -> String {
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("first line");
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    line.trim().to_string()
}

/// Stops the bench if the server is gone, saying how it ended and what it logged last.
fn check_alive(serve: &mut Child, log: &std::path::Path) {
    if let Ok(Some(status)) = serve.try_wait() {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "serve exited ({status}); the end of its log:\n{}",
            tail.join("\n")
        );
    }
}

/// `SERVE_BENCH_PROBE`, if set, with `PID` and `STAGE`.
fn probe(pid: u32, stage: &str) {
    if let Ok(cmd) = std::env::var("SERVE_BENCH_PROBE") {
        let _ = Command::new("sh")
            .args(["-c", &cmd])
            .env("PID", pid.to_string())
            .env("STAGE", stage)
            .status();
    }
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// RSS once it has moved by less than 1 % over two seconds (at most a minute).
async fn steady_rss(pid: u32) -> f64 {
    let start = Instant::now();
    let mut last = rss_mb(pid);
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = rss_mb(pid);
        if (now - last).abs() <= last * 0.01 || start.elapsed() > Duration::from_secs(60) {
            return now;
        }
        last = now;
    }
}

async fn open(addr: std::net::SocketAddr, n: usize, wallets: usize) -> Vec<Term> {
    let shown = format!("/{wallets}");
    let mut terms = Vec::new();
    for _ in 0..n {
        let t = Term::open(addr, "watcher", 80, 24).await;
        t.wait_for("the wallets", |s| s.contains(&shown)).await;
        terms.push(t);
    }
    terms
}

fn main() {
    if std::env::args().any(|a| a == "--list" || a == "--test") {
        return;
    }
    let wallets: usize = std::env::var("SERVE_BENCH_WALLETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sandbox = Command::new(bin())
        .args([
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--api-key",
            KEY,
            "--environment-id",
            ENV,
        ])
        .args(["--wallets", &wallets.to_string(), "--burn", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the sandbox");
    let url = first_line(&mut sandbox)
        .strip_prefix("listening on ")
        .expect("the sandbox's address")
        .to_string();
    let _sandbox = Proc(sandbox);
    let ops = dir.path().join("operators.toml");
    std::fs::write(&ops, harness::authorized(&[("watcher", "viewer")])).expect("operators");
    let started = Instant::now();
    let mut serve = Command::new(bin())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--api-url",
            &url,
            "--environment-id",
            ENV,
        ])
        .arg("--authorized")
        .arg(&ops)
        .arg("--host-key")
        .arg(dir.path().join("host_key"))
        .env("FLEXPRICE_API_KEY", KEY)
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn serve");
    let addr: std::net::SocketAddr = first_line(&mut serve)
        .strip_prefix("listening on ssh://")
        .expect("serve's address")
        .parse()
        .expect("an address");
    let pid = serve.id();
    let mut serve = Proc(serve);
    let log = dir.path().join("state/flexwallet/flexwallet.log");
    rt.block_on(async move {
        let mut reading = async |stage: &str| {
            check_alive(&mut serve.0, &log);
            let rss = steady_rss(pid).await;
            check_alive(&mut serve.0, &log);
            probe(pid, stage);
            rss
        };
        let listening = rss_mb(pid);
        let before = reading("before").await;
        println!(
            "serve at {wallets} wallets: {listening:.1} MB when listening, {before:.1} MB before the first login ({:.1} s after start)",
            started.elapsed().as_secs_f64()
        );
        let mut terms = open(addr, 1, wallets).await;
        let one = reading("1").await;
        println!("  1 session: {one:>7.1} MB");
        terms.extend(open(addr, 9, wallets).await);
        let ten = reading("10").await;
        println!(
            " 10 sessions: {ten:>7.1} MB ({:.2}x one; {:.2} MB a session more)",
            ten / one,
            (ten - one) / 9.0
        );
        terms.extend(open(addr, 22, wallets).await);
        let many = reading("32").await;
        println!(
            " 32 sessions: {many:>7.1} MB ({:.2}x one; {:.2} MB a session more; goal <= 1.5x)",
            many / one,
            (many - one) / 31.0
        );
        for t in &terms {
            t.send("q").await;
        }
        for t in &terms {
            t.wait_closed().await;
        }
        drop(terms);
        let after = reading("after").await;
        println!(
            "after all closed: {after:.1} MB ({:.2}x before the first login; goal <= 1.2x)",
            after / before
        );
        println!(
            "goals: 32 sessions {} · after closing {}",
            if many <= one * 1.5 { "met" } else { "NOT met" },
            if after <= before * 1.2 { "met" } else { "NOT met" }
        );
    });
}
