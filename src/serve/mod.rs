//! `flexwallet serve`: the console as an SSH endpoint. Operators log in with their public key
//! (the authorized file names them and their role); each gets their own console, and every
//! console shares one API client, one read cache and one refresh timer. The API key stays here.

pub mod authorized;
mod console;
pub mod host_key;
pub mod input;
mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::HashAlg;
use russh::server::{Config, RunningServerHandle, Server};
use russh::{MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{Client, SharedReads};
use crate::app::Origin;
use crate::audit::Audit;
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_sessions: 32,
            idle_timeout: Some(Duration::from_secs(30 * 60)),
            input_per_sec: 2048,
            input_burst: 8192,
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
    /// The audit log; each console writes through a copy that names its operator.
    pub audit: Option<Arc<Audit>>,
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
    console: ConsoleTemplate,
    limits: Limits,
    sessions: Arc<Semaphore>,
    consoles: TaskTracker,
    shutdown: CancellationToken,
}

struct Acceptor {
    shared: Arc<Shared>,
}

impl Server for Acceptor {
    type Handler = session::Connection;

    fn new_client(&mut self, peer: Option<SocketAddr>) -> session::Connection {
        session::Connection::new(self.shared.clone(), peer)
    }

    fn handle_session_error(&mut self, error: russh::Error) {
        tracing::debug!(%error, "ssh connection ended with an error");
    }
}

/// A running server.
pub struct RunningServe {
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    /// The host key's `SHA256:…` fingerprint, for operators' known_hosts.
    pub host_fingerprint: String,
    shared: Arc<Shared>,
    server: RunningServerHandle,
    task: JoinHandle<std::io::Result<()>>,
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
        self.server.shutdown("flexwallet serve is stopping".into());
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
    let shared = Arc::new(Shared {
        authorized,
        reads: Arc::new(SharedReads::new(client, fresh_for)),
        ticks: ticks.clone(),
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
    let mut acceptor = Acceptor {
        shared: shared.clone(),
    };
    let (handle_tx, handle_rx) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let running = acceptor.run_on_socket(ssh, &listener);
        let _ = handle_tx.send(running.handle());
        running.await
    });
    let server = handle_rx
        .await
        .map_err(|_| "the SSH server task ended before it started".to_string())?;
    tracing::info!(%addr, host_key = %host_fingerprint, max_sessions = config.limits.max_sessions, "ssh console server listening");
    Ok(RunningServe {
        addr,
        host_fingerprint,
        shared,
        server,
        task,
    })
}
