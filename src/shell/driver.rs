//! The driver: the one loop between the browser and the engine. It owns the current
//! `web_sys::WebSocket`, its listeners and the timers, feeds everything that happens into the
//! engine's [`Connection::handle`], then drains [`Connection::poll`] and carries out each
//! command, handing events to the socket's [`Face`]. It takes no decision of its own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsValue;
use web_sys::WebSocket;

use crate::engine::commands::{Command, Input, ReadyState};
use crate::engine::connection::Connection;
use crate::engine::options::{BinaryType, Options};
use crate::engine::url::validate_url;
use crate::error::Error;
use crate::shell::browser::{abandon, open_socket, transmit, Listeners};
use crate::shell::face::{Face, Outbound};
use crate::shell::live::{Counted, Kind};
use crate::shell::timers::{Slot, Timers};

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// One socket: the engine, the browser socket it drives, and the face it delivers through.
pub(crate) struct Driver<F: Face> {
    /// The URL as the browser resolved it on the first attempt (the engine's until then).
    url: RefCell<String>,
    protocols: Vec<String>,
    binary_type: web_sys::BinaryType,
    pub(crate) high_water_mark: usize,
    engine: RefCell<Connection<Outbound>>,
    socket: RefCell<Option<WebSocket>>,
    listeners: RefCell<Option<Listeners>>,
    timers: Timers,
    /// The engine deadline the wake timer is armed for.
    armed: Cell<Option<f64>>,
    pub(crate) face: F,
    /// A reference to itself while the socket must outlive its handles (until closed for
    /// good): always for the JS face, as a browser `WebSocket` does; for the Rust face once
    /// the last handle is gone, so what it queued is still sent and the close completes.
    linger: RefCell<Option<Rc<Driver<F>>>>,
    _live: Counted<()>,
}

impl<F: Face> Driver<F> {
    /// Validates `url` and `options` and starts connecting; the browser's refusal of the
    /// first socket is an `INVALID_URL` error here, as the constructor's.
    pub(crate) fn open(url: &str, options: Options, face: F) -> Result<Rc<Self>, Error> {
        let ws_url = validate_url(url)?;
        options.validate()?;
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let driver = Rc::new(Driver {
            url: RefCell::new(ws_url.clone()),
            protocols: options.protocols.clone(),
            binary_type: match options.binary_type {
                BinaryType::ArrayBuffer => web_sys::BinaryType::Arraybuffer,
                BinaryType::Blob => web_sys::BinaryType::Blob,
            },
            high_water_mark: options.high_water_mark,
            engine: RefCell::new(Connection::new(ws_url, options, seed, now_ms())),
            socket: RefCell::new(None),
            listeners: RefCell::new(None),
            timers: Timers::default(),
            armed: Cell::new(None),
            face,
            linger: RefCell::new(None),
            _live: Counted::new(Kind::Socket, ()),
        });
        *driver.listeners.borrow_mut() = Some(events::listeners(&driver));
        driver.drain().map_err(|error| match error {
            // The engine knows the URL as validated; the error names it as the caller gave it.
            Error::InvalidUrl { problem, .. } => Error::InvalidUrl {
                url: url.to_owned(),
                problem,
            },
            other => other,
        })?;
        Ok(driver)
    }

    /// Feeds `input` to the engine, then carries out what it answers. A refused input
    /// (a send or close the engine refuses) changes nothing and is returned, as is a
    /// message the browser refused to send.
    pub(crate) fn feed(self: &Rc<Self>, input: Input<Outbound>) -> Result<(), Error> {
        let refused = self.engine.borrow_mut().handle(input, now_ms());
        refused?;
        self.drain()
    }

    /// Feeds an input from the browser: nobody to return an error to, so it is reported.
    fn feed_event(self: &Rc<Self>, input: Input<Outbound>) {
        if let Err(error) = self.feed(input) {
            self.report(&error);
        }
    }

    /// Drains the engine's commands and carries them out; events go to the face after the
    /// rest, so a handler that calls back into the socket finds it in a settled state.
    fn drain(self: &Rc<Self>) -> Result<(), Error> {
        let mut events = Vec::new();
        let mut result = Ok(());
        loop {
            let command = self.engine.borrow_mut().poll();
            let done = match command {
                None => break,
                Some(Command::Connect) => self.connect(),
                Some(Command::Transmit(outbound)) => self.transmit(&outbound.data),
                Some(Command::SendHeartbeat) => {
                    let message = self.engine.borrow().heartbeat_message().map(str::to_owned);
                    if let (Some(ws), Some(message)) = (&*self.socket.borrow(), message) {
                        let _ = ws.send_with_str(&message);
                    }
                    Ok(())
                }
                Some(Command::CloseSocket(request)) => {
                    if let Some(ws) = &*self.socket.borrow() {
                        // The engine validated code and reason: the browser has no cause to throw.
                        let _ = ws.close_with_code_and_reason(request.code, &request.reason);
                    }
                    Ok(())
                }
                Some(Command::AbandonSocket) => {
                    self.let_go();
                    Ok(())
                }
                Some(Command::Emit(event)) => {
                    events.push(event);
                    Ok(())
                }
            };
            if result.is_ok() {
                result = done;
            }
        }
        self.arm_wake();
        for event in events {
            self.dispatch(event);
        }
        if self.engine.borrow().ready_state() == ReadyState::Closed {
            self.release_resources();
        }
        result
    }

    /// Lets go of the current browser socket, if any (see [`abandon`]).
    fn let_go(&self) {
        let socket = self.socket.borrow_mut().take();
        if let Some(ws) = socket {
            abandon(ws);
        }
    }

    fn connect(&self) -> Result<(), Error> {
        let url = self.url.borrow().clone();
        match open_socket(&url, &self.protocols) {
            Ok(ws) => {
                *self.url.borrow_mut() = ws.url();
                ws.set_binary_type(self.binary_type);
                if let Some(listeners) = &*self.listeners.borrow() {
                    listeners.install(&ws);
                }
                *self.socket.borrow_mut() = Some(ws);
                Ok(())
            }
            Err(reason) => {
                let input = Input::SocketRefused(reason);
                self.engine.borrow_mut().handle(input, now_ms())
            }
        }
    }

    fn transmit(&self, data: &JsValue) -> Result<(), Error> {
        let socket = self.socket.borrow();
        let ws = socket.as_ref().ok_or_else(|| self.closed_error())?;
        transmit(ws, data).map_err(|found| Error::InvalidData { found })
    }

    /// Arms the wake timer for the engine's next deadline, if that changed.
    fn arm_wake(self: &Rc<Self>) {
        let next = self.engine.borrow().poll_timeout();
        if next == self.armed.get() {
            return;
        }
        self.armed.set(next);
        match next {
            Some(at) => {
                let weak = Rc::downgrade(self);
                self.timers
                    .start(Slot::Wake, at - now_ms(), weak, Self::timer_fired);
            }
            None => self.timers.stop(Slot::Wake),
        }
    }

    fn timer_fired(self: &Rc<Self>, slot: Slot) {
        self.timers.stop(slot);
        match slot {
            Slot::Wake => {
                self.armed.set(None);
                self.feed_event(Input::Timeout);
            }
            Slot::DrainPoll => self.poll_drain(),
        }
    }

    /// Closed for good: stop every timer, let go of the listeners, end the lingering.
    fn release_resources(&self) {
        self.timers.stop_all();
        self.armed.set(None);
        self.let_go();
        let listeners = self.listeners.borrow_mut().take();
        drop(listeners);
        let lingering = self.linger.borrow_mut().take();
        drop(lingering);
    }
}

mod access;
mod events;

impl<F: Face> Drop for Driver<F> {
    fn drop(&mut self) {
        // The listeners are about to be freed: the browser must not call them any more.
        self.let_go();
    }
}
