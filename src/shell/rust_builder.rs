//! The [`Builder`] of a Rust [`DuplexSocket`]: its options, set before it connects.

use std::rc::Rc;

use futures_channel::mpsc::unbounded;

use crate::engine::options::{HeartbeatPolicy, Options, QueueLimits, ReconnectPolicy};
use crate::error::Error;
use crate::shell::driver::Driver;
use crate::shell::rust_api::{DuplexSocket, Guard};
use crate::shell::rust_face::RustFace;
use crate::shell::rust_halves::SinkState;

/// Sets the options of a [`DuplexSocket`] before it connects.
///
/// ```no_run
/// use duplex_ws::{DuplexSocket, HeartbeatPolicy, ReconnectPolicy};
/// # fn main() -> Result<(), duplex_ws::Error> {
/// let socket = DuplexSocket::builder("wss://example.com/feed")
///     .connect_timeout_ms(5_000)
///     .reconnect(ReconnectPolicy { final_codes: vec![4000], ..Default::default() })
///     .heartbeat(HeartbeatPolicy { interval_ms: 10_000, timeout_ms: 25_000, message: "ping".into() })
///     .connect()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until connect()"]
pub struct Builder {
    pub(crate) url: String,
    pub(crate) options: Options,
}

impl Builder {
    /// Subprotocols to ask for, in order of preference.
    pub fn protocols<S: Into<String>>(mut self, protocols: impl IntoIterator<Item = S>) -> Self {
        self.options.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Gives up an attempt that has not opened within `ms` (`CONNECT_TIMEOUT`).
    pub fn connect_timeout_ms(mut self, ms: u32) -> Self {
        self.options.connect_timeout_ms = Some(ms);
        self
    }

    /// Reconnects with backoff after a connection ends without the user's `close()`.
    pub fn reconnect(mut self, policy: ReconnectPolicy) -> Self {
        self.options.reconnect = Some(policy);
        self
    }

    /// Sends a heartbeat and takes silence for a dead connection (`HEARTBEAT_TIMEOUT`).
    pub fn heartbeat(mut self, policy: HeartbeatPolicy) -> Self {
        self.options.heartbeat = Some(policy);
        self
    }

    /// Bounds the queue used while connecting and reconnecting.
    pub fn queue(mut self, limits: QueueLimits) -> Self {
        self.options.queue = limits;
        self
    }

    /// `send_async` and the Sink wait while the browser buffers more than `bytes`.
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.options.high_water_mark = bytes;
        self
    }

    /// Checks every option and starts connecting.
    pub fn connect(self) -> Result<DuplexSocket, Error> {
        let (stream, messages) = unbounded();
        let driver = Driver::open(&self.url, self.options, RustFace::new(stream))?;
        Ok(DuplexSocket {
            guard: Rc::new(Guard(driver)),
            messages: Some(messages),
            sink: SinkState::default(),
        })
    }
}
