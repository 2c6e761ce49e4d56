//! `flexwallet topup`: plan summary, confirmation, progress, results, exit codes.
//!
//! Exit codes: 0 every row done, 2 some rows not done (failed, unknown or not sent), 1 nothing
//! started (bad CSV, refused confirmation, unreachable API), 130 interrupted by Ctrl-C.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr, eyre};

use crate::api::Client;
use crate::audit::{Audit, AuditContext};
use crate::bulk::executor::{self, Event, ExecOptions, JobReport, Progress};
use crate::bulk::plan::{self, Plan, PlanOptions};
use crate::bulk::{Issue, job, results};
use crate::cli::TopupArgs;
use crate::config::Settings;
use crate::money;

/// A line on stderr. A terminal that went away (a dropped SSH link) must not end the job: a
/// failed write is ignored, where `eprintln!` would panic.
/// Lines quote the API and the CSV: they pass the one sanitiser, so nothing in them can drive
/// the operator's terminal.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($t)*);
        let _ = writeln!(std::io::stderr(), "{}", $crate::api::text::clean_lines(&text));
    }};
}

/// Text on stderr (it ends its own lines), sanitised and ignoring a failed write as `say!` does.
macro_rules! say_raw {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($t)*);
        let _ = write!(std::io::stderr(), "{}", $crate::api::text::clean_lines(&text));
    }};
}

/// A line on stdout (the `--json` output), ignoring a failed write as `say!` does.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub const EXIT_OK: u8 = 0;
pub const EXIT_NOTHING_STARTED: u8 = 1;
pub const EXIT_SOME_FAILED: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;
const MAX_CONCURRENCY: usize = 256;
/// Issues printed before "… and N more".
const SHOWN_ISSUES: usize = 50;

pub async fn run(args: &TopupArgs, settings: &Settings, client: Client) -> Result<ExitCode> {
    let started = Instant::now();
    if settings.read_only && !args.dry_run {
        return Err(eyre!(
            "read-only mode: bulk top-ups are refused (use --dry-run to check a plan)"
        ));
    }
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        return Err(eyre!("--concurrency must be between 1 and {MAX_CONCURRENCY}"));
    }
    let plan = match (&args.csv, &args.journal) {
        (Some(csv), _) => match build_plan(args, csv, &client).await? {
            Some(plan) => plan,
            None => return Ok(ExitCode::from(EXIT_NOTHING_STARTED)),
        },
        // A console job, or a CSV since lost: the journal holds the plan, request by request.
        (None, Some(journal)) => job::plan_from_journal(journal)
            .map_err(|e| eyre!("resuming from the journal alone: {e}: nothing was sent"))?,
        (None, None) => return Err(eyre!("--csv FILE is needed (or --journal PATH to resume a job)")),
    };
    // What the plan came from, for the messages: the CSV, or the journal it was read from.
    let from = args
        .csv
        .as_deref()
        .or(args.journal.as_deref())
        .unwrap_or(Path::new("-"));
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| job::default_journal_path(&plan.job));
    let repeats = job::repeats(&plan, &journal_path);
    if args.json && args.dry_run {
        // A failed write (a closed pipe) is ignored, as `out!` does.
        let _ = write_plan_json(std::io::stdout().lock(), &plan, &journal_path, &repeats);
        return Ok(ExitCode::from(if repeats.is_empty() || args.allow_repeat {
            EXIT_OK
        } else {
            EXIT_NOTHING_STARTED
        }));
    }
    // A dry run's plan is its output: stdout, so that `--dry-run > plan.txt` keeps it. Before a
    // real run it is the preamble of the confirmation, on stderr with the rest of the dialogue.
    let report = |text: &str| {
        if args.dry_run {
            out!("{text}");
        } else {
            say!("{text}");
        }
    };
    report(summary(&plan, from, &journal_path).trim_end());
    if !repeats.is_empty() {
        let file = from.display().to_string();
        for issue in repeats.iter().take(SHOWN_ISSUES) {
            report(&format!("{file}:{issue}"));
        }
        if !args.allow_repeat {
            say!(
                "{} with earlier jobs (a repeated credit, one whose outcome is unknown, or a \
                 journal that cannot be read; an edited CSV is a new job with new keys): nothing was \
                 sent; pass --allow-repeat if these credits are meant to be sent again",
                flexprice_wire::words::count(repeats.len(), "problem", "problems")
            );
            return Ok(ExitCode::from(EXIT_NOTHING_STARTED));
        }
    }
    // A job being resumed was answered when it started (its first run was confirmed).
    let resuming = args.resume && journal_path.exists();
    if !plan.mistakes.is_empty() && args.yes && !args.allow_mistakes && !args.dry_run && !resuming {
        let file = from.display().to_string();
        for issue in plan.mistakes.iter().take(SHOWN_ISSUES) {
            say!("{file}:{issue}");
        }
        say!(
            "{} first (above) and --yes does not answer them: nothing was sent; run \
             without --yes to be asked, or pass --allow-mistakes",
            flexprice_wire::words::count(plan.mistakes.len(), "row asks", "rows ask")
        );
        return Ok(ExitCode::from(EXIT_NOTHING_STARTED));
    }
    if args.dry_run {
        say!("dry run: nothing was sent");
        return Ok(ExitCode::from(EXIT_OK));
    }
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(eyre!(
            "refusing to send without confirmation: standard input is not a terminal (pass --yes)"
        ));
    }
    let prepared = job::prepare(&plan, &journal_path, args.resume)?;
    if prepared.resumed {
        say!(
            "resuming job {}: {} of {} rows done, {} to send ({} without an outcome, sent or about to \
             be when the job stopped, {} unknown: each goes again with its own key)",
            prepared.job,
            prepared.count(executor::RowStatus::Done),
            prepared.rows.len(),
            prepared.to_send(),
            prepared.count(executor::RowStatus::InFlight),
            prepared.count(executor::RowStatus::Unknown),
        );
    }
    if prepared.to_send() > 0 && !args.yes && !confirm(&plan)? {
        if !prepared.resumed {
            // Nothing was sent: leave no journal behind to be "resumed" later (removed under
            // the job's lock: it is this run's own).
            let _ = prepared.discard();
        }
        say!("not confirmed: nothing was sent");
        return Ok(ExitCode::from(EXIT_NOTHING_STARTED));
    }
    // The results file is opened before anything is sent: a path that cannot be written is
    // found while nothing has happened yet, not after the wallets were credited.
    let mut protected = vec![(journal_path.as_path(), "the job's journal")];
    protected.extend(args.csv.as_deref().map(|csv| (csv, "the plan's CSV")));
    let results_file = match args.results.as_deref().map(|out| {
        results::create_file(out, &protected, true).map_err(|e| eyre!("--results: {e}: nothing was sent"))
    }) {
        Some(Err(e)) => {
            if !prepared.resumed {
                let _ = prepared.discard();
            }
            return Err(e);
        }
        Some(Ok(file)) => Some(file),
        None => None,
    };
    if !prepared.resumed {
        job::note_location(&prepared.job, &journal_path);
    }
    let context = AuditContext {
        user: AuditContext::os_user(),
        profile: settings.profile.clone(),
        api_host: client.host().to_string(),
        environment: client.environment_id().map(str::to_string),
    };
    let audit = Audit::open(&Audit::default_path(), context).wrap_err("opening the audit log")?;
    let opts = ExecOptions {
        concurrency: args.concurrency,
        ..ExecOptions::default()
    };
    let mut stop = crate::stop::StopSignals::install().wrap_err("installing the signal handlers")?;
    let handle = executor::spawn(prepared, Arc::new(client), Some(Arc::new(audit)), opts);
    let cancel = handle.cancel.clone();
    // Ctrl-C, SIGTERM and SIGHUP (the SSH link dropped) alike: finish the rows in flight and
    // journal them; a second one quits at once (resuming is safe either way).
    tokio::spawn(async move {
        stop.recv().await;
        say!("\ninterrupted: finishing rows in flight (again: quit now; resuming is safe)");
        cancel.cancel();
        stop.recv().await;
        std::process::exit(EXIT_INTERRUPTED.into());
    });
    show_progress(handle.progress, !args.json && std::io::stderr().is_terminal()).await;
    let report = handle.task.await.wrap_err("the bulk job stopped unexpectedly")?;
    if args.json {
        out!("{}", results::to_json(&report));
    } else {
        say_raw!("{}", outcome_text(&report, &journal_path, started.elapsed()));
    }
    let mut code = exit_code(&report);
    if let (Some(out), Some(file)) = (&args.results, results_file)
        && let Err(e) = results::write_csv(&report, std::io::BufWriter::new(file))
    {
        say!(
            "flexwallet: writing the results to {}: {e}; every row's outcome is in the journal {}",
            out.display(),
            journal_path.display()
        );
        if code == EXIT_OK {
            code = EXIT_SOME_FAILED;
        }
    }
    Ok(ExitCode::from(code))
}

pub fn exit_code(report: &JobReport) -> u8 {
    if report.interrupted {
        EXIT_INTERRUPTED
    } else if report.all_done() {
        EXIT_OK
    } else {
        EXIT_SOME_FAILED
    }
}

/// CSV → drafts → wallets → plan; prints the problems and returns `None` when there are any.
async fn build_plan(args: &TopupArgs, csv: &Path, client: &Client) -> Result<Option<Plan>> {
    let file = csv.display().to_string();
    let bytes = crate::bulk::plan_file::read(csv, false).wrap_err_with(|| format!("reading {file}"))?;
    let default_reason = match &args.reason {
        Some(r) => Some(plan::parse_reason(r).map_err(|e| eyre!("--reason: {e}"))?),
        None => None,
    };
    let now = Utc::now();
    // Rows with problems of their own are reported with those of the valid rows (unknown or
    // closed wallets, duplicates), in one run.
    let (drafts, earlier) = match plan::csv_drafts(&bytes, default_reason.as_ref(), now) {
        Ok(found) => found,
        Err(issues) => return Ok(report_issues(&file, &issues)),
    };
    // The drafts hold all the plan needs from the file.
    drop(bytes);
    if drafts.is_empty() && !earlier.is_empty() {
        return Ok(report_issues(&file, &earlier));
    }
    let ids: Vec<&str> = drafts.iter().map(|d| d.wallet_id.as_str()).collect();
    let wallets = crate::bulk::fetch_wallets(client, &ids)
        .await
        .wrap_err("looking up the plan's wallets (nothing was sent)")?;
    let usual = crate::bulk::fetch_usual(client, &ids).await;
    drop(ids);
    let checked_usual = usual.is_some();
    let opts = PlanOptions {
        allow_duplicates: args.allow_duplicates,
        target: format!(
            "{}#{}",
            client.base_url(),
            client.environment_id().unwrap_or_default()
        ),
        now,
        source: Some(file.clone()),
        usual: usual.unwrap_or_default(),
    };
    match plan::with_earlier_issues(earlier, Plan::build(drafts, &wallets, &opts)) {
        Ok(mut plan) => {
            if !checked_usual {
                plan.warnings.push(plan::usual_not_checked());
            }
            Ok(Some(plan))
        }
        Err(issues) => Ok(report_issues(&file, &issues)),
    }
}

fn report_issues(file: &str, issues: &[Issue]) -> Option<Plan> {
    for issue in issues.iter().take(SHOWN_ISSUES) {
        say!("{file}:{issue}");
    }
    if issues.len() > SHOWN_ISSUES {
        say!("… and {} more", issues.len() - SHOWN_ISSUES);
    }
    say!(
        "{} in {file}: nothing was sent",
        flexprice_wire::words::count(Issue::problems(issues), "problem", "problems")
    );
    None
}

/// The plan as the operator checks it before confirming.
pub fn summary(plan: &Plan, csv: &Path, journal: &Path) -> String {
    let mut s = format!(
        "job {} from {}: {} {}, {} credits\n",
        plan.job,
        csv.display(),
        plan.totals.rows,
        crate::bulk::rows_word(plan.totals.rows),
        money::format_credits(&plan.totals.credits)
    );
    for (currency, t) in &plan.totals.by_currency {
        s.push_str(&format!(
            "  {:>5}  {:>6} {:<4}  {:>18} credits  {:>18} {}\n",
            currency,
            t.rows,
            crate::bulk::rows_word(t.rows),
            money::format_credits(&t.credits),
            money::format_amount(&t.amount, currency),
            currency.to_uppercase()
        ));
    }
    for (reason, t) in &plan.totals.by_reason {
        s.push_str(&format!(
            "  {:<28} {:>6} {:<4}  {:>18} credits\n",
            reason,
            t.rows,
            crate::bulk::rows_word(t.rows),
            money::format_credits(&t.credits)
        ));
    }
    for m in plan.mistakes.iter().take(SHOWN_ISSUES) {
        s.push_str(&format!("  ASKS FIRST: line {}: {}\n", m.line, m.message));
    }
    if plan.mistakes.len() > SHOWN_ISSUES {
        s.push_str(&format!(
            "  … and {} more rows that ask first\n",
            plan.mistakes.len() - SHOWN_ISSUES
        ));
    }
    for w in plan.warnings.iter().take(SHOWN_ISSUES) {
        if w.line == 0 {
            s.push_str(&format!("  warning: {}\n", w.message));
        } else {
            s.push_str(&format!("  warning: {w}\n"));
        }
    }
    if plan.warnings.len() > SHOWN_ISSUES {
        s.push_str(&format!(
            "  … and {} more warnings\n",
            plan.warnings.len() - SHOWN_ISSUES
        ));
    }
    s.push_str(&format!("  journal: {}\n", journal.display()));
    s
}

/// The plan as JSON (`--dry-run --json`), written to `out` a row at a time: a million rows
/// built as one JSON value first took gigabytes.
fn write_plan_json(out: impl Write, plan: &Plan, journal: &Path, repeats: &[Issue]) -> std::io::Result<()> {
    use serde::Serialize;

    struct Issues<'a>(&'a [Issue]);
    impl Serialize for Issues<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            #[derive(Serialize)]
            struct One<'a> {
                line: u64,
                message: &'a str,
            }
            s.collect_seq(self.0.iter().map(|w| One {
                line: w.line,
                message: &w.message,
            }))
        }
    }
    struct Rows<'a>(&'a [crate::bulk::PlannedRow]);
    impl Serialize for Rows<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            #[derive(Serialize)]
            struct One<'a> {
                line: u64,
                wallet_id: &'a str,
                currency: &'a str,
                credits: String,
                amount: String,
                idempotency_key: &'a str,
                request: &'a crate::api::models::TopUpRequest,
            }
            s.collect_seq(self.0.iter().map(|r| One {
                line: r.line,
                wallet_id: &r.wallet_id,
                currency: &r.currency,
                credits: money::wire_text(&r.credits),
                amount: money::wire_text(&r.amount),
                idempotency_key: &r.key,
                request: &r.request,
            }))
        }
    }
    #[derive(Serialize)]
    struct PlanJson<'a> {
        job: &'a str,
        journal: String,
        totals: &'a plan::Totals,
        warnings: Issues<'a>,
        mistakes: Issues<'a>,
        repeats: Issues<'a>,
        rows: Rows<'a>,
    }
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let json = PlanJson {
        job: &plan.job,
        journal: journal.display().to_string(),
        totals: &plan.totals,
        warnings: Issues(&plan.warnings),
        mistakes: Issues(&plan.mistakes),
        repeats: Issues(repeats),
        rows: Rows(&plan.rows),
    };
    serde_json::to_writer(&mut out, &json)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Type-the-total confirmation (the caller has checked that there is a terminal).
fn confirm(plan: &Plan) -> Result<bool> {
    say_raw!(
        "Type the total credits ({}) to send {} top-ups: ",
        plan.confirmation_total(),
        plan.rows.len()
    );
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(plan.confirms(line.trim()))
}

/// A bar with rate and ETA on a terminal; otherwise a plain line every few seconds.
async fn show_progress(mut rx: tokio::sync::mpsc::UnboundedReceiver<Progress>, tty: bool) {
    const PLAIN_EVERY: Duration = Duration::from_secs(2);
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut last_line = Instant::now();
    while let Some(p) = rx.recv().await {
        let c = p.counts;
        let to_send = (c.total - c.done_before) as u64;
        let finished = c.finished_this_run() as u64;
        let detail = format!(
            "failed {} · unknown {} · retries {}",
            c.failed, c.unknown, c.retries
        );
        if tty {
            let b = bar.get_or_insert_with(|| new_bar(to_send));
            b.set_position(finished);
            b.set_message(detail.clone());
        }
        match &p.event {
            Event::Stopping { reason } => match &bar {
                Some(b) => b.println(reason),
                None => say!("{reason}"),
            },
            Event::Completed(report) => {
                if let Some(b) = &bar {
                    // An interrupted job's bar stays where it stopped, not at its end.
                    if report.all_done() {
                        b.finish();
                    } else {
                        b.abandon();
                    }
                }
                break;
            }
            _ if !tty && last_line.elapsed() >= PLAIN_EVERY => {
                last_line = Instant::now();
                say!("{}", plain_line(finished, to_send, p.elapsed, &detail));
            }
            _ => {}
        }
    }
}

fn new_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}")
    {
        bar.set_style(style);
    }
    bar
}

fn plain_line(finished: u64, total: u64, elapsed: Duration, detail: &str) -> String {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = finished as f64 / secs;
    let eta = if rate > 0.0 {
        format!("{:.0}s", (total.saturating_sub(finished)) as f64 / rate)
    } else {
        "?".into()
    };
    format!("progress: {finished}/{total} rows · {rate:.0} rows/s · ETA {eta} · {detail}")
}

fn outcome_text(report: &JobReport, journal: &Path, elapsed: Duration) -> String {
    let c = &report.counts;
    let mut s = format!(
        "job {}: {} done, {} failed, {} unknown, {} not sent, of {} rows ({} sent this run, {} retries, {:.1}s)\n",
        report.job,
        c.done,
        c.failed,
        c.unknown,
        c.pending + c.in_flight,
        c.total,
        c.sent,
        c.retries,
        elapsed.as_secs_f64()
    );
    let mut shown = 0;
    for (row, state) in report.rows.iter().zip(&report.states) {
        if state.status == executor::RowStatus::Done || state.error.is_none() {
            continue;
        }
        shown += 1;
        if shown <= SHOWN_ISSUES {
            s.push_str(&format!(
                "  line {} {} {}: {}\n",
                row.line,
                row.wallet_id,
                state.status.as_str(),
                state.error.as_deref().unwrap_or_default()
            ));
        }
    }
    if shown > SHOWN_ISSUES {
        s.push_str(&format!(
            "  … and {} more (see --results)\n",
            shown - SHOWN_ISSUES
        ));
    }
    if let Some(reason) = &report.stopped {
        s.push_str(&format!("stopped: {reason}\n"));
    }
    if !report.all_done() {
        s.push_str(&format!(
            "rows not done are re-sent with their keys by re-running the same command (journal {})\n",
            journal.display()
        ));
    }
    s
}
