//! The audit log: one JSON line per attempted mutation and its outcome, appended and flushed.
//!
//! `$XDG_STATE_HOME/flexwallet/audit.jsonl` by default. Each record carries who (OS user), where
//! (profile, API host, environment), what (action, wallet, request body) and how it ended. The
//! API key is never part of any of these: request bodies are the JSON sent, not the headers.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::Serialize;

use flexprice_wire::models::{CreateWalletRequest, DebitRequest, TopUpRequest, UpdateWalletRequest};
use flexprice_wire::{ApiError, TopUpOutcome};

/// Where mutations go and who sends them: fixed for one process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditContext {
    pub user: String,
    pub profile: Option<String>,
    pub api_host: String,
    pub environment: Option<String>,
}

impl AuditContext {
    /// The OS user from the environment (`USER`, `LOGNAME`, `USERNAME`), else `unknown`.
    /// The account running flexwallet: the name of the process's user id (what `id -un`
    /// says, whatever the environment claims), else `$USER`/`$LOGNAME`, else `uid N`.
    pub fn os_user() -> String {
        // SAFETY: getuid cannot fail and has no preconditions.
        let uid = unsafe { libc::getuid() };
        uid_name(uid)
            .or_else(|| {
                ["USER", "LOGNAME"]
                    .iter()
                    .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
            })
            .unwrap_or_else(|| format!("uid {uid}"))
    }
}

/// The passwd entry's name for `uid`, if there is one.
fn uid_name(uid: libc::uid_t) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: a zeroed passwd is a valid value for getpwuid_r to fill.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and `buf.len()` is the buffer's size; on
    // success `found` points at `pwd`, whose strings live in `buf`.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: pw_name is a NUL-terminated string inside `buf`, which is still alive.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) }
        .to_string_lossy()
        .into_owned();
    (!name.is_empty()).then_some(name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Applied now.
    Ok,
    /// An earlier attempt with the same idempotency key had applied it (confirmed in the ledger).
    AlreadyApplied,
    /// Refused; nothing changed.
    Failed,
    /// Sent, but whether it was applied is not known.
    Unknown,
    /// Not sent (a bulk job stopped or put off the row): nothing changed, and resuming the job
    /// sends it.
    NotSent,
    /// About to be sent: written before the request leaves, so that nothing is sent unless its
    /// line could be written. The line after it for the same wallet (and idempotency key) says
    /// how it ended; none means the process stopped before it knew.
    Sending,
}

/// What kind of mutation a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    TopUp,
    UpdateWallet,
    /// `POST /wallets`: the line before it has no wallet id yet; the outcome's names the new one.
    CreateWallet,
    /// `POST /wallets/{id}/terminate`: the remaining credits debited, the wallet closed.
    TerminateWallet,
    /// `POST /wallets/{id}/debit` (`MANUAL_BALANCE_DEBIT`).
    Debit,
    /// A console of `flexwallet serve` ended by a bug (a panic): what it was doing may be cut.
    ConsoleCrashed,
}

/// How a request ended: the part of an audit line that follows from the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub outcome: AuditOutcome,
    pub http_status: Option<u16>,
    pub transaction_id: Option<String>,
    /// The invoice an invoiced top-up created: its credits stay pending until it is paid.
    pub invoice_id: Option<String>,
    pub error: Option<String>,
}

impl Ending {
    /// The line written before a request leaves (see [`AuditOutcome::Sending`]).
    pub fn sending() -> Ending {
        Ending {
            outcome: AuditOutcome::Sending,
            http_status: None,
            transaction_id: None,
            invoice_id: None,
            error: None,
        }
    }

    /// Refused, or sent with no answer: which one the error says.
    pub fn failed(e: &ApiError) -> Ending {
        Ending {
            outcome: if e.outcome_unknown() {
                AuditOutcome::Unknown
            } else {
                AuditOutcome::Failed
            },
            http_status: e.status(),
            transaction_id: None,
            invoice_id: None,
            error: Some(e.to_string()),
        }
    }

    /// A single top-up's answer.
    pub fn of_top_up(result: &Result<TopUpOutcome, ApiError>) -> Ending {
        match result {
            Ok(TopUpOutcome::Applied(r)) => Ending {
                outcome: AuditOutcome::Ok,
                http_status: Some(200),
                transaction_id: r.wallet_transaction.as_ref().map(|t| t.id.clone()),
                invoice_id: r.invoice_id.clone(),
                error: None,
            },
            Ok(TopUpOutcome::AlreadyApplied(t)) => Ending {
                outcome: AuditOutcome::AlreadyApplied,
                http_status: Some(409),
                transaction_id: Some(t.id.clone()),
                invoice_id: None,
                error: None,
            },
            Err(e) => Ending::failed(e),
        }
    }

    /// A wallet update's answer.
    pub fn of_update<T>(result: &Result<T, ApiError>) -> Ending {
        match result {
            Ok(_) => Ending {
                outcome: AuditOutcome::Ok,
                http_status: Some(200),
                transaction_id: None,
                invoice_id: None,
                error: None,
            },
            Err(e) => Ending::failed(e),
        }
    }
}

/// One mutation. `request` is the JSON body that was sent. Built by one constructor per kind
/// ([`AuditRecord::top_up`], [`AuditRecord::bulk_row`], [`AuditRecord::update_wallet`]), the
/// console's and the engine's alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRecord {
    pub action: AuditAction,
    pub wallet_id: String,
    pub request: serde_json::Value,
    pub outcome: AuditOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// An invoiced top-up's invoice (`inv_…`): the credits are pending until it is paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Bulk jobs: the job id and the row's CSV line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
}

impl AuditRecord {
    fn new(action: AuditAction, wallet_id: &str, request: serde_json::Value, end: Ending) -> AuditRecord {
        AuditRecord {
            action,
            wallet_id: wallet_id.to_string(),
            request,
            outcome: end.outcome,
            http_status: end.http_status,
            transaction_id: end.transaction_id,
            invoice_id: end.invoice_id,
            error: end.error,
            job: None,
            line: None,
            attempts: None,
        }
    }

    /// A console that panicked (over SSH: the server goes on); `error` is the panic's message.
    pub fn console_crashed(message: &str) -> AuditRecord {
        let end = Ending {
            outcome: AuditOutcome::Failed,
            http_status: None,
            transaction_id: None,
            invoice_id: None,
            error: Some(message.to_string()),
        };
        AuditRecord::new(AuditAction::ConsoleCrashed, "", serde_json::Value::Null, end)
    }

    /// A top-up of one wallet from the console.
    pub fn top_up(wallet_id: &str, request: &TopUpRequest, end: Ending) -> AuditRecord {
        AuditRecord::new(AuditAction::TopUp, wallet_id, to_json(request), end)
    }

    /// One row of a bulk job: its job, its line in the plan and how many attempts it took.
    pub fn bulk_row(
        job: &str,
        line: u64,
        attempts: u32,
        wallet_id: &str,
        request: &TopUpRequest,
        end: Ending,
    ) -> AuditRecord {
        AuditRecord {
            job: Some(job.to_string()),
            line: Some(line),
            attempts: Some(attempts),
            ..AuditRecord::new(AuditAction::TopUp, wallet_id, to_json(request), end)
        }
    }

    /// A new wallet (`wallet_id` empty until the answer names it).
    pub fn create_wallet(wallet_id: &str, request: &CreateWalletRequest, end: Ending) -> AuditRecord {
        AuditRecord::new(AuditAction::CreateWallet, wallet_id, to_json(request), end)
    }

    /// A wallet terminated (the request has no body).
    pub fn terminate_wallet(wallet_id: &str, end: Ending) -> AuditRecord {
        AuditRecord::new(
            AuditAction::TerminateWallet,
            wallet_id,
            serde_json::Value::Null,
            end,
        )
    }

    /// A manual debit.
    pub fn debit(wallet_id: &str, request: &DebitRequest, end: Ending) -> AuditRecord {
        AuditRecord::new(AuditAction::Debit, wallet_id, to_json(request), end)
    }

    /// An update of one wallet's settings.
    pub fn update_wallet(wallet_id: &str, request: &UpdateWalletRequest, end: Ending) -> AuditRecord {
        AuditRecord::new(AuditAction::UpdateWallet, wallet_id, to_json(request), end)
    }
}

/// A request body as JSON; these bodies are plain structs, so this cannot fail in practice, and
/// a line with an empty body still records the mutation.
fn to_json<T: Serialize>(request: &T) -> serde_json::Value {
    serde_json::to_value(request).unwrap_or_default()
}

/// The SSH operator behind a console of `flexwallet serve`: the name from the authorized file
/// and the SHA-256 fingerprint of the key they logged in with. Absent for the local console,
/// whose lines stay as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorTag {
    pub operator: String,
    pub key_fingerprint: String,
}

#[derive(Serialize)]
struct Line<'a> {
    time: DateTime<Utc>,
    #[serde(flatten)]
    context: &'a AuditContext,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    operator: Option<&'a OperatorTag>,
    #[serde(flatten)]
    record: &'a AuditRecord,
}

/// Why there is no audit log to write to: while it lasts, a console refuses every write (and
/// reads go on). Says the system's reason and the path, in that order so that a line cut at
/// the screen's edge keeps the reason: `audit log not writable (Permission denied):
/// /x/audit.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditUnwritable {
    pub path: PathBuf,
    pub reason: String,
}

impl AuditUnwritable {
    pub fn new(path: &Path, error: &std::io::Error) -> AuditUnwritable {
        // "Permission denied (os error 13)": the number says nothing to an operator.
        let text = error.to_string();
        let reason = match text.rsplit_once(" (os error ") {
            Some((reason, _)) if error.raw_os_error().is_some() => reason.to_string(),
            _ => text,
        };
        AuditUnwritable {
            path: path.to_path_buf(),
            reason,
        }
    }
}

impl std::fmt::Display for AuditUnwritable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit log not writable ({}): {}",
            self.reason,
            self.path.display()
        )
    }
}

impl std::error::Error for AuditUnwritable {}

/// The appender. Shared by reference (`Arc<Audit>`) between tasks: each `append` writes one
/// whole line under a lock, so lines from concurrent writers never interleave.
#[derive(Debug)]
pub struct Audit {
    path: PathBuf,
    context: AuditContext,
    operator: Option<OperatorTag>,
    file: Mutex<File>,
}

impl Audit {
    /// `$XDG_STATE_HOME/flexwallet/audit.jsonl`.
    pub fn default_path() -> PathBuf {
        crate::paths::state_dir().join("audit.jsonl")
    }

    /// Opens `path` for a console: its writes need it, so a failure says which file and why.
    pub fn open_for_writes(path: &Path, context: AuditContext) -> Result<Audit, AuditUnwritable> {
        Audit::open(path, context).map_err(|e| AuditUnwritable::new(path, &e))
    }

    pub fn open(path: &Path, context: AuditContext) -> std::io::Result<Audit> {
        // Who changed which wallet, and how: for the operators' eyes only, like the log.
        crate::paths::create_private_parent(path)?;
        let file = crate::paths::open_private(path, crate::paths::Existing::Append)?;
        Ok(Audit {
            path: path.to_path_buf(),
            context,
            operator: None,
            file: Mutex::new(file),
        })
    }

    /// The same log for one SSH operator's console: every line also names the operator and the
    /// key's fingerprint. The file is shared (appends of whole lines stay whole).
    pub fn for_operator(&self, tag: OperatorTag) -> std::io::Result<Audit> {
        let file = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("audit log lock poisoned"))?
            .try_clone()?;
        Ok(Audit {
            path: self.path.clone(),
            context: self.context.clone(),
            operator: Some(tag),
            file: Mutex::new(file),
        })
    }

    pub fn operator(&self) -> Option<&OperatorTag> {
        self.operator.as_ref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn context(&self) -> &AuditContext {
        &self.context
    }

    /// Makes sure the next line goes to the file at the log's path, or says why it cannot:
    /// asked before a write is sent. A log moved away (rotated) or removed is opened again at
    /// its path (lines written to the old one would be lost to whoever reads the path); if
    /// that fails (its directory gone or not a directory, the disk read-only), the write must
    /// not go. A full disk is only found by writing the line itself.
    pub fn ready(&self) -> Result<(), AuditUnwritable> {
        let refuse = |e: std::io::Error| AuditUnwritable::new(&self.path, &e);
        let mut file = self
            .file
            .lock()
            .map_err(|_| refuse(std::io::Error::other("audit log lock poisoned")))?;
        if still_at(&file, &self.path).map_err(refuse)? {
            return Ok(());
        }
        tracing::warn!(path = %self.path.display(), "the audit log was moved or removed: opening it again");
        // Not its directory: one that is gone was removed on purpose, or is not ours to make.
        *file = crate::paths::open_private(&self.path, crate::paths::Existing::Append).map_err(refuse)?;
        Ok(())
    }

    /// Appends one line, or says why the log cannot take it (a console refuses the write then).
    pub fn append_or_refuse(&self, record: &AuditRecord) -> Result<(), AuditUnwritable> {
        self.append(record)
            .map_err(|e| AuditUnwritable::new(&self.path, &e))
    }

    /// Appends one line and flushes it to the OS. O_APPEND plus a single `write_all` of the
    /// whole line keeps other processes' lines whole too.
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        self.append_all(std::slice::from_ref(record))
    }

    /// Appends several lines with one write (a bulk job's rows, batched by its audit thread).
    pub fn append_all(&self, records: &[AuditRecord]) -> std::io::Result<()> {
        let mut lines = Vec::with_capacity(512 * records.len());
        let time = Utc::now();
        for record in records {
            serde_json::to_writer(
                &mut lines,
                &Line {
                    time,
                    context: &self.context,
                    operator: self.operator.as_ref(),
                    record,
                },
            )
            .map_err(std::io::Error::other)?;
            lines.push(b'\n');
        }
        let mut file = self
            .file
            .lock()
            .map_err(|_| std::io::Error::other("audit log lock poisoned"))?;
        file.write_all(&lines)?;
        file.flush()
    }
}

/// Whether `file` is still the file at `path` (not moved away, removed or replaced).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(there) => Ok(there.dev() == held.dev() && there.ino() == held.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> std::io::Result<bool> {
    Ok(path.exists())
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_os_user_is_the_account_id_names() {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() };
        let expected = std::process::Command::new("id")
            .arg("-un")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        match &expected {
            Some(name) => assert_eq!(&AuditContext::os_user(), name),
            None => assert!(!AuditContext::os_user().is_empty()),
        }
        if expected.is_some() {
            assert!(uid_name(uid).is_some(), "the account is read from the user id");
        }
    }
    use super::*;
    use std::sync::Arc;

    #[cfg(unix)]
    #[test]
    fn the_log_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join("audit.jsonl");
        Audit::open(&path, context()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    fn context() -> AuditContext {
        AuditContext {
            user: "ops".into(),
            profile: Some("prod".into()),
            api_host: "127.0.0.1:9".into(),
            environment: Some("env_x".into()),
        }
    }

    fn record(i: usize) -> AuditRecord {
        AuditRecord {
            action: AuditAction::TopUp,
            wallet_id: format!("wallet_{i}"),
            request: serde_json::json!({"credits_to_add": "10", "idempotency_key": format!("k{i}")}),
            outcome: AuditOutcome::Ok,
            http_status: Some(200),
            transaction_id: Some(format!("wtxn_{i}")),
            invoice_id: None,
            error: None,
            job: Some("job1".into()),
            line: Some(i as u64 + 2),
            attempts: Some(1),
        }
    }

    #[test]
    fn concurrent_writers_produce_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.jsonl");
        let audit = Arc::new(Audit::open(&path, context()).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let audit = audit.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        audit.append(&record(t * 100 + i)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut wallets: Vec<String> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                assert_eq!(v["user"], "ops");
                assert_eq!(v["api_host"], "127.0.0.1:9");
                assert_eq!(v["environment"], "env_x");
                assert_eq!(v["outcome"], "ok");
                assert!(v["time"].as_str().unwrap().ends_with('Z'));
                v["wallet_id"].as_str().unwrap().to_string()
            })
            .collect();
        wallets.sort();
        wallets.dedup();
        assert_eq!(wallets.len(), 800);
    }

    #[test]
    fn operator_lines_name_the_operator_and_local_lines_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let local = Audit::open(&path, context()).unwrap();
        let tag = OperatorTag {
            operator: "alice".into(),
            key_fingerprint: "SHA256:abc".into(),
        };
        local.for_operator(tag).unwrap().append(&record(1)).unwrap();
        local.append(&record(2)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["operator"], "alice");
        assert_eq!(lines[0]["key_fingerprint"], "SHA256:abc");
        assert_eq!(lines[0]["user"], "ops");
        assert_eq!(lines[0]["wallet_id"], "wallet_1");
        assert!(lines[1].get("operator").is_none());
        assert!(lines[1].get("key_fingerprint").is_none());
    }

    #[test]
    fn reopening_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        Audit::open(&path, context()).unwrap().append(&record(1)).unwrap();
        Audit::open(&path, context()).unwrap().append(&record(2)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    }

    /// Where a state directory cannot be: under a regular file (refused even to root, unlike
    /// a chmod'ed directory).
    fn under_a_file(dir: &Path) -> PathBuf {
        std::fs::write(dir.join("file"), "").unwrap();
        dir.join("file/sub/flexwallet/audit.jsonl")
    }

    #[test]
    fn a_log_that_cannot_be_opened_says_why_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = under_a_file(dir.path());
        let why = Audit::open_for_writes(&path, context()).unwrap_err();
        assert_eq!(why.path, path);
        assert_eq!(why.reason, "Not a directory");
        assert_eq!(
            why.to_string(),
            format!("audit log not writable (Not a directory): {}", path.display())
        );
    }

    #[test]
    fn the_intent_line_says_sending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let audit = Audit::open(&path, context()).unwrap();
        let request = TopUpRequest {
            credits_to_add: Some(rust_decimal::Decimal::TEN),
            idempotency_key: Some("fw-1".into()),
            ..Default::default()
        };
        audit
            .append_or_refuse(&AuditRecord::top_up("w1", &request, Ending::sending()))
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(v["outcome"], "sending");
        assert_eq!(v["request"]["idempotency_key"], "fw-1");
        assert!(
            v.get("http_status").is_none() && v.get("transaction_id").is_none(),
            "{v}"
        );
    }

    /// Before a write: a rotated log is opened again at its path; one whose directory is gone
    /// (or is now a file) refuses, and says so.
    #[test]
    fn ready_follows_a_rotated_log_and_refuses_a_lost_one() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let path = state.join("audit.jsonl");
        let audit = Audit::open(&path, context()).unwrap();
        audit.ready().unwrap();
        audit.append(&record(1)).unwrap();
        std::fs::rename(&path, state.join("audit.jsonl.1")).unwrap();
        audit.ready().unwrap();
        audit.append(&record(2)).unwrap();
        let now = std::fs::read_to_string(&path).unwrap();
        assert_eq!(now.lines().count(), 1, "{now}");
        assert!(now.contains("wallet_2"), "{now}");

        std::fs::rename(&state, dir.path().join("moved")).unwrap();
        std::fs::write(&state, "").unwrap();
        let why = audit.ready().unwrap_err();
        assert_eq!(why.reason, "Not a directory", "{why}");
        std::fs::remove_file(&state).unwrap();
        let why = audit.ready().unwrap_err();
        assert_eq!(why.reason, "No such file or directory", "{why}");
    }
}
