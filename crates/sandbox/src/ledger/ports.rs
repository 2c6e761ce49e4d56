//! What the ledger operations need from the outside: a clock, identifiers, and storage.

use chrono::{DateTime, Utc};

use crate::error::ApiErr;
use crate::records::{CustomerRec, TxRec, WalletRec};
use flexprice_wire::models::WalletType;
use rust_decimal::Decimal;

/// What a debit needs of an open credit: the fields of [`super::debit_order`] and
/// [`super::is_eligible`] and what is left of it, without the rest of the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Lot {
    pub id: String,
    pub priority: Option<i64>,
    pub expiry_date: Option<DateTime<Utc>>,
    pub credit_amount: Decimal,
    pub created_at: DateTime<Utc>,
    pub credits_available: Decimal,
}

impl From<&TxRec> for Lot {
    fn from(t: &TxRec) -> Lot {
        Lot {
            id: t.id.clone(),
            priority: t.priority,
            expiry_date: t.expiry_date,
            credit_amount: t.credit_amount,
            created_at: t.created_at,
            credits_available: t.credits_available,
        }
    }
}

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
    /// [`LedgerStore::open_credits`] as [`Lot`]s: what a debit reads (the seeder's store hands
    /// them out without copying whole records).
    fn open_lots(&mut self, wallet_id: &str) -> Result<Vec<Lot>, ApiErr> {
        Ok(self.open_credits(wallet_id)?.iter().map(Lot::from).collect())
    }
    /// A debit drew from open credit `id`: `credits_available` is what is left, stamped `at`
    /// by `by` (the credit's other fields stay).
    fn draw_credit(
        &mut self,
        id: &str,
        credits_available: Decimal,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), ApiErr>;
    fn last_auto_topup(&mut self, wallet_id: &str) -> Result<Option<TxRec>, ApiErr>;
    /// Whether an auto top-up invoice of this customer is still unpaid.
    fn pending_auto_topup_invoice(&mut self, customer_id: &str) -> Result<bool, ApiErr>;
    fn insert_invoice(&mut self, invoice_id: &str, tx_id: &str, auto_topup: bool) -> Result<(), ApiErr>;
    fn active_wallets_of(&mut self, customer_id: &str) -> Result<Vec<WalletRec>, ApiErr>;
    /// The id of the customer's first active wallet (in [`LedgerStore::active_wallets_of`]'s
    /// order) with this currency and type, if any.
    fn active_twin(
        &mut self,
        customer_id: &str,
        currency: &str,
        wallet_type: &WalletType,
    ) -> Result<Option<String>, ApiErr> {
        Ok(self
            .active_wallets_of(customer_id)?
            .into_iter()
            .find(|w| w.currency == currency && w.wallet_type == *wallet_type)
            .map(|w| w.id))
    }
    /// `false` when wallet `id` is missing or certainly needs no evaluation after a change (no
    /// enabled alerts, no enabled auto top-up: [`super::alerts::watched`]); `true` when it may.
    /// Lets the seeder's store skip copying a wallet nothing watches.
    fn may_need_evaluation(&mut self, _id: &str) -> Result<bool, ApiErr> {
        Ok(true)
    }
    fn customer_by_external_id(&mut self, external_id: &str) -> Result<Option<CustomerRec>, ApiErr>;
}
