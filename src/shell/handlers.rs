//! The user's event handlers: JavaScript functions for the JS face, boxed closures for Rust.

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::JsValue;

use crate::error::Error;
use crate::shell::message::{CloseInfo, Message};

/// One Rust callback, callable while it may replace itself or call back into the socket.
pub(crate) struct RustSlot<F: ?Sized>(RefCell<Option<Box<F>>>);

impl<F: ?Sized> Default for RustSlot<F> {
    fn default() -> Self {
        Self(RefCell::new(None))
    }
}

impl<F: ?Sized> RustSlot<F> {
    pub(crate) fn set(&self, callback: Box<F>) {
        *self.0.borrow_mut() = Some(callback);
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Calls the callback with the slot released, so the callback may set a new one
    /// (which then stays) or send on the socket without a double borrow.
    pub(crate) fn call(&self, invoke: impl FnOnce(&mut F)) {
        let taken = self.0.borrow_mut().take();
        if let Some(mut callback) = taken {
            invoke(&mut callback);
            let mut slot = self.0.borrow_mut();
            if slot.is_none() {
                *slot = Some(callback);
            }
        }
    }
}

/// One JS handler property (`onmessage`, ...).
#[derive(Default)]
pub(crate) struct JsSlot(RefCell<Option<Function>>);

impl JsSlot {
    pub(crate) fn get(&self) -> Option<Function> {
        self.0.borrow().clone()
    }

    pub(crate) fn set(&self, handler: Option<Function>) {
        *self.0.borrow_mut() = handler;
    }

    /// Calls the handler with `event`. An exception it throws is reported to the console, as
    /// the browser does for its own event handlers, and does not disturb the socket.
    pub(crate) fn call(&self, this: &JsValue, event: &JsValue) {
        if let Some(handler) = self.get() {
            if let Err(thrown) = handler.call1(this, event) {
                web_sys::console::error_2(
                    &JsValue::from_str("duplex-ws: a handler threw"),
                    &thrown,
                );
            }
        }
    }
}

/// Every handler a socket may have, from both faces.
#[derive(Default)]
pub(crate) struct Handlers {
    pub(crate) js_open: JsSlot,
    pub(crate) js_message: JsSlot,
    pub(crate) js_close: JsSlot,
    pub(crate) js_error: JsSlot,
    pub(crate) open: RustSlot<dyn FnMut()>,
    pub(crate) message: RustSlot<dyn FnMut(Message)>,
    pub(crate) close: RustSlot<dyn FnMut(CloseInfo)>,
    pub(crate) error: RustSlot<dyn FnMut(Error)>,
}
