//! The message log (`M`, `:messages`): every flash, warning and API error, whole, with its
//! time. The flash line shows the newest for a few seconds and cuts what is too long for it;
//! this keeps them all (the last [`MESSAGE_LOG_CAP`]) to be read again.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use unicode_width::UnicodeWidthStr;

use super::{App, FlashKind};

/// Messages kept; older ones are dropped (and counted).
pub const MESSAGE_LOG_CAP: usize = 500;
/// A message the same as one of this many newest is counted as a repeat of it.
const REPEAT_WINDOW: usize = 8;
/// A flash on the line this long, whole, has been read; one replaced sooner has not.
const READ_TIME: std::time::Duration = std::time::Duration::from_millis(1500);

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Unique in this console: the flash line says which message it shows.
    pub id: u64,
    /// When it was said last (a repeat moves it).
    pub at: DateTime<Utc>,
    /// When it was said first.
    pub first_at: DateTime<Utc>,
    pub kind: FlashKind,
    pub text: String,
    /// How many times in a row it was said (a refresh failing every interval is one line).
    pub count: u32,
    /// Read: shown whole on the flash line long enough to read, or in the log.
    pub seen: bool,
}

#[derive(Debug, Clone, Default)]
pub struct MessageLog {
    /// Newest first.
    entries: VecDeque<Message>,
    /// Dropped to keep the log within its cap.
    pub dropped: u64,
    /// The next message's id.
    next_id: u64,
    /// The newest entry came from `log_error` during the current action: a flash of the same
    /// error right after it says it in the operator's words and takes its place.
    pub(super) error_just_logged: bool,
}

impl MessageLog {
    /// Newest first.
    pub fn iter(&self) -> impl Iterator<Item = &Message> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn newest(&self) -> Option<&Message> {
        self.entries.front()
    }

    /// Messages never shown whole.
    pub fn unseen(&self) -> usize {
        self.entries.iter().filter(|m| !m.seen).count()
    }

    pub fn mark_all_seen(&mut self) {
        for m in &mut self.entries {
            m.seen = true;
        }
    }

    /// Adds a message, or counts a repeat of a recent one (moved to the top): a refresh that
    /// fails every interval, in three calls, is three lines that count, not hundreds. Returns
    /// its id.
    pub fn push(&mut self, at: DateTime<Utc>, kind: FlashKind, text: String, seen: bool) -> u64 {
        self.error_just_logged = false;
        let recent = self
            .entries
            .iter()
            .take(REPEAT_WINDOW)
            .position(|m| m.kind == kind && m.text == text);
        if let Some(mut m) = recent.and_then(|i| self.entries.remove(i)) {
            m.count = m.count.saturating_add(1);
            m.at = at;
            m.seen &= seen;
            let id = m.id;
            self.entries.push_front(m);
            return id;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_front(Message {
            id,
            at,
            first_at: at,
            kind,
            text,
            count: 1,
            seen,
        });
        if self.entries.len() > MESSAGE_LOG_CAP {
            self.entries.pop_back();
            self.dropped += 1;
        }
        id
    }

    fn mark_seen(&mut self, id: u64) {
        if let Some(m) = self.entries.iter_mut().find(|m| m.id == id) {
            m.seen = true;
        }
    }

    /// The newest message says `text` instead (a flash replacing the error it reports).
    fn reword_newest(&mut self, kind: FlashKind, text: String) -> u64 {
        self.error_just_logged = false;
        match self.entries.front_mut() {
            Some(m) => {
                m.kind = kind;
                m.text = text;
                m.id
            }
            None => u64::MAX,
        }
    }
}

impl App {
    /// Records a flash in the log (unread until it has been on the flash line, whole, long
    /// enough to read). Returns its id.
    pub(super) fn log_flash(&mut self, kind: FlashKind, text: &str) -> u64 {
        if kind == FlashKind::Error && self.messages.error_just_logged {
            self.messages.reword_newest(kind, text.to_string())
        } else {
            // What a key just did (`Sorted by Name`, `Refreshing…`) is logged, never unread:
            // outcomes and errors are what must not go unseen.
            self.messages
                .push(self.clock, kind, text.to_string(), kind == FlashKind::Info)
        }
    }

    /// The flash leaves the line (replaced, or its time is up): read if it was whole and shown
    /// long enough; otherwise it stays unread in the log.
    pub(super) fn flash_leaves(&mut self) {
        let Some(f) = &self.flash else { return };
        let shown_since = f.until - super::FLASH_FOR;
        let read =
            self.fits_flash_line(&f.text) && self.now.saturating_duration_since(shown_since) >= READ_TIME;
        let id = f.message;
        if read {
            self.messages.mark_seen(id);
        }
    }

    /// Records an API error (it has no flash of its own unless the caller adds one).
    pub(super) fn log_message_of_error(&mut self, call: &str, message: &str) {
        self.messages
            .push(self.clock, FlashKind::Error, format!("{call}: {message}"), false);
        self.messages.error_just_logged = true;
    }

    /// Whether the flash line (one row, a space before the text) holds `text` whole.
    pub fn fits_flash_line(&self, text: &str) -> bool {
        text.width() < usize::from(self.size.0)
    }

    /// Messages not read yet, besides the one on the flash line now: what the status bar
    /// counts as unread.
    pub fn unread_messages(&self) -> usize {
        let showing = self
            .flash
            .as_ref()
            .is_some_and(|f| self.messages.iter().any(|m| m.id == f.message && !m.seen));
        self.messages.unseen() - usize::from(showing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::tests::{app, key, loaded};
    use crate::app::{Action, OverlayKind};
    use chrono::TimeZone;

    #[test]
    fn repeats_are_one_line_and_the_log_is_bounded() {
        let mut log = MessageLog::default();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for i in 0..3 {
            log.push(
                t + chrono::Duration::seconds(i),
                FlashKind::Error,
                "503".into(),
                true,
            );
        }
        assert_eq!(log.len(), 1);
        let m = log.newest().unwrap();
        assert_eq!(
            (m.count, m.first_at, m.at),
            (3, t, t + chrono::Duration::seconds(2))
        );
        // Interleaved repeats too: each keeps one line, the latest on top.
        for i in 0..4 {
            for call in ["rows: 503", "feed: 503"] {
                log.push(
                    t + chrono::Duration::seconds(i),
                    FlashKind::Error,
                    call.into(),
                    false,
                );
            }
        }
        let texts: Vec<_> = log.iter().map(|m| (m.text.as_str(), m.count)).collect();
        assert_eq!(texts, [("feed: 503", 4), ("rows: 503", 4), ("503", 3)]);
        log = MessageLog::default();
        for i in 0..MESSAGE_LOG_CAP + 10 {
            log.push(t, FlashKind::Info, format!("m{i}"), false);
        }
        assert_eq!(log.len(), MESSAGE_LOG_CAP);
        assert_eq!(log.dropped, 10);
        assert_eq!(log.newest().unwrap().text, format!("m{}", MESSAGE_LOG_CAP + 9));
    }

    #[test]
    fn a_cut_flash_stays_unread_until_the_log_is_opened() {
        let (mut app, now) = loaded(5);
        let long = format!(
            "Top-up wtxn_1 pending until invoice {} is paid",
            "inv_".repeat(20)
        );
        app.flash(FlashKind::Success, long.clone());
        assert!(!app.fits_flash_line(&long));
        assert_eq!(app.unread_messages(), 0, "the newest is on the flash line");
        app.flash(FlashKind::Info, "Sorted by Name");
        assert_eq!(
            app.unread_messages(),
            1,
            "the cut one was replaced before it was read"
        );
        app.update(Action::Tick {
            now: now + std::time::Duration::from_secs(60),
            clock: app.clock,
        });
        assert!(app.flash.is_none());
        assert_eq!(app.unread_messages(), 1, "the short one was seen whole");

        key(&mut app, 'M');
        assert_eq!(app.overlays.top_kind(), Some(OverlayKind::Messages));
        assert_eq!(app.unread_messages(), 0);
        assert!(app.messages.iter().any(|m| m.text == long), "kept whole");
        key(&mut app, 'M');
        assert_eq!(app.overlays.top_kind(), None, "M again closes it");
    }

    #[test]
    fn an_error_and_its_flash_are_one_message() {
        let (mut app, _) = app(false);
        app.start();
        app.update(Action::WalletsLoaded {
            generation: 1,
            result: Err(flexprice_wire::ApiError::Api {
                status: 503,
                body: Box::new(flexprice_wire::ErrorBody {
                    code: "service_unavailable".into(),
                    message: "try again".into(),
                    http_status_code: 503,
                    details: None,
                }),
            }),
        });
        assert_eq!(app.messages.len(), 1, "{:?}", app.messages);
        let m = app.messages.newest().unwrap();
        assert!(m.text.starts_with("Loading wallets failed: 503"), "{}", m.text);
        assert_eq!(app.errors.len(), 1, "the error log keeps its own line");
    }
}
