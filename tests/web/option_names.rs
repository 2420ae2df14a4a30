//! Each face names options in its messages the way its users write them: the JS class
//! `connectTimeoutMs`, `queue.maxMessages`; the Rust API `connect_timeout_ms`,
//! `queue.max_messages` (tests/web/errors.rs and reconnect.rs). The npm package's engine is
//! built without the crate's `web` feature, which picks the Rust spelling.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::js_class::new_socket;
use crate::js_face::{assert_thrown, js_code, js_message};
use crate::support::{hooks, within};

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

#[wasm_bindgen_test]
fn the_js_class_says_queue_max_messages_when_the_queue_is_full() {
    let url = format!("{}&stall=3000", hooks());
    let socket = new_socket(url.into(), options(r#"{"queue": {"maxMessages": 1}}"#)).unwrap();
    socket.send("queued".into()).unwrap();
    assert_thrown(
        socket.send("one too many".into()),
        "QUEUE_FULL",
        "(queue.maxMessages 1, queue.maxBytes ",
    );
    socket
        .close(JsValue::UNDEFINED, JsValue::UNDEFINED)
        .unwrap();
}

#[wasm_bindgen_test]
async fn the_js_class_says_connect_timeout_ms_when_the_handshake_is_too_slow() {
    let url = format!("{}&stall=3000", hooks());
    let socket = new_socket(url.into(), options(r#"{"connectTimeoutMs": 200}"#)).unwrap();
    let refused = within(JsFuture::from(socket.opened()), "opened")
        .await
        .expect_err("opened rejects");
    assert_eq!(js_code(&refused), "CONNECT_TIMEOUT");
    let message = js_message(&refused);
    assert!(message.contains("within connectTimeoutMs 200"), "{message}");
}
