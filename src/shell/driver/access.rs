//! What the faces ask of the [`Driver`]: sending and closing (fed to the engine like every
//! other input), and reading the state of the engine and of the current browser socket.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::WebSocket;

use crate::engine::commands::{CloseInfo, Input, ReadyState};
use crate::engine::connection::Readiness;
use crate::engine::session::SessionInfo;
use crate::error::Error;
use crate::shell::driver::Driver;
use crate::shell::face::{Face, Outbound};
use crate::shell::timers::Slot;
use crate::shell::waiters::Want;

/// How often a waiting `sendAsync` / Sink looks at `bufferedAmount` again.
const DRAIN_POLL_MS: f64 = 10.0;

impl<F: Face> Driver<F> {
    /// Sends or queues `data` of kind `kind`. The browser has no event for a server's close
    /// frame, so its socket's state is reported first: a send then waits for the reconnect
    /// or is refused, never dropped.
    pub(crate) fn send(self: &Rc<Self>, message: Outbound) -> Result<(), Error> {
        if self.socket_closing() {
            self.feed(Input::SocketClosing)?;
        }
        self.feed(Input::Send(message))
    }

    fn socket_closing(&self) -> bool {
        self.current(|ws| ws.ready_state() >= WebSocket::CLOSING, false)
    }

    pub(crate) fn ready_state(&self) -> ReadyState {
        self.engine.borrow().ready_state_seen(self.socket_closing())
    }

    pub(crate) fn url(&self) -> String {
        self.url.borrow().clone()
    }

    pub(crate) fn closed_error(&self) -> Error {
        Error::Closed {
            url: self.url(),
            close: self.engine.borrow().final_close().cloned(),
        }
    }

    /// A property of the current browser socket, or `default` between sockets.
    pub(crate) fn current<T>(&self, read: impl FnOnce(&WebSocket) -> T, default: T) -> T {
        self.socket.borrow().as_ref().map_or(default, read)
    }

    /// The browser socket's `bufferedAmount`, read now.
    pub(crate) fn buffered_amount(&self) -> u32 {
        let buffered = self.current(WebSocket::buffered_amount, 0);
        self.buffered.read(buffered as usize);
        buffered
    }

    /// Whether the browser buffers more than `mark` bytes. Asks the browser only when what
    /// it was handed since the last reading could have taken it over: the Sink asks before
    /// every message, and most of the time the answer is known without a call into JS.
    pub(crate) fn buffers_over(&self, mark: usize) -> bool {
        self.buffered.ceiling() > mark && self.buffered_amount() as usize > mark
    }

    pub(crate) fn queued_bytes(&self) -> usize {
        self.engine.borrow().queued_bytes()
    }

    /// Whether a message sent now would only wait for the browser's own buffer.
    pub(crate) fn readiness(&self) -> Readiness {
        self.engine.borrow().readiness()
    }

    /// How the first open turned out, if it has (see [`Connection::first_open`]).
    pub(crate) fn first_open(&self) -> Option<Result<(), Error>> {
        self.engine.borrow().first_open()
    }

    pub(crate) fn final_close(&self) -> Option<CloseInfo> {
        self.engine.borrow().final_close().cloned()
    }

    /// What a send just accepted waits for before `sendAsync` / `send_async` resolves: the
    /// server's ack with sessions on, else the browser's buffer under the high-water mark.
    pub(crate) fn send_want(&self) -> Want {
        let engine = self.engine.borrow();
        if engine.session_offered() {
            Want::Done(engine.sends_accepted().saturating_sub(1))
        } else {
            Want::Buffered(self.high_water_mark)
        }
    }

    /// Whether `want` is met now (`Err` once closing or closed), `None` while it waits.
    pub(crate) fn want_met(&self, want: Want) -> Option<Result<(), Error>> {
        let readiness = self.readiness();
        let done = self.engine.borrow().sends_done();
        let buffered = self.buffered_amount() as usize;
        want.met(&readiness, buffered, done)
            .map(|r| r.map_err(Error::clone))
    }

    /// With sessions on: bytes sent and not yet acknowledged.
    pub(crate) fn unacked_bytes(&self) -> usize {
        self.engine.borrow().unacked_bytes()
    }

    /// With sessions on: the session the server granted, if it did.
    pub(crate) fn session(&self) -> Option<SessionInfo> {
        self.engine.borrow().session().cloned()
    }

    /// Settles what the drain waiters wait for; polls again later while any still wait.
    pub(crate) fn poll_drain(self: &Rc<Self>) {
        let readiness = self.engine.borrow().readiness();
        let buffered = self.buffered_amount() as usize;
        let done = self.engine.borrow().sends_done();
        let waiting = self.face.settle_drain(&readiness, buffered, done);
        if waiting && !self.timers.is_running(Slot::DrainPoll) {
            let weak = Rc::downgrade(self);
            self.timers
                .start(Slot::DrainPoll, DRAIN_POLL_MS, weak, Self::timer_fired);
        }
    }

    /// The user's `reconnect()`: connect again now; a socket closed for good starts a new
    /// life, with its listeners hung again.
    pub(crate) fn reconnect(self: &Rc<Self>) -> Result<(), Error> {
        if self.engine.borrow().ready_state() == ReadyState::Closed {
            self.attach();
            if F::LINGERS {
                *self.linger.borrow_mut() = Some(Rc::clone(self));
            }
        }
        self.feed(Input::Reconnect)
    }

    /// Whether received `data` is the heartbeat's reply (`heartbeat.reply`), which is not
    /// dispatched. Only a string of the reply's length is read and compared.
    pub(crate) fn is_heartbeat_reply(&self, data: &JsValue) -> bool {
        let Some(len) = self.reply_len else {
            return false;
        };
        let same_length = data
            .dyn_ref::<js_sys::JsString>()
            .is_some_and(|text| text.length() as usize == len);
        same_length
            && data
                .as_string()
                .is_some_and(|text| self.engine.borrow().is_heartbeat_reply(&text))
    }

    /// Keeps the socket alive until it has closed for good, whatever happens to its handles.
    pub(crate) fn keep_alive_until_closed(self: &Rc<Self>) {
        if self.engine.borrow().ready_state() != ReadyState::Closed {
            *self.linger.borrow_mut() = Some(Rc::clone(self));
        }
    }

    /// The last Rust handle is gone: close with 1000 (after flushing what is queued for the
    /// first open), and stay alive until the close completes.
    pub(crate) fn release(self: &Rc<Self>) {
        self.keep_alive_until_closed();
        // close() without code or reason cannot be invalid.
        let _ = self.feed(Input::Close {
            code: None,
            reason: None,
        });
    }
}
