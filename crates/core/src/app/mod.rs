//! Console state and its reducer: `App::update(Action) -> Vec<Effect>`, no I/O.

pub mod action;
pub mod bulk;
pub mod chunks;
pub mod customers;
pub mod env;
#[cfg(test)]
mod feed_tests;
pub mod filter;
#[cfg(test)]
mod filter_app_tests;
pub mod filter_input;
pub mod form;
mod forms;
pub mod gate;
pub mod json;
pub mod ledger;
pub mod lifecycle;
#[cfg(test)]
mod lifecycle_tests;
pub mod messages;
pub mod overlay;
pub mod overwrite;
pub mod palette;
#[cfg(test)]
mod palette_tests;
pub mod runway;
mod runway_pass;
pub mod scroll;
pub mod share;
#[cfg(test)]
mod share_tests;
pub mod table;
#[cfg(test)]
mod tests;
pub mod timeline;
pub mod totals;
#[cfg(test)]
mod wording_tests;

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::moment::Moment;

use crate::key::{KeyCode, KeyEvent, KeyEventKind};
use chrono::{DateTime, Utc};

use crate::keymap::{Command, Context, Keymap};
use flexprice_wire::ApiError;
use flexprice_wire::models::Wallet;
use flexprice_wire::text::{clean, clean_owned};

pub use action::{Action, Effect};
pub use env::{Env, KeySource, SequentialKeys};
pub use gate::{Capability, FilePolicy, Permissions, Refusal, Role};
pub use overlay::{Overlay, OverlayKind, Overlays};
pub use table::{Column, Sort, WalletTable};

/// Below this the console shows a "terminal too small" message instead of a broken layout.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width on, list and detail sit side by side.
pub const WIDE_WIDTH: u16 = 120;
const FLASH_FOR: Duration = Duration::from_secs(5);
const ERROR_LOG_CAP: usize = 200;
const BALANCE_CACHE_CAP: usize = 256;
/// A real-time balance unanswered this long gets a spinner; a quicker one is not worth a
/// frame (at refresh 1 s a spinner on every answer was most of the idle bytes written).
pub const SLOW_BALANCE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlashKind {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub kind: FlashKind,
    pub until: Moment,
    /// Its entry in the message log (`Message::id`).
    pub message: u64,
}

/// One entry of the error log layer.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEntry {
    pub at: DateTime<Utc>,
    pub call: String,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
}

/// Live refresh bookkeeping. Generations make the latest request win: an answer whose
/// generation is not the current one is dropped.
#[derive(Debug, Clone)]
pub struct Live {
    pub interval: Duration,
    pub paused: bool,
    /// Incremented at each refresh; a delta is highlighted during the cycle it was seen in.
    pub cycle: u64,
    pub list_generation: u64,
    pub rows_generation: u64,
    pub balance_generation: u64,
    pub list_loading: bool,
    pub rows_loading: bool,
    pub balance_loading: bool,
    /// When the real-time balance in flight was asked for.
    pub balance_asked: Moment,
    pub last_success: Option<Moment>,
    /// Since when every refresh has failed (`None`: the last one answered).
    pub failing_since: Option<Moment>,
    /// The last failure's short cause (`503 service_unavailable`), for the status bar.
    pub last_failure: Option<String>,
    /// When the next full re-list is due: it keeps the wallets off screen fresh too.
    pub relist_due: Moment,
    /// Failed re-lists in a row: each doubles the wait, up to 16 times the period.
    pub relist_failures: u32,
    /// When the list in flight was asked for, on this machine's clock.
    pub list_asked: DateTime<Utc>,
    /// The change feed: where its next question starts (`None` until the first list).
    pub feed_since: Option<DateTime<Utc>>,
    pub feed_generation: u64,
    pub feed_loading: bool,
    /// Every loaded wallet's balance was current at this moment, except those in `pending`:
    /// the last answer of the change feed.
    pub confirmed: Option<Moment>,
    /// Wallets the change feed named, not yet fetched again, with the last moment their
    /// balance was known to be current (the change happened after it).
    pub pending: HashMap<String, Moment>,
    pub changed_generation: u64,
    pub changed_loading: bool,
}

impl Live {
    pub fn enabled(&self) -> bool {
        !self.interval.is_zero()
    }

    fn failed(&mut self, now: Moment, err: &ApiError) {
        // Failing since the last answer: the first failure is only known after the client's
        // own retries, seconds after the picture stopped being refreshed.
        let since = self.last_success.map_or(now, |ok| ok.min(now));
        self.failing_since.get_or_insert(since);
        let cause = match (err.status(), err.code()) {
            (Some(s), Some(c)) => format!("{s} {c}"),
            (Some(s), None) => s.to_string(),
            (None, _) => err.to_string(),
        };
        self.last_failure = Some(cause);
    }

    fn answered(&mut self, now: Moment) {
        self.last_success = Some(now);
        self.failing_since = None;
        self.last_failure = None;
    }
}

/// The change feed asks again from this long before its last question: a transaction created
/// on a server whose clock is a little behind this machine's is still seen.
pub const FEED_OVERLAP: Duration = Duration::from_secs(15);
/// Wallets the change feed names that are fetched again in one request.
const CHANGED_BATCH: usize = 500;

/// How often every loaded wallet is listed again: a minute, or 6 ms a wallet when there are
/// more than 10,000 (100,000 wallets, about 100 MB of JSON: every 10 minutes).
pub fn relist_period(wallets: usize) -> Duration {
    Duration::from_secs(60).max(Duration::from_millis(6).saturating_mul(wallets as u32))
}

/// What a `:profile` switched to: where, and that profile's own settings.
#[derive(Debug, Clone)]
pub struct Switched {
    pub origin: Origin,
    pub read_only: bool,
    /// Its `refresh_secs` (or the `--refresh` given at start, which wins as it did then).
    pub refresh: Duration,
    /// Its `confirm_above` (`None`: the default).
    pub confirm_above: Option<rust_decimal::Decimal>,
}

/// Who the operator is talking to, for the status bar.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub profile: String,
    pub host: String,
    pub environment: Option<String>,
    /// Where the API key came from, by name (`FLEXPRICE_API_KEY`): said when the API refuses it.
    pub key_source: String,
}

pub struct App {
    pub keymap: Keymap,
    /// Role, read-only mode and file policy: what [`App::may`] decides from.
    pub permissions: Permissions,
    pub origin: Origin,
    pub table: WalletTable,
    pub focus: Focus,
    /// Help, errors, palette, filter, forms, bulk, ledger, JSON and the quit question: one
    /// ordered stack whose top takes the keys.
    pub overlays: Overlays,
    pub detail_scroll: u16,
    /// Latest real-time balances by wallet id.
    pub balances: HashMap<String, (Wallet, Moment)>,
    pub live: Live,
    pub errors: VecDeque<ErrorEntry>,
    /// Every flash, warning and error, whole, with its time (`M`).
    pub messages: messages::MessageLog,
    /// How far help, the logs and the detail can scroll, as last drawn.
    pub extents: scroll::Extents,
    /// The invoices of the invoiced top-ups this console made, by transaction id (newest
    /// first): the API's transaction does not name its invoice.
    invoices: VecDeque<(String, String)>,
    pub flash: Option<Flash>,
    pub now: Moment,
    pub clock: DateTime<Utc>,
    pub size: (u16, u16),
    pub spinner: usize,
    pub loaded_once: bool,
    pub should_quit: bool,
    /// Top-ups above this many credits are confirmed by typing the amount.
    pub confirm_above: rust_decimal::Decimal,
    /// The bulk job started from the console (running, or the last one finished).
    pub job: Option<bulk::JobView>,
    /// Who is at the keyboard when it is not this machine's user (`alice · operator` over SSH).
    pub who: Option<String>,
    /// The profile a `:profile` is reaching, until it answers (its key command may take a
    /// while; the console goes on meanwhile).
    pub switching_to: Option<String>,
    /// Loaded wallets past the freshness contract: counted when time passes or answers
    /// arrive, not on every frame (at 100,000 wallets a count is a walk over all of them).
    pub stale_count: usize,
    /// Balance and credits per currency over the wallets in view, summed again when the view
    /// changes (after each action), not per frame.
    pub totals: totals::ViewTotals,
    /// Paths and key source from outside (the core reads no environment itself).
    pub env: Env,
    /// Whether this console lists the wallets itself, leads others, or follows a leader.
    pub feed: share::Feed,
    /// Following: fresh wallets and failed ids for the leader, sent after this action.
    outbox: (Vec<Wallet>, Vec<String>),
    /// Following while paused: the leader's latest picture, taken on resume.
    held: Option<std::sync::Arc<share::Picture>>,
    /// Following: a wallet looked up by id, shown once the leader's picture holds it.
    show_when_followed: Option<String>,
    /// Errors logged so far (leading: the followers log the ones they have not seen).
    pub errors_logged: u64,
    /// Following: how many of the leader's errors this console has logged.
    leader_errors_seen: u64,
    /// The customer list in flight, and its retries.
    customer_fetch: customers::CustomerFetch,
    /// Which named set of columns the list shows (`c` cycles them).
    pub column_set: table::ColumnSet,
    /// The runway pass in flight and when the next is due (its figures are the table's).
    runway_pass: runway_pass::Pass,
}

impl App {
    pub fn new(
        keymap: Keymap,
        origin: Origin,
        read_only: bool,
        refresh: Duration,
        now: Moment,
        clock: DateTime<Utc>,
        env: Env,
    ) -> App {
        App {
            keymap,
            permissions: Permissions::local(read_only),
            origin,
            table: WalletTable::default(),
            focus: Focus::List,
            overlays: Overlays::default(),
            detail_scroll: 0,
            balances: HashMap::new(),
            live: Live {
                interval: refresh,
                paused: false,
                cycle: 0,
                list_generation: 0,
                rows_generation: 0,
                balance_generation: 0,
                list_loading: false,
                rows_loading: false,
                balance_loading: false,
                balance_asked: now,
                last_success: None,
                failing_since: None,
                last_failure: None,
                relist_due: now,
                relist_failures: 0,
                list_asked: clock,
                feed_since: None,
                feed_generation: 0,
                feed_loading: false,
                confirmed: None,
                pending: HashMap::new(),
                changed_generation: 0,
                changed_loading: false,
            },
            errors: VecDeque::new(),
            messages: messages::MessageLog::default(),
            extents: scroll::Extents::default(),
            invoices: VecDeque::new(),
            flash: None,
            now,
            clock,
            size: (MIN_WIDTH, MIN_HEIGHT),
            spinner: 0,
            loaded_once: false,
            should_quit: false,
            confirm_above: forms::DEFAULT_CONFIRM_ABOVE,
            switching_to: None,
            job: None,
            who: None,
            env,
            stale_count: 0,
            totals: totals::ViewTotals::default(),
            feed: share::Feed::Own,
            outbox: (Vec::new(), Vec::new()),
            held: None,
            show_when_followed: None,
            errors_logged: 0,
            leader_errors_seen: 0,
            customer_fetch: customers::CustomerFetch::default(),
            column_set: table::ColumnSet::default(),
            runway_pass: runway_pass::Pass::default(),
        }
    }

    /// The effects to run at start: load every wallet.
    pub fn start(&mut self) -> Vec<Effect> {
        match self.feed {
            // The leader's picture comes by itself.
            share::Feed::Follow => Vec::new(),
            _ => {
                let mut effects = self.load_all();
                effects.extend(self.runway_due(true));
                effects
            }
        }
    }

    pub fn is_wide(&self) -> bool {
        self.size.0 >= WIDE_WIDTH
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Rows of the list that fit on screen: the same arithmetic as `ui::layout`.
    pub fn list_height(&self) -> usize {
        crate::layout::list_rows(self.size.1) as usize
    }

    /// Which keymap context the keys go to now: the top overlay's, or the list's or detail's.
    pub fn context(&self) -> Context {
        match self.overlays.top() {
            None => match self.focus {
                Focus::Detail => Context::Detail,
                Focus::List => Context::List,
            },
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Errors { .. }) => Context::Errors,
            Some(Overlay::Messages { .. }) => Context::Messages,
            Some(Overlay::Ledger(_)) => Context::Ledger,
            Some(Overlay::Json(_)) => Context::Json,
            Some(Overlay::Filter(_)) => Context::Filter,
            Some(Overlay::Palette(_)) => Context::Palette,
            Some(Overlay::Timeline(_)) => Context::Timeline,
            Some(Overlay::Form(f)) => form::context_of(f),
            Some(Overlay::Bulk(b)) => bulk::context_of(b),
            Some(Overlay::QuitQuestion | Overlay::Overwrite(_)) => Context::Confirm,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.live.list_loading || self.live.rows_loading || self.live.balance_loading
    }

    /// The selected wallet's real-time balance is being loaded and there is none to show yet,
    /// or the answer is slow in coming.
    pub fn balance_pending(&self) -> bool {
        self.live.balance_loading
            && (self.selected_balance().is_none()
                || self.now.saturating_duration_since(self.live.balance_asked) >= SLOW_BALANCE)
    }

    /// A refresh cycle's answers (rows, balance) are still coming: its frame waits for them
    /// all, so one change costs one frame.
    pub fn refresh_in_flight(&self) -> bool {
        self.live.rows_loading || self.live.balance_loading
    }

    /// The freshness contract, two figures: every loaded wallet's balance is at most the
    /// first old (the rows on screen and the change feed, every interval), and the whole
    /// wallet (status, settings, alert state) at most the second (the full re-list), or it is
    /// marked stale.
    pub fn freshness_contract(&self) -> (Duration, Duration) {
        let balance = self.live.interval * 3;
        (balance, balance.max(relist_period(self.table.len()) * 2))
    }

    /// When this row's balance was last known to be current: its own fetch, or the change
    /// feed's last answer when that is later and named no change to it.
    pub fn balance_fresh_at(&self, row: &table::Row) -> Moment {
        match self.live.confirmed {
            Some(c)
                if c > row.meta.refreshed_at
                    && (self.live.pending.is_empty() || !self.live.pending.contains_key(&row.wallet.id)) =>
            {
                c
            }
            _ => row.meta.refreshed_at,
        }
    }

    /// The ages of the oldest balance and of the oldest whole wallet among those loaded.
    pub fn oldest(&self) -> (Duration, Duration) {
        self.table
            .rows
            .iter()
            .fold((Duration::ZERO, Duration::ZERO), |(b, w), r| {
                (
                    b.max(self.now.saturating_duration_since(self.balance_fresh_at(r))),
                    w.max(self.now.saturating_duration_since(r.meta.refreshed_at)),
                )
            })
    }

    /// Loaded wallets past the freshness contract or whose last refresh failed: the counts of
    /// the overview are built on them too, and say so.
    pub fn stale_wallets(&self) -> usize {
        if !self.live.enabled() {
            return 0;
        }
        // What `is_stale` says of every row, from the table's fetch-time histogram and failed
        // set instead of a walk (see `WalletTable::fetched_at`). With the change feed's word
        // recent enough, only the named (pending) rows can be stale by balance; otherwise a
        // row's balance is as old as its own fetch.
        let (balance, whole) = self.freshness_contract();
        let (balance_cut, whole_cut) = (self.now - balance, self.now - whole);
        let t = &self.table;
        let feed_vouches = self.live.confirmed.is_some_and(|c| c >= balance_cut);
        let cut = if feed_vouches { whole_cut } else { balance_cut };
        let fetched = |i: &usize| t.rows.get(*i).map(|r| r.meta.refreshed_at);
        let failed_fresh = t
            .failed_rows
            .iter()
            .filter(|i| fetched(i).is_some_and(|at| at >= cut))
            .count();
        let mut stale = t.fetched_before(cut) + failed_fresh;
        if feed_vouches {
            stale += self
                .live
                .pending
                .keys()
                .filter_map(|id| t.row_of(id))
                .filter(|i| !t.failed_rows.contains(i))
                .filter(|i| fetched(i).is_some_and(|at| at >= whole_cut && at < balance_cut))
                .count();
        }
        stale
    }

    /// The stale count by asking [`App::is_stale`] of every row: what `stale_wallets` must agree
    /// with (tests), at the cost of a walk over every row.
    pub fn stale_wallets_by_walk(&self) -> usize {
        if !self.live.enabled() {
            return 0;
        }
        self.table.rows.iter().filter(|r| self.is_stale(r)).count()
    }

    /// A row is stale when its last refresh failed or, with live refresh on, when its balance
    /// or the rest of it is older than the freshness contract.
    pub fn is_stale(&self, row: &table::Row) -> bool {
        if row.meta.failed {
            return true;
        }
        if !self.live.enabled() {
            return false;
        }
        let (balance, whole) = self.freshness_contract();
        self.now.saturating_duration_since(self.balance_fresh_at(row)) > balance
            || self.now.saturating_duration_since(row.meta.refreshed_at) > whole
    }

    /// The selected wallet, with its latest real-time balance merged in when we have one.
    pub fn selected_wallet(&self) -> Option<&Wallet> {
        self.table.selected_row().map(|r| &*r.wallet)
    }

    pub fn selected_balance(&self) -> Option<&(Wallet, Moment)> {
        self.table.selected_id().and_then(|id| self.balances.get(id))
    }

    /// Errors in the last five minutes, for the status bar.
    pub fn recent_errors(&self) -> usize {
        let since = self.clock - chrono::Duration::minutes(5);
        self.errors.iter().filter(|e| e.at >= since).count()
    }

    /// Flashes and the error log quote the API (names, ids, messages): both pass the one
    /// sanitiser, so what is drawn is what the operator reads, never a terminal command.
    pub(crate) fn flash(&mut self, kind: FlashKind, text: impl Into<String>) {
        let text = clean_owned(text.into());
        self.flash_leaves();
        let message = self.log_flash(kind, &text);
        self.flash = Some(Flash {
            text,
            kind,
            until: self.now + FLASH_FOR,
            message,
        });
    }

    pub(crate) fn log_error(&mut self, call: &str, err: &ApiError) {
        self.errors.push_front(ErrorEntry {
            at: self.clock,
            call: clean(call).into_owned(),
            status: err.status(),
            code: err.code().map(|c| clean(c).into_owned()),
            message: clean_owned(err.to_string()),
        });
        self.errors.truncate(ERROR_LOG_CAP);
        self.errors_logged += 1;
        if let Some(e) = self.errors.front() {
            let (call, message) = (e.call.clone(), e.message.clone());
            self.log_message_of_error(&call, &message);
        }
    }

    /// The whole list of wallets, and of customers beside it (their names, asked once for
    /// all wallets).
    fn load_all(&mut self) -> Vec<Effect> {
        self.live.list_generation += 1;
        self.live.list_loading = true;
        self.live.list_asked = self.clock;
        vec![
            Effect::LoadWallets {
                generation: self.live.list_generation,
            },
            self.load_customers(),
        ]
    }

    pub(crate) fn load_balance(&mut self) -> Option<Effect> {
        if self.feed == share::Feed::Lead {
            return None;
        }
        let id = self.table.selected_id()?.to_string();
        self.live.balance_generation += 1;
        self.live.balance_loading = true;
        self.live.balance_asked = self.now;
        Some(Effect::LoadBalance {
            generation: self.live.balance_generation,
            wallet_id: id,
        })
    }

    /// The reducer. Every effect it returns has passed the gate: one that asks for something
    /// this console may not do is dropped, with the reason on screen.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let recount = matches!(
            action,
            Action::Tick { .. }
                | Action::WalletsLoaded { .. }
                | Action::WalletsRefreshed { .. }
                | Action::BalanceLoaded { .. }
                | Action::ChangesLoaded { .. }
                | Action::ChangedRefreshed { .. }
                | Action::Followed(_)
        );
        let mut effects = self.reduce(action);
        self.send_outbox(&mut effects);
        if recount {
            self.stale_count = self.stale_wallets();
        }
        let mut totals = std::mem::take(&mut self.totals);
        totals.refresh(self);
        self.totals = totals;
        effects.retain(|e| e.capability().is_none_or(|c| self.check(c)));
        effects
    }

    fn reduce(&mut self, action: Action) -> Vec<Effect> {
        // A flash only takes the place of an error logged by the same action.
        self.messages.error_just_logged = false;
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Paste(text) => {
                if self.too_small() {
                    return Vec::new();
                }
                match self.overlays.top_mut() {
                    Some(Overlay::Filter(f)) => f.paste(&text),
                    Some(Overlay::Palette(_)) => self.palette_paste(&text),
                    Some(Overlay::Form(f)) => {
                        f.paste(&text, self.clock);
                        self.resolve_create_customer();
                    }
                    Some(Overlay::Bulk(bulk::BulkLayer::Form(f))) if !f.asking_discard => f.paste(&text),
                    _ => {}
                }
                Vec::new()
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                let height = self.list_height();
                self.table.scroll_into_view(height);
                Vec::new()
            }
            Action::Tick { now, clock } => {
                self.now = now;
                self.clock = clock;
                self.spinner = self.spinner.wrapping_add(1);
                if self.flash.as_ref().is_some_and(|f| f.until <= now) {
                    self.flash_leaves();
                    self.flash = None;
                }
                Vec::new()
            }
            Action::RefreshDue => self.on_refresh_due(),
            Action::WalletsLoaded { generation, result } => self.on_wallets_loaded(generation, result),
            Action::CustomersLoaded { generation, result } => self.on_customers_loaded(generation, result),
            Action::WalletsRefreshed {
                generation,
                ids,
                result,
            } => self.on_rows_refreshed(generation, ids, result),
            Action::BalanceLoaded {
                generation,
                wallet_id,
                result,
            } => self.on_balance_loaded(generation, wallet_id, result),
            Action::TopUpDone { wallet_id, result } => self.on_top_up_done(wallet_id, result),
            Action::UpdateDone { wallet_id, result } => self.on_update_done(wallet_id, result),
            Action::WalletCreated { result } => self.on_created(result),
            Action::Terminated { wallet_id, result } => self.on_terminated(wallet_id, result),
            Action::Debited { wallet_id, result } => self.on_debited(wallet_id, result),
            Action::BulkPlanned { source, result } => self.on_bulk_planned(source, result),
            Action::BulkProgress(p) => self.on_bulk_progress(p),
            Action::BulkFailed(message) => self.on_bulk_failed(message),
            Action::ResultsExported(result) => self.on_results_exported(result),
            Action::LedgerLoaded {
                generation,
                wallet_id,
                result,
            } => self.on_ledger_loaded(generation, wallet_id, result),
            Action::LedgerHeadLoaded {
                generation,
                wallet_id,
                result,
            } => {
                match (self.overlays.ledger_mut(), result) {
                    (Some(l), Ok(page)) if l.wallet_id == wallet_id => {
                        let height = ledger::ledger_rows(self.size.1);
                        if let Some(restart) = l.apply_head(generation, page, height) {
                            return vec![restart];
                        }
                    }
                    (Some(l), Err(e)) if l.wallet_id == wallet_id && generation == l.head_generation => {
                        l.head_loading = false;
                        self.log_error("wallet transactions", &e);
                    }
                    _ => {}
                }
                Vec::new()
            }
            Action::TimelineLoaded {
                generation,
                head,
                result,
            } => self.on_timeline_loaded(generation, head, result),
            Action::TimelineRechecked { generation, result } => {
                self.on_timeline_rechecked(generation, result)
            }
            Action::TimelineExported(result) => {
                match result {
                    Ok((path, n)) => self.flash(
                        FlashKind::Success,
                        format!("Wrote {n} transactions to {}", path.display()),
                    ),
                    Err(e) => self.flash(FlashKind::Error, format!("Export failed: {e}")),
                }
                Vec::new()
            }
            Action::RawWalletLoaded { wallet_id, result } => self.on_raw_wallet(wallet_id, result),
            Action::WalletFound { wallet_id, result } => match result {
                Ok(w) if self.feed == share::Feed::Follow => {
                    // Shown once the leader has it in the picture.
                    let known = self.table.row_of(&wallet_id).is_some();
                    self.take_wallets(vec![*w]);
                    if known {
                        self.show_wallet(&wallet_id)
                    } else {
                        self.show_when_followed = Some(wallet_id);
                        Vec::new()
                    }
                }
                Ok(w) => {
                    self.table.upsert(*w, self.now, self.live.cycle);
                    self.show_wallet(&wallet_id)
                }
                Err(e) => {
                    self.log_error("get wallet", &e);
                    let text = match e.status() {
                        Some(404) => format!("No wallet {wallet_id}"),
                        _ => format!("Looking up wallet {wallet_id} failed: {e}"),
                    };
                    self.flash(FlashKind::Error, text);
                    Vec::new()
                }
            },
            Action::ViewExported(result) => {
                match result {
                    Ok((path, n)) => self.flash(
                        FlashKind::Success,
                        format!("Wrote {n} wallets to {}", path.display()),
                    ),
                    Err(e) => self.flash(FlashKind::Error, format!("Export failed: {e}")),
                }
                Vec::new()
            }
            Action::FileExists { path, write } => self.on_file_exists(path, write),
            Action::ChangesLoaded { generation, result } => self.on_changes_loaded(generation, result),
            Action::UsualLoaded { wallet_id, result } => self.on_usual_loaded(wallet_id, result),
            Action::ChangedRefreshed {
                generation,
                ids,
                result,
            } => self.on_changed_refreshed(generation, ids, result),
            Action::ProfileSwitched(result) => self.on_profile_switched(result),
            Action::Followed(picture) => self.on_followed(picture),
            Action::Shared { wallets, failed } => self.on_shared(wallets, failed),
            Action::AuditLog(state) => self.on_audit_log(state),
            Action::RunwayProgress {
                generation,
                read,
                total,
            } => self.on_runway_progress(generation, read, total),
            Action::RunwayLoaded { generation, result } => self.on_runway_loaded(generation, result),
        }
    }

    fn on_refresh_due(&mut self) -> Vec<Effect> {
        if self.live.paused || !self.live.enabled() {
            return Vec::new();
        }
        let mut effects = Vec::new();
        // A follower's list, change feed and cycle are its leader's; a leader has no screen.
        let (follow, lead) = (self.feed == share::Feed::Follow, self.feed == share::Feed::Lead);
        // The whole list: again and again until the first load answers (backing off), then
        // every re-list period, so wallets off screen and the overview's counts stay fresh.
        if !follow && !self.live.list_loading && self.now >= self.live.relist_due {
            effects.extend(self.load_all());
        }
        effects.extend(self.customers_due());
        effects.extend(self.timeline_due());
        effects.extend(self.runway_due(false));
        if !self.loaded_once {
            return effects;
        }
        if !lead {
            effects.extend(self.refresh_screen());
        }
        if follow {
            return effects;
        }
        self.live.cycle += 1;
        if let Some(since) = self.live.feed_since.filter(|_| !self.live.feed_loading) {
            self.live.feed_generation += 1;
            self.live.feed_loading = true;
            effects.push(Effect::LoadChanges {
                generation: self.live.feed_generation,
                since,
            });
        }
        effects.extend(self.refresh_changed());
        effects
    }

    /// The rows on screen, the selected wallet's balance and the ledger's newest page, again.
    fn refresh_screen(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let ids = self.table.visible_ids(self.list_height());
        if !ids.is_empty() {
            self.live.rows_generation += 1;
            self.live.rows_loading = true;
            effects.push(Effect::RefreshWallets {
                generation: self.live.rows_generation,
                ids,
            });
        }
        effects.extend(self.load_balance());
        effects.extend(self.overlays.ledger_mut().and_then(ledger::Ledger::refresh_head));
        effects
    }

    /// Applies fresh copies of wallets to the table. A change's `since` is the last moment the
    /// old balance was known to be current: the row's own fetch, or the change feed's later
    /// word for it, so the Change column can say what span it covers.
    fn apply_rows(&mut self, wallets: Vec<Wallet>) {
        // Only the rows whose balance this refresh changes.
        let known: Vec<(String, Moment)> = wallets
            .iter()
            .filter_map(|w| {
                let row = self.table.get(&w.id).filter(|r| r.wallet.balance != w.balance)?;
                let at = self
                    .live
                    .pending
                    .get(&w.id)
                    .copied()
                    .unwrap_or_else(|| self.balance_fresh_at(row));
                Some((w.id.clone(), at))
            })
            .collect();
        self.table.apply_refresh(wallets, self.now, self.live.cycle);
        for (id, at) in known {
            if let Some(d) = self.table.get_mut(&id).and_then(|r| r.meta.delta.as_mut())
                && d.since < at
            {
                d.since = at;
            }
        }
    }

    /// Fetches (a batch of) the wallets the change feed named, unless a batch is in flight.
    fn refresh_changed(&mut self) -> Option<Effect> {
        if self.live.changed_loading || self.live.pending.is_empty() {
            return None;
        }
        let mut ids: Vec<String> = self.live.pending.keys().take(CHANGED_BATCH).cloned().collect();
        ids.sort();
        self.live.changed_generation += 1;
        self.live.changed_loading = true;
        Some(Effect::RefreshChanged {
            generation: self.live.changed_generation,
            ids,
        })
    }

    fn on_changes_loaded(
        &mut self,
        generation: u64,
        result: Result<flexprice_wire::models::Changes, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.live.feed_generation {
            return Vec::new();
        }
        self.live.feed_loading = false;
        match result {
            Ok(changes) => {
                self.live.answered(self.now);
                // The answer holds as of its question: that long before now on this clock.
                let asked_ago = (self.clock - changes.as_of).to_std().unwrap_or(Duration::ZERO);
                let as_of = self.now - asked_ago;
                let mut unknown = false;
                for id in changes.wallet_ids {
                    let Some(row) = self.table.get(&id) else {
                        unknown = true;
                        continue;
                    };
                    if !self.live.pending.contains_key(&id) {
                        let known = self.balance_fresh_at(row);
                        self.live.pending.insert(id, known);
                    }
                }
                self.live.confirmed = Some(self.live.confirmed.map_or(as_of, |c| c.max(as_of)));
                self.live.feed_since =
                    Some(changes.as_of - chrono::Duration::seconds(FEED_OVERLAP.as_secs() as i64));
                if !changes.complete || unknown {
                    // More changed than the feed reads in one go, or a wallet this console has
                    // not listed yet: the whole list again, within a minute.
                    let soon = self.now + Duration::from_secs(if changes.complete { 60 } else { 0 });
                    self.live.relist_due = self.live.relist_due.min(soon);
                }
                self.refresh_changed().into_iter().collect()
            }
            Err(e) => {
                self.log_error("change feed", &e);
                self.live.failed(self.now, &e);
                Vec::new()
            }
        }
    }

    fn on_changed_refreshed(
        &mut self,
        generation: u64,
        ids: Vec<String>,
        result: Result<Vec<Wallet>, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.live.changed_generation {
            return Vec::new();
        }
        self.live.changed_loading = false;
        match result {
            Ok(wallets) => {
                self.live.answered(self.now);
                let returned: HashSet<String> = wallets.iter().map(|w| w.id.clone()).collect();
                self.apply_rows(wallets);
                let missing: Vec<String> = ids.iter().filter(|id| !returned.contains(*id)).cloned().collect();
                self.table.mark_failed(&missing);
                for id in &ids {
                    self.live.pending.remove(id);
                }
                // A backlog larger than one batch goes on without waiting for the next tick.
                self.refresh_changed().into_iter().collect()
            }
            Err(e) => {
                self.log_error("refresh changed wallets", &e);
                self.live.failed(self.now, &e);
                Vec::new()
            }
        }
    }

    fn on_wallets_loaded(&mut self, generation: u64, result: Result<Vec<Wallet>, ApiError>) -> Vec<Effect> {
        if generation != self.live.list_generation {
            return Vec::new();
        }
        self.live.list_loading = false;
        match result {
            Ok(wallets) => {
                let first = !self.loaded_once;
                self.loaded_once = true;
                self.live.answered(self.now);
                self.live.relist_failures = 0;
                self.live.relist_due = self.now + relist_period(wallets.len());
                // The feed starts where the first list was asked; a later list changes nothing
                // the feed has not seen.
                if self.live.feed_since.is_none() {
                    self.live.feed_since =
                        Some(self.live.list_asked - chrono::Duration::seconds(FEED_OVERLAP.as_secs() as i64));
                }
                self.table.replace_all(wallets, self.now, self.live.cycle);
                let loaded = &self.table;
                self.live.pending.retain(|id, _| loaded.row_of(id).is_some());
                self.table.scroll_into_view(self.list_height());
                if first {
                    self.load_balance().into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            Err(e) => {
                self.log_error("list wallets", &e);
                self.live.failed(self.now, &e);
                self.live.relist_failures = self.live.relist_failures.saturating_add(1);
                let n = self.live.relist_failures;
                // Before the first list: 2, 4, 8… up to 60 s. After: the period, doubled up to 16×.
                let wait = if self.loaded_once {
                    relist_period(self.table.len()).saturating_mul(1 << n.min(4))
                } else {
                    Duration::from_secs(1 << n.min(6)).min(Duration::from_secs(60))
                };
                self.live.relist_due = self.now + wait;
                // The rows keep their own freshness: the change feed may still vouch for their
                // balances, and each is marked once past the contract.
                self.flash(FlashKind::Error, format!("Loading wallets failed: {e}"));
                Vec::new()
            }
        }
    }

    fn on_rows_refreshed(
        &mut self,
        generation: u64,
        ids: Vec<String>,
        result: Result<Vec<Wallet>, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.live.rows_generation {
            return Vec::new();
        }
        self.live.rows_loading = false;
        match result {
            Ok(wallets) => {
                self.live.answered(self.now);
                let returned: std::collections::HashSet<&str> =
                    wallets.iter().map(|w| w.id.as_str()).collect();
                let missing: Vec<String> = ids
                    .iter()
                    .filter(|id| !returned.contains(id.as_str()))
                    .cloned()
                    .collect();
                self.take_wallets(wallets);
                self.take_failed(&missing);
            }
            Err(e) => {
                self.log_error("refresh wallets", &e);
                self.live.failed(self.now, &e);
                self.take_failed(&ids);
            }
        }
        Vec::new()
    }

    fn on_balance_loaded(
        &mut self,
        generation: u64,
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    ) -> Vec<Effect> {
        if generation != self.live.balance_generation {
            return Vec::new();
        }
        self.live.balance_loading = false;
        match result {
            Ok(w) => {
                self.live.answered(self.now);
                // The balance endpoint carries the whole wallet: the row gets fresher too.
                self.take_wallets(vec![(*w).clone()]);
                if self.balances.len() >= BALANCE_CACHE_CAP && !self.balances.contains_key(&wallet_id) {
                    let oldest = self
                        .balances
                        .iter()
                        .min_by_key(|(_, (_, at))| *at)
                        .map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        self.balances.remove(&k);
                    }
                }
                self.balances.insert(wallet_id, (*w, self.now));
            }
            Err(e) => {
                self.log_error("real-time balance", &e);
                self.live.failed(self.now, &e);
                self.take_failed(std::slice::from_ref(&wallet_id));
            }
        }
        Vec::new()
    }

    /// The one place a key is routed: quit first, whatever is open (a running job always gets
    /// its question); nothing else while the console is too small to be seen; then the top
    /// overlay, or the list and detail.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let cmd = self.keymap.lookup(self.context(), &key);
        let top = self.overlays.top_kind();
        if cmd == Some(Command::Quit) && top != Some(OverlayKind::QuitQuestion) {
            return self.quit();
        }
        if self.too_small() {
            // The screen says "terminal too small": a key here would act on something unseen.
            return Vec::new();
        }
        match top {
            Some(OverlayKind::QuitQuestion) => self.on_quit_question(cmd),
            Some(OverlayKind::Overwrite) => self.on_overwrite_key(cmd),
            Some(OverlayKind::Bulk) => self.on_bulk_key(key, cmd),
            Some(OverlayKind::Form) => self.on_form_key(key, cmd),
            Some(OverlayKind::Filter) => self.on_filter_key(key, cmd),
            Some(OverlayKind::Palette) => self.on_palette_key(key, cmd),
            None
            | Some(
                OverlayKind::Help
                | OverlayKind::Errors
                | OverlayKind::Messages
                | OverlayKind::Ledger
                | OverlayKind::Timeline
                | OverlayKind::Json,
            ) => {
                let Some(cmd) = cmd else {
                    if key.code != KeyCode::Null {
                        self.flash(
                            FlashKind::Info,
                            format!(
                                "{} is not bound here: press ? for keys",
                                crate::keymap::Key::from_event(&key)
                            ),
                        );
                    }
                    return Vec::new();
                };
                self.run(cmd)
            }
        }
    }

    /// Quit now, or ask first while a bulk job runs.
    pub(super) fn quit(&mut self) -> Vec<Effect> {
        if self.job_running() {
            self.overlays.push(Overlay::QuitQuestion);
            return Vec::new();
        }
        self.should_quit = true;
        vec![Effect::Quit]
    }

    /// The answer to "a bulk job is running: stop it and quit?".
    fn on_quit_question(&mut self, cmd: Option<Command>) -> Vec<Effect> {
        match cmd {
            Some(Command::Confirm) => {
                self.should_quit = true;
                vec![Effect::CancelBulk, Effect::Quit]
            }
            Some(Command::Back) => {
                self.overlays.close(OverlayKind::QuitQuestion);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Asks the gate; a refusal is flashed. `true` when `cap` may go ahead.
    pub(crate) fn check(&mut self, cap: Capability) -> bool {
        match self.may(cap) {
            Ok(()) => true,
            Err(refusal) => {
                self.flash(FlashKind::Error, refusal.to_string());
                false
            }
        }
    }

    /// Runs a bound command.
    pub fn run(&mut self, cmd: Command) -> Vec<Effect> {
        if let Some(cap) = Capability::of_command(cmd)
            && !self.check(cap)
        {
            return Vec::new();
        }
        // The views on top take their own keys first; what they leave (quit, help, the
        // palette…) falls through to the commands below.
        match self.overlays.top_kind() {
            Some(OverlayKind::Json) => {
                if let Some(effects) = self.run_json(cmd) {
                    return effects;
                }
            }
            Some(OverlayKind::Ledger) => {
                if let Some(effects) = self.run_ledger(cmd) {
                    return effects;
                }
            }
            Some(OverlayKind::Timeline) => {
                if let Some(effects) = self.run_timeline(cmd) {
                    return effects;
                }
            }
            _ => {}
        }
        let height = self.list_height();
        let before = self.table.selected_id().map(str::to_string);
        let mut effects = Vec::new();
        match cmd {
            Command::Quit => effects.extend(self.quit()),
            Command::Help => self.toggle_layer(OverlayKind::Help),
            Command::ErrorLog => self.toggle_layer(OverlayKind::Errors),
            Command::Messages => self.toggle_layer(OverlayKind::Messages),
            Command::Back => {
                if matches!(
                    self.overlays.top_kind(),
                    Some(OverlayKind::Help | OverlayKind::Errors | OverlayKind::Messages)
                ) {
                    self.overlays.pop();
                } else if self.focus == Focus::Detail {
                    self.focus = Focus::List;
                } else if self.table.filter.is_some() {
                    self.table.set_filter(None);
                    self.flash(FlashKind::Info, "Filter cleared: all wallets shown");
                }
            }
            Command::Refresh if self.feed == share::Feed::Follow => {
                // The list is the leader's, shared by every session: refresh what is on screen.
                effects.extend(self.refresh_screen());
                let text = if self.loaded_once {
                    "Refreshing the wallets on screen…".to_string()
                } else {
                    let retry = self.live.relist_due.saturating_duration_since(self.now).as_secs();
                    format!("The server lists the wallets for every session: trying again in {retry}s")
                };
                self.flash(FlashKind::Info, text);
            }
            Command::Refresh => {
                effects.extend(self.load_all());
                effects.extend(self.load_balance());
                effects.extend(self.runway_due(true));
                self.flash(FlashKind::Info, "Refreshing…");
            }
            Command::Pause => {
                if !self.live.enabled() {
                    self.flash(FlashKind::Info, "live refresh is off (--refresh 0)");
                } else {
                    self.live.paused = !self.live.paused;
                    if !self.live.paused
                        && let Some(picture) = self.held.take()
                    {
                        effects.extend(self.adopt(&picture));
                    }
                    let text = if self.live.paused {
                        "Live refresh paused: the picture is frozen"
                    } else {
                        "Live refresh resumed"
                    };
                    self.flash(FlashKind::Info, text);
                }
            }
            Command::Down
            | Command::Up
            | Command::PageDown
            | Command::PageUp
            | Command::Top
            | Command::Bottom
                if matches!(
                    self.overlays.top_kind(),
                    Some(OverlayKind::Help | OverlayKind::Errors | OverlayKind::Messages)
                ) =>
            {
                let extents = &self.extents;
                let (at, extent) = match self.overlays.top_mut() {
                    Some(Overlay::Help { scroll }) => (scroll, &extents.help),
                    Some(Overlay::Errors { scroll }) => (scroll, &extents.errors),
                    Some(Overlay::Messages { scroll }) => (scroll, &extents.messages),
                    _ => return effects,
                };
                if let Some(to) = extent.step(*at, cmd) {
                    *at = to;
                }
            }
            Command::Down | Command::Up if self.focus == Focus::Detail => {
                if let Some(to) = self.extents.detail.step(self.detail_scroll, cmd) {
                    self.detail_scroll = to;
                }
            }
            Command::Down => self.table.move_by(1),
            Command::Up => self.table.move_by(-1),
            Command::PageDown => self.table.move_by(height as isize),
            Command::PageUp => self.table.move_by(-(height as isize)),
            Command::Top => self.table.select_first(),
            Command::Bottom => self.table.select_last(),
            Command::NextWallet => self.table.move_by(1),
            Command::PrevWallet => self.table.move_by(-1),
            Command::Open => {
                if self.table.selected_row().is_some() {
                    self.focus = Focus::Detail;
                    self.detail_scroll = 0;
                }
            }
            Command::SortNext => {
                let s = self.table.sort;
                self.table.set_sort(Sort {
                    column: s.column.next(),
                    descending: s.descending,
                });
                self.flash(
                    FlashKind::Info,
                    format!("Sorted by {}", self.table.sort.column.title()),
                );
            }
            Command::Columns => {
                self.column_set = self.column_set.next();
                self.flash(FlashKind::Info, format!("Columns: {}", self.column_set.name()));
            }
            Command::SortReverse => {
                let s = self.table.sort;
                self.table.set_sort(Sort {
                    column: s.column,
                    descending: !s.descending,
                });
            }
            Command::Mark => {
                self.table.toggle_mark();
                self.table.move_by(1);
            }
            Command::MarkAll => self.table.mark_all_visible(),
            Command::NextAlarm | Command::PrevAlarm => {
                if !self.table.jump_to_alarm(cmd == Command::NextAlarm) {
                    self.flash(FlashKind::Info, "No wallet in alarm");
                }
            }
            Command::CopyId => {
                if let Some(id) = self.table.selected_id().map(str::to_string) {
                    self.flash(FlashKind::Success, format!("Copied {id} to the clipboard"));
                    effects.push(Effect::Copy(id));
                }
            }
            Command::CopyCustomerId => {
                if let Some(id) = self.selected_wallet().map(|w| w.customer_id.clone()) {
                    self.flash(
                        FlashKind::Success,
                        format!("Copied customer {id} to the clipboard"),
                    );
                    effects.push(Effect::Copy(id));
                }
            }
            Command::TopUp => effects.extend(self.open_top_up()),
            Command::Edit => self.open_update(),
            Command::Create => self.open_create(),
            Command::Terminate => self.open_terminate(),
            Command::Debit => self.open_debit(),
            Command::NextField
            | Command::PrevField
            | Command::Submit
            | Command::ChoiceNext
            | Command::ChoicePrev
            | Command::AddRow
            | Command::RemoveRow
            | Command::Confirm
            | Command::CancelJob
            | Command::RetryJob => {}
            Command::Bulk => self.open_bulk(),
            Command::Filter => self.open_filter(),
            Command::Ledger => effects.extend(self.open_ledger()),
            Command::Timeline => match self.open_timeline("") {
                Ok(e) => effects.extend(e),
                Err(e) => self.flash(FlashKind::Error, e),
            },
            Command::Palette => self.open_palette(),
            Command::RawJson => effects.extend(self.open_wallet_json()),
            Command::FilterType | Command::FilterStatus | Command::FilterReason | Command::Complete => {}
        }
        self.table.scroll_into_view(height);
        if self.table.selected_id() != before.as_deref() {
            self.detail_scroll = 0;
            // A fresh balance for the newly selected wallet; the previous request is superseded.
            if self.loaded_once {
                effects.extend(self.load_balance());
            }
        }
        effects
    }

    fn on_profile_switched(&mut self, result: Result<Switched, String>) -> Vec<Effect> {
        self.switching_to = None;
        match result {
            Ok(Switched {
                origin,
                read_only,
                refresh,
                confirm_above,
            }) => {
                let name = origin.profile.clone();
                self.origin = origin;
                // Everything shown belonged to the other profile.
                self.table = WalletTable::default();
                self.balances.clear();
                self.overlays.close(OverlayKind::Ledger);
                self.overlays.close(OverlayKind::Timeline);
                self.overlays.close(OverlayKind::Json);
                self.loaded_once = false;
                self.focus = Focus::List;
                if read_only {
                    self.permissions.read_only = true;
                    self.permissions.read_only_locked = true;
                }
                // That profile's own settings, as if it had been the one started with.
                self.confirm_above = confirm_above.unwrap_or(forms::DEFAULT_CONFIRM_ABOVE);
                let mut effects = Vec::new();
                if refresh != self.live.interval {
                    self.live.interval = refresh;
                    effects.push(Effect::SetRefresh(refresh));
                }
                let every = if refresh.is_zero() {
                    "live refresh off".to_string()
                } else {
                    format!("refresh every {}s", refresh.as_secs())
                };
                self.flash(
                    FlashKind::Success,
                    format!("Profile {name}: loading its wallets ({every})"),
                );
                effects.extend(self.load_all());
                effects
            }
            Err(e) => {
                self.flash(FlashKind::Error, e);
                Vec::new()
            }
        }
    }

    /// `?`, `E` and `M`: open the layer on top, or close it when it is the top already; help
    /// and the logs replace each other rather than stack.
    fn toggle_layer(&mut self, kind: OverlayKind) {
        let top = self.overlays.top_kind();
        if matches!(
            top,
            Some(OverlayKind::Help | OverlayKind::Errors | OverlayKind::Messages)
        ) {
            self.overlays.pop();
        }
        if top != Some(kind) {
            self.overlays.push(match kind {
                OverlayKind::Errors => Overlay::Errors { scroll: 0 },
                OverlayKind::Messages => {
                    // Opened: everything in it is read (the newest is at the top, whole), and
                    // the flash line is free for the layer's keys.
                    self.messages.mark_all_seen();
                    self.flash = None;
                    Overlay::Messages { scroll: 0 }
                }
                _ => Overlay::Help { scroll: 0 },
            });
        }
    }
}

/// The first row on screen so that `selected` stays inside a window of `height` rows that starts
/// at `offset` (moved as little as possible).
pub fn follow(selected: usize, offset: usize, height: usize) -> usize {
    let height = height.max(1);
    if selected < offset {
        selected
    } else if selected >= offset + height {
        selected + 1 - height
    } else {
        offset
    }
}
