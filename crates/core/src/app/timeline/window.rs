//! Which stretch of time the timeline shows: the last `15m`/`1h`/`24h`/`7d` (sliding with the
//! clock), or a range `FROM..TO` of RFC 3339 times or dates (`TO` left out: up to now, live).

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The window when none is given.
pub const DEFAULT: &str = "1h";
/// The longest window: a longer one is cut by the memory cap long before it is read anyway.
const LONGEST_DAYS: i64 = 366;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// As the operator typed it (`1h`, `2026-11-01..2026-11-02`).
    pub text: String,
    /// Transactions created at or after this.
    pub from: DateTime<Utc>,
    /// Transactions created at or before this (`None`: up to now).
    pub to: Option<DateTime<Utc>>,
    /// A window relative to now (`1h`) slides with the clock: `from` is `now - span`.
    pub span: Option<Duration>,
}

impl Window {
    /// Parses `15m`, `1h`, `24h`, `7d` (any whole number of s, m, h or d), or `FROM..TO`.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<Window, String> {
        let text = text.trim();
        let text = if text.is_empty() { DEFAULT } else { text };
        if let Some((from, to)) = text.split_once("..") {
            let from = time(from.trim(), false).map_err(|e| format!("{e} (the start of {text})"))?;
            let to = match to.trim() {
                "" | "now" => None,
                t => Some(time(t, true).map_err(|e| format!("{e} (the end of {text})"))?),
            };
            if to.is_some_and(|to| to < from) {
                return Err(format!("{text}: the end is before the start"));
            }
            return Ok(Window {
                text: text.to_string(),
                from,
                to,
                span: None,
            });
        }
        let span = span(text)?;
        Ok(Window {
            text: text.to_string(),
            from: now - span,
            to: None,
            span: Some(span),
        })
    }

    /// New transactions can still arrive in it: its end is open or still ahead.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.to.is_none_or(|t| t > now)
    }

    /// A relative window moves its start with the clock.
    pub fn slide(&mut self, now: DateTime<Utc>) {
        if let Some(span) = self.span {
            self.from = now - span;
        }
    }

    /// `last 1h` or `2026-11-01 00:00 → 2026-11-02 23:59` (UTC), for the title.
    pub fn describe(&self) -> String {
        match (self.span, self.to) {
            (Some(_), _) => format!("last {}", self.text),
            (None, None) => format!("since {}", self.from.format("%Y-%m-%d %H:%M")),
            (None, Some(to)) => format!(
                "{} → {}",
                self.from.format("%Y-%m-%d %H:%M"),
                to.format("%Y-%m-%d %H:%M")
            ),
        }
    }
}

fn span(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "\"{text}\" is not a window: use 15m, 1h, 24h, 7d (s, m, h or d) or FROM..TO with RFC 3339 times or dates"
        )
    };
    let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
    let (n, unit) = text.split_at(unit_at);
    let n: i64 = n.parse().map_err(|_| bad())?;
    if n <= 0 {
        return Err(bad());
    }
    let span = match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    }
    .ok_or_else(bad)?;
    if span > Duration::days(LONGEST_DAYS) {
        return Err(format!("{text}: at most {LONGEST_DAYS}d"));
    }
    Ok(span)
}

/// An RFC 3339 time, or a date: its first moment, or its last when it ends a range (so
/// `2026-11-01..2026-11-01` is that whole day).
fn time(text: &str, end: bool) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is neither an RFC 3339 time nor a date (YYYY-MM-DD)"))?;
    let day = date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("\"{text}\" has no first moment"))?;
    if !end {
        return Ok(day);
    }
    day.checked_add_signed(Duration::days(1))
        .and_then(|t| t.checked_sub_signed(Duration::microseconds(1)))
        .ok_or_else(|| format!("\"{text}\" is past the last day this console can count to"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).single().unwrap()
    }

    #[test]
    fn relative_windows_slide_with_the_clock() {
        let mut w = Window::parse("", now()).unwrap();
        assert_eq!(w.text, "1h");
        assert_eq!(w.from, now() - Duration::hours(1));
        assert!(w.is_live(now()));
        w.slide(now() + Duration::minutes(5));
        assert_eq!(w.from, now() - Duration::minutes(55));
        for (t, d) in [
            ("15m", Duration::minutes(15)),
            ("24h", Duration::hours(24)),
            ("7d", Duration::days(7)),
        ] {
            assert_eq!(Window::parse(t, now()).unwrap().span, Some(d));
        }
        for bad in ["0h", "-1h", "1w", "h", "1.5h", "400d", "99999999999999999d"] {
            assert!(Window::parse(bad, now()).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_take_times_or_whole_days() {
        let w = Window::parse("2026-11-01..2026-11-01", now()).unwrap();
        assert_eq!(
            w.from,
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap()
        );
        assert_eq!(
            w.to,
            Some(Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).single().unwrap() - Duration::microseconds(1))
        );
        assert!(!w.is_live(now()));
        let w = Window::parse("2026-12-03T09:30:00Z..", now()).unwrap();
        assert_eq!(w.to, None);
        assert!(w.is_live(now()));
        let w = Window::parse("2026-12-03T09:30:00+01:00..2026-12-03T10:30:00Z", now()).unwrap();
        assert_eq!(
            w.from,
            Utc.with_ymd_and_hms(2026, 12, 3, 8, 30, 0).single().unwrap()
        );
        assert!(Window::parse("2026-11-02..2026-11-01", now()).is_err());
        assert!(Window::parse("yesterday..", now()).is_err());
    }

    #[test]
    fn the_last_dates_chrono_holds_are_refused_not_a_panic() {
        assert!(Window::parse("2026-01-01..+262142-12-31", now()).is_err());
        for text in ["+262142-12-31..", "-262143-01-01..2026-01-01"] {
            let _ = Window::parse(text, now());
        }
    }
}
