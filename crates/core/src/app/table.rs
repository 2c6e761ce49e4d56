//! The wallet table: rows, the sorted view over them, selection, scrolling, marks.

use crate::moment::Moment;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashTable};
use rust_decimal::Decimal;

use crate::app::chunks::Chunks;
use crate::app::customers::Customers;
use crate::app::filter::{Filter, haystack_with};
use flexprice_wire::models::{Wallet, WalletStatus};

/// The named column sets of the list, k9s-style: one key cycles them, and each set's columns
/// are fitted to the width (the UI decides which fit and how wide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnSet {
    /// Whose wallet, its balance, change, credits and alert state: watching money.
    #[default]
    Balances,
    /// Credits rather than the currency: alert levels and top-ups are in credits.
    Credits,
    /// Customer name, external id and id beside the wallet: finding whose wallet it is.
    Customers,
    /// Wallet and customer ids whole: copying and comparing ids.
    Ids,
}

impl ColumnSet {
    pub const ALL: [ColumnSet; 4] = [
        ColumnSet::Balances,
        ColumnSet::Credits,
        ColumnSet::Customers,
        ColumnSet::Ids,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ColumnSet::Balances => "balances",
            ColumnSet::Credits => "credits",
            ColumnSet::Customers => "customers",
            ColumnSet::Ids => "ids",
        }
    }

    pub fn next(self) -> ColumnSet {
        let i = ColumnSet::ALL.iter().position(|c| *c == self).unwrap_or(0);
        ColumnSet::ALL[(i + 1) % ColumnSet::ALL.len()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Id,
    Customer,
    Currency,
    Balance,
    Credits,
    Status,
    Type,
    Alert,
    Updated,
    /// Time until the credits reach zero at the wallet's burn (`app::runway`).
    Runway,
}

impl Column {
    pub const ALL: [Column; 11] = [
        Column::Name,
        Column::Id,
        Column::Customer,
        Column::Currency,
        Column::Balance,
        Column::Credits,
        Column::Status,
        Column::Type,
        Column::Alert,
        Column::Updated,
        Column::Runway,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Id => "ID",
            Column::Customer => "Customer",
            Column::Currency => "Cur",
            Column::Balance => "Balance",
            Column::Credits => "Credits",
            Column::Status => "Status",
            Column::Type => "Type",
            Column::Alert => "Alert",
            Column::Updated => "Updated",
            Column::Runway => "Runway",
        }
    }

    pub fn next(self) -> Column {
        let i = Column::ALL.iter().position(|c| *c == self).unwrap_or(0);
        Column::ALL[(i + 1) % Column::ALL.len()]
    }

    fn compare(self, a: &Wallet, b: &Wallet) -> Ordering {
        match self {
            Column::Name => a
                .display_name()
                .to_lowercase()
                .cmp(&b.display_name().to_lowercase()),
            Column::Id => a.id.cmp(&b.id),
            // The rows' order by customer name is the table's (`customer_key`); this compares
            // what a refresh can change of a wallet, and its customer is not that.
            Column::Customer => a.customer_id.cmp(&b.customer_id),
            Column::Currency => a.currency.cmp(&b.currency),
            Column::Balance => a.balance.cmp(&b.balance),
            Column::Credits => a.credit_balance.cmp(&b.credit_balance),
            Column::Status => a.wallet_status.as_str().cmp(b.wallet_status.as_str()),
            Column::Type => a.wallet_type.as_str().cmp(b.wallet_type.as_str()),
            Column::Alert => a.alert_state().severity().cmp(&b.alert_state().severity()),
            Column::Updated => a.updated_at.cmp(&b.updated_at),
            // The burn is the table's (`TableData::runway`), fixed between passes: what a
            // refresh changes of a wallet's runway is its credits.
            Column::Runway => a.credit_balance.cmp(&b.credit_balance),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

/// What live refresh knows about a row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMeta {
    pub refreshed_at: Moment,
    pub failed: bool,
    /// The last balance change seen.
    pub delta: Option<Delta>,
}

/// A balance change: how much, in which refresh cycle it was seen, and since when (the last
/// moment the old balance was known to be current): the change happened in between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    pub amount: Decimal,
    pub cycle: u64,
    pub since: Moment,
}

#[derive(Debug, Clone)]
pub struct Row {
    /// Shared: a copy of the table (another console following this one) copies no wallet.
    pub wallet: Arc<Wallet>,
    pub meta: RowMeta,
}

/// Wallets by alert state and by status, for the overview strip. Kept up to date as rows
/// change, so a frame does not count 100,000 rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Indexed by `AlertState::severity`: ok, info, warning, in alarm. Wallets that are not
    /// closed: a closed wallet at 0 is not an incident.
    pub by_alert: [usize; 4],
    pub active: usize,
    pub frozen: usize,
    /// Closed, and any status this client does not know.
    pub closed: usize,
}

impl Counts {
    fn slots(&mut self, w: &Wallet) -> [Option<&mut usize>; 2] {
        let (alert, status) = match w.wallet_status {
            WalletStatus::Active => (true, &mut self.active),
            WalletStatus::Frozen => (true, &mut self.frozen),
            _ => (false, &mut self.closed),
        };
        let by_alert = &mut self.by_alert[w.alert_state.as_ref().map_or(0, |a| a.severity() as usize)];
        [alert.then_some(by_alert), Some(status)]
    }

    fn add(&mut self, w: &Wallet) {
        for n in self.slots(w).into_iter().flatten() {
            *n += 1;
        }
    }

    fn remove(&mut self, w: &Wallet) {
        for n in self.slots(w).into_iter().flatten() {
            *n = n.saturating_sub(1);
        }
    }
}

/// The wallets and what is derived from them alone: one copy, shared. A local console owns it;
/// over `serve` one refresh (the leader's) writes it, and every session's [`WalletTable`] holds
/// the same `Arc` with only its own order, filter, selection and marks beside it. A write to
/// data a follower holds copies it first; what a copy duplicates is kept small: the rows and
/// their search texts are in shared chunks (a write copies the chunk it lands in), the id
/// ranks and the index are replaced whole, never written in place.
#[derive(Debug, Clone, Default)]
pub struct TableData {
    /// Counts over every row (not only the view).
    pub counts: Counts,
    pub rows: Chunks<Row>,
    /// Lower-case "name id customer-id customer-name external-id" of each row, for the
    /// free-text filter; its first part is also the Name sort's key (`name_key`), its fourth
    /// the Customer sort's. Shared, so a copy of the data copies no text.
    hay: Chunks<Arc<str>>,
    /// Every customer the list named (names and external ids by customer id): one copy for
    /// every console, as the rows are.
    customers: Arc<Customers>,
    /// Each row's place among all ids in id order: every sort's tie-break, as a number.
    id_rank: Arc<Vec<u32>>,
    /// Row by id. The table holds row numbers hashed by their wallet's id, not a copy of every
    /// id: 100,000 ids copied into a map cost 8 MB.
    index: Arc<HashTable<u32>>,
    hasher: DefaultHashBuilder,
    /// How many rows were last fetched at each moment, and which rows' last refresh failed:
    /// the stale count of 100,000 wallets reads these, not every row (a walk over every row
    /// each second was two thirds of the idle console's CPU, one cache miss a row).
    pub fetched_at: BTreeMap<Moment, usize>,
    pub failed_rows: HashSet<usize>,
    /// Counts writes.
    pub version: u64,
    /// The rows changed in place, each with the version its change made, every one since
    /// `base`: a follower holding any version from `base` on moves only the rows changed
    /// since its own in its order (a session that missed a few pictures does not sort 100,000
    /// rows again). `None`: rows were added or replaced since; a follower sorts again.
    base: u64,
    touched: Option<Vec<(u64, u32)>>,
    /// The last runway pass and the one under way: one for every console, as the rows are.
    pub runway: crate::app::runway::Board,
}

/// The changes kept for followers; past this, the older half is forgotten (a follower further
/// behind re-sorts).
const TOUCHED_CAP: usize = 4096;

impl TableData {
    /// A row's fetch moment moves from `old` (if it had one) to `new`.
    fn note_fetch(&mut self, old: Option<Moment>, new: Moment) {
        if let Some(old) = old
            && let Some(n) = self.fetched_at.get_mut(&old)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.fetched_at.remove(&old);
            }
        }
        *self.fetched_at.entry(new).or_insert(0) += 1;
    }

    /// Row `i` changed in place.
    fn touch(&mut self, i: usize) {
        self.version += 1;
        if let Some(t) = &mut self.touched {
            if t.len() >= TOUCHED_CAP {
                let older = t.len() / 2;
                self.base = t[older - 1].0;
                t.drain(..older);
            }
            t.push((self.version, i as u32));
        }
    }

    /// The rows changed since version `since` (sorted, once each), if this data records every
    /// change since then.
    fn changed_since(&self, since: u64) -> Option<Vec<u32>> {
        let t = self.touched.as_ref()?;
        if since < self.base || since > self.version {
            return None;
        }
        let mut rows: Vec<u32> = t.iter().filter(|(v, _)| *v > since).map(|&(_, i)| i).collect();
        rows.sort_unstable();
        rows.dedup();
        Some(rows)
    }

    /// Rows were added or replaced.
    fn reshaped(&mut self) {
        self.version += 1;
        self.touched = None;
    }

    /// Rows last fetched before `cut`.
    pub fn fetched_before(&self, cut: Moment) -> usize {
        self.fetched_at.range(..cut).map(|(_, n)| n).sum()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Row> {
        self.row_of(id).and_then(|i| self.rows.get(i))
    }

    /// The row holding wallet `id`.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        let rows = &self.rows;
        self.index
            .find(self.hasher.hash_one(id), |&i| {
                rows.get(i as usize).is_some_and(|r| r.wallet.id == id)
            })
            .map(|&i| i as usize)
    }

    /// The index from scratch, over every row.
    fn reindex(&mut self) {
        let (rows, hasher) = (&self.rows, &self.hasher);
        let hash = |i: &u32| {
            rows.get(*i as usize)
                .map_or(0, |r| hasher.hash_one(r.wallet.id.as_str()))
        };
        let mut index = HashTable::with_capacity(rows.len());
        for i in 0..rows.len() as u32 {
            index.insert_unique(hash(&i), i, hash);
        }
        self.index = Arc::new(index);
    }

    /// Ranks every id (after a load, or a row added).
    fn rank_ids(&mut self) {
        let mut by_id: Vec<u32> = (0..self.rows.len() as u32).collect();
        let id = |i: u32| self.rows[i as usize].wallet.id.as_str();
        by_id.sort_unstable_by(|&a, &b| id(a).cmp(id(b)));
        let mut rank = vec![0; self.rows.len()];
        for (r, i) in by_id.into_iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        self.id_rank = Arc::new(rank);
    }

    /// The Name sort's key of row `i`: its lower-case display name, the first part of its hay.
    fn name_key(&self, i: usize) -> &str {
        match self.hay.get(i).and_then(|h| h.split('\u{1}').next()) {
            Some(name) if !name.is_empty() => name,
            _ => "(unnamed)",
        }
    }

    /// The Customer sort's key of row `i`: its customer's lower-case name; customers with no
    /// name known come after the named ones, by id.
    fn customer_key(&self, i: usize) -> (bool, &str) {
        let Some(hay) = self.hay.get(i) else {
            return (true, "");
        };
        let mut parts = hay.split('\u{1}');
        let id = parts.nth(2).unwrap_or_default();
        match parts.next() {
            Some(name) if !name.is_empty() => (false, name),
            _ => (true, id),
        }
    }

    /// The customers the list knows, by id.
    pub fn customers(&self) -> &Customers {
        &self.customers
    }

    /// The customers, shared (for a task off the event loop).
    pub fn shared_customers(&self) -> Arc<Customers> {
        Arc::clone(&self.customers)
    }

    /// The search text of a wallet, with its customer's name and external id when known.
    fn hay_of(&self, w: &Wallet) -> Arc<str> {
        Arc::from(haystack_with(w, self.customers.get(&w.customer_id)))
    }

    /// The search texts of every row, from scratch.
    fn rehay(&mut self) {
        self.hay = self.rows.iter().map(|r| self.hay_of(&r.wallet)).collect();
    }

    /// Whether row `i` passes `filter`.
    fn shows(&self, filter: Option<&Filter>, i: usize) -> bool {
        match (filter, self.rows.get(i)) {
            (None, Some(_)) => true,
            (Some(f), Some(r)) => {
                let runway = f.asks_runway().then(|| self.runway.runway(&r.wallet));
                f.matches_with(
                    &r.wallet,
                    self.hay.get(i).map(|h| &**h).unwrap_or_default(),
                    runway,
                )
            }
            (_, None) => false,
        }
    }

    /// Rows `a` and `b` in `sort` order; ids break ties, so no two rows are equal.
    fn cmp_rows(&self, sort: Sort, a: usize, b: usize) -> Ordering {
        let Sort { column, descending } = sort;
        let key = match column {
            Column::Name => self.name_key(a).cmp(self.name_key(b)),
            Column::Customer => self.customer_key(a).cmp(&self.customer_key(b)),
            Column::Runway => match (self.rows.get(a), self.rows.get(b)) {
                (Some(x), Some(y)) => self
                    .runway
                    .runway(&x.wallet)
                    .key()
                    .cmp(&self.runway.runway(&y.wallet).key()),
                _ => Ordering::Equal,
            },
            _ => match (self.rows.get(a), self.rows.get(b)) {
                (Some(x), Some(y)) => column.compare(&x.wallet, &y.wallet),
                _ => Ordering::Equal,
            },
        };
        let ord = key.then_with(|| self.id_rank.get(a).cmp(&self.id_rank.get(b)));
        if descending { ord.reverse() } else { ord }
    }

    /// Where row `i` sits in a list sorted by `sort` (binary search; a linear scan if the list
    /// is out of order, which would be a bug, but must not duplicate a row).
    fn locate(&self, sort: Sort, list: &[u32], i: usize) -> Option<usize> {
        match list.binary_search_by(|&r| self.cmp_rows(sort, r as usize, i)) {
            Ok(p) if list.get(p).is_some_and(|&r| r as usize == i) => Some(p),
            _ => list.iter().position(|&r| r as usize == i),
        }
    }

    fn insertion_point(&self, sort: Sort, list: &[u32], i: usize) -> usize {
        list.binary_search_by(|&r| self.cmp_rows(sort, r as usize, i))
            .unwrap_or_else(|p| p)
    }

    /// Every row in `sort` order. The keys are laid out side by side before sorting: comparing
    /// rows where they live (a wallet is hundreds of bytes) is mostly cache misses.
    fn sorted(&self, sort: Sort) -> Vec<u32> {
        let Sort { column, descending } = sort;
        let rows = &self.rows;
        let rank = &self.id_rank;
        let wallet = |i: usize| &*rows[i].wallet;
        match column {
            Column::Name => keyed_order(rank, descending, |i| self.name_key(i)),
            Column::Id => keyed_order(rank, descending, |_| ()),
            Column::Customer => keyed_order(rank, descending, |i| self.customer_key(i)),
            Column::Currency => keyed_order(rank, descending, |i| wallet(i).currency.as_str()),
            Column::Balance => keyed_order(rank, descending, |i| money_key(wallet(i).balance)),
            Column::Credits => keyed_order(rank, descending, |i| money_key(wallet(i).credit_balance)),
            Column::Status => keyed_order(rank, descending, |i| wallet(i).wallet_status.as_str()),
            Column::Type => keyed_order(rank, descending, |i| wallet(i).wallet_type.as_str()),
            Column::Alert => keyed_order(rank, descending, |i| {
                wallet(i).alert_state.as_ref().map_or(0, |a| a.severity())
            }),
            Column::Updated => keyed_order(rank, descending, |i| wallet(i).updated_at),
            Column::Runway => keyed_order(rank, descending, |i| self.runway.runway(wallet(i)).key()),
        }
    }
}

/// One console's table: the shared [`TableData`] (read through `Deref`: `table.rows`,
/// `table.counts`) and this console's own order, filter, selection and marks.
#[derive(Debug, Clone)]
pub struct WalletTable {
    data: Arc<TableData>,
    /// Every row in sort order. The view is this, filtered: a new filter never re-sorts, and a
    /// refresh moves only the rows whose sort key changed. Row numbers are `u32`: this and the
    /// view are what each `serve` session holds per wallet.
    order: Vec<u32>,
    /// The view while a filter is set: the rows of `order` it matches. Without one the view is
    /// `order` itself, not a copy of it.
    filtered: Option<Vec<u32>>,
    /// Position in `view` of the selected row.
    pub selected: usize,
    /// Position in `view` of the first row on screen.
    pub offset: usize,
    pub marks: HashSet<String>,
    pub sort: Sort,
    /// The active filter; the view holds only the rows it matches.
    pub filter: Option<Filter>,
}

impl Default for WalletTable {
    fn default() -> Self {
        WalletTable {
            data: Arc::new(TableData::default()),
            order: Vec::new(),
            filtered: None,
            selected: 0,
            offset: 0,
            marks: HashSet::new(),
            sort: Sort {
                column: Column::Name,
                descending: false,
            },
            filter: None,
        }
    }
}

impl std::ops::Deref for WalletTable {
    type Target = TableData;
    fn deref(&self) -> &TableData {
        &self.data
    }
}

impl WalletTable {
    /// The data, to share with other consoles (a clone of the `Arc`).
    pub fn shared(&self) -> Arc<TableData> {
        self.data.clone()
    }

    /// The rows in display order (sorted, then filtered), by row number.
    pub fn view(&self) -> &[u32] {
        self.filtered.as_deref().unwrap_or(&self.order)
    }

    /// The row at position `pos` of the view.
    pub fn view_row(&self, pos: usize) -> Option<&Row> {
        self.view().get(pos).and_then(|&i| self.rows.get(i as usize))
    }

    /// The data to write. Shared (a follower holds the last copy), it is copied first: chunk
    /// pointers and a few small maps (see [`TableData`]). A copy of data whose changes are
    /// recorded goes on recording them; otherwise it starts a record from here.
    fn data_mut(&mut self) -> &mut TableData {
        if Arc::get_mut(&mut self.data).is_none() {
            let mut copy = (*self.data).clone();
            if copy.touched.is_none() {
                copy.base = copy.version;
                copy.touched = Some(Vec::new());
            }
            self.data = Arc::new(copy);
        }
        Arc::make_mut(&mut self.data)
    }

    /// Follows another console's data (the leader's): this table's order and view catch up,
    /// moving only the rows that changed when `data` is one step on from what this table holds,
    /// sorting again otherwise. The selection stays on its wallet.
    pub fn follow(&mut self, data: Arc<TableData>) {
        if Arc::ptr_eq(&self.data, &data) {
            return;
        }
        let keep = self.selected_id().map(str::to_string);
        // New runway figures reorder everything for an order or view that reads them.
        let runway_moved = data.runway.moved_from(&self.data.runway) && self.reads_runway();
        let touched = data
            .changed_since(self.data.version)
            .filter(|_| data.rows.len() == self.data.rows.len() && !runway_moved);
        let Some(touched) = touched else {
            self.data = data;
            let marks = std::mem::take(&mut self.marks);
            self.marks = marks.into_iter().filter(|m| self.row_of(m).is_some()).collect();
            self.rebuild_view(keep.as_deref());
            return;
        };
        // Out with the old keys, in with the new.
        let (sort, old) = (self.sort, self.data.clone());
        for &i in &touched {
            let i = i as usize;
            if let Some(p) = old.locate(sort, &self.order, i) {
                self.order.remove(p);
            }
            if let Some(view) = &mut self.filtered
                && old.shows(self.filter.as_ref(), i)
                && let Some(p) = old.locate(sort, view, i)
            {
                view.remove(p);
            }
        }
        self.data = data;
        for &i in &touched {
            let p = self.data.insertion_point(sort, &self.order, i as usize);
            self.order.insert(p, i);
            if let Some(view) = &mut self.filtered
                && self.data.shows(self.filter.as_ref(), i as usize)
            {
                let p = self.data.insertion_point(sort, view, i as usize);
                view.insert(p, i);
            }
        }
        self.select_id_or_clamp(keep.as_deref());
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.view_row(self.selected)
    }

    pub fn selected_id(&self) -> Option<&str> {
        self.selected_row().map(|r| r.wallet.id.as_str())
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Row> {
        let i = self.row_of(id)?;
        let data = self.data_mut();
        data.touch(i);
        data.rows.get_mut(i)
    }

    /// Replaces every row (a full reload), keeping selection, marks and per-row deltas. The new
    /// data is built beside the old (which followers may still hold), not copied from it.
    pub fn replace_all(&mut self, wallets: Vec<Wallet>, now: Moment, cycle: u64) {
        let keep = self.selected_id().map(str::to_string);
        let old = self.data.clone();
        let rows: Chunks<Row> = wallets
            .into_iter()
            .map(|w| {
                let delta = match old.get(&w.id) {
                    // A change too large to compute is not shown as one.
                    Some(prev) if prev.wallet.balance != w.balance => {
                        w.balance.checked_sub(prev.wallet.balance).map(|amount| Delta {
                            amount,
                            cycle,
                            since: prev.meta.refreshed_at,
                        })
                    }
                    Some(prev) => prev.meta.delta,
                    None => None,
                };
                Row {
                    wallet: Arc::new(w),
                    meta: RowMeta {
                        refreshed_at: now,
                        failed: false,
                        delta,
                    },
                }
            })
            .collect();
        let mut data = TableData {
            rows,
            customers: old.customers.clone(),
            runway: old.runway.clone(),
            version: old.version,
            ..TableData::default()
        };
        drop(old);
        data.rehay();
        data.rank_ids();
        for r in &data.rows {
            data.counts.add(&r.wallet);
        }
        if !data.rows.is_empty() {
            data.fetched_at.insert(now, data.rows.len());
        }
        data.reindex();
        data.reshaped();
        self.data = Arc::new(data);
        let marks = std::mem::take(&mut self.marks);
        self.marks = marks.into_iter().filter(|m| self.row_of(m).is_some()).collect();
        self.rebuild_view(keep.as_deref());
    }

    /// Applies fresh copies of some wallets; returns how many balances changed. A row moves in
    /// the order only when its sort key changed, and in or out of the view only when it starts
    /// or stops matching the filter: a refresh of the rows on screen costs no sort of 100,000.
    pub fn apply_refresh(&mut self, wallets: Vec<Wallet>, now: Moment, cycle: u64) -> usize {
        let keep = self.selected_id().map(str::to_string);
        let sort = self.sort;
        let mut changed = 0;
        let mut moved = false;
        for w in wallets {
            let Some(i) = self.row_of(&w.id) else { continue };
            let Some(row) = self.rows.get(i) else { continue };
            let key_changed = sort.column.compare(&row.wallet, &w) != Ordering::Equal;
            let was_shown = self.data.shows(self.filter.as_ref(), i);
            // Found with the old key, before the row changes.
            let at_order = if key_changed {
                self.data.locate(sort, &self.order, i)
            } else {
                None
            };
            let at_view = match &self.filtered {
                Some(view) if was_shown => self.data.locate(sort, view, i),
                _ => None,
            };
            let data = self.data_mut();
            data.touch(i);
            let Some(row) = data.rows.get_mut(i) else { continue };
            if row.wallet.balance != w.balance {
                let since = row.meta.refreshed_at;
                row.meta.delta =
                    w.balance
                        .checked_sub(row.wallet.balance)
                        .map(|amount| Delta { amount, cycle, since });
                changed += 1;
            }
            data.counts.remove(&row.wallet);
            row.wallet = Arc::new(merged(&row.wallet, w));
            data.counts.add(&row.wallet);
            let before = row.meta.refreshed_at;
            row.meta.refreshed_at = now;
            row.meta.failed = false;
            let fresh = row.wallet.clone();
            let hay = data.hay_of(&fresh);
            if let Some(h) = data.hay.get_mut(i) {
                *h = hay;
            }
            data.note_fetch(Some(before), now);
            data.failed_rows.remove(&i);
            let shown = self.data.shows(self.filter.as_ref(), i);
            if key_changed {
                if let Some(p) = at_order {
                    self.order.remove(p);
                }
                let p = self.data.insertion_point(sort, &self.order, i);
                self.order.insert(p, i as u32);
            }
            if key_changed || was_shown != shown {
                if let Some(view) = &mut self.filtered {
                    if let Some(p) = at_view {
                        view.remove(p);
                    }
                    if shown {
                        let p = self.data.insertion_point(sort, view, i);
                        view.insert(p, i as u32);
                    }
                }
                moved = true;
            }
        }
        if moved {
            self.select_id_or_clamp(keep.as_deref());
        }
        changed
    }

    pub fn mark_failed(&mut self, ids: &[String]) {
        for id in ids {
            if let Some(i) = self.row_of(id) {
                let data = self.data_mut();
                if let Some(r) = data.rows.get_mut(i) {
                    r.meta.failed = true;
                    data.failed_rows.insert(i);
                    data.touch(i);
                }
            }
        }
    }

    /// Re-sorts every row and re-filters the view, then puts the selection back on `keep` (or
    /// clamps it).
    pub fn rebuild_view(&mut self, keep: Option<&str>) {
        self.order = self.data.sorted(self.sort);
        self.refilter(keep);
    }

    /// The view: the order, filtered (no sort).
    fn refilter(&mut self, keep: Option<&str>) {
        self.filtered = self.filter.as_ref().map(|f| {
            // Rows are tested in memory order (the order is a random walk over 100,000
            // wallets: mostly cache misses), then the order keeps the ones that passed.
            let pass: Vec<bool> = (0..self.rows.len())
                .map(|i| self.data.shows(Some(f), i))
                .collect();
            let mut view: Vec<u32> = self
                .order
                .iter()
                .copied()
                .filter(|&i| pass.get(i as usize).copied().unwrap_or(false))
                .collect();
            view.shrink_to_fit();
            view
        });
        self.select_id_or_clamp(keep);
    }

    fn select_id_or_clamp(&mut self, keep: Option<&str>) {
        if let Some(id) = keep
            && let Some(row) = self.row_of(id)
            && let Some(pos) = self.view().iter().position(|&r| r as usize == row)
        {
            self.selected = pos;
            return;
        }
        self.selected = self.selected.min(self.view().len().saturating_sub(1));
    }

    /// Selects the wallet if it is in the view; false when it is not (filtered out, unknown).
    pub fn select_id(&mut self, id: &str) -> bool {
        let Some(row) = self.row_of(id) else {
            return false;
        };
        match self.view().iter().position(|&r| r as usize == row) {
            Some(pos) => {
                self.selected = pos;
                true
            }
            None => false,
        }
    }

    /// Adds a wallet the list did not have (found by id after the last full load), or
    /// refreshes it when it is there.
    pub fn upsert(&mut self, wallet: Wallet, now: Moment, cycle: u64) {
        if self.row_of(&wallet.id).is_some() {
            self.apply_refresh(vec![wallet], now, cycle);
            return;
        }
        let keep = self.selected_id().map(str::to_string);
        let data = self.data_mut();
        let hay = data.hay_of(&wallet);
        data.hay.push(hay);
        data.counts.add(&wallet);
        data.rows.push(Row {
            wallet: Arc::new(wallet),
            meta: RowMeta {
                refreshed_at: now,
                failed: false,
                delta: None,
            },
        });
        data.note_fetch(None, now);
        data.reindex();
        data.rank_ids();
        data.reshaped();
        self.rebuild_view(keep.as_deref());
    }

    /// Takes a new customer list: the search texts (a filter finds wallets by customer name)
    /// and the Customer order follow it. Nothing moves when it is the one held.
    pub fn set_customers(&mut self, customers: Customers) {
        if *self.data.customers == customers {
            return;
        }
        let keep = self.selected_id().map(str::to_string);
        let data = self.data_mut();
        data.customers = Arc::new(customers);
        data.rehay();
        data.reshaped();
        self.rebuild_view(keep.as_deref());
    }

    /// Takes the runway's state. New figures re-sort and re-filter (the Runway column and
    /// `runway<24h` read them); progress alone moves nothing.
    pub fn set_runway(&mut self, board: crate::app::runway::Board) {
        let moved = self.data.runway.moved_from(&board);
        self.data_mut().runway = board;
        // Only an order or a view that reads the runway moves (100,000 rows sorted again on
        // the loop's thread would be a frame of a third of a second for nothing). Followers
        // check the same when they follow (`follow`).
        if moved && self.reads_runway() {
            let keep = self.selected_id().map(str::to_string);
            self.rebuild_view(keep.as_deref());
        }
    }

    /// This console's order or filter depends on the runway's figures.
    fn reads_runway(&self) -> bool {
        self.sort.column == Column::Runway || self.filter.as_ref().is_some_and(Filter::asks_runway)
    }

    /// Applies a filter (`None` or an empty one shows every row), keeping the selection by id.
    pub fn set_filter(&mut self, filter: Option<Filter>) {
        let keep = self.selected_id().map(str::to_string);
        self.filter = filter.filter(|f| !f.is_empty());
        self.refilter(keep.as_deref());
    }

    pub fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        let keep = self.selected_id().map(str::to_string);
        self.rebuild_view(keep.as_deref());
    }

    /// Moves the selection by `delta` rows, clamped to the view.
    pub fn move_by(&mut self, delta: isize) {
        if self.view().is_empty() {
            return;
        }
        let last = self.view().len() - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last as isize) as usize;
    }

    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn select_last(&mut self) {
        self.selected = self.view().len().saturating_sub(1);
    }

    /// Keeps the selection inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        self.offset = super::follow(self.selected, self.offset, height);
        let max_offset = self.view().len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// Ids of the rows on screen.
    pub fn visible_ids(&self, height: usize) -> Vec<String> {
        self.view()
            .iter()
            .skip(self.offset)
            .take(height)
            .filter_map(|&i| self.rows.get(i as usize).map(|r| r.wallet.id.clone()))
            .collect()
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_id().map(str::to_string)
            && !self.marks.remove(&id)
        {
            self.marks.insert(id);
        }
    }

    /// Marks every row in the view; if they all are marked already, clears the marks.
    pub fn mark_all_visible(&mut self) {
        let ids: Vec<String> = self
            .view()
            .iter()
            .filter_map(|&i| self.rows.get(i as usize).map(|r| r.wallet.id.clone()))
            .collect();
        if !ids.is_empty() && ids.iter().all(|id| self.marks.contains(id)) {
            self.marks.clear();
        } else {
            self.marks.extend(ids);
        }
    }

    /// Moves to the next (or previous) row whose alert state is `in_alarm`, wrapping around.
    /// `n` / `N`: the next wallet in alarm in the view; closed wallets are skipped unless the
    /// filter asks for them (`status:closed`).
    pub fn jump_to_alarm(&mut self, forward: bool) -> bool {
        let closed_too = self.filter.as_ref().is_some_and(Filter::asks_for_closed);
        let n = self.view().len();
        for step in 1..=n {
            let pos = if forward {
                (self.selected + step) % n
            } else {
                (self.selected + n - step % n) % n
            };
            let in_alarm = self.view_row(pos).is_some_and(|r| {
                r.wallet.alert_state() == flexprice_wire::models::AlertState::InAlarm
                    && (closed_too
                        || matches!(
                            r.wallet.wallet_status,
                            WalletStatus::Active | WalletStatus::Frozen
                        ))
            });
            if in_alarm {
                self.selected = pos;
                return true;
            }
        }
        false
    }
}

/// A sort key for an amount that compares as fast as two integers: the amount in units of
/// 10^-9, rounded down (a 96-bit mantissa times 10^9 fits in an i128), then the exact amount to
/// order the ones that agree there. Rounding down keeps the order, so the pair orders exactly
/// as the amounts do.
fn money_key(d: Decimal) -> (i128, Decimal) {
    const SCALE: u32 = 9;
    let (m, s) = (d.mantissa(), d.scale());
    let coarse = if s <= SCALE {
        m * 10i128.pow(SCALE - s)
    } else {
        m.div_euclid(10i128.pow(s - SCALE))
    };
    (coarse, d)
}

/// Row indices sorted by `key`, ties broken by id rank; keys are computed once per row and
/// sorted side by side. The order is a fresh vector of exactly one `u32` a row: collected in
/// place from the keyed one, it kept that one's whole allocation (three to six times its size,
/// for every session of `serve`).
fn keyed_order<K: Ord>(rank: &[u32], descending: bool, key: impl Fn(usize) -> K) -> Vec<u32> {
    let mut keyed: Vec<(K, u32, u32)> = rank
        .iter()
        .enumerate()
        .map(|(i, &r)| (key(i), r, i as u32))
        .collect();
    if descending {
        keyed.sort_unstable_by(|a, b| (&b.0, b.1).cmp(&(&a.0, a.1)));
    } else {
        keyed.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    }
    let mut order = Vec::with_capacity(keyed.len());
    order.extend(keyed.iter().map(|&(_, _, i)| i));
    order
}

/// A refreshed wallet replaces the old copy, but a list reply lacks the real-time extras the
/// balance endpoint gave us: keep those until the next balance call replaces them.
pub fn merged(old: &Wallet, mut fresh: Wallet) -> Wallet {
    if fresh.credits_available_breakdown.is_none() {
        fresh.credits_available_breakdown = old.credits_available_breakdown.clone();
    }
    if fresh.real_time_balance.is_none() {
        fresh.real_time_balance = old.real_time_balance;
        fresh.real_time_credit_balance = old.real_time_credit_balance;
        fresh.current_period_usage = old.current_period_usage;
        fresh.unpaid_invoices_amount = old.unpaid_invoices_amount;
        fresh.is_cached_fallback = old.is_cached_fallback;
        fresh.balance_updated_at = old.balance_updated_at;
    }
    fresh
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
