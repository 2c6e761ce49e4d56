//! Fixture bodies decode into the typed models, field by field: current Flexprice (string
//! decimals, alert_settings) and the seed documentation (numbers, legacy alerts, PROMOTIONAL).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use flexwallet::api::models::*;
use flexwallet::api::{ApiError, decode};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::fixture;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn t(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

fn wire<T: serde::de::DeserializeOwned>(name: &str) -> T {
    decode(200, &fixture(&format!("wire/{name}"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn meta(pairs: &[(&str, &str)]) -> Option<Metadata> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn current_wallet_every_field() {
    let w: Wallet = wire("wallet.json");
    assert_eq!(w.id, "wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5");
    assert_eq!(w.customer_id, "cust_01K3B9WJ5E2H4K6M8P0R2T4V6X");
    assert_eq!(w.currency, "usd");
    assert_eq!(w.balance, d("1250.5"));
    assert_eq!(w.credit_balance, d("625.25"));
    // balance = credit_balance × conversion_rate
    assert_eq!(w.credit_balance * w.conversion_rate, w.balance);
    assert_eq!(w.wallet_status, WalletStatus::Active);
    assert_eq!(w.name.as_deref(), Some("Prepaid Wallet - USD"));
    assert_eq!(w.display_name(), "Prepaid Wallet - USD");
    assert_eq!(w.description.as_deref(), Some("Main prepaid wallet"));
    assert_eq!(w.metadata, meta(&[("plan", "growth"), ("region", "eu")]));
    assert_eq!(
        w.auto_topup.as_deref(),
        Some(&AutoTopup {
            enabled: true,
            threshold: Some(d("100")),
            amount: Some(d("500.000000001")),
            invoicing: false,
            cooldown: Some(Cooldown {
                value: 30,
                unit: DurationUnit::Minute
            }),
        })
    );
    assert_eq!(w.wallet_type, WalletType::PrePaid);
    assert_eq!(
        w.config,
        Some(WalletConfig {
            allowed_price_types: Some(vec![PriceType::Usage])
        })
    );
    assert_eq!(w.conversion_rate, d("2"));
    assert_eq!(w.topup_conversion_rate, Some(d("2.5")));
    assert_eq!(w.topup_rate(), d("2.5"));
    assert_eq!(
        w.environment_id.as_deref(),
        Some("env_01K3B9T0A2C4E6G8J0L2N4Q6S8")
    );
    let below = |x: &str| {
        Some(AlertThreshold {
            threshold: d(x),
            condition: AlertCondition::Below,
        })
    };
    assert_eq!(
        w.alert_settings.as_deref(),
        Some(&AlertSettings {
            critical: below("50"),
            warning: below("200"),
            info: None,
            alert_enabled: Some(true),
        })
    );
    assert_eq!(w.alert_state, Some(AlertState::Warning));
    assert_eq!(w.tenant_id.as_deref(), Some("tenant_01K3B9S0Z2B4D6F8H0K2M4P6R8"));
    assert_eq!(w.status, Some(RowStatus::Published));
    assert_eq!(w.created_at, t("2026-08-20T09:15:42.123456Z"));
    assert_eq!(w.updated_at, t("2026-08-22T10:11:12.123456Z"));
    assert_eq!(w.created_by.as_deref(), Some("user_01K3B9R0Y2A4C6E8G0J2L4N6Q8"));
    assert_eq!(w.updated_by.as_deref(), Some("user_01K3B9R0Y2A4C6E8G0J2L4N6Q8"));
    assert_eq!(w.credits_available_breakdown, None);
    assert_eq!(w.real_time_balance, None);
    assert_eq!(w.alert_config, None);
    assert_eq!(w.alert_enabled, None);

    let view = w.alert_view();
    assert!(view.enabled && !view.legacy);
    assert_eq!(view.state, AlertState::Warning);
    assert_eq!(view.levels.len(), 2);
    assert_eq!(view.levels[0].state, AlertState::InAlarm);
    assert_eq!(view.levels[0].threshold, d("50"));
    assert_eq!(view.levels[1].state, AlertState::Warning);
    assert_eq!(view.levels[1].threshold, d("200"));
}

#[test]
fn real_time_balance_with_breakdown() {
    let w: WalletBalance = wire("wallet_balance.json");
    assert_eq!(w.metadata, None);
    assert_eq!(w.real_time_balance, Some(d("980.249999999")));
    assert_eq!(w.real_time_credit_balance, Some(d("490.1249999995")));
    assert_eq!(w.current_period_usage, Some(d("250.250000001")));
    assert_eq!(w.unpaid_invoices_amount, Some(d("20")));
    assert_eq!(w.balance_updated_at, t("2026-08-22T10:15:00Z"));
    assert_eq!(w.is_cached_fallback, Some(false));
    assert_eq!(
        w.credits_available_breakdown.as_deref(),
        Some(&CreditBreakdown {
            purchased: d("400"),
            free: d("225.25")
        })
    );
    // No alert settings at all: alerts are off, nothing legacy.
    let view = w.alert_view();
    assert!(!view.enabled && !view.legacy && view.levels.is_empty());
    assert_eq!(view.state, AlertState::Ok);
}

#[test]
fn wallet_list_with_made_up_pagination_and_unknown_values() {
    let list: ListResponse<Wallet> = wire("wallet_list.json");
    assert_eq!(
        list.pagination,
        Some(Pagination {
            total: 3,
            limit: 50,
            offset: 0
        })
    );
    let [a, b, c] = &list.items[..] else {
        panic!("3 wallets expected, got {}", list.items.len())
    };
    assert_eq!(a.alert_state(), AlertState::Ok);
    assert_eq!(b.wallet_status, WalletStatus::Closed);
    assert_eq!(b.wallet_type, WalletType::PostPaid);
    assert_eq!(b.metadata, None);
    assert_eq!(b.alert_settings, None);
    assert_eq!(b.balance, Decimal::ZERO);
    // A status this client does not know is kept verbatim, not fatal.
    assert_eq!(c.wallet_status, WalletStatus::Other("suspended".into()));
    assert_eq!(c.wallet_status.to_string(), "suspended");
    assert!(!c.wallet_status.is_known());
    assert_eq!(c.balance, d("-1500"));
    assert_eq!(c.name.as_deref(), Some("Credits 日本"));
    assert_eq!(c.alert_state(), AlertState::InAlarm);
    assert_eq!(c.alert_view().levels.len(), 3);
    assert_eq!(c.topup_conversion_rate, None);
    assert_eq!(c.topup_rate(), d("1"));
}

#[test]
fn transaction_page_every_field_and_the_offset_quirk() {
    let page: ListResponse<Transaction> = wire("transactions_page.json");
    // Asked for offset 0, limit 3: the reply's offset is already the next page's.
    assert_eq!(
        page.pagination,
        Some(Pagination {
            total: 7,
            limit: 3,
            offset: 3
        })
    );
    let [credit, debit, pending] = &page.items[..] else {
        panic!("3 transactions expected")
    };
    assert_eq!(credit.id, "wtxn_01K3BB2A4C6E8G0J2L4N6Q8S0U");
    assert_eq!(credit.wallet_id, "wallet_01K3B9Z6X4R8T2M5N7P9Q1S3V5");
    assert_eq!(
        credit.customer_id.as_deref(),
        Some("cust_01K3B9WJ5E2H4K6M8P0R2T4V6X")
    );
    assert_eq!(credit.tx_type, TransactionType::Credit);
    assert_eq!(credit.amount, d("500"));
    assert_eq!(credit.credit_amount, d("250"));
    assert_eq!(credit.credit_balance_before, d("375.25"));
    assert_eq!(credit.credit_balance_after, d("625.25"));
    assert_eq!(credit.credits_available, d("250"));
    assert_eq!(credit.transaction_status, TransactionStatus::Completed);
    assert_eq!(credit.reference_type, Some(ReferenceType::External));
    assert_eq!(credit.reference_id.as_deref(), Some("ops-1432-acme-topup"));
    assert_eq!(
        credit.description.as_deref(),
        Some("Goodwill credit for incident OPS-1432")
    );
    assert_eq!(credit.metadata, meta(&[("ticket", "OPS-1432")]));
    assert_eq!(credit.expiry_date, None);
    assert_eq!(
        credit.transaction_reason,
        TransactionReason::PurchasedCreditDirect
    );
    assert_eq!(credit.priority, None);
    assert_eq!(credit.currency.as_deref(), Some("usd"));
    assert_eq!(credit.parent_transaction_id, None);
    assert_eq!(credit.conversion_rate, Some(d("2")));
    assert_eq!(credit.topup_conversion_rate, Some(d("2")));
    assert_eq!(credit.idempotency_key.as_deref(), Some("ops-1432-acme-topup"));
    assert_eq!(
        credit.environment_id.as_deref(),
        Some("env_01K3B9T0A2C4E6G8J0L2N4Q6S8")
    );
    assert_eq!(
        credit.tenant_id.as_deref(),
        Some("tenant_01K3B9S0Z2B4D6F8H0K2M4P6R8")
    );
    assert_eq!(credit.status, Some(RowStatus::Published));
    assert_eq!(credit.created_at, t("2026-08-22T10:11:12.123456Z"));
    assert_eq!(credit.updated_at, t("2026-08-22T10:11:12.123456Z"));
    assert_eq!(
        credit.created_by.as_deref(),
        Some("user_01K3B9R0Y2A4C6E8G0J2L4N6Q8")
    );
    assert_eq!(
        credit.updated_by.as_deref(),
        Some("user_01K3B9R0Y2A4C6E8G0J2L4N6Q8")
    );
    assert_eq!(credit.transaction_reason.bucket(), Some(CreditBucket::Purchased));

    assert_eq!(debit.tx_type, TransactionType::Debit);
    assert_eq!(debit.credit_amount, d("12.375"));
    assert_eq!(debit.credits_available, Decimal::ZERO);
    assert_eq!(debit.reference_type, Some(ReferenceType::Request));
    assert_eq!(debit.transaction_reason, TransactionReason::ManualBalanceDebit);
    assert_eq!(debit.priority, Some(1));
    assert_eq!(debit.metadata, None);
    assert_eq!(debit.description, None);

    assert_eq!(pending.transaction_status, TransactionStatus::Pending);
    assert_eq!(pending.reference_type, Some(ReferenceType::Invoice));
    assert_eq!(pending.expiry_date, t("2027-01-01T00:00:00Z"));
    assert_eq!(pending.priority, Some(0));
    assert_eq!(
        pending.transaction_reason,
        TransactionReason::PurchasedCreditInvoiced
    );
}

#[test]
fn top_up_replies_keep_unrounded_division_results() {
    let r: TopUpResponse = wire("topup_response.json");
    let tx = r.wallet_transaction.as_ref().unwrap();
    assert_eq!(tx.credit_amount, d("3.3333333333333333"));
    assert_eq!(tx.credit_amount.scale(), 16);
    assert_eq!(tx.credit_balance_after, d("628.5833333333333333"));
    assert_eq!(tx.transaction_reason, TransactionReason::FreeCreditGrant);
    assert_eq!(tx.expiry_date, t("2027-08-22T00:00:00Z"));
    assert_eq!(tx.priority, Some(2));
    assert_eq!(tx.metadata, Some(Metadata::new()));
    assert_eq!(r.wallet.credit_balance, d("628.583333333"));
    assert_eq!(r.wallet.topup_conversion_rate, Some(d("3")));
    assert_eq!(r.invoice_id, None);

    let r: TopUpResponse = wire("topup_invoiced_response.json");
    let tx = r.wallet_transaction.as_ref().unwrap();
    assert_eq!(tx.transaction_status, TransactionStatus::Pending);
    assert_eq!(tx.credit_balance_before, tx.credit_balance_after);
    assert_eq!(r.invoice_id.as_deref(), Some("inv_01K3BC1A2C4E6G8J0L2N4Q6S8U"));
    assert_eq!(tx.reference_id, r.invoice_id);
}

#[test]
fn a_top_up_receipt_reads_the_same_transaction_and_balances_as_the_whole_reply() {
    for name in ["topup_response.json", "topup_invoiced_response.json"] {
        let whole: TopUpResponse = wire(name);
        let receipt: TopUpReceipt = wire(name);
        assert_eq!(receipt, TopUpReceipt::from(&whole), "{name}");
        assert!(
            receipt.transaction_id.is_some() && receipt.balance.is_some(),
            "{name}"
        );
    }
    // Balances the reply leaves out are unknown, not zero; numbers are accepted as in the old API.
    let r: TopUpReceipt = decode(
        200,
        r#"{"wallet_transaction":{"id":"wtxn_1","extra":[1,{"a":null}]},"wallet":{"balance":12.5}}"#,
    )
    .unwrap();
    assert_eq!(r.transaction_id.as_deref(), Some("wtxn_1"));
    assert_eq!((r.credit_balance, r.balance), (None, Some(d("12.5"))));
    // A reply without the wallet is refused, with where.
    let e = decode::<TopUpReceipt>(200, r#"{"wallet_transaction":null}"#).unwrap_err();
    assert!(e.to_string().contains("wallet"), "{e}");
    // The invoice of an invoiced top-up is kept (cleaned of escape bytes); one of another
    // type does not turn the proof of a top-up into an error.
    let invoiced: TopUpReceipt = wire("topup_invoiced_response.json");
    assert!(
        invoiced
            .invoice_id
            .as_deref()
            .is_some_and(|i| i.starts_with("inv_")),
        "{invoiced:?}"
    );
    let reply = |invoice: &str| {
        format!(
            r#"{{"wallet_transaction":{{"id":"wtxn_1"}},"wallet":{{"balance":"1"}},"invoice_id":{invoice}}}"#
        )
    };
    for (invoice, kept) in [
        (r#""inv_9""#, Some("inv_9")),
        (r#""inv_\u001b[2Jx""#, Some("inv_x")),
        ("42", None),
        ("null", None),
        (r#""""#, None),
        (r#"{"id":"inv_1"}"#, None),
    ] {
        let r: TopUpReceipt = decode(200, &reply(invoice)).unwrap();
        assert_eq!(r.invoice_id.as_deref(), kept, "{invoice}");
        assert_eq!(r.transaction_id.as_deref(), Some("wtxn_1"), "{invoice}");
        // The single top-up's whole reply reads it the same way (a number there turned a
        // top-up that was made into an error).
        let mut whole: serde_json::Value = wire("topup_invoiced_response.json");
        whole["invoice_id"] = serde_json::from_str(invoice).unwrap();
        let r: TopUpResponse = decode(200, &whole.to_string()).unwrap();
        assert_eq!(r.invoice_id.as_deref(), kept, "{invoice}");
    }
}

#[test]
fn customer_wallets_is_a_bare_array() {
    let ws: Vec<Wallet> = wire("customer_wallets.json");
    assert_eq!(ws.len(), 1);
    assert_eq!(
        ws[0].credits_available_breakdown.as_deref(),
        Some(&CreditBreakdown {
            purchased: d("400"),
            free: d("225.25")
        })
    );
}

#[test]
fn expanded_transactions_carry_customer_user_and_wallet() {
    let page: ListResponse<Transaction> = wire("transactions_search_expanded.json");
    let tx = &page.items[0];
    assert_eq!(tx.transaction_reason, TransactionReason::PurchasedCreditBonus);
    assert_eq!(
        tx.parent_transaction_id.as_deref(),
        Some("wtxn_01K3BB29Z3B5D7F9H1K3M5P7R")
    );
    assert_eq!(tx.customer.as_ref().unwrap()["name"], "Acme Corp");
    assert_eq!(tx.created_by_user.as_ref().unwrap()["email"], "ops@example.com");
    assert_eq!(tx.wallet.as_ref().unwrap().credit_balance, d("625.25"));
}

/// The filled seed fixtures differ from the verbatim pages only where a page shows a
/// `"<string>"` placeholder (which no decimal or time can be).
fn assert_only_placeholders_filled(verbatim: &Value, filled: &Value, at: &str) {
    match (verbatim, filled) {
        (Value::String(p), Value::String(_)) if p == "<string>" => {}
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "keys differ at {at}"
            );
            for (k, v) in a {
                assert_only_placeholders_filled(v, &b[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "length differs at {at}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_only_placeholders_filled(x, y, &format!("{at}[{i}]"));
            }
        }
        (a, b) => assert_eq!(a, b, "{at} changed"),
    }
}

#[test]
fn seed_fixtures_are_the_pages_with_only_placeholders_filled() {
    for page in ["seed_topup_wallet", "seed_update_wallet"] {
        let v: Value = serde_json::from_str(&fixture(&format!("wire/{page}.verbatim.json"))).unwrap();
        let f: Value = serde_json::from_str(&fixture(&format!("wire/{page}.json"))).unwrap();
        assert_only_placeholders_filled(&v, &f, page);
    }
}

#[test]
fn seed_pages_verbatim_are_refused_at_the_first_placeholder_in_a_typed_field() {
    let err = |page: &str| match decode::<Wallet>(200, &fixture(&format!("wire/{page}.verbatim.json"))) {
        Err(ApiError::Undecodable { status, reason, .. }) => {
            assert_eq!(status, 200);
            reason
        }
        other => panic!("{page}: {other:?}"),
    };
    // Numbers decoded fine; the placeholder time is the first thing that cannot be a value.
    let r = err("seed_topup_wallet");
    assert!(r.starts_with("created_at: "), "{r}");
    // Here the placeholder sits in a money field: never guessed.
    let r = err("seed_update_wallet");
    assert!(r.starts_with("balance: ") && r.contains("<string>"), "{r}");
}

#[test]
fn seed_top_up_page_numbers_promotional_and_the_old_auto_topup() {
    let w: Wallet = wire("seed_topup_wallet.json");
    assert_eq!(w.id, "wallet_seed_0001");
    assert_eq!(w.balance, d("123"));
    assert_eq!(w.credit_balance, d("123"));
    assert_eq!(w.conversion_rate, d("123"));
    assert_eq!(w.wallet_type, WalletType::Other("PROMOTIONAL".into()));
    assert_eq!(w.wallet_type.as_str(), "PROMOTIONAL");
    assert_eq!(w.wallet_status, WalletStatus::Active);
    assert_eq!(w.auto_topup_trigger, Some(AutoTopupTrigger::Disabled));
    assert_eq!(w.auto_topup_min_balance, Some(d("123")));
    assert_eq!(w.auto_topup_amount, Some(d("123")));
    assert_eq!(w.auto_topup, None);
    assert_eq!(
        w.effective_auto_topup(),
        Some(AutoTopup {
            enabled: false,
            threshold: Some(d("123")),
            amount: Some(d("123")),
            invoicing: false,
            cooldown: None
        })
    );
    assert_eq!(
        w.config,
        Some(WalletConfig {
            allowed_price_types: Some(vec![PriceType::All])
        })
    );
    assert_eq!(w.metadata, Some(Metadata::new()));
    assert_eq!(w.created_at, t("2025-06-02T08:30:00Z"));
    assert_eq!(w.updated_at, t("2025-06-03T09:45:30.5Z"));
    assert_eq!(w.topup_rate(), d("123"));
    let view = w.alert_view();
    assert!(!view.enabled && !view.legacy && view.levels.is_empty());
}

#[test]
fn seed_update_page_legacy_alerts_become_the_one_alert_view() {
    let w: Wallet = wire("seed_update_wallet.json");
    assert_eq!(
        w.alert_config.as_deref(),
        Some(&LegacyAlertConfig {
            threshold: Some(LegacyThreshold {
                kind: Some("amount".into()),
                value: Some(d("123")),
            })
        })
    );
    assert_eq!(w.alert_enabled, Some(true));
    assert_eq!(w.alert_settings, None);
    assert_eq!(w.wallet_type, WalletType::Other("PROMOTIONAL".into()));
    assert_eq!(
        w.auto_topup.as_deref(),
        Some(&AutoTopup {
            enabled: true,
            threshold: Some(d("123")),
            amount: Some(d("123")),
            invoicing: true,
            cooldown: None
        })
    );
    assert_eq!(w.balance, d("246.5"));
    assert_eq!(w.credit_balance, d("123.25"));
    assert_eq!(w.credits_available_breakdown.as_ref().unwrap().free, d("23.25"));
    assert_eq!(w.updated_at, t("2025-06-04T08:00:00Z"));

    let view = w.alert_view();
    assert!(view.enabled && view.legacy);
    assert_eq!(view.state, AlertState::InAlarm);
    assert_eq!(
        view.levels,
        vec![AlertLevel {
            state: AlertState::InAlarm,
            threshold: d("123"),
            condition: AlertCondition::Below
        }]
    );
    let settings = w.effective_alert_settings();
    assert_eq!(settings.alert_enabled, Some(true));
    assert_eq!(settings.critical.as_ref().unwrap().threshold, d("123"));
    assert_eq!(settings.evaluate(d("100")), AlertState::InAlarm);
    assert_eq!(settings.evaluate(d("200")), AlertState::Ok);
}

#[test]
fn encoding_writes_decimals_as_trimmed_strings_and_keeps_unknown_values() {
    let w: Wallet = wire("seed_update_wallet.json");
    let v = serde_json::to_value(&w).unwrap();
    assert_eq!(v["balance"], "246.5");
    assert_eq!(v["conversion_rate"], "2");
    assert_eq!(v["alert_config"]["threshold"]["value"], "123");
    assert_eq!(v["auto_topup"]["amount"], "123");
    assert_eq!(v["wallet_type"], "PROMOTIONAL");
    let back: Wallet = serde_json::from_value(v).unwrap();
    assert_eq!(back, w);

    let req = TopUpRequest {
        transaction_reason: TransactionReason::PurchasedCreditDirect,
        credits_to_add: Some(d("25.500")),
        idempotency_key: Some("k1".into()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"transaction_reason":"PURCHASED_CREDIT_DIRECT","credits_to_add":"25.5","idempotency_key":"k1"}"#
    );
}

#[test]
fn an_empty_string_is_not_a_decimal() {
    let body = r#"{"id":"w","balance":""}"#;
    let e = decode::<Wallet>(200, body).unwrap_err();
    assert!(e.to_string().contains("balance: "), "{e}");
}
