//! Every bad keymap file is refused with file, line and the offending token.

use std::path::PathBuf;

use flexwallet::keymap::KeymapError;

fn load(name: &str) -> KeymapError {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keymap")
        .join(name);
    match flexwallet::config::load_keymap(Some(&path), None) {
        Ok(_) => panic!("{name} was accepted"),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.starts_with(&format!("{}:{}:", path.display(), e.line)),
                "{text}"
            );
            e
        }
    }
}

#[test]
fn unknown_action() {
    let e = load("unknown_action.toml");
    assert_eq!((e.line, e.token.as_str()), (4, "jump_arround"));
    assert!(e.message.contains("unknown action"), "{e}");
}

#[test]
fn bad_key() {
    let e = load("bad_key.toml");
    assert_eq!((e.line, e.token.as_str()), (4, "hyper-j"));
    assert!(e.message.contains("not a key"), "{e}");
}

#[test]
fn conflicting_binding_blames_the_user_file() {
    let e = load("conflict.toml");
    assert_eq!((e.line, e.token.as_str()), (3, "s"));
    assert!(
        e.message.contains("sort_next") && e.message.contains("mark"),
        "{e}"
    );
}

#[test]
fn bad_toml() {
    let e = load("bad_toml.toml");
    assert_eq!(e.line, 2, "{e}");
    assert!(!e.message.is_empty());
}

#[test]
fn unknown_context() {
    let e = load("unknown_context.toml");
    assert_eq!((e.line, e.token.as_str()), (1, "lists"));
    assert!(e.message.contains("unknown context"), "{e}");
}

#[test]
fn missing_file_is_named() {
    let path = PathBuf::from("/nonexistent/keymap.toml");
    let e = flexwallet::config::load_keymap(Some(&path), None).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/keymap.toml"), "{e}");
}
