//! The ledger (`L`): one wallet's transactions, newest first, paged in as the operator scrolls.
//!
//! Flexprice answers `pagination.offset` with the *next* page's offset (request offset + limit),
//! so the ledger pages with its own count of what it holds, never with the reply's offset. A
//! transaction written while the operator pages pushes the older ones down by one: the next
//! page then starts with a row already held, which is dropped by id (no repeat, and no gap,
//! since the ledger never loses rows).

use super::{Overlay, OverlayKind};
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{App, Effect, FlashKind};
use crate::keymap::Command;
use flexprice_wire::ApiError;
use flexprice_wire::models::{
    Transaction, TransactionPage, TransactionQuery, TransactionReason, TransactionStatus, TransactionType,
};

/// Transactions per request (Flexprice's default page).
pub const PAGE: u32 = 50;
/// The next page is asked for when the selection comes this close to the end of what is held.
const PREFETCH: usize = 10;

/// Which transactions the ledger asks for (sent to the API as query filters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerFilter {
    pub tx_type: Option<TransactionType>,
    pub status: Option<TransactionStatus>,
    pub reason: Option<TransactionReason>,
}

impl LedgerFilter {
    pub fn is_empty(&self) -> bool {
        *self == LedgerFilter::default()
    }

    /// "credit · pending · PURCHASED_CREDIT_INVOICED", or "" when nothing is filtered.
    pub fn describe(&self) -> String {
        [
            self.tx_type.as_ref().map(|t| t.to_string()),
            self.status.as_ref().map(|s| s.to_string()),
            self.reason.as_ref().map(|r| r.to_string()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
    }
}

#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub tx: Transaction,
    /// The transaction exactly as the API sent it.
    pub raw: Value,
}

impl LedgerEntry {
    pub fn is_pending(&self) -> bool {
        self.tx.transaction_status == TransactionStatus::Pending
    }

    /// A credit whose expiry has passed, or the debit that expired credits.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.tx.transaction_reason == TransactionReason::CreditExpired
            || (self.tx.tx_type == TransactionType::Credit && self.tx.expiry_date.is_some_and(|e| e <= now))
    }
}

#[derive(Debug, Clone)]
pub struct Ledger {
    pub wallet_id: String,
    pub wallet_name: String,
    pub currency: String,
    pub entries: Vec<LedgerEntry>,
    seen: HashSet<String>,
    /// How many transactions match, as the API counts them.
    pub total: Option<i64>,
    pub selected: usize,
    /// First row on screen.
    pub offset: usize,
    pub filter: LedgerFilter,
    pub generation: u64,
    pub loading: bool,
    /// The last page came back short: there is nothing older.
    pub exhausted: bool,
    pub error: Option<String>,
    /// The whole selected transaction is shown (`Enter`), scrolled this far.
    pub open: Option<u16>,
    /// Live refresh of the newest page (its own generation: paging goes on meanwhile).
    pub head_generation: u64,
    pub head_loading: bool,
    /// Transactions that arrived by live refresh since the ledger opened.
    pub arrived: usize,
}

impl Ledger {
    fn new(wallet_id: String, wallet_name: String, currency: String) -> Ledger {
        Ledger {
            wallet_id,
            wallet_name,
            currency,
            entries: Vec::new(),
            seen: HashSet::new(),
            total: None,
            selected: 0,
            offset: 0,
            filter: LedgerFilter::default(),
            generation: 0,
            loading: false,
            exhausted: false,
            error: None,
            open: None,
            head_generation: 0,
            head_loading: false,
            arrived: 0,
        }
    }

    pub fn selected_entry(&self) -> Option<&LedgerEntry> {
        self.entries.get(self.selected)
    }

    /// Starts over (a new filter, or a refresh): the next answer replaces everything.
    fn restart(&mut self) -> Effect {
        // A head refresh in flight belongs to the old list.
        self.head_generation += 1;
        self.head_loading = false;
        self.entries.clear();
        self.seen.clear();
        self.total = None;
        self.selected = 0;
        self.offset = 0;
        self.exhausted = false;
        self.open = None;
        self.next_page()
    }

    fn query(&self, offset: usize) -> TransactionQuery {
        let f = &self.filter;
        TransactionQuery {
            limit: Some(PAGE),
            offset: Some(offset as u64),
            tx_type: f.tx_type.clone(),
            transaction_status: f.status.clone(),
            transaction_reason: f.reason.clone(),
            ..Default::default()
        }
    }

    fn next_page(&mut self) -> Effect {
        self.generation += 1;
        self.loading = true;
        self.error = None;
        Effect::LoadLedger {
            generation: self.generation,
            wallet_id: self.wallet_id.clone(),
            query: self.query(self.entries.len()),
        }
    }

    /// Live refresh: the newest page again, unless the first load or a refresh is under way.
    pub fn refresh_head(&mut self) -> Option<Effect> {
        if self.head_loading || (self.loading && self.entries.is_empty()) {
            return None;
        }
        self.head_generation += 1;
        self.head_loading = true;
        Some(Effect::LoadLedgerHead {
            generation: self.head_generation,
            wallet_id: self.wallet_id.clone(),
            query: self.query(0),
        })
    }

    /// Takes the newest page: transactions not held yet that are newer than the first held one
    /// go on top (the selection stays on its transaction), held ones are replaced by their fresh
    /// copy (a pending top-up whose invoice got paid turns completed). When none of the page is
    /// held, more arrived than a page holds: the ledger starts over rather than show a gap.
    pub fn apply_head(&mut self, generation: u64, page: TransactionPage, height: usize) -> Option<Effect> {
        if generation != self.head_generation {
            return None;
        }
        self.head_loading = false;
        if self.loading && self.entries.is_empty() {
            return None;
        }
        let overlap = page.items.iter().position(|(tx, _)| self.seen.contains(&tx.id));
        let Some(first_held) = overlap.or(self.entries.is_empty().then_some(page.items.len())) else {
            return (!page.items.is_empty()).then(|| self.restart());
        };
        let mut fresh: Vec<LedgerEntry> = Vec::new();
        for (i, (tx, raw)) in page.items.into_iter().enumerate() {
            if i < first_held {
                if self.seen.insert(tx.id.clone()) {
                    fresh.push(LedgerEntry { tx, raw });
                }
            } else if let Some(held) = self.entries.iter_mut().find(|e| e.tx.id == tx.id) {
                *held = LedgerEntry { tx, raw };
            }
        }
        let n = fresh.len();
        if n > 0 {
            self.entries.splice(0..0, fresh);
            if self.entries.len() > n {
                self.selected += n;
            }
            self.arrived += n;
            self.total = page.total.or(self.total.map(|t| t + n as i64));
            self.scroll_into_view(height);
        } else if page.total.is_some() {
            self.total = page.total;
        }
        None
    }

    /// The next page when the selection nears the end of what is held and there may be more.
    fn maybe_more(&mut self) -> Option<Effect> {
        let near_end = self.selected + PREFETCH >= self.entries.len();
        (near_end && !self.loading && !self.exhausted && self.error.is_none()).then(|| self.next_page())
    }

    /// Takes one page; answers to an older request (filter changed since) are dropped.
    pub fn apply(&mut self, generation: u64, page: TransactionPage) {
        if generation != self.generation {
            return;
        }
        self.loading = false;
        let got = page.items.len();
        self.total = page.total.or(self.total);
        for (tx, raw) in page.items {
            if self.seen.insert(tx.id.clone()) {
                self.entries.push(LedgerEntry { tx, raw });
            }
        }
        self.exhausted = got < PAGE as usize
            || self
                .total
                .is_some_and(|t| t >= 0 && self.entries.len() as i64 >= t);
    }

    fn move_by(&mut self, delta: isize) {
        if self.entries.is_empty() {
            return;
        }
        let last = self.entries.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        self.offset = super::follow(self.selected, self.offset, height);
    }
}

fn cycle<T: Clone + PartialEq>(current: &Option<T>, all: &[T]) -> Option<T> {
    match current {
        None => all.first().cloned(),
        Some(c) => {
            let i = all.iter().position(|x| x == c)?;
            all.get(i + 1).cloned()
        }
    }
}

/// Rows of the ledger table on screen (the body minus borders and header).
pub fn ledger_rows(height: u16) -> usize {
    crate::layout::list_rows(height) as usize
}

impl App {
    /// `L`: the selected wallet's ledger.
    pub(super) fn open_ledger(&mut self) -> Vec<Effect> {
        let Some(w) = self.selected_wallet() else {
            self.flash(FlashKind::Info, "No wallet selected");
            return Vec::new();
        };
        let mut ledger = Ledger::new(w.id.clone(), w.display_name().to_string(), w.currency.clone());
        let effect = ledger.restart();
        self.overlays.push(Overlay::Ledger(ledger));
        vec![effect]
    }

    pub(super) fn on_ledger_loaded(
        &mut self,
        generation: u64,
        wallet_id: String,
        result: Result<TransactionPage, ApiError>,
    ) -> Vec<Effect> {
        let Some(l) = self.overlays.ledger_mut().filter(|l| l.wallet_id == wallet_id) else {
            return Vec::new();
        };
        if generation != l.generation {
            return Vec::new();
        }
        match result {
            Ok(page) => {
                l.apply(generation, page);
                // A filter that matches rarely: keep paging until the screen is full.
                l.maybe_more().into_iter().collect()
            }
            Err(e) => {
                l.loading = false;
                l.error = Some(e.to_string());
                self.log_error("wallet transactions", &e);
                Vec::new()
            }
        }
    }

    /// A command while the ledger is on screen; `None` when the ledger does not take it.
    pub(super) fn run_ledger(&mut self, cmd: Command) -> Option<Vec<Effect>> {
        let height = ledger_rows(self.size.1);
        let l = self.overlays.ledger_mut()?;
        let mut effects = Vec::new();
        match cmd {
            Command::Back => {
                if l.open.is_some() {
                    l.open = None;
                } else {
                    self.overlays.close(OverlayKind::Ledger);
                }
                return Some(effects);
            }
            Command::Down | Command::Up if l.open.is_some() => {
                let at = l.open.unwrap_or(0);
                l.open = Some(if cmd == Command::Down {
                    at.saturating_add(1)
                } else {
                    at.saturating_sub(1)
                });
                return Some(effects);
            }
            Command::Down => l.move_by(1),
            Command::Up => l.move_by(-1),
            Command::PageDown => l.move_by(height as isize),
            Command::PageUp => l.move_by(-(height as isize)),
            Command::Top => l.selected = 0,
            Command::Bottom => l.move_by(isize::MAX / 2),
            Command::Open => {
                if l.selected_entry().is_some() {
                    l.open = Some(0);
                }
            }
            Command::Refresh => effects.push(l.restart()),
            Command::FilterType | Command::FilterStatus | Command::FilterReason => {
                match cmd {
                    Command::FilterType => {
                        l.filter.tx_type = cycle(&l.filter.tx_type, TransactionType::KNOWN)
                    }
                    Command::FilterStatus => {
                        l.filter.status = cycle(&l.filter.status, TransactionStatus::KNOWN)
                    }
                    _ => l.filter.reason = cycle(&l.filter.reason, TransactionReason::KNOWN),
                }
                effects.push(l.restart());
                let text = match l.filter.describe() {
                    d if d.is_empty() => "Ledger: every transaction".to_string(),
                    d => format!("Ledger: {d}"),
                };
                self.flash(FlashKind::Info, text);
                return Some(effects);
            }
            Command::CopyId => {
                let id = l.selected_entry()?.tx.id.clone();
                self.flash(FlashKind::Success, format!("Copied {id} to the clipboard"));
                return Some(vec![Effect::Copy(id)]);
            }
            Command::RawJson => {
                let e = l.selected_entry()?;
                let title = format!("transaction {}", e.tx.id);
                let raw = e.raw.clone();
                self.open_json(title, &raw);
                return Some(effects);
            }
            _ => return None,
        }
        l.scroll_into_view(height);
        effects.extend(l.maybe_more());
        Some(effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tx(i: usize) -> (Transaction, Value) {
        let tx = Transaction {
            id: format!("wtx_{i:04}"),
            ..Default::default()
        };
        let raw = serde_json::json!({ "id": tx.id });
        (tx, raw)
    }

    fn page(range: std::ops::Range<usize>, total: i64) -> TransactionPage {
        TransactionPage {
            items: range.map(tx).collect(),
            total: Some(total),
        }
    }

    fn offset_of(e: &Effect) -> u64 {
        match e {
            Effect::LoadLedger { query, .. } => query.offset.unwrap_or(0),
            other => panic!("not a ledger load: {other:?}"),
        }
    }

    #[test]
    fn pages_with_its_own_count_and_drops_a_shifted_repeat() {
        let mut l = Ledger::new("w".into(), "W".into(), "usd".into());
        let first = l.restart();
        assert_eq!(offset_of(&first), 0);
        l.apply(l.generation, page(0..50, 120));
        assert!(!l.exhausted);
        l.selected = 45;
        let next = l.maybe_more().expect("near the end: the next page");
        assert_eq!(offset_of(&next), 50, "own count, not the reply's offset");
        // A new transaction arrived meanwhile: the page starts with the last row already held.
        l.apply(l.generation, page(49..99, 121));
        assert_eq!(l.entries.len(), 99);
        let ids: HashSet<_> = l.entries.iter().map(|e| e.tx.id.clone()).collect();
        assert_eq!(ids.len(), 99, "no repeat");
        l.selected = 95;
        let last = l.maybe_more().expect("more");
        assert_eq!(offset_of(&last), 99);
        l.apply(l.generation, page(99..121, 121));
        assert!(l.exhausted);
        assert!(l.maybe_more().is_none());
    }

    #[test]
    fn live_refresh_puts_new_transactions_on_top_and_keeps_the_selection() {
        let mut l = Ledger::new("w".into(), "W".into(), "usd".into());
        l.restart();
        l.apply(l.generation, page(10..60, 50));
        l.selected = 3;
        let selected = l.entries[3].tx.id.clone();
        let Some(Effect::LoadLedgerHead {
            query, generation, ..
        }) = l.refresh_head()
        else {
            panic!("a head refresh");
        };
        assert_eq!(query.offset, Some(0));
        assert!(l.refresh_head().is_none(), "one at a time");
        // Two new ones (ids 8, 9 are newer in this fixture's order), then held ones.
        let mut fresh = page(8..58, 52);
        fresh.items[2].0.description = Some("paid".into());
        assert!(l.apply_head(generation, fresh, 20).is_none());
        assert_eq!(l.entries.len(), 52);
        assert_eq!(l.entries[0].tx.id, "wtx_0008");
        assert_eq!(
            l.entries[l.selected].tx.id, selected,
            "the selection stays on its transaction"
        );
        assert_eq!(
            l.entries[2].tx.description.as_deref(),
            Some("paid"),
            "held ones refreshed"
        );
        assert_eq!(l.arrived, 2);
        let ids: HashSet<_> = l.entries.iter().map(|e| e.tx.id.clone()).collect();
        assert_eq!(ids.len(), 52);

        // More new ones than a page: start over rather than leave a gap.
        let Some(Effect::LoadLedgerHead { generation, .. }) = l.refresh_head() else {
            panic!("a head refresh");
        };
        let restart = l.apply_head(generation, page(100..150, 200), 20);
        assert!(matches!(restart, Some(Effect::LoadLedger { .. })));
        assert!(l.entries.is_empty());
    }

    #[test]
    fn a_stale_answer_is_dropped() {
        let mut l = Ledger::new("w".into(), "W".into(), "usd".into());
        l.restart();
        let old = l.generation;
        l.filter.tx_type = Some(TransactionType::Debit);
        l.restart();
        l.apply(old, page(0..50, 50));
        assert!(l.entries.is_empty());
        assert!(l.loading);
    }

    #[test]
    fn filters_cycle_through_every_value_and_back_to_all() {
        let mut f = None;
        let mut seen = Vec::new();
        loop {
            f = cycle(&f, TransactionStatus::KNOWN);
            match &f {
                Some(s) => seen.push(s.clone()),
                None => break,
            }
        }
        assert_eq!(seen, TransactionStatus::KNOWN);
    }
}
