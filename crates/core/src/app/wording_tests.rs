//! What the console says, as seen wrong (issue 23): each test failed before its fix.

use rust_decimal::Decimal;

use super::tests::{code, key, loaded};
use super::*;
use crate::key::KeyCode;

/// As seen: asked to type `100000`, the console refused `100000.00` (it compared text).
#[test]
fn the_typed_confirmation_of_an_amount_compares_as_a_number() {
    let (mut app, _) = loaded(3);
    app.confirm_above = Decimal::from(10);
    key(&mut app, 't');
    for c in "100000".chars() {
        key(&mut app, c);
    }
    code(&mut app, KeyCode::Enter);
    let expected = match app.overlays.form().map(|f| &f.stage) {
        Some(form::Stage::Confirm { expected, .. }) => expected.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(expected.as_deref(), Some("100000"));
    for c in "100000.00".chars() {
        key(&mut app, c);
    }
    let effects = code(&mut app, KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::TopUp { .. }]),
        "{effects:?}"
    );
}

/// As seen: `4 problem(s)` for three problems and the line that explains them. The note is
/// kept apart and not counted.
#[test]
fn a_note_about_the_problems_is_not_counted_as_one() {
    let (mut app, _) = loaded(3);
    app.import_plan("in.csv");
    let mut issues: Vec<_> = (2..5)
        .map(|line| flexwallet_bulk::Issue::at(line, "credits again what job x did"))
        .collect();
    issues.push(flexwallet_bulk::Issue::note(
        "These repeat earlier jobs: nothing was sent",
    ));
    assert_eq!(flexwallet_bulk::Issue::problems(&issues), 3);
    app.update(Action::BulkPlanned {
        source: "in.csv".into(),
        result: Err(issues),
    });
    let Some(bulk::BulkLayer::Refused { issues, notes, .. }) = app.overlays.bulk() else {
        panic!("{:?}", app.overlays)
    };
    assert_eq!(issues.len(), 3, "{issues:?}");
    assert_eq!(notes, &["These repeat earlier jobs: nothing was sent"]);
}

/// As seen: `99999999999999999999` as a priority was "not a whole number ≥ 0".
#[test]
fn a_priority_too_large_says_so_with_a_readable_limit() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    for c in "25".chars() {
        key(&mut app, c);
    }
    let priority_at = app
        .overlays
        .form()
        .and_then(|f| f.fields().iter().position(|f| f.id == form::topup::PRIORITY))
        .expect("a priority field");
    while app.overlays.form().map(|f| f.focus) != Some(priority_at) {
        code(&mut app, KeyCode::Tab);
    }
    for c in "99999999999999999999".chars() {
        key(&mut app, c);
    }
    code(&mut app, KeyCode::Enter);
    let form = app.overlays.form().expect("the form stays");
    let error = form
        .fields()
        .get(priority_at)
        .and_then(|f| f.error.clone())
        .expect("an error under the priority");
    assert_eq!(
        error,
        "\"99999999999999999999\" is too large: at most 9,223,372,036,854,775,807"
    );
}

/// A 5xx to a top-up is an answer that does not say whether it was applied: the form says the
/// server answered, with the status (the words are drawn from `answered`).
#[test]
fn a_503_to_a_top_up_is_an_answer_not_silence() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    key(&mut app, '5');
    code(&mut app, KeyCode::Enter);
    code(&mut app, KeyCode::Enter);
    let err = flexprice_wire::ApiError::Api {
        status: 503,
        body: Box::new(flexprice_wire::ErrorBody {
            code: "service_unavailable".into(),
            message: "try again".into(),
            http_status_code: 503,
            details: None,
        }),
    };
    app.update(Action::TopUpDone {
        wallet_id: "w000".into(),
        result: Err(err),
    });
    match app.overlays.form().map(|f| &f.stage) {
        Some(form::Stage::Unknown { answered, .. }) => assert_eq!(*answered, Some(503)),
        other => panic!("{other:?}"),
    }
}
