//! flexwallet: a terminal console for Flexprice wallets, its sandbox, and its bulk engine.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod app;
pub mod audit;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod dates;
pub mod keymap;
pub mod logging;
pub mod money;
pub mod report;
pub mod sandbox;
pub mod serve;
pub mod stop;
pub mod tui;
pub mod ui;
