//! The JS `Error` of an [`Error`], as the Rust face shows one on the console when no
//! handler was told.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

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
