//! Tracing to a file under the state directory: never to the terminal while the console runs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

pub use flexwallet_engine::paths::LOG_FILE;

/// The filter for `--log-level`: a bare level (`debug`) applies to flexwallet only, so the HTTP
/// stack stays quiet; a full directive (`info,hyper=debug`) is taken as written.
pub fn filter(level: Option<&str>) -> Result<EnvFilter, String> {
    let parsed = match level {
        Some(l) if l.contains('=') || l.contains(',') => EnvFilter::try_new(l),
        Some(l) => EnvFilter::try_new(format!("flexwallet={l}")),
        None => EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new("flexwallet=info")),
    };
    parsed.map_err(|e| format!("bad log level {:?}: {e}", level.unwrap_or("$RUST_LOG")))
}

/// Starts file logging in `dir` (created 0700 if needed); returns the log file's path. `level`
/// (from `--log-level`) wins over `RUST_LOG`. The file is private to the user: wallet ids and
/// amounts are business data even though the API key is never logged.
pub fn init(dir: &Path, level: Option<&str>) -> std::io::Result<PathBuf> {
    let filter = filter(level).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    use flexwallet_engine::paths::{Existing, create_private_dir, open_private};
    create_private_dir(dir)?;
    let path = dir.join(LOG_FILE);
    let file = open_private(&path, Existing::Append)?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(path)
}
