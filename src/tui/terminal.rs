//! Terminal lifecycle: raw mode + alternate screen in, and always back out again (quit, error,
//! panic, SIGTERM/SIGHUP are handled by the caller breaking its loop).

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use crossterm::{execute, queue};
use ratatui::Terminal;

use super::Screen;

/// A frame is written in one go: ratatui's diff, written lean by `Screen`, keeps SSH traffic small.
pub type Backend = Screen<BufWriter<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

pub fn enter() -> io::Result<Terminal<Backend>> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout());
    // Mouse capture stays off: operators select text to copy.
    if let Err(e) = execute!(out, EnterAlternateScreen, Hide, EnableBracketedPaste) {
        restore();
        return Err(e);
    }
    Terminal::new(Screen::new(out)).inspect_err(|_| restore())
}

/// Puts the terminal back. Safe to call more than once and from the panic hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    let _ = queue!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = out.flush();
    let _ = disable_raw_mode();
}

/// Restores the terminal before the installed hook (color-eyre's) prints the report, so the
/// report lands on the normal screen, readable.
fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// The OSC 52 clipboard sequence: the operator's terminal (even over SSH) sets its clipboard.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}
