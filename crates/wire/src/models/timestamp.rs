//! Timestamps on the wire (`created_at`, `updated_at`…): serde for `Option<DateTime<Utc>>`
//! that reads the one shape Flexprice emits (Go's RFC 3339 in UTC, `2026-07-09T12:00:00Z`,
//! with an optional fraction) by hand, and anything else through chrono's general parser.
//!
//! chrono's parser was an eighth of the time spent decoding a 100,000-wallet list (three
//! timestamps a wallet); the fixed shape takes a few comparisons.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::de::{Error, Visitor};
use serde::{Deserializer, Serialize, Serializer};

pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    t.serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    struct OptVisitor;
    impl<'de> Visitor<'de> for OptVisitor {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 timestamp or null")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }

        fn visit_str<E: Error>(self, s: &str) -> Result<Self::Value, E> {
            match utc_rfc3339(s) {
                Some(t) => Ok(Some(t)),
                None => s.parse::<DateTime<Utc>>().map(Some).map_err(E::custom),
            }
        }
    }
    d.deserialize_option(OptVisitor)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, or `None` for anything else (left to chrono, which also
/// knows offsets, leap seconds and the lenient forms).
fn utc_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let digits = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(i, c)| b.get(i) == Some(&c)) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    let mut end = 19;
    let mut nanos = 0;
    if b.get(end) == Some(&b'.') {
        let start = end + 1;
        end = start + b.get(start..)?.iter().take_while(|c| c.is_ascii_digit()).count();
        let places = u32::try_from(end - start).ok().filter(|n| (1..=9).contains(n))?;
        nanos = digits(start, end)? * 10u32.pow(9 - places);
    }
    if b.get(end..) != Some(b"Z") || second > 59 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    use chrono::{SecondsFormat, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn chrono_reads(s: &str) -> Option<DateTime<Utc>> {
        s.parse::<DateTime<Utc>>().ok()
    }

    proptest! {
        /// Whatever Go or chrono writes in UTC, the fixed-shape reader reads as chrono does.
        #[test]
        fn reads_utc_timestamps_as_chrono_does(secs in 0i64..253_402_300_799, nanos in 0u32..1_000_000_000, format in 0usize..5) {
            let t = Utc.timestamp_opt(secs, nanos).single().unwrap();
            let format = [SecondsFormat::Secs, SecondsFormat::Millis, SecondsFormat::Micros, SecondsFormat::Nanos, SecondsFormat::AutoSi][format];
            let text = t.to_rfc3339_opts(format, true);
            prop_assert_eq!(utc_rfc3339(&text), chrono_reads(&text));
            prop_assert!(utc_rfc3339(&text).is_some());
        }

        /// On any other text it either agrees with chrono or steps aside for it.
        #[test]
        fn never_disagrees_with_chrono(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?(Z|z|[+-][0-9]{2}:[0-9]{2})?") {
            if let Some(ours) = utc_rfc3339(&text) {
                prop_assert_eq!(Some(ours), chrono_reads(&text));
            }
        }
    }

    #[test]
    fn decodes_every_form_a_wallet_may_carry() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct T {
            #[serde(with = "super", default)]
            at: Option<DateTime<Utc>>,
        }
        let read = |body: &str| serde_json::from_str::<T>(body).map(|t| t.at);
        let noon = Utc.with_ymd_and_hms(2026, 7, 9, 12, 0, 0).unwrap();
        assert_eq!(read(r#"{"at":"2026-07-09T12:00:00Z"}"#).unwrap(), Some(noon));
        assert_eq!(read(r#"{"at":"2026-07-09T14:00:00+02:00"}"#).unwrap(), Some(noon));
        assert_eq!(read(r#"{"at":null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        assert!(read(r#"{"at":"2026-02-30T12:00:00Z"}"#).is_err());
        assert!(read(r#"{"at":"yesterday"}"#).is_err());
        let t = T { at: Some(noon) };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"at":"2026-07-09T12:00:00Z"}"#
        );
    }
}
