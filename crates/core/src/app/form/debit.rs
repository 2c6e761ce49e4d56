//! The manual debit form (`POST /wallets/{id}/debit`, `MANUAL_BALANCE_DEBIT`): credits, what it
//! corrects (kept in metadata), description, metadata, idempotency key; the balance after.

use rust_decimal::Decimal;

use super::field::{self, Field, metadata_error_id, parse_metadata};
use flexprice_wire::models::{DebitRequest, Metadata, TransactionReason, Wallet};
use flexprice_wire::money::{OUT_OF_RANGE, STORED_SCALE, format_amount, format_credits, parse_amount};
use flexwallet_bulk::limits;

pub const CREDITS: &str = "credits";
pub const CORRECTS: &str = "corrects";
pub const DESCRIPTION: &str = "description";
pub const KEY: &str = "idempotency_key";
/// The metadata key the reference to what a debit corrects is kept under.
pub const CORRECTS_KEY: &str = "corrects";

/// A debit checked and ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct DebitPlan {
    pub request: DebitRequest,
    /// The stored balance and credits after it, if computable.
    pub balance_after: Option<Decimal>,
    pub credits_after: Option<Decimal>,
    /// The credits as typed (asked again to confirm a debit that drives the balance negative).
    pub typed: String,
}

impl DebitPlan {
    /// Whether the debit leaves the wallet's credits below zero.
    pub fn goes_negative(&self) -> bool {
        self.credits_after.is_some_and(|c| c < Decimal::ZERO)
    }
}

#[derive(Debug, Clone)]
pub struct DebitForm {
    pub wallet: Wallet,
    pub fields: Vec<Field>,
}

impl DebitForm {
    pub fn new(wallet: Wallet, key: String) -> DebitForm {
        let mut fields = vec![
            Field::text(CREDITS, "Credits to debit", ""),
            Field::text(CORRECTS, "Corrects", ""),
            Field::text(DESCRIPTION, "Description", ""),
        ];
        fields.extend(field::metadata_fields(0, "", ""));
        fields.push(Field::text(KEY, "Idempotency key", &key));
        let mut form = DebitForm { wallet, fields };
        form.refresh_hints();
        form
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn field_mut(&mut self, id: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    fn text(&self, id: &str) -> &str {
        self.field(id).map(Field::text_value).unwrap_or("")
    }

    pub fn add_metadata_row(&mut self) -> usize {
        field::add_metadata_row(&mut self.fields)
    }

    /// The stored credits and balance after debiting `credits`.
    fn after(&self, credits: Decimal) -> (Option<Decimal>, Option<Decimal>) {
        let w = &self.wallet;
        let credits_after = w.credit_balance.checked_sub(credits);
        let balance_after = credits
            .checked_mul(w.conversion_rate)
            .and_then(|v| w.balance.checked_sub(v));
        (credits_after, balance_after)
    }

    pub fn refresh_hints(&mut self) {
        let cur = self.wallet.currency.to_uppercase();
        let value = parse_amount(self.text(CREDITS), STORED_SCALE).ok();
        let credits_hint = match value.map(|v| self.after(v)) {
            Some((Some(c), Some(b))) if c < Decimal::ZERO => Some(format!(
                "⚠ leaves {} credits ({} {cur}): below zero",
                format_credits(&c),
                format_amount(&b, &self.wallet.currency)
            )),
            Some((Some(c), Some(b))) => Some(format!(
                "leaves {} credits ({} {cur})",
                format_credits(&c),
                format_amount(&b, &self.wallet.currency)
            )),
            Some(_) => Some(OUT_OF_RANGE.to_string()),
            None => Some(format!(
                "credits, not {cur}: 1 credit = {} {cur}",
                format_amount(&self.wallet.conversion_rate, &self.wallet.currency)
            )),
        };
        if let Some(f) = self.field_mut(CREDITS) {
            f.hint = credits_hint;
        }
        if let Some(f) = self.field_mut(CORRECTS) {
            f.hint = Some("required: transaction, invoice or ticket it corrects".into());
        }
    }

    /// Validates every field; on success the plan, else errors left on the fields.
    pub fn validate(&mut self) -> Option<DebitPlan> {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let typed = self.text(CREDITS).trim().to_string();
        let credits = parse_amount(&typed, STORED_SCALE)
            .map_err(|e| errors.push((CREDITS.into(), e.to_string())))
            .ok();
        let corrects = self.text(CORRECTS).trim().to_string();
        if corrects.is_empty() {
            errors.push((
                CORRECTS.into(),
                "say what this debit corrects (a transaction id, invoice or ticket): it is kept with it"
                    .into(),
            ));
        } else if let Err(e) = limits::check_metadata_value(&corrects) {
            errors.push((CORRECTS.into(), e));
        }
        let description = self.text(DESCRIPTION).trim().to_string();
        if let Err(e) = limits::check_description(&description) {
            errors.push((DESCRIPTION.into(), e));
        }
        let pairs = field::metadata_pairs(&self.fields);
        let mut metadata = match parse_metadata(&pairs) {
            Ok(m) => m.unwrap_or_default(),
            Err((row, half, msg)) => {
                errors.push((metadata_error_id(row, half), msg));
                Metadata::new()
            }
        };
        if let Some(row) = pairs.iter().position(|(k, _)| k.trim() == CORRECTS_KEY) {
            errors.push((
                field::metadata_key_id(row),
                format!("\"{CORRECTS_KEY}\" is filled from the Corrects field above"),
            ));
        }
        if !corrects.is_empty() {
            metadata.insert(CORRECTS_KEY, &corrects);
            if let Err(e) = limits::check_metadata_count(metadata.len()) {
                errors.push((
                    field::metadata_key_id(0),
                    format!("{e} (with \"{CORRECTS_KEY}\")"),
                ));
            }
        }
        let key = self.text(KEY).trim().to_string();
        if key.is_empty() {
            errors.push((
                KEY.into(),
                "an idempotency key is needed: Flexprice requires one, and it makes a retry safe".into(),
            ));
        }
        let (credits_after, balance_after) = credits.map(|c| self.after(c)).unwrap_or((None, None));
        if credits.is_some() && (credits_after.is_none() || balance_after.is_none()) {
            errors.push((
                CREDITS.into(),
                format!("{OUT_OF_RANGE} for this wallet's balance"),
            ));
        }
        if field::show_errors(&mut self.fields, errors) {
            return None;
        }
        let request = DebitRequest {
            credits: credits?,
            transaction_reason: TransactionReason::ManualBalanceDebit,
            idempotency_key: key,
            description: Some(description).filter(|d| !d.is_empty()),
            metadata: Some(metadata),
        };
        Some(DebitPlan {
            request,
            balance_after,
            credits_after,
            typed,
        })
    }

    /// "balance 100.00 → 75.00 USD · credits 100.00 → 75.00 · −25.00 credits".
    pub fn preview(&self, plan: &DebitPlan) -> String {
        let w = &self.wallet;
        let cur = &w.currency;
        let show = |d: Option<Decimal>, f: &dyn Fn(&Decimal) -> String| {
            d.map_or_else(|| OUT_OF_RANGE.to_string(), |d| f(&d))
        };
        format!(
            "balance {} → {} {} · credits {} → {} · −{} credits",
            format_amount(&w.balance, cur),
            show(plan.balance_after, &|d| format_amount(d, cur)),
            cur.to_uppercase(),
            format_credits(&w.credit_balance),
            show(plan.credits_after, &|d| format_credits(d)),
            format_credits(&plan.request.credits)
        )
    }

    /// The warning shown above the preview when the debit drives the balance below zero.
    pub fn warning(&self, plan: &DebitPlan) -> Option<String> {
        plan.goes_negative().then(|| {
            format!(
                "this debit drives the balance negative ({} {}): Flexprice allows it, the customer then owes it",
                plan.balance_after
                    .map_or_else(|| OUT_OF_RANGE.to_string(), |b| format_amount(&b, &self.wallet.currency)),
                self.wallet.currency.to_uppercase()
            )
        })
    }

    pub fn place_server_error(&mut self, field: Option<&str>, message: &str) -> bool {
        let id = match field {
            Some("credits") => CREDITS.to_string(),
            Some("metadata") => field::metadata_key_id(0),
            Some("idempotency_key") => KEY.to_string(),
            Some("description") => DESCRIPTION.to_string(),
            _ => return false,
        };
        match self.field_mut(&id) {
            Some(f) => {
                f.error = Some(message.to_string());
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn wallet() -> Wallet {
        Wallet {
            id: "wallet_1".into(),
            currency: "usd".into(),
            balance: Decimal::from(100),
            credit_balance: Decimal::from(50),
            conversion_rate: Decimal::from(2),
            ..Default::default()
        }
    }

    fn set(form: &mut DebitForm, id: &str, text: &str) {
        form.fields
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap()
            .set_text(text);
    }

    #[test]
    fn a_debit_keeps_what_it_corrects_in_metadata_and_shows_the_balance_after() {
        let mut f = DebitForm::new(wallet(), "k1".into());
        set(&mut f, CREDITS, "12.5");
        set(&mut f, CORRECTS, "wtxn_01ABC");
        set(&mut f, DESCRIPTION, "double grant");
        set(&mut f, "metadata.0.key", "ticket");
        set(&mut f, "metadata.0.value", "INC-7");
        let plan = f.validate().expect("valid");
        assert_eq!(plan.request.credits, Decimal::from_str("12.5").unwrap());
        assert_eq!(
            plan.request.transaction_reason,
            TransactionReason::ManualBalanceDebit
        );
        assert_eq!(plan.request.idempotency_key, "k1");
        let m = plan.request.metadata.clone().unwrap();
        assert_eq!(m.get(CORRECTS_KEY), Some("wtxn_01ABC"));
        assert_eq!(m.get("ticket"), Some("INC-7"));
        assert!(!plan.goes_negative());
        assert_eq!(
            f.preview(&plan),
            "balance 100.00 → 75.00 USD · credits 50.00 → 37.50 · −12.50 credits"
        );
        assert_eq!(f.warning(&plan), None);
    }

    #[test]
    fn strict_amounts_a_required_reference_and_a_key() {
        let mut f = DebitForm::new(wallet(), "".into());
        for bad in ["1e3", "-5", "0", "1,000", "0.0000000001", "abc"] {
            set(&mut f, CREDITS, bad);
            assert!(f.validate().is_none(), "{bad}");
            assert!(f.field(CREDITS).unwrap().error.is_some(), "{bad} has no error");
        }
        assert!(f.field(CORRECTS).unwrap().error.is_some());
        assert!(f.field(KEY).unwrap().error.is_some());
    }

    #[test]
    fn hostile_amounts_are_refused_or_taken_exactly() {
        let mut f = DebitForm::new(wallet(), "k".into());
        set(&mut f, CORRECTS, "wtxn_1");
        for bad in [
            "1e5",
            "-5",
            "0",
            "5,00",
            "+-5",
            "\u{0665}",
            "5 5",
            "NaN",
            "inf",
            "99999999999999999999999999999",
            "79228162514264337593543950336",
        ] {
            set(&mut f, CREDITS, bad);
            assert!(f.validate().is_none(), "{bad:?} was taken");
            f.refresh_hints();
        }
        set(&mut f, CREDITS, " 5 ");
        assert_eq!(f.validate().map(|p| p.request.credits), Some(Decimal::from(5)));
        // The most a Decimal holds: its balance after does not fit (x 2), so it is refused,
        // never wrapped or shown cut.
        set(&mut f, CREDITS, "79228162514264337593543950335");
        assert!(f.validate().is_none());
        f.refresh_hints();
        let mut w = wallet();
        w.conversion_rate = Decimal::ONE;
        w.credit_balance = Decimal::MIN;
        let mut f = DebitForm::new(w, "k".into());
        set(&mut f, CORRECTS, "wtxn_1");
        set(&mut f, CREDITS, "1");
        assert!(f.validate().is_none(), "credits after below Decimal::MIN");
        f.refresh_hints();
    }

    #[test]
    fn the_corrects_key_is_not_typed_twice() {
        let mut f = DebitForm::new(wallet(), "k".into());
        set(&mut f, CREDITS, "1");
        set(&mut f, CORRECTS, "INV-1");
        set(&mut f, "metadata.0.key", "corrects");
        set(&mut f, "metadata.0.value", "other");
        assert!(f.validate().is_none());
        assert!(f.field("metadata.0.key").unwrap().error.is_some());
    }

    #[test]
    fn a_debit_past_zero_warns() {
        let mut f = DebitForm::new(wallet(), "k".into());
        set(&mut f, CREDITS, "60");
        set(&mut f, CORRECTS, "wtxn_1");
        let plan = f.validate().unwrap();
        assert!(plan.goes_negative());
        assert_eq!(plan.credits_after, Some(Decimal::from(-10)));
        assert_eq!(plan.balance_after, Some(Decimal::from(-20)));
        let w = f.warning(&plan).unwrap();
        assert!(w.contains("negative (-20.00 USD)"), "{w}");
        f.refresh_hints();
        assert!(
            f.field(CREDITS)
                .unwrap()
                .hint
                .as_deref()
                .unwrap()
                .starts_with('⚠')
        );
    }
}
