//! `flexwallet serve`: the console as an SSH endpoint. Operators log in with their public key
//! (the authorized file names them and their role); each gets their own console, and every
//! console shares one API client, one read cache and one refresh timer. The API key stays here.

pub mod authorized;
mod console;
pub mod host_key;
pub mod input;
mod session;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::HashAlg;
use russh::server::Config;
use russh::{MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{Client, SharedReads};
use crate::app::Origin;
use crate::audit::{Audit, AuditUnwritable};
use crate::cli::ColorMode;
use crate::keymap::Keymap;
use authorized::Authorized;

/// How often the authorized file is checked for changes.
pub const AUTHORIZED_POLL: Duration = Duration::from_secs(2);
/// How long stopping the server waits for consoles to finish (bulk rows in flight included).
const STOP_FOR: Duration = Duration::from_secs(20);

/// Per-connection limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Consoles open at once; more are refused with a message.
    pub max_sessions: usize,
    /// No input for this long ends the console (None: never).
    pub idle_timeout: Option<Duration>,
    /// Input bytes per second per connection, sustained, and in one burst; excess is dropped.
    pub input_per_sec: u32,
    pub input_burst: u32,
    /// A connection that has not logged in this long after it opened is closed.
    pub login_deadline: Duration,
    /// Connections not logged in yet, in all and from one address; more are closed at once.
    pub max_unauthenticated: usize,
    pub max_unauthenticated_per_ip: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 32,
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            input_per_sec: 2048,
            input_burst: 8192,
            login_deadline: Duration::from_secs(20),
            max_unauthenticated: 64,
            max_unauthenticated_per_ip: 8,
        }
    }
}

/// What every console of the server starts from.
#[derive(Clone)]
pub struct ConsoleTemplate {
    pub keymap: Keymap,
    pub origin: Origin,
    /// The profile's read-only: every role is a viewer then.
    pub read_only: bool,
    pub refresh: Duration,
    pub confirm_above: Option<rust_decimal::Decimal>,
    pub color: ColorMode,
    /// The audit log; each console writes through a copy that names its operator. Without
    /// one (it cannot be written), every console refuses writes and says why.
    pub audit: Result<Arc<Audit>, AuditUnwritable>,
    /// Each operator's `:export` and `:import` files live in `<files_dir>/<name>`; `None`
    /// refuses file actions over SSH.
    pub files_dir: Option<PathBuf>,
    /// Test-only: the consoles of this operator panic after this long (crash isolation tests).
    pub test_panic: Option<(String, Duration)>,
}

pub struct ServeConfig {
    pub addr: SocketAddr,
    pub host_key: PathBuf,
    pub authorized: PathBuf,
    pub authorized_poll: Duration,
    pub limits: Limits,
    pub console: ConsoleTemplate,
}

/// What the connections share.
pub(crate) struct Shared {
    authorized: watch::Receiver<Arc<Authorized>>,
    reads: Arc<SharedReads>,
    /// The one refresh timer every console follows, so their reads coincide and coalesce.
    ticks: broadcast::Sender<()>,
    /// The one list of wallets, refreshed once for every console: each session's console
    /// follows its picture and keeps only its own order, filter and selection.
    leader: crate::tui::lead::Follow,
    console: ConsoleTemplate,
    limits: Limits,
    sessions: Arc<Semaphore>,
    consoles: TaskTracker,
    shutdown: CancellationToken,
}

/// Connections that have not logged in yet, in all and by source address.
#[derive(Default)]
struct Unauthenticated {
    by_ip: std::sync::Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place among the unauthenticated: given back at login or at its end.
struct Waiting {
    of: Arc<Unauthenticated>,
    ip: IpAddr,
    held: bool,
}

impl Unauthenticated {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.by_ip.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a new connection from `ip`, or `None` when the caps are reached.
    fn enter(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Waiting> {
        let mut by_ip = self.lock();
        let total: usize = by_ip.values().sum();
        let here = by_ip.get(&ip).copied().unwrap_or(0);
        if total >= limits.max_unauthenticated || here >= limits.max_unauthenticated_per_ip {
            return None;
        }
        by_ip.insert(ip, here + 1);
        Some(Waiting {
            of: self.clone(),
            ip,
            held: true,
        })
    }
}

impl Waiting {
    fn leave(&mut self) {
        if !std::mem::take(&mut self.held) {
            return;
        }
        let mut by_ip = self.of.lock();
        if let Some(n) = by_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by_ip.remove(&self.ip);
            }
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Accepts connections until `stop`: every accept error (out of file descriptors included) is
/// logged and waited out, never the end of the loop, so while the process lives the port
/// answers. Connections not logged in are capped and given [`Limits::login_deadline`].
async fn accept_loop(shared: Arc<Shared>, ssh: Arc<Config>, listener: TcpListener, stop: CancellationToken) {
    let waiting = Arc::new(Unauthenticated::default());
    let connections = TaskTracker::new();
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.cancelled() => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                backoff = ACCEPT_BACKOFF_MIN;
                a
            }
            Err(error) => {
                tracing::warn!(%error, wait_ms = backoff.as_millis() as u64, "accepting an SSH connection failed; accepting again after a pause");
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.cancelled() => break,
                }
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                continue;
            }
        };
        let Some(place) = waiting.enter(peer.ip(), &shared.limits) else {
            tracing::warn!(%peer, "too many connections not logged in: closed at once");
            drop(stream);
            continue;
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "set_nodelay failed");
        }
        let logged_in = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handler = session::Connection::new(shared.clone(), Some(peer), logged_in.clone());
        let (ssh, stop, deadline) = (ssh.clone(), stop.clone(), shared.limits.login_deadline);
        connections.spawn(serve_connection(
            ssh, stream, handler, place, logged_in, deadline, stop,
        ));
    }
    connections.close();
    if tokio::time::timeout(Duration::from_secs(5), connections.wait())
        .await
        .is_err()
    {
        tracing::warn!("SSH connections still open after the server stopped");
    }
}

/// One connection: the SSH session until it ends, the server stops, or it has not logged in by
/// its deadline.
async fn serve_connection(
    ssh: Arc<Config>,
    stream: tokio::net::TcpStream,
    handler: session::Connection,
    mut place: Waiting,
    logged_in: Arc<std::sync::atomic::AtomicBool>,
    deadline: Duration,
    stop: CancellationToken,
) {
    use std::sync::atomic::Ordering;
    let late = tokio::time::Instant::now() + deadline;
    let session = match tokio::time::timeout_at(late, russh::server::run_stream(ssh, stream, handler)).await {
        Ok(Ok(s)) => s,
        Ok(Err(error)) => {
            tracing::debug!(%error, "ssh connection setup failed");
            return;
        }
        Err(_) => return,
    };
    let handle = session.handle();
    tokio::pin!(session);
    let mut waiting_login = true;
    loop {
        tokio::select! {
            result = &mut session => {
                if let Err(error) = result {
                    tracing::debug!(%error, "ssh connection ended with an error");
                }
                return;
            }
            _ = tokio::time::sleep_until(late), if waiting_login => {
                if logged_in.load(Ordering::SeqCst) {
                    waiting_login = false;
                    place.leave();
                    continue;
                }
                tracing::info!("ssh connection closed: no login within {deadline:?}");
                let _ = handle
                    .disconnect(russh::Disconnect::ByApplication, "no login in time".into(), String::new())
                    .await;
                return;
            }
            _ = tokio::time::sleep(Duration::from_millis(250)), if waiting_login && !logged_in.load(Ordering::SeqCst) => {}
            _ = async {}, if waiting_login && logged_in.load(Ordering::SeqCst) => {
                waiting_login = false;
                place.leave();
            }
            _ = stop.cancelled() => {
                let _ = handle
                    .disconnect(russh::Disconnect::ByApplication, "flexwallet serve is stopping".into(), String::new())
                    .await;
                return;
            }
        }
    }
}

/// Pauses of the accept loop after an accept error: doubling from the first to the last.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(50);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// A running server.
pub struct RunningServe {
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    /// The host key's `SHA256:…` fingerprint, for operators' known_hosts.
    pub host_fingerprint: String,
    shared: Arc<Shared>,
    /// Ends the accept loop and disconnects every connection.
    disconnect: CancellationToken,
    task: JoinHandle<()>,
}

impl RunningServe {
    /// Consoles open now.
    pub fn sessions(&self) -> usize {
        self.shared.limits.max_sessions - self.shared.sessions.available_permits()
    }

    /// Ends every console (bulk jobs finish their rows in flight, the screen is given back),
    /// then stops listening and closes the connections.
    pub async fn stop(self) {
        self.shared.shutdown.cancel();
        self.shared.consoles.close();
        if tokio::time::timeout(STOP_FOR, self.shared.consoles.wait())
            .await
            .is_err()
        {
            tracing::warn!("consoles still running after {STOP_FOR:?}: stopping anyway");
        }
        self.disconnect.cancel();
        let _ = self.task.await;
    }
}

/// Binds, loads the host key and the authorized file, and serves in background tasks.
pub async fn start(client: Client, config: ServeConfig) -> Result<RunningServe, String> {
    let host_key = host_key::load_or_generate(&config.host_key)?;
    let host_fingerprint = host_key.public_key().fingerprint(HashAlg::Sha256).to_string();
    let authorized =
        authorized::watch(config.authorized.clone(), config.authorized_poll).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("binding the SSH server to {}: {e}", config.addr))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("reading the bound address: {e}"))?;

    let refresh = config.console.refresh;
    // A kept answer is at most half a refresh old: every console stays as fresh as its own
    // refresh would keep it, and a console that opens between ticks costs nothing.
    let fresh_for = if refresh.is_zero() {
        Duration::from_secs(2)
    } else {
        refresh / 2
    };
    let (ticks, _) = broadcast::channel(4);
    let shutdown = CancellationToken::new();
    let leader = crate::tui::lead::spawn(
        crate::api::Reads::Direct(client.clone()),
        refresh,
        console::ticks(&ticks, refresh),
        shutdown.clone(),
    )?;
    let shared = Arc::new(Shared {
        authorized,
        reads: Arc::new(SharedReads::new(client, fresh_for)),
        ticks: ticks.clone(),
        leader,
        console: config.console,
        limits: config.limits.clone(),
        sessions: Arc::new(Semaphore::new(config.limits.max_sessions)),
        consoles: TaskTracker::new(),
        shutdown: shutdown.clone(),
    });
    if let Some(mut timer) = crate::tui::refresh_timer(refresh) {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            use futures::StreamExt;
            loop {
                tokio::select! {
                    _ = timer.next() => { let _ = ticks.send(()); }
                    _ = shutdown.cancelled() => break,
                }
            }
        });
    }

    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    let ssh = Arc::new(Config {
        keys: vec![host_key],
        methods,
        auth_rejection_time: Duration::from_millis(500),
        // OpenSSH clients first try "none" to learn the methods: no need to make them wait.
        auth_rejection_time_initial: Some(Duration::ZERO),
        // Idle consoles are ended by --idle-timeout, which counts the operator's input only;
        // dead links are found by keepalives.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    });
    let disconnect = CancellationToken::new();
    let task = tokio::spawn(accept_loop(shared.clone(), ssh, listener, disconnect.clone()));
    tracing::info!(%addr, host_key = %host_fingerprint, max_sessions = config.limits.max_sessions, "ssh console server listening");
    Ok(RunningServe {
        addr,
        host_fingerprint,
        shared,
        disconnect,
        task,
    })
}
