//! The authorized operators file: which public key is which operator, with which role; read at
//! start and again whenever it changes (a bad version keeps the last good one).
//!
//! ```toml
//! [[operator]]
//! name = "alice"
//! role = "operator"            # viewer | operator | admin
//! key = "ssh-ed25519 AAAA... alice@laptop"
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use russh::keys::{HashAlg, PublicKey};
use serde::Deserialize;
use tokio::sync::watch;
use toml::Spanned;

/// What an operator may do in the console: the core's permission gate decides from it.
pub use flexwallet_core::app::Role;

/// One operator of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    pub name: String,
    pub role: Role,
    pub key: PublicKey,
    /// `SHA256:…`, as `ssh-keygen -lf` prints it.
    pub fingerprint: String,
}

/// The file's operators, looked up by key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authorized {
    operators: Vec<Arc<Operator>>,
}

/// A bad authorized file: `file:line: what is wrong`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct AuthorizedError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    operator: Vec<RawOperator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperator {
    name: Spanned<String>,
    role: Spanned<String>,
    key: Spanned<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

impl Authorized {
    pub fn parse(text: &str, file: &Path) -> Result<Authorized, AuthorizedError> {
        let err = |offset: usize, message: String| AuthorizedError {
            file: file.to_path_buf(),
            line: line_of(text, offset),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            err(offset, e.message().trim().to_string())
        })?;
        let mut operators = Vec::new();
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut keys: HashMap<String, String> = HashMap::new();
        for op in raw.operator {
            let name = op.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(err(op.name.span().start, "operator: name is empty".into()));
            }
            if let Some(line) = names.insert(name.clone(), line_of(text, op.name.span().start)) {
                return Err(err(
                    op.name.span().start,
                    format!("operator {name:?}: the name is already used on line {line}"),
                ));
            }
            let role = Role::parse(op.role.get_ref().trim()).ok_or_else(|| {
                err(
                    op.role.span().start,
                    format!(
                        "operator {name:?}: unknown role {:?} (expected viewer, operator or admin)",
                        op.role.get_ref()
                    ),
                )
            })?;
            let key = PublicKey::from_openssh(op.key.get_ref().trim()).map_err(|e| {
                err(
                    op.key.span().start,
                    format!("operator {name:?}: bad key ({e}): expected one line of a .pub file, \"ssh-ed25519 AAAA… comment\""),
                )
            })?;
            let fingerprint = fingerprint(&key);
            if let Some(other) = keys.insert(fingerprint.clone(), name.clone()) {
                return Err(err(
                    op.key.span().start,
                    format!("operator {name:?}: this key is already operator {other:?}'s"),
                ));
            }
            operators.push(Arc::new(Operator {
                name,
                role,
                key,
                fingerprint,
            }));
        }
        Ok(Authorized { operators })
    }

    /// Reads and parses `file`. A file others may write is refused: whoever can write it can
    /// make themselves an admin.
    pub fn load(file: &Path) -> Result<Authorized, AuthorizedError> {
        let whole = |message: String| AuthorizedError {
            file: file.to_path_buf(),
            line: 0,
            message,
        };
        let unreadable = |e: std::io::Error| whole(format!("cannot read the authorized operators file: {e}"));
        let mut f = std::fs::File::open(file).map_err(unreadable)?;
        let meta = f.metadata().map_err(unreadable)?;
        crate::bulk::paths::check_not_writable_by_others(file, &meta).map_err(whole)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).map_err(unreadable)?;
        Authorized::parse(&text, file)
    }

    /// The operator whose key this is (the key material is compared, not the comment).
    pub fn find(&self, key: &PublicKey) -> Option<Arc<Operator>> {
        self.operators
            .iter()
            .find(|o| o.key.key_data() == key.key_data())
            .cloned()
    }

    pub fn len(&self) -> usize {
        self.operators.len()
    }

    pub fn is_empty(&self) -> bool {
        self.operators.is_empty()
    }
}

/// The file's identity for change detection: modification time, length and mode (a file made
/// writable by others is read again, and refused).
fn stamp(file: &Path) -> Option<(SystemTime, u64, u32)> {
    let meta = std::fs::metadata(file).ok()?;
    #[cfg(unix)]
    let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
    #[cfg(not(unix))]
    let mode = 0;
    Some((meta.modified().ok()?, meta.len(), mode))
}

/// Loads the file (an error here stops the server) and then polls it every `every`: a changed
/// file is read again once it has held still for a poll (a file caught halfway through being
/// written, empty or cut short, never becomes the operators); a bad one is reported and the
/// last good operators stay in force.
pub fn watch(file: PathBuf, every: Duration) -> Result<watch::Receiver<Arc<Authorized>>, AuthorizedError> {
    let first = Authorized::load(&file)?;
    if first.is_empty() {
        tracing::warn!(file = %file.display(), "no operator in the authorized file: every login is refused");
    }
    let (tx, rx) = watch::channel(Arc::new(first));
    let mut seen = stamp(&file);
    let mut settling = seen;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if tx.is_closed() {
                break;
            }
            let now = stamp(&file);
            if now == seen {
                continue;
            }
            if now != settling {
                // Changed since the last poll: read it when it stops changing.
                settling = now;
                continue;
            }
            seen = now;
            match Authorized::load(&file) {
                Ok(next) => {
                    tracing::info!(file = %file.display(), operators = next.len(), "authorized operators reloaded");
                    tx.send_replace(Arc::new(next));
                }
                Err(e) => {
                    tracing::error!(error = %e, "bad authorized operators file: keeping the last good one");
                    eprintln!("flexwallet serve: {e} (keeping the last good operators)");
                }
            }
        }
    });
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f alice@laptop";

    fn parse(text: &str) -> Result<Authorized, AuthorizedError> {
        Authorized::parse(text, Path::new("ops.toml"))
    }

    #[test]
    fn operators_are_found_by_key_with_their_role() {
        let text = format!("[[operator]]\nname = \"alice\"\nrole = \"operator\"\nkey = \"{ALICE}\"\n");
        let auth = parse(&text).unwrap();
        let key = PublicKey::from_openssh(ALICE).unwrap();
        let alice = auth.find(&key).unwrap();
        assert_eq!(alice.name, "alice");
        assert_eq!(alice.role, Role::Operator);
        assert!(alice.fingerprint.starts_with("SHA256:"));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let bad_role = format!("[[operator]]\nname = \"alice\"\nrole = \"root\"\nkey = \"{ALICE}\"\n");
        let e = parse(&bad_role).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.to_string()
                .starts_with("ops.toml:3: operator \"alice\": unknown role \"root\""),
            "{e}"
        );

        let bad_key = "[[operator]]\nname = \"bob\"\nrole = \"admin\"\n\nkey = \"ssh-ed25519 nonsense\"\n";
        let e = parse(bad_key).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        assert!(e.message.contains("bad key"), "{e}");

        let syntax = "[[operator]]\nname = \"bob\"\nrole = admin\n";
        assert_eq!(parse(syntax).unwrap_err().line, 3);

        let unknown = "[[operator]]\nname = \"bob\"\nrole = \"admin\"\nkey = \"x\"\nshell = \"/bin/sh\"\n";
        let e = parse(unknown).unwrap_err();
        assert!(e.message.contains("shell"), "{e}");

        let twice = format!(
            "[[operator]]\nname = \"a\"\nrole = \"admin\"\nkey = \"{ALICE}\"\n[[operator]]\nname = \"b\"\nrole = \"viewer\"\nkey = \"{ALICE}\"\n"
        );
        let e = parse(&twice).unwrap_err();
        assert_eq!(e.line, 8);
        assert!(e.message.contains("already operator \"a\"'s"), "{e}");
    }
}
