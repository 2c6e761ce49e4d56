//! Decimals survive the wire in both forms, and operators' amounts are parsed strictly.

use std::str::FromStr;

use flexwallet::money::{self, AmountError, parse_amount, wire_text};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Holder {
    #[serde(with = "money::dec")]
    v: Decimal,
    #[serde(with = "money::opt_dec", default)]
    o: Option<Decimal>,
}

/// Any Decimal with 0 to 9 decimal places, over the whole 96-bit mantissa range.
fn decimal_up_to_9_places() -> impl Strategy<Value = Decimal> {
    let max = (1i128 << 96) - 1;
    (-max..=max, 0u32..=9).prop_map(|(m, s)| Decimal::from_i128_with_scale(m, s))
}

fn decode(json: &str) -> Holder {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decimal_round_trip_string_and_number(x in decimal_up_to_9_places()) {
        let text = x.to_string();
        for body in [
            format!(r#"{{"v":"{text}","o":"{text}"}}"#),
            format!(r#"{{"v":{text},"o":{text}}}"#),
        ] {
            let first = decode(&body);
            prop_assert_eq!(first.v, x);
            prop_assert_eq!(first.o, Some(x));
            let encoded = serde_json::to_string(&first).unwrap();
            // Always strings on output, trailing zeros trimmed.
            let expected = format!(r#"{{"v":"{0}","o":"{0}"}}"#, wire_text(&x));
            prop_assert_eq!(&encoded, &expected);
            let second = decode(&encoded);
            prop_assert_eq!(&second, &first);
            // Unchanged to the digit: same value and same normalised text.
            prop_assert_eq!(second.v.normalize().to_string(), x.normalize().to_string());
        }
        // Through serde_json::Value too (numbers keep their text with arbitrary_precision).
        let v: serde_json::Value = serde_json::from_str(&format!(r#"{{"v":{text}}}"#)).unwrap();
        let h: Holder = serde_json::from_value(v).unwrap();
        prop_assert_eq!(h.v, x);
    }

    #[test]
    fn parse_amount_accepts_plain_positive_decimals_up_to_9_places(
        int in "[0-9]{0,11}",
        frac in proptest::option::of("[0-9]{0,9}"),
        pad in "[ \t]{0,2}",
    ) {
        prop_assume!(!(int.is_empty() && frac.as_deref().is_none_or(str::is_empty)));
        let typed = match &frac {
            Some(f) => format!("{pad}{int}.{f}{pad}"),
            None => format!("{pad}{int}{pad}"),
        };
        let canonical = format!(
            "{}.{}",
            if int.is_empty() { "0" } else { &int },
            frac.as_deref().filter(|f| !f.is_empty()).unwrap_or("0")
        );
        let value = Decimal::from_str(&canonical).unwrap();
        let got = parse_amount(&typed, 9);
        if value.is_zero() {
            prop_assert_eq!(got, Err(AmountError::NotPositive));
        } else {
            let got = got.unwrap();
            prop_assert_eq!(got, value);
            prop_assert_eq!(got.to_string(), value.normalize().to_string(), "normalised");
        }
    }

    #[test]
    fn parse_amount_refuses_more_than_9_significant_places(
        int in "[0-9]{1,5}",
        frac in "[0-9]{9,20}[1-9]",
        zeros in "0{0,20}",
    ) {
        let typed = format!("{int}.{frac}{zeros}");
        prop_assert_eq!(
            parse_amount(&typed, 9),
            Err(AmountError::TooPrecise { max: 9, given: frac.len() as u32 })
        );
        // Trailing zeros are not precision: 1.5000000000000 is 1.5.
        let ok = format!("1.5{zeros}{zeros}");
        prop_assert_eq!(parse_amount(&ok, 9), Ok(Decimal::new(15, 1)));
    }

    #[test]
    fn parse_amount_refuses_more_than_11_integer_digits(int in "[1-9][0-9]{11,20}") {
        prop_assert!(matches!(parse_amount(&int, 9), Err(AmountError::TooLarge(_))));
        let with_leading_zeros = format!("000000000000{}", &int[..11]);
        prop_assert!(parse_amount(&with_leading_zeros, 9).is_ok());
    }

    #[test]
    fn parse_amount_refuses_anything_not_plain(
        good in "[0-9]{1,4}(\\.[0-9]{1,3})?",
        bad in "[-+eE,_ /a-zA-Z\\x{00B7}\\x{0663}\\x{FF11}]",
        at in 0usize..6,
    ) {
        let at = at.min(good.len());
        let typed = format!("{}{bad}{}", &good[..at], &good[at..]);
        prop_assume!(!typed.trim().is_empty() && typed.trim() != good);
        prop_assert_eq!(parse_amount(&typed, 9), Err(AmountError::NotPlain(typed.trim().to_string())));
    }
}

#[test]
fn parse_amount_fixed_cases() {
    assert_eq!(parse_amount("   ", 9), Err(AmountError::Empty));
    for bad in [
        "-5", "1e3", "NaN", "inf", "1,000", "1 000", "+5", "1.2.3", ".", "0x10", "１",
    ] {
        assert!(
            matches!(parse_amount(bad, 9), Err(AmountError::NotPlain(_))),
            "{bad} accepted"
        );
    }
    assert_eq!(parse_amount("0.0", 9), Err(AmountError::NotPositive));
    assert_eq!(
        parse_amount("99999999999.999999999", 9).unwrap().to_string(),
        "99999999999.999999999"
    );
    assert_eq!(
        parse_amount("12.345", 2),
        Err(AmountError::TooPrecise { max: 2, given: 3 })
    );
    assert_eq!(
        parse_amount("1.000000000000000000000000000000000000", 9),
        Ok(Decimal::ONE),
        "long runs of trailing zeros do not overflow"
    );
    assert_eq!(
        AmountError::TooPrecise { max: 9, given: 10 }.to_string(),
        "at most 9 decimal places are stored; 10 given"
    );
}

#[test]
fn wire_decoding_refuses_what_is_not_a_decimal() {
    for bad in [
        r#"{"v":""}"#,
        r#"{"v":"abc"}"#,
        r#"{"v":true}"#,
        r#"{"v":{}}"#,
        r#"{"v":null}"#,
    ] {
        assert!(serde_json::from_str::<Holder>(bad).is_err(), "{bad} accepted");
    }
    // Scientific notation (Flexprice never sends it, SDKs might).
    assert_eq!(decode(r#"{"v":1.5e3}"#).v, Decimal::new(1500, 0));
    assert_eq!(decode(r#"{"v":"-0.000000001"}"#).v, Decimal::new(-1, 9));
    assert_eq!(decode(r#"{"v":"1","o":null}"#).o, None);
    assert_eq!(decode(r#"{"v":"1"}"#).o, None);
}

/// What `parse_amount` must accept, written out independently: after trimming, digits with at
/// most one '.', at least one digit, at most `max_scale` places once trailing zeros go, at
/// most 11 integer digits once leading zeros go, and more than zero. The value the digits say.
fn amount_oracle(input: &str, max_scale: u32) -> Option<Decimal> {
    let t = input.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    if frac.len() > max_scale as usize || int.len() > 11 {
        return None;
    }
    let value = Decimal::from_str(&format!("{}.{}0", if int.is_empty() { "0" } else { int }, frac)).ok()?;
    (value > Decimal::ZERO).then_some(value)
}

/// Strings that look like amounts, with the characters that must not pass among them.
fn amount_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => "[0-9]",
            2 => Just(".".to_string()),
            1 => Just("0".repeat(12)),
            1 => "[-+eE,_ \t\u{a0}\u{2007}\u{663}\u{ff11}xX]",
        ],
        0..36,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Any string: the amount the oracle reads, or an error; never a panic, never a value the
    /// digits do not say, and the error's sentence exists.
    #[test]
    fn parse_amount_agrees_with_its_definition(
        input in prop_oneof![amount_like(), ".{0,24}"],
        max_scale in 0u32..=9,
    ) {
        let got = parse_amount(&input, max_scale);
        prop_assert_eq!(got.as_ref().ok().copied(), amount_oracle(&input, max_scale), "{:?} at {} places", input, max_scale);
        match got {
            Ok(d) => {
                prop_assert!(d > Decimal::ZERO && d.scale() <= max_scale, "{d}");
                prop_assert_eq!(d.to_string(), d.normalize().to_string(), "normalised");
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
