//! Events across the driver: what the browser tells it (the listeners, which feed the
//! engine) and what the engine tells the user (each [`Event`] handed to the face).

use std::rc::Rc;

use js_sys::JsString;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent};

use crate::engine::commands::{CloseInfo, Event, Input};
use crate::engine::frames::is_control;
use crate::error::Error;
use crate::shell::browser::Listeners;
use crate::shell::driver::{now_ms, Driver};
use crate::shell::events::to_js_error;
use crate::shell::face::Face;
use crate::shell::lifecycle::page_input;

impl<F: Face> Driver<F> {
    /// A message arrived (the hot path). The engine only notes the sign of life, if it watches
    /// for one (a heartbeat): that input never answers with a command or moves a deadline, so
    /// there is nothing to drain. The face gets the message unless it is the heartbeat's
    /// reply, read only when one is set.
    fn message_arrived(self: &Rc<Self>, event: &MessageEvent) {
        let data = event.data();
        if self.engine.borrow().session_framing() {
            return self.session_message(data);
        }
        // Fed only when the engine watches arrivals (a heartbeat); never refused.
        if self.notes_arrivals {
            let _ = self
                .engine
                .borrow_mut()
                .handle(Input::MessageReceived, now_ms());
        }
        if self.reply_len.is_none() || !self.is_heartbeat_reply(&data) {
            self.face.message(data);
        }
    }

    /// A message in a session: a control frame goes to the engine only; application text
    /// the server escaped loses its one extra U+0000; every application message is counted
    /// (the engine acknowledges in batches) and delivered.
    fn session_message(self: &Rc<Self>, mut data: JsValue) {
        if let Some(text) = data.dyn_ref::<JsString>() {
            let unit = |i: u32| {
                let code = text.char_code_at(i);
                (!code.is_nan()).then_some(code as u16)
            };
            if is_control(unit(0), unit(1)) {
                let frame = String::from(text);
                self.feed_event(Input::ControlReceived(frame));
                // An ack may be what a `sendAsync` waits for.
                return self.poll_drain();
            }
            if unit(0) == Some(0) {
                data = text.slice(1, text.length()).into();
            }
        }
        self.feed_event(Input::DataReceived);
        self.face.message(data);
    }

    pub(super) fn dispatch(self: &Rc<Self>, event: Event) {
        match event {
            Event::Open => {
                self.face.opened();
                self.face.settle_first_open(&Ok(()));
                self.poll_drain();
            }
            Event::Reconnecting {
                attempt,
                delay_ms,
                last_close,
                error,
            } => self
                .face
                .reconnecting(attempt, delay_ms, &last_close, error.as_ref()),
            Event::Resumed {
                recovered,
                resent,
                replayed,
                error,
            } => self
                .face
                .resumed(recovered, resent, replayed, error.as_ref()),
            Event::Error(error) => self.report(&error),
            Event::Closed(info) => {
                self.face.closed(&info);
                // Those who wait for the first open learn how it went, if no `Open` said it
                // (a close asked while connecting sends the queue with no `Open`).
                let first_open = self.engine.borrow().first_open();
                if let Some(outcome) = first_open {
                    self.face.settle_first_open(&outcome);
                }
                self.poll_drain();
            }
        }
    }

    pub(super) fn report(&self, error: &Error) {
        if !self.face.error(error) {
            web_sys::console::warn_1(&to_js_error(error));
        }
    }
}

/// The browser listeners of `driver`, each feeding the engine what happened.
pub(super) fn listeners<F: Face>(driver: &Rc<Driver<F>>) -> Listeners {
    let (open, message, close) = (
        Rc::downgrade(driver),
        Rc::downgrade(driver),
        Rc::downgrade(driver),
    );
    Listeners::new(
        move |_: JsValue| {
            if let Some(driver) = open.upgrade() {
                driver.note_protocol();
                driver.feed_event(Input::SocketOpened);
            }
        },
        move |event: MessageEvent| {
            if let Some(driver) = message.upgrade() {
                driver.message_arrived(&event);
            }
        },
        move |event: CloseEvent| {
            if let Some(driver) = close.upgrade() {
                // This browser socket is done; forget it before the engine may ask for another.
                driver.socket.borrow_mut().take();
                driver.feed_event(Input::SocketClosed(CloseInfo {
                    code: event.code(),
                    reason: event.reason(),
                    was_clean: event.was_clean(),
                }));
            }
        },
    )
}

/// The listener on the page's lifecycle events of `driver`.
pub(super) fn page_listener<F: Face>(driver: &Rc<Driver<F>>) -> Closure<dyn FnMut(web_sys::Event)> {
    let weak = Rc::downgrade(driver);
    Closure::new(move |event: web_sys::Event| {
        if let (Some(driver), Some(input)) = (weak.upgrade(), page_input(&event)) {
            driver.feed_event(input);
        }
    })
}
