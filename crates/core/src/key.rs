//! Keys as the core sees them: the terminal's vocabulary (crossterm's names) without a terminal.
//!
//! The console runtime converts crossterm's events, `serve` converts bytes parsed by terminput;
//! the core only ever sees these, so it builds without any terminal library.

use tui_input::InputRequest;

bitflags::bitflags! {
    /// Modifier keys held with a key.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct KeyModifiers: u8 {
        const SHIFT = 1;
        const CONTROL = 1 << 1;
        const ALT = 1 << 2;
        const SUPER = 1 << 3;
        const HYPER = 1 << 4;
        const META = 1 << 5;
        const NONE = 0;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCode {
    Backspace,
    Enter,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,
    PageDown,
    Tab,
    BackTab,
    Delete,
    Insert,
    F(u8),
    Char(char),
    Null,
    Esc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum KeyEventKind {
    #[default]
    Press,
    Repeat,
    Release,
}

/// One key: what was pressed, with which modifiers, and whether it is a press or a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyEvent {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub kind: KeyEventKind,
}

impl KeyEvent {
    /// A key press.
    pub const fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
        }
    }
}

impl From<KeyCode> for KeyEvent {
    fn from(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
}

/// The edit a key makes in a one-line text field (readline's keys, as tui-input's own backends
/// map them), or `None` for a key that is not an edit.
pub fn to_input_request(key: &KeyEvent) -> Option<InputRequest> {
    use InputRequest::*;
    use KeyCode::*;
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let m = key.modifiers;
    match (key.code, m) {
        (Backspace, KeyModifiers::NONE) | (Char('h'), KeyModifiers::CONTROL) => Some(DeletePrevChar),
        (Delete, KeyModifiers::NONE) => Some(DeleteNextChar),
        (Left, KeyModifiers::NONE) | (Char('b'), KeyModifiers::CONTROL) => Some(GoToPrevChar),
        (Left, KeyModifiers::CONTROL) | (Char('b'), KeyModifiers::META) => Some(GoToPrevWord),
        (Right, KeyModifiers::NONE) | (Char('f'), KeyModifiers::CONTROL) => Some(GoToNextChar),
        (Right, KeyModifiers::CONTROL) | (Char('f'), KeyModifiers::META) => Some(GoToNextWord),
        (Char('u'), KeyModifiers::CONTROL) => Some(DeleteLine),
        (Char('w'), KeyModifiers::CONTROL)
        | (Char('d'), KeyModifiers::META)
        | (Backspace, KeyModifiers::META)
        | (Backspace, KeyModifiers::ALT) => Some(DeletePrevWord),
        (Delete, KeyModifiers::CONTROL) => Some(DeleteNextWord),
        (Char('k'), KeyModifiers::CONTROL) => Some(DeleteTillEnd),
        (Char('y'), KeyModifiers::CONTROL) => Some(Yank),
        (Char('a'), KeyModifiers::CONTROL) | (Home, KeyModifiers::NONE) => Some(GoToStart),
        (Char('e'), KeyModifiers::CONTROL) | (End, KeyModifiers::NONE) => Some(GoToEnd),
        (Char(c), KeyModifiers::NONE | KeyModifiers::SHIFT) => Some(InsertChar(c)),
        (Char(c), m) if m == KeyModifiers::CONTROL | KeyModifiers::ALT => Some(InsertChar(c)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_follow_readline_and_releases_do_nothing() {
        let k = |code, m| KeyEvent::new(code, m);
        assert_eq!(
            to_input_request(&k(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(InputRequest::InsertChar('x'))
        );
        assert_eq!(
            to_input_request(&k(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(InputRequest::DeletePrevWord)
        );
        assert_eq!(to_input_request(&k(KeyCode::Tab, KeyModifiers::NONE)), None);
        let release = KeyEvent {
            kind: KeyEventKind::Release,
            ..k(KeyCode::Char('x'), KeyModifiers::NONE)
        };
        assert_eq!(to_input_request(&release), None);
    }
}
