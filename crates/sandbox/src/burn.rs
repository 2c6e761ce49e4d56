//! Live motion: a background task that debits random active prepaid wallets at a steady rate
//! (through the ledger, so breakdowns, alert states and auto top-ups react) and expires credits
//! that passed their expiry.

use std::time::Duration;

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::OptionalExtension;
use rust_decimal::Decimal;
use tokio::sync::watch;

use super::error::ApiErr;
use super::ledger::ops::{self, Debit};
use super::ledger::ports::{Ids, LedgerStore};
use super::state::{Core, Shared};
use flexprice_wire::models::{Metadata, TransactionReason};

const TICK: Duration = Duration::from_millis(250);
/// Every this many ticks the expiry sweep runs.
const SWEEP_EVERY: u64 = 40;

/// Credits one tick takes: the per-minute rate spread over the ticks of a minute, ±50%.
pub fn tick_amount(credits_per_min: u64, jitter: f64) -> Decimal {
    let per_tick = Decimal::from(credits_per_min) / Decimal::from(60_000 / TICK.as_millis() as u64);
    let factor = Decimal::from_f64_retain(0.5 + jitter).unwrap_or(Decimal::ONE);
    (per_tick * factor).round_dp(2).max(Decimal::new(1, 2))
}

fn burn_once(
    core: &mut Core,
    actor: &super::ledger::ports::Actor,
    rng: &mut StdRng,
    amount: Decimal,
) -> Result<(), ApiErr> {
    const ELIGIBLE: &str = "FROM wallets WHERE wallet_status = 'active' AND wallet_type = 'PRE_PAID' \
         AND status = 'published' AND credit_balance <> '0' AND credit_balance NOT LIKE '-%'";
    let count: i64 = core
        .db
        .conn()
        .query_row(&format!("SELECT COUNT(*) {ELIGIBLE}"), [], |r| r.get(0))?;
    if count == 0 {
        return Ok(());
    }
    let pick = rng.random_range(0..count);
    let id: Option<String> = core
        .db
        .conn()
        .query_row(
            &format!("SELECT id {ELIGIBLE} ORDER BY seq LIMIT 1 OFFSET ?1"),
            [pick],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else { return Ok(()) };
    let Some(w) = core.db.wallet(&id)? else {
        return Ok(());
    };
    let credits = amount.min(w.credit_balance);
    if credits <= Decimal::ZERO {
        return Ok(());
    }
    let key = format!("burn_{}", core.ids.ulid());
    ops::debit(
        &mut core.db,
        &mut core.ids,
        actor,
        &id,
        Debit {
            credits,
            reason: TransactionReason::ManualBalanceDebit,
            description: "Sandbox burn: simulated usage".into(),
            metadata: Some(Metadata::from([("sandbox_burn".to_string(), "true".to_string())])),
            idempotency_key: key,
        },
    )?;
    Ok(())
}

/// Expires what is due, the job Flexprice runs on a schedule.
fn sweep(core: &mut Core, actor: &super::ledger::ports::Actor) -> Result<(), ApiErr> {
    let now = Utc::now().timestamp_micros();
    let due: Vec<String> = {
        let mut st = core.db.conn().prepare_cached(
            "SELECT id FROM wallet_transactions WHERE type = 'credit' AND credits_available <> '0' \
             AND transaction_status = 'completed' AND expiry_date IS NOT NULL AND expiry_date < ?1 LIMIT 100",
        )?;
        let rows = st.query_map([now], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<Vec<String>>>()?
    };
    for id in due {
        ops::expire_credit(&mut core.db, &mut core.ids, actor, &id)?;
    }
    Ok(())
}

pub fn spawn(state: Shared, credits_per_min: u64, seed: u64, shutdown: watch::Receiver<bool>) {
    if credits_per_min == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(seed ^ 0xb0_12);
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut n: u64 = 0;
        let stop = super::server::stopped(shutdown);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = ticker.tick() => {}
                _ = &mut stop => return,
            }
            n += 1;
            let amount = tick_amount(credits_per_min, rng.random());
            let tick_seed: u64 = rng.random();
            let sweep_now = n.is_multiple_of(SWEEP_EVERY);
            let result = state
                .db(move |core, actor| {
                    let mut rng = StdRng::seed_from_u64(tick_seed);
                    if sweep_now {
                        sweep(core, actor)?;
                    }
                    burn_once(core, actor, &mut rng, amount)
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = %e.message, "sandbox burn: tick failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_of_ticks_burns_the_rate_on_average() {
        // 240 ticks a minute; the mean jitter factor is 1.
        assert_eq!(tick_amount(600, 0.5), Decimal::new(25, 1));
        assert_eq!(tick_amount(600, 0.0), Decimal::new(125, 2));
        assert_eq!(tick_amount(1, 0.5), Decimal::new(1, 2));
    }
}
