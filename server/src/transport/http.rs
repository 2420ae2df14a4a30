//! Serving the router over HTTP/1.1 (the binary's listener): each accepted connection, plain
//! or TLS, runs hyper's HTTP/1 server with a header read timeout, which also ends silent and
//! idle keep-alive connections; at most `--max-http-connections` are served at once (a
//! connection that upgrades to a WebSocket leaves this count for `--max-connections`); the
//! next one gets 503 and is closed. Transport layer: imports only `transport`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::limits::{Limits, MAX_HEAD_BYTES};
use super::listen::Acceptor;
use super::upgrade::PeerAddr;

/// How long a client may take over its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a connection over `--max-http-connections` is told, before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 55\r\n\r\ntoo many HTTP connections: see --max-http-connections\r\n";

/// Serves `router` on `tcp` (through TLS with `tls`) under `limits` until `stop` resolves;
/// then stops accepting, asks every HTTP connection to close after its request in progress,
/// and resolves when they all have (bound the wait: a WebSocket closes on its own terms).
pub async fn serve(
    tcp: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    limits: &Limits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_http_connections));
    let tls = tls.map(TlsAcceptor::from);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let stopping = CancellationToken::new();
    let connections = TaskTracker::new();
    let mut acceptor = Acceptor::new(tcp);
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = acceptor.accept() => accepted,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            busy(stream, peer, tls.is_some());
            continue;
        };
        let service = router.clone().layer(Extension(ConnectInfo(PeerAddr(peer))));
        let (http, tls, stopping) = (http.clone(), tls.clone(), stopping.clone());
        connections.spawn(async move {
            let _slot = slot;
            match tls {
                None => serve_one(&http, stream, service, &stopping).await,
                Some(acceptor) => {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    {
                        Ok(Ok(stream)) => serve_one(&http, stream, service, &stopping).await,
                        Ok(Err(error)) => tracing::info!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(acceptor); // the port closes
    stopping.cancel();
    connections.close();
    connections.wait().await;
}

/// One HTTP connection, until it ends or upgrades (the WebSocket then runs in its own task).
async fn serve_one<I>(http: &http1::Builder, io: I, router: Router, stopping: &CancellationToken)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(router);
    let connection = http
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = stopping.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        // Timeouts, resets, malformed requests: the client's doing, not the server's.
        tracing::debug!(%error, "HTTP connection ended");
    }
}

/// Answers 503 (plain HTTP only; a TLS client would not understand it) and closes.
fn busy(stream: TcpStream, peer: SocketAddr, tls: bool) {
    tracing::debug!(%peer, "over --max-http-connections: closed with 503");
    if !tls {
        // A fresh socket's send buffer takes this at once; if not, closing is enough.
        let _ = stream.try_write(BUSY);
    }
}
