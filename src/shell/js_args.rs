//! Reading the JS arguments of `close(code, reason)`: absent, or of the right type, with an
//! error naming the value otherwise (the engine checks the ranges).

use wasm_bindgen::JsValue;

use crate::engine::options::{display_number, invalid};
use crate::error::Error;

/// A close code as JS gives it: absent, or a whole number (the engine checks the range).
pub(crate) fn read_close_code(code: &JsValue) -> Result<Option<u32>, Error> {
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
pub(crate) fn read_close_reason(reason: &JsValue) -> Result<Option<String>, Error> {
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
