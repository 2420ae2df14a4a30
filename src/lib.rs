//! # duplex-ws
//!
//! A dependable browser WebSocket client for Rust compiled to WebAssembly, and for
//! JavaScript through the npm package `duplex-ws` (class `DuplexSocket`).
//!
//! What it adds to the browser's `WebSocket`:
//! - `send` works before the socket is open: messages are queued and flushed in order on
//!   open (a plain `WebSocket` throws `InvalidStateError` there);
//! - bad input is refused up front with a typed [`Error`] whose stable
//!   [`code`](Error::code) (`INVALID_URL`, `INVALID_CLOSE_CODE`, ...) and message name the
//!   value and the rule;
//! - a send after close is an [`Error::Closed`], where the browser drops the data silently;
//! - the browser's empty `error` event and the `close` after it become one error that says
//!   what happened (`CONNECTION_FAILED`, `CONNECTION_LOST`), counting queued messages that
//!   were not sent.
//!
//! ```no_run
//! use duplex_ws::{DuplexSocket, Message};
//! # fn main() -> Result<(), duplex_ws::Error> {
//! let socket = DuplexSocket::new("ws://localhost:9900")?;
//! socket.on_message(|message| match message {
//!     Message::Text(text) => web_sys::console::log_1(&format!("received: {text}").into()),
//!     Message::Binary(bytes) => web_sys::console::log_1(&format!("{} bytes", bytes.len()).into()),
//! });
//! socket.send_text("I am listening")?;
//! # std::mem::forget(socket); // keep it open past the end of this example
//! # Ok(()) }
//! ```
//!
//! The crate is split as its design says: [`engine`] is the pure core (state machine, send
//! queue, URL and close rules), tested natively; the browser shell owns the
//! `web_sys::WebSocket` and only carries out what the engine decides.

#![warn(missing_docs)]
// Without the `web` feature the crate is the engine alone, for the npm package's small wasm
// (core-wasm/): no std, only `alloc`.
#![cfg_attr(not(feature = "web"), no_std)]

extern crate alloc;

pub mod engine;
mod error;
#[cfg(feature = "web")]
mod shell;

/// The `alloc` names that std's prelude would give, for the engine built without std.
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::string::String;
    pub(crate) use alloc::vec::Vec;
}

pub use engine::backoff::Backoff;
pub use engine::close::{validate_close, CloseRequest, MAX_CLOSE_REASON_BYTES};
pub use engine::commands::{AttemptContext, CloseInfo, Command, Event, Input, ReadyState, Timer};
pub use engine::connection::{Connection, Readiness};
pub use engine::options::{
    validate_protocols, BinaryType, HeartbeatPolicy, Options, Overflow, QueueLimits,
    ReconnectPolicy, SessionPolicy, DEFAULT_HIGH_WATER_MARK,
};
pub use engine::queue::{Dropped, Payload, SendQueue};
pub use engine::session::SessionInfo;
pub use engine::url::validate_url;
pub use error::{CloseReasonProblem, Error, UrlProblem};
#[cfg(feature = "web")]
pub use shell::live::{live_counts, LiveCounts};
#[cfg(feature = "web")]
pub use shell::message::Message;
#[cfg(feature = "web")]
pub use shell::rust_api::DuplexSocket;
#[cfg(feature = "web")]
pub use shell::rust_builder::Builder;
#[cfg(feature = "web")]
pub use shell::rust_face::{ProviderFuture, ReconnectInfo, ResumeInfo};
#[cfg(feature = "web")]
pub use shell::rust_halves::{SocketSink, SocketStream};
