//! flexwallet: a terminal console for Flexprice wallets, its sandbox, and its bulk engine.
//!
//! This crate is the top of the workspace (ARCHITECTURE.md): the binary's command line,
//! configuration, the terminal runtime, rendering and `serve`. The layers below are re-exported
//! under their old names so that callers (and the tests) have one door.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod config;
pub mod logging;
pub mod report;
pub mod serve;
pub mod stop;
pub mod topup_cli;
pub mod tui;
pub mod ui;

pub use flexprice_client as api;
pub use flexprice_sandbox as sandbox;
pub use flexprice_wire::{dates, money};
pub use flexwallet_core::{app, key, keymap, moment};
pub use flexwallet_engine::audit;

/// The bulk top-up engine: the pure plan (`flexwallet-bulk`) and the engine that journals and
/// sends it (`flexwallet-engine`), under one name.
pub mod bulk {
    pub use crate::topup_cli as cli;
    pub use flexwallet_bulk::*;
    pub use flexwallet_engine::{
        ExecOptions, JobHandle, Prepared, default_journal_path, executor, fetch_usual, fetch_wallets, job,
        journal, lock, paths, plan_file, prepare, read_usual, results,
    };
}
