//! Expiry dates typed by operators or read from a CSV: strict parsing shared by forms and bulk.
//!
//! Accepted: RFC 3339 (`2026-12-31T23:59:59Z`, any offset, converted to UTC), a plain date
//! `YYYY-MM-DD` meaning **midnight UTC at the start of that day** (the reading Flexprice's own
//! `YYYYMMDD` fields and most billing tools use), and a relative `+N` followed by `h` (hours),
//! `d` (days) or `w` (weeks). The result must lie in the future: Flexprice refuses past expiries.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Why an expiry was refused. Each variant is a sentence for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error("enter an expiry date")]
    Empty,
    #[error("{0:?} is not a date: use YYYY-MM-DD, RFC 3339 (2026-12-31T23:59:59Z) or +30d / +12h / +2w")]
    NotADate(String),
    #[error("{0:?} is not a relative expiry: use +N followed by h, d or w (e.g. +30d)")]
    BadRelative(String),
    #[error("the expiry {0} is not in the future")]
    NotInFuture(String),
}

/// How the operator wrote an expiry. Relative ones are kept as written so that the same CSV
/// describes the same job on every run (the instant they resolve to moves with `now`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpirySpec {
    At(DateTime<Utc>),
    /// `+30d` etc., normalised to lower case without spaces.
    Relative {
        text: String,
        span: Duration,
    },
}

impl ExpirySpec {
    pub fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            ExpirySpec::At(t) => *t,
            ExpirySpec::Relative { span, .. } => now + *span,
        }
    }

    /// Stable text for hashing and journals: RFC 3339 for instants, the relative text otherwise.
    pub fn canonical(&self) -> String {
        match self {
            ExpirySpec::At(t) => t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ExpirySpec::Relative { text, .. } => text.clone(),
        }
    }
}

/// Parses without the future check (see [`parse_expiry`] for that).
pub fn parse_expiry_spec(input: &str) -> Result<ExpirySpec, ExpiryError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(ExpiryError::Empty);
    }
    if let Some(rest) = t.strip_prefix('+') {
        return parse_relative(rest, t).map(|span| ExpirySpec::Relative {
            text: format!("+{}", rest.trim().to_ascii_lowercase()),
            span,
        });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(t) {
        return Ok(ExpirySpec::At(t.with_timezone(&Utc)));
    }
    // Only the exact `YYYY-MM-DD` shape: chrono alone would also take `2026-1-5`, which hides typos.
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if shaped && let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(ExpirySpec::At(d.and_time(chrono::NaiveTime::MIN).and_utc()));
    }
    Err(ExpiryError::NotADate(t.to_string()))
}

fn parse_relative(rest: &str, whole: &str) -> Result<Duration, ExpiryError> {
    let bad = || ExpiryError::BadRelative(whole.to_string());
    let rest = rest.trim();
    let unit = rest.chars().last().ok_or_else(bad)?;
    let digits = &rest[..rest.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    // Ten years is far beyond any credit expiry; the cap keeps chrono's arithmetic in range.
    let hours = match unit.to_ascii_lowercase() {
        'h' => n,
        'd' => n.checked_mul(24).ok_or_else(bad)?,
        'w' => n.checked_mul(24 * 7).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if hours == 0 || hours > 24 * 366 * 10 {
        return Err(bad());
    }
    Ok(Duration::hours(hours))
}

/// Parses an expiry and checks that it lies after `now`.
pub fn parse_expiry(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, ExpiryError> {
    let at = parse_expiry_spec(input)?.resolve(now);
    check_future(at, now)
}

/// The future check on its own, for specs parsed earlier.
pub fn check_future(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, ExpiryError> {
    if at <= now {
        return Err(ExpiryError::NotInFuture(
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ));
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 8, 22, 10, 0, 0).unwrap()
    }

    #[test]
    fn accepts_the_three_forms() {
        assert_eq!(
            parse_expiry("2026-12-31", now()),
            Ok(Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap())
        );
        assert_eq!(
            parse_expiry("2026-12-31T23:59:59+02:00", now()),
            Ok(Utc.with_ymd_and_hms(2026, 12, 31, 21, 59, 59).unwrap())
        );
        assert_eq!(parse_expiry("+30d", now()), Ok(now() + Duration::days(30)));
        assert_eq!(parse_expiry(" +12H ", now()), Ok(now() + Duration::hours(12)));
        assert_eq!(parse_expiry("+2w", now()), Ok(now() + Duration::weeks(2)));
    }

    #[test]
    fn refuses_with_reasons() {
        assert_eq!(parse_expiry("", now()), Err(ExpiryError::Empty));
        for bad in ["2026-1-5", "31/12/2026", "tomorrow", "2026-02-30", "20261231"] {
            assert!(
                matches!(parse_expiry(bad, now()), Err(ExpiryError::NotADate(_))),
                "{bad} accepted"
            );
        }
        for bad in ["+", "+d", "+30", "+30m", "+-3d", "+0d", "+1.5d", "+99999999999w"] {
            assert!(
                matches!(parse_expiry(bad, now()), Err(ExpiryError::BadRelative(_))),
                "{bad} accepted"
            );
        }
        // Today's midnight has passed at 10:00.
        assert_eq!(
            parse_expiry("2026-08-22", now()),
            Err(ExpiryError::NotInFuture("2026-08-22T00:00:00Z".into()))
        );
        assert!(matches!(
            parse_expiry("2020-01-01T00:00:00Z", now()),
            Err(ExpiryError::NotInFuture(_))
        ));
    }

    #[test]
    fn canonical_text_is_stable() {
        assert_eq!(parse_expiry_spec("+30D").unwrap().canonical(), "+30d");
        assert_eq!(
            parse_expiry_spec("2026-12-31T01:00:00+01:00")
                .unwrap()
                .canonical(),
            parse_expiry_spec("2026-12-31").unwrap().canonical()
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_accepted_is_future(s in "\\PC{0,24}") {
            if let Ok(t) = parse_expiry(&s, now()) {
                prop_assert!(t > now());
            }
        }

        #[test]
        fn relative_days_round_trip(n in 1i64..3000) {
            prop_assert_eq!(parse_expiry(&format!("+{n}d"), now()), Ok(now() + Duration::days(n)));
        }
    }
}
