//! The browser shell's core: owns the current `web_sys::WebSocket`, its listeners and the
//! timers, feeds what happens into the engine's [`Connection`] and carries out the
//! [`Command`]s it answers. Both faces (Rust and JS) drive a [`Shared`].

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use js_sys::{Array, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use crate::engine::commands::{CloseInfo, Command, Event, ReadyState, SendAction};
use crate::engine::connection::Connection;
use crate::engine::options::{BinaryType, Options};
use crate::engine::url::validate_url;
use crate::error::{Error, UrlProblem};
use crate::shell::events::{
    close_event, close_info_object, error_event, plain_event, reconnecting_event, to_js_error,
};
use crate::shell::handlers::{EventKind, JsHandlers, RustHandlers};
use crate::shell::live::{Counted, Kind};
use crate::shell::message::{Message, SendData};
use crate::shell::timers::{Slot, Timers};
use crate::shell::waiters::{Drain, DrainWaiter, Waiter, Waiters};

#[wasm_bindgen]
extern "C" {
    /// The browser's `WebSocket`, seen only for [`AnySend::send_any`].
    #[wasm_bindgen(js_name = WebSocket)]
    type AnySend;

    /// `WebSocket.send` with the caller's own value, whatever its type: no copy, no
    /// re-encoding (web-sys has one binding per type and would need a conversion first).
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_any(this: &AnySend, data: &JsValue) -> Result<(), JsValue>;
}

/// A queued message: the caller's value and its kind.
pub(crate) type Outgoing = (JsValue, SendData);

/// What the Rust Stream receives.
pub(crate) type StreamItem = Result<Message, Error>;

/// How often a waiting `sendAsync` / Sink looks at `bufferedAmount` again.
const DRAIN_POLL_MS: u32 = 10;

/// The browser listeners, made once per socket and installed on each browser socket in turn
/// (so reconnects create no closures).
struct Listeners {
    open: Counted<Closure<dyn FnMut(JsValue)>>,
    message: Counted<Closure<dyn FnMut(MessageEvent)>>,
    close: Counted<Closure<dyn FnMut(CloseEvent)>>,
}

/// The state both faces share.
pub(crate) struct Shared {
    /// The URL as the browser resolved it on the first attempt.
    url: String,
    protocols: Vec<String>,
    binary_type: web_sys::BinaryType,
    pub(crate) high_water_mark: usize,
    ws: RefCell<Option<WebSocket>>,
    conn: RefCell<Connection<Outgoing>>,
    pub(crate) js: JsHandlers,
    pub(crate) rust: RustHandlers,
    pub(crate) waiters: Waiters,
    stream: RefCell<Option<UnboundedSender<StreamItem>>>,
    listeners: RefCell<Option<Listeners>>,
    timers: Timers,
    /// A reference to itself while the socket must outlive its handles (until closed for
    /// good): always for the JS face, as a browser `WebSocket` does; for the Rust face once
    /// the last handle is gone, so what it queued is still sent and the close completes.
    linger: RefCell<Option<Rc<Shared>>>,
    /// The `opened` / `closed` promises of the JS face, made on first use.
    pub(crate) promises: RefCell<[Option<js_sys::Promise>; 2]>,
    _live: Counted<()>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Shared {
    /// Validates `url` and `options`, opens the first browser socket, and returns the shared
    /// state (with the receiving end of the Rust Stream when `with_stream`).
    pub(crate) fn open(
        url: &str,
        options: Options,
        with_stream: bool,
    ) -> Result<(Rc<Shared>, Option<UnboundedReceiver<StreamItem>>), Error> {
        let ws_url = validate_url(url)?;
        options.validate()?;
        let first = new_browser_socket(&ws_url, &options.protocols).map_err(|thrown| {
            Error::InvalidUrl {
                url: url.to_owned(),
                problem: UrlProblem::Browser(js_error_message(&thrown)),
            }
        })?;
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let resolved = first.url();
        let protocols = options.protocols.clone();
        let binary_type = match options.binary_type {
            BinaryType::ArrayBuffer => web_sys::BinaryType::Arraybuffer,
            BinaryType::Blob => web_sys::BinaryType::Blob,
        };
        let high_water_mark = options.high_water_mark;
        let (conn, start) = Connection::new(ws_url, options, seed);
        let (sender, receiver) = match with_stream {
            true => {
                let (tx, rx) = unbounded();
                (Some(tx), Some(rx))
            }
            false => (None, None),
        };
        let shared = Rc::new(Shared {
            url: resolved,
            protocols,
            binary_type,
            high_water_mark,
            ws: RefCell::new(None),
            conn: RefCell::new(conn),
            js: JsHandlers::default(),
            rust: RustHandlers::default(),
            waiters: Waiters::default(),
            stream: RefCell::new(sender),
            listeners: RefCell::new(None),
            timers: Timers::default(),
            linger: RefCell::new(None),
            promises: RefCell::new([None, None]),
            _live: Counted::new(Kind::Socket, ()),
        });
        *shared.listeners.borrow_mut() = Some(Listeners::new(&shared));
        shared.install(first);
        // The first Connect is done: the browser socket above is it.
        shared.run(
            start
                .into_iter()
                .filter(|c| !matches!(c, Command::Connect))
                .collect(),
        );
        Ok((shared, receiver))
    }

    fn install(&self, ws: WebSocket) {
        ws.set_binary_type(self.binary_type);
        if let Some(listeners) = &*self.listeners.borrow() {
            ws.set_onopen(Some(listeners.open.get().as_ref().unchecked_ref()));
            ws.set_onmessage(Some(listeners.message.get().as_ref().unchecked_ref()));
            ws.set_onclose(Some(listeners.close.get().as_ref().unchecked_ref()));
        }
        // The browser's `error` event carries nothing; the `close` that always follows it
        // says what happened, so the engine reports one joined error from there.
        *self.ws.borrow_mut() = Some(ws);
    }

    /// Lets go of the current browser socket: no more events from it, and it is closed.
    fn abandon(&self) {
        if let Some(ws) = self.ws.borrow_mut().take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
    }

    /// Carries out the engine's commands; events go to the user after the rest, so a
    /// handler that calls back into the socket finds it in a settled state.
    fn run(self: &Rc<Self>, commands: Vec<Command<Outgoing>>) {
        let mut events = Vec::new();
        for command in commands {
            match command {
                Command::Connect => match new_browser_socket(&self.url, &self.protocols) {
                    Ok(ws) => self.install(ws),
                    Err(_) => {
                        let failed = self.conn.borrow_mut().closed(CloseInfo::abnormal());
                        self.run(failed);
                    }
                },
                Command::Transmit((data, _)) => {
                    if let Err(error) = self.transmit(&data) {
                        events.push(Event::Error(error));
                    }
                }
                Command::SendHeartbeat => {
                    let message = self.conn.borrow().heartbeat_message().map(str::to_owned);
                    if let (Some(ws), Some(message)) = (&*self.ws.borrow(), message) {
                        let _ = ws.send_with_str(&message);
                    }
                }
                Command::CloseSocket(request) => {
                    if let Some(ws) = &*self.ws.borrow() {
                        // The engine validated code and reason: the browser has no cause to throw.
                        let _ = ws.close_with_code_and_reason(request.code, &request.reason);
                    }
                }
                Command::AbandonSocket => self.abandon(),
                Command::StartTimer(timer, ms) => self.timers.start(
                    Slot::Engine(timer),
                    ms,
                    Rc::downgrade(self),
                    Shared::timer_fired,
                ),
                Command::StopTimer(timer) => self.timers.stop(Slot::Engine(timer)),
                Command::Emit(event) => events.push(event),
            }
        }
        for event in events {
            self.dispatch(event);
        }
        if self.conn.borrow().ready_state() == ReadyState::Closed {
            self.release_resources();
        }
    }

    fn dispatch(self: &Rc<Self>, event: Event) {
        match event {
            Event::Open => {
                if self.js.listens(EventKind::Open) {
                    self.js.dispatch(EventKind::Open, &plain_event("open"));
                }
                self.rust.open.call(|on_open| on_open());
                self.waiters.settle_opened(Ok(()));
                self.poll_drain();
            }
            Event::Reconnecting { attempt, delay_ms } => {
                if self.js.listens(EventKind::Reconnecting) {
                    self.js.dispatch(
                        EventKind::Reconnecting,
                        &reconnecting_event(attempt, delay_ms),
                    );
                }
                self.rust.reconnecting.call(|on| on(attempt, delay_ms));
            }
            Event::Error(error) => self.report(error),
            Event::Closed(info) => {
                if self.js.listens(EventKind::Close) {
                    self.js.dispatch(EventKind::Close, &close_event(&info));
                }
                self.rust.close.call(|on_close| on_close(info.clone()));
                self.waiters.settle_closed(&close_info_object(&info));
                if let Err(error) = self.open_state() {
                    self.waiters.settle_opened(Err(to_js_error(&error)));
                }
                // The Stream ends.
                self.stream.borrow_mut().take();
                self.poll_drain();
            }
        }
    }

    /// Hands an error to every error handler and the Stream; to the console when none
    /// listens, so that no failure passes unseen.
    fn report(&self, error: Error) {
        let mut seen = false;
        if self.js.listens(EventKind::Error) {
            self.js.dispatch(EventKind::Error, &error_event(&error));
            seen = true;
        }
        if self.rust.error.is_set() {
            self.rust.error.call(|on_error| on_error(error.clone()));
            seen = true;
        }
        if let Some(stream) = &*self.stream.borrow() {
            seen |= stream.unbounded_send(Err(error.clone())).is_ok();
        }
        if !seen {
            web_sys::console::warn_1(&to_js_error(&error));
        }
    }

    /// Closed for good: stop every timer, let go of the listeners, end the lingering.
    fn release_resources(&self) {
        self.timers.stop_all();
        self.abandon();
        let listeners = self.listeners.borrow_mut().take();
        drop(listeners);
        let lingering = self.linger.borrow_mut().take();
        drop(lingering);
    }

    fn timer_fired(self: &Rc<Self>, slot: Slot) {
        self.timers.stop(slot);
        match slot {
            Slot::Engine(timer) => {
                let commands = self.conn.borrow_mut().timer_fired(timer, now_ms());
                self.run(commands);
            }
            Slot::DrainPoll => self.poll_drain(),
        }
    }

    fn opened(self: &Rc<Self>) {
        let commands = self.conn.borrow_mut().opened(now_ms());
        self.run(commands);
    }

    fn received(self: &Rc<Self>, event: MessageEvent) {
        {
            let mut conn = self.conn.borrow_mut();
            if conn.wants_receive_times() {
                conn.received(now_ms());
            }
        }
        if self.js.listens(EventKind::Message) {
            self.js.dispatch(EventKind::Message, &event);
        }
        if self.rust.message.is_set() {
            let message = Message::from_event_data(event.data());
            self.rust.message.call(|on_message| on_message(message));
        } else if let Some(stream) = &*self.stream.borrow() {
            let _ = stream.unbounded_send(Ok(Message::from_event_data(event.data())));
        }
    }

    fn closed(self: &Rc<Self>, event: CloseEvent) {
        // This browser socket is done; forget it before the engine may ask for another.
        self.ws.borrow_mut().take();
        let commands = self.conn.borrow_mut().closed(CloseInfo {
            code: event.code(),
            reason: event.reason(),
            was_clean: event.was_clean(),
        });
        self.run(commands);
    }

    /// Tells the engine when the server has begun closing an open socket (the browser has
    /// no event for it): sends then wait for the reconnect or are refused, never dropped.
    fn observe_remote_closing(&self, conn: &mut Connection<Outgoing>) {
        if conn.ready_state() == ReadyState::Open {
            if let Some(ws) = &*self.ws.borrow() {
                if ws.ready_state() >= WebSocket::CLOSING {
                    conn.remote_closing();
                }
            }
        }
    }

    /// Sends or queues `data` of kind `kind`.
    pub(crate) fn send(self: &Rc<Self>, data: JsValue, kind: SendData) -> Result<(), Error> {
        let action = {
            let mut conn = self.conn.borrow_mut();
            self.observe_remote_closing(&mut conn);
            conn.send((data, kind), |(data, kind)| kind.wire_bytes(data))?
        };
        match action {
            SendAction::Transmit((data, _)) => self.transmit(&data),
            SendAction::Queued { overflow } => {
                if let Some(error) = overflow {
                    self.report(error);
                }
                Ok(())
            }
        }
    }

    fn transmit(&self, data: &JsValue) -> Result<(), Error> {
        let ws = self.ws.borrow();
        let ws = ws.as_ref().ok_or_else(|| Error::Closed {
            url: self.url.clone(),
        })?;
        // The browser refuses only what it cannot send (e.g. a view of a SharedArrayBuffer).
        ws.unchecked_ref::<AnySend>()
            .send_any(data)
            .map_err(|thrown| Error::InvalidData {
                found: js_error_message(&thrown),
            })
    }

    pub(crate) fn close(
        self: &Rc<Self>,
        code: Option<u32>,
        reason: Option<&str>,
    ) -> Result<(), Error> {
        let commands = self.conn.borrow_mut().close(code, reason)?;
        self.run(commands);
        Ok(())
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        let mut conn = self.conn.borrow_mut();
        self.observe_remote_closing(&mut conn);
        conn.ready_state()
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// A property of the current browser socket, or `default` between sockets.
    pub(crate) fn current<T>(&self, read: impl FnOnce(&WebSocket) -> T, default: T) -> T {
        self.ws.borrow().as_ref().map_or(default, read)
    }

    pub(crate) fn buffered_amount(&self) -> u32 {
        self.current(WebSocket::buffered_amount, 0)
    }

    pub(crate) fn queued_bytes(&self) -> usize {
        self.conn.borrow().queued_bytes()
    }

    /// `Ok(true)` once opened, `Ok(false)` while the first open is still to come, and the
    /// error that ended the socket if it closed for good without ever opening.
    pub(crate) fn open_state(&self) -> Result<bool, Error> {
        let conn = self.conn.borrow();
        if conn.has_opened() {
            Ok(true)
        } else if conn.final_close().is_some() {
            Err(conn
                .final_error()
                .cloned()
                .unwrap_or_else(|| Error::Closed {
                    url: self.url.clone(),
                }))
        } else {
            Ok(false)
        }
    }

    pub(crate) fn final_close(&self) -> Option<CloseInfo> {
        self.conn.borrow().final_close().cloned()
    }

    pub(crate) fn drain_state(&self) -> Drain {
        let conn = self.conn.borrow();
        match conn.ready_state() {
            ReadyState::Open if conn.queue_is_empty() => Drain::Open {
                buffered: self.buffered_amount() as usize,
            },
            ReadyState::Closed | ReadyState::Closing => {
                Drain::Closed(to_js_error(&Error::Closed {
                    url: self.url.clone(),
                }))
            }
            _ => Drain::NotOpen,
        }
    }

    /// Adds a drain waiter and makes sure the poll runs.
    pub(crate) fn wait_for_drain(self: &Rc<Self>, waiter: Waiter, threshold: usize) {
        self.waiters
            .drain
            .borrow_mut()
            .push(DrainWaiter { waiter, threshold });
        self.poll_drain();
    }

    fn poll_drain(self: &Rc<Self>) {
        let waiting = self.waiters.settle_drain(&self.drain_state());
        if waiting && !self.timers.is_running(Slot::DrainPoll) {
            self.timers.start(
                Slot::DrainPoll,
                DRAIN_POLL_MS,
                Rc::downgrade(self),
                Shared::timer_fired,
            );
        }
    }

    /// Keeps the socket alive until it has closed for good, whatever happens to its handles.
    pub(crate) fn keep_alive_until_closed(self: &Rc<Self>) {
        if self.conn.borrow().ready_state() != ReadyState::Closed {
            *self.linger.borrow_mut() = Some(Rc::clone(self));
        }
    }

    /// The last Rust handle is gone: close with 1000 (after flushing what is queued for the
    /// first open), and stay alive until the close completes.
    pub(crate) fn release(self: &Rc<Self>) {
        self.keep_alive_until_closed();
        // close() without code or reason cannot be invalid.
        let _ = self.close(None, None);
    }
}

impl Listeners {
    fn new(shared: &Rc<Shared>) -> Listeners {
        let weak = Rc::downgrade(shared);
        let open = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
            if let Some(shared) = weak.upgrade() {
                shared.opened();
            }
        });
        let weak = Rc::downgrade(shared);
        let message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(shared) = weak.upgrade() {
                shared.received(event);
            }
        });
        let weak = Rc::downgrade(shared);
        let close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if let Some(shared) = weak.upgrade() {
                shared.closed(event);
            }
        });
        Listeners {
            open: Counted::new(Kind::Listener, open),
            message: Counted::new(Kind::Listener, message),
            close: Counted::new(Kind::Listener, close),
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The listeners are about to be freed: the browser must not call them any more.
        self.abandon();
    }
}

fn new_browser_socket(url: &str, protocols: &[String]) -> Result<WebSocket, JsValue> {
    if protocols.is_empty() {
        WebSocket::new(url)
    } else {
        let list: Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
        WebSocket::new_with_str_sequence(url, &list)
    }
}

/// The message of a thrown JS value (an `Error`'s `.message`, or the value as text).
fn js_error_message(thrown: &JsValue) -> String {
    thrown
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Reads a JS handler value: a function, or null/undefined for none.
pub(crate) fn handler_from(value: &JsValue, name: &str) -> Result<Option<Function>, Error> {
    if value.is_null() || value.is_undefined() {
        Ok(None)
    } else if let Some(handler) = value.dyn_ref::<Function>() {
        Ok(Some(handler.clone()))
    } else {
        Err(crate::engine::options::invalid(
            name,
            format!(
                "must be a function or null, not {}",
                value.js_typeof().as_string().unwrap_or_default()
            ),
        ))
    }
}
