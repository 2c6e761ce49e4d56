//! The job's lock: an OS lock on `<journal>.lock`, taken before the journal is read, created or
//! removed, with the holder's pid, host and start written inside for the refusal of a second run.
//!
//! The lock is `flock` (through `File::try_lock`): the kernel drops it when its process ends, so a
//! job killed with SIGKILL leaves no lock behind, only a file whose holder line the next run
//! replaces. The file is removed when the lock is released; a run that opened the name just
//! before then locks a file no longer in the directory, sees it, and starts over.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::journal::JournalError;

/// Who holds a job: what a second run says when it refuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub host: String,
    pub started: DateTime<Utc>,
}

impl Holder {
    fn this_process() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
            started: Utc::now(),
        }
    }
}

/// `process 4242 on jump-1, since 2026-12-02 17:40:11 UTC`.
impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "process {} on {}, since {}",
            self.pid,
            self.host,
            self.started.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// `<journal>.lock`, beside the journal.
pub fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// The held lock of one job. Dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct JobLock {
    path: PathBuf,
    file: File,
}

/// Attempts at a lock file that its holder keeps removing under us: each removal is a run that
/// ended, so a few are plenty.
const ATTEMPTS: usize = 8;

impl JobLock {
    /// Takes the lock of the job whose journal is `journal`, or says who holds it.
    pub fn acquire(journal: &Path) -> Result<JobLock, JournalError> {
        let path = lock_path(journal);
        let io = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::paths::create_private_dir(dir).map_err(io)?;
        }
        for _ in 0..ATTEMPTS {
            let mut options = OpenOptions::new();
            options.read(true).write(true).create(true).truncate(false);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                // The operator's own file, and never another one a symlink points at.
                options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
            }
            let file = options.open(&path).map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(JournalError::Locked {
                        path: journal.to_path_buf(),
                        holder: read_holder(&path),
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
            }
            if !names_this_file(&path, &file) {
                // Its holder released it and removed the name after we opened it.
                continue;
            }
            let mut lock = JobLock { path, file };
            lock.write_holder().map_err(|source| JournalError::Io {
                path: lock.path.clone(),
                source,
            })?;
            return Ok(lock);
        }
        Err(io(std::io::Error::other(
            "the lock file keeps being replaced by other runs of this job",
        )))
    }

    fn write_holder(&mut self) -> std::io::Result<()> {
        let mut text = serde_json::to_vec(&Holder::this_process()).map_err(std::io::Error::other)?;
        text.push(b'\n');
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(&text)
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        // Removed while still held: a run waiting on this name finds it gone and makes its own.
        #[cfg(unix)]
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The holder written in a lock file, if it can be read. The holder writes it right after taking
/// the lock: a file still empty is read again for a moment.
pub fn read_holder(lock_file: &Path) -> Option<Holder> {
    for _ in 0..20 {
        let mut text = String::new();
        let read = File::open(lock_file).and_then(|mut f| f.read_to_string(&mut text));
        if read.is_err() {
            return None;
        }
        if let Ok(holder) = serde_json::from_str(text.trim()) {
            return Some(holder);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}

/// Whether `path` still names the file `file` has open (the same device and inode).
#[cfg(unix)]
fn names_this_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn names_this_file(_path: &Path, _file: &File) -> bool {
    // The file is never removed there (see `Drop`): the name always holds the locked file.
    true
}

fn host_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its whole length, which is what is passed.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if rc == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            let name = String::from_utf8_lossy(&buf[..end]).into_owned();
            if !name.is_empty() {
                return name;
            }
        }
    }
    "an unknown host".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_its_holder_and_freed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("jobs/j.jsonl");
        let first = JobLock::acquire(&journal).unwrap();
        match JobLock::acquire(&journal) {
            Err(e @ JournalError::Locked { .. }) => {
                let JournalError::Locked { holder, .. } = &e else {
                    unreachable!()
                };
                let holder = holder.as_ref().expect("the holder is named");
                assert_eq!(holder.pid, std::process::id());
                assert_eq!(holder.host, host_name());
                let text = e.to_string();
                assert!(
                    text.contains(&format!("process {}", std::process::id())),
                    "{text}"
                );
            }
            other => panic!("expected the job to be locked, got {other:?}"),
        }
        drop(first);
        assert!(!lock_path(&journal).exists(), "the lock file goes with its lock");
        drop(JobLock::acquire(&journal).unwrap());
    }

    #[test]
    fn a_lock_file_left_by_a_killed_run_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        // A holder line whose process died with SIGKILL: the file is there, the flock is not.
        std::fs::write(
            lock_path(&journal),
            r#"{"pid":1,"host":"gone","started":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let lock = JobLock::acquire(&journal).unwrap();
        let holder = read_holder(&lock_path(&journal)).unwrap();
        assert_eq!(holder.pid, std::process::id());
        drop(lock);
    }

    #[test]
    fn a_lock_file_removed_under_a_waiting_run_is_made_anew() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("j.jsonl");
        let path = lock_path(&journal);
        // A run opened the name, then its holder ended and removed it: the opened file is
        // locked by no one but is not the lock any more.
        std::fs::write(&path, "").unwrap();
        let stale = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(!names_this_file(&path, &stale));
        let lock = JobLock::acquire(&journal).unwrap();
        assert!(names_this_file(&path, &lock.file));
    }
}
