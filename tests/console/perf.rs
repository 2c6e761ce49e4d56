//! Resource figures of the real console against a 100,000-wallet sandbox (memory, idle CPU, bytes
//! per balance change). Ignored by default; each prints one figure for BENCHMARKS.md:
//! `cargo test --release --test console -- --ignored --nocapture perf_`

use std::process::Command;
use std::time::{Duration, Instant};

use crate::pty::Console;
use crate::sandbox_child::Sandbox;

const WALLETS: usize = 100_000;
const KEY: &str = "sk_perf";
const ENV: &str = "env_perf";

/// A sandbox of `WALLETS` wallets with `burn` credits a minute debited from random wallets, four
/// debits a second.
fn sandbox(burn: u64) -> Sandbox {
    let (wallets, burn) = (WALLETS.to_string(), burn.to_string());
    Sandbox::spawn(KEY, ENV, &["--wallets", &wallets, "--burn", &burn])
}

/// Tops `wallet_id` up by one credit through the API.
fn top_up(sb: &Sandbox, wallet_id: &str) {
    let body = serde_json::json!({"credits_to_add": "1", "transaction_reason": "PURCHASED_CREDIT_DIRECT"});
    sb.ok("POST", &format!("/v1/wallets/{wallet_id}/top-up"), Some(body));
}

/// The console on the sandbox at 120x40 with live refresh every `refresh` seconds, list loaded.
fn console(sb: &Sandbox, refresh: u64) -> Console {
    let refresh = refresh.to_string();
    let c = Console::start_with_env(
        &[
            "--api-url",
            &sb.url,
            "--environment-id",
            ENV,
            "--refresh",
            &refresh,
        ],
        120,
        40,
        &[("FLEXPRICE_API_KEY", KEY)],
    );
    let want = format!("Wallets {WALLETS}/{WALLETS}");
    c.wait_for("100,000 wallets loaded", Duration::from_secs(300), |s| {
        s.contains(&want)
    });
    c
}

fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc stat");
    // The command name may hold spaces: fields count from after its closing paren.
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    f[11].parse::<u64>().expect("utime") + f[12].parse::<u64>().expect("stime")
}

fn clock_ticks_per_sec() -> u64 {
    let out = Command::new("getconf").arg("CLK_TCK").output().expect("getconf");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}

/// The id the detail pane shows for the selected wallet.
fn selected_id(c: &Console) -> String {
    let screen = c.screen();
    let lines: Vec<Vec<&str>> = screen.lines().map(|l| l.split('│').collect()).collect();
    // "id wallet_…" on one line, or (a narrow pane) "id" with the value on the next line.
    lines
        .iter()
        .enumerate()
        .flat_map(|(y, segs)| segs.iter().enumerate().map(move |(x, seg)| (y, x, seg.trim())))
        .find_map(|(y, x, seg)| match seg.strip_prefix("id") {
            Some(rest) if rest.starts_with(' ') => Some(rest.trim().to_string()),
            Some("") => lines
                .get(y + 1)
                .and_then(|l| l.get(x))
                .map(|v| v.trim().to_string()),
            _ => None,
        })
        .filter(|id| id.starts_with("wallet"))
        .unwrap_or_else(|| panic!("no id line in the detail pane:\n{screen}"))
}

#[test]
#[ignore = "perf figure: needs a release build and ~1 minute"]
fn perf_memory_with_100k_wallets() {
    let sb = sandbox(0);
    let c = console(&sb, 5);
    std::thread::sleep(Duration::from_secs(3));
    let pid = c.pid().expect("console pid");
    let (rss, hwm) = (status_kb(pid, "VmRSS:"), status_kb(pid, "VmHWM:"));
    println!(
        "PERF memory: console with {WALLETS} wallets: VmRSS {:.1} MB, VmHWM {:.1} MB (goal <= 150 MB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    assert!(rss > 0);
}

#[test]
#[ignore = "perf figure: needs a release build and ~1.5 minutes"]
fn perf_idle_cpu_with_refresh_5s() {
    let sb = sandbox(0);
    let c = console(&sb, 5);
    let pid = c.pid().expect("console pid");
    std::thread::sleep(Duration::from_secs(5));
    let (t0, start) = (cpu_ticks(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(60));
    let (t1, secs) = (cpu_ticks(pid), start.elapsed().as_secs_f64());
    let pct = (t1 - t0) as f64 / clock_ticks_per_sec() as f64 / secs * 100.0;
    println!(
        "PERF idle CPU: {} ticks in {secs:.1} s, refresh 5 s, burn 0: {pct:.3} % of one core (goal <= 0.5 %)",
        t1 - t0
    );
}

#[test]
#[ignore = "perf figure: needs a release build and ~1 minute"]
fn perf_bytes_per_balance_change() {
    let sb = sandbox(0);
    let c = console(&sb, 1);
    let id = selected_id(&c);
    // Settle (the selected wallet's real-time balance, first refresh cycles).
    std::thread::sleep(Duration::from_secs(4));
    let window = Duration::from_secs(10);
    let b0 = c.raw_len();
    std::thread::sleep(window);
    let b1 = c.raw_len();
    top_up(&sb, &id);
    std::thread::sleep(window);
    let b2 = c.raw_len();
    let (idle, changed) = (b1 - b0, b2 - b1);
    // The bytes themselves, to see what a frame is made of.
    if let Some(dir) = std::env::var_os("FLEXWALLET_BYTES_DUMP") {
        let raw = c.raw();
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("idle.bin"), &raw[b0..b1]).expect("write idle.bin");
        std::fs::write(dir.join("change.bin"), &raw[b1..b2]).expect("write change.bin");
    }
    println!(
        "PERF bytes per change: {window:?} of refresh 1 s: idle {idle} B, with one top-up of the \
         selected wallet {changed} B; the change cost {} B (goal <= 300)",
        changed as i64 - idle as i64
    );
    assert!(
        changed >= idle,
        "the change drew nothing: idle {idle} B, changed {changed} B"
    );
}

/// The freshness contract at scale: 100,000 wallets, the default refresh (5 s), a sandbox
/// debiting random wallets four times a second (`FLEXWALLET_FRESHNESS_BURN` credits a minute,
/// 600 unless set; 0 for an idle API). Over the window (10 minutes; set
/// `FLEXWALLET_FRESHNESS_SECS` to shorten it) the console's own once-a-minute log line gives
/// the oldest balance and the oldest whole wallet; the sandbox counts the requests; /proc the
/// console's CPU.
#[test]
#[ignore = "perf figure: needs a release build and ~12 minutes"]
fn perf_freshness_over_ten_minutes() {
    let window: u64 = std::env::var("FLEXWALLET_FRESHNESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let burn: u64 = std::env::var("FLEXWALLET_FRESHNESS_BURN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let sb = sandbox(burn);
    let c = console(&sb, 5);
    let pid = c.pid().expect("console pid");
    std::thread::sleep(Duration::from_secs(5));
    let log = c.state_path().join("flexwallet.log");
    let lines_before = std::fs::read_to_string(&log).unwrap_or_default().lines().count();
    let (r0, t0, start) = (sb.requests(), cpu_ticks(pid), Instant::now());
    std::thread::sleep(Duration::from_secs(window));
    let (r1, t1, secs) = (sb.requests(), cpu_ticks(pid), start.elapsed().as_secs_f64());
    let text = std::fs::read_to_string(&log).expect("the console's log");
    let field = |line: &str, name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let reports: Vec<&str> = text
        .lines()
        .skip(lines_before)
        .filter(|l| l.contains("freshness"))
        .collect();
    assert!(
        !reports.is_empty(),
        "no freshness line in {}:\n{text}",
        log.display()
    );
    let oldest_balance = reports
        .iter()
        .map(|l| field(l, "oldest_balance_ms"))
        .max()
        .unwrap_or(0);
    let oldest_wallet = reports
        .iter()
        .map(|l| field(l, "oldest_wallet_ms"))
        .max()
        .unwrap_or(0);
    let stale = reports.iter().map(|l| field(l, "stale")).max().unwrap_or(0);
    let per_min = (r1 - r0) as f64 / secs * 60.0;
    let cpu = (t1 - t0) as f64 / clock_ticks_per_sec() as f64 / secs * 100.0;
    println!(
        "PERF freshness: {WALLETS} wallets, refresh 5 s, burn {burn}/min, {secs:.0} s, {} reports: oldest balance \
         {:.1} s (contract 15 s), oldest whole wallet {:.0} s (contract 1200 s), most stale at a \
         report {stale}; {per_min:.1} API requests/min; console CPU {cpu:.3} % of one core (goal <= 0.5 %)",
        reports.len(),
        oldest_balance as f64 / 1000.0,
        oldest_wallet as f64 / 1000.0,
    );
    assert!(oldest_balance <= 15_000, "a balance older than the contract");
    assert!(oldest_wallet <= 1_200_000, "a wallet older than the contract");
}
