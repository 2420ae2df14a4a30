//! The writer over an in-memory stream: a real WebSocket (tungstenite) on each end of a
//! `tokio::io::duplex` pipe, the writer on the server's end, the test reading as the peer.

use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{future, SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio_tungstenite::WebSocketStream;
use tungstenite::protocol::{CloseFrame as WireCloseFrame, Role};
use tungstenite::Message as WireMessage;

use super::{run_writer, write_until_done, Link, Outbound, WriterEnd, WriterSettings};
use crate::transport::Metrics;

/// Time enough for anything here to happen on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(5);

fn settings(metrics: &Metrics, ping_interval: Duration, ping_timeout: Duration) -> WriterSettings {
    WriterSettings {
        endpoint: "/test",
        metrics: metrics.clone(),
        ping_interval,
        ping_timeout,
        close_timeout: Duration::from_millis(300),
        send_buffer: 1 << 20,
        slow_reader_grace: Duration::from_secs(60),
    }
}

/// axum's message as tungstenite writes it (axum's own conversion is private).
fn to_wire(message: Message) -> WireMessage {
    match message {
        Message::Text(text) => WireMessage::text(text.as_str()),
        Message::Binary(bytes) => WireMessage::Binary(bytes),
        Message::Ping(bytes) => WireMessage::Ping(bytes),
        Message::Pong(bytes) => WireMessage::Pong(bytes),
        Message::Close(frame) => WireMessage::Close(frame.map(|frame| WireCloseFrame {
            code: frame.code.into(),
            reason: frame.reason.as_str().into(),
        })),
    }
}

/// Starts a writer on the server's end of a pipe of `buffer` bytes; returns its queue, its
/// link, the task, and the peer's end.
async fn start(
    buffer: usize,
    settings: WriterSettings,
) -> (
    crate::transport::queue::QueueSender,
    std::sync::Arc<Link>,
    tokio::task::JoinHandle<()>,
    WebSocketStream<DuplexStream>,
) {
    let (server_io, peer_io) = tokio::io::duplex(buffer);
    let server = WebSocketStream::from_raw_socket(server_io, Role::Server, None).await;
    let peer = WebSocketStream::from_raw_socket(peer_io, Role::Client, None).await;
    let (sink, _unread) = server.split();
    let sink = sink.with(|message: Message| future::ok::<_, tungstenite::Error>(to_wire(message)));
    let (queue, queued) = crate::transport::queue::queue();
    let link = std::sync::Arc::new(Link::default());
    let task = tokio::spawn(run_writer(Box::pin(sink), queued, link.clone(), settings));
    (queue, link, task, peer)
}

async fn next(peer: &mut WebSocketStream<DuplexStream>) -> WireMessage {
    tokio::time::timeout(PATIENCE, peer.next())
        .await
        .expect("the writer sent nothing in time")
        .expect("the stream ended")
        .expect("a WebSocket error")
}

async fn ended(link: &Link, task: tokio::task::JoinHandle<()>) -> WriterEnd {
    tokio::time::timeout(PATIENCE, task)
        .await
        .expect("the writer did not end in time")
        .expect("the writer panicked");
    link.writer_end().expect("the writer recorded why it ended")
}

#[tokio::test]
async fn queued_messages_go_out_in_order_then_the_close_with_its_code() {
    let metrics = Metrics::new();
    let long = Duration::from_secs(60);
    // A pipe of 32 bytes: most writes wait for the peer to read, as on a slow network.
    let (queue, link, task, mut peer) = start(32, settings(&metrics, long, long)).await;
    let queued = tokio::spawn(async move {
        for n in 0..10 {
            let text = Message::Text(format!("message {n}").into());
            queue.send(Outbound::Message(text)).unwrap();
            queue
                .send(Outbound::Message(Message::Binary(vec![n; 3].into())))
                .unwrap();
        }
        queue.send(Outbound::Close(4000, "bye".into())).unwrap();
    });
    for n in 0..10 {
        assert_eq!(
            next(&mut peer).await,
            WireMessage::text(format!("message {n}"))
        );
        assert_eq!(next(&mut peer).await, WireMessage::binary(vec![n; 3]));
    }
    match next(&mut peer).await {
        WireMessage::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 4000);
            assert_eq!(frame.reason.as_str(), "bye");
        }
        other => panic!("expected close 4000, got {other:?}"),
    }
    queued.await.unwrap();
    assert_eq!(
        ended(&link, task).await,
        WriterEnd::CloseSent(4000, "bye".into())
    );
    let counted = metrics.render();
    assert!(
        counted.contains("duplex_messages_sent_total{endpoint=\"/test\"} 20"),
        "{counted}"
    );
    // 10 texts of 9 bytes, 10 binaries of 3.
    assert!(
        counted.contains("duplex_bytes_sent_total{endpoint=\"/test\"} 120"),
        "{counted}"
    );
}

#[tokio::test]
async fn a_close_request_goes_out_at_once_with_its_code_and_reason() {
    let metrics = Metrics::new();
    let long = Duration::from_secs(60);
    let (_queue, link, task, mut peer) = start(64 * 1024, settings(&metrics, long, long)).await;
    link.close_now(1013, "send queue full");
    // Only the first request counts: a connection closes once.
    link.close_now(1000, "later");
    match next(&mut peer).await {
        WireMessage::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1013);
            assert_eq!(frame.reason.as_str(), "send queue full");
        }
        other => panic!("expected close 1013, got {other:?}"),
    }
    assert_eq!(
        ended(&link, task).await,
        WriterEnd::CloseSent(1013, "send queue full".into())
    );
}

#[tokio::test]
async fn a_close_request_gets_through_while_a_write_is_stuck() {
    let metrics = Metrics::new();
    let long = Duration::from_secs(60);
    // A pipe of 64 bytes that the peer never reads: a 64 KiB message cannot be written.
    let (queue, link, task, _peer) = start(64, settings(&metrics, long, long)).await;
    let big = Message::Binary(vec![0; 64 * 1024].into());
    queue.send(Outbound::Message(big)).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !link.writer_done.is_cancelled(),
        "the write should be stuck"
    );
    link.close_now(1013, "send queue full");
    // The close frame cannot be written either: the writer gives up after the close timeout.
    assert_eq!(
        ended(&link, task).await,
        WriterEnd::CloseNotWritten(1013, "send queue full".into())
    );
}

#[tokio::test]
async fn a_peer_that_stops_answering_pings_is_dropped() {
    let metrics = Metrics::new();
    let interval = Duration::from_millis(50);
    let timeout = Duration::from_millis(100);
    let (_queue, link, task, mut peer) =
        start(64 * 1024, settings(&metrics, interval, timeout)).await;
    assert!(matches!(next(&mut peer).await, WireMessage::Ping(_)));
    // Nothing is heard from the peer (the reader never calls `link.heard`).
    assert_eq!(ended(&link, task).await, WriterEnd::PingTimeout);
}

#[tokio::test]
async fn a_peer_that_answers_is_kept() {
    let metrics = Metrics::new();
    let interval = Duration::from_millis(50);
    let timeout = Duration::from_millis(100);
    let (_queue, link, task, mut peer) =
        start(64 * 1024, settings(&metrics, interval, timeout)).await;
    let reader = tokio::spawn(async move { while peer.next().await.is_some() {} });
    // The reading half notifies `heard` whenever anything arrives; here, every 20 ms.
    for _ in 0..25 {
        link.heard.notify_one();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!link.writer_done.is_cancelled(), "{:?}", link.writer_end());
    task.abort();
    reader.abort();
}

#[tokio::test]
async fn a_queue_over_budget_for_the_grace_time_closes_with_1013_and_a_dip_does_not() {
    use std::sync::atomic::Ordering;
    let metrics = Metrics::new();
    let long = Duration::from_secs(60);
    let grace = Duration::from_millis(200);
    let slow = WriterSettings {
        slow_reader_grace: grace,
        ..settings(&metrics, long, long)
    };
    // Over the budget, then back under it before the grace time: nobody is closed.
    let (_queue, link, task, mut peer) = start(64 * 1024, slow.clone()).await;
    link.queued.store(2 << 20, Ordering::SeqCst);
    link.over_budget.notify_one();
    tokio::time::sleep(grace / 2).await;
    link.queued.store(0, Ordering::SeqCst);
    tokio::time::sleep(grace * 2).await;
    link.close_now(1000, "done");
    assert!(
        matches!(next(&mut peer).await, WireMessage::Close(Some(f)) if u16::from(f.code) == 1000)
    );
    ended(&link, task).await;

    // Over the budget for the whole grace time: closed with 1013.
    let (_queue, link, task, mut peer) = start(64 * 1024, slow).await;
    let start = std::time::Instant::now();
    link.queued.store(2 << 20, Ordering::SeqCst);
    link.over_budget.notify_one();
    match next(&mut peer).await {
        WireMessage::Close(Some(frame)) => {
            assert_eq!(u16::from(frame.code), 1013);
            assert!(frame.reason.as_str().starts_with("too slow"), "{frame:?}");
        }
        other => panic!("expected close 1013, got {other:?}"),
    }
    assert!(
        start.elapsed() >= grace,
        "closed after {:?}",
        start.elapsed()
    );
    assert!(matches!(
        ended(&link, task).await,
        WriterEnd::CloseSent(1013, _)
    ));
}

/// A sink that keeps what it is given and counts its flushes (the system calls a socket
/// would make).
#[derive(Default)]
struct CountingSink {
    taken: Vec<Message>,
    flushes: usize,
}

impl futures_util::Sink<Message> for CountingSink {
    type Error = std::convert::Infallible;

    fn poll_ready(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn start_send(mut self: std::pin::Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        self.taken.push(item);
        Ok(())
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.flushes += 1;
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn what_is_queued_goes_out_in_one_batch_with_one_flush() {
    let metrics = Metrics::new();
    let long = Duration::from_secs(60);
    let (queue, mut queued) = crate::transport::queue::queue();
    for n in 0..100 {
        let text = Message::Text(format!("message {n}").into());
        queue.send(Outbound::Message(text)).unwrap();
    }
    drop(queue);
    let link = std::sync::Arc::new(Link::default());
    let mut sink = CountingSink::default();
    let settings = settings(&metrics, long, long);
    let end = write_until_done(&mut sink, &mut queued, &link, &settings).await;
    assert_eq!(end, WriterEnd::QueueClosed);
    let expected: Vec<Message> = (0..100)
        .map(|n| Message::Text(format!("message {n}").into()))
        .collect();
    assert_eq!(sink.taken, expected);
    // 100 pipelined replies, one write to the socket (not one per message).
    assert_eq!(sink.flushes, 1);
    let counted = metrics.render();
    assert!(
        counted.contains("duplex_messages_sent_total{endpoint=\"/test\"} 100"),
        "{counted}"
    );
}
