//! The server's SSH host key: generated (Ed25519) on first start, kept owner-only, and refused
//! if others can read it, as OpenSSH refuses an unprotected private key.

use std::io::Write;
use std::path::{Path, PathBuf};

use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;

/// `$XDG_STATE_HOME/flexwallet/ssh_host_ed25519_key`.
pub fn default_path() -> PathBuf {
    crate::config::state_dir().join("ssh_host_ed25519_key")
}

/// Reads the key at `path`, or creates one there (mode 0600, its directory 0700) if none exists.
pub fn load_or_generate(path: &Path) -> Result<PrivateKey, String> {
    match std::fs::metadata(path) {
        Ok(meta) => {
            check_private(path, &meta)?;
            PrivateKey::read_openssh_file(path)
                .map_err(|e| format!("reading the host key {}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => generate(path),
        Err(e) => Err(format!("reading the host key {}: {e}", path.display())),
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the host key {} can be read by others (mode {mode:o}): chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> Result<(), String> {
    Ok(())
}

fn generate(path: &Path) -> Result<PrivateKey, String> {
    let seed: [u8; 32] = rand::random();
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| format!("encoding the new host key: {e}"))?;
    let fail = |e: std::io::Error| format!("writing the new host key {}: {e}", path.display());
    crate::bulk::paths::create_private_parent(path).map_err(fail)?;
    let mut file = crate::bulk::paths::create_private(path, false).map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    tracing::info!(path = %path.display(), "generated the SSH host key");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_owner_only_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/host_key");
        let first = load_or_generate(&path).unwrap();
        let again = load_or_generate(&path).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = load_or_generate(&path).unwrap_err();
            assert!(e.contains("can be read by others"), "{e}");
        }
    }
}
