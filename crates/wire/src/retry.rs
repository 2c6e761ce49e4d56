//! When a failed call may be repeated, and how long to wait first.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use super::error::ApiError;

/// The longest wait a `Retry-After` may impose before the client gives up on it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How a call may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Reads: retry on any transient failure.
    Safe,
    /// Writes carrying an idempotency key: a repeat is refused by the server (409), never applied
    /// twice, so they are retried like reads.
    Keyed,
    /// Other writes (PUT, create): retried only when the request certainly was not processed —
    /// it never reached the server, or was turned away with 429.
    Unsafe,
}

impl Repeat {
    pub fn allows(self, err: &ApiError) -> bool {
        match self {
            Repeat::Safe | Repeat::Keyed => err.is_transient(),
            Repeat::Unsafe => matches!(err, ApiError::Connect { .. }) || err.status() == Some(429),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Wait before attempt `attempt + 1` (`attempt` ≥ 1 have failed): the server's `Retry-After`
    /// when it gave one (capped at [`MAX_RETRY_AFTER`]), else exponential backoff with jitter
    /// between half and all of `base × 2^(attempt-1)`, capped at `max_delay`. The jitter keeps
    /// many clients (or the bulk engine's workers) from retrying in lockstep.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(ra) = retry_after {
            return ra.min(MAX_RETRY_AFTER);
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        let millis = cap.as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(millis / 2..=millis))
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-08-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sat, 22 Aug 2026 10:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sat, 22 Aug 2026 09:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        for _ in 0..50 {
            let d1 = p.delay(1, None);
            assert!((50..=100).contains(&d1.as_millis()), "{d1:?}");
            let d3 = p.delay(3, None);
            assert!((200..=400).contains(&d3.as_millis()), "{d3:?}");
            let d9 = p.delay(9, None);
            assert!((250..=500).contains(&d9.as_millis()), "{d9:?}");
        }
        assert_eq!(p.delay(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), MAX_RETRY_AFTER);
    }

    #[test]
    fn unsafe_writes_repeat_only_when_not_processed() {
        let connect = ApiError::Connect {
            host: "h".into(),
            reason: "refused".into(),
        };
        let lost = ApiError::Interrupted {
            host: "h".into(),
            reason: "reset".into(),
        };
        let busy = ApiError::from_reply(503, "/x", "");
        let limited = ApiError::from_reply(
            429,
            "/x",
            r#"{"code":"too_many_requests","message":"slow down","http_status_code":429}"#,
        );
        assert!(Repeat::Unsafe.allows(&connect));
        assert!(Repeat::Unsafe.allows(&limited));
        assert!(!Repeat::Unsafe.allows(&lost));
        assert!(!Repeat::Unsafe.allows(&busy));
        for r in [Repeat::Safe, Repeat::Keyed] {
            assert!(r.allows(&connect) && r.allows(&lost) && r.allows(&busy) && r.allows(&limited));
        }
        let not_found = ApiError::from_reply(
            404,
            "/x",
            r#"{"code":"not_found","message":"Wallet not found","http_status_code":404}"#,
        );
        assert!(!Repeat::Safe.allows(&not_found));
    }
}
