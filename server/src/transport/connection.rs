//! One WebSocket connection as an endpoint sees it: `recv` the next message, `send` one
//! (through the bounded queue of the writer task), then `finish` the close handshake.
//! It logs who connected and how the connection closed, and keeps the counters. Messages are
//! read from yawc's frames as they are already buffered: one read of the socket can hold a
//! whole batch of a pipelining peer, and `recv` hands them out one by one without touching
//! the socket again.
//! Transport layer: imports only `transport`; what it needs of the server comes in a
//! [`ConnContext`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{Message, Utf8Bytes};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use tokio::task::JoinHandle;
use tokio::time::{timeout, Duration, Instant};

use super::close::{peer_close, MAX_CLOSE_REASON, MAX_CONTROL_PAYLOAD};
pub use super::close::{GOING_AWAY, INVALID_PAYLOAD, POLICY_VIOLATION, PROTOCOL_ERROR};
use super::context::{Admission, ConnContext};
pub use super::outbox::Closed;
use super::outbox::Outbox;
use super::text::within;
use super::wire::{close_of, Wire};
use super::writer::{payload_len, run_writer, Link, Outbound, WriterEnd, WriterSettings};
use yawc::OpCode;

/// Who is on the other end, and where.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The peer's address.
    pub peer: SocketAddr,
    /// The endpoint, as a metrics label: `/`, `/echo`, `/relay`, `/hooks`.
    pub endpoint: &'static str,
    /// The full path asked for (with the room, the query), for the logs.
    pub path: String,
}

/// An open WebSocket connection; see the module doc.
pub struct Connection {
    info: PeerInfo,
    context: Arc<ConnContext>,
    stream: SplitStream<Wire>,
    outbox: Outbox,
    link: Arc<Link>,
    /// The pings of the current second: when it began, and how many came.
    pings: (Instant, u32),
    writer: JoinHandle<()>,
    /// The subprotocol selected in the handshake, if any.
    protocol: Option<String>,
    /// Set once `recv` has returned `None`.
    ended: bool,
    /// The peer's close frame (code, reason), once it arrived.
    peer_close: Option<(u16, String)>,
    /// Why reading ended without a close frame, if it did.
    failure: Option<String>,
    /// Whether a close frame waits in the queue, after the replies before it (1007).
    close_queued: bool,
    /// The close frame yawc sent itself on a broken frame (code, why), ahead of the queue.
    wire_close: Option<(u16, String)>,
    /// Whether its end was logged and counted (else its `Drop` does it).
    accounted: bool,
    _admission: Admission,
}

impl Connection {
    /// Splits the socket and starts its writer task; `protocol` is the subprotocol the
    /// handshake selected, `deflate` whether it agreed on permessage-deflate (for the log).
    pub fn start(
        socket: Wire,
        info: PeerInfo,
        protocol: Option<String>,
        deflate: bool,
        context: Arc<ConnContext>,
        admission: Admission,
    ) -> Connection {
        let (sink, stream) = socket.split();
        let (queue, queued) = super::queue::queue();
        let link = Arc::new(Link::default());
        let limits = &context.limits;
        let outbox = Outbox::new(queue, link.clone(), limits.send_buffer, limits.queue_cap());
        let settings = WriterSettings {
            endpoint: info.endpoint,
            metrics: context.metrics.clone(),
            ping_interval: context.limits.ping_interval,
            ping_timeout: context.limits.ping_timeout,
            close_timeout: context.limits.close_timeout,
            send_buffer: context.limits.send_buffer,
            slow_reader_grace: context.limits.slow_reader_grace,
        };
        let writer = tokio::spawn(run_writer(sink, queued, link.clone(), settings));
        context.metrics.opened(info.endpoint);
        tracing::info!(peer = %info.peer, endpoint = info.endpoint, path = %info.path, deflate, "connected");
        Connection {
            info,
            context,
            stream,
            outbox,
            link,
            pings: (Instant::now(), 0),
            writer,
            protocol,
            ended: false,
            peer_close: None,
            failure: None,
            close_queued: false,
            wire_close: None,
            accounted: false,
            _admission: admission,
        }
    }

    /// Who is on the other end.
    pub fn info(&self) -> &PeerInfo {
        &self.info
    }

    /// The subprotocol the handshake selected (`duplex.v1` for a session), if any.
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The next text or binary message; `None` once the peer closed, the connection
    /// failed, or the server is closing it (shutdown, a size limit, a full queue).
    pub async fn recv(&mut self) -> Option<Message> {
        while !self.ended {
            let item = tokio::select! {
                biased;
                _ = self.context.shutdown.cancelled() => {
                    self.link.close_now(GOING_AWAY, "server shutting down");
                    self.ended = true;
                    return None;
                }
                _ = self.link.closing.cancelled() => { self.ended = true; return None; }
                _ = self.link.writer_done.cancelled() => { self.ended = true; return None; }
                item = self.stream.next() => item,
            };
            let frame = match item {
                Some(Ok(frame)) => frame,
                Some(Err(error)) => {
                    match close_of(&error) {
                        // yawc (or the Wire) has already put its close frame ahead of
                        // everything queued.
                        Some(close) => self.wire_close = Some(close),
                        None => self.failure = Some(error.to_string()),
                    }
                    self.ended = true;
                    return None;
                }
                None => {
                    self.failure = Some("the connection ended without a close frame".into());
                    self.ended = true;
                    return None;
                }
            };
            if frame.opcode().is_control() && frame.payload().len() > MAX_CONTROL_PAYLOAD {
                // yawc checks this for pings only, and would answer such a close frame with
                // an echo. The connection is failed instead: dropped, without reading on or
                // writing anything more (the answer yawc queued is never written).
                self.failure = Some("a control frame over 125 bytes".into());
                self.ended = true;
                return None;
            }
            let message = match frame.opcode() {
                OpCode::Text => match Utf8Bytes::try_from(frame.into_payload()) {
                    Ok(text) => Message::Text(text),
                    Err(_) => {
                        // The replies to the messages before it go out first, then 1007.
                        let why = "a text message is not valid UTF-8".to_owned();
                        let queued = self.outbox.control(Outbound::Close(INVALID_PAYLOAD, why));
                        self.close_queued = queued.is_ok();
                        self.ended = true;
                        return None;
                    }
                },
                OpCode::Binary => Message::Binary(frame.into_payload()),
                OpCode::Pong => {
                    self.link.heard.notify_one();
                    continue;
                }
                OpCode::Ping => {
                    // yawc has queued the pong already.
                    if self.too_many_pings() {
                        let most = self.context.limits.max_pings_per_second;
                        self.link.close_now(
                            POLICY_VIOLATION,
                            &format!("too many pings: more than {most} a second"),
                        );
                    }
                    continue;
                }
                OpCode::Close => {
                    self.peer_close = Some(peer_close(&frame));
                    self.ended = true;
                    return None;
                }
                // Fragments come reassembled; a stray continuation is yawc's error, not a frame.
                OpCode::Continuation => continue,
            };
            self.link.heard.notify_one();
            let bytes = payload_len(&message);
            self.context.metrics.received(self.info.endpoint, bytes);
            return Some(message);
        }
        None
    }

    /// Queues a message for the writer, waiting while the queue is over its byte budget
    /// (backpressure: the peer's own traffic waits for the peer). Fails once the connection
    /// is closing; on shutdown it starts the close 1001 itself (the reader may be waiting here,
    /// not in [`recv`](Connection::recv)).
    pub async fn send(&self, message: Message) -> Result<(), Closed> {
        self.ready().await?;
        self.outbox.offer(message)
    }

    /// Waits until the queue is under its byte budget, as [`send`](Connection::send) does
    /// before it queues; fails once the connection is closing (and on shutdown starts the
    /// close 1001).
    pub async fn ready(&self) -> Result<(), Closed> {
        tokio::select! {
            biased;
            _ = self.link.closing.cancelled() => Err(Closed),
            _ = self.link.writer_done.cancelled() => Err(Closed),
            _ = self.context.shutdown.cancelled() => {
                self.link.close_now(GOING_AWAY, "server shutting down");
                Err(Closed)
            }
            _ = self.outbox.room() => Ok(()),
        }
    }

    /// Closes with `code` and `reason` after the messages already queued, and reads no
    /// more ([`recv`](Connection::recv) returns `None`); [`finish`](Connection::finish) then
    /// waits for the close handshake. For an endpoint's own protocol errors.
    pub fn close(&mut self, code: u16, reason: &str) {
        let reason = within(reason, MAX_CLOSE_REASON).to_owned();
        self.close_queued = self.outbox.control(Outbound::Close(code, reason)).is_ok();
        self.ended = true;
    }

    /// Queues something other than a message: a close after the queued messages, a pause.
    pub async fn send_control(&self, item: Outbound) -> Result<(), Closed> {
        if self.link.writer_done.is_cancelled() {
            return Err(Closed);
        }
        self.outbox.control(item)
    }

    /// Counts a ping from the peer; whether it is one too many for this second.
    fn too_many_pings(&mut self) -> bool {
        let now = Instant::now();
        let (start, count) = &mut self.pings;
        if now.duration_since(*start) >= Duration::from_secs(1) {
            *start = now;
            *count = 0;
        }
        *count = count.saturating_add(1);
        *count > self.context.limits.max_pings_per_second
    }

    /// Neither reads nor writes (not even pings or pongs) for `duration`; what arrives
    /// meanwhile waits in the socket and is read afterwards, in order.
    pub async fn pause(&self, duration: std::time::Duration) -> Result<(), Closed> {
        self.send_control(Outbound::Pause(duration)).await?;
        tokio::select! {
            _ = tokio::time::sleep(duration) => Ok(()),
            _ = self.context.shutdown.cancelled() => Ok(()),
        }
    }

    /// The writer's queue, for others to put messages in without waiting (relay fan-out).
    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// The handle through which others close this connection.
    pub fn link(&self) -> Arc<Link> {
        self.link.clone()
    }

    /// Reads on while the server's close frame goes out and until the peer answers it (or
    /// until the peer's own close is answered), at most the close timeout; then logs how the
    /// connection closed and drops it.
    pub async fn finish(self) {
        // Boxed: its timers would otherwise be part of every endpoint's task for the whole
        // life of the connection (memory per idle peer), though they live only at its end.
        Box::pin(self.close_handshake()).await
    }

    async fn close_handshake(mut self) {
        let close_timeout = self.context.limits.close_timeout;
        if self.context.shutdown.is_cancelled() && self.peer_close.is_none() {
            // However the endpoint got here, a shutdown ends with close 1001.
            self.link.close_now(GOING_AWAY, "server shutting down");
        }
        if self.link.closing.is_cancelled() || self.link.close_started() || self.close_queued {
            // The server is closing: wait until the writer sent its close frame, or gave up
            // after its own close timeout (doubled here only as a safety net). The peer's
            // answer can arrive before the writer has noted that it sent the frame.
            let _ = timeout(2 * close_timeout, self.link.writer_done.cancelled()).await;
        }
        let writer_end = self.link.writer_end();
        let failed = self.failure.is_some()
            || matches!(
                writer_end,
                Some(
                    WriterEnd::PingTimeout
                        | WriterEnd::CloseNotWritten(..)
                        | WriterEnd::WriteFailed(_)
                )
            );
        // After the peer's close, reading on is what writes yawc's answer to it, even when
        // the writer ended on a write refused because of that close.
        if !failed || self.peer_close.is_some() {
            // The peer's close frame (after ours), or the end of the stream after yawc
            // flushed its answer to the peer's close (or its own close on a broken frame:
            // reading is what sends it).
            let _ = timeout(close_timeout, async {
                while let Some(item) = self.stream.next().await {
                    match item {
                        Ok(frame) if frame.opcode() == OpCode::Close => {
                            if self.peer_close.is_none() {
                                self.peer_close = Some(peer_close(&frame));
                            }
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            })
            .await;
        }
        self.writer.abort();
        self.log_the_end(writer_end);
    }

    /// Ends the connection at once, without a close frame (the `hook:drop` command).
    pub fn drop_now(mut self, why: &str) {
        self.writer.abort();
        self.failure = Some(why.to_owned());
        self.log_the_end(None);
    }

    fn log_the_end(&mut self, writer_end: Option<WriterEnd>) {
        self.accounted = true;
        let PeerInfo { peer, endpoint, .. } = &self.info;
        let sent = match (&writer_end, &self.wire_close) {
            (Some(WriterEnd::CloseSent(code, reason)), _) => Some((*code, reason.clone())),
            (_, Some((code, reason))) => Some((*code, reason.clone())),
            _ => None,
        };
        let code = match (&sent, &self.peer_close) {
            (Some((code, reason)), answer) => {
                let answered = answer.is_some();
                tracing::info!(%peer, endpoint, code, reason, by = "server", answered, "closed");
                Some(*code)
            }
            (None, Some((code, reason))) => {
                tracing::info!(%peer, endpoint, code, reason, by = "peer", "closed");
                Some(*code)
            }
            (None, None) => {
                let why = match (&self.failure, &writer_end) {
                    (Some(failure), _) => failure.clone(),
                    (None, Some(WriterEnd::PingTimeout)) => {
                        "no answer to a ping within the ping timeout".to_owned()
                    }
                    (None, Some(WriterEnd::CloseNotWritten(code, _))) => format!(
                        "close {code} could not be written within the close timeout (the peer reads nothing)"
                    ),
                    (None, Some(WriterEnd::WriteFailed(error))) => error.clone(),
                    (None, _) => "ended".to_owned(),
                };
                tracing::info!(%peer, endpoint, why, "dropped without a close handshake");
                match writer_end {
                    Some(WriterEnd::CloseNotWritten(code, _)) => Some(code),
                    _ => None,
                }
            }
        };
        self.context.metrics.closed(endpoint, code);
    }
}

impl Drop for Connection {
    /// An endpoint's task that ended without `finish` or `drop_now` (a panic, caught by tokio)
    /// still leaves the connection logged and counted as closed, so `duplex_connections_open`
    /// does not drift upwards.
    fn drop(&mut self) {
        if !self.accounted {
            self.writer.abort();
            self.failure = Some("the endpoint's task ended without closing it".to_owned());
            self.log_the_end(None);
        }
    }
}
