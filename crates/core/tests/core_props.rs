//! Property tests of the console's two parsers of operator text: the filter language (`/`) and
//! the keymap file. Any input is a value or an error that says where, never a panic; parsed
//! filters keep their meaning through their own text; `!` is the complement. Bounded: 256 to
//! 512 cases each.

use std::path::Path;
use std::str::FromStr;

use flexprice_wire::models::{AlertState, Wallet, WalletStatus, WalletType};
use flexwallet_core::app::filter::{Filter, haystack};
use flexwallet_core::key::{KeyCode, KeyEvent};
use flexwallet_core::keymap::{Command, Context, DEFAULT_KEYMAP_NAME, Key, Keymap};
use proptest::prelude::*;
use rust_decimal::Decimal;

const CASES: u32 = 512;

/// One term of the filter language, as an operator may type it (any case, any amount form).
fn valid_term() -> impl Strategy<Value = String> {
    let amount =
        ("[0-9]{1,11}", proptest::option::of("[0-9]{1,9}"), any::<bool>()).prop_map(|(i, f, neg)| {
            let n = match f {
                Some(f) => format!("{i}.{f}"),
                None => i,
            };
            if neg { format!("-{n}") } else { n }
        });
    prop_oneof![
        "[a-zA-Z0-9_-]{1,10}".prop_filter("not a key:value", |t| !t.contains(':')),
        proptest::sample::select(
            &[
                "status:active",
                "status:FROZEN",
                "status:closed",
                "alert:in_alarm",
                "alert:ok",
                "alert:Warning",
                "type:pre_paid",
                "type:POST_PAID",
                "currency:usd",
                "currency:EUR"
            ][..]
        )
        .prop_map(str::to_string),
        ("customer|name|id|NAME", ":", "[a-z0-9_]{1,8}").prop_map(|(k, c, v)| format!("{k}{c}{v}")),
        ("balance|credits|Balance", "<|<=|>|>=|=|", amount).prop_map(|(f, op, n)| format!("{f}{op}{n}")),
    ]
}

fn wallet() -> impl Strategy<Value = Wallet> {
    let decimal = (-(10i64.pow(15))..10i64.pow(15), 0u32..=9).prop_map(|(m, s)| Decimal::new(m, s));
    (
        "[a-z0-9_]{1,10}",
        proptest::option::of("[A-Za-z0-9 _-]{0,12}"),
        "[a-z0-9_]{1,10}",
        "usd|eur|USD",
        decimal.clone(),
        decimal,
        proptest::sample::select(&["active", "frozen", "closed"][..]),
        proptest::sample::select(&["in_alarm", "warning", "info", "ok"][..]),
        proptest::sample::select(&["PRE_PAID", "POST_PAID"][..]),
    )
        .prop_map(
            |(id, name, customer, currency, balance, credits, status, alert, ty)| Wallet {
                id,
                name,
                customer_id: customer,
                currency,
                balance,
                credit_balance: credits,
                wallet_status: WalletStatus::parse(status),
                alert_state: Some(AlertState::parse(alert)),
                wallet_type: WalletType::parse(ty),
                ..Wallet::default()
            },
        )
}

fn matches(filter: &str, w: &Wallet) -> bool {
    Filter::parse(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .matches(w, &haystack(w))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// Anything typed is a filter or an error naming one of the typed terms; a filter parses
    /// again from its own text to the same filter.
    #[test]
    fn any_filter_text_parses_or_names_its_bad_term(input in ".{0,40}|[!a-z:<>=.0-9 -]{0,40}") {
        match Filter::parse(&input) {
            Ok(f) => prop_assert_eq!(Filter::parse(&f.text), Ok(f.clone())),
            Err(e) => {
                prop_assert!(input.split_whitespace().any(|t| t == e.term), "{:?} is not a term of {:?}", e.term, input);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn valid_terms_parse_and_bang_is_the_complement(
        terms in proptest::collection::vec(valid_term(), 1..4),
        w in wallet(),
    ) {
        for t in &terms {
            prop_assert_eq!(matches(&format!("!{t}"), &w), !matches(t, &w), "{}", t);
        }
        // Terms are ANDed, whatever the spacing.
        let all = terms.iter().all(|t| matches(t, &w));
        prop_assert_eq!(matches(&terms.join("  \t "), &w), all);
    }

    /// `balance<N` and friends compare exactly, as Decimal does.
    #[test]
    fn comparisons_are_exact(w in wallet(), int in 0u64..10_000_000, frac in 0u32..1_000_000_000, neg in any::<bool>()) {
        let n = Decimal::from_str(&format!("{}{int}.{frac:09}", if neg { "-" } else { "" })).unwrap();
        let text = n.to_string();
        prop_assert_eq!(matches(&format!("balance<{text}"), &w), w.balance < n);
        prop_assert_eq!(matches(&format!("balance>={text}"), &w), w.balance >= n);
        prop_assert_eq!(matches(&format!("credits={text}"), &w), w.credit_balance == n);
        prop_assert_eq!(matches(&format!("credits{text}"), &w), w.credit_balance == n);
    }

    /// Any key spelling is a key or nothing; a key's own name reads back as the same key (the
    /// arrows are shown as ↑ ↓ ← →, which name characters in a keymap file).
    #[test]
    fn key_names_parse_back(s in "((ctrl|alt|shift|c|a|s|m|meta|x)-){0,3}([ -~]|[a-zA-Z]{2,9}|F[0-9]{1,3}|[éß中])") {
        if let Some(k) = Key::parse(&s) {
            let shown = k.to_string();
            if !matches!(k.code, KeyCode::Up | KeyCode::Down | KeyCode::Left | KeyCode::Right) {
                prop_assert_eq!(Key::parse(&shown), Some(k), "{:?} shown as {:?}", s, shown);
            }
        }
    }
}

/// A keymap file's error is on a line of that file (or of the built-in one, for a conflict
/// with a default binding), and says which token.
fn check_error(text: &str, e: &flexwallet_core::keymap::KeymapError) -> Result<(), TestCaseError> {
    prop_assert!(e.line >= 1, "{}", e);
    if e.file == "user.toml" {
        let lines = text.lines().count().max(1) + usize::from(text.ends_with('\n'));
        prop_assert!(e.line <= lines, "line {} of a {}-line file: {}", e.line, lines, e);
    } else {
        prop_assert_eq!(e.file.as_str(), DEFAULT_KEYMAP_NAME);
    }
    prop_assert!(
        e.to_string().starts_with(&format!("{}:{}: ", e.file, e.line)),
        "{}",
        e
    );
    Ok(())
}

/// TOML-ish lines: tables and entries of the keymap's shape, right and wrong, and noise.
fn keymap_text() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        proptest::sample::select(Context::ALL).prop_map(|c| c.name().to_string()),
        proptest::sample::select(Command::ALL).prop_map(|c| c.name().to_string()),
        "[a-z_]{1,8}",
    ];
    let key = prop_oneof![
        proptest::sample::select(
            &[
                "q",
                "G",
                "ctrl-c",
                "Enter",
                "shift-Tab",
                "F5",
                "F13",
                "Space",
                "PageDown",
                "alt-x",
                "",
                "ctrl-",
                "--",
                "ü"
            ][..]
        )
        .prop_map(str::to_string),
        "[ -~]{0,4}",
    ];
    let line = prop_oneof![
        name.clone().prop_map(|n| format!("[{n}]")),
        (
            name.clone(),
            proptest::collection::vec(key, 0..3),
            proptest::option::of("[ -~]{0,8}")
        )
            .prop_map(|(n, keys, desc)| {
                let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
                match desc {
                    Some(d) => format!("{n} = {{ keys = [{}], desc = {d:?} }}", keys.join(", ")),
                    None => format!("{n} = {{ keys = [{}] }}", keys.join(", ")),
                }
            }),
        (name, "[ -~]{0,12}").prop_map(|(n, v)| format!("{n} = {v}")),
        "[ -~]{0,16}",
        Just(String::new()),
    ];
    proptest::collection::vec(line, 0..8).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_keymap_file_is_a_keymap_or_an_error_with_its_line(text in keymap_text()) {
        if let Err(e) = Keymap::with_overrides(&text, Path::new("user.toml")) {
            check_error(&text, &e)?;
        }
    }

    #[test]
    fn any_text_as_a_keymap_file_never_panics(text in ".{0,80}") {
        if let Err(e) = Keymap::with_overrides(&text, Path::new("user.toml")) {
            check_error(&text, &e)?;
        }
    }

    /// A well-formed binding takes effect in its context, or is refused as a conflict on its
    /// own line.
    #[test]
    fn a_valid_binding_takes_effect_or_is_a_located_conflict(
        ctx in proptest::sample::select(Context::ALL),
        cmd in proptest::sample::select(Command::ALL),
        keys in proptest::sample::subsequence(vec!["q", "x", "G", "ctrl-k", "alt-x", "F7", "Enter", "shift-Tab", "Space", "PageDown"], 1..3),
    ) {
        let list: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
        let text = format!("# mine\n[{ctx}]\n{cmd} = {{ keys = [{}] }}\n", list.join(", "));
        match Keymap::with_overrides(&text, Path::new("user.toml")) {
            Ok(km) => {
                for k in &keys {
                    let key = Key::parse(k).unwrap();
                    prop_assert_eq!(km.lookup(ctx, &KeyEvent::new(key.code, key.mods)), Some(cmd), "{} in [{}]", k, ctx);
                }
            }
            Err(e) => {
                check_error(&text, &e)?;
                prop_assert!(e.message.contains("bound to both"), "{}", e);
                if e.file == "user.toml" {
                    prop_assert_eq!(e.line, 3, "{}", e);
                }
            }
        }
    }
}
