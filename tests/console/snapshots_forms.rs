//! The top-up form's metadata rows and its confirm step, at 80x24 and 120x40.

use flexwallet::app::App;
use flexwallet::key::{KeyCode, KeyEvent, KeyModifiers};

use super::{chars, fixed_key, key, snap, top_up_form, words};

fn focused(a: &App) -> String {
    let f = a.overlays.form().expect("the form");
    f.fields()[f.focus].id.clone()
}

fn tab_to(a: &mut App, id: &str) {
    for _ in 0..30 {
        if focused(a) == id {
            return;
        }
        a.update(key(KeyCode::Tab));
    }
    panic!("Tab never reached {id}");
}

/// As seen: after `ctrl-n` the metadata row was blank with no hint of its format, and the
/// confirm showed neither the description nor the metadata. A row is a labelled key and value
/// saying what goes where; the confirm lists every field that will be sent.
#[test]
fn top_up_metadata_rows_and_a_confirm_that_shows_every_field() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut a = app_with_form(w, h);
        chars(&mut a, "25");
        tab_to(&mut a, "description");
        chars(&mut a, "goodwill credit");
        tab_to(&mut a, "metadata.0.key");
        chars(&mut a, "ticket");
        a.update(key(KeyCode::Tab));
        chars(&mut a, "INC-42");
        a.update(key(KeyCode::BackTab));
        a.update(flexwallet::app::Action::Key(KeyEvent::new(
            KeyCode::Char('n'),
            KeyModifiers::CONTROL,
        )));
        let s = fixed_key(snap(&a));
        let said = words(&s);
        assert!(
            said.contains("▶ Metadata key"),
            "the new row's key has the focus:\n{s}"
        );
        assert!(said.contains("e.g. ticket"), "and says what it takes:\n{s}");
        let line_with = |a: &str, b: &str| s.lines().any(|l| words(l).contains(&format!("{a} {b}")));
        assert!(line_with("Metadata key", "ticket"), "{s}");
        assert!(line_with("value", "INC-42"), "{s}");
        insta::assert_snapshot!(format!("topup_metadata_{w}x{h}"), s);
        a.update(key(KeyCode::Enter));
        let s = fixed_key(snap(&a));
        let said = words(&s);
        for sent in [
            "credits 25.00",
            "reason PURCHASED_CREDIT_DIRECT",
            "description goodwill credit",
            "metadata ticket = INC-42",
            "idempotency key fw-KEY",
        ] {
            assert!(said.contains(sent), "{sent:?} not in the confirm:\n{s}");
        }
        insta::assert_snapshot!(format!("topup_confirm_{w}x{h}"), s);
    }
}

fn app_with_form(w: u16, h: u16) -> App {
    let mut a = super::app(w, h, false);
    top_up_form(&mut a);
    a
}
