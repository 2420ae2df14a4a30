//! The constructor options and their rules, on plain Rust values (the shell reads them from
//! JS objects, the Rust builder sets them directly).

use crate::engine::text::{display_number, option_name, text};
use crate::error::Error;
use crate::prelude::*;

/// How binary messages reach JavaScript handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryType {
    /// As an `ArrayBuffer` (the default: readable at once).
    #[default]
    ArrayBuffer,
    /// As a `Blob`.
    Blob,
}

impl BinaryType {
    /// Reads the option's value: `"arraybuffer"` or `"blob"`.
    ///
    /// ```
    /// use duplex_ws::BinaryType;
    /// assert_eq!(BinaryType::parse("blob").unwrap(), BinaryType::Blob);
    /// assert_eq!(BinaryType::parse("text").unwrap_err().code(), "INVALID_OPTION");
    /// ```
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "arraybuffer" => Ok(BinaryType::ArrayBuffer),
            "blob" => Ok(BinaryType::Blob),
            other => Err(invalid(
                "binaryType",
                text!("\"", other, "\" is neither \"arraybuffer\" nor \"blob\""),
            )),
        }
    }
}

/// What `send` does when the queue is at a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse the new message with `QUEUE_FULL` (the default): nothing queued is lost.
    #[default]
    Error,
    /// Drop the oldest queued messages to make room, and report it in an `error` event.
    DropOldest,
}

impl Overflow {
    /// Reads the option's value: `"error"` or `"drop-oldest"`.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "error" => Ok(Overflow::Error),
            "drop-oldest" => Ok(Overflow::DropOldest),
            other => Err(invalid(
                "queue.overflow",
                text!("\"", other, "\" is neither \"error\" nor \"drop-oldest\""),
            )),
        }
    }
}

/// Bounds of the send queue used while connecting and reconnecting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLimits {
    /// At most this many bytes queued (UTF-8 bytes for text). Default 1 MiB.
    pub max_bytes: usize,
    /// At most this many messages queued. Default 10,000.
    pub max_messages: usize,
    /// What happens at a bound. Default [`Overflow::Error`].
    pub overflow: Overflow,
}

impl Default for QueueLimits {
    fn default() -> Self {
        Self {
            max_bytes: 1 << 20,
            max_messages: 10_000,
            overflow: Overflow::Error,
        }
    }
}

/// When and how to reconnect after a connection ends without the user's `close()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// The first attempt's delay ceiling; each further attempt multiplies it by `factor`.
    /// Default 500.
    pub min_delay_ms: u32,
    /// No delay is ever longer. Default 30,000.
    pub max_delay_ms: u32,
    /// Growth of the delay ceiling per attempt (at least 1). Default 2.
    pub factor: f64,
    /// Attempts in a row without an open before giving up. Default: no limit (`u32::MAX`).
    pub max_retries: u32,
    /// Close codes from the server that end the socket for good. Default: none.
    pub final_codes: Vec<u16>,
    /// The attempt count (and so the backoff) starts over only after a connection stayed
    /// open this long, so a server that accepts and drops at once is not hammered.
    /// Default 5,000.
    pub min_uptime_ms: u32,
    /// Whether to ask the user before each reconnect ([`Command::ConsultReconnect`]); set
    /// when the app gave a `shouldReconnect` function. Default false.
    ///
    /// [`Command::ConsultReconnect`]: crate::engine::commands::Command::ConsultReconnect
    pub consult: bool,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            min_delay_ms: 500,
            max_delay_ms: 30_000,
            factor: 2.0,
            max_retries: u32::MAX,
            final_codes: Vec::new(),
            min_uptime_ms: 5_000,
            consult: false,
        }
    }
}

/// An application-level heartbeat: `message` every `interval_ms`; nothing received within
/// `timeout_ms` means the connection is dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatPolicy {
    /// How often to send `message`. Default 30,000.
    pub interval_ms: u32,
    /// Silence longer than this ends the connection (`HEARTBEAT_TIMEOUT`). Default 60,000.
    pub timeout_ms: u32,
    /// What to send (text). Default `"ping"`.
    pub message: String,
    /// The server's answer to the heartbeat, if it has a fixed one: incoming text messages
    /// equal to it are not dispatched. Default none.
    pub reply: Option<String>,
}

impl Default for HeartbeatPolicy {
    fn default() -> Self {
        Self {
            interval_ms: 30_000,
            timeout_ms: 60_000,
            message: "ping".to_owned(),
            reply: None,
        }
    }
}

/// A session (`duplex.v1`, docs/protocol.md): how this side acknowledges what it receives.
/// The defaults are the protocol's latest: an ack after 64 messages or 50 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Acknowledge at the latest after this many unacknowledged messages (1-1024).
    /// Default 64.
    pub ack_every: u32,
    /// Acknowledge at the latest this long after the first unacknowledged message
    /// (0-1000 ms). Default 50.
    pub ack_delay_ms: u32,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            ack_every: 64,
            ack_delay_ms: 50,
        }
    }
}

impl SessionPolicy {
    /// Checks the bounds the protocol sets (`session.ack_every`, `session.ack_delay_ms`).
    pub fn validate(&self) -> Result<(), Error> {
        if !(1..=1024).contains(&self.ack_every) {
            let problem = text!(self.ack_every, " is not in 1-1024");
            return Err(invalid(
                option_name!("session.ackEvery", "session.ack_every"),
                problem,
            ));
        }
        if self.ack_delay_ms > 1000 {
            let problem = text!(self.ack_delay_ms, " is not in 0-1000");
            return Err(invalid(
                option_name!("session.ackDelayMs", "session.ack_delay_ms"),
                problem,
            ));
        }
        Ok(())
    }
}

/// The default `highWaterMark` of `sendAsync` / `send_async`: 1 MiB.
pub const DEFAULT_HIGH_WATER_MARK: usize = 1 << 20;

/// Every option of a socket. [`Options::default`] is a plain socket: no reconnect, no
/// heartbeat, no connect timeout, the default queue bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Subprotocols to ask for, in order of preference.
    pub protocols: Vec<String>,
    /// How binary messages reach JS handlers (the Rust face always reads bytes).
    pub binary_type: BinaryType,
    /// Give up an attempt that has not opened by then.
    pub connect_timeout_ms: Option<u32>,
    /// Reconnect with backoff after a connection ends, if set.
    pub reconnect: Option<ReconnectPolicy>,
    /// Send heartbeats and detect silence, if set.
    pub heartbeat: Option<HeartbeatPolicy>,
    /// Bounds of the send queue.
    pub queue: QueueLimits,
    /// `sendAsync` / `send_async` wait while the browser buffers more bytes than this.
    pub high_water_mark: usize,
    /// Whether the page's lifecycle steers reconnects (offline pauses, online and wake try
    /// at once). `None`: on when reconnect is on.
    pub lifecycle: Option<bool>,
    /// Offer a session (`duplex.v1`): nothing lost across reconnects, if set.
    pub session: Option<SessionPolicy>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            protocols: Vec::new(),
            binary_type: BinaryType::ArrayBuffer,
            connect_timeout_ms: None,
            reconnect: None,
            heartbeat: None,
            queue: QueueLimits::default(),
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            lifecycle: None,
            session: None,
        }
    }
}

impl Options {
    /// Whether lifecycle events steer this socket (see [`Options::lifecycle`]).
    pub fn lifecycle_on(&self) -> bool {
        self.lifecycle.unwrap_or(self.reconnect.is_some())
    }

    /// Checks every rule; the error names the option, its value and the rule.
    ///
    /// ```
    /// use duplex_ws::{Options, ReconnectPolicy};
    /// let mut options = Options::default();
    /// options.reconnect = Some(ReconnectPolicy { min_delay_ms: 5_000, max_delay_ms: 100, ..Default::default() });
    /// let err = options.validate().unwrap_err();
    /// assert_eq!(err.code(), "INVALID_OPTION");
    /// assert!(err.to_string().contains("reconnect.min_delay_ms"));
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        validate_protocols(&self.protocols)?;
        self.validate_ranges()?;
        self.validate_relations()
    }

    /// The rules of each value alone (a connect timeout of at least 1 ms, a finite factor of
    /// at least 1, close codes, the session's bounds). The npm package checks these in JS with
    /// each option's type (js/options.js), so its wasm does not carry them.
    fn validate_ranges(&self) -> Result<(), Error> {
        if self.connect_timeout_ms == Some(0) {
            return Err(invalid(
                option_name!("connectTimeoutMs", "connect_timeout_ms"),
                "0 is not allowed: it must be at least 1".into(),
            ));
        }
        if let Some(r) = &self.reconnect {
            if !(r.factor.is_finite() && r.factor >= 1.0) {
                return Err(invalid(
                    "reconnect.factor",
                    text!(
                        display_number(r.factor),
                        " is not a finite number of at least 1"
                    ),
                ));
            }
            if let Some(code) = r.final_codes.iter().find(|c| !(1000..=4999).contains(*c)) {
                return Err(invalid(
                    option_name!("reconnect.finalCodes", "reconnect.final_codes"),
                    text!(code, " is not a close code (1000-4999)"),
                ));
            }
        }
        if self.heartbeat.as_ref().is_some_and(|h| h.interval_ms == 0) {
            return Err(invalid(
                option_name!("heartbeat.intervalMs", "heartbeat.interval_ms"),
                "0 is not allowed: it must be at least 1".into(),
            ));
        }
        match &self.session {
            Some(session) => session.validate(),
            None => Ok(()),
        }
    }

    /// The rules between values, which may involve a default the caller did not set
    /// (`reconnect.min_delay_ms` against `max_delay_ms`, `heartbeat.timeout_ms` against
    /// `interval_ms`): the defaults live here, so both faces ask the engine.
    pub fn validate_relations(&self) -> Result<(), Error> {
        if let Some(r) = &self.reconnect {
            if r.min_delay_ms > r.max_delay_ms {
                return Err(invalid(
                    option_name!("reconnect.minDelayMs", "reconnect.min_delay_ms"),
                    text!(
                        r.min_delay_ms,
                        option_name!(
                            " is greater than reconnect.maxDelayMs ",
                            " is greater than reconnect.max_delay_ms "
                        ),
                        r.max_delay_ms
                    ),
                ));
            }
        }
        if let Some(h) = &self.heartbeat {
            if h.timeout_ms <= h.interval_ms {
                return Err(invalid(
                    option_name!("heartbeat.timeoutMs", "heartbeat.timeout_ms"),
                    text!(
                        h.timeout_ms,
                        option_name!(
                            " must be greater than heartbeat.intervalMs ",
                            " must be greater than heartbeat.interval_ms "
                        ),
                        h.interval_ms,
                        ", or every quiet interval looks like a dead connection"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Checks WebSocket subprotocol names: each a non-empty HTTP token, none twice
/// (RFC 6455 section 4.1; browsers throw a SyntaxError on a bad one).
///
/// ```
/// assert!(duplex_ws::validate_protocols(&["chat", "superchat"]).is_ok());
/// assert_eq!(duplex_ws::validate_protocols(&["a b"]).unwrap_err().code(), "INVALID_OPTION");
/// ```
pub fn validate_protocols<S: AsRef<str>>(protocols: &[S]) -> Result<(), Error> {
    for (i, protocol) in protocols.iter().enumerate() {
        let protocol = protocol.as_ref();
        if protocol.is_empty() || !protocol.bytes().all(is_token_byte) {
            return Err(invalid(
                "protocols",
                text!("\"", protocol, "\" is not a valid subprotocol name (an HTTP token: visible ASCII without separators)"),
            ));
        }
        if protocols[..i].iter().any(|p| p.as_ref() == protocol) {
            return Err(invalid(
                "protocols",
                text!("\"", protocol, "\" is listed twice"),
            ));
        }
    }
    Ok(())
}

/// A `tchar` of RFC 7230: visible ASCII except the separators `()<>@,;:\"/[]?={}` (written
/// as ranges: a search of the separators would cost the npm package's wasm a loop).
fn is_token_byte(b: u8) -> bool {
    matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'0'..=b'9' | b'A'..=b'Z'
        | b'^'..=b'z' | b'|' | b'~')
}

/// An [`Error::InvalidOption`] for option `name`.
pub(crate) fn invalid(name: &str, problem: String) -> Error {
    Error::InvalidOption {
        name: name.to_owned(),
        problem,
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "options_tests.rs"]
mod tests;
