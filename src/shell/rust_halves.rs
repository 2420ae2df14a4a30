//! The halves of a Rust [`DuplexSocket`]: the `futures` Sink and Stream (also implemented
//! by the socket itself), and the futures that wait for the first open, the close and the
//! drain.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_channel::mpsc::UnboundedReceiver;
use futures_core::Stream;
use futures_sink::Sink;

use crate::engine::commands::CloseInfo;
use crate::engine::connection::Readiness;
use crate::error::Error;
use crate::shell::driver::Driver;
use crate::shell::face::Outbound;
use crate::shell::message::Message;
use crate::shell::rust_api::DuplexSocket;
use crate::shell::rust_face::{RustFace, StreamItem};
use crate::shell::rust_handle::{close_socket, Guard};
use crate::shell::waiters::Want;

/// The driver of a Rust socket.
type RustDriver = Driver<RustFace>;

pub(crate) fn send_message(driver: &Rc<RustDriver>, message: Message) -> Result<(), Error> {
    driver.send(match message {
        Message::Text(text) => Outbound::text(&text),
        Message::Binary(bytes) => Outbound::binary(&bytes),
    })
}

/// The Sink half of a [`DuplexSocket`].
pub struct SocketSink {
    pub(crate) guard: Rc<Guard>,
    state: SinkState,
}

impl SocketSink {
    pub(crate) fn split(
        guard: Rc<Guard>,
        messages: Option<UnboundedReceiver<StreamItem>>,
    ) -> (SocketSink, SocketStream) {
        let sink = SocketSink {
            guard: Rc::clone(&guard),
            state: SinkState::default(),
        };
        (sink, SocketStream { guard, messages })
    }

    /// Closes the socket with 1000 (the Stream half then ends).
    pub fn close_socket(&self) -> Result<(), Error> {
        close_socket(&self.guard.0)
    }
}

/// The Stream half of a [`DuplexSocket`]: each message, and each error, until the socket
/// closes for good.
pub struct SocketStream {
    pub(crate) guard: Rc<Guard>,
    messages: Option<UnboundedReceiver<StreamItem>>,
}

impl SocketStream {
    /// Closes the socket with 1000 (the Stream then ends).
    pub fn close(&self) -> Result<(), Error> {
        close_socket(&self.guard.0)
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
pub(crate) struct SinkState {
    closing: bool,
}

impl SinkState {
    fn poll_ready(&self, driver: &Rc<RustDriver>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match driver.readiness() {
            Readiness::Closed(error) => Poll::Ready(Err(error)),
            Readiness::Open if driver.buffers_over(driver.high_water_mark) => {
                let waker = cx.waker().clone();
                let want = Want::Buffered(driver.high_water_mark);
                driver.face.waiters.wait_drain(waker, want);
                driver.poll_drain();
                Poll::Pending
            }
            // Open under the mark, or not open: the queue takes it.
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_close(
        &mut self,
        driver: &Rc<RustDriver>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        if !self.closing {
            self.closing = true;
            close_socket(driver)?;
        }
        Pin::new(&mut Closed(driver)).poll(cx).map(|_| Ok(()))
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
                let driver = &self.guard.0;
                Pin::new(&mut Drained::new(driver, Want::Buffered(0))).poll(cx)
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
pub(crate) struct Opened<'a>(pub(crate) &'a Rc<RustDriver>);

impl Future for Opened<'_> {
    type Output = Result<(), Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0.first_open() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                self.0.face.waiters.wait_opened(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Resolves when closed for good.
pub(crate) struct Closed<'a>(pub(crate) &'a Rc<RustDriver>);

impl Future for Closed<'_> {
    type Output = CloseInfo;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CloseInfo> {
        match self.0.final_close() {
            Some(info) => Poll::Ready(info),
            None => {
                self.0.face.waiters.wait_closed(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Resolves once what it wants is met: open, with nothing queued and at most a threshold
/// of bytes buffered, or (with sessions on) a send acknowledged.
pub(crate) struct Drained<'a> {
    driver: &'a Rc<RustDriver>,
    want: Want,
}

impl<'a> Drained<'a> {
    pub(crate) fn new(driver: &'a Rc<RustDriver>, want: Want) -> Self {
        Drained { driver, want }
    }
}

impl Future for Drained<'_> {
    type Output = Result<(), Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.driver.want_met(self.want) {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                let waker = cx.waker().clone();
                self.driver.face.waiters.wait_drain(waker, self.want);
                self.driver.poll_drain();
                Poll::Pending
            }
        }
    }
}
