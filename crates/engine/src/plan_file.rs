//! A plan's CSV read from disk, within the size the bulk reader accepts.

use std::io::Read;
use std::path::Path;

use flexwallet_bulk::limits::{MAX_FILE_BYTES, grouped};

/// The bytes of the CSV at `path`; with `no_follow`, a symlink is refused (a `serve`
/// operator's file). A file beyond [`MAX_FILE_BYTES`] is refused before it is read, and one
/// that grows while read (or a pipe) is read no further than one byte past the bound, which
/// the reader then refuses.
pub fn read(path: &Path, no_follow: bool) -> std::io::Result<Vec<u8>> {
    let file = crate::paths::open_to_read(path, no_follow)?;
    let len = file.metadata()?.len();
    if len > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file is {} bytes: at most {} (split it into several jobs)",
                grouped(usize::try_from(len).unwrap_or(usize::MAX)),
                grouped(MAX_FILE_BYTES as usize)
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}
