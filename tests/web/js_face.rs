//! The JavaScript face, driven through the exported class as JS would: handler
//! properties and listeners, the browser's own event data, coded errors, promises.

use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use js_sys::{ArrayBuffer, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::js_class::{new_socket, Socket, CONNECTING, OPEN};
use crate::support::{hooks, next, reply, server, within, GREETING};

pub fn js_code(thrown: &JsValue) -> String {
    Reflect::get(thrown, &"code".into())
        .unwrap()
        .as_string()
        .unwrap_or_default()
}

pub fn js_message(thrown: &JsValue) -> String {
    thrown.unchecked_ref::<js_sys::Error>().message().into()
}

/// A JS socket whose `event.data` values arrive on a channel.
fn js_watch(options: JsValue) -> (Socket, UnboundedReceiver<JsValue>) {
    js_watch_url(&server("/"), options)
}

/// A JS socket to `url` whose `event.data` values arrive on a channel.
fn js_watch_url(url: &str, options: JsValue) -> (Socket, UnboundedReceiver<JsValue>) {
    let socket = new_socket(url.into(), options).unwrap();
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
    assert_eq!(socket.ready_state(), CONNECTING);
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
    assert_eq!(socket.ready_state(), OPEN);
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

/// Checks that `result` failed with a JS `Error` of `code` whose message holds `named`.
#[track_caller]
pub fn assert_thrown<T>(result: Result<T, JsValue>, code: &str, named: &str) {
    let Err(thrown) = result else {
        panic!("expected {code} naming {named:?}, but it succeeded");
    };
    assert!(thrown.is_instance_of::<js_sys::Error>(), "an Error object");
    let message = js_message(&thrown);
    assert_eq!(js_code(&thrown), code, "{message}");
    assert!(
        message.contains(named),
        "{code}: {message:?} should name {named:?}"
    );
}

#[wasm_bindgen_test]
fn js_face_throws_coded_errors_naming_the_value() {
    for url in ["ftp://x", "ws://x/#frag"] {
        assert_thrown(
            new_socket(url.into(), JsValue::UNDEFINED),
            "INVALID_URL",
            url,
        );
    }
    let new = |json: &str| new_socket(server("/").into(), object(json));
    assert_thrown(new(r#"{"reconect": true}"#), "INVALID_OPTION", "reconect");
    assert_thrown(
        new(r#"{"protocols": "two words"}"#),
        "INVALID_OPTION",
        "\"two words\"",
    );

    let (socket, _data) = js_watch(JsValue::UNDEFINED);
    assert_thrown(socket.send(42.into()), "INVALID_DATA", "number 42");
    assert_thrown(
        socket.set_onmessage(5.into()),
        "INVALID_OPTION",
        "onmessage",
    );
    let close = |code: JsValue, reason: JsValue| socket.close(code, reason);
    assert_thrown(
        close(999.into(), JsValue::UNDEFINED),
        "INVALID_CLOSE_CODE",
        "999",
    );
    assert_thrown(
        close(JsValue::UNDEFINED, "why".into()),
        "INVALID_CLOSE_REASON",
        "\"why\"",
    );
    assert_thrown(
        close(1000.5.into(), JsValue::UNDEFINED),
        "INVALID_CLOSE_CODE",
        "1000.5",
    );
    assert_thrown(
        close("1000".into(), JsValue::UNDEFINED),
        "INVALID_CLOSE_CODE",
        "string \"1000\"",
    );
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
}

#[wasm_bindgen_test]
async fn js_face_reports_a_failed_handshake_through_onerror() {
    let socket = new_socket(server("/no-such-endpoint").into(), JsValue::UNDEFINED).unwrap();
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

/// A JS function that sends whatever it is called with into a channel.
fn recorder() -> (JsValue, UnboundedReceiver<JsValue>) {
    let (tx, rx) = unbounded();
    let f =
        Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| drop(tx.unbounded_send(event)));
    (f.into_js_value(), rx)
}

/// What `socket.closed` resolves to ({ code, reason, wasClean }).
async fn closed(socket: &Socket) -> JsValue {
    within(JsFuture::from(socket.closed()), "closed")
        .await
        .unwrap()
}

/// `{ key: value, ... }` from JSON text.
fn object(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// `close()` while connecting with a message queued: the message goes out, then the close;
/// no `open` event (a WebSocket has none after `close()`), and `opened` resolves (it did open).
#[wasm_bindgen_test]
async fn js_face_close_while_connecting_sends_the_queue_with_no_open_event() {
    let socket = new_socket(server("/echo").into(), JsValue::UNDEFINED).unwrap();
    let (opens, mut opens_rx) = recorder();
    socket
        .add_event_listener_with_callback("open", opens.unchecked_ref())
        .unwrap();
    socket.send("queued".into()).unwrap();
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
    within(JsFuture::from(socket.opened()), "opened")
        .await
        .unwrap();
    let closed = closed(&socket).await;
    assert_eq!(
        Reflect::get(&closed, &"code".into()).unwrap().as_f64(),
        Some(1000.0)
    );
    assert!(opens_rx.try_recv().is_err(), "an open event after close()");
}

#[wasm_bindgen_test]
async fn js_face_listeners_are_added_and_removed_and_unknown_types_allowed() {
    let socket = new_socket(server("/").into(), JsValue::UNDEFINED).unwrap();
    let (first, mut first_rx) = recorder();
    let (second, mut second_rx) = recorder();
    let (opens, mut opens_rx) = recorder();
    let add = |kind: &str, f: &JsValue| {
        socket
            .add_event_listener_with_callback(kind, f.unchecked_ref())
            .unwrap()
    };
    add("message", &first);
    add("message", &first); // kept once
    add("message", &second);
    add("open", &opens);
    let open = next(&mut opens_rx, "the open event").await;
    assert_eq!(
        Reflect::get(&open, &"type".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("open")
    );
    let greeting = next(&mut first_rx, "the greeting (first)").await;
    assert_eq!(
        Reflect::get(&greeting, &"data".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some(GREETING)
    );
    next(&mut second_rx, "the greeting (second)").await;
    socket
        .remove_event_listener_with_callback("message", second.unchecked_ref())
        .unwrap();
    socket.send("after removal".into()).unwrap();
    let heard = next(&mut first_rx, "the reply").await;
    assert_eq!(
        Reflect::get(&heard, &"data".into()).unwrap().as_string(),
        Some(reply("after removal"))
    );
    assert!(
        first_rx.try_recv().is_err(),
        "the listener added twice is called once"
    );
    assert!(
        second_rx.try_recv().is_err(),
        "the removed listener is not called"
    );
    // A real EventTarget takes any type, as API 0.2 says (it was refused in 0.1).
    add("mesage", &first);
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
}

#[wasm_bindgen_test]
async fn js_face_sends_every_data_type_and_the_promises_settle() {
    let (socket, mut data) = js_watch_url(&hooks(), JsValue::UNDEFINED);
    within(JsFuture::from(socket.opened()), "opened")
        .await
        .unwrap();
    assert_eq!(socket.ready_state(), OPEN);
    // duplex-server agrees to the browser's permessage-deflate offer by default.
    assert!(
        socket.extensions().starts_with("permessage-deflate"),
        "the negotiated extension, not {:?}",
        socket.extensions()
    );
    let bytes = Uint8Array::from(&[1u8, 2, 3, 4][..]);
    socket.send("text".into()).unwrap();
    socket.send(bytes.buffer().into()).unwrap();
    socket
        .send(js_sys::DataView::new(&bytes.buffer(), 1, 2).into())
        .unwrap();
    let parts = js_sys::Array::of1(&bytes);
    socket
        .send(
            web_sys::Blob::new_with_u8_array_sequence(&parts)
                .unwrap()
                .into(),
        )
        .unwrap();
    assert_eq!(
        next(&mut data, "text").await.as_string().as_deref(),
        Some("text")
    );
    let seen: Vec<Vec<u8>> = [
        next(&mut data, "buffer").await,
        next(&mut data, "view").await,
        next(&mut data, "blob").await,
    ]
    .iter()
    .map(|d| Uint8Array::new(d).to_vec())
    .collect();
    assert_eq!(seen, [vec![1, 2, 3, 4], vec![2, 3], vec![1, 2, 3, 4]]);
    // sendAsync: resolves once the browser buffers no more than the high-water mark.
    within(
        JsFuture::from(socket.send_async("async".into())),
        "sendAsync",
    )
    .await
    .unwrap();
    socket.close(4321.into(), "bye".into()).unwrap();
    let closed = within(JsFuture::from(socket.closed()), "closed")
        .await
        .unwrap();
    assert_eq!(
        Reflect::get(&closed, &"code".into()).unwrap().as_f64(),
        Some(4321.0)
    );
    assert_eq!(
        Reflect::get(&closed, &"reason".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("bye")
    );
    assert_eq!(
        Reflect::get(&closed, &"wasClean".into()).unwrap().as_bool(),
        Some(true)
    );
    assert_eq!(socket.ready_state(), 3);
    // As a WebSocket's, the negotiated extensions stay readable once closed.
    assert!(
        socket.extensions().starts_with("permessage-deflate"),
        "after the close: {:?}",
        socket.extensions()
    );
    let rejected = JsFuture::from(socket.send_async("late".into()))
        .await
        .unwrap_err();
    assert_eq!(js_code(&rejected), "CLOSED");
}

/// A message event's `origin` is the server's, as on a WebSocket's, in plain mode and in a
/// session (whose messages the class unframes and dispatches itself); the selected
/// subprotocol stays readable once closed.
#[wasm_bindgen_test]
async fn js_face_message_events_carry_the_servers_origin() {
    let url = server("/echo");
    let origin = url.split('/').take(3).collect::<Vec<_>>().join("/"); // ws://host:port
    for (options, protocol) in [("{}", ""), (r#"{"session": true}"#, "duplex.v1")] {
        let socket = new_socket(url.as_str().into(), object(options)).unwrap();
        let (tx, mut origins) = unbounded();
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                tx.unbounded_send(event.origin()).unwrap();
            },
        );
        socket.set_onmessage(handler.into_js_value()).unwrap();
        socket.send("where from?".into()).unwrap();
        assert_eq!(next(&mut origins, "the echo").await, origin, "{options}");
        socket
            .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
            .unwrap();
        closed(&socket).await;
        assert_eq!(socket.protocol(), protocol, "after the close, {options}");
    }
}

#[wasm_bindgen_test]
async fn js_face_send_async_waits_until_the_browser_buffer_is_under_the_high_water_mark() {
    let options = js_sys::Object::new();
    Reflect::set(&options, &"highWaterMark".into(), &1024.into()).unwrap();
    let (socket, mut data) = js_watch_url(&server("/echo"), options.into());
    within(JsFuture::from(socket.opened()), "the open")
        .await
        .unwrap();
    // Just under the server's 1 MiB message limit: the browser buffers it at once.
    let big = Uint8Array::new_with_length(1_000_000);
    socket.send(big.into()).unwrap();
    let waiting = socket.send_async("after the big one".into());
    assert!(
        socket.buffered_amount() > 1024,
        "the browser buffers the big message: sendAsync has something to wait for"
    );
    within(JsFuture::from(waiting), "sendAsync").await.unwrap();
    let left = socket.buffered_amount();
    assert!(
        left <= 1024,
        "sendAsync resolved with {left} bytes still buffered"
    );
    next(&mut data, "the big echo").await;
    let after = next(&mut data, "the echo of the async send").await;
    assert_eq!(after.as_string().as_deref(), Some("after the big one"));
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
}

#[wasm_bindgen_test]
async fn js_face_options_are_read_and_bad_ones_named() {
    let cases = [
        (
            r#"{"reconnect": {"minDelayMs": "soon"}}"#,
            "reconnect.minDelayMs",
        ),
        (r#"{"reconnect": {"minDelay": 5}}"#, "reconnect.minDelay"),
        (
            r#"{"queue": {"overflow": "drop-newest"}}"#,
            "queue.overflow",
        ),
        (r#"{"queue": {"maxBytes": -1}}"#, "queue.maxBytes"),
        (
            r#"{"heartbeat": {"intervalMs": 1000, "timeoutMs": 500}}"#,
            "heartbeat.timeoutMs",
        ),
        (r#"{"connectTimeoutMs": 1.5}"#, "connectTimeoutMs"),
        (r#"{"binaryType": "text"}"#, "binaryType"),
        (r#"{"protocols": ["ok", 7]}"#, "protocols[1]"),
        (
            r#"{"reconnect": {"finalCodes": [4000, 70000]}}"#,
            "reconnect.finalCodes[1]",
        ),
        (r#"{"highWaterMark": "big"}"#, "highWaterMark"),
    ];
    // Each value's own rule is checked in JS (js/options.js), the rules between values and
    // the protocols' names by the engine: either way the message names option, value, rule.
    let rules = [
        (
            r#"{"connectTimeoutMs": 0}"#,
            "connectTimeoutMs: 0 is not a whole number from 1 to",
        ),
        (
            r#"{"reconnect": {"factor": 0.5}}"#,
            "reconnect.factor: 0.5 is not a finite number of at least 1",
        ),
        (
            r#"{"reconnect": {"finalCodes": [999]}}"#,
            "reconnect.finalCodes[0]: 999 is not a whole number from 1000 to 4999",
        ),
        (
            r#"{"heartbeat": {"intervalMs": 0}}"#,
            "heartbeat.intervalMs: 0 is not a whole number from 1 to",
        ),
        (
            r#"{"session": {"ackEvery": 0}}"#,
            "session.ackEvery: 0 is not a whole number from 1 to 1024",
        ),
        (
            r#"{"session": {"ackDelayMs": 1001}}"#,
            "session.ackDelayMs: 1001 is not a whole number from 0 to 1000",
        ),
        (
            r#"{"binaryType": "text"}"#,
            r#"binaryType: "text" is neither "arraybuffer" nor "blob""#,
        ),
        (
            r#"{"queue": {"overflow": "drop-newest"}}"#,
            r#"queue.overflow: "drop-newest" is neither "error" nor "drop-oldest""#,
        ),
        (
            r#"{"protocols": ["a", "a"]}"#,
            r#"protocols: "a" is listed twice"#,
        ),
        (
            r#"{"reconnect": {"minDelayMs": 5000, "maxDelayMs": 100}}"#,
            "reconnect.minDelayMs: 5000 is greater than reconnect.maxDelayMs 100",
        ),
        (
            r#"{"heartbeat": {"intervalMs": 90000}}"#,
            "heartbeat.timeoutMs: 60000 must be greater than heartbeat.intervalMs 90000",
        ),
    ];
    for (json, said) in cases.into_iter().chain(rules) {
        let thrown = new_socket(server("/").into(), object(json)).err().unwrap();
        assert_eq!(js_code(&thrown), "INVALID_OPTION", "{json}");
        assert!(
            js_message(&thrown).contains(said),
            "{json}: {}",
            js_message(&thrown)
        );
    }
    // Every option of the API at once is accepted.
    let all = object(
        r#"{"protocols": [], "binaryType": "arraybuffer", "connectTimeoutMs": 5000,
            "reconnect": {"minDelayMs": 10, "maxDelayMs": 100, "factor": 1.5, "maxRetries": 3, "finalCodes": [4000]},
            "heartbeat": {"intervalMs": 1000, "timeoutMs": 3000, "message": "hb"},
            "queue": {"maxBytes": 1000, "maxMessages": 10, "overflow": "drop-oldest"},
            "highWaterMark": 65536}"#,
    );
    let socket = new_socket(server("/").into(), all).unwrap();
    within(JsFuture::from(socket.opened()), "opened")
        .await
        .unwrap();
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
}
