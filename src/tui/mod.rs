//! The console runtime: merges terminal events, API results and timers into actions, runs the
//! reducer's effects as tasks, and redraws when something changed.

mod bulk;
pub mod keys;
mod memory;
pub mod screen;
pub mod terminal;

use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use color_eyre::eyre::Result;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use ratatui::Terminal;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use std::sync::Arc;

use crate::api::{Client, Reads};
use crate::app::{Action, App, Effect, Origin};
use crate::audit::{Audit, AuditRecord, Ending};
use crate::keymap::Keymap;
use crate::ui::{self, Theme};

pub use screen::Screen;

pub struct ConsoleOptions {
    pub keymap: Keymap,
    pub theme: Theme,
    pub read_only: bool,
    pub refresh: Duration,
    pub origin: Origin,
    /// Test-only: panic after this long (checks the terminal is restored).
    pub test_panic_after: Option<Duration>,
    /// Where every mutation and its outcome is recorded.
    pub audit: Option<Arc<Audit>>,
    /// Top-ups above this many credits are confirmed by typing the amount.
    pub confirm_above: Option<rust_decimal::Decimal>,
    /// How `:profile NAME` reaches another profile; `None` where there is only one (`--demo`).
    pub profiles: Option<ProfileSwitch>,
    /// Who is at the keyboard, for the status bar (`alice · operator` over SSH).
    pub who: Option<String>,
    /// The operator's role: `Admin` locally, the operators file's over `serve`.
    pub role: crate::app::Role,
    /// Where `:export` and `:import` may read and write: anywhere locally, a directory of the
    /// operator's own over `serve`.
    pub files: crate::app::FilePolicy,
}

/// What drives a console: its input events, the refresh ticks, and when to stop. The local
/// console reads the terminal and its own timer and stops on signals; an SSH session reads its
/// channel, shares one timer with every session, and stops when the connection does.
pub struct ConsoleIo {
    /// Key, paste and resize events; the console ends when this ends.
    pub events: BoxStream<'static, std::io::Result<Event>>,
    /// One item per refresh due (none: live refresh off).
    pub refresh: Option<BoxStream<'static, ()>>,
    /// Resolves when the console must stop (the bulk job is still drained first).
    pub shutdown: BoxFuture<'static, ()>,
}

/// Another profile, ready to talk to.
pub struct SwitchedProfile {
    pub client: Client,
    pub origin: Origin,
    pub read_only: bool,
    pub audit: Option<Arc<Audit>>,
}

/// Builds the client of a named profile (from the config file, env and flags).
pub type ProfileSwitch = Arc<dyn Fn(&str) -> Result<SwitchedProfile, String> + Send + Sync>;

/// What a task of the runner is for: one task per slot, and a newer one aborts the older
/// (latest wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    List,
    Rows,
    Balance,
    Changes,
    Changed,
    Usual,
    TopUp,
    Update,
    BulkPlan,
    Ledger,
    LedgerHead,
    RawWallet,
    FindWallet,
    Export,
}

impl Slot {
    /// A write already sent is left to finish and be audited when the console ends or switches
    /// profile: its outcome must not be lost (an SSH link dropped mid-request).
    fn survives_quit(self) -> bool {
        matches!(self, Slot::TopUp | Slot::Update)
    }
}

/// How often the log says how old the oldest wallet is.
const FRESHNESS_REPORT: Duration = Duration::from_secs(60);

/// Runs effects as tasks, one per [`Slot`].
struct Runner {
    client: Client,
    reads: Reads,
    audit: Option<Arc<Audit>>,
    tx: mpsc::UnboundedSender<Action>,
    slots: HashMap<Slot, AbortHandle>,
    bulk: bulk::BulkRunner,
    profiles: Option<ProfileSwitch>,
    /// Files are a `serve` operator's (`FilePolicy::Within`): never replaced, no symlink
    /// followed.
    contained: bool,
}

impl Runner {
    fn spawn<F>(&mut self, slot: Slot, fut: F)
    where
        F: Future<Output = Action> + Send + 'static,
    {
        if let Some(old) = self.slots.remove(&slot) {
            old.abort();
        }
        let tx = self.tx.clone();
        let handle = tokio::spawn(async move {
            let _ = tx.send(fut.await);
        });
        self.slots.insert(slot, handle.abort_handle());
    }

    fn run(&mut self, effect: Effect, out: &mut impl Write) {
        let client = self.client.clone();
        let contained = self.contained;
        let reads = self.reads.clone();
        match effect {
            Effect::LoadWallets { generation } => self.spawn(Slot::List, async move {
                Action::WalletsLoaded {
                    generation,
                    result: reads.list_wallets().await,
                }
            }),
            Effect::RefreshWallets { generation, ids } => self.spawn(Slot::Rows, async move {
                Action::WalletsRefreshed {
                    generation,
                    result: reads.wallets_by_id(&ids).await,
                    ids,
                }
            }),
            Effect::LoadUsual { wallet_id } => self.spawn(Slot::Usual, async move {
                let result = crate::bulk::read_usual(&client, &wallet_id).await;
                Action::UsualLoaded { wallet_id, result }
            }),
            Effect::LoadChanges { generation, since } => self.spawn(Slot::Changes, async move {
                Action::ChangesLoaded {
                    generation,
                    result: reads.changed_wallets(since).await,
                }
            }),
            Effect::RefreshChanged { generation, ids } => self.spawn(Slot::Changed, async move {
                Action::ChangedRefreshed {
                    generation,
                    result: reads.wallets_by_id(&ids).await,
                    ids,
                }
            }),
            Effect::LoadBalance {
                generation,
                wallet_id,
            } => self.spawn(Slot::Balance, async move {
                let result = reads.real_time_balance(&wallet_id).await.map(Box::new);
                Action::BalanceLoaded {
                    generation,
                    wallet_id,
                    result,
                }
            }),
            Effect::TopUp { wallet_id, request } => {
                let audit = self.audit.clone();
                self.spawn(Slot::TopUp, async move {
                    let result = client.top_up(&wallet_id, &request).await;
                    reads.invalidate(&wallet_id);
                    let ending = Ending::of_top_up(&result);
                    record(
                        audit.as_deref(),
                        AuditRecord::top_up(&wallet_id, &request, ending),
                    );
                    Action::TopUpDone { wallet_id, result }
                })
            }
            Effect::UpdateWallet { wallet_id, request } => {
                let audit = self.audit.clone();
                self.spawn(Slot::Update, async move {
                    let result = client.update_wallet(&wallet_id, &request).await.map(Box::new);
                    reads.invalidate(&wallet_id);
                    let ending = Ending::of_update(&result);
                    record(
                        audit.as_deref(),
                        AuditRecord::update_wallet(&wallet_id, &request, ending),
                    );
                    Action::UpdateDone { wallet_id, result }
                })
            }
            Effect::Copy(text) => {
                let _ = out.write_all(terminal::osc52(&text).as_bytes());
                let _ = out.flush();
            }
            Effect::PlanBulk { drafts, source } => self.spawn(Slot::BulkPlan, async move {
                let result = bulk::plan(&client, drafts, Some(format!("console: {source}"))).await;
                Action::BulkPlanned { source, result }
            }),
            Effect::ImportPlan { path, options } => self.spawn(Slot::BulkPlan, async move {
                let result = bulk::import(&client, &path, &options, contained).await;
                Action::BulkPlanned {
                    source: path.display().to_string(),
                    result,
                }
            }),
            Effect::StartBulk { plan, journal_path } => {
                self.bulk
                    .start(&client, self.audit.clone(), &plan, &journal_path, &self.tx)
            }
            Effect::CancelBulk => self.bulk.cancel(),
            Effect::ExportResults {
                path,
                report,
                protect,
            } => {
                let _ = self.tx.send(Action::ResultsExported(bulk::export(
                    &path,
                    &report,
                    &protect,
                    !self.contained,
                )));
            }
            Effect::LoadLedger {
                generation,
                wallet_id,
                query,
            } => self.spawn(Slot::Ledger, async move {
                let result = client.transactions_page(&wallet_id, &query).await;
                Action::LedgerLoaded {
                    generation,
                    wallet_id,
                    result,
                }
            }),
            Effect::LoadLedgerHead {
                generation,
                wallet_id,
                query,
            } => self.spawn(Slot::LedgerHead, async move {
                let result = client.transactions_page(&wallet_id, &query).await;
                Action::LedgerHeadLoaded {
                    generation,
                    wallet_id,
                    result,
                }
            }),
            Effect::LoadRawWallet { wallet_id } => self.spawn(Slot::RawWallet, async move {
                let result = client.get_wallet_raw(&wallet_id).await;
                Action::RawWalletLoaded { wallet_id, result }
            }),
            Effect::FindWallet { wallet_id } => self.spawn(Slot::FindWallet, async move {
                let result = client.get_wallet(&wallet_id).await.map(Box::new);
                Action::WalletFound { wallet_id, result }
            }),
            Effect::ExportView { path, wallets } => self.spawn(Slot::Export, async move {
                let result = tokio::task::spawn_blocking(move || {
                    crate::report::export_wallets(&path, &wallets, !contained).map(|n| (path, n))
                })
                .await
                .unwrap_or_else(|e| Err(format!("the export task failed: {e}")));
                Action::ViewExported(result)
            }),
            Effect::SwitchProfile(name) => {
                let result = match &self.profiles {
                    None => {
                        Err("no other profile here: --demo and flexwallet serve each talk to one".to_string())
                    }
                    Some(switch) => switch(&name),
                };
                let answer = result.map(|p| {
                    // Answers still on their way belong to the old profile.
                    self.abort_all();
                    self.reads = Reads::Direct(p.client.clone());
                    self.client = p.client;
                    self.audit = p.audit;
                    (p.origin, p.read_only)
                });
                let _ = self.tx.send(Action::ProfileSwitched(answer));
            }
            // The event loop owns the timer and handles it before effects reach the runner.
            Effect::SetRefresh(_) => {}
            Effect::Quit => {}
        }
    }

    /// Stops every task but the writes already sent ([`Slot::survives_quit`]).
    fn abort_all(&mut self) {
        for (slot, h) in self.slots.drain() {
            if !slot.survives_quit() {
                h.abort();
            }
        }
    }
}

/// Appends one audit line; a failing audit log is reported in the application log, never fatal.
fn record(audit: Option<&Audit>, rec: AuditRecord) {
    let Some(audit) = audit else { return };
    if let Err(e) = audit.append(&rec) {
        tracing::error!(error = %e, path = %audit.path().display(), "cannot write the audit log");
    }
}

pub async fn run(client: Client, opts: ConsoleOptions) -> Result<()> {
    let io = local_io(&opts)?;
    let mut term = terminal::enter()?;
    let result = event_loop(&mut term, io, Reads::Direct(client), opts).await;
    terminal::restore();
    result
}

/// The local console's drivers: the terminal's events, its own refresh timer, and signals
/// (SIGTERM, SIGHUP from a dropped SSH link, SIGINT) to stop.
fn local_io(opts: &ConsoleOptions) -> Result<ConsoleIo> {
    let mut stop = crate::stop::StopSignals::install()?;
    let panic_at = opts.test_panic_after.map(|d| tokio::time::Instant::now() + d);
    let shutdown = async move {
        tokio::select! {
            _ = stop.recv() => {}
            _ = async { match panic_at { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {
                panic!("test panic requested with --test-panic-after");
            }
        }
    };
    Ok(ConsoleIo {
        events: EventStream::new().boxed(),
        refresh: refresh_timer(opts.refresh),
        shutdown: Box::pin(shutdown),
    })
}

/// A tick every `every` (the first one `every` from now); none when live refresh is off.
/// The core's view of this machine: journals under the state directory, `~` as `$HOME`, and
/// time-ordered idempotency keys (`fw-<uuid v7>`).
pub fn runtime_env() -> flexwallet_core::app::Env {
    flexwallet_core::app::Env::new(
        flexwallet_engine::paths::state_dir().join("jobs"),
        std::env::var_os("HOME").map(std::path::PathBuf::from),
        Box::new(UuidKeys),
    )
}

struct UuidKeys;

impl flexwallet_core::app::KeySource for UuidKeys {
    fn next_key(&mut self) -> String {
        format!("fw-{}", uuid::Uuid::now_v7())
    }
}

pub fn refresh_timer(every: Duration) -> Option<BoxStream<'static, ()>> {
    if every.is_zero() {
        return None;
    }
    let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    Some(
        futures::stream::unfold(i, |mut i| async move {
            i.tick().await;
            Some(((), i))
        })
        .boxed(),
    )
}

/// One frame: only the cells that changed reach the terminal (see `Screen`), and a frame that
/// changed nothing writes nothing.
fn draw<W: Write>(term: &mut Terminal<Screen<W>>, app: &App, theme: &Theme) -> Result<()> {
    term.draw(|f| ui::render(app, theme, f))?;
    Ok(())
}

/// Runs one console until it quits, its events end, or `io.shutdown`; then stops the reads and
/// lets a running bulk job finish its rows in flight (the journal stays resumable), whatever
/// ended it, errors included.
pub async fn event_loop<W: Write>(
    term: &mut Terminal<Screen<W>>,
    io: ConsoleIo,
    reads: Reads,
    opts: ConsoleOptions,
) -> Result<()> {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut runner = Runner {
        client: reads.client().clone(),
        reads,
        audit: opts.audit.clone(),
        tx,
        slots: HashMap::new(),
        bulk: bulk::BulkRunner::default(),
        profiles: opts.profiles.clone(),
        contained: matches!(opts.files, crate::app::FilePolicy::Within(_)),
    };
    let result = drive(term, io, &mut runner, rx, opts).await;
    runner.abort_all();
    runner.bulk.drain().await;
    result
}

async fn drive<W: Write>(
    term: &mut Terminal<Screen<W>>,
    io: ConsoleIo,
    runner: &mut Runner,
    mut rx: mpsc::UnboundedReceiver<Action>,
    opts: ConsoleOptions,
) -> Result<()> {
    let theme = opts.theme;
    let confirm_above = opts.confirm_above;
    // The core's monotonic clock counts from here.
    let origin = Instant::now();
    let moment = move || flexwallet_core::moment::Moment::after(origin.elapsed());
    let mut app = App::new(
        opts.keymap,
        opts.origin,
        opts.read_only,
        opts.refresh,
        moment(),
        chrono::Utc::now(),
        runtime_env(),
    );
    if let Some(c) = confirm_above {
        app.confirm_above = c;
    }
    app.who = opts.who;
    app.permissions.role = opts.role;
    app.permissions.files = opts.files.clone();
    // The viewport, not the backend's size: over SSH the backend is a channel, and its size
    // is the client's pty, not this process's terminal.
    let size = term.get_frame().area();
    app.update(Action::Resize(size.width, size.height));
    for e in app.start() {
        runner.run(e, term.backend_mut());
    }

    let ConsoleIo {
        mut events,
        mut refresh,
        mut shutdown,
    } = io;

    // Set while a refresh cycle's answers are still coming: its frame waits for all of them
    // (at most until the next tick), so a change seen by a refresh costs one frame, not three.
    let mut hold = false;
    // Once a minute the log says how fresh the picture is (the freshness benchmark reads it).
    let mut next_report = std::time::Instant::now() + FRESHNESS_REPORT;
    loop {
        if !hold {
            draw(term, &app, &theme)?;
        }
        // Spinners need a quick tick while something loads; otherwise once a second is enough
        // for the status bar's ages and flash expiry.
        let tick = if app.is_busy() {
            Duration::from_millis(120)
        } else {
            Duration::from_secs(1)
        };
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => match keys::from_crossterm(k) {
                    Some(k) => Action::Key(k),
                    None => continue,
                },
                Some(Ok(Event::Resize(w, h))) => {
                    // The terminal's own size is what ratatui draws into: keep both in step. The
                    // backend learns it first, since clearing the resized viewport asks it (over
                    // SSH this process's terminal is not the one being drawn, or there is none).
                    term.backend_mut().set_size(w, h);
                    term.resize(ratatui::layout::Rect::new(0, 0, w, h))?;
                    Action::Resize(w, h)
                }
                Some(Ok(Event::Paste(s))) => Action::Paste(s),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => a,
            _ = async { match refresh.as_mut() { Some(r) => { r.next().await; } None => std::future::pending().await } } => Action::RefreshDue,
            _ = tokio::time::sleep(tick) => Action::Tick { now: moment(), clock: chrono::Utc::now() },
            _ = &mut shutdown => break,
        };
        // Results and keys arrive between ticks: keep the reducer's clock current.
        if !matches!(action, Action::Tick { .. }) {
            app.now = moment();
            app.clock = chrono::Utc::now();
        }
        let reloaded = matches!(action, Action::WalletsLoaded { .. });
        let refresh_step = matches!(
            action,
            Action::RefreshDue | Action::WalletsRefreshed { .. } | Action::BalanceLoaded { .. }
        );
        let effects = app.update(action);
        hold = refresh_step && app.refresh_in_flight();
        if app.loaded_once && std::time::Instant::now() >= next_report {
            next_report += FRESHNESS_REPORT;
            let (balance, wallet) = app.oldest();
            tracing::info!(
                wallets = app.table.len(),
                oldest_balance_ms = balance.as_millis() as u64,
                oldest_wallet_ms = wallet.as_millis() as u64,
                stale = app.stale_count,
                "freshness"
            );
        }
        if reloaded {
            memory::release_freed();
        }
        for e in effects {
            match e {
                Effect::SetRefresh(every) => refresh = refresh_timer(every),
                e => runner.run(e, term.backend_mut()),
            }
        }
        if app.should_quit {
            break;
        }
    }
    Ok(())
}
