//! A sandbox per test, a client for it, the CLI pointed at it, and ledger checks.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use rust_decimal::Decimal;
use secrecy::SecretString;

use flexwallet::api::models::{TransactionQuery, Wallet, WalletStatus};
use flexwallet::api::{Client, ClientConfig};
use flexwallet::cli::{FaultArgs, SandboxArgs};
use flexwallet::sandbox::{self, EmbeddedSandbox};

pub struct Env {
    pub sandbox: EmbeddedSandbox,
    pub client: Client,
}

pub async fn start(wallets: usize, faults: FaultArgs) -> Env {
    let args = SandboxArgs {
        api_key: format!("sk_test_{}", uuid::Uuid::new_v4().simple()),
        environment_id: "env_bulk_test".into(),
        wallets,
        seed: 7,
        faults,
        ..SandboxArgs::default()
    };
    let sandbox = sandbox::start_embedded(args).await.expect("sandbox starts");
    let mut cfg = ClientConfig::new(sandbox.url.clone(), SecretString::from(sandbox.api_key.clone()));
    cfg.environment_id = Some(sandbox.environment_id.clone());
    let client = Client::new(cfg).unwrap();
    Env { sandbox, client }
}

impl Env {
    /// Every wallet, sorted by id.
    pub async fn wallets(&self) -> Vec<Wallet> {
        let mut w = self.client.list_wallets(None).await.unwrap();
        w.sort_by(|a, b| a.id.cmp(&b.id));
        w
    }

    /// Active wallets (the seed also makes closed ones), sorted by id, at most `n`.
    pub async fn active_wallets(&self, n: usize) -> Vec<Wallet> {
        let mut w: Vec<Wallet> = self
            .wallets()
            .await
            .into_iter()
            .filter(|w| w.wallet_status == WalletStatus::Active)
            .collect();
        assert!(w.len() >= n, "the sandbox seeded only {} active wallets", w.len());
        w.truncate(n);
        w
    }

    pub async fn credit_balances(&self) -> HashMap<String, Decimal> {
        self.wallets()
            .await
            .into_iter()
            .map(|w| (w.id, w.credit_balance))
            .collect()
    }

    /// How many transactions of `wallet_id` carry `key`, over its whole ledger.
    pub async fn transactions_with_key(&self, wallet_id: &str, key: &str) -> usize {
        let mut count = 0;
        let mut offset = 0u64;
        loop {
            let q = TransactionQuery {
                limit: Some(1000),
                offset: Some(offset),
                ..Default::default()
            };
            let page = self.client.transactions(wallet_id, &q).await.unwrap();
            let n = page.items.len();
            count += page
                .items
                .iter()
                .filter(|t| t.idempotency_key.as_deref() == Some(key))
                .count();
            if n < 1000 {
                return count;
            }
            offset += n as u64;
        }
    }

    pub async fn faults_off(&self) {
        self.set_faults(serde_json::json!({
            "fail_rate": 0.0, "rate_limit": 0, "latency_ms": 0, "reset_rate": 0.0, "lost_reply_rate": 0.0,
            "throttle_rate": 0.0,
        }))
        .await;
    }

    /// `POST /_sandbox/faults`: switch fault injection at run time.
    pub async fn set_faults(&self, faults: serde_json::Value) {
        let url = format!("{}/_sandbox/faults", self.sandbox.url.trim_end_matches("/v1"));
        let resp = reqwest::Client::new()
            .post(url)
            .header("x-api-key", &self.sandbox.api_key)
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "fault switch refused: {}",
            resp.status()
        );
    }

    /// The real binary, pointed at this sandbox, with its state and config under `home`.
    pub fn cli(&self, home: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_flexwallet"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("USER", "bulk-test")
            .env("FLEXPRICE_API_KEY", &self.sandbox.api_key)
            .args([
                "--api-url",
                &self.sandbox.url,
                "--environment-id",
                &self.sandbox.environment_id,
            ]);
        cmd
    }
}
