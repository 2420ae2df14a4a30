//! Each error code of the API, raised by the case it names (the codes not covered here are
//! raised in conversation.rs, reconnect.rs and js_face.rs: INVALID_URL, INVALID_CLOSE_CODE,
//! INVALID_CLOSE_REASON, INVALID_OPTION, CONNECT_TIMEOUT, CONNECTION_FAILED,
//! HEARTBEAT_TIMEOUT).

use duplex_ws::{DuplexSocket, Error, Overflow, QueueLimits, ReconnectPolicy};
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{beat, hooks, next, server, text, watch, GREETING};

#[wasm_bindgen_test]
async fn queue_full_refuses_the_message_and_keeps_the_queue() {
    let limits = QueueLimits {
        max_messages: 2,
        max_bytes: 1000,
        overflow: Overflow::Error,
    };
    let mut w = watch(DuplexSocket::builder(&hooks()).queue(limits));
    w.socket.send_text("one").unwrap();
    w.socket.send_text("two").unwrap();
    let err = w.socket.send_text("three").unwrap_err();
    assert_eq!(err.code(), "QUEUE_FULL");
    assert!(err.to_string().contains("queue.max_messages 2"), "{err}");
    let said = "a 5-byte message does not fit; queued: 2 message(s), 6 byte(s)";
    assert!(err.to_string().contains(said), "{err}");
    let err = w.socket.send_binary(&[0; 1001]).unwrap_err();
    assert!(
        matches!(err, Error::QueueFull { bytes: 1001, .. }),
        "{err:?}"
    );
    assert_eq!(next(&mut w.messages, "one").await, text("one"));
    assert_eq!(next(&mut w.messages, "two").await, text("two"));
}

#[wasm_bindgen_test]
async fn queue_overflow_drop_oldest_says_so_in_an_event() {
    let limits = QueueLimits {
        max_messages: 2,
        max_bytes: 1000,
        overflow: Overflow::DropOldest,
    };
    let mut w = watch(DuplexSocket::builder(&hooks()).queue(limits));
    for message in ["one", "two", "three"] {
        w.socket.send_text(message).unwrap();
    }
    let event = next(&mut w.errors, "the overflow event").await;
    assert!(
        matches!(
            event,
            Error::QueueOverflow {
                dropped_messages: 1,
                dropped_bytes: 3,
                ..
            }
        ),
        "{event:?}"
    );
    assert_eq!(event.code(), "QUEUE_FULL");
    assert_eq!(next(&mut w.messages, "two").await, text("two"));
    assert_eq!(next(&mut w.messages, "three").await, text("three"));
}

#[wasm_bindgen_test]
async fn closed_is_raised_by_send_after_the_socket_closed_for_good() {
    let mut w = watch(DuplexSocket::builder(&server("/")));
    assert_eq!(next(&mut w.messages, "greeting").await, text(GREETING));
    w.socket.close().unwrap();
    next(&mut w.closes, "the close").await;
    let err = w.socket.send_text("into the void").unwrap_err();
    assert_eq!(err.code(), "CLOSED");
    assert!(err.to_string().contains(&server("/")), "{err}");
}

#[wasm_bindgen_test]
async fn connection_lost_is_raised_when_an_open_connection_ends_without_a_close_frame() {
    let mut w = watch(DuplexSocket::builder(&hooks()));
    w.socket.send_text("hook:drop").unwrap();
    let err = next(&mut w.errors, "the loss").await;
    assert_eq!(err.code(), "CONNECTION_LOST");
    let close = next(&mut w.closes, "the close").await;
    assert_eq!((close.code, close.was_clean), (1006, false));
}

#[wasm_bindgen_test]
async fn heartbeat_timeout_without_reconnect_ends_the_socket() {
    let heartbeat = beat(100, 300);
    let mut w = watch(DuplexSocket::builder(&hooks()).heartbeat(heartbeat));
    w.socket.send_text("hook:silence 5000").unwrap();
    assert_eq!(
        next(&mut w.errors, "the timeout").await.code(),
        "HEARTBEAT_TIMEOUT"
    );
    let close = next(&mut w.closes, "the close").await;
    assert_eq!((close.code, close.was_clean), (1006, false));
    assert_eq!(w.socket.send_text("late").unwrap_err().code(), "CLOSED");
}

#[wasm_bindgen_test]
fn invalid_option_names_the_option_in_the_rust_builder_too() {
    let policy = ReconnectPolicy {
        min_delay_ms: 10,
        max_delay_ms: 5,
        ..Default::default()
    };
    let err = DuplexSocket::builder(&server("/"))
        .reconnect(policy)
        .connect()
        .err()
        .unwrap();
    assert_eq!(err.code(), "INVALID_OPTION");
    assert!(err.to_string().contains("reconnect.min_delay_ms"), "{err}");
}
