//! duplex-ws's Rust API: `DuplexSocket::new`, `opened().await`, then the socket as a Sink
//! and a Stream of `duplex_ws::Message`.

use duplex_ws::{DuplexSocket, Message};
use wasm_bindgen::prelude::*;

use crate::drive::drive;
use crate::payload;

async fn run(url: &str, count: u32, size: u32, binary: bool, window: u32) -> Result<f64, JsValue> {
    let mut socket = DuplexSocket::new(url).map_err(|e| JsValue::from_str(&e.to_string()))?;
    socket
        .opened()
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let bytes = payload(size);
    let text = String::from_utf8(bytes.clone()).unwrap_or_default();
    let make = || {
        if binary {
            Message::Binary(bytes.clone())
        } else {
            Message::Text(text.clone())
        }
    };
    let elapsed = drive(&mut socket, make, count, window).await;
    let _ = socket.close();
    elapsed.map_err(|e| JsValue::from_str(&e))
}

/// `count` sequential round trips of `size`-byte text messages; resolves to elapsed ms.
#[wasm_bindgen]
pub async fn rust_roundtrips(url: String, count: u32, size: u32) -> Result<f64, JsValue> {
    run(&url, count, size, false, 1).await
}

/// `count` messages with `window` in flight; resolves to elapsed ms.
#[wasm_bindgen]
pub async fn rust_pipelined(
    url: String,
    count: u32,
    size: u32,
    binary: bool,
    window: u32,
) -> Result<f64, JsValue> {
    run(&url, count, size, binary, window).await
}
