//! `flexwallet sandbox` as a child process (always this build's, even when `FLEXWALLET_BIN`
//! points the console at another), and plain HTTP/1.1 calls to it with its key: the one
//! harness the console's PTY tests and figures share. Killed on drop.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};

use serde_json::Value;

pub(crate) struct Sandbox {
    child: Child,
    pub(crate) url: String,
    pub(crate) key: &'static str,
    /// Kept open: the sandbox's stdout stays a live pipe for as long as it runs.
    _stdout: BufReader<ChildStdout>,
}

impl Sandbox {
    /// The demo data set (`--demo-data`), burn off.
    pub(crate) fn demo(key: &'static str, env: &'static str) -> Sandbox {
        Sandbox::spawn(key, env, &["--demo-data"])
    }

    /// `flexwallet sandbox` with `key`, `env` and `args`; returns once it listens.
    pub(crate) fn spawn(key: &'static str, env: &'static str, args: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexwallet"))
            .args(["sandbox", "--addr", "127.0.0.1:0", "--api-key", key])
            .args(["--environment-id", env])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the sandbox");
        let mut out = BufReader::new(child.stdout.take().expect("sandbox stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("read the sandbox's first line");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Sandbox {
            child,
            url,
            key,
            _stdout: out,
        }
    }

    pub(crate) fn host(&self) -> &str {
        self.url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .expect("host")
    }

    /// One plain HTTP/1.1 request with the sandbox's key: (status, body).
    pub(crate) fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nx-api-key: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host(),
            self.key,
            body.len()
        );
        let mut s = TcpStream::connect(self.host()).expect("connect to the sandbox");
        s.write_all(req.as_bytes()).expect("send the request");
        let mut reply = String::new();
        s.read_to_string(&mut reply).expect("read the reply");
        let status = reply
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = reply.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        (status, body.to_string())
    }

    /// A call that must answer 200, as JSON.
    pub(crate) fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, text) = self.call(method, path, body.as_ref());
        assert_eq!(status, 200, "{method} {path}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
    }

    /// `GET path`, which must answer 200, as JSON.
    pub(crate) fn get(&self, path: &str) -> Value {
        self.ok("GET", path, None)
    }

    pub(crate) fn wallet(&self, id: &str) -> Value {
        self.get(&format!("/v1/wallets/{id}"))
    }

    /// Every wallet (the first 1,000: the demo has fewer).
    pub(crate) fn all_wallets(&self) -> Vec<Value> {
        self.get("/v1/wallets?limit=1000")["items"]
            .as_array()
            .expect("items")
            .clone()
    }

    /// The wallet's transactions (its whole ledger: the demo's are short), newest first.
    pub(crate) fn wallet_transactions(&self, id: &str) -> Vec<Value> {
        self.get(&format!("/v1/wallets/{id}/transactions?limit=1000"))["items"]
            .as_array()
            .expect("items")
            .clone()
    }

    /// The ids of the wallet's transactions.
    pub(crate) fn ledger(&self, id: &str) -> BTreeSet<String> {
        self.wallet_transactions(id)
            .iter()
            .map(|t| t["id"].as_str().expect("transaction id").to_string())
            .collect()
    }

    /// How many transactions all wallets hold.
    pub(crate) fn transactions(&self) -> usize {
        self.all_wallets()
            .iter()
            .map(|w| {
                self.wallet_transactions(w["id"].as_str().expect("wallet id"))
                    .len()
            })
            .sum()
    }

    pub(crate) fn faults(&self, settings: Value) {
        let (status, text) = self.call("POST", "/_sandbox/faults", Some(&settings));
        assert_eq!(status, 200, "fault settings {settings}: {text}");
    }

    /// `/v1` requests the sandbox has seen (`GET /_sandbox/stats` is not one of them).
    pub(crate) fn requests(&self) -> u64 {
        self.get("/_sandbox/stats")["requests"]
            .as_u64()
            .expect("requests")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
