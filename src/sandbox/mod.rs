//! The Flexprice-compatible sandbox server (routes, SQLite store, faults, seed data).

use color_eyre::eyre::{Result, eyre};

use crate::cli::SandboxArgs;

/// A sandbox running inside this process (for `--demo` and tests).
pub struct EmbeddedSandbox {
    /// Base URL including `/v1`.
    pub url: String,
    pub api_key: String,
    pub environment_id: String,
}

/// Credits per minute the demo burns by default.
pub const DEMO_BURN: u64 = 600;

/// `flexwallet sandbox`: serve until Ctrl-C / SIGTERM.
pub async fn run(_args: SandboxArgs) -> Result<()> {
    Err(eyre!("the sandbox is not built yet"))
}

/// Starts a sandbox on a free loopback port in this process.
pub async fn start_embedded(_args: SandboxArgs) -> Result<EmbeddedSandbox> {
    Err(eyre!("the sandbox is not built yet"))
}
