//! The bulk form: one top-up (credits or amount, reason, expiry, priority, description, metadata)
//! for every marked wallet.

use chrono::{DateTime, Utc};

use crate::app::form::field::{self, Field, metadata_error_id, parse_metadata};
use crate::key::KeyEvent;
use flexprice_wire::dates;
use flexprice_wire::models::TransactionReason;
use flexprice_wire::money::{STORED_SCALE, parse_amount};
use flexwallet_bulk::plan::{DraftRow, Quantity};

pub const MODE: &str = "mode";
pub const VALUE: &str = "value";
pub const REASON: &str = "transaction_reason";
pub const EXPIRY: &str = "expiry_date_utc";
pub const PRIORITY: &str = "priority";
pub const DESCRIPTION: &str = "description";

#[derive(Debug, Clone)]
pub struct BulkForm {
    /// The marked wallets, in list order (the order fixes the job id and the row keys).
    pub wallet_ids: Vec<String>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A problem with the whole selection (a plan error naming no field).
    pub banner: Option<String>,
    /// Something was typed, chosen, added or removed since the form opened: `Esc` asks first.
    pub dirty: bool,
    /// `Esc` on a dirty form: "discard the changes?" is on screen, and only its keys count.
    pub asking_discard: bool,
}

impl BulkForm {
    pub fn new(wallet_ids: Vec<String>) -> BulkForm {
        let reasons = TransactionReason::TOP_UP
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        let mut expiry = Field::text(EXPIRY, "Expires", "");
        expiry.hint = Some("empty: never · RFC3339, YYYY-MM-DD or +30d".into());
        let mut priority = Field::text(PRIORITY, "Priority", "");
        priority.hint = Some("lower is consumed first (empty: none)".into());
        let mut fields = vec![
            Field::choice(MODE, "Top up by", vec!["credits".into(), "amount".into()], 0),
            Field::text(VALUE, "Credits each", ""),
            Field::choice(REASON, "Reason", reasons, 0),
            expiry,
            priority,
            Field::text(DESCRIPTION, "Description", ""),
        ];
        fields.extend(field::metadata_fields(0, "", ""));
        BulkForm {
            wallet_ids,
            fields,
            focus: 1,
            banner: None,
            dirty: false,
            asking_discard: false,
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

    /// `ctrl-n` on a metadata row: a row after the last one, its key focused.
    pub fn add_row(&mut self) {
        if self.fields.get(self.focus).is_some_and(field::is_metadata) {
            self.focus = field::add_metadata_row(&mut self.fields);
            self.dirty = true;
        }
    }

    /// `ctrl-x` on a metadata row: removed (the last one is emptied).
    pub fn remove_row(&mut self) {
        if let Some(at) = field::remove_metadata_row(&mut self.fields, self.focus) {
            self.focus = at;
            self.dirty = true;
        }
    }

    /// A key typed into the focused text field, or a choice stepped (`choice`: which way).
    pub fn edit(&mut self, key: KeyEvent, choice: Option<bool>) {
        let Some(x) = self.fields.get_mut(self.focus) else {
            return;
        };
        match choice {
            Some(forward) if !x.is_text() => {
                x.step(forward);
                self.dirty = true;
                self.refresh_labels();
            }
            _ => {
                if x.input(key) {
                    x.error = None;
                    self.dirty = true;
                }
            }
        }
    }

    /// Pasted text into the focused text field.
    pub fn paste(&mut self, text: &str) {
        if let Some(x) = self.fields.get_mut(self.focus)
            && x.paste(text)
        {
            x.error = None;
            self.dirty = true;
        }
    }

    /// Keeps the value's label in step with the mode, and says what the reason means.
    pub fn refresh_labels(&mut self) {
        let i = self.field(REASON).map(Field::selected).unwrap_or(0);
        let meaning = TransactionReason::TOP_UP
            .get(i)
            .map(TransactionReason::meaning)
            .unwrap_or_default();
        if let Some(f) = self.field_mut(REASON) {
            f.hint = Some(meaning.into());
        }
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
        let priority = match field::parse_priority(&self.text(PRIORITY)) {
            Ok(p) => p,
            Err(e) => {
                self.set_error(PRIORITY, e);
                return None;
            }
        };
        let metadata = match parse_metadata(&field::metadata_pairs(&self.fields)) {
            Ok(m) => m.unwrap_or_default(),
            Err((row, half, e)) => {
                self.set_error(&metadata_error_id(row, half), e);
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
            priority,
            description,
            metadata,
            idempotency_key: None,
            currency: None,
        })
    }

    fn set_error(&mut self, id: &str, text: String) {
        if let Some(f) = self.field_mut(id) {
            f.error = Some(text);
        }
        // The focus goes to the first field at fault, wherever the checks found them.
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
    }
}
