//! Limits and lifecycle: maximum sessions, idle timeout, resize, disconnect, and the authorized
//! file re-read on change (a bad one keeps the last good one).

use std::time::{Duration, Instant};

use flexwallet::serve::Limits;

use crate::harness::{Options, Serve, Term, WAIT, authorized, connect, key, login};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_beyond_the_maximum_are_refused_with_a_message() {
    let serve = Serve::start(
        &[("a", "viewer")],
        Options {
            limits: Limits {
                max_sessions: 1,
                ..Limits::default()
            },
            ..Options::default()
        },
    )
    .await;
    let first = Term::open(serve.addr(), "a", 80, 24).await;
    first.wait_for_text("Acme Corp").await;
    let second = Term::open(serve.addr(), "a", 80, 24).await;
    assert_eq!(second.wait_closed().await, Some(1));
    assert!(
        second
            .screen()
            .contains("1 consoles are open, the most this server allows")
    );
    assert!(!first.is_closed());
    serve.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_console_is_ended_and_says_why() {
    let serve = Serve::start(
        &[("a", "viewer")],
        Options {
            limits: Limits {
                idle_timeout: Some(Duration::from_secs(1)),
                ..Limits::default()
            },
            ..Options::default()
        },
    )
    .await;
    let t = Term::open(serve.addr(), "a", 80, 24).await;
    // The idle clock runs from the start: on a slow machine it may end the console before the
    // test has looked, so the list is checked in what was sent, after the end.
    assert_eq!(t.wait_closed().await, Some(0));
    assert!(
        String::from_utf8_lossy(&t.raw()).contains("Acme Corp"),
        "the console drew its list before it was ended"
    );
    assert!(!t.in_alternate_screen());
    assert!(
        t.screen().contains("no input for 1s: disconnected"),
        "{}",
        t.screen()
    );
    serve.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resize_relays_out_and_a_dropped_connection_ends_its_console() {
    let serve = Serve::start(&[("a", "operator")], Options::default()).await;
    let t = Term::open(serve.addr(), "a", 80, 24).await;
    let narrow = t.wait_for_text("Acme Corp").await;
    assert!(
        !narrow.contains("── Balances"),
        "80 columns show the list alone:\n{narrow}"
    );
    t.resize(130, 40).await;
    t.wait_for("list and detail side by side", |s| {
        s.contains("Acme Corp") && s.contains("── Balances")
    })
    .await;
    let running = serve.running.as_ref().unwrap();
    assert_eq!(running.sessions(), 1);
    drop(t);
    let start = Instant::now();
    while running.sessions() != 0 {
        assert!(start.elapsed() < WAIT, "the console outlived its connection");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    serve.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorized_file_is_re_read_and_a_bad_one_keeps_the_last_good() {
    let serve = Serve::start(&[("alice", "operator")], Options::default()).await;
    let file = serve.path("operators.toml");
    let mut h = connect(serve.addr()).await;
    assert!(!login(&mut h, key("bob")).await, "bob is not in the file yet");

    std::fs::write(&file, authorized(&[("alice", "operator"), ("bob", "viewer")])).unwrap();
    let start = Instant::now();
    loop {
        let mut h = connect(serve.addr()).await;
        if login(&mut h, key("bob")).await {
            break;
        }
        assert!(start.elapsed() < WAIT, "the new operator was never let in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let good = authorized(&[("alice", "operator"), ("bob", "viewer")]);
    std::fs::write(
        &file,
        good.replace("role = \"viewer\"", "role = \"root\"") + "# broken\n",
    )
    .unwrap();
    // Three polls: the bad file has been read (and refused) by then.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut h = connect(serve.addr()).await;
    assert!(
        login(&mut h, key("bob")).await,
        "a bad file must keep the last good operators"
    );
    serve.stop().await;
}

/// As seen: a viewer's pty request of 65535x65535 made the server allocate 200 GB and abort,
/// ending every console. Sizes are clamped (1000 cells a side), for the pty request and window
/// changes alike; the server stays up and another operator's console works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_terminal_request_is_clamped_and_the_server_stays_up() {
    use russh::ChannelMsg;
    let serve = Serve::start(&[("v", "viewer"), ("o", "operator")], Options::default()).await;
    let mut handle = connect(serve.addr()).await;
    assert!(login(&mut handle, key("v")).await);
    let channel = handle.channel_open_session().await.unwrap();
    channel
        .request_pty(true, "xterm", 65535, 65535, 0, 0, &[])
        .await
        .unwrap();
    channel.request_shell(true).await.unwrap();
    let (mut read, writer) = channel.split();
    let drawn = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let d = drawn.clone();
    tokio::spawn(async move {
        while let Some(msg) = read.wait().await {
            if let ChannelMsg::Data { data } = msg {
                d.fetch_add(data.len(), std::sync::atomic::Ordering::SeqCst);
            }
        }
    });
    writer.window_change(u32::MAX, u32::MAX, 0, 0).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while drawn.load(std::sync::atomic::Ordering::SeqCst) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        drawn.load(std::sync::atomic::Ordering::SeqCst) > 0,
        "the clamped console draws"
    );
    let other = Term::open(serve.addr(), "o", 80, 24).await;
    other.wait_for_text("Acme Corp").await;
    assert!(!other.is_closed());
    serve.stop().await;
}

/// As seen: a panic in one console froze that session (the channel stayed open, `q` did
/// nothing). It now ends just that console, with one line to its operator, an error in the
/// server log and a line in the audit log; another operator's console goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_one_console_ends_only_that_session() {
    let serve = Serve::start(
        &[("crash", "operator"), ("calm", "operator")],
        Options {
            panic_for: Some("crash"),
            ..Options::default()
        },
    )
    .await;
    let calm = Term::open(serve.addr(), "calm", 80, 24).await;
    calm.wait_for_text("Acme Corp").await;
    let crash = Term::open(serve.addr(), "crash", 80, 24).await;
    assert_eq!(crash.wait_closed().await, Some(1));
    assert!(
        crash
            .screen()
            .contains("this console hit an internal error and was closed"),
        "{}",
        crash.screen()
    );
    assert!(!crash.in_alternate_screen());
    let audit = serve.audit();
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"console_crashed\"") && l.contains("\"crash\"")),
        "{audit}"
    );
    // The other console still answers keys.
    assert!(!calm.is_closed());
    calm.send("/").await;
    calm.wait_for_text("filter").await;
    let again = Term::open(serve.addr(), "calm", 80, 24).await;
    again.wait_for_text("Acme Corp").await;
    serve.stop().await;
}

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let deadline = Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // The server's SSH banner: keep reading.
            Ok(Ok(_)) => continue,
        }
    }
}

/// As seen: connections that never log in were never timed out. A connection not logged in by
/// the deadline is closed; beyond the cap per address, one is closed at once; once they are
/// gone an operator logs in as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_do_not_log_in_are_capped_and_closed_after_the_deadline() {
    let serve = Serve::start(
        &[("a", "viewer")],
        Options {
            limits: Limits {
                login_deadline: Duration::from_secs(2),
                max_unauthenticated_per_ip: 3,
                ..Limits::default()
            },
            ..Options::default()
        },
    )
    .await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(tokio::net::TcpStream::connect(serve.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut fourth = tokio::net::TcpStream::connect(serve.addr()).await.unwrap();
    assert!(
        closed_within(&mut fourth, Duration::from_secs(1)).await,
        "beyond the cap: closed at once"
    );
    for s in idle.iter_mut() {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "closed at the login deadline"
        );
    }
    let t = Term::open(serve.addr(), "a", 80, 24).await;
    t.wait_for_text("Acme Corp").await;
    // Logged in: the deadline no longer applies.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!t.is_closed());
    serve.stop().await;
}

/// As seen: with 1,021 idle connections the process ran out of file descriptors, the accept
/// loop ended and the port stayed closed for good. Under `ulimit -n 1024`, 1,100 connections
/// that never log in: the server keeps accepting (errors are waited out), drops them at the
/// login deadline, and a normal login works afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_never_closes_the_port() {
    let bin = crate::harness::Binary::start_with_files(
        &[("a", "viewer")],
        &[
            "--login-deadline",
            "3s",
            "--max-unauthenticated",
            "5000",
            "--max-unauthenticated-per-ip",
            "5000",
        ],
        Some(1024),
    )
    .await;
    // This test process needs more than 1,024 descriptors of its own.
    // SAFETY: getrlimit/setrlimit on this process with a valid pointer.
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < 4096 {
            lim.rlim_cur = lim.rlim_max.min(4096);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    let mut held = Vec::new();
    for _ in 0..1100 {
        match tokio::net::TcpStream::connect(bin.addr).await {
            Ok(s) => held.push(s),
            // This process has its own limit: what it could open is enough.
            Err(_) => break,
        }
    }
    // Past the server's 1,024 with its own descriptors (sandbox, log, listener) counted.
    assert!(held.len() >= 1000, "opened only {} connections", held.len());
    tokio::time::sleep(Duration::from_secs(5)).await;
    drop(held);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let t = Term::open(bin.addr, "a", 80, 24).await;
    t.wait_for_text("Acme Corp").await;
    let log = crate::harness::read_or_empty(&bin.state("flexwallet.log"));
    assert!(
        log.contains("accepting an SSH connection failed"),
        "the server did run out of descriptors and went on:\n{log}"
    );
}

/// Seen while benchmarking: a supervisor read the first stdout line and closed the pipe; the
/// server's next startup line failed with EPIPE and the process exited 0, silently, with the
/// port closed for every operator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_never_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("operators.toml");
    std::fs::write(&file, authorized(&[("olga", "operator")])).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    /// Killed however the test ends: a failed assertion leaves no server running.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_flexwallet"))
        .args(["serve", "--demo", "--burn", "0", "--addr", &addr.to_string()])
        .arg("--authorized")
        .arg(&file)
        .arg("--host-key")
        .arg(dir.path().join("keys/host_key"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env_remove("FLEXPRICE_API_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Nobody reads what it prints.
    drop(child.stdout.take());
    let mut child = Killed(child);
    let start = Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the server exited when its stdout closed"
        );
        assert!(start.elapsed() < WAIT, "the server never listened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Past its startup lines, it still serves a console.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(child.0.try_wait().unwrap().is_none(), "the server exited");
    let t = Term::open(addr, "olga", 80, 24).await;
    t.wait_for("the wallets", |s| s.contains("Wallets ")).await;
}
