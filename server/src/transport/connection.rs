//! One WebSocket connection as an endpoint sees it: `recv` the next message, `send` one
//! (through the bounded queue of the writer task), then `finish` the close handshake.
//! It logs who connected and how the connection closed, and keeps the counters.
//! Transport layer: imports only `transport`; what it needs of the server comes in a
//! [`ConnContext`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::timeout;

use super::context::{Admission, ConnContext};
use super::writer::{payload_len, run_writer, Link, Outbound, WriterEnd, WriterSettings};

/// The close code for a message or frame over the size limit.
pub const MESSAGE_TOO_BIG: u16 = 1009;
/// The close code sent to every peer on shutdown.
pub const GOING_AWAY: u16 = 1001;

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

/// Why a message could not be queued: the connection is closing or gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// An open WebSocket connection; see the module doc.
pub struct Connection {
    info: PeerInfo,
    context: Arc<ConnContext>,
    stream: SplitStream<WebSocket>,
    queue: mpsc::Sender<Outbound>,
    link: Arc<Link>,
    writer: JoinHandle<()>,
    /// Set once `recv` has returned `None`.
    ended: bool,
    /// The peer's close frame (code, reason), once it arrived.
    peer_close: Option<(u16, String)>,
    /// Why reading ended without a close frame, if it did.
    failure: Option<String>,
    _admission: Admission,
}

impl Connection {
    /// Splits the socket and starts its writer task.
    pub fn start(
        socket: WebSocket,
        info: PeerInfo,
        context: Arc<ConnContext>,
        admission: Admission,
    ) -> Connection {
        let (sink, stream) = socket.split();
        let (queue, queued) = mpsc::channel(context.limits.send_queue);
        let link = Arc::new(Link::default());
        let settings = WriterSettings {
            endpoint: info.endpoint,
            metrics: context.metrics.clone(),
            ping_interval: context.limits.ping_interval,
            ping_timeout: context.limits.ping_timeout,
            close_timeout: context.limits.close_timeout,
        };
        let writer = tokio::spawn(run_writer(sink, queued, link.clone(), settings));
        context.metrics.opened(info.endpoint);
        tracing::info!(peer = %info.peer, endpoint = info.endpoint, path = %info.path, "connected");
        Connection {
            info,
            context,
            stream,
            queue,
            link,
            writer,
            ended: false,
            peer_close: None,
            failure: None,
            _admission: admission,
        }
    }

    /// Who is on the other end.
    pub fn info(&self) -> &PeerInfo {
        &self.info
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
            self.link.heard.notify_one();
            match item {
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    let bytes = payload_len(&message);
                    self.context.metrics.received(self.info.endpoint, bytes);
                    return Some(message);
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(frame))) => {
                    self.peer_close = Some(
                        frame.map_or((1005, String::new()), |f| (f.code, f.reason.to_string())),
                    );
                }
                Some(Err(error)) => {
                    let error = error.into_inner();
                    if is_too_big(error.as_ref()) {
                        let limit = self
                            .context
                            .limits
                            .max_message_size
                            .min(self.context.limits.max_frame_size);
                        self.link.close_now(
                            MESSAGE_TOO_BIG,
                            &format!("message too big: the limit is {limit} bytes"),
                        );
                    } else {
                        self.failure = Some(error.to_string());
                    }
                }
                None => self.failure = Some("the connection ended without a close frame".into()),
            }
            self.ended = true;
        }
        None
    }

    /// Queues a message for the writer, waiting while the queue is full (backpressure: the
    /// peer's own traffic waits for the peer). Fails once the connection is closing.
    pub async fn send(&self, message: Message) -> Result<(), Closed> {
        tokio::select! {
            biased;
            _ = self.link.closing.cancelled() => Err(Closed),
            _ = self.link.writer_done.cancelled() => Err(Closed),
            _ = self.context.shutdown.cancelled() => Err(Closed),
            sent = self.queue.send(Outbound::Message(message)) => sent.map_err(|_| Closed),
        }
    }

    /// Queues something other than a message: a close after the queued messages, a pause.
    pub async fn send_control(&self, item: Outbound) -> Result<(), Closed> {
        tokio::select! {
            biased;
            _ = self.link.writer_done.cancelled() => Err(Closed),
            sent = self.queue.send(item) => sent.map_err(|_| Closed),
        }
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
    pub fn outbox(&self) -> mpsc::Sender<Outbound> {
        self.queue.clone()
    }

    /// The handle through which others close this connection (a full queue: 1013).
    pub fn link(&self) -> Arc<Link> {
        self.link.clone()
    }

    /// Reads on while the server's close frame goes out and until the peer answers it (or
    /// until the peer's own close is answered), at most the close timeout; then logs how the
    /// connection closed and drops it.
    pub async fn finish(mut self) {
        let close_timeout = self.context.limits.close_timeout;
        if self.link.closing.is_cancelled() || self.link.close_started() {
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
        if !failed {
            // The peer's close frame (after ours), or the end of the stream after tungstenite
            // flushed its answer to the peer's close.
            let _ = timeout(close_timeout, async {
                while let Some(item) = self.stream.next().await {
                    if let Ok(Message::Close(frame)) = item {
                        if self.peer_close.is_none() {
                            self.peer_close =
                                Some(frame.map_or((1005, String::new()), |f| {
                                    (f.code, f.reason.to_string())
                                }));
                        }
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

    fn log_the_end(&self, writer_end: Option<WriterEnd>) {
        let PeerInfo { peer, endpoint, .. } = &self.info;
        let sent = match &writer_end {
            Some(WriterEnd::CloseSent(code, reason)) => Some((*code, reason.clone())),
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

/// Whether tungstenite refused a message or frame over the size limits.
fn is_too_big(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    matches!(
        error.downcast_ref::<tungstenite::Error>(),
        Some(tungstenite::Error::Capacity(
            tungstenite::error::CapacityError::MessageTooLong { .. }
        ))
    )
}
