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

/// Go's `net/http` decodes the path into bytes and gin hands them to the handler as they are:
/// an id whose bytes are not UTF-8 is just an unknown id (shown as U+FFFD in JSON). axum would
/// refuse such a path parameter with a plain-text 400 of its own before any handler runs, so
/// each percent-encoded run that is not UTF-8 is replaced by U+FFFD (percent-encoded) first.
fn utf8_path(uri: &hyper::Uri) -> Option<hyper::Uri> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn flush(run: &mut Vec<u8>, out: &mut String, changed: &mut bool) {
        if run.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(run);
        *changed |= matches!(text, std::borrow::Cow::Owned(_));
        for b in text.as_bytes() {
            out.push_str(&format!("%{b:02X}"));
        }
        run.clear();
    }
    let path = uri.path().as_bytes();
    if !path.contains(&b'%') {
        return None;
    }
    let (mut out, mut run, mut changed) = (String::with_capacity(path.len()), Vec::new(), false);
    let mut i = 0;
    while i < path.len() {
        let byte = match (
            path[i],
            path.get(i + 1).copied().and_then(hex),
            path.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => Some(hi * 16 + lo),
            _ => None,
        };
        match byte {
            Some(b) => {
                run.push(b);
                i += 3;
            }
            None => {
                flush(&mut run, &mut out, &mut changed);
                out.push(char::from(path[i]));
                i += 1;
            }
        }
    }
    flush(&mut run, &mut out, &mut changed);
    if !changed {
        return None;
    }
    let rebuilt = match uri.query() {
        Some(q) => format!("{out}?{q}"),
        None => out,
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(rebuilt.parse().ok()?);
    hyper::Uri::from_parts(parts).ok()
}

async fn connection(stream: TcpStream, app: Router, shutdown: watch::Receiver<bool>) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "sandbox: cannot set TCP_NODELAY");
    }
    let dropper = Arc::new(Notify::new());
    let handle = ConnDrop(dropper.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(handle.clone());
        if let Some(uri) = utf8_path(req.uri()) {
            *req.uri_mut() = uri;
        }
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

#[cfg(test)]
mod tests {
    use super::utf8_path;

    fn fixed(uri: &str) -> Option<String> {
        utf8_path(&uri.parse().unwrap()).map(|u| u.to_string())
    }

    #[test]
    fn only_paths_that_are_not_utf8_are_rewritten() {
        assert_eq!(fixed("/v1/wallets/abc?limit=1"), None);
        assert_eq!(fixed("/v1/wallets/%E2%82%AC"), None);
        assert_eq!(fixed("/v1/wallets/a%2Fb"), None);
        assert_eq!(
            fixed("/v1/wallets/%FF/top-up?x=%FF").as_deref(),
            Some("/v1/wallets/%EF%BF%BD/top-up?x=%FF")
        );
        assert_eq!(
            fixed("/v1/wallets/a%2F%E2%82/x%zz").as_deref(),
            Some("/v1/wallets/a%2F%EF%BF%BD/x%zz")
        );
    }
}
