//! What a socket delivers to its user, and through what: its [`Face`], the Rust API
//! (`RustFace`; the npm package's JS class has a driver of its own in js/, over the engine
//! compiled alone). The driver decides nothing here; it hands each engine event to the face,
//! which knows its own handlers and waiters.

use std::future::Future;
use std::pin::Pin;

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::commands::{AttemptContext, CloseInfo};
use crate::engine::connection::Readiness;
use crate::engine::queue::Payload;
use crate::error::Error;
use crate::shell::message::SendData;

/// A message on its way out: the caller's own value, its kind and the bytes it takes on the
/// wire, known on the Rust side before it became a JS value (queued as it is; a clone is
/// another reference to the same JS value).
#[derive(Clone)]
pub(crate) struct Outbound {
    pub(crate) data: JsValue,
    pub(crate) kind: SendData,
    pub(crate) bytes: usize,
}

impl Outbound {
    /// `text` as a JS string.
    pub(crate) fn text(text: &str) -> Outbound {
        let (data, kind, bytes) = (JsValue::from_str(text), SendData::Text, text.len());
        Outbound { data, kind, bytes }
    }

    /// `bytes` copied into a `Uint8Array`.
    pub(crate) fn binary(bytes: &[u8]) -> Outbound {
        let data = Uint8Array::from(bytes).into();
        Outbound {
            data,
            kind: SendData::View,
            bytes: bytes.len(),
        }
    }
}

impl Payload for Outbound {
    fn wire_bytes(&self) -> usize {
        self.bytes
    }

    fn starts_with_nul(&self) -> bool {
        self.kind == SendData::Text && self.data.unchecked_ref::<JsString>().char_code_at(0) == 0.0
    }
}

/// Where an attempt goes: the URL and the subprotocols, or why the app's provider failed.
pub(crate) type Target = Result<(String, Vec<String>), Error>;

/// A target now, or one the app's provider will give later.
pub(crate) enum Resolution {
    Now(Target),
    Later(Pin<Box<dyn Future<Output = Target>>>),
}

/// The user-facing side of one socket.
pub(crate) trait Face: 'static {
    /// Whether the socket outlives its handles until it has closed for good (as a browser
    /// `WebSocket` does, for JS).
    const LINGERS: bool;
    /// Where the attempt with `context` goes: the fixed URL and protocols, or what the app's
    /// providers give.
    fn target(&self, context: &AttemptContext) -> Resolution;
    /// The app's `shouldReconnect`, asked with `context` (true when it has none; a callback
    /// that throws is reported the platform's way and the policy's answer stands).
    fn should_reconnect(&self, context: &AttemptContext) -> bool;
    /// A connection opened (the first, or one after a reconnect).
    fn opened(&self);
    /// A message arrived: the browser's own `event.data` (unescaped in a session).
    fn message(&self, data: JsValue);
    /// Something went wrong; returns whether anyone was told (else the driver warns on the
    /// console, so that no failure passes unseen).
    fn error(&self, error: &Error) -> bool;
    /// A connection ended (how: `last_close`, why: `error`) and attempt `attempt` follows
    /// after `delay_ms`.
    fn reconnecting(
        &self,
        attempt: u32,
        delay_ms: u32,
        last_close: &CloseInfo,
        error: Option<&Error>,
    );
    /// A session's reconnect was answered: whether it resumed, what went again each way,
    /// and `SESSION_LOST` when it did not.
    fn resumed(&self, recovered: bool, resent: u64, replayed: u64, error: Option<&Error>);
    /// Closed for good.
    fn closed(&self, info: &CloseInfo);
    /// Settles those who wait for the first open.
    fn settle_first_open(&self, outcome: &Result<(), Error>);
    /// Settles the drain waiters that `readiness`, `buffered` and `done` (the engine's count
    /// of sends done) satisfy (or fail); returns
    /// whether any still wait.
    fn settle_drain(&self, readiness: &Readiness, buffered: usize, done: u64) -> bool;
}
