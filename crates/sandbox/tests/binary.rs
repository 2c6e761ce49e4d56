//! The sandbox on its own: its binary starts, says where it listens, and answers as Flexprice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str, key: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nx-api-key: {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn the_binary_serves_the_demo_wallets_and_refuses_a_wrong_key() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexprice-sandbox"))
        .args(["--addr", "127.0.0.1:0", "--demo-data"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Killed(child);
    let mut first = String::new();
    BufReader::new(stdout).read_line(&mut first).unwrap();
    let base = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"));
    let addr = base.strip_suffix("/v1").unwrap_or_else(|| panic!("{base}"));

    let ok = get(addr, "/v1/wallets?limit=1", "sk_sandbox");
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"wallet_status\""), "{ok}");

    let refused = get(addr, "/v1/wallets?limit=1", "sk_wrong");
    assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
}
