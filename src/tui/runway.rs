//! The runway's background pass: one paged `POST /wallets/transactions/search` over every
//! wallet's transactions in the window, oldest first, each page folded into the per-wallet
//! tally (`app::runway::Tally`) before the next is asked, so the window's transactions are
//! never held, only a few numbers a wallet. Runs in its own task; progress and the figures
//! come back to the loop as actions.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::mpsc;

use crate::api::{ApiError, Client};
use crate::app::Action;
use crate::app::runway::{Runways, Tally, Window};
use flexprice_wire::models::{TransactionQuery, TransactionSearch};

/// Transactions read past twice the total the first page stated before a pass gives up (what
/// is created during the pass is read too, so the total is not a hard bound).
const MAX_EXTRA: u64 = 1_000_000;
/// The largest page the search gives.
const PAGE: u32 = 1000;
/// Progress is told at most this often (each one is an action and maybe a frame).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Reads the window and returns every wallet's burn. `progress` hears (read, total in window).
///
/// Pages go by time, not by offset: each asks from the last page's newest `created_at` on
/// (`start_time` and `end_time` are inclusive in Flexprice), skipping the transactions of that
/// instant already read, up to the end of a slice of the window about a page long (from the
/// first page's total). An offset walk makes the server skip everything before the page, and
/// every page's total counts all the rest of the window: 500 pages of 500,000 transactions
/// counted 125 million rows. Slices are whole microseconds (the API's precision), the next
/// starting one after the last ends, so none is read twice or missed. The window's end is
/// fixed: what is created meanwhile is left to the next pass and no page shifts.
pub async fn pass(
    client: &Client,
    window: Window,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Runways, ApiError> {
    let mut tally = Tally::new(window);
    let mut cursor: DateTime<Utc> = window.start;
    // Transactions at exactly `cursor` already read.
    let mut skip: u64 = 0;
    let mut total = None;
    let mut requests = 0u32;
    let mut told = Instant::now();
    // The first page spans the window (its total sizes the slices).
    let mut slice: Option<TimeDelta> = None;
    let mut last_first: Option<String> = None;
    loop {
        let end = match slice {
            None => window.end,
            Some(s) => micros(cursor.checked_add_signed(s).unwrap_or(window.end)).min(window.end),
        };
        let search = TransactionSearch {
            wallet_id: None,
            filter: TransactionQuery {
                limit: Some(PAGE),
                offset: (skip > 0).then_some(skip),
                order: Some("asc".into()),
                start_time: Some(cursor),
                end_time: Some(end),
                ..TransactionQuery::default()
            },
        };
        let page = client.search_transactions(&search).await?;
        requests = requests.saturating_add(1);
        if total.is_none() {
            total = page.pagination.as_ref().and_then(|p| u64::try_from(p.total).ok());
            let pages = total.unwrap_or(1).div_ceil(u64::from(PAGE)).max(1);
            let ms =
                (window.end - window.start).num_milliseconds() / i64::try_from(pages).unwrap_or(i64::MAX);
            slice = Some(TimeDelta::milliseconds(ms.max(1000)));
        }
        let n = page.items.len();
        // A server that pages past what it said it holds (the same page again and again, or
        // pages without end) would be read forever and counted twice: the pass stops and says
        // so, and the last figures stay.
        let first = page.items.first().map(|t| t.id.clone());
        let read = tally.transactions.saturating_add(n as u64);
        if (n > 0 && first == last_first)
            || read > total.unwrap_or(0).saturating_mul(2).saturating_add(MAX_EXTRA)
        {
            return Err(ApiError::Invalid(format!(
                "the transactions search kept paging past the {} transactions it stated \
                 (after {requests} requests): runway figures not updated",
                total.unwrap_or(0)
            )));
        }
        last_first = first;
        let newest = page.items.last().and_then(|t| t.created_at);
        let at_newest = newest.map_or(0, |last| {
            page.items
                .iter()
                .rev()
                .take_while(|t| t.created_at == Some(last))
                .count() as u64
        });
        for t in &page.items {
            tally.take(t);
        }
        drop(page);
        if told.elapsed() >= PROGRESS_EVERY {
            told = Instant::now();
            progress(tally.transactions, total);
        }
        if n < PAGE as usize {
            // This slice is read: on to the next, a microsecond after it; a slice that held
            // little doubles (never shrinks: each request's end is past the one before).
            if end >= window.end {
                break;
            }
            cursor = end + TimeDelta::microseconds(1);
            skip = 0;
            if n < PAGE as usize / 2
                && let Some(s) = slice.as_mut()
            {
                *s = s.checked_mul(2).unwrap_or(*s);
            }
            continue;
        }
        match newest {
            // The whole page was one instant: read further into it.
            Some(last) if last == cursor => skip += n as u64,
            Some(last) if last > cursor => {
                cursor = last;
                skip = at_newest;
            }
            // A page without times, or going backwards: the server does not page by time as
            // Flexprice does; stop rather than loop.
            _ => break,
        }
    }
    Ok(tally.finish(requests))
}

/// `t` cut to whole microseconds.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Runs a pass for the loop: progress as `RunwayProgress`, the end as `RunwayLoaded`.
pub async fn run(
    client: Client,
    generation: u64,
    window: Window,
    tx: mpsc::UnboundedSender<Action>,
) -> Action {
    let result = pass(&client, window, |read, total| {
        let _ = tx.send(Action::RunwayProgress {
            generation,
            read,
            total,
        });
    })
    .await;
    Action::RunwayLoaded {
        generation,
        result: result.map(Arc::new),
    }
}
