//! A session's state on the client (`duplex.v1`, docs/protocol.md): what the server granted,
//! and the counts each direction numbers its messages by. The transitions that use it are in
//! the connection's `sessions` module; the frames are in [`crate::engine::frames`].

use crate::engine::options::SessionPolicy;
use crate::prelude::*;

/// The session the server granted: what `socket.session` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The server's id for it (the only credential a resume needs).
    pub id: String,
    /// How many times it was resumed after a reconnect.
    pub resumes: u32,
}

/// Where the current connection is in the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Plain WebSocket: no connection, or the server did not select `duplex.v1`.
    Off,
    /// `hello` went out; the server's `welcome` is awaited.
    AwaitingWelcome {
        /// The session asked to resume, if any.
        asked: Option<String>,
        /// The number of the first message sent after `hello`.
        next: u64,
        /// How many unacknowledged messages went again right after `hello`.
        rewound: u64,
    },
    /// The server answered: control frames and counts are live.
    On,
}

/// A session's side of the connection state.
#[derive(Debug)]
pub(crate) struct SessionState {
    pub(crate) policy: SessionPolicy,
    pub(crate) framing: Framing,
    /// The current browser socket opened with `duplex.v1`.
    pub(crate) selected: bool,
    /// Whether attempts offer `duplex.v1`: off once the server showed it does not speak it.
    pub(crate) offer: bool,
    /// The attempt under way offered `duplex.v1`.
    pub(crate) offered: bool,
    /// The attempt under way is the plain retry of one whose handshake failed with the offer.
    pub(crate) plain_retry: bool,
    pub(crate) grant: Option<SessionInfo>,
    /// The number of the next message this side sends (acknowledged + in flight).
    pub(crate) sent: u64,
    /// How many of this side's messages the server acknowledged.
    pub(crate) acked: u64,
    /// How many of the server's messages arrived in this session.
    pub(crate) received: u64,
    /// The count this side last acknowledged to the server.
    pub(crate) acked_to_peer: u64,
}

impl SessionState {
    pub(crate) fn new(policy: SessionPolicy) -> Self {
        Self {
            policy,
            framing: Framing::Off,
            selected: false,
            offer: true,
            offered: false,
            plain_retry: false,
            grant: None,
            sent: 0,
            acked: 0,
            received: 0,
            acked_to_peer: 0,
        }
    }

    /// Whether control frames and counts apply to the current connection.
    pub(crate) fn framing(&self) -> bool {
        self.framing != Framing::Off
    }

    /// Whether messages may go out now: once the server welcomed the session, or right after
    /// `hello` when resuming one it granted (it speaks the protocol, so no round trip).
    pub(crate) fn may_transmit(&self) -> bool {
        match &self.framing {
            Framing::On => true,
            Framing::AwaitingWelcome { asked, .. } => asked.is_some(),
            Framing::Off => false,
        }
    }
}
