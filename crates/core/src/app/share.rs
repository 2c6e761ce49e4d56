//! One picture of the wallets for many consoles. A local console keeps its own; over `serve`
//! one headless console (the leader) refreshes the wallets for every session, and each
//! session's console follows its picture: the same [`TableData`] (one copy of every wallet),
//! with only its own order, filter, selection and marks. What a session fetches for itself
//! (the rows on its screen, the selected wallet's balance, a wallet it looked up, the answer
//! to its top-up) goes to the leader, which puts it in the picture for everyone.

use std::sync::Arc;

use flexprice_wire::models::Wallet;

use super::table::TableData;
use super::{App, Effect, ErrorEntry, Live};

/// Where a console's wallets come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Feed {
    /// It lists and refreshes them itself (the local console).
    #[default]
    Own,
    /// It refreshes them for the consoles that follow it (headless, over `serve`).
    Lead,
    /// It follows a leader's picture and hands it what it fetched.
    Follow,
}

/// What a leader shows its followers: the wallets and the state of their refresh.
#[derive(Debug, Clone)]
pub struct Picture {
    pub data: Arc<TableData>,
    pub live: Live,
    pub loaded_once: bool,
    /// The leader's latest errors (the list, the change feed), newest first, and how many it
    /// has logged in all: each follower logs the ones it has not seen.
    pub errors: Vec<ErrorEntry>,
    pub errors_logged: u64,
}

/// Errors a picture carries: enough for a follower that looked away for a while.
const PICTURE_ERRORS: usize = 20;

impl App {
    /// The leader's picture now.
    pub fn picture(&self) -> Picture {
        Picture {
            data: self.table.shared(),
            live: self.live.clone(),
            loaded_once: self.loaded_once,
            errors: self.errors.iter().take(PICTURE_ERRORS).cloned().collect(),
            errors_logged: self.errors_logged,
        }
    }

    /// Fresh copies of wallets: into the table, or, following, to the leader.
    pub(super) fn take_wallets(&mut self, wallets: Vec<Wallet>) {
        match self.feed {
            Feed::Follow => self.outbox.0.extend(wallets),
            _ => self.apply_rows(wallets),
        }
    }

    /// Wallets whose refresh failed: marked in the table, or, following, told the leader.
    pub(super) fn take_failed(&mut self, ids: &[String]) {
        match self.feed {
            Feed::Follow => self.outbox.1.extend_from_slice(ids),
            _ => self.table.mark_failed(ids),
        }
    }

    /// What a follower fetched since the last action, for the leader.
    pub(super) fn send_outbox(&mut self, effects: &mut Vec<Effect>) {
        if self.outbox.0.is_empty() && self.outbox.1.is_empty() {
            return;
        }
        let (wallets, failed) = std::mem::take(&mut self.outbox);
        effects.push(Effect::Share { wallets, failed });
    }

    /// The leader takes a follower's fresh wallets: known ones refresh their rows, a wallet
    /// the list did not have (looked up by id) is added.
    pub(super) fn on_shared(&mut self, wallets: Vec<Wallet>, failed: Vec<String>) -> Vec<Effect> {
        let (known, new): (Vec<Wallet>, Vec<Wallet>) = wallets
            .into_iter()
            .partition(|w| self.table.row_of(&w.id).is_some());
        self.apply_rows(known);
        for w in new {
            self.table.upsert(w, self.now, self.live.cycle);
        }
        self.table.mark_failed(&failed);
        Vec::new()
    }

    /// A follower takes the leader's new picture (held while live refresh is paused: the
    /// picture stays frozen, as a console of its own would).
    pub(super) fn on_followed(&mut self, picture: Arc<Picture>) -> Vec<Effect> {
        if self.feed != Feed::Follow {
            return Vec::new();
        }
        if self.live.paused {
            self.held = Some(picture);
            return Vec::new();
        }
        self.adopt(&picture)
    }

    pub(super) fn adopt(&mut self, picture: &Picture) -> Vec<Effect> {
        let first = !self.loaded_once && picture.loaded_once;
        self.table.follow(picture.data.clone());
        let (mine, theirs) = (&mut self.live, &picture.live);
        mine.cycle = theirs.cycle;
        mine.last_success = theirs.last_success.max(mine.last_success);
        mine.failing_since = theirs.failing_since;
        mine.last_failure = theirs.last_failure.clone();
        mine.relist_due = theirs.relist_due;
        mine.relist_failures = theirs.relist_failures;
        mine.list_loading = theirs.list_loading;
        mine.feed_since = theirs.feed_since;
        mine.feed_loading = theirs.feed_loading;
        mine.confirmed = theirs.confirmed;
        mine.pending = theirs.pending.clone();
        mine.changed_loading = theirs.changed_loading;
        self.loaded_once |= picture.loaded_once;
        let new = picture.errors_logged.saturating_sub(self.leader_errors_seen) as usize;
        for e in picture.errors.iter().take(new).rev() {
            self.errors.push_front(e.clone());
            self.errors_logged += 1;
            // The message log too: the leader's errors are this console's as well.
            self.log_message_of_error(&e.call, &e.message);
        }
        self.errors.truncate(super::ERROR_LOG_CAP);
        self.leader_errors_seen = picture.errors_logged;
        self.table.scroll_into_view(self.list_height());
        if let Some(id) = self.show_when_followed.take() {
            if self.table.row_of(&id).is_some() {
                return self.show_wallet(&id);
            }
            self.show_when_followed = Some(id);
        }
        if first {
            return self.load_balance().into_iter().collect();
        }
        Vec::new()
    }
}
