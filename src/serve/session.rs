//! One SSH connection: public-key login against the authorized operators, the pty and its
//! size, and the operator's own console on the session channel.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::mpsc;

use super::Shared;
use super::authorized::{Operator, fingerprint};
use super::console::{self, ConsoleRequest, Input, TermRequest};
use super::input::InputLimit;

/// The per-connection handler russh drives.
pub struct Connection {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    operator: Option<Arc<Operator>>,
    channel: Option<ChannelId>,
    term: TermRequest,
    /// Into the running console; dropping it ends the console (disconnect, EOF, close).
    input: Option<mpsc::UnboundedSender<Input>>,
    limit: InputLimit,
    dropped: u64,
    /// Set once the operator's key is accepted: the accept loop's login deadline stops here.
    logged_in: Arc<std::sync::atomic::AtomicBool>,
}

impl Connection {
    pub(super) fn new(
        shared: Arc<Shared>,
        peer: Option<SocketAddr>,
        logged_in: Arc<std::sync::atomic::AtomicBool>,
    ) -> Connection {
        let limit = InputLimit::new(
            shared.limits.input_per_sec,
            shared.limits.input_burst,
            Instant::now(),
        );
        Connection {
            shared,
            peer,
            operator: None,
            channel: None,
            term: TermRequest::default(),
            input: None,
            limit,
            dropped: 0,
            logged_in,
        }
    }

    fn peer(&self) -> String {
        self.peer.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
    }

    fn lookup(&self, key: &PublicKey) -> Option<Arc<Operator>> {
        self.shared.authorized.borrow().find(key)
    }
}

/// The largest terminal side a client may ask for, in cells: a console's frame buffers grow
/// with the area (a 65535x65535 request asked for 200 GB and brought the whole server down).
/// Larger requests are drawn at this size.
pub const MAX_TERM_SIDE: u16 = 1000;

fn clamp(v: u32) -> u16 {
    v.clamp(1, u32::from(MAX_TERM_SIDE)) as u16
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Unknown keys are refused before the client is asked to sign anything.
        Ok(match self.lookup(offer.public_key) {
            Some(_) => Auth::Accept,
            None => {
                tracing::info!(key = %fingerprint(offer.public_key), peer = %self.peer(), user, "ssh key offered is not an authorized operator's");
                Auth::reject()
            }
        })
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        match self.lookup(key.public_key) {
            Some(op) => {
                tracing::info!(operator = %op.name, role = op.role.name(), key = %op.fingerprint, peer = %self.peer(), user, "ssh login");
                self.operator = Some(op);
                self.logged_in.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Auth::Accept)
            }
            None => {
                tracing::warn!(key = %fingerprint(key.public_key), peer = %self.peer(), user, "ssh login refused: unknown key");
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        tracing::warn!(peer = %self.peer(), user, "ssh password login refused: keys only");
        Ok(Auth::reject())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One console per connection; a second session channel is refused (dropping `reply`).
        if self.channel.is_none() && self.operator.is_some() {
            self.channel = Some(channel.id());
            reply.accept().await;
        }
        // The console reads input through `data` below; the channel object itself is not kept.
        drop(channel);
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel != Some(channel) || self.input.is_some() {
            return session.channel_failure(channel);
        }
        self.term.term = Some(term.to_string());
        self.term.size = (clamp(col_width), clamp(row_height));
        session.channel_success(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel == Some(channel) && matches!(name, "COLORTERM" | "NO_COLOR") {
            self.term.env.insert(name.to_string(), value.to_string());
            return session.channel_success(channel);
        }
        session.channel_failure(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let (Some(operator), true, None) =
            (self.operator.clone(), self.channel == Some(channel), &self.input)
        else {
            return session.channel_failure(channel);
        };
        session.channel_success(channel)?;
        let handle = session.handle();
        if self.term.term.is_none() {
            let message = "the console needs a terminal: connect with ssh -t".to_string();
            tokio::spawn(refuse(handle, channel, message));
            return Ok(());
        }
        let Ok(permit) = self.shared.sessions.clone().try_acquire_owned() else {
            tracing::warn!(operator = %operator.name, max = self.shared.limits.max_sessions, "session refused: too many sessions");
            let message = format!(
                "{} consoles are open, the most this server allows: try again later",
                self.shared.limits.max_sessions
            );
            tokio::spawn(refuse(handle, channel, message));
            return Ok(());
        };
        let (tx, rx) = mpsc::unbounded_channel();
        self.input = Some(tx);
        let request = ConsoleRequest {
            operator,
            term: self.term.clone(),
            peer: self.peer(),
        };
        let shared = self.shared.clone();
        self.shared.consoles.spawn(async move {
            console::run(shared, handle, channel, request, rx).await;
            drop(permit);
        });
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let message = "this server opens the wallet console only: connect without a command".to_string();
        tokio::spawn(refuse(session.handle(), channel, message));
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel != Some(channel) {
            return Ok(());
        }
        let size = (clamp(col_width), clamp(row_height));
        self.term.size = size;
        if let Some(tx) = &self.input {
            let _ = tx.send(Input::Resize(size.0, size.1));
        }
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel != Some(channel) {
            return Ok(());
        }
        let Some(tx) = &self.input else { return Ok(()) };
        let admitted = self.limit.admit(data.len(), Instant::now());
        if admitted < data.len() {
            // Excess input is dropped: a stuck key or a flood cannot outrun the console.
            if self.dropped == 0 {
                tracing::warn!(operator = ?self.operator.as_ref().map(|o| &o.name), "input rate limit: dropping bytes");
            }
            self.dropped += (data.len() - admitted) as u64;
        }
        if admitted > 0 {
            let _ = tx.send(Input::Bytes(data[..admitted].to_vec()));
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        if self.channel == Some(channel) {
            self.input = None;
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        if self.channel == Some(channel) {
            self.input = None;
            self.channel = None;
        }
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(op) = &self.operator {
            tracing::info!(operator = %op.name, peer = %self.peer(), dropped_input_bytes = self.dropped, "ssh connection closed");
        }
    }
}

/// Says why on the channel, then closes it.
async fn refuse(handle: Handle, channel: ChannelId, message: String) {
    let _ = handle
        .data(channel, format!("flexwallet: {message}\r\n").into_bytes())
        .await;
    let _ = handle.exit_status_request(channel, 1).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}
