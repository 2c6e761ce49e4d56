//! `flexprice-sandbox`: a local Flexprice wallet API for tests and demos, with no console.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::Parser;
use flexprice_sandbox::SandboxOptions;

/// A Flexprice-compatible wallet API on SQLite, with fault injection (`/_sandbox/faults`).
#[derive(Parser)]
#[command(name = "flexprice-sandbox", version, about)]
struct Cli {
    #[command(flatten)]
    options: SandboxOptions,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("flexprice-sandbox: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(flexprice_sandbox::run(cli.options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flexprice-sandbox: {e:#}");
            ExitCode::from(1)
        }
    }
}
