//! The command palette (`:`): fuzzy search over every action with its key, and the commands
//! that take an argument (`:wallet ID`, `:customer ID`, `:import FILE`, `:export FILE`,
//! `:export-results FILE`, `:refresh SECS`, `:profile NAME`, `:readonly [on|off]`).

use super::{Capability, Overlay, OverlayKind};
use std::time::Duration;

use crate::key::KeyEvent;
use crate::key::to_input_request;
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};
use tui_input::Input;

use super::{App, Effect, FlashKind, Focus};
use crate::keymap::{Command, Context};

/// Commands typed with an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Wallet,
    Customer,
    Import,
    Export,
    ExportResults,
    Refresh,
    Profile,
    ReadOnly,
    Totals,
    Timeline,
}

impl Verb {
    pub const ALL: &[Verb] = &[
        Verb::Wallet,
        Verb::Customer,
        Verb::Import,
        Verb::Export,
        Verb::ExportResults,
        Verb::Refresh,
        Verb::Profile,
        Verb::ReadOnly,
        Verb::Totals,
        Verb::Timeline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Verb::Wallet => "wallet",
            Verb::Customer => "customer",
            Verb::Import => "import",
            Verb::Export => "export",
            Verb::ExportResults => "export-results",
            Verb::Refresh => "refresh",
            Verb::Profile => "profile",
            Verb::ReadOnly => "readonly",
            Verb::Totals => "totals",
            Verb::Timeline => "timeline",
        }
    }

    pub fn usage(self) -> &'static str {
        match self {
            Verb::Wallet => "wallet ID",
            Verb::Customer => "customer ID",
            Verb::Import => "import FILE [--reason R] [--allow-duplicates]",
            Verb::Export => "export FILE",
            Verb::ExportResults => "export-results FILE",
            Verb::Refresh => "refresh SECS",
            Verb::Profile => "profile NAME",
            Verb::ReadOnly => "readonly [on|off]",
            Verb::Totals => "totals",
            Verb::Timeline => "timeline [15m|1h|24h|7d|FROM..TO]",
        }
    }

    pub fn desc(self) -> &'static str {
        match self {
            Verb::Wallet => "Open a wallet by id",
            Verb::Customer => "Show one customer's wallets",
            Verb::Import => "Bulk top-up from a CSV file",
            Verb::Export => "Write the wallets in view to a CSV file",
            Verb::ExportResults => "Write the last bulk job's results to a CSV file",
            Verb::Refresh => "Live refresh every SECS seconds (0: off)",
            Verb::Profile => "Switch to another profile of the config file",
            Verb::ReadOnly => "Read-only mode on (or off, unless started read-only)",
            Verb::Totals => "Balance and credits per currency over the wallets in view",
            Verb::Timeline => "Incident timeline: every wallet's transactions in a window (default 1h)",
        }
    }

    fn needs_argument(self) -> bool {
        !matches!(self, Verb::ReadOnly | Verb::Totals | Verb::Timeline)
    }

    fn from_name(s: &str) -> Option<Verb> {
        Verb::ALL.iter().copied().find(|v| v.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    Run(Command),
    Verb(Verb),
}

/// One line of the palette: what it does, and its key (or usage).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub kind: EntryKind,
    pub label: String,
    pub key: String,
    hay: String,
}

#[derive(Debug, Clone)]
pub struct Palette {
    pub input: Input,
    pub entries: Vec<Entry>,
    /// Indices into `entries`, best match first.
    pub matches: Vec<usize>,
    pub selected: usize,
    pub error: Option<String>,
}

impl Palette {
    pub fn selected_entry(&self) -> Option<&Entry> {
        self.matches.get(self.selected).and_then(|&i| self.entries.get(i))
    }

    fn refilter(&mut self) {
        let text = self.input.value().trim_start_matches(':');
        let word = text.split_whitespace().next().unwrap_or("");
        self.selected = 0;
        if text.trim().is_empty() {
            self.matches = (0..self.entries.len()).collect();
            return;
        }
        // "wallet wal_…": the verb is chosen, only its entry stays.
        if text.contains(' ')
            && let Some(v) = Verb::from_name(word)
        {
            self.matches = self
                .entries
                .iter()
                .position(|e| e.kind == EntryKind::Verb(v))
                .into_iter()
                .collect();
            return;
        }
        let pattern = Pattern::parse(text, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let hays: Vec<(usize, &str)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i, e.hay.as_str()))
            .collect();
        let typed = text.trim().to_lowercase();
        let mut scored: Vec<(usize, u32)> = hays
            .iter()
            .filter_map(|(i, h)| {
                let mut buf = Vec::new();
                let score = pattern.score(nucleo_matcher::Utf32Str::new(h, &mut buf), &mut matcher)?;
                // What was typed is the start of a command's own name (`wal` → `:wallet`): that
                // command first, whatever the descriptions score.
                let named = match self.entries.get(*i).map(|e| &e.kind) {
                    Some(EntryKind::Verb(v)) => v.name().starts_with(&typed),
                    Some(EntryKind::Run(c)) => c.name().replace('_', " ").starts_with(&typed),
                    None => false,
                };
                Some((
                    *i,
                    if named {
                        score.saturating_add(1 << 16)
                    } else {
                        score
                    },
                ))
            })
            .collect();
        // Best score first; ties keep the keymap's order.
        scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.matches = scored.into_iter().map(|(i, _)| i).collect();
    }
}

impl App {
    /// `:`: every command bound where the palette was opened (and globally), then the verbs.
    pub(super) fn open_palette(&mut self) {
        let ctx = self.context();
        let mut entries: Vec<Entry> = Vec::new();
        for c in [ctx, Context::Global] {
            for b in self.keymap.bindings(c) {
                let skip = b.command == Command::Palette
                    || !self.allows(b.command)
                    || entries.iter().any(|e| e.kind == EntryKind::Run(b.command));
                if skip {
                    continue;
                }
                let key = b.keys.first().map(|k| k.to_string()).unwrap_or_default();
                entries.push(Entry {
                    kind: EntryKind::Run(b.command),
                    label: b.desc.clone(),
                    hay: format!("{} {}", b.desc, b.command.name().replace('_', " ")),
                    key,
                });
            }
        }
        for &v in Verb::ALL {
            let hidden = match v {
                Verb::Import => self.may(Capability::Import).is_err(),
                Verb::Export => self.may(Capability::Export).is_err(),
                Verb::ExportResults => self.may(Capability::ExportResults).is_err(),
                Verb::Profile => self.may(Capability::SwitchProfile).is_err(),
                _ => false,
            };
            if hidden {
                continue;
            }
            entries.push(Entry {
                kind: EntryKind::Verb(v),
                label: v.desc().to_string(),
                key: format!(":{}", v.usage()),
                hay: format!("{} {}", v.name(), v.desc()),
            });
        }
        let mut p = Palette {
            input: Input::default(),
            matches: Vec::new(),
            entries,
            selected: 0,
            error: None,
        };
        p.refilter();
        self.overlays.push(Overlay::Palette(p));
    }

    /// A key for the palette on top.
    pub(super) fn on_palette_key(&mut self, key: KeyEvent, cmd: Option<Command>) -> Vec<Effect> {
        let Some(p) = self.overlays.palette_mut() else {
            return Vec::new();
        };
        match cmd {
            Some(Command::Back) => {
                self.overlays.close(OverlayKind::Palette);
                Vec::new()
            }
            Some(Command::Down) => {
                if p.selected + 1 < p.matches.len() {
                    p.selected += 1;
                }
                Vec::new()
            }
            Some(Command::Up) => {
                p.selected = p.selected.saturating_sub(1);
                Vec::new()
            }
            Some(Command::Complete) => {
                if let Some(EntryKind::Verb(v)) = p.selected_entry().map(|e| e.kind.clone()) {
                    set_text(p, &format!("{} ", v.name()));
                }
                Vec::new()
            }
            Some(Command::Submit) => self.submit_palette(),
            _ => {
                if let Some(req) = to_input_request(&key) {
                    p.input.handle(req);
                    p.error = None;
                    p.refilter();
                }
                Vec::new()
            }
        }
    }

    pub(super) fn palette_paste(&mut self, text: &str) {
        if let Some(p) = self.overlays.palette_mut() {
            // The palette is one line: a pasted newline or escape sequence is not typed.
            let clean = flexprice_wire::text::clean(text);
            let value = format!("{}{clean}", p.input.value());
            set_text(p, &value);
        }
    }

    fn submit_palette(&mut self) -> Vec<Effect> {
        let Some(p) = self.overlays.palette_mut() else {
            return Vec::new();
        };
        let text = p.input.value().trim().trim_start_matches(':').trim().to_string();
        let mut words = text.splitn(2, char::is_whitespace);
        let word = words.next().unwrap_or("");
        let arg = words.next().unwrap_or("").trim().to_string();
        if let Some(v) = Verb::from_name(word) {
            if arg.is_empty() && v.needs_argument() {
                p.error = Some(format!("{} needs an argument: :{}", v.name(), v.usage()));
                set_text(p, &format!("{} ", v.name()));
                return Vec::new();
            }
            return self.run_verb(v, &arg);
        }
        match p.selected_entry().map(|e| e.kind.clone()) {
            Some(EntryKind::Run(cmd)) => {
                self.overlays.close(OverlayKind::Palette);
                self.run(cmd)
            }
            Some(EntryKind::Verb(v)) if v.needs_argument() => {
                set_text(p, &format!("{} ", v.name()));
                Vec::new()
            }
            Some(EntryKind::Verb(v)) => self.run_verb(v, ""),
            None => {
                p.error = Some(format!("no command matches \"{text}\""));
                Vec::new()
            }
        }
    }

    /// A verb with its argument. On a bad argument the palette stays open with the reason.
    pub fn run_verb(&mut self, verb: Verb, arg: &str) -> Vec<Effect> {
        let refuse = |app: &mut App, msg: String| {
            match app.overlays.palette_mut() {
                Some(p) => p.error = Some(msg),
                None => app.flash(FlashKind::Error, msg),
            }
            Vec::new()
        };
        let effects = match verb {
            Verb::Wallet => {
                if self.table.get(arg).is_none() {
                    self.overlays.close(OverlayKind::Palette);
                    self.flash(FlashKind::Info, format!("Looking up wallet {arg}…"));
                    return vec![Effect::FindWallet {
                        wallet_id: arg.to_string(),
                    }];
                }
                self.show_wallet(arg)
            }
            Verb::Customer => {
                let filter = if arg.contains(char::is_whitespace) {
                    return refuse(self, format!("a customer id has no spaces: \"{arg}\""));
                } else {
                    format!("customer:{arg}")
                };
                if let Err(e) = self.apply_filter(&filter) {
                    return refuse(self, e);
                }
                let shown = self.table.view().len();
                self.flash(FlashKind::Info, format!("Customer {arg}: {shown} wallets"));
                self.load_balance().into_iter().collect()
            }
            Verb::Import => {
                let (path, options) = match import_args(arg) {
                    Ok(parsed) => parsed,
                    Err(e) => return refuse(self, e),
                };
                let path = match self
                    .permissions
                    .file(Capability::Import, &self.env.expand_home(&path))
                {
                    Ok(p) => p,
                    Err(e) => return refuse(self, e.to_string()),
                };
                self.overlays.close(OverlayKind::Palette);
                self.import_plan_with(path, options)
            }
            Verb::Export => {
                let path = match self
                    .permissions
                    .file(Capability::Export, &self.env.expand_home(arg))
                {
                    Ok(p) => p,
                    Err(e) => return refuse(self, e.to_string()),
                };
                // A file already there is not replaced without asking (`FileExists`).
                if self.timeline_on_top() {
                    self.export_timeline(path, false)
                } else {
                    self.export_view(path, false)
                }
            }
            Verb::ExportResults => match self
                .permissions
                .file(Capability::ExportResults, &self.env.expand_home(arg))
            {
                Ok(path) => self.export_results(path),
                Err(e) => return refuse(self, e.to_string()),
            },
            Verb::Refresh => match arg.parse::<u64>() {
                Ok(secs) if secs <= 86_400 => {
                    self.live.interval = Duration::from_secs(secs);
                    self.live.paused = false;
                    let text = if secs == 0 {
                        "Live refresh off".to_string()
                    } else {
                        format!("Live refresh every {secs}s")
                    };
                    self.flash(FlashKind::Info, text);
                    vec![Effect::SetRefresh(self.live.interval)]
                }
                _ => {
                    return refuse(
                        self,
                        format!("refresh takes whole seconds from 0 (off) to 86400, not \"{arg}\""),
                    );
                }
            },
            Verb::Profile => {
                if let Err(e) = self.may(Capability::SwitchProfile) {
                    return refuse(self, e.to_string());
                }
                if arg.contains(char::is_whitespace) {
                    return refuse(self, format!("a profile name has no spaces: \"{arg}\""));
                }
                self.flash(FlashKind::Info, format!("Switching to profile {arg}…"));
                self.switching_to = Some(arg.to_string());
                vec![Effect::SwitchProfile(arg.to_string())]
            }
            Verb::ReadOnly => match arg {
                "" | "on" => {
                    self.permissions.read_only = true;
                    self.flash(FlashKind::Info, "Read-only mode: changes are disabled");
                    Vec::new()
                }
                "off" => {
                    if let Err(e) = self.may(Capability::ReadOnlyOff) {
                        return refuse(self, e.to_string());
                    }
                    self.permissions.read_only = false;
                    self.flash(FlashKind::Info, "Read-only mode off: changes are enabled");
                    Vec::new()
                }
                other => return refuse(self, format!("readonly takes on or off, not \"{other}\"")),
            },
            Verb::Totals => {
                self.show_totals();
                Vec::new()
            }
            Verb::Timeline => match self.open_timeline(arg) {
                Ok(effects) => {
                    self.overlays.close(OverlayKind::Palette);
                    return effects;
                }
                Err(e) => return refuse(self, e),
            },
        };
        self.overlays.close(OverlayKind::Palette);
        effects
    }

    /// Selects a loaded wallet and opens its detail; a filter that hides it is cleared.
    pub(super) fn show_wallet(&mut self, id: &str) -> Vec<Effect> {
        self.overlays.close(OverlayKind::Palette);
        self.overlays.close(OverlayKind::Ledger);
        if !self.table.select_id(id) {
            self.table.set_filter(None);
            self.table.select_id(id);
            self.flash(FlashKind::Info, "Filter cleared to show the wallet");
        }
        self.table.scroll_into_view(self.list_height());
        self.focus = Focus::Detail;
        self.detail_scroll = 0;
        self.load_balance().into_iter().collect()
    }
}

fn set_text(p: &mut Palette, text: &str) {
    p.input = Input::new(text.to_string());
    p.refilter();
}

/// `~/x.csv` as the shell would have it.
/// `FILE [--reason R] [--allow-duplicates]`, options anywhere; the other words are the path.
fn import_args(arg: &str) -> Result<(String, flexwallet_bulk::plan::ImportOptions), String> {
    let mut options = flexwallet_bulk::plan::ImportOptions::default();
    let mut path = Vec::new();
    let mut words = arg.split_whitespace();
    while let Some(w) = words.next() {
        match w {
            "--allow-duplicates" => options.allow_duplicates = true,
            "--reason" => {
                let r = words
                    .next()
                    .ok_or("--reason needs a reason, e.g. --reason FREE_CREDIT_GRANT")?;
                options.default_reason =
                    Some(flexwallet_bulk::plan::parse_reason(r).map_err(|e| format!("--reason: {e}"))?);
            }
            _ if w.starts_with("--") => {
                return Err(format!(
                    "unknown option {w}: :import FILE [--reason R] [--allow-duplicates]"
                ));
            }
            _ => path.push(w),
        }
    }
    if path.is_empty() {
        return Err("which file? :import FILE [--reason R] [--allow-duplicates]".into());
    }
    let path = path.join(" ");
    // A path quoted as a shell would take it: "/path with spaces.csv".
    let path = ['"', '\'']
        .iter()
        .find_map(|q| path.strip_prefix(*q).and_then(|p| p.strip_suffix(*q)))
        .map(str::to_string)
        .unwrap_or(path);
    Ok((path, options))
}
