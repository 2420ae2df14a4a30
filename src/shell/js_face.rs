//! The JS face's own state and delivery: its handlers, its promises and their waiters. Events
//! reach JS as real `Event` objects; a message is the browser's own `MessageEvent`.

use std::cell::RefCell;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use web_sys::MessageEvent;

use crate::engine::commands::CloseInfo;
use crate::engine::connection::Readiness;
use crate::error::Error;
use crate::shell::events::{
    close_event, close_info_object, error_event, plain_event, reconnecting_event, to_js_error,
};
use crate::shell::face::Face;
use crate::shell::handlers::{EventKind, JsHandlers};
use crate::shell::waiters::Waiters;

/// A JS promise waiting: its settle functions.
pub(crate) struct JsWaiter {
    pub(crate) resolve: Function,
    pub(crate) reject: Function,
}

impl JsWaiter {
    fn settle(self, outcome: Result<&JsValue, &JsValue>) {
        // A settle function cannot throw.
        let _ = match outcome {
            Ok(value) => self.resolve.call1(&JsValue::UNDEFINED, value),
            Err(error) => self.reject.call1(&JsValue::UNDEFINED, error),
        };
    }
}

/// What only the JS face holds.
#[derive(Default)]
pub(crate) struct JsFace {
    pub(crate) handlers: JsHandlers,
    pub(crate) waiters: Waiters<JsWaiter>,
    /// The `opened` promise, made on first use and then always the same.
    pub(crate) opened_promise: RefCell<Option<Promise>>,
    /// The `closed` promise, likewise.
    pub(crate) closed_promise: RefCell<Option<Promise>>,
}

impl Face for JsFace {
    fn opened(&self) {
        if self.handlers.listens(EventKind::Open) {
            self.handlers
                .dispatch(EventKind::Open, &plain_event("open"));
        }
    }

    fn message(&self, event: &MessageEvent) {
        if self.handlers.listens(EventKind::Message) {
            self.handlers.dispatch(EventKind::Message, event);
        }
    }

    fn error(&self, error: &Error) -> bool {
        let listens = self.handlers.listens(EventKind::Error);
        if listens {
            self.handlers
                .dispatch(EventKind::Error, &error_event(error));
        }
        listens
    }

    fn reconnecting(&self, attempt: u32, delay_ms: u32) {
        if self.handlers.listens(EventKind::Reconnecting) {
            let event = reconnecting_event(attempt, delay_ms);
            self.handlers.dispatch(EventKind::Reconnecting, &event);
        }
    }

    fn closed(&self, info: &CloseInfo) {
        if self.handlers.listens(EventKind::Close) {
            self.handlers.dispatch(EventKind::Close, &close_event(info));
        }
        let value = close_info_object(info);
        for waiter in self.waiters.take_closed() {
            waiter.settle(Ok(&value));
        }
    }

    fn settle_first_open(&self, outcome: &Result<(), Error>) {
        let value = match outcome {
            Ok(()) => Ok(JsValue::UNDEFINED),
            Err(error) => Err(to_js_error(error)),
        };
        for waiter in self.waiters.take_opened() {
            waiter.settle(value.as_ref());
        }
    }

    fn settle_drain(&self, readiness: &Readiness, buffered: usize) -> bool {
        self.waiters
            .settle_drain(readiness, buffered, |waiter, outcome| match outcome {
                Ok(()) => waiter.settle(Ok(&JsValue::UNDEFINED)),
                Err(error) => waiter.settle(Err(&to_js_error(error))),
            })
    }
}
