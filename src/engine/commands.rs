//! The vocabulary between the engine and the shell: the [`Input`]s the
//! [`Connection`](crate::engine::connection::Connection) takes, the [`Command`]s and
//! [`Event`]s it answers with, its states and its timers.

use crate::engine::close::CloseRequest;
use crate::error::Error;
use crate::prelude::*;

/// The socket's state, numbered as the browser's `WebSocket.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum ReadyState {
    /// Connecting, or waiting to reconnect: sends are queued.
    Connecting = 0,
    /// Open: sends go straight to the browser.
    Open = 1,
    /// Closing: `close()` was called (or the server began closing and no reconnect will
    /// follow); sends are refused.
    Closing = 2,
    /// Closed for good: sends are refused with [`Error::Closed`].
    Closed = 3,
}

/// How a connection (or the whole socket) closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// The close code (1005 when the peer sent none, 1006 when the connection was lost).
    pub code: u16,
    /// The close reason (may be empty).
    pub reason: String,
    /// Whether the close handshake completed.
    pub was_clean: bool,
}

impl CloseInfo {
    /// What the browser reports for a connection that ended without a close frame.
    pub fn abnormal() -> Self {
        Self {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        }
    }

    /// Whether the peer's close frame arrived. The browser reports 1006 (and 1015, for a
    /// failed TLS handshake) exactly when none did. `was_clean` says more than that: whether
    /// the TCP connection then closed in order too, which it does not when a server sends its
    /// close frame and drops the connection at once (as for a message over its size limit):
    /// such a close still carries the server's code and reason.
    pub fn has_close_frame(&self) -> bool {
        !matches!(self.code, 1006 | 1015)
    }
}

/// The engine's timers. Each is a deadline the engine keeps itself; the shell runs one
/// browser timer for the earliest ([`Connection::poll_timeout`]) and feeds
/// [`Input::Timeout`] when it fires.
///
/// [`Connection::poll_timeout`]: crate::engine::connection::Connection::poll_timeout
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// `connect_timeout_ms` for the attempt under way.
    Connect,
    /// The backoff delay before the next attempt.
    Reconnect,
    /// Time to send the next heartbeat.
    HeartbeatSend,
    /// Time to check for silence.
    HeartbeatCheck,
    /// While waiting to reconnect with lifecycle on: a tick whose lateness reveals a wake
    /// from sleep (timers do not run while the machine sleeps; the clock does).
    Watchdog,
    /// In a session: time to acknowledge what arrived (at the latest `session.ack_delay_ms`
    /// after the first message not yet acknowledged).
    Ack,
}

impl Timer {
    /// Every timer, in the order they fire when due at the same time.
    pub const ALL: [Timer; 6] = [
        Timer::Connect,
        Timer::Reconnect,
        Timer::HeartbeatSend,
        Timer::HeartbeatCheck,
        Timer::Watchdog,
        Timer::Ack,
    ];
}

/// Everything that can happen to a connection: the one way into the engine
/// ([`Connection::handle`](crate::engine::connection::Connection::handle)).
#[derive(Debug, PartialEq)]
pub enum Input<M> {
    /// The user sends a message (refused with `CLOSED` or `QUEUE_FULL` by `handle`).
    Send(M),
    /// The user closes, with an optional code and reason (checked by `handle`).
    Close {
        /// The close code, if the user gave one.
        code: Option<u32>,
        /// The close reason, if the user gave one.
        reason: Option<String>,
    },
    /// The current browser socket opened.
    SocketOpened,
    /// A message arrived on the current browser socket (plain mode; in a session the shell
    /// feeds [`Input::DataReceived`] or [`Input::ControlReceived`] instead).
    MessageReceived,
    /// The subprotocol the browser socket opened with (`socket.protocol`), fed just before
    /// [`Input::SocketOpened`]: `duplex.v1` starts a session's framing.
    Protocol(String),
    /// In a session: an application message arrived (counted, and acknowledged in batches).
    DataReceived,
    /// In a session: a control frame arrived (a text message starting with U+0000 and not
    /// escaped application text, see [`crate::engine::frames::is_control`]).
    ControlReceived(String),
    /// The current browser socket began closing (the server sent a close frame); the
    /// browser has no event for this, so the shell reports it when it sees it.
    SocketClosing,
    /// The current browser socket closed.
    SocketClosed(CloseInfo),
    /// The browser refused to make a socket (`new WebSocket` threw), with its message.
    SocketRefused(String),
    /// The earliest deadline ([`poll_timeout`]) has come: every timer due fires.
    ///
    /// [`poll_timeout`]: crate::engine::connection::Connection::poll_timeout
    Timeout,
    /// Where attempt `id` ([`Command::Connect`]) goes: the URL and protocols, as the app's
    /// providers (or the fixed options) gave them.
    Target {
        /// The attempt's id.
        id: u32,
        /// The URL (checked here: a bad one fails the attempt with `INVALID_URL`).
        url: String,
        /// The subprotocols (checked here likewise, `INVALID_OPTION`).
        protocols: Vec<String>,
    },
    /// A provider of attempt `id` threw or rejected: the attempt fails with this error.
    TargetFailed {
        /// The attempt's id.
        id: u32,
        /// What went wrong, naming the provider.
        error: Error,
    },
    /// The app's answer to [`Command::ConsultReconnect`].
    ReconnectVerdict(bool),
    /// The user asks to connect again now: skips a backoff wait, replaces an open
    /// connection, reopens a socket closed for good (after its close completes).
    Reconnect,
    /// The browser went offline: attempts pause, uncounted.
    Offline,
    /// The browser is online again: attempt at once; probe an open connection.
    Online,
    /// The page woke (made visible, shown from the back/forward cache, or timer drift
    /// revealed a sleep): attempt at once; probe an open connection.
    Wake,
    /// The page is going into the back/forward cache (`pagehide`, persisted): the connection
    /// closes, so the page stays eligible, and the queue waits for [`Input::Wake`].
    PageHidden,
}

impl<M> Input<M> {
    /// Whether [`Connection::handle`](crate::engine::connection::Connection::handle) reads
    /// the time for this input. A send does not (it transmits or queues, and arms no timer),
    /// so a shell may spare itself the clock on its hot path and pass `f64::NAN`.
    pub fn reads_clock(&self) -> bool {
        !matches!(self, Input::Send(_))
    }
}

/// What a connection attempt is told about the one before it: what the app's providers and
/// `shouldReconnect` get.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptContext {
    /// 0 for the first connection; then 1, 2, ... for the attempts after a loss.
    pub attempt: u32,
    /// How the last connection ended, if one did.
    pub last_close: Option<CloseInfo>,
    /// The error that ended it, if any.
    pub last_error: Option<Error>,
}

/// What the socket tells its user.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A connection opened (the first, or one after a reconnect).
    Open,
    /// A connection ended and another attempt follows after `delay_ms`.
    Reconnecting {
        /// 1 for the first attempt after a loss, counting up until a connection stays open
        /// `min_uptime_ms`.
        attempt: u32,
        /// The delay before it, in milliseconds.
        delay_ms: u32,
        /// How the last connection ended.
        last_close: CloseInfo,
        /// The error that ended it, if any.
        error: Option<Error>,
    },
    /// A session's connection was answered by the server after a reconnect: whether it
    /// resumed the session, and what went again each way.
    Resumed {
        /// Whether the server still knew the session: `false` means messages it had not
        /// delivered may be gone (see `error`), and the app should refetch its state.
        recovered: bool,
        /// Messages sent again that the server had not received.
        resent: u64,
        /// Messages the server replays that this side had not received.
        replayed: u64,
        /// `SESSION_LOST` when not recovered.
        error: Option<Error>,
    },
    /// Something went wrong; see the error's code.
    Error(Error),
    /// Closed for good: nothing more will happen.
    Closed(CloseInfo),
}

/// What the shell must do, drained in order with
/// [`Connection::poll`](crate::engine::connection::Connection::poll).
#[derive(Debug, PartialEq)]
pub enum Command<M> {
    /// Find out where attempt `id` goes: call the app's providers with the context (or take
    /// the fixed URL and protocols) and feed [`Input::Target`] or [`Input::TargetFailed`].
    Connect {
        /// The attempt's id, to give back with its target.
        id: u32,
        /// What the providers are told.
        context: AttemptContext,
    },
    /// Open a new browser socket to `url` with `protocols` (the previous one is done).
    OpenSocket {
        /// The URL, checked.
        url: String,
        /// The subprotocols, checked.
        protocols: Vec<String>,
    },
    /// Ask the app whether to reconnect (its `shouldReconnect`) and feed
    /// [`Input::ReconnectVerdict`].
    ConsultReconnect(AttemptContext),
    /// Hand a message to the browser socket.
    Transmit(M),
    /// In a session: hand a text message that starts with U+0000 to the browser socket with
    /// one more U+0000 in front (the protocol's escape).
    TransmitEscaped(M),
    /// In a session: send this control frame (text).
    TransmitControl(String),
    /// Send the heartbeat message.
    SendHeartbeat,
    /// Start the closing handshake of the browser socket.
    CloseSocket(CloseRequest),
    /// Let go of the browser socket at once (closing it quietly): its events no longer count.
    AbandonSocket,
    /// Tell the user.
    Emit(Event),
}
