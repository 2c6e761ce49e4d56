//! crossterm's key events → the core's own (`flexwallet_core::key`), which know no terminal.

use crossterm::event as ct;
use flexwallet_core::key::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The core's view of a key, or `None` for a key the core has no name for (media keys, lone
/// modifiers, caps lock): those do nothing in the console anyway.
pub fn from_crossterm(k: ct::KeyEvent) -> Option<KeyEvent> {
    let code = match k.code {
        ct::KeyCode::Backspace => KeyCode::Backspace,
        ct::KeyCode::Enter => KeyCode::Enter,
        ct::KeyCode::Left => KeyCode::Left,
        ct::KeyCode::Right => KeyCode::Right,
        ct::KeyCode::Up => KeyCode::Up,
        ct::KeyCode::Down => KeyCode::Down,
        ct::KeyCode::Home => KeyCode::Home,
        ct::KeyCode::End => KeyCode::End,
        ct::KeyCode::PageUp => KeyCode::PageUp,
        ct::KeyCode::PageDown => KeyCode::PageDown,
        ct::KeyCode::Tab => KeyCode::Tab,
        ct::KeyCode::BackTab => KeyCode::BackTab,
        ct::KeyCode::Delete => KeyCode::Delete,
        ct::KeyCode::Insert => KeyCode::Insert,
        ct::KeyCode::F(n) => KeyCode::F(n),
        ct::KeyCode::Char(c) => KeyCode::Char(c),
        ct::KeyCode::Null => KeyCode::Null,
        ct::KeyCode::Esc => KeyCode::Esc,
        _ => return None,
    };
    let kind = match k.kind {
        ct::KeyEventKind::Press => KeyEventKind::Press,
        ct::KeyEventKind::Repeat => KeyEventKind::Repeat,
        ct::KeyEventKind::Release => KeyEventKind::Release,
    };
    // Bit for bit the same flags: crossterm's SHIFT..META are 1, 2, 4, 8, 16, 32.
    let modifiers = KeyModifiers::from_bits_truncate(k.modifiers.bits());
    Some(KeyEvent {
        code,
        modifiers,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_and_codes_keep_their_meaning() {
        let k = ct::KeyEvent::new(
            ct::KeyCode::Char('c'),
            ct::KeyModifiers::CONTROL | ct::KeyModifiers::ALT,
        );
        let got = from_crossterm(k);
        assert_eq!(
            got,
            Some(KeyEvent::new(
                KeyCode::Char('c'),
                KeyModifiers::CONTROL | KeyModifiers::ALT
            ))
        );
        for (ct_m, m) in [
            (ct::KeyModifiers::SHIFT, KeyModifiers::SHIFT),
            (ct::KeyModifiers::SUPER, KeyModifiers::SUPER),
            (ct::KeyModifiers::HYPER, KeyModifiers::HYPER),
            (ct::KeyModifiers::META, KeyModifiers::META),
        ] {
            let got = from_crossterm(ct::KeyEvent::new(ct::KeyCode::F(5), ct_m));
            assert_eq!(got.map(|k| k.modifiers), Some(m));
        }
        assert_eq!(
            from_crossterm(ct::KeyEvent::new(ct::KeyCode::CapsLock, ct::KeyModifiers::NONE)),
            None
        );
    }
}
