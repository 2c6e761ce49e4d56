//! The README's key table and the help screen (`?`) say the same: the table between the
//! `keys:begin` / `keys:end` markers is generated from the built-in keymap
//! (`keymap::reference_markdown`), and every row of it is what the help lists.
//!
//! After changing keymap.toml: `UPDATE_README=1 cargo test --test console keys_readme`
//! rewrites the table, then review the diff.

use std::path::PathBuf;

use flexwallet::keymap::{Context, Keymap, reference_markdown};

const BEGIN: &str = "<!-- keys:begin (generated from keymap.toml by tests/console/keys_readme.rs) -->\n";
const END: &str = "<!-- keys:end -->";

fn readme() -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    (path, text)
}

/// Where the README's table is, between the markers.
fn span(readme: &str) -> std::ops::Range<usize> {
    let start = readme.find(BEGIN).expect("the README has the keys:begin marker") + BEGIN.len();
    let end = readme[start..]
        .find(END)
        .expect("the README has the keys:end marker")
        + start;
    start..end
}

fn table(readme: &str) -> &str {
    &readme[span(readme)]
}

#[test]
fn the_readme_key_table_is_generated_from_the_keymap() {
    let generated = reference_markdown(&Keymap::builtin().unwrap());
    let (path, text) = readme();
    let current = table(&text);
    if current != generated {
        if std::env::var_os("UPDATE_README").is_some() {
            let mut updated = text.clone();
            updated.replace_range(span(&text), &generated);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!(
            "README.md's key table differs from keymap.toml: run UPDATE_README=1 cargo test --test \
             console keys_readme and review the diff.\n--- README\n{current}\n--- generated\n{generated}"
        );
    }
}

/// `| Wallet list `[list]` | `j` `↓` | Next wallet |` rows → (context, "j, ↓", "Next wallet"),
/// the context carried down to the rows that leave it empty.
fn rows(table: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut context = String::new();
    for line in table.lines().skip(2) {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect();
        let [place, keys, desc] = cells[..] else {
            panic!("not a row of three cells: {line}");
        };
        if let Some(name) = place.split('`').nth(1) {
            context = name.trim_matches(['[', ']']).to_string();
        }
        let keys: Vec<String> = keys
            .split("` `")
            .map(|k| k.trim_matches('`').trim().replace("\\|", "|"))
            .collect();
        out.push((context.clone(), keys.join(", "), desc.replace("\\|", "|")));
    }
    out
}

#[test]
fn the_help_screen_lists_what_the_readme_table_says() {
    let app = flexwallet::app::App::new(
        Keymap::builtin().unwrap(),
        flexwallet::app::Origin::default(),
        false,
        std::time::Duration::from_secs(5),
        flexwallet::moment::Moment::from_secs(1),
        chrono::Utc::now(),
        flexwallet::app::Env::sequential("/nonexistent"),
    );
    let help: Vec<(String, String, String)> = flexwallet::ui::layers::help_keys(&app)
        .into_iter()
        .flat_map(|(ctx, rows)| {
            rows.into_iter()
                .map(move |(keys, desc)| (ctx.name().to_string(), keys, desc))
        })
        .collect();
    let (_, text) = readme();
    assert_eq!(rows(table(&text)), help);
    // Every context with keys is there, under its keymap.toml name.
    for ctx in Context::ALL {
        assert!(
            help.iter().any(|(c, _, _)| c == ctx.name()),
            "{ctx} is missing from the help"
        );
    }
}
