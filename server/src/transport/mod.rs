//! **Layer 1 of 4, the bottom: transport.** Getting bytes in and out: binding the port
//! ([`listen`]), TLS ([`tls`]), the WebSocket handshake ([`extract`]) and upgrade with its
//! capacity and shutdown checks ([`upgrade`]), the WebSocket layer (yawc, with
//! permessage-deflate: [`wire`], the fragments of a message put together: [`fragments`],
//! RSV1 where RFC 7692 forbids it: [`rsv`]),
//! and one connection's reading half ([`connection`]) and
//! writing task ([`writer`]), under the [`limits`] and counted in the [`metrics`].
//!
//! May import: nothing of this crate outside `transport`. What a connection needs from
//! above comes in a [`ConnContext`] (limits, counters, the shutdown token), never the app
//! state.
//!
//! `Limits` and `Metrics` are declared here, the lowest layer that uses them; the operations
//! layer (`crate::ops`) sets them from the command line and serves them at `/metrics`.

pub mod close;
pub mod connection;
pub mod context;
pub mod extract;
pub mod fragments;
pub mod http;
pub mod limits;
pub mod listen;
pub mod metrics;
pub mod outbox;
pub mod queue;
pub mod rsv;
pub mod session;
pub mod text;
pub mod tls;
pub mod upgrade;
pub mod wire;
pub mod writer;

pub use connection::{Closed, Connection, PeerInfo};
pub use context::ConnContext;
pub use limits::Limits;
pub use metrics::Metrics;
pub use outbox::Outbox;
pub use upgrade::{PeerAddr, UpgradeRejection, WebSocketUpgrade};
pub use writer::{Link, Outbound};
