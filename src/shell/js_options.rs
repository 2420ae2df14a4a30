//! Reads the JS constructor options into [`Options`], naming any bad key or value.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::options::{
    display_number, invalid, BinaryType, HeartbeatPolicy, Options, Overflow, QueueLimits,
    ReconnectPolicy, SessionPolicy,
};
use crate::error::Error;

fn type_of(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else if Array::is_array(value) {
        "array".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// The defined properties of object `value` (option `name`), refusing keys not in `known`.
fn entries(value: &JsValue, name: &str, known: &[&str]) -> Result<Vec<(String, JsValue)>, Error> {
    if !value.is_object() || Array::is_array(value) {
        return Err(invalid(
            name,
            format!("must be an object, not {}", type_of(value)),
        ));
    }
    let mut found = Vec::new();
    for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let item = Reflect::get(value, &JsValue::from_str(&key)).unwrap_or_default();
        if item.is_undefined() {
            continue;
        }
        if !known.contains(&key.as_str()) {
            let full = if name == "options" {
                key.clone()
            } else {
                format!("{name}.{key}")
            };
            return Err(invalid(
                &full,
                format!("is not an option (known here: {})", known.join(", ")),
            ));
        }
        found.push((key, item));
    }
    Ok(found)
}

fn qualified(parent: &str, key: &str) -> String {
    format!("{parent}.{key}")
}

/// A whole number from 0 to `max`; `Infinity` reads as `max` when `infinite_ok`.
fn whole(name: &str, value: &JsValue, max: f64, infinite_ok: bool) -> Result<f64, Error> {
    let Some(number) = value.as_f64() else {
        return Err(invalid(
            name,
            format!("must be a number, not {}", type_of(value)),
        ));
    };
    if infinite_ok && number == f64::INFINITY {
        return Ok(max);
    }
    if !(number.is_finite() && number >= 0.0 && number.fract() == 0.0 && number <= max) {
        let (number, max) = (display_number(number), display_number(max));
        let range = if infinite_ok {
            format!("0 to {max}, or Infinity")
        } else {
            format!("0 to {max}")
        };
        return Err(invalid(
            name,
            format!("{number} is not a whole number from {range}"),
        ));
    }
    Ok(number)
}

fn u32_of(name: &str, value: &JsValue) -> Result<u32, Error> {
    whole(name, value, f64::from(u32::MAX), false).map(|n| n as u32)
}

fn size_of(name: &str, value: &JsValue) -> Result<usize, Error> {
    // Sizes beyond 2^53 make no sense in a browser; Infinity means no bound.
    whole(name, value, 9_007_199_254_740_991.0, true).map(|n| n.min(usize::MAX as f64) as usize)
}

fn string_of(name: &str, value: &JsValue) -> Result<String, Error> {
    value
        .as_string()
        .ok_or_else(|| invalid(name, format!("must be a string, not {}", type_of(value))))
}

/// The options that are JS functions, kept by the JS face.
#[derive(Default)]
pub(crate) struct JsCallbacks {
    /// `protocols` given as a function, called per attempt.
    pub(crate) protocols: Option<Function>,
    /// `reconnect.shouldReconnect`.
    pub(crate) should_reconnect: Option<Function>,
}

fn function_of(name: &str, value: &JsValue) -> Result<Function, Error> {
    value
        .dyn_ref::<Function>()
        .cloned()
        .ok_or_else(|| invalid(name, format!("must be a function, not {}", type_of(value))))
}

/// Reads the constructor's `options` argument (undefined or null: all defaults).
pub(crate) fn read_options(value: &JsValue) -> Result<(Options, JsCallbacks), Error> {
    let mut options = Options::default();
    let mut callbacks = JsCallbacks::default();
    if value.is_undefined() || value.is_null() {
        return Ok((options, callbacks));
    }
    let known = [
        "lifecycle",
        "protocols",
        "binaryType",
        "connectTimeoutMs",
        "reconnect",
        "heartbeat",
        "queue",
        "highWaterMark",
        "session",
    ];
    for (key, item) in entries(value, "options", &known)? {
        match key.as_str() {
            "protocols" if item.is_function() => {
                callbacks.protocols = Some(function_of("protocols", &item)?)
            }
            "protocols" => options.protocols = read_protocols(&item)?,
            "lifecycle" => {
                let on = item.as_bool().ok_or_else(|| {
                    invalid(
                        "lifecycle",
                        format!("must be true or false, not {}", type_of(&item)),
                    )
                })?;
                options.lifecycle = Some(on);
            }
            "binaryType" => {
                options.binary_type = BinaryType::parse(&string_of("binaryType", &item)?)?
            }
            "connectTimeoutMs" => {
                options.connect_timeout_ms = Some(u32_of("connectTimeoutMs", &item)?)
            }
            "reconnect" => {
                options.reconnect = read_reconnect(&item, &mut callbacks.should_reconnect)?
            }
            "heartbeat" => options.heartbeat = Some(read_heartbeat(&item)?),
            "queue" => options.queue = read_queue(&item)?,
            "session" => options.session = read_session(&item)?,
            _ => options.high_water_mark = size_of("highWaterMark", &item)?,
        }
    }
    Ok((options, callbacks))
}

/// Reads protocols as a provider gives them: a string or an array of strings.
pub(crate) fn read_protocols(value: &JsValue) -> Result<Vec<String>, Error> {
    if let Some(one) = value.as_string() {
        return Ok(vec![one]);
    }
    if !Array::is_array(value) {
        return Err(invalid(
            "protocols",
            format!(
                "must be a string or an array of strings, not {}",
                type_of(value)
            ),
        ));
    }
    value
        .unchecked_ref::<Array>()
        .iter()
        .enumerate()
        .map(|(i, item)| string_of(&format!("protocols[{i}]"), &item))
        .collect()
}

fn read_reconnect(
    value: &JsValue,
    should_reconnect: &mut Option<Function>,
) -> Result<Option<ReconnectPolicy>, Error> {
    if let Some(on) = value.as_bool() {
        return Ok(on.then(ReconnectPolicy::default));
    }
    let mut policy = ReconnectPolicy::default();
    let known = [
        "minDelayMs",
        "maxDelayMs",
        "factor",
        "maxRetries",
        "finalCodes",
        "minUptimeMs",
        "shouldReconnect",
    ];
    for (key, item) in entries(value, "reconnect", &known)? {
        let name = qualified("reconnect", &key);
        match key.as_str() {
            "minDelayMs" => policy.min_delay_ms = u32_of(&name, &item)?,
            "maxDelayMs" => policy.max_delay_ms = u32_of(&name, &item)?,
            "factor" => {
                policy.factor = item.as_f64().ok_or_else(|| {
                    invalid(&name, format!("must be a number, not {}", type_of(&item)))
                })?
            }
            "maxRetries" => {
                policy.max_retries = whole(&name, &item, f64::from(u32::MAX), true)? as u32
            }
            "minUptimeMs" => policy.min_uptime_ms = u32_of(&name, &item)?,
            "shouldReconnect" => {
                *should_reconnect = Some(function_of(&name, &item)?);
                policy.consult = true;
            }
            _ => policy.final_codes = read_codes(&name, &item)?,
        }
    }
    Ok(Some(policy))
}

fn read_codes(name: &str, value: &JsValue) -> Result<Vec<u16>, Error> {
    if !Array::is_array(value) {
        return Err(invalid(
            name,
            format!("must be an array of close codes, not {}", type_of(value)),
        ));
    }
    value
        .unchecked_ref::<Array>()
        .iter()
        .enumerate()
        .map(|(i, item)| whole(&format!("{name}[{i}]"), &item, 65_535.0, false).map(|n| n as u16))
        .collect()
}

fn read_heartbeat(value: &JsValue) -> Result<HeartbeatPolicy, Error> {
    let mut policy = HeartbeatPolicy::default();
    let known = ["intervalMs", "timeoutMs", "message", "reply"];
    for (key, item) in entries(value, "heartbeat", &known)? {
        let name = qualified("heartbeat", &key);
        match key.as_str() {
            "intervalMs" => policy.interval_ms = u32_of(&name, &item)?,
            "timeoutMs" => policy.timeout_ms = u32_of(&name, &item)?,
            "reply" => policy.reply = Some(string_of(&name, &item)?),
            _ => policy.message = string_of(&name, &item)?,
        }
    }
    Ok(policy)
}

/// `session`: `false`, `true`, or `{ ackEvery, ackDelayMs }`.
fn read_session(value: &JsValue) -> Result<Option<SessionPolicy>, Error> {
    if let Some(on) = value.as_bool() {
        return Ok(on.then(SessionPolicy::default));
    }
    let mut policy = SessionPolicy::default();
    for (key, item) in entries(value, "session", &["ackEvery", "ackDelayMs"])? {
        let name = qualified("session", &key);
        match key.as_str() {
            "ackEvery" => policy.ack_every = u32_of(&name, &item)?,
            _ => policy.ack_delay_ms = u32_of(&name, &item)?,
        }
    }
    Ok(Some(policy))
}

fn read_queue(value: &JsValue) -> Result<QueueLimits, Error> {
    let mut limits = QueueLimits::default();
    for (key, item) in entries(value, "queue", &["maxBytes", "maxMessages", "overflow"])? {
        let name = qualified("queue", &key);
        match key.as_str() {
            "maxBytes" => limits.max_bytes = size_of(&name, &item)?,
            "maxMessages" => limits.max_messages = size_of(&name, &item)?,
            _ => limits.overflow = Overflow::parse(&string_of(&name, &item)?)?,
        }
    }
    Ok(limits)
}
