//! The console's monotonic clock, as the core sees it: moments handed in, never read.

use std::ops::{Add, AddAssign, Sub};
use std::time::Duration;

/// A point on the console's monotonic clock: the time since an origin the runtime picks (its
/// start). The core only compares and offsets moments; the runtime makes them from
/// `Instant::elapsed`, and tests from plain durations, so every test is deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Moment(Duration);

impl Moment {
    pub const ZERO: Moment = Moment(Duration::ZERO);

    /// The moment `since` after the origin.
    pub const fn after(since: Duration) -> Moment {
        Moment(since)
    }

    pub const fn from_secs(secs: u64) -> Moment {
        Moment(Duration::from_secs(secs))
    }

    /// How long after `earlier` this is; zero when it is not after it.
    pub fn saturating_duration_since(self, earlier: Moment) -> Duration {
        self.0.saturating_sub(earlier.0)
    }
}

impl Add<Duration> for Moment {
    type Output = Moment;
    fn add(self, d: Duration) -> Moment {
        Moment(self.0.saturating_add(d))
    }
}

impl AddAssign<Duration> for Moment {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub<Duration> for Moment {
    type Output = Moment;
    /// Saturates at the origin.
    fn sub(self, d: Duration) -> Moment {
        Moment(self.0.saturating_sub(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_panicking() {
        let t = Moment::from_secs(10);
        assert_eq!(
            (t + Duration::from_secs(5)).saturating_duration_since(t),
            Duration::from_secs(5)
        );
        assert_eq!(
            t.saturating_duration_since(t + Duration::from_secs(5)),
            Duration::ZERO
        );
        assert_eq!(t - Duration::from_secs(60), Moment::ZERO);
        assert!(Moment::ZERO < t);
    }
}
