//! The top-up form: credits or amount, reason, expiry, priority, description, metadata, key.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::field::{self, Field, metadata_error_id, parse_metadata};
use flexprice_wire::models::{TopUpRequest, TransactionReason, Wallet};
use flexprice_wire::money::{OUT_OF_RANGE, STORED_SCALE, format_amount, format_credits, parse_amount};
use flexwallet_bulk::limits;

pub const MODE: &str = "mode";
pub const VALUE: &str = "credits_to_add";
pub const REASON: &str = "transaction_reason";
pub const EXPIRY: &str = "expiry_date_utc";
pub const PRIORITY: &str = "priority";
pub const DESCRIPTION: &str = "description";
pub const KEY: &str = "idempotency_key";

/// What the operator asked for, checked and ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct TopUpPlan {
    pub request: TopUpRequest,
    /// Credits the wallet gains (computed from the amount in amount mode).
    pub credits: Decimal,
    /// What the operator typed, as typed (the confirm dialog asks for it again).
    pub typed: String,
    /// The currency typed after an amount (`100 EUR`), if any.
    pub currency: Option<String>,
}

/// The wallet's usual top-up, for the "far above usual" question: read from its ledger when
/// the form opens.
#[derive(Debug, Clone, PartialEq)]
pub enum UsualTopUp {
    Loading,
    Known(Option<flexwallet_bulk::mistakes::Usual>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct TopUpForm {
    pub wallet: Wallet,
    pub fields: Vec<Field>,
    pub usual: UsualTopUp,
}

fn reason_options() -> Vec<String> {
    TransactionReason::TOP_UP
        .iter()
        .map(|r| r.as_str().to_string())
        .collect()
}

/// `100 EUR` → (`100`, `EUR`); text without a trailing three-letter code is all number.
fn split_currency(text: &str) -> (&str, Option<&str>) {
    match text.rsplit_once(char::is_whitespace) {
        Some((number, code)) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) => {
            (number.trim_end(), Some(code))
        }
        _ => (text, None),
    }
}

impl TopUpForm {
    pub fn new(wallet: Wallet, key: String, now: DateTime<Utc>) -> TopUpForm {
        let fields = vec![
            Field::choice(MODE, "Top up by", vec!["credits".into(), "amount".into()], 0),
            Field::text(VALUE, "Credits", ""),
            Field::choice(REASON, "Reason", reason_options(), 0),
            Field::text(EXPIRY, "Expires", ""),
            Field::text(PRIORITY, "Priority", ""),
            Field::text(DESCRIPTION, "Description", ""),
        ];
        let mut fields = fields;
        fields.extend(field::metadata_fields(0, "", ""));
        fields.push(Field::text(KEY, "Idempotency key", &key));
        let mut form = TopUpForm {
            wallet,
            fields,
            usual: UsualTopUp::Loading,
        };
        form.refresh_hints(now);
        form
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn field_mut(&mut self, id: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    pub fn by_amount(&self) -> bool {
        self.field(MODE).is_some_and(|f| f.selected() == 1)
    }

    pub fn reason(&self) -> TransactionReason {
        let i = self.field(REASON).map(Field::selected).unwrap_or(0);
        TransactionReason::TOP_UP.get(i).cloned().unwrap_or_default()
    }

    fn text(&self, id: &str) -> &str {
        self.field(id).map(Field::text_value).unwrap_or("")
    }

    pub fn metadata_pairs(&self) -> Vec<(&str, &str)> {
        field::metadata_pairs(&self.fields)
    }

    /// Adds a metadata row after the last one; returns its field index.
    pub fn add_metadata_row(&mut self) -> usize {
        field::add_metadata_row(&mut self.fields)
    }

    /// Updates the live hints: the other unit, the reason's meaning, the resolved expiry.
    pub fn refresh_hints(&mut self, now: DateTime<Utc>) {
        let w = &self.wallet;
        let cur = w.currency.clone();
        let rate = w.topup_rate();
        let by_amount = self.by_amount();
        let value = parse_amount(self.text(VALUE), STORED_SCALE).ok();
        let value_hint = match (value, by_amount) {
            (Some(v), false) => Some(match v.checked_mul(rate) {
                Some(a) => format!("= {} {}", format_amount(&a, &cur), cur.to_uppercase()),
                None => OUT_OF_RANGE.to_string(),
            }),
            (Some(v), true) if !rate.is_zero() => Some(match v.checked_div(rate) {
                Some(c) => format!("= {} credits", format_credits(&c.normalize())),
                None => OUT_OF_RANGE.to_string(),
            }),
            _ => None,
        };
        let reason_hint = self.reason().meaning().to_string();
        let expiry_hint = match self.text(EXPIRY).trim() {
            "" => Some("never (RFC3339, YYYY-MM-DD or +30d)".to_string()),
            t => match flexprice_wire::dates::parse_expiry(t, now) {
                Ok(at) => Some(format!("= {}", at.format("%Y-%m-%d %H:%M:%S UTC"))),
                Err(_) => None,
            },
        };
        let label = if by_amount {
            format!("Amount ({})", cur.to_uppercase())
        } else {
            "Credits".to_string()
        };
        if let Some(f) = self.field_mut(VALUE) {
            f.label = label;
            f.hint = value_hint;
        }
        if let Some(f) = self.field_mut(REASON) {
            f.hint = Some(reason_hint);
        }
        if let Some(f) = self.field_mut(EXPIRY) {
            f.hint = expiry_hint;
        }
        if let Some(f) = self.field_mut(PRIORITY) {
            f.hint = Some("lower is consumed first (empty: none)".into());
        }
    }

    /// Validates every field; on success returns the plan, else leaves errors on the fields.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Option<TopUpPlan> {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let typed = self.text(VALUE).trim().to_string();
        // An amount may name its currency (`100 EUR`): one unlike the wallet's asks first.
        let (number, currency) = split_currency(&typed);
        let (number, currency) = (number.to_string(), currency.map(str::to_string));
        if currency.is_some() && !self.by_amount() {
            errors.push((
                VALUE.into(),
                "credits have no currency: choose \"Top up by amount\" to give one".into(),
            ));
        }
        let value = parse_amount(&number, STORED_SCALE)
            .map_err(|e| errors.push((VALUE.into(), e.to_string())))
            .ok();
        let expiry = match self.text(EXPIRY).trim() {
            "" => None,
            t => flexprice_wire::dates::parse_expiry(t, now)
                .map_err(|e| errors.push((EXPIRY.into(), e.to_string())))
                .ok(),
        };
        let priority = match self.text(PRIORITY).trim() {
            "" => None,
            t => flexprice_wire::words::whole_number(t)
                .map_err(|e| errors.push((PRIORITY.into(), e)))
                .ok(),
        };
        let metadata = match parse_metadata(&self.metadata_pairs()) {
            Ok(m) => m,
            Err((row, half, msg)) => {
                errors.push((metadata_error_id(row, half), msg));
                None
            }
        };
        let description = self.text(DESCRIPTION).trim().to_string();
        if let Err(e) = limits::check_description(&description) {
            errors.push((DESCRIPTION.into(), e));
        }
        let key = self.text(KEY).trim().to_string();
        if key.is_empty() {
            errors.push((
                KEY.into(),
                "an idempotency key is needed: it makes a retry safe".into(),
            ));
        }
        let by_amount = self.by_amount();
        let rate = self.wallet.topup_rate();
        if by_amount && rate.is_zero() {
            errors.push((
                VALUE.into(),
                "this wallet has no top-up conversion rate: top up by credits".into(),
            ));
        }
        // What the preview will compute must be computable: credits, their price, the balance after.
        let computable = value.and_then(|v| {
            let credits = if by_amount { v.checked_div(rate)? } else { v };
            credits.checked_mul(self.wallet.topup_rate())?;
            self.wallet
                .balance
                .checked_add(credits.checked_mul(self.wallet.conversion_rate)?)
        });
        if value.is_some() && computable.is_none() && !(by_amount && rate.is_zero()) {
            errors.push((
                VALUE.into(),
                format!("{OUT_OF_RANGE} for this wallet's balance and rates"),
            ));
        }
        if field::show_errors(&mut self.fields, errors) {
            return None;
        }
        let value = value?;
        let credits = if by_amount {
            value.checked_div(rate)?.normalize()
        } else {
            value
        };
        let description = Some(description).filter(|d| !d.is_empty());
        let request = TopUpRequest {
            transaction_reason: self.reason(),
            credits_to_add: (!by_amount).then_some(value),
            amount: by_amount.then_some(value),
            expiry_date_utc: expiry,
            priority,
            idempotency_key: Some(key),
            description,
            metadata,
        };
        Some(TopUpPlan {
            request,
            credits,
            typed,
            currency,
        })
    }

    /// Every reason to ask before sending `plan` (closed or frozen wallet, another currency, far
    /// above the usual top-up), as bulk asks them; and a note when the usual is not known.
    pub fn mistakes(&self, plan: &TopUpPlan) -> (Vec<flexwallet_bulk::mistakes::Mistake>, Option<String>) {
        let (usual, note) = match &self.usual {
            UsualTopUp::Known(u) => (u.as_ref(), None),
            UsualTopUp::Loading => (None, Some("its usual top-up is still being read".to_string())),
            UsualTopUp::Failed(e) => (None, Some(format!("its usual top-up could not be read ({e})"))),
        };
        (
            flexwallet_bulk::mistakes::check(&self.wallet, plan.credits, plan.currency.as_deref(), usual),
            note,
        )
    }

    /// Places a server error under the field it names (`details` key), or returns it back.
    pub fn place_server_error(&mut self, field: Option<&str>, message: &str) -> bool {
        let id = match field {
            Some("credits_to_add") | Some("amount") | Some("credits") => VALUE.to_string(),
            Some("metadata") => field::metadata_key_id(0),
            Some(f) => f.to_string(),
            None => return false,
        };
        match self.field_mut(&id) {
            Some(f) => {
                f.error = Some(message.to_string());
                true
            }
            None => false,
        }
    }

    /// "balance 100.00 → 125.00 USD · purchased +25 credits".
    pub fn preview(&self, plan: &TopUpPlan) -> String {
        let w = &self.wallet;
        let cur = &w.currency;
        let bucket = match plan.request.transaction_reason.bucket() {
            Some(flexprice_wire::models::CreditBucket::Purchased) => "purchased",
            Some(flexprice_wire::models::CreditBucket::Free) => "free",
            None => "other",
        };
        let credits = format!("{bucket} +{} credits", format_credits(&plan.credits));
        if plan.request.transaction_reason == TransactionReason::PurchasedCreditInvoiced {
            let price = plan
                .credits
                .checked_mul(w.topup_rate())
                .map_or_else(|| OUT_OF_RANGE.to_string(), |p| format_amount(&p, cur));
            return format!(
                "balance stays {} {} · {credits} pending until the invoice ({} {}) is paid",
                format_amount(&w.balance, cur),
                cur.to_uppercase(),
                price,
                cur.to_uppercase()
            );
        }
        let after = plan
            .credits
            .checked_mul(w.conversion_rate)
            .and_then(|c| w.balance.checked_add(c))
            .map_or_else(|| OUT_OF_RANGE.to_string(), |a| format_amount(&a, cur));
        format!(
            "balance {} → {} {} · {credits}",
            format_amount(&w.balance, cur),
            after,
            cur.to_uppercase()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn wallet() -> Wallet {
        Wallet {
            id: "wallet_1".into(),
            currency: "usd".into(),
            balance: Decimal::from(100),
            credit_balance: Decimal::from(50),
            conversion_rate: Decimal::from(2),
            topup_conversion_rate: Some(Decimal::from_str("2.5").unwrap()),
            ..Default::default()
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    fn set(form: &mut TopUpForm, id: &str, text: &str) {
        form.fields
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap()
            .set_text(text);
    }

    #[test]
    fn credits_plan_and_preview() {
        let mut f = TopUpForm::new(wallet(), "k1".into(), now());
        set(&mut f, VALUE, "25");
        f.refresh_hints(now());
        assert_eq!(f.field(VALUE).unwrap().hint.as_deref(), Some("= 62.50 USD"));
        let plan = f.validate(now()).unwrap();
        assert_eq!(plan.request.credits_to_add, Some(Decimal::from(25)));
        assert_eq!(plan.request.idempotency_key.as_deref(), Some("k1"));
        assert_eq!(
            f.preview(&plan),
            "balance 100.00 → 150.00 USD · purchased +25.00 credits"
        );
    }

    #[test]
    fn amount_mode_computes_credits() {
        let mut f = TopUpForm::new(wallet(), "k1".into(), now());
        f.fields[0].step(true);
        set(&mut f, VALUE, "25");
        f.refresh_hints(now());
        assert_eq!(f.field(VALUE).unwrap().hint.as_deref(), Some("= 10.00 credits"));
        let plan = f.validate(now()).unwrap();
        assert_eq!(plan.request.amount, Some(Decimal::from(25)));
        assert_eq!(plan.request.credits_to_add, None);
        assert_eq!(plan.credits, Decimal::from(10));
    }

    #[test]
    fn every_bad_field_gets_its_message() {
        let mut f = TopUpForm::new(wallet(), "".into(), now());
        set(&mut f, VALUE, "1e3");
        set(&mut f, EXPIRY, "2020-01-01");
        set(&mut f, PRIORITY, "-1");
        set(&mut f, "metadata.0.value", "a value without its key");
        assert!(f.validate(now()).is_none());
        for id in [VALUE, EXPIRY, PRIORITY, "metadata.0.key", KEY] {
            assert!(f.field(id).unwrap().error.is_some(), "{id} has no error");
        }
    }

    #[test]
    fn description_and_metadata_are_held_to_the_bulk_plan_limits() {
        let max = flexwallet_bulk::limits::MAX_DESCRIPTION_CHARS;
        let mut f = TopUpForm::new(wallet(), "k1".into(), now());
        set(&mut f, VALUE, "5");
        set(&mut f, DESCRIPTION, &"d".repeat(max));
        assert!(f.validate(now()).is_some(), "at the limit is fine");
        set(&mut f, DESCRIPTION, &"d".repeat(max + 1));
        f.add_metadata_row();
        set(&mut f, "metadata.0.key", "ticket");
        set(&mut f, "metadata.0.value", "INC-1");
        set(&mut f, "metadata.1.key", "note");
        set(&mut f, "metadata.1.value", &"v".repeat(501));
        assert!(f.validate(now()).is_none());
        assert_eq!(
            f.field(DESCRIPTION).unwrap().error.as_deref(),
            Some("is 1,001 characters long: at most 1,000")
        );
        assert_eq!(
            f.field("metadata.1.value").unwrap().error.as_deref(),
            Some("the value is 501 characters long: at most 500")
        );
        assert!(f.field("metadata.0.key").unwrap().error.is_none());
        set(&mut f, DESCRIPTION, "");
        set(&mut f, "metadata.1.key", &"k".repeat(41));
        set(&mut f, "metadata.1.value", "x");
        assert!(f.validate(now()).is_none());
        assert_eq!(
            f.field("metadata.1.key").unwrap().error.as_deref(),
            Some("the key is 41 characters long: at most 40")
        );
    }

    #[test]
    fn invoiced_preview_says_pending() {
        let mut f = TopUpForm::new(wallet(), "k".into(), now());
        f.fields[2].step(true);
        assert_eq!(f.reason(), TransactionReason::PurchasedCreditInvoiced);
        set(&mut f, VALUE, "4");
        let plan = f.validate(now()).unwrap();
        assert!(
            f.preview(&plan)
                .contains("pending until the invoice (10.00 USD) is paid"),
            "{}",
            f.preview(&plan)
        );
    }

    #[test]
    fn server_errors_land_under_their_field() {
        let mut f = TopUpForm::new(wallet(), "k".into(), now());
        assert!(f.place_server_error(Some("credits_to_add"), "Credits to add must be a positive value"));
        assert_eq!(
            f.field(VALUE).unwrap().error.as_deref(),
            Some("Credits to add must be a positive value")
        );
        assert!(f.place_server_error(Some("transaction_reason"), "Invalid transaction reason"));
        assert!(!f.place_server_error(None, "x"));
    }
}
