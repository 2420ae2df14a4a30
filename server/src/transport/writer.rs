//! The writing half of a connection: one task that owns the sink, drains the bounded send
//! queue, pings the peer, and sends the close frame. It writes in batches: every message
//! already queued is handed to the sink, then one flush writes them all, so a pipelining
//! peer's replies (or a burst of relayed messages) cost one system call per batch, not one
//! per message. Transport layer: imports only `transport`.

use std::collections::VecDeque;

use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt};
use tokio::sync::Notify;
use tokio::time::{interval_at, sleep_until, timeout, Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::metrics::Metrics;
use super::outbox::TRY_AGAIN_LATER;
use super::queue::QueueReceiver;

/// What the writer task sends, in the order queued.
#[derive(Debug)]
pub enum Outbound {
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
    /// Notified by the reading half when a message or a pong arrives: the peer is alive
    /// (its own pings do not count: a peer that pings and never reads is not).
    pub heard: Notify,
    /// Payload bytes queued for the peer and not yet written (see [`super::Outbox`]).
    pub queued: AtomicUsize,
    /// Notified by the writer whenever a message has been written (the queue shrank).
    pub drained: Notify,
    /// Notified when the queue goes over the byte budget: the slow-reader clock starts.
    pub over_budget: Notify,
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
    /// The byte budget of the queue (`--send-buffer`).
    pub send_buffer: usize,
    /// How long the queue may stay over the budget (`--slow-reader-grace`).
    pub slow_reader_grace: Duration,
}

/// Runs the writer until the queue closes, a close frame is sent, a write fails, or the
/// peer stops answering pings; then records why in `link` and drops the sink.
///
/// `sink` is the writing half of the WebSocket (a `SplitSink<WebSocket, Message>` on the
/// server; any sink of messages in tests).
pub async fn run_writer<S>(
    mut sink: S,
    mut queue: QueueReceiver,
    link: Arc<Link>,
    settings: WriterSettings,
) where
    S: Sink<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    let end = write_until_done(&mut sink, &mut queue, &link, &settings).await;
    *link.end.lock().unwrap_or_else(|e| e.into_inner()) = Some(end);
    link.writer_done.cancel();
}

/// The most messages taken from the queue for one batch: a close request or a missed pong
/// is heard between two batches, so one batch must not take long.
const BATCH_MESSAGES: usize = 256;

/// The write in progress: the messages (or a ping) taken from the queue, until the sink has
/// flushed them.
struct InFlight {
    /// Not yet accepted by the sink, in order; empty once only the flush is left.
    unsent: VecDeque<Message>,
    /// Their payload bytes, for the counters and the queue's byte count.
    bytes: usize,
    /// How many count as messages sent (pings do not).
    counted: usize,
}

impl InFlight {
    fn ping() -> InFlight {
        let unsent = VecDeque::from([Message::Ping(Default::default())]);
        InFlight {
            unsent,
            bytes: 0,
            counted: 0,
        }
    }

    fn push(&mut self, message: Message) {
        self.bytes += payload_len(&message);
        self.counted += 1;
        self.unsent.push_back(message);
    }
}

/// One loop, one `select!`: whether the writer is idle or a write is stuck on a peer that
/// reads nothing, a close request, a sign of life from the peer, a missed pong and the ping
/// timer are all heard. A write in progress lives in `in_flight`, not in a future, so no arm
/// is written twice; a new message (or ping) is taken only when no write is in progress.
async fn write_until_done<S>(
    sink: &mut S,
    queue: &mut QueueReceiver,
    link: &Link,
    settings: &WriterSettings,
) -> WriterEnd
where
    S: Sink<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    let period = settings.ping_interval;
    let mut pings = interval_at(Instant::now() + period, period);
    pings.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Set when a ping goes out; cleared by anything heard from the peer.
    let mut pong_deadline: Option<Instant> = None;
    let mut in_flight: Option<InFlight> = None;
    // A close or a pause found while a batch was taken from the queue: it comes next.
    let mut held: Option<Outbound> = None;
    // Set by `Outbound::Pause`: until then nothing is written, pinged or timed out.
    let mut paused_until: Option<Instant> = None;
    // Set when the queue went over the budget: if it still is then, the peer is too slow.
    let mut slow_deadline: Option<Instant> = None;
    loop {
        let paused = paused_until.is_some();
        tokio::select! {
            biased;
            // A write that completes is counted before anything else happens.
            written = poll_fn(|cx| poll_write(sink, &mut in_flight, cx)), if in_flight.is_some() => {
                if let Err(error) = written {
                    return WriterEnd::WriteFailed(error.to_string());
                }
                if let Some(InFlight { bytes, counted: counted @ 1.., .. }) = in_flight.take() {
                    settings.metrics.sent_many(settings.endpoint, counted, bytes);
                    // Saturating: a message queued without the outbox (tests) added nothing.
                    let _ = link.queued.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |queued| {
                        Some(queued.saturating_sub(bytes))
                    });
                    link.drained.notify_one();
                    if link.queued.load(Ordering::SeqCst) <= settings.send_buffer {
                        slow_deadline = None;
                    }
                }
            }
            _ = link.closing.cancelled() => return close_requested(sink, link, settings).await,
            _ = sleep_until(paused_until.unwrap_or_else(Instant::now)), if paused => {
                // The silence was on purpose: start the ping cycle afresh.
                paused_until = None;
                pings.reset();
                pong_deadline = None;
            }
            _ = link.heard.notified(), if !paused => pong_deadline = None,
            _ = link.over_budget.notified(), if slow_deadline.is_none() && !paused => {
                slow_deadline = Some(Instant::now() + settings.slow_reader_grace);
            }
            _ = sleep_until(slow_deadline.unwrap_or_else(Instant::now)), if slow_deadline.is_some() && !paused => {
                slow_deadline = None;
                let queued = link.queued.load(Ordering::SeqCst);
                if queued > settings.send_buffer {
                    link.close_now(TRY_AGAIN_LATER, &format!(
                        "too slow: over {} bytes waited for this peer for {:?}",
                        settings.send_buffer, settings.slow_reader_grace
                    ));
                }
            }
            // No ping can go out while a write is stuck, but the ping timer still runs: a peer
            // that takes nothing in for a whole ping timeout is as good as gone.
            _ = sleep_until(pong_deadline.unwrap_or_else(Instant::now)), if pong_deadline.is_some() && !paused => {
                return WriterEnd::PingTimeout;
            }
            _ = pings.tick(), if !paused => {
                pong_deadline.get_or_insert_with(|| Instant::now() + settings.ping_timeout);
                if in_flight.is_none() {
                    in_flight = Some(InFlight::ping());
                }
            }
            item = next_item(&mut held, queue), if in_flight.is_none() && !paused => match item {
                None => return WriterEnd::QueueClosed,
                Some(Outbound::Message(message)) => {
                    let mut batch = InFlight { unsent: VecDeque::new(), bytes: 0, counted: 0 };
                    batch.push(message);
                    // Everything else already queued goes in the same batch, up to a close or
                    // a pause, which waits for the batch to be written.
                    while batch.counted < BATCH_MESSAGES {
                        match queue.try_recv() {
                            Some(Outbound::Message(message)) => batch.push(message),
                            Some(other) => {
                                held = Some(other);
                                break;
                            }
                            None => break,
                        }
                    }
                    in_flight = Some(batch);
                }
                Some(Outbound::Close(code, reason)) => return send_close(sink, link, code, reason, settings).await,
                Some(Outbound::Pause(duration)) => paused_until = Some(Instant::now() + duration),
            },
        }
    }
}

/// The next item: the one held back from the last batch, else the next from the queue.
async fn next_item(held: &mut Option<Outbound>, queue: &mut QueueReceiver) -> Option<Outbound> {
    match held.take() {
        Some(item) => Some(item),
        None => queue.recv().await,
    }
}

/// Drives the write in progress: hands each message to the sink once it is ready (the sink
/// writes out its buffer by itself when it fills), then flushes once; what `SinkExt::send`
/// does for one message, but with its state in `in_flight`, so that the future can be
/// dropped by `select!` and polled afresh on the next turn.
fn poll_write<S>(
    sink: &mut S,
    in_flight: &mut Option<InFlight>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), S::Error>>
where
    S: Sink<Message> + Unpin,
{
    if let Some(write) = in_flight.as_mut() {
        while !write.unsent.is_empty() {
            ready!(sink.poll_ready_unpin(cx))?;
            if let Some(message) = write.unsent.pop_front() {
                sink.start_send_unpin(message)?;
            }
        }
    }
    sink.poll_flush_unpin(cx)
}

async fn close_requested<S>(sink: &mut S, link: &Link, settings: &WriterSettings) -> WriterEnd
where
    S: Sink<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    let request = link
        .close_request
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let (code, reason) = request.unwrap_or((1000, String::new()));
    send_close(sink, link, code, reason, settings).await
}

async fn send_close<S>(
    sink: &mut S,
    link: &Link,
    code: u16,
    reason: String,
    settings: &WriterSettings,
) -> WriterEnd
where
    S: Sink<Message> + Unpin,
    S::Error: std::fmt::Display,
{
    link.close_started.store(true, Ordering::SeqCst);
    let frame = CloseFrame {
        code,
        reason: reason.clone().into(),
    };
    // The peer's answer to this frame gets no second close frame: see `Wire`.
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

#[cfg(test)]
mod tests;
