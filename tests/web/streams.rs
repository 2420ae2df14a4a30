//! The Rust async face: opened/closed, send_async, Stream and Sink, split halves.

use duplex_ws::{DuplexSocket, Message, ReadyState, ReconnectPolicy};
use futures::{SinkExt, StreamExt};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{hooks, reply, server, text, within, GREETING};

#[wasm_bindgen_test]
async fn stream_and_sink_hold_the_conversation() {
    let (mut sink, mut stream) = DuplexSocket::new(&server("/")).unwrap().split();
    // Resolves once the message has left (open, queue flushed, browser buffer empty).
    within(Box::pin(sink.send(text("I am listening"))), "send")
        .await
        .unwrap();
    let greeting = within(stream.next(), "greeting").await.unwrap().unwrap();
    assert_eq!(greeting, text(GREETING));
    let answer = within(stream.next(), "reply").await.unwrap().unwrap();
    assert_eq!(answer, text(&reply("I am listening")));
    let shown = format!("{sink:?} {stream:?}");
    assert!(
        shown.starts_with("SocketSink(DuplexSocket { url: ")
            && shown.contains("SocketStream(DuplexSocket { url: ")
            && shown.matches("ready_state: Open").count() == 2,
        "{shown}"
    );
    // Closing from the Stream half ends the Stream and closes the Sink.
    stream.close().unwrap();
    assert!(within(stream.next(), "the end").await.is_none());
    let err = within(Box::pin(sink.send(text("late"))), "late send")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "CLOSED");
}

#[wasm_bindgen_test]
async fn closing_the_sink_closes_the_socket_and_ends_the_stream() {
    let socket = DuplexSocket::new(&hooks()).unwrap();
    within(Box::pin(socket.opened()), "opened").await.unwrap();
    let (mut sink, mut stream) = socket.split();
    sink.send(Message::Binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(
        within(stream.next(), "echo").await.unwrap().unwrap(),
        Message::Binary(vec![1, 2, 3])
    );
    within(Box::pin(sink.close()), "close").await.unwrap();
    assert!(within(stream.next(), "the end").await.is_none());
}

#[wasm_bindgen_test]
async fn errors_arrive_in_the_stream_which_goes_on_after_a_reconnect() {
    let policy = ReconnectPolicy {
        // These tests are about reconnecting: the backoff resets at every open.
        min_uptime_ms: 0,
        min_delay_ms: 10,
        max_delay_ms: 50,
        ..Default::default()
    };
    let mut socket = DuplexSocket::builder(&hooks())
        .reconnect(policy)
        .connect()
        .unwrap();
    within(Box::pin(socket.opened()), "opened").await.unwrap();
    socket.send_text("hook:drop").unwrap();
    let item = within(socket.next(), "the loss").await.unwrap();
    assert_eq!(item.unwrap_err().code(), "CONNECTION_LOST");
    socket.send_text("after the reconnect").unwrap(); // queued until the reopen
    let item = within(socket.next(), "the echo").await.unwrap();
    assert_eq!(item.unwrap(), text("after the reconnect"));
    let info = {
        socket.close().unwrap();
        within(Box::pin(socket.closed()), "closed").await
    };
    assert_eq!((info.code, info.was_clean), (1000, true));
}

/// A socket to /hooks whose `send_async` and Sink wait above `mark` buffered bytes, once open.
async fn opened_with_high_water_mark(mark: usize) -> DuplexSocket {
    let builder = DuplexSocket::builder(&hooks()).high_water_mark(mark);
    let socket = builder.connect().unwrap();
    within(Box::pin(socket.opened()), "opened").await.unwrap();
    socket
}

#[wasm_bindgen_test]
async fn send_async_waits_until_the_browser_buffer_is_under_the_high_water_mark() {
    let socket = opened_with_high_water_mark(4096).await;
    for _ in 0..8 {
        let chunk = Message::Binary(vec![7; 32 * 1024]);
        within(Box::pin(socket.send_async(chunk)), "send_async")
            .await
            .unwrap();
        assert!(
            socket.buffered_amount() <= 4096,
            "{}",
            socket.buffered_amount()
        );
    }
    socket.close().unwrap();
}

/// The Sink takes a message only while the browser buffers at most the mark: each of eight
/// 32 KiB chunks fed one after another waits until the one before has gone out. Without
/// the wait all eight are fed in one task, where the browser's `bufferedAmount` only grows
/// (to 256 KiB). Nothing reads `bufferedAmount` between the feeds: the Sink must find out
/// by itself.
#[wasm_bindgen_test]
async fn the_sink_waits_while_the_browser_buffers_more_than_the_high_water_mark() {
    let mut socket = opened_with_high_water_mark(4096).await;
    for _ in 0..8 {
        let chunk = Message::Binary(vec![7; 32 * 1024]);
        within(socket.feed(chunk), "feed").await.unwrap();
    }
    let buffered = socket.buffered_amount();
    assert!(buffered <= 4096 + 32 * 1024, "{buffered}");
    socket.close().unwrap();
}

/// `close()` while connecting with a message queued: it goes out, then the close; no
/// `on_open` call (the socket is closing), and `opened()` resolves once closed (it did open).
#[wasm_bindgen_test]
async fn close_while_connecting_sends_the_queue_and_opened_resolves_without_on_open() {
    let socket = DuplexSocket::new(&server("/echo")).unwrap();
    let opens = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = opens.clone();
    socket.on_open(move || counted.set(counted.get() + 1));
    socket.send_text("queued").unwrap();
    socket.close().unwrap();
    within(Box::pin(socket.opened()), "opened").await.unwrap();
    let info = within(Box::pin(socket.closed()), "closed").await;
    assert_eq!((info.code, info.was_clean), (1000, true));
    assert_eq!(opens.get(), 0, "on_open after close()");
}

#[wasm_bindgen_test]
async fn a_half_knows_the_sockets_state_and_closes_it_with_a_code_and_reason() {
    let socket = DuplexSocket::new(&server("/")).unwrap();
    let (close_tx, mut closes) = futures::channel::mpsc::unbounded();
    socket.on_close(move |info| drop(close_tx.unbounded_send(info)));
    let (sink, mut stream) = socket.split();
    assert_eq!(stream.ready_state(), ReadyState::Connecting);
    within(Box::pin(sink.opened()), "opened").await.unwrap();
    assert_eq!(sink.ready_state(), ReadyState::Open);
    assert_eq!(
        sink.close_with(999, "").unwrap_err().code(),
        "INVALID_CLOSE_CODE"
    );
    stream.close_with(4002, "half done").unwrap();
    assert_eq!(sink.ready_state(), ReadyState::Closing);
    while within(stream.next(), "the end").await.is_some() {}
    let close = within(closes.next(), "the close").await.unwrap();
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4002, "half done", true)
    );
    assert_eq!(stream.ready_state(), ReadyState::Closed);
}
