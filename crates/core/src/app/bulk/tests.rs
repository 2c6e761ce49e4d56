//! Reducer tests of the bulk layer: marks → form → plan → typed total → progress → marks after.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::moment::Moment;

use crate::key::{KeyCode, KeyEvent, KeyModifiers};
use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;

use super::BulkLayer;
use crate::app::overlay::OverlayKind;
use crate::app::{Action, App, Effect, Origin};
use crate::keymap::{Context, Keymap};
use flexprice_wire::models::Wallet;
use flexwallet_bulk::plan::{Plan, PlanOptions};
use flexwallet_bulk::{Counts, Event, JobReport, Progress, RowState, RowStatus};

fn wallet(id: &str, currency: &str, rate: &str) -> Wallet {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": format!("Wallet {id}"), "customer_id": "cust", "currency": currency,
        "balance": "100", "credit_balance": "100", "wallet_status": "active", "conversion_rate": rate,
    }))
    .unwrap()
}

fn wallets() -> Vec<Wallet> {
    vec![
        wallet("w1", "usd", "1"),
        wallet("w2", "usd", "1"),
        wallet("w3", "eur", "2"),
        wallet("w4", "usd", "1"),
    ]
}

fn app(read_only: bool) -> App {
    let clock = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        Origin::default(),
        read_only,
        Duration::from_secs(5),
        Moment::from_secs(1_000),
        clock,
        crate::app::Env::sequential("/state/flexwallet/jobs"),
    );
    app.update(Action::Resize(80, 24));
    app.start();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets()),
    });
    app
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Marks w1..w3 and opens the form.
fn form_on_three(app: &mut App) {
    typ(app, "   ");
    assert_eq!(app.table.marks.len(), 3);
    press(app, KeyCode::Char('B'));
    assert!(
        matches!(app.overlays.bulk(), Some(BulkLayer::Form(_))),
        "{:?}",
        app.overlays
    );
}

/// What the runtime does with `PlanBulk`: builds the plan against the wallets.
fn plan_for(app: &mut App, effects: Vec<Effect>) -> Plan {
    let [Effect::PlanBulk { drafts, source }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let by_id: HashMap<String, Wallet> = wallets().into_iter().map(|w| (w.id.clone(), w)).collect();
    let opts = PlanOptions {
        allow_duplicates: false,
        target: "http://127.0.0.1:1#env".into(),
        now: app.clock,
        source: None,
        usual: Default::default(),
    };
    let result = Plan::build(drafts.clone(), &by_id, &opts);
    app.update(Action::BulkPlanned {
        source: source.clone(),
        result: result.clone(),
    });
    result.unwrap()
}

fn previewed(app: &mut App, credits: &str) -> Plan {
    form_on_three(app);
    typ(app, credits);
    let effects = press(app, KeyCode::Enter);
    plan_for(app, effects)
}

/// The job's end, as the executor reports it.
fn completed(plan: &Plan, states: Vec<RowState>, counts: Counts, secs: u64) -> Action {
    progress(
        Event::Completed(Arc::new(JobReport {
            job: plan.job.clone(),
            rows: Arc::new(plan.rows.clone()),
            states,
            counts,
            interrupted: false,
            stopped: None,
            elapsed: Duration::from_secs(secs),
        })),
        counts,
    )
}

fn progress(event: Event, counts: Counts) -> Action {
    Action::BulkProgress(Progress {
        event,
        counts,
        elapsed: Duration::from_secs(2),
    })
}

#[test]
fn the_form_sends_one_row_per_marked_wallet_and_the_preview_totals_by_currency() {
    let mut app = app(false);
    let plan = previewed(&mut app, "10");
    let ids: Vec<&str> = plan.rows.iter().map(|r| r.wallet_id.as_str()).collect();
    assert_eq!(ids, ["w1", "w2", "w3"]);
    assert_eq!(plan.totals.credits, Decimal::from(30));
    assert_eq!(plan.totals.by_currency["usd"].credits, Decimal::from(20));
    assert_eq!(plan.totals.by_currency["eur"].amount, Decimal::from(20));
    assert!(matches!(app.overlays.bulk(), Some(BulkLayer::Preview { .. })));
    assert_eq!(super::expected_total(&plan), "30");
}

#[test]
fn a_bad_amount_stays_in_the_form_with_the_error_on_the_field() {
    let mut app = app(false);
    form_on_three(&mut app);
    typ(&mut app, "-5");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let Some(BulkLayer::Form(f)) = app.overlays.bulk() else {
        panic!()
    };
    assert!(f.field(super::form::VALUE).unwrap().error.is_some());
}

#[test]
fn confirm_requires_the_exact_total() {
    let mut app = app(false);
    let plan = previewed(&mut app, "10");
    typ(&mut app, "3");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(
        app.overlays.bulk(),
        Some(BulkLayer::Preview(p)) if p.mismatch
    ));
    typ(&mut app, "1");
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "31 is not the total");
    press(&mut app, KeyCode::Backspace);
    typ(&mut app, "0");
    let effects = press(&mut app, KeyCode::Enter);
    let [
        Effect::StartBulk {
            plan: started,
            journal_path,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(**started, plan);
    assert_eq!(
        *journal_path,
        std::path::PathBuf::from(format!("/state/flexwallet/jobs/{}.jsonl", plan.job))
    );
    assert!(app.job_running());
    assert!(matches!(app.overlays.bulk(), Some(BulkLayer::Progress)));
}

#[test]
fn progress_hides_and_comes_back_and_failed_wallets_stay_marked() {
    let mut app = app(false);
    let plan = previewed(&mut app, "10");
    typ(&mut app, "30");
    press(&mut app, KeyCode::Enter);
    let mut counts = Counts {
        total: 3,
        pending: 2,
        done: 1,
        ..Counts::default()
    };
    app.update(progress(
        Event::Finished {
            row: 0,
            status: RowStatus::Done,
        },
        counts,
    ));
    assert_eq!(app.job.as_ref().unwrap().counts.done, 1);
    press(&mut app, KeyCode::Esc);
    assert!(
        !app.overlays.has(OverlayKind::Bulk) && app.job_running(),
        "hidden, still running"
    );
    assert_eq!(app.job.as_ref().unwrap().summary(), "bulk 1/3 done");
    press(&mut app, KeyCode::Char('B'));
    assert!(
        matches!(app.overlays.bulk(), Some(BulkLayer::Progress)),
        "B shows it again"
    );

    counts.pending = 0;
    counts.done = 2;
    counts.failed = 1;
    let mut states = vec![RowState::default(); 3];
    states[0].status = RowStatus::Done;
    states[1].status = RowStatus::Failed;
    states[1].error = Some("422 validation_error".into());
    states[2].status = RowStatus::Done;
    let effects = app.update(completed(&plan, states, counts, 3));
    assert!(!app.job_running());
    let mut marks: Vec<&String> = app.table.marks.iter().collect();
    marks.sort();
    assert_eq!(marks, ["w2"], "done unmarked, failed kept for a retry");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::RefreshWallets { ids, .. } if ids.len() == 3)),
        "{effects:?}"
    );
    assert!(
        app.job
            .as_ref()
            .unwrap()
            .errors
            .iter()
            .any(|e| e.contains("w2: 422"))
    );
    let export = app.export_results("/tmp/r.csv");
    assert!(matches!(export.as_slice(), [Effect::ExportResults { .. }]));
}

#[test]
fn rows_not_done_are_retried_in_the_same_job_not_a_new_one() {
    let mut app = app(false);
    let plan = previewed(&mut app, "10");
    typ(&mut app, "30");
    let started = press(&mut app, KeyCode::Enter);
    let journal = match started.as_slice() {
        [Effect::StartBulk { journal_path, .. }] => journal_path.clone(),
        other => panic!("{other:?}"),
    };
    // One row's answer never came: it may have been applied.
    let mut states = vec![RowState::default(); 3];
    states[0].status = RowStatus::Done;
    states[1].status = RowStatus::Unknown;
    states[2].status = RowStatus::Done;
    let counts = Counts {
        total: 3,
        done: 2,
        unknown: 1,
        ..Counts::default()
    };
    app.update(completed(&plan, states, counts, 1));
    press(&mut app, KeyCode::Esc);
    // B on the marks left (the row not done) shows that job's results, not a new form.
    press(&mut app, KeyCode::Char('B'));
    assert!(
        matches!(app.overlays.bulk(), Some(BulkLayer::Progress)),
        "{:?}",
        app.overlays
    );
    let retried = press(&mut app, KeyCode::Char('r'));
    match retried.as_slice() {
        [
            Effect::StartBulk {
                plan: p,
                journal_path,
            },
        ] => {
            assert_eq!(p.job, plan.job, "the same job, so the same keys");
            assert_eq!(journal_path, &journal);
        }
        other => panic!("{other:?}"),
    }
    assert!(app.job_running());

    // Other marks are a new job: B opens the form.
    let mut app2 = self::app(false);
    previewed(&mut app2, "10");
    typ(&mut app2, "30");
    press(&mut app2, KeyCode::Enter);
    let mut states = vec![RowState::default(); 3];
    states[0].status = RowStatus::Done;
    states[1].status = RowStatus::Failed;
    states[2].status = RowStatus::Done;
    app2.update(completed(&plan, states, counts, 1));
    press(&mut app2, KeyCode::Esc);
    let done_wallet = plan.rows[0].wallet_id.clone();
    assert!(!app2.table.marks.contains(&done_wallet));
    app2.table.marks.insert(done_wallet);
    press(&mut app2, KeyCode::Char('B'));
    assert!(
        matches!(app2.overlays.bulk(), Some(BulkLayer::Form(_))),
        "{:?}",
        app2.overlays
    );
}

#[test]
fn quitting_while_a_job_runs_asks_and_then_cancels() {
    let mut app = app(false);
    previewed(&mut app, "10");
    typ(&mut app, "30");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert!(press(&mut app, KeyCode::Char('q')).is_empty());
    assert!(app.overlays.has(OverlayKind::QuitQuestion) && !app.should_quit);
    press(&mut app, KeyCode::Esc);
    assert!(!app.overlays.has(OverlayKind::QuitQuestion));
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::CancelBulk, Effect::Quit]
    );
    assert!(app.should_quit);
}

#[test]
fn read_only_refuses_bulk_and_import() {
    let mut app = app(true);
    typ(&mut app, "   B");
    assert!(!app.overlays.has(OverlayKind::Bulk));
    assert!(app.import_plan("x.csv").is_empty());
    assert!(app.flash.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn an_operator_is_refused_bulk_and_import_but_top_up_still_opens() {
    let mut app = app(false);
    app.permissions.role = crate::app::Role::Operator;
    typ(&mut app, "   B");
    assert!(!app.overlays.has(OverlayKind::Bulk));
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "not allowed: bulk top-ups need the admin role"
    );
    app.flash = None;
    assert!(app.import_plan("x.csv").is_empty());
    assert_eq!(
        app.flash.as_ref().unwrap().text,
        "not allowed: bulk top-ups from a file need the admin role"
    );
    assert!(!app.allows(crate::keymap::Command::Bulk));
    assert!(app.allows(crate::keymap::Command::TopUp));
    typ(&mut app, "t");
    assert!(app.overlays.has(OverlayKind::Form));
}

#[test]
fn import_waits_for_the_engine_and_its_problems_are_shown() {
    let mut app = app(false);
    assert_eq!(
        app.import_plan("in.csv"),
        vec![Effect::ImportPlan {
            path: "in.csv".into(),
            options: Default::default(),
        }]
    );
    app.update(Action::BulkPlanned {
        source: "in.csv".into(),
        result: Err(vec![flexwallet_bulk::Issue::field(3, "wallet_id", "is empty")]),
    });
    let Some(BulkLayer::Refused { issues, .. }) = app.overlays.bulk() else {
        panic!("{:?}", app.overlays)
    };
    assert_eq!(issues, &["line 3: wallet_id: is empty"]);
}

#[test]
fn a_long_list_of_problems_scrolls_and_stops_at_its_ends() {
    let mut app = app(false);
    app.import_plan("in.csv");
    let issues: Vec<_> = (2..32)
        .map(|line| flexwallet_bulk::Issue::field(line, "credits_to_add", "is empty"))
        .collect();
    app.update(Action::BulkPlanned {
        source: "in.csv".into(),
        result: Err(issues),
    });
    let scroll = |app: &App| match app.overlays.bulk() {
        Some(BulkLayer::Refused { scroll, .. }) => *scroll,
        other => panic!("{other:?}"),
    };
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(scroll(&app), 0, "already at the top");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Down);
    assert_eq!(scroll(&app), 2);
    for _ in 0..5 {
        press(&mut app, KeyCode::PageDown);
    }
    assert_eq!(scroll(&app), 29, "the last problem stays on screen");
    press(&mut app, KeyCode::PageUp);
    assert_eq!(scroll(&app), 19);
    press(&mut app, KeyCode::Esc);
    assert!(!app.overlays.has(OverlayKind::Bulk));
}

fn ctrl_c(app: &mut App) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )))
}

/// A job started and its progress hidden: the list is in front, the job runs on.
fn running_job(app: &mut App) {
    previewed(app, "10");
    typ(app, "30");
    press(app, KeyCode::Enter);
    assert!(app.job_running());
    press(app, KeyCode::Esc);
    assert!(app.overlays.is_empty(), "{:?}", app.overlays);
}

#[test]
fn ctrl_c_from_the_palette_a_form_or_the_filter_asks_while_a_job_runs() {
    for (opener, kind) in [
        (':', OverlayKind::Palette),
        ('t', OverlayKind::Form),
        ('/', OverlayKind::Filter),
    ] {
        let mut app = app(false);
        running_job(&mut app);
        typ(&mut app, &opener.to_string());
        assert_eq!(app.overlays.top_kind(), Some(kind), "{opener}");
        assert!(
            ctrl_c(&mut app).is_empty(),
            "{opener}: nothing is cancelled before the answer"
        );
        assert!(!app.should_quit, "{opener}");
        assert_eq!(
            app.overlays.top_kind(),
            Some(OverlayKind::QuitQuestion),
            "{opener}"
        );
        // Going back returns to what was open, untouched.
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.overlays.top_kind(), Some(kind), "{opener}");
        // Asked again and confirmed: the job is stopped, then the console quits.
        ctrl_c(&mut app);
        assert_eq!(
            press(&mut app, KeyCode::Enter),
            vec![Effect::CancelBulk, Effect::Quit],
            "{opener}"
        );
        assert!(app.should_quit);
    }
}

#[test]
fn ctrl_c_with_no_job_quits_from_any_overlay() {
    for opener in [':', 't', '/', 'L', '?'] {
        let mut app = app(false);
        typ(&mut app, &opener.to_string());
        assert!(!app.overlays.is_empty(), "{opener}");
        assert_eq!(ctrl_c(&mut app), vec![Effect::Quit], "{opener}");
    }
}

#[test]
fn keys_while_the_terminal_is_too_small_change_nothing() {
    let mut app = app(false);
    // A top-up of 3 credits at its confirm.
    typ(&mut app, "t3");
    press(&mut app, KeyCode::Enter);
    let confirm = |app: &App| {
        matches!(
            app.overlays.form().map(|f| &f.stage),
            Some(crate::app::form::Stage::Confirm { .. })
        )
    };
    assert!(confirm(&app), "{:?}", app.overlays);
    app.update(Action::Resize(70, 20));
    assert!(app.too_small());
    for code in [KeyCode::Enter, KeyCode::Esc, KeyCode::Char('y'), KeyCode::Tab] {
        assert!(press(&mut app, code).is_empty(), "{code:?}");
    }
    app.update(Action::Paste("30".into()));
    app.update(Action::Resize(80, 24));
    assert!(confirm(&app), "still waiting for its confirm: {:?}", app.overlays);
    assert_eq!(app.overlays.len(), 1);
    // Quit still works while too small (and asks while a job runs).
    app.update(Action::Resize(70, 20));
    assert_eq!(ctrl_c(&mut app), vec![Effect::Quit]);
}

#[test]
fn a_description_beyond_the_plan_limit_stays_in_the_form() {
    let mut app = app(false);
    form_on_three(&mut app);
    typ(&mut app, "5");
    let Some(BulkLayer::Form(f)) = app.overlays.bulk_mut() else {
        panic!("the form is open");
    };
    let at = f
        .fields
        .iter()
        .position(|x| x.id == super::form::DESCRIPTION)
        .unwrap();
    f.fields[at].set_text(&"d".repeat(flexwallet_bulk::limits::MAX_DESCRIPTION_CHARS + 1));
    let effects = press(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing planned: {effects:?}");
    let Some(BulkLayer::Form(f)) = app.overlays.bulk() else {
        panic!("the form stays");
    };
    assert_eq!(
        f.field(super::form::DESCRIPTION).and_then(|x| x.error.as_deref()),
        Some("is 1,001 characters long: at most 1,000")
    );
}

/// An app over `n` wallets, all marked, with the bulk form open at 80x24.
fn many(n: usize) -> App {
    let clock = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut app = App::new(
        Keymap::builtin().unwrap(),
        Origin::default(),
        false,
        Duration::from_secs(5),
        Moment::from_secs(1_000),
        clock,
        crate::app::Env::sequential("/state/flexwallet/jobs"),
    );
    app.update(Action::Resize(80, 24));
    app.start();
    let wallets: Vec<Wallet> = (0..n).map(|i| wallet(&format!("w{i:03}"), "usd", "1")).collect();
    app.update(Action::WalletsLoaded {
        generation: 1,
        result: Ok(wallets),
    });
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.table.marks.len(), n);
    press(&mut app, KeyCode::Char('B'));
    app
}

/// What the runtime does with `PlanBulk`, for any wallets the app lists.
fn plan_listed(app: &mut App, effects: Vec<Effect>) -> Plan {
    let [Effect::PlanBulk { drafts, source }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let by_id: HashMap<String, Wallet> = app
        .table
        .rows
        .iter()
        .map(|r| (r.wallet.id.clone(), r.wallet.as_ref().clone()))
        .collect();
    let opts = PlanOptions {
        allow_duplicates: false,
        target: "http://127.0.0.1:1#env".into(),
        now: app.clock,
        source: None,
        usual: Default::default(),
    };
    let result = Plan::build(drafts.clone(), &by_id, &opts);
    app.update(Action::BulkPlanned {
        source: source.clone(),
        result: result.clone(),
    });
    result.unwrap()
}

fn preview_of(app: &App) -> &super::Preview {
    match app.overlays.bulk() {
        Some(BulkLayer::Preview(p)) => p,
        other => panic!("not the preview: {other:?}"),
    }
}

fn form_of(app: &App) -> &super::BulkForm {
    match app.overlays.bulk() {
        Some(BulkLayer::Form(f)) => f,
        other => panic!("not the form: {other:?}"),
    }
}

fn form_text(app: &App, id: &str) -> String {
    form_of(app)
        .field(id)
        .unwrap_or_else(|| panic!("no field {id}"))
        .text_value()
        .to_string()
}

fn tab_to(app: &mut App, id: &str) {
    for _ in 0..30 {
        let f = form_of(app);
        if f.fields[f.focus].id == id {
            return;
        }
        press(app, KeyCode::Tab);
    }
    panic!("Tab never reached {id}");
}

/// As seen: with 107 rows the preview said `… and 96 more rows` with no way to see them, and
/// `j` typed into the confirm field. The rows move with the list's keys; the total field takes
/// digits only, so `j` and `k` move the rows wherever the focus is.
#[test]
fn the_preview_scrolls_with_the_list_keys_and_j_never_types() {
    let mut app = many(107);
    typ(&mut app, "5");
    let effects = press(&mut app, KeyCode::Enter);
    let plan = plan_listed(&mut app, effects);
    assert_eq!(plan.rows.len(), 107);
    assert_eq!(preview_of(&app).focus, super::PreviewFocus::Rows);
    typ(&mut app, "jjj");
    assert_eq!(preview_of(&app).selected, 3);
    assert_eq!(
        preview_of(&app).typed.value(),
        "",
        "j moved the rows, typed nothing"
    );
    press(&mut app, KeyCode::Char('k'));
    assert_eq!(preview_of(&app).selected, 2);
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(preview_of(&app).selected, 106, "G: the last row");
    let p = preview_of(&app);
    assert!(
        p.offset > 0 && p.offset <= 106,
        "the rows on screen follow: {}",
        p.offset
    );
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(preview_of(&app).selected, 0);
    assert_eq!(preview_of(&app).offset, 0);
    press(&mut app, KeyCode::PageDown);
    assert!(preview_of(&app).selected > 1, "a page down");
    // A digit goes to the total and takes the focus there; j still moves the rows.
    typ(&mut app, "53");
    assert_eq!(preview_of(&app).focus, super::PreviewFocus::Total);
    let at = preview_of(&app).selected;
    typ(&mut app, "j");
    assert_eq!(preview_of(&app).typed.value(), "53");
    assert_eq!(preview_of(&app).selected, at + 1);
    // Tab goes back to the rows; Home there is the first row, not the field's start.
    press(&mut app, KeyCode::Tab);
    assert_eq!(preview_of(&app).focus, super::PreviewFocus::Rows);
    press(&mut app, KeyCode::Home);
    assert_eq!(preview_of(&app).selected, 0);
    typ(&mut app, "5");
    assert_eq!(preview_of(&app).typed.value(), "535");
    for _ in 0..3 {
        press(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "535");
    let effects = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::StartBulk { .. }]),
        "5 × 107 = 535: {effects:?}"
    );
}

/// As seen: `Esc` on the preview threw the whole form away. It goes back to the form with
/// every value as typed; `Esc` there closes it.
#[test]
fn esc_on_the_preview_goes_back_to_the_filled_form() {
    let mut app = app(false);
    form_on_three(&mut app);
    typ(&mut app, "10");
    tab_to(&mut app, super::form::REASON);
    press(&mut app, KeyCode::Right);
    tab_to(&mut app, super::form::EXPIRY);
    typ(&mut app, "+30d");
    tab_to(&mut app, super::form::PRIORITY);
    typ(&mut app, "2");
    tab_to(&mut app, super::form::DESCRIPTION);
    typ(&mut app, "goodwill");
    tab_to(&mut app, "metadata.0.key");
    typ(&mut app, "ticket");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "INC-42");
    let before: Vec<(String, String)> = form_of(&app)
        .fields
        .iter()
        .map(|f| (f.id.clone(), f.text_value().to_string()))
        .collect();
    let effects = press(&mut app, KeyCode::Enter);
    plan_for(&mut app, effects);
    typ(&mut app, "3j");
    press(&mut app, KeyCode::Esc);
    let after: Vec<(String, String)> = form_of(&app)
        .fields
        .iter()
        .map(|f| (f.id.clone(), f.text_value().to_string()))
        .collect();
    assert_eq!(after, before, "every value kept");
    assert_eq!(form_text(&app, "metadata.0.value"), "INC-42");
    // The same form previews the same job again.
    let effects = press(&mut app, KeyCode::Enter);
    assert!(matches!(effects.as_slice(), [Effect::PlanBulk { .. }]));
    press(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.overlays.bulk(), Some(BulkLayer::Form(_))),
        "Esc while planning: the form"
    );
    press(&mut app, KeyCode::Esc);
    assert!(
        form_of(&app).asking_discard,
        "a filled form asks before it is thrown away"
    );
    press(&mut app, KeyCode::Enter);
    assert!(!app.overlays.has(OverlayKind::Bulk));
}

/// As seen: `Esc` on a filled bulk form closed it at once, every value typed lost (the single
/// wallet's forms asked first). A filled form asks; while it asks, keys type nothing.
#[test]
fn esc_on_a_filled_bulk_form_asks_before_discarding() {
    let mut app = app(false);
    form_on_three(&mut app);
    press(&mut app, KeyCode::Esc);
    assert!(
        !app.overlays.has(OverlayKind::Bulk),
        "an untouched form just closes"
    );

    press(&mut app, KeyCode::Char('B'));
    typ(&mut app, "10");
    press(&mut app, KeyCode::Esc);
    assert!(form_of(&app).asking_discard);
    assert_eq!(app.context(), Context::Confirm);
    typ(&mut app, "7");
    app.update(Action::Paste("99".into()));
    assert_eq!(
        form_text(&app, super::form::VALUE),
        "10",
        "nothing typed behind the question"
    );
    press(&mut app, KeyCode::Esc);
    assert!(
        !form_of(&app).asking_discard,
        "Esc on the question: back to the form"
    );
    assert_eq!(app.context(), Context::Form);
    typ(&mut app, "5");
    assert_eq!(form_text(&app, super::form::VALUE), "105", "every value kept");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert!(!app.overlays.has(OverlayKind::Bulk), "discarded");

    // A choice stepped, or a metadata row added, is a change too.
    press(&mut app, KeyCode::Char('B'));
    tab_to(&mut app, super::form::REASON);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Esc);
    assert!(form_of(&app).asking_discard);
}

/// As seen: the bulk form had no priority and no metadata. Both are sent in every row's request.
#[test]
fn priority_and_metadata_from_the_bulk_form_are_in_every_row() {
    let mut app = app(false);
    form_on_three(&mut app);
    typ(&mut app, "10");
    tab_to(&mut app, super::form::PRIORITY);
    typ(&mut app, "3");
    tab_to(&mut app, "metadata.0.key");
    typ(&mut app, "ticket");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "INC-42");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('n'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(form_of(&app).fields[form_of(&app).focus].id, "metadata.1.key");
    typ(&mut app, "po");
    press(&mut app, KeyCode::Tab);
    typ(&mut app, "7");
    let effects = press(&mut app, KeyCode::Enter);
    let plan = plan_for(&mut app, effects);
    for row in &plan.rows {
        assert_eq!(row.request.priority, Some(3));
        let m = row.request.metadata.as_ref().expect("metadata");
        assert_eq!((m.get("ticket"), m.get("po")), (Some("INC-42"), Some("7")));
    }
    let p = preview_of(&app);
    assert_eq!(p.priority, super::preview::Shared::Same(Some(3)));
    assert!(
        matches!(&p.metadata, super::preview::Shared::Same(Some(m)) if m.get("po") == Some("7")),
        "every row's metadata is the form's: {:?}",
        p.metadata
    );
}

/// Metadata is held to the plan's limits (flexwallet_bulk::limits) in the form, before a plan.
#[test]
fn bulk_metadata_beyond_the_limits_stays_in_the_form() {
    let mut app = app(false);
    form_on_three(&mut app);
    typ(&mut app, "10");
    tab_to(&mut app, "metadata.0.key");
    typ(
        &mut app,
        &"k".repeat(flexwallet_bulk::limits::MAX_METADATA_KEY_CHARS + 1),
    );
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "nothing planned");
    let f = form_of(&app);
    assert_eq!(f.fields[f.focus].id, "metadata.0.key");
    assert_eq!(
        f.fields[f.focus].error.as_deref(),
        Some("the key is 41 characters long: at most 40")
    );
    tab_to(&mut app, super::form::PRIORITY);
    typ(&mut app, "99999999999999999999");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let f = form_of(&app);
    assert!(
        f.field(super::form::PRIORITY)
            .and_then(|x| x.error.as_deref())
            .is_some_and(|e| e.contains("too large")),
        "{:?}",
        f.field(super::form::PRIORITY)
    );
}
