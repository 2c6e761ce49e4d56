//! Runs a wallet's lifecycle writes (create, terminate, manual debit) as top-ups are run: the
//! audit line first (nothing is sent unless it is written), the request, the outcome's line.

use crate::api::ApiError;
use crate::api::models::{CreateWalletRequest, DebitRequest, TransactionType, UpdateWalletRequest};
use crate::app::Action;
use crate::app::lifecycle::{Created, Debited};
use crate::audit::{AuditOutcome, AuditRecord, Ending};

use super::{Runner, Slot, record};

impl Runner {
    pub(super) fn create_wallet(
        &mut self,
        request: Box<CreateWalletRequest>,
        follow_up: UpdateWalletRequest,
    ) {
        let intent = AuditRecord::create_wallet("", &request, Ending::sending());
        let audit = match self.audit_first(&intent) {
            Ok(audit) => audit,
            Err(refused) => {
                let _ = self.tx.send(Action::WalletCreated { result: Err(refused) });
                return;
            }
        };
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.spawn(Slot::Create, async move {
            let created = client.create_wallet(&request).await;
            let id = created.as_ref().map(|w| w.id.clone()).unwrap_or_default();
            record(
                &audit,
                AuditRecord::create_wallet(&id, &request, Ending::of_update(&created)),
                &tx,
            );
            let wallet = match created {
                Ok(w) => w,
                Err(e) => return Action::WalletCreated { result: Err(e) },
            };
            if follow_up.is_empty() {
                return Action::WalletCreated {
                    result: Ok(Created {
                        wallet: Box::new(wallet),
                        follow_up: None,
                    }),
                };
            }
            // What the create cannot take, as an update: audited as one, refused (and said so)
            // if its line cannot be written; the wallet exists either way.
            let intent = AuditRecord::update_wallet(&id, &follow_up, Ending::sending());
            if let Err(why) = audit.append_or_refuse(&intent) {
                let _ = tx.send(Action::AuditLog(Err(why.to_string())));
                return Action::WalletCreated {
                    result: Ok(Created {
                        wallet: Box::new(wallet),
                        follow_up: Some(ApiError::Invalid(format!("not sent: read-only: {why}"))),
                    }),
                };
            }
            let updated = client.update_wallet(&id, &follow_up).await;
            record(
                &audit,
                AuditRecord::update_wallet(&id, &follow_up, Ending::of_update(&updated)),
                &tx,
            );
            let result = match updated {
                Ok(w) => Created {
                    wallet: Box::new(w),
                    follow_up: None,
                },
                Err(e) => Created {
                    wallet: Box::new(wallet),
                    follow_up: Some(e),
                },
            };
            Action::WalletCreated { result: Ok(result) }
        });
    }

    pub(super) fn terminate(&mut self, wallet_id: String) {
        let intent = AuditRecord::terminate_wallet(&wallet_id, Ending::sending());
        let audit = match self.audit_first(&intent) {
            Ok(audit) => audit,
            Err(refused) => {
                let _ = self.tx.send(Action::Terminated {
                    wallet_id,
                    result: Err(refused),
                });
                return;
            }
        };
        let (client, reads, tx) = (self.client.clone(), self.reads.clone(), self.tx.clone());
        self.spawn(Slot::Terminate, async move {
            let result = client.terminate(&wallet_id).await;
            reads.invalidate(&wallet_id);
            record(
                &audit,
                AuditRecord::terminate_wallet(&wallet_id, Ending::of_update(&result)),
                &tx,
            );
            // The reply is a message: the closed wallet is read back for the list.
            let result = match result {
                Ok(()) => Ok(client.get_wallet(&wallet_id).await.ok().map(Box::new)),
                Err(e) => Err(e),
            };
            Action::Terminated { wallet_id, result }
        });
    }

    pub(super) fn debit(&mut self, wallet_id: String, request: DebitRequest) {
        let intent = AuditRecord::debit(&wallet_id, &request, Ending::sending());
        let audit = match self.audit_first(&intent) {
            Ok(audit) => audit,
            Err(refused) => {
                let _ = self.tx.send(Action::Debited {
                    wallet_id,
                    result: Err(refused),
                });
                return;
            }
        };
        let (client, reads, tx) = (self.client.clone(), self.reads.clone(), self.tx.clone());
        self.spawn(Slot::Debit, async move {
            let result = settle_debit(&client, &wallet_id, &request).await;
            reads.invalidate(&wallet_id);
            let ending = match &result {
                Ok(Debited::AlreadyApplied { transaction_id, .. }) => Ending {
                    outcome: AuditOutcome::AlreadyApplied,
                    http_status: Some(409),
                    transaction_id: Some(transaction_id.clone()),
                    invoice_id: None,
                    error: None,
                },
                Ok(Debited::Applied(_)) => Ending::of_update(&Ok::<(), ApiError>(())),
                Err(e) => Ending::failed(e),
            };
            record(&audit, AuditRecord::debit(&wallet_id, &request, ending), &tx);
            Action::Debited { wallet_id, result }
        });
    }
}

/// A debit, and a 409 on its key settled through the ledger: when this very debit is there
/// under the key (a retry of a confirm whose first answer was lost), it was applied once.
async fn settle_debit(
    client: &crate::api::Client,
    wallet_id: &str,
    req: &DebitRequest,
) -> Result<Debited, ApiError> {
    match client.debit(wallet_id, req).await {
        Ok(w) => Ok(Debited::Applied(Box::new(w))),
        Err(err) if err.is_already_exists() => {
            match client
                .find_transaction_by_key(wallet_id, &req.idempotency_key)
                .await?
            {
                Some(t) if t.tx_type == TransactionType::Debit && t.credit_amount == req.credits => {
                    Ok(Debited::AlreadyApplied {
                        transaction_id: t.id,
                        wallet: client.get_wallet(wallet_id).await.ok().map(Box::new),
                    })
                }
                _ => Err(err),
            }
        }
        Err(err) => Err(err),
    }
}
