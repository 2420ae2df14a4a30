//! The JavaScript face: the class `DuplexSocket` of the npm package.
//!
//! A thin wrapper over the Rust [`DuplexSocket`](crate::DuplexSocket): it reads JS arguments,
//! turns [`Error`]s into JS `Error`s with a `.code`, and hands the browser's own events to
//! JS handlers untouched.

use std::rc::Rc;

use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::options::BinaryType;
use crate::error::Error;
use crate::shell::handlers::JsSlot;
use crate::shell::message::SendData;
use crate::shell::socket::{to_js_error, Shared};

/// `new DuplexSocket(url, options?)`: a dependable WebSocket for JavaScript.
///
/// Like the browser's `WebSocket`, it stays alive until it has closed, even when no variable
/// refers to it any more; `close()` ends it, `free()` only releases this handle.
#[wasm_bindgen(js_name = DuplexSocket)]
pub struct JsDuplexSocket {
    shared: Rc<Shared>,
}

fn js_result<T>(result: Result<T, Error>) -> Result<T, JsValue> {
    result.map_err(|error| to_js_error(&error))
}

fn invalid_option(name: &str, problem: String) -> Error {
    Error::InvalidOption {
        name: name.to_owned(),
        problem,
    }
}

/// The options this version understands, read from a JS object.
fn read_options(options: &JsValue) -> Result<(Vec<String>, BinaryType), Error> {
    let mut protocols = Vec::new();
    let mut binary_type = BinaryType::ArrayBuffer;
    if options.is_undefined() || options.is_null() {
        return Ok((protocols, binary_type));
    }
    if !options.is_object() {
        return Err(invalid_option(
            "options",
            format!("must be an object, not {}", type_name(options)),
        ));
    }
    for key in Object::keys(options.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let value = js_sys::Reflect::get(options, &JsValue::from_str(&key)).unwrap_or_default();
        if value.is_undefined() {
            continue;
        }
        match key.as_str() {
            "protocols" => protocols = read_protocols(&value)?,
            "binaryType" => {
                let name = value.as_string().ok_or_else(|| {
                    invalid_option(
                        "binaryType",
                        format!("must be a string, not {}", type_name(&value)),
                    )
                })?;
                binary_type = BinaryType::parse(&name)?;
            }
            other => {
                return Err(invalid_option(
                    other,
                    "is not an option of this version (it knows protocols and binaryType)".into(),
                ))
            }
        }
    }
    Ok((protocols, binary_type))
}

fn read_protocols(value: &JsValue) -> Result<Vec<String>, Error> {
    if let Some(one) = value.as_string() {
        return Ok(vec![one]);
    }
    if !Array::is_array(value) {
        return Err(invalid_option(
            "protocols",
            format!(
                "must be a string or an array of strings, not {}",
                type_name(value)
            ),
        ));
    }
    value
        .unchecked_ref::<Array>()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_string().ok_or_else(|| {
                invalid_option(
                    "protocols",
                    format!("item {i} must be a string, not {}", type_name(&item)),
                )
            })
        })
        .collect()
}

fn type_name(value: &JsValue) -> String {
    value.js_typeof().as_string().unwrap_or_default()
}

/// Reads a handler property's new value: a function, or null/undefined to clear it.
fn set_handler(slot: &JsSlot, name: &str, value: JsValue) -> Result<(), JsValue> {
    if value.is_null() || value.is_undefined() {
        slot.set(None);
        Ok(())
    } else if let Some(handler) = value.dyn_ref::<Function>() {
        slot.set(Some(handler.clone()));
        Ok(())
    } else {
        js_result(Err(invalid_option(
            name,
            format!("must be a function or null, not {}", type_name(&value)),
        )))
    }
}

#[wasm_bindgen(js_class = DuplexSocket)]
impl JsDuplexSocket {
    /// Opens a socket to `url`; throws an `Error` with `code` `INVALID_URL` or
    /// `INVALID_OPTION` naming the value and the rule.
    #[wasm_bindgen(constructor)]
    pub fn new(url: JsValue, options: JsValue) -> Result<JsDuplexSocket, JsValue> {
        let url = url.as_string().ok_or_else(|| {
            to_js_error(&Error::InvalidUrl {
                url: format!("{url:?}"),
                problem: crate::error::UrlProblem::DoesNotParse("the URL must be a string"),
            })
        })?;
        let (protocols, binary_type) = js_result(read_options(&options))?;
        let shared = js_result(Shared::open(&url, &protocols, binary_type))?;
        shared.keep_alive_until_closed();
        Ok(JsDuplexSocket { shared })
    }

    /// Sends a string, ArrayBuffer, ArrayBufferView or Blob: queued before open (and flushed
    /// in order on open), sent at once while open; throws `CLOSED` once closing or closed.
    pub fn send(&self, data: JsValue) -> Result<(), JsValue> {
        let kind = js_result(SendData::classify(&data))?;
        js_result(self.shared.send(data, kind))
    }

    /// Closes with `code` (1000 or 3000-4999, default 1000) and `reason` (at most 123 UTF-8
    /// bytes; needs a code). Messages queued before open are sent first.
    pub fn close(&self, code: Option<u32>, reason: Option<String>) -> Result<(), JsValue> {
        js_result(self.shared.close(code, reason.as_deref()))
    }

    /// 0 connecting, 1 open, 2 closing, 3 closed.
    #[wasm_bindgen(getter = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.shared.ready_state() as u16
    }

    /// The URL as the browser resolved it.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.shared.ws().url()
    }

    /// The subprotocol the server chose (empty if none).
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.shared.ws().protocol()
    }

    /// The extensions the server chose (empty if none).
    #[wasm_bindgen(getter)]
    pub fn extensions(&self) -> String {
        self.shared.ws().extensions()
    }

    /// The browser's count of bytes not yet sent.
    #[wasm_bindgen(getter = bufferedAmount)]
    pub fn buffered_amount(&self) -> u32 {
        self.shared.ws().buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for the socket to open.
    #[wasm_bindgen(getter = queuedAmount)]
    pub fn queued_amount(&self) -> f64 {
        self.shared.queued_bytes() as f64
    }

    /// Called with the browser's `open` event.
    #[wasm_bindgen(getter)]
    pub fn onopen(&self) -> Option<Function> {
        self.shared.handlers.js_open.get()
    }

    /// Sets the `open` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onopen(&self, handler: JsValue) -> Result<(), JsValue> {
        set_handler(&self.shared.handlers.js_open, "onopen", handler)
    }

    /// Called with the browser's own `MessageEvent`: `event.data` is untouched.
    #[wasm_bindgen(getter)]
    pub fn onmessage(&self) -> Option<Function> {
        self.shared.handlers.js_message.get()
    }

    /// Sets the `message` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onmessage(&self, handler: JsValue) -> Result<(), JsValue> {
        set_handler(&self.shared.handlers.js_message, "onmessage", handler)
    }

    /// Called with the browser's `CloseEvent` (`code`, `reason`, `wasClean`).
    #[wasm_bindgen(getter)]
    pub fn onclose(&self) -> Option<Function> {
        self.shared.handlers.js_close.get()
    }

    /// Sets the `close` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onclose(&self, handler: JsValue) -> Result<(), JsValue> {
        set_handler(&self.shared.handlers.js_close, "onclose", handler)
    }

    /// Called with an `ErrorEvent` whose `.error` is an `Error` with a stable `.code`.
    #[wasm_bindgen(getter)]
    pub fn onerror(&self) -> Option<Function> {
        self.shared.handlers.js_error.get()
    }

    /// Sets the `error` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onerror(&self, handler: JsValue) -> Result<(), JsValue> {
        set_handler(&self.shared.handlers.js_error, "onerror", handler)
    }

    /// `DuplexSocket.CONNECTING`: 0.
    #[wasm_bindgen(getter = CONNECTING)]
    pub fn connecting() -> u16 {
        0
    }

    /// `DuplexSocket.OPEN`: 1.
    #[wasm_bindgen(getter = OPEN)]
    pub fn open() -> u16 {
        1
    }

    /// `DuplexSocket.CLOSING`: 2.
    #[wasm_bindgen(getter = CLOSING)]
    pub fn closing() -> u16 {
        2
    }

    /// `DuplexSocket.CLOSED`: 3.
    #[wasm_bindgen(getter = CLOSED)]
    pub fn closed() -> u16 {
        3
    }
}
