//! Configuration: every bad file is reported with file, line and key; precedence is
//! profile → environment → flags.

use std::path::Path;

use flexwallet::config::{ConfigError, ConfigFile, Overrides, Settings, load_settings, resolve};
use secrecy::ExposeSecret;

use crate::{fixture, fixture_path};

fn parse_err(name: &str) -> ConfigError {
    let path = fixture_path(&format!("config/{name}"));
    ConfigFile::parse(&fixture(&format!("config/{name}")), &path).unwrap_err()
}

/// The error names the file, the line and the key, in `file:line: key: message` form.
fn assert_located(err: &ConfigError, file: &str, line: usize, key: &str, says: &str) {
    let shown = err.to_string();
    let path = fixture_path(&format!("config/{file}"));
    assert_eq!(err.file, path, "{shown}");
    assert_eq!(err.line, Some(line), "{shown}");
    assert_eq!(err.key, key, "{shown}");
    assert!(
        shown.starts_with(&format!("{}:{line}: {key}: ", path.display())),
        "{shown}"
    );
    assert!(shown.contains(says), "{shown:?} should say {says:?}");
}

#[test]
fn bad_toml_syntax_names_the_line_and_key() {
    let e = parse_err("bad_syntax.toml");
    assert_located(&e, "bad_syntax.toml", 6, "profiles.prod.environment_id", "string");
}

#[test]
fn wrong_type_names_the_line_and_key() {
    let e = parse_err("wrong_type.toml");
    assert_located(
        &e,
        "wrong_type.toml",
        10,
        "profiles.staging.read_only",
        "expected a boolean",
    );
    let e = parse_err("negative_refresh.toml");
    assert_located(&e, "negative_refresh.toml", 3, "profiles.prod.refresh_secs", "-5");
}

#[test]
fn unknown_key_names_the_typo_and_the_keys_that_exist() {
    let e = parse_err("unknown_key.toml");
    assert_located(
        &e,
        "unknown_key.toml",
        4,
        "profiles.prod.api_kye_env",
        "unknown field",
    );
    assert!(e.message.contains("api_key_env"), "{e}");
}

#[test]
fn default_profile_naming_a_missing_profile() {
    let e = parse_err("missing_default_profile.toml");
    assert_located(
        &e,
        "missing_default_profile.toml",
        2,
        "default_profile",
        "no profile named \"production\" (known: prod)",
    );
}

fn profiles() -> (std::path::PathBuf, ConfigFile, String) {
    let path = fixture_path("config/profiles.toml");
    let text = fixture("config/profiles.toml");
    let cfg = ConfigFile::parse(&text, &path).unwrap();
    (path, cfg, text)
}

fn resolve_with(env: &dyn Fn(&str) -> Option<String>, flags: &Overrides) -> Result<Settings, ConfigError> {
    let (path, cfg, text) = profiles();
    resolve(Some((&path, &cfg, &text)), env, flags)
}

fn profile(name: &str) -> Overrides {
    Overrides {
        profile: Some(name.into()),
        ..Default::default()
    }
}

#[test]
fn unknown_profile_points_at_the_one_probably_meant() {
    let e = resolve_with(&|_| None, &profile("stagin")).unwrap_err();
    assert_located(
        &e,
        "profiles.toml",
        9,
        "profiles.stagin",
        "did you mean \"staging\"?",
    );
    assert!(e.message.contains("known: prod, staging"), "{e}");
    // Nothing close: the first profile's line, the list of names.
    let e = resolve_with(&|_| None, &profile("eu-central")).unwrap_err();
    assert_located(
        &e,
        "profiles.toml",
        3,
        "profiles.eu-central",
        "known: prod, staging",
    );
    assert!(!e.message.contains("did you mean"), "{e}");
}

#[test]
fn unset_key_variable_names_the_line_of_api_key_env() {
    let e = resolve_with(&|_| None, &profile("prod")).unwrap_err();
    assert_located(
        &e,
        "profiles.toml",
        6,
        "profiles.prod.api_key_env",
        "FLEXPRICE_PROD_KEY is not set",
    );
}

#[test]
fn a_failing_key_command_names_its_line() {
    let path = Path::new("/etc/flexwallet/config.toml");
    let text = "[profiles.vault]\n\napi_key_command = \"exit 3\"\n";
    let cfg = ConfigFile::parse(text, path).unwrap();
    let e = resolve(Some((path, &cfg, text)), &|_| None, &profile("vault")).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert_eq!(e.key, "profiles.vault.api_key_command");
    assert!(
        e.to_string().starts_with("/etc/flexwallet/config.toml:3: "),
        "{e}"
    );
}

#[test]
fn a_key_pasted_into_api_key_env_is_refused_without_repeating_it() {
    let path = Path::new("c.toml");
    let text = "[profiles.p]\napi_key_env = \"sk_live_0123456789abcdef\"\n";
    let e = ConfigFile::parse(text, path).unwrap_err();
    assert_eq!((e.line, e.key.as_str()), (Some(2), "profiles.p.api_key_env"));
    assert!(!e.to_string().contains("0123456789abcdef"), "{e}");
}

#[test]
fn precedence_profile_then_environment_then_flags() {
    let env = |k: &str| match k {
        "FLEXPRICE_PROD_KEY" => Some("sk_prod_from_var".to_string()),
        _ => None,
    };
    let s = resolve_with(&env, &profile("prod")).unwrap();
    assert_eq!(s.profile.as_deref(), Some("prod"));
    assert_eq!(s.api_url, "https://api.cloud.flexprice.io/v1");
    assert_eq!(s.environment_id.as_deref(), Some("env_prod"));
    assert_eq!(s.api_key.as_ref().unwrap().expose_secret(), "sk_prod_from_var");
    assert!(s.read_only);
    assert_eq!(s.refresh_secs, flexwallet::config::DEFAULT_REFRESH_SECS);

    let env2 = |k: &str| match k {
        "FLEXPRICE_PROD_KEY" => Some("sk_prod_from_var".to_string()),
        "FLEXPRICE_API_KEY" => Some("sk_override".to_string()),
        "FLEXPRICE_API_URL" => Some("http://127.0.0.1:8080/v1".to_string()),
        "FLEXPRICE_ENVIRONMENT_ID" => Some("env_var".to_string()),
        _ => None,
    };
    let s = resolve_with(&env2, &profile("prod")).unwrap();
    assert_eq!(s.api_url, "http://127.0.0.1:8080/v1");
    assert_eq!(s.environment_id.as_deref(), Some("env_var"));
    assert_eq!(s.api_key.as_ref().unwrap().expose_secret(), "sk_override");

    let flags = Overrides {
        profile: Some("prod".into()),
        api_url: Some("http://127.0.0.1:9999/v1".into()),
        environment_id: Some("env_flag".into()),
        read_only: false,
        refresh_secs: Some(0),
    };
    let s = resolve_with(&env2, &flags).unwrap();
    assert_eq!(s.api_url, "http://127.0.0.1:9999/v1");
    assert_eq!(s.environment_id.as_deref(), Some("env_flag"));
    assert_eq!(s.refresh_secs, 0);
    // --read-only can add the restriction, never lift the profile's.
    assert!(s.read_only);
}

#[test]
fn key_command_is_run_unless_the_environment_gives_the_key() {
    let s = resolve_with(&|_| None, &profile("staging")).unwrap();
    assert_eq!(s.api_key.unwrap().expose_secret(), "sk_staging_from_command");
    assert_eq!(s.refresh_secs, 2);
    assert!(!s.read_only);
    let s = resolve_with(
        &|k| (k == "FLEXPRICE_API_KEY").then(|| "sk_env".to_string()),
        &profile("staging"),
    )
    .unwrap();
    assert_eq!(s.api_key.unwrap().expose_secret(), "sk_env");
}

#[test]
fn only_the_first_line_of_the_key_command_is_the_key() {
    let path = Path::new("c.toml");
    let text = "[profiles.p]\napi_key_command = \"printf '  sk_first  \\\\nurl: https://x\\\\n'\"\n";
    let cfg = ConfigFile::parse(text, path).unwrap();
    let s = resolve(Some((path, &cfg, text)), &|_| None, &profile("p")).unwrap();
    assert_eq!(s.api_key.unwrap().expose_secret(), "sk_first");
}

#[test]
fn no_profile_means_defaults_and_the_environment() {
    let s = resolve(None, &|_| None, &Overrides::default()).unwrap();
    assert_eq!(s.api_url, "https://api.cloud.flexprice.io/v1");
    assert!(s.api_key.is_none() && s.environment_id.is_none() && !s.read_only);
    let e = resolve(None, &|_| None, &profile("prod")).unwrap_err();
    assert_eq!(e.key, "profiles.prod");
    assert!(e.message.contains("no config file"), "{e}");
}

#[test]
fn an_explicit_config_path_must_exist() {
    let missing = fixture_path("config/does_not_exist.toml");
    let e = load_settings(Some(&missing), &Overrides::default()).unwrap_err();
    assert_eq!(e.file, missing);
    assert!(e.message.contains("no such file"), "{e}");
    let e = load_settings(
        Some(&fixture_path("config/wrong_type.toml")),
        &Overrides::default(),
    )
    .unwrap_err();
    assert_eq!(e.line, Some(10));
}

/// Config-shaped lines, right and wrong: tables, the known keys with values of every type, and
/// noise.
fn config_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let profile = proptest::sample::select(&["prod", "staging", "p r", ""][..]);
    let key = proptest::sample::select(
        &[
            "default_profile",
            "api_url",
            "environment_id",
            "api_key_env",
            "api_key_command",
            "api_key_command_timeout_secs",
            "read_only",
            "refresh_secs",
            "confirm_above",
            "max_reply_mb",
            "profiles",
            "nope",
        ][..],
    );
    let value = prop_oneof![
        proptest::sample::select(
            &[
                "\"prod\"",
                "\"https://api.flexprice.io/v1\"",
                "\"ftp://x\"",
                "\"FLEXPRICE_API_KEY\"",
                "\"sk_live_x\"",
                "\"echo k\"",
                "\"1000\"",
                "\"-1\"",
                "true",
                "0",
                "30",
                "86401",
                "18446744073709551615",
                "99999999999999999999",
                "-5",
                "1.5",
                "[1, 2]",
                "{ a = 1 }",
                "\"unclosed",
                "",
            ][..],
        )
        .prop_map(str::to_string),
        "[ -~]{0,10}",
    ];
    let line = prop_oneof![
        profile.prop_map(|p| format!("[profiles.{p}]")),
        (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        "[ -~]{0,16}",
        Just(String::new()),
    ];
    proptest::collection::vec(line, 0..10).prop_map(|lines| lines.join("\n"))
}

/// A located error points at a line the file has, and says so first.
fn check_config_error(text: &str, e: &ConfigError) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::prelude::*;
    let file = Path::new("/etc/flexwallet/config.toml");
    prop_assert_eq!(&e.file, file);
    let lines = text.lines().count().max(1) + usize::from(text.ends_with('\n'));
    let shown = e.to_string();
    match e.line {
        Some(l) => {
            prop_assert!(l >= 1 && l <= lines, "line {} of {}: {}", l, lines, shown);
            prop_assert!(
                shown.starts_with(&format!("{}:{l}: ", file.display())),
                "{}",
                shown
            );
        }
        None => prop_assert!(false, "no line in {:?} for\n{}", shown, text),
    }
    prop_assert!(!e.message.is_empty(), "{}", shown);
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(512))]

    /// Any config-shaped file is a configuration or an error on one of its lines.
    #[test]
    fn any_config_file_is_a_config_or_a_located_error(text in config_text()) {
        if let Err(e) = ConfigFile::parse(&text, Path::new("/etc/flexwallet/config.toml")) {
            check_config_error(&text, &e)?;
        }
    }

    #[test]
    fn any_text_as_a_config_file_never_panics(text in ".{0,80}") {
        if let Err(e) = ConfigFile::parse(&text, Path::new("/etc/flexwallet/config.toml")) {
            check_config_error(&text, &e)?;
        }
    }
}
