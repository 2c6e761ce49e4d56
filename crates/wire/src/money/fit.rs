//! Amounts in a cell of fixed width: the exact figure when it fits, else a compact form that
//! says it is one (`≈12.3M`), never a cut one. The sign and the leading digits always survive.

use rust_decimal::Decimal;

use super::{currency_precision, format_scaled};

/// The mark that starts every compact figure: the digits shown are the leading digits of the
/// number, the rest is left out (not rounded), and the exact figure is in the detail.
pub const COMPACT: char = '≈';
/// What a cell too narrow for even a compact figure shows.
pub const OVERFLOW: &str = "…";

/// Thousand, million, billion, trillion; above that the exponent is written out (`≈7.9e28`).
const UNITS: [&str; 4] = ["K", "M", "B", "T"];
/// Decimals of a figure with a unit: `≈12.34M` is read at a glance, the exact one is a key away.
const UNIT_DECIMALS: usize = 2;

/// `d` with at least `min_scale` decimals, in at most `width` columns. `signed` writes a `+`
/// before a positive figure (deltas).
pub fn fit_scaled(d: &Decimal, min_scale: u32, width: usize, signed: bool) -> String {
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else if signed {
        "+"
    } else {
        ""
    };
    let exact = format!("{sign}{}", format_scaled(&d.abs(), min_scale));
    if exact.chars().count() <= width {
        return exact;
    }
    compact(d, sign, width)
}

/// An amount of `currency` in `width` columns.
pub fn fit_amount(d: &Decimal, currency: &str, width: usize) -> String {
    fit_scaled(d, currency_precision(currency), width, false)
}

/// Credits in `width` columns.
pub fn fit_credits(d: &Decimal, width: usize) -> String {
    fit_scaled(d, 2, width, false)
}

/// A signed change in `width` columns: `+25.00`, `-3.10`, `≈+12.3M`.
pub fn fit_delta(d: &Decimal, currency: &str, width: usize) -> String {
    fit_scaled(d, currency_precision(currency), width, true)
}

/// `≈` + sign + leading digits + unit, as many digits as `width` allows.
fn compact(d: &Decimal, sign: &str, width: usize) -> String {
    // Plain digits of |d|: no grouping, no exponent.
    let text = d.abs().normalize().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let int = int.trim_start_matches('0');
    let (lead, rest, unit) = if int.is_empty() {
        // Below one: `≈0.0001` — the integer part is 0, the fraction is cut.
        ("0".to_string(), frac.to_string(), String::new())
    } else {
        let groups = (int.len() - 1) / 3;
        match groups {
            0 => (int.to_string(), frac.to_string(), String::new()),
            1..=4 => {
                let cut = int.len() - 3 * groups;
                (
                    int[..cut].to_string(),
                    format!("{}{frac}", &int[cut..]),
                    UNITS[groups - 1].to_string(),
                )
            }
            _ => (
                int[..1].to_string(),
                format!("{}{frac}", &int[1..]),
                format!("e{}", int.len() - 1),
            ),
        }
    };
    let head = format!("{COMPACT}{sign}{lead}");
    let fixed = head.chars().count() + unit.chars().count();
    if fixed > width {
        return OVERFLOW.to_string();
    }
    // Room for `.` and at least one more digit?
    let room = width - fixed;
    let most = if unit.is_empty() {
        usize::MAX
    } else {
        UNIT_DECIMALS
    };
    let digits: String = rest.chars().take(room.saturating_sub(1).min(most)).collect();
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        format!("{head}{unit}")
    } else {
        format!("{head}.{digits}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn seen_cut_numbers_keep_their_sign_and_leading_digits() {
        // As seen at 80 columns: the Credits column (12 wide) and the Change column (9 wide).
        assert_eq!(fit_credits(&d("12349479.50"), 12), "≈12.34M");
        assert_eq!(fit_delta(&d("12345678"), "usd", 9), "≈+12.34M");
        assert_eq!(fit_credits(&d("-1234567.50"), 13), "-1,234,567.50");
        assert_eq!(fit_credits(&d("-1234567.50"), 12), "≈-1.23M");
        assert_eq!(fit_credits(&d("-12345678901.23"), 12), "≈-12.34B");
        assert_eq!(fit_credits(&Decimal::MAX, 12), "≈7.92e28");
        assert_eq!(fit_credits(&Decimal::MIN, 9), "≈-7.92e28");
        assert_eq!(fit_credits(&Decimal::MIN, 6), "≈-7e28");
        assert_eq!(fit_amount(&d("0.000000001"), "usd", 6), "≈0");
        assert_eq!(fit_amount(&d("999.123456789"), "usd", 8), "≈999.123");
        assert_eq!(fit_credits(&d("5"), 3), "≈5");
        assert_eq!(fit_credits(&d("12345"), 3), "…");
        assert_eq!(fit_credits(&d("2500"), 12), "2,500.00");
    }

    /// A compact figure's digits as the number they stand for (the rest cut to zero), and the
    /// place of its last digit.
    fn compact_value(text: &str) -> Option<(Decimal, Option<Decimal>)> {
        let body = text.strip_prefix(COMPACT)?;
        let (neg, body) = match body.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, body.strip_prefix('+').unwrap_or(body)),
        };
        let (mantissa, exp) = if let Some((m, e)) = body.split_once('e') {
            (m, e.parse::<i64>().ok()?)
        } else {
            let unit = UNITS.iter().position(|u| body.ends_with(u));
            match unit {
                Some(i) => (&body[..body.len() - 1], 3 * (i as i64 + 1)),
                None => (body, 0),
            }
        };
        let decimals = mantissa.split_once('.').map_or(0, |(_, f)| f.len() as i64);
        let m = Decimal::from_str(mantissa).ok()?;
        let scaled = (0..exp).try_fold(m, |acc, _| acc.checked_mul(Decimal::TEN))?;
        let place = exp - decimals;
        let ulp = if place >= 0 {
            (0..place).try_fold(Decimal::ONE, |acc, _| acc.checked_mul(Decimal::TEN))
        } else if place >= -28 {
            Some(Decimal::new(1, (-place) as u32))
        } else {
            None
        };
        Some((if neg { -scaled } else { scaled }, ulp))
    }

    fn any_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i128>(), 0u32..=28).prop_map(|(n, scale)| {
            let n = n % 10i128.pow(28);
            Decimal::from_i128_with_scale(n, scale)
        })
    }

    proptest! {
        /// Shown exactly, or marked compact with the sign kept and digits that are the leading
        /// digits of the number (the figure is truncated toward zero, never a different one).
        #[test]
        fn the_text_shown_is_the_number_or_marked_compact(d in any_decimal(), width in 1usize..=40, signed: bool) {
            let shown = fit_scaled(&d, 2, width, signed);
            prop_assert!(shown.chars().count() <= width, "{shown:?} is wider than {width}");
            if shown == OVERFLOW {
                return Ok(());
            }
            if let Some((v, ulp)) = compact_value(&shown) {
                // Leading digits: |v| ≤ |d|, less than one unit of the last digit shown apart.
                prop_assert!(v.abs() <= d.abs(), "{shown} for {d}");
                if let Some(ulp) = ulp {
                    prop_assert!(d.abs() - v.abs() < ulp, "{shown} for {d}: not its leading digits");
                }
                prop_assert!(v.is_zero() || v.is_sign_negative() == d.is_sign_negative(), "{shown} for {d}");
                prop_assert!(d.is_sign_positive() || shown.contains('-'), "sign lost: {shown} for {d}");
            } else {
                let plain: String = shown.chars().filter(|c| *c != ',').collect();
                let back = Decimal::from_str(plain.trim_start_matches('+'));
                prop_assert_eq!(back.ok(), Some(d), "{} shown for {}", shown, d);
            }
        }
    }
}
