//! The JavaScript face: the class `DuplexSocket` of the npm package.
//!
//! A thin wrapper over [`Shared`]: it reads JS arguments, turns [`Error`]s into JS `Error`s
//! with a `.code`, and hands the browser's own `MessageEvent` to JS handlers untouched.

use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

use crate::engine::options::{display_number, invalid};
use crate::error::{Error, UrlProblem};
use crate::shell::events::{close_info_object, to_js_error};
use crate::shell::handlers::EventKind;
use crate::shell::js_options::read_options;
use crate::shell::message::{describe_value, SendData};
use crate::shell::socket::{handler_from, Shared};
use crate::shell::waiters::{Drain, Waiter};

/// `new DuplexSocket(url, options?)`: a dependable WebSocket for JavaScript.
///
/// Like the browser's `WebSocket`, it stays alive until it has closed for good, even when no
/// variable refers to it any more; `close()` ends it.
#[wasm_bindgen(js_name = DuplexSocket, skip_typescript)]
pub struct JsDuplexSocket {
    shared: Rc<Shared>,
}

fn js_result<T>(result: Result<T, Error>) -> Result<T, JsValue> {
    result.map_err(|error| to_js_error(&error))
}

fn event_kind(name: &str) -> Result<EventKind, JsValue> {
    EventKind::parse(name).ok_or_else(|| {
        let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        to_js_error(&invalid(
            "type",
            format!(
                "\"{name}\" is not an event of DuplexSocket (it has {})",
                known.join(", ")
            ),
        ))
    })
}

/// A close code as JS gives it: absent, or a whole number (the engine checks the range).
fn read_close_code(code: &JsValue) -> Result<Option<u32>, Error> {
    if code.is_undefined() || code.is_null() {
        return Ok(None);
    }
    match code.as_f64() {
        Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
            Ok(Some(n as u32))
        }
        Some(n) => Err(Error::InvalidCloseCode {
            code: display_number(n),
        }),
        None => Err(Error::InvalidCloseCode {
            code: format!(
                "{} \"{}\"",
                code.js_typeof().as_string().unwrap_or_default(),
                code.as_string().unwrap_or_default()
            ),
        }),
    }
}

/// A close reason as JS gives it: absent, or a string.
fn read_close_reason(reason: &JsValue) -> Result<Option<String>, Error> {
    if reason.is_undefined() || reason.is_null() {
        return Ok(None);
    }
    reason.as_string().map(Some).ok_or_else(|| {
        invalid(
            "reason",
            format!(
                "the close reason must be a string, not {}",
                reason.js_typeof().as_string().unwrap_or_default()
            ),
        )
    })
}

/// A promise settled by a [`Waiter`] that `register` stores.
fn waiting_promise(register: impl FnOnce(Waiter)) -> Promise {
    let mut register = Some(register);
    Promise::new(&mut |resolve, reject| {
        if let Some(register) = register.take() {
            register(Waiter::Js { resolve, reject });
        }
    })
}

#[wasm_bindgen(js_class = DuplexSocket)]
impl JsDuplexSocket {
    /// Opens a socket to `url`; throws an `Error` with `code` `INVALID_URL` or
    /// `INVALID_OPTION` naming the value and the rule.
    #[wasm_bindgen(constructor)]
    pub fn new(url: JsValue, options: JsValue) -> Result<JsDuplexSocket, JsValue> {
        let url = url.as_string().ok_or_else(|| {
            to_js_error(&Error::InvalidUrl {
                url: describe_value(&url),
                problem: UrlProblem::DoesNotParse("the URL must be a string"),
            })
        })?;
        let options = js_result(read_options(&options))?;
        let (shared, _) = js_result(Shared::open(&url, options, false))?;
        shared.keep_alive_until_closed();
        Ok(JsDuplexSocket { shared })
    }

    /// Sends a string, ArrayBuffer, ArrayBufferView or Blob: queued while connecting or
    /// reconnecting (flushed in order on open), sent at once while open; throws `CLOSED` once
    /// closing or closed, `QUEUE_FULL` at a queue bound.
    pub fn send(&self, data: JsValue) -> Result<(), JsValue> {
        let kind = js_result(SendData::classify(&data))?;
        js_result(self.shared.send(data, kind))
    }

    /// Sends, and resolves once `bufferedAmount` is at most the high-water mark (rejects
    /// with the error instead of throwing).
    #[wasm_bindgen(js_name = sendAsync)]
    pub fn send_async(&self, data: JsValue) -> Promise {
        if let Err(error) = self.send(data) {
            return Promise::reject(&error);
        }
        let threshold = self.shared.high_water_mark;
        match self.shared.drain_state() {
            Drain::Open { buffered } if buffered <= threshold => {
                Promise::resolve(&JsValue::UNDEFINED)
            }
            _ => waiting_promise(|waiter| self.shared.wait_for_drain(waiter, threshold)),
        }
    }

    /// Closes with `code` (1000 or 3000-4999, default 1000) and `reason` (at most 123 UTF-8
    /// bytes; needs a code). Never reconnects afterwards.
    pub fn close(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let code = js_result(read_close_code(&code))?;
        let reason = js_result(read_close_reason(&reason))?;
        js_result(self.shared.close(code, reason.as_deref()))
    }

    /// Resolves at the first open; rejects with the error if it never opens.
    #[wasm_bindgen(getter)]
    pub fn opened(&self) -> Promise {
        self.promise(0, |shared| match shared.open_state() {
            Ok(true) => Some(Promise::resolve(&JsValue::UNDEFINED)),
            Err(error) => Some(Promise::reject(&to_js_error(&error))),
            Ok(false) => None,
        })
    }

    /// Resolves with `{ code, reason, wasClean }` once closed for good.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> Promise {
        self.promise(1, |shared| {
            shared
                .final_close()
                .map(|info| Promise::resolve(&close_info_object(&info)))
        })
    }

    /// `CONNECTING` 0 (also while waiting to reconnect), `OPEN` 1, `CLOSING` 2, `CLOSED` 3.
    #[wasm_bindgen(getter = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.shared.ready_state() as u16
    }

    /// The URL as the browser resolved it.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.shared.url().to_owned()
    }

    /// The subprotocol the server chose (empty if none, or between connections).
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.shared
            .current(web_sys::WebSocket::protocol, String::new())
    }

    /// The extensions the server chose (empty if none, or between connections).
    #[wasm_bindgen(getter)]
    pub fn extensions(&self) -> String {
        self.shared
            .current(web_sys::WebSocket::extensions, String::new())
    }

    /// The browser's count of bytes not yet sent.
    #[wasm_bindgen(getter = bufferedAmount)]
    pub fn buffered_amount(&self) -> u32 {
        self.shared.buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for a connection.
    #[wasm_bindgen(getter = queuedAmount)]
    pub fn queued_amount(&self) -> f64 {
        self.shared.queued_bytes() as f64
    }

    /// Adds `listener` for `type` (`open`, `message`, `error`, `close`, `reconnecting`).
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(&self, kind: String, listener: JsValue) -> Result<(), JsValue> {
        let kind = event_kind(&kind)?;
        if let Some(listener) = js_result(handler_from(&listener, "listener"))? {
            self.shared.js.add(kind, listener);
        }
        Ok(())
    }

    /// Removes `listener` for `type`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(&self, kind: String, listener: JsValue) -> Result<(), JsValue> {
        let kind = event_kind(&kind)?;
        if let Some(listener) = js_result(handler_from(&listener, "listener"))? {
            self.shared.js.remove(kind, &listener);
        }
        Ok(())
    }

    /// Called with an `Event` when a connection opens.
    #[wasm_bindgen(getter)]
    pub fn onopen(&self) -> JsValue {
        self.handler(EventKind::Open)
    }

    /// Sets the `open` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onopen(&self, handler: JsValue) -> Result<(), JsValue> {
        self.set_property(EventKind::Open, "onopen", handler)
    }

    /// Called with the browser's own `MessageEvent`: `event.data` is untouched.
    #[wasm_bindgen(getter)]
    pub fn onmessage(&self) -> JsValue {
        self.handler(EventKind::Message)
    }

    /// Sets the `message` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onmessage(&self, handler: JsValue) -> Result<(), JsValue> {
        self.set_property(EventKind::Message, "onmessage", handler)
    }

    /// Called once with a `CloseEvent` (`code`, `reason`, `wasClean`) when closed for good.
    #[wasm_bindgen(getter)]
    pub fn onclose(&self) -> JsValue {
        self.handler(EventKind::Close)
    }

    /// Sets the `close` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onclose(&self, handler: JsValue) -> Result<(), JsValue> {
        self.set_property(EventKind::Close, "onclose", handler)
    }

    /// Called with an `ErrorEvent` whose `.error` is an `Error` with a stable `.code`.
    #[wasm_bindgen(getter)]
    pub fn onerror(&self) -> JsValue {
        self.handler(EventKind::Error)
    }

    /// Sets the `error` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onerror(&self, handler: JsValue) -> Result<(), JsValue> {
        self.set_property(EventKind::Error, "onerror", handler)
    }

    /// Called with an `Event` with `attempt` and `delayMs` before each reconnect attempt.
    #[wasm_bindgen(getter)]
    pub fn onreconnecting(&self) -> JsValue {
        self.handler(EventKind::Reconnecting)
    }

    /// Sets the `reconnecting` handler (a function, or null).
    #[wasm_bindgen(setter)]
    pub fn set_onreconnecting(&self, handler: JsValue) -> Result<(), JsValue> {
        self.set_property(EventKind::Reconnecting, "onreconnecting", handler)
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
    pub fn closed_state() -> u16 {
        3
    }
}

impl JsDuplexSocket {
    /// A handler property's value: the function, or null as with the browser's WebSocket.
    fn handler(&self, kind: EventKind) -> JsValue {
        self.shared
            .js
            .property(kind)
            .map_or(JsValue::NULL, JsValue::from)
    }

    fn set_property(&self, kind: EventKind, name: &str, handler: JsValue) -> Result<(), JsValue> {
        let handler = js_result(handler_from(&handler, name))?;
        self.shared.js.set_property(kind, handler);
        Ok(())
    }

    /// The cached promise `index`, made on first use: settled now by `settled`, or later by
    /// the waiters.
    fn promise(&self, index: usize, settled: impl FnOnce(&Shared) -> Option<Promise>) -> Promise {
        if let Some(promise) = &self.shared.promises.borrow()[index] {
            return promise.clone();
        }
        let promise = settled(&self.shared).unwrap_or_else(|| {
            waiting_promise(|waiter| {
                let waiters = &self.shared.waiters;
                let list = if index == 0 {
                    &waiters.opened
                } else {
                    &waiters.closed
                };
                list.borrow_mut().push(waiter);
            })
        });
        self.shared.promises.borrow_mut()[index] = Some(promise.clone());
        promise
    }
}
