//! The connection state machine: every decision about one logical connection, across its
//! browser sockets, in the sans-IO shape of quinn-proto.
//!
//! Everything that happens goes in through one entry, [`Connection::handle`], with the time;
//! what to do comes out, in order, from [`Connection::poll`]; when to wake the engine next
//! comes from [`Connection::poll_timeout`]. It holds no browser object and no clock. The
//! phase rules are total: every input is defined in every phase, and once the connection is
//! closed for good no input opens, connects or transmits again.

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::engine::backoff::Backoff;
use crate::engine::close::CloseRequest;
use crate::engine::commands::{AttemptContext, CloseInfo, Command, Input, ReadyState, Timer};
use crate::engine::deadlines::Deadlines;
use crate::engine::options::{HeartbeatPolicy, Options};
use crate::engine::queue::{Payload, SendQueue};
use crate::engine::session::{SessionInfo, SessionState};
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    /// The server began closing an open connection; its close event is still to come.
    RemoteClosing,
    Reconnecting,
    /// The user called close; the browser socket's close event is still to come.
    Closing,
    /// A connection ended and the app's `shouldReconnect` is being asked.
    Consulting,
    Closed,
}

/// Whether a message handed to [`Input::Send`] now would be flushed by the browser: what
/// `sendAsync` and the Sink wait for.
#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    /// Open with nothing queued: what the browser buffers is all that is left.
    Open,
    /// Connecting or reconnecting: messages wait in the queue.
    NotOpen,
    /// Closing or closed: nothing more will be sent.
    Closed(Error),
}

/// The state of one logical connection, across its browser sockets, with its send queue.
///
/// ```
/// use duplex_ws::{Command, Connection, Input, Options, ReadyState};
/// let mut conn = Connection::new("ws://localhost:9900", Options::default(), 1, 0.0);
/// // Where does the first attempt go? The shell answers (the fixed URL, or a provider's).
/// let Some(Command::Connect { id, .. }) = conn.poll() else { unreachable!() };
/// let url = "ws://localhost:9900/".to_owned();
/// conn.handle(Input::Target { id, url: url.clone(), protocols: vec![] }, 0.0).unwrap();
/// assert_eq!(conn.poll(), Some(Command::OpenSocket { url, protocols: vec![] }));
/// conn.handle(Input::Send("I am listening"), 0.0).unwrap(); // queued until open
/// assert_eq!(conn.poll(), None);
/// conn.handle(Input::SocketOpened, 5.0).unwrap();
/// assert_eq!(conn.poll(), Some(Command::Transmit("I am listening")));
/// assert_eq!(conn.ready_state(), ReadyState::Open);
/// ```
#[derive(Debug)]
pub struct Connection<M> {
    url: String,
    phase: Phase,
    queue: SendQueue<M>,
    connect_timeout_ms: Option<u32>,
    heartbeat: Option<HeartbeatPolicy>,
    backoff: Option<Backoff>,
    failed_attempts: u32,
    has_opened: bool,
    /// How many attempts were started (also the id of the latest): a refusal of the very
    /// first socket is the constructor's error (bad input), not a connection failure.
    connects: u32,
    /// The attempt whose target (URL, protocols) is awaited: no browser socket yet.
    resolving: Option<u32>,
    close_after_flush: Option<CloseRequest>,
    last_received_ms: f64,
    /// When the first heartbeat still unanswered went out: the server's fair chance to
    /// answer runs from there, so a heartbeat our own late timer never sent is not the
    /// server's silence.
    first_unanswered_ms: Option<f64>,
    /// When the current connection opened.
    opened_at_ms: Option<f64>,
    /// How the last connection ended, and why: what the next attempt is told.
    last_close: Option<CloseInfo>,
    last_error: Option<Error>,
    /// The end being decided on by the app's `shouldReconnect` (phase Consulting).
    pending_end: Option<(Option<Error>, CloseInfo)>,
    lifecycle: bool,
    /// The browser said it is offline: no attempts until it is online or the page wakes.
    offline: bool,
    /// The page was hidden into the back/forward cache: no attempts until it is shown.
    frozen: bool,
    /// The user asked to reconnect while closing: reopen once the close completes.
    reopen_after_close: bool,
    /// How many times the socket was reopened after closing for good.
    lives: u32,
    deadlines: Deadlines,
    out: VecDeque<Command<M>>,
    /// The error that ended the socket for good, if one did.
    final_error: Option<Error>,
    final_close: Option<CloseInfo>,
    /// With sessions on: the session's state (see [`crate::engine::session`]).
    session: Option<SessionState>,
}

impl<M: Payload> Connection<M> {
    /// A connection to `url` (already validated) with validated `options`, started at
    /// `now_ms`; `seed` feeds the backoff jitter. Its first command is [`Command::Connect`].
    pub fn new(url: impl Into<String>, options: Options, seed: u64, now_ms: f64) -> Self {
        let lifecycle = options.lifecycle_on();
        let mut connection = Self {
            url: url.into(),
            phase: Phase::Connecting,
            queue: SendQueue::new(options.queue),
            connect_timeout_ms: options.connect_timeout_ms,
            heartbeat: options.heartbeat,
            backoff: options.reconnect.map(|policy| Backoff::new(policy, seed)),
            failed_attempts: 0,
            has_opened: false,
            connects: 0,
            resolving: None,
            close_after_flush: None,
            last_received_ms: 0.0,
            first_unanswered_ms: None,
            opened_at_ms: None,
            last_close: None,
            last_error: None,
            pending_end: None,
            lifecycle,
            offline: false,
            frozen: false,
            reopen_after_close: false,
            lives: 0,
            deadlines: Deadlines::default(),
            out: VecDeque::new(),
            final_error: None,
            final_close: None,
            session: options.session.map(SessionState::new),
        };
        connection.connect(now_ms);
        connection
    }

    /// Takes `input`, which happened at `now_ms`. Only the user's inputs can be refused:
    /// a send with `CLOSED` or `QUEUE_FULL`, a close with an invalid code or reason (the
    /// state is then unchanged), and the refusal of the very first socket, before anything
    /// was sent, with the browser's reason as `INVALID_URL` (the socket is then closed, and
    /// no event says so: the caller, a constructor, reports it).
    pub fn handle(&mut self, input: Input<M>, now_ms: f64) -> Result<(), Error> {
        match input {
            Input::Send(message) => return self.send(message),
            Input::Close { code, reason } => return self.close(code, reason.as_deref(), now_ms),
            Input::SocketOpened => self.opened(now_ms),
            Input::MessageReceived => self.heard(now_ms),
            Input::Protocol(protocol) => self.protocol_selected(&protocol),
            Input::DataReceived => {
                self.heard(now_ms);
                self.data_received(now_ms);
            }
            Input::ControlReceived(text) => {
                self.heard(now_ms);
                self.control_received(&text, now_ms);
            }
            Input::SocketClosing if self.phase == Phase::Open => {
                self.phase = Phase::RemoteClosing;
            }
            Input::SocketClosing => {}
            Input::SocketClosed(info) => self.closed(info, now_ms),
            Input::SocketRefused(reason) => return self.refused(reason, now_ms),
            Input::Timeout => {
                while let Some((timer, due_ms)) = self.deadlines.take_due(now_ms) {
                    self.timer_fired(timer, due_ms, now_ms);
                }
            }
            Input::Target { id, url, protocols } => self.target(id, Ok((url, protocols)), now_ms),
            Input::TargetFailed { id, error } => self.target(id, Err(error), now_ms),
            Input::ReconnectVerdict(yes) => self.verdict(yes, now_ms),
            Input::Reconnect => self.reconnect(now_ms),
            Input::Offline => self.offline(),
            Input::Online => {
                self.offline = false;
                self.wake(now_ms);
            }
            Input::Wake => self.wake(now_ms),
            Input::PageHidden => self.hide(),
        }
        Ok(())
    }

    /// The next thing to do, in order; `None` when there is nothing left.
    pub fn poll(&mut self) -> Option<Command<M>> {
        self.out.pop_front()
    }

    /// The one command left, if exactly one is left (not taken out): lets a driver take a
    /// fast path for the commonest answer (a send while open is a single `Transmit`).
    pub fn peek_only(&self) -> Option<&Command<M>> {
        match self.out.len() {
            1 => self.out.front(),
            _ => None,
        }
    }

    /// When to feed [`Input::Timeout`] next (on the clock of the `now_ms` given), if ever.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.deadlines.next()
    }

    /// Anything from the server is a sign of life.
    fn heard(&mut self, now_ms: f64) {
        self.last_received_ms = now_ms;
        self.first_unanswered_ms = None;
    }

    /// When `timer` is due, if it is set (for tests and diagnostics).
    pub fn timer_deadline(&self, timer: Timer) -> Option<f64> {
        self.deadlines.get(timer)
    }
}

impl<M> Connection<M> {
    /// The URL this connection was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The current state.
    pub fn ready_state(&self) -> ReadyState {
        match self.phase {
            Phase::Connecting | Phase::Reconnecting | Phase::Consulting => ReadyState::Connecting,
            Phase::Open => ReadyState::Open,
            Phase::RemoteClosing if self.backoff.is_some() => ReadyState::Connecting,
            Phase::RemoteClosing | Phase::Closing => ReadyState::Closing,
            Phase::Closed => ReadyState::Closed,
        }
    }

    /// The state as a caller sees it when the browser socket says whether it is closing:
    /// the browser has no event for a server's close frame, so an open connection whose
    /// socket is closing reads as [`Input::SocketClosing`] would make it (without changing
    /// anything; the next send feeds that input).
    pub fn ready_state_seen(&self, socket_closing: bool) -> ReadyState {
        match (self.phase, socket_closing) {
            (Phase::Open, true) if self.backoff.is_some() => ReadyState::Connecting,
            (Phase::Open, true) => ReadyState::Closing,
            _ => self.ready_state(),
        }
    }

    /// Bytes waiting in the send queue (not yet handed to a socket).
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
    }

    /// In a session: bytes sent but not yet acknowledged by the server (`unackedAmount`).
    pub fn unacked_bytes(&self) -> usize {
        self.queue.in_flight_bytes()
    }

    /// The session the server granted, if sessions are on and it did (`socket.session`).
    pub fn session(&self) -> Option<&SessionInfo> {
        self.session.as_ref().and_then(|s| s.grant.as_ref())
    }

    /// Whether sessions are on (every send then goes through the queue and is counted).
    pub fn session_offered(&self) -> bool {
        self.session.is_some()
    }

    /// Whether the current connection speaks `duplex.v1`: received text starting with
    /// U+0000 is a control frame or escaped.
    pub fn session_framing(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.framing())
    }

    /// With sessions on: how many sends were accepted; send number `n` (from 0) is done
    /// (acknowledged, or handed over when the server spoke plain) once
    /// [`Connection::sends_done`] is above `n`.
    pub fn sends_accepted(&self) -> u64 {
        self.queue.pushed()
    }

    /// With sessions on: how many accepted sends are done (see [`Connection::sends_accepted`]).
    pub fn sends_done(&self) -> u64 {
        self.queue.removed()
    }

    /// How the socket closed for good, once it has.
    pub fn final_close(&self) -> Option<&CloseInfo> {
        self.final_close.as_ref()
    }

    /// The error that ended the socket for good, if one did.
    pub fn final_error(&self) -> Option<&Error> {
        self.final_error.as_ref()
    }

    /// How many times the socket was reopened after closing for good (`reconnect()` on a
    /// closed socket): a face's `closed` promise belongs to one life.
    pub fn lives(&self) -> u32 {
        self.lives
    }

    /// Whether lifecycle events steer this socket.
    pub fn lifecycle(&self) -> bool {
        self.lifecycle
    }

    /// How the first open turned out: `None` while it is still to come, `Ok` once a
    /// connection opened, the error that ended the socket if it closed for good first.
    pub fn first_open(&self) -> Option<Result<(), Error>> {
        if self.has_opened {
            Some(Ok(()))
        } else if self.final_close.is_some() {
            Some(Err(self
                .final_error
                .clone()
                .unwrap_or_else(|| self.closed_error())))
        } else {
            None
        }
    }

    /// Whether a message sent now would only wait for the browser's own buffer.
    pub fn readiness(&self) -> Readiness {
        match self.ready_state() {
            ReadyState::Open if self.queue.waiting() == 0 => Readiness::Open,
            ReadyState::Closed | ReadyState::Closing => Readiness::Closed(self.closed_error()),
            _ => Readiness::NotOpen,
        }
    }

    /// What the next attempt (or `shouldReconnect`) is told.
    fn attempt_context(&self, attempt: u32) -> AttemptContext {
        AttemptContext {
            attempt,
            last_close: self.last_close.clone(),
            last_error: self.last_error.clone(),
        }
    }

    fn closed_error(&self) -> Error {
        Error::Closed {
            url: self.url.clone(),
            close: self.final_close.clone(),
        }
    }
}

mod heartbeat;
mod reconnects;
mod sessions;
mod transitions;

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_harness.rs"]
mod harness;
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_platform_tests.rs"]
mod platform_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_props.rs"]
mod props;
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_session_props.rs"]
mod session_props;
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_session_tests.rs"]
mod session_tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_tests.rs"]
mod tests;
