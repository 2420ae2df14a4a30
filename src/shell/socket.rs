//! The browser shell: owns the `web_sys::WebSocket` and its listeners, feeds browser events
//! into the engine's [`Connection`] and carries out what it answers.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

use crate::engine::close::CloseRequest;
use crate::engine::connection::{CloseAction, Connection, ReadyState, SendAction};
use crate::engine::options::{validate_protocols, BinaryType};
use crate::engine::url::validate_url;
use crate::error::{Error, UrlProblem};
use crate::shell::handlers::Handlers;
use crate::shell::message::{CloseInfo, Message, SendData};

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

/// A browser event listener that forwards to the shared state.
type Listener = Closure<dyn FnMut(JsValue)>;

/// A queued message: the caller's value and its kind.
pub(crate) type Outgoing = (JsValue, SendData);

/// The state both faces share: the browser socket, the engine and the handlers.
pub(crate) struct Shared {
    ws: WebSocket,
    conn: RefCell<Connection<Outgoing>>,
    pub(crate) handlers: Handlers,
    /// The browser listeners; they hold only a weak reference back, so no cycle.
    listeners: RefCell<Vec<Listener>>,
    /// A reference to itself while the socket must outlive its handles: for the JS face
    /// always (as a browser `WebSocket` does), for the Rust face while queued messages still
    /// wait for the open after the last handle is gone. Cleared on the `close` event.
    linger: RefCell<Option<Rc<Shared>>>,
}

impl Shared {
    pub(crate) fn open(
        url: &str,
        protocols: &[String],
        binary_type: BinaryType,
    ) -> Result<Rc<Shared>, Error> {
        let ws_url = validate_url(url)?;
        validate_protocols(protocols)?;
        let ws = if protocols.is_empty() {
            WebSocket::new(&ws_url)
        } else {
            let list: Array = protocols.iter().map(|p| JsValue::from_str(p)).collect();
            WebSocket::new_with_str_sequence(&ws_url, &list)
        }
        .map_err(|thrown| Error::InvalidUrl {
            url: url.to_owned(),
            problem: UrlProblem::Browser(js_error_message(&thrown)),
        })?;
        ws.set_binary_type(match binary_type {
            BinaryType::ArrayBuffer => web_sys::BinaryType::Arraybuffer,
            BinaryType::Blob => web_sys::BinaryType::Blob,
        });
        let shared = Rc::new(Shared {
            conn: RefCell::new(Connection::new(ws.url())),
            ws,
            handlers: Handlers::default(),
            listeners: RefCell::new(Vec::new()),
            linger: RefCell::new(None),
        });
        shared.listen(&shared, WebSocket::set_onopen, Shared::opened);
        shared.listen(&shared, WebSocket::set_onmessage, Shared::received);
        shared.listen(&shared, WebSocket::set_onclose, Shared::closed);
        // The browser's `error` event carries nothing; the `close` that always follows it
        // says what happened, so the engine reports one joined error from there.
        Ok(shared)
    }

    /// Installs a browser listener that forwards its event to `handle` while `self` lives.
    fn listen<E: JsCast + 'static>(
        &self,
        this: &Rc<Shared>,
        install: fn(&WebSocket, Option<&Function>),
        handle: fn(&Shared, E),
    ) {
        let weak: Weak<Shared> = Rc::downgrade(this);
        let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if let Some(shared) = weak.upgrade() {
                handle(&shared, event.unchecked_into());
            }
        });
        install(&self.ws, Some(listener.as_ref().unchecked_ref()));
        self.listeners.borrow_mut().push(listener);
    }

    fn opened(&self, event: Event) {
        let action = self.conn.borrow_mut().opened();
        // Queued messages go first, so anything the open handler sends comes after them.
        for (data, _) in action.flush {
            if let Err(err) = self.transmit(&data) {
                self.report(err);
            }
        }
        if let Some(request) = action.then_close {
            self.close_browser(&request);
        }
        self.handlers.js_open.call(&JsValue::UNDEFINED, &event);
        self.handlers.open.call(|open| open());
    }

    fn received(&self, event: MessageEvent) {
        self.handlers.js_message.call(&JsValue::UNDEFINED, &event);
        if self.handlers.message.is_set() {
            let message = Message::from_event_data(event.data());
            self.handlers.message.call(|on_message| on_message(message));
        }
    }

    fn closed(&self, event: CloseEvent) {
        let error = self
            .conn
            .borrow_mut()
            .closed(event.code(), event.was_clean());
        if let Some(error) = error {
            self.report(error);
        }
        self.handlers.js_close.call(&JsValue::UNDEFINED, &event);
        let info = CloseInfo {
            code: event.code(),
            reason: event.reason(),
            was_clean: event.was_clean(),
        };
        self.handlers.close.call(|on_close| on_close(info));
        // Closed for good: nothing else will fire, so a lingering socket may go now.
        let lingering = self.linger.borrow_mut().take();
        drop(lingering);
    }

    /// Hands an error to the error handlers, or to the console when there are none, so that
    /// no failure passes unseen.
    fn report(&self, error: Error) {
        let js_handled = self.handlers.js_error.get().is_some();
        if js_handled {
            self.handlers
                .js_error
                .call(&JsValue::UNDEFINED, &error_event(&error));
        }
        if self.handlers.error.is_set() {
            self.handlers.error.call(|on_error| on_error(error));
        } else if !js_handled {
            web_sys::console::warn_1(&to_js_error(&error));
        }
    }

    /// Sends or queues `data` of kind `kind`, after the browser's own state is taken in
    /// (the server may have started closing without an event yet).
    pub(crate) fn send(&self, data: JsValue, kind: SendData) -> Result<(), Error> {
        let action = {
            let mut conn = self.conn.borrow_mut();
            if self.ws.ready_state() >= WebSocket::CLOSING {
                conn.remote_closing();
            }
            conn.send((data, kind), |(data, kind)| kind.wire_bytes(data))?
        };
        match action {
            SendAction::Transmit((data, _)) => self.transmit(&data),
            SendAction::Queued => Ok(()),
        }
    }

    fn transmit(&self, data: &JsValue) -> Result<(), Error> {
        self.ws
            .unchecked_ref::<AnySend>()
            .send_any(data)
            .map_err(|_| Error::Closed { url: self.ws.url() })
    }

    pub(crate) fn close(&self, code: Option<u32>, reason: Option<&str>) -> Result<(), Error> {
        let action = self.conn.borrow_mut().close(code, reason)?;
        if let CloseAction::CloseNow(request) = action {
            self.close_browser(&request);
        }
        Ok(())
    }

    fn close_browser(&self, request: &CloseRequest) {
        // The engine validated code and reason, so the browser has no reason to throw.
        let _ = self
            .ws
            .close_with_code_and_reason(request.code, &request.reason);
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        let mut conn = self.conn.borrow_mut();
        if self.ws.ready_state() >= WebSocket::CLOSING {
            conn.remote_closing();
        }
        conn.ready_state()
    }

    pub(crate) fn ws(&self) -> &WebSocket {
        &self.ws
    }

    pub(crate) fn queued_bytes(&self) -> usize {
        self.conn.borrow().queued_bytes()
    }

    /// Keeps the socket alive until it has closed, whatever happens to its handles.
    pub(crate) fn keep_alive_until_closed(self: &Rc<Self>) {
        *self.linger.borrow_mut() = Some(Rc::clone(self));
    }

    /// The last handle is gone: close with 1000, or linger until queued messages are sent.
    fn release(self: &Rc<Self>) {
        if self.conn.borrow().ready_state() == ReadyState::Closed {
            return;
        }
        match self.conn.borrow_mut().close(None, None) {
            Ok(CloseAction::AfterFlush) => self.keep_alive_until_closed(),
            Ok(CloseAction::CloseNow(request)) => self.close_browser(&request),
            Ok(CloseAction::Nothing) | Err(_) => {}
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The listeners are about to be freed: the browser must not call them any more.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
    }
}

/// A dependable browser WebSocket: `send` works before the socket is open, errors are typed.
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, Message};
/// # fn main() -> Result<(), duplex_ws::Error> {
/// let socket = DuplexSocket::new("ws://localhost:9900")?;
/// socket.on_message(|message| {
///     if let Message::Text(text) = message {
///         web_sys::console::log_1(&format!("received: {text}").into());
///     }
/// });
/// socket.send_text("I am listening")?; // queued now, sent as soon as the socket opens
/// # Ok(()) }
/// ```
///
/// Dropping the socket closes it with 1000; messages still queued for the open are sent
/// first.
pub struct DuplexSocket {
    shared: Rc<Shared>,
}

impl DuplexSocket {
    /// Opens a socket to `url` (`ws:`, `wss:`, `http:` or `https:`, no fragment).
    ///
    /// Fails with [`Error::InvalidUrl`] naming the URL and the rule it broke.
    pub fn new(url: &str) -> Result<DuplexSocket, Error> {
        Self::with_options(url, &[], BinaryType::ArrayBuffer)
    }

    /// Opens a socket asking for the given subprotocols, in order of preference.
    pub fn with_protocols(url: &str, protocols: &[&str]) -> Result<DuplexSocket, Error> {
        let protocols: Vec<String> = protocols.iter().map(|p| (*p).to_owned()).collect();
        Self::with_options(url, &protocols, BinaryType::ArrayBuffer)
    }

    fn with_options(
        url: &str,
        protocols: &[String],
        binary_type: BinaryType,
    ) -> Result<DuplexSocket, Error> {
        Ok(DuplexSocket {
            shared: Shared::open(url, protocols, binary_type)?,
        })
    }

    /// Sends a text message: queued while connecting, sent at once when open.
    ///
    /// Fails with [`Error::Closed`] once the socket is closing or closed.
    pub fn send_text(&self, text: &str) -> Result<(), Error> {
        self.shared.send(JsValue::from_str(text), SendData::Text)
    }

    /// Sends a binary message: queued while connecting, sent at once when open.
    pub fn send_binary(&self, bytes: &[u8]) -> Result<(), Error> {
        self.shared
            .send(Uint8Array::from(bytes).into(), SendData::View)
    }

    /// Sends a [`Message`] of either kind.
    pub fn send(&self, message: Message) -> Result<(), Error> {
        match message {
            Message::Text(text) => self.send_text(&text),
            Message::Binary(bytes) => self.send_binary(&bytes),
        }
    }

    /// Closes with 1000 (normal closure). Messages queued before the open are sent first.
    pub fn close(&self) -> Result<(), Error> {
        self.shared.close(None, None)
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason` (at most 123 UTF-8 bytes).
    pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
        self.shared.close(Some(code.into()), Some(reason))
    }

    /// The state: connecting (sends are queued), open, closing or closed.
    pub fn ready_state(&self) -> ReadyState {
        self.shared.ready_state()
    }

    /// The URL as the browser resolved it.
    pub fn url(&self) -> String {
        self.shared.ws.url()
    }

    /// The subprotocol the server chose (empty if none).
    pub fn protocol(&self) -> String {
        self.shared.ws.protocol()
    }

    /// The browser's count of bytes handed to it but not yet sent.
    pub fn buffered_amount(&self) -> u32 {
        self.shared.ws.buffered_amount()
    }

    /// Bytes waiting in duplex-ws's own queue for the socket to open.
    pub fn queued_amount(&self) -> usize {
        self.shared.queued_bytes()
    }

    /// Calls `callback` each time the socket opens.
    pub fn on_open(&self, callback: impl FnMut() + 'static) {
        self.shared.handlers.open.set(Box::new(callback));
    }

    /// Calls `callback` with each message received.
    pub fn on_message(&self, callback: impl FnMut(Message) + 'static) {
        self.shared.handlers.message.set(Box::new(callback));
    }

    /// Calls `callback` when the socket has closed.
    pub fn on_close(&self, callback: impl FnMut(CloseInfo) + 'static) {
        self.shared.handlers.close.set(Box::new(callback));
    }

    /// Calls `callback` with each error: a failed handshake, a lost connection, a queued
    /// message that could not be sent. Without it (and without a JS `onerror`), errors go to
    /// the console.
    pub fn on_error(&self, callback: impl FnMut(Error) + 'static) {
        self.shared.handlers.error.set(Box::new(callback));
    }
}

impl Drop for DuplexSocket {
    fn drop(&mut self) {
        self.shared.release();
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

/// The JS `Error` for an [`Error`]: its message, and its stable code as `.code`.
pub(crate) fn to_js_error(error: &Error) -> JsValue {
    let js_error = js_sys::Error::new(&error.to_string());
    let _ = js_sys::Reflect::set(&js_error, &"code".into(), &error.code().into());
    js_error.into()
}

/// An `ErrorEvent` whose `.error` is the JS `Error` for `error`.
fn error_event(error: &Error) -> JsValue {
    let init = web_sys::ErrorEventInit::new();
    init.set_message(&error.to_string());
    init.set_error(&to_js_error(error));
    web_sys::ErrorEvent::new_with_event_init_dict("error", &init)
        .map(JsValue::from)
        .unwrap_or_else(|_| to_js_error(error))
}
