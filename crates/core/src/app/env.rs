//! What the core needs from the world outside, given once at start: where job journals live,
//! the operator's home (for `~/` in paths), and where new idempotency keys come from.

use std::fmt;
use std::path::{Path, PathBuf};

/// New idempotency keys (`fw-…`). The runtime gives time-ordered UUIDs; tests give a sequence.
pub trait KeySource: Send {
    fn next_key(&mut self) -> String;
}

/// Keys `fw-test-1`, `fw-test-2`, …: deterministic, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct SequentialKeys(u64);

impl KeySource for SequentialKeys {
    fn next_key(&mut self) -> String {
        self.0 += 1;
        format!("fw-test-{}", self.0)
    }
}

pub struct Env {
    /// Where bulk job journals are written (`$XDG_STATE_HOME/flexwallet/jobs`).
    pub jobs_dir: PathBuf,
    /// `~/` in a path typed in the console expands to this; `None` leaves `~` as it is.
    pub home: Option<PathBuf>,
    pub keys: Box<dyn KeySource>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("jobs_dir", &self.jobs_dir)
            .field("home", &self.home)
            .finish_non_exhaustive()
    }
}

impl Env {
    pub fn new(jobs_dir: PathBuf, home: Option<PathBuf>, keys: Box<dyn KeySource>) -> Env {
        Env { jobs_dir, home, keys }
    }

    /// Sequential keys, no home, journals under `jobs_dir`.
    pub fn sequential(jobs_dir: impl Into<PathBuf>) -> Env {
        Env::new(jobs_dir.into(), None, Box::<SequentialKeys>::default())
    }

    /// `<jobs_dir>/<job>.jsonl`: the journal of a job started from the console.
    pub fn journal_path(&self, job: &str) -> PathBuf {
        self.jobs_dir.join(format!("{job}.jsonl"))
    }

    /// A path as typed: `~/x` is the operator's home joined with `x`.
    pub fn expand_home(&self, arg: &str) -> PathBuf {
        match (arg.strip_prefix("~/"), self.home.as_deref()) {
            (Some(rest), Some(home)) => Path::new(home).join(rest),
            _ => PathBuf::from(arg),
        }
    }
}
