//! What the ledger operations need from the outside: a clock, identifiers, and storage.

use chrono::{DateTime, Utc};

use crate::error::ApiErr;
use crate::records::{CustomerRec, TxRec, WalletRec};

/// Where time and identifiers come from: the real clock at run time, a seeded one when seeding.
pub trait Ids {
    fn now(&mut self) -> DateTime<Utc>;
    /// A fresh ULID (26 characters), later ones sorting after earlier ones.
    fn ulid(&mut self) -> String;
}

/// Who acts: the tenant, environment and user the API key stands for.
#[derive(Debug, Clone)]
pub struct Actor {
    pub tenant_id: String,
    pub environment_id: String,
    pub user_id: String,
}

/// Persistence the operations need. Every method sees the changes made before it in the same
/// `atomically` block.
pub trait LedgerStore {
    /// Runs `f` as one transaction: all of it is kept, or none of it when `f` fails.
    fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, ApiErr>) -> Result<T, ApiErr>
    where
        Self: Sized;
    fn wallet(&mut self, id: &str) -> Result<Option<WalletRec>, ApiErr>;
    fn insert_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr>;
    fn update_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr>;
    /// `false` when the idempotency key is already taken in this environment (nothing stored).
    fn insert_tx(&mut self, tx: &TxRec) -> Result<bool, ApiErr>;
    fn update_tx(&mut self, tx: &TxRec) -> Result<(), ApiErr>;
    fn tx(&mut self, id: &str) -> Result<Option<TxRec>, ApiErr>;
    /// Completed credit transactions of the wallet with credits still available.
    fn open_credits(&mut self, wallet_id: &str) -> Result<Vec<TxRec>, ApiErr>;
    fn last_auto_topup(&mut self, wallet_id: &str) -> Result<Option<TxRec>, ApiErr>;
    /// Whether an auto top-up invoice of this customer is still unpaid.
    fn pending_auto_topup_invoice(&mut self, customer_id: &str) -> Result<bool, ApiErr>;
    fn insert_invoice(&mut self, invoice_id: &str, tx_id: &str, auto_topup: bool) -> Result<(), ApiErr>;
    fn active_wallets_of(&mut self, customer_id: &str) -> Result<Vec<WalletRec>, ApiErr>;
    fn customer_by_external_id(&mut self, external_id: &str) -> Result<Option<CustomerRec>, ApiErr>;
}
