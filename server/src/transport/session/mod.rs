//! Sessions: the server half of the WebSocket subprotocol `duplex.v1` (docs/protocol.md), a
//! connection that survives reconnects without losing or repeating a message either way.
//!
//! - [`frame`]: control frames (`hello`, `welcome`, `ack`, `ping`, `pong`) and the escape;
//! - [`replay`]: the bounded buffer of the server's unacknowledged messages;
//! - [`state`]: one session's counters and buffer, shared by its connections (one at a time)
//!   and, for relay rooms, by the peers that send to it;
//! - [`registry`]: every session of this instance, with the TTL after a drop and the cap;
//! - [`idle`]: the order in which sessions lost their connections (whom the cap drops first);
//! - [`peers`]: how many sessions each peer holds, with its own such order (a full table
//!   takes room from the peer holding the most);
//! - [`opening`]: a connection entering session mode: `hello`, a resume or a new session,
//!   `welcome`;
//! - [`conn`]: a connection in session mode, as an endpoint uses it: application messages
//!   in, numbered and acknowledged, duplicates dropped.
//!
//! Transport layer: imports only `transport`. The endpoints choose between a plain
//! [`Connection`](crate::transport::Connection) and a [`SessionConn`] by the subprotocol the
//! handshake selected ([`frame::PROTOCOL`]).

pub mod conn;
pub mod frame;
pub mod idle;
pub mod opening;
pub mod peers;
pub mod registry;
pub mod replay;
pub mod state;

pub use conn::{Buffered, SessionConn};
pub use frame::PROTOCOL;
pub use opening::{Hello, Opened};
pub use registry::{SessionSettings, Sessions};
pub use state::Session;
