//! The one error type of duplex-ws, with the stable codes of the public API.

use crate::engine::commands::CloseInfo;
use crate::prelude::*;

/// Everything that can go wrong with a [`DuplexSocket`](crate::DuplexSocket).
///
/// Each variant has a stable [`code`](Error::code) (the same string the JavaScript API puts on
/// `error.code`) and a message that names the offending value and the rule it broke.
///
/// ```
/// use duplex_ws::Error;
/// let err = duplex_ws::validate_url("ftp://example.com").unwrap_err();
/// assert_eq!(err.code(), "INVALID_URL");
/// assert!(err.to_string().contains("ftp://example.com"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not one a WebSocket can connect to.
    InvalidUrl {
        /// The URL as the caller gave it.
        url: String,
        /// Which rule it broke.
        problem: UrlProblem,
    },
    /// A close code other than 1000 or 3000-4999 (the only ones a client may send).
    InvalidCloseCode {
        /// The code the caller gave, as text (it may not even be a number).
        code: String,
    },
    /// A close reason the protocol cannot carry.
    InvalidCloseReason {
        /// The reason the caller gave.
        reason: String,
        /// Which rule it broke.
        problem: CloseReasonProblem,
    },
    /// An option of the wrong type or out of range.
    InvalidOption {
        /// The option's name, as in the API (`binaryType`, `protocols`, ...).
        name: String,
        /// What is wrong with its value, naming the value.
        problem: String,
    },
    /// `send` was given something that is not a string, ArrayBuffer, ArrayBufferView or Blob.
    InvalidData {
        /// A description of what was given (its type, and its value where short).
        found: String,
    },
    /// The send queue is at its `max_bytes` or `max_messages` bound (JS: `maxBytes`, `maxMessages`) (overflow `"error"`): the
    /// message was refused and nothing already queued was touched.
    QueueFull {
        /// The refused message's size in bytes.
        bytes: usize,
        /// Messages already queued.
        queued_messages: usize,
        /// Bytes already queued.
        queued_bytes: usize,
        /// The `queue.max_messages` bound.
        max_messages: usize,
        /// The `queue.max_bytes` bound.
        max_bytes: usize,
    },
    /// With overflow `"drop-oldest"`, the oldest queued messages were dropped to make room
    /// for a new one. Reported as an event; the new message was queued.
    QueueOverflow {
        /// How many messages were dropped.
        dropped_messages: usize,
        /// Their bytes together.
        dropped_bytes: usize,
        /// The `queue.max_messages` bound.
        max_messages: usize,
        /// The `queue.max_bytes` bound.
        max_bytes: usize,
    },
    /// `send` after the socket closed for good, or after `close()` (a browser WebSocket would
    /// drop the data silently); also why `opened` failed after a `close()` while connecting.
    Closed {
        /// The socket's URL.
        url: String,
        /// How it closed for good, once it has (`None` while it is closing): the message
        /// says it, so that a send refused after a server's close (1009 for a message over
        /// its limit, say) tells why.
        close: Option<CloseInfo>,
    },
    /// The user closed the socket while messages were still queued for a connection that
    /// was not open; they were not sent.
    ClosedWithUnsent {
        /// The socket's URL.
        url: String,
        /// How many queued messages were not sent.
        unsent: usize,
    },
    /// No open within `connect_timeout_ms` (JS: `connectTimeoutMs`).
    ConnectTimeout {
        /// The socket's URL.
        url: String,
        /// The `connect_timeout_ms` option.
        timeout_ms: u32,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// The opening handshake failed: refused, not a WebSocket endpoint, unreachable, ...
    ConnectionFailed {
        /// The socket's URL.
        url: String,
        /// The close code the browser reported (1006 when it gives none).
        code: u16,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// The app's provider (`url` or `protocols` given as a function) threw or rejected, so
    /// the attempt could not start.
    ProviderFailed {
        /// Which provider: `url` or `protocols`.
        provider: &'static str,
        /// What it did: `threw ...` or `rejected with ...`, with its message.
        reason: String,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// An open connection ended without a close frame.
    ConnectionLost {
        /// The socket's URL.
        url: String,
        /// The close code the browser reported (1006 when it gives none).
        code: u16,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// Nothing arrived within `heartbeat.timeout_ms` (JS: `heartbeat.timeoutMs`): the connection is taken for dead.
    HeartbeatTimeout {
        /// The socket's URL.
        url: String,
        /// The `heartbeat.timeout_ms` option.
        timeout_ms: u32,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// The server broke the session protocol (`duplex.v1`): the connection was dropped, and
    /// the session resumes on the next one when reconnect is on.
    SessionProtocol {
        /// The socket's URL.
        url: String,
        /// Which frame, and what was wrong with it.
        problem: String,
        /// Queued messages not sent, when this ended the socket for good (else 0: they wait).
        unsent: usize,
    },
    /// The server no longer knew the session a reconnect asked to resume (expired, or a
    /// restart without a shared store): a new session goes on, and what the old one had not
    /// delivered may be gone.
    SessionLost {
        /// The socket's URL.
        url: String,
        /// The session that was lost.
        session: String,
        /// The session that replaces it.
        new_session: String,
        /// The unacknowledged messages sent again, to the new session.
        resent: u64,
    },
}

impl Error {
    /// Sets the count of queued messages this failure left unsent (when it ended the socket
    /// for good).
    pub(crate) fn with_unsent(mut self, count: usize) -> Error {
        if let Error::ConnectTimeout { unsent, .. }
        | Error::ConnectionFailed { unsent, .. }
        | Error::ProviderFailed { unsent, .. }
        | Error::ConnectionLost { unsent, .. }
        | Error::HeartbeatTimeout { unsent, .. }
        | Error::ClosedWithUnsent { unsent, .. }
        | Error::SessionProtocol { unsent, .. } = &mut self
        {
            *unsent = count;
        }
        self
    }

    /// The stable code of this error, as listed in the API contract (`INVALID_URL`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "INVALID_URL",
            Error::InvalidCloseCode { .. } => "INVALID_CLOSE_CODE",
            Error::InvalidCloseReason { .. } => "INVALID_CLOSE_REASON",
            Error::InvalidOption { .. } => "INVALID_OPTION",
            Error::InvalidData { .. } => "INVALID_DATA",
            Error::QueueFull { .. } | Error::QueueOverflow { .. } => "QUEUE_FULL",
            Error::Closed { .. } | Error::ClosedWithUnsent { .. } => "CLOSED",
            Error::ConnectTimeout { .. } => "CONNECT_TIMEOUT",
            Error::ConnectionFailed { .. } | Error::ProviderFailed { .. } => "CONNECTION_FAILED",
            Error::ConnectionLost { .. } | Error::SessionProtocol { .. } => "CONNECTION_LOST",
            Error::HeartbeatTimeout { .. } => "HEARTBEAT_TIMEOUT",
            Error::SessionLost { .. } => "SESSION_LOST",
        }
    }
}

/// The rule a URL broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// It could not be read as an absolute URL.
    DoesNotParse(&'static str),
    /// Its scheme is not one a WebSocket uses.
    Scheme(String),
    /// It has a `#fragment`, which WebSocket URLs cannot have.
    Fragment(String),
    /// The browser's own URL parser rejected it.
    Browser(String),
}

/// The rule a close reason broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReasonProblem {
    /// Longer than the 123 bytes a close frame can carry.
    TooLong(usize),
    /// A reason was given without a close code.
    WithoutCode,
}

#[path = "error_message.rs"]
mod message;
