//! The reducer's side of the forms: opening, keys, confirm, sending, and answers.

use super::{Overlay, OverlayKind};
use crate::key::KeyEvent;
use rust_decimal::Decimal;
use tui_input::Input;

use super::form::{FormKind, FormState, Stage, Submission, TopUpForm, UpdateForm, UsualTopUp, confirm_input};
use super::{App, Effect, FlashKind};
use crate::keymap::Command;
use flexprice_wire::models::Wallet;
use flexprice_wire::money::{format_amount, format_credits};
use flexprice_wire::text::clean;
use flexprice_wire::{ApiError, TopUpOutcome};

/// Above this many credits a top-up must be confirmed by typing the amount (profile
/// `confirm_above` overrides).
pub const DEFAULT_CONFIRM_ABOVE: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

impl App {
    /// The wallet the forms act on: the selected row, with its freshest real-time copy.
    fn form_wallet(&self) -> Option<Wallet> {
        let id = self.table.selected_id()?;
        let row = (*self.table.get(id)?.wallet).clone();
        Some(row)
    }

    /// Opens the top-up form, and reads the wallet's usual top-up for its mistake check.
    pub(super) fn open_top_up(&mut self) -> Vec<Effect> {
        let Some(w) = self.form_wallet() else {
            return Vec::new();
        };
        let wallet_id = w.id.clone();
        let form = TopUpForm::new(w, self.env.keys.next_key(), self.clock);
        self.overlays
            .push(Overlay::Form(FormState::new(FormKind::TopUp(form))));
        vec![Effect::LoadUsual { wallet_id }]
    }

    pub(super) fn on_usual_loaded(
        &mut self,
        wallet_id: String,
        result: Result<Option<flexwallet_bulk::mistakes::Usual>, ApiError>,
    ) -> Vec<Effect> {
        if let Some(form) = self.overlays.form_mut()
            && let FormKind::TopUp(f) = &mut form.kind
            && f.wallet.id == wallet_id
        {
            f.usual = match result {
                Ok(u) => UsualTopUp::Known(u),
                Err(e) => UsualTopUp::Failed(e.to_string()),
            };
        }
        Vec::new()
    }

    pub(super) fn open_update(&mut self) {
        let Some(w) = self.form_wallet() else { return };
        self.overlays
            .push(Overlay::Form(FormState::new(FormKind::Update(UpdateForm::new(
                w,
            )))));
    }

    /// A key for the form on top (`cmd` is what the keymap made of it in the form's context).
    pub(super) fn on_form_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        let effects = self.on_form_key_inner(key, cmd);
        self.resolve_create_customer();
        effects
    }

    fn on_form_key_inner(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        let clock = self.clock;
        let Some(form) = self.overlays.form_mut() else {
            return Vec::new();
        };
        let on_text = form.focused_is_text();
        match (&mut form.stage, cmd) {
            (Stage::Editing, Some(Command::NextField)) => form.move_focus(true),
            (Stage::Editing, Some(Command::PrevField)) => form.move_focus(false),
            (Stage::Editing, Some(Command::ChoiceNext | Command::ChoicePrev)) if on_text => {
                form.type_key(key, clock)
            }
            (Stage::Editing, Some(Command::ChoiceNext)) => form.step_choice(true, clock),
            (Stage::Editing, Some(Command::ChoicePrev)) => form.step_choice(false, clock),
            (Stage::Editing, Some(Command::AddRow)) => {
                form.add_row();
            }
            (Stage::Editing, Some(Command::RemoveRow)) => {
                form.remove_row();
            }
            (Stage::Editing, Some(Command::Submit)) => self.review(),
            (Stage::Editing, Some(Command::Back)) => {
                if form.dirty {
                    form.stage = Stage::ConfirmDiscard;
                } else {
                    self.overlays.close(OverlayKind::Form);
                }
            }
            (Stage::Editing, _) => form.type_key(key, clock),
            (Stage::ConfirmDiscard, Some(Command::Confirm)) => {
                self.overlays.close(OverlayKind::Form);
            }
            (Stage::ConfirmDiscard, Some(Command::Back)) => form.stage = Stage::Editing,
            // Terminate has no form behind its confirm step: Esc closes it.
            (Stage::Confirm { .. }, Some(Command::Back)) if matches!(form.kind, FormKind::Terminate(_)) => {
                self.overlays.close(OverlayKind::Form);
            }
            (Stage::Confirm { .. }, Some(Command::Back)) => form.stage = Stage::Editing,
            (
                Stage::Confirm {
                    submission,
                    typed,
                    expected,
                    mismatch,
                },
                Some(Command::Confirm),
            ) => {
                if !super::lifecycle::typed_confirms(&form.kind, expected.as_deref(), typed.value()) {
                    *mismatch = true;
                    return Vec::new();
                }
                let submission = submission.clone();
                return self.send(submission);
            }
            (Stage::Confirm { typed, mismatch, .. }, _) => {
                confirm_input(typed, key);
                *mismatch = false;
            }
            (Stage::Unknown { submission, .. }, Some(Command::Confirm)) => {
                let submission = submission.clone();
                return self.send(submission);
            }
            (Stage::Unknown { submission, .. }, Some(Command::Back)) => {
                let key = match submission {
                    Submission::TopUp { request, .. } => request.idempotency_key.clone().unwrap_or_default(),
                    Submission::Debit { request, .. } => request.idempotency_key.clone(),
                    _ => String::new(),
                };
                let debit = matches!(submission, Submission::Debit { .. });
                self.overlays.close(OverlayKind::Form);
                let text = if debit {
                    format!("Outcome unknown for key {key}: check the ledger before debiting again")
                } else if key.is_empty() {
                    "Outcome unknown: reload the wallet to see whether the change landed".to_string()
                } else {
                    format!("Outcome unknown for key {key}: check the ledger before topping up again")
                };
                self.flash(FlashKind::Error, text);
            }
            _ => {}
        }
        Vec::new()
    }

    /// Enter in the form: validate, then show the confirm step.
    fn review(&mut self) {
        let clock = self.clock;
        let confirm_above = self.confirm_above;
        let Some(form) = self.overlays.form_mut() else {
            return;
        };
        form.banner = None;
        let submission = match super::lifecycle::review(&mut form.kind, clock, confirm_above) {
            Some(reviewed) => reviewed,
            None => match &mut form.kind {
                FormKind::TopUp(f) => f.validate(clock).map(|plan| {
                    let mut preview = f.preview(&plan);
                    // What bulk asks about is asked the same way here (flexwallet_bulk::mistakes):
                    // the warning first, and the amount typed to go ahead.
                    let (mistakes, note) = f.mistakes(&plan);
                    if let Some(n) = note {
                        preview = format!("{preview} · {n}");
                    }
                    for m in mistakes.iter().rev() {
                        preview = format!("⚠ {m} · {preview}");
                    }
                    let expected =
                        (plan.credits > confirm_above || !mistakes.is_empty()).then(|| plan.typed.clone());
                    (
                        Submission::TopUp {
                            request: plan.request,
                            preview,
                            typed: plan.typed,
                        },
                        expected,
                    )
                }),
                FormKind::Update(f) => match f.validate() {
                    Some(req) if req.is_empty() => {
                        form.banner = Some("Nothing changed.".into());
                        return;
                    }
                    Some(request) => Some((
                        Submission::Update {
                            request,
                            diff: f.diff(),
                        },
                        None,
                    )),
                    None => None,
                },
                _ => None,
            },
        };
        match submission {
            Some((submission, expected)) => {
                form.stage = Stage::Confirm {
                    submission,
                    typed: Input::default(),
                    expected,
                    mismatch: false,
                };
            }
            None => form.focus_first_error(),
        }
    }

    fn send(&mut self, submission: Submission) -> Vec<Effect> {
        // Asked before the form says "sending": a write the gate drops later (read-only turned
        // on, the audit log lost while the form was open) would leave it sending for ever.
        let cap = match &submission {
            Submission::TopUp { .. } => super::Capability::TopUp,
            Submission::Update { .. } => super::Capability::Update,
            other => super::lifecycle::capability(other).unwrap_or(super::Capability::Create),
        };
        if let Err(refusal) = self.may(cap) {
            if let Some(form) = self.overlays.form_mut() {
                form.stage = Stage::Editing;
                form.banner = Some(format!("Not sent: {refusal}"));
            }
            self.flash(FlashKind::Error, refusal.to_string());
            return Vec::new();
        }
        let Some(form) = self.overlays.form_mut() else {
            return Vec::new();
        };
        let wallet_id = form.wallet_id().to_string();
        form.stage = Stage::Sending {
            submission: submission.clone(),
        };
        form.attempts += 1;
        match submission {
            Submission::TopUp { request, .. } => vec![Effect::TopUp { wallet_id, request }],
            Submission::Update { request, .. } => vec![Effect::UpdateWallet { wallet_id, request }],
            other => super::lifecycle::effect(wallet_id, other).into_iter().collect(),
        }
    }

    /// After a change: fresh copies of the wallet for the list and the detail.
    pub(super) fn refresh_wallet(&mut self, wallet_id: &str) -> Vec<Effect> {
        self.live.rows_generation += 1;
        let mut effects = vec![Effect::RefreshWallets {
            generation: self.live.rows_generation,
            ids: vec![wallet_id.to_string()],
        }];
        if self.table.selected_id() == Some(wallet_id) {
            effects.extend(self.load_balance());
        }
        effects
    }

    /// Puts an error back on the form: under its field if the server named one.
    pub(super) fn form_error(&mut self, err: &ApiError) {
        let Some(form) = self.overlays.form_mut() else {
            return;
        };
        let submission = match &form.stage {
            Stage::Sending { submission } => submission.clone(),
            _ => return,
        };
        if err.outcome_unknown() {
            form.stage = Stage::Unknown {
                submission,
                message: err.to_string(),
                answered: err.status(),
            };
            return;
        }
        form.stage = Stage::Editing;
        let message = err.message();
        let placed = match &mut form.kind {
            FormKind::TopUp(f) => f.place_server_error(err.field(), &message),
            FormKind::Update(f) => f.place_server_error(err.field(), &message),
            FormKind::Create(f) => f.place_server_error(err.field(), &message),
            FormKind::Debit(f) => f.place_server_error(err.field(), &message),
            FormKind::Terminate(_) => false,
        };
        if placed {
            form.focus_first_error();
        } else {
            form.banner = Some(err.to_string());
        }
    }

    pub(super) fn on_top_up_done(
        &mut self,
        wallet_id: String,
        result: Result<TopUpOutcome, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(outcome) => {
                let tx = outcome.transaction_id().unwrap_or("?").to_string();
                let text = match &outcome {
                    TopUpOutcome::Applied(r) => {
                        let w = &r.wallet;
                        let pending = r.wallet_transaction.as_ref().is_some_and(|t| {
                            t.transaction_status == flexprice_wire::models::TransactionStatus::Pending
                        });
                        if pending {
                            format!(
                                "Top-up {tx} pending until invoice {} is paid · balance {} {}",
                                r.invoice_id.as_deref().unwrap_or("?"),
                                format_amount(&w.balance, &w.currency),
                                w.currency.to_uppercase()
                            )
                        } else {
                            format!(
                                "Top-up {tx} applied · balance {} {} · {} credits",
                                format_amount(&w.balance, &w.currency),
                                w.currency.to_uppercase(),
                                format_credits(&w.credit_balance)
                            )
                        }
                    }
                    TopUpOutcome::AlreadyApplied(t) => {
                        format!(
                            "Already applied earlier: {} (+{} credits); nothing was credited twice",
                            t.id,
                            format_credits(&t.credit_amount)
                        )
                    }
                };
                if let TopUpOutcome::Applied(r) = &outcome {
                    self.take_wallets(vec![r.wallet.clone()]);
                    if let (Some(t), Some(inv)) = (&r.wallet_transaction, &r.invoice_id) {
                        self.remember_invoice(&t.id, inv);
                    }
                }
                self.overlays.close(OverlayKind::Form);
                self.flash(FlashKind::Success, text);
                self.refresh_wallet(&wallet_id)
            }
            Err(e) => {
                self.log_error("top-up", &e);
                self.form_error(&e);
                Vec::new()
            }
        }
    }

    fn remember_invoice(&mut self, transaction_id: &str, invoice_id: &str) {
        const KEPT: usize = 256;
        self.invoices
            .push_front((transaction_id.to_string(), clean(invoice_id).into_owned()));
        self.invoices.truncate(KEPT);
    }

    /// The invoice of an invoiced top-up this console made (the ledger's transaction detail).
    pub fn invoice_of(&self, transaction_id: &str) -> Option<&str> {
        self.invoices
            .iter()
            .find(|(t, _)| t == transaction_id)
            .map(|(_, inv)| inv.as_str())
    }

    pub(super) fn on_update_done(
        &mut self,
        wallet_id: String,
        result: Result<Box<Wallet>, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(w) => {
                let name = w.display_name().to_string();
                self.take_wallets(vec![*w]);
                self.overlays.close(OverlayKind::Form);
                self.flash(FlashKind::Success, format!("Saved {name}"));
                self.refresh_wallet(&wallet_id)
            }
            Err(e) => {
                self.log_error("update wallet", &e);
                self.form_error(&e);
                Vec::new()
            }
        }
    }
}
