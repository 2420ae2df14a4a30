//! The Rust face: [`DuplexSocket`], its [`Builder`], and its halves as a `futures` Sink
//! and Stream.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_channel::mpsc::UnboundedReceiver;
use futures_core::Stream;
use futures_sink::Sink;
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use crate::engine::commands::{CloseInfo, ReadyState};
use crate::engine::options::{HeartbeatPolicy, Options, QueueLimits, ReconnectPolicy};
use crate::error::Error;
use crate::shell::message::{Message, SendData};
use crate::shell::socket::{Shared, StreamItem};
use crate::shell::waiters::{Drain, Waiter};

/// Held by every handle; when the last one goes, the socket closes with 1000.
struct Guard(Rc<Shared>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// Sets the options of a [`DuplexSocket`] before it connects.
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, HeartbeatPolicy, ReconnectPolicy};
/// # fn main() -> Result<(), duplex_ws::Error> {
/// let socket = DuplexSocket::builder("wss://example.com/feed")
///     .connect_timeout_ms(5_000)
///     .reconnect(ReconnectPolicy { final_codes: vec![4000], ..Default::default() })
///     .heartbeat(HeartbeatPolicy { interval_ms: 10_000, timeout_ms: 25_000, message: "ping".into() })
///     .connect()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until connect()"]
pub struct Builder {
    url: String,
    options: Options,
}

impl Builder {
    /// Subprotocols to ask for, in order of preference.
    pub fn protocols<S: Into<String>>(mut self, protocols: impl IntoIterator<Item = S>) -> Self {
        self.options.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Gives up an attempt that has not opened within `ms` (`CONNECT_TIMEOUT`).
    pub fn connect_timeout_ms(mut self, ms: u32) -> Self {
        self.options.connect_timeout_ms = Some(ms);
        self
    }

    /// Reconnects with backoff after a connection ends without the user's `close()`.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.options.reconnect = Some(policy);
        self
    }

    /// Sends a heartbeat and takes silence for a dead connection (`HEARTBEAT_TIMEOUT`).
    pub fn heartbeat(mut self, policy: HeartbeatPolicy) -> Self {
        self.options.heartbeat = Some(policy);
        self
    }

    /// Bounds the queue used while connecting and reconnecting.
    pub fn queue(mut self, limits: QueueLimits) -> Self {
        self.options.queue = limits;
        self
    }

    /// `send_async` and the Sink wait while the browser buffers more than `bytes`.
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.options.high_water_mark = bytes;
        self
    }

    /// Checks every option and starts connecting.
    pub fn connect(self) -> Result<DuplexSocket, Error> {
        let (shared, messages) = Shared::open(&self.url, self.options, true)?;
        Ok(DuplexSocket {
            guard: Rc::new(Guard(shared)),
            messages,
            sink: SinkState::default(),
        })
    }
}

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
/// was queued for the first open is sent, and frees every JS closure and timer.
pub struct DuplexSocket {
    guard: Rc<Guard>,
    messages: Option<UnboundedReceiver<StreamItem>>,
    sink: SinkState,
}

impl DuplexSocket {
    /// Opens a socket to `url` (`ws:`, `wss:`, `http:` or `https:`, no fragment) with the
    /// default options: no reconnect, no heartbeat, no connect timeout.
    ///
    /// Fails with [`Error::InvalidUrl`] naming the URL and the rule it broke.
    pub fn new(url: &str) -> Result<DuplexSocket, Error> {
        Self::builder(url).connect()
    }

    /// A [`Builder`] to set options first.
    pub fn builder(url: &str) -> Builder {
        Builder {
            url: url.to_owned(),
            options: Options::default(),
        }
    }

    fn shared(&self) -> &Rc<Shared> {
        &self.guard.0
    }

    /// Splits into a Sink half and a Stream half; either can close the socket, and the
    /// socket closes when both are dropped.
    pub fn split(self) -> (SocketSink, SocketStream) {
        let sink = SocketSink {
            guard: Rc::clone(&self.guard),
            state: SinkState::default(),
        };
        let stream = SocketStream {
            guard: Rc::clone(&self.guard),
            messages: self.messages,
        };
        (sink, stream)
    }

    /// Sends a text message: queued while connecting or reconnecting, sent at once when open.
    ///
    /// Fails with `CLOSED` once closing or closed, `QUEUE_FULL` at a queue bound.
    pub fn send_text(&self, text: &str) -> Result<(), Error> {
        self.shared().send(JsValue::from_str(text), SendData::Text)
    }

    /// Sends a binary message, like [`send_text`](Self::send_text).
    pub fn send_binary(&self, bytes: &[u8]) -> Result<(), Error> {
        self.shared()
            .send(Uint8Array::from(bytes).into(), SendData::View)
    }

    /// Sends a [`Message`] of either kind.
    pub fn send(&self, message: Message) -> Result<(), Error> {
        send_message(self.shared(), message)
    }

    /// Sends, then waits until the browser buffers no more than the high-water mark.
    pub async fn send_async(&self, message: Message) -> Result<(), Error> {
        self.send(message)?;
        Drained {
            shared: self.shared(),
            threshold: self.shared().high_water_mark,
        }
        .await
    }

    /// Resolves at the first open, or fails with the error that ended the socket first.
    pub fn opened(&self) -> impl Future<Output = Result<(), Error>> + '_ {
        Opened(self.shared())
    }

    /// Resolves when the socket has closed for good.
    pub fn closed(&self) -> impl Future<Output = CloseInfo> + '_ {
        Closed(self.shared())
    }

    /// Closes with 1000 (normal closure); never reconnects afterwards.
    pub fn close(&self) -> Result<(), Error> {
        self.shared().close(None, None)
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason` (at most 123 UTF-8 bytes).
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.shared().close(Some(code.into()), Some(reason))
    }

    /// Connecting (also while waiting to reconnect), open, closing or closed.
    pub fn ready_state(&self) -> ReadyState {
        self.shared().ready_state()
    }

    /// The URL as the browser resolved it.
    pub fn url(&self) -> String {
        self.shared().url().to_owned()
    }

    /// The subprotocol the server chose (empty if none, or between connections).
    pub fn protocol(&self) -> String {
        self.shared()
            .current(web_sys::WebSocket::protocol, String::new())
    }

    /// The browser's count of bytes handed to it but not yet sent.
    pub fn buffered_amount(&self) -> u32 {
        self.shared().buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for a connection.
    pub fn queued_amount(&self) -> usize {
        self.shared().queued_bytes()
    }

    /// Calls `callback` each time a connection opens.
    pub fn on_open(&self, callback: impl FnMut() + 'static) {
        self.shared().rust.open.set(Box::new(callback));
    }

    /// Calls `callback` with each message received (instead of the Stream).
    pub fn on_message(&self, callback: impl FnMut(Message) + 'static) {
        self.shared().rust.message.set(Box::new(callback));
    }

    /// Calls `callback` once, when the socket has closed for good.
    pub fn on_close(&self, callback: impl FnMut(CloseInfo) + 'static) {
        self.shared().rust.close.set(Box::new(callback));
    }

    /// Calls `callback` with each error. Without it, a JS `onerror` or a Stream, errors go
    /// to the console.
    pub fn on_error(&self, callback: impl FnMut(Error) + 'static) {
        self.shared().rust.error.set(Box::new(callback));
    }

    /// Calls `callback(attempt, delay_ms)` before each reconnect attempt.
    pub fn on_reconnecting(&self, callback: impl FnMut(u32, u32) + 'static) {
        self.shared().rust.reconnecting.set(Box::new(callback));
    }
}

fn send_message(shared: &Rc<Shared>, message: Message) -> Result<(), Error> {
    match message {
        Message::Text(text) => shared.send(JsValue::from_str(&text), SendData::Text),
        Message::Binary(bytes) => shared.send(Uint8Array::from(&bytes[..]).into(), SendData::View),
    }
}

/// The Sink half of a [`DuplexSocket`].
pub struct SocketSink {
    guard: Rc<Guard>,
    state: SinkState,
}

impl SocketSink {
    /// Closes the socket with 1000 (the Stream half then ends).
    pub fn close_socket(&self) -> Result<(), Error> {
        self.guard.0.close(None, None)
    }
}

/// The Stream half of a [`DuplexSocket`]: each message, and each error, until the socket
/// closes for good.
pub struct SocketStream {
    guard: Rc<Guard>,
    messages: Option<UnboundedReceiver<StreamItem>>,
}

impl SocketStream {
    /// Closes the socket with 1000 (the Stream then ends).
    pub fn close(&self) -> Result<(), Error> {
        self.guard.0.close(None, None)
    }
}

fn poll_messages(
    messages: &mut Option<UnboundedReceiver<StreamItem>>,
    cx: &mut Context<'_>,
) -> Poll<Option<StreamItem>> {
    match messages {
        Some(messages) => Pin::new(messages).poll_next(cx),
        None => Poll::Ready(None),
    }
}

impl Stream for DuplexSocket {
    type Item = Result<Message, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_messages(&mut self.messages, cx)
    }
}

impl Stream for SocketStream {
    type Item = Result<Message, Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_messages(&mut self.messages, cx)
    }
}

/// The Sink's own state: whether it asked the socket to close.
#[derive(Default)]
struct SinkState {
    closing: bool,
}

impl SinkState {
    fn poll_ready(&self, shared: &Rc<Shared>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match shared.drain_state() {
            Drain::Closed(_) => Poll::Ready(Err(closed_error(shared))),
            Drain::Open { buffered } if buffered > shared.high_water_mark => {
                shared.wait_for_drain(Waiter::Rust(cx.waker().clone()), shared.high_water_mark);
                Poll::Pending
            }
            // Open under the mark, or not open: the queue takes it.
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(&mut self, shared: &Rc<Shared>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.closing {
            self.closing = true;
            shared.close(None, None)?;
        }
        Pin::new(&mut Closed(shared)).poll(cx).map(|_| Ok(()))
    }
}

fn closed_error(shared: &Shared) -> Error {
    Error::Closed {
        url: shared.url().to_owned(),
    }
}

/// The Sink of both [`DuplexSocket`] and [`SocketSink`] (each has `guard` and a `SinkState`).
macro_rules! impl_sink {
    ($type:ty, $state:ident) => {
        impl Sink<Message> for $type {
            type Error = Error;
            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                let this = self.get_mut();
                this.$state.poll_ready(&this.guard.0, cx)
            }
            fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
                send_message(&self.guard.0, message)
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                let shared = &self.guard.0;
                Pin::new(&mut Drained {
                    shared,
                    threshold: 0,
                })
                .poll(cx)
            }
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                let this = self.get_mut();
                this.$state.poll_close(&this.guard.0, cx)
            }
        }
    };
}

impl_sink!(DuplexSocket, sink);
impl_sink!(SocketSink, state);

/// Resolves at the first open.
struct Opened<'a>(&'a Rc<Shared>);

impl Future for Opened<'_> {
    type Output = Result<(), Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0.open_state() {
            Ok(true) => Poll::Ready(Ok(())),
            Err(error) => Poll::Ready(Err(error)),
            Ok(false) => {
                self.0
                    .waiters
                    .opened
                    .borrow_mut()
                    .push(Waiter::Rust(cx.waker().clone()));
                Poll::Pending
            }
        }
    }
}

/// Resolves when closed for good.
struct Closed<'a>(&'a Rc<Shared>);

impl Future for Closed<'_> {
    type Output = CloseInfo;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CloseInfo> {
        match self.0.final_close() {
            Some(info) => Poll::Ready(info),
            None => {
                self.0
                    .waiters
                    .closed
                    .borrow_mut()
                    .push(Waiter::Rust(cx.waker().clone()));
                Poll::Pending
            }
        }
    }
}

/// Resolves once open, with nothing queued and at most `threshold` bytes buffered.
struct Drained<'a> {
    shared: &'a Rc<Shared>,
    threshold: usize,
}

impl Future for Drained<'_> {
    type Output = Result<(), Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.shared.drain_state() {
            Drain::Open { buffered } if buffered <= self.threshold => Poll::Ready(Ok(())),
            Drain::Closed(_) => Poll::Ready(Err(closed_error(self.shared))),
            _ => {
                self.shared
                    .wait_for_drain(Waiter::Rust(cx.waker().clone()), self.threshold);
                Poll::Pending
            }
        }
    }
}
