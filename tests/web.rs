//! Browser tests: the Rust and the JS face of `DuplexSocket` against a real `duplex-server`,
//! in headless Chromium and Firefox. `scripts/test.sh` starts the server on a free port and
//! passes its address at compile time as `DUPLEX_SERVER_URL`.
#![cfg(target_arch = "wasm32")]

use duplex_ws::{DuplexSocket, Error, JsDuplexSocket, Message, ReadyState};
use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use futures::future::{select, Either};
use futures::StreamExt;
use gloo_timers::future::TimeoutFuture;
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const GREETING: &str = "Hello webSocket";

/// The server's address, `ws://127.0.0.1:PORT`, fixed when the test was compiled.
fn server(path: &str) -> String {
    // option_env!, not env!: clippy and `cargo check` build this file without a server.
    let Some(base) = option_env!("DUPLEX_SERVER_URL") else {
        panic!("DUPLEX_SERVER_URL was not set at compile time: run the browser tests through scripts/test.sh, which starts duplex-server");
    };
    format!("{base}{path}")
}

fn reply(text: &str) -> String {
    format!("I heard you say \"{text}\"")
}

/// The next item, or a panic naming `what` after 10 s.
async fn next<T>(rx: &mut UnboundedReceiver<T>, what: &str) -> T {
    match select(rx.next(), TimeoutFuture::new(10_000)).await {
        Either::Left((Some(item), _)) => item,
        Either::Left((None, _)) => panic!("channel ended while waiting for {what}"),
        Either::Right(_) => panic!("timed out after 10 s waiting for {what}"),
    }
}

/// A Rust socket whose messages, errors and closes arrive on channels.
struct Watched {
    socket: DuplexSocket,
    messages: UnboundedReceiver<Message>,
    errors: UnboundedReceiver<Error>,
    closes: UnboundedReceiver<duplex_ws::CloseInfo>,
}

fn watch(url: &str) -> Watched {
    let socket = DuplexSocket::new(url).expect("a valid URL");
    let (message_tx, messages) = unbounded();
    let (error_tx, errors) = unbounded();
    let (close_tx, closes) = unbounded();
    socket.on_message(move |m| message_tx.unbounded_send(m).unwrap());
    socket.on_error(move |e| error_tx.unbounded_send(e).unwrap());
    socket.on_close(move |c| close_tx.unbounded_send(c).unwrap());
    Watched {
        socket,
        messages,
        errors,
        closes,
    }
}

/// Whether no error has arrived (the channel is empty, or closed with the socket).
fn no_error(errors: &mut UnboundedReceiver<Error>) -> bool {
    errors.try_recv().is_err()
}

fn text(s: &str) -> Message {
    Message::Text(s.to_owned())
}

#[wasm_bindgen_test]
async fn the_original_conversation_with_send_before_open() {
    let mut w = watch(&server("/"));
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
async fn messages_sent_before_open_arrive_once_in_order() {
    let mut w = watch(&server("/"));
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
    let mut w = watch(&server("/"));
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
    for url in ["ftp://x", "ws://x/#frag", "not a url", "ws://"] {
        let err = DuplexSocket::new(url).err().expect("refused");
        assert_eq!(err.code(), "INVALID_URL", "{url}");
        assert!(err.to_string().contains(url), "{err}");
    }
}

#[wasm_bindgen_test]
async fn a_failed_handshake_is_connection_failed_and_counts_unsent_messages() {
    let mut w = watch(&server("/no-such-endpoint"));
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
    let mut w = watch(&server("/"));
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
    assert!(no_error(&mut w.errors), "a close we asked for is no error");
}

#[wasm_bindgen_test]
async fn close_rules_are_checked_before_the_browser_sees_them() {
    let mut w = watch(&server("/"));
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
    let mut w = watch(&server("/"));
    w.socket.send_text("queued, then closed").unwrap();
    w.socket.close_with(3001, "after the flush").unwrap();
    let close = next(&mut w.closes, "the close").await;
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (3001, "after the flush", true)
    );
    assert!(no_error(&mut w.errors), "nothing was lost, so no error");
}

// ---- the JavaScript face ----

fn js_code(thrown: &JsValue) -> String {
    Reflect::get(thrown, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

fn js_message(thrown: &JsValue) -> String {
    thrown.unchecked_ref::<js_sys::Error>().message().into()
}

/// A JS socket whose `event.data` values arrive on a channel.
fn js_watch(options: JsValue) -> (JsDuplexSocket, UnboundedReceiver<JsValue>) {
    let socket = JsDuplexSocket::new(server("/").into(), options).unwrap();
    let (tx, rx) = unbounded();
    let handler =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            tx.unbounded_send(event.data()).unwrap();
        });
    socket.set_onmessage(handler.into_js_value()).unwrap();
    (socket, rx)
}

#[wasm_bindgen_test]
async fn js_face_holds_the_conversation_with_the_browsers_own_data() {
    let (socket, mut data) = js_watch(JsValue::UNDEFINED);
    assert_eq!(socket.ready_state(), JsDuplexSocket::connecting());
    socket.send("I am listening".into()).unwrap();
    socket
        .send(Uint8Array::from(&[7u8, 8, 9][..]).into())
        .unwrap();
    let greeting = next(&mut data, "the greeting").await;
    assert_eq!(greeting.as_string().as_deref(), Some(GREETING));
    let answer = next(&mut data, "the reply").await;
    assert_eq!(answer.as_string(), Some(reply("I am listening")));
    let bytes = next(&mut data, "the bytes").await;
    assert!(
        bytes.is_instance_of::<ArrayBuffer>(),
        "binaryType defaults to arraybuffer"
    );
    assert_eq!(Uint8Array::new(&bytes).to_vec(), [7, 8, 9]);
    assert_eq!(socket.ready_state(), JsDuplexSocket::open());
    assert!(socket.url().starts_with("ws://127.0.0.1:"));
}

#[wasm_bindgen_test]
async fn js_face_binary_type_blob_delivers_blobs() {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"binaryType".into(), &"blob".into()).unwrap();
    let (socket, mut data) = js_watch(options.into());
    socket.send(ArrayBuffer::new(3).into()).unwrap();
    next(&mut data, "the greeting").await;
    let blob = next(&mut data, "the blob").await;
    let blob: web_sys::Blob = blob.dyn_into().expect("a Blob");
    assert_eq!(blob.size(), 3.0);
}

#[wasm_bindgen_test]
fn js_face_throws_coded_errors_naming_the_value() {
    for url in ["ftp://x", "ws://x/#frag"] {
        let thrown = JsDuplexSocket::new(url.into(), JsValue::UNDEFINED)
            .err()
            .unwrap();
        assert!(thrown.is_instance_of::<js_sys::Error>());
        assert_eq!(js_code(&thrown), "INVALID_URL");
        assert!(js_message(&thrown).contains(url), "{}", js_message(&thrown));
    }
    let options = js_sys::Object::new();
    Reflect::set(&options, &"reconect".into(), &true.into()).unwrap();
    let thrown = JsDuplexSocket::new(server("/").into(), options.into())
        .err()
        .unwrap();
    assert_eq!(js_code(&thrown), "INVALID_OPTION");
    assert!(js_message(&thrown).contains("reconect"));

    let options = js_sys::Object::new();
    Reflect::set(&options, &"protocols".into(), &"two words".into()).unwrap();
    let thrown = JsDuplexSocket::new(server("/").into(), options.into())
        .err()
        .unwrap();
    assert_eq!(js_code(&thrown), "INVALID_OPTION");
    assert!(js_message(&thrown).contains("\"two words\""));

    let (socket, _data) = js_watch(JsValue::UNDEFINED);
    let thrown = socket.send(42.into()).unwrap_err();
    assert_eq!(js_code(&thrown), "INVALID_DATA");
    assert!(
        js_message(&thrown).contains("number 42"),
        "{}",
        js_message(&thrown)
    );
    let thrown = socket.set_onmessage(5.into()).unwrap_err();
    assert_eq!(js_code(&thrown), "INVALID_OPTION");
    assert!(js_message(&thrown).contains("onmessage"));
    let thrown = socket.close(Some(999), None).unwrap_err();
    assert_eq!(js_code(&thrown), "INVALID_CLOSE_CODE");
    assert!(js_message(&thrown).contains("999"));
    let thrown = socket.close(None, Some("why".into())).unwrap_err();
    assert_eq!(js_code(&thrown), "INVALID_CLOSE_REASON");
    socket.close(None, None).unwrap();
}

#[wasm_bindgen_test]
async fn js_face_reports_a_failed_handshake_through_onerror() {
    let socket =
        JsDuplexSocket::new(server("/no-such-endpoint").into(), JsValue::UNDEFINED).unwrap();
    let (tx, mut errors) = unbounded();
    let handler =
        Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
            tx.unbounded_send(event.error()).unwrap();
        });
    socket.set_onerror(handler.into_js_value()).unwrap();
    let error = next(&mut errors, "the error").await;
    assert_eq!(js_code(&error), "CONNECTION_FAILED");
    assert!(js_message(&error).contains("/no-such-endpoint"));
}

#[wasm_bindgen_test]
async fn a_dropped_rust_socket_sends_what_it_queued_then_closes_with_1000() {
    let mut w = watch(&server("/"));
    w.socket.send_text("sent by a dropped socket").unwrap();
    drop(w.socket);
    // The handlers live on with the socket until it has closed.
    let close = next(&mut w.closes, "the close of the dropped socket").await;
    assert_eq!((close.code, close.was_clean), (1000, true));
    assert!(no_error(&mut w.errors), "nothing was lost");
}
