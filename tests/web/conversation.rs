//! The original conversation, send before open, close rules and handshake failures.

use duplex_ws::{DuplexSocket, Error, Message, ReadyState};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{next, reply, server, text, watch_url, GREETING};

#[wasm_bindgen_test]
async fn the_original_conversation_with_send_before_open() {
    let mut w = watch_url(&server("/"));
    assert_eq!(w.socket.ready_state(), ReadyState::Connecting);
    // A plain browser WebSocket throws InvalidStateError here.
    w.socket.send_text("I am listening").unwrap();
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    assert_eq!(w.socket.ready_state(), ReadyState::Open);
    assert_eq!(
        next(&mut w.messages, "the reply").await,
        text(&reply("I am listening"))
    );
}

#[wasm_bindgen_test]
async fn a_socket_shows_its_url_and_state_and_the_negotiated_extensions() {
    let url = server("/");
    let mut w = watch_url(&url);
    assert_eq!(w.socket.extensions(), "", "no connection yet");
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    // duplex-server accepts permessage-deflate, which both browsers offer.
    assert!(
        w.socket.extensions().starts_with("permessage-deflate"),
        "{:?}",
        w.socket.extensions()
    );
    let shown = format!("{:?}", w.socket);
    assert!(
        shown.contains(&format!("url: {:?}", w.socket.url())),
        "{shown}"
    );
    assert!(shown.contains("ready_state: Open"), "{shown}");
}

#[wasm_bindgen_test]
async fn messages_sent_before_open_arrive_once_in_order() {
    let mut w = watch_url(&server("/"));
    let sent: Vec<String> = (0..25).map(|i| format!("message {i} é")).collect();
    for message in &sent {
        w.socket.send_text(message).unwrap();
    }
    let utf8_bytes: usize = sent.iter().map(String::len).sum();
    assert_eq!(w.socket.queued_amount(), utf8_bytes);
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    for message in &sent {
        assert_eq!(next(&mut w.messages, message).await, text(&reply(message)));
    }
    assert_eq!(w.socket.queued_amount(), 0);
    // Sent after open: goes straight out, after everything queued.
    w.socket.send_text("after").unwrap();
    assert_eq!(next(&mut w.messages, "after").await, text(&reply("after")));
}

#[wasm_bindgen_test]
async fn binary_messages_come_back_unchanged() {
    let mut w = watch_url(&server("/"));
    let bytes: Vec<u8> = (0..=255).collect();
    w.socket.send_binary(&bytes).unwrap();
    w.socket.send(Message::Binary(vec![])).unwrap();
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    assert_eq!(
        next(&mut w.messages, "the bytes").await,
        Message::Binary(bytes)
    );
    assert_eq!(
        next(&mut w.messages, "empty").await,
        Message::Binary(vec![])
    );
}

#[wasm_bindgen_test]
fn invalid_urls_are_refused_with_invalid_url() {
    for url in ["ftp://x", "ws://x/#frag", "ws://not a url", "ws://"] {
        let err = DuplexSocket::new(url).expect_err("refused");
        assert_eq!(err.code(), "INVALID_URL", "{url}");
        assert!(err.to_string().contains(url), "{err}");
    }
}

#[wasm_bindgen_test]
async fn a_failed_handshake_is_connection_failed_and_counts_unsent_messages() {
    let mut w = watch_url(&server("/no-such-endpoint"));
    w.socket.send_text("never delivered").unwrap();
    let err = next(&mut w.errors, "the error").await;
    assert_eq!(err.code(), "CONNECTION_FAILED");
    assert!(
        matches!(&err, Error::ConnectionFailed { unsent: 1, url, .. } if url.ends_with("/no-such-endpoint")),
        "{err:?}"
    );
    let close = next(&mut w.closes, "the close").await;
    assert_eq!((close.code, close.was_clean), (1006, false));
    assert_eq!(w.socket.ready_state(), ReadyState::Closed);
    assert_eq!(w.socket.send_text("late").unwrap_err().code(), "CLOSED");
}

#[wasm_bindgen_test]
async fn send_after_close_is_an_error_not_a_silent_drop() {
    let mut w = watch_url(&server("/"));
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    w.socket.close_with(4001, "done here").unwrap();
    assert_eq!(w.socket.ready_state(), ReadyState::Closing);
    let err = w.socket.send_text("too late").unwrap_err();
    assert_eq!(err.code(), "CLOSED");
    let close = next(&mut w.closes, "the close").await;
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4001, "done here", true)
    );
    assert_eq!(w.socket.send_text("later").unwrap_err().code(), "CLOSED");
    assert!(w.no_error(), "a close we asked for is no error");
}

#[wasm_bindgen_test]
async fn close_rules_are_checked_before_the_browser_sees_them() {
    let mut w = watch_url(&server("/"));
    assert_eq!(next(&mut w.messages, "the greeting").await, text(GREETING));
    assert_eq!(
        w.socket.close_with(1001, "").unwrap_err().code(),
        "INVALID_CLOSE_CODE"
    );
    let long = "x".repeat(124);
    assert_eq!(
        w.socket.close_with(4000, &long).unwrap_err().code(),
        "INVALID_CLOSE_REASON"
    );
    // Nothing was closed by the refused calls: the conversation goes on.
    w.socket.send_text("still here").unwrap();
    assert_eq!(
        next(&mut w.messages, "reply").await,
        text(&reply("still here"))
    );
}

#[wasm_bindgen_test]
async fn close_before_open_still_sends_what_was_queued_then_closes_cleanly() {
    let mut w = watch_url(&server("/"));
    w.socket.send_text("queued, then closed").unwrap();
    w.socket.close_with(3001, "after the flush").unwrap();
    let close = next(&mut w.closes, "the close").await;
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (3001, "after the flush", true)
    );
    assert!(w.no_error(), "nothing was lost, so no error");
}

#[wasm_bindgen_test]
async fn protocols_are_offered_and_the_chosen_one_is_reported() {
    // /hooks chooses the first subprotocol the client offers.
    let url = crate::support::hooks();
    let socket = DuplexSocket::builder(&url)
        .protocols(["v2.duplex", "v1.duplex"])
        .connect()
        .unwrap();
    crate::support::within(Box::pin(socket.opened()), "opened")
        .await
        .unwrap();
    assert_eq!(socket.protocol(), "v2.duplex");
    // Without an offer the server chooses none.
    let plain = DuplexSocket::new(&url).unwrap();
    crate::support::within(Box::pin(plain.opened()), "opened")
        .await
        .unwrap();
    assert_eq!(plain.protocol(), "");
    let err = DuplexSocket::builder(&url)
        .protocols(["a", "a"])
        .connect()
        .err()
        .unwrap();
    assert_eq!(err.code(), "INVALID_OPTION");
}
