//! The create-wallet form: every field of `POST /wallets` (customer by id, external id or
//! name, currency, type, rates, initial credits, alerts, auto top-up, description, metadata),
//! and the two Flexprice's create does not take (name, price types), sent right after it as an
//! update.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::field::{self, Field, metadata_error_id, parse_metadata};
use super::update::{ALERT_ENABLED, LEVELS, PRICE_TYPES, condition_id, threshold_id};
use super::update::{
    AT_AMOUNT, AT_COOLDOWN, AT_ENABLED, AT_INVOICING, AT_THRESHOLD, AT_UNIT, parse_threshold,
};
use crate::app::customers::Customers;
use flexprice_wire::models::{
    AlertCondition, AlertSettings, AlertThreshold, AutoTopup, Cooldown, CreateWalletRequest, DurationUnit,
    PriceType, UpdateWalletRequest, WalletConfig, WalletType,
};
use flexprice_wire::money::{RATE_SCALE, STORED_SCALE, format_amount, format_credits, parse_amount};
use flexprice_wire::text::clean;
use flexwallet_bulk::limits;

pub const CUSTOMER: &str = "customer";
pub const CURRENCY: &str = "currency";
pub const NAME: &str = "name";
pub const TYPE: &str = "wallet_type";
pub const DESCRIPTION: &str = "description";
pub const RATE: &str = "conversion_rate";
pub const TOPUP_RATE: &str = "topup_conversion_rate";
pub const INITIAL: &str = "initial_credits_to_load";
pub const INITIAL_EXPIRY: &str = "initial_credits_expiry_date_utc";

const TYPES: [&str; 2] = ["PRE_PAID", "POST_PAID"];
const CONDITIONS: [&str; 2] = ["below", "above"];
const UNITS: [&str; 4] = ["second", "minute", "hour", "day"];
/// Customers named in the hint when what was typed matches several.
const CANDIDATES: usize = 3;

/// Who the typed customer is, as far as the customer list knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CustomerPick {
    #[default]
    Empty,
    /// A customer id the list knows (typed as the id, or as the customer's exact name).
    Known { id: String, name: String },
    /// An external id: a known customer's, or one the list does not hold (Flexprice checks
    /// external ids, and refuses an unknown one).
    External {
        external_id: String,
        known: Option<(String, String)>,
    },
    /// Part of several customers' names or ids: `(name, id)` of the first few.
    Ambiguous(Vec<(String, String)>),
}

/// Resolves `typed` against the customers: an id, then an external id, then an exact name
/// (any case); otherwise the names and ids it is part of; otherwise an external id the list
/// does not hold. A customer id the list does not know is never sent as `customer_id`:
/// Flexprice does not check those and would make a wallet for nobody.
pub fn resolve_customer(typed: &str, customers: &Customers) -> CustomerPick {
    let t = typed.trim();
    if t.is_empty() {
        return CustomerPick::Empty;
    }
    if let Some(c) = customers.get(t) {
        return CustomerPick::Known {
            id: t.to_string(),
            name: c.name.clone(),
        };
    }
    if let Some((id, c)) = customers.iter().find(|(_, c)| c.external_id == t) {
        return CustomerPick::External {
            external_id: t.to_string(),
            known: Some((id.clone(), c.name.clone())),
        };
    }
    let lower = t.to_lowercase();
    let mut named: Vec<(&String, &str)> = customers
        .iter()
        .filter(|(_, c)| c.name.to_lowercase() == lower)
        .map(|(id, c)| (id, c.name.as_str()))
        .collect();
    if named.len() == 1
        && let Some((id, name)) = named.pop()
    {
        return CustomerPick::Known {
            id: id.clone(),
            name: name.to_string(),
        };
    }
    let mut partial: Vec<(String, String)> = customers
        .iter()
        .filter(|(id, c)| {
            c.name.to_lowercase().contains(&lower)
                || c.external_id.to_lowercase().contains(&lower)
                || id.to_lowercase().contains(&lower)
        })
        .map(|(id, c)| (c.name.clone(), id.clone()))
        .collect();
    if partial.is_empty() {
        return CustomerPick::External {
            external_id: t.to_string(),
            known: None,
        };
    }
    partial.sort();
    partial.truncate(CANDIDATES + 1);
    CustomerPick::Ambiguous(partial)
}

/// A create checked and ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatePlan {
    pub request: CreateWalletRequest,
    /// What `POST /wallets` cannot set (name, price types), sent as an update right after it;
    /// empty when there is none.
    pub follow_up: UpdateWalletRequest,
    /// Every choice, in words, for the confirm step.
    pub summary: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CreateForm {
    pub fields: Vec<Field>,
    pub customer: CustomerPick,
    /// The clock at the last edit: an expiry typed as `+30d` is shown resolved.
    pub clock: Option<DateTime<Utc>>,
}

impl Default for CreateForm {
    fn default() -> Self {
        CreateForm::new()
    }
}

impl CreateForm {
    pub fn new() -> CreateForm {
        let mut fields = vec![
            Field::text(CUSTOMER, "Customer", ""),
            Field::text(CURRENCY, "Currency", ""),
            Field::choice(TYPE, "Wallet type", TYPES.map(String::from).to_vec(), 0),
            Field::text(NAME, "Name", ""),
            Field::text(DESCRIPTION, "Description", ""),
            Field::text(RATE, "Conversion rate", ""),
            Field::text(TOPUP_RATE, "Top-up rate", ""),
            Field::text(INITIAL, "Initial credits", ""),
            Field::text(INITIAL_EXPIRY, "  expire", ""),
        ];
        fields.extend(field::metadata_fields(0, "", ""));
        fields.push(Field::toggle(ALERT_ENABLED, "Alerts enabled", false));
        for level in LEVELS {
            let label = format!("{}{} threshold", level[..1].to_uppercase(), &level[1..]);
            fields.push(Field::text(&threshold_id(level), &label, ""));
            fields.push(Field::choice(
                &condition_id(level),
                "  when balance is",
                CONDITIONS.map(String::from).to_vec(),
                0,
            ));
        }
        fields.push(Field::toggle(AT_ENABLED, "Auto top-up", false));
        fields.push(Field::text(AT_THRESHOLD, "  threshold", ""));
        fields.push(Field::text(AT_AMOUNT, "  amount", ""));
        fields.push(Field::toggle(AT_INVOICING, "  invoicing", false));
        fields.push(Field::text(AT_COOLDOWN, "  cooldown", ""));
        fields.push(Field::choice(
            AT_UNIT,
            "  cooldown unit",
            UNITS.map(String::from).to_vec(),
            2,
        ));
        for (id, pt) in PRICE_TYPES {
            fields.push(Field::toggle(
                id,
                &format!("Price type {}", pt.as_str()),
                pt == PriceType::Usage,
            ));
        }
        let mut form = CreateForm {
            fields,
            customer: CustomerPick::Empty,
            clock: None,
        };
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

    fn on(&self, id: &str) -> bool {
        self.field(id).is_some_and(Field::on)
    }

    pub fn add_metadata_row(&mut self) -> usize {
        field::add_metadata_row(&mut self.fields)
    }

    pub fn wallet_type(&self) -> WalletType {
        match self.field(TYPE).map(Field::selected) {
            Some(1) => WalletType::PostPaid,
            _ => WalletType::PrePaid,
        }
    }

    /// The price types Flexprice gives a new wallet of this type.
    fn default_price_types(&self) -> Vec<PriceType> {
        match self.wallet_type() {
            WalletType::PostPaid => vec![PriceType::All],
            _ => vec![PriceType::Usage],
        }
    }

    /// Whether anything was typed or changed (Esc then asks before throwing it away).
    pub fn is_dirty(&self) -> bool {
        let fresh = CreateForm::new();
        self.fields.len() != fresh.fields.len()
            || self
                .fields
                .iter()
                .zip(&fresh.fields)
                .any(|(a, b)| a.text_value() != b.text_value())
    }

    /// The customer the list resolved, and the live hints.
    pub fn set_customer(&mut self, pick: CustomerPick) {
        self.customer = pick;
        self.refresh_hints();
    }

    pub fn refresh_hints(&mut self) {
        let customer_hint = match &self.customer {
            CustomerPick::Empty => "the customer's id, external id or name".to_string(),
            CustomerPick::Known { id, name } => format!("= {} ({id})", clean(name)),
            CustomerPick::External {
                known: Some((id, name)),
                ..
            } => format!("= {} ({id}), by its external id", clean(name)),
            CustomerPick::External { known: None, .. } => {
                "not in the customer list: sent as an external id (Flexprice checks it)".to_string()
            }
            CustomerPick::Ambiguous(c) => {
                let mut names: Vec<String> = c
                    .iter()
                    .take(CANDIDATES)
                    .map(|(n, id)| format!("{} ({id})", clean(n)))
                    .collect();
                if c.len() > CANDIDATES {
                    names.push("…".into());
                }
                format!("matches {}: type one's id or whole name", names.join(", "))
            }
        };
        let cur = self.text(CURRENCY).trim().to_uppercase();
        let cur_label = if cur.len() == 3 {
            cur.clone()
        } else {
            "currency".into()
        };
        let post = self.wallet_type() == WalletType::PostPaid;
        let defaults = self.default_price_types();
        let hints: Vec<(&str, String)> = vec![
            (CUSTOMER, customer_hint),
            (CURRENCY, "3 letters, e.g. USD (stored lower-case)".into()),
            (
                TYPE,
                if post {
                    "postpaid: usage billed after · price types ALL".into()
                } else {
                    "prepaid: credits bought first · price types USAGE".into()
                },
            ),
            (
                NAME,
                format!(
                    "empty: {} Wallet - {} · set by an update after",
                    if post { "Postpaid" } else { "Prepaid" },
                    if cur.len() == 3 { cur.as_str() } else { "USD" }
                ),
            ),
            (RATE, format!("{cur_label} per credit (empty: 1)")),
            (
                TOPUP_RATE,
                format!("{cur_label} per credit bought in a top-up (empty: = rate)"),
            ),
            (INITIAL, "free credits (FREE_CREDIT_GRANT) · empty: none".into()),
            (
                INITIAL_EXPIRY,
                match (self.text(INITIAL_EXPIRY).trim(), self.clock) {
                    ("", _) | (_, None) => "never (RFC3339, YYYY-MM-DD or +30d)".into(),
                    (t, Some(now)) => match flexprice_wire::dates::parse_expiry(t, now) {
                        Ok(at) => format!("= {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
                        Err(e) => e.to_string(),
                    },
                },
            ),
            (
                AT_THRESHOLD,
                "credits: tops up when the balance falls to this".into(),
            ),
            (AT_AMOUNT, "credits added each time".into()),
            (AT_COOLDOWN, "whole number; empty: none".into()),
            (
                PRICE_TYPES[0].0,
                format!(
                    "the create sets {}; others by an update after",
                    defaults
                        .iter()
                        .map(PriceType::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        ];
        for (id, hint) in hints {
            if let Some(f) = self.field_mut(id) {
                f.hint = Some(hint);
            }
        }
    }

    fn decimal(&mut self, id: &str, scale: u32, errors: &mut Vec<(String, String)>) -> Option<Decimal> {
        match self.text(id).trim() {
            "" => None,
            t => parse_amount(t, scale)
                .map_err(|e| errors.push((id.into(), e.to_string())))
                .ok(),
        }
    }

    /// Validates every field; on success the plan, else errors left on the fields.
    pub fn validate(&mut self, now: DateTime<Utc>) -> Option<CreatePlan> {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut req = CreateWalletRequest::default();
        let mut summary = Vec::new();
        let typed = self.text(CUSTOMER).trim().to_string();
        let owner = match &self.customer {
            CustomerPick::Empty => {
                errors.push((
                    CUSTOMER.into(),
                    "whose wallet? a customer id, external id or name".into(),
                ));
                String::new()
            }
            CustomerPick::Ambiguous(_) => {
                errors.push((
                    CUSTOMER.into(),
                    format!("\"{typed}\" matches several customers: type one's id"),
                ));
                String::new()
            }
            _ if typed.starts_with('_') || typed.ends_with('_') => {
                errors.push((
                    CUSTOMER.into(),
                    "Flexprice refuses ids that start or end with _".into(),
                ));
                String::new()
            }
            CustomerPick::Known { id, name } => {
                req.customer_id = Some(id.clone());
                format!("{} ({id})", clean(name))
            }
            CustomerPick::External { external_id, known } => {
                req.external_customer_id = Some(external_id.clone());
                match known {
                    Some((id, name)) => format!("{} ({id}, external id {external_id})", clean(name)),
                    None => format!("the customer with external id {external_id}"),
                }
            }
        };
        let currency = self.text(CURRENCY).trim().to_string();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            errors.push((CURRENCY.into(), "a currency is 3 letters, e.g. USD".into()));
        }
        req.currency = currency.to_ascii_lowercase();
        let code = currency.to_ascii_uppercase();
        let wallet_type = self.wallet_type();
        req.wallet_type = Some(wallet_type.clone());
        summary.push(format!("New {wallet_type} wallet in {code} for {owner}"));
        let rate = self.decimal(RATE, RATE_SCALE, &mut errors);
        let topup_rate = self.decimal(TOPUP_RATE, RATE_SCALE, &mut errors);
        req.conversion_rate = rate;
        req.topup_conversion_rate = topup_rate;
        let shown_rate = rate.unwrap_or(Decimal::ONE);
        summary.push(format!(
            "1 credit = {} {code} · top-ups: 1 credit = {} {code}",
            format_amount(&shown_rate, &currency),
            format_amount(&topup_rate.unwrap_or(shown_rate), &currency)
        ));
        let description = self.text(DESCRIPTION).trim().to_string();
        if let Err(e) = limits::check_description(&description) {
            errors.push((DESCRIPTION.into(), e));
        }
        if !description.is_empty() {
            summary.push(format!("description: {}", clean(&description)));
            req.description = Some(description);
        }
        match parse_metadata(&field::metadata_pairs(&self.fields)) {
            Ok(m) => {
                if let Some(m) = &m {
                    let rows: Vec<String> = m.iter().map(|(k, v)| field::metadata_line(k, v)).collect();
                    summary.push(format!("metadata: {}", rows.join(", ")));
                }
                req.metadata = m;
            }
            Err((row, half, msg)) => errors.push((metadata_error_id(row, half), msg)),
        }
        let initial = self.decimal(INITIAL, STORED_SCALE, &mut errors);
        let expiry = match self.text(INITIAL_EXPIRY).trim() {
            "" => None,
            t => flexprice_wire::dates::parse_expiry(t, now)
                .map_err(|e| errors.push((INITIAL_EXPIRY.into(), e.to_string())))
                .ok(),
        };
        if expiry.is_some() && initial.is_none() {
            errors.push((INITIAL_EXPIRY.into(), "an expiry needs initial credits".into()));
        }
        req.initial_credits_to_load = initial;
        req.initial_credits_expiry_date_utc = expiry;
        summary.push(match (initial, expiry) {
            (Some(c), Some(at)) => format!(
                "initial credits: {} free (FREE_CREDIT_GRANT), expire {}",
                format_credits(&c),
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            (Some(c), None) => format!(
                "initial credits: {} free (FREE_CREDIT_GRANT), never expire",
                format_credits(&c)
            ),
            _ => "initial credits: none (balance 0)".into(),
        });
        if let Some(alerts) = self.alert_settings(&mut errors) {
            summary.push(alert_words(&alerts));
            req.alert_settings = Some(alerts);
        }
        if let Some(at) = self.auto_topup(&mut errors) {
            summary.push(format!(
                "auto top-up: {} credits when the balance falls to {}{}{}",
                at.amount.map(|a| format_credits(&a)).unwrap_or_default(),
                at.threshold.map(|t| format_credits(&t)).unwrap_or_default(),
                if at.invoicing {
                    ", invoiced"
                } else {
                    ", paid directly"
                },
                at.cooldown
                    .as_ref()
                    .map(|c| format!(", at most every {} {}", c.value, c.unit))
                    .unwrap_or_default()
            ));
            req.auto_topup = Some(at);
        }
        let mut follow_up = UpdateWalletRequest::default();
        let name = self.text(NAME).trim().to_string();
        if !name.is_empty() {
            follow_up.name = Some(name);
        }
        let types: Vec<PriceType> = PRICE_TYPES
            .iter()
            .filter(|(id, _)| self.on(id))
            .map(|(_, p)| p.clone())
            .collect();
        if types.is_empty() {
            errors.push((PRICE_TYPES[0].0.into(), "allow at least one price type".into()));
        } else if types != self.default_price_types() {
            follow_up.config = Some(WalletConfig {
                allowed_price_types: Some(types.clone()),
            });
        }
        summary.push(format!(
            "price types: {}",
            types.iter().map(PriceType::as_str).collect::<Vec<_>>().join(", ")
        ));
        if !follow_up.is_empty() {
            let mut what = Vec::new();
            if let Some(n) = &follow_up.name {
                what.push(format!("name \"{}\"", clean(n)));
            }
            if follow_up.config.is_some() {
                what.push("price types".to_string());
            }
            summary.push(format!(
                "then an update sets {} (Flexprice's create does not take {})",
                what.join(" and "),
                if what.len() > 1 { "them" } else { "it" }
            ));
        }
        summary.push("Flexprice allows one active wallet per customer, currency and wallet type".to_string());
        if field::show_errors(&mut self.fields, errors) {
            return None;
        }
        Some(CreatePlan {
            request: req,
            follow_up,
            summary,
        })
    }

    fn alert_settings(&self, errors: &mut Vec<(String, String)>) -> Option<AlertSettings> {
        let enabled = self.on(ALERT_ENABLED);
        let mut settings = AlertSettings {
            alert_enabled: Some(enabled),
            ..Default::default()
        };
        let before = errors.len();
        let mut any = false;
        for level in LEVELS {
            let text = self.text(&threshold_id(level)).trim().to_string();
            if text.is_empty() {
                continue;
            }
            any = true;
            match parse_threshold(&text) {
                Ok(threshold) => {
                    let condition = if self.field(&condition_id(level)).map(Field::selected) == Some(1) {
                        AlertCondition::Above
                    } else {
                        AlertCondition::Below
                    };
                    let t = Some(AlertThreshold { threshold, condition });
                    match level {
                        "critical" => settings.critical = t,
                        "warning" => settings.warning = t,
                        _ => settings.info = t,
                    }
                }
                Err(e) => errors.push((threshold_id(level), e)),
            }
        }
        if !enabled && !any {
            return None;
        }
        if errors.len() > before {
            return None;
        }
        match settings.validate() {
            Ok(()) => Some(settings),
            Err((field, msg)) => {
                let id = if field == "alert_settings" {
                    ALERT_ENABLED.to_string()
                } else {
                    threshold_id(field)
                };
                errors.push((id, msg));
                None
            }
        }
    }

    fn auto_topup(&mut self, errors: &mut Vec<(String, String)>) -> Option<AutoTopup> {
        let enabled = self.on(AT_ENABLED);
        let touched = [AT_THRESHOLD, AT_AMOUNT, AT_COOLDOWN]
            .iter()
            .any(|id| !self.text(id).trim().is_empty());
        if !enabled && !touched {
            return None;
        }
        // Flexprice requires threshold and amount whenever the object is sent.
        let threshold = match self.text(AT_THRESHOLD).trim() {
            "" => {
                errors.push((AT_THRESHOLD.into(), "auto top-up needs a threshold".into()));
                None
            }
            t => parse_threshold(t)
                .map_err(|e| errors.push((AT_THRESHOLD.into(), e)))
                .ok(),
        };
        let amount = match self.text(AT_AMOUNT).trim() {
            "" => {
                errors.push((AT_AMOUNT.into(), "auto top-up needs an amount".into()));
                None
            }
            _ => self.decimal(AT_AMOUNT, STORED_SCALE, errors),
        };
        let unit = DurationUnit::parse(
            UNITS
                .get(self.field(AT_UNIT).map(Field::selected).unwrap_or(2))
                .unwrap_or(&"hour"),
        );
        let cooldown = match self.text(AT_COOLDOWN).trim() {
            "" => None,
            t => match flexprice_wire::words::whole_number(t) {
                Ok(0) => {
                    errors.push((AT_COOLDOWN.into(), "a cooldown is 1 or more (empty: none)".into()));
                    None
                }
                Ok(v) => Some(Cooldown { value: v, unit }),
                Err(e) => {
                    errors.push((AT_COOLDOWN.into(), e));
                    None
                }
            },
        };
        Some(AutoTopup {
            enabled,
            threshold,
            amount,
            invoicing: self.on(AT_INVOICING),
            cooldown,
        })
    }

    pub fn place_server_error(&mut self, field: Option<&str>, message: &str) -> bool {
        let id = match field {
            Some("customer_id" | "external_customer_id" | "lookup_key") => CUSTOMER.to_string(),
            Some("metadata") => field::metadata_key_id(0),
            Some("alert_settings") => ALERT_ENABLED.to_string(),
            Some("auto_topup") => AT_ENABLED.to_string(),
            Some("initial_credits_expiry_date_utc" | "initial_credits_to_load_expiry_date") => {
                INITIAL_EXPIRY.to_string()
            }
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
}

/// "alerts on: critical ≤ 10 · warning ≤ 50".
fn alert_words(a: &AlertSettings) -> String {
    let mut levels = Vec::new();
    for (name, t) in [
        ("critical", &a.critical),
        ("warning", &a.warning),
        ("info", &a.info),
    ] {
        if let Some(t) = t {
            levels.push(format!(
                "{name} {} {}",
                t.condition.words(),
                format_credits(&t.threshold)
            ));
        }
    }
    format!(
        "alerts {}: {}",
        if a.alert_enabled == Some(true) {
            "on"
        } else {
            "off"
        },
        if levels.is_empty() {
            "no thresholds".to_string()
        } else {
            levels.join(" · ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::customers::CustomerInfo;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    fn customers() -> Customers {
        let mut c = Customers::new();
        for (id, name, ext) in [
            ("cust_1", "Acme Corp", "acme"),
            ("cust_2", "Acme Labs", "acme-labs"),
            ("cust_3", "Globex", "globex"),
        ] {
            c.insert(
                id.into(),
                CustomerInfo {
                    name: name.into(),
                    external_id: ext.into(),
                },
            );
        }
        c
    }

    fn set(form: &mut CreateForm, id: &str, text: &str) {
        form.fields
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no field {id}"))
            .set_text(text);
    }

    fn flip(form: &mut CreateForm, id: &str) {
        form.fields.iter_mut().find(|f| f.id == id).unwrap().step(true);
    }

    #[test]
    fn customers_are_found_by_id_external_id_or_whole_name() {
        let c = customers();
        assert_eq!(
            resolve_customer("cust_3", &c),
            CustomerPick::Known {
                id: "cust_3".into(),
                name: "Globex".into()
            }
        );
        assert!(matches!(
            resolve_customer("acme-labs", &c),
            CustomerPick::External { known: Some((ref id, _)), .. } if id == "cust_2"
        ));
        assert!(
            matches!(resolve_customer("acme corp", &c), CustomerPick::Known { ref id, .. } if id == "cust_1")
        );
        match resolve_customer("Acme", &c) {
            CustomerPick::Ambiguous(v) => assert_eq!(v.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            resolve_customer("ext-unknown", &c),
            CustomerPick::External {
                external_id: "ext-unknown".into(),
                known: None
            }
        );
        assert_eq!(resolve_customer("  ", &c), CustomerPick::Empty);
    }

    #[test]
    fn a_full_create_with_the_update_it_needs() {
        let mut f = CreateForm::new();
        set(&mut f, CUSTOMER, "cust_1");
        f.set_customer(resolve_customer("cust_1", &customers()));
        set(&mut f, CURRENCY, "eur");
        set(&mut f, NAME, "Acme EUR");
        set(&mut f, RATE, "2");
        set(&mut f, TOPUP_RATE, "2.5");
        set(&mut f, INITIAL, "100");
        set(&mut f, INITIAL_EXPIRY, "2027-01-01");
        set(&mut f, "metadata.0.key", "ticket");
        set(&mut f, "metadata.0.value", "INC-9");
        flip(&mut f, ALERT_ENABLED);
        set(&mut f, &threshold_id("critical"), "10");
        set(&mut f, &threshold_id("warning"), "50");
        flip(&mut f, AT_ENABLED);
        set(&mut f, AT_THRESHOLD, "5");
        set(&mut f, AT_AMOUNT, "100");
        set(&mut f, AT_COOLDOWN, "1");
        flip(&mut f, "config.FIXED");
        let plan = f.validate(now()).unwrap_or_else(|| {
            panic!(
                "{:?}",
                f.fields
                    .iter()
                    .filter_map(|x| x.error.clone())
                    .collect::<Vec<_>>()
            )
        });
        let r = &plan.request;
        assert_eq!(r.customer_id.as_deref(), Some("cust_1"));
        assert_eq!(r.external_customer_id, None);
        assert_eq!(r.currency, "eur");
        assert_eq!(r.wallet_type, Some(WalletType::PrePaid));
        assert_eq!(r.conversion_rate, Some(Decimal::from(2)));
        assert_eq!(r.topup_conversion_rate, Some(Decimal::from_str("2.5").unwrap()));
        assert_eq!(r.initial_credits_to_load, Some(Decimal::from(100)));
        assert_eq!(
            r.initial_credits_expiry_date_utc,
            Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap())
        );
        let alerts = r.alert_settings.clone().unwrap();
        assert_eq!(alerts.alert_enabled, Some(true));
        assert_eq!(alerts.warning.unwrap().threshold, Decimal::from(50));
        let at = r.auto_topup.clone().unwrap();
        assert!(at.enabled && !at.invoicing);
        assert_eq!(at.cooldown.unwrap().value, 1);
        assert_eq!(plan.follow_up.name.as_deref(), Some("Acme EUR"));
        assert_eq!(
            plan.follow_up.config.clone().unwrap().allowed_price_types,
            Some(vec![PriceType::Usage, PriceType::Fixed])
        );
        let s = plan.summary.join("\n");
        assert!(
            s.contains("New PRE_PAID wallet in EUR for Acme Corp (cust_1)"),
            "{s}"
        );
        assert!(
            s.contains("then an update sets name \"Acme EUR\" and price types"),
            "{s}"
        );
        // Body as Flexprice reads it: decimals as strings.
        let body = serde_json::to_value(r).unwrap();
        assert_eq!(body["conversion_rate"], "2");
        assert_eq!(body["initial_credits_to_load"], "100");
    }

    #[test]
    fn the_defaults_send_a_minimal_body_and_no_update() {
        let mut f = CreateForm::new();
        set(&mut f, CUSTOMER, "acme");
        f.set_customer(resolve_customer("acme", &customers()));
        set(&mut f, CURRENCY, "USD");
        let plan = f.validate(now()).unwrap();
        assert!(plan.follow_up.is_empty(), "{:?}", plan.follow_up);
        assert_eq!(
            serde_json::to_value(&plan.request).unwrap(),
            serde_json::json!({"external_customer_id": "acme", "currency": "usd", "wallet_type": "PRE_PAID"})
        );
        // Postpaid's default is ALL: USAGE alone is then a change.
        flip(&mut f, TYPE);
        assert_eq!(f.wallet_type(), WalletType::PostPaid);
        let plan = f.validate(now()).unwrap();
        assert!(plan.follow_up.config.is_some());
    }

    #[test]
    fn every_bad_field_gets_its_message() {
        let mut f = CreateForm::new();
        set(&mut f, CUSTOMER, "Acme");
        f.set_customer(resolve_customer("Acme", &customers()));
        set(&mut f, CURRENCY, "US");
        set(&mut f, RATE, "0");
        set(&mut f, TOPUP_RATE, "1e2");
        set(&mut f, INITIAL, "-5");
        set(&mut f, INITIAL_EXPIRY, "2020-01-01");
        set(&mut f, &threshold_id("warning"), "5");
        set(&mut f, AT_AMOUNT, "10");
        set(&mut f, AT_COOLDOWN, "0");
        flip(&mut f, "config.USAGE");
        assert!(f.validate(now()).is_none());
        for id in [
            CUSTOMER,
            CURRENCY,
            RATE,
            TOPUP_RATE,
            INITIAL,
            INITIAL_EXPIRY,
            threshold_id("warning").as_str(),
            AT_THRESHOLD,
            AT_COOLDOWN,
            "config.ALL",
        ] {
            assert!(f.field(id).unwrap().error.is_some(), "{id} has no error");
        }
        assert!(
            f.field(RATE)
                .unwrap()
                .error
                .as_deref()
                .unwrap()
                .contains("greater than zero")
        );
        // Five decimals at most for a rate (Flexprice stores numeric(10,5)).
        let mut g = CreateForm::new();
        set(&mut g, RATE, "1.000001");
        g.validate(now());
        assert!(g.field(RATE).unwrap().error.is_some());
    }
}
