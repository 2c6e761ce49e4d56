//! Counts said in words, with the plural a person would write: `1 problem`, `3 problems`.

/// `count(1, "wallet", "wallets")` → `1 wallet`; `count(3, …)` → `3 wallets`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `n` with a comma every three digits: `9,223,372,036,854,775,807`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A whole number from 0 to `i64::MAX` (Flexprice's integers), or what is wrong with it in
/// words: not a number, below 0, or too large (with the largest, readable).
pub fn whole_number(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let digits = t.strip_prefix('+').unwrap_or(t);
    if let Some(rest) = t.strip_prefix('-')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!("{t:?} is below 0: give a whole number from 0 up"));
    }
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{t:?} is not a whole number (0, 1, 2…)"));
    }
    digits
        .parse::<i64>()
        .map_err(|_| format!("{t:?} is too large: at most {}", grouped(i64::MAX as u64)))
}

#[cfg(test)]
mod tests {
    use super::{count, grouped, whole_number};

    #[test]
    fn whole_numbers_say_what_is_wrong() {
        assert_eq!(whole_number("0"), Ok(0));
        assert_eq!(whole_number(" 42 "), Ok(42));
        assert_eq!(whole_number("9223372036854775807"), Ok(i64::MAX));
        let big = whole_number("99999999999999999999").unwrap_err();
        assert_eq!(
            big,
            "\"99999999999999999999\" is too large: at most 9,223,372,036,854,775,807"
        );
        assert!(whole_number("-1").unwrap_err().contains("below 0"));
        assert!(whole_number("1.5").unwrap_err().contains("not a whole number"));
        assert!(whole_number("").unwrap_err().contains("not a whole number"));
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(18_446_744_073_709_551_615), "18,446,744,073,709,551,615");
    }

    #[test]
    fn one_and_many() {
        assert_eq!(count(0, "row", "rows"), "0 rows");
        assert_eq!(count(1, "marked wallet", "marked wallets"), "1 marked wallet");
        assert_eq!(count(2, "transaction", "transactions"), "2 transactions");
    }
}
