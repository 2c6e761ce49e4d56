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

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// Every wallet of the demo marked (116: a plan of more than a hundred rows), 5 credits each,
/// planned against the demo wallets as the runtime would.
fn preview_all(w: u16, h: u16) -> App {
    let mut a = app(w, h, false);
    chars(&mut a, "aB5");
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

/// The lines of the preview's row table: between its header and the selected row's line.
fn table_rows(s: &str) -> Vec<String> {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("Wallet ") && l.contains("Credits"));
    let end = lines
        .iter()
        .position(|l| l.contains("│row ") || l.starts_with("row "));
    match (start, end) {
        (Some(a), Some(b)) if a < b => lines[a + 1..b].iter().map(|l| l.to_string()).collect(),
        _ => panic!("no row table in\n{s}"),
    }
}

/// As seen: with 107 rows the preview showed `… and 96 more rows` and no way to reach them;
/// neither reason nor expiry was shown, and no total per reason. Now every row can be reached
/// with the list's keys, the totals are per currency and per reason, and what every row shares
/// (expiry, priority) is said once. Nothing shown is cut while its row has room for it.
#[test]
fn bulk_preview_of_every_demo_wallet_scrolled() {
    for (w, h) in SIZES {
        let mut a = preview_all(w, h);
        let first = snap(&a);
        assert!(!first.contains("more rows"), "{first}");
        assert!(first.contains("116 rows · 580.00 credits in all"), "{first}");
        assert!(
            first.contains("purchased credit direct  116 rows  580.00 credits"),
            "the total per reason:\n{first}"
        );
        assert!(first.contains("every row: no expiry · no priority"), "{first}");
        // Down a page and a few rows: the rows on screen follow the cursor.
        a.update(key(KeyCode::PageDown));
        for _ in 0..3 {
            a.update(key(KeyCode::Char('j')));
        }
        let s = snap(&a);
        insta::assert_snapshot!(format!("bulk_preview_116_scrolled_{w}x{h}"), s);
        let rows = table_rows(&s);
        let selected: Vec<&String> = rows.iter().filter(|l| l.contains('▶')).collect();
        assert_eq!(selected.len(), 1, "one cursor row:\n{s}");
        assert!(s.contains("Type the total credits (580) to send:"), "{s}");
        assert!(!s.contains("to send: j"), "j moved the rows, typed nothing:\n{s}");
        // Names and customers are cut only when the row has no room left: no row with a `…`
        // ends in spaces, and every figure is whole.
        for l in &rows {
            let inside = l.trim_start_matches('│').trim_end_matches('│');
            if inside.contains('…') {
                assert!(!inside.ends_with("  "), "{w}x{h}: cut with room left: {l:?}\n{s}");
            }
            assert!(!inside.contains('≈'), "{w}x{h}: a compact figure: {l:?}");
        }
        if w >= 120 {
            assert!(
                rows.iter().all(|l| !l.contains('…')),
                "{w}x{h}: nothing cut:\n{s}"
            );
            assert!(s.contains("Customer"), "{s}");
        }
        if w >= 200 {
            assert!(s.contains("Wallet id"), "the ids, at 200 columns:\n{s}");
        }
        // G: the last row, the last page full.
        a.update(key(KeyCode::Char('G')));
        let s = snap(&a);
        assert!(s.contains("row 116/116"), "{s}");
        let last = table_rows(&s);
        assert!(last.last().is_some_and(|l| l.contains('▶')), "{s}");
    }
}
