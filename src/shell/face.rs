//! What a socket delivers to its user, and through what: its one [`Face`], the JS class or
//! the Rust API, chosen when the socket is made. The driver decides nothing here; it hands
//! each engine event to the face, which knows its own handlers and waiters.

use wasm_bindgen::JsValue;
use web_sys::MessageEvent;

use crate::engine::commands::CloseInfo;
use crate::engine::connection::Readiness;
use crate::engine::queue::Payload;
use crate::error::Error;
use crate::shell::message::SendData;

/// A message on its way out: the caller's own value and its kind (queued as it is).
pub(crate) struct Outbound {
    pub(crate) data: JsValue,
    pub(crate) kind: SendData,
}

impl Payload for Outbound {
    fn wire_bytes(&self) -> usize {
        self.kind.wire_bytes(&self.data)
    }
}

/// The user-facing side of one socket.
pub(crate) trait Face: 'static {
    /// A connection opened (the first, or one after a reconnect).
    fn opened(&self);
    /// A message arrived: the browser's own event.
    fn message(&self, event: &MessageEvent);
    /// Something went wrong; returns whether anyone was told (else the driver warns on the
    /// console, so that no failure passes unseen).
    fn error(&self, error: &Error) -> bool;
    /// A connection ended and attempt `attempt` follows after `delay_ms`.
    fn reconnecting(&self, attempt: u32, delay_ms: u32);
    /// Closed for good.
    fn closed(&self, info: &CloseInfo);
    /// Settles those who wait for the first open.
    fn settle_first_open(&self, outcome: &Result<(), Error>);
    /// Settles the drain waiters that `readiness` and `buffered` satisfy (or fail); returns
    /// whether any still wait.
    fn settle_drain(&self, readiness: &Readiness, buffered: usize) -> bool;
}
