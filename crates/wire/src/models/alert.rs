//! Alerts: today's `alert_settings`, the seed's legacy `alert_config`, and the one view of both.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{AlertCondition, AlertState};
use crate::money;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertThreshold {
    #[serde(with = "money::dec")]
    pub threshold: Decimal,
    pub condition: AlertCondition,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertSettings {
    #[serde(default)]
    pub critical: Option<AlertThreshold>,
    #[serde(default)]
    pub warning: Option<AlertThreshold>,
    #[serde(default)]
    pub info: Option<AlertThreshold>,
    #[serde(default)]
    pub alert_enabled: Option<bool>,
}

/// The seed documentation's `alert_config {threshold {type, value}}` (removed Dec 2025).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyAlertConfig {
    #[serde(default)]
    pub threshold: Option<LegacyThreshold>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyThreshold {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(with = "money::opt_dec", default)]
    pub value: Option<Decimal>,
}

/// One level of the unified alert view.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLevel {
    pub state: AlertState,
    pub threshold: Decimal,
    pub condition: AlertCondition,
}

/// What the rest of the program sees of a wallet's alerts, whichever model the server spoke.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertView {
    pub enabled: bool,
    /// Most severe first: critical (in_alarm), warning, info.
    pub levels: Vec<AlertLevel>,
    pub state: AlertState,
    /// True when this came from the legacy `alert_config`.
    pub legacy: bool,
}

impl AlertView {
    pub fn level(&self, state: &AlertState) -> Option<&AlertLevel> {
        self.levels.iter().find(|l| &l.state == state)
    }
}

impl AlertSettings {
    /// Levels most severe first, paired with the state each one raises.
    pub fn levels(&self) -> Vec<AlertLevel> {
        [
            (AlertState::InAlarm, &self.critical),
            (AlertState::Warning, &self.warning),
            (AlertState::Info, &self.info),
        ]
        .into_iter()
        .filter_map(|(state, t)| {
            t.as_ref().map(|t| AlertLevel {
                state,
                threshold: t.threshold,
                condition: t.condition.clone(),
            })
        })
        .collect()
    }

    /// The most severe level `balance` hits (Flexprice's evaluator).
    pub fn evaluate(&self, balance: Decimal) -> AlertState {
        if self.alert_enabled != Some(true) {
            return AlertState::Ok;
        }
        for level in self.levels() {
            let hit = match level.condition {
                AlertCondition::Below => balance <= level.threshold,
                AlertCondition::Above => balance >= level.threshold,
                AlertCondition::Other(_) => false,
            };
            if hit {
                return level.state;
            }
        }
        AlertState::Ok
    }

    /// WALLET_API.md's rules: enabled needs a threshold; warning on the safe side of critical
    /// with the same condition; info likewise against warning (or critical). Returns the field
    /// at fault and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let enabled = self.alert_enabled == Some(true);
        if enabled && self.critical.is_none() && self.warning.is_none() && self.info.is_none() {
            return Err((
                "alert_settings",
                "enabled alerts need at least one threshold".into(),
            ));
        }
        let safe_side =
            |inner: &AlertThreshold, outer: &AlertThreshold, inner_name: &str, outer_name: &str| {
                if inner.condition != outer.condition {
                    return Err(format!(
                        "{inner_name} must use the same condition as {outer_name} ({})",
                        outer.condition
                    ));
                }
                let ok = match outer.condition {
                    AlertCondition::Below => inner.threshold >= outer.threshold,
                    AlertCondition::Above => inner.threshold <= outer.threshold,
                    AlertCondition::Other(_) => true,
                };
                if ok {
                    Ok(())
                } else {
                    let side = if outer.condition == AlertCondition::Below {
                        "at or above"
                    } else {
                        "at or below"
                    };
                    Err(format!(
                        "{inner_name} threshold must be {side} the {outer_name} threshold ({})",
                        outer.threshold
                    ))
                }
            };
        if let Some(w) = &self.warning {
            let Some(c) = &self.critical else {
                return Err(("warning", "a warning threshold needs a critical threshold".into()));
            };
            safe_side(w, c, "warning", "critical").map_err(|e| ("warning", e))?;
        }
        if let Some(i) = &self.info {
            let outer = match (&self.warning, &self.critical) {
                (Some(w), _) => Some((w, "warning")),
                (None, Some(c)) => Some((c, "critical")),
                _ => None,
            };
            let Some((o, name)) = outer else {
                return Err((
                    "info",
                    "an info threshold needs a warning or critical threshold".into(),
                ));
            };
            safe_side(i, o, "info", name).map_err(|e| ("info", e))?;
        }
        Ok(())
    }
}
