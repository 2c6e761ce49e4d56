//! Where flexwallet keeps its state on disk: the XDG directories, the log's file name.

use std::path::PathBuf;

/// The log's file name inside the state directory.
pub const LOG_FILE: &str = "flexwallet.log";

pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("io", "flexprice", "flexwallet")
}

/// `$XDG_STATE_HOME/flexwallet`: logs, the audit log, bulk journals.
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state").unwrap_or_else(|| std::env::temp_dir().join("flexwallet"))
}

/// XDG on every Unix (operators' jump hosts), the platform's own place elsewhere.
pub fn xdg_dir(var: &str, home_rel: &str) -> Option<PathBuf> {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(v).join("flexwallet"));
    }
    if cfg!(unix) {
        return directories::BaseDirs::new().map(|b| b.home_dir().join(home_rel).join("flexwallet"));
    }
    project_dirs().map(|p| p.config_dir().to_path_buf())
}
