//! Foundation tests: wire decoding, errors, money, configuration, secrets, the client, reports.
//! One test binary on purpose: each binary costs a link on a 2-core machine.

mod alerts;
mod cli;
mod client;
mod config_errors;
mod environment;
mod errors;
#[path = "../common/hostile.rs"]
mod hostile;
mod hostile_server;
mod key_command;
mod money;
mod report;
mod secrets;
mod server;
mod wire;
mod wording;

use std::path::PathBuf;

/// Path of a file under tests/fixtures.
pub fn fixture_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Text of a file under tests/fixtures.
pub fn fixture(rel: &str) -> String {
    let p = fixture_path(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
