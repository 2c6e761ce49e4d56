//! The console runtime: merges terminal events, API results and timers into actions, runs the
//! reducer's effects as tasks, and redraws when something changed.

mod bulk;
pub mod keys;
pub mod lead;
mod lifecycle;
pub(crate) mod memory;
pub mod runway;
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
use tokio_util::sync::CancellationToken;

use std::sync::Arc;

use crate::api::{Client, Reads};
use crate::app::{Action, App, Effect, Origin};
use crate::audit::{Audit, AuditRecord, AuditUnwritable, Ending};
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
    /// Where every mutation and its outcome is recorded, or why it cannot be: then every write
    /// is refused (the screen says why) and reads go on.
    pub audit: Result<Arc<Audit>, AuditUnwritable>,
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
    /// Over `serve`: the leader whose wallets this console shows (none: it lists its own).
    pub follow: Option<lead::Follow>,
}

/// Another profile, ready to talk to.
pub struct SwitchedProfile {
    pub client: Client,
    pub origin: Origin,
    pub read_only: bool,
    /// The profile's `refresh_secs` (or `--refresh`, which wins).
    pub refresh: Duration,
    /// The profile's `confirm_above`.
    pub confirm_above: Option<rust_decimal::Decimal>,
    pub audit: Result<Arc<Audit>, AuditUnwritable>,
}

/// Builds the client of a named profile (from the config file, env and flags). It may block
/// (a profile's `api_key_command` runs for up to its timeout): the runtime calls it on a
/// blocking thread, and fires the token when the answer is no longer wanted (a newer
/// `:profile`, or the console ends), which stops the command.
pub type ProfileSwitch =
    Arc<dyn Fn(&str, &CancellationToken) -> Result<SwitchedProfile, String> + Send + Sync>;

/// A `:profile` on its way: its blocking task, and the token that stops its key command when
/// this is dropped (superseded by a newer switch, or the console ended).
struct PendingSwitch {
    task: tokio::task::JoinHandle<Result<SwitchedProfile, String>>,
    _stop: tokio_util::sync::DropGuard,
}

/// What a task of the runner is for: one task per slot, and a newer one aborts the older
/// (latest wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    List,
    Customers,
    Rows,
    Balance,
    Changes,
    Changed,
    Usual,
    TopUp,
    Update,
    Create,
    Terminate,
    Debit,
    BulkPlan,
    Ledger,
    LedgerHead,
    RawWallet,
    FindWallet,
    Export,
    Timeline,
    TimelineHead,
    TimelinePending,
    Runway,
}

impl Slot {
    /// A write already sent is left to finish and be audited when the console ends or switches
    /// profile: its outcome must not be lost (an SSH link dropped mid-request).
    fn survives_quit(self) -> bool {
        matches!(
            self,
            Slot::TopUp | Slot::Update | Slot::Create | Slot::Terminate | Slot::Debit
        )
    }
}

/// Every customer's name and external id, oldest first (a walk that customers created
/// meanwhile only extend), one paged list for them all. Each page is cut down to what the list
/// shows before the next is asked: 50,000 whole customers (addresses, metadata) are never
/// held at once.
pub(crate) async fn list_customers(
    reads: &Reads,
) -> Result<crate::app::customers::Customers, crate::api::ApiError> {
    const PAGE: u32 = 1000;
    let mut all = crate::app::customers::Customers::new();
    let mut offset = 0u64;
    loop {
        let filter = crate::api::models::CustomerFilter {
            order: Some("asc".into()),
            limit: Some(PAGE),
            offset: Some(offset),
            ..Default::default()
        };
        let page = reads.client().customers_page(&filter).await?;
        let n = page.items.len();
        let total = page.pagination.map(|p| p.total.max(0) as u64);
        all.extend(crate::app::customers::by_id(page.items));
        offset += n as u64;
        if n < PAGE as usize || n == 0 || total.is_some_and(|t| offset >= t) {
            return Ok(all);
        }
    }
}

/// How often the log says how old the oldest wallet is.
const FRESHNESS_REPORT: Duration = Duration::from_secs(60);

/// Runs effects as tasks, one per [`Slot`].
struct Runner {
    client: Client,
    reads: Reads,
    audit: Result<Arc<Audit>, AuditUnwritable>,
    tx: mpsc::UnboundedSender<Action>,
    slots: HashMap<Slot, AbortHandle>,
    bulk: bulk::BulkRunner,
    profiles: Option<ProfileSwitch>,
    /// The `:profile` being reached, if one is (latest wins).
    switching: Option<PendingSwitch>,
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
            Effect::LoadCustomers { generation } => self.spawn(Slot::Customers, async move {
                Action::CustomersLoaded {
                    generation,
                    result: list_customers(&reads).await,
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
                let intent = AuditRecord::top_up(&wallet_id, &request, Ending::sending());
                let audit = match self.audit_first(&intent) {
                    Ok(audit) => audit,
                    Err(refused) => {
                        let _ = self.tx.send(Action::TopUpDone {
                            wallet_id,
                            result: Err(refused),
                        });
                        return;
                    }
                };
                let tx = self.tx.clone();
                self.spawn(Slot::TopUp, async move {
                    let result = client.top_up(&wallet_id, &request).await;
                    reads.invalidate(&wallet_id);
                    let ending = Ending::of_top_up(&result);
                    record(&audit, AuditRecord::top_up(&wallet_id, &request, ending), &tx);
                    Action::TopUpDone { wallet_id, result }
                })
            }
            Effect::UpdateWallet { wallet_id, request } => {
                let intent = AuditRecord::update_wallet(&wallet_id, &request, Ending::sending());
                let audit = match self.audit_first(&intent) {
                    Ok(audit) => audit,
                    Err(refused) => {
                        let _ = self.tx.send(Action::UpdateDone {
                            wallet_id,
                            result: Err(refused),
                        });
                        return;
                    }
                };
                let tx = self.tx.clone();
                self.spawn(Slot::Update, async move {
                    let result = client.update_wallet(&wallet_id, &request).await.map(Box::new);
                    reads.invalidate(&wallet_id);
                    let ending = Ending::of_update(&result);
                    record(
                        &audit,
                        AuditRecord::update_wallet(&wallet_id, &request, ending),
                        &tx,
                    );
                    Action::UpdateDone { wallet_id, result }
                })
            }
            Effect::CreateWallet { request, follow_up } => self.create_wallet(request, follow_up),
            Effect::Terminate { wallet_id } => self.terminate(wallet_id),
            Effect::Debit { wallet_id, request } => self.debit(wallet_id, request),
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
                // Each row's line is written after its answer (the journal is the job's record
                // ahead of sending, and a failed line stops the job): here the log must still
                // take lines before the first row goes.
                match self.audit.clone().and_then(|a| a.ready().map(|()| a)) {
                    Ok(audit) => self
                        .bulk
                        .start(&client, Some(audit), &plan, &journal_path, &self.tx),
                    Err(why) => {
                        let _ = self.tx.send(Action::AuditLog(Err(why.to_string())));
                        let _ = self.tx.send(Action::BulkFailed(format!("read-only: {why}")));
                    }
                }
            }
            Effect::CancelBulk => self.bulk.cancel(),
            Effect::ExportResults {
                path,
                report,
                protect,
                replace,
            } => {
                // Locally a file there is replaced only once the operator said so; over
                // `serve` never (the refusal says so).
                let answer = if !replace && !self.contained && path.symlink_metadata().is_ok() {
                    crate::app::overwrite::exists(path, crate::app::overwrite::PendingWrite::Results)
                } else {
                    Action::ResultsExported(bulk::export(
                        &path,
                        &report,
                        &protect,
                        replace && !self.contained,
                    ))
                };
                let _ = self.tx.send(answer);
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
            Effect::ExportView {
                path,
                wallets,
                customers,
                replace,
            } => self.spawn(Slot::Export, async move {
                if !replace && !contained && path.symlink_metadata().is_ok() {
                    return crate::app::overwrite::exists(path, crate::app::overwrite::PendingWrite::View);
                }
                let result = tokio::task::spawn_blocking(move || {
                    crate::report::export_wallets(&path, &wallets, &customers, replace && !contained)
                        .map(|n| (path, n))
                })
                .await
                .unwrap_or_else(|e| Err(format!("the export task failed: {e}")));
                Action::ViewExported(result)
            }),
            Effect::LoadTimeline {
                generation,
                head,
                search,
            } => {
                let slot = if head { Slot::TimelineHead } else { Slot::Timeline };
                self.spawn(slot, async move {
                    let result = client.search_transactions_page(&search).await;
                    Action::TimelineLoaded {
                        generation,
                        head,
                        result,
                    }
                })
            }
            Effect::RecheckTimeline { generation, search } => self.spawn(Slot::TimelinePending, async move {
                let result = client.search_transactions_page(&search).await;
                Action::TimelineRechecked { generation, result }
            }),
            Effect::ExportTimeline {
                path,
                header,
                rows,
                replace,
            } => self.spawn(Slot::Export, async move {
                if !replace && !contained && path.symlink_metadata().is_ok() {
                    return crate::app::overwrite::exists(
                        path,
                        crate::app::overwrite::PendingWrite::Timeline,
                    );
                }
                let result = tokio::task::spawn_blocking(move || {
                    crate::report::export_csv(&path, replace && !contained, |out| {
                        crate::report::write_rows_csv(&header, &rows, out)
                    })
                    .map(|n| (path, n))
                })
                .await
                .unwrap_or_else(|e| Err(format!("the export task failed: {e}")));
                Action::TimelineExported(result)
            }),
            Effect::SwitchProfile(name) => match self.profiles.clone() {
                None => {
                    let _ = self.tx.send(Action::ProfileSwitched(Err(
                        "no other profile here: --demo and flexwallet serve each talk to one".to_string(),
                    )));
                }
                Some(switch) => {
                    // Off the event loop: the profile's key command may take its time (a
                    // password manager), and the console keeps drawing and answering keys.
                    // Replacing a switch still on its way stops that one's command.
                    let stop = CancellationToken::new();
                    let token = stop.clone();
                    let task = tokio::task::spawn_blocking(move || switch(&name, &token));
                    self.switching = Some(PendingSwitch {
                        task,
                        _stop: stop.drop_guard(),
                    });
                }
            },
            // The event loop owns the timer and handles it before effects reach the runner.
            Effect::LoadRunway { generation, window } => {
                let tx = self.tx.clone();
                self.spawn(Slot::Runway, runway::run(client, generation, window, tx));
            }
            Effect::SetRefresh(_) => {}
            // The event loop hands it to the leader.
            Effect::Share { .. } => {}
            Effect::Quit => {}
        }
    }

    /// The answer of the `:profile` on its way; pending while there is none. Cancel-safe: the
    /// switch stays pending if this is dropped before it answers.
    async fn switched(&mut self) -> Result<SwitchedProfile, String> {
        let Some(pending) = self.switching.as_mut() else {
            return std::future::pending().await;
        };
        let answer = (&mut pending.task)
            .await
            .unwrap_or_else(|e| Err(format!("the profile switch failed: {e}")));
        self.switching = None;
        answer
    }

    /// Talks to the switched profile from now on (or keeps the old one if the switch failed),
    /// and tells the reducer. Writes already sent finish with the profile they were sent to.
    fn finish_switch(&mut self, result: Result<SwitchedProfile, String>) {
        let answer = result.map(|p| {
            // Answers still on their way belong to the old profile.
            self.abort_all();
            self.reads = Reads::Direct(p.client.clone());
            self.client = p.client;
            self.audit = p.audit;
            crate::app::Switched {
                origin: p.origin,
                read_only: p.read_only,
                refresh: p.refresh,
                confirm_above: p.confirm_above,
            }
        });
        let switched = answer.is_ok();
        let _ = self.tx.send(Action::ProfileSwitched(answer));
        if switched {
            // The other profile's log: writable or not, the gate follows it.
            let state = self.audit.as_ref().map(drop).map_err(ToString::to_string);
            let _ = self.tx.send(Action::AuditLog(state));
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

impl Runner {
    /// The audit log, once the line of a write about to be sent (its intent: outcome
    /// `sending`) is in it. If the log has no room for it, nothing is sent: the gate is told
    /// (writes are refused from now on, with the reason on screen) and the error returned is
    /// the write's answer.
    fn audit_first(&mut self, intent: &AuditRecord) -> Result<Arc<Audit>, crate::api::ApiError> {
        let written = self.audit.clone().and_then(|a| {
            a.ready()?;
            a.append_or_refuse(intent)?;
            Ok(a)
        });
        written.map_err(|why| {
            tracing::error!(%why, "a write refused: its audit line cannot be written");
            let _ = self.tx.send(Action::AuditLog(Err(why.to_string())));
            crate::api::ApiError::Invalid(format!("not sent: read-only: {why}"))
        })
    }
}

/// Appends the outcome's line of a write already sent. If it fails, the outcome is in the
/// application log, and the gate is told: no further write goes until the log is back.
fn record(audit: &Audit, rec: AuditRecord, tx: &mpsc::UnboundedSender<Action>) {
    if let Err(why) = audit.append_or_refuse(&rec) {
        tracing::error!(%why, record = ?rec, "cannot write the audit log: the outcome is here instead");
        let _ = tx.send(Action::AuditLog(Err(why.to_string())));
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
    let panic_at = opts
        .test_panic_after
        .and_then(|d| tokio::time::Instant::now().checked_add(d));
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
        follow: None,
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
    // A first tick beyond what the clock can count would never come: no timer, not a panic.
    let first = tokio::time::Instant::now()
        .checked_add(every)
        .filter(|_| !every.is_zero())?;
    let mut i = tokio::time::interval_at(first, every);
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
        switching: None,
        contained: matches!(opts.files, crate::app::FilePolicy::Within(_)),
    };
    let result = drive(term, io, &mut runner, rx, opts).await;
    // A switch still on its way is not wanted any more: its key command is stopped.
    runner.switching = None;
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
    // The core's monotonic clock counts from here, or from the leader's start when following
    // one: the picture's moments are the leader's.
    let origin = io.follow.as_ref().map_or_else(Instant::now, |f| f.origin);
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
    // No audit log, no writes: said on screen from the first frame (stderr is hidden under
    // the alternate screen, and over SSH it is the server's).
    if let Err(why) = &runner.audit {
        app.update(Action::AuditLog(Err(why.to_string())));
    }
    // The viewport, not the backend's size: over SSH the backend is a channel, and its size
    // is the client's pty, not this process's terminal.
    let size = term.get_frame().area();
    app.update(Action::Resize(size.width, size.height));
    let ConsoleIo {
        mut events,
        mut refresh,
        mut shutdown,
        follow,
    } = io;
    let (mut pictures, share) = match follow {
        Some(f) => {
            app.feed = crate::app::share::Feed::Follow;
            (Some(f.pictures), Some(f.share))
        }
        None => (None, None),
    };
    let mut first = app.start();
    if let Some(p) = pictures.as_mut() {
        let now = p.borrow_and_update().clone();
        first.extend(app.update(Action::Followed(now)));
    }
    for e in first {
        runner.run(e, term.backend_mut());
    }

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
            switched = runner.switched() => {
                // Its answers (`ProfileSwitched`, the audit log's state) come through `rx`.
                runner.finish_switch(switched);
                continue;
            }
            _ = async { match refresh.as_mut() { Some(r) => { r.next().await; } None => std::future::pending().await } } => Action::RefreshDue,
            Some(picture) = async { match pictures.as_mut() { Some(p) => p.changed().await.ok().map(|()| p.borrow_and_update().clone()), None => std::future::pending().await } } => Action::Followed(picture),
            _ = tokio::time::sleep(tick) => Action::Tick { now: moment(), clock: chrono::Utc::now() },
            _ = &mut shutdown => break,
        };
        // Results and keys arrive between ticks: keep the reducer's clock current.
        if !matches!(action, Action::Tick { .. }) {
            app.now = moment();
            app.clock = chrono::Utc::now();
        }
        let reloaded = matches!(
            action,
            Action::WalletsLoaded { .. } | Action::CustomersLoaded { .. }
        );
        let refresh_step = matches!(
            action,
            Action::RefreshDue | Action::WalletsRefreshed { .. } | Action::BalanceLoaded { .. }
        );
        let held_plan = bulk::holds_plan(&app) || matches!(action, Action::BulkPlanned { .. });
        let effects = app.update(action);
        let dropped_plan = held_plan && !bulk::holds_plan(&app);
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
        if reloaded || dropped_plan {
            memory::release_freed();
        }
        for e in effects {
            match e {
                Effect::SetRefresh(every) => refresh = refresh_timer(every),
                Effect::Share { wallets, failed } => {
                    if let Some(s) = &share {
                        let _ = s.send((wallets, failed));
                    }
                }
                e => runner.run(e, term.backend_mut()),
            }
        }
        if app.should_quit {
            break;
        }
    }
    Ok(())
}
