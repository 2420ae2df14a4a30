//! The JS objects the JS face dispatches and settles promises with: events and `Error`s.

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use crate::engine::commands::CloseInfo;
use crate::error::Error;

pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a plain data property on an object we just made cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The JS `Error` for an [`Error`]: its message, and its stable code as `.code`.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    let js_error: JsValue = js_sys::Error::new(&error.to_string()).into();
    set(&js_error, "code", &JsValue::from_str(error.code()));
    js_error
}

/// An `Event` of type `kind` (for `open`).
pub(crate) fn plain_event(kind: &str) -> JsValue {
    web_sys::Event::new(kind)
        .map(JsValue::from)
        .unwrap_or_else(|_| Object::new().into())
}

/// A `reconnecting` event: an `Event` with `attempt` and `delayMs`, and what ended the last
/// connection: `code`, `reason`, `wasClean`, `error` (an `Error` with a `code`, or null).
pub(crate) fn reconnecting_event(
    attempt: u32,
    delay_ms: u32,
    last_close: &CloseInfo,
    error: Option<&Error>,
) -> JsValue {
    let event = plain_event("reconnecting");
    set(&event, "attempt", &attempt.into());
    set(&event, "delayMs", &delay_ms.into());
    set(&event, "code", &last_close.code.into());
    set(&event, "reason", &JsValue::from_str(&last_close.reason));
    set(&event, "wasClean", &last_close.was_clean.into());
    set(&event, "error", &error.map_or(JsValue::NULL, to_js_error));
    event
}

/// A `resumed` event: `{ recovered, resent, replayed, error }` (API.md, sessions).
pub(crate) fn resumed_event(
    recovered: bool,
    resent: u64,
    replayed: u64,
    error: Option<&Error>,
) -> JsValue {
    let event = plain_event("resumed");
    set(&event, "recovered", &recovered.into());
    set(&event, "resent", &(resent as f64).into());
    set(&event, "replayed", &(replayed as f64).into());
    set(&event, "error", &error.map_or(JsValue::NULL, to_js_error));
    event
}

/// A `CloseEvent` with the final code, reason and wasClean.
pub(crate) fn close_event(info: &CloseInfo) -> JsValue {
    let init = web_sys::CloseEventInit::new();
    init.set_code(info.code);
    init.set_reason(&info.reason);
    init.set_was_clean(info.was_clean);
    web_sys::CloseEvent::new_with_event_init_dict("close", &init)
        .map(JsValue::from)
        .unwrap_or_else(|_| {
            // No CloseEvent constructor (Node.js before 23): an Event with the same fields.
            let event = plain_event("close");
            set(&event, "code", &info.code.into());
            set(&event, "reason", &JsValue::from_str(&info.reason));
            set(&event, "wasClean", &info.was_clean.into());
            event
        })
}

/// `{ code, reason, wasClean }`, what the `closed` promise resolves to.
pub(crate) fn close_info_object(info: &CloseInfo) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "code", &info.code.into());
    set(&object, "reason", &JsValue::from_str(&info.reason));
    set(&object, "wasClean", &info.was_clean.into());
    object
}

/// An `ErrorEvent` whose `.error` is the JS `Error` for `error`.
pub(crate) fn error_event(error: &Error) -> JsValue {
    let init = web_sys::ErrorEventInit::new();
    init.set_message(&error.to_string());
    init.set_error(&to_js_error(error));
    web_sys::ErrorEvent::new_with_event_init_dict("error", &init)
        .map(JsValue::from)
        .unwrap_or_else(|_| {
            // No ErrorEvent constructor (Node.js): an Event with the same fields.
            let event = plain_event("error");
            set(&event, "message", &JsValue::from_str(&error.to_string()));
            set(&event, "error", &to_js_error(error));
            event
        })
}
