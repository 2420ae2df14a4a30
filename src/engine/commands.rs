//! The vocabulary between the engine and the shell: the states, events, timers and
//! commands the [`Connection`](crate::engine::connection::Connection) answers with.

use crate::engine::close::CloseRequest;
use crate::error::Error;

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
}

/// The timers the shell runs for the engine. Starting one that runs restarts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// `connectTimeoutMs` for the attempt under way.
    Connect,
    /// The backoff delay before the next attempt.
    Reconnect,
    /// Time to send the next heartbeat.
    HeartbeatSend,
    /// Time to check for silence.
    HeartbeatCheck,
}

/// What the socket tells its user.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A connection opened (the first, or one after a reconnect).
    Open,
    /// A connection ended and another attempt follows after `delay_ms`.
    Reconnecting {
        /// 1 for the first attempt after a loss, counting up until an attempt opens.
        attempt: u32,
        /// The delay before it, in milliseconds.
        delay_ms: u32,
    },
    /// Something went wrong; see the error's code.
    Error(Error),
    /// Closed for good: nothing more will happen.
    Closed(CloseInfo),
}

/// What the shell must do.
#[derive(Debug, PartialEq)]
pub enum Command<M> {
    /// Open a new browser socket (the previous one, if any, is done).
    Connect,
    /// Hand a message to the browser socket.
    Transmit(M),
    /// Send the heartbeat message.
    SendHeartbeat,
    /// Start the closing handshake of the browser socket.
    CloseSocket(CloseRequest),
    /// Let go of the browser socket at once (closing it quietly): its events no longer count.
    AbandonSocket,
    /// Start (or restart) a timer of this many milliseconds.
    StartTimer(Timer, u32),
    /// Stop a timer if it runs.
    StopTimer(Timer),
    /// Tell the user.
    Emit(Event),
}

/// What to do with a message the user sent.
#[derive(Debug, PartialEq)]
pub enum SendAction<M> {
    /// Hand it to the browser now.
    Transmit(M),
    /// It waits in the queue; `overflow` reports older messages dropped to make room.
    Queued {
        /// A `QUEUE_FULL` error to emit as an event, when messages were dropped.
        overflow: Option<Error>,
    },
}
