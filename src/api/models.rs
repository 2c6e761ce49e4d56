//! Flexprice wallet objects as they travel on the wire (WALLET_API.md section 3).
//!
//! Decoding is lenient where Flexprice's history requires it (decimals as strings or numbers,
//! enum values we do not know, the legacy `alert_config`), encoding is what Flexprice emits today.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::money;

pub type Metadata = BTreeMap<String, String>;

/// An enum whose unknown values are kept as text instead of failing the whole reply: Flexprice
/// (and its old documentation) have values this client may not know yet.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($variant,)+
            /// A value this client does not know; kept verbatim.
            Other(String),
        }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Other(s) => s.as_str(),
                }
            }

            pub fn parse(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok($name::parse(&s))
            }
        }
    };
}

open_enum!(WalletStatus { Active = "active", Frozen = "frozen", Closed = "closed" });
open_enum!(WalletType { PrePaid = "PRE_PAID", PostPaid = "POST_PAID" });
open_enum!(
    /// Ordered by severity: `Ok < Info < Warning < InAlarm`.
    AlertState { Ok = "ok", Info = "info", Warning = "warning", InAlarm = "in_alarm" }
);
open_enum!(AlertCondition { Above = "above", Below = "below" });
open_enum!(RowStatus { Published = "published", Deleted = "deleted", Archived = "archived" });
open_enum!(PriceType { All = "ALL", Usage = "USAGE", Fixed = "FIXED" });
open_enum!(TransactionType { Credit = "credit", Debit = "debit" });
open_enum!(TransactionStatus { Pending = "pending", Completed = "completed", Failed = "failed" });
open_enum!(ReferenceType { Payment = "PAYMENT", External = "EXTERNAL", Request = "REQUEST", Invoice = "INVOICE" });
open_enum!(DurationUnit { Second = "second", Minute = "minute", Hour = "hour", Day = "day" });
open_enum!(
    /// The seed documentation's `auto_topup_trigger` (gone from Flexprice).
    AutoTopupTrigger { Disabled = "disabled", BalanceBelowThreshold = "balance_below_threshold" }
);
open_enum!(TransactionReason {
    InvoicePayment = "INVOICE_PAYMENT",
    FreeCreditGrant = "FREE_CREDIT_GRANT",
    SubscriptionCreditGrant = "SUBSCRIPTION_CREDIT_GRANT",
    PurchasedCreditInvoiced = "PURCHASED_CREDIT_INVOICED",
    PurchasedCreditDirect = "PURCHASED_CREDIT_DIRECT",
    CreditNote = "CREDIT_NOTE",
    CreditExpired = "CREDIT_EXPIRED",
    WalletTermination = "WALLET_TERMINATION",
    ManualBalanceDebit = "MANUAL_BALANCE_DEBIT",
    CreditAdjustment = "CREDIT_ADJUSTMENT",
    InvoiceVoidRefund = "INVOICE_VOID_REFUND",
    PurchasedCreditBonus = "PURCHASED_CREDIT_BONUS",
});

impl TransactionReason {
    /// The reasons a top-up accepts, in the order the form offers them.
    pub const TOP_UP: [TransactionReason; 6] = [
        TransactionReason::PurchasedCreditDirect,
        TransactionReason::PurchasedCreditInvoiced,
        TransactionReason::FreeCreditGrant,
        TransactionReason::SubscriptionCreditGrant,
        TransactionReason::CreditNote,
        TransactionReason::InvoiceVoidRefund,
    ];

    pub fn is_top_up_reason(&self) -> bool {
        Self::TOP_UP.contains(self)
    }

    /// One line an operator can decide with.
    pub fn meaning(&self) -> &'static str {
        match self {
            Self::PurchasedCreditDirect => "purchased, already paid: credited now, no invoice",
            Self::PurchasedCreditInvoiced => "purchased, pay later: invoiced, pending until paid",
            Self::FreeCreditGrant => "free credits granted by us",
            Self::SubscriptionCreditGrant => "free credits that come with a subscription",
            Self::CreditNote => "credit returned through a credit note",
            Self::InvoiceVoidRefund => "refund of a voided invoice",
            _ => "not a top-up reason",
        }
    }

    /// Which bucket of the breakdown the credits land in.
    pub fn bucket(&self) -> Option<CreditBucket> {
        match self {
            Self::PurchasedCreditDirect | Self::PurchasedCreditInvoiced => Some(CreditBucket::Purchased),
            Self::FreeCreditGrant | Self::SubscriptionCreditGrant => Some(CreditBucket::Free),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditBucket {
    Free,
    Purchased,
}

impl AlertState {
    pub fn severity(&self) -> u8 {
        match self {
            AlertState::Ok => 0,
            AlertState::Info => 1,
            AlertState::Warning => 2,
            AlertState::InAlarm => 3,
            AlertState::Other(_) => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WalletConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_price_types: Option<Vec<PriceType>>,
}

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
/// real-time fields are only present on the balance endpoint.
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
    pub auto_topup: Option<AutoTopup>,
    #[serde(default)]
    pub wallet_type: WalletType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<WalletConfig>,
    #[serde(with = "money::dec", default = "one")]
    pub conversion_rate: Decimal,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub topup_conversion_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_settings: Option<AlertSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_state: Option<AlertState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,

    // Extras on some endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_available_breakdown: Option<CreditBreakdown>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub real_time_balance: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub real_time_credit_balance: Option<Decimal>,

    // Only on `…/balance/real-time`.
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub current_period_usage: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub unpaid_invoices_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cached_fallback: Option<bool>,

    // Legacy fields from the seed documentation (removed from Flexprice in Dec 2025).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_config: Option<LegacyAlertConfig>,
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
            return s.clone();
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
            return self.auto_topup.clone();
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

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    #[serde(default)]
    pub wallet_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(rename = "type")]
    pub tx_type: TransactionType,
    #[serde(with = "money::dec", default)]
    pub amount: Decimal,
    #[serde(with = "money::dec", default)]
    pub credit_amount: Decimal,
    #[serde(with = "money::dec", default)]
    pub credit_balance_before: Decimal,
    #[serde(with = "money::dec", default)]
    pub credit_balance_after: Decimal,
    #[serde(with = "money::dec", default)]
    pub credits_available: Decimal,
    pub transaction_status: TransactionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<ReferenceType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub expiry_date: Option<DateTime<Utc>>,
    #[serde(default = "default_reason")]
    pub transaction_reason: TransactionReason,
    #[serde(default)]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_transaction_id: Option<String>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub topup_conversion_rate: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RowStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,

    // With `expand=customer,created_by_user,wallet` on the transaction search. The customer and
    // user objects belong to other parts of the API; they are kept as they came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by_user: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet: Option<Box<Wallet>>,
}

fn default_reason() -> TransactionReason {
    TransactionReason::Other(String::new())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub total: i64,
    #[serde(default)]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

/// `{"items":[…],"pagination":{…}}`. Mind the quirks: for transactions `offset` is the next
/// page's offset; for wallet lists the pagination is made up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListResponse<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TopUpRequest {
    pub transaction_reason: TransactionReason,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub credits_to_add: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date_utc: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for TransactionReason {
    fn default() -> Self {
        TransactionReason::PurchasedCreditDirect
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopUpResponse {
    pub wallet_transaction: Option<Transaction>,
    pub wallet: Wallet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
}

/// `PUT /wallets/{id}`: only the fields set are sent (the server merges).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateWalletRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_topup: Option<AutoTopup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<WalletConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_settings: Option<AlertSettings>,
}

impl UpdateWalletRequest {
    pub fn is_empty(&self) -> bool {
        self == &UpdateWalletRequest::default()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CreateWalletRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    pub currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_type: Option<WalletType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub topup_conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", default, skip_serializing_if = "Option::is_none")]
    pub initial_credits_to_load: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_credits_expiry_date_utc: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_settings: Option<AlertSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_topup: Option<AutoTopup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebitRequest {
    #[serde(with = "money::dec")]
    pub credits: Decimal,
    pub transaction_reason: TransactionReason,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

/// Query of `GET /wallets/{id}/transactions`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TransactionQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub tx_type: Option<TransactionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<TransactionStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_reason: Option<TransactionReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<ReferenceType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
}

/// Body of `POST /wallets/search`. `limit` is always sent: a body without any of
/// limit/offset/sort/order/expand makes Flexprice panic (500, empty body).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WalletSearch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<WalletStatus>,
    pub limit: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expand: Option<String>,
}

impl Default for WalletSearch {
    fn default() -> Self {
        WalletSearch {
            wallet_ids: None,
            status: None,
            limit: 1000,
            expand: None,
        }
    }
}

/// Body of `POST /wallets/transactions/search`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TransactionSearch {
    #[serde(rename = "id", skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub tx_type: Option<TransactionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_status: Option<TransactionStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_reason: Option<TransactionReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<ReferenceType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
}

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for WalletStatus {
    fn default() -> Self {
        WalletStatus::Active
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for WalletType {
    fn default() -> Self {
        WalletType::PrePaid
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for TransactionType {
    fn default() -> Self {
        TransactionType::Credit
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for TransactionStatus {
    fn default() -> Self {
        TransactionStatus::Completed
    }
}
