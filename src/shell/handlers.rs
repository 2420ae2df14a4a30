//! The JS face's event handlers: the `on<type>` properties and the listeners.

use std::cell::RefCell;

use js_sys::Function;
use wasm_bindgen::JsValue;

/// The kinds of event a `DuplexSocket` dispatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Open,
    Message,
    Error,
    Close,
    Reconnecting,
}

impl EventKind {
    pub(crate) const ALL: [EventKind; 5] = [
        EventKind::Open,
        EventKind::Message,
        EventKind::Error,
        EventKind::Close,
        EventKind::Reconnecting,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            EventKind::Open => "open",
            EventKind::Message => "message",
            EventKind::Error => "error",
            EventKind::Close => "close",
            EventKind::Reconnecting => "reconnecting",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// The JS face's handlers: an `on<type>` property per kind, then listeners in the order
/// they were added (a function added twice for one type is kept once, as with the DOM).
#[derive(Default)]
pub(crate) struct JsHandlers {
    properties: RefCell<[Option<Function>; 5]>,
    listeners: RefCell<Vec<(EventKind, Function)>>,
}

impl JsHandlers {
    pub(crate) fn property(&self, kind: EventKind) -> Option<Function> {
        self.properties.borrow()[kind as usize].clone()
    }

    pub(crate) fn set_property(&self, kind: EventKind, handler: Option<Function>) {
        self.properties.borrow_mut()[kind as usize] = handler;
    }

    pub(crate) fn add(&self, kind: EventKind, listener: Function) {
        let mut listeners = self.listeners.borrow_mut();
        if !listeners.iter().any(|(k, f)| *k == kind && *f == listener) {
            listeners.push((kind, listener));
        }
    }

    pub(crate) fn remove(&self, kind: EventKind, listener: &Function) {
        self.listeners
            .borrow_mut()
            .retain(|(k, f)| !(*k == kind && f == listener));
    }

    /// Whether anything listens for `kind`.
    pub(crate) fn listens(&self, kind: EventKind) -> bool {
        self.properties.borrow()[kind as usize].is_some()
            || self.listeners.borrow().iter().any(|(k, _)| *k == kind)
    }

    /// Calls the property handler, then the listeners, with `event`. An exception one throws
    /// goes to the console, as the browser does for its own handlers, and the rest still run.
    pub(crate) fn dispatch(&self, kind: EventKind, event: &JsValue) {
        let property = self.property(kind);
        let listeners: Vec<Function> = self
            .listeners
            .borrow()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| f.clone())
            .collect();
        for handler in property.iter().chain(&listeners) {
            if let Err(thrown) = handler.call1(&JsValue::UNDEFINED, event) {
                web_sys::console::error_2(
                    &JsValue::from_str("duplex-ws: a handler threw"),
                    &thrown,
                );
            }
        }
    }
}
