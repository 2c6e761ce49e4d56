//! The console in a PTY against the hostile fake Flexprice: wallet names and an API error full
//! of escape sequences (a window title, a screen clear, a clipboard write) are shown as text,
//! whole sequences removed, and none of them reaches the terminal.

use std::time::Duration;

use crate::hostile::{CLEAN_NAME, Hostile, KEY, Scenario};
use crate::pty::Console;

const WAIT: Duration = Duration::from_secs(30);

/// What the terminal was asked to do besides drawing.
#[derive(Default)]
struct Asked {
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
}

impl vt100::Callbacks for Asked {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }

    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }

    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        self.clipboard.push(data.to_vec());
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn escape_sequences_in_names_and_errors_never_reach_the_terminal() {
    let (_rt, h) = Hostile::start_blocking(Scenario::EscapeNames);
    let mut c = Console::start_with_env(
        &["--api-url", &h.url, "--refresh", "0"],
        120,
        30,
        &[("FLEXPRICE_API_KEY", KEY)],
    );
    // The names, their sequences removed whole (not `]0;HOSTILE-TITLE` left as text).
    let screen = c.wait_for("the cleaned names", WAIT, |s| {
        s.contains(CLEAN_NAME) && s.contains("Beta Ltd")
    });
    assert!(screen.contains("Wallets "), "{screen}");
    // The selected wallet's balance is refused with an escape-laden error: the error log shows
    // its words.
    c.send("E");
    let errors = c.wait_for_text("wallet refused by the hostile server", WAIT);
    assert!(c.alive(), "the console ended");
    for screen in [&screen, &errors] {
        for junk in ["HOSTILE-TITLE", "SE9TVElMRQ", "]0;", "[2J", "]52;"] {
            assert!(!screen.contains(junk), "{junk:?} on screen:\n{screen}");
        }
    }
    c.send("q");
    c.wait_exit(WAIT);

    let raw = c.raw();
    for junk in [
        &b"HOSTILE-TITLE"[..],
        b"SE9TVElMRQ",
        b"\x1b]0;",
        b"\x1b]52;",
        b"\x07",
        b"\xc2\x9b",
    ] {
        assert!(
            !contains(&raw, junk),
            "{:?} written to the terminal",
            String::from_utf8_lossy(junk)
        );
    }
    // The same bytes through a terminal that reports titles and clipboard writes.
    let mut term = vt100::Parser::new_with_callbacks(
        std::num::NonZeroU16::new(30).unwrap(),
        std::num::NonZeroU16::new(120).unwrap(),
        0,
        Asked::default(),
    );
    term.process(&raw);
    assert!(
        term.callbacks().titles.is_empty(),
        "title set: {:?}",
        term.callbacks().titles
    );
    assert!(term.callbacks().clipboard.is_empty(), "clipboard written");
}
