//! The npm package's `DuplexSocket` (js/, a real EventTarget over the engine's wasm), bound
//! for the browser tests as JS uses it: the built package itself, bundled into one module by
//! scripts/build.sh (tests/web/npm_entry.js), initialised before the tests run.

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;

use crate::support::server;

#[wasm_bindgen(module = "/target/npm-bundle/duplex-ws.js")]
extern "C" {
    /// `DuplexSocket` as the package exports it.
    #[wasm_bindgen(js_name = DuplexSocket, extends = web_sys::EventTarget)]
    pub type Socket;

    #[wasm_bindgen(constructor, catch, js_class = "DuplexSocket")]
    fn construct(url: JsValue, options: JsValue) -> Result<Socket, JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn send(this: &Socket, data: JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, js_name = sendAsync)]
    pub fn send_async(this: &Socket, data: JsValue) -> Promise;
    #[wasm_bindgen(method, catch)]
    pub fn close(this: &Socket, code: JsValue, reason: JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    pub fn reconnect(this: &Socket) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter)]
    pub fn opened(this: &Socket) -> Promise;
    #[wasm_bindgen(method, getter)]
    pub fn closed(this: &Socket) -> Promise;
    #[wasm_bindgen(method, getter = readyState)]
    pub fn ready_state(this: &Socket) -> u16;
    #[wasm_bindgen(method, getter)]
    pub fn url(this: &Socket) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn extensions(this: &Socket) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn protocol(this: &Socket) -> String;
    #[wasm_bindgen(method, getter = bufferedAmount)]
    pub fn buffered_amount(this: &Socket) -> u32;
    #[wasm_bindgen(method, getter = queuedAmount)]
    pub fn queued_amount(this: &Socket) -> f64;
    #[wasm_bindgen(method, setter = onmessage, catch)]
    pub fn set_onmessage(this: &Socket, handler: JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, setter = onerror, catch)]
    pub fn set_onerror(this: &Socket, handler: JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, setter = binaryType, catch)]
    pub fn set_binary_type(this: &Socket, value: JsValue) -> Result<(), JsValue>;
}

/// `DuplexSocket.OPEN` and friends, as the class has them.
pub const CONNECTING: u16 = 0;
pub const OPEN: u16 = 1;

/// `new DuplexSocket(url, options)`.
pub fn new_socket(url: JsValue, options: JsValue) -> Result<Socket, JsValue> {
    Socket::construct(url, options)
}

/// The class itself, for the JS-side tests.
pub fn socket_class() -> JsValue {
    let probe = Socket::construct(server("/echo").into(), JsValue::UNDEFINED).unwrap();
    probe.close(JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    Reflect::get(&probe, &"constructor".into()).unwrap()
}
