//! How far each scrolling view (help, the logs, the detail) can go: measured by the frame that
//! drew it, since only the render knows how its text wraps at this width, and read by the
//! reducer so that a view stops at its end instead of scrolling into blank rows.
//!
//! This is the one thing the render writes: a measurement, not state the operator changes
//! (gitui's `VerticalScroll` does the same with a `Cell`). Atomics keep `App` `Sync`.

use std::sync::atomic::{AtomicU16, Ordering};

use crate::keymap::Command;

/// One view's furthest scroll position and page height, as last drawn.
#[derive(Debug)]
pub struct Extent {
    max: AtomicU16,
    page: AtomicU16,
}

impl Default for Extent {
    /// Not drawn yet: no end known, so nothing is held back.
    fn default() -> Extent {
        Extent {
            max: AtomicU16::new(u16::MAX),
            page: AtomicU16::new(10),
        }
    }
}

impl Extent {
    /// `rows` of content shown `visible` at a time.
    pub fn measure(&self, rows: usize, visible: u16) {
        let max = rows.saturating_sub(usize::from(visible));
        self.max
            .store(u16::try_from(max).unwrap_or(u16::MAX), Ordering::Relaxed);
        self.page.store(visible.max(1), Ordering::Relaxed);
    }

    /// The furthest first row: the last rows of the content fill the view.
    pub fn max(&self) -> u16 {
        self.max.load(Ordering::Relaxed)
    }

    pub fn page(&self) -> u16 {
        self.page.load(Ordering::Relaxed).max(1)
    }

    /// `at` kept inside the content (the window may have grown since it was set).
    pub fn clamp(&self, at: u16) -> u16 {
        at.min(self.max())
    }

    /// Where a scrolling command takes a view at `at`; `None` for a command that does not
    /// scroll.
    pub fn step(&self, at: u16, cmd: Command) -> Option<u16> {
        let at = self.clamp(at);
        let to = match cmd {
            Command::Down => at.saturating_add(1),
            Command::Up => at.saturating_sub(1),
            Command::PageDown => at.saturating_add(self.page()),
            Command::PageUp => at.saturating_sub(self.page()),
            Command::Top => 0,
            Command::Bottom => self.max(),
            _ => return None,
        };
        Some(self.clamp(to))
    }
}

/// The views that scroll by rows of text.
#[derive(Debug, Default)]
pub struct Extents {
    pub help: Extent,
    pub errors: Extent,
    pub messages: Extent,
    pub detail: Extent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_last_page_and_pages_by_the_view() {
        let e = Extent::default();
        assert_eq!(e.step(70, Command::Down), Some(71), "unmeasured: no end");
        e.measure(30, 10);
        assert_eq!(e.max(), 20);
        assert_eq!(e.step(19, Command::Down), Some(20));
        assert_eq!(e.step(20, Command::Down), Some(20), "the end");
        assert_eq!(e.step(5, Command::PageDown), Some(15));
        assert_eq!(e.step(15, Command::PageDown), Some(20));
        assert_eq!(e.step(0, Command::Bottom), Some(20));
        assert_eq!(e.step(20, Command::Top), Some(0));
        // Set further before the window grew: the first step up is from the end.
        assert_eq!(e.step(90, Command::Up), Some(19));
        assert_eq!(e.step(3, Command::Open), None);
        e.measure(5, 10);
        assert_eq!(e.max(), 0, "all of it fits");
    }
}
