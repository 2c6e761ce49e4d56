//! Reads shared between consoles: an identical request already in flight is joined instead of
//! sent again, and an answer younger than `fresh_for` is reused. `flexwallet serve` gives every
//! SSH session the same [`SharedReads`], so ten operators watching the same wallets cost the API
//! what one does. Writes never go through here; they invalidate what they touch.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::{ApiError, Client};
use flexprice_wire::models::{Changes, Wallet, WalletSearch};

/// Consoles' change-feed questions are rounded down to this: an earlier `since` only asks for
/// more, and consoles that ask about the same moment share one request.
const FEED_BUCKET_SECS: i64 = 10;

type Answer<T> = Result<T, ApiError>;

enum Entry<T> {
    /// The first caller's fetch; later callers wait on the same cell. If the fetching task is
    /// cancelled (a console's newer request superseded it), a waiter takes over the fetch.
    InFlight(Arc<OnceCell<Answer<T>>>),
    Fresh(T, Instant),
}

/// One kind of read, keyed: single flight plus a short-lived answer per key.
struct Flights<K, T> {
    entries: Mutex<HashMap<K, Entry<T>>>,
}

impl<K: Eq + Hash + Clone, T: Clone> Flights<K, T> {
    fn new() -> Self {
        Flights {
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<T>>> {
        // A panic while holding this lock leaves only a cache behind: keep using it.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn get<F, Fut>(&self, key: K, fresh_for: Duration, fetch: F) -> Answer<T>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Answer<T>>,
    {
        let cell = {
            let mut entries = self.lock();
            match entries.get(&key) {
                Some(Entry::Fresh(v, at)) if at.elapsed() < fresh_for => return Ok(v.clone()),
                Some(Entry::InFlight(cell)) => cell.clone(),
                _ => {
                    let cell = Arc::new(OnceCell::new());
                    entries.insert(key.clone(), Entry::InFlight(cell.clone()));
                    cell
                }
            }
        };
        let answer = cell.get_or_init(fetch).await.clone();
        let mut entries = self.lock();
        if matches!(entries.get(&key), Some(Entry::InFlight(c)) if Arc::ptr_eq(c, &cell)) {
            match &answer {
                Ok(v) => {
                    entries.insert(key, Entry::Fresh(v.clone(), Instant::now()));
                }
                // Errors are shared with the waiters of this flight, never kept.
                Err(_) => {
                    entries.remove(&key);
                }
            }
            // Old answers are never served again: drop them so the map stays small.
            entries.retain(|_, e| match e {
                Entry::InFlight(_) => true,
                Entry::Fresh(_, at) => at.elapsed() < fresh_for,
            });
        }
        answer
    }

    /// Forgets the kept answers that match (in-flight requests are left to finish).
    fn forget(&self, matches: impl Fn(&K, &T) -> bool) {
        self.lock().retain(|k, e| match e {
            Entry::Fresh(v, _) => !matches(k, v),
            Entry::InFlight(_) => true,
        });
    }
}

/// The console's reads (wallet list, rows by id, real-time balance, one wallet), shared.
pub struct SharedReads {
    client: Client,
    fresh_for: Duration,
    list: Flights<(), Vec<Wallet>>,
    searches: Flights<Vec<String>, Vec<Wallet>>,
    balances: Flights<String, Wallet>,
    wallets: Flights<String, Wallet>,
    changes: Flights<i64, Changes>,
}

impl std::fmt::Debug for SharedReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedReads")
            .field("client", &self.client)
            .field("fresh_for", &self.fresh_for)
            .finish_non_exhaustive()
    }
}

impl SharedReads {
    /// `fresh_for`: how old a kept answer may be; half the refresh interval keeps every
    /// console's picture as fresh as its own refresh would.
    pub fn new(client: Client, fresh_for: Duration) -> SharedReads {
        SharedReads {
            client,
            fresh_for,
            list: Flights::new(),
            searches: Flights::new(),
            balances: Flights::new(),
            wallets: Flights::new(),
            changes: Flights::new(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn list_wallets(&self) -> Answer<Vec<Wallet>> {
        let client = &self.client;
        self.list
            .get((), self.fresh_for, || client.list_wallets(None))
            .await
    }

    /// The wallets with these ids (any order; the key is the sorted set).
    pub async fn wallets_by_id(&self, ids: &[String]) -> Answer<Vec<Wallet>> {
        let mut key = ids.to_vec();
        key.sort();
        key.dedup();
        let search = WalletSearch {
            wallet_ids: Some(key.clone()),
            limit: key.len().clamp(1, 1000) as u32,
            ..Default::default()
        };
        let client = &self.client;
        self.searches
            .get(key, self.fresh_for, || async move {
                client.search_wallets(&search).await
            })
            .await
    }

    pub async fn real_time_balance(&self, id: &str) -> Answer<Wallet> {
        let client = &self.client;
        self.balances
            .get(id.to_string(), self.fresh_for, || client.real_time_balance(id))
            .await
    }

    pub async fn get_wallet(&self, id: &str) -> Answer<Wallet> {
        let client = &self.client;
        self.wallets
            .get(id.to_string(), self.fresh_for, || client.get_wallet(id))
            .await
    }

    /// The change feed, shared: `since` is rounded down to a 10 s bucket, so consoles whose
    /// questions fall in one bucket share one request (the answer's `as_of` is the shared
    /// request's, so no console takes it for newer than it is).
    pub async fn changed_wallets(&self, since: chrono::DateTime<chrono::Utc>) -> Answer<Changes> {
        let bucket = since.timestamp().div_euclid(FEED_BUCKET_SECS) * FEED_BUCKET_SECS;
        let from = chrono::DateTime::from_timestamp(bucket, 0).unwrap_or(since);
        let client = &self.client;
        self.changes
            .get(bucket, self.fresh_for, || client.changed_wallets(from))
            .await
    }

    /// After a write to `wallet_id`: no kept answer that shows it is served again.
    pub fn invalidate(&self, wallet_id: &str) {
        self.list.forget(|_, _| true);
        self.searches.forget(|ids, _| ids.iter().any(|i| i == wallet_id));
        self.balances.forget(|id, _| id == wallet_id);
        self.wallets.forget(|id, _| id == wallet_id);
    }
}

/// Where a console's reads go: straight to the client (the local console), or through the
/// [`SharedReads`] of every session of `flexwallet serve`.
#[derive(Debug, Clone)]
pub enum Reads {
    Direct(Client),
    Shared(Arc<SharedReads>),
}

impl Reads {
    pub fn client(&self) -> &Client {
        match self {
            Reads::Direct(c) => c,
            Reads::Shared(s) => s.client(),
        }
    }

    pub async fn list_wallets(&self) -> Answer<Vec<Wallet>> {
        match self {
            Reads::Direct(c) => c.list_wallets(None).await,
            Reads::Shared(s) => s.list_wallets().await,
        }
    }

    pub async fn wallets_by_id(&self, ids: &[String]) -> Answer<Vec<Wallet>> {
        match self {
            Reads::Direct(c) => {
                let search = WalletSearch {
                    wallet_ids: Some(ids.to_vec()),
                    limit: ids.len().clamp(1, 1000) as u32,
                    ..Default::default()
                };
                c.search_wallets(&search).await
            }
            Reads::Shared(s) => s.wallets_by_id(ids).await,
        }
    }

    pub async fn changed_wallets(&self, since: chrono::DateTime<chrono::Utc>) -> Answer<Changes> {
        match self {
            Reads::Direct(c) => c.changed_wallets(since).await,
            Reads::Shared(s) => s.changed_wallets(since).await,
        }
    }

    pub async fn real_time_balance(&self, id: &str) -> Answer<Wallet> {
        match self {
            Reads::Direct(c) => c.real_time_balance(id).await,
            Reads::Shared(s) => s.real_time_balance(id).await,
        }
    }

    pub fn invalidate(&self, wallet_id: &str) {
        if let Reads::Shared(s) = self {
            s.invalidate(wallet_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientConfig;
    use secrecy::SecretString;

    async fn sandbox() -> (flexprice_sandbox::EmbeddedSandbox, Client) {
        let sb = flexprice_sandbox::start_demo(0).await.unwrap();
        let mut cfg = ClientConfig::new(sb.url.clone(), SecretString::from(sb.api_key.clone()));
        cfg.environment_id = Some(sb.environment_id.clone());
        let client = Client::new(cfg).unwrap();
        (sb, client)
    }

    #[tokio::test]
    async fn concurrent_identical_reads_are_sent_once_and_fresh_answers_reused() {
        let (sb, client) = sandbox().await;
        let reads = Arc::new(SharedReads::new(client, Duration::from_secs(30)));
        let before = sb.requests();
        let lists = futures::future::join_all((0..10).map(|_| reads.list_wallets())).await;
        assert!(lists.iter().all(|l| l.as_ref().is_ok_and(|w| !w.is_empty())));
        let ids: Vec<String> = lists[0]
            .as_ref()
            .unwrap()
            .iter()
            .take(3)
            .map(|w| w.id.clone())
            .collect();
        let mut reversed = ids.clone();
        reversed.reverse();
        let (a, b) = tokio::join!(reads.wallets_by_id(&ids), reads.wallets_by_id(&reversed));
        assert_eq!(a.unwrap().len(), 3);
        assert_eq!(b.unwrap().len(), 3);
        let balances = futures::future::join_all((0..5).map(|_| reads.real_time_balance(&ids[0]))).await;
        assert!(balances.iter().all(|b| b.as_ref().is_ok_and(|w| w.id == ids[0])));
        // One list, one search, one balance.
        assert_eq!(sb.requests() - before, 3);
        // Fresh: answered from memory.
        reads.list_wallets().await.unwrap();
        assert_eq!(sb.requests() - before, 3);
        // A write to one wallet forgets what showed it.
        reads.invalidate(&ids[0]);
        reads.real_time_balance(&ids[0]).await.unwrap();
        reads.wallets_by_id(&ids).await.unwrap();
        reads.list_wallets().await.unwrap();
        assert_eq!(sb.requests() - before, 6);
    }

    #[tokio::test]
    async fn stale_answers_are_fetched_again_and_errors_are_not_kept() {
        let (sb, client) = sandbox().await;
        let reads = SharedReads::new(client, Duration::from_millis(50));
        let before = sb.requests();
        reads.list_wallets().await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        reads.list_wallets().await.unwrap();
        assert_eq!(sb.requests() - before, 2);
        assert!(reads.real_time_balance("wallet_missing").await.is_err());
        let after_error = sb.requests();
        assert!(reads.real_time_balance("wallet_missing").await.is_err());
        assert!(
            sb.requests() > after_error,
            "an error answer must not be served again"
        );
    }
}
