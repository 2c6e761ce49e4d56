//! Profiles from `config.toml`, environment overrides, flag overrides, and XDG paths.
//!
//! Precedence, lowest first: profile → `FLEXPRICE_*` environment variables → command-line flags.
//! The API key only ever lives in a `SecretString`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use toml::de::DeTable;

use crate::api::client::DEFAULT_API_URL;
use flexwallet_engine::paths::check_not_writable_by_others;
pub use flexwallet_engine::paths::{project_dirs, state_dir, xdg_dir};

pub mod key_command;
mod locate;
use locate::{KeyIndex, distance, key_on_line, line_of};

pub const ENV_API_KEY: &str = "FLEXPRICE_API_KEY";
pub const ENV_API_URL: &str = "FLEXPRICE_API_URL";
pub const ENV_ENVIRONMENT_ID: &str = "FLEXPRICE_ENVIRONMENT_ID";
pub const DEFAULT_REFRESH_SECS: u64 = 5;
/// The largest `max_reply_mb`: 64 GB. Beyond it a value is a typo.
const MAX_REPLY_MB: u64 = 65_536;
/// The longest `api_key_command_timeout_secs`: an hour.
const MAX_KEY_COMMAND_SECS: u64 = 3600;
/// The longest live refresh interval, as `:refresh` in the console allows: a day. Beyond it a
/// value is a typo, and near `u64::MAX` seconds no clock can add it.
pub const MAX_REFRESH_SECS: u64 = 86_400;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub api_url: Option<String>,
    pub environment_id: Option<String>,
    /// Name of the environment variable holding the key.
    pub api_key_env: Option<String>,
    /// Shell command printing the key (a password manager, a vault CLI); run without a
    /// terminal (see [`key_command::run`]).
    pub api_key_command: Option<String>,
    /// How long `api_key_command` may take (default 30 s).
    pub api_key_command_timeout_secs: Option<u64>,
    #[serde(default)]
    pub read_only: bool,
    pub refresh_secs: Option<u64>,
    /// Above this many credits (or amount) a top-up must be confirmed by typing it: a number
    /// (`10`, `12.5`) or a string (`"10"`).
    pub confirm_above: Option<DecimalText>,
    /// The largest API reply read, in MB (MiB): default 2048, which a list of 1,000,000
    /// wallets fits.
    pub max_reply_mb: Option<u64>,
}

/// A decimal as the config file gives it: a string, or a TOML number. Kept as text and parsed
/// as a `Decimal`, so a number never passes through `f64` arithmetic (a TOML float is taken by
/// its shortest exact spelling, `12.5` → `"12.5"`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecimalText(pub String);

impl<'de> Deserialize<'de> for DecimalText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = DecimalText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, e.g. 1000 or \"1000\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<DecimalText, E> {
                Ok(DecimalText(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// A configuration problem, located: `file:line: key: what is wrong`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {key}: {message}", .file.display(), .line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

/// What the rest of the program runs with.
#[derive(Clone)]
pub struct Settings {
    pub profile: Option<String>,
    pub api_url: String,
    pub environment_id: Option<String>,
    pub api_key: Option<SecretString>,
    /// Where the key came from, by name (never the key): `FLEXPRICE_API_KEY`,
    /// `ACME_KEY (api_key_env)`, `api_key_command`, or `no key set`.
    pub key_source: String,
    pub read_only: bool,
    pub refresh_secs: u64,
    pub confirm_above: Option<rust_decimal::Decimal>,
    /// The largest API reply read, in MB (MiB).
    pub max_reply_mb: u64,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("profile", &self.profile)
            .field("api_url", &crate::api::text::without_userinfo(&self.api_url))
            .field("environment_id", &self.environment_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("key_source", &self.key_source)
            .field("read_only", &self.read_only)
            .field("refresh_secs", &self.refresh_secs)
            .field("confirm_above", &self.confirm_above)
            .field("max_reply_mb", &self.max_reply_mb)
            .finish()
    }
}

/// One line for the log and `--help`-style summaries; says whether a key is set, never which.
impl fmt::Display for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "profile {}, API {}, environment {}, API key {}, {}, refresh {}s",
            self.profile.as_deref().unwrap_or("(none)"),
            crate::api::text::without_userinfo(&self.api_url),
            self.environment_id.as_deref().unwrap_or("(from the key)"),
            if self.api_key.is_some() { "set" } else { "not set" },
            if self.read_only { "read-only" } else { "read-write" },
            self.refresh_secs
        )
    }
}

/// Overrides from the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub api_url: Option<String>,
    pub environment_id: Option<String>,
    pub read_only: bool,
    pub refresh_secs: Option<u64>,
}

/// `$XDG_CONFIG_HOME/flexwallet/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("config.toml"))
}

impl ConfigFile {
    pub fn parse(text: &str, file: &Path) -> Result<ConfigFile, ConfigError> {
        let located = |offset: Option<usize>, key: String, message: String| ConfigError {
            file: file.to_path_buf(),
            line: offset.map(|o| line_of(text, o)),
            key: if key.is_empty() { "(file)".into() } else { key },
            message,
        };
        let Some(index) = KeyIndex::build(text) else {
            // Not TOML at all: the parser's own error has the place.
            let err = match DeTable::parse(text) {
                Err(e) => e,
                Ok(_) => return Err(located(None, String::new(), "cannot parse".into())),
            };
            let offset = err.span().map(|s| s.start);
            let key = offset.map(|o| key_on_line(text, o)).unwrap_or_default();
            return Err(located(offset, key, err.message().trim().to_string()));
        };
        let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start);
            let key = offset
                .and_then(|o| index.key_at(o).map(str::to_string))
                .or_else(|| offset.map(|o| key_on_line(text, o)))
                .unwrap_or_default();
            located(offset, key, e.message().trim().to_string())
        })?;
        for (name, p) in &cfg.profiles {
            let err = |key: &str, message: String| {
                let dotted = format!("profiles.{name}.{key}");
                located(index.offset_of(&dotted), dotted, message)
            };
            if p.api_key_env.is_some() && p.api_key_command.is_some() {
                return Err(err(
                    "api_key_command",
                    "set api_key_env or api_key_command, not both".into(),
                ));
            }
            if let Some(secs) = p.api_key_command_timeout_secs {
                if p.api_key_command.is_none() {
                    return Err(err(
                        "api_key_command_timeout_secs",
                        "only means something with api_key_command".into(),
                    ));
                }
                if !(1..=MAX_KEY_COMMAND_SECS).contains(&secs) {
                    return Err(err(
                        "api_key_command_timeout_secs",
                        format!("{secs} is not from 1 to {MAX_KEY_COMMAND_SECS} seconds"),
                    ));
                }
            }
            if let Some(var) = &p.api_key_env
                && !is_env_var_name(var)
            {
                // A key pasted where the variable's name belongs must not stay in the file
                // unnoticed; the message does not repeat it.
                return Err(err(
                    "api_key_env",
                    "must name an environment variable (like FLEXPRICE_API_KEY), not hold the key".into(),
                ));
            }
            if let Some(url) = &p.api_url
                && !reqwest::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            {
                let shown = crate::api::text::without_userinfo(url);
                return Err(err("api_url", format!("{shown:?} is not an http(s) URL")));
            }
            if let Some(DecimalText(c)) = &p.confirm_above
                && crate::money::parse_amount(c, crate::money::STORED_SCALE).is_err()
            {
                return Err(err(
                    "confirm_above",
                    format!("{c} is not a positive decimal (e.g. confirm_above = 1000)"),
                ));
            }
            if let Some(mb) = p.max_reply_mb
                && !(1..=MAX_REPLY_MB).contains(&mb)
            {
                return Err(err(
                    "max_reply_mb",
                    format!("{mb} is out of range: 1 to {MAX_REPLY_MB} MB"),
                ));
            }
            if let Some(secs) = p.refresh_secs
                && secs > MAX_REFRESH_SECS
            {
                return Err(err(
                    "refresh_secs",
                    format!("{secs} is out of range: 0 (off) to {MAX_REFRESH_SECS} seconds"),
                ));
            }
        }
        if let Some(d) = &cfg.default_profile
            && !cfg.profiles.contains_key(d)
        {
            return Err(located(
                index.offset_of("default_profile"),
                "default_profile".into(),
                format!("no profile named {d:?} ({})", known(&cfg, d)),
            ));
        }
        Ok(cfg)
    }

    /// Reads and parses `path`; `None` when there is no such file. A file others may write is
    /// refused: it names the command that prints the API key, and the URL the key goes to.
    pub fn load(path: &Path) -> Result<Option<(ConfigFile, String)>, ConfigError> {
        let whole = |message: String| ConfigError {
            file: path.to_path_buf(),
            line: None,
            key: "(file)".into(),
            message,
        };
        let mut file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(whole(format!("cannot read: {e}"))),
        };
        let meta = file.metadata().map_err(|e| whole(format!("cannot read: {e}")))?;
        check_not_writable_by_others(path, &meta).map_err(whole)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text)
            .map_err(|e| whole(format!("cannot read: {e}")))?;
        Ok(Some((ConfigFile::parse(&text, path)?, text)))
    }
}

/// A plausible variable name, and not something that looks like a pasted key.
fn is_env_var_name(var: &str) -> bool {
    let mut chars = var.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !var.starts_with("sk_")
}

/// "known: prod, staging; did you mean staging?" for a profile name that is not there.
fn known(cfg: &ConfigFile, wanted: &str) -> String {
    if cfg.profiles.is_empty() {
        return "the file defines no [profiles.NAME]".into();
    }
    let names = cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ");
    match closest_profile(cfg, wanted) {
        Some(near) => format!("known: {names}; did you mean {near:?}?"),
        None => format!("known: {names}"),
    }
}

fn closest_profile<'a>(cfg: &'a ConfigFile, wanted: &str) -> Option<&'a str> {
    cfg.profiles
        .keys()
        .map(|k| (distance(k, wanted), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 3))
        .min()
        .map(|(_, k)| k.as_str())
}

/// Reads the environment through a function so tests need not touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Resolves settings from an optional config file, the environment and flags.
pub fn resolve(
    file: Option<(&Path, &ConfigFile, &str)>,
    env: EnvLookup,
    flags: &Overrides,
) -> Result<Settings, ConfigError> {
    resolve_cancellable(file, env, flags, &CancellationToken::new())
}

/// [`resolve`], its `api_key_command` stopped as soon as `cancel` fires (the console's
/// `:profile` was superseded or the console quit).
pub fn resolve_cancellable(
    file: Option<(&Path, &ConfigFile, &str)>,
    env: EnvLookup,
    flags: &Overrides,
    cancel: &CancellationToken,
) -> Result<Settings, ConfigError> {
    let empty = ConfigFile::default();
    let (path, cfg, text) = match file {
        Some((p, c, t)) => (p.to_path_buf(), c, t),
        None => (
            default_config_path().unwrap_or_else(|| PathBuf::from("config.toml")),
            &empty,
            "",
        ),
    };
    let index = KeyIndex::build(text);
    let line_of_dotted = |dotted: &str| {
        index
            .as_ref()
            .and_then(|i| i.offset_of(dotted))
            .map(|o| line_of(text, o))
    };
    let name = flags.profile.clone().or_else(|| cfg.default_profile.clone());
    let profile = match &name {
        Some(n) => match cfg.profiles.get(n) {
            Some(p) => p.clone(),
            None if file.is_none() => {
                return Err(ConfigError {
                    file: path,
                    line: None,
                    key: format!("profiles.{n}"),
                    message: format!("--profile {n}: there is no config file to define it"),
                });
            }
            None => {
                // Point at the profile most likely meant, else at the first profile.
                let near = closest_profile(cfg, n)
                    .or_else(|| cfg.profiles.keys().next().map(String::as_str))
                    .map(|k| format!("profiles.{k}"));
                return Err(ConfigError {
                    file: path,
                    line: near.as_deref().and_then(line_of_dotted),
                    key: format!("profiles.{n}"),
                    message: format!("--profile {n}: no profile named {n:?} ({})", known(cfg, n)),
                });
            }
        },
        None => Profile::default(),
    };
    let table = name.as_ref().map(|n| format!("profiles.{n}")).unwrap_or_default();
    let located = |key: &str, message: String| {
        let dotted = format!("{table}.{key}");
        ConfigError {
            file: path.clone(),
            line: line_of_dotted(&dotted),
            key: dotted,
            message,
        }
    };

    let mut api_key = None;
    let mut key_source = "no key set".to_string();
    if let Some(var) = &profile.api_key_env {
        api_key = env(var).map(SecretString::from);
        key_source = format!("{var} (api_key_env)");
        if api_key.is_none() && env(ENV_API_KEY).is_none() {
            return Err(located(
                "api_key_env",
                format!("environment variable {var} is not set"),
            ));
        }
    }
    if let Some(cmd) = &profile.api_key_command
        && env(ENV_API_KEY).is_none()
    {
        let timeout = profile
            .api_key_command_timeout_secs
            .map_or(key_command::DEFAULT_TIMEOUT, Duration::from_secs);
        let key =
            key_command::run(cmd, timeout, cancel).map_err(|e| located("api_key_command", e.to_string()))?;
        api_key = Some(key);
        key_source = "api_key_command".into();
    }
    if let Some(k) = env(ENV_API_KEY) {
        api_key = Some(SecretString::from(k));
        key_source = ENV_API_KEY.into();
    }

    let api_url = flags
        .api_url
        .clone()
        .or_else(|| env(ENV_API_URL))
        .or(profile.api_url)
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let environment_id = flags
        .environment_id
        .clone()
        .or_else(|| env(ENV_ENVIRONMENT_ID))
        .or(profile.environment_id);
    let confirm_above = profile
        .confirm_above
        .as_ref()
        .and_then(|c| crate::money::parse_amount(&c.0, crate::money::STORED_SCALE).ok());
    Ok(Settings {
        profile: name,
        api_url,
        environment_id,
        api_key,
        key_source,
        read_only: flags.read_only || profile.read_only,
        refresh_secs: flags
            .refresh_secs
            .or(profile.refresh_secs)
            .unwrap_or(DEFAULT_REFRESH_SECS),
        confirm_above,
        max_reply_mb: profile
            .max_reply_mb
            .unwrap_or(crate::api::client::DEFAULT_MAX_REPLY_MB),
    })
}

/// Loads the config file (the given path, or the default one if it exists) and resolves.
pub fn load_settings(config_path: Option<&Path>, flags: &Overrides) -> Result<Settings, ConfigError> {
    load_settings_cancellable(config_path, flags, &CancellationToken::new())
}

/// [`load_settings`], its `api_key_command` stopped as soon as `cancel` fires.
pub fn load_settings_cancellable(
    config_path: Option<&Path>,
    flags: &Overrides,
    cancel: &CancellationToken,
) -> Result<Settings, ConfigError> {
    let path = config_path.map(Path::to_path_buf).or_else(default_config_path);
    let loaded = match &path {
        Some(p) => {
            let loaded = ConfigFile::load(p)?;
            if loaded.is_none() && config_path.is_some() {
                return Err(ConfigError {
                    file: p.clone(),
                    line: None,
                    key: "(file)".into(),
                    message: "no such file".into(),
                });
            }
            loaded
        }
        None => None,
    };
    match (&path, &loaded) {
        (Some(p), Some((cfg, text))) => {
            resolve_cancellable(Some((p, cfg, text)), &process_env, flags, cancel)
        }
        _ => resolve_cancellable(None, &process_env, flags, cancel),
    }
}

/// `--keymap PATH` if given (it must exist), else the config directory's keymap.toml if there
/// is one, else the built-in keymap. The core parses; reading the file is the binary's job.
pub fn load_keymap(
    explicit: Option<&Path>,
    config_dir_file: Option<PathBuf>,
) -> Result<flexwallet_core::keymap::Keymap, flexwallet_core::keymap::KeymapError> {
    use flexwallet_core::keymap::{Keymap, KeymapError};
    let path = match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => config_dir_file.filter(|p| p.exists()),
    };
    match path {
        None => Keymap::builtin(),
        Some(p) => {
            let text = std::fs::read_to_string(&p).map_err(|e| KeymapError {
                file: p.display().to_string(),
                line: 0,
                token: String::new(),
                message: format!("cannot read: {e}"),
            })?;
            Keymap::with_overrides(&text, &p)
        }
    }
}
