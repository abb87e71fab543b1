//! The TCP listener wrapper that makes shutdown take effect immediately.
//!
//! axum's graceful shutdown reacts to its signal a couple of task hops later, so a client that
//! connects right after `drop(handle)` could still be served. Tests that check "server gone"
//! behaviour need the cut to be synchronous, hence a shared `stopped` flag, set by the handle:
//! * [`GuardedListener`] closes any connection accepted after the flag is set and closes the
//!   listening socket at once;
//! * [`refuse_when_stopped`] drops the connection of requests arriving on kept-alive
//!   connections.
//!
//! When the listener is finally dropped it reports on `closed`, which `spawn_background` handles
//! wait for, so the port refuses connections once `shutdown`/`drop` returns.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};

use super::App;
use super::faults::dropped_response;

pub(crate) struct GuardedListener {
    inner: Option<TcpListener>,
    stopped: Arc<AtomicBool>,
    closed: Option<mpsc::Sender<()>>,
}

impl GuardedListener {
    pub(crate) fn new(
        inner: TcpListener,
        stopped: Arc<AtomicBool>,
        closed: Option<mpsc::Sender<()>>,
    ) -> GuardedListener {
        GuardedListener {
            inner: Some(inner),
            stopped,
            closed,
        }
    }

    /// Closes the listening socket (idempotent) and reports it.
    fn close(&mut self) {
        self.inner = None;
        if let Some(closed) = self.closed.take() {
            // Nobody waiting is fine.
            let _ = closed.send(());
        }
    }
}

impl Listener for GuardedListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some(inner) = self.inner.as_mut() else {
                // Closed: never yield another connection; graceful shutdown ends the loop.
                return std::future::pending().await;
            };
            // axum's impl retries transient accept errors for us.
            let conn = Listener::accept(inner).await;
            if !self.stopped.load(Ordering::SeqCst) {
                // As web servers do: an answer goes out as soon as it is written, not after
                // the client's delayed ACK of the previous segment (Nagle).
                let _ = conn.0.set_nodelay(true);
                return conn;
            }
            drop(conn);
            self.close();
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match &self.inner {
            Some(inner) => inner.local_addr(),
            None => Err(std::io::Error::other("demo server listener is closed")),
        }
    }
}

impl Drop for GuardedListener {
    fn drop(&mut self) {
        self.close();
    }
}

/// Outermost middleware: after shutdown, every request gets its connection dropped.
pub(crate) async fn refuse_when_stopped(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> Response {
    if app.stopped.load(Ordering::SeqCst) {
        return dropped_response();
    }
    next.run(req).await
}
