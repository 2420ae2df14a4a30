//! The Rust face's API: [`DuplexSocket`] and its [`Builder`], over a [`Driver`] with a
//! [`RustFace`]. Its halves, the Sink and Stream and the futures, are in `rust_halves`.

use std::future::Future;
use std::rc::Rc;

use futures_channel::mpsc::UnboundedReceiver;

use crate::engine::commands::{CloseInfo, ReadyState};
use crate::engine::options::Options;
use crate::engine::session::SessionInfo;
use crate::error::Error;
use crate::shell::driver::Driver;
use crate::shell::face::Outbound;
use crate::shell::message::Message;
use crate::shell::rust_builder::Builder;
use crate::shell::rust_face::ResumeInfo;
use crate::shell::rust_face::{ReconnectInfo, RustFace, StreamItem};
use crate::shell::rust_halves::{
    send_message, Closed, Drained, Opened, SinkState, SocketSink, SocketStream,
};
use crate::shell::rust_handle::{close_socket, close_with, Guard};

/// A dependable browser WebSocket for Rust.
///
/// Callback style:
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, Message};
/// # fn main() -> Result<(), duplex_ws::Error> {
/// let socket = DuplexSocket::new("ws://localhost:9900")?;
/// socket.on_message(|message| {
///     if let Message::Text(text) = message {
///         web_sys::console::log_1(&format!("received: {text}").into());
///     }
/// });
/// socket.on_error(|error| web_sys::console::warn_1(&format!("{}: {error}", error.code()).into()));
/// socket.send_text("I am listening")?; // queued now, sent as soon as the socket opens
/// # std::mem::forget(socket);
/// # Ok(()) }
/// ```
///
/// Stream and Sink style (`futures::StreamExt` / `SinkExt`):
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, Message};
/// use futures::{SinkExt, StreamExt};
/// # async fn run() -> Result<(), duplex_ws::Error> {
/// let (mut sink, mut stream) = DuplexSocket::new("ws://localhost:9900")?.split();
/// sink.send(Message::Text("I am listening".into())).await?;
/// while let Some(item) = stream.next().await {
///     match item {
///         Ok(Message::Text(text)) => web_sys::console::log_1(&text.into()),
///         Ok(Message::Binary(bytes)) => web_sys::console::log_1(&bytes.len().into()),
///         Err(error) => web_sys::console::warn_1(&error.to_string().into()),
///     }
/// }
/// sink.close().await?; // or drop both halves: the socket closes with 1000
/// # Ok(()) }
/// ```
///
/// Messages go to the `on_message` callback when one is set, else to the Stream; errors go
/// to both. Dropping the last handle (the socket, or both halves) closes with 1000 once what
/// was queued for the first open is sent, and frees every JS closure and timer. A callback
/// that owns a handle (an `Rc<DuplexSocket>` moved into it) keeps that last handle alive, so
/// the socket would stay open: give callbacks a `std::rc::Weak` instead, or call `close()`.
pub struct DuplexSocket {
    pub(crate) guard: Rc<Guard>,
    pub(crate) messages: Option<UnboundedReceiver<StreamItem>>,
    pub(crate) sink: SinkState,
}

impl DuplexSocket {
    /// Opens a socket to `url` (`ws:`, `wss:`, `http:` or `https:`, no fragment) with the
    /// default options: no reconnect, no heartbeat, no connect timeout. A relative URL
    /// (`/echo`) is resolved against the page's base URL (a worker's location), as the
    /// browser's `WebSocket` resolves it; an empty one is refused.
    ///
    /// Fails with [`Error::InvalidUrl`] naming the URL and the rule it broke.
    pub fn new(url: &str) -> Result<DuplexSocket, Error> {
        Self::builder(url).connect()
    }

    /// A [`Builder`] to set options first.
    pub fn builder(url: &str) -> Builder {
        Builder::new(url, Options::default())
    }

    fn driver(&self) -> &Rc<Driver<RustFace>> {
        &self.guard.0
    }

    /// Splits into a Sink half and a Stream half; either can close the socket, and the
    /// socket closes when both are dropped.
    pub fn split(self) -> (SocketSink, SocketStream) {
        SocketSink::split(self.guard, self.messages)
    }

    /// Sends a text message: queued while connecting or reconnecting, sent at once when open.
    ///
    /// Fails with `CLOSED` once closing or closed, `QUEUE_FULL` at a queue bound.
    pub fn send_text(&self, text: &str) -> Result<(), Error> {
        self.driver().send(Outbound::text(text))
    }

    /// Sends a binary message, like [`send_text`](Self::send_text).
    pub fn send_binary(&self, bytes: &[u8]) -> Result<(), Error> {
        self.driver().send(Outbound::binary(bytes))
    }

    /// Sends a [`Message`] of either kind.
    pub fn send(&self, message: Message) -> Result<(), Error> {
        send_message(self.driver(), message)
    }

    /// Sends, then waits until the browser buffers no more than the high-water mark, or in
    /// a session until the server acknowledged the message.
    pub async fn send_async(&self, message: Message) -> Result<(), Error> {
        self.send(message)?;
        let want = self.driver().send_want();
        Drained::new(self.driver(), want).await
    }

    /// In a session: bytes sent but not yet acknowledged by the server (0 otherwise).
    pub fn unacked_amount(&self) -> usize {
        self.driver().unacked_bytes()
    }

    /// The session the server granted, or `None` (plain mode, or not granted yet).
    pub fn session(&self) -> Option<SessionInfo> {
        self.driver().session()
    }

    /// Calls `callback` after each reconnect of a session, when the server answered: whether
    /// it resumed, and what went again each way.
    pub fn on_resumed(&self, callback: impl FnMut(&ResumeInfo) + 'static) {
        self.driver().face.resumed.set(Box::new(callback));
    }

    /// Resolves at the first open, or fails with the error that ended the socket first.
    pub fn opened(&self) -> impl Future<Output = Result<(), Error>> + '_ {
        Opened(self.driver())
    }

    /// Resolves when the socket has closed for good.
    pub fn closed(&self) -> impl Future<Output = CloseInfo> + '_ {
        Closed(self.driver())
    }

    /// Closes with 1000 (normal closure); never reconnects afterwards.
    pub fn close(&self) -> Result<(), Error> {
        close_socket(self.driver())
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason` (at most 123 UTF-8 bytes).
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        close_with(self.driver(), code, reason)
    }

    /// Connecting (also while waiting to reconnect), open, closing or closed.
    pub fn ready_state(&self) -> ReadyState {
        self.driver().ready_state()
    }

    /// The URL as the browser resolved it.
    pub fn url(&self) -> String {
        self.driver().url()
    }

    /// The subprotocol the server chose (empty if none, or between connections).
    pub fn protocol(&self) -> String {
        self.driver()
            .current(web_sys::WebSocket::protocol, String::new())
    }

    /// The extensions the server chose (`permessage-deflate; ...`; empty if none, or
    /// between connections).
    pub fn extensions(&self) -> String {
        self.driver()
            .current(web_sys::WebSocket::extensions, String::new())
    }

    /// The browser's count of bytes handed to it but not yet sent.
    pub fn buffered_amount(&self) -> u32 {
        self.driver().buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for a connection.
    pub fn queued_amount(&self) -> usize {
        self.driver().queued_bytes()
    }

    /// Calls `callback` each time a connection opens.
    pub fn on_open(&self, callback: impl FnMut() + 'static) {
        self.driver().face.open.set(Box::new(callback));
    }

    /// Calls `callback` with each message received (instead of the Stream).
    pub fn on_message(&self, callback: impl FnMut(Message) + 'static) {
        self.driver().face.message.set(Box::new(callback));
    }

    /// Calls `callback` once, when the socket has closed for good.
    pub fn on_close(&self, callback: impl FnMut(CloseInfo) + 'static) {
        self.driver().face.close.set(Box::new(callback));
    }

    /// Calls `callback` with each error. Errors also go to the Stream while one is held;
    /// with neither, they go to the browser's console.
    pub fn on_error(&self, callback: impl FnMut(Error) + 'static) {
        self.driver().face.error.set(Box::new(callback));
    }

    /// Connects again now: skips a backoff wait, replaces an open connection, reopens a
    /// socket closed for good (its callbacks stay; a Stream that ended stays ended).
    pub fn reconnect(&self) -> Result<(), Error> {
        self.driver().reconnect()
    }

    /// Calls `callback` before each reconnect attempt, with the attempt, its delay and what
    /// ended the last connection.
    pub fn on_reconnecting(&self, callback: impl FnMut(&ReconnectInfo) + 'static) {
        self.driver().face.reconnecting.set(Box::new(callback));
    }
}
