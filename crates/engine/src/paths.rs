//! Where flexwallet keeps its state on disk (the XDG directories, the log's file name) and how
//! it creates what it keeps there: directories 0700, files 0600, for the user only.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

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

/// Creates `dir` and the parents it lacks, each new one readable by the user only (0700): the
/// state directory, `jobs/`, the directory of a journal or of the audit log. A directory that
/// is already there keeps its mode (it may be shared on purpose).
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// [`create_private_dir`] for the directory `file` goes in (nothing for a bare file name).
pub fn create_private_parent(file: &Path) -> std::io::Result<()> {
    match file.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => create_private_dir(dir),
        None => Ok(()),
    }
}

/// How [`open_private`] treats a file that is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Truncate it and write it again (made 0600 if it was not).
    Replace,
    /// Refuse it (`AlreadyExists`), symlink included: a new name only.
    Refuse,
    /// Append to it (a log); created 0600 if missing.
    Append,
}

/// Opens a file the tool writes for its user (logs, the audit log, journals, exports,
/// results), creating it readable by that user only (0600). Its directory must exist (see
/// [`create_private_parent`]): a path typed by hand is not made into directories.
pub fn open_private(path: &Path, existing: Existing) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    match existing {
        Existing::Replace => options.write(true).create(true).truncate(true),
        // O_CREAT|O_EXCL: an existing name, symlink included, fails with AlreadyExists.
        Existing::Refuse => options.write(true).create_new(true),
        Existing::Append => options.append(true).create(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        if existing == Existing::Refuse {
            options.custom_flags(libc::O_NOFOLLOW);
        }
    }
    let file = options.open(path)?;
    // The mode above only applies to a new file: one being rewritten is made private too.
    // Best effort: a file of another user's that we may write keeps its owner's choice.
    #[cfg(unix)]
    if existing == Existing::Replace {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    Ok(file)
}

/// Creates a file the tool writes for its user (exports, results): readable by that user only
/// (0600). With `replace` an existing file is truncated (the local console's `:export` to a
/// path its user typed); without, an existing name is refused rather than overwritten, and a
/// symlink is never followed (the files of a `serve` operator).
pub fn create_private(path: &Path, replace: bool) -> std::io::Result<File> {
    let existing = if replace {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    open_private(path, existing)
}

/// Refuses a file that users other than its owner may change (the config file, which names
/// the command that prints the API key; the operators file, which grants roles), with its mode
/// and the fix: `group-writable (mode 0664), so others could change it; run chmod go-w FILE`
/// (the caller puts the file's name in front).
pub fn check_not_writable_by_others(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
            (false, false) => return Ok(()),
            (true, false) => "group-writable",
            (false, true) => "world-writable",
            (true, true) => "group- and world-writable",
        };
        Err(format!(
            "{who} (mode {mode:04o}), so others could change it; run chmod go-w {}",
            path.display()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, meta);
        Ok(())
    }
}

/// Opens a file to read; with `no_follow`, a symlink is refused instead of followed.
pub fn open_to_read(path: &Path, no_follow: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if no_follow {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}
