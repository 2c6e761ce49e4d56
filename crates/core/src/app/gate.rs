//! The one permission gate: every write or file action asks [`App::may`] (keys, palette and the
//! effects alike), and the role, read-only mode, the audit log and the file policy all live
//! behind it.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::App;
use crate::keymap::Command;

/// Who is at the keyboard. The console run locally is its user's: `Admin`. Over `serve`, the
/// operators file gives each key its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Looks and exports what it sees; changes nothing.
    Viewer,
    /// Top-ups and updates of one wallet at a time.
    Operator,
    /// Everything: bulk top-ups, imports, profile switches.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }
}

/// An action the gate decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Credit one wallet (`t`).
    TopUp,
    /// Change one wallet's settings (`e`).
    Update,
    /// Start, resume or retry a bulk top-up (`B`).
    Bulk,
    /// Read a CSV into a bulk plan (`:import`): a file read and a bulk job.
    Import,
    /// Write the wallets in view to a CSV (`:export`).
    Export,
    /// Write the last bulk job's results to a CSV (`:export-results`).
    ExportResults,
    /// Talk to another Flexprice profile (`:profile`).
    SwitchProfile,
    /// Turn read-only mode off (`:readonly off`).
    ReadOnlyOff,
    /// Create a wallet (`C`, `:create`).
    Create,
    /// Terminate a wallet: its credits debited, closed for good (`X`, `:terminate`).
    Terminate,
    /// Debit a wallet by hand (`D`, `:debit`).
    Debit,
}

impl Capability {
    pub const ALL: [Capability; 11] = [
        Capability::TopUp,
        Capability::Update,
        Capability::Bulk,
        Capability::Import,
        Capability::Export,
        Capability::ExportResults,
        Capability::SwitchProfile,
        Capability::ReadOnlyOff,
        Capability::Create,
        Capability::Terminate,
        Capability::Debit,
    ];

    /// The least role that may do this.
    pub fn least_role(self) -> Role {
        match self {
            Capability::Export | Capability::ExportResults => Role::Viewer,
            Capability::TopUp
            | Capability::Update
            | Capability::ReadOnlyOff
            | Capability::Create
            | Capability::Debit
            // Irreversible (the credits are debited, the wallet never opens again), so its
            // confirm asks for the wallet's name or id typed out; the role is a top-up's.
            | Capability::Terminate => Role::Operator,
            Capability::Bulk | Capability::Import | Capability::SwitchProfile => Role::Admin
        }
    }

    /// Changes data in Flexprice: refused in read-only mode.
    pub fn writes_to_the_api(self) -> bool {
        matches!(
            self,
            Capability::TopUp
                | Capability::Update
                | Capability::Bulk
                | Capability::Import
                | Capability::Create
                | Capability::Terminate
                | Capability::Debit
        )
    }

    /// Reads or writes a file on the machine the console runs on.
    pub fn touches_files(self) -> bool {
        matches!(
            self,
            Capability::Import | Capability::Export | Capability::ExportResults
        )
    }

    /// `top-ups`, as in "top-ups need the operator role".
    fn plural(self) -> &'static str {
        match self {
            Capability::TopUp => "top-ups",
            Capability::Update => "wallet updates",
            Capability::Bulk => "bulk top-ups",
            Capability::Import => "bulk top-ups from a file",
            Capability::Export => "exports",
            Capability::ExportResults => "result exports",
            Capability::SwitchProfile => "profile switches",
            Capability::ReadOnlyOff => "leaving read-only mode",
            Capability::Create => "new wallets",
            Capability::Terminate => "wallet terminations",
            Capability::Debit => "manual debits",
        }
    }

    /// The capability a bound command needs, if any.
    pub fn of_command(cmd: Command) -> Option<Capability> {
        match cmd {
            Command::TopUp => Some(Capability::TopUp),
            Command::Edit => Some(Capability::Update),
            Command::Create => Some(Capability::Create),
            Command::Terminate => Some(Capability::Terminate),
            Command::Debit => Some(Capability::Debit),
            Command::Bulk | Command::RetryJob => Some(Capability::Bulk),
            _ => None,
        }
    }
}

/// Where file actions may read and write.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FilePolicy {
    /// The console run locally: any path its user can reach.
    #[default]
    Anywhere,
    /// A console over `serve`: plain file names inside this directory, nothing else.
    Within(PathBuf),
    /// No file actions at all.
    Refused,
}

/// Why the gate said no, in words for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    ReadOnly {
        locked: bool,
    },
    /// The audit log cannot be written: `audit log not writable (Permission denied): /path`.
    /// No write goes unaudited, so none goes at all.
    AuditLog(String),
    Role {
        needs: Role,
        capability: Capability,
    },
    Files(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::ReadOnly { locked: true } => {
                write!(f, "this console was started read-only: it stays read-only")
            }
            Refusal::ReadOnly { locked: false } => write!(f, "read-only mode: changes are disabled"),
            Refusal::AuditLog(why) => write!(f, "read-only: {why}"),
            Refusal::Role { needs, capability } => write!(
                f,
                "not allowed: {} need the {} role",
                capability.plural(),
                needs.name()
            ),
            Refusal::Files(why) => write!(f, "{why}"),
        }
    }
}

/// What the gate decides from: set once at start (and by `:readonly`, `:profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    pub role: Role,
    pub read_only: bool,
    /// Started read-only (flag, profile or role): read-only cannot be turned off.
    pub read_only_locked: bool,
    /// Why the audit log cannot be written, if it cannot (told by the runtime at start and
    /// when a line fails): every write to the API is refused while it is set.
    pub audit_unwritable: Option<String>,
    pub files: FilePolicy,
}

impl Permissions {
    /// The local console: its user's, read-only if asked.
    pub fn local(read_only: bool) -> Permissions {
        Permissions {
            role: Role::Admin,
            read_only,
            read_only_locked: read_only,
            audit_unwritable: None,
            files: FilePolicy::Anywhere,
        }
    }

    pub fn may(&self, cap: Capability) -> Result<(), Refusal> {
        if cap == Capability::ReadOnlyOff && self.read_only_locked {
            return Err(Refusal::ReadOnly { locked: true });
        }
        if cap.writes_to_the_api() && self.read_only {
            return Err(Refusal::ReadOnly { locked: false });
        }
        if cap.writes_to_the_api()
            && let Some(why) = &self.audit_unwritable
        {
            return Err(Refusal::AuditLog(why.clone()));
        }
        if self.role < cap.least_role() {
            return Err(Refusal::Role {
                needs: cap.least_role(),
                capability: cap,
            });
        }
        if cap.touches_files() && self.files == FilePolicy::Refused {
            return Err(Refusal::Files(
                "file actions are not available in this console".into(),
            ));
        }
        Ok(())
    }

    /// The path a file action may use for `typed` (after `~/` expansion by the caller), or why
    /// not. Under [`FilePolicy::Within`] only a plain name is taken: no directories, no `..`,
    /// no hidden files.
    pub fn file(&self, cap: Capability, typed: &Path) -> Result<PathBuf, Refusal> {
        self.may(cap)?;
        match &self.files {
            FilePolicy::Anywhere => Ok(typed.to_path_buf()),
            FilePolicy::Refused => Err(Refusal::Files(
                "file actions are not available in this console".into(),
            )),
            FilePolicy::Within(dir) => {
                let mut parts = typed.components();
                match (parts.next(), parts.next()) {
                    (Some(Component::Normal(name)), None)
                        if !name.to_string_lossy().starts_with('.')
                            && !name.to_string_lossy().starts_with('~') =>
                    {
                        Ok(dir.join(name))
                    }
                    _ => Err(Refusal::Files(format!(
                        "files here are plain names in {}: not \"{}\"",
                        dir.display(),
                        typed.display()
                    ))),
                }
            }
        }
    }
}

impl App {
    /// The one gate: may this console do `cap` now?
    pub fn may(&self, cap: Capability) -> Result<(), Refusal> {
        self.permissions.may(cap)
    }

    /// Whether this console may run `cmd` at all (help, hints and the palette leave out what
    /// it may not).
    pub fn allows(&self, cmd: Command) -> bool {
        Capability::of_command(cmd).is_none_or(|c| self.may(c).is_ok())
    }

    pub fn read_only(&self) -> bool {
        self.permissions.read_only
    }

    /// The runtime's word on the audit log: writes are refused while it cannot be written, and
    /// the operator is told why (flash, error log, status bar).
    pub(super) fn on_audit_log(&mut self, state: Result<(), String>) -> Vec<super::Effect> {
        match state {
            Ok(()) => self.permissions.audit_unwritable = None,
            Err(why) => {
                let refusal = Refusal::AuditLog(why.clone());
                self.errors.push_front(super::ErrorEntry {
                    at: self.clock,
                    call: "audit log".into(),
                    status: None,
                    code: None,
                    message: format!("{refusal}: top-ups, updates, bulk, new wallets, terminations and debits are refused; reads go on"),
                });
                self.errors.truncate(super::ERROR_LOG_CAP);
                self.flash(super::FlashKind::Error, refusal.to_string());
                self.permissions.audit_unwritable = Some(why);
            }
        }
        Vec::new()
    }

    /// Why writes are refused for want of an audit log (`audit log not writable (…): /path`).
    pub fn audit_unwritable(&self) -> Option<&str> {
        self.permissions.audit_unwritable.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every capability × every role, read-write, with files allowed.
    #[test]
    fn capability_by_role() {
        use Capability::*;
        #[rustfmt::skip]
        let table: [(Capability, [bool; 3]); 11] = [
            //               viewer operator admin
            (TopUp,         [false, true,  true]),
            (Update,        [false, true,  true]),
            (Bulk,          [false, false, true]),
            (Import,        [false, false, true]),
            (Export,        [true,  true,  true]),
            (ExportResults, [true,  true,  true]),
            (SwitchProfile, [false, false, true]),
            (ReadOnlyOff,   [false, true,  true]),
            (Create,        [false, true,  true]),
            (Terminate,     [false, true, true]),
            (Debit,         [false, true,  true]),
        ];
        assert_eq!(
            table.len(),
            Capability::ALL.len(),
            "every capability is in the table"
        );
        for (cap, allowed) in table {
            for (role, want) in Role::ALL.into_iter().zip(allowed) {
                let p = Permissions {
                    role,
                    ..Permissions::local(false)
                };
                let got = p.may(cap);
                assert_eq!(got.is_ok(), want, "{cap:?} as {role:?}: {got:?}");
                if let Err(e) = got {
                    assert!(e.to_string().contains(cap.least_role().name()), "{e}");
                }
            }
        }
    }

    #[test]
    fn read_only_refuses_api_writes_for_every_role_and_locked_stays_locked() {
        for role in Role::ALL {
            let p = Permissions {
                role,
                read_only: true,
                read_only_locked: true,
                audit_unwritable: None,
                files: FilePolicy::Anywhere,
            };
            for cap in Capability::ALL {
                let got = p.may(cap);
                if cap.writes_to_the_api() || cap == Capability::ReadOnlyOff {
                    assert!(
                        matches!(got, Err(Refusal::ReadOnly { .. })),
                        "{cap:?} {role:?}: {got:?}"
                    );
                }
            }
            let unlocked = Permissions {
                read_only_locked: false,
                ..p
            };
            assert_eq!(
                unlocked.may(Capability::ReadOnlyOff).is_ok(),
                role >= Role::Operator
            );
        }
    }

    #[test]
    fn the_serve_file_policy_takes_plain_names_only() {
        let p = Permissions {
            role: Role::Viewer,
            read_only: true,
            read_only_locked: true,
            audit_unwritable: None,
            files: FilePolicy::Within(PathBuf::from("/var/lib/flexwallet/files/alice")),
        };
        assert_eq!(
            p.file(Capability::Export, Path::new("wallets.csv")),
            Ok(PathBuf::from("/var/lib/flexwallet/files/alice/wallets.csv"))
        );
        for bad in [
            "/etc/passwd",
            "../x",
            "a/b.csv",
            "~/.ssh/authorized_keys",
            ".bashrc",
            "..",
            "/",
            "",
        ] {
            let got = p.file(Capability::Export, Path::new(bad));
            assert!(matches!(got, Err(Refusal::Files(_))), "{bad}: {got:?}");
        }
        let refused = Permissions {
            files: FilePolicy::Refused,
            ..p
        };
        assert!(refused.may(Capability::Export).is_err());
        assert!(refused.may(Capability::TopUp).is_err());
    }

    /// No audit log, no write: every capability that changes data is refused, for every role,
    /// with the log's path and reason; reads, exports and leaving read-only mode are not.
    #[test]
    fn an_unwritable_audit_log_refuses_every_api_write_and_nothing_else() {
        let why = "audit log not writable (Permission denied): /state/flexwallet/audit.jsonl";
        for role in Role::ALL {
            let p = Permissions {
                role,
                audit_unwritable: Some(why.into()),
                ..Permissions::local(false)
            };
            for cap in Capability::ALL {
                let got = p.may(cap);
                let with_log = Permissions {
                    audit_unwritable: None,
                    ..p.clone()
                }
                .may(cap);
                if cap.writes_to_the_api() {
                    assert_eq!(got, Err(Refusal::AuditLog(why.into())), "{cap:?} {role:?}");
                    assert_eq!(got.unwrap_err().to_string(), format!("read-only: {why}"));
                } else {
                    assert_eq!(got, with_log, "{cap:?} {role:?}: the audit log is not asked");
                }
            }
        }
    }

    /// The runtime says the audit log is lost while a top-up waits for its confirm: the
    /// confirm sends nothing and says why on the form; new writes are refused at the key; reads
    /// go on; the log back, writes are allowed again.
    #[test]
    fn a_lost_audit_log_refuses_the_confirm_and_every_new_write() {
        use crate::app::form::Stage;
        use crate::app::tests::{code, key, loaded};
        use crate::app::{Action, Effect};
        use crate::key::KeyCode;
        let why = "audit log not writable (Not a directory): /x/file/flexwallet/audit.jsonl";
        let (mut app, _) = loaded(2);
        key(&mut app, 't');
        key(&mut app, '5');
        code(&mut app, KeyCode::Enter);
        assert!(
            matches!(app.overlays.form().map(|f| &f.stage), Some(Stage::Confirm { .. })),
            "{:?}",
            app.overlays.form().map(|f| &f.stage)
        );
        assert!(app.update(Action::AuditLog(Err(why.into()))).is_empty());
        assert_eq!(
            app.flash.as_ref().map(|f| f.text.as_str()),
            Some(format!("read-only: {why}").as_str())
        );
        assert_eq!(app.errors.front().map(|e| e.call.as_str()), Some("audit log"));
        assert_eq!(app.audit_unwritable(), Some(why));

        let effects = code(&mut app, KeyCode::Enter);
        assert!(effects.is_empty(), "sent without an audit log: {effects:?}");
        let form = app.overlays.form().expect("the form stays open");
        assert!(matches!(form.stage, Stage::Editing), "{:?}", form.stage);
        assert_eq!(
            form.banner.as_deref(),
            Some(format!("Not sent: read-only: {why}").as_str())
        );

        app.overlays.close(crate::app::OverlayKind::Form);
        for c in ['t', 'e'] {
            assert!(key(&mut app, c).is_empty(), "{c}");
            assert!(app.overlays.form().is_none(), "{c} opened a form");
            assert!(app.flash.as_ref().is_some_and(|f| f.text.contains(why)), "{c}");
        }
        assert!(
            !app.allows(crate::keymap::Command::TopUp),
            "the hints still offer top-ups"
        );
        assert!(
            key(&mut app, 'r')
                .iter()
                .any(|e| matches!(e, Effect::LoadWallets { .. })),
            "reads go on"
        );

        app.update(Action::AuditLog(Ok(())));
        assert_eq!(app.audit_unwritable(), None);
        key(&mut app, 't');
        assert!(app.overlays.form().is_some(), "the log back, top-ups open again");
    }
}
