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

/// Creates a file the tool writes for its user (exports, results): readable by that user only
/// (0600). With `replace` an existing file is truncated (the local console's `:export` to a
/// path its user typed); without, an existing name is refused rather than overwritten, and a
/// symlink is never followed (the files of a `serve` operator).
pub fn create_private(path: &std::path::Path, replace: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        // O_CREAT|O_EXCL: an existing name, symlink included, fails with AlreadyExists.
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        if !replace {
            options.custom_flags(libc::O_NOFOLLOW);
        }
    }
    options.open(path)
}

/// Opens a file to read; with `no_follow`, a symlink is refused instead of followed.
pub fn open_to_read(path: &std::path::Path, no_follow: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if no_follow {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}
