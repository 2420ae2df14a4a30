//! The limits every WebSocket connection runs under, with their defaults.

use std::time::Duration;

/// Limits applied to every WebSocket connection. [`Limits::default`] holds the documented,
/// safe defaults; the command line (see [`crate::cli::Args`]) can change each one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest message a peer may send, in bytes (over it: close 1009). Default 1 MiB.
    pub max_message_size: usize,
    /// The largest single frame a peer may send, in bytes (over it: close 1009). Default 1 MiB.
    pub max_frame_size: usize,
    /// How many WebSocket connections may be open at once (over it: HTTP 503). Default 1000.
    pub max_connections: usize,
    /// How many messages may wait to be written to one peer. A relay peer whose queue is full
    /// is closed with 1013, so the other peers never wait for it. Default 64.
    pub send_queue: usize,
    /// How often the server pings a peer. Default 30 s.
    pub ping_interval: Duration,
    /// How long a peer may stay silent after a ping before it is dropped (no pong, no
    /// message). Default 20 s.
    pub ping_timeout: Duration,
    /// How long the server waits for a close frame to be written and answered. Default 5 s.
    pub close_timeout: Duration,
    /// How long a graceful shutdown waits for every close handshake. Default 10 s.
    pub shutdown_timeout: Duration,
}

/// 1 MiB: the default for both size limits.
pub const DEFAULT_MAX_SIZE: usize = 1 << 20;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: DEFAULT_MAX_SIZE,
            max_frame_size: DEFAULT_MAX_SIZE,
            max_connections: 1000,
            send_queue: 64,
            ping_interval: Duration::from_secs(30),
            ping_timeout: Duration::from_secs(20),
            close_timeout: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}
