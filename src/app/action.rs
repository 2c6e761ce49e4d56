//! What goes into the reducer (actions) and what comes out of it (effects).

use std::time::Instant;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::api::ApiError;
use crate::api::models::Wallet;

/// Every user intent and every API result. The reducer turns them into state and effects.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// The clock moved: expire flashes, age the status bar, advance spinners.
    Tick {
        now: Instant,
        clock: DateTime<Utc>,
    },
    /// The live-refresh timer fired.
    RefreshDue,
    /// The whole list (`GET /wallets`).
    WalletsLoaded {
        generation: u64,
        result: Result<Vec<Wallet>, ApiError>,
    },
    /// The wallets in view, refreshed (`POST /wallets/search` by ids).
    WalletsRefreshed {
        generation: u64,
        ids: Vec<String>,
        result: Result<Vec<Wallet>, ApiError>,
    },
    /// One wallet's real-time balance with its breakdown.
    BalanceLoaded {
        generation: u64,
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    },
}

/// Side effects the runtime performs; results come back as actions.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadWallets {
        generation: u64,
    },
    RefreshWallets {
        generation: u64,
        ids: Vec<String>,
    },
    LoadBalance {
        generation: u64,
        wallet_id: String,
    },
    /// Put text on the clipboard of the operator's terminal (OSC 52: works over SSH).
    Copy(String),
    Quit,
}
