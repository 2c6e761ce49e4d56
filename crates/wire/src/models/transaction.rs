//! Ledger transactions, the list envelope, and the top-up reply.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::*;
use crate::money;

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
    #[serde(with = "timestamp", default)]
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
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(with = "timestamp", default, skip_serializing_if = "Option::is_none")]
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

impl Transaction {
    /// The credits as the wallet saw them: a debit takes them away (`-150.00`), a credit adds
    /// them (`+2,000.00`). The console's ledger and `wallets transactions` both print this.
    pub fn signed_credits(&self) -> Decimal {
        self.signed(self.credit_amount)
    }

    /// The amount in the wallet's currency, signed as [`Self::signed_credits`].
    pub fn signed_amount(&self) -> Decimal {
        self.signed(self.amount)
    }

    fn signed(&self, d: Decimal) -> Decimal {
        if self.tx_type == TransactionType::Debit {
            -d.abs()
        } else {
            d
        }
    }
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

/// The change feed's answer: the wallets with a transaction created since some time, from
/// `POST /wallets/transactions/search` with `start_time`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Changes {
    pub wallet_ids: std::collections::BTreeSet<String>,
    /// `false` when there were more transactions than the feed reads in one go: every wallet
    /// may have changed, so the caller lists them all again.
    pub complete: bool,
    /// When the question was asked (this machine's clock): no transaction before it is missing.
    pub as_of: chrono::DateTime<chrono::Utc>,
}

/// Only the wallet of a transaction: what the change feed reads of each.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TransactionWallet {
    #[serde(default)]
    pub wallet_id: String,
}

/// A ledger page: each transaction typed and as the API sent it; `total` as the API counts it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransactionPage {
    pub items: Vec<(Transaction, serde_json::Value)>,
    pub total: Option<i64>,
}

/// What a top-up's reply proves, and all a bulk row keeps of it: the transaction it made, the
/// invoice an invoiced top-up opened, and the wallet's balances after it. Decoding only these skips the rest of the reply (the whole
/// wallet and transaction: a tenth of the engine's CPU per row when decoded in full). Balances
/// the reply leaves out stay unknown rather than zero.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopUpReceipt {
    pub transaction_id: Option<String>,
    /// `PURCHASED_CREDIT_INVOICED`: the invoice whose payment completes the credits.
    pub invoice_id: Option<String>,
    pub credit_balance: Option<Decimal>,
    pub balance: Option<Decimal>,
}

impl<'de> Deserialize<'de> for TopUpReceipt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Reply {
            wallet_transaction: Option<Made>,
            wallet: Balances,
            /// See [`invoice_of`].
            #[serde(default)]
            invoice_id: Option<serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct Made {
            id: String,
        }
        #[derive(Deserialize)]
        struct Balances {
            #[serde(with = "money::opt_dec", default)]
            credit_balance: Option<Decimal>,
            #[serde(with = "money::opt_dec", default)]
            balance: Option<Decimal>,
        }
        let r = Reply::deserialize(d)?;
        Ok(TopUpReceipt {
            transaction_id: r.wallet_transaction.map(|t| t.id),
            invoice_id: r.invoice_id.as_ref().and_then(invoice_of),
            credit_balance: r.wallet.credit_balance,
            balance: r.wallet.balance,
        })
    }
}

/// A top-up reply's `invoice_id`: a non-empty string, cleaned of control characters; anything
/// else is no invoice (the reply still proves the top-up).
fn invoice_of(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty())
        .map(|s| crate::text::clean(s).into_owned())
}

fn invoice_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref().and_then(invoice_of))
}

impl From<&TopUpResponse> for TopUpReceipt {
    fn from(r: &TopUpResponse) -> Self {
        TopUpReceipt {
            transaction_id: r.wallet_transaction.as_ref().map(|t| t.id.clone()),
            invoice_id: r.invoice_id.clone(),
            credit_balance: Some(r.wallet.credit_balance),
            balance: Some(r.wallet.balance),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopUpResponse {
    pub wallet_transaction: Option<Transaction>,
    pub wallet: Wallet,
    /// Kept only when a non-empty string, cleaned: a reply wrong here is still the proof the
    /// top-up was made, and must not read as an unknown outcome.
    #[serde(
        default,
        deserialize_with = "invoice_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_id: Option<String>,
}
