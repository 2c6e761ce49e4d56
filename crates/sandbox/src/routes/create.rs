//! `POST /wallets`: bind, validate in Flexprice's order, create (with initial free credits).

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{St, bind, ok};
use crate::error::ApiErr;
use crate::ledger::lifecycle::{self, NewWallet};
use crate::ledger::ports::Ids;
use crate::records::AutoTopup;
use crate::validate;
use flexprice_wire::models::{AlertSettings, Metadata, WalletType};
use flexprice_wire::money;

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    external_customer_id: String,
    currency: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    wallet_type: String,
    #[serde(with = "money::opt_dec", default)]
    conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", default)]
    topup_conversion_rate: Option<Decimal>,
    #[serde(with = "money::opt_dec", default)]
    initial_credits_to_load: Option<Decimal>,
    #[serde(default)]
    initial_credits_to_load_expiry_date: Option<i64>,
    #[serde(default)]
    initial_credits_expiry_date_utc: Option<DateTime<Utc>>,
    #[serde(default)]
    alert_settings: Option<AlertSettings>,
    #[serde(default)]
    auto_topup: Option<AutoTopup>,
    #[serde(default)]
    price_unit: Option<String>,
}

/// `ParseYYYYMMDDToDate`, normalizing out-of-range months and days like Go's `time.Date`.
fn yyyymmdd(d: i64) -> Option<DateTime<Utc>> {
    let (y, m, day) = (d / 10000, (d % 10000) / 100, d % 100);
    let start = chrono::NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, 1, 1)?;
    let months = m - 1;
    let with_months = if months >= 0 {
        start.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))?
    } else {
        start.checked_sub_months(chrono::Months::new(u32::try_from(-months).ok()?))?
    };
    let date = with_months.checked_add_signed(chrono::Duration::days(day - 1))?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

pub async fn create(st: St, body: Bytes) -> Response {
    let req: CreateBody = match bind(&body, ApiErr::bad_body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    if req.currency.is_empty() {
        return ApiErr::bad_body().into_response();
    }
    if let Some(code) = &req.price_unit {
        // The sandbox has no price units: every code is unknown (`GetByCode`'s not-found).
        return ApiErr::not_found(format!("Price unit with code {code} was not found"))
            .detail("code", code.as_str())
            .into_response();
    }
    let result = st
        .db(move |core, actor| {
            let now = core.ids.now();
            validate::create(
                &validate::CreateChecks {
                    currency: &req.currency,
                    auto_topup: req.auto_topup.as_ref(),
                    wallet_type: &req.wallet_type,
                    conversion_rate: req.conversion_rate.unwrap_or_default(),
                    topup_conversion_rate: req.topup_conversion_rate,
                    customer_id: &req.customer_id,
                    external_customer_id: &req.external_customer_id,
                    initial_credits_expiry: req.initial_credits_expiry_date_utc,
                    alert_settings: req.alert_settings.as_ref(),
                },
                now,
            )?;
            let expiry = req
                .initial_credits_expiry_date_utc
                .or_else(|| req.initial_credits_to_load_expiry_date.and_then(yyyymmdd));
            lifecycle::create(
                &mut core.db,
                &mut core.ids,
                actor,
                NewWallet {
                    customer_id: req.customer_id,
                    external_customer_id: req.external_customer_id,
                    currency: req.currency,
                    wallet_type: (!req.wallet_type.is_empty()).then(|| WalletType::parse(&req.wallet_type)),
                    description: req.description,
                    metadata: req.metadata,
                    conversion_rate: req.conversion_rate.unwrap_or_default(),
                    topup_conversion_rate: req.topup_conversion_rate,
                    initial_credits: req.initial_credits_to_load.unwrap_or_default(),
                    initial_credits_expiry: expiry,
                    alert_settings: req.alert_settings,
                    auto_topup: req.auto_topup,
                    name: None,
                },
            )
        })
        .await;
    match result {
        Ok(w) => ok(&w),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yyyymmdd_normalizes_like_go() {
        assert_eq!(
            yyyymmdd(20250101).unwrap().to_rfc3339(),
            "2025-01-01T00:00:00+00:00"
        );
        assert_eq!(
            yyyymmdd(20251301).unwrap().to_rfc3339(),
            "2026-01-01T00:00:00+00:00"
        );
        assert_eq!(
            yyyymmdd(20250230).unwrap().to_rfc3339(),
            "2025-03-02T00:00:00+00:00"
        );
    }
}
