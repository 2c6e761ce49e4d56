//! CLI entry: parse arguments, pick the mode, install hooks.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use color_eyre::eyre::{Result, WrapErr, eyre};
use secrecy::SecretString;

use flexwallet::api::{Client, ClientConfig};
use flexwallet::cli::{Cli, Command, SandboxArgs};
use flexwallet::config::{self, Overrides, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install()
    {
        eprintln!("flexwallet: cannot install the error reporter: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("flexwallet: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flexwallet: {e:?}");
            ExitCode::from(1)
        }
    }
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
async fn settings(cli: &Cli) -> Result<Settings> {
    if cli.demo {
        let args = SandboxArgs {
            addr: "127.0.0.1:0".parse()?,
            db: None,
            api_key: format!("sk_demo_{}", uuid::Uuid::new_v4().simple()),
            environment_id: "env_demo".into(),
            wallets: 0,
            seed: 42,
            burn: cli.burn.unwrap_or(flexwallet::sandbox::DEMO_BURN),
            faults: Default::default(),
        };
        let sb = flexwallet::sandbox::start_embedded(args)
            .await
            .wrap_err("starting the demo sandbox")?;
        return Ok(Settings {
            profile: Some("demo".into()),
            api_url: sb.url,
            environment_id: Some(sb.environment_id),
            api_key: Some(SecretString::from(sb.api_key)),
            read_only: cli.read_only,
            refresh_secs: cli.refresh.unwrap_or(config::DEFAULT_REFRESH_SECS),
            confirm_above: None,
        });
    }
    Ok(config::load_settings(cli.config.as_deref(), &overrides(cli))?)
}

fn client(settings: &Settings) -> Result<Client> {
    let key = settings.api_key.clone().ok_or_else(|| {
        eyre!(
            "no API key: set {} or a profile's api_key_env / api_key_command (or try --demo)",
            config::ENV_API_KEY
        )
    })?;
    let mut cfg = ClientConfig::new(settings.api_url.clone(), key);
    cfg.environment_id = settings.environment_id.clone();
    Ok(Client::new(cfg)?)
}

async fn run(mut cli: Cli) -> Result<ExitCode> {
    let state_dir = config::state_dir();
    let log_level = cli.log_level.clone();
    if let Err(e) = flexwallet::logging::init(&state_dir, log_level.as_deref()) {
        eprintln!("flexwallet: logging disabled: {e}");
    }
    let command = cli.command.take();
    match command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "flexwallet", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Sandbox(args)) => {
            flexwallet::sandbox::run(args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Wallets(cmd)) => {
            let settings = settings(&cli).await?;
            let client = client(&settings)?;
            let mut out = std::io::stdout().lock();
            flexwallet::report::run(&client, cmd, &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Topup(args)) => {
            let settings = settings(&cli).await?;
            let client = client(&settings)?;
            flexwallet::bulk::cli::run(&args, &settings, client).await
        }
        None => {
            let settings = settings(&cli).await?;
            let _client = client(&settings)?;
            Err(eyre!("the console is not built yet"))
        }
    }
}
