//! The incident timeline (`T`, `:timeline [WINDOW]`): every wallet's transactions in a window,
//! newest first, from `POST /wallets/transactions/search` (no wallet id), paged by 1,000 (the
//! most Flexprice gives at once).
//!
//! The window's pages are asked with a fixed end (`as_of`, when it opened), so a transaction
//! written meanwhile does not shift them; what is newer comes by live refresh: each refresh
//! asks for what was created since the newest held (less `FEED_OVERLAP`, for a server clock a
//! little behind this one), de-duplicated by id, and puts it on top. At most [`HELD`]
//! transactions are held (the oldest go, and the title says so). A failed question never
//! empties what is shown: it is marked stale with the failure.
//!
//! A held transaction can change after it is shown: a pending invoiced top-up turns completed
//! when its invoice is paid (or failed). Live refresh replaces what it gets again in its overlap,
//! and each refresh also asks again for the span of the pending ones held
//! ([`Timeline::recheck_pending`]), so a paid top-up does not read "pending" until `r`.

pub mod filter;
#[cfg(test)]
mod tests;
pub mod totals;
pub mod window;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::ledger::LedgerEntry;
use super::{App, Effect, FlashKind, Overlay, OverlayKind};
use crate::keymap::Command;
use crate::moment::Moment;
use filter::{Subject, TxFilter};
use flexprice_wire::ApiError;
use flexprice_wire::models::{
    TransactionPage, TransactionQuery, TransactionReason, TransactionSearch, TransactionStatus,
};
use totals::Totals;
use window::Window;

/// Transactions per request: Flexprice's most (`limit` 1..1000).
pub const PAGE: u32 = 1000;
/// The most transactions held (about 2 KB each with the raw JSON: 20 MB).
pub const HELD: usize = 10_000;
/// A question's number, never given twice in this process: an answer for a timeline that was
/// replaced (`:timeline 24h` over an open one) can never pass for the new one's.
fn next_generation() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The pending ones held are asked again at most this often.
const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(15);
/// A live refresh that finds more than this many new pages starts over instead.
const HEAD_PAGES: u64 = 5;
/// The most transactions the window's pages are read for: past it (a server that repeats or
/// barely moves its pages) the paging stops, and says so.
const MOST_PAGED: u64 = 2 * HELD as u64;

#[derive(Debug, Clone)]
pub struct Timeline {
    pub window: Window,
    /// Everything held, newest first.
    pub entries: Vec<LedgerEntry>,
    seen: HashSet<String>,
    /// Positions in `entries` the filter lets through, in order: what is shown.
    pub view: Vec<u32>,
    pub filter: Option<TxFilter>,
    /// Over `view`.
    pub totals: Totals,
    /// Position in `view`.
    pub selected: usize,
    /// First row of `view` on screen.
    pub offset: usize,
    /// The pages of the window (latest wins).
    pub generation: u64,
    pub loading: bool,
    /// The window's pages all came (the last was short).
    pub exhausted: bool,
    /// Transactions received by the window's pages (the next page's offset: the reply's own
    /// `pagination.offset` is already the one after).
    paged: u64,
    /// The end the window's pages are asked with.
    pub as_of: DateTime<Utc>,
    /// Older transactions were not loaded or were let go: at most [`HELD`] are held.
    pub cut: bool,
    /// The window's paging stopped because the API gave back what it had already given (a
    /// full page with nothing new, or far more than can be held): older ones left out.
    pub repeated: bool,
    /// Live refresh (its own generation: paging goes on meanwhile).
    pub head_generation: u64,
    pub head_loading: bool,
    head_offset: u64,
    head_since: Option<DateTime<Utc>>,
    head_fresh: Vec<LedgerEntry>,
    /// The ids in `head_fresh` (a reply of any size is de-duplicated in linear time).
    head_ids: HashSet<String>,
    /// Transactions that arrived by live refresh since it opened.
    pub arrived: usize,
    /// The question again for the pending ones held (its own generation: a restart drops an
    /// answer about what is no longer held).
    pub recheck_generation: u64,
    pub recheck_loading: bool,
    /// Not asked again before this (an answer came): one more request every [`RECHECK_EVERY`]
    /// at most, however fast the refresh, for as long as an invoice stays unpaid.
    /// On this console's monotonic clock: a wall clock set back cannot hold it off.
    recheck_after: Option<Moment>,
    /// A full page came back: the next question goes on from its oldest (the span held more
    /// than a page), at the next tick.
    recheck_end: Option<DateTime<Utc>>,
    /// The end the question on its way was asked with.
    recheck_asked_end: Option<DateTime<Utc>>,
    /// The last recheck failed: why, since when (the statuses shown may be stale).
    pub recheck_failure: Option<(String, Moment)>,
    /// When an answer last said all is held (this console's monotonic clock).
    pub fresh_at: Option<Moment>,
    /// The last question failed: why, and since when every one has.
    pub failure: Option<(String, Moment)>,
}

impl Timeline {
    pub fn new(window: Window, now: DateTime<Utc>) -> Timeline {
        Timeline {
            window,
            entries: Vec::new(),
            seen: HashSet::new(),
            view: Vec::new(),
            filter: None,
            totals: Totals::default(),
            selected: 0,
            offset: 0,
            generation: 0,
            loading: false,
            exhausted: false,
            paged: 0,
            as_of: now,
            cut: false,
            repeated: false,
            head_generation: 0,
            head_loading: false,
            head_offset: 0,
            head_since: None,
            head_fresh: Vec::new(),
            head_ids: HashSet::new(),
            arrived: 0,
            recheck_generation: 0,
            recheck_loading: false,
            recheck_after: None,
            recheck_end: None,
            recheck_asked_end: None,
            recheck_failure: None,
            fresh_at: None,
            failure: None,
        }
    }

    pub fn selected_entry(&self) -> Option<&LedgerEntry> {
        let i = *self.view.get(self.selected)?;
        self.entries.get(i as usize)
    }

    /// The shown rows from `offset`, at most `n`.
    pub fn shown(&self, offset: usize, n: usize) -> impl Iterator<Item = &LedgerEntry> {
        self.view
            .iter()
            .skip(offset)
            .take(n)
            .filter_map(|&i| self.entries.get(i as usize))
    }

    /// Everything shown is older than the last good answer plus the refresh: or it failed.
    pub fn is_stale(&self) -> bool {
        self.stale().is_some()
    }

    /// Why what is shown may be out of date, and since when: the window's or the refresh's
    /// failure, else the pending recheck's (a paid top-up may still read pending).
    pub fn stale(&self) -> Option<&(String, Moment)> {
        self.failure.as_ref().or(self.recheck_failure.as_ref())
    }

    /// A question failed: shown as stale with why, since the first of the failures in a row.
    fn failed(&mut self, e: &ApiError, now: Moment) {
        let since = self.failure.as_ref().map_or(now, |(_, at)| *at);
        self.failure = Some((e.to_string(), since));
    }

    /// Starts over: the window again from its newest transaction (a new window, `r`).
    pub fn restart(&mut self, now: DateTime<Utc>) -> Effect {
        self.window.slide(now);
        self.as_of = now;
        self.head_generation = next_generation();
        self.head_loading = false;
        self.head_fresh.clear();
        self.head_ids.clear();
        self.recheck_generation = next_generation();
        self.recheck_loading = false;
        self.recheck_after = None;
        self.recheck_end = None;
        self.recheck_failure = None;
        self.entries.clear();
        self.seen.clear();
        self.view.clear();
        self.totals = Totals::default();
        self.selected = 0;
        self.offset = 0;
        self.exhausted = false;
        self.cut = false;
        self.repeated = false;
        self.paged = 0;
        self.next_page()
    }

    fn next_page(&mut self) -> Effect {
        self.generation = next_generation();
        self.loading = true;
        let end = self.window.to.map_or(self.as_of, |t| t.min(self.as_of));
        Effect::LoadTimeline {
            generation: self.generation,
            head: false,
            search: search(self.window.from, Some(end), self.paged),
        }
    }

    /// Takes one page of the window; the next is asked until one comes back short or
    /// [`HELD`] are held.
    pub fn apply_page(&mut self, page: TransactionPage) -> Option<Effect> {
        self.loading = false;
        let got = page.items.len();
        self.paged = self.paged.saturating_add(got as u64);
        let before = self.entries.len();
        for (tx, raw) in page.items {
            if self.entries.len() >= HELD {
                self.cut = true;
                break;
            }
            if self.seen.insert(tx.id.clone()) {
                self.entries.push(LedgerEntry { tx, raw });
            }
        }
        self.exhausted = got < PAGE as usize;
        if !self.exhausted && self.entries.len() >= HELD {
            self.cut = true;
        }
        // A full page with nothing new, or far more read than held: the server repeats itself
        // (or never ends); asking on would never stop.
        if !self.exhausted && !self.cut && (self.entries.len() == before || self.paged >= MOST_PAGED) {
            self.repeated = true;
        }
        (!self.exhausted && !self.cut && !self.repeated).then(|| self.next_page())
    }

    /// Live refresh: what was created since the newest held. Not while the first page is on
    /// its way, nor for a window that has ended; a window whose pages failed asks for them
    /// again instead.
    pub fn refresh_head(&mut self, now: DateTime<Utc>) -> Option<Effect> {
        if !self.loading && !self.exhausted && !self.cut && !self.repeated {
            // The window's pages stopped on a failure: they go on where they stopped first,
            // or what is new would show over a gap.
            return Some(self.next_page());
        }
        if self.head_loading || (self.loading && self.paged == 0) || !self.window.is_live(now) {
            return None;
        }
        let overlap = chrono::Duration::seconds(super::FEED_OVERLAP.as_secs() as i64);
        let newest = self
            .entries
            .first()
            .and_then(|e| e.tx.created_at)
            .unwrap_or(self.as_of)
            // One stamped in the future (a wrong server clock) would hide all that is new.
            .min(now);
        let since = (newest - overlap).max(self.window.from);
        self.head_generation = next_generation();
        self.head_loading = true;
        self.head_offset = 0;
        self.head_since = Some(since);
        self.head_fresh.clear();
        self.head_ids.clear();
        Some(self.head_page())
    }

    fn head_page(&self) -> Effect {
        Effect::LoadTimeline {
            generation: self.head_generation,
            head: true,
            search: search(
                self.head_since.unwrap_or(self.as_of),
                self.window.to,
                self.head_offset,
            ),
        }
    }

    /// Takes a page of what is new: a full one asks for the next (up to [`HEAD_PAGES`], then
    /// the window starts over rather than show a gap); the last puts them all on top. One
    /// already held (the overlap) replaces the held copy: it may have changed since.
    pub fn apply_head(&mut self, page: TransactionPage, now: DateTime<Utc>) -> Option<Effect> {
        let got = page.items.len();
        let mut again = Vec::new();
        for (tx, raw) in page.items {
            if self.seen.contains(&tx.id) {
                again.push(LedgerEntry { tx, raw });
            } else if self.head_ids.insert(tx.id.clone()) {
                self.head_fresh.push(LedgerEntry { tx, raw });
            }
        }
        // A pending copy never takes a settled one's place: the recheck, asked on the same
        // tick, may have answered after the invoice was paid and this before.
        self.replace_held(again, |held, e| held.is_pending() || !e.is_pending());
        if got >= PAGE as usize {
            self.head_offset += u64::from(PAGE);
            if self.head_offset >= HEAD_PAGES * u64::from(PAGE) {
                self.head_loading = false;
                return Some(self.restart(now));
            }
            return Some(self.head_page());
        }
        self.head_loading = false;
        let fresh = std::mem::take(&mut self.head_fresh);
        self.head_ids.clear();
        if !fresh.is_empty() {
            self.arrived += fresh.len();
            for e in &fresh {
                self.seen.insert(e.tx.id.clone());
            }
            self.entries.splice(0..0, fresh);
            // Newest first; those with equal times keep the API's order.
            self.entries.sort_by_key(|e| std::cmp::Reverse(e.tx.created_at));
            self.keep_within(now);
        }
        None
    }

    /// Puts each of `fresh` in place of the held transaction with its id, where `take(held,
    /// fresh)` says so; one pass over what is held, whatever the size of the reply. Returns how
    /// many were replaced.
    fn replace_held(
        &mut self,
        fresh: Vec<LedgerEntry>,
        take: impl Fn(&LedgerEntry, &LedgerEntry) -> bool,
    ) -> usize {
        if fresh.is_empty() {
            return 0;
        }
        let mut by_id: HashMap<String, LedgerEntry> =
            fresh.into_iter().map(|e| (e.tx.id.clone(), e)).collect();
        let mut replaced = 0;
        for held in &mut self.entries {
            // A transaction's creation time does not change: an answer that says otherwise
            // would also move it out of its place in the order.
            if let Some(e) = by_id.remove(&held.tx.id)
                && e.tx.created_at == held.tx.created_at
                && take(held, &e)
            {
                *held = e;
                replaced += 1;
            }
        }
        replaced
    }

    /// The question again for the pending transactions held: the span from the oldest to the
    /// newest of them, of their reason when they share one (an invoiced top-up, always, on
    /// Flexprice), newest first, a page at a time: when a page comes back full, the next tick
    /// asks on from its oldest, so a pending one under a thousand others is reached too. None
    /// when none is pending, when the window's pages are still coming, when the question before
    /// is still on its way, or when the last walk over the span ended less than
    /// [`RECHECK_EVERY`] ago.
    pub fn recheck_pending(&mut self, now: Moment) -> Option<Effect> {
        let walking = self.recheck_end.is_some();
        if self.recheck_loading || self.loading || (!walking && self.recheck_after.is_some_and(|t| now < t)) {
            return None;
        }
        let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        let mut reason: Option<Option<TransactionReason>> = None;
        for e in self.entries.iter().filter(|e| e.is_pending()) {
            let Some(at) = e.tx.created_at else { continue };
            span = Some(span.map_or((at, at), |(lo, hi)| (lo.min(at), hi.max(at))));
            let r = Some(e.tx.transaction_reason.clone());
            reason = match reason {
                None => Some(r),
                Some(seen) if seen == r => Some(seen),
                Some(_) => Some(None),
            };
        }
        let Some((from, newest)) = span else {
            // Nothing pending: no status shown can be stale for want of a recheck.
            self.recheck_end = None;
            self.recheck_failure = None;
            return None;
        };
        let to = match self.recheck_end {
            Some(end) if end > from => end.min(newest),
            _ => newest,
        };
        self.recheck_generation = next_generation();
        self.recheck_loading = true;
        self.recheck_asked_end = Some(to);
        let mut s = search(from, Some(to), 0);
        s.filter.transaction_reason = reason.flatten();
        Some(Effect::RecheckTimeline {
            generation: self.recheck_generation,
            search: s,
        })
    }

    /// The pending ones again: each held one the answer has, and no longer pending, takes the
    /// answer's place (a pending one never takes a settled one's: an answer may be late).
    /// A full page sets where the next question goes on from. Returns how many changed.
    pub fn apply_recheck(&mut self, page: TransactionPage, now: Moment) -> usize {
        self.recheck_loading = false;
        self.recheck_failure = None;
        let oldest = page.items.last().and_then(|(tx, _)| tx.created_at);
        let full = page.items.len() >= PAGE as usize;
        // On from the page's oldest (asked again: others may share its time), only when that
        // moves the end: a page of a thousand at one instant would be asked for forever.
        self.recheck_end = match (full, oldest, self.recheck_asked_end) {
            (true, Some(at), Some(asked)) if at < asked => Some(at),
            _ => None,
        };
        if self.recheck_end.is_none() {
            self.recheck_after = Some(now + RECHECK_EVERY);
        }
        let fresh = page
            .items
            .into_iter()
            .map(|(tx, raw)| LedgerEntry { tx, raw })
            .collect();
        self.replace_held(fresh, |held, e| held.is_pending() && !e.is_pending())
    }

    /// The recheck failed: tried again after [`RECHECK_EVERY`] (not at every tick), and the
    /// timeline says its statuses may be stale until an answer.
    fn recheck_failed(&mut self, e: &ApiError, now: Moment) {
        self.recheck_loading = false;
        self.recheck_after = Some(now + RECHECK_EVERY);
        let since = self.recheck_failure.as_ref().map_or(now, |(_, at)| *at);
        self.recheck_failure = Some((e.to_string(), since));
    }

    /// A relative window lets go of what slid out of it; at most [`HELD`] are kept.
    fn keep_within(&mut self, now: DateTime<Utc>) {
        self.window.slide(now);
        let from = self.window.from;
        let inside = self
            .entries
            .iter()
            .rposition(|e| e.tx.created_at.is_none_or(|t| t >= from))
            .map_or(0, |i| i + 1);
        let keep = inside.min(HELD);
        if keep < self.entries.len() {
            if keep == HELD {
                self.cut = true;
            }
            for e in self.entries.drain(keep..) {
                self.seen.remove(&e.tx.id);
            }
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.view.is_empty() {
            return;
        }
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.view.len() - 1);
    }
}

fn search(from: DateTime<Utc>, to: Option<DateTime<Utc>>, offset: u64) -> TransactionSearch {
    TransactionSearch {
        wallet_id: None,
        filter: TransactionQuery {
            limit: Some(PAGE),
            offset: Some(offset),
            order: Some("desc".into()),
            start_time: Some(from),
            end_time: to,
            ..TransactionQuery::default()
        },
    }
}

/// Rows of the timeline's table on screen: the list's rows less the totals strip.
pub fn timeline_rows(height: u16) -> usize {
    super::ledger::ledger_rows(height).saturating_sub(STRIP_ROWS)
}

/// The totals strip's rows (currencies, reasons).
pub const STRIP_ROWS: usize = 2;

/// The CSV the timeline's `:export` writes: the header, then one row per transaction shown.
pub const EXPORT_HEADER: [&str; 17] = [
    "created_at",
    "transaction_id",
    "customer_id",
    "customer",
    "wallet_id",
    "wallet",
    "type",
    "reason",
    "credits",
    "amount",
    "currency",
    "status",
    "reference_type",
    "reference_id",
    "invoice_id",
    "idempotency_key",
    "description",
];

impl App {
    /// `T` / `:timeline [WINDOW]`.
    pub fn open_timeline(&mut self, window: &str) -> Result<Vec<Effect>, String> {
        let window = Window::parse(window, self.clock)?;
        let mut t = Timeline::new(window, self.clock);
        let effect = t.restart(self.clock);
        self.overlays.push(Overlay::Timeline(Box::new(t)));
        Ok(vec![effect])
    }

    /// The currency of a transaction: its own, else its wallet's (lower-case).
    pub fn tx_currency<'a>(&'a self, e: &'a LedgerEntry) -> &'a str {
        match e.tx.currency.as_deref() {
            Some(c) if !c.is_empty() => c,
            _ => self
                .table
                .get(&e.tx.wallet_id)
                .map_or("", |r| r.wallet.currency.as_str()),
        }
    }

    /// The wallet's name when the list holds it.
    pub fn tx_wallet_name(&self, wallet_id: &str) -> Option<&str> {
        self.table.get(wallet_id).map(|r| r.wallet.display_name())
    }

    fn subject<'a>(&'a self, e: &'a LedgerEntry) -> Subject<'a> {
        Subject {
            tx: &e.tx,
            customer: e.tx.customer_id.as_deref().and_then(|c| self.customer(c)),
            wallet_name: self.tx_wallet_name(&e.tx.wallet_id),
            currency: self.tx_currency(e),
            invoice: self.invoice_of(&e.tx.id),
        }
    }

    /// Filters and sums again (the entries or the filter changed), the selection kept on its
    /// transaction.
    fn timeline_rebuild(&mut self, keep: Option<String>) {
        let Some(t) = self.overlays.timeline() else {
            return;
        };
        let view: Vec<u32> = t
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| t.filter.as_ref().is_none_or(|f| f.matches(&self.subject(e))))
            .map(|(i, _)| i as u32)
            .collect();
        let totals = Totals::of(
            view.iter()
                .filter_map(|&i| t.entries.get(i as usize))
                .map(|e| (&e.tx, self.tx_currency(e))),
        );
        let height = timeline_rows(self.size.1);
        let Some(t) = self.overlays.timeline_mut() else {
            return;
        };
        let at = keep.and_then(|id| {
            view.iter()
                .position(|&i| t.entries.get(i as usize).is_some_and(|e| e.tx.id == id))
        });
        t.view = view;
        t.totals = totals;
        t.selected = at.unwrap_or(t.selected).min(t.view.len().saturating_sub(1));
        t.offset = super::follow(t.selected, t.offset, height);
    }

    fn timeline_selected_id(&self) -> Option<String> {
        self.overlays
            .timeline()
            .and_then(|t| t.selected_entry())
            .map(|e| e.tx.id.clone())
    }

    /// The refresh tick: what is new, and the pending ones again, for an open timeline.
    pub(super) fn timeline_due(&mut self) -> Vec<Effect> {
        let (now, clock) = (self.now, self.clock);
        let Some(t) = self.overlays.timeline_mut() else {
            return Vec::new();
        };
        let recheck = t.recheck_pending(now);
        t.refresh_head(clock).into_iter().chain(recheck).collect()
    }

    pub(super) fn on_timeline_rechecked(
        &mut self,
        generation: u64,
        result: Result<TransactionPage, ApiError>,
    ) -> Vec<Effect> {
        let now = self.now;
        let keep = self.timeline_selected_id();
        let Some(t) = self.overlays.timeline_mut() else {
            return Vec::new();
        };
        if generation != t.recheck_generation {
            return Vec::new();
        }
        match result {
            Ok(page) => {
                // Rebuilt also when nothing changed: a stale mark may have gone.
                t.apply_recheck(page, now);
                self.timeline_rebuild(keep);
            }
            Err(e) => {
                t.recheck_failed(&e, now);
                self.log_error("timeline: search the pending transactions again", &e);
            }
        }
        Vec::new()
    }

    pub(super) fn on_timeline_loaded(
        &mut self,
        generation: u64,
        head: bool,
        result: Result<TransactionPage, ApiError>,
    ) -> Vec<Effect> {
        let (now, clock) = (self.now, self.clock);
        let keep = self.timeline_selected_id();
        let Some(t) = self.overlays.timeline_mut() else {
            return Vec::new();
        };
        let current = if head { t.head_generation } else { t.generation };
        if generation != current {
            return Vec::new();
        }
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                if head {
                    t.head_loading = false;
                } else {
                    t.loading = false;
                }
                t.failed(&e, now);
                self.log_error("timeline: search transactions", &e);
                return Vec::new();
            }
        };
        let next = if head {
            t.apply_head(page, clock)
        } else {
            t.apply_page(page)
        };
        let settled = !t.loading && !t.head_loading;
        if settled {
            t.failure = None;
            t.fresh_at = Some(now);
            // The API answers again: a recheck that failed is asked at the next tick, not
            // after its wait (the mark would outlive the outage by up to 15 s).
            if t.recheck_failure.is_some() {
                t.recheck_after = None;
            }
        }
        self.timeline_rebuild(keep);
        next.into_iter().collect()
    }

    /// `/` over the timeline: its own filter, in the list's language.
    pub fn apply_timeline_filter(&mut self, text: &str) -> Result<usize, String> {
        let filter = TxFilter::parse(text).map_err(|e| e.to_string())?;
        let keep = self.timeline_selected_id();
        let Some(t) = self.overlays.timeline_mut() else {
            return Err("the timeline is not open".into());
        };
        t.filter = (!filter.is_empty()).then_some(filter);
        self.timeline_rebuild(keep);
        Ok(self.overlays.timeline().map_or(0, |t| t.view.len()))
    }

    /// A command while the timeline is on top; `None` when it does not take it.
    pub(super) fn run_timeline(&mut self, cmd: Command) -> Option<Vec<Effect>> {
        let height = timeline_rows(self.size.1);
        let clock = self.clock;
        let t = self.overlays.timeline_mut()?;
        match cmd {
            Command::Back => {
                if t.filter.is_some() {
                    t.filter = None;
                    self.timeline_rebuild(None);
                    self.flash(FlashKind::Info, "Timeline filter cleared");
                } else {
                    self.overlays.close(OverlayKind::Timeline);
                }
                return Some(Vec::new());
            }
            Command::Down => t.move_by(1),
            Command::Up => t.move_by(-1),
            Command::PageDown => t.move_by(height as isize),
            Command::PageUp => t.move_by(-(height as isize)),
            Command::Top => t.selected = 0,
            Command::Bottom => t.move_by(isize::MAX / 2),
            Command::Refresh => {
                let effect = t.restart(clock);
                let text = format!("Timeline: loading {} again…", t.window.describe());
                self.flash(FlashKind::Info, text);
                return Some(vec![effect]);
            }
            Command::Filter => {
                let current = t.filter.as_ref().map(|f| f.text.clone()).unwrap_or_default();
                self.open_filter_for(super::filter_input::FilterTarget::Timeline, current);
                return Some(Vec::new());
            }
            Command::Open => {
                let id = t.selected_entry()?.tx.wallet_id.clone();
                self.overlays.close(OverlayKind::Timeline);
                if self.table.get(&id).is_some() {
                    return Some(self.show_wallet(&id));
                }
                self.flash(FlashKind::Info, format!("Looking up wallet {id}…"));
                return Some(vec![Effect::FindWallet { wallet_id: id }]);
            }
            Command::RawJson => {
                let e = t.selected_entry()?;
                let title = format!("transaction {}", e.tx.id);
                let raw = e.raw.clone();
                self.open_json(title, &raw);
                return Some(Vec::new());
            }
            Command::CopyId => {
                let id = t.selected_entry()?.tx.id.clone();
                self.flash(FlashKind::Success, format!("Copied {id} to the clipboard"));
                return Some(vec![Effect::Copy(id)]);
            }
            _ => return None,
        }
        t.offset = super::follow(t.selected, t.offset, height);
        Some(Vec::new())
    }

    /// The timeline is what `:export` writes: it is the top layer under the palette.
    pub(super) fn timeline_on_top(&self) -> bool {
        self.overlays
            .iter()
            .filter(|o| o.kind() != OverlayKind::Palette)
            .last()
            .is_some_and(|o| o.kind() == OverlayKind::Timeline)
    }

    /// `:export FILE` over the timeline: the transactions shown, in order, as CSV.
    pub(super) fn export_timeline(&mut self, path: PathBuf, replace: bool) -> Vec<Effect> {
        let Some(t) = self.overlays.timeline() else {
            return Vec::new();
        };
        let rows = t.shown(0, usize::MAX).map(|e| self.export_row(e)).collect();
        vec![Effect::ExportTimeline {
            path,
            header: EXPORT_HEADER.to_vec(),
            rows,
            replace,
        }]
    }

    fn export_row(&self, e: &LedgerEntry) -> Vec<String> {
        let tx = &e.tx;
        let customer_id = tx.customer_id.clone().unwrap_or_default();
        let signed = |d: rust_decimal::Decimal| flexprice_wire::money::wire_text(&d);
        vec![
            tx.created_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            tx.id.clone(),
            customer_id.clone(),
            if customer_id.is_empty() {
                String::new()
            } else {
                self.customer_label(&customer_id)
            },
            tx.wallet_id.clone(),
            self.tx_wallet_name(&tx.wallet_id).unwrap_or_default().to_string(),
            tx.tx_type.to_string(),
            tx.transaction_reason.to_string(),
            signed(tx.signed_credits()),
            signed(tx.signed_amount()),
            self.tx_currency(e).to_string(),
            tx.transaction_status.to_string(),
            tx.reference_type
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            tx.reference_id.clone().unwrap_or_default(),
            self.invoice_of(&tx.id).unwrap_or_default().to_string(),
            tx.idempotency_key.clone().unwrap_or_default(),
            tx.description.clone().unwrap_or_default(),
        ]
    }

    /// A pending invoiced top-up: what it waits for, when the console knows the invoice.
    pub fn pending_invoice<'a>(&'a self, e: &LedgerEntry) -> Option<&'a str> {
        (e.tx.transaction_status == TransactionStatus::Pending)
            .then(|| self.invoice_of(&e.tx.id))
            .flatten()
    }
}
