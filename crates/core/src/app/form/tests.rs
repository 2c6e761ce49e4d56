//! Reducer tests of the forms' metadata rows and focus: keys go to the focused field only.

use crate::app::tests::{code, key, loaded};
use crate::app::{App, OverlayKind};
use crate::key::{KeyCode, KeyEvent, KeyModifiers};

use super::{FormKind, Stage, Submission};

fn ctrl(app: &mut App, c: char) {
    app.update(crate::app::Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )));
}

fn typ(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, c);
    }
}

fn focused_id(app: &App) -> String {
    let form = app.overlays.form().expect("a form");
    form.fields()[form.focus].id.clone()
}

fn text_of(app: &App, id: &str) -> String {
    let form = app.overlays.form().expect("a form");
    form.fields()
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no field {id}"))
        .text_value()
        .to_string()
}

fn tab_to(app: &mut App, id: &str) {
    for _ in 0..40 {
        if focused_id(app) == id {
            return;
        }
        code(app, KeyCode::Tab);
    }
    panic!("Tab never reached {id}");
}

/// As seen: `ticket`, Tab, `INC-42` appended `INC-42` to the idempotency key (the metadata row
/// was one `key = value` field and Tab left it). A row is two fields: Tab goes from its key to
/// its value, and typed text lands in the field that has the focus, nowhere else.
#[test]
fn tab_goes_from_a_metadata_key_to_its_value_and_never_types_elsewhere() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    let idempotency = text_of(&app, "idempotency_key");
    assert!(!idempotency.is_empty());
    typ(&mut app, "25");
    tab_to(&mut app, "metadata.0.key");
    typ(&mut app, "ticket");
    code(&mut app, KeyCode::Tab);
    assert_eq!(focused_id(&app), "metadata.0.value");
    typ(&mut app, "INC-42");
    assert_eq!(text_of(&app, "metadata.0.key"), "ticket");
    assert_eq!(text_of(&app, "metadata.0.value"), "INC-42");
    assert_eq!(
        text_of(&app, "idempotency_key"),
        idempotency,
        "the key is untouched"
    );
    // Every other field is as it was.
    assert_eq!(text_of(&app, "credits_to_add"), "25");
    assert_eq!(text_of(&app, "description"), "");
    code(&mut app, KeyCode::Enter);
    let form = app.overlays.form().unwrap();
    let Stage::Confirm {
        submission: Submission::TopUp { request, .. },
        ..
    } = &form.stage
    else {
        panic!("the confirm step: {:?}", form.stage)
    };
    let m = request.metadata.as_ref().expect("metadata sent");
    assert_eq!(m.get("ticket"), Some("INC-42"));
    assert_eq!(request.idempotency_key.as_deref(), Some(idempotency.as_str()));
}

/// As seen: after `ctrl-n` the new row was blank, with no label and no hint of its format.
#[test]
fn ctrl_n_adds_a_labelled_row_that_says_how_it_is_filled() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    tab_to(&mut app, "metadata.0.key");
    ctrl(&mut app, 'n');
    assert_eq!(focused_id(&app), "metadata.1.key");
    let form = app.overlays.form().unwrap();
    let (k, v) = (&form.fields()[form.focus], &form.fields()[form.focus + 1]);
    assert_eq!(k.label, "Metadata key");
    assert!(
        k.hint.as_deref().is_some_and(|h| h.contains("e.g. ticket")),
        "{k:?}"
    );
    assert_eq!(v.id, "metadata.1.value");
    assert!(v.label.contains("value"), "{v:?}");
    // ctrl-x on the new row's value removes the row; the first stays.
    code(&mut app, KeyCode::Tab);
    ctrl(&mut app, 'x');
    let form = app.overlays.form().unwrap();
    assert_eq!(super::field::metadata_pairs(form.fields()).len(), 1);
}

/// As seen: `row 2: write key = value`, with one row on screen. An error is under the half of
/// the row at fault, and the focus goes there.
#[test]
fn a_value_without_its_key_is_refused_under_the_key() {
    let (mut app, _) = loaded(3);
    key(&mut app, 't');
    typ(&mut app, "25");
    tab_to(&mut app, "metadata.0.value");
    typ(&mut app, "INC-42");
    code(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlays.form().unwrap().stage, Stage::Editing));
    assert_eq!(focused_id(&app), "metadata.0.key");
    let form = app.overlays.form().unwrap();
    let err = form.fields()[form.focus].error.clone().unwrap_or_default();
    assert!(err.contains("needs a key"), "{err}");
}

/// The edit form opens with the wallet's metadata as rows, and sends the whole map when one
/// row changes.
#[test]
fn the_edit_form_keeps_metadata_rows_as_key_and_value() {
    let (mut app, _) = loaded(3);
    let id = app.table.selected_id().unwrap().to_string();
    let mut w = app.table.get(&id).unwrap().wallet.as_ref().clone();
    w.metadata = Some([("plan", "gold"), ("region", "eu")].into_iter().collect());
    app.take_wallets(vec![w]);
    key(&mut app, 'e');
    assert!(app.overlays.has(OverlayKind::Form));
    assert_eq!(text_of(&app, "metadata.1.key"), "region");
    assert_eq!(text_of(&app, "metadata.1.value"), "eu");
    tab_to(&mut app, "metadata.1.value");
    for _ in 0..2 {
        code(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "us");
    code(&mut app, KeyCode::Enter);
    let form = app.overlays.form().unwrap();
    let (Stage::Confirm {
        submission: Submission::Update { request, diff },
        ..
    },) = (&form.stage,)
    else {
        panic!("{:?}", form.stage)
    };
    let m = request.metadata.as_ref().unwrap();
    assert_eq!((m.get("plan"), m.get("region")), (Some("gold"), Some("us")));
    assert_eq!(
        diff.join(" · "),
        "metadata {plan = gold, region = eu} → {plan = gold, region = us}"
    );
    assert!(matches!(form.kind, FormKind::Update(_)));
}
