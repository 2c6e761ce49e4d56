//! The signals that ask a process to stop: SIGINT (Ctrl-C), SIGTERM, and SIGHUP (the terminal
//! went away, e.g. a dropped SSH link). Each user treats them alike: finish what is in flight,
//! leave everything resumable, then exit.

use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct StopSignals {
    int: Signal,
    term: Signal,
    hup: Signal,
}

impl StopSignals {
    /// Installs the handlers: from now on these signals no longer kill the process.
    pub fn install() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            int: signal(SignalKind::interrupt())?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for the next of them.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}
