//! The messages of [`Error`] and its problems: each names the offending value and the rule it
//! broke. Built with the `text!` macro, not `core::fmt`, so that the npm package's wasm (which
//! makes them but never calls `Display`) carries none of Rust's formatting machinery.

use core::fmt;

use super::{CloseReasonProblem, Error, UrlProblem};
use crate::engine::text::{option_name, text};
use crate::prelude::*;

/// What a failure that ended the socket adds about the queued messages it left unsent.
fn lost_note(unsent: usize) -> String {
    match unsent {
        0 => String::new(),
        1 => "; 1 queued message was not sent".to_owned(),
        n => text!("; ", n, " queued messages were not sent"),
    }
}

impl Error {
    /// The message: names the offending value and the rule it broke (what `Display`
    /// shows; built without `core::fmt`, so the npm package's wasm can make it).
    pub fn message(&self) -> String {
        match self {
            Error::InvalidUrl { url, problem } => {
                text!("invalid WebSocket URL \"", url, "\": ", problem.message())
            }
            Error::InvalidCloseCode { code } => text!(
                "invalid close code ",
                code,
                ": a client may only close with 1000 or a code in 3000-4999"
            ),
            Error::InvalidCloseReason { reason, problem } => {
                text!("invalid close reason \"", reason, "\": ", problem.message())
            }
            Error::InvalidOption { name, problem } => text!("invalid option ", name, ": ", problem),
            Error::InvalidData { found } => text!(
                "invalid data for send: ",
                found,
                "; send takes a string, ArrayBuffer, ArrayBufferView or Blob"
            ),
            Error::QueueFull {
                bytes,
                queued_messages,
                queued_bytes,
                max_messages,
                max_bytes,
            } => text!(
                "the send queue is full: a ",
                bytes,
                "-byte message does not fit; queued: ",
                queued_messages,
                " message(s), ",
                queued_bytes,
                " byte(s)",
                bounds(*max_messages, *max_bytes)
            ),
            Error::QueueOverflow {
                dropped_messages,
                dropped_bytes,
                max_messages,
                max_bytes,
            } => text!(
                "the send queue was full: dropped the ",
                dropped_messages,
                " oldest queued message(s), ",
                dropped_bytes,
                " bytes, to make room",
                bounds(*max_messages, *max_bytes)
            ),
            // Said of a refused send and of an `opened` that never came (a close asked while
            // connecting): worded for both.
            Error::Closed { url, close: None } => {
                text!("the socket to ", url, " is closing or closed for good")
            }
            Error::Closed {
                url,
                close: Some(info),
            } => text!(
                "the socket to ",
                url,
                " closed for good (code ",
                info.code,
                ", reason \"",
                info.reason.as_str(),
                "\")"
            ),
            Error::ClosedWithUnsent { url, unsent } => text!(
                "closed ",
                url,
                " while ",
                unsent,
                " queued message(s) waited for a connection: they were not sent"
            ),
            Error::ConnectTimeout {
                url,
                timeout_ms,
                unsent,
            } => text!(
                "could not connect to ",
                url,
                option_name!(" within connectTimeoutMs ", " within connect_timeout_ms "),
                timeout_ms,
                lost_note(*unsent)
            ),
            Error::ConnectionFailed { url, code, unsent } => text!(
                "could not connect to ",
                url,
                ": the handshake failed (close code ",
                code,
                ")",
                lost_note(*unsent)
            ),
            Error::ProviderFailed {
                provider,
                reason,
                unsent,
            } => text!(
                "could not connect: the ",
                provider,
                " provider ",
                reason,
                lost_note(*unsent)
            ),
            Error::ConnectionLost { url, code, unsent } => text!(
                "the connection to ",
                url,
                " was lost without a close frame (close code ",
                code,
                ")",
                lost_note(*unsent)
            ),
            Error::HeartbeatTimeout {
                url,
                timeout_ms,
                unsent,
            } => text!(
                "nothing arrived from ",
                url,
                option_name!(
                    " within heartbeat.timeoutMs ",
                    " within heartbeat.timeout_ms "
                ),
                timeout_ms,
                ": the connection is taken for dead",
                lost_note(*unsent)
            ),
            Error::SessionProtocol {
                url,
                problem,
                unsent,
            } => text!(
                "the server at ",
                url,
                " broke the duplex.v1 protocol: ",
                problem,
                "; the connection was dropped",
                lost_note(*unsent)
            ),
            Error::SessionLost {
                url,
                session,
                new_session,
                resent,
            } => text!(
                "the server at ",
                url,
                " could not resume session ",
                session,
                ": ",
                resent,
                " unacknowledged message(s) were sent to the new session ",
                new_session,
                ", and messages the server had not delivered may be gone"
            ),
        }
    }
}

/// The queue's bounds, as a queue error ends.
fn bounds(max_messages: usize, max_bytes: usize) -> String {
    text!(
        option_name!(" (queue.maxMessages ", " (queue.max_messages "),
        max_messages,
        option_name!(", queue.maxBytes ", ", queue.max_bytes "),
        max_bytes,
        ")"
    )
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for Error {}

impl UrlProblem {
    /// Which rule the URL broke, in words.
    pub fn message(&self) -> String {
        match self {
            UrlProblem::DoesNotParse(why) => {
                text!("it does not parse as an absolute URL (", why, ")")
            }
            UrlProblem::Scheme(scheme) => {
                text!(
                    "the scheme must be ws:, wss:, http: or https:, not ",
                    scheme,
                    ":"
                )
            }
            UrlProblem::Fragment(fragment) => {
                text!("WebSocket URLs cannot have a fragment (#", fragment, ")")
            }
            UrlProblem::Browser(why) => text!("the browser rejected it: ", why),
        }
    }
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl CloseReasonProblem {
    /// Which rule the close reason broke, in words.
    pub fn message(&self) -> String {
        match self {
            CloseReasonProblem::TooLong(bytes) => text!(
                "it is ",
                bytes,
                " UTF-8 bytes long; a close reason may be at most 123"
            ),
            CloseReasonProblem::WithoutCode => "a reason needs a close code".to_owned(),
        }
    }
}

impl fmt::Display for CloseReasonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}
