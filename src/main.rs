//! CLI entry: parse arguments, pick the mode, install hooks.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;
use color_eyre::eyre::{Result, WrapErr};
use secrecy::SecretString;

use flexwallet::api::{Client, ClientConfig};
use flexwallet::cli::{Cli, Command};
use flexwallet::config::{self, ConfigError, Overrides, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    install_panic_report();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("flexwallet: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain as one line ("context: cause: cause"): a sentence for the operator,
            // with nothing from outside that a terminal would take as a command. Never a
            // backtrace, whatever RUST_BACKTRACE says: an error is not a bug (a panic is, and
            // its report has one). A closed stderr is not worth a panic.
            let chain = format!("{e:#}");
            let line = flexwallet::api::text::clean(&chain);
            let _ = writeln!(std::io::stderr(), "flexwallet: {line}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// color-eyre's report for panics (the terminal is restored first, see `tui::terminal`):
/// plain, without colour codes, when stderr is not a terminal or `NO_COLOR` is set, so a log
/// file or a journal gets text.
fn install_panic_report() {
    use color_eyre::config::{HookBuilder, Theme};
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let plain = no_color || !std::io::stderr().is_terminal();
    let mut hooks = HookBuilder::default()
        .display_env_section(false)
        .capture_span_trace_by_default(false);
    if plain {
        hooks = hooks.theme(Theme::new());
    }
    if let Err(e) = hooks.install() {
        let _ = writeln!(std::io::stderr(), "flexwallet: no panic report: {e}");
    }
}

/// The console draws on a terminal and reads its keys from one: without (a pipe, /dev/null, a
/// cron job) it says so, rather than failing deep inside the terminal library.
fn needs_terminal() -> Result<(), UsageError> {
    use std::io::IsTerminal;
    let missing = match (std::io::stdin().is_terminal(), std::io::stdout().is_terminal()) {
        (true, true) => return Ok(()),
        (false, true) => "stdin is not one",
        (true, false) => "stdout is not one",
        (false, false) => "neither stdin nor stdout is one",
    };
    Err(UsageError(format!(
        "the console needs a terminal, and {missing}; for scripts use `flexwallet wallets …` or \
         `flexwallet topup …`, and `flexwallet serve` offers the console over SSH"
    )))
}

/// A mistake in how flexwallet was started (flags, config, missing key): exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// 2 for usage and configuration errors (as clap does for bad flags), 1 for everything else.
fn exit_code(e: &color_eyre::Report) -> u8 {
    // A keymap file is configuration too (README: "bad config file" is 2).
    let usage = e.chain().any(|c| {
        c.downcast_ref::<ConfigError>().is_some()
            || c.downcast_ref::<UsageError>().is_some()
            || c.downcast_ref::<flexwallet::keymap::KeymapError>().is_some()
    });
    if usage { 2 } else { 1 }
}

/// `flexwallet wallets list | head` closes our stdout early: not an error.
fn is_broken_pipe(e: &color_eyre::Report) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

fn overrides(cli: &Cli) -> Overrides {
    Overrides {
        profile: cli.profile.clone(),
        api_url: cli.api_url.clone(),
        environment_id: cli.environment_id.clone(),
        read_only: cli.read_only,
        refresh_secs: cli.refresh,
    }
}

/// Settings for the console and the client: the embedded demo sandbox, or config + env + flags.
/// The sandbox handle must outlive every use of the settings: dropping it stops the server.
async fn settings(cli: &Cli) -> Result<(Settings, Option<flexwallet::sandbox::EmbeddedSandbox>)> {
    if cli.demo {
        let burn = cli.burn.unwrap_or(flexwallet::sandbox::DEMO_BURN);
        let sb = flexwallet::sandbox::start_demo(burn)
            .await
            .wrap_err("starting the demo sandbox")?;
        let settings = Settings {
            profile: Some("demo".into()),
            api_url: sb.url.clone(),
            environment_id: Some(sb.environment_id.clone()),
            api_key: Some(SecretString::from(sb.api_key.clone())),
            key_source: "the demo sandbox's key".into(),
            read_only: cli.read_only,
            refresh_secs: cli.refresh.unwrap_or(config::DEFAULT_REFRESH_SECS),
            confirm_above: None,
            max_reply_mb: flexwallet::api::client::DEFAULT_MAX_REPLY_MB,
        };
        return Ok((settings, Some(sb)));
    }
    let settings = config::load_settings(cli.config.as_deref(), &overrides(cli))?;
    tracing::info!(%settings, "settings");
    Ok((settings, None))
}

fn client(settings: &Settings) -> Result<Client> {
    let key = settings.api_key.clone().ok_or_else(|| {
        UsageError(format!(
            "no API key: set {} or a profile's api_key_env / api_key_command (or try --demo)",
            config::ENV_API_KEY
        ))
    })?;
    let mut cfg = ClientConfig::new(settings.api_url.clone(), key);
    cfg.environment_id = settings.environment_id.clone();
    cfg.max_reply_bytes = settings.max_reply_mb.saturating_mul(1024 * 1024);
    // Client::new only refuses what was configured (URL, key or environment characters).
    Client::new(cfg).map_err(|e| UsageError(e.to_string()).into())
}

/// The audit log, or why it cannot be written: the console still runs then, refusing every
/// write and saying why on screen.
fn open_audit(
    settings: &Settings,
    client: &Client,
) -> Result<std::sync::Arc<flexwallet::audit::Audit>, flexwallet::audit::AuditUnwritable> {
    use flexwallet::audit::{Audit, AuditContext};
    let context = AuditContext {
        user: AuditContext::os_user(),
        profile: settings.profile.clone(),
        api_host: client.host().to_string(),
        environment: settings.environment_id.clone(),
    };
    Audit::open_for_writes(&Audit::default_path(), context)
        .map(std::sync::Arc::new)
        .inspect_err(|why| tracing::error!(%why, "writes refused: cannot open the audit log"))
}

/// `:profile NAME` in the console: that profile's settings from the same config file and
/// environment (the command line's URL and environment were meant for the first profile).
fn profile_switch(cli: &Cli) -> flexwallet::tui::ProfileSwitch {
    let config_path = cli.config.clone();
    let base = overrides(cli);
    std::sync::Arc::new(move |name: &str, cancel: &tokio_util::sync::CancellationToken| {
        let flags = Overrides {
            profile: Some(name.to_string()),
            api_url: None,
            environment_id: None,
            ..base.clone()
        };
        // Without the file's path: the status line has room for the reason (a key command's
        // stderr) only.
        let settings = config::load_settings_cancellable(config_path.as_deref(), &flags, cancel)
            .map_err(|e| format!("{}: {}", e.key, e.message))?;
        let client = client(&settings).map_err(|e| format!("{e:#}"))?;
        let origin = flexwallet::app::Origin {
            profile: name.to_string(),
            host: client.host().to_string(),
            environment: settings.environment_id.clone(),
            key_source: settings.key_source.clone(),
        };
        Ok(flexwallet::tui::SwitchedProfile {
            audit: open_audit(&settings, &client),
            read_only: settings.read_only,
            refresh: std::time::Duration::from_secs(settings.refresh_secs),
            confirm_above: settings.confirm_above,
            client,
            origin,
        })
    })
}

async fn run(mut cli: Cli) -> Result<ExitCode> {
    let state_dir = config::state_dir();
    let log_level = cli.log_level.clone();
    flexwallet::logging::filter(log_level.as_deref()).map_err(UsageError)?;
    if let Err(e) = flexwallet::logging::init(&state_dir, log_level.as_deref()) {
        eprintln!("flexwallet: logging disabled: {e}");
    }
    let command = cli.command.take();
    match command {
        Some(Command::Completions { shell }) => {
            // Written here, not by clap_complete, which panics when `| head` closes the pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "flexwallet", &mut script);
            let mut out = std::io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Sandbox(args)) => {
            flexwallet::sandbox::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Wallets(cmd)) => {
            let (settings, _sandbox) = settings(&cli).await?;
            let client = client(&settings)?;
            let mut out = std::io::stdout().lock();
            flexwallet::report::run(&client, cmd, &mut out).await?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Topup(args)) => {
            let result = async {
                let (settings, _sandbox) = settings(&cli).await?;
                let client = client(&settings)?;
                flexwallet::bulk::cli::run(&args, &settings, client).await
            }
            .await;
            // topup's own contract: 2 means rows failed, so any error before the job (flags,
            // config, API key, CSV) is 1, "nothing started".
            result.or_else(|e| {
                eprintln!("flexwallet: {}", flexwallet::api::text::clean(&format!("{e:#}")));
                Ok(ExitCode::from(flexwallet::bulk::cli::EXIT_NOTHING_STARTED))
            })
        }
        Some(Command::Serve(args)) => serve(&cli, &args).await,
        None => {
            needs_terminal()?;
            let keymap = keymap(&cli)?;
            let (settings, _sandbox) = settings(&cli).await?;
            let client = client(&settings)?;
            let theme = flexwallet::ui::Theme::detect(
                cli.color,
                std::env::var("NO_COLOR").ok().as_deref(),
                std::env::var("COLORTERM").ok().as_deref(),
            );
            let origin = origin(&settings, &client);
            let opts = flexwallet::tui::ConsoleOptions {
                keymap,
                theme,
                read_only: settings.read_only,
                refresh: std::time::Duration::from_secs(settings.refresh_secs),
                origin,
                test_panic_after: cli.test_panic_after.map(std::time::Duration::from_millis),
                audit: open_audit(&settings, &client),
                confirm_above: settings.confirm_above,
                profiles: (!cli.demo).then(|| profile_switch(&cli)),
                who: None,
                role: flexwallet::app::Role::Admin,
                files: flexwallet::app::FilePolicy::Anywhere,
            };
            flexwallet::tui::run(client, opts).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn keymap(cli: &Cli) -> Result<flexwallet::keymap::Keymap> {
    let keymap_file = config::default_config_path().and_then(|p| p.parent().map(|d| d.join("keymap.toml")));
    Ok(config::load_keymap(cli.keymap.as_deref(), keymap_file)?)
}

fn origin(settings: &Settings, client: &Client) -> flexwallet::app::Origin {
    flexwallet::app::Origin {
        profile: settings.profile.clone().unwrap_or_else(|| "default".into()),
        host: client.host().to_string(),
        environment: settings.environment_id.clone(),
        key_source: settings.key_source.clone(),
    }
}

/// `flexwallet serve`: the console over SSH until SIGTERM / SIGINT, then every console is
/// ended cleanly (bulk rows in flight finish) before the process exits.
async fn serve(cli: &Cli, args: &flexwallet::cli::ServeArgs) -> Result<ExitCode> {
    use flexwallet::serve::{ConsoleTemplate, Limits, ServeConfig};
    let keymap = keymap(cli)?;
    let authorized = match &args.authorized {
        Some(p) => p.clone(),
        None => config::default_config_path()
            .and_then(|p| p.parent().map(|d| d.join("operators.toml")))
            .ok_or_else(|| UsageError("no config directory: pass --authorized FILE".into()))?,
    };
    // Kept until the end: dropping the demo sandbox stops it.
    let (settings, sandbox) = settings(cli).await?;
    let client = client(&settings)?;
    let config = ServeConfig {
        addr: args.addr,
        host_key: args
            .host_key
            .clone()
            .unwrap_or_else(flexwallet::serve::host_key::default_path),
        authorized,
        authorized_poll: flexwallet::serve::AUTHORIZED_POLL,
        limits: Limits {
            max_sessions: args.max_sessions as usize,
            idle_timeout: (!args.idle_timeout.is_zero()).then_some(args.idle_timeout),
            input_per_sec: args.input_rate,
            input_burst: args.input_rate.saturating_mul(4),
            login_deadline: args.login_deadline.max(std::time::Duration::from_secs(1)),
            max_unauthenticated: args.max_unauthenticated as usize,
            max_unauthenticated_per_ip: args.max_unauthenticated_per_ip as usize,
        },
        console: ConsoleTemplate {
            keymap,
            origin: origin(&settings, &client),
            read_only: settings.read_only,
            refresh: std::time::Duration::from_secs(settings.refresh_secs),
            confirm_above: settings.confirm_above,
            color: cli.color,
            audit: open_audit(&settings, &client),
            files_dir: Some(config::state_dir().join("serve-files")),
            test_panic: None,
        },
    };
    let mut stop = flexwallet::stop::StopSignals::install()?;
    let running = flexwallet::serve::start(client, config)
        .await
        .map_err(UsageError)?;
    // The lines are for whoever started the server; a server whose stdout reader went away
    // (a supervisor's pipe, `| head -1`) goes on serving its operators.
    let announced = {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on ssh://{}", running.addr)
            .and_then(|()| writeln!(out, "host key {}", running.host_fingerprint))
            .and_then(|()| match &sandbox {
                Some(sb) => writeln!(out, "demo data from the embedded sandbox at {}", sb.url),
                None => Ok(()),
            })
            .and_then(|()| out.flush())
    };
    if let Err(e) = announced {
        tracing::warn!(error = %e, "cannot write the startup lines to stdout; serving on");
    }
    stop.recv().await;
    running.stop().await;
    drop(sandbox);
    Ok(ExitCode::SUCCESS)
}
