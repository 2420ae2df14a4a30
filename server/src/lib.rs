//! duplex-server: the native tokio server of the duplex-ws workspace.
//!
//! One port serves the original WebSocket conversation on `/` and, for plain GET requests,
//! the demo page and the built npm package.

pub mod cli;
pub mod conversation;
pub mod listen;
pub mod routes;

pub use cli::Args;
