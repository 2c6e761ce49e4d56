//! The job journal: append-only JSON lines, fsynced, replayed into per-row state on resume.
//!
//! One record per state change. A row's `sending` record is durable before its request leaves,
//! and its `done`/`failed`/`unknown`/`deferred` record is durable before the row counts as
//! finished. Writes go through one writer thread that commits in groups: every record waiting
//! when a write starts shares one `fdatasync`, so durability costs one disk flush per batch
//! rather than per row, and flushes start at most every [`FLUSH_EVERY`]. A crash can leave a
//! torn last line; replay ignores it and the next append truncates it away. A torn line
//! anywhere else is corruption and is reported.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;

pub use crate::lock::{Holder, JobLock};
pub use flexwallet_bulk::record::{Record, VERSION};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}: corrupt journal record: {reason}", .path.display())]
    Corrupt {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    #[error(
        "{}: another flexwallet process is running this job ({}): nothing was done; wait for it \
         to end or stop it, then run this again (the job goes on where it stopped)",
        .path.display(),
        .holder.as_ref().map_or_else(|| "the journal is locked".to_string(), |h| h.to_string())
    )]
    Locked {
        path: PathBuf,
        /// Who holds it, when its lock file says (a process of an older flexwallet does not).
        holder: Option<Holder>,
    },
}

/// The journal's content, read back.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Replay {
    pub records: Vec<Record>,
    /// Bytes of whole lines; anything after is a torn tail.
    pub good_len: u64,
    pub torn_tail: bool,
}

/// Reads a journal, tolerating a torn last line.
pub fn read(path: &Path) -> Result<Replay, JournalError> {
    let io = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let mut reader = BufReader::new(file);
    let mut replay = Replay::default();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        match serde_json::from_slice::<Record>(&buf) {
            Ok(r) if complete => {
                replay.records.push(r);
                replay.good_len += n as u64;
            }
            result => {
                // Only the last line may be torn: it is the one a crash interrupted.
                let mut rest = Vec::new();
                let at_end = reader.read_until(b'\n', &mut rest).map_err(io)? == 0;
                if at_end {
                    replay.torn_tail = true;
                    break;
                }
                let reason = match result {
                    Err(e) => e.to_string(),
                    Ok(_) => "line without newline".into(),
                };
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: line_no,
                    reason,
                });
            }
        }
    }
    Ok(replay)
}

type Ack = tokio::sync::oneshot::Sender<std::io::Result<()>>;

/// An open journal with its writer thread. Dropping it stops the thread after pending writes,
/// then releases the job's lock if it holds it.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    tx: Option<mpsc::Sender<(Vec<u8>, Ack)>>,
    thread: Option<thread::JoinHandle<()>>,
    job_lock: Option<JobLock>,
}

impl Journal {
    /// Creates a new journal holding `initial` (header and planned rows), durably.
    pub fn create(path: &Path, initial: &[Record]) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        // Customers' wallets and amounts: readable by the operator only, as the audit log is.
        crate::paths::create_private_parent(path).map_err(io)?;
        let mut options = OpenOptions::new();
        options.create_new(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io)?;
        lock(&file, path)?;
        let mut bytes = Vec::new();
        for r in initial {
            encode(r, &mut bytes).map_err(io)?;
        }
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        // The new name must survive a crash too.
        if let Some(dir) = dir
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(Self::start(path, file))
    }

    /// Opens an existing journal for appending after `replay` (cutting a torn tail).
    pub fn open(path: &Path, replay: &Replay) -> Result<Journal, JournalError> {
        let file = open_locked(path)?;
        Self::open_file(path, file, replay)
    }

    /// [`Journal::open`] with the journal already opened read-write and locked by
    /// [`open_locked`] (the caller read it under that lock).
    pub fn open_file(path: &Path, mut file: File, replay: &Replay) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        if replay.torn_tail {
            file.set_len(replay.good_len).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(Self::start(path, file))
    }

    fn start(path: &Path, file: File) -> Journal {
        let (tx, rx) = mpsc::channel::<(Vec<u8>, Ack)>();
        let thread = thread::Builder::new()
            .name("bulk-journal".into())
            .spawn(move || writer(file, rx))
            .ok();
        Journal {
            path: path.to_path_buf(),
            tx: thread.is_some().then_some(tx),
            thread,
            job_lock: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps the job's lock for as long as the journal is open (released after its last write).
    pub fn hold(&mut self, lock: JobLock) {
        self.job_lock = Some(lock);
    }

    /// The job's lock, taken back (to remove the journal under it before releasing it).
    pub fn take_lock(&mut self) -> Option<JobLock> {
        self.job_lock.take()
    }

    /// Appends one record; returns once it is on disk (written and fdatasynced).
    pub async fn append(&self, record: &Record) -> std::io::Result<()> {
        self.enqueue(record).await
    }

    /// Queues one record and returns at once; the returned [`Durable`] resolves when it is on
    /// disk. Records reach the disk in the order they were queued, so once a later record is
    /// durable, so is every earlier one.
    pub fn enqueue(&self, record: &Record) -> Durable {
        let queued = (|| {
            let mut bytes = Vec::with_capacity(256);
            encode(record, &mut bytes)?;
            let (ack, done) = tokio::sync::oneshot::channel();
            let tx = self
                .tx
                .as_ref()
                .ok_or_else(|| std::io::Error::other("the journal writer did not start"))?;
            tx.send((bytes, ack))
                .map_err(|_| std::io::Error::other("the journal writer stopped"))?;
            Ok(done)
        })();
        Durable(queued)
    }
}

/// A queued record's durability: await it.
#[derive(Debug)]
pub struct Durable(std::io::Result<tokio::sync::oneshot::Receiver<std::io::Result<()>>>);

impl std::future::IntoFuture for Durable {
    type Output = std::io::Result<()>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            self.0?
                .await
                .map_err(|_| std::io::Error::other("the journal writer stopped"))?
        })
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens an existing journal read-write and locks it, refusing when another process has it.
pub fn open_locked(path: &Path) -> Result<File, JournalError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    lock(&file, path)?;
    Ok(file)
}

fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        // The job's lock is ours, or there would be no journal open here: whoever holds the
        // journal itself is not a flexwallet that writes its name in a lock file.
        Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Locked {
            path: path.to_path_buf(),
            holder: None,
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn encode(record: &Record, out: &mut Vec<u8>) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, record).map_err(std::io::Error::other)?;
    out.push(b'\n');
    Ok(())
}

/// The least time between the starts of two flushes. Records that queue meanwhile join the next
/// one: at thousands of rows a second, flushing whatever had queued the moment the previous
/// flush ended meant a flush for every two or three records, and each costs the disk, the
/// kernel and (in a virtual machine) an exit to the host. The engine keeps more rows journaled
/// ahead than it has requests in flight, so the wait delays no request; a lone record after a
/// quiet spell is flushed at once.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(2);

/// Group commit: take everything queued, write it, fdatasync once, acknowledge all.
fn writer(mut file: File, rx: mpsc::Receiver<(Vec<u8>, Ack)>) {
    const MAX_BATCH: usize = 4096;
    let mut failed: Option<String> = None;
    let mut last_flush: Option<std::time::Instant> = None;
    while let Ok(first) = rx.recv() {
        if let Some(wait) = last_flush.and_then(|t| FLUSH_EVERY.checked_sub(t.elapsed())) {
            thread::sleep(wait);
        }
        last_flush = Some(std::time::Instant::now());
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let result = match &failed {
            // After a failed write the file's tail is unknown: refuse everything after it.
            Some(e) => Err(e.clone()),
            None => {
                let mut bytes = Vec::with_capacity(batch.iter().map(|(b, _)| b.len()).sum());
                for (b, _) in &batch {
                    bytes.extend_from_slice(b);
                }
                file.write_all(&bytes)
                    .and_then(|_| file.sync_data())
                    .map_err(|e| e.to_string())
            }
        };
        if let Err(e) = &result {
            failed = Some(e.clone());
        }
        for (_, ack) in batch {
            let _ = ack.send(result.clone().map_err(std::io::Error::other));
        }
    }
}

/// A job journal starts with its `job` record.
pub fn is_journal(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    std::io::BufReader::new(file).read_line(&mut first).is_ok()
        && matches!(
            serde_json::from_str::<Record>(first.trim_end()),
            Ok(Record::Job { .. })
        )
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
