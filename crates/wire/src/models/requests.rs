//! Request bodies and queries the client sends.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::*;
use crate::money;

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

/// Which transactions, in which order, which page: the query of `GET /wallets/{id}/transactions`
/// and, with a wallet id, the body of the search ([`TransactionSearch`]).
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
    /// Transactions created at or after this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<DateTime<Utc>>,
    /// Transactions created at or before this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
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

/// Body of `POST /wallets/transactions/search`: the same filter as the ledger's query
/// ([`TransactionQuery`]), with the wallet as `id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TransactionSearch {
    #[serde(rename = "id", skip_serializing_if = "Option::is_none")]
    pub wallet_id: Option<String>,
    #[serde(flatten)]
    pub filter: TransactionQuery,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_body_is_the_ledger_filter_plus_the_wallet_as_id() {
        let filter = TransactionQuery {
            limit: Some(50),
            offset: Some(100),
            order: Some("desc".into()),
            tx_type: Some(TransactionType::Credit),
            transaction_reason: Some(TransactionReason::FreeCreditGrant),
            ..TransactionQuery::default()
        };
        let body = serde_json::to_value(TransactionSearch {
            wallet_id: Some("wallet_1".into()),
            filter,
        })
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "id": "wallet_1", "limit": 50, "offset": 100, "order": "desc", "type": "credit",
                "transaction_reason": "FREE_CREDIT_GRANT",
            })
        );
        let empty = serde_json::to_value(TransactionSearch::default()).unwrap();
        assert_eq!(empty, serde_json::json!({}));
    }
}
