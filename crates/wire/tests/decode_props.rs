//! Property tests of the reply decoder: any JSON a server sends, decoded into the wallet, list,
//! top-up and error models, is a value or an error, never a panic; a decimal beyond what
//! `Decimal` holds is an error. Bounded: 512 cases each, 256 for whole wallets (CI runs them with `cargo test`).

use std::str::FromStr;

use flexprice_wire::ApiError;
use flexprice_wire::models::{ListResponse, TopUpReceipt, TopUpResponse, Transaction, Wallet};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

const CASES: u32 = 512;

/// Field names the models read, so that generated objects reach their decoders rather than
/// being skipped as unknown keys.
const KEYS: &[&str] = &[
    "id",
    "customer_id",
    "currency",
    "balance",
    "credit_balance",
    "wallet_status",
    "name",
    "metadata",
    "auto_topup",
    "wallet_type",
    "config",
    "conversion_rate",
    "topup_conversion_rate",
    "alert_settings",
    "alert_state",
    "created_at",
    "updated_at",
    "credits_available_breakdown",
    "real_time_balance",
    "current_period_usage",
    "alert_config",
    "auto_topup_trigger",
    "items",
    "pagination",
    "total",
    "limit",
    "offset",
    "wallet",
    "wallet_transaction",
    "transaction_status",
    "credit_amount",
    "type",
    "transaction_reason",
    "code",
    "message",
    "http_status_code",
    "details",
    "error",
    "success",
    "threshold",
    "critical",
    "warning",
    "info",
    "enabled",
    "purchased",
    "free",
    "$serde_json::private::Number",
];

/// Decimal texts at the edges: `Decimal::MAX` and one past it, 28 and 29 places, exponents
/// that overflow, and things that are not numbers at all.
const EDGES: &[&str] = &[
    "79228162514264337593543950335",
    "-79228162514264337593543950335",
    "79228162514264337593543950336",
    "792281625142643375935439503350",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "1e28",
    "1e29",
    "7.9228162514264337593543950335e28",
    "7.9228162514264337593543950336e28",
    "1e-28",
    "1e-29",
    "1e2147483647",
    "1e-2147483648",
    "1e9223372036854775807",
    "1E+4294967296",
    "-0",
    "0e0",
    "NaN",
    "inf",
    "1_000",
    "",
    " ",
    "١٢٣",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        proptest::sample::select(EDGES).prop_map(|s| Value::String(s.to_string())),
        "[0-9]{1,40}(\\.[0-9]{0,40})?([eE][-+]?[0-9]{1,12})?".prop_map(Value::String),
        ".{0,12}".prop_map(Value::String),
        proptest::sample::select(&["active", "frozen", "closed", "PRE_PAID", "in_alarm", "ok", "usd"][..])
            .prop_map(|s| Value::String(s.to_string())),
    ]
}

/// Any JSON value, its objects keyed mostly by the models' field names; `depth` levels and
/// about `size` values at most.
fn json_value_of(depth: u32, size: u32) -> impl Strategy<Value = Value> {
    scalar().prop_recursive(depth, size, 8, |inner| {
        let key = prop_oneof![
            4 => proptest::sample::select(KEYS).prop_map(str::to_string),
            1 => "[a-z_]{0,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    json_value_of(4, 48)
}

/// A wallet object with every field present, each value arbitrary: the decoder of each field
/// is reached.
fn wallet_like() -> impl Strategy<Value = Value> {
    proptest::collection::vec(json_value_of(2, 6), KEYS.len()).prop_map(|values| {
        let mut map: Map<String, Value> = KEYS.iter().map(|k| k.to_string()).zip(values).collect();
        map.insert("id".into(), json!("wal_1"));
        Value::Object(map)
    })
}

/// Decodes `text` as the client does (`serde_json::from_str` into the model, then `from_value`
/// of the parsed value as the ledger does), and prints every error: neither may panic.
fn decode_all(text: &str) {
    fn both<T: serde::de::DeserializeOwned>(text: &str) {
        if let Err(e) = serde_json::from_str::<T>(text) {
            let _ = e.to_string();
        }
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            let _ = serde_json::from_value::<T>(v);
        }
    }
    both::<Wallet>(text);
    both::<ListResponse<Wallet>>(text);
    both::<ListResponse<Transaction>>(text);
    both::<Transaction>(text);
    both::<TopUpResponse>(text);
    both::<TopUpReceipt>(text);
    // The error body's three readings: Flexprice's, the auth layer's, and anything else.
    for status in [400, 401, 502] {
        let _ = ApiError::from_reply(status, "/v1/wallets", text).to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_json_decodes_or_errs(v in json_value()) {
        decode_all(&v.to_string());
    }

}

proptest! {
    // Every field of a wallet at once: 8 ms a case unoptimised, so half as many.
    #![proptest_config(ProptestConfig::with_cases(CASES / 2))]

    #[test]
    fn any_wallet_shaped_json_decodes_or_errs(v in wallet_like()) {
        let text = v.to_string();
        decode_all(&text);
        let list = json!({"items": [v], "pagination": {"total": 1}}).to_string();
        let _ = serde_json::from_str::<ListResponse<Wallet>>(&list);
        // A wallet that decodes writes back to the same wallet.
        if let Ok(w) = serde_json::from_str::<Wallet>(&text) {
            let again: Wallet = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
            prop_assert_eq!(again, w);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_text_decodes_or_errs(text in ".{0,64}") {
        decode_all(&text);
    }

    /// Decimal strings and numbers of any length: an exact decimal or an error; what decodes is
    /// the value the digits say.
    #[test]
    fn balances_beyond_decimal_max_are_errors(
        int in "[1-9][0-9]{0,39}",
        frac in proptest::option::of("[0-9]{1,30}"),
        negative in any::<bool>(),
        quoted in any::<bool>(),
    ) {
        let digits = match &frac {
            Some(f) => format!("{}{int}.{f}", if negative { "-" } else { "" }),
            None => format!("{}{int}", if negative { "-" } else { "" }),
        };
        let field = if quoted { format!("\"{digits}\"") } else { digits.clone() };
        let text = format!(r#"{{"id":"w","balance":{field}}}"#);
        let decoded = serde_json::from_str::<Wallet>(&text);
        if int.len() > 29 || (int.len() == 29 && Decimal::from_str_exact(&int).is_err()) {
            prop_assert!(decoded.is_err(), "{} decoded as {:?}", digits, decoded.map(|w| w.balance));
        }
        if let Ok(w) = decoded {
            prop_assert_eq!(Some(w.balance), Decimal::from_str_exact(&digits).ok(), "{}", digits);
        }
    }
}

#[test]
fn decimal_max_decodes_and_one_past_it_is_an_error() {
    let max = Decimal::MAX.to_string();
    assert_eq!(max, "79228162514264337593543950335");
    for body in [
        format!(r#"{{"id":"w","balance":"{max}"}}"#),
        format!(r#"{{"id":"w","balance":{max}}}"#),
    ] {
        let w: Wallet = serde_json::from_str(&body).unwrap();
        assert_eq!(w.balance, Decimal::MAX);
    }
    for past in [
        "79228162514264337593543950336",
        "7.9228162514264337593543950336e28",
        "1e29",
    ] {
        for body in [
            format!(r#"{{"id":"w","balance":"{past}"}}"#),
            format!(r#"{{"id":"w","balance":{past}}}"#),
        ] {
            let got = serde_json::from_str::<Wallet>(&body);
            assert!(got.is_err(), "{body}: {:?}", got.map(|w| w.balance));
        }
    }
    assert_eq!(
        Decimal::from_str("-79228162514264337593543950335").unwrap(),
        Decimal::MIN
    );
}

/// Any decimal: the whole 96-bit mantissa, any sign, 0 to 28 places.
fn decimal() -> impl Strategy<Value = Decimal> {
    let max = (1i128 << 96) - 1;
    (-max..=max, 0u32..=28).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// What the wire models write, they read back unchanged: balances to the last digit, names
    /// and enum values we do not know kept verbatim.
    #[test]
    fn valid_wallets_round_trip(
        id in "[a-z0-9_]{1,24}",
        name in proptest::option::of(".{0,24}"),
        currency in "[a-z]{3}",
        balance in decimal(),
        credits in decimal(),
        rate in decimal(),
        real_time in proptest::option::of(decimal()),
        status in "active|frozen|closed|[a-z_]{1,10}",
        wallet_type in "PRE_PAID|POST_PAID|[A-Z_]{1,10}",
    ) {
        let w = Wallet {
            id,
            name,
            currency,
            balance,
            credit_balance: credits,
            conversion_rate: rate,
            real_time_balance: real_time,
            wallet_status: flexprice_wire::models::WalletStatus::parse(&status),
            wallet_type: flexprice_wire::models::WalletType::parse(&wallet_type),
            ..Wallet::default()
        };
        let text = serde_json::to_string(&w).unwrap();
        let back: Wallet = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &w);
        let list: ListResponse<Wallet> =
            serde_json::from_str(&format!(r#"{{"items":[{text}],"pagination":{{"total":1}}}}"#)).unwrap();
        prop_assert_eq!(&list.items[0], &w);
    }
}
