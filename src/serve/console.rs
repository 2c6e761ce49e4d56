//! One operator's console over an SSH channel: the same event loop as the local console, with
//! the channel as its terminal, the server's shared reads and refresh ticks, and the operator's
//! role and name.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use futures::{FutureExt, StreamExt};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::mpsc;

use super::Shared;
use super::authorized::Operator;
use super::input::{ESC_WAIT, InputDecoder};
use crate::api::Reads;
use crate::app::FilePolicy;
use crate::audit::OperatorTag;
use crate::cli::ColorMode;
use crate::tui::{ConsoleIo, ConsoleOptions};
use crate::ui::Theme;

/// Output not yet taken by the client beyond this ends the session: a client that stopped
/// reading must not grow the server's memory.
const MAX_QUEUED: usize = 8 * 1024 * 1024;
/// How long the goodbye (leaving the alternate screen) may take to reach the client.
const FLUSH_FOR: Duration = Duration::from_secs(2);

/// From the connection to its console.
#[derive(Debug)]
pub enum Input {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// What the client asked for before its shell: the terminal, its size, a few variables.
#[derive(Debug, Clone, Default)]
pub struct TermRequest {
    pub term: Option<String>,
    pub size: (u16, u16),
    /// Only the variables that choose colours (`COLORTERM`, `NO_COLOR`); the rest are refused.
    pub env: HashMap<String, String>,
}

pub struct ConsoleRequest {
    pub operator: Arc<Operator>,
    pub term: TermRequest,
    pub peer: String,
}

/// The console's terminal: bytes collect per frame and go to the channel on flush.
struct ChannelOut {
    buf: Vec<u8>,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    queued: Arc<AtomicUsize>,
    /// The first failure ends the console; later writes (the goodbye, ratatui restoring the
    /// cursor on drop) go nowhere quietly.
    failed: bool,
}

impl Write for ChannelOut {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.failed {
            self.buf.clear();
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let n = self.buf.len();
        let sent = if self.queued.fetch_add(n, Ordering::SeqCst) + n > MAX_QUEUED {
            Err(io::Error::other("the SSH client stopped reading its output"))
        } else {
            self.tx
                .send(std::mem::take(&mut self.buf))
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the SSH channel is closed"))
        };
        self.failed = sent.is_err();
        sent
    }
}

/// Colours from what the client said: `TERM` from its pty request, `COLORTERM` / `NO_COLOR`
/// if it sent them; the server's `--color never|always` wins.
pub fn theme(mode: ColorMode, term: &TermRequest) -> Theme {
    let name = term.term.as_deref().unwrap_or("");
    if mode == ColorMode::Auto && (name.is_empty() || name == "dumb") {
        return Theme::plain();
    }
    let colorterm = term
        .env
        .get("COLORTERM")
        .map(String::as_str)
        .or_else(|| (name.ends_with("-direct") || name.contains("truecolor")).then_some("truecolor"));
    Theme::detect(mode, term.env.get("NO_COLOR").map(String::as_str), colorterm)
}

/// Runs the console until the operator quits, disconnects, idles out, or the server stops.
pub async fn run(
    shared: Arc<Shared>,
    handle: Handle,
    channel: ChannelId,
    request: ConsoleRequest,
    input: mpsc::UnboundedReceiver<Input>,
) {
    let op = request.operator.clone();
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let queued = Arc::new(AtomicUsize::new(0));
    let writer = {
        let handle = handle.clone();
        let queued = queued.clone();
        tokio::spawn(async move {
            while let Some(bytes) = out_rx.recv().await {
                let n = bytes.len();
                if handle.data(channel, bytes).await.is_err() {
                    break;
                }
                queued.fetch_sub(n, Ordering::SeqCst);
            }
        })
    };
    let mut out = ChannelOut {
        buf: Vec::new(),
        tx: out_tx,
        queued,
        failed: false,
    };
    let (cols, rows) = request.term.size;
    let started = crossterm::execute!(out, EnterAlternateScreen, Hide, EnableBracketedPaste);
    let idle = Arc::new(AtomicBool::new(false));
    let result = match started.and_then(|_| {
        Terminal::with_options(
            crate::tui::Screen::new(out).sized(cols, rows),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, cols, rows)),
            },
        )
    }) {
        Ok(mut term) => {
            let io = io(&shared, &op.name, input, idle.clone());
            let opts = options(&shared, &request);
            // A bug in one console ends that console, not the server: every other session and
            // running job goes on.
            let run = crate::tui::event_loop(&mut term, io, Reads::Shared(shared.reads.clone()), opts);
            let (result, crash) = match std::panic::AssertUnwindSafe(run).catch_unwind().await {
                Ok(r) => (r.map_err(|e| e.to_string()), None),
                Err(panic) => {
                    let line = crashed(&shared, &op, panic_message(panic.as_ref()));
                    (Err(line.clone()), Some(line))
                }
            };
            let out = term.backend_mut();
            let _ = crossterm::queue!(out, DisableBracketedPaste, LeaveAlternateScreen, Show);
            if let Some(line) = &crash {
                let _ = write!(out, "flexwallet: {line}\r\n");
            } else if idle.load(Ordering::SeqCst) {
                let _ = write!(
                    out,
                    "flexwallet: no input for {}: disconnected\r\n",
                    humanize(shared.limits.idle_timeout.unwrap_or_default())
                );
            } else if shared.shutdown.is_cancelled() {
                let _ = write!(out, "flexwallet: the server is stopping\r\n");
            }
            let _ = out.flush();
            result
        }
        Err(e) => Err(e.to_string()),
    };
    match &result {
        Ok(()) => tracing::info!(operator = %op.name, peer = %request.peer, "console ended"),
        Err(e) => tracing::error!(operator = %op.name, peer = %request.peer, error = %e, "console failed"),
    }
    // The terminal (and with it the sender) is gone: the writer ends once the goodbye is out.
    let _ = tokio::time::timeout(FLUSH_FOR, writer).await;
    let _ = handle
        .exit_status_request(channel, u32::from(result.is_err()))
        .await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
    // The console's order of the wallets, its screens and the older picture it held are freed
    // by now: give the pages back, or the server keeps the high-water mark of every session
    // that ever ran.
    crate::tui::memory::release_freed();
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// A console's panic, told to the server log and the audit log; returns the line its operator
/// reads.
fn crashed(shared: &Shared, op: &Operator, message: String) -> String {
    tracing::error!(operator = %op.name, panic = %message, "a console panicked and was closed; other sessions go on");
    if let Ok(audit) = shared.console.audit.as_ref() {
        let tag = OperatorTag {
            operator: op.name.clone(),
            key_fingerprint: op.fingerprint.clone(),
        };
        let record = crate::audit::AuditRecord::console_crashed(&message);
        if let Err(e) = audit.for_operator(tag).and_then(|a| a.append(&record)) {
            tracing::error!(error = %e, "cannot write the console's crash to the audit log");
        }
    }
    "this console hit an internal error and was closed (the server and other consoles go on; \
     the server log has the details)"
        .into()
}

/// The operator's own directory for files, created 0700 on first use; refused when there is
/// none, when the name cannot be a directory name, or when it cannot be created.
fn file_policy(files_dir: Option<&std::path::Path>, operator: &str) -> FilePolicy {
    let Some(root) = files_dir else {
        return FilePolicy::Refused;
    };
    let mut parts = std::path::Path::new(operator).components();
    let plain = matches!(
        (parts.next(), parts.next()),
        (Some(std::path::Component::Normal(_)), None)
    ) && !operator.starts_with('.');
    if !plain {
        tracing::error!(
            operator,
            "an operator name that is not a plain name: file actions refused"
        );
        return FilePolicy::Refused;
    }
    let dir = root.join(operator);
    match crate::bulk::paths::create_private_dir(&dir) {
        Ok(()) => FilePolicy::Within(dir),
        Err(e) => {
            tracing::error!(dir = %dir.display(), error = %e, "cannot create the operator's file directory");
            FilePolicy::Refused
        }
    }
}

fn options(shared: &Shared, request: &ConsoleRequest) -> ConsoleOptions {
    let op = &request.operator;
    let base = &shared.console;
    // Without its own copy of the log, the operator's console refuses writes (and says why).
    let audit = base.audit.clone().and_then(|a| {
        let tag = OperatorTag {
            operator: op.name.clone(),
            key_fingerprint: op.fingerprint.clone(),
        };
        a.for_operator(tag)
            .map(Arc::new)
            .map_err(|e| crate::audit::AuditUnwritable::new(a.path(), &e))
            .inspect_err(|why| tracing::error!(%why, operator = %op.name, "writes refused: no audit log for the operator"))
    });
    ConsoleOptions {
        keymap: base.keymap.clone(),
        theme: theme(base.color, &request.term),
        // A viewer changes nothing: its console says read-only (the gate refuses by role too).
        read_only: base.read_only || op.role == crate::app::Role::Viewer,
        refresh: base.refresh,
        origin: base.origin.clone(),
        test_panic_after: None,
        audit,
        confirm_above: base.confirm_above,
        who: Some(format!("{} · {}", op.name, op.role.name())),
        role: op.role,
        files: file_policy(base.files_dir.as_deref(), &op.name),
        // One server, one profile: every session shares its client and its reads.
        profiles: None,
    }
}

/// The console's drivers: the channel's bytes as events, the server's one refresh timer, and the
/// server's shutdown.
fn io(
    shared: &Shared,
    operator: &str,
    input: mpsc::UnboundedReceiver<Input>,
    idle: Arc<AtomicBool>,
) -> ConsoleIo {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(pump(input, tx, shared.limits.idle_timeout, idle));
    let events =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (e, rx)) }).boxed();
    let refresh = ticks(&shared.ticks, shared.console.refresh);
    let stop = shared.shutdown.clone().cancelled_owned();
    let panic_in = shared
        .console
        .test_panic
        .as_ref()
        .filter(|(name, _)| name == operator)
        .map(|(_, after)| *after);
    let shutdown = async move {
        match panic_in {
            None => stop.await,
            Some(after) => {
                tokio::time::sleep(after).await;
                panic!("test panic requested for this operator's console");
            }
        }
    };
    ConsoleIo {
        events,
        refresh,
        shutdown: Box::pin(shutdown),
        follow: Some(shared.leader.clone()),
    }
}

/// The server's one refresh timer, as a console's ticks (none: live refresh off).
pub(super) fn ticks(
    ticks: &tokio::sync::broadcast::Sender<()>,
    refresh: std::time::Duration,
) -> Option<futures::stream::BoxStream<'static, ()>> {
    (!refresh.is_zero()).then(|| {
        futures::stream::unfold(ticks.subscribe(), |mut ticks| async move {
            loop {
                match ticks.recv().await {
                    Ok(()) => return Some(((), ticks)),
                    // A console that fell behind refreshes once, not once per missed tick.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
        .boxed()
    })
}

/// Bytes → events, with the Esc wait and the idle timeout. Ends (and so ends the console) when
/// the connection's input ends or the operator has been idle too long.
async fn pump(
    mut input: mpsc::UnboundedReceiver<Input>,
    events: mpsc::UnboundedSender<io::Result<Event>>,
    idle_timeout: Option<Duration>,
    idle: Arc<AtomicBool>,
) {
    let mut decoder = InputDecoder::default();
    let mut last_input = tokio::time::Instant::now();
    loop {
        let waiting = decoder.waiting();
        let idle_at = idle_timeout.map(|d| last_input + d);
        let decoded = tokio::select! {
            msg = input.recv() => match msg {
                Some(Input::Bytes(bytes)) => {
                    last_input = tokio::time::Instant::now();
                    decoder.feed(&bytes)
                }
                Some(Input::Resize(w, h)) => vec![Event::Resize(w, h)],
                None => return,
            },
            _ = tokio::time::sleep(ESC_WAIT), if waiting => decoder.timeout(),
            _ = async { match idle_at { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {
                idle.store(true, Ordering::SeqCst);
                return;
            }
        };
        for e in decoded {
            if events.send(Ok(e)).is_err() {
                return;
            }
        }
    }
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 if s.is_multiple_of(60) => format!("{}m", s / 60),
        60..3600 => format!("{}m{}s", s / 60, s % 60),
        _ if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ => format!("{}h{}m", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(name: &str, env: &[(&str, &str)]) -> TermRequest {
        TermRequest {
            term: Some(name.into()),
            size: (80, 24),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn colours_follow_the_clients_terminal() {
        assert_eq!(
            theme(ColorMode::Auto, &term("xterm-256color", &[])),
            Theme::sixteen()
        );
        assert!(
            theme(
                ColorMode::Auto,
                &term("xterm-256color", &[("COLORTERM", "truecolor")])
            )
            .truecolor
        );
        assert!(theme(ColorMode::Auto, &term("xterm-direct", &[])).truecolor);
        assert_eq!(
            theme(ColorMode::Auto, &term("xterm", &[("NO_COLOR", "1")])),
            Theme::plain()
        );
        assert_eq!(theme(ColorMode::Auto, &term("dumb", &[])), Theme::plain());
        assert_eq!(
            theme(ColorMode::Never, &term("xterm-256color", &[])),
            Theme::plain()
        );
    }

    #[test]
    fn idle_times_read_as_people_write_them() {
        assert_eq!(humanize(Duration::from_secs(1800)), "30m");
        assert_eq!(humanize(Duration::from_secs(45)), "45s");
        assert_eq!(humanize(Duration::from_secs(7200)), "2h");
    }
}
