//! What a running job tells its driver: counts, events, the final report.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::plan::PlannedRow;
use super::row::{RowState, RowStatus};

/// Rows by status, plus this run's attempt counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    pub total: usize,
    pub pending: usize,
    pub in_flight: usize,
    pub done: usize,
    pub failed: usize,
    pub unknown: usize,
    /// Requests sent in this run.
    pub sent: usize,
    /// Retries scheduled in this run.
    pub retries: usize,
    /// Rows that were already done when this run started.
    pub done_before: usize,
}

impl Counts {
    pub fn of(states: &[RowState]) -> Counts {
        let mut c = Counts {
            total: states.len(),
            ..Counts::default()
        };
        for s in states {
            c.bump(s.status, 1);
        }
        c.done_before = c.done;
        c
    }

    pub fn bump(&mut self, status: RowStatus, by: isize) {
        let slot = match status {
            RowStatus::Pending => &mut self.pending,
            RowStatus::InFlight => &mut self.in_flight,
            RowStatus::Done => &mut self.done,
            RowStatus::Failed => &mut self.failed,
            RowStatus::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add_signed(by);
    }

    /// Rows finished in this run (done, failed or unknown).
    pub fn finished_this_run(&self) -> usize {
        (self.done + self.failed + self.unknown).saturating_sub(self.done_before)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started,
    Sending {
        row: usize,
        attempt: u32,
    },
    Retrying {
        row: usize,
        delay: Duration,
        error: String,
    },
    Finished {
        row: usize,
        status: RowStatus,
    },
    /// No new rows start: the operator cancelled, or an answer means none can succeed.
    Stopping {
        reason: String,
    },
    /// The last event; the same report the task returns.
    Completed(Arc<JobReport>),
}

/// One event with the counts after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub event: Event,
    pub counts: Counts,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobReport {
    pub job: String,
    pub rows: Arc<Vec<PlannedRow>>,
    pub states: Vec<RowState>,
    pub counts: Counts,
    /// The operator cancelled.
    pub interrupted: bool,
    /// Why the job stopped early (cancel, refused key, journal or audit write failure).
    pub stopped: Option<String>,
    pub elapsed: Duration,
}

impl JobReport {
    pub fn all_done(&self) -> bool {
        self.counts.done == self.counts.total
    }

    /// Wallets of rows not done (failed, unknown or pending), for the console to keep marked.
    pub fn not_done_wallets(&self) -> Vec<&str> {
        self.rows
            .iter()
            .zip(&self.states)
            .filter(|(_, s)| s.status != RowStatus::Done)
            .map(|(r, _)| r.wallet_id.as_str())
            .collect()
    }
}
