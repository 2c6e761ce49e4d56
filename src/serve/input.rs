//! Bytes typed into an SSH channel → crossterm events (terminput's parser, crossterm's own
//! grammar), and the per-connection input rate limit.

use std::time::{Duration, Instant};

use crossterm::event::Event;

const ESC: u8 = 0x1b;
/// A lone Esc is only known to be one when nothing follows it for this long (Alt-x and the
/// arrow keys also start with Esc).
pub const ESC_WAIT: Duration = Duration::from_millis(40);
/// A bracketed paste longer than this is dropped rather than buffered without end.
const MAX_PENDING: usize = 64 * 1024;
const PASTE_START: &[u8] = b"\x1b[200~";

/// Decodes a byte stream into events, keeping an incomplete sequence for the next bytes.
#[derive(Debug, Default)]
pub struct InputDecoder {
    pending: Vec<u8>,
}

impl InputDecoder {
    /// The events these bytes complete. Whatever is left is [`InputDecoder::waiting`].
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        for b in bytes {
            self.pending.push(*b);
            // An Esc starts a sequence, or is the Esc key if nothing follows in time.
            if self.pending == [ESC] {
                continue;
            }
            self.parse(&mut out);
        }
        if self.pending.len() > MAX_PENDING {
            tracing::debug!(
                bytes = self.pending.len(),
                "dropping an unterminated input sequence"
            );
            self.pending.clear();
        }
        out
    }

    /// Something incomplete is held; after [`ESC_WAIT`] with no more bytes, call
    /// [`InputDecoder::timeout`]. A paste in progress waits for its end instead.
    pub fn waiting(&self) -> bool {
        !self.pending.is_empty() && !self.pending.starts_with(PASTE_START)
    }

    /// Nothing more came: a held Esc was the Esc key, and the rest is read on its own.
    pub fn timeout(&mut self) -> Vec<Event> {
        let held = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        let rest = match held.split_first() {
            Some((&ESC, rest)) => {
                out.push(Event::Key(crossterm::event::KeyCode::Esc.into()));
                rest
            }
            _ => &held[..],
        };
        out.extend(self.feed(rest));
        // Still incomplete without an Esc in front (a cut UTF-8 character): drop it.
        if self.waiting() {
            self.pending.clear();
        }
        out
    }

    fn parse(&mut self, out: &mut Vec<Event>) {
        match terminput::Event::parse_from(&self.pending) {
            Ok(Some(ev)) => {
                self.pending.clear();
                if let Ok(ev) = terminput_crossterm::to_crossterm(ev) {
                    out.push(ev);
                }
            }
            Ok(None) => {}
            // Not a sequence we know: drop it, as crossterm does.
            Err(_) => self.pending.clear(),
        }
    }
}

/// A token bucket over input bytes: `burst` at once, `per_sec` sustained; excess is dropped.
#[derive(Debug, Clone)]
pub struct InputLimit {
    burst: f64,
    per_sec: f64,
    tokens: f64,
    last: Instant,
}

impl InputLimit {
    pub fn new(per_sec: u32, burst: u32, now: Instant) -> InputLimit {
        InputLimit {
            burst: f64::from(burst.max(1)),
            per_sec: f64::from(per_sec),
            tokens: f64::from(burst.max(1)),
            last: now,
        }
    }

    /// How many of `n` bytes may pass now.
    pub fn admit(&mut self, n: usize, now: Instant) -> usize {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        let admitted = (n as f64).min(self.tokens.floor());
        self.tokens -= admitted;
        admitted as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    fn codes(events: &[Event]) -> Vec<(KeyCode, KeyModifiers)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Key(k) => Some((k.code, k.modifiers)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn keys_arrows_alt_and_utf8() {
        let mut d = InputDecoder::default();
        let events = d.feed("q\r\x7f\x1b[A\x1bx\x03é".as_bytes());
        assert_eq!(
            codes(&events),
            vec![
                (KeyCode::Char('q'), KeyModifiers::NONE),
                (KeyCode::Enter, KeyModifiers::NONE),
                (KeyCode::Backspace, KeyModifiers::NONE),
                (KeyCode::Up, KeyModifiers::NONE),
                (KeyCode::Char('x'), KeyModifiers::ALT),
                (KeyCode::Char('c'), KeyModifiers::CONTROL),
                (KeyCode::Char('é'), KeyModifiers::NONE),
            ]
        );
        assert!(!d.waiting());
    }

    #[test]
    fn a_lone_esc_waits_then_is_esc_and_split_sequences_join() {
        let mut d = InputDecoder::default();
        assert!(d.feed(b"\x1b").is_empty());
        assert!(d.waiting());
        assert_eq!(d.timeout(), vec![key(KeyCode::Esc, KeyModifiers::NONE)]);
        // An arrow key cut between two packets.
        assert!(d.feed(b"\x1b").is_empty());
        assert_eq!(codes(&d.feed(b"[B")), vec![(KeyCode::Down, KeyModifiers::NONE)]);
        // A UTF-8 character cut in two.
        let e = "é".as_bytes();
        assert!(d.feed(&e[..1]).is_empty());
        assert_eq!(
            codes(&d.feed(&e[1..])),
            vec![(KeyCode::Char('é'), KeyModifiers::NONE)]
        );
    }

    #[test]
    fn bracketed_paste_across_packets() {
        let mut d = InputDecoder::default();
        assert!(d.feed(b"\x1b[200~wallet_").is_empty());
        assert!(!d.waiting(), "a paste waits for its end, not for the Esc timeout");
        assert_eq!(d.feed(b"01\x1b[201~"), vec![Event::Paste("wallet_01".into())]);
    }

    #[test]
    fn the_limit_admits_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut l = InputLimit::new(100, 50, t0);
        assert_eq!(l.admit(80, t0), 50);
        assert_eq!(l.admit(10, t0), 0);
        assert_eq!(l.admit(80, t0 + Duration::from_millis(200)), 20);
        assert_eq!(l.admit(500, t0 + Duration::from_secs(10)), 50);
    }
}
