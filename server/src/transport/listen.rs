//! Binding the listening socket, with errors that name the flag and the value; and the
//! listener axum serves from, plain TCP or TLS on the same port. Transport layer: imports
//! only `transport`.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::either::Either;

use super::upgrade::PeerAddr;

/// How long a client may take over its TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `host:port`, or says in plain words why not.
pub async fn bind(host: &str, port: u16) -> Result<TcpListener, String> {
    TcpListener::bind((host, port))
        .await
        .map_err(|error| bind_error(host, port, &error))
}

fn bind_error(host: &str, port: u16, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::AddrInUse => format!(
            "cannot listen on {host}:{port}: port {port} is already in use; stop what holds it, or pick another with --port (0 takes a free one)"
        ),
        io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {host}:{port}: permission denied (ports below 1024 need privileges); pick another with --port"
        ),
        io::ErrorKind::AddrNotAvailable => format!(
            "cannot listen on {host}:{port}: --host {host} is not an address of this machine"
        ),
        _ => format!("cannot listen on {host}:{port} (--host {host} --port {port}): {error}"),
    }
}

/// What axum serves from: the TCP listener itself, or TLS streams whose handshakes ran in
/// their own tasks (so one slow handshake holds up no other client).
pub enum DuplexListener {
    /// http and ws.
    Plain(TcpListener),
    /// https and wss.
    Tls {
        /// Streams whose TLS handshake is done.
        handshaken: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
        /// The bound address.
        local: SocketAddr,
        /// The task that accepts TCP connections and starts their handshakes.
        acceptor: JoinHandle<()>,
    },
}

impl DuplexListener {
    /// Serves `tcp` as is, or through TLS with `tls`.
    pub fn new(tcp: TcpListener, tls: Option<Arc<rustls::ServerConfig>>) -> io::Result<Self> {
        let Some(tls) = tls else {
            return Ok(DuplexListener::Plain(tcp));
        };
        let local = tcp.local_addr()?;
        let (done, handshaken) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_tls(tcp, TlsAcceptor::from(tls), done));
        Ok(DuplexListener::Tls {
            handshaken,
            local,
            acceptor,
        })
    }
}

impl Drop for DuplexListener {
    fn drop(&mut self) {
        if let DuplexListener::Tls { acceptor, .. } = self {
            acceptor.abort(); // stop accepting: the port closes with the listener
        }
    }
}

async fn accept_tls(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    done: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        no_delay(&stream);
        let acceptor = acceptor.clone();
        let done = done.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = done.send((tls, peer)).await;
                }
                Ok(Err(error)) => tracing::info!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::info!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl Listener for DuplexListener {
    type Io = Either<TcpStream, TlsStream<TcpStream>>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self {
            DuplexListener::Plain(tcp) => {
                let (stream, peer) = Listener::accept(tcp).await;
                no_delay(&stream);
                (Either::Left(stream), peer)
            }
            DuplexListener::Tls { handshaken, .. } => match handshaken.recv().await {
                Some((stream, peer)) => (Either::Right(stream), peer),
                // The acceptor task never ends on its own while the listener lives.
                None => std::future::pending().await,
            },
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        match self {
            DuplexListener::Plain(tcp) => tcp.local_addr(),
            DuplexListener::Tls { local, .. } => Ok(*local),
        }
    }
}

/// Turns Nagle's algorithm off: WebSocket messages are written whole and should leave at
/// once, not wait for the peer's delayed ACK.
fn no_delay(stream: &TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY could not be set");
    }
}

impl Connected<IncomingStream<'_, DuplexListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, DuplexListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}
