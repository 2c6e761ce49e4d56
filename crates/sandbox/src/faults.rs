//! Fault injection: failures (500/503), a rate limit and a share of throttled requests (429 +
//! Retry-After), latency with jitter, connection resets, and lost replies (the top-up commits, the connection drops). Switchable
//! at run time through `/_sandbox/faults`; the draws come from a seeded generator.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::error::ApiErr;
use crate::options::FaultOptions;

/// The current fault settings (what `GET /_sandbox/faults` shows).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FaultSettings {
    pub fail_rate: f64,
    pub rate_limit: u32,
    pub latency_ms: u64,
    pub reset_rate: f64,
    pub lost_reply_rate: f64,
    /// Fraction of requests answered 429 with `Retry-After: 1`, whatever the pace: a throttle
    /// that does not depend on how fast the client is.
    #[serde(default)]
    pub throttle_rate: f64,
}

/// `POST /_sandbox/faults`: only the fields given change.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPatch {
    pub fail_rate: Option<f64>,
    pub rate_limit: Option<u32>,
    pub latency_ms: Option<u64>,
    pub reset_rate: Option<f64>,
    pub lost_reply_rate: Option<f64>,
    pub throttle_rate: Option<f64>,
}

impl From<&FaultOptions> for FaultSettings {
    fn from(a: &FaultOptions) -> Self {
        FaultSettings {
            fail_rate: a.fail_rate,
            rate_limit: a.rate_limit,
            latency_ms: a.latency_ms,
            reset_rate: a.reset_rate,
            lost_reply_rate: a.lost_reply_rate,
            throttle_rate: a.throttle_rate,
        }
    }
}

/// The longest added latency: a minute. More would hold every request past any client's
/// timeout (and `u64::MAX` ms would hold it for ever).
pub const MAX_LATENCY_MS: u64 = 60_000;

impl FaultSettings {
    /// Rates are fractions of requests and latency is at most [`MAX_LATENCY_MS`]; anything else
    /// is refused with the field's name.
    pub fn check(&self) -> Result<(), String> {
        self.bad_field().map_or(Ok(()), |(_, message)| Err(message))
    }

    /// The first setting out of range: its name (for the error's details) and what is wrong.
    pub fn bad_field(&self) -> Option<(&'static str, String)> {
        if self.latency_ms > MAX_LATENCY_MS {
            let got = self.latency_ms;
            return Some((
                "latency_ms",
                format!("latency_ms must be between 0 and {MAX_LATENCY_MS}, got {got}"),
            ));
        }
        [
            ("fail_rate", self.fail_rate),
            ("reset_rate", self.reset_rate),
            ("lost_reply_rate", self.lost_reply_rate),
            ("throttle_rate", self.throttle_rate),
        ]
        .into_iter()
        .find(|(_, v)| !(0.0..=1.0).contains(v))
        .map(|(name, v)| (name, format!("{name} must be between 0 and 1, got {v}")))
    }

    pub fn apply(&self, p: &FaultPatch) -> FaultSettings {
        FaultSettings {
            fail_rate: p.fail_rate.unwrap_or(self.fail_rate),
            rate_limit: p.rate_limit.unwrap_or(self.rate_limit),
            latency_ms: p.latency_ms.unwrap_or(self.latency_ms),
            reset_rate: p.reset_rate.unwrap_or(self.reset_rate),
            lost_reply_rate: p.lost_reply_rate.unwrap_or(self.lost_reply_rate),
            throttle_rate: p.throttle_rate.unwrap_or(self.throttle_rate),
        }
    }
}

/// The fate drawn for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    pub latency: Duration,
    pub reset: bool,
    pub fail: Option<u16>,
    pub lose_reply: bool,
    pub throttle: bool,
}

pub struct Faults {
    settings: Mutex<FaultSettings>,
    rng: Mutex<StdRng>,
    /// Requests seen in the current wall-clock second.
    window: Mutex<(u64, u32)>,
}

impl Faults {
    pub fn new(settings: FaultSettings, seed: u64) -> Faults {
        Faults {
            settings: Mutex::new(settings),
            rng: Mutex::new(StdRng::seed_from_u64(seed ^ 0xfa_17)),
            window: Mutex::new((0, 0)),
        }
    }

    pub fn settings(&self) -> FaultSettings {
        self.settings.lock().map(|s| *s).unwrap_or_default()
    }

    pub fn set(&self, s: FaultSettings) {
        if let Ok(mut cur) = self.settings.lock() {
            *cur = s;
        }
    }

    /// Five draws per request, always in the same order, so a seed replays the same fates; a
    /// sixth when throttling is on (so a seed replays as before with it off).
    pub fn draw(&self) -> Draw {
        let s = self.settings();
        let Ok(mut rng) = self.rng.lock() else {
            return Draw {
                latency: Duration::ZERO,
                reset: false,
                fail: None,
                lose_reply: false,
                throttle: false,
            };
        };
        let jitter: f64 = rng.random();
        let reset: f64 = rng.random();
        let fail: f64 = rng.random();
        let kind: f64 = rng.random();
        let lost: f64 = rng.random();
        let throttle = s.throttle_rate > 0.0 && rng.random::<f64>() < s.throttle_rate;
        Draw {
            latency: Duration::from_micros((s.latency_ms as f64 * 1000.0 * (0.5 + jitter)) as u64),
            reset: reset < s.reset_rate,
            fail: (fail < s.fail_rate).then_some(if kind < 0.5 { 500 } else { 503 }),
            lose_reply: lost < s.lost_reply_rate,
            throttle,
        }
    }

    /// `Some(retry-after seconds)` when this request is over the per-second limit.
    pub fn over_limit(&self) -> Option<u64> {
        let limit = self.settings().rate_limit;
        if limit == 0 {
            return None;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let sec = now.as_secs();
        let mut w = self.window.lock().ok()?;
        if w.0 != sec {
            *w = (sec, 0);
        }
        w.1 += 1;
        (w.1 > limit).then_some(1)
    }
}

/// Per-connection handle a handler uses to drop its connection without answering.
#[derive(Clone)]
pub struct ConnDrop(pub Arc<Notify>);

/// Drops the connection this request came on and never answers.
async fn drop_connection(req_drop: Option<ConnDrop>) -> Response {
    match req_drop {
        Some(d) => {
            d.0.notify_one();
            std::future::pending::<()>().await;
            ApiErr::internal("An unexpected error occurred").into_response()
        }
        // Served without our accept loop (cannot happen in the binary): fail loudly instead.
        None => ApiErr::internal("An unexpected error occurred").into_response(),
    }
}

fn is_top_up(req: &Request) -> bool {
    req.method() == Method::POST && req.uri().path().ends_with("/top-up")
}

/// The middleware in front of every `/v1` route.
pub async fn inject(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response {
    let draw = faults.draw();
    if !draw.latency.is_zero() {
        tokio::time::sleep(draw.latency).await;
    }
    let conn = req.extensions().get::<ConnDrop>().cloned();
    if let Some(secs) = faults.over_limit().or(draw.throttle.then_some(1)) {
        let mut resp = ApiErr::too_many_requests("Too many requests, please retry later").into_response();
        resp.headers_mut().insert("retry-after", HeaderValue::from(secs));
        return resp;
    }
    if draw.reset {
        return drop_connection(conn).await;
    }
    match draw.fail {
        Some(503) => {
            return ApiErr::service_unavailable("Service temporarily unavailable, please retry")
                .into_response();
        }
        Some(_) => return ApiErr::internal("An unexpected error occurred").into_response(),
        None => {}
    }
    let top_up = is_top_up(&req);
    let resp = next.run(req).await;
    if top_up && draw.lose_reply && resp.status().is_success() {
        return drop_connection(conn).await;
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_hold_over_many_draws() {
        let f = Faults::new(
            FaultSettings {
                fail_rate: 0.2,
                reset_rate: 0.05,
                lost_reply_rate: 0.1,
                ..Default::default()
            },
            42,
        );
        let n = 10_000;
        let draws: Vec<Draw> = (0..n).map(|_| f.draw()).collect();
        let rate = |p: fn(&Draw) -> bool| draws.iter().filter(|d| p(d)).count() as f64 / n as f64;
        assert!((rate(|d| d.fail.is_some()) - 0.2).abs() < 0.02);
        assert!((rate(|d| d.reset) - 0.05).abs() < 0.01);
        assert!((rate(|d| d.lose_reply) - 0.1).abs() < 0.015);
        let same: Vec<Draw> = {
            let g = Faults::new(f.settings(), 42);
            (0..n).map(|_| g.draw()).collect()
        };
        assert_eq!(draws, same, "a seed replays the same fates");
    }

    #[test]
    fn bad_rates_are_refused_by_name() {
        let s = FaultSettings {
            reset_rate: 1.5,
            ..Default::default()
        };
        assert_eq!(
            s.check(),
            Err("reset_rate must be between 0 and 1, got 1.5".into())
        );
        let slow = FaultSettings {
            latency_ms: u64::MAX,
            ..Default::default()
        };
        assert_eq!(
            slow.check(),
            Err("latency_ms must be between 0 and 60000, got 18446744073709551615".into())
        );
        let nan = FaultSettings {
            fail_rate: f64::NAN,
            ..Default::default()
        };
        assert!(nan.check().is_err());
        let edge = FaultSettings {
            latency_ms: MAX_LATENCY_MS,
            fail_rate: 1.0,
            ..Default::default()
        };
        assert_eq!(edge.check(), Ok(()));
    }
}
