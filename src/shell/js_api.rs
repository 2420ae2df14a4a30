//! The JavaScript face's core: the wasm class `DuplexSocketCore` behind the npm package's
//! `DuplexSocket` (js/duplex_socket.js, a real `EventTarget` that owns the `on<type>`
//! properties and the constants and forwards the rest here).
//!
//! A thin wrapper over a [`Driver`] with a [`JsFace`]: it reads JS arguments and turns
//! [`Error`]s into JS `Error`s with a `.code`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::EventTarget;

use crate::engine::commands::Input;
use crate::engine::options::{invalid, BinaryType};
use crate::engine::url::validate_url;
use crate::error::{Error, UrlProblem};
use crate::shell::driver::Driver;
use crate::shell::events::set;
use crate::shell::events::{close_info_object, to_js_error};
use crate::shell::js_args::{read_close_code, read_close_reason};
use crate::shell::js_face::{JsFace, JsWaiter, UrlSource};
use crate::shell::js_options::read_options;
use crate::shell::message::{describe_value, SendData};

/// The core of `new DuplexSocket(url, options?)`: a dependable WebSocket for JavaScript.
///
/// Like the browser's `WebSocket`, it stays alive until it has closed for good, even when no
/// variable refers to it any more; `close()` ends it.
#[wasm_bindgen(js_name = DuplexSocketCore, skip_typescript)]
pub struct JsDuplexSocket {
    pub(crate) driver: Rc<Driver<JsFace>>,
}

pub(crate) fn js_result<T>(result: Result<T, Error>) -> Result<T, JsValue> {
    result.map_err(|error| to_js_error(&error))
}

/// A promise settled by the [`JsWaiter`] that `register` stores.
fn waiting_promise(register: impl FnOnce(JsWaiter)) -> Promise {
    let mut register = Some(register);
    Promise::new(&mut |resolve, reject| {
        if let Some(register) = register.take() {
            register(JsWaiter { resolve, reject });
        }
    })
}

#[wasm_bindgen(js_class = DuplexSocketCore)]
impl JsDuplexSocket {
    /// Opens a socket to `url` (a string, or a provider function called per attempt) whose
    /// events are dispatched on `target`, messages through `deliver(data)` (the class makes
    /// and dispatches their events itself); throws an `Error` with `code` `INVALID_URL` or
    /// `INVALID_OPTION` naming the value and the rule.
    #[wasm_bindgen(constructor)]
    pub fn new(
        url: JsValue,
        options: JsValue,
        target: JsValue,
        deliver: JsValue,
    ) -> Result<JsDuplexSocket, JsValue> {
        let target = target.dyn_into::<EventTarget>().map_err(|target| {
            to_js_error(&invalid(
                "target",
                format!("must be an EventTarget, not {}", describe_value(&target)),
            ))
        })?;
        let deliver = deliver.dyn_into::<Function>().map_err(|deliver| {
            to_js_error(&invalid(
                "deliver",
                format!("must be a function, not {}", describe_value(&deliver)),
            ))
        })?;
        let (options, callbacks) = js_result(read_options(&options))?;
        js_result(options.validate())?;
        let (name, source) = match url.dyn_ref::<Function>() {
            Some(provider) => (
                PROVIDED_URL.to_owned(),
                UrlSource::Provider(provider.clone()),
            ),
            None => {
                let text = url.as_string().ok_or_else(|| {
                    to_js_error(&Error::InvalidUrl {
                        url: describe_value(&url),
                        problem: UrlProblem::DoesNotParse(
                            "the URL must be a string or a function that gives one",
                        ),
                    })
                })?;
                let valid = js_result(validate_url(&text))?;
                (valid.clone(), UrlSource::Fixed(text))
            }
        };
        let protocols = options.protocols.clone();
        let face = JsFace::new(target, deliver, source, protocols, callbacks);
        let driver = Driver::open(&name, options, face);
        let driver = js_result(driver.map_err(|error| with_caller_url(error, &url)))?;
        driver.keep_alive_until_closed();
        Ok(JsDuplexSocket { driver })
    }

    /// Connects again now: skips a backoff wait, replaces an open connection, reopens a
    /// socket closed for good.
    pub fn reconnect(&self) -> Result<(), JsValue> {
        js_result(self.driver.reconnect())
    }

    /// How binary messages arrive: `"arraybuffer"` or `"blob"`.
    #[wasm_bindgen(getter = binaryType)]
    pub fn binary_type(&self) -> String {
        match self.driver.binary_type() {
            web_sys::BinaryType::Blob => "blob".to_owned(),
            _ => "arraybuffer".to_owned(),
        }
    }

    /// Sets how binary messages arrive from now on (the current connection's too).
    #[wasm_bindgen(setter = binaryType)]
    pub fn set_binary_type(&self, value: JsValue) -> Result<(), JsValue> {
        let text = value.as_string().unwrap_or_else(|| describe_value(&value));
        let binary_type = match js_result(BinaryType::parse(&text))? {
            BinaryType::ArrayBuffer => web_sys::BinaryType::Arraybuffer,
            BinaryType::Blob => web_sys::BinaryType::Blob,
        };
        self.driver.set_binary_type(binary_type);
        Ok(())
    }

    /// Sends a string, ArrayBuffer, ArrayBufferView or Blob: queued while connecting or
    /// reconnecting (flushed in order on open), sent at once while open; throws `CLOSED` once
    /// closing or closed, `QUEUE_FULL` at a queue bound.
    pub fn send(&self, data: JsValue) -> Result<(), JsValue> {
        let kind = js_result(SendData::classify(&data))?;
        js_result(self.driver.send(data, kind))
    }

    /// Sends, and resolves once `bufferedAmount` is at most the high-water mark, or in a
    /// session once the server acknowledged the message (rejects with the error instead
    /// of throwing).
    #[wasm_bindgen(js_name = sendAsync)]
    pub fn send_async(&self, data: JsValue) -> Promise {
        if let Err(error) = self.send(data) {
            return Promise::reject(&error);
        }
        let want = self.driver.send_want();
        match self.driver.want_met(want) {
            Some(Ok(())) => Promise::resolve(&JsValue::UNDEFINED),
            _ => waiting_promise(|waiter| {
                self.driver.face.waiters.wait_drain(waiter, want);
                self.driver.poll_drain();
            }),
        }
    }

    /// Closes with `code` (1000 or 3000-4999, default 1000) and `reason` (at most 123 UTF-8
    /// bytes; needs a code). Never reconnects afterwards.
    pub fn close(&self, code: JsValue, reason: JsValue) -> Result<(), JsValue> {
        let code = js_result(read_close_code(&code))?;
        let reason = js_result(read_close_reason(&reason))?;
        js_result(self.driver.feed(Input::Close { code, reason }))
    }

    /// Resolves at the first open; rejects with the error if it never opens.
    #[wasm_bindgen(getter)]
    pub fn opened(&self) -> Promise {
        let face = &self.driver.face;
        cached_promise(&face.opened_promise, || match self.driver.first_open() {
            Some(Ok(())) => Promise::resolve(&JsValue::UNDEFINED),
            Some(Err(error)) => Promise::reject(&to_js_error(&error)),
            None => waiting_promise(|waiter| face.waiters.wait_opened(waiter)),
        })
    }

    /// Resolves with `{ code, reason, wasClean }` once closed for good.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> Promise {
        let face = &self.driver.face;
        let life = self.driver.lives();
        if let Some((of, promise)) = &*face.closed_promise.borrow() {
            if *of == life {
                return promise.clone();
            }
        }
        let promise = match self.driver.final_close() {
            Some(info) => Promise::resolve(&close_info_object(&info)),
            None => waiting_promise(|waiter| face.waiters.wait_closed(waiter)),
        };
        *face.closed_promise.borrow_mut() = Some((life, promise.clone()));
        promise
    }

    /// `CONNECTING` 0 (also while waiting to reconnect), `OPEN` 1, `CLOSING` 2, `CLOSED` 3.
    #[wasm_bindgen(getter = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.driver.ready_state() as u16
    }

    /// The URL as the browser resolved it.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.driver.url()
    }

    /// The subprotocol the server chose (empty if none, or between connections).
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.driver
            .current(web_sys::WebSocket::protocol, String::new())
    }

    /// The extensions the server chose (empty if none, or between connections).
    #[wasm_bindgen(getter)]
    pub fn extensions(&self) -> String {
        self.driver
            .current(web_sys::WebSocket::extensions, String::new())
    }

    /// The browser's count of bytes not yet sent.
    #[wasm_bindgen(getter = bufferedAmount)]
    pub fn buffered_amount(&self) -> u32 {
        self.driver.buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for a connection.
    #[wasm_bindgen(getter = queuedAmount)]
    pub fn queued_amount(&self) -> f64 {
        self.driver.queued_bytes() as f64
    }

    /// In a session: bytes sent but not yet acknowledged by the server (0 otherwise).
    #[wasm_bindgen(getter = unackedAmount)]
    pub fn unacked_amount(&self) -> f64 {
        self.driver.unacked_bytes() as f64
    }

    /// The session the server granted, `{ id, resumes }`, or null (plain mode).
    #[wasm_bindgen(getter)]
    pub fn session(&self) -> JsValue {
        let Some(info) = self.driver.session() else {
            return JsValue::NULL;
        };
        let object: JsValue = js_sys::Object::new().into();
        set(&object, "id", &JsValue::from_str(&info.id));
        set(&object, "resumes", &info.resumes.into());
        object
    }
}

/// The promise in `slot`, made by `make` on first use and then always the same.
fn cached_promise(slot: &RefCell<Option<Promise>>, make: impl FnOnce() -> Promise) -> Promise {
    if let Some(promise) = &*slot.borrow() {
        return promise.clone();
    }
    let promise = make();
    *slot.borrow_mut() = Some(promise.clone());
    promise
}

/// What the engine calls a socket whose URL comes from the app's provider, until the first
/// target arrives.
const PROVIDED_URL: &str = "(the url provider's URL)";

/// The browser's refusal names the URL as the caller gave it (the engine knows it validated).
fn with_caller_url(error: Error, url: &JsValue) -> Error {
    match error {
        Error::InvalidUrl { problem, .. } => Error::InvalidUrl {
            url: url.as_string().unwrap_or_else(|| describe_value(url)),
            problem,
        },
        other => other,
    }
}
