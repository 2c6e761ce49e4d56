//! The console's bulk top-up: form over the marks (or an imported CSV), preview, typed-total confirm, progress.

pub mod form;
pub mod preview;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::key::KeyEvent;

use super::{App, Effect, FlashKind, Overlay, OverlayKind};
use crate::keymap::{Command, Context};
use flexwallet_bulk::plan::{ImportOptions, Plan, drafts_for_wallets};
use flexwallet_bulk::{Counts, Event, Issue, JobReport, Progress, RowStatus};

pub use form::BulkForm;
pub use preview::{Preview, PreviewAnswer, PreviewFocus};

/// Latest errors kept for the progress layer.
const ERRORS_SHOWN: usize = 50;

/// The bulk layer on screen (the job itself lives in [`App::job`] so that it outlives the layer).
#[derive(Debug, Clone)]
pub enum BulkLayer {
    Form(BulkForm),
    /// The engine is reading the CSV or looking up the wallets.
    Planning {
        source: String,
        /// The rows are marked wallets, not lines of a file: problems are shown without lines.
        from_marks: bool,
        /// The form the plan comes from, kept for `Esc` on what comes next.
        form: Option<Box<BulkForm>>,
    },
    /// The plan's problems: nothing can be sent.
    Refused {
        source: String,
        /// The problems, each counted.
        issues: Vec<String>,
        /// What they mean and what to do: shown above them, not counted.
        notes: Vec<String>,
        /// The first issue shown (the list scrolls when it is longer than the screen).
        scroll: usize,
        /// The form the plan came from: `Esc` goes back to it to fix what was refused.
        form: Option<Box<BulkForm>>,
    },
    /// Totals, warnings and every row; the total typed must equal the plan's credits.
    Preview(Box<Preview>),
    Progress,
}

/// A job started from the console, running or finished.
#[derive(Debug, Clone)]
pub struct JobView {
    pub plan: Arc<Plan>,
    pub counts: Counts,
    pub elapsed: Duration,
    /// Newest first: retries and failed rows.
    pub errors: VecDeque<String>,
    pub stopping: Option<String>,
    pub report: Option<Arc<JobReport>>,
    pub journal: PathBuf,
}

impl JobView {
    pub fn running(&self) -> bool {
        self.report.is_none()
    }

    /// Finished with rows not done: they can be sent again in this job, with their keys.
    pub fn retryable(&self) -> bool {
        self.report.as_ref().is_some_and(|r| !r.all_done())
    }

    /// The wallets of the rows not done, once finished.
    fn not_done(&self) -> std::collections::HashSet<&str> {
        self.report
            .as_ref()
            .map(|r| r.not_done_wallets().into_iter().collect())
            .unwrap_or_default()
    }

    /// Rows finished per second in this run.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 {
            0.0
        } else {
            self.counts.finished_this_run() as f64 / secs
        }
    }

    /// Seconds left at the current rate (a display estimate, not money).
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.rate();
        let left = self.counts.pending + self.counts.in_flight;
        (rate > 0.0 && self.running()).then(|| Duration::from_secs_f64(left as f64 / rate))
    }

    /// `bulk 12/30 done · 1 failed`: the status bar's line while the layer is hidden.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let state = if self.running() { "bulk" } else { "bulk finished" };
        let mut s = format!("{state} {}/{} done", c.done, c.total);
        if c.failed + c.unknown > 0 {
            s.push_str(&format!(" · {} failed", c.failed + c.unknown));
        }
        s
    }
}

/// The total the operator types to confirm: the plan's credits (the engine's rule, as in the CLI).
pub fn expected_total(plan: &Plan) -> String {
    plan.confirmation_total()
}

/// The keymap context of a bulk layer: its form types, its preview confirms.
pub fn context_of(layer: &BulkLayer) -> Context {
    match layer {
        BulkLayer::Form(f) if f.asking_discard => Context::Confirm,
        BulkLayer::Form(_) => Context::Form,
        BulkLayer::Preview(_) => Context::Preview,
        BulkLayer::Planning { .. } | BulkLayer::Refused { .. } | BulkLayer::Progress => Context::Bulk,
    }
}

impl App {
    pub fn job_running(&self) -> bool {
        self.job.as_ref().is_some_and(JobView::running)
    }

    /// `B`: the running job's progress; the last job's results when the marks are its rows not
    /// done (a retry belongs to that job, with its keys: a new job would send new keys, and a
    /// row whose answer never came could be credited twice); else a form over the marked
    /// wallets, else the last results.
    pub(super) fn open_bulk(&mut self) {
        if self.job_running() {
            self.overlays.push(Overlay::Bulk(BulkLayer::Progress));
            return;
        }
        let ids: Vec<String> = self
            .table
            .rows
            .iter()
            .map(|r| r.wallet.id.clone())
            .filter(|id| self.table.marks.contains(id))
            .collect();
        let retry = self.job.as_ref().is_some_and(|j| {
            let not_done = j.not_done();
            j.retryable()
                && self.table.marks.len() == not_done.len()
                && ids.iter().all(|id| not_done.contains(id.as_str()))
        });
        if retry {
            self.overlays.push(Overlay::Bulk(BulkLayer::Progress));
        } else if !ids.is_empty() {
            let mut form = BulkForm::new(ids);
            form.refresh_labels();
            self.overlays.push(Overlay::Bulk(BulkLayer::Form(form)));
        } else if self.job.is_some() {
            self.overlays.push(Overlay::Bulk(BulkLayer::Progress));
        } else {
            self.flash(FlashKind::Info, "Mark wallets with Space first, then B");
        }
    }

    /// `:import FILE`: reads and validates the CSV with the engine; the plan comes back as
    /// [`super::Action::BulkPlanned`] and opens the preview.
    pub fn import_plan(&mut self, path: impl Into<PathBuf>) -> Vec<Effect> {
        self.import_plan_with(path, ImportOptions::default())
    }

    /// `:import FILE --reason R --allow-duplicates`: as the CLI's flags of those names.
    pub fn import_plan_with(&mut self, path: impl Into<PathBuf>, options: ImportOptions) -> Vec<Effect> {
        let path = path.into();
        if !self.check(super::Capability::Import) {
            return Vec::new();
        }
        if self.job_running() {
            self.flash(
                FlashKind::Error,
                "a bulk job is running: wait for it or stop it (x)",
            );
            return Vec::new();
        }
        self.overlays.push(Overlay::Bulk(BulkLayer::Planning {
            source: path.display().to_string(),
            from_marks: false,
            form: None,
        }));
        vec![Effect::ImportPlan { path, options }]
    }

    /// `:export-results FILE`: writes the last job's results CSV.
    pub fn export_results(&mut self, path: impl Into<PathBuf>) -> Vec<Effect> {
        self.export_results_to(path.into(), false)
    }

    /// The results to `path`, replacing a file there only when `replace` (the operator was
    /// asked: see `overwrite`).
    pub(crate) fn export_results_to(&mut self, path: PathBuf, replace: bool) -> Vec<Effect> {
        match self.job.as_ref().and_then(|j| j.report.clone().map(|r| (j, r))) {
            Some((job, report)) => {
                let mut protect = vec![(job.journal.clone(), "the job's journal".to_string())];
                // An imported plan's source is its CSV (a form's is a description, no file).
                if let Some(csv) = &job.plan.source {
                    protect.push((PathBuf::from(csv), "the plan's CSV".to_string()));
                }
                vec![Effect::ExportResults {
                    path,
                    report,
                    protect,
                    replace,
                }]
            }
            None => {
                let text = if self.job.is_some() {
                    "the bulk job is still running: export its results when it finishes"
                } else {
                    "no bulk job to export: run one first (B)"
                };
                self.flash(FlashKind::Error, text);
                Vec::new()
            }
        }
    }

    /// A key for the bulk layer on top (`cmd` is what the keymap made of it in its context).
    pub(super) fn on_bulk_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        let clock = self.clock;
        let running = self.job_running();
        let Some(layer) = self.overlays.bulk_mut() else {
            return Vec::new();
        };
        match (layer, cmd) {
            // Asking whether to discard: only its answers count (the keys are the Confirm
            // context's, so a letter typed here is not typed into a hidden field).
            (BulkLayer::Form(f), Some(Command::Confirm)) if f.asking_discard => {
                self.overlays.close(OverlayKind::Bulk);
            }
            (BulkLayer::Form(f), Some(Command::Back)) if f.asking_discard => f.asking_discard = false,
            (BulkLayer::Form(f), _) if f.asking_discard => {}
            (BulkLayer::Form(f), Some(Command::NextField)) => f.move_focus(true),
            (BulkLayer::Form(f), Some(Command::PrevField)) => f.move_focus(false),
            (BulkLayer::Form(f), Some(Command::AddRow)) => f.add_row(),
            (BulkLayer::Form(f), Some(Command::RemoveRow)) => f.remove_row(),
            (BulkLayer::Form(f), Some(Command::Back)) if f.dirty => f.asking_discard = true,
            (BulkLayer::Form(_), Some(Command::Back)) => {
                self.overlays.close(OverlayKind::Bulk);
            }
            (BulkLayer::Form(f), Some(Command::Submit)) => {
                let Some(template) = f.template(clock) else {
                    return Vec::new();
                };
                let drafts = drafts_for_wallets(&f.wallet_ids, &template);
                let source =
                    flexprice_wire::words::count(f.wallet_ids.len(), "marked wallet", "marked wallets");
                let form = Some(Box::new(f.clone()));
                self.overlays.set(Overlay::Bulk(BulkLayer::Planning {
                    source: source.clone(),
                    from_marks: true,
                    form,
                }));
                return vec![Effect::PlanBulk { drafts, source }];
            }
            (BulkLayer::Form(f), c) => {
                let choice = match c {
                    Some(Command::ChoiceNext) => Some(true),
                    Some(Command::ChoicePrev) => Some(false),
                    _ => None,
                };
                f.edit(key, choice);
            }
            (BulkLayer::Preview(p), cmd) => match p.on_key(key, cmd) {
                PreviewAnswer::Stay => {}
                PreviewAnswer::Back => {
                    let form = p.form.take();
                    self.back_to_form(form);
                }
                PreviewAnswer::Send => {
                    let plan = p.plan.clone();
                    return self.start_job(plan);
                }
            },
            (BulkLayer::Refused { form, .. } | BulkLayer::Planning { form, .. }, Some(Command::Back)) => {
                let form = form.take();
                self.back_to_form(form);
            }
            (_, Some(Command::Back)) => {
                self.overlays.close(OverlayKind::Bulk);
            }
            (BulkLayer::Refused { issues, scroll, .. }, Some(c)) => {
                let last = issues.len().saturating_sub(1);
                *scroll = match c {
                    Command::Down => (*scroll + 1).min(last),
                    Command::Up => scroll.saturating_sub(1),
                    Command::PageDown => (*scroll + 10).min(last),
                    Command::PageUp => scroll.saturating_sub(10),
                    Command::Top => 0,
                    Command::Bottom => last,
                    _ => *scroll,
                };
            }
            (BulkLayer::Progress, Some(Command::RetryJob))
                if !running && self.job.as_ref().is_some_and(JobView::retryable) =>
            {
                if let Some(plan) = self.job.as_ref().map(|j| j.plan.clone()) {
                    return self.start_job(plan);
                }
            }
            (BulkLayer::Progress, Some(Command::CancelJob)) if running => {
                self.flash(
                    FlashKind::Info,
                    "Stopping: rows in flight finish, the journal is kept",
                );
                return vec![Effect::CancelBulk];
            }
            _ => {}
        }
        Vec::new()
    }

    /// `Esc` on a plan made from the form: the form again, every value as it was; a plan read
    /// from a file has no form, and closes.
    fn back_to_form(&mut self, form: Option<Box<BulkForm>>) {
        match form {
            Some(f) => self.overlays.set(Overlay::Bulk(BulkLayer::Form(*f))),
            None => {
                self.overlays.close(OverlayKind::Bulk);
            }
        }
    }

    fn start_job(&mut self, plan: Arc<Plan>) -> Vec<Effect> {
        if !self.check(super::Capability::Bulk) {
            return Vec::new();
        }
        let journal = self.env.journal_path(&plan.job);
        // The last job's outcome no longer applies.
        self.flash = None;
        self.job = Some(JobView {
            counts: Counts {
                total: plan.rows.len(),
                pending: plan.rows.len(),
                ..Counts::default()
            },
            plan: plan.clone(),
            elapsed: Duration::ZERO,
            errors: VecDeque::new(),
            stopping: None,
            report: None,
            journal: journal.clone(),
        });
        self.overlays.set(Overlay::Bulk(BulkLayer::Progress));
        vec![Effect::StartBulk {
            plan,
            journal_path: journal,
        }]
    }

    pub(super) fn on_bulk_planned(
        &mut self,
        source: String,
        result: Result<Plan, Vec<Issue>>,
    ) -> Vec<Effect> {
        // The operator closed the layer while the engine worked: drop the answer.
        let Some(BulkLayer::Planning { from_marks, form, .. }) = self.overlays.bulk() else {
            return Vec::new();
        };
        let (from_marks, form) = (*from_marks, form.clone());
        self.overlays.set(Overlay::Bulk(match result {
            Ok(plan) if plan.rows.is_empty() => BulkLayer::Refused {
                source,
                issues: vec!["the plan has no rows".into()],
                notes: Vec::new(),
                scroll: 0,
                form,
            },
            Ok(plan) => BulkLayer::Preview(Box::new(Preview::new(Arc::new(plan), from_marks, form))),
            Err(issues) => BulkLayer::Refused {
                source,
                notes: issues
                    .iter()
                    .filter(|i| i.note)
                    .map(|i| i.message.clone())
                    .collect(),
                issues: issues
                    .iter()
                    .filter(|i| !i.note)
                    .map(|i| {
                        if from_marks {
                            i.without_line()
                        } else {
                            i.to_string()
                        }
                    })
                    .collect(),
                scroll: 0,
                form,
            },
        }));
        Vec::new()
    }

    pub(super) fn on_bulk_progress(&mut self, p: Progress) -> Vec<Effect> {
        let Some(job) = self.job.as_mut() else {
            return Vec::new();
        };
        job.counts = p.counts;
        job.elapsed = p.elapsed;
        let wallet = |row: usize| {
            job.plan
                .rows
                .get(row)
                .map(|r| r.wallet_id.clone())
                .unwrap_or_default()
        };
        match p.event {
            Event::Retrying { row, error, .. } => {
                let w = wallet(row);
                job.errors.push_front(format!("{w}: retrying: {error}"));
            }
            Event::Finished { row, status } if status != RowStatus::Done => {
                let w = wallet(row);
                job.errors.push_front(format!("{w}: {}", status.as_str()));
            }
            Event::Stopping { reason } => job.stopping = Some(reason),
            Event::Completed(report) => return self.on_bulk_completed(report),
            _ => {}
        }
        job.errors.truncate(ERRORS_SHOWN);
        Vec::new()
    }

    /// Done wallets are unmarked, the others stay marked for a retry; the wallets are reloaded.
    fn on_bulk_completed(&mut self, report: Arc<JobReport>) -> Vec<Effect> {
        let Some(job) = self.job.as_mut() else {
            return Vec::new();
        };
        job.counts = report.counts;
        job.elapsed = report.elapsed;
        for (row, state) in report.rows.iter().zip(&report.states) {
            if state.status != RowStatus::Done {
                let why = state
                    .error
                    .clone()
                    .unwrap_or_else(|| state.status.as_str().into());
                job.errors.push_front(format!("{}: {why}", row.wallet_id));
            }
        }
        job.errors.truncate(ERRORS_SHOWN);
        job.report = Some(report.clone());
        let not_done: std::collections::HashSet<&str> = report.not_done_wallets().into_iter().collect();
        let ids: Vec<String> = report.rows.iter().map(|r| r.wallet_id.clone()).collect();
        for id in &ids {
            if not_done.contains(id.as_str()) {
                self.table.marks.insert(id.clone());
            } else {
                self.table.marks.remove(id);
            }
        }
        let (kind, text) = if report.all_done() {
            (
                FlashKind::Success,
                format!("Bulk top-up done: {} wallets credited", report.counts.done),
            )
        } else {
            (
                FlashKind::Error,
                format!(
                    "Bulk top-up: {} done, {} not done (still marked: B, then r retries them with their keys)",
                    report.counts.done,
                    not_done.len()
                ),
            )
        };
        self.flash(kind, text);
        self.live.rows_generation += 1;
        self.live.rows_loading = true;
        let mut effects = vec![Effect::RefreshWallets {
            generation: self.live.rows_generation,
            ids,
        }];
        effects.extend(self.load_balance());
        effects
    }

    pub(super) fn on_bulk_failed(&mut self, message: String) -> Vec<Effect> {
        if let Some(job) = self.job.as_mut()
            && job.running()
        {
            self.job = None;
        }
        self.overlays.close(OverlayKind::Bulk);
        self.flash(FlashKind::Error, format!("Bulk top-up not started: {message}"));
        Vec::new()
    }

    pub(super) fn on_results_exported(&mut self, result: Result<PathBuf, String>) -> Vec<Effect> {
        match result {
            Ok(p) => self.flash(FlashKind::Success, format!("Results written to {}", p.display())),
            Err(e) => self.flash(FlashKind::Error, format!("Export failed: {e}")),
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests;
