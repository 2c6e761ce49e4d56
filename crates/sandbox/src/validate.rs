//! Flexprice's request validations with its hints as messages: `CreateWalletRequest.Validate`,
//! `AlertSettings.Validate`, `AutoTopup.Validate`, `WalletConfig.Validate`.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::error::ApiErr;
use super::records::AutoTopup;
use flexprice_wire::models::{AlertCondition, AlertSettings, AlertThreshold, PriceType, WalletConfig};
use flexprice_wire::money::wire_text;

fn v(hint: &str) -> ApiErr {
    ApiErr::validation(hint)
}

fn valid_condition(c: &AlertCondition) -> bool {
    matches!(c, AlertCondition::Above | AlertCondition::Below)
}

/// `inner` must sit on the safe side of `outer` (below: at or above it; above: at or below).
fn safe_side(inner: &AlertThreshold, outer: &AlertThreshold, threshold_hint: &str) -> Result<(), ApiErr> {
    let wrong = match outer.condition {
        AlertCondition::Above => inner.threshold > outer.threshold,
        AlertCondition::Below => inner.threshold < outer.threshold,
        AlertCondition::Other(_) => false,
    };
    if wrong { Err(v(threshold_hint)) } else { Ok(()) }
}

pub fn alert_settings(a: &AlertSettings) -> Result<(), ApiErr> {
    if a.alert_enabled == Some(true) && a.critical.is_none() && a.warning.is_none() && a.info.is_none() {
        return Err(v("Please provide at least one threshold configuration"));
    }
    if let Some(c) = &a.critical
        && !valid_condition(&c.condition)
    {
        return Err(v("Please provide a valid critical threshold condition"));
    }
    if let Some(w) = &a.warning {
        let Some(c) = &a.critical else {
            return Err(v("Please provide a critical threshold"));
        };
        safe_side(w, c, "Please provide a valid warning threshold")?;
        if w.condition != c.condition {
            return Err(v("Please provide a valid warning condition"));
        }
    }
    if let Some(i) = &a.info {
        if !valid_condition(&i.condition) {
            return Err(v("Please provide a valid info threshold condition"));
        }
        if let Some(outer) = a.warning.as_ref().or(a.critical.as_ref()) {
            if i.condition != outer.condition {
                return Err(v("Please provide a valid info condition"));
            }
            safe_side(i, outer, "Please provide a valid info threshold")?;
        }
    }
    Ok(())
}

pub fn auto_topup(a: &AutoTopup) -> Result<(), ApiErr> {
    if a.threshold.is_none() {
        return Err(v("Threshold is required"));
    }
    if a.amount.is_none() {
        return Err(v("Amount is required"));
    }
    if a.invoicing.is_none() {
        return Err(v("Invoicing boolean is required"));
    }
    if let Some(c) = &a.cooldown {
        if c.value <= 0 {
            return Err(v("Duration value must be greater than zero").detail("value", c.value));
        }
        if c.unit.is_empty() {
            return Err(v("Duration unit is required"));
        }
        if !matches!(c.unit.as_str(), "second" | "minute" | "hour" | "day") {
            return Err(v("Duration unit must be one of: [second minute hour day]")
                .detail("allowed", json!(["second", "minute", "hour", "day"])));
        }
    }
    Ok(())
}

pub fn config(c: &WalletConfig) -> Result<(), ApiErr> {
    for t in c.allowed_price_types.iter().flatten() {
        if !t.is_known() {
            return Err(v("Invalid price type")
                .detail("allowed", json!(["ALL", "USAGE", "FIXED"]))
                .detail("type", t.as_str()));
        }
    }
    let _ = PriceType::KNOWN;
    Ok(())
}

/// `validateID`: `%` and spaces are refused.
fn id_chars(id: &str, kind: &str) -> Result<(), ApiErr> {
    for ch in ["%", " "] {
        if id.contains(ch) {
            return Err(v(&format!(
                "Please provide a valid {kind} - cannot contain: {ch}"
            )));
        }
    }
    Ok(())
}

/// The fields of `CreateWalletRequest.Validate`, in its order.
pub struct CreateChecks<'a> {
    pub currency: &'a str,
    pub auto_topup: Option<&'a AutoTopup>,
    pub wallet_type: &'a str,
    pub conversion_rate: Decimal,
    pub topup_conversion_rate: Option<Decimal>,
    pub customer_id: &'a str,
    pub external_customer_id: &'a str,
    pub initial_credits_expiry: Option<DateTime<Utc>>,
    pub alert_settings: Option<&'a AlertSettings>,
}

pub fn create(c: &CreateChecks, now: DateTime<Utc>) -> Result<(), ApiErr> {
    if c.currency.len() != 3 {
        return Err(v("Currency code must be 3 characters long"));
    }
    if let Some(a) = c.auto_topup {
        auto_topup(a)?;
    }
    if !matches!(c.wallet_type, "" | "PRE_PAID" | "POST_PAID") {
        return Err(v("Invalid wallet type")
            .detail("allowed", json!(["PRE_PAID", "POST_PAID"]))
            .detail("type", c.wallet_type));
    }
    if c.conversion_rate < Decimal::ZERO {
        return Err(v("Conversion rate must be a positive value")
            .detail("conversion_rate", wire_text(&c.conversion_rate)));
    }
    if let Some(t) = c.topup_conversion_rate.filter(|t| *t <= Decimal::ZERO) {
        return Err(v("Topup conversion rate must be a positive value")
            .detail("topup_conversion_rate", wire_text(&t)));
    }
    if c.customer_id.is_empty() && c.external_customer_id.is_empty() {
        return Err(v("Please provide either customer_id or external_customer_id"));
    }
    if !c.external_customer_id.is_empty() {
        id_chars(c.external_customer_id, "external customer id")?;
    }
    if !c.customer_id.is_empty() {
        if c.customer_id.starts_with('_') || c.customer_id.ends_with('_') {
            return Err(v("Please provide a valid customer id"));
        }
        id_chars(c.customer_id, "customer id")?;
    }
    if c.initial_credits_expiry.is_some_and(|e| e < now) {
        return Err(v("Expiry date must be in the future"));
    }
    if let Some(a) = c.alert_settings {
        alert_settings(a)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn lvl(t: &str, c: AlertCondition) -> Option<AlertThreshold> {
        Some(AlertThreshold {
            threshold: Decimal::from_str(t).unwrap(),
            condition: c,
        })
    }

    #[test]
    fn warning_must_sit_on_the_safe_side_of_critical() {
        let mut a = AlertSettings {
            critical: lvl("100", AlertCondition::Below),
            warning: lvl("50", AlertCondition::Below),
            info: None,
            alert_enabled: Some(true),
        };
        assert_eq!(
            alert_settings(&a).unwrap_err().message,
            "Please provide a valid warning threshold"
        );
        a.warning = lvl("150", AlertCondition::Above);
        assert_eq!(
            alert_settings(&a).unwrap_err().message,
            "Please provide a valid warning condition"
        );
        a.warning = lvl("150", AlertCondition::Below);
        a.info = lvl("120", AlertCondition::Below);
        assert_eq!(
            alert_settings(&a).unwrap_err().message,
            "Please provide a valid info threshold"
        );
        a.info = lvl("300", AlertCondition::Below);
        assert!(alert_settings(&a).is_ok());
        let empty = AlertSettings {
            alert_enabled: Some(true),
            ..Default::default()
        };
        assert!(alert_settings(&empty).is_err());
    }
}
