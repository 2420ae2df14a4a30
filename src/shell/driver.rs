//! The driver: the one loop between the browser and the engine. It owns the current
//! `web_sys::WebSocket`, its listeners and the timers, feeds everything that happens into the
//! engine's [`Connection::handle`], then drains [`Connection::poll`] and carries out each
//! command, handing events to the socket's [`Face`]. It takes no decision of its own.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsValue;
use web_sys::WebSocket;

use crate::engine::commands::{AttemptContext, Command, Input, ReadyState};
use crate::engine::connection::Connection;
use crate::engine::options::Options;
use crate::error::Error;
use crate::shell::browser::Listeners;
use crate::shell::buffered::BufferedCeiling;
use crate::shell::face::{Face, Outbound, Resolution, Target};
use crate::shell::lifecycle::PageWatch;
use crate::shell::live::{Counted, Kind};
use crate::shell::timers::{Slot, Timers};

pub(super) fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// One socket: the engine, the browser socket it drives, and the face it delivers through.
pub(crate) struct Driver<F: Face> {
    /// The URL of the latest browser socket, as the browser resolved it.
    url: RefCell<String>,
    /// `heartbeat.reply`'s length in UTF-16 units: only messages that long are compared.
    reply_len: Option<usize>,
    /// Whether the engine watches plain messages arrive (a heartbeat): fixed for the socket's
    /// life, so the hot path asks once, here.
    notes_arrivals: bool,
    pub(crate) high_water_mark: usize,
    engine: RefCell<Connection<Outbound>>,
    socket: RefCell<Option<WebSocket>>,
    /// What the current browser socket can be buffering at most, known without asking it.
    buffered: BufferedCeiling,
    listeners: RefCell<Option<Listeners>>,
    /// The page's lifecycle listeners, while lifecycle is on and the socket lives.
    page: RefCell<Option<PageWatch>>,
    timers: Timers,
    /// The engine deadline the wake timer is armed for.
    armed: Cell<Option<f64>>,
    pub(crate) face: F,
    /// A reference to itself while the socket must outlive its handles (until closed for
    /// good): from the start for a face that lingers (`Face::LINGERS`, as a browser
    /// `WebSocket` does); for the Rust face once the last handle is gone, so what it queued is
    /// still sent and the close completes.
    linger: RefCell<Option<Rc<Driver<F>>>>,
    _live: Counted<()>,
}

impl<F: Face> Driver<F> {
    /// Starts connecting to `url` (validated by the face, or a name for the app's URL
    /// provider) with validated `options`; the browser's refusal of the first socket is an
    /// `INVALID_URL` error here, as the constructor's.
    pub(crate) fn open(url: &str, options: Options, face: F) -> Result<Rc<Self>, Error> {
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let high_water_mark = options.high_water_mark;
        let engine = Connection::new(url, options, seed, now_ms());
        let driver = Rc::new(Driver {
            url: RefCell::new(url.to_owned()),
            reply_len: engine.heartbeat_reply_len(),
            notes_arrivals: engine.notes_arrivals(),
            high_water_mark,
            engine: RefCell::new(engine),
            socket: RefCell::new(None),
            buffered: BufferedCeiling::default(),
            listeners: RefCell::new(None),
            page: RefCell::new(None),
            timers: Timers::default(),
            armed: Cell::new(None),
            face,
            linger: RefCell::new(None),
            _live: Counted::new(Kind::Socket, ()),
        });
        driver.attach();
        driver.drain()?;
        Ok(driver)
    }

    /// Feeds `input` to the engine, then carries out what it answers. A refused input
    /// (a send or close the engine refuses) changes nothing and is returned, as is a
    /// message the browser refused to send.
    pub(crate) fn feed(self: &Rc<Self>, input: Input<Outbound>) -> Result<(), Error> {
        // A send (the hot path) reads no clock: no call into JS for the time.
        let now = if input.reads_clock() {
            now_ms()
        } else {
            f64::NAN
        };
        let refused = self.engine.borrow_mut().handle(input, now);
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
                Some(Command::Connect { id, context }) => {
                    self.resolve(id, &context);
                    Ok(())
                }
                Some(Command::OpenSocket { url, protocols }) => self.open_socket(&url, &protocols),
                Some(Command::ConsultReconnect(context)) => {
                    let verdict = self.face.should_reconnect(&context);
                    self.engine
                        .borrow_mut()
                        .handle(Input::ReconnectVerdict(verdict), now_ms())
                }
                Some(Command::Transmit(outbound)) => self.transmit(&outbound.data, outbound.bytes),
                Some(Command::TransmitEscaped(outbound)) => {
                    let escaped = js_sys::JsString::from("\0").concat(&outbound.data);
                    self.transmit(&escaped, outbound.bytes + 1)
                }
                Some(Command::TransmitControl(frame)) => {
                    self.transmit(&JsValue::from_str(&frame), frame.len())
                }
                Some(Command::SendHeartbeat) => {
                    let message = self.engine.borrow().heartbeat_message().map(str::to_owned);
                    if let (Some(ws), Some(message)) = (&*self.socket.borrow(), message) {
                        self.buffered.handed(message.len());
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

    /// Hangs the browser listeners (and the page's, with lifecycle on) for a new life.
    fn attach(self: &Rc<Self>) {
        *self.listeners.borrow_mut() = Some(events::listeners(self));
        if self.engine.borrow().lifecycle() {
            *self.page.borrow_mut() = PageWatch::install(events::page_listener(self));
        }
    }

    /// Finds out where attempt `id` goes: now, or when the app's provider settles.
    fn resolve(self: &Rc<Self>, id: u32, context: &AttemptContext) {
        let input = move |target: Target| match target {
            Ok((url, protocols)) => Input::Target { id, url, protocols },
            Err(error) => Input::TargetFailed { id, error },
        };
        match self.face.target(context) {
            // Fed without a drain of its own: the loop that asked drains what it answers.
            Resolution::Now(target) => {
                drop(self.engine.borrow_mut().handle(input(target), now_ms()))
            }
            Resolution::Later(pending) => {
                let weak = Rc::downgrade(self);
                wasm_bindgen_futures::spawn_local(async move {
                    let target = pending.await;
                    if let Some(driver) = weak.upgrade() {
                        driver.feed_event(input(target));
                    }
                });
            }
        }
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
        let page = self.page.borrow_mut().take();
        drop(page);
        let lingering = self.linger.borrow_mut().take();
        drop(lingering);
    }
}

mod access;
mod events;
mod socket;

impl<F: Face> Drop for Driver<F> {
    fn drop(&mut self) {
        // The listeners are about to be freed: the browser must not call them any more.
        self.let_go();
    }
}
