//! Runs a prepared job: bounded concurrency, journaled attempts, retries, progress, cancel.
//!
//! Workers take rows from one queue. For each attempt a worker makes the `sending` record
//! durable, waits for one of `concurrency` request slots, sends the row's fixed request, frees
//! the slot, judges the answer with [`RowMachine`], and makes the outcome durable (journal, then
//! audit log). There are more workers than slots so that the journal's disk flushes of some rows
//! overlap the requests of others: `concurrency` bounds what the API sees, not the disk. Retries
//! (5xx, 429 with `Retry-After`, connection errors, lost replies) are owned here, not by the
//! client, so every attempt is journaled and shown. Cancelling stops new rows, rows waiting for
//! a slot and pending retries at once; requests already out finish and are journaled.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use flexwallet_bulk::progress::{Counts, Event, JobReport, Progress};
pub use flexwallet_bulk::row::{DoneInfo, RowMachine, RowState, RowStatus, Verdict};

use crate::audit::{Audit, AuditOutcome, AuditRecord, Ending};
use crate::job::Prepared;
use crate::journal::{Durable, Journal, Record};
use flexprice_client::{ApiError, Client, RetryPolicy, TopUpOutcome};
use flexprice_wire::models::{TopUpReceipt, TopUpRequest};
use flexwallet_bulk::plan::PlannedRow;

/// Sends one top-up attempt. The real one is [`Client::top_up_once`].
pub trait TopUpSender: Send + Sync + 'static {
    fn send(
        &self,
        wallet_id: &str,
        req: &TopUpRequest,
    ) -> impl Future<Output = Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<Duration>)>> + Send;
}

impl TopUpSender for Client {
    async fn send(
        &self,
        wallet_id: &str,
        req: &TopUpRequest,
    ) -> Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<Duration>)> {
        match self.top_up_once(wallet_id, req).await {
            // The client settles a 409 only when the ledger holds the same top-up under the key.
            // Otherwise look again, so the row can say which transaction holds its key (a
            // conflict, `failed`) rather than stay `unknown` for ever.
            Err((err, retry_after))
                if err.is_already_exists() && !err.key_used_by_other_wallet(wallet_id) =>
            {
                let key = req.idempotency_key.as_deref().unwrap_or_default();
                match self.find_transaction_by_key(wallet_id, key).await {
                    Ok(Some(tx)) => Ok(TopUpOutcome::AlreadyApplied(Box::new(tx))),
                    Ok(None) => Err((err, retry_after)),
                    Err(read) => Err((read, None)),
                }
            }
            other => other,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Attempts per row per run, and the backoff between them.
    pub retry: RetryPolicy,
}

impl ExecOptions {
    /// Workers: enough rows being journaled around the `concurrency` requests that disk
    /// flushes (milliseconds on slow disks) do not starve the request slots.
    pub fn workers(&self) -> usize {
        (self.concurrency.max(1) * 4).clamp(MIN_WORKERS, MAX_WORKERS)
    }
}

const MIN_WORKERS: usize = 64;
const MAX_WORKERS: usize = 1024;

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            concurrency: 8,
            retry: RetryPolicy {
                max_attempts: 8,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(5),
            },
        }
    }
}

/// Starts the job on the current tokio runtime.
pub fn spawn<S: TopUpSender>(
    prepared: Prepared,
    sender: Arc<S>,
    audit: Option<Arc<Audit>>,
    opts: ExecOptions,
) -> JobHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run(prepared, sender, audit, opts, tx, cancel.clone()));
    JobHandle {
        progress: rx,
        cancel,
        task,
    }
}

struct Shared<S> {
    job: String,
    rows: Arc<Vec<PlannedRow>>,
    journal: Journal,
    sender: Arc<S>,
    /// Rows' audit lines go to a thread that writes them in batches: a write per row, under a
    /// lock, on the runtime's two threads was what held the engine below the sandbox's rate.
    audit: Option<AuditWriter>,
    retry: RetryPolicy,
    slots: tokio::sync::Semaphore,
    state: Mutex<(Vec<RowState>, Counts)>,
    queue: Mutex<VecDeque<usize>>,
    progress: mpsc::UnboundedSender<Progress>,
    /// Cancelled by the operator or by `halt`.
    stop: CancellationToken,
    stop_reason: Mutex<Option<String>>,
    started: Instant,
}

/// Runs the job to the end (or until `cancel`), sending events to `progress`.
pub async fn run<S: TopUpSender>(
    prepared: Prepared,
    sender: Arc<S>,
    audit: Option<Arc<Audit>>,
    opts: ExecOptions,
    progress: mpsc::UnboundedSender<Progress>,
    cancel: CancellationToken,
) -> JobReport {
    let Prepared {
        job,
        rows,
        states,
        journal,
        ..
    } = prepared;
    let counts = Counts::of(&states);
    let queue: VecDeque<usize> = states
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status != RowStatus::Done)
        .map(|(i, _)| i)
        .collect();
    let audit_failed = Arc::new(Mutex::new(None::<String>));
    let audit = audit.map(|a| AuditWriter::start(a, audit_failed.clone()));
    let shared = Arc::new(Shared {
        job,
        rows: Arc::new(rows),
        journal,
        sender,
        audit,
        retry: opts.retry.clone(),
        slots: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
        state: Mutex::new((states, counts)),
        queue: Mutex::new(queue),
        progress,
        stop: cancel.child_token(),
        stop_reason: Mutex::new(None),
        started: Instant::now(),
    });
    shared.emit(Event::Started);
    let watcher = {
        let shared = shared.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            shared.halt("cancelled by the operator: in-flight rows finish, no new rows start".into());
        })
    };
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..opts.workers() {
        let shared = shared.clone();
        workers.spawn(async move { worker(&shared).await });
    }
    while let Some(joined) = workers.join_next().await {
        if let Err(e) = joined {
            shared.halt(format!("a worker stopped unexpectedly: {e}"));
        }
    }
    watcher.abort();
    // Every row's audit line is written before the job reports.
    let writer = shared.audit.as_ref().and_then(AuditWriter::close);
    if let Some(thread) = writer {
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
    if let Some(e) = audit_failed.lock().ok().and_then(|e| e.clone()) {
        shared.halt(e);
    }
    let (states, counts) = shared.snapshot();
    let report = Arc::new(JobReport {
        job: shared.job.clone(),
        rows: shared.rows.clone(),
        states,
        counts,
        interrupted: cancel.is_cancelled(),
        stopped: shared.stop_reason.lock().ok().and_then(|r| r.clone()),
        elapsed: shared.started.elapsed(),
    });
    shared.emit(Event::Completed(report.clone()));
    Arc::unwrap_or_clone(report)
}

/// The data behind a mutex, even if a thread panicked holding it: the row states and queued
/// records stay consistent (each change is one assignment), and losing them would lose rows.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<S: TopUpSender> Shared<S> {
    fn snapshot(&self) -> (Vec<RowState>, Counts) {
        locked(&self.state).clone()
    }

    fn counts(&self) -> Counts {
        locked(&self.state).1
    }

    /// Attempts so far and whether one may have landed, for one row.
    fn attempts_of(&self, row: usize) -> (u32, bool) {
        let guard = locked(&self.state);
        let s = &guard.0[row];
        (s.attempts, s.maybe_applied)
    }

    fn emit(&self, event: Event) {
        self.emit_with(event, self.counts());
    }

    fn emit_with(&self, event: Event, counts: Counts) {
        let _ = self.progress.send(Progress {
            event,
            counts,
            elapsed: self.started.elapsed(),
        });
    }

    /// Stops new rows and retries; the first reason wins.
    fn halt(&self, reason: String) {
        let first = match self.stop_reason.lock() {
            Ok(mut r) if r.is_none() => {
                *r = Some(reason.clone());
                true
            }
            _ => false,
        };
        self.stop.cancel();
        if first {
            self.emit(Event::Stopping { reason });
        }
    }

    /// Updates one row's state and the counts, and returns the counts after it.
    fn update(&self, row: usize, f: impl FnOnce(&mut RowState, &mut Counts)) -> Counts {
        let mut guard = locked(&self.state);
        let (states, counts) = &mut *guard;
        let before = states[row].status;
        f(&mut states[row], counts);
        let after = states[row].status;
        if before != after {
            counts.bump(before, -1);
            counts.bump(after, 1);
        }
        *counts
    }

    fn next_row(&self) -> Option<usize> {
        if self.stop.is_cancelled() {
            return None;
        }
        self.queue.lock().ok()?.pop_front()
    }
}

/// A row's outcome queued to the journal, published once it is durable.
struct Finishing {
    row: usize,
    attempts: u32,
    maybe_applied: bool,
    verdict: Verdict,
    durable: Durable,
}

async fn worker<S: TopUpSender>(shared: &Shared<S>) {
    let mut finishing = None;
    while let Some(i) = shared.next_row() {
        finishing = process(shared, i, finishing.take()).await;
    }
    if let Some(f) = finishing {
        complete(shared, f).await;
    }
}

/// Sends one row until it has an outcome, which comes back queued but not yet durable: the
/// worker's next `sending` record shares its disk flush (records reach the disk in order), so
/// a row costs one flush, not two, and its outcome is still on disk before the next request.
async fn process<S: TopUpSender>(
    shared: &Shared<S>,
    i: usize,
    mut previous: Option<Finishing>,
) -> Option<Finishing> {
    let row = &shared.rows[i];
    let (mut attempt, maybe_applied) = shared.attempts_of(i);
    let mut machine = RowMachine::new(shared.retry.clone(), maybe_applied);
    loop {
        attempt += 1;
        let sending = Record::Sending {
            row: i,
            attempt,
            at: Utc::now(),
        };
        let durable = shared.journal.enqueue(&sending);
        if let Some(f) = previous.take() {
            complete(shared, f).await;
        }
        if let Err(e) = durable.await {
            // Not durable, so not sent: the row stays as it was.
            shared.halt(format!(
                "cannot write the journal {}: {e}",
                shared.journal.path().display()
            ));
            return None;
        }
        let slot = tokio::select! {
            biased;
            _ = shared.stop.cancelled() => None,
            slot = shared.slots.acquire() => slot.ok(),
        };
        let Some(slot) = slot.filter(|_| !shared.stop.is_cancelled()) else {
            let verdict = machine.give_up("stopped before sending".into());
            return Some(finish(shared, i, attempt, machine.maybe_applied(), verdict));
        };
        let counts = shared.update(i, |s, c| {
            s.status = RowStatus::InFlight;
            s.maybe_applied = true;
            s.attempts = attempt;
            c.sent += 1;
        });
        shared.emit_with(Event::Sending { row: i, attempt }, counts);
        let result = shared.sender.send(&row.wallet_id, &row.request).await;
        drop(slot);
        let verdict = machine.judge(row, result);
        if let Some(reason) = machine.stop_job.take() {
            shared.halt(format!("stopping: {reason}"));
        }
        let (delay, error) = match verdict {
            Verdict::Retry { delay, error } => (delay, error),
            other => return Some(finish(shared, i, attempt, machine.maybe_applied(), other)),
        };
        if shared.stop.is_cancelled() {
            return Some(finish(
                shared,
                i,
                attempt,
                machine.maybe_applied(),
                machine.give_up(error),
            ));
        }
        let counts = shared.update(i, |s, c| {
            s.error = Some(error.clone());
            c.retries += 1;
        });
        shared.emit_with(
            Event::Retrying {
                row: i,
                delay,
                error: error.clone(),
            },
            counts,
        );
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shared.stop.cancelled() => {
                let verdict = machine.give_up(format!("stopped before retrying: {error}"));
                return Some(finish(shared, i, attempt, machine.maybe_applied(), verdict));
            }
        }
    }
}

/// Queues a row's outcome in the journal.
fn finish<S: TopUpSender>(
    shared: &Shared<S>,
    i: usize,
    attempts: u32,
    maybe_applied: bool,
    verdict: Verdict,
) -> Finishing {
    let at = Utc::now();
    let record = match &verdict {
        Verdict::Done(d) => Record::Done {
            row: i,
            transaction_id: d.transaction_id.clone(),
            invoice_id: d.invoice_id.clone(),
            credit_balance: d.credit_balance,
            balance: d.balance,
            already_applied: d.already_applied,
            at,
        },
        Verdict::Failed { error, http_status } => Record::Failed {
            row: i,
            http_status: *http_status,
            error: error.clone(),
            at,
        },
        Verdict::Unknown { error } | Verdict::Retry { error, .. } => Record::Unknown {
            row: i,
            error: error.clone(),
            at,
        },
        Verdict::Deferred { error } => Record::Deferred {
            row: i,
            error: error.clone(),
            at,
        },
    };
    Finishing {
        row: i,
        attempts,
        maybe_applied,
        verdict,
        durable: shared.journal.enqueue(&record),
    }
}

/// The job's audit thread: takes rows' records, writes whatever has queued up with one write.
struct AuditWriter {
    queue: Arc<AuditQueue>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    failed: Arc<Mutex<Option<String>>>,
}

/// The rows' audit records waiting for the writer. Queuing one wakes nobody: the writer looks
/// every `AUDIT_EVERY` (a wake per row was a futex call per row, 5 % of the engine's CPU).
#[derive(Default)]
struct AuditQueue {
    records: Mutex<Vec<AuditRecord>>,
    closed: std::sync::atomic::AtomicBool,
}

/// How often the audit thread writes what has queued up.
const AUDIT_EVERY: Duration = Duration::from_millis(20);

impl AuditWriter {
    fn start(audit: Arc<Audit>, failed: Arc<Mutex<Option<String>>>) -> AuditWriter {
        use std::sync::atomic::Ordering;
        let queue = Arc::new(AuditQueue::default());
        let (q, flag) = (queue.clone(), failed.clone());
        let thread = std::thread::Builder::new()
            .name("bulk-audit".into())
            .spawn(move || {
                loop {
                    // Read before draining: whatever was queued before the close is drained now.
                    let closed = q.closed.load(Ordering::Acquire);
                    let batch = std::mem::take(&mut *locked(&q.records));
                    if !batch.is_empty()
                        && let Err(e) = audit.append_all(&batch)
                        && let Ok(mut f) = flag.lock()
                    {
                        f.get_or_insert(format!(
                            "cannot write the audit log {}: {e}",
                            audit.path().display()
                        ));
                    }
                    if closed {
                        break;
                    }
                    std::thread::park_timeout(AUDIT_EVERY);
                }
            })
            .ok();
        AuditWriter {
            queue,
            thread: Mutex::new(thread),
            failed,
        }
    }

    /// Queues one row's record; an earlier write failure stops the job.
    fn send(&self, record: AuditRecord) -> Result<(), String> {
        if let Some(e) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Err(e);
        }
        let running = self
            .thread
            .lock()
            .is_ok_and(|t| t.as_ref().is_some_and(|h| !h.is_finished()));
        if !running || self.queue.closed.load(std::sync::atomic::Ordering::Acquire) {
            return Err("the audit log's writer stopped".into());
        }
        locked(&self.queue.records).push(record);
        Ok(())
    }

    /// No more records: the thread writes what is queued and ends (join the handle).
    fn close(&self) -> Option<std::thread::JoinHandle<()>> {
        self.queue
            .closed
            .store(true, std::sync::atomic::Ordering::Release);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = &thread {
            t.thread().unpark();
        }
        thread
    }
}

/// Waits for a row's outcome to be durable, then writes the audit log and publishes it.
async fn complete<S: TopUpSender>(shared: &Shared<S>, f: Finishing) {
    let Finishing {
        row: i,
        attempts,
        maybe_applied,
        verdict,
        durable,
    } = f;
    let row = &shared.rows[i];
    let (status, audit_outcome) = match &verdict {
        Verdict::Done(d) if d.already_applied => (RowStatus::Done, AuditOutcome::AlreadyApplied),
        Verdict::Done(_) => (RowStatus::Done, AuditOutcome::Ok),
        Verdict::Failed { .. } => (RowStatus::Failed, AuditOutcome::Failed),
        Verdict::Unknown { .. } | Verdict::Retry { .. } => (RowStatus::Unknown, AuditOutcome::Unknown),
        Verdict::Deferred { .. } => (RowStatus::Pending, AuditOutcome::NotSent),
    };
    if let Err(e) = durable.await {
        shared.halt(format!(
            "cannot write the journal {}: {e} (resume re-sends this row with its key; it is not credited twice)",
            shared.journal.path().display()
        ));
    }
    if let Some(audit) = &shared.audit {
        let (transaction_id, invoice_id, http_status, error) = match &verdict {
            Verdict::Done(d) => (d.transaction_id.clone(), d.invoice_id.clone(), Some(200), None),
            Verdict::Failed { error, http_status } => (None, None, *http_status, Some(error.clone())),
            Verdict::Unknown { error } | Verdict::Deferred { error } | Verdict::Retry { error, .. } => {
                (None, None, None, Some(error.clone()))
            }
        };
        let entry = AuditRecord::bulk_row(
            &shared.job,
            row.line,
            attempts,
            &row.wallet_id,
            &row.request,
            Ending {
                outcome: audit_outcome,
                http_status,
                transaction_id,
                invoice_id,
                error,
            },
        );
        if let Err(e) = audit.send(entry) {
            shared.halt(e);
        }
    }
    let counts = shared.update(i, |s, _| {
        s.status = status;
        s.maybe_applied = maybe_applied || status == RowStatus::Done;
        match verdict {
            Verdict::Done(d) => {
                s.transaction_id = d.transaction_id;
                s.invoice_id = d.invoice_id;
                s.credit_balance = d.credit_balance;
                s.balance = d.balance;
                s.already_applied = d.already_applied;
                s.http_status = None;
                s.error = None;
            }
            Verdict::Failed { error, http_status } => {
                s.http_status = http_status;
                s.error = Some(error);
            }
            Verdict::Unknown { error } | Verdict::Deferred { error } | Verdict::Retry { error, .. } => {
                s.error = Some(error);
            }
        }
    });
    shared.emit_with(Event::Finished { row: i, status }, counts);
}

/// What a driver holds while the job runs: the progress stream, the cancel switch, the result.
#[derive(Debug)]
pub struct JobHandle {
    pub progress: mpsc::UnboundedReceiver<Progress>,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<JobReport>,
}

#[cfg(test)]
#[path = "executor_tests.rs"]
mod tests;
