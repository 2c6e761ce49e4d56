//! A job ready to run: the plan bound to its journal, new or resumed, with each row's state.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::journal::{self, Journal, JournalError, Record, Replay};
use crate::lock::JobLock;
use flexwallet_bulk::Issue;
use flexwallet_bulk::plan::{Plan, PlannedRow};
use flexwallet_bulk::{RowState, RowStatus};

/// `$XDG_STATE_HOME/flexwallet/jobs/<job>.jsonl`.
pub fn default_journal_path(job: &str) -> PathBuf {
    crate::paths::state_dir()
        .join("jobs")
        .join(format!("{job}.jsonl"))
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "{}: this journal belongs to job {journal_job}, but the plan is job {plan_job} (a different CSV, reason or API target)",
        .path.display()
    )]
    JobMismatch {
        path: PathBuf,
        journal_job: String,
        plan_job: String,
    },
    #[error("{}: row {row} of the journal does not match the plan: {reason}", .path.display())]
    RowMismatch {
        path: PathBuf,
        row: usize,
        reason: String,
    },
    #[error("nothing to resume: there is no journal at {}", .path.display())]
    NothingToResume { path: PathBuf },
}

/// The plan's rows as the journal fixed them, their states, and the open journal.
#[derive(Debug)]
pub struct Prepared {
    pub job: String,
    pub rows: Vec<PlannedRow>,
    pub states: Vec<RowState>,
    pub journal: Journal,
    /// True when an existing journal was continued.
    pub resumed: bool,
}

impl Prepared {
    pub fn count(&self, status: RowStatus) -> usize {
        self.states.iter().filter(|s| s.status == status).count()
    }

    /// Rows that will be sent: every row not done.
    pub fn to_send(&self) -> usize {
        self.states.len() - self.count(RowStatus::Done)
    }
}

/// Opens the job's journal at `path` (continuing it if it exists) or creates it. With `resume`,
/// a missing journal is an error rather than a fresh start.
///
/// The job's lock comes first: a second run of the job is refused, naming the process that
/// holds it, before it reads the journal, let alone removes or replaces it.
pub fn prepare(plan: &Plan, path: &Path, resume: bool) -> Result<Prepared, PrepareError> {
    let lock = JobLock::acquire(path)?;
    let mut prepared = if path.exists() {
        // The journal's own lock too: a run of an older flexwallet holds only that one.
        let file = journal::open_locked(path)?;
        let replay = journal::read(path)?;
        if looks_half_created(plan, &replay) {
            // A crash while the journal was being created: nothing was sent, start it afresh.
            std::fs::remove_file(path).map_err(|source| JournalError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            drop(file);
            create(plan, path)?
        } else {
            continue_journal(plan, path, file, replay)?
        }
    } else if resume {
        return Err(PrepareError::NothingToResume {
            path: path.to_path_buf(),
        });
    } else {
        create(plan, path)?
    };
    prepared.journal.hold(lock);
    Ok(prepared)
}

/// Nothing sent, and fewer planned rows than the plan has: the journal of this job (or of no
/// job yet) whose creation a crash cut short.
fn looks_half_created(plan: &Plan, replay: &Replay) -> bool {
    let sent_anything = replay
        .records
        .iter()
        .any(|r| !matches!(r, Record::Job { .. } | Record::Planned { .. }));
    let planned = replay
        .records
        .iter()
        .filter(|r| matches!(r, Record::Planned { .. }))
        .count();
    let same_or_no_header = match replay.records.first() {
        Some(Record::Job { job, .. }) => *job == plan.job,
        _ => true,
    };
    !sent_anything && same_or_no_header && planned != plan.rows.len()
}

impl Prepared {
    /// Removes the journal of a job that sent nothing (the operator did not confirm it), under
    /// the job's lock, then releases the lock.
    pub fn discard(mut self) -> std::io::Result<()> {
        let lock = self.journal.take_lock();
        let path = self.journal.path().to_path_buf();
        // The writer is stopped first: nothing is written to the name after it is gone.
        drop(self);
        let removed = std::fs::remove_file(&path);
        drop(lock);
        removed
    }
}

fn create(plan: &Plan, path: &Path) -> Result<Prepared, PrepareError> {
    let mut initial = Vec::with_capacity(plan.rows.len() + 1);
    initial.push(Record::Job {
        job: plan.job.clone(),
        version: journal::VERSION,
        target: plan.target.clone(),
        source: plan.source.clone(),
        rows: plan.rows.len(),
        at: Utc::now(),
    });
    initial.extend(plan.rows.iter().map(planned_record));
    let journal = Journal::create(path, &initial)?;
    Ok(Prepared {
        job: plan.job.clone(),
        rows: plan.rows.clone(),
        states: vec![RowState::default(); plan.rows.len()],
        journal,
        resumed: false,
    })
}

pub fn planned_record(r: &PlannedRow) -> Record {
    Record::Planned {
        row: r.index,
        line: r.line,
        wallet_id: r.wallet_id.clone(),
        currency: r.currency.clone(),
        key: r.key.clone(),
        credits: r.credits,
        amount: r.amount,
        conversion_rate: r.conversion_rate,
        request: Box::new(r.request.clone()),
    }
}

/// The row a `planned` record holds: [`planned_record`] read back.
fn planned_row(record: &Record) -> Option<PlannedRow> {
    match record {
        Record::Planned {
            row,
            line,
            wallet_id,
            currency,
            key,
            credits,
            amount,
            conversion_rate,
            request,
        } => Some(PlannedRow {
            index: *row,
            line: *line,
            wallet_id: wallet_id.clone(),
            currency: currency.clone(),
            key: key.clone(),
            request: (**request).clone(),
            credits: *credits,
            amount: *amount,
            conversion_rate: *conversion_rate,
        }),
        _ => None,
    }
}

fn continue_journal(
    plan: &Plan,
    path: &Path,
    file: std::fs::File,
    replay: Replay,
) -> Result<Prepared, PrepareError> {
    let mismatch = |row: usize, reason: String| PrepareError::RowMismatch {
        path: path.to_path_buf(),
        row,
        reason,
    };
    match replay.records.first() {
        Some(Record::Job { job, .. }) if *job == plan.job => {}
        Some(Record::Job { job, .. }) => {
            return Err(PrepareError::JobMismatch {
                path: path.to_path_buf(),
                journal_job: job.clone(),
                plan_job: plan.job.clone(),
            });
        }
        _ => {
            return Err(JournalError::Corrupt {
                path: path.to_path_buf(),
                line: 1,
                reason: "the first record is not a job header".into(),
            }
            .into());
        }
    }
    // The journal's requests win: they are what earlier attempts sent (a relative expiry
    // resolved then), and every attempt of a key must send the same body.
    let mut rows: Vec<Option<PlannedRow>> = vec![None; plan.rows.len()];
    let mut states = vec![RowState::default(); plan.rows.len()];
    for record in &replay.records {
        let Some(row) = record.row() else { continue };
        if row >= plan.rows.len() {
            return Err(mismatch(
                row,
                format!(
                    "the plan has only {} {}",
                    plan.rows.len(),
                    flexwallet_bulk::rows_word(plan.rows.len())
                ),
            ));
        }
        if let Record::Planned {
            line,
            wallet_id,
            currency,
            key,
            credits,
            amount,
            conversion_rate,
            request,
            ..
        } = record
        {
            let p = &plan.rows[row];
            if *wallet_id != p.wallet_id || *key != p.key {
                return Err(mismatch(
                    row,
                    format!(
                        "journal has {wallet_id} with key {key}, plan has {} with key {}",
                        p.wallet_id, p.key
                    ),
                ));
            }
            rows[row] = Some(PlannedRow {
                index: row,
                line: *line,
                wallet_id: wallet_id.clone(),
                currency: currency.clone(),
                key: key.clone(),
                request: (**request).clone(),
                credits: *credits,
                amount: *amount,
                conversion_rate: *conversion_rate,
            });
        } else {
            states[row].apply(record);
        }
    }
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or_else(|| mismatch(i, "no planned record".into())))
        .collect::<Result<Vec<_>, _>>()?;
    let journal = Journal::open_file(path, file, &replay)?;
    Ok(Prepared {
        job: plan.job.clone(),
        rows,
        states,
        journal,
        resumed: true,
    })
}

/// A row another job credited.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorCredit {
    pub job: String,
    /// The journal it was read from (where that job is resumed).
    pub journal: PathBuf,
    pub wallet_id: String,
    pub credits: Decimal,
    pub reason: String,
    pub at: DateTime<Utc>,
    /// Sent, but its outcome is unknown (no answer, or the job died with it in flight): it may
    /// have been applied. Only that job, resumed with its keys, can settle it.
    pub maybe: bool,
}

/// Credits other jobs made, or may have made (sent without a known outcome), since `since`,
/// from the journals in `dir` and those its `<job>.where` notes point at. An edited CSV is a
/// new job with new keys, so the server cannot catch a row credited by the earlier version:
/// this is how flexwallet warns about it. Journals that cannot be read are left out here;
/// [`repeats`] reports them.
pub fn recent_credits(dir: &Path, since: DateTime<Utc>, exclude_job: &str) -> Vec<PriorCredit> {
    scan(dir, since, exclude_job).0
}

/// The credits of `recent_credits`, and the journals that could not be read: a journal that
/// cannot be read cannot be checked, and its job may have credited the same wallets.
fn scan(dir: &Path, since: DateTime<Utc>, exclude_job: &str) -> (Vec<PriorCredit>, Vec<Issue>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for entry in entries.flatten() {
        let mut path = entry.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => {}
            // A job whose journal is elsewhere (--journal PATH) left its location here.
            Some(LOCATION_EXT) => match std::fs::read_to_string(&path) {
                Ok(target) if !target.trim().is_empty() => path = PathBuf::from(target.trim()),
                _ => continue,
            },
            _ => continue,
        }
        // A journal untouched since `since` holds nothing newer: skip reading it.
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        if modified.is_none() || modified.is_some_and(|m| DateTime::<Utc>::from(m) < since) {
            continue;
        }
        let replay = match journal::read(&path) {
            Ok(r) => r,
            // Not a journal at all (a stray .jsonl beside a custom --journal): nothing to check.
            Err(_) if !journal::is_journal(&path) => continue,
            Err(e) => {
                unreadable.push(Issue::at(
                    0,
                    format!(
                        "the journal {} cannot be read ({e}): its job's credits cannot be checked \
                         for repeats; repair it or move it aside",
                        path.display()
                    ),
                ));
                continue;
            }
        };
        let job = match replay.records.first() {
            Some(Record::Job { job, .. }) if job != exclude_job => job.clone(),
            _ => continue,
        };
        let mut planned = std::collections::HashMap::new();
        // Each row's latest word: credited (false) or maybe credited (true), and when.
        let mut last: std::collections::BTreeMap<usize, (bool, DateTime<Utc>)> = Default::default();
        for r in &replay.records {
            match r {
                Record::Planned {
                    row,
                    wallet_id,
                    credits,
                    request,
                    ..
                } => {
                    planned.insert(
                        *row,
                        (
                            wallet_id.clone(),
                            *credits,
                            request.transaction_reason.to_string(),
                        ),
                    );
                }
                Record::Done { row, at, .. } => {
                    last.insert(*row, (false, *at));
                }
                Record::Sending { row, at, .. } | Record::Unknown { row, at, .. } => {
                    last.insert(*row, (true, *at));
                }
                Record::Failed { row, .. } | Record::Deferred { row, .. } => {
                    last.remove(row);
                }
                Record::Job { .. } => {}
            }
        }
        for (row, (maybe, at)) in last {
            if at < since {
                continue;
            }
            if let Some((wallet_id, credits, reason)) = planned.get(&row) {
                found.push(PriorCredit {
                    job: job.clone(),
                    journal: path.clone(),
                    wallet_id: wallet_id.clone(),
                    credits: *credits,
                    reason: reason.clone(),
                    at,
                    maybe,
                });
            }
        }
    }
    (found, unreadable)
}

/// The plan a journal holds: its job header and every row's exact request, so a job can be
/// resumed without the CSV or the console form it came from.
pub fn plan_from_journal(path: &Path) -> Result<Plan, String> {
    let replay = journal::read(path).map_err(|e| e.to_string())?;
    let Some(Record::Job {
        job,
        target,
        source,
        rows: count,
        ..
    }) = replay.records.first()
    else {
        return Err(format!(
            "{}: the first record is not a job header",
            path.display()
        ));
    };
    let mut rows: Vec<PlannedRow> = replay.records.iter().filter_map(planned_row).collect();
    rows.sort_by_key(|r| r.index);
    if rows.len() != *count || rows.iter().enumerate().any(|(i, r)| r.index != i) {
        return Err(format!(
            "{}: the job has {count} rows but the journal plans {}: it cannot be resumed from \
             the journal alone",
            path.display(),
            rows.len()
        ));
    }
    let mut totals = flexwallet_bulk::plan::Totals::default();
    if rows.iter().any(|r| totals.add(r).is_none()) {
        return Err(format!(
            "{}: the journal's total credits are beyond what can be computed",
            path.display()
        ));
    }
    Ok(Plan {
        job: job.clone(),
        target: target.clone(),
        source: source.clone(),
        rows,
        warnings: Vec::new(),
        // A journal's job was asked about when it was planned.
        mistakes: Vec::new(),
        totals,
    })
}

/// Rows already done by the job whose journal is at `path`, if it has one: re-running a job
/// sends only the rest.
pub fn done_rows(path: &Path) -> Option<usize> {
    let replay = journal::read(path).ok()?;
    let done: std::collections::HashSet<usize> = replay
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Done { row, .. } => Some(*row),
            _ => None,
        })
        .collect();
    Some(done.len())
}

/// The extension of the file in the jobs directory that points at a journal kept elsewhere.
const LOCATION_EXT: &str = "where";

/// A job whose journal is not in the default jobs directory leaves its location there, so that
/// the repeat guard of later jobs (which reads that directory) still sees its credits.
/// Best-effort: without it only that journal's own directory is checked.
pub fn note_location(job: &str, journal: &Path) {
    let default = default_journal_path(job);
    let Some(jobs) = default.parent() else {
        return;
    };
    let Ok(absolute) = std::path::absolute(journal) else {
        return;
    };
    let same_dir = absolute
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .is_some_and(|p| jobs.canonicalize().is_ok_and(|j| j == p));
    if same_dir {
        return;
    }
    let note = jobs.join(format!("{job}.{LOCATION_EXT}"));
    let written = crate::paths::create_private_dir(jobs).and_then(|()| {
        let mut file = crate::paths::create_private(&note, true)?;
        std::io::Write::write_all(&mut file, absolute.to_string_lossy().as_bytes())
    });
    if let Err(e) = written {
        tracing::warn!(path = %note.display(), error = %e, "cannot note where the journal is");
    }
}

/// How far back other jobs' journals are checked for the same credits.
const REPEAT_WINDOW_DAYS: i64 = 7;

/// Rows of `plan` that another recent job credited, or may have credited, the same way: the
/// journals beside `journal` and in the default jobs directory are read. An edited CSV or a
/// new console form is a new job with new keys, so the server cannot catch these.
pub fn repeats(plan: &Plan, journal: &Path) -> Vec<Issue> {
    let since = Utc::now() - chrono::Duration::days(REPEAT_WINDOW_DAYS);
    let mut dirs: Vec<PathBuf> = journal.parent().map(Path::to_path_buf).into_iter().collect();
    dirs.extend(default_journal_path(&plan.job).parent().map(Path::to_path_buf));
    dirs.dedup();
    let (mut prior, mut unreadable) = (Vec::new(), Vec::new());
    for d in &dirs {
        let (credits, issues) = scan(d, since, &plan.job);
        prior.extend(credits);
        unreadable.extend(issues);
    }
    unreadable.extend(repeat_warnings(plan, &prior));
    unreadable
}

/// Rows of `plan` that another job already credited the same way (wallet, credits, reason).
pub fn repeat_warnings(plan: &Plan, prior: &[PriorCredit]) -> Vec<Issue> {
    let mut by_wallet: std::collections::HashMap<&str, Vec<&PriorCredit>> = std::collections::HashMap::new();
    for p in prior {
        by_wallet.entry(p.wallet_id.as_str()).or_default().push(p);
    }
    plan.rows
        .iter()
        .filter_map(|row| {
            let reason = row.request.transaction_reason.as_str();
            let hit = by_wallet
                .get(row.wallet_id.as_str())?
                .iter()
                .find(|p| p.credits == row.credits && p.reason == reason)?;
            let credits = flexprice_wire::money::wire_text(&hit.credits);
            let when = hit.at.format("%Y-%m-%d %H:%M UTC");
            Some(Issue::at(
                row.line,
                if hit.maybe {
                    format!(
                        "wallet {} may already have been credited {credits} credits ({}) by job {} at \
                         {when}: its answer never came; resume that job to settle it with the same \
                         keys (flexwallet topup --resume --journal {})",
                        row.wallet_id,
                        hit.reason,
                        hit.job,
                        hit.journal.display()
                    )
                } else {
                    format!(
                        "wallet {} was already credited {credits} credits ({}) by job {} at {when}",
                        row.wallet_id, hit.reason, hit.job,
                    )
                },
            ))
        })
        .collect()
}

#[cfg(test)]
#[path = "job_tests.rs"]
mod tests;
