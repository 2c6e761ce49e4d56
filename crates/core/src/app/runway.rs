//! Runway: each wallet's burn over a window of its debits (credits per hour), the time until
//! its credits reach zero and its alert thresholds, and its credits over the window, from one
//! pass over every wallet's transactions. Pure: the runtime pages the transactions in
//! ([`Tally::take`]), the list and the detail read the figures ([`Runways::runway`]).

use hashbrown::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;

use flexprice_wire::models::{
    AlertCondition, AlertState, Transaction, TransactionReason, TransactionStatus, TransactionType, Wallet,
    WalletStatus,
};

/// The window the burn is measured over, unless the operator asks for another.
pub const DEFAULT_WINDOW_HOURS: i64 = 24;
/// How many slices the window's credits are kept in (the detail's chart: one bar a slice).
pub const BUCKETS: u16 = 48;
/// How often the runway is computed again while the console runs (`r` asks at once).
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);
/// After a failed pass, the next one is this soon.
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(30);

const SECONDS_PER_HOUR: i64 = 3600;

/// The span of time the debits are read from: `[start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// The `hours` before `end` (at least one).
    pub fn ending(end: DateTime<Utc>, hours: i64) -> Window {
        let span = TimeDelta::try_hours(hours.max(1)).unwrap_or(TimeDelta::hours(DEFAULT_WINDOW_HOURS));
        Window {
            start: end.checked_sub_signed(span).unwrap_or(end),
            end,
        }
    }

    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds().max(1)
    }

    /// Which slice `at` falls in; `None` outside the window.
    pub fn bucket(&self, at: DateTime<Utc>) -> Option<u16> {
        if at < self.start || at > self.end {
            return None;
        }
        let total = (self.end - self.start).num_milliseconds().max(1);
        let into = (at - self.start).num_milliseconds();
        let b = into.saturating_mul(i64::from(BUCKETS)) / total;
        Some(u16::try_from(b).unwrap_or(BUCKETS - 1).min(BUCKETS - 1))
    }

    /// Where slice `b` starts.
    pub fn bucket_start(&self, b: u16) -> DateTime<Utc> {
        let total = (self.end - self.start).num_milliseconds().max(1);
        let ms = total.saturating_mul(i64::from(b)) / i64::from(BUCKETS);
        self.start + TimeDelta::milliseconds(ms)
    }
}

/// What the pass keeps of one wallet: a few numbers and the slices that moved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Burn {
    /// Credits debited in the window: completed debits, terminations left out (closing a
    /// wallet is not spending).
    pub debited: Decimal,
    pub debits: u32,
    /// Net change of the wallet's credits in each slice that had one (completed credits and
    /// debits, terminations included), in slice order.
    pub changes: Vec<(u16, Decimal)>,
}

/// A sum went past what a decimal holds: the wallet's figures are not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

impl Burn {
    /// Adds one transaction of the window. Pending and failed ones moved no credits.
    pub fn add(&mut self, window: &Window, t: &Transaction) -> Result<(), Overflow> {
        if t.transaction_status != TransactionStatus::Completed {
            return Ok(());
        }
        let Some(bucket) = t.created_at.and_then(|at| window.bucket(at)) else {
            return Ok(());
        };
        let credits = t.credit_amount.abs();
        let change = match t.tx_type {
            TransactionType::Credit => credits,
            TransactionType::Debit => {
                if t.transaction_reason != TransactionReason::WalletTermination {
                    self.debited = self.debited.checked_add(credits).ok_or(Overflow)?;
                    self.debits = self.debits.saturating_add(1);
                }
                -credits
            }
            TransactionType::Other(_) => return Ok(()),
        };
        // The pages come oldest first: the slice is the last one, or a new one at the end.
        match self.changes.iter_mut().rev().find(|(b, _)| *b == bucket) {
            Some((_, sum)) => *sum = sum.checked_add(change).ok_or(Overflow)?,
            None => {
                let at = self.changes.partition_point(|(b, _)| *b < bucket);
                self.changes.insert(at, (bucket, change));
            }
        }
        Ok(())
    }
}

/// The pass in progress: every wallet seen so far, by id. A few hundred bytes a wallet that
/// had transactions in the window, whatever their number.
#[derive(Debug)]
pub struct Tally {
    pub window: Window,
    burns: HashMap<Box<str>, Burn>,
    /// Transactions read (the window's, whatever their kind).
    pub transactions: u64,
    /// Wallets whose sums overflowed: no figures for them.
    overflowed: Vec<Box<str>>,
}

impl Tally {
    pub fn new(window: Window) -> Tally {
        Tally {
            window,
            burns: HashMap::new(),
            transactions: 0,
            overflowed: Vec::new(),
        }
    }

    pub fn take(&mut self, t: &Transaction) {
        self.transactions += 1;
        if t.wallet_id.is_empty() {
            return;
        }
        let burn = match self.burns.get_mut(t.wallet_id.as_str()) {
            Some(b) => b,
            None => self.burns.entry(t.wallet_id.as_str().into()).or_default(),
        };
        if burn.add(&self.window, t).is_err() {
            self.overflowed.push(t.wallet_id.as_str().into());
        }
    }

    /// Wallets seen so far.
    pub fn wallets(&self) -> usize {
        self.burns.len()
    }

    pub fn finish(mut self, requests: u32) -> Runways {
        for id in &self.overflowed {
            self.burns.remove(id);
        }
        self.burns.shrink_to_fit();
        Runways {
            window: self.window,
            burns: self.burns,
            transactions: self.transactions,
            requests,
            overflowed: self.overflowed.len(),
        }
    }
}

/// One finished pass: the window and what it kept of each wallet.
#[derive(Debug, Clone, PartialEq)]
pub struct Runways {
    pub window: Window,
    burns: HashMap<Box<str>, Burn>,
    pub transactions: u64,
    /// API requests the pass made.
    pub requests: u32,
    /// Wallets left without figures because a sum overflowed.
    pub overflowed: usize,
}

/// How long until a wallet's credits get somewhere, at its burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Left {
    /// Already there (credits at or below it).
    Reached,
    /// In this many seconds.
    After(i64),
    /// It does not burn: never, at this rate.
    NoBurn,
}

impl Left {
    /// Seconds until, `None` for never.
    pub fn seconds(self) -> Option<i64> {
        match self {
            Left::Reached => Some(0),
            Left::After(s) => Some(s),
            Left::NoBurn => None,
        }
    }
}

/// A burn as it was measured: `debited` credits over `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub debited: Decimal,
    pub seconds: i64,
}

impl Pace {
    /// Credits per hour.
    pub fn per_hour(&self) -> Option<Decimal> {
        self.debited
            .checked_mul(Decimal::from(SECONDS_PER_HOUR))?
            .checked_div(Decimal::from(self.seconds))
    }
}

/// Time from `credits` down to `level` at `pace` (`None`: no burn). Worked out as
/// `(credits − level) × seconds ÷ debited`: exact to the second, and short numbers divided
/// (a rate per hour has 28 digits; dividing by it was most of a sort of 100,000 rows).
pub fn time_to(credits: Decimal, level: Decimal, pace: Option<Pace>) -> Left {
    let Some(pace) = pace.filter(|p| p.debited > Decimal::ZERO && p.seconds > 0) else {
        return Left::NoBurn;
    };
    if credits <= level {
        return Left::Reached;
    }
    let seconds = credits
        .checked_sub(level)
        .and_then(|d| d.checked_mul(Decimal::from(pace.seconds)))
        .and_then(|d| d.checked_div(pace.debited))
        .map(|s| s.ceil());
    // Past what an i64 of seconds holds is hundreds of billions of years: as good as never.
    match seconds.and_then(|s| i64::try_from(s).ok()) {
        Some(s) => Left::After(s.max(1)),
        None => Left::NoBurn,
    }
}

/// A wallet's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Credits per hour; `None`: no debits in the window.
    pub rate: Option<Decimal>,
    pub to_zero: Left,
    /// Each alert level the burn heads to (enabled `below` levels), most severe first.
    pub to_levels: Vec<(AlertState, Decimal, Left)>,
    pub debits: u32,
}

/// What the list shows of a wallet's runway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runway {
    /// No pass has finished yet.
    Unknown,
    /// A closed wallet runs nowhere.
    Closed,
    Left(Left),
}

impl Runway {
    /// The list's sort key: soonest first, then no burn, then closed and unknown.
    pub fn key(self) -> (u8, i64) {
        match self {
            Runway::Left(Left::Reached) => (0, 0),
            Runway::Left(Left::After(s)) => (1, s),
            Runway::Left(Left::NoBurn) => (2, 0),
            Runway::Closed => (3, 0),
            Runway::Unknown => (4, 0),
        }
    }
}

impl Runways {
    pub fn burn(&self, wallet_id: &str) -> Option<&Burn> {
        self.burns.get(wallet_id)
    }

    pub fn wallets(&self) -> usize {
        self.burns.len()
    }

    /// The part of the window the wallet existed, in seconds.
    fn seconds_of(&self, w: &Wallet) -> i64 {
        let from = w
            .created_at
            .filter(|c| *c > self.window.start)
            .unwrap_or(self.window.start);
        (self.window.end - from).num_seconds().max(1)
    }

    /// The wallet's burn rate in credits per hour (`None`: no burn).
    pub fn rate(&self, w: &Wallet) -> Option<Decimal> {
        self.pace(w)?.per_hour()
    }

    /// What the wallet debited over how long (`None`: nothing).
    pub fn pace(&self, w: &Wallet) -> Option<Pace> {
        let burn = self.burn(&w.id).filter(|b| b.debited > Decimal::ZERO)?;
        Some(Pace {
            debited: burn.debited,
            seconds: self.seconds_of(w),
        })
    }

    /// Time to zero credits, as the list shows and sorts it: from the wallet's credits now.
    pub fn runway(&self, w: &Wallet) -> Runway {
        if w.wallet_status == WalletStatus::Closed {
            return Runway::Closed;
        }
        Runway::Left(time_to(w.credit_balance, Decimal::ZERO, self.pace(w)))
    }

    /// Everything the detail shows.
    pub fn figures(&self, w: &Wallet) -> Figures {
        let pace = self.pace(w);
        let alerts = w.alert_view();
        let to_levels = if alerts.enabled {
            alerts
                .levels
                .iter()
                .filter(|l| l.condition == AlertCondition::Below)
                .map(|l| {
                    (
                        l.state.clone(),
                        l.threshold,
                        time_to(w.credit_balance, l.threshold, pace),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Figures {
            rate: pace.and_then(|p| p.per_hour()),
            to_zero: time_to(w.credit_balance, Decimal::ZERO, pace),
            to_levels,
            debits: self.burn(&w.id).map_or(0, |b| b.debits),
        }
    }

    /// The wallet's credits at each slice's start and at the window's end (`BUCKETS + 1`
    /// points), walked back from `credits` (its credits now) through the window's changes.
    /// `None` when a sum overflows.
    pub fn series(&self, wallet_id: &str, credits: Decimal) -> Option<Vec<Decimal>> {
        let changes = self.burn(wallet_id).map_or(&[][..], |b| &b.changes[..]);
        let mut points = vec![Decimal::ZERO; usize::from(BUCKETS) + 1];
        let mut at = credits;
        let mut next = changes.iter().rev().peekable();
        for b in (0..=BUCKETS).rev() {
            points[usize::from(b)] = at;
            if b == 0 {
                break;
            }
            // Before slice b-1's changes, the credits were these less what it changed.
            if let Some((_, change)) = next.next_if(|(cb, _)| *cb == b - 1) {
                at = at.checked_sub(*change)?;
            }
        }
        Some(points)
    }
}

/// The runway as this console knows it: the last finished pass, and the one under way.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub figures: Option<Arc<Runways>>,
    /// When the last pass finished (wall clock).
    pub done_at: Option<DateTime<Utc>>,
    /// A pass is under way: transactions read so far and how many the window holds.
    pub computing: Option<(u64, Option<u64>)>,
    /// Why the last pass failed, if it did.
    pub failed: Option<String>,
}

impl Board {
    /// Whether `other` holds other figures than this (progress alone is not a move).
    pub fn moved_from(&self, other: &Board) -> bool {
        match (&self.figures, &other.figures) {
            (Some(a), Some(b)) => !Arc::ptr_eq(a, b),
            (None, None) => false,
            _ => true,
        }
    }

    /// The list's runway of `w`.
    pub fn runway(&self, w: &Wallet) -> Runway {
        match &self.figures {
            Some(r) => r.runway(w),
            None => Runway::Unknown,
        }
    }

    /// How fresh the figures are, for the list's title: `runway 3m ago`, `runway …`.
    pub fn freshness(&self, now: DateTime<Utc>) -> String {
        let progress = match self.computing {
            Some((read, Some(total))) if total > 0 => {
                format!(" {}%", (read.min(total) * 100) / total)
            }
            _ => String::new(),
        };
        match (self.done_at, self.computing.is_some(), &self.failed) {
            (None, true, _) => format!("runway …{progress}"),
            (None, false, Some(_)) => "runway failed".into(),
            (None, false, None) => "runway …".into(),
            (Some(at), busy, failed) => {
                let age = duration_words((now - at).num_seconds().max(0));
                let tail = if busy {
                    format!(", updating…{progress}")
                } else if failed.is_some() {
                    ", update failed".into()
                } else {
                    String::new()
                };
                format!("runway {age} ago{tail}")
            }
        }
    }
}

/// `45s`, `3m`, `2h`, `4d`: an age in one unit.
fn duration_words(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// A time left as the list shows it: `<1m`, `45m`, `5h 07m`, `3d 04h`, `120d`; `no burn`.
pub fn left_words(left: Left) -> String {
    match left {
        Left::Reached => "empty".into(),
        Left::NoBurn => "no burn".into(),
        Left::After(s) if s < 60 => "<1m".into(),
        Left::After(s) if s < 3600 => format!("{}m", s / 60),
        Left::After(s) if s < 2 * 86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        Left::After(s) if s < 100 * 86_400 => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
        Left::After(s) if s < 10_000 * 86_400 => format!("{}d", s / 86_400),
        Left::After(_) => ">27y".into(),
    }
}

/// A duration of the filter language (`24h`, `90m`, `2d`, `1w`, `1.5d`), in seconds.
pub fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit_at = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(unit_at);
    let per = match unit.to_ascii_lowercase().as_str() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let n: Decimal = number.parse().ok()?;
    let seconds = n.checked_mul(Decimal::from(per))?.round();
    i64::try_from(seconds).ok()
}

#[cfg(test)]
#[path = "runway_tests.rs"]
mod tests;
