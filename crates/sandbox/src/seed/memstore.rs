//! An in-memory [`LedgerStore`] the seeder runs the real ledger operations against, so that
//! 100,000 wallets are built at memory speed and then bulk-loaded into SQLite.

use std::collections::{HashMap as StdHashMap, HashSet as StdHashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::ApiErr;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::ledger::ports::{LedgerStore, Lot};
use crate::records::{CustomerRec, TxRec, WalletRec};
use flexprice_wire::models::WalletType;

/// FNV-1a: the seeder hashes millions of short ids; SipHash's DoS resistance buys nothing here.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = StdHashMap<K, V, BuildHasherDefault<Fnv>>;
type HashSet<K> = StdHashSet<K, BuildHasherDefault<Fnv>>;

/// `(invoice id, transaction id, customer id, auto top-up, paid)`.
pub type InvoiceRow = (String, String, String, bool, bool);

#[derive(Default)]
pub struct MemStore {
    pub customers: Vec<CustomerRec>,
    pub wallets: Vec<WalletRec>,
    pub txs: Vec<TxRec>,
    pub invoices: Vec<InvoiceRow>,
    wallet_index: HashMap<String, usize>,
    wallets_of_customer: HashMap<String, Vec<usize>>,
    tx_index: HashMap<String, usize>,
    txs_of_wallet: HashMap<String, Vec<usize>>,
    /// Idempotency keys taken, per environment.
    keys: HashMap<String, HashSet<String>>,
}

/// Appends `i` to `key`'s list, copying the key only the first time it is seen.
fn push_index(map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize) {
    match map.get_mut(key) {
        Some(list) => list.push(i),
        None => {
            map.insert(key.to_string(), vec![i]);
        }
    }
}

impl MemStore {
    /// Room for about `wallets` wallets and their histories (five or six transactions a wallet),
    /// so that building a chunk never regrows its tables and indexes.
    pub fn with_capacity(wallets: usize) -> Self {
        let txs = wallets * 6;
        MemStore {
            customers: Vec::with_capacity(wallets),
            wallets: Vec::with_capacity(wallets),
            txs: Vec::with_capacity(txs),
            invoices: Vec::with_capacity(wallets / 4),
            wallet_index: HashMap::with_capacity_and_hasher(wallets, Default::default()),
            wallets_of_customer: HashMap::with_capacity_and_hasher(wallets, Default::default()),
            tx_index: HashMap::with_capacity_and_hasher(txs, Default::default()),
            txs_of_wallet: HashMap::with_capacity_and_hasher(wallets, Default::default()),
            keys: HashMap::default(),
        }
    }

    /// Empty, as [`MemStore::default`], keeping the room its tables and lookups have.
    pub fn clear(&mut self) {
        self.customers.clear();
        self.wallets.clear();
        self.txs.clear();
        self.invoices.clear();
        self.wallet_index.clear();
        self.wallets_of_customer.clear();
        self.tx_index.clear();
        self.txs_of_wallet.clear();
        // The sets themselves stay: freeing a table that size makes the allocator merge every
        // small block freed before it (a tenth of the building, measured).
        for keys in self.keys.values_mut() {
            keys.clear();
        }
    }

    pub fn add_customer(&mut self, c: CustomerRec) {
        self.customers.push(c);
    }

    /// Appends another store's rows after this one's, keeping the lookups coherent.
    pub fn append(&mut self, other: MemStore) {
        let (w0, t0) = (self.wallets.len(), self.txs.len());
        for (id, i) in other.wallet_index {
            self.wallet_index.insert(id, i + w0);
        }
        for (c, ix) in other.wallets_of_customer {
            self.wallets_of_customer
                .entry(c)
                .or_default()
                .extend(ix.into_iter().map(|i| i + w0));
        }
        for (id, i) in other.tx_index {
            self.tx_index.insert(id, i + t0);
        }
        for (w, ix) in other.txs_of_wallet {
            self.txs_of_wallet
                .entry(w)
                .or_default()
                .extend(ix.into_iter().map(|i| i + t0));
        }
        for (env, keys) in other.keys {
            self.keys.entry(env).or_default().extend(keys);
        }
        self.customers.extend(other.customers);
        self.wallets.extend(other.wallets);
        self.txs.extend(other.txs);
        self.invoices.extend(other.invoices);
    }
}

/// What [`LedgerStore::open_credits`] hands out: completed credits with credits left.
fn is_open_credit(t: &TxRec) -> bool {
    t.tx_type == flexprice_wire::models::TransactionType::Credit
        && t.transaction_status == flexprice_wire::models::TransactionStatus::Completed
        && !t.credits_available.is_zero()
}

/// `dst = src.clone()`, reusing `dst`'s strings (the seeder rewrites a wallet at every balance
/// change: no allocation for it). Every field is named, so a new one cannot be forgotten.
fn assign_wallet(dst: &mut WalletRec, src: &WalletRec) {
    let WalletRec {
        id,
        customer_id,
        currency,
        balance,
        credit_balance,
        wallet_status,
        name,
        description,
        metadata,
        auto_topup,
        wallet_type,
        config,
        conversion_rate,
        topup_conversion_rate,
        environment_id,
        alert_settings,
        alert_state,
        tenant_id,
        status,
        created_at,
        updated_at,
        created_by,
        updated_by,
    } = src;
    dst.id.clone_from(id);
    dst.customer_id.clone_from(customer_id);
    dst.currency.clone_from(currency);
    dst.balance = *balance;
    dst.credit_balance = *credit_balance;
    dst.wallet_status.clone_from(wallet_status);
    dst.name.clone_from(name);
    dst.description.clone_from(description);
    dst.metadata.clone_from(metadata);
    dst.auto_topup.clone_from(auto_topup);
    dst.wallet_type.clone_from(wallet_type);
    dst.config.clone_from(config);
    dst.conversion_rate = *conversion_rate;
    dst.topup_conversion_rate = *topup_conversion_rate;
    dst.environment_id.clone_from(environment_id);
    dst.alert_settings.clone_from(alert_settings);
    dst.alert_state.clone_from(alert_state);
    dst.tenant_id.clone_from(tenant_id);
    dst.status.clone_from(status);
    dst.created_at = *created_at;
    dst.updated_at = *updated_at;
    dst.created_by.clone_from(created_by);
    dst.updated_by.clone_from(updated_by);
}

impl LedgerStore for MemStore {
    fn atomically<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, ApiErr>) -> Result<T, ApiErr> {
        // The seeder never hits a failure it could recover from: any error aborts the seed.
        f(self)
    }

    fn wallet(&mut self, id: &str) -> Result<Option<WalletRec>, ApiErr> {
        Ok(self.wallet_index.get(id).map(|&i| self.wallets[i].clone()))
    }

    fn insert_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr> {
        self.wallet_index.insert(w.id.clone(), self.wallets.len());
        push_index(&mut self.wallets_of_customer, &w.customer_id, self.wallets.len());
        self.wallets.push(w.clone());
        Ok(())
    }

    fn update_wallet(&mut self, w: &WalletRec) -> Result<(), ApiErr> {
        if let Some(&i) = self.wallet_index.get(&w.id) {
            assign_wallet(&mut self.wallets[i], w);
        }
        Ok(())
    }

    fn insert_tx(&mut self, tx: &TxRec) -> Result<bool, ApiErr> {
        if !tx.idempotency_key.is_empty() {
            let taken = match self.keys.get_mut(&tx.environment_id) {
                Some(keys) => keys,
                None => self.keys.entry(tx.environment_id.clone()).or_default(),
            };
            if !taken.insert(tx.idempotency_key.clone()) {
                return Ok(false);
            }
        }
        self.tx_index.insert(tx.id.clone(), self.txs.len());
        push_index(&mut self.txs_of_wallet, &tx.wallet_id, self.txs.len());
        self.txs.push(tx.clone());
        Ok(true)
    }

    fn update_tx(&mut self, tx: &TxRec) -> Result<(), ApiErr> {
        if let Some(&i) = self.tx_index.get(&tx.id) {
            let t = &mut self.txs[i];
            t.transaction_status = tx.transaction_status.clone();
            t.credit_balance_before = tx.credit_balance_before;
            t.credit_balance_after = tx.credit_balance_after;
            t.credits_available = tx.credits_available;
            t.updated_at = tx.updated_at;
            t.updated_by = tx.updated_by.clone();
        }
        Ok(())
    }

    fn draw_credit(
        &mut self,
        id: &str,
        credits_available: Decimal,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), ApiErr> {
        if let Some(&i) = self.tx_index.get(id) {
            let t = &mut self.txs[i];
            t.credits_available = credits_available;
            t.updated_at = at;
            t.updated_by.clear();
            t.updated_by.push_str(by);
        }
        Ok(())
    }

    fn open_lots(&mut self, wallet_id: &str) -> Result<Vec<Lot>, ApiErr> {
        let Some(ix) = self.txs_of_wallet.get(wallet_id) else {
            return Ok(Vec::new());
        };
        let mut lots = Vec::with_capacity(ix.len());
        lots.extend(
            ix.iter()
                .map(|&i| &self.txs[i])
                .filter(|t| is_open_credit(t))
                .map(Lot::from),
        );
        Ok(lots)
    }

    fn tx(&mut self, id: &str) -> Result<Option<TxRec>, ApiErr> {
        Ok(self.tx_index.get(id).map(|&i| self.txs[i].clone()))
    }

    fn open_credits(&mut self, wallet_id: &str) -> Result<Vec<TxRec>, ApiErr> {
        Ok(self
            .txs_of_wallet
            .get(wallet_id)
            .map(|ix| {
                ix.iter()
                    .map(|&i| &self.txs[i])
                    .filter(|t| is_open_credit(t))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    fn last_auto_topup(&mut self, wallet_id: &str) -> Result<Option<TxRec>, ApiErr> {
        Ok(self.txs_of_wallet.get(wallet_id).and_then(|ix| {
            ix.iter()
                .rev()
                .map(|&i| &self.txs[i])
                .find(|t| t.is_auto_topup())
                .cloned()
        }))
    }

    fn pending_auto_topup_invoice(&mut self, customer_id: &str) -> Result<bool, ApiErr> {
        Ok(self
            .invoices
            .iter()
            .any(|(_, _, c, auto, paid)| c == customer_id && *auto && !*paid))
    }

    fn insert_invoice(&mut self, invoice_id: &str, tx_id: &str, auto_topup: bool) -> Result<(), ApiErr> {
        let customer = self
            .tx_index
            .get(tx_id)
            .map(|&i| self.txs[i].customer_id.clone())
            .unwrap_or_default();
        self.invoices.push((
            invoice_id.to_string(),
            tx_id.to_string(),
            customer,
            auto_topup,
            false,
        ));
        Ok(())
    }

    fn active_wallets_of(&mut self, customer_id: &str) -> Result<Vec<WalletRec>, ApiErr> {
        Ok(self
            .wallets_of_customer
            .get(customer_id)
            .map(|ix| {
                ix.iter()
                    .map(|&i| &self.wallets[i])
                    .filter(|w| w.is_active())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    fn active_twin(
        &mut self,
        customer_id: &str,
        currency: &str,
        wallet_type: &WalletType,
    ) -> Result<Option<String>, ApiErr> {
        Ok(self.wallets_of_customer.get(customer_id).and_then(|ix| {
            ix.iter()
                .map(|&i| &self.wallets[i])
                .find(|w| w.is_active() && w.currency == currency && w.wallet_type == *wallet_type)
                .map(|w| w.id.clone())
        }))
    }

    fn may_need_evaluation(&mut self, id: &str) -> Result<bool, ApiErr> {
        Ok(self
            .wallet_index
            .get(id)
            .is_some_and(|&i| crate::ledger::alerts::watched(&self.wallets[i])))
    }

    fn customer_by_external_id(&mut self, external_id: &str) -> Result<Option<CustomerRec>, ApiErr> {
        Ok(self
            .customers
            .iter()
            .find(|c| c.external_id == external_id)
            .cloned())
    }
}
