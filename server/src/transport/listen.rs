//! Binding the listening socket, with errors that name the flag and the value; and accepting
//! from it without spinning when the process runs out of file descriptors. Transport layer:
//! imports only `transport`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// The first wait after a failed accept; it doubles up to [`MOST_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// The longest wait between two accepts that fail.
const MOST_BACKOFF: Duration = Duration::from_secs(1);
/// Failed accepts are logged at most once per this interval (with how many there were).
const LOG_INTERVAL: Duration = Duration::from_secs(10);

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

/// Accepts connections from a bound listener. When accepting fails (out of file
/// descriptors: `Too many open files`), it waits, 10 ms doubling to 1 s, and tries again;
/// the failure is logged once per 10 s, with how many accepts failed meanwhile.
pub struct Acceptor {
    tcp: TcpListener,
    backoff: Duration,
    failures: u64,
    last_log: Option<Instant>,
}

impl Acceptor {
    /// Accepts from `tcp`.
    pub fn new(tcp: TcpListener) -> Acceptor {
        Acceptor {
            tcp,
            backoff: FIRST_BACKOFF,
            failures: 0,
            last_log: None,
        }
    }

    /// The next connection (Nagle's algorithm off), waiting out accept errors.
    pub async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.tcp.accept().await {
                Ok((stream, peer)) => {
                    self.backoff = FIRST_BACKOFF;
                    no_delay(&stream);
                    return (stream, peer);
                }
                Err(error) => {
                    self.failures += 1;
                    let now = Instant::now();
                    if self.last_log.is_none_or(|last| now - last >= LOG_INTERVAL) {
                        tracing::warn!(%error, failures = self.failures, "accepting connections fails; waiting and retrying (out of file descriptors? see ulimit -n)");
                        self.last_log = Some(now);
                        self.failures = 0;
                    }
                    tokio::time::sleep(self.backoff).await;
                    self.backoff = (self.backoff * 2).min(MOST_BACKOFF);
                }
            }
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
