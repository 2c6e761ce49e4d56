//! The runtime's side of bulk jobs: building plans with the engine, running the executor, exporting results.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::Client;
use crate::app::Action;
use crate::audit::Audit;
use crate::bulk::plan::{self, DraftRow, ImportOptions, Plan, PlanOptions};
use crate::bulk::{ExecOptions, Issue, JobReport, executor, job, results};

/// How long quitting waits for the rows in flight to finish and be journaled.
const DRAIN_FOR: Duration = Duration::from_secs(15);

/// The running job, if any: its cancel switch and its task.
#[derive(Default)]
pub struct BulkRunner {
    cancel: Option<CancellationToken>,
    task: Option<tokio::task::JoinHandle<JobReport>>,
}

/// The job id's target, as the `topup` CLI computes it (same CSV, same API: same job).
fn target(client: &Client) -> String {
    format!(
        "{}#{}",
        client.base_url(),
        client.environment_id().unwrap_or_default()
    )
}

/// Drafts → the plan, with the wallets looked up fresh (nothing is sent).
pub async fn plan(
    client: &Client,
    drafts: Vec<DraftRow>,
    source: Option<String>,
) -> Result<Plan, Vec<Issue>> {
    checked_plan(client, drafts, Vec::new(), false, source).await
}

/// The plan of `drafts`, refused with `earlier` (the file's rows that were not valid on their
/// own) if there are any, and with any repeat of an earlier job.
async fn checked_plan(
    client: &Client,
    drafts: Vec<DraftRow>,
    earlier: Vec<Issue>,
    allow_duplicates: bool,
    source: Option<String>,
) -> Result<Plan, Vec<Issue>> {
    if drafts.is_empty() && !earlier.is_empty() {
        return Err(earlier);
    }
    let ids: Vec<&str> = drafts.iter().map(|d| d.wallet_id.as_str()).collect();
    let wallets = crate::bulk::fetch_wallets(client, &ids)
        .await
        .map_err(|e| vec![Issue::at(0, format!("looking up the wallets: {e}"))])?;
    let usual = crate::bulk::fetch_usual(client, &ids).await;
    let checked_usual = usual.is_some();
    let opts = PlanOptions {
        allow_duplicates,
        target: target(client),
        now: Utc::now(),
        source,
        usual: usual.unwrap_or_default(),
    };
    let built = tokio::task::spawn_blocking(move || Plan::build(drafts, &wallets, &opts))
        .await
        .map_err(|e| vec![Issue::at(0, format!("building the plan stopped: {e}"))])?;
    let mut plan = plan::with_earlier_issues(earlier, built)?;
    if !checked_usual {
        plan.warnings.push(plan::usual_not_checked());
    }
    // The CLI's repeat guard, without its --allow-repeat: a new form or an edited CSV is a new
    // job with new keys, which the server cannot match against an earlier job's credits.
    let journal = job::default_journal_path(&plan.job);
    let (plan, mut repeats) = tokio::task::spawn_blocking(move || {
        let repeats = job::repeats(&plan, &journal);
        (already_ran(plan), repeats)
    })
    .await
    .map_err(|e| vec![Issue::at(0, format!("checking earlier jobs: {e}"))])?;
    if repeats.is_empty() {
        return Ok(plan);
    }
    // What these mean, under them: not a problem of its own, so not counted as one.
    repeats.push(Issue::note(
        "These repeat earlier jobs (a repeated credit, one whose outcome is unknown, or a \
         journal that cannot be read): nothing was sent. Retry a job's rows from its results \
         (r), with its own keys; to credit again on purpose, use flexwallet topup \
         --allow-repeat",
    ));
    Err(repeats)
}

/// A CSV file → the plan, every problem located by line.
/// `contained`: a `serve` operator's file: a symlink is not followed.
pub async fn import(
    client: &Client,
    path: &Path,
    options: &ImportOptions,
    contained: bool,
) -> Result<Plan, Vec<Issue>> {
    let read = {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || crate::bulk::plan_file::read(&path, contained))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
    };
    let bytes = read.map_err(|e| vec![Issue::at(0, format!("cannot read {}: {e}", path.display()))])?;
    // A million rows take a second or two to read: off the runtime's threads, and the file's
    // bytes gone once the drafts hold what the plan needs.
    let reason = options.default_reason.clone();
    let (drafts, earlier) =
        tokio::task::spawn_blocking(move || plan::csv_drafts(&bytes, reason.as_ref(), Utc::now()))
            .await
            .map_err(|e| vec![Issue::at(0, format!("reading the CSV stopped: {e}"))])??;
    checked_plan(
        client,
        drafts,
        earlier,
        options.allow_duplicates,
        Some(path.display().to_string()),
    )
    .await
}

/// Whether the console holds a plan it has not started: a preview, or a refused plan's
/// problems. When it lets one go (cancelled, or answered after the layer was closed), the
/// runtime hands the freed memory back: a million-row plan is hundreds of megabytes that glibc
/// would otherwise keep for the console's lifetime.
pub fn holds_plan(app: &crate::app::App) -> bool {
    use crate::app::bulk::BulkLayer;
    matches!(
        app.overlays.bulk(),
        Some(BulkLayer::Preview { .. } | BulkLayer::Refused { .. })
    )
}

/// A plan whose job already ran (the same CSV again, or the same form) says so in its preview:
/// confirming sends only its rows not done, with their keys.
fn already_ran(mut plan: Plan) -> Plan {
    let journal = job::default_journal_path(&plan.job);
    if let Some(done) = job::done_rows(&journal) {
        let total = plan.rows.len();
        plan.warnings.insert(
            0,
            Issue::at(
                0,
                if done >= total {
                    format!("this job already ran and every row is done ({done} of {total}): confirming sends nothing")
                } else {
                    format!(
                        "this job already ran: {done} of {total} rows are done; confirming sends the other {} \
                         again, with their keys (none can be credited twice)",
                        total - done
                    )
                },
            ),
        );
    }
    plan
}

pub fn export(
    path: &Path,
    report: &JobReport,
    protect: &[(PathBuf, String)],
    replace: bool,
) -> Result<PathBuf, String> {
    let protected: Vec<(&Path, &str)> = protect.iter().map(|(p, w)| (p.as_path(), w.as_str())).collect();
    let file = results::create_file(path, &protected, replace)?;
    results::write_csv(report, std::io::BufWriter::new(file))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path.to_path_buf())
}

impl BulkRunner {
    /// Opens (or continues) the journal and starts the executor; progress goes to `tx`.
    pub fn start(
        &mut self,
        client: &Client,
        audit: Option<Arc<Audit>>,
        plan: &Plan,
        journal_path: &Path,
        tx: &mpsc::UnboundedSender<Action>,
    ) {
        if self.task.as_ref().is_some_and(|t| !t.is_finished()) {
            let _ = tx.send(Action::BulkFailed("another bulk job is running".into()));
            return;
        }
        let prepared = match job::prepare(plan, journal_path, false) {
            Ok(p) => p,
            Err(e) => {
                let _ = tx.send(Action::BulkFailed(e.to_string()));
                return;
            }
        };
        let mut handle = executor::spawn(prepared, Arc::new(client.clone()), audit, ExecOptions::default());
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(p) = handle.progress.recv().await {
                if tx.send(Action::BulkProgress(p)).is_err() {
                    break;
                }
            }
        });
        self.cancel = Some(handle.cancel);
        self.task = Some(handle.task);
    }

    pub fn cancel(&self) {
        if let Some(c) = &self.cancel {
            c.cancel();
        }
    }

    /// On exit: stop the job and let the rows in flight finish, so the journal is resumable.
    pub async fn drain(&mut self) {
        self.cancel();
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(DRAIN_FOR, task).await;
        }
    }
}
