//! The reducer's side of a wallet's life: create (`C`), terminate (`X`) and manual debit (`D`):
//! opening their forms, their confirm steps, the effects they send and their answers.

use rust_decimal::Decimal;
use tui_input::Input;

use super::form::create;
use super::form::{CreateForm, DebitForm, FormKind, FormState, Stage, Submission, TerminateForm, terminate};
use super::{App, Effect, FlashKind, Overlay, OverlayKind, share};
use flexprice_wire::ApiError;
use flexprice_wire::models::{Wallet, WalletStatus};
use flexprice_wire::money::{format_amount, format_credits};
use flexprice_wire::text::clean;

/// What a new wallet came back as: the wallet, and the follow-up update's failure if it had one
/// (the wallet exists either way).
#[derive(Debug, Clone)]
pub struct Created {
    pub wallet: Box<Wallet>,
    pub follow_up: Option<ApiError>,
}

/// A debit's answer: applied now, or found in the ledger under its key (an earlier attempt of
/// the same submission landed: nothing was debited twice).
#[derive(Debug, Clone)]
pub enum Debited {
    Applied(Box<Wallet>),
    AlreadyApplied {
        transaction_id: String,
        wallet: Option<Box<Wallet>>,
    },
}

/// The effect that sends a confirmed lifecycle submission (`None`: not one of them).
pub(super) fn effect(wallet_id: String, submission: Submission) -> Option<Effect> {
    match submission {
        Submission::Create {
            request, follow_up, ..
        } => Some(Effect::CreateWallet { request, follow_up }),
        Submission::Terminate { .. } => Some(Effect::Terminate { wallet_id }),
        Submission::Debit { request, .. } => Some(Effect::Debit { wallet_id, request }),
        Submission::TopUp { .. } | Submission::Update { .. } => None,
    }
}

/// The capability a lifecycle submission needs.
pub(super) fn capability(submission: &Submission) -> Option<super::Capability> {
    match submission {
        Submission::Create { .. } => Some(super::Capability::Create),
        Submission::Terminate { .. } => Some(super::Capability::Terminate),
        Submission::Debit { .. } => Some(super::Capability::Debit),
        _ => None,
    }
}

/// Enter in a lifecycle form: the submission and what must be typed to confirm it, or `None`
/// (errors left on the fields).
pub(super) fn review(
    kind: &mut FormKind,
    clock: chrono::DateTime<chrono::Utc>,
    confirm_above: Decimal,
) -> Option<Option<(Submission, Option<String>)>> {
    Some(match kind {
        FormKind::Create(f) => f.validate(clock).map(|plan| {
            (
                Submission::Create {
                    request: Box::new(plan.request),
                    follow_up: plan.follow_up,
                    summary: plan.summary,
                },
                None,
            )
        }),
        FormKind::Debit(f) => f.validate().map(|plan| {
            let warning = f.warning(&plan);
            // Large, or below zero: the credits are typed again to go ahead, as a top-up's are.
            let expected =
                (plan.request.credits > confirm_above || plan.goes_negative()).then(|| plan.typed.clone());
            (
                Submission::Debit {
                    preview: f.preview(&plan),
                    request: plan.request,
                    warning,
                },
                expected,
            )
        }),
        FormKind::Terminate(f) => Some((Submission::Terminate { summary: f.preview() }, Some(f.expected()))),
        FormKind::TopUp(_) | FormKind::Update(_) => return None,
    })
}

/// Whether what was typed on the confirm step lets this form go ahead.
pub(super) fn typed_confirms(kind: &FormKind, expected: Option<&str>, typed: &str) -> bool {
    match kind {
        FormKind::Terminate(f) => f.typed_names_it(typed),
        _ => expected.is_none_or(|e| same_amount(e, typed)),
    }
}

/// "A customer can only have one active wallet per currency and wallet type", in plain words,
/// with the wallet already there.
/// `customer` and `wallet` name an id as the operator knows it.
pub fn one_active_wallet_words(
    err: &ApiError,
    retry: bool,
    customer: impl Fn(&str) -> String,
    wallet: impl Fn(&str) -> String,
) -> Option<String> {
    if !err.is_already_exists() || !err.message().contains("one active wallet") {
        return None;
    }
    let d = err.details();
    let get = |k: &str| {
        d.and_then(|d| d.get(k))
            .and_then(|v| v.as_str())
            .map(|s| clean(s).into_owned())
    };
    let existing = get("wallet_id").map_or_else(|| "?".to_string(), |id| wallet(&id));
    let mut text = format!(
        "Not created: Flexprice allows a customer one active wallet per currency and wallet type, \
         and customer {} already has an active {} {} wallet: {existing}. Terminate that one first, \
         or choose another currency or wallet type.",
        get("customer_id").map_or_else(|| "?".to_string(), |id| customer(&id)),
        get("wallet_type").unwrap_or_default(),
        get("currency").unwrap_or_default().to_uppercase(),
    );
    if retry {
        text.push_str(" This was a retry: that wallet may be the one the first attempt created.");
    }
    Some(text)
}

impl App {
    /// `C`: the create form, with the customer list's names to resolve the customer.
    pub(super) fn open_create(&mut self) {
        let mut form = CreateForm::new();
        // The selected wallet's customer is the likeliest owner of a new wallet (another
        // currency or type): offered, not forced.
        if let Some(w) = self.selected_wallet() {
            let id = w.customer_id.clone();
            if let Some(f) = form.fields.iter_mut().find(|f| f.id == create::CUSTOMER) {
                f.set_text(&id);
            }
            form.set_customer(create::resolve_customer(&id, self.table.customers()));
        }
        self.overlays
            .push(Overlay::Form(FormState::new(FormKind::Create(form))));
    }

    /// After a key in the create form: the customer typed, resolved against the list.
    pub(super) fn resolve_create_customer(&mut self) {
        let customers = self.table.customers().clone();
        if let Some(form) = self.overlays.form_mut()
            && let FormKind::Create(f) = &mut form.kind
        {
            let typed = f
                .field(create::CUSTOMER)
                .map(|x| x.text_value().to_string())
                .unwrap_or_default();
            let pick = create::resolve_customer(&typed, &customers);
            if pick != f.customer {
                f.set_customer(pick);
            }
        }
    }

    /// `X`: what terminating the selected wallet does, and the name or id typed to go ahead.
    pub(super) fn open_terminate(&mut self) {
        let Some(w) = self.lifecycle_wallet() else { return };
        if let Some(why) = terminate::refusal(&w) {
            self.flash(FlashKind::Error, why);
            return;
        }
        let customer = self.customer_label(&w.customer_id);
        // Another wallet named the same (as shown) makes the name no proof of which one.
        let name = terminate::shown_name(w.name.as_deref());
        let name_shared = name.as_deref().is_some_and(|n| {
            self.table.rows.iter().any(|r| {
                r.wallet.id != w.id
                    && terminate::shown_name(r.wallet.name.as_deref())
                        .is_some_and(|o| terminate::same_name(&o, n))
            })
        });
        let mut form = TerminateForm::new(w, customer);
        form.name_shared = name_shared;
        let expected = form.expected();
        let summary = form.preview();
        let mut state = FormState::new(FormKind::Terminate(form));
        state.stage = Stage::Confirm {
            submission: Submission::Terminate { summary },
            typed: Input::default(),
            expected: Some(expected),
            mismatch: false,
        };
        self.overlays.push(Overlay::Form(state));
    }

    /// `D`: the manual debit form, with a fresh idempotency key (kept across retries of its
    /// confirm).
    pub(super) fn open_debit(&mut self) {
        let Some(w) = self.lifecycle_wallet() else { return };
        if w.wallet_status != WalletStatus::Active {
            self.flash(
                FlashKind::Error,
                format!(
                    "Not active: {} ({}) is {}; Flexprice debits active wallets only",
                    clean(w.display_name()),
                    w.id,
                    w.wallet_status
                ),
            );
            return;
        }
        let form = DebitForm::new(w, self.env.keys.next_key());
        self.overlays
            .push(Overlay::Form(FormState::new(FormKind::Debit(form))));
    }

    /// The selected wallet with its freshest balance (the real-time copy when it is newer).
    fn lifecycle_wallet(&self) -> Option<Wallet> {
        let id = self.table.selected_id()?;
        Some((*self.table.get(id)?.wallet).clone())
    }

    /// A new wallet answered: it is in the list and selected.
    pub(super) fn on_created(&mut self, result: Result<Created, ApiError>) -> Vec<Effect> {
        match result {
            Ok(Created { wallet, follow_up }) => {
                let id = wallet.id.clone();
                let text = format!(
                    "Created {} ({id}) for {} · balance {} {} · {} credits",
                    clean(wallet.display_name()),
                    self.customer_label(&wallet.customer_id),
                    format_amount(&wallet.balance, &wallet.currency),
                    wallet.currency.to_uppercase(),
                    format_credits(&wallet.credit_balance)
                );
                self.overlays.close(OverlayKind::Form);
                let mut effects = self.show_new_wallet(*wallet);
                match follow_up {
                    None => self.flash(FlashKind::Success, text),
                    Some(e) => {
                        self.log_error("update new wallet", &e);
                        // A lost reply may hide an update that landed: not called a failure,
                        // and the wallet is read back either way to show what is true.
                        let said = if e.outcome_unknown() {
                            format!(
                                "{text} · its name/price types may not be set (the reply was lost: {e}); \
                                 reading it back, e edits it"
                            )
                        } else {
                            format!("{text} · but its name/price types were not set: {e} (e edits it)")
                        };
                        self.flash(FlashKind::Error, said);
                        if self.feed != share::Feed::Follow {
                            effects.extend(self.refresh_wallet(&id));
                        }
                    }
                }
                effects
            }
            Err(e) => {
                self.log_error("create wallet", &e);
                let retry = self.overlays.form().is_some_and(|f| f.attempts > 1);
                // What the follow-up update would have set after the create (name, price types).
                let unset = self.overlays.form().is_some_and(|f| {
                    matches!(
                        &f.stage,
                        Stage::Sending {
                            submission: Submission::Create { follow_up, .. }
                        } if !follow_up.is_empty()
                    )
                });
                self.form_error(&e);
                let words = one_active_wallet_words(
                    &e,
                    retry,
                    |id| match self.customer(id) {
                        Some(c) if !c.name.is_empty() => format!("{} ({id})", c.name),
                        _ => id.to_string(),
                    },
                    |id| match self.table.get(id) {
                        Some(r) => format!("{} ({id})", clean(r.wallet.display_name())),
                        None => id.to_string(),
                    },
                );
                let words = words.map(|w| {
                    if retry && unset {
                        format!(
                            "{w} If it is, its name/price types were not set (they follow the create): \
                             e edits it."
                        )
                    } else {
                        w
                    }
                });
                if let Some(words) = words
                    && let Some(form) = self.overlays.form_mut()
                {
                    // Said once, in words, above the form (not also as Flexprice's sentence
                    // under the customer).
                    for f in form.fields_mut() {
                        f.error = None;
                    }
                    form.banner = Some(words);
                }
                Vec::new()
            }
        }
    }

    /// Puts a created wallet in the list and selects it (following over `serve`: once the
    /// leader's picture holds it).
    fn show_new_wallet(&mut self, wallet: Wallet) -> Vec<Effect> {
        let id = wallet.id.clone();
        if self.feed == share::Feed::Follow {
            self.take_wallets(vec![wallet]);
            self.show_when_followed = Some(id);
            return Vec::new();
        }
        self.table.upsert(wallet, self.now, self.live.cycle);
        self.show_wallet(&id)
    }

    pub(super) fn on_terminated(
        &mut self,
        wallet_id: String,
        result: Result<Option<Box<Wallet>>, ApiError>,
    ) -> Vec<Effect> {
        match result {
            Ok(w) => {
                self.overlays.close(OverlayKind::Form);
                let name = w
                    .as_ref()
                    .map_or_else(|| wallet_id.clone(), |w| clean(w.display_name()).into_owned());
                if let Some(w) = w {
                    self.take_wallets(vec![*w]);
                }
                self.flash(
                    FlashKind::Success,
                    format!("Terminated {name}: credits debited, closed ({wallet_id})"),
                );
                self.refresh_wallet(&wallet_id)
            }
            Err(e) if e.code() == Some("invalid_operation") && e.message().contains("already terminated") => {
                self.overlays.close(OverlayKind::Form);
                self.flash(
                    FlashKind::Info,
                    format!("Already terminated: {wallet_id} is closed; nothing more was debited"),
                );
                self.refresh_wallet(&wallet_id)
            }
            Err(e) => {
                self.log_error("terminate wallet", &e);
                if e.outcome_unknown() {
                    self.form_error(&e);
                } else {
                    self.overlays.close(OverlayKind::Form);
                    self.flash(FlashKind::Error, format!("Not terminated: {e}"));
                }
                Vec::new()
            }
        }
    }

    pub(super) fn on_debited(&mut self, wallet_id: String, result: Result<Debited, ApiError>) -> Vec<Effect> {
        match result {
            Ok(Debited::Applied(w)) => {
                let credits = match self.overlays.form().map(|f| &f.stage) {
                    Some(Stage::Sending {
                        submission: Submission::Debit { request, .. },
                    }) => format!("{} credits from ", format_credits(&request.credits)),
                    _ => String::new(),
                };
                let text = format!(
                    "Debited {credits}{} · balance {} {} · {} credits",
                    clean(w.display_name()),
                    format_amount(&w.balance, &w.currency),
                    w.currency.to_uppercase(),
                    format_credits(&w.credit_balance)
                );
                self.take_wallets(vec![*w]);
                self.overlays.close(OverlayKind::Form);
                self.flash(FlashKind::Success, text);
                self.refresh_wallet(&wallet_id)
            }
            Ok(Debited::AlreadyApplied {
                transaction_id,
                wallet,
            }) => {
                if let Some(w) = wallet {
                    self.take_wallets(vec![*w]);
                }
                self.overlays.close(OverlayKind::Form);
                self.flash(
                    FlashKind::Success,
                    format!("Already applied earlier: {transaction_id}; nothing was debited twice"),
                );
                self.refresh_wallet(&wallet_id)
            }
            Err(e) => {
                self.log_error("debit", &e);
                self.form_error(&e);
                Vec::new()
            }
        }
    }
}

/// Whether what was typed to confirm is the amount asked for, as a number: `100000.00` and
/// `100,000` are `100000`. A currency, if typed, must be the one asked for (any case).
pub(crate) fn same_amount(expected: &str, typed: &str) -> bool {
    fn split(text: &str) -> (Option<Decimal>, Option<String>) {
        let text = text.trim();
        let (number, code) = match text.rsplit_once(char::is_whitespace) {
            Some((n, c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
                (n, Some(c.to_ascii_uppercase()))
            }
            _ => (text, None),
        };
        let digits: String = number
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
            .collect();
        let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        (ok.then(|| digits.parse::<Decimal>().ok()).flatten(), code)
    }
    let (want, want_code) = split(expected);
    let (got, got_code) = split(typed);
    let code_ok = match (&want_code, &got_code) {
        (Some(w), Some(g)) => w == g,
        (None, Some(_)) => false,
        (_, None) => true,
    };
    want.is_some() && want == got && code_ok
}

#[cfg(test)]
mod confirm_tests {
    use super::same_amount;

    #[test]
    fn the_typed_amount_is_compared_as_a_number() {
        assert!(same_amount("100000", "100000.00"));
        assert!(same_amount("100000", "100,000"));
        assert!(same_amount("100000", " 100000 "));
        assert!(same_amount("100 EUR", "100.0 eur"));
        assert!(same_amount("100 EUR", "100"));
        assert!(!same_amount("100 EUR", "100 USD"));
        assert!(!same_amount("100000", "10000"));
        assert!(!same_amount("100000", "100000.01"));
        assert!(!same_amount("100000", "1e5"));
        assert!(!same_amount("100000", ""));
    }
}
