//! A `flexwallet serve` in this process on the demo sandbox, and SSH clients (russh) whose
//! screens are read through a VT100 parser.
#![allow(dead_code)] // shared by several test modules; not every one uses every helper

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use flexwallet::api::{Client, ClientConfig};
use flexwallet::audit::{Audit, AuditContext};
use flexwallet::cli::ColorMode;
use flexwallet::keymap::Keymap;
use flexwallet::sandbox::EmbeddedSandbox;
use flexwallet::serve::{ConsoleTemplate, Limits, RunningServe, ServeConfig};
use russh::ChannelMsg;
use russh::client::{self, Msg};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};
use secrecy::SecretString;

pub const WAIT: Duration = Duration::from_secs(20);

/// A deterministic Ed25519 key per name (tests only).
pub fn key(name: &str) -> PrivateKey {
    let mut seed = [0u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    seed[31] ^= name.len() as u8;
    PrivateKey::from(Ed25519Keypair::from_seed(&seed))
}

pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key()
        .fingerprint(russh::keys::HashAlg::Sha256)
        .to_string()
}

/// `[[operator]]` tables for (name, role).
pub fn authorized(ops: &[(&str, &str)]) -> String {
    ops.iter()
        .map(|(name, role)| {
            let public = key(name).public_key().to_openssh().unwrap();
            format!("[[operator]]\nname = \"{name}\"\nrole = \"{role}\"\nkey = \"{public} {name}@test\"\n\n")
        })
        .collect()
}

pub struct Serve {
    pub running: Option<RunningServe>,
    pub sandbox: EmbeddedSandbox,
    pub dir: tempfile::TempDir,
}

pub struct Options {
    pub refresh: Duration,
    pub limits: Limits,
    pub poll: Duration,
    /// This operator's consoles panic two seconds in (crash isolation).
    pub panic_for: Option<&'static str>,
    /// The audit log is at a path that cannot be created (under a regular file, so even root
    /// cannot): every console must refuse writes.
    pub audit_unwritable: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            refresh: Duration::from_secs(5),
            limits: Limits::default(),
            poll: Duration::from_millis(100),
            panic_for: None,
            audit_unwritable: false,
        }
    }
}

impl Serve {
    pub async fn start(ops: &[(&str, &str)], opts: Options) -> Serve {
        let sandbox = flexwallet::sandbox::start_demo(0).await.unwrap();
        let mut cfg = ClientConfig::new(sandbox.url.clone(), SecretString::from(sandbox.api_key.clone()));
        cfg.environment_id = Some(sandbox.environment_id.clone());
        let client = Client::new(cfg).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("operators.toml"), authorized(ops)).unwrap();
        let context = AuditContext {
            user: "flexwallet".into(),
            profile: Some("demo".into()),
            api_host: client.host().to_string(),
            environment: Some(sandbox.environment_id.clone()),
        };
        let audit = if opts.audit_unwritable {
            std::fs::write(dir.path().join("file"), "").unwrap();
            let refused = Audit::open_for_writes(&dir.path().join("file/sub/audit.jsonl"), context);
            assert!(refused.is_err(), "an audit log under a regular file opened");
            refused.map(Arc::new)
        } else {
            Ok(Arc::new(
                Audit::open(&dir.path().join("audit.jsonl"), context).unwrap(),
            ))
        };
        let config = ServeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            host_key: dir.path().join("host_key"),
            authorized: dir.path().join("operators.toml"),
            authorized_poll: opts.poll,
            limits: opts.limits,
            console: ConsoleTemplate {
                keymap: Keymap::builtin().unwrap(),
                origin: flexwallet::app::Origin {
                    profile: "demo".into(),
                    host: client.host().to_string(),
                    environment: Some(sandbox.environment_id.clone()),
                    key_source: "FLEXPRICE_API_KEY".into(),
                },
                read_only: false,
                refresh: opts.refresh,
                confirm_above: None,
                color: ColorMode::Auto,
                audit,
                files_dir: Some(dir.path().join("serve-files")),
                test_panic: opts
                    .panic_for
                    .map(|name| (name.to_string(), Duration::from_secs(2))),
            },
        };
        let running = flexwallet::serve::start(client, config).await.unwrap();
        Serve {
            running: Some(running),
            sandbox,
            dir,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.running.as_ref().unwrap().addr
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn audit(&self) -> String {
        std::fs::read_to_string(self.path("audit.jsonl")).unwrap_or_default()
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// Accepts any host key (the tests check the key file instead).
pub struct AnyHost;

impl client::Handler for AnyHost {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

pub async fn connect(addr: SocketAddr) -> client::Handle<AnyHost> {
    let config = Arc::new(client::Config::default());
    client::connect(config, addr, AnyHost).await.unwrap()
}

/// Logs in with `key`: whether the server accepted it.
pub async fn login(handle: &mut client::Handle<AnyHost>, key: PrivateKey) -> bool {
    handle
        .authenticate_publickey("wallets", PrivateKeyWithHashAlg::new(Arc::new(key), None))
        .await
        .unwrap()
        .success()
}

/// An SSH session with a pty: what the server drew, through a VT100 parser.
pub struct Term {
    pub handle: client::Handle<AnyHost>,
    writer: russh::ChannelWriteHalf<Msg>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    closed: Arc<AtomicBool>,
    exit: Arc<Mutex<Option<u32>>>,
}

impl Term {
    /// Connects as `name` (its test key) and opens the console in a `cols`x`rows` pty.
    pub async fn open(addr: SocketAddr, name: &str, cols: u16, rows: u16) -> Term {
        let mut handle = connect(addr).await;
        assert!(login(&mut handle, key(name)).await, "{name} was refused");
        let channel = handle.channel_open_session().await.unwrap();
        channel
            .request_pty(
                true,
                "xterm-256color",
                u32::from(cols),
                u32::from(rows),
                0,
                0,
                &[],
            )
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        let (mut read, writer) = channel.split();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(AtomicBool::new(false));
        let exit = Arc::new(Mutex::new(None));
        let (p, r, c, x) = (parser.clone(), raw.clone(), closed.clone(), exit.clone());
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                match msg {
                    ChannelMsg::Data { data } => {
                        p.lock().unwrap().process(&data);
                        r.lock().unwrap().extend_from_slice(&data);
                    }
                    ChannelMsg::ExitStatus { exit_status } => *x.lock().unwrap() = Some(exit_status),
                    ChannelMsg::Close => break,
                    _ => {}
                }
            }
            c.store(true, Ordering::SeqCst);
        });
        Term {
            handle,
            writer,
            parser,
            raw,
            closed,
            exit,
        }
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    pub fn in_alternate_screen(&self) -> bool {
        self.parser.lock().unwrap().screen().alternate_screen()
    }

    pub async fn send(&self, bytes: &str) {
        self.writer.data_bytes(bytes.as_bytes().to_vec()).await.unwrap();
    }

    /// Types keys one at a time, as a person would (a key per packet).
    pub async fn type_keys(&self, keys: &str) {
        for c in keys.chars() {
            self.send(&c.to_string()).await;
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    }

    pub async fn resize(&self, cols: u16, rows: u16) {
        self.parser.lock().unwrap().set_size(
            std::num::NonZeroU16::new(rows).unwrap(),
            std::num::NonZeroU16::new(cols).unwrap(),
        );
        self.writer
            .window_change(u32::from(cols), u32::from(rows), 0, 0)
            .await
            .unwrap();
    }

    /// Waits until the screen satisfies `pred`; panics with the screen if it never does.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > WAIT {
                panic!("timed out after {WAIT:?} waiting for {what}; screen:\n{s}");
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    pub async fn wait_for_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text)).await
    }

    /// Waits for the server to close the channel; returns the exit status it sent.
    pub async fn wait_closed(&self) -> Option<u32> {
        let start = Instant::now();
        while !self.closed.load(Ordering::SeqCst) {
            if start.elapsed() > WAIT {
                panic!("the server never closed the channel; screen:\n{}", self.screen());
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        *self.exit.lock().unwrap()
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// Reads `path`, or "" if it does not exist.
pub fn read_or_empty(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `flexwallet serve --demo --burn 0` as a process, with its own state and config dirs.
pub struct Binary {
    child: std::process::Child,
    pub addr: SocketAddr,
    /// The embedded sandbox's base URL (with `/v1`).
    pub sandbox_url: String,
    pub dir: tempfile::TempDir,
}

impl Binary {
    pub async fn start(ops: &[(&str, &str)], extra: &[&str]) -> Binary {
        Binary::start_with_files(ops, extra, None).await
    }

    /// As [`Binary::start`], with at most `nofile` open file descriptors (`ulimit -n`).
    pub async fn start_with_files(ops: &[(&str, &str)], extra: &[&str], nofile: Option<u64>) -> Binary {
        use std::io::{BufRead, BufReader};
        use std::os::unix::process::CommandExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("operators.toml");
        std::fs::write(&file, authorized(ops)).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_flexwallet"));
        command
            .args([
                "serve",
                "--demo",
                "--burn",
                "0",
                "--addr",
                "127.0.0.1:0",
                "--authorized",
            ])
            .arg(&file)
            .arg("--host-key")
            .arg(dir.path().join("keys/host_key"))
            .args(extra)
            .env("XDG_STATE_HOME", dir.path().join("state"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("FLEXPRICE_API_KEY")
            .stdout(std::process::Stdio::piped());
        if let Some(n) = nofile {
            // SAFETY: setrlimit is async-signal-safe; it only lowers this child's own limit.
            unsafe {
                command.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: n,
                        rlim_max: n,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = tokio::task::spawn_blocking(move || {
            let mut lines = Vec::new();
            let mut reader = BufReader::new(stdout);
            for _ in 0..3 {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                lines.push(line.trim().to_string());
            }
            lines
        })
        .await
        .unwrap();
        let addr = lines[0]
            .strip_prefix("listening on ssh://")
            .unwrap_or_else(|| panic!("unexpected first lines {lines:?}"))
            .parse()
            .unwrap();
        assert!(lines[1].starts_with("host key SHA256:"), "{lines:?}");
        let sandbox_url = lines[2]
            .strip_prefix("demo data from the embedded sandbox at ")
            .unwrap_or_else(|| panic!("unexpected lines {lines:?}"))
            .to_string();
        Binary {
            child,
            addr,
            sandbox_url,
            dir,
        }
    }

    pub fn state(&self, name: &str) -> PathBuf {
        self.dir.path().join("state/flexwallet").join(name)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
