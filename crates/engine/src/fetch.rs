//! The wallets a plan names, fetched to check it against them.

use std::collections::HashMap;

use flexprice_client::models::{TransactionQuery, TransactionType, Wallet, WalletSearch};
use flexprice_client::{ApiError, Client};
use flexwallet_bulk::mistakes::Usual;

/// The wallets named by `ids`, fetched with `POST /wallets/search` in batches. Ids the server
/// does not return are simply absent (the plan reports them as unknown, with their lines).
pub async fn fetch_wallets(client: &Client, ids: &[&str]) -> Result<HashMap<String, Wallet>, ApiError> {
    const BATCH: usize = 200;
    // Distinct ids first: a plan may name a wallet on many rows, and sorting every row's id
    // compared a million strings some twenty million times.
    let mut seen = std::collections::HashSet::with_capacity(ids.len().min(1 << 16));
    let mut unique: Vec<&str> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    drop(seen);
    unique.sort_unstable();
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

/// Plans of more wallets than this are not checked against each wallet's usual top-ups: one
/// ledger read a wallet would cost minutes on a real API. The plan says so.
pub const USUAL_LOOKUP_LIMIT: usize = 500;

/// The usual top-up of each wallet named by `ids` (its last top-ups, from its ledger: one
/// `GET /wallets/{id}/transactions` a wallet, eight at a time). `None` when there are more
/// than [`USUAL_LOOKUP_LIMIT`] wallets. A wallet whose ledger cannot be read is left out, as
/// one with too few top-ups is: there is then no "usual" to compare with.
pub async fn fetch_usual(client: &Client, ids: &[&str]) -> Option<HashMap<String, Usual>> {
    // Counted until past the limit, not sorted whole: a million-row plan stops at once.
    let mut unique = std::collections::BTreeSet::new();
    for id in ids {
        unique.insert(*id);
        if unique.len() > USUAL_LOOKUP_LIMIT {
            return None;
        }
    }
    let unique: Vec<String> = unique.into_iter().map(str::to_string).collect();
    let mut found = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    let mut queue = unique.into_iter();
    loop {
        while tasks.len() < 8 {
            let Some(id) = queue.next() else { break };
            let client = client.clone();
            tasks.spawn(async move {
                let usual = read_usual(&client, &id).await.ok().flatten();
                (id, usual)
            });
        }
        let Some(done) = tasks.join_next().await else {
            break;
        };
        if let Ok((id, Some(u))) = done {
            found.insert(id, u);
        }
    }
    Some(found)
}

/// One wallet's usual top-up, from its latest 50 credit transactions (`None`: too few
/// top-ups among them).
pub async fn read_usual(client: &Client, id: &str) -> Result<Option<Usual>, ApiError> {
    let query = TransactionQuery {
        limit: Some(50),
        tx_type: Some(TransactionType::Credit),
        ..TransactionQuery::default()
    };
    let page = client.transactions(id, &query).await?;
    Ok(Usual::of(&page.items))
}
