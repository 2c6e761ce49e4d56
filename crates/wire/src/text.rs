//! The one sanitiser for text from outside (the API, files, pastes) on its way to a terminal or
//! a log, and URLs as they may be shown (without `user:password@`).
//!
//! A small state machine rather than `vte` or `strip-ansi-escapes`: both parse bytes and hand
//! an 8-bit C1 introducer that arrives as UTF-8 (U+009B CSI, U+009D OSC, …) to `print` as an
//! ordinary character, so its parameters (`2J`) would still be shown; and neither lets the
//! caller keep line breaks. Here every escape sequence is removed whole, in its 7-bit and its
//! C1 form, and no control character survives whatever the input (see the property tests).

use std::borrow::Cow;

/// `s` for one line of a terminal or a log: escape sequences are removed whole (CSI
/// `ESC[…final`, OSC `ESC]…` up to BEL or ST, DCS / SOS / PM / APC strings up to ST, other
/// `ESC` sequences, and their 8-bit C1 forms), a line break or tab becomes a space, and every
/// other control character (C0, DEL, C1) and bidirectional override is dropped. Borrowed when
/// there is nothing to remove.
pub fn clean(s: &str) -> Cow<'_, str> {
    clean_with(s, false)
}

/// As [`clean`], keeping line breaks (`\n`; a `\r` is dropped, so `\r\n` becomes `\n`), for
/// text shown over several lines.
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    clean_with(s, true)
}

/// [`clean`] of an owned string, reusing it when nothing had to be removed.
pub fn clean_owned(s: String) -> String {
    match clean(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(cleaned) => cleaned,
    }
}

/// A text cell as it is written to a CSV file an operator opens in a spreadsheet: control
/// characters and escape sequences removed, and a text a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@` first) led by `'`. Numbers are left as they are, so `-5.00` stays a
/// number.
pub fn csv_cell(text: &str) -> String {
    let clean = clean(text);
    let formula = clean.starts_with(['=', '+', '-', '@']);
    if formula && rust_decimal::Decimal::from_str_exact(&clean).is_err() {
        format!("'{clean}")
    } else {
        clean.into_owned()
    }
}

/// Bidirectional embeddings, overrides and isolates: they reorder what follows them on screen,
/// so a name could show text other than what it holds.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn needs_work(c: char, keep_newlines: bool) -> bool {
    (c.is_control() && !(keep_newlines && c == '\n')) || is_bidi_control(c)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    /// After ESC.
    Escape,
    /// After ESC and intermediates (0x20–0x2F), waiting for the final byte.
    EscapeIntermediate,
    /// Inside a control sequence, waiting for its final byte (0x40–0x7E).
    Csi,
    /// Inside an OSC, DCS, SOS, PM or APC string, waiting for BEL or ST.
    Text,
}

fn clean_with(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs_work(c, keep_newlines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut state = State::Ground;
    for c in s.chars() {
        state = match state {
            State::Ground => ground(c, keep_newlines, &mut out),
            State::Escape => match c {
                '[' => State::Csi,
                ']' | 'P' | 'X' | '^' | '_' => State::Text,
                '\u{20}'..='\u{2F}' => State::EscapeIntermediate,
                '\u{30}'..='\u{7E}' => State::Ground,
                // A control inside a sequence is dropped, and the sequence goes on (as a
                // terminal executes it and goes on).
                c if c.is_control() => introducer(c).unwrap_or(State::Escape),
                // Not a sequence after all: the character is text.
                c => ground(c, keep_newlines, &mut out),
            },
            State::EscapeIntermediate => match c {
                '\u{20}'..='\u{2F}' => State::EscapeIntermediate,
                '\u{30}'..='\u{7E}' => State::Ground,
                c if c.is_control() => introducer(c).unwrap_or(State::EscapeIntermediate),
                c => ground(c, keep_newlines, &mut out),
            },
            State::Csi => match c {
                // Parameters and intermediates.
                '\u{20}'..='\u{3F}' => State::Csi,
                '\u{40}'..='\u{7E}' => State::Ground,
                c if c.is_control() => introducer(c).unwrap_or(State::Csi),
                c => ground(c, keep_newlines, &mut out),
            },
            State::Text => match c {
                '\u{7}' | '\u{9C}' => State::Ground,
                // `ESC \` (ST) ends the string; any other ESC starts a sequence of its own.
                '\u{1B}' => State::Escape,
                _ => State::Text,
            },
        };
    }
    Cow::Owned(out)
}

/// The state an ESC or an 8-bit C1 introducer starts, if `c` is one.
fn introducer(c: char) -> Option<State> {
    match c {
        '\u{1B}' => Some(State::Escape),
        '\u{9B}' => Some(State::Csi),
        '\u{90}' | '\u{98}' | '\u{9D}' | '\u{9E}' | '\u{9F}' => Some(State::Text),
        _ => None,
    }
}

fn ground(c: char, keep_newlines: bool, out: &mut String) -> State {
    if let Some(state) = introducer(c) {
        return state;
    }
    match c {
        '\n' if keep_newlines => out.push('\n'),
        '\n' | '\t' => out.push(' '),
        c if c.is_control() || is_bidi_control(c) => {}
        c => out.push(c),
    }
    State::Ground
}

/// `url` without the `user:password@` of its authority, for logs, errors and the screen (the
/// URL itself is left as it is: it may not even parse).
pub fn without_userinfo(url: &str) -> Cow<'_, str> {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => Cow::Owned(format!("{}{}", &url[..authority_start], &rest[at + 1..])),
        None => Cow::Borrowed(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        for s in ["", "Acme prepaid", "株式会社 ✓ café", "a;b[c]"] {
            assert!(matches!(clean(s), Cow::Borrowed(t) if t == s), "{s}");
        }
        assert!(matches!(clean_lines("two\nlines"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_go_whole() {
        let cases = [
            // CSI: clear screen, colour, cursor moves, private modes.
            ("a\x1b[2Jb", "ab"),
            ("\x1b[1;31mred\x1b[0m", "red"),
            ("x\x1b[?1049hy\x1b[38;5;196mz", "xyz"),
            // OSC ended by BEL and by ST: window title, clipboard write (OSC 52), hyperlink.
            ("n\x1b]0;pwned\x07ame", "name"),
            ("n\x1b]52;c;ZWNobyBoaQ==\x1b\\ame", "name"),
            ("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\", "link"),
            // DCS, SOS, PM, APC strings up to ST.
            ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
            ("a\x1bXsos\x1b\\b\x1b^pm\x1b\\c\x1b_apc\x1b\\d", "abcd"),
            // Two-character and intermediate ESC sequences: reset, charset, DECALN.
            ("a\x1bcb\x1b(Bc\x1b#8d", "abcd"),
            // 8-bit C1 forms, as UTF-8: CSI, OSC ended by BEL and by C1 ST, DCS.
            ("a\u{9b}2Jb", "ab"),
            ("a\u{9d}0;title\u{7}b\u{9d}52;c;eA==\u{9c}c", "abc"),
            ("a\u{90}q#0\u{9c}b", "ab"),
            // Unterminated: everything after the introducer goes.
            ("safe\x1b]0;no end", "safe"),
            ("safe\x1b[12", "safe"),
            // ESC followed by text that is not a sequence: the text stays.
            ("a\x1bé", "aé"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "{input:?}");
        }
    }

    #[test]
    fn controls_drop_and_line_breaks_are_kept_only_when_asked() {
        assert_eq!(clean("a\u{7}b\u{8}c\u{7f}d\u{85}e\0f"), "abcdef");
        assert_eq!(clean("one\ntwo\tthree\r\n"), "one two three ");
        assert_eq!(
            clean_lines("one\r\ntwo\tthree\n\x1b[2Jfour"),
            "one\ntwo three\nfour"
        );
        // Right-to-left override: shown text would differ from the text.
        assert_eq!(clean("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(clean_owned("ok".to_string()), "ok");
    }

    #[test]
    fn userinfo_is_left_out_of_shown_urls() {
        let cases = [
            (
                "https://user:s3cret@api.example.com/v1",
                "https://api.example.com/v1",
            ),
            ("http://tok@127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("https://a:b@c@host/v1?x=y@z", "https://host/v1?x=y@z"),
            (
                "https://api.example.com/v1/users/@me",
                "https://api.example.com/v1/users/@me",
            ),
            ("user:pw@host/v1", "host/v1"),
            ("not a url", "not a url"),
        ];
        for (url, want) in cases {
            assert_eq!(without_userinfo(url), want, "{url}");
        }
    }

    proptest! {
        #[test]
        fn no_control_survives_and_cleaning_is_idempotent(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('\u{1b}'), Just('\u{7}'), Just('\u{9b}'), Just('\u{9c}'), Just('\u{9d}'),
                    Just('['), Just(']'), Just('\\'), Just('\n'), Just('\r'), Just('\u{202E}'),
                    any::<char>(), proptest::char::range(' ', '~'),
                ],
                0..64,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            for keep in [false, true] {
                let once = clean_with(&s, keep).into_owned();
                prop_assert!(
                    !once.chars().any(|c| needs_work(c, keep)),
                    "{s:?} -> {once:?}"
                );
                prop_assert_eq!(clean_with(&once, keep), once.as_str());
            }
        }

        #[test]
        fn text_without_controls_is_untouched(s in "[^\\p{Cc}\u{202A}-\u{202E}\u{2066}-\u{2069}]*") {
            prop_assert!(matches!(clean(&s), Cow::Borrowed(_)));
            prop_assert_eq!(clean(&s), s.as_str());
        }
    }
}
