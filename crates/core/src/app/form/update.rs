//! The update form: name, description, metadata, alert settings, auto top-up, price types.
//! Only what changed is sent (Flexprice's PUT merges), with a diff preview before confirm.

use rust_decimal::Decimal;

use super::field::{self, Field, metadata_error_id, metadata_line, metadata_rows, parse_metadata};
use flexprice_wire::models::{
    AlertCondition, AlertSettings, AlertThreshold, AutoTopup, Cooldown, DurationUnit, PriceType,
    UpdateWalletRequest, Wallet, WalletConfig,
};
use flexprice_wire::money::{STORED_SCALE, parse_amount, wire_text};

pub const NAME: &str = "name";
pub const DESCRIPTION: &str = "description";
pub const ALERT_ENABLED: &str = "alert_settings.alert_enabled";
pub const LEVELS: [&str; 3] = ["critical", "warning", "info"];
pub const AT_ENABLED: &str = "auto_topup.enabled";
pub const AT_THRESHOLD: &str = "auto_topup.threshold";
pub const AT_AMOUNT: &str = "auto_topup.amount";
pub const AT_INVOICING: &str = "auto_topup.invoicing";
pub const AT_COOLDOWN: &str = "auto_topup.cooldown.value";
pub const AT_UNIT: &str = "auto_topup.cooldown.unit";
pub const PRICE_TYPES: [(&str, PriceType); 3] = [
    ("config.ALL", PriceType::All),
    ("config.USAGE", PriceType::Usage),
    ("config.FIXED", PriceType::Fixed),
];

const CONDITIONS: [&str; 2] = ["below", "above"];
const UNITS: [&str; 4] = ["second", "minute", "hour", "day"];

pub fn threshold_id(level: &str) -> String {
    format!("alert_settings.{level}.threshold")
}

pub fn condition_id(level: &str) -> String {
    format!("alert_settings.{level}.condition")
}

#[derive(Debug, Clone)]
pub struct UpdateForm {
    pub wallet: Wallet,
    pub fields: Vec<Field>,
    /// The values the form opened with, to send only what changed.
    initial: Vec<(String, String)>,
}

/// A threshold: a plain decimal, may be zero or negative (balances can go below zero).
pub(super) fn parse_threshold(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    if body.trim_start_matches('0').is_empty() && !body.is_empty() && body.bytes().all(|b| b == b'0') {
        return Ok(Decimal::ZERO);
    }
    match parse_amount(body, STORED_SCALE) {
        Ok(d) => Ok(if neg { -d } else { d }),
        Err(flexprice_wire::money::AmountError::NotPositive) => Ok(Decimal::ZERO),
        Err(e) => Err(e.to_string()),
    }
}

impl UpdateForm {
    pub fn new(wallet: Wallet) -> UpdateForm {
        let alerts = wallet.effective_alert_settings();
        let at = wallet.effective_auto_topup().unwrap_or_default();
        let dec = |d: Option<Decimal>| d.map(|d| wire_text(&d)).unwrap_or_default();
        let mut fields = vec![
            Field::text(NAME, "Name", wallet.name.as_deref().unwrap_or("")),
            Field::text(
                DESCRIPTION,
                "Description",
                wallet.description.as_deref().unwrap_or(""),
            ),
        ];
        let rows = metadata_rows(wallet.metadata.as_ref());
        for (i, (k, v)) in rows.iter().enumerate() {
            fields.extend(field::metadata_fields(i, k, v));
        }
        if rows.is_empty() {
            fields.extend(field::metadata_fields(0, "", ""));
        }
        fields.push(Field::toggle(
            ALERT_ENABLED,
            "Alerts enabled",
            alerts.alert_enabled == Some(true),
        ));
        for (level, t) in LEVELS
            .iter()
            .zip([&alerts.critical, &alerts.warning, &alerts.info])
        {
            let label = format!("{}{} threshold", level[..1].to_uppercase(), &level[1..]);
            fields.push(Field::text(
                &threshold_id(level),
                &label,
                &dec(t.as_ref().map(|t| t.threshold)),
            ));
            let cond = t
                .as_ref()
                .map(|t| {
                    if t.condition == AlertCondition::Above {
                        1
                    } else {
                        0
                    }
                })
                .unwrap_or(0);
            fields.push(Field::choice(
                &condition_id(level),
                "  when balance is",
                CONDITIONS.map(String::from).to_vec(),
                cond,
            ));
        }
        fields.push(Field::toggle(AT_ENABLED, "Auto top-up", at.enabled));
        fields.push(Field::text(AT_THRESHOLD, "  threshold", &dec(at.threshold)));
        fields.push(Field::text(AT_AMOUNT, "  amount", &dec(at.amount)));
        fields.push(Field::toggle(AT_INVOICING, "  invoicing", at.invoicing));
        let cooldown = at.cooldown.as_ref();
        fields.push(Field::text(
            AT_COOLDOWN,
            "  cooldown",
            &cooldown.map(|c| c.value.to_string()).unwrap_or_default(),
        ));
        let unit = cooldown
            .and_then(|c| UNITS.iter().position(|u| *u == c.unit.as_str()))
            .unwrap_or(2);
        fields.push(Field::choice(
            AT_UNIT,
            "  cooldown unit",
            UNITS.map(String::from).to_vec(),
            unit,
        ));
        let allowed = wallet
            .config
            .as_ref()
            .and_then(|c| c.allowed_price_types.clone())
            .unwrap_or_default();
        for (id, pt) in PRICE_TYPES {
            fields.push(Field::toggle(
                id,
                &format!("Price type {}", pt.as_str()),
                allowed.contains(&pt),
            ));
        }
        let initial = fields
            .iter()
            .map(|f| (f.id.clone(), f.text_value().to_string()))
            .collect();
        let mut form = UpdateForm {
            wallet,
            fields,
            initial,
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

    fn initial(&self, id: &str) -> &str {
        self.initial
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn changed(&self, id: &str) -> bool {
        self.text(id) != self.initial(id)
    }

    /// The metadata rows as they stand, trimmed, empty rows left out.
    fn metadata_now(&self) -> Vec<(String, String)> {
        filled(field::metadata_pairs(&self.fields))
    }

    /// The metadata rows the form opened with.
    fn initial_metadata(&self) -> Vec<(String, String)> {
        let half = |suffix: &'static str| {
            self.initial
                .iter()
                .filter(move |(id, _)| id.starts_with(field::METADATA) && id.ends_with(suffix))
                .map(|(_, v)| v.as_str())
        };
        filled(half(".key").zip(half(".value")).collect())
    }

    fn metadata_changed(&self) -> bool {
        self.metadata_now() != self.initial_metadata()
    }

    pub fn add_metadata_row(&mut self) -> usize {
        field::add_metadata_row(&mut self.fields)
    }

    pub fn is_dirty(&self) -> bool {
        self.fields
            .iter()
            .any(|f| !field::is_metadata(f) && self.changed(&f.id))
            || self.metadata_changed()
    }

    pub fn refresh_hints(&mut self) {
        if self.wallet.alert_settings.is_none()
            && self.wallet.alert_config.is_some()
            && let Some(f) = self.field_mut(&threshold_id("critical"))
        {
            f.hint = Some("translated from the legacy alert_config".into());
        }
        if let Some(f) = self.field_mut(AT_COOLDOWN) {
            f.hint = Some("whole number; empty or 0 clears it".into());
        }
        if let Some(f) = self.field_mut(AT_THRESHOLD) {
            f.hint = Some("credits: tops up when the balance falls to this".into());
        }
        if let Some(f) = self.field_mut(AT_AMOUNT) {
            f.hint = Some("credits added each time".into());
        }
    }

    fn alert_changed(&self) -> bool {
        std::iter::once(ALERT_ENABLED.to_string())
            .chain(LEVELS.iter().flat_map(|l| [threshold_id(l), condition_id(l)]))
            .any(|id| self.changed(&id))
    }

    fn auto_topup_changed(&self) -> bool {
        [
            AT_ENABLED,
            AT_THRESHOLD,
            AT_AMOUNT,
            AT_INVOICING,
            AT_COOLDOWN,
            AT_UNIT,
        ]
        .iter()
        .any(|id| self.changed(id))
    }

    /// Validates and builds the request of what changed; errors are left on the fields.
    pub fn validate(&mut self) -> Option<UpdateWalletRequest> {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut errors: Vec<(String, String)> = Vec::new();
        let mut req = UpdateWalletRequest::default();
        for (id, what) in [(NAME, "name"), (DESCRIPTION, "description")] {
            if self.changed(id) {
                let v = self.text(id).trim().to_string();
                if v.is_empty() {
                    errors.push((
                        id.into(),
                        format!("Flexprice ignores an empty {what}: it cannot be cleared"),
                    ));
                } else if id == NAME {
                    req.name = Some(v);
                } else {
                    req.description = Some(v);
                }
            }
        }
        if self.metadata_changed() {
            match parse_metadata(&field::metadata_pairs(&self.fields)) {
                Ok(m) => req.metadata = Some(m.unwrap_or_default()),
                Err((row, half, msg)) => errors.push((metadata_error_id(row, half), msg)),
            }
        }
        if self.alert_changed() {
            let mut settings = AlertSettings {
                alert_enabled: Some(self.field(ALERT_ENABLED).is_some_and(Field::on)),
                ..Default::default()
            };
            for level in LEVELS {
                let text = self.text(&threshold_id(level)).trim().to_string();
                if text.is_empty() {
                    continue;
                }
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
            if errors.iter().all(|(id, _)| !id.starts_with("alert_settings")) {
                match settings.validate() {
                    Ok(()) => req.alert_settings = Some(settings),
                    Err((field, msg)) => {
                        let id = if field == "alert_settings" {
                            ALERT_ENABLED.to_string()
                        } else {
                            threshold_id(field)
                        };
                        errors.push((id, msg));
                    }
                }
            }
        }
        if self.auto_topup_changed() {
            let enabled = self.field(AT_ENABLED).is_some_and(Field::on);
            let mut at = AutoTopup {
                enabled,
                invoicing: self.field(AT_INVOICING).is_some_and(Field::on),
                ..Default::default()
            };
            match self.text(AT_THRESHOLD).trim() {
                "" if enabled => errors.push((AT_THRESHOLD.into(), "auto top-up needs a threshold".into())),
                "" => {}
                t => match parse_threshold(t) {
                    Ok(d) => at.threshold = Some(d),
                    Err(e) => errors.push((AT_THRESHOLD.into(), e)),
                },
            }
            match self.text(AT_AMOUNT).trim() {
                "" if enabled => errors.push((AT_AMOUNT.into(), "auto top-up needs an amount".into())),
                "" => {}
                t => match parse_amount(t, STORED_SCALE) {
                    Ok(d) => at.amount = Some(d),
                    Err(e) => errors.push((AT_AMOUNT.into(), e.to_string())),
                },
            }
            let unit = DurationUnit::parse(
                UNITS
                    .get(self.field(AT_UNIT).map(Field::selected).unwrap_or(2))
                    .unwrap_or(&"hour"),
            );
            match self.text(AT_COOLDOWN).trim() {
                "" if !self.initial(AT_COOLDOWN).is_empty() => {
                    at.cooldown = Some(Cooldown { value: 0, unit })
                }
                "" => {}
                t => match flexprice_wire::words::whole_number(t) {
                    Ok(v) => at.cooldown = Some(Cooldown { value: v, unit }),
                    Err(e) => errors.push((AT_COOLDOWN.into(), e)),
                },
            }
            req.auto_topup = Some(at);
        }
        if PRICE_TYPES.iter().any(|(id, _)| self.changed(id)) {
            let types: Vec<PriceType> = PRICE_TYPES
                .iter()
                .filter(|(id, _)| self.field(id).is_some_and(Field::on))
                .map(|(_, p)| p.clone())
                .collect();
            if types.is_empty() {
                errors.push((PRICE_TYPES[0].0.into(), "allow at least one price type".into()));
            } else {
                req.config = Some(WalletConfig {
                    allowed_price_types: Some(types),
                });
            }
        }
        if field::show_errors(&mut self.fields, errors) {
            return None;
        }
        Some(req)
    }

    /// "warning threshold 50 → 100 · auto top-up off → on".
    pub fn diff(&self) -> Vec<String> {
        let mut out = Vec::new();
        let show = |v: &str| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.to_string()
            }
        };
        for f in &self.fields {
            if field::is_metadata(f) || !self.changed(&f.id) {
                continue;
            }
            let label = f.label.trim().trim_start_matches("when balance is").trim();
            let label = if label.is_empty() { f.id.as_str() } else { label };
            out.push(format!(
                "{} {} → {}",
                label.to_lowercase(),
                show(self.initial(&f.id)),
                show(f.text_value())
            ));
        }
        if self.metadata_changed() {
            let show = |rows: Vec<(String, String)>| {
                rows.iter()
                    .map(|(k, v)| metadata_line(k, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            out.push(format!(
                "metadata {{{}}} → {{{}}}",
                show(self.initial_metadata()),
                show(self.metadata_now())
            ));
        }
        out
    }

    pub fn place_server_error(&mut self, field: Option<&str>, message: &str) -> bool {
        let Some(field) = field else { return false };
        let id = match field {
            "metadata" => field::metadata_key_id(0),
            "alert_settings" => ALERT_ENABLED.to_string(),
            "auto_topup" => AT_ENABLED.to_string(),
            "config" => PRICE_TYPES[0].0.to_string(),
            other => other.to_string(),
        };
        let target = self
            .fields
            .iter_mut()
            .find(|f| f.id == id || f.id.starts_with(&format!("{id}.")));
        match target {
            Some(f) => {
                f.error = Some(message.to_string());
                true
            }
            None => false,
        }
    }
}

/// Rows trimmed, the empty ones left out: what the metadata would be.
fn filled(pairs: Vec<(&str, &str)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !(k.is_empty() && v.is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flexprice_wire::models::{LegacyAlertConfig, LegacyThreshold};
    use std::str::FromStr;

    fn wallet() -> Wallet {
        Wallet {
            id: "wallet_1".into(),
            name: Some("Acme".into()),
            currency: "usd".into(),
            balance: Decimal::from(100),
            alert_settings: Some(Box::new(AlertSettings {
                critical: Some(AlertThreshold {
                    threshold: Decimal::from(10),
                    condition: AlertCondition::Below,
                }),
                warning: Some(AlertThreshold {
                    threshold: Decimal::from(50),
                    condition: AlertCondition::Below,
                }),
                info: None,
                alert_enabled: Some(true),
            })),
            ..Default::default()
        }
    }

    fn set(form: &mut UpdateForm, id: &str, text: &str) {
        form.fields
            .iter_mut()
            .find(|f| f.id == id)
            .unwrap()
            .set_text(text);
    }

    #[test]
    fn unchanged_form_sends_nothing() {
        let mut f = UpdateForm::new(wallet());
        assert!(!f.is_dirty());
        assert!(f.validate().unwrap().is_empty());
        assert!(f.diff().is_empty());
    }

    #[test]
    fn only_changed_groups_are_sent_with_a_diff() {
        let mut f = UpdateForm::new(wallet());
        set(&mut f, NAME, "Acme Corp");
        set(&mut f, &threshold_id("warning"), "100");
        let req = f.validate().unwrap();
        assert_eq!(req.name.as_deref(), Some("Acme Corp"));
        let alerts = req.alert_settings.unwrap();
        assert_eq!(alerts.warning.unwrap().threshold, Decimal::from(100));
        assert_eq!(alerts.critical.unwrap().threshold, Decimal::from(10));
        assert!(req.auto_topup.is_none() && req.metadata.is_none() && req.config.is_none());
        let diff = f.diff().join(" · ");
        assert_eq!(diff, "name Acme → Acme Corp · warning threshold 50 → 100");
    }

    #[test]
    fn warning_must_sit_on_the_safe_side() {
        let mut f = UpdateForm::new(wallet());
        set(&mut f, &threshold_id("warning"), "5");
        assert!(f.validate().is_none());
        let err = f.field(&threshold_id("warning")).unwrap().error.clone().unwrap();
        assert!(err.contains("at or above"), "{err}");
    }

    #[test]
    fn auto_topup_on_needs_threshold_and_amount() {
        let mut f = UpdateForm::new(wallet());
        f.fields
            .iter_mut()
            .find(|x| x.id == AT_ENABLED)
            .unwrap()
            .step(true);
        assert!(f.validate().is_none());
        assert!(f.field(AT_THRESHOLD).unwrap().error.is_some());
        assert!(f.field(AT_AMOUNT).unwrap().error.is_some());
        set(&mut f, AT_THRESHOLD, "20");
        set(&mut f, AT_AMOUNT, "100");
        let req = f.validate().unwrap();
        let at = req.auto_topup.unwrap();
        assert!(at.enabled);
        assert_eq!(
            (at.threshold, at.amount),
            (Some(Decimal::from(20)), Some(Decimal::from(100)))
        );
        assert!(
            f.diff()
                .iter()
                .any(|d| d == "auto top-up no → yes" || d.starts_with("auto top-up")),
            "{:?}",
            f.diff()
        );
    }

    #[test]
    fn legacy_alert_config_opens_translated() {
        let mut w = wallet();
        w.alert_settings = None;
        w.alert_enabled = Some(true);
        w.alert_config = Some(Box::new(LegacyAlertConfig {
            threshold: Some(LegacyThreshold {
                kind: Some("amount".into()),
                value: Some(Decimal::from(123)),
            }),
        }));
        let f = UpdateForm::new(w);
        assert_eq!(f.field(&threshold_id("critical")).unwrap().text_value(), "123");
        assert!(f.field(ALERT_ENABLED).unwrap().on());
        assert_eq!(f.field(&condition_id("critical")).unwrap().text_value(), "below");
    }

    #[test]
    fn thresholds_may_be_zero_or_negative() {
        assert_eq!(parse_threshold("0"), Ok(Decimal::ZERO));
        assert_eq!(parse_threshold("-12.5"), Ok(Decimal::from_str("-12.5").unwrap()));
        assert!(parse_threshold("abc").is_err());
    }
}
