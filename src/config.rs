//! Profiles from `config.toml`, environment overrides, flag overrides, and XDG paths.
//!
//! Precedence, lowest first: profile → `FLEXPRICE_*` environment variables → command-line flags.
//! The API key only ever lives in a `SecretString`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::SecretString;
use serde::Deserialize;

use crate::api::client::DEFAULT_API_URL;

pub const ENV_API_KEY: &str = "FLEXPRICE_API_KEY";
pub const ENV_API_URL: &str = "FLEXPRICE_API_URL";
pub const ENV_ENVIRONMENT_ID: &str = "FLEXPRICE_ENVIRONMENT_ID";
pub const DEFAULT_REFRESH_SECS: u64 = 5;

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
    /// Shell command printing the key (a password manager, a vault CLI).
    pub api_key_command: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    pub refresh_secs: Option<u64>,
    /// Above this many credits (or amount) a top-up must be confirmed by typing it.
    pub confirm_above: Option<String>,
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
    pub read_only: bool,
    pub refresh_secs: u64,
    pub confirm_above: Option<rust_decimal::Decimal>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("profile", &self.profile)
            .field("api_url", &self.api_url)
            .field("environment_id", &self.environment_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("read_only", &self.read_only)
            .field("refresh_secs", &self.refresh_secs)
            .finish()
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

pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("io", "flexprice", "flexwallet")
}

/// `$XDG_CONFIG_HOME/flexwallet/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("config.toml"))
}

/// `$XDG_STATE_HOME/flexwallet`: logs, the audit log, bulk journals.
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").unwrap_or_else(|| std::env::temp_dir().join("flexwallet"))
}

/// XDG on every Unix (operators' jump hosts), the platform's own place elsewhere.
fn xdg_dir(var: &str, home_rel: &str) -> Option<PathBuf> {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(v).join("flexwallet"));
    }
    if cfg!(unix) {
        return directories::BaseDirs::new().map(|b| b.home_dir().join(home_rel).join("flexwallet"));
    }
    project_dirs().map(|p| p.config_dir().to_path_buf())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Dotted key at a byte offset: the nearest `[table]` header above plus the key on that line.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let line = &text[line_start..line_end];
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let trimmed = line.trim();
    let key = if trimmed.starts_with('[') {
        trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_string()
    } else {
        trimmed
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches('"')
            .to_string()
    };
    match header {
        Some(h) if !trimmed.starts_with('[') && !key.is_empty() => format!("{h}.{key}"),
        _ => key,
    }
}

/// Line of `key = …` inside `[table]` (for errors found after parsing).
fn line_of_key(text: &str, table: &str, key: &str) -> Option<usize> {
    let mut in_table = table.is_empty();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('[') {
            in_table = l.trim_matches(|c| c == '[' || c == ']').trim() == table;
            continue;
        }
        if in_table && l.split('=').next().map(|k| k.trim().trim_matches('"')) == Some(key) {
            return Some(i + 1);
        }
    }
    None
}

impl ConfigFile {
    pub fn parse(text: &str, file: &Path) -> Result<ConfigFile, ConfigError> {
        let cfg: ConfigFile = toml::from_str(text).map_err(|e| {
            let span = e.span();
            let (line, key) = match span {
                Some(s) => (Some(line_of(text, s.start)), key_at(text, s.start)),
                None => (None, String::new()),
            };
            ConfigError {
                file: file.to_path_buf(),
                line,
                key: if key.is_empty() { "(file)".into() } else { key },
                message: e.message().trim().to_string(),
            }
        })?;
        for (name, p) in &cfg.profiles {
            let table = format!("profiles.{name}");
            let err = |key: &str, message: String| ConfigError {
                file: file.to_path_buf(),
                line: line_of_key(text, &table, key),
                key: format!("{table}.{key}"),
                message,
            };
            if p.api_key_env.is_some() && p.api_key_command.is_some() {
                return Err(err(
                    "api_key_command",
                    "set api_key_env or api_key_command, not both".into(),
                ));
            }
            if let Some(url) = &p.api_url
                && reqwest::Url::parse(url).is_err()
            {
                return Err(err("api_url", format!("{url:?} is not a URL")));
            }
            if let Some(c) = &p.confirm_above
                && crate::money::parse_amount(c, crate::money::STORED_SCALE).is_err()
            {
                return Err(err("confirm_above", format!("{c:?} is not a positive decimal")));
            }
        }
        if let Some(d) = &cfg.default_profile
            && !cfg.profiles.contains_key(d)
        {
            return Err(ConfigError {
                file: file.to_path_buf(),
                line: line_of_key(text, "", "default_profile"),
                key: "default_profile".into(),
                message: format!("no profile named {d:?} ({})", known(&cfg)),
            });
        }
        Ok(cfg)
    }

    pub fn load(path: &Path) -> Result<Option<(ConfigFile, String)>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some((ConfigFile::parse(&text, path)?, text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError {
                file: path.to_path_buf(),
                line: None,
                key: "(file)".into(),
                message: format!("cannot read: {e}"),
            }),
        }
    }
}

fn known(cfg: &ConfigFile) -> String {
    if cfg.profiles.is_empty() {
        "the file defines no [profiles.NAME]".into()
    } else {
        format!(
            "known: {}",
            cfg.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    }
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
    let empty = ConfigFile::default();
    let (path, cfg, text) = match file {
        Some((p, c, t)) => (p.to_path_buf(), c, t),
        None => (
            default_config_path().unwrap_or_else(|| PathBuf::from("config.toml")),
            &empty,
            "",
        ),
    };
    let name = flags.profile.clone().or_else(|| cfg.default_profile.clone());
    let profile = match &name {
        Some(n) => match cfg.profiles.get(n) {
            Some(p) => p.clone(),
            None => {
                return Err(ConfigError {
                    file: path,
                    line: None,
                    key: format!("profiles.{n}"),
                    message: format!("no profile named {n:?} ({})", known(cfg)),
                });
            }
        },
        None => Profile::default(),
    };
    let table = name.as_ref().map(|n| format!("profiles.{n}")).unwrap_or_default();
    let located = |key: &str, message: String| ConfigError {
        file: path.clone(),
        line: line_of_key(text, &table, key),
        key: format!("{table}.{key}"),
        message,
    };

    let mut api_key = None;
    if let Some(var) = &profile.api_key_env {
        api_key = env(var).map(SecretString::from);
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
        let out = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .output()
            .map_err(|e| located("api_key_command", format!("cannot run: {e}")))?;
        if !out.status.success() {
            return Err(located(
                "api_key_command",
                format!("the command failed ({})", out.status),
            ));
        }
        let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if key.is_empty() {
            return Err(located("api_key_command", "the command printed nothing".into()));
        }
        api_key = Some(SecretString::from(key));
    }
    if let Some(k) = env(ENV_API_KEY) {
        api_key = Some(SecretString::from(k));
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
        .as_deref()
        .and_then(|c| crate::money::parse_amount(c, crate::money::STORED_SCALE).ok());
    Ok(Settings {
        profile: name,
        api_url,
        environment_id,
        api_key,
        read_only: flags.read_only || profile.read_only,
        refresh_secs: flags
            .refresh_secs
            .or(profile.refresh_secs)
            .unwrap_or(DEFAULT_REFRESH_SECS),
        confirm_above,
    })
}

/// Loads the config file (the given path, or the default one if it exists) and resolves.
pub fn load_settings(config_path: Option<&Path>, flags: &Overrides) -> Result<Settings, ConfigError> {
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
        (Some(p), Some((cfg, text))) => resolve(Some((p, cfg, text)), &process_env, flags),
        _ => resolve(None, &process_env, flags),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn p() -> PathBuf {
        PathBuf::from("/etc/fw/config.toml")
    }

    #[test]
    fn precedence_profile_env_flags() {
        let text = r#"
default_profile = "prod"
[profiles.prod]
api_url = "https://a.example/v1"
environment_id = "env_file"
api_key_env = "PROD_KEY"
refresh_secs = 9
"#;
        let cfg = ConfigFile::parse(text, &p()).unwrap();
        let env = |k: &str| match k {
            "PROD_KEY" => Some("sk_prod".to_string()),
            ENV_ENVIRONMENT_ID => Some("env_var".to_string()),
            _ => None,
        };
        let s = resolve(Some((&p(), &cfg, text)), &env, &Overrides::default()).unwrap();
        assert_eq!(s.api_url, "https://a.example/v1");
        assert_eq!(s.environment_id.as_deref(), Some("env_var"));
        assert_eq!(
            s.api_key
                .as_ref()
                .map(|k| k.expose_secret().to_string())
                .as_deref(),
            Some("sk_prod")
        );
        assert_eq!(s.refresh_secs, 9);
        let flags = Overrides {
            environment_id: Some("env_flag".into()),
            refresh_secs: Some(0),
            ..Default::default()
        };
        let s = resolve(Some((&p(), &cfg, text)), &env, &flags).unwrap();
        assert_eq!(s.environment_id.as_deref(), Some("env_flag"));
        assert_eq!(s.refresh_secs, 0);
    }

    #[test]
    fn api_key_command_is_run() {
        let text = "[profiles.x]\napi_key_command = \"echo sk_from_cmd\"\n";
        let cfg = ConfigFile::parse(text, &p()).unwrap();
        let flags = Overrides {
            profile: Some("x".into()),
            ..Default::default()
        };
        let s = resolve(Some((&p(), &cfg, text)), &|_| None, &flags).unwrap();
        assert_eq!(
            s.api_key.map(|k| k.expose_secret().to_string()).as_deref(),
            Some("sk_from_cmd")
        );
    }
}
