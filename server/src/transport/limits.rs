//! The limits every WebSocket connection runs under. Declared once: the same struct is the
//! command line's limit flags (flattened into `crate::ops::cli::Args`) and the library's
//! setting, and each default is written once, in its flag. Transport layer: imports nothing
//! of the crate.

use std::time::Duration;

use clap::builder::FalseyValueParser;
use clap::{Args, Command, FromArgMatches};

/// Limits applied to every WebSocket connection. [`Limits::default`] holds the documented,
/// safe defaults (those of the flags, without their environment twins).
///
/// ```
/// use std::time::Duration;
/// use duplex_server::Limits;
///
/// let limits = Limits::default();
/// assert_eq!(limits.max_message_size, 1 << 20);
/// assert_eq!(limits.ping_interval, Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct Limits {
    /// The largest message a peer may send, in bytes; over it the server closes with 1009.
    #[arg(long, env = "DUPLEX_MAX_MESSAGE_SIZE", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub max_message_size: usize,

    /// The largest frame a peer may send, in bytes; over it the server closes with 1009.
    #[arg(long, env = "DUPLEX_MAX_FRAME_SIZE", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub max_frame_size: usize,

    /// How many WebSocket connections may be open at once; the next handshake gets HTTP 503.
    #[arg(long, env = "DUPLEX_MAX_CONNECTIONS", value_name = "N",
          default_value_t = 1000, value_parser = positive_usize)]
    pub max_connections: usize,

    /// The byte budget of what may wait to be written to one peer. On `/`, `/echo` and
    /// `/hooks` a peer's replies wait while its queue is over it; on `/relay` the other peers
    /// never wait: a peer whose queue stays over it for `--slow-reader-grace` is closed with
    /// 1013, and so is, at once, one whose queue would pass twice the budget plus
    /// `--max-message-size`.
    #[arg(long, env = "DUPLEX_SEND_BUFFER", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub send_buffer: usize,

    /// How long a peer's queue may stay over `--send-buffer` before the peer counts as a slow
    /// reader and is closed with 1013 (e.g. 2s).
    #[arg(long, env = "DUPLEX_SLOW_READER_GRACE", value_name = "DURATION", default_value = "2s",
          value_parser = positive_duration)]
    pub slow_reader_grace: Duration,

    /// How many pings a peer may send in one second; one more closes it with 1008.
    #[arg(long, env = "DUPLEX_MAX_PINGS_PER_SECOND", value_name = "N",
          default_value_t = 20, value_parser = positive_u32)]
    pub max_pings_per_second: u32,

    /// How long a client may take to send a request's headers; also how long a connection may
    /// stay silent before its first request, or idle between two (keep-alive). Then it is
    /// closed. Applies to the binary's listener (`duplex_server::run`).
    #[arg(long, env = "DUPLEX_HEADER_TIMEOUT", value_name = "DURATION", default_value = "10s",
          value_parser = positive_duration)]
    pub header_timeout: Duration,

    /// How many plain HTTP connections (not yet, or never, WebSockets) may be open at once;
    /// the next one gets 503 and is closed. Applies to the binary's listener.
    #[arg(long, env = "DUPLEX_MAX_HTTP_CONNECTIONS", value_name = "N",
          default_value_t = 512, value_parser = positive_usize)]
    pub max_http_connections: usize,

    /// How often the server pings each peer (e.g. 30s, 500ms).
    #[arg(long, env = "DUPLEX_PING_INTERVAL", value_name = "DURATION", default_value = "30s",
          value_parser = positive_duration)]
    pub ping_interval: Duration,

    /// How long a peer may stay silent after a ping (no pong, no message) before it is dropped.
    #[arg(long, env = "DUPLEX_PING_TIMEOUT", value_name = "DURATION", default_value = "20s",
          value_parser = positive_duration)]
    pub ping_timeout: Duration,

    /// How long the server waits for a close frame to be written and answered.
    #[arg(long, env = "DUPLEX_CLOSE_TIMEOUT", value_name = "DURATION", default_value = "5s",
          value_parser = positive_duration)]
    pub close_timeout: Duration,

    /// On SIGINT or SIGTERM, how long to wait for the close handshakes before exiting.
    #[arg(long, env = "DUPLEX_SHUTDOWN_TIMEOUT", value_name = "DURATION", default_value = "10s",
          value_parser = positive_duration)]
    pub shutdown_timeout: Duration,

    /// Sessions (`duplex.v1`): how long a session outlives its connection; a resume within it
    /// goes on where the session was, a later one is refused (a new session starts).
    #[arg(long, env = "DUPLEX_SESSION_TTL", value_name = "DURATION", default_value = "60s",
          value_parser = positive_duration)]
    pub session_ttl: Duration,

    /// Sessions: the most bytes of a session's replay buffer (the server's messages not yet
    /// acknowledged; each counts its payload and 112 bytes of bookkeeping); past it the
    /// oldest go, and a resume that needs them is refused. With --redis, a relay room's
    /// Stream is trimmed by it too: as a message joins, to as many of its size as this holds.
    #[arg(long, env = "DUPLEX_SESSION_REPLAY_BYTES", value_name = "BYTES",
          default_value_t = DEFAULT_MAX_SIZE, value_parser = positive_usize)]
    pub session_replay_bytes: usize,

    /// Sessions: the most messages of a session's replay buffer (with `--redis`, also the
    /// length a relay room's Redis Stream is trimmed to); past it the oldest go.
    #[arg(long, env = "DUPLEX_SESSION_REPLAY_MESSAGES", value_name = "N",
          default_value_t = 16384, value_parser = positive_usize)]
    pub session_replay_messages: usize,

    /// Sessions: how many this instance holds at once, connected or waiting for a resume. When
    /// all are held, a new one takes the place of one past its TTL, else of the one whose
    /// connection has been gone longest among those of the address holding the most sessions
    /// (IPv4, or IPv6 /64) that has one waiting, else of all; only when every one has a
    /// connection is a hello answered with close 1013.
    #[arg(long, env = "DUPLEX_MAX_SESSIONS", value_name = "N",
          default_value_t = 10_000, value_parser = positive_usize)]
    pub max_sessions: usize,
    /// permessage-deflate: the smallest message, in bytes, that the server compresses for a
    /// peer that negotiated it (text or binary alike); smaller ones go out as they are, since
    /// deflating a few bytes costs more CPU than it saves on the wire.
    #[arg(long, env = "DUPLEX_DEFLATE_THRESHOLD", value_name = "BYTES",
          default_value_t = DEFAULT_DEFLATE_THRESHOLD)]
    pub deflate_threshold: usize,
    /// Turns permessage-deflate off: the server accepts no compression offer. Its environment
    /// twin is false for 0, false, no, off, n, f or empty, and true for anything else.
    #[arg(long, env = "DUPLEX_NO_DEFLATE", value_parser = FalseyValueParser::new())]
    pub no_deflate: bool,
}

/// 1 MiB: the default for both size limits and the send buffer.
pub const DEFAULT_MAX_SIZE: usize = 1 << 20;

/// The read and write buffer of each WebSocket connection, in bytes. Small, because every
/// idle peer holds both: a larger frame grows a buffer while it passes, and yawc gives the
/// memory back after it (see `transport::wire`). Not smaller: with 256 bytes an idle peer
/// cost 1.5 KB less, but every 1 KiB message then grew and shrank the read buffer, and the
/// pipelined 1 KiB echo took 23% more server CPU per message.
pub const IO_BUFFER_BYTES: usize = 1024;
/// Bytes of frames a connection's write buffer collects before it is written out, even in
/// the middle of a batch; also the most it keeps after a burst (yawc gives back only what
/// grew past it).
pub const WRITE_BATCH_BYTES: usize = 16 * 1024;
/// The default of `--deflate-threshold` (Node ws's default too).
pub const DEFAULT_DEFLATE_THRESHOLD: usize = 1024;

/// The bound on the HTTP server's read buffer for a request head (request line and headers):
/// once the buffer holds this much without a whole head, the client gets 431 and the
/// connection is closed. hyper checks it between reads, so a head of up to twice this may
/// still pass; a longer one never does.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Room in the write buffer beyond one message: frame headers, the conversation's reply
/// around a message, a pong and a close frame.
pub const WRITE_SLACK_BYTES: usize = 64 * 1024;

impl Limits {
    /// The most payload bytes that may be queued for one peer: past it the peer is closed
    /// with 1013 at once (twice `send_buffer`, plus one message of the largest size).
    pub fn queue_cap(&self) -> usize {
        self.send_buffer
            .saturating_mul(2)
            .saturating_add(self.max_message_size)
    }

    /// The largest write buffer of a connection: frames of a batch up to
    /// [`WRITE_BATCH_BYTES`] (past it the buffer is written out before the next frame goes
    /// in), one message of the largest size, and [`WRITE_SLACK_BYTES`]. Pongs are written
    /// before more is read, so a peer that pings and never reads is not read either.
    pub fn max_write_buffer(&self) -> usize {
        WRITE_BATCH_BYTES
            .saturating_add(self.max_message_size)
            .saturating_add(WRITE_SLACK_BYTES)
    }

    /// The worst case of the memory one WebSocket connection holds, in bytes: the read
    /// buffer with a frame in it, the message being assembled, the message in the endpoint's
    /// hands, the queue at its cap, and the write buffer at its maximum.
    pub fn worst_case_connection_bytes(&self) -> usize {
        let read = IO_BUFFER_BYTES + self.max_frame_size + self.max_message_size;
        let in_hand = self.max_message_size;
        read.saturating_add(in_hand)
            .saturating_add(self.queue_cap())
            .saturating_add(self.max_write_buffer())
    }

    /// The worst case of the memory the binary's server holds for its connections, in bytes:
    /// `max_connections` WebSockets at [`Limits::worst_case_connection_bytes`], and
    /// `max_http_connections` plain HTTP connections, each with a full request head read and
    /// as much again written.
    pub fn worst_case_server_bytes(&self) -> usize {
        let websockets = self
            .max_connections
            .saturating_mul(self.worst_case_connection_bytes());
        let http = self.max_http_connections.saturating_mul(2 * MAX_HEAD_BYTES);
        websockets.saturating_add(http)
    }
}

impl Limits {
    /// The worst case of the memory the sessions' replay buffers hold, in bytes (besides
    /// their connections): `max_sessions` buffers full at `session_replay_bytes`. Relayed
    /// payloads are shared between the buffers of a room, so this is far from the usual case.
    pub fn worst_case_session_bytes(&self) -> usize {
        self.max_sessions.saturating_mul(self.session_replay_bytes)
    }
}

impl Default for Limits {
    /// The flags' defaults. The environment twins are ignored here: a library's defaults do
    /// not change with the environment of the process.
    fn default() -> Self {
        let command = Limits::augment_args(Command::new("limits").no_binary_name(true))
            .mut_args(|arg| arg.env(None));
        let matches = command
            .try_get_matches_from(std::iter::empty::<String>())
            .expect("every limit flag has a valid default");
        Limits::from_arg_matches(&matches).expect("every limit flag has a valid default")
    }
}

fn positive_usize(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be 1 or more".to_owned()),
        Ok(number) => Ok(number),
        Err(_) => Err(format!("{value:?} is not a whole number of 1 or more")),
    }
}

fn positive_u32(value: &str) -> Result<u32, String> {
    match value.parse::<u32>() {
        Ok(0) => Err("must be 1 or more".to_owned()),
        Ok(number) => Ok(number),
        Err(_) => Err(format!(
            "{value:?} is not a whole number from 1 to {}",
            u32::MAX
        )),
    }
}

fn positive_duration(value: &str) -> Result<Duration, String> {
    match humantime::parse_duration(value) {
        Ok(duration) if duration.is_zero() => Err("must be longer than 0".to_owned()),
        Ok(duration) => Ok(duration),
        Err(error) => Err(format!(
            "{value:?} is not a duration like 30s, 500ms or 2m ({error})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let limits = Limits::default();
        assert_eq!(limits.max_message_size, 1 << 20);
        assert_eq!(limits.max_frame_size, 1 << 20);
        assert_eq!(limits.max_connections, 1000);
        assert_eq!(limits.send_buffer, 1 << 20);
        assert_eq!(limits.slow_reader_grace, Duration::from_secs(2));
        assert_eq!(limits.max_pings_per_second, 20);
        assert_eq!(limits.header_timeout, Duration::from_secs(10));
        assert_eq!(limits.max_http_connections, 512);
        assert_eq!(limits.ping_interval, Duration::from_secs(30));
        assert_eq!(limits.ping_timeout, Duration::from_secs(20));
        assert_eq!(limits.close_timeout, Duration::from_secs(5));
        assert_eq!(limits.shutdown_timeout, Duration::from_secs(10));
        assert_eq!(limits.session_ttl, Duration::from_secs(60));
        assert_eq!(limits.session_replay_bytes, 1 << 20);
        assert_eq!(limits.session_replay_messages, 16384);
        assert_eq!(limits.max_sessions, 10_000);
        assert_eq!(limits.deflate_threshold, 1024);
        assert!(!limits.no_deflate);
    }
}
