//! `:profile NAME` on the real binary (issue 20): the profile's `api_key_command` runs off the
//! event loop, with no terminal, so the console keeps answering keys while a slow password
//! manager thinks, and what the command writes on stderr never reaches the screen raw.
//!
//! Set `FLEXWALLET_BIN` to run another build of the console (the sandbox stays this build's).

use std::time::{Duration, Instant};

use crate::pty::Console;
use crate::sandbox_child::Sandbox;

const WAIT: Duration = Duration::from_secs(60);
const KEY: &str = "sk_profile_test";
const ENV: &str = "env_profile_test";
/// What the key commands write on stderr: a marker and a clear-screen sequence, as a password
/// manager's prompt would draw.
const STDERR_MARK: &str = "VAULT-PROMPT-7f3a";

/// Three profiles on one sandbox: `fast` (key from the environment), `slow` (a key command
/// that prompts on stderr and takes 5 s) and `locked` (a key command that fails, saying why
/// with an escape sequence in it).
fn config(sb: &Sandbox, dir: &std::path::Path) -> std::path::PathBuf {
    let text = format!(
        r#"default_profile = "fast"

[profiles.fast]
api_url = "{url}"
environment_id = "{ENV}"
api_key_env = "FW_PROFILE_TEST_KEY"
refresh_secs = 0

[profiles.slow]
api_url = "{url}"
environment_id = "{ENV}"
api_key_command = "printf '{STDERR_MARK}\\033[2J' >&2; sleep 5; echo {KEY}"
refresh_secs = 0

[profiles.locked]
api_url = "{url}"
environment_id = "{ENV}"
api_key_command = "printf 'vault locked\\033[2J\\n' >&2; exit 1"
"#,
        url = sb.url,
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("write the config file");
    path
}

fn run_palette(c: &mut Console, command: &str) {
    c.send(":");
    c.wait_for_text("Commands (Enter runs", WAIT);
    c.type_keys(command);
    c.send("\r");
}

#[test]
fn a_slow_key_command_leaves_the_console_answering_and_its_stderr_off_the_screen() {
    let sb = Sandbox::demo(KEY, ENV);
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = config(&sb, dir.path());
    let mut c = Console::start_with_env(
        &["--config", cfg.to_str().expect("utf-8 path")],
        100,
        30,
        &[("FW_PROFILE_TEST_KEY", KEY)],
    );
    c.wait_for("the wallet list", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });

    // A slow one: the console keeps drawing and answering keys while it runs.
    run_palette(&mut c, "profile slow");
    let asked = Instant::now();
    let s = c.wait_for("the switching message", Duration::from_secs(2), |s| {
        s.to_lowercase().contains("switching to profile slow")
    });
    assert!(s.contains("Wallets "), "{s}");
    c.send("?");
    let sent = Instant::now();
    c.wait_for("the help layer", Duration::from_secs(3), |s| {
        s.contains("Keys (Esc closes)")
    });
    let answered = sent.elapsed();
    eprintln!("help opened {answered:?} after its key, while the key command ran");
    assert!(
        answered < Duration::from_millis(1500),
        "help took {answered:?} to open while the key command ran"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "the key was answered only after the command ({:?})",
        asked.elapsed()
    );
    c.send("?");
    c.wait_for("help closed", Duration::from_secs(3), |s| {
        !s.contains("Keys (Esc closes)")
    });
    // The switch still completes, and the new profile's list loads.
    let s = c.wait_for("the switched profile", WAIT, |s| s.contains("Profile slow"));
    assert!(s.contains("slow@"), "the status bar names the new profile:\n{s}");
    c.wait_for("the list of the new profile", WAIT, |s| {
        s.contains("Wallets ") && s.contains("Balance")
    });

    // A failing command: its stderr's first line is in the message, without the escape, and
    // the console stays on the profile it had.
    run_palette(&mut c, "profile locked");
    let s = c.wait_for_text("vault locked", WAIT);
    assert!(s.contains("status 1"), "the message names the exit status:\n{s}");
    assert!(s.contains("Wallets ") && s.contains("slow@"), "{s}");

    // Neither command's stderr ever reached the terminal as it was written: the slow one's
    // not at all (it succeeded), the failing one's only cleaned, in the message.
    let raw = String::from_utf8_lossy(&c.raw()).into_owned();
    assert!(
        !raw.contains(STDERR_MARK),
        "a key command's stderr reached the terminal"
    );
    assert!(
        !raw.contains("vault locked\x1b[2J"),
        "the failing command's escape sequence reached the terminal"
    );
    c.send("q");
    assert_eq!(c.wait_exit(WAIT), 0);
}

/// The CLI's one look at the key command, at start, in a real terminal: stdin is closed (a
/// `cat` would otherwise wait for the operator's keys), `GPG_TTY` is not passed on, `/dev/tty`
/// cannot be opened, and the command's stderr is quoted in the error, not written to the
/// terminal as it was.
#[test]
fn at_start_the_key_command_gets_no_terminal_either() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.tty]\napi_url = \"http://127.0.0.1:9\"\n\
             api_key_command = \"cat >/dev/null && test -z \\\"$GPG_TTY\\\" && printf '{STDERR_MARK}' > /dev/tty && echo {KEY}\"\n"
        ),
    )
    .expect("write the config file");
    let mut c = Console::start_with_env(
        &[
            "--config",
            cfg.to_str().expect("utf-8 path"),
            "--profile",
            "tty",
            "wallets",
            "list",
        ],
        200,
        10,
        &[("GPG_TTY", "/dev/tty")],
    );
    let code = c.wait_exit(Duration::from_secs(20));
    let s = c.screen();
    assert_eq!(code, 2, "a configuration error:\n{s}");
    assert!(
        s.contains("profiles.tty.api_key_command: exited with status"),
        "{s}"
    );
    assert!(s.contains("/dev/tty"), "the shell's complaint is quoted:\n{s}");
    let raw = String::from_utf8_lossy(&c.raw()).into_owned();
    assert!(
        !raw.contains(STDERR_MARK),
        "the command wrote to the terminal:\n{s}"
    );
}
