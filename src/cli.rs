//! Command-line interface: the console by default, plus scriptable subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "flexwallet",
    version,
    about = "A terminal console for Flexprice wallets"
)]
pub struct Cli {
    /// Run against an embedded sandbox seeded with demo data (no setup, no network).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Profile from the config file.
    #[arg(long, global = true, env = "FLEXWALLET_PROFILE")]
    pub profile: Option<String>,
    /// Config file (default: $XDG_CONFIG_HOME/flexwallet/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Flexprice API base URL, e.g. https://api.cloud.flexprice.io/v1.
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Value of the X-Environment-ID header.
    #[arg(long, global = true, value_name = "ID")]
    pub environment_id: Option<String>,
    /// Refuse every write: top-ups, updates and bulk jobs are hidden.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Colors: auto (off when NO_COLOR is set or output is not a terminal), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorMode::Auto)]
    pub color: ColorMode,
    /// Live refresh interval in seconds, 0 (off) to 86400.
    #[arg(long, global = true, value_name = "SECS", value_parser = refresh_secs())]
    pub refresh: Option<u64>,
    /// Keymap file overriding single bindings of the default keymap.
    #[arg(long, global = true, value_name = "PATH")]
    pub keymap: Option<PathBuf>,
    /// Log level (also RUST_LOG): error, warn, info, debug, trace.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// With --demo: credits per minute the demo burns (0 turns live motion off).
    #[arg(long, global = true, value_name = "CREDITS_PER_MIN")]
    pub burn: Option<u64>,
    /// Test-only: panic this many milliseconds after the console starts.
    #[arg(long, hide = true, value_name = "MS")]
    pub test_panic_after: Option<u64>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The console's own global flags: `flexwallet sandbox --help` leaves them out (the sandbox
/// is a server; `--refresh` or `--keymap` mean nothing to it).
const CONSOLE_ONLY: [(&str, &str); 8] = [
    ("demo", "demo"),
    ("profile", "profile"),
    ("config", "config"),
    ("api_url", "api-url"),
    ("read_only", "read-only"),
    ("color", "color"),
    ("refresh", "refresh"),
    ("keymap", "keymap"),
];

impl Cli {
    /// The command line with each subcommand's help listing only the flags that apply to it:
    /// the sandbox gets hidden arguments of its own under the console's global names, which
    /// stops clap from propagating (and listing) the globals there.
    pub fn command_for_help() -> clap::Command {
        use clap::{Arg, ArgAction, CommandFactory};
        Cli::command().mut_subcommand("sandbox", |mut sandbox| {
            for (name, long) in CONSOLE_ONLY {
                let arg = Arg::new(name).long(long).hide(true);
                // Each with its global's type: clap hands a subcommand's value of a global's
                // id up to the top level, where the derive reads it with that type.
                sandbox = sandbox.arg(match name {
                    "demo" | "read_only" => arg.action(ArgAction::SetTrue),
                    "refresh" => arg.value_parser(refresh_secs()),
                    "config" | "keymap" => arg.value_parser(clap::value_parser!(PathBuf)),
                    "color" => arg.value_parser(clap::builder::EnumValueParser::<ColorMode>::new()),
                    _ => arg.action(ArgAction::Set),
                });
            }
            sandbox
        })
    }

    /// Parses the process's arguments (as `Cli::parse`, with [`Cli::command_for_help`]).
    pub fn parse_args() -> Cli {
        use clap::FromArgMatches;
        let matches = Cli::command_for_help().get_matches();
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read wallets from the command line.
    #[command(subcommand)]
    Wallets(WalletsCommand),
    /// Run a Flexprice-compatible wallet API server (SQLite) for rehearsals, demos and tests.
    Sandbox(SandboxArgs),
    /// Bulk top-up from a CSV, exactly once, resumable.
    Topup(TopupArgs),
    /// Serve the console over SSH: operators log in with their key, the API key stays here.
    Serve(ServeArgs),
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum WalletsCommand {
    /// List every wallet.
    List {
        /// Only wallets with this wallet_status.
        #[arg(long, value_parser = ["active", "frozen", "closed"])]
        status: Option<String>,
        /// JSON for scripts (decimals as strings) instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Show one wallet with its real-time balance and breakdown.
    Get {
        id: String,
        /// JSON for scripts (decimals as strings) instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// A wallet's ledger, newest first.
    Transactions {
        id: String,
        /// How many transactions, newest first (pages are followed).
        #[arg(long, default_value_t = 50, value_parser = at_least_one::<u64>)]
        limit: u64,
        /// JSON for scripts (decimals as strings) instead of the table.
        #[arg(long)]
        json: bool,
    },
}

pub use flexprice_sandbox::{FaultOptions as FaultArgs, SandboxOptions as SandboxArgs};

#[derive(Debug, Clone, Args)]
pub struct TopupArgs {
    /// The plan: header row, wallet_id, credits_to_add or amount, transaction_reason, … Without
    /// it, --journal's job is resumed from the journal alone (a console job has no CSV).
    #[arg(long, value_name = "FILE", required_unless_present = "journal")]
    pub csv: Option<PathBuf>,
    /// transaction_reason for rows that do not give one.
    #[arg(long)]
    pub reason: Option<String>,
    /// Validate and print the plan; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Journal file (default: $XDG_STATE_HOME/flexwallet/jobs/<job>.jsonl).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Continue the job of this journal: done rows are skipped, in-flight ones re-sent with their key.
    #[arg(long)]
    pub resume: bool,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,
    /// Allow the same wallet on several rows.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// With --yes: send rows that are almost always mistakes (a closed or frozen wallet, a
    /// currency unlike the wallet's, far above its usual top-ups). Without --yes the
    /// confirmation asks about them.
    #[arg(long)]
    pub allow_mistakes: bool,
    /// Send rows that another job credited the same way in the last 7 days (an edited CSV is a
    /// new job: without this, such rows stop the job before anything is sent).
    #[arg(long)]
    pub allow_repeat: bool,
    /// Write the results CSV here.
    #[arg(long, value_name = "OUT.csv")]
    pub results: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where to listen for SSH connections.
    #[arg(long, default_value = "0.0.0.0:2222")]
    pub addr: SocketAddr,
    /// The host key (generated on first start; default: $XDG_STATE_HOME/flexwallet/ssh_host_ed25519_key).
    #[arg(long, value_name = "PATH")]
    pub host_key: Option<PathBuf>,
    /// The operators: name, role (viewer, operator, admin) and public key of each (default:
    /// $XDG_CONFIG_HOME/flexwallet/operators.toml). Re-read when it changes.
    #[arg(long, value_name = "FILE")]
    pub authorized: Option<PathBuf>,
    /// Consoles open at once; more are refused with a message.
    #[arg(long, default_value_t = 32, value_parser = at_least_one::<u32>)]
    pub max_sessions: u32,
    /// End a console after this long without input: 90s, 30m, 2h (0 = never).
    #[arg(long, default_value = "30m", value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: std::time::Duration,
    /// Input bytes per second per connection (bursts up to four times that); excess is dropped.
    #[arg(long, default_value_t = 2048, value_name = "BYTES_PER_SEC")]
    pub input_rate: u32,
    /// Close a connection that has not logged in this long after it opened: 20s, 1m.
    #[arg(long, default_value = "20s", value_name = "DURATION", value_parser = parse_duration)]
    pub login_deadline: std::time::Duration,
    /// Connections not logged in yet, at most, in all; more are closed at once.
    #[arg(long, default_value_t = 64, value_parser = at_least_one::<u32>)]
    pub max_unauthenticated: u32,
    /// Connections not logged in yet, at most, from one address.
    #[arg(long, default_value_t = 8, value_parser = at_least_one::<u32>)]
    pub max_unauthenticated_per_ip: u32,
}

/// `--refresh`: whole seconds within [`crate::config::MAX_REFRESH_SECS`], refused with the
/// range otherwise (`18446744073709551615 is not in 0..=86400`).
fn refresh_secs() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(0..=crate::config::MAX_REFRESH_SECS)
}

/// A count of 1 or more (`--limit`, `--concurrency`, `--max-sessions`…), refused in words a
/// person reads (`must be at least 1`, `too large: at most 4,294,967,295`) rather than clap's
/// `not in 1..18446744073709551615`.
pub fn at_least_one<T>(s: &str) -> Result<T, String>
where
    T: TryFrom<u64> + Into<u64> + Copy + num_max::Max,
{
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not a whole number: give 1 or more"));
    }
    let too_large = || {
        format!(
            "{t} is too large: at most {}",
            flexprice_wire::words::grouped(T::MAX.into())
        )
    };
    let n: u64 = t.parse().map_err(|_| too_large())?;
    if n == 0 {
        return Err("must be at least 1".into());
    }
    T::try_from(n).map_err(|_| too_large())
}

mod num_max {
    /// The largest value of an unsigned integer type.
    pub trait Max {
        const MAX: Self;
    }
    impl Max for u32 {
        const MAX: u32 = u32::MAX;
    }
    impl Max for u64 {
        const MAX: u64 = u64::MAX;
    }
}

/// The longest duration a `serve` flag takes: a week. Beyond it a value is a typo, and near
/// `u64::MAX` seconds no clock can add it.
pub const MAX_DURATION_SECS: u64 = 7 * 24 * 3600;

/// `90`, `90s`, `30m`, `2h` → a duration, at most [`MAX_DURATION_SECS`].
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?}: expected a number with s, m or h, e.g. 30m"))?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use s, m or h)")),
    };
    match secs {
        Some(secs) if secs <= MAX_DURATION_SECS => Ok(std::time::Duration::from_secs(secs)),
        _ => Err(format!("{s:?} is out of range: at most 168h (a week)")),
    }
}
