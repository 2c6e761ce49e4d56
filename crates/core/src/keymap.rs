//! Key bindings: `keymap.toml` (embedded default) patched by a user file, key → command.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::key::{KeyCode, KeyEvent, KeyModifiers};
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

/// The default keymap, the same file that documents every binding.
pub const DEFAULT_KEYMAP: &str = include_str!("../../../keymap.toml");
pub const DEFAULT_KEYMAP_NAME: &str = "keymap.toml (built in)";

macro_rules! names {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn from_name(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.name()) }
        }
    };
}

names!(
    /// Where a key is pressed. `Global` applies everywhere unless the context binds the key.
    Context {
        Global = "global",
        List = "list",
        Detail = "detail",
        Help = "help",
        Errors = "errors",
        Messages = "messages",
        Form = "form",
        Confirm = "confirm",
        Preview = "preview",
        Bulk = "bulk",
        Filter = "filter",
        Ledger = "ledger",
        Json = "json",
        Palette = "palette",
        Timeline = "timeline",
    }
);

names!(
    /// What a bindable key does. Internal events (API results, ticks) are not commands.
    Command {
        Quit = "quit",
        Help = "help",
        Back = "back",
        Refresh = "refresh",
        Pause = "pause",
        ErrorLog = "error_log",
        Messages = "messages",
        Palette = "palette",
        Down = "down",
        Up = "up",
        PageDown = "page_down",
        PageUp = "page_up",
        Top = "top",
        Bottom = "bottom",
        Open = "open",
        SortNext = "sort_next",
        SortReverse = "sort_reverse",
        Columns = "columns",
        Mark = "mark",
        MarkAll = "mark_all",
        TopUp = "top_up",
        Edit = "edit",
        Bulk = "bulk",
        Ledger = "ledger",
        Filter = "filter",
        CopyId = "copy_id",
        CopyCustomerId = "copy_customer_id",
        RawJson = "raw_json",
        NextAlarm = "next_alarm",
        PrevAlarm = "prev_alarm",
        NextWallet = "next_wallet",
        PrevWallet = "prev_wallet",
        NextField = "next_field",
        PrevField = "prev_field",
        Submit = "submit",
        ChoiceNext = "choice_next",
        ChoicePrev = "choice_prev",
        AddRow = "add_row",
        RemoveRow = "remove_row",
        Confirm = "confirm",
        CancelJob = "cancel_job",
        RetryJob = "retry_job",
        FilterType = "filter_type",
        FilterStatus = "filter_status",
        FilterReason = "filter_reason",
        Complete = "complete",
        Timeline = "timeline",
        Create = "create",
        Terminate = "terminate",
        Debit = "debit",
    }
);

impl Command {
    /// The word shown next to the key in the hints line.
    pub fn hint(self) -> &'static str {
        match self {
            Command::Open => "open",
            Command::TopUp => "top-up",
            Command::Edit => "edit",
            Command::Mark => "mark",
            Command::SortNext => "sort",
            Command::Columns => "columns",
            Command::Filter => "filter",
            Command::Pause => "pause",
            Command::Help => "help",
            Command::Quit => "quit",
            Command::Back => "back",
            Command::Ledger => "ledger",
            Command::Timeline => "timeline",
            Command::Create => "new wallet",
            Command::Terminate => "terminate",
            Command::Debit => "debit",
            Command::CopyId => "copy id",
            Command::CopyCustomerId => "copy customer",
            Command::Bulk => "bulk",
            Command::Palette => "commands",
            Command::Messages => "messages",
            Command::RawJson => "json",
            Command::FilterType => "type",
            Command::FilterStatus => "status",
            Command::FilterReason => "reason",
            Command::Down => "down",
            Command::Up => "up",
            Command::PageDown => "page down",
            Command::PageUp => "page up",
            Command::Top => "top",
            Command::Bottom => "end",
            other => other.name(),
        }
    }
}

impl Context {
    /// Where the keys of this context act, in the operator's words (help and README).
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::List => "Wallet list",
            Context::Detail => "Wallet detail",
            Context::Help => "Help",
            Context::Errors => "Error log",
            Context::Messages => "Message log",
            Context::Form => "Top-up, edit, new wallet, debit and bulk forms",
            Context::Confirm => "Confirm steps",
            Context::Preview => "Bulk preview",
            Context::Bulk => "Bulk job",
            Context::Filter => "Filter line",
            Context::Ledger => "Ledger",
            Context::Json => "Raw JSON",
            Context::Palette => "Command palette",
            Context::Timeline => "Incident timeline",
        }
    }
}

/// A binding's keys as the help and the README show them: `PgDn, ctrl-d, Space`.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter().map(Key::to_string).collect::<Vec<_>>().join(", ")
}

/// The README's key table, made from the keymap as the help screen is (`?`): every context's
/// bound keys in keymap.toml's order. A test keeps the README's copy equal to this.
pub fn reference_markdown(keymap: &Keymap) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let code = |k: &Key| {
        let k = k.to_string();
        if k.contains('`') {
            format!("`` {k} ``")
        } else {
            format!("`{}`", cell(&k))
        }
    };
    let mut out = String::from("| where | keys | what it does |\n|---|---|---|\n");
    for ctx in Context::ALL {
        let bound = keymap.bindings(*ctx).iter().filter(|b| !b.keys.is_empty());
        for (i, b) in bound.enumerate() {
            let place = if i == 0 {
                format!("{} `[{ctx}]`", ctx.title())
            } else {
                String::new()
            };
            let keys = b.keys.iter().map(code).collect::<Vec<_>>().join(" ");
            out.push_str(&format!("| {place} | {keys} | {} |\n", cell(&b.desc)));
        }
    }
    out
}

/// A key with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key::new(ev.code, ev.modifiers)
    }

    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        // Terminals report shifted characters and BackTab with SHIFT; the character says it all.
        if matches!(code, KeyCode::Char(_) | KeyCode::BackTab) {
            mods.remove(KeyModifiers::SHIFT);
        }
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Key { code, mods }
    }

    /// Parses `q`, `G`, `Enter`, `ctrl-c`, `shift-Tab`, `F5`, `Space`.
    pub fn parse(s: &str) -> Option<Key> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        while let Some((m, r)) = rest.split_once('-') {
            if r.is_empty() {
                break;
            }
            let m = match m.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => KeyModifiers::CONTROL,
                "alt" | "a" | "meta" | "m" => KeyModifiers::ALT,
                "shift" | "s" => KeyModifiers::SHIFT,
                _ => break,
            };
            mods |= m;
            rest = r;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            (Some(_), Some(_)) => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n) if (1..=12).contains(&n) => KeyCode::F(n),
                    _ => return None,
                },
                _ => return None,
            },
            (None, _) => return None,
        };
        Some(Key::new(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Insert => f.write_str("Insert"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub command: Command,
    pub keys: Vec<Key>,
    pub desc: String,
}

/// A bad keymap file: `file:line: token: what is wrong`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}: {token}: {message}")]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub token: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    keys: Option<Vec<Spanned<String>>>,
    desc: Option<String>,
}

/// In file order, so the help lists bindings as keymap.toml does.
type RawFile = IndexMap<Spanned<String>, IndexMap<Spanned<String>, Spanned<RawEntry>>>;

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    contexts: BTreeMap<Context, Vec<Binding>>,
}

/// The 1-based line of a byte offset, from the offsets of the text's line breaks (found once:
/// counting them from the start for every binding made building the keymap quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn of(text: &str) -> Lines {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

/// Where each (context, command) binding was last set, for conflict messages.
type Origins = BTreeMap<(Context, Command), (String, usize)>;

impl Keymap {
    /// The built-in keymap.
    pub fn builtin() -> Result<Keymap, KeymapError> {
        let mut km = Keymap {
            contexts: BTreeMap::new(),
        };
        let mut origins = Origins::new();
        km.apply(DEFAULT_KEYMAP, DEFAULT_KEYMAP_NAME, true, &mut origins)?;
        km.check_conflicts(&origins)?;
        Ok(km)
    }

    /// The built-in keymap patched by a user file's text.
    pub fn with_overrides(text: &str, file: &Path) -> Result<Keymap, KeymapError> {
        let mut km = Keymap {
            contexts: BTreeMap::new(),
        };
        let mut origins = Origins::new();
        km.apply(DEFAULT_KEYMAP, DEFAULT_KEYMAP_NAME, true, &mut origins)?;
        km.apply(text, &file.display().to_string(), false, &mut origins)?;
        km.check_conflicts(&origins)?;
        Ok(km)
    }

    fn apply(
        &mut self,
        text: &str,
        file: &str,
        is_default: bool,
        origins: &mut Origins,
    ) -> Result<(), KeymapError> {
        let lines = Lines::of(text);
        let err = |offset: usize, token: &str, message: String| KeymapError {
            file: file.to_string(),
            line: lines.line_of(offset),
            token: token.to_string(),
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let token = e
                .span()
                .and_then(|s| text.get(s))
                .map(|t| t.lines().next().unwrap_or_default().trim().to_string())
                .unwrap_or_default();
            err(offset, &token, e.message().trim().to_string())
        })?;
        for (ctx_name, entries) in raw {
            let Some(ctx) = Context::from_name(ctx_name.get_ref()) else {
                let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
                return Err(err(
                    ctx_name.span().start,
                    ctx_name.get_ref(),
                    format!("unknown context (known: {})", known.join(", ")),
                ));
            };
            for (cmd_name, entry) in entries {
                let Some(command) = Command::from_name(cmd_name.get_ref()) else {
                    return Err(err(
                        cmd_name.span().start,
                        cmd_name.get_ref(),
                        "unknown action".into(),
                    ));
                };
                let line = lines.line_of(cmd_name.span().start);
                let entry_span = entry.span().start;
                let entry = entry.into_inner();
                let mut keys = Vec::new();
                for k in entry.keys.unwrap_or_default() {
                    let Some(key) = Key::parse(k.get_ref()) else {
                        return Err(err(
                            k.span().start,
                            k.get_ref(),
                            "not a key (e.g. \"q\", \"ctrl-c\", \"Enter\", \"PageDown\")".into(),
                        ));
                    };
                    keys.push(key);
                }
                let list = self.contexts.entry(ctx).or_default();
                match list.iter_mut().find(|b| b.command == command) {
                    Some(b) => {
                        b.keys = keys;
                        if let Some(d) = entry.desc {
                            b.desc = d;
                        }
                    }
                    None => {
                        let Some(desc) = entry
                            .desc
                            .or_else(|| (!is_default).then(|| command.name().replace('_', " ")))
                        else {
                            return Err(err(
                                entry_span,
                                cmd_name.get_ref(),
                                "every default binding needs a desc".into(),
                            ));
                        };
                        list.push(Binding { command, keys, desc });
                    }
                }
                origins.insert((ctx, command), (file.to_string(), line));
            }
        }
        Ok(())
    }

    fn check_conflicts(&self, origins: &Origins) -> Result<(), KeymapError> {
        for (ctx, bindings) in &self.contexts {
            let mut seen: BTreeMap<String, Command> = BTreeMap::new();
            for b in bindings {
                for k in &b.keys {
                    let token = k.to_string();
                    if let Some(other) = seen.insert(token.clone(), b.command)
                        && other != b.command
                    {
                        // Blame whichever of the two was set last (the user's file, if either).
                        let a = origins.get(&(*ctx, b.command)).cloned().unwrap_or_default();
                        let o = origins.get(&(*ctx, other)).cloned().unwrap_or_default();
                        let (file, line) = if a.0 != DEFAULT_KEYMAP_NAME { a } else { o };
                        return Err(KeymapError {
                            file,
                            line,
                            token,
                            message: format!("bound to both {other} and {} in [{ctx}]", b.command),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The command for a key in a context, falling back to the global bindings.
    pub fn lookup(&self, ctx: Context, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev);
        let find = |c: Context| {
            self.contexts
                .get(&c)
                .and_then(|bs| bs.iter().find(|b| b.keys.contains(&key)).map(|b| b.command))
        };
        find(ctx).or_else(|| {
            // The filter line and the forms take typed text: `q` or `r` there are letters, not
            // commands (they bind what they need, e.g. ctrl-c to quit, themselves).
            if matches!(
                ctx,
                Context::Global
                    | Context::Filter
                    | Context::Form
                    | Context::Confirm
                    | Context::Preview
                    | Context::Palette
            ) {
                None
            } else {
                find(Context::Global)
            }
        })
    }

    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.contexts.get(&ctx).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of a command in a context (or global), as shown in hints.
    pub fn key_label(&self, ctx: Context, command: Command) -> Option<String> {
        [ctx, Context::Global]
            .iter()
            .flat_map(|c| self.bindings(*c))
            .find(|b| b.command == command)
            .and_then(|b| b.keys.first())
            .map(Key::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn builtin_parses_and_resolves() {
        let km = Keymap::builtin().unwrap();
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Bottom)
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Command::Quit)
        );
        assert_eq!(
            km.lookup(Context::Detail, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char(' '), KeyModifiers::NONE)),
            Some(Command::Mark)
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn key_parse_round_trips() {
        for s in [
            "q",
            "G",
            "ctrl-c",
            "Enter",
            "Esc",
            "PgDn",
            "F5",
            "Space",
            "shift-Tab",
            "alt-x",
            "/",
            "-",
        ] {
            let k = Key::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(Key::parse(&k.to_string()), Some(k), "{s}");
        }
        assert_eq!(Key::parse("hyper-x"), None);
        assert_eq!(Key::parse("F13"), None);
        assert_eq!(Key::parse(""), None);
    }

    #[test]
    fn user_file_overrides_one_binding() {
        let km =
            Keymap::with_overrides("[list]\ndown = { keys = [\"ctrl-j\"] }\n", Path::new("u.toml")).unwrap();
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('j'), KeyModifiers::CONTROL)),
            Some(Command::Down)
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            km.lookup(Context::List, &ev(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Command::Up)
        );
        let desc = km
            .bindings(Context::List)
            .iter()
            .find(|b| b.command == Command::Down)
            .map(|b| b.desc.clone());
        assert_eq!(desc.as_deref(), Some("Next wallet"));
    }
}
