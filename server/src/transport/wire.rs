//! The WebSocket layer under a connection: yawc's `WebSocket` over the upgraded HTTP
//! connection, seen by the reading half as a stream of frames *with* their errors (yawc's own
//! `Stream` ends on an error without saying which) and by the writer as a sink of axum
//! [`Message`]s (the message type of every layer above). Transport layer: imports only
//! `transport`.
//!
//! yawc answers pings and close frames itself, and on a broken frame sends the close frame
//! with the code that says why (see [`close_code_of`]) before it reports the error here; the
//! fragments of a message are put together here ([`Fragments`]), which sends the close frame
//! itself when they break the rules. Compressed data that does not inflate is an I/O error to
//! yawc, which queues a close 1011 for it; the Wire sends 1007 in its place (see
//! [`close_of`]). The stream ends at the peer's close frame, so that the peer's answer to the
//! server's own close gets no second close frame (see `poll_next` below).

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::body::Bytes;
use axum::extract::ws::Message;
use futures_util::{Sink, SinkExt, Stream};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use yawc::close::CloseCode;
use yawc::streaming::Streaming;
use yawc::{Frame, WebSocket, WebSocketError};

use super::close::{INVALID_PAYLOAD, MAX_CLOSE_REASON, PROTOCOL_ERROR};
use super::fragments::Fragments;
use super::rsv::{ForbiddenRsv1, ReservedBitGuard};
use super::text::within;

/// The upgraded connection under yawc, its frame headers watched for a forbidden RSV1 (see
/// [`ReservedBitGuard`]).
pub type Socket = ReservedBitGuard<TokioIo<Upgraded>>;

/// One upgraded connection; split it with `StreamExt::split` into the reading half and the
/// writer's sink.
pub struct Wire {
    /// yawc's frames (decompressed; pings and closes answered), not its messages: see
    /// [`Fragments`].
    socket: Streaming<Socket>,
    fragments: Fragments,
    /// Fragments broke the rules: this close frame goes out, then the error is reported.
    failing: Option<(Option<Frame>, WebSocketError)>,
    /// yawc's reading failed with a close frame of its own queued that the Wire replaces (see
    /// [`close_of`]): that frame must never be written, and yawc writes what it queued
    /// whenever its reading or its `poll_ready` is polled, so neither is polled again.
    replacing_close: bool,
    /// A ping was read: yawc has queued its pong, which must be written before more is read.
    pong_owed: bool,
    /// The server's close frame went out (the writer's last frame, or the one for broken
    /// fragments): nothing is written after it.
    close_sent: bool,
    /// The peer's close frame was read: the stream has ended.
    close_read: bool,
}

impl Wire {
    /// Wraps a WebSocket that yawc's upgrade produced, for messages of at most
    /// `max_message_size` bytes.
    pub fn new(socket: WebSocket<Socket>, max_message_size: usize) -> Wire {
        Wire {
            socket: socket.into_streaming(),
            fragments: Fragments::new(max_message_size),
            failing: None,
            replacing_close: false,
            pong_owed: false,
            close_sent: false,
            close_read: false,
        }
    }

    /// Writes what yawc owes the peer (the answers it queued to a ping or a close frame):
    /// `poll_ready` hands them to the socket, `poll_flush` sends them.
    fn poll_write_owed(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), WebSocketError>> {
        ready!(self.socket.poll_ready_unpin(cx))?;
        self.socket.poll_flush_unpin(cx)
    }
}

impl Stream for Wire {
    type Item = Result<Frame, WebSocketError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.replacing_close && this.failing.is_none() {
            // The Wire's close went out in place of yawc's: reading is over (yawc reads
            // nothing after an error), and polling it would write yawc's close too.
            return Poll::Ready(None);
        }
        // yawc writes the pongs it owes only when its reading runs dry or a frame is sent,
        // so a peer that floods pings and reads nothing would pile them up (each holding a
        // piece of the read buffer) as fast as it can send. Writing them first makes such a
        // peer wait for its own pongs: what it costs is bounded by the write buffer.
        //
        // After the peer's close frame the stream ends. yawc has queued an answer to it: to
        // the peer's own close that answer is due, so it is written; to the peer's answer to
        // *our* close it is not (a browser fails the connection on a frame after the closing
        // handshake: Chromium reports 1006 instead of our code), so the socket is not polled
        // again and it is never written. Either way the connection is dropped next, which
        // closes TCP from the server's side, as RFC 6455 asks.
        if this.pong_owed || (this.close_read && !this.close_sent) {
            if let Err(error) = ready!(this.poll_write_owed(cx)) {
                return Poll::Ready(Some(Err(error)));
            }
            this.pong_owed = false;
        }
        if this.close_read {
            return Poll::Ready(None);
        }
        if this.failing.is_some() {
            return this.poll_fail(cx).map(Some);
        }
        loop {
            let frame = match ready!(this.socket.poll_next_frame(cx)) {
                Ok(frame) => frame,
                // The peer went away, or the close handshake is over: the stream simply ends.
                Err(WebSocketError::ConnectionClosed) => return Poll::Ready(None),
                Err(error) if this.close_sent || !replaces_yawc_close(&error) => {
                    return Poll::Ready(Some(Err(error)))
                }
                Err(error) => {
                    let (code, reason) = close_of(&error).unwrap_or((1011, String::new()));
                    let close = Frame::close(CloseCode::from(code), reason);
                    this.failing = Some((Some(close), error));
                    this.replacing_close = true;
                    return this.poll_fail(cx).map(Some);
                }
            };
            match this.fragments.push(frame) {
                Ok(Some(frame)) => {
                    this.pong_owed = frame.opcode() == yawc::OpCode::Ping;
                    this.close_read = frame.opcode() == yawc::OpCode::Close;
                    return Poll::Ready(Some(Ok(frame)));
                }
                Ok(None) => continue,
                // The server's close already went out: nothing more is sent, the connection
                // ends here.
                Err(error) if this.close_sent => return Poll::Ready(Some(Err(error))),
                Err(error) => {
                    let code = close_code_of(&error).unwrap_or(1002);
                    let close = Frame::close(CloseCode::from(code), error.to_string());
                    this.failing = Some((Some(close), error));
                    return this.poll_fail(cx).map(Some);
                }
            }
        }
    }
}

impl Wire {
    /// Sends the close frame for fragments that broke the rules (yawc sends no close frame
    /// for them: see [`Fragments`]) or in place of yawc's (see [`close_of`]), then reports
    /// the error.
    fn poll_fail(&mut self, cx: &mut Context<'_>) -> Poll<Result<Frame, WebSocketError>> {
        let Some((close, _)) = self.failing.as_mut() else {
            return Poll::Ready(Err(WebSocketError::ConnectionClosed));
        };
        if close.is_some() {
            // yawc's `poll_ready` writes the close it queued first: when that close is the
            // one replaced, the frame is handed over without it (yawc's `start_send` only
            // encodes the frame into the write buffer, whatever is in it).
            if !self.replacing_close {
                if let Err(error) = ready!(self.socket.poll_ready_unpin(cx)) {
                    return Poll::Ready(Err(error));
                }
            }
            if let Some(frame) = close.take() {
                self.close_sent = true;
                self.socket.start_send_unpin(frame)?;
            }
        }
        ready!(self.socket.poll_flush_unpin(cx))?;
        match self.failing.take() {
            Some((_, error)) => Poll::Ready(Err(error)),
            None => Poll::Ready(Err(WebSocketError::ConnectionClosed)),
        }
    }
}

impl Sink<Message> for Wire {
    type Error = WebSocketError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let this = self.get_mut();
        if this.close_read || this.close_sent || this.failing.is_some() {
            // After the peer's close frame nothing goes out but yawc's answer to it: a frame
            // written after that answer would break the closing handshake (a browser fails
            // the connection: 1006), and yawc writes the answer before anything else. After
            // the server's own close (the writer's, or the one for broken fragments) nothing
            // goes out at all.
            return Poll::Ready(Err(WebSocketError::ConnectionClosed));
        }
        this.socket.poll_ready_unpin(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Self::Error> {
        let this = self.get_mut();
        if this.close_read || this.close_sent {
            return Err(WebSocketError::ConnectionClosed);
        }
        this.close_sent |= matches!(message, Message::Close(_));
        this.socket.start_send_unpin(to_frame(message))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().socket.poll_flush_unpin(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().socket.poll_close_unpin(cx)
    }
}

/// An axum message as a yawc frame; the payload is handed over, not copied (a relayed
/// message's bytes are shared by every receiver's frame).
fn to_frame(message: Message) -> Frame {
    match message {
        Message::Text(text) => Frame::text(Bytes::from(text)),
        Message::Binary(bytes) => Frame::binary(bytes),
        Message::Ping(bytes) => Frame::ping(bytes),
        Message::Pong(bytes) => Frame::pong(bytes),
        Message::Close(None) => Frame::close(CloseCode::Normal, []),
        Message::Close(Some(close)) => {
            Frame::close(CloseCode::from(close.code), close.reason.as_bytes())
        }
    }
}

/// The close code sent for a read error before it is reported (by yawc, or by the Wire for
/// broken fragments and in place of yawc's close), or `None` if none was sent (the peer went
/// away, an I/O error).
pub fn close_code_of(error: &WebSocketError) -> Option<u16> {
    close_of(error).map(|(code, _)| code)
}

/// The close frame (code, reason) sent for a read error before it is reported, or `None` if
/// none was sent; see [`close_code_of`].
pub fn close_of(error: &WebSocketError) -> Option<(u16, String)> {
    if let Some(rule) = forbidden_rsv1(error) {
        return Some((PROTOCOL_ERROR, rule.to_string()));
    }
    if let Some(why) = corrupt_deflate(error) {
        // As Node's `ws` does: compressed data that does not inflate is a payload that is not
        // consistent with the message's type (RFC 6455, 7.4.1).
        let reason = format!("invalid compressed data: {why}");
        return Some((
            INVALID_PAYLOAD,
            within(&reason, MAX_CLOSE_REASON).to_owned(),
        ));
    }
    yawc_close_code(error).map(|code| (code, error.to_string()))
}

/// Whether yawc queued a close frame for `error` that the Wire sends a better one in place
/// of: yawc answers every error it does not know with 1011 (an internal error), corrupt
/// compressed data and the reads the [`ReservedBitGuard`] fails included.
fn replaces_yawc_close(error: &WebSocketError) -> bool {
    corrupt_deflate(error).is_some() || forbidden_rsv1(error).is_some()
}

/// The rule broken, when `error` is the [`ReservedBitGuard`]'s: RSV1 where RFC 7692 forbids
/// it.
fn forbidden_rsv1(error: &WebSocketError) -> Option<ForbiddenRsv1> {
    match error {
        WebSocketError::IoError(io) => ForbiddenRsv1::of(io),
        _ => None,
    }
}

/// What was wrong, when `error` is compressed data that would not inflate. yawc reports it
/// as an I/O error of kind `InvalidInput` ("corrupt deflate stream", "deflate stream made no
/// progress", "Decompression error: ..."); on the reading side nothing else is: errors of
/// the socket itself are of other kinds (reset, broken pipe, TLS: `InvalidData`).
fn corrupt_deflate(error: &WebSocketError) -> Option<String> {
    match error {
        WebSocketError::IoError(io) if io.kind() == std::io::ErrorKind::InvalidInput => {
            Some(io.to_string())
        }
        _ => None,
    }
}

/// The close code yawc (or the Wire, for fragments) sends for `error`, as yawc's
/// `Streaming` chooses it.
fn yawc_close_code(error: &WebSocketError) -> Option<u16> {
    use WebSocketError as E;
    match error {
        E::FrameTooLarge => Some(1009),
        E::InvalidUTF8 => Some(1007),
        E::InvalidOpCode(_) => Some(1003),
        E::ReservedBitsNotZero
        | E::ControlFrameFragmented
        | E::PingFrameTooLarge
        | E::InvalidFragment
        | E::InvalidCloseFrame
        | E::InvalidCloseCode
        | E::FragmentTimeout
        | E::InvalidContinuationFrame
        | E::CompressionNotSupported => Some(1002),
        E::ConnectionClosed | E::IoError(_) => None,
        _ => Some(1011),
    }
}

/// How many compressors (and, apart, decompressors) the shared pool keeps idle: about the
/// messages compressed at the same moment, the runtime's threads, not the connections.
const DEFLATE_POOL_SIZE: usize = 16;

/// The yawc options of every connection under `limits`: the size limits, small buffers, and
/// permessage-deflate unless `--no-deflate`.
///
/// Compression is negotiated without context takeover in both directions (RFC 7692 lets a
/// server impose it, and browsers accept it) and its state comes from `pool` for one
/// message at a time: so an idle peer holds no deflate state at all (with context takeover
/// each connection would keep ~300 KiB of zlib state for its whole life), at the price of a
/// lower ratio on streams of similar messages. The level is zlib's fastest: the server's
/// CPU per message is what it is measured on, and JSON still shrinks several times.
pub fn options(limits: &super::Limits, pool: &yawc::DeflatePool) -> yawc::Options {
    // yawc's limits are exclusive; ours are the largest size allowed.
    let frame = limits.max_frame_size.min(limits.max_message_size);
    let options = yawc::Options::default()
        .with_max_payload_read(frame.saturating_add(1))
        .with_max_read_buffer(limits.max_message_size.saturating_add(1))
        .with_read_buffer_capacity(super::limits::IO_BUFFER_BYTES)
        .with_write_buffer_capacity(super::limits::IO_BUFFER_BYTES)
        .with_backpressure_boundary(super::limits::WRITE_BATCH_BYTES);
    if limits.no_deflate {
        return options.without_compression();
    }
    options
        .with_low_latency_compression()
        .server_no_context_takeover()
        .client_no_context_takeover()
        .with_deflate_pool(pool.clone())
        .with_compression_threshold(limits.deflate_threshold)
}

/// A new pool of deflate state for [`options`].
pub fn deflate_pool() -> yawc::DeflatePool {
    yawc::DeflatePool::new(DEFLATE_POOL_SIZE)
}
