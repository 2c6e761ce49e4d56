//! The bulk form: one top-up (credits or amount, reason, expiry, description) for every marked wallet.

use chrono::{DateTime, Utc};

use crate::app::form::field::Field;
use flexprice_wire::dates;
use flexprice_wire::models::{Metadata, TransactionReason};
use flexprice_wire::money::{STORED_SCALE, parse_amount};
use flexwallet_bulk::plan::{DraftRow, Quantity};

pub const MODE: &str = "mode";
pub const VALUE: &str = "value";
pub const REASON: &str = "transaction_reason";
pub const EXPIRY: &str = "expiry_date_utc";
pub const DESCRIPTION: &str = "description";

#[derive(Debug, Clone)]
pub struct BulkForm {
    /// The marked wallets, in list order (the order fixes the job id and the row keys).
    pub wallet_ids: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A problem with the whole selection (a plan error naming no field).
    pub banner: Option<String>,
}

impl BulkForm {
    pub fn new(wallet_ids: Vec<String>) -> BulkForm {
        let reasons = TransactionReason::TOP_UP
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        BulkForm {
            wallet_ids,
            fields: vec![
                Field::choice(MODE, "Top up by", vec!["credits".into(), "amount".into()], 0),
                Field::text(VALUE, "Credits each", ""),
                Field::choice(REASON, "Reason", reasons, 0),
                Field::text(EXPIRY, "Expires", ""),
                Field::text(DESCRIPTION, "Description", ""),
            ],
            focus: 1,
            banner: None,
        }
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

    fn text(&self, id: &str) -> String {
        self.field(id)
            .map(|f| f.text_value().trim().to_string())
            .unwrap_or_default()
    }

    pub fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    /// Keeps the value's label in step with the mode.
    pub fn refresh_labels(&mut self) {
        let label = if self.by_amount() {
            "Amount each"
        } else {
            "Credits each"
        };
        if let Some(f) = self.field_mut(VALUE) {
            f.label = label.into();
            f.hint = Some(if label == "Amount each" {
                "in each wallet's currency, converted at its top-up rate".into()
            } else {
                "the same number of credits for every marked wallet".into()
            });
        }
    }

    /// The template row every wallet gets, or the fields' errors set on the form.
    pub fn template(&mut self, now: DateTime<Utc>) -> Option<DraftRow> {
        for f in &mut self.fields {
            f.error = None;
        }
        let value = self.text(VALUE);
        let quantity = match parse_amount(&value, STORED_SCALE) {
            Ok(v) if self.by_amount() => Some(Quantity::Amount(v)),
            Ok(v) => Some(Quantity::Credits(v)),
            Err(e) => {
                self.set_error(VALUE, format!("{value:?}: {e}"));
                None
            }
        };
        let i = self.field(REASON).map(Field::selected).unwrap_or(0);
        let reason = TransactionReason::TOP_UP.get(i).cloned().unwrap_or_default();
        let expiry_text = self.text(EXPIRY);
        let expiry = if expiry_text.is_empty() {
            Ok(None)
        } else {
            dates::parse_expiry_spec(&expiry_text)
                .and_then(|spec| dates::check_future(spec.resolve(now), now).map(|_| Some(spec)))
                .map_err(|e| e.to_string())
        };
        let expiry = match expiry {
            Ok(e) => e,
            Err(e) => {
                self.set_error(EXPIRY, e);
                return None;
            }
        };
        let description = Some(self.text(DESCRIPTION)).filter(|d| !d.is_empty());
        // The CSV's limit (flexwallet_bulk::limits), so the plan cannot refuse it row by row.
        if let Some(Err(e)) = description
            .as_deref()
            .map(flexwallet_bulk::limits::check_description)
        {
            self.set_error(DESCRIPTION, e);
            return None;
        }
        Some(DraftRow {
            line: 0,
            wallet_id: String::new(),
            quantity: quantity?,
            reason,
            expiry,
            priority: None,
            description,
            metadata: Metadata::default(),
            idempotency_key: None,
            currency: None,
        })
    }

    fn set_error(&mut self, id: &str, text: String) {
        if let Some(f) = self.field_mut(id) {
            f.error = Some(text);
        }
        if let Some(i) = self.fields.iter().position(|f| f.id == id) {
            self.focus = i;
        }
    }
}
