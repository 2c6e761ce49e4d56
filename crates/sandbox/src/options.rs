//! How a sandbox is started: plain options for the library, a command line with feature `cli`.
//!
//! One definition serves both: `flexwallet sandbox` and `flexprice-sandbox` parse the same
//! flags (the `cli` feature derives `clap::Args`); callers of the library fill the struct.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct SandboxOptions {
    #[cfg_attr(feature = "cli", arg(long, default_value = "127.0.0.1:8080"))]
    pub addr: SocketAddr,
    /// SQLite file (default: in memory). Data survives restarts.
    #[cfg_attr(feature = "cli", arg(long, value_name = "PATH"))]
    pub db: Option<PathBuf>,
    /// The API key clients must send in x-api-key (bound to --environment-id, like a key
    /// stored in Flexprice's database: the X-Environment-ID header is ignored).
    #[cfg_attr(
        feature = "cli",
        arg(
            long,
            default_value = "sk_sandbox",
            env = "FLEXWALLET_SANDBOX_API_KEY",
            hide_env_values = true,
            hide_default_value = true
        )
    )]
    pub api_key: String,
    /// The environment the key belongs to (sent back in environment_id).
    #[cfg_attr(feature = "cli", arg(long, default_value = "env_sandbox"))]
    pub environment_id: String,
    /// A key like one from Flexprice's config file: requests must name the environment in
    /// X-Environment-ID (else 403 Access denied).
    #[cfg_attr(feature = "cli", arg(long, value_name = "KEY", hide_default_value = true))]
    pub unbound_api_key: Option<String>,
    /// A bound key whose role may only read (writes answer 403 insufficient permissions).
    #[cfg_attr(feature = "cli", arg(long, value_name = "KEY"))]
    pub read_only_api_key: Option<String>,
    /// Load the demo data set (assets/demo.toml) into an empty database.
    #[cfg_attr(feature = "cli", arg(long))]
    pub demo_data: bool,
    /// Seed this many generated wallets into an empty database.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0))]
    pub wallets: usize,
    /// Seed of the deterministic generator (and of the fault draws).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 42))]
    pub seed: u64,
    /// Debit random active wallets continuously at this many credits per minute.
    #[cfg_attr(
        feature = "cli",
        arg(long, default_value_t = 0, value_name = "CREDITS_PER_MIN")
    )]
    pub burn: u64,
    #[cfg_attr(feature = "cli", command(flatten))]
    pub faults: FaultOptions,
}

impl Default for SandboxOptions {
    /// The command line's defaults, except a free loopback port: an in-process sandbox must
    /// never collide with one already running.
    fn default() -> Self {
        SandboxOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: None,
            api_key: "sk_sandbox".into(),
            environment_id: "env_sandbox".into(),
            unbound_api_key: None,
            read_only_api_key: None,
            demo_data: false,
            wallets: 0,
            seed: 42,
            burn: 0,
            faults: FaultOptions::default(),
        }
    }
}

impl std::fmt::Debug for SandboxOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |k: &Option<String>| k.as_ref().map(|_| "[redacted]");
        f.debug_struct("SandboxOptions")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("api_key", &"[redacted]")
            .field("environment_id", &self.environment_id)
            .field("unbound_api_key", &redacted(&self.unbound_api_key))
            .field("read_only_api_key", &redacted(&self.read_only_api_key))
            .field("demo_data", &self.demo_data)
            .field("wallets", &self.wallets)
            .field("seed", &self.seed)
            .field("burn", &self.burn)
            .field("faults", &self.faults)
            .finish()
    }
}

#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct FaultOptions {
    /// Fraction of requests answered 500 internal_error / 503.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.0))]
    pub fail_rate: f64,
    /// Requests per second before 429 too_many_requests with Retry-After (0 = unlimited).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0))]
    pub rate_limit: u32,
    /// Added latency per request in milliseconds (with jitter).
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0))]
    pub latency_ms: u64,
    /// Fraction of requests whose connection is dropped without an answer.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.0))]
    pub reset_rate: f64,
    /// Fraction of top-ups committed and then answered by a dropped connection.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.0))]
    pub lost_reply_rate: f64,
    /// Fraction of requests answered 429 too_many_requests with Retry-After: 1, at any pace.
    #[cfg_attr(feature = "cli", arg(long, default_value_t = 0.0))]
    pub throttle_rate: f64,
}
