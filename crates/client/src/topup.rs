//! Top-ups: how a reused idempotency key is settled through the ledger.

use reqwest::Method;
use rust_decimal::Decimal;

use flexprice_wire::models::*;
use flexprice_wire::retry::Repeat;
use flexprice_wire::{ApiError, TopUpOutcome};

use crate::client::{Client, seg};

impl Client {
    /// Tops up a wallet. The request must carry an idempotency key (one is never invented here:
    /// the caller keeps it so that a retry after an unknown outcome uses the same one). Transient
    /// failures are retried with that key. A 409 `already_exists` means the key was used: when
    /// the ledger shows this very top-up on this wallet under that key (on a retry: our first
    /// attempt; on a first attempt: a previous run), the answer is `AlreadyApplied` with that
    /// transaction; otherwise the 409 stands (the key belongs to something else).
    pub async fn top_up(&self, wallet_id: &str, req: &TopUpRequest) -> Result<TopUpOutcome, ApiError> {
        let Some(key) = req.idempotency_key.as_deref().filter(|k| !k.is_empty()) else {
            return Err(ApiError::Invalid("a top-up needs an idempotency key".into()));
        };
        let path = format!("/wallets/{}/top-up", seg(wallet_id));
        let (result, attempts) = self
            .call_counted::<TopUpResponse, _, ()>(Method::POST, &path, None, Some(req), Repeat::Keyed)
            .await;
        self.settle_top_up(wallet_id, key, req, result, attempts).await
    }

    /// One top-up attempt, never repeated here, for callers that own the retry loop (the bulk
    /// engine journals each attempt and shows its retries). On failure the server's
    /// `Retry-After` comes back with the error. A 409 on the key is settled as in [`Client::top_up`].
    pub async fn top_up_once(
        &self,
        wallet_id: &str,
        req: &TopUpRequest,
    ) -> Result<TopUpOutcome<TopUpReceipt>, (ApiError, Option<std::time::Duration>)> {
        let Some(key) = req.idempotency_key.as_deref().filter(|k| !k.is_empty()) else {
            return Err((
                ApiError::Invalid("a top-up needs an idempotency key".into()),
                None,
            ));
        };
        let path = format!("/wallets/{}/top-up", seg(wallet_id));
        let mut retry_after = None;
        let result = match self
            .exchange::<_, ()>(&Method::POST, &path, None, Some(req), 1)
            .await
        {
            Ok(r) if r.status.is_success() => r.decode::<TopUpReceipt>(),
            Ok(r) => {
                retry_after = r.retry_after;
                Err(r.error(&path))
            }
            Err(e) => Err(e),
        };
        self.settle_top_up(wallet_id, key, req, result, 1)
            .await
            .map_err(|e| (e, retry_after))
    }

    /// A top-up's reply → outcome. A 409 `already_exists` means the key was used: when the
    /// ledger shows this very top-up on this wallet under that key, the answer is
    /// `AlreadyApplied` with that transaction; otherwise the 409 stands.
    async fn settle_top_up<R, A: From<R>>(
        &self,
        wallet_id: &str,
        key: &str,
        req: &TopUpRequest,
        result: Result<R, ApiError>,
        attempts: u32,
    ) -> Result<TopUpOutcome<A>, ApiError> {
        match result {
            Ok(resp) => Ok(TopUpOutcome::Applied(A::from(resp))),
            Err(err) if err.is_already_exists() => {
                if err.key_used_by_other_wallet(wallet_id) {
                    return Err(err);
                }
                match self.find_transaction_by_key(wallet_id, key).await? {
                    Some(tx) if same_top_up(&tx, wallet_id, req) => {
                        tracing::info!(
                            wallet = wallet_id,
                            tx = %tx.id,
                            attempts,
                            "top-up already applied under its idempotency key"
                        );
                        Ok(TopUpOutcome::AlreadyApplied(Box::new(tx)))
                    }
                    Some(tx) => {
                        tracing::info!(wallet = wallet_id, tx = %tx.id, "idempotency key used by a different transaction");
                        Err(err)
                    }
                    None => Err(err),
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Finds the transaction created on this wallet under idempotency `key`. Direct top-ups carry
    /// the key as their EXTERNAL reference (`reference_type=EXTERNAL&reference_id=<key>`); other
    /// kinds are found by walking the ledger, newest first.
    pub async fn find_transaction_by_key(
        &self,
        wallet_id: &str,
        key: &str,
    ) -> Result<Option<Transaction>, ApiError> {
        let by_ref = TransactionQuery {
            limit: Some(50),
            reference_type: Some(ReferenceType::External),
            reference_id: Some(key.to_string()),
            ..Default::default()
        };
        let page = self.transactions(wallet_id, &by_ref).await?;
        let matches = |t: &Transaction| {
            t.idempotency_key.as_deref() == Some(key)
                || (t.reference_type == Some(ReferenceType::External)
                    && t.reference_id.as_deref() == Some(key))
        };
        if let Some(tx) = page.items.into_iter().find(|t| matches(t)) {
            return Ok(Some(tx));
        }
        const PAGE: u32 = 200;
        const MAX_PAGES: u64 = 50;
        for page_no in 0..MAX_PAGES {
            let q = TransactionQuery {
                limit: Some(PAGE),
                offset: Some(page_no * PAGE as u64),
                order: Some("desc".into()),
                ..Default::default()
            };
            let page = self.transactions(wallet_id, &q).await?;
            let n = page.items.len();
            if let Some(tx) = page
                .items
                .into_iter()
                .find(|t| t.idempotency_key.as_deref() == Some(key))
            {
                return Ok(Some(tx));
            }
            if n < PAGE as usize {
                break;
            }
        }
        Ok(None)
    }

    /// Credits of the transaction carrying `key` on this wallet, whatever its status (an
    /// invoiced top-up stays `pending` until paid), or 0 when there is none (the bulk engine's
    /// final check).
    pub async fn credited_by_key(&self, wallet_id: &str, key: &str) -> Result<Decimal, ApiError> {
        Ok(self
            .find_transaction_by_key(wallet_id, key)
            .await?
            .map(|t| t.credit_amount)
            .unwrap_or_default())
    }
}

/// Is `tx` the top-up `req` describes? Wallet, reason and (when given) credits must agree.
fn same_top_up(tx: &Transaction, wallet_id: &str, req: &TopUpRequest) -> bool {
    let wallet_ok = tx.wallet_id.is_empty() || tx.wallet_id == wallet_id;
    let reason_ok = tx.transaction_reason == req.transaction_reason;
    let credits_ok = match req.credits_to_add {
        Some(c) if !c.is_zero() => tx.credit_amount == c,
        _ => true,
    };
    wallet_ok && tx.tx_type == TransactionType::Credit && reason_ok && credits_ok
}
