//! Runs a profile's `api_key_command`: stdin closed, no controlling terminal, a deadline, its
//! output bounded, and on failure a message made of its exit status and stderr (never its
//! stdout: that is the key).

use std::io::Read;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use secrecy::zeroize::Zeroize;
use tokio_util::sync::CancellationToken;

/// How long a key command may take when the profile does not say
/// (`api_key_command_timeout_secs`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// A key is one line; more than this on either stream is not read (stderr is cut, stdout is
/// refused).
pub const OUTPUT_CAP: usize = 64 * 1024;
/// How much of stderr the message quotes.
const STDERR_LINES: usize = 2;
const STDERR_CHARS: usize = 240;
/// How often the child is looked at while it runs.
const POLL: Duration = Duration::from_millis(20);
/// After a kill, how long the output's readers are waited for (a process that left the group
/// may still hold the pipes).
const AFTER_KILL: Duration = Duration::from_secs(1);

/// Why no key came out. `Display` is the message shown (after `profiles.NAME.api_key_command:`);
/// it quotes stderr, cleaned of control characters and escape sequences, and never stdout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyCommandError {
    #[error("cannot start: {0}")]
    Spawn(String),
    #[error("no key within {after:?}, so it was stopped (api_key_command_timeout_secs gives a slower one longer){}", said(.stderr))]
    TimedOut { after: Duration, stderr: String },
    #[error("stopped: the key was no longer wanted")]
    Cancelled,
    #[error("{status}{}", said(.stderr))]
    Failed { status: String, stderr: String },
    #[error("printed no key on stdout{}", said(.stderr))]
    Empty { stderr: String },
    #[error("printed more than {} KiB on stdout: a key is one line", OUTPUT_CAP / 1024)]
    TooLong,
    #[error("printed something that is not UTF-8 text")]
    NotText,
}

/// `: vault locked` after the status, or nothing when stderr was empty.
fn said(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Runs `command` with `sh -c` and returns the first line of its stdout, trimmed (password
/// managers print the secret first and notes after it).
///
/// The command gets no terminal: stdin is `/dev/null` (a read sees end of file at once), stdout
/// and stderr are pipes, it runs in a session of its own (`setsid`), so it has no controlling
/// terminal and `/dev/tty` cannot be opened, and `GPG_TTY` is not passed on. A password
/// manager's prompt therefore cannot draw over the console (or over an SSH client's screen
/// under `serve`), nor wait for keys that the console reads. It is stopped (its whole process
/// group killed, then reaped) after `timeout` or as soon as `cancel` fires.
pub fn run(
    command: &str,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Result<SecretString, KeyCommandError> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // gpg hands this terminal to pinentry, which would open it by name and draw there.
        .env_remove("GPG_TTY");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec only `setsid`, which is async-signal-safe, is called.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = cmd.spawn().map_err(|e| KeyCommandError::Spawn(e.to_string()))?;
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        read_in_background(Stream::Stdout(out), tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        read_in_background(Stream::Stderr(err), tx);
    }
    let deadline = Instant::now() + timeout;
    let mut status: Option<ExitStatus> = None;
    let mut stdout: Option<Captured> = None;
    let mut stderr: Option<Captured> = None;
    let stopped = loop {
        while let Ok(output) = rx.try_recv() {
            match output {
                Output::Stdout(c) => stdout = Some(c),
                Output::Stderr(c) => stderr = Some(c),
            }
        }
        if status.is_none() {
            match child.try_wait() {
                Ok(s) => status = s,
                Err(e) => break KeyCommandError::Spawn(format!("cannot wait for it: {e}")),
            }
        }
        if let (Some(status), Some(out), Some(err)) = (status, stdout.as_mut(), stderr.as_ref()) {
            let result = key_from(status, out, err);
            out.bytes.zeroize();
            return result;
        }
        if cancel.is_cancelled() {
            break KeyCommandError::Cancelled;
        }
        // The deadline covers the pipes too: something the command left running may hold them.
        if Instant::now() >= deadline {
            break KeyCommandError::TimedOut {
                after: timeout,
                stderr: String::new(),
            };
        }
        std::thread::sleep(POLL);
    };
    stop(&mut child);
    if let Some(c) = stdout.as_mut() {
        c.bytes.zeroize();
    }
    match stopped {
        KeyCommandError::TimedOut { after, .. } => {
            // What it said before it was stopped (a prompt, usually) tells the operator why.
            let grace = Instant::now() + AFTER_KILL;
            while stderr.is_none() {
                match rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                    Ok(Output::Stderr(c)) => stderr = Some(c),
                    Ok(Output::Stdout(mut c)) => c.bytes.zeroize(),
                    Err(_) => break,
                }
            }
            Err(KeyCommandError::TimedOut {
                after,
                stderr: stderr.map(|c| quote(&c.bytes)).unwrap_or_default(),
            })
        }
        other => Err(other),
    }
}

fn key_from(status: ExitStatus, out: &Captured, err: &Captured) -> Result<SecretString, KeyCommandError> {
    if !status.success() {
        return Err(KeyCommandError::Failed {
            status: describe(status),
            stderr: quote(&err.bytes),
        });
    }
    if out.overflowed {
        return Err(KeyCommandError::TooLong);
    }
    let text = std::str::from_utf8(&out.bytes).map_err(|_| KeyCommandError::NotText)?;
    let key = text.lines().next().unwrap_or_default().trim();
    if key.is_empty() {
        return Err(KeyCommandError::Empty {
            stderr: quote(&err.bytes),
        });
    }
    Ok(SecretString::from(key.to_string()))
}

/// Kills the command's process group (it is the leader of its own session: `setsid`), so
/// nothing it started keeps running or holds the pipes, then reaps it.
fn stop(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a plain syscall; `-pid` names the group the child leads.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `exited with status 1`, `was killed by signal 9`.
fn describe(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("was killed by signal {sig}");
        }
    }
    format!("failed ({status})")
}

/// The first non-empty lines of stderr, one line of plain text: escape sequences and control
/// characters removed (a password manager's output must not drive the console's terminal),
/// cut at a length a status line can show.
fn quote(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| flexprice_wire::text::clean(l).trim().to_string())
        .filter(|l| !l.is_empty())
        .take(STDERR_LINES)
        .collect();
    let joined = lines.join(" / ");
    if joined.chars().count() > STDERR_CHARS {
        let mut cut: String = joined.chars().take(STDERR_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        joined
    }
}

/// One output stream, read to its end in a thread of its own: at most [`OUTPUT_CAP`] bytes are
/// kept, the rest is read and dropped so the command is never blocked on a full pipe.
struct Captured {
    bytes: Vec<u8>,
    overflowed: bool,
}

enum Stream {
    Stdout(ChildStdout),
    Stderr(ChildStderr),
}

enum Output {
    Stdout(Captured),
    Stderr(Captured),
}

fn read_in_background(stream: Stream, tx: mpsc::Sender<Output>) {
    std::thread::spawn(move || {
        let output = match stream {
            Stream::Stdout(s) => Output::Stdout(capture(s)),
            Stream::Stderr(s) => Output::Stderr(capture(s)),
        };
        if let Err(mpsc::SendError(Output::Stdout(mut c))) = tx.send(output) {
            // Nobody waits any more (stopped): the key goes nowhere, not even the heap.
            c.bytes.zeroize();
        }
    });
}

fn capture(mut pipe: impl std::io::Read) -> Captured {
    // Room for a key from the start: a buffer that grows leaves copies of it behind.
    let mut bytes = Vec::with_capacity(4096);
    let cap = u64::try_from(OUTPUT_CAP).unwrap_or(u64::MAX);
    let _ = (&mut pipe).take(cap + 1).read_to_end(&mut bytes);
    let overflowed = bytes.len() > OUTPUT_CAP;
    if overflowed {
        bytes.truncate(OUTPUT_CAP);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
    Captured { bytes, overflowed }
}
