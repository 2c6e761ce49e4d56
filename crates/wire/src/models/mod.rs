//! Flexprice wallet objects as they travel on the wire (WALLET_API.md section 3).
//!
//! Decoding is lenient where Flexprice's history requires it (decimals as strings or numbers,
//! enum values we do not know, the legacy `alert_config`), encoding is what Flexprice emits today.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod alert;
mod customer;
mod metadata;
mod requests;
mod shared_str;
pub mod timestamp;
mod transaction;
mod wallet;

pub use alert::*;
pub use customer::*;
pub use metadata::Metadata;
pub use requests::*;
pub use shared_str::SharedStr;
pub use transaction::*;
pub use wallet::*;

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

impl AlertCondition {
    /// How Flexprice compares a level: the wallet's ongoing balance in credits against the
    /// threshold, the threshold included (`≤ 5,000.00 credits`). The console's detail,
    /// `wallets get` and the help say it in these words.
    pub fn words(&self) -> &str {
        match self {
            AlertCondition::Below => "≤",
            AlertCondition::Above => "≥",
            AlertCondition::Other(s) => s.as_str(),
        }
    }
}
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

    /// Flexprice's name in words (`INVOICE_PAYMENT` → `invoice payment`): the console's ledger
    /// and bulk preview say it so, the CLI's tables print [`Self::as_str`]; both name the same
    /// value, never a gloss of it (an invoice payment is not "usage").
    pub fn label(&self) -> String {
        self.as_str().to_ascii_lowercase().replace('_', " ")
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

#[allow(clippy::derivable_impls)] // the enum comes from open_enum!
impl Default for TransactionReason {
    fn default() -> Self {
        TransactionReason::PurchasedCreditDirect
    }
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
