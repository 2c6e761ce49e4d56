//! The wallet object (WALLET_API.md section 3), its real-time extras and legacy fields.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::*;
use crate::money;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WalletConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_price_types: Option<Vec<PriceType>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cooldown {
    pub value: i64,
    pub unit: DurationUnit,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AutoTopup {
    #[serde(default)]
    pub enabled: bool,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub invoicing: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Cooldown>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreditBreakdown {
    #[serde(with = "money::dec")]
    pub purchased: Decimal,
    #[serde(with = "money::dec")]
    pub free: Decimal,
}

/// A wallet as `GET /wallets/{id}`, the lists and `…/balance/real-time` return it. The
/// real-time fields are only present on the balance endpoint. The console holds 100,000 of
/// these: the larger groups most wallets lack (auto top-up, alert settings, the breakdown, the
/// legacy alert config) are boxed, which keeps each wallet about a third smaller.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Wallet {
    pub id: String,
    #[serde(default)]
    pub customer_id: String,
    #[serde(default)]
    pub currency: String,
    #[serde(with = "money::dec", default)]
    pub balance: Decimal,
    #[serde(with = "money::dec", default)]
    pub credit_balance: Decimal,
    #[serde(default)]
    pub wallet_status: WalletStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_topup: Option<Box<AutoTopup>>,
    #[serde(default)]
    pub wallet_type: WalletType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<WalletConfig>,
    #[serde(with = "money::dec", default = "one")]
    pub conversion_rate: Decimal,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub topup_conversion_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_settings: Option<Box<AlertSettings>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_state: Option<AlertState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<SharedStr>,

    // Extras on some endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available_breakdown: Option<Box<CreditBreakdown>>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub real_time_balance: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub real_time_credit_balance: Option<Decimal>,

    // Only on `…/balance/real-time`.
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub current_period_usage: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub unpaid_invoices_amount: Option<Decimal>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub balance_updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cached_fallback: Option<bool>,

    // Legacy fields from the seed documentation (removed from Flexprice in Dec 2025).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_config: Option<Box<LegacyAlertConfig>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_topup_trigger: Option<AutoTopupTrigger>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub auto_topup_min_balance: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub auto_topup_amount: Option<Decimal>,
}

/// The reply of `GET /wallets/{id}/balance/real-time`: the wallet plus its real-time fields.
pub type WalletBalance = Wallet;

fn one() -> Decimal {
    Decimal::ONE
}

impl Wallet {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("(unnamed)")
    }

    pub fn alert_state(&self) -> AlertState {
        self.alert_state.clone().unwrap_or(AlertState::Ok)
    }

    pub fn topup_rate(&self) -> Decimal {
        self.topup_conversion_rate.unwrap_or(self.conversion_rate)
    }

    /// The one alert view: current `alert_settings` when present, else the legacy model
    /// translated (a legacy threshold is a critical level with condition `below`).
    pub fn alert_view(&self) -> AlertView {
        if let Some(s) = &self.alert_settings {
            return AlertView {
                enabled: s.alert_enabled == Some(true),
                levels: s.levels(),
                state: self.alert_state(),
                legacy: false,
            };
        }
        let legacy_level = self
            .alert_config
            .as_ref()
            .and_then(|c| c.threshold.as_ref())
            .and_then(|t| t.value)
            .map(|threshold| AlertLevel {
                state: AlertState::InAlarm,
                threshold,
                condition: AlertCondition::Below,
            });
        AlertView {
            enabled: self.alert_enabled == Some(true),
            levels: legacy_level.into_iter().collect(),
            state: self.alert_state(),
            legacy: self.alert_config.is_some() || self.alert_enabled.is_some(),
        }
    }

    /// The current alert settings, translated from the legacy model when that is all there is.
    pub fn effective_alert_settings(&self) -> AlertSettings {
        if let Some(s) = &self.alert_settings {
            return (**s).clone();
        }
        let view = self.alert_view();
        let critical = view.level(&AlertState::InAlarm).map(|l| AlertThreshold {
            threshold: l.threshold,
            condition: l.condition.clone(),
        });
        AlertSettings {
            critical,
            warning: None,
            info: None,
            alert_enabled: Some(view.enabled),
        }
    }

    /// Auto top-up, translated from the seed's `auto_topup_trigger/min_balance/amount` if needed.
    pub fn effective_auto_topup(&self) -> Option<AutoTopup> {
        if self.auto_topup.is_some() {
            return self.auto_topup.as_deref().cloned();
        }
        self.auto_topup_trigger.as_ref().map(|trigger| AutoTopup {
            enabled: *trigger == AutoTopupTrigger::BalanceBelowThreshold,
            threshold: self.auto_topup_min_balance,
            amount: self.auto_topup_amount,
            invoicing: false,
            cooldown: None,
        })
    }
}
