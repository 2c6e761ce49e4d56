//! Wallet, transaction and customer rows exactly as Flexprice's Go structs put them on the wire.
//!
//! These are not `flexprice_wire::models`: the client's models decode leniently (unknown enums,
//! legacy fields, missing keys), while the sandbox must emit precisely the keys Flexprice emits,
//! including its `null`s (nil pointers and maps) and omitted `omitempty` fields.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use flexprice_wire::models::{
    AlertSettings, AlertState, Metadata, TransactionReason, TransactionStatus, TransactionType, WalletConfig,
    WalletStatus, WalletType,
};
use flexprice_wire::money;

/// Go's `time.Time` JSON: RFC 3339 with the fraction's trailing zeros trimmed.
pub mod go_time {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn text(t: &DateTime<Utc>) -> String {
        let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
        let nanos = t.timestamp_subsec_nanos();
        if nanos == 0 {
            return format!("{base}Z");
        }
        let frac = format!("{nanos:09}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        DateTime::<Utc>::deserialize(d)
    }

    pub mod opt {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&text(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
            Option::<DateTime<Utc>>::deserialize(d)
        }
    }
}

/// `types.Duration`: `{value:int, unit}`; a zero value on PUT clears the cooldown.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cooldown {
    #[serde(default)]
    pub value: i64,
    #[serde(default)]
    pub unit: String,
}

impl Cooldown {
    pub fn is_set(&self) -> bool {
        self.value > 0 && !self.unit.is_empty()
    }

    pub fn duration(&self) -> Option<chrono::Duration> {
        let secs_per = match self.unit.as_str() {
            "second" => 1,
            "minute" => 60,
            "hour" => 3600,
            "day" => 86400,
            _ => return None,
        };
        self.value.checked_mul(secs_per).map(chrono::Duration::seconds)
    }
}

/// `types.AutoTopup`: every field a pointer without `omitempty`, so unset ones are `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AutoTopup {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(with = "money::opt_dec", default)]
    pub threshold: Option<Decimal>,
    #[serde(with = "money::opt_dec", default)]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub invoicing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<Cooldown>,
}

impl AutoTopup {
    pub fn is_enabled(&self) -> bool {
        self.enabled == Some(true)
    }
}

/// `wallet.Wallet` (the body of `WalletResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalletRec {
    pub id: String,
    pub customer_id: String,
    pub currency: String,
    #[serde(with = "money::dec")]
    pub balance: Decimal,
    #[serde(with = "money::dec")]
    pub credit_balance: Decimal,
    pub wallet_status: WalletStatus,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub name: String,
    pub description: String,
    pub metadata: Option<Metadata>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auto_topup: Option<AutoTopup>,
    pub wallet_type: WalletType,
    pub config: WalletConfig,
    #[serde(with = "money::dec")]
    pub conversion_rate: Decimal,
    #[serde(with = "money::dec")]
    pub topup_conversion_rate: Decimal,
    pub environment_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alert_settings: Option<AlertSettings>,
    pub alert_state: AlertState,
    pub tenant_id: String,
    pub status: String,
    #[serde(with = "go_time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "go_time")]
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
}

impl WalletRec {
    pub fn is_active(&self) -> bool {
        self.wallet_status == WalletStatus::Active
    }
}

/// `wallet.Transaction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxRec {
    pub id: String,
    pub wallet_id: String,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub tx_type: TransactionType,
    #[serde(with = "money::dec")]
    pub amount: Decimal,
    #[serde(with = "money::dec")]
    pub credit_amount: Decimal,
    #[serde(with = "money::dec")]
    pub credit_balance_before: Decimal,
    #[serde(with = "money::dec")]
    pub credit_balance_after: Decimal,
    pub transaction_status: TransactionStatus,
    pub reference_type: String,
    pub reference_id: String,
    pub description: String,
    pub metadata: Option<Metadata>,
    #[serde(with = "go_time::opt")]
    pub expiry_date: Option<DateTime<Utc>>,
    #[serde(with = "money::dec")]
    pub credits_available: Decimal,
    pub transaction_reason: TransactionReason,
    pub priority: Option<i64>,
    pub currency: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parent_transaction_id: Option<String>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none", default)]
    pub conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", skip_serializing_if = "Option::is_none", default)]
    pub topup_conversion_rate: Option<Decimal>,
    pub idempotency_key: String,
    pub environment_id: String,
    pub tenant_id: String,
    pub status: String,
    #[serde(with = "go_time")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "go_time")]
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
}

impl TxRec {
    pub fn is_auto_topup(&self) -> bool {
        self.metadata
            .as_ref()
            .and_then(|m| m.get("auto_topup"))
            .is_some_and(|v| v == "true")
    }
}

/// The few customer fields the wallet endpoints need (existence, lookup key, expansion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRec {
    pub id: String,
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub environment_id: String,
    pub tenant_id: String,
    #[serde(with = "go_time")]
    pub created_at: DateTime<Utc>,
}

/// `{"purchased":…,"free":…}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Breakdown {
    #[serde(with = "money::dec")]
    pub purchased: Decimal,
    #[serde(with = "money::dec")]
    pub free: Decimal,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn go_time_trims_fraction_like_rfc3339nano() {
        let t = Utc.with_ymd_and_hms(2026, 8, 22, 10, 11, 12).unwrap();
        assert_eq!(go_time::text(&t), "2026-08-22T10:11:12Z");
        let t2 = t + chrono::Duration::microseconds(123400);
        assert_eq!(go_time::text(&t2), "2026-08-22T10:11:12.1234Z");
    }
}
