//! The wallets a plan names, fetched to check it against them.

use std::collections::HashMap;

use flexprice_client::models::{Wallet, WalletSearch};
use flexprice_client::{ApiError, Client};

/// The wallets named by `ids`, fetched with `POST /wallets/search` in batches. Ids the server
/// does not return are simply absent (the plan reports them as unknown, with their lines).
pub async fn fetch_wallets(client: &Client, ids: &[&str]) -> Result<HashMap<String, Wallet>, ApiError> {
    const BATCH: usize = 200;
    let mut unique: Vec<&str> = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let mut found = HashMap::with_capacity(unique.len());
    for chunk in unique.chunks(BATCH) {
        let search = WalletSearch {
            wallet_ids: Some(chunk.iter().map(|s| s.to_string()).collect()),
            ..WalletSearch::default()
        };
        for w in client.search_wallets(&search).await? {
            // A server that ignores the filter returns more than asked: keep only ours.
            if chunk.binary_search(&w.id.as_str()).is_ok() {
                found.insert(w.id.clone(), w);
            }
        }
    }
    Ok(found)
}
