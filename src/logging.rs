//! Tracing to a file under the state directory: never to the terminal while the console runs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// Starts file logging; returns the log file's path. `level` wins over `RUST_LOG`.
pub fn init(dir: &Path, level: Option<&str>) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("flexwallet.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    let filter = match level {
        Some(l) => EnvFilter::try_new(format!("flexwallet={l}")),
        None => EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new("flexwallet=info")),
    }
    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("bad log level: {e}")))?;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(path)
}
