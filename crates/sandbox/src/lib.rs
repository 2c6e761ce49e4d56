//! The Flexprice-compatible sandbox server (routes, SQLite store, faults, seed data).
//!
//! `flexwallet sandbox` runs it as a process; [`start_embedded`] and [`start_demo`] run it inside
//! the current tokio runtime (for `--demo` and tests). Everything under `/v1` answers as
//! Flexprice does (WALLET_API.md); `/_sandbox/…` holds the sandbox's own controls.

mod auth;
mod burn;
pub mod error;
pub mod faults;
pub mod ledger;
pub mod options;
pub mod records;
mod routes;
pub mod seed;
mod server;
mod state;
pub mod store;
mod validate;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::FaultSettings;
use ledger::ports::Actor;
pub use options::{FaultOptions, SandboxOptions};
pub use seed::SeedReport;
use state::{AppState, Keys};

/// Credits per minute the demo burns by default.
pub const DEMO_BURN: u64 = 600;

/// The tenant and user every sandbox key stands for.
pub const TENANT_ID: &str = "tenant_sandbox";
pub const USER_ID: &str = "user_sandbox";

/// A sandbox running inside this process (for `--demo` and tests). It serves until
/// [`EmbeddedSandbox::shutdown`] or the end of the runtime.
pub struct EmbeddedSandbox {
    /// Base URL including `/v1`.
    pub url: String,
    pub api_key: String,
    pub environment_id: String,
    /// The bound address (the real port when asked for port 0).
    pub addr: SocketAddr,
    /// What seeding loaded, when it ran.
    pub seeded: Option<SeedReport>,
    /// How long opening the database and seeding took.
    pub startup: Duration,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl fmt::Debug for EmbeddedSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedSandbox")
            .field("url", &self.url)
            .field("api_key", &"[redacted]")
            .field("environment_id", &self.environment_id)
            .finish()
    }
}

impl EmbeddedSandbox {
    /// `http://127.0.0.1:PORT` (no `/v1`): where `/_sandbox/…` lives.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests served under `/v1` since start (`GET /_sandbox/stats` is not one of them).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn faults(&self) -> FaultSettings {
        self.state.faults.settings()
    }

    /// Switches faults at run time (like `POST /_sandbox/faults`).
    pub fn set_faults(&self, settings: FaultSettings) -> Result<()> {
        settings.check().map_err(|e| eyre!(e))?;
        self.state.faults.set(settings);
        Ok(())
    }

    /// Stops accepting, lets open requests finish, and waits for the server to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.server.await {
            tracing::warn!(error = %e, "sandbox server task ended abnormally");
        }
    }
}

fn actor(args: &SandboxOptions) -> Actor {
    Actor {
        tenant_id: TENANT_ID.into(),
        environment_id: args.environment_id.clone(),
        user_id: USER_ID.into(),
    }
}

/// Opens (and seeds) the database, binds, and serves in background tasks.
pub async fn start_embedded(args: SandboxOptions) -> Result<EmbeddedSandbox> {
    let started = Instant::now();
    let settings = FaultSettings::from(&args.faults);
    settings.check().map_err(|e| eyre!("--{}", e.replace('_', "-")))?;
    let actor = actor(&args);
    let plan = seed::SeedPlan {
        demo: args.demo_data,
        wallets: args.wallets,
        seed: args.seed,
    };
    let db_path = args.db.clone();
    let seed_actor = actor.clone();
    let (db, seeded) = tokio::task::spawn_blocking(move || -> Result<_> {
        let mut db = store::Db::open(db_path.as_deref()).wrap_err_with(|| match &db_path {
            Some(p) => format!("opening the sandbox database {}", p.display()),
            None => "opening the in-memory sandbox database".into(),
        })?;
        let seeded = seed::seed(&mut db, &plan, &seed_actor)
            .map_err(|e| eyre!("seeding the sandbox: {}", e.message))?;
        Ok((db, seeded))
    })
    .await
    .wrap_err("the seeding task failed")??;
    let startup = started.elapsed();
    let listener = TcpListener::bind(args.addr)
        .await
        .wrap_err_with(|| format!("binding the sandbox to {}", args.addr))?;
    let addr = listener.local_addr().wrap_err("reading the bound address")?;
    let faults = Arc::new(faults::Faults::new(settings, args.seed));
    let keys = Keys {
        api_key: args.api_key.clone(),
        unbound_api_key: args.unbound_api_key.clone(),
        read_only_api_key: args.read_only_api_key.clone(),
    };
    let state =
        Arc::new(AppState::new(db, actor, keys, faults, args.seed).wrap_err("starting the database thread")?);
    let (stop, stop_rx) = watch::channel(false);
    let app = routes::router(state.clone());
    let server = tokio::spawn(server::serve(listener, app, stop_rx.clone()));
    burn::spawn(state.clone(), args.burn, args.seed, stop_rx);
    Ok(EmbeddedSandbox {
        url: format!("http://{addr}/v1"),
        api_key: args.api_key,
        environment_id: args.environment_id,
        addr,
        seeded,
        startup,
        state,
        stop,
        server,
    })
}

/// The `--demo` sandbox: a free loopback port, a fresh random key, the demo data set, and
/// `burn` credits per minute of live motion (0 = still, for exact checks).
pub async fn start_demo(burn: u64) -> Result<EmbeddedSandbox> {
    let args = SandboxOptions {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        api_key: format!("sk_demo_{}", uuid::Uuid::new_v4().simple()),
        environment_id: "env_demo".into(),
        demo_data: true,
        burn,
        ..SandboxOptions::default()
    };
    start_embedded(args).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn terminated() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// `flexwallet sandbox`: serve until Ctrl-C / SIGTERM. The first stdout line is
/// `listening on http://ADDR/v1`; everything else goes to stderr.
pub async fn run(args: SandboxOptions) -> Result<()> {
    use std::io::Write;
    let sb = start_embedded(args).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", sb.url).wrap_err("writing to stdout")?;
        out.flush().wrap_err("writing to stdout")?;
    }
    if let Some(r) = sb.seeded {
        eprintln!(
            "seeded {} wallets, {} transactions, {} customers in {:.2?} (ledger {:.2?}, SQLite {:.2?})",
            r.wallets, r.transactions, r.customers, sb.startup, r.built_in, r.loaded_in
        );
    }
    eprintln!(
        "environment {} (send the API key in x-api-key); faults: {}/_sandbox/faults",
        sb.environment_id,
        sb.root_url()
    );
    terminated().await;
    eprintln!("shutting down");
    sb.shutdown().await;
    Ok(())
}
