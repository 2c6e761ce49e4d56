//! The console's core: its state, the reducer `App::update`, the overlays, the permission gate,
//! the keymap and the filter language.
//!
//! Nothing here touches a terminal, the network, the clock, the environment or the filesystem:
//! keys arrive as [`key::KeyEvent`], time and new identifiers through the [`app::Action`] and
//! the [`app::Env`] given at start, and every side effect leaves as an [`app::Effect`] for the
//! runtime to carry out. That is what makes every behaviour testable without a terminal.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod app;
pub mod key;
pub mod keymap;
pub mod layout;
pub mod moment;
