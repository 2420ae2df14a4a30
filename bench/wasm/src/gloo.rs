//! gloo-net's WebSocket (`gloo_net::websocket::futures::WebSocket`): `open`, then the socket
//! as a Sink and a Stream of `gloo_net::websocket::Message`. Its Sink waits for the open.

use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::Message;
use wasm_bindgen::prelude::*;

use crate::drive::drive;
use crate::payload;

async fn run(url: &str, count: u32, size: u32, binary: bool, window: u32) -> Result<f64, JsValue> {
    let mut socket = WebSocket::open(url).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let bytes = payload(size);
    let text = String::from_utf8(bytes.clone()).unwrap_or_default();
    let make = || {
        if binary {
            Message::Bytes(bytes.clone())
        } else {
            Message::Text(text.clone())
        }
    };
    // The first message waits for the open; count it out of the measured part.
    drive(&mut socket, &make, 1, 1)
        .await
        .map_err(|e| JsValue::from_str(&e))?;
    let elapsed = drive(&mut socket, make, count, window).await;
    let _ = socket.close(None, None);
    elapsed.map_err(|e| JsValue::from_str(&e))
}

/// `count` sequential round trips of `size`-byte text messages; resolves to elapsed ms.
#[wasm_bindgen]
pub async fn gloo_roundtrips(url: String, count: u32, size: u32) -> Result<f64, JsValue> {
    run(&url, count, size, false, 1).await
}

/// `count` messages with `window` in flight; resolves to elapsed ms.
#[wasm_bindgen]
pub async fn gloo_pipelined(
    url: String,
    count: u32,
    size: u32,
    binary: bool,
    window: u32,
) -> Result<f64, JsValue> {
    run(&url, count, size, binary, window).await
}
