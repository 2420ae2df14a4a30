//! duplex-server: the native tokio server of the duplex-ws workspace.
//!
//! One port serves the original WebSocket conversation on `/`, `/echo`, relay rooms on
//! `/relay/{room}`, `/healthz` and `/metrics`, and for plain GET requests the demo page and
//! the built npm package. See server/README.md for the endpoints, flags and metrics.
#![warn(missing_docs)]

pub mod backplane;
pub mod cli;
pub mod connection;
pub mod conversation;
pub mod echo;
pub mod error;
pub mod hooks;
pub mod limits;
pub mod listen;
pub mod metrics;
pub mod origin;
pub mod relay;
pub mod routes;
pub mod server;
pub mod shutdown;
pub mod state;
pub mod tls;
pub mod upgrade;
pub mod writer;

pub use cli::Args;
pub use error::StartError;
pub use limits::Limits;
