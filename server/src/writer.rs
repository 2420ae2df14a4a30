//! The writing half of a connection: one task that owns the sink, drains the bounded send
//! queue, pings the peer, and sends the close frame.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::{mpsc, Notify};
use tokio::time::{interval_at, sleep, sleep_until, timeout, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;

/// What the writer task sends, in the order queued.
#[derive(Debug)]
pub enum Outgoing {
    /// A text or binary message.
    Message(Message),
    /// A close frame after everything queued before it; the writer ends with it.
    Close(u16, String),
    /// Send nothing, not even pings, for this long (the `hook:silence` command).
    Pause(Duration),
}

/// Why the writer task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriterEnd {
    /// The reading half dropped its end of the queue.
    QueueClosed,
    /// A write failed: the peer is gone, or the connection is already closing.
    WriteFailed(String),
    /// The peer did not answer a ping (nor send anything) within the ping timeout.
    PingTimeout,
    /// The close frame was written.
    CloseSent(u16, String),
    /// The close frame could not be written within the close timeout (the peer reads nothing).
    CloseNotWritten(u16, String),
}

/// What the two halves of one connection share.
#[derive(Debug, Default)]
pub struct Link {
    close_request: Mutex<Option<(u16, String)>>,
    /// Cancelled when a close must go out now, ahead of the queue.
    pub closing: CancellationToken,
    /// Cancelled when the writer task has ended; its reason is in [`Link::writer_end`].
    pub writer_done: CancellationToken,
    /// Notified by the reading half whenever anything arrives: the peer is alive.
    pub heard: Notify,
    end: Mutex<Option<WriterEnd>>,
    close_started: AtomicBool,
}

impl Link {
    /// Asks the writer to send a close frame now, dropping what is queued. Only the first
    /// request counts: a connection closes once.
    pub fn close_now(&self, code: u16, reason: &str) {
        let mut request = self.close_request.lock().unwrap_or_else(|e| e.into_inner());
        if request.is_none() && !self.closing.is_cancelled() {
            *request = Some((code, reason.to_owned()));
            self.closing.cancel();
        }
    }

    /// Whether the writer has begun to send a close frame (it will end within the close
    /// timeout).
    pub fn close_started(&self) -> bool {
        self.close_started.load(Ordering::SeqCst)
    }

    /// Why the writer ended, once it has.
    pub fn writer_end(&self) -> Option<WriterEnd> {
        self.end.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// The settings the writer needs.
#[derive(Clone)]
pub struct WriterSettings {
    /// The endpoint label for the metrics.
    pub endpoint: &'static str,
    /// Where to count what was sent.
    pub metrics: Metrics,
    /// How often to ping.
    pub ping_interval: Duration,
    /// How long the peer may stay silent after a ping.
    pub ping_timeout: Duration,
    /// How long writing a close frame may take.
    pub close_timeout: Duration,
}

/// Runs the writer until the queue closes, a close frame is sent, a write fails, or the
/// peer stops answering pings; then records why in `link` and drops the sink.
pub async fn run_writer(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    link: Arc<Link>,
    settings: WriterSettings,
) {
    let end = write_until_done(&mut sink, &mut queue, &link, &settings).await;
    *link.end.lock().unwrap_or_else(|e| e.into_inner()) = Some(end);
    link.writer_done.cancel();
}

async fn write_until_done(
    sink: &mut SplitSink<WebSocket, Message>,
    queue: &mut mpsc::Receiver<Outgoing>,
    link: &Link,
    settings: &WriterSettings,
) -> WriterEnd {
    let period = settings.ping_interval;
    let mut pings = interval_at(Instant::now() + period, period);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Set when a ping goes out; cleared by anything heard from the peer.
    let mut pong_deadline: Option<Instant> = None;
    loop {
        let message = tokio::select! {
            biased;
            _ = link.closing.cancelled() => return close_requested(sink, link, settings).await,
            _ = link.heard.notified() => {
                pong_deadline = None;
                continue;
            }
            _ = sleep_until(pong_deadline.unwrap_or_else(Instant::now)), if pong_deadline.is_some() => {
                return WriterEnd::PingTimeout;
            }
            _ = pings.tick() => {
                pong_deadline.get_or_insert_with(|| Instant::now() + settings.ping_timeout);
                Message::Ping(Default::default())
            }
            item = queue.recv() => match item {
                None => return WriterEnd::QueueClosed,
                Some(Outgoing::Message(message)) => message,
                Some(Outgoing::Close(code, reason)) => return send_close(sink, link, code, reason, settings).await,
                Some(Outgoing::Pause(duration)) => {
                    tokio::select! {
                        _ = sleep(duration) => {}
                        _ = link.closing.cancelled() => {}
                    }
                    // The silence was on purpose: start the ping cycle afresh.
                    pings.reset();
                    pong_deadline = None;
                    continue;
                }
            },
        };
        let bytes = payload_len(&message);
        let counted = !matches!(message, Message::Ping(_));
        // A write blocks while the peer reads nothing; a close request or a missed pong must
        // still get through. No ping can go out while a write is stuck, but the ping timer
        // still runs: a peer that takes nothing in for a whole ping timeout is as good as gone.
        let interrupted = {
            let send = sink.send(message);
            tokio::pin!(send);
            loop {
                tokio::select! {
                    biased;
                    result = &mut send => match result {
                        Ok(()) => break false,
                        Err(error) => return WriterEnd::WriteFailed(error.to_string()),
                    },
                    _ = link.closing.cancelled() => break true,
                    _ = link.heard.notified() => pong_deadline = None,
                    _ = sleep_until(pong_deadline.unwrap_or_else(Instant::now)), if pong_deadline.is_some() => {
                        return WriterEnd::PingTimeout;
                    }
                    _ = pings.tick() => {
                        pong_deadline.get_or_insert_with(|| Instant::now() + settings.ping_timeout);
                    }
                }
            }
        };
        if interrupted {
            return close_requested(sink, link, settings).await;
        }
        if counted {
            settings.metrics.sent(settings.endpoint, bytes);
        }
    }
}

async fn close_requested(
    sink: &mut SplitSink<WebSocket, Message>,
    link: &Link,
    settings: &WriterSettings,
) -> WriterEnd {
    let request = link
        .close_request
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let (code, reason) = request.unwrap_or((1000, String::new()));
    send_close(sink, link, code, reason, settings).await
}

async fn send_close(
    sink: &mut SplitSink<WebSocket, Message>,
    link: &Link,
    code: u16,
    reason: String,
    settings: &WriterSettings,
) -> WriterEnd {
    link.close_started.store(true, Ordering::SeqCst);
    let frame = CloseFrame {
        code,
        reason: reason.clone().into(),
    };
    match timeout(
        settings.close_timeout,
        sink.send(Message::Close(Some(frame))),
    )
    .await
    {
        Ok(Ok(())) => WriterEnd::CloseSent(code, reason),
        Ok(Err(error)) => WriterEnd::WriteFailed(error.to_string()),
        Err(_) => WriterEnd::CloseNotWritten(code, reason),
    }
}

/// The payload length of a message, for the byte counters.
pub fn payload_len(message: &Message) -> usize {
    match message {
        Message::Text(text) => text.len(),
        Message::Binary(bytes) | Message::Ping(bytes) | Message::Pong(bytes) => bytes.len(),
        Message::Close(_) => 0,
    }
}
