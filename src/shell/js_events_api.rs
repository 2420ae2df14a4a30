//! The event side of the JS class `DuplexSocket`: `addEventListener`,
//! `removeEventListener`, the `on<type>` handler properties, and the `readyState` constants.

use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::engine::options::invalid;
use crate::error::Error;
use crate::shell::events::to_js_error;
use crate::shell::handlers::EventKind;
use crate::shell::js_api::{js_result, JsDuplexSocket};

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

/// Reads a JS handler value: a function, or null/undefined for none.
fn handler_from(value: &JsValue, name: &str) -> Result<Option<Function>, Error> {
    if value.is_null() || value.is_undefined() {
        Ok(None)
    } else if let Some(handler) = value.dyn_ref::<Function>() {
        Ok(Some(handler.clone()))
    } else {
        Err(invalid(
            name,
            format!(
                "must be a function or null, not {}",
                value.js_typeof().as_string().unwrap_or_default()
            ),
        ))
    }
}

#[wasm_bindgen(js_class = DuplexSocket)]
impl JsDuplexSocket {
    /// Adds `listener` for `type` (`open`, `message`, `error`, `close`, `reconnecting`).
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(&self, kind: String, listener: JsValue) -> Result<(), JsValue> {
        let kind = event_kind(&kind)?;
        if let Some(listener) = js_result(handler_from(&listener, "listener"))? {
            self.driver.face.handlers.add(kind, listener);
        }
        Ok(())
    }

    /// Removes `listener` for `type`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(&self, kind: String, listener: JsValue) -> Result<(), JsValue> {
        let kind = event_kind(&kind)?;
        if let Some(listener) = js_result(handler_from(&listener, "listener"))? {
            self.driver.face.handlers.remove(kind, &listener);
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
        self.driver
            .face
            .handlers
            .property(kind)
            .map_or(JsValue::NULL, JsValue::from)
    }

    fn set_property(&self, kind: EventKind, name: &str, handler: JsValue) -> Result<(), JsValue> {
        let handler = js_result(handler_from(&handler, name))?;
        self.driver.face.handlers.set_property(kind, handler);
        Ok(())
    }
}
