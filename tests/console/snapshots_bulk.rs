//! The bulk layer's screens: the form, the preview with totals, progress (running and hidden).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use flexwallet::key::KeyCode;

use flexwallet::api::models::Wallet;
use flexwallet::app::{Action, App, Effect};
use flexwallet::bulk::plan::{Plan, PlanOptions};
use flexwallet::bulk::{Counts, Event, Progress, RowStatus};

use super::{app, chars, demo, key, snap};

/// Marks the first three wallets and opens the bulk form with 10 credits typed.
fn form(w: u16, h: u16) -> App {
    let mut a = app(w, h, false);
    chars(&mut a, "   B");
    chars(&mut a, "10");
    a
}

/// Submits the form and answers the plan as the runtime would, from the demo wallets.
fn preview(w: u16, h: u16) -> App {
    let mut a = form(w, h);
    let effects = a.update(key(KeyCode::Enter));
    let [Effect::PlanBulk { drafts, source }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let wallets: HashMap<String, Wallet> = demo().wallets.iter().map(|w| (w.id.clone(), w.clone())).collect();
    let opts = PlanOptions {
        allow_duplicates: false,
        target: "http://sandbox:8080/v1#env_demo".into(),
        now: a.clock,
        source: None,
        usual: Default::default(),
    };
    let result = Plan::build(drafts.clone(), &wallets, &opts);
    a.update(Action::BulkPlanned {
        source: source.clone(),
        result,
    });
    a
}

fn running(w: u16, h: u16) -> App {
    let mut a = preview(w, h);
    chars(&mut a, "30");
    let effects = a.update(key(KeyCode::Enter));
    assert!(
        matches!(effects.as_slice(), [Effect::StartBulk { .. }]),
        "{effects:?}"
    );
    if let Some(job) = a.job.as_mut() {
        // The real path depends on the machine's XDG dirs.
        job.journal = PathBuf::from(format!("~/.local/state/flexwallet/jobs/{}.jsonl", job.plan.job));
    }
    let counts = Counts {
        total: 3,
        done: 1,
        failed: 0,
        in_flight: 1,
        pending: 1,
        retries: 1,
        ..Counts::default()
    };
    a.update(Action::BulkProgress(Progress {
        event: Event::Retrying {
            row: 1,
            delay: Duration::from_millis(200),
            error: "503 service_unavailable: Service unavailable".into(),
        },
        counts,
        elapsed: Duration::from_secs(2),
    }));
    a.update(Action::BulkProgress(Progress {
        event: Event::Finished {
            row: 0,
            status: RowStatus::Done,
        },
        counts,
        elapsed: Duration::from_secs(2),
    }));
    a
}

#[test]
fn bulk_form_80x24_and_120x40() {
    insta::assert_snapshot!("bulk_form_80x24", snap(&form(80, 24)));
    insta::assert_snapshot!("bulk_form_120x40", snap(&form(120, 40)));
}

#[test]
fn bulk_preview_80x24_and_120x40() {
    let s = snap(&preview(80, 24));
    assert!(s.contains("Type the total credits (30)"), "{s}");
    insta::assert_snapshot!("bulk_preview_80x24", s);
    insta::assert_snapshot!("bulk_preview_120x40", snap(&preview(120, 40)));
}

#[test]
fn bulk_progress_80x24_and_120x40_and_hidden() {
    let s = snap(&running(80, 24));
    assert!(s.contains("done 1 · failed 0") && s.contains("503"), "{s}");
    insta::assert_snapshot!("bulk_progress_80x24", s);
    insta::assert_snapshot!("bulk_progress_120x40", snap(&running(120, 40)));
    let mut a = running(80, 24);
    a.update(key(KeyCode::Esc));
    let hidden = snap(&a);
    assert!(hidden.contains("bulk 1/3 done"), "{hidden}");
    insta::assert_snapshot!("bulk_progress_hidden_80x24", hidden);
}
