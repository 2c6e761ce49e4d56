//! The form layer: top-up and update forms, their confirm step, sending, and unknown outcomes.

pub mod create;
pub mod debit;
pub mod field;
pub mod terminate;
pub mod topup;
pub mod update;

use crate::key::KeyEvent;
use crate::key::to_input_request;
use tui_input::Input;

use flexprice_wire::models::{CreateWalletRequest, DebitRequest, TopUpRequest, UpdateWalletRequest};

pub use create::CreateForm;
pub use debit::DebitForm;
pub use terminate::TerminateForm;
pub use topup::{TopUpForm, TopUpPlan, UsualTopUp};
pub use update::UpdateForm;

#[derive(Debug, Clone)]
pub enum FormKind {
    TopUp(TopUpForm),
    Update(UpdateForm),
    Create(CreateForm),
    Terminate(TerminateForm),
    Debit(DebitForm),
}

/// What will be sent once confirmed.
#[derive(Debug, Clone, PartialEq)]
pub enum Submission {
    TopUp {
        request: TopUpRequest,
        preview: String,
        typed: String,
    },
    Update {
        request: UpdateWalletRequest,
        diff: Vec<String>,
    },
    /// `POST /wallets`, then (when set) the update of what the create cannot take.
    Create {
        request: Box<CreateWalletRequest>,
        follow_up: UpdateWalletRequest,
        summary: Vec<String>,
    },
    /// `POST /wallets/{id}/terminate`; `summary` is what it does, said before.
    Terminate { summary: Vec<String> },
    /// `POST /wallets/{id}/debit`: its key stays the same across a retry of this submission.
    Debit {
        request: DebitRequest,
        preview: String,
        warning: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub enum Stage {
    Editing,
    /// Esc with changes: asks before throwing them away.
    ConfirmDiscard,
    /// The summary; `typed` must equal `expected` when the amount is large.
    Confirm {
        submission: Submission,
        typed: Input,
        expected: Option<String>,
        mismatch: bool,
    },
    Sending {
        submission: Submission,
    },
    /// Sent, and the outcome is not known (no answer, or a 5xx, which does not say whether
    /// it was applied): the operator may retry with the same key (never credits twice).
    Unknown {
        submission: Submission,
        message: String,
        /// The status the server answered with, if it answered at all.
        answered: Option<u16>,
    },
}

#[derive(Debug, Clone)]
pub struct FormState {
    pub kind: FormKind,
    pub focus: usize,
    pub stage: Stage,
    /// A message for the whole form (a server error that names no field).
    pub banner: Option<String>,
    pub dirty: bool,
    /// Times the submission was sent (a retry after an unknown outcome is the second).
    pub attempts: u32,
}

impl FormState {
    pub fn new(kind: FormKind) -> FormState {
        let focus = match &kind {
            FormKind::TopUp(_) => 1,
            _ => 0,
        };
        FormState {
            kind,
            focus,
            stage: Stage::Editing,
            banner: None,
            dirty: false,
            attempts: 0,
        }
    }

    pub fn wallet_id(&self) -> &str {
        match &self.kind {
            FormKind::TopUp(f) => &f.wallet.id,
            FormKind::Update(f) => &f.wallet.id,
            FormKind::Terminate(f) => &f.wallet.id,
            FormKind::Debit(f) => &f.wallet.id,
            FormKind::Create(_) => "",
        }
    }

    pub fn fields(&self) -> &[field::Field] {
        match &self.kind {
            FormKind::TopUp(f) => &f.fields,
            FormKind::Update(f) => &f.fields,
            FormKind::Create(f) => &f.fields,
            FormKind::Terminate(f) => &f.fields,
            FormKind::Debit(f) => &f.fields,
        }
    }

    pub fn fields_mut(&mut self) -> &mut Vec<field::Field> {
        match &mut self.kind {
            FormKind::TopUp(f) => &mut f.fields,
            FormKind::Update(f) => &mut f.fields,
            FormKind::Create(f) => &mut f.fields,
            FormKind::Terminate(f) => &mut f.fields,
            FormKind::Debit(f) => &mut f.fields,
        }
    }

    pub fn focused(&self) -> Option<&field::Field> {
        self.fields().get(self.focus)
    }

    pub fn move_focus(&mut self, forward: bool) {
        let n = self.fields().len().max(1);
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    pub fn focused_is_text(&self) -> bool {
        self.focused().is_some_and(field::Field::is_text)
    }

    pub fn step_choice(&mut self, forward: bool, now: chrono::DateTime<chrono::Utc>) {
        let focus = self.focus;
        if let Some(f) = self.fields_mut().get_mut(focus) {
            f.step(forward);
            self.dirty = true;
        }
        self.after_edit(now);
    }

    pub fn type_key(&mut self, key: KeyEvent, now: chrono::DateTime<chrono::Utc>) {
        let focus = self.focus;
        if let Some(f) = self.fields_mut().get_mut(focus)
            && f.input(key)
        {
            f.error = None;
            self.dirty = true;
        }
        self.after_edit(now);
    }

    /// Pasted text (a terminal's bracketed paste): into the focused text field while editing,
    /// into the typed confirmation on the confirm step; dropped elsewhere.
    pub fn paste(&mut self, text: &str, now: chrono::DateTime<chrono::Utc>) {
        match &mut self.stage {
            Stage::Editing => {
                let focus = self.focus;
                if let Some(f) = self.fields_mut().get_mut(focus)
                    && f.paste(text)
                {
                    f.error = None;
                    self.dirty = true;
                }
                self.after_edit(now);
            }
            Stage::Confirm { typed, mismatch, .. } => {
                let pasted = field::paste_into(typed, text);
                *mismatch &= !pasted;
            }
            _ => {}
        }
    }

    fn after_edit(&mut self, now: chrono::DateTime<chrono::Utc>) {
        match &mut self.kind {
            FormKind::TopUp(f) => f.refresh_hints(now),
            FormKind::Update(f) => {
                f.refresh_hints();
                self.dirty = f.is_dirty();
            }
            FormKind::Create(f) => {
                f.clock = Some(now);
                f.refresh_hints();
                self.dirty = f.is_dirty();
            }
            FormKind::Debit(f) => f.refresh_hints(),
            FormKind::Terminate(_) => {}
        }
    }

    /// Adds a metadata row (when a metadata row has the focus) and focuses its key.
    pub fn add_row(&mut self) -> bool {
        if !self.focused().is_some_and(field::is_metadata) {
            return false;
        }
        self.focus = match &mut self.kind {
            FormKind::TopUp(f) => f.add_metadata_row(),
            FormKind::Update(f) => f.add_metadata_row(),
            FormKind::Create(f) => f.add_metadata_row(),
            FormKind::Debit(f) => f.add_metadata_row(),
            FormKind::Terminate(_) => return false,
        };
        true
    }

    /// Removes the focused metadata row (the last one left is emptied instead).
    pub fn remove_row(&mut self) -> bool {
        let focus = self.focus;
        match field::remove_metadata_row(self.fields_mut(), focus) {
            Some(at) => {
                self.focus = at;
                self.dirty = true;
                true
            }
            None => false,
        }
    }

    /// Moves the focus to the first field with an error.
    pub fn focus_first_error(&mut self) {
        if let Some(i) = self.fields().iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
    }

    pub fn title(&self) -> String {
        match &self.kind {
            FormKind::TopUp(f) => format!(" Top up · {} ", f.wallet.display_name()),
            FormKind::Update(f) => format!(" Edit wallet · {} ", f.wallet.display_name()),
            FormKind::Create(_) => " New wallet ".to_string(),
            FormKind::Terminate(f) => format!(" Terminate wallet · {} ", f.wallet.display_name()),
            FormKind::Debit(f) => format!(" Manual debit · {} ", f.wallet.display_name()),
        }
    }
}

/// Text input for the confirm step.
pub fn confirm_input(input: &mut Input, key: KeyEvent) {
    if let Some(req) = to_input_request(&key) {
        input.handle(req);
    }
}

/// The keymap context of a form: typing while editing, answering once it asks to confirm.
pub fn context_of(form: &FormState) -> crate::keymap::Context {
    match form.stage {
        Stage::Editing => crate::keymap::Context::Form,
        _ => crate::keymap::Context::Confirm,
    }
}

#[cfg(test)]
mod tests;
