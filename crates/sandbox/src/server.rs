//! The accept loop: one task per connection (HTTP/1.1 keep-alive), a per-connection handle
//! that lets a handler drop its connection without answering, and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use super::faults::ConnDrop;

/// How long open connections may finish their requests after shutdown starts.
const DRAIN: Duration = Duration::from_secs(5);

/// Resolves when `stop` turns true. A dropped sender never stops anything: an embedded
/// sandbox whose handle is gone keeps serving for the life of the process.
pub async fn stopped(mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow_and_update() {
            return;
        }
        if stop.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Serves `app` on `listener` until `shutdown` turns true, then drains.
pub async fn serve(listener: TcpListener, app: Router, shutdown: watch::Receiver<bool>) {
    let mut conns = JoinSet::new();
    let stop = stopped(shutdown.clone());
    tokio::pin!(stop);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(connection(stream, app.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Out of descriptors and the like: wait a little instead of spinning.
                    tracing::warn!(error = %e, "sandbox: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = &mut stop => break,
        }
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async { while conns.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        conns.abort_all();
    }
}

async fn connection(stream: TcpStream, app: Router, shutdown: watch::Receiver<bool>) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "sandbox: cannot set TCP_NODELAY");
    }
    let dropper = Arc::new(Notify::new());
    let handle = ConnDrop(dropper.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        app.clone().oneshot(req)
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let stop = stopped(shutdown);
    tokio::pin!(stop);
    let mut draining = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "sandbox: connection ended with an error");
                }
                return;
            }
            // A handler asked for the connection to vanish: dropping it closes the socket
            // with the request unanswered.
            _ = dropper.notified() => return,
            _ = &mut stop, if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
