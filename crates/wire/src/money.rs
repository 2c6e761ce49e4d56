//! Money: decimal wire encoding, strict parsing of what operators type, and display.
//!
//! Every amount in the program is a `rust_decimal::Decimal`. Flexprice emits decimals as JSON
//! strings; the older documentation (and some SDKs) send numbers. Both decode exactly (numbers
//! keep their digits through serde_json's `arbitrary_precision`), and we always encode strings.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserializer, Serializer};

pub mod fit;

/// What is shown for a figure that cannot be computed (a sum or product beyond what a decimal
/// holds): the raw values stay in the detail and the JSON view.
pub const OUT_OF_RANGE: &str = "out of range";

/// Balances and amounts are `numeric(20,9)` in Flexprice: at most nine decimals are stored.
pub const STORED_SCALE: u32 = 9;
/// `conversion_rate` / `topup_conversion_rate` are `numeric(10,5)`.
pub const RATE_SCALE: u32 = 5;

/// The key serde_json uses to hand over a number's exact text with `arbitrary_precision`.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal as a JSON string or number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_wire(v).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Decimal, E> {
        // serde_json::Value hands big integers over this way (from_value on a parsed body).
        Decimal::try_from_i128_with_scale(v, 0)
            .map_err(|_| E::custom(format!("{v} is too large for a decimal")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Decimal, E> {
        let v = i128::try_from(v).map_err(|_| E::custom(format!("{v} is too large for a decimal")))?;
        self.visit_i128(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        // Only reached by deserializers without exact number text; the shortest round-trip
        // representation of the float is the best available.
        parse_wire(&v.to_string()).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Decimal, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom("expected a decimal, found an empty object"));
        };
        if key != SERDE_JSON_NUMBER_TOKEN {
            return Err(de::Error::custom("expected a decimal, found an object"));
        }
        let text: String = map.next_value()?;
        parse_wire(&text).map_err(de::Error::custom)
    }
}

/// Parses a decimal as it appears on the wire: plain or scientific notation, any sign.
fn parse_wire(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty string is not a decimal".into());
    }
    Decimal::from_str_exact(t)
        .or_else(|_| Decimal::from_scientific(t))
        .map_err(|e| format!("{t:?} is not a decimal ({e})"))
}

/// Wire text of a decimal: trailing zeros trimmed, like shopspring's `String()`.
pub fn wire_text(d: &Decimal) -> String {
    d.normalize().to_string()
}

/// serde `with` module for required decimals.
pub mod dec {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&wire_text(d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }
}

/// serde `with` module for optional decimals (`null` or absent is `None`).
pub mod opt_dec {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&wire_text(d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        struct OptVisitor;
        impl<'de> Visitor<'de> for OptVisitor {
            type Value = Option<Decimal>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(DecimalVisitor).map(Some)
            }
        }
        d.deserialize_option(OptVisitor)
    }
}

/// Why a typed amount was refused. Each variant is a sentence for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("enter an amount")]
    Empty,
    #[error("{0:?} is not a plain decimal number (digits, one optional '.')")]
    NotPlain(String),
    #[error("the amount must be greater than zero")]
    NotPositive,
    #[error("at most {max} decimal places are stored; {given} given")]
    TooPrecise { max: u32, given: u32 },
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Strict parser for amounts typed by an operator or read from a CSV: plain positive decimals
/// only (`25`, `25.5`, `0.000000001`). No sign, exponent, `NaN`, thousands separators, or more
/// decimals than `max_scale` (nothing is ever rounded away silently).
pub fn parse_amount(input: &str, max_scale: u32) -> Result<Decimal, AmountError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(AmountError::Empty);
    }
    let mut parts = t.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = match frac {
        Some(f) => digits_ok(int) && digits_ok(f) && !(int.is_empty() && f.is_empty()),
        None => !int.is_empty() && digits_ok(int),
    };
    if !plain {
        return Err(AmountError::NotPlain(t.to_string()));
    }
    let frac = frac.unwrap_or_default().trim_end_matches('0');
    let given = frac.len() as u32;
    if given > max_scale {
        return Err(AmountError::TooPrecise {
            max: max_scale,
            given,
        });
    }
    // numeric(20,9): eleven integer digits at most.
    let int = int.trim_start_matches('0');
    if int.len() > 20 - STORED_SCALE as usize {
        return Err(AmountError::TooLarge(t.to_string()));
    }
    // Rebuilt from the significant digits only, so "007.50000000000000000000000000000" parses
    // like "7.5" instead of overflowing Decimal's 28 digits.
    let int = if int.is_empty() { "0" } else { int };
    let canonical = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    let d = Decimal::from_str_exact(&canonical).map_err(|_| AmountError::TooPrecise {
        max: max_scale,
        given,
    })?;
    if d <= Decimal::ZERO {
        return Err(AmountError::NotPositive);
    }
    Ok(d.normalize())
}

/// Decimal places a currency is shown with. Flexprice stores lower-case ISO codes.
pub fn currency_precision(currency: &str) -> u32 {
    match currency.to_ascii_lowercase().as_str() {
        "jpy" | "krw" | "vnd" | "clp" | "isk" | "ugx" | "xof" | "xaf" => 0,
        "bhd" | "kwd" | "omr" | "jod" | "tnd" => 3,
        _ => 2,
    }
}

/// Shows `d` with at least the currency's precision and never fewer digits than it has:
/// `12.5 usd` → `12.50`, `12.345 usd` → `12.345` (nothing is rounded away on screen).
pub fn format_amount(d: &Decimal, currency: &str) -> String {
    format_scaled(d, currency_precision(currency))
}

/// Credits have no currency: shown with at least two decimals, never rounded.
pub fn format_credits(d: &Decimal) -> String {
    format_scaled(d, 2)
}

fn format_scaled(d: &Decimal, min_scale: u32) -> String {
    let n = d.normalize();
    let scale = n.scale().max(min_scale);
    let mut out = n;
    out.rescale(scale);
    group_thousands(&out.to_string())
}

/// `1234567.5` → `1,234,567.5`: operators read big balances at a glance.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::with_capacity(int.len() + int.len() / 3 + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A signed delta for highlights: `+25.00`, `-3.10`.
pub fn format_delta(d: &Decimal, currency: &str) -> String {
    if d.is_sign_negative() {
        format!("-{}", format_amount(&d.abs(), currency))
    } else {
        format!("+{}", format_amount(d, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn parse_amount_accepts_plain_decimals() {
        assert_eq!(parse_amount("25", 9), Ok(Decimal::from(25)));
        assert_eq!(parse_amount(" 25.50 ", 9), Ok(Decimal::from_str("25.5").unwrap()));
        assert_eq!(parse_amount(".5", 9), Ok(Decimal::from_str("0.5").unwrap()));
        assert_eq!(
            parse_amount("0.000000001", 9),
            Ok(Decimal::from_str("0.000000001").unwrap())
        );
    }

    #[test]
    fn parse_amount_rejects_with_reasons() {
        assert_eq!(parse_amount("", 9), Err(AmountError::Empty));
        assert_eq!(parse_amount("0", 9), Err(AmountError::NotPositive));
        assert_eq!(parse_amount("0.000", 9), Err(AmountError::NotPositive));
        for bad in ["-5", "1e3", "NaN", "1,000", "+5", "1.2.3", ".", "inf", "٣"] {
            assert!(
                matches!(parse_amount(bad, 9), Err(AmountError::NotPlain(_))),
                "{bad} accepted"
            );
        }
        assert_eq!(
            parse_amount("1.0000000001", 9),
            Err(AmountError::TooPrecise { max: 9, given: 10 })
        );
        assert!(matches!(
            parse_amount("123456789012", 9),
            Err(AmountError::TooLarge(_))
        ));
    }

    #[test]
    fn display_never_drops_digits() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(format_amount(&d("12.5"), "usd"), "12.50");
        assert_eq!(format_amount(&d("12.345"), "usd"), "12.345");
        assert_eq!(format_amount(&d("1234567"), "eur"), "1,234,567.00");
        assert_eq!(format_amount(&d("-1234.5"), "usd"), "-1,234.50");
        assert_eq!(format_amount(&d("100"), "jpy"), "100");
        assert_eq!(format_delta(&d("25"), "usd"), "+25.00");
        assert_eq!(format_delta(&d("-3.1"), "usd"), "-3.10");
    }
}
