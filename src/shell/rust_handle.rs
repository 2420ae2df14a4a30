//! What every handle of a Rust-face socket holds (the [`DuplexSocket`] and its two halves): a
//! shared [`Guard`] whose drop closes the socket, and what `{:?}` shows of each.

use std::fmt;
use std::rc::Rc;

use crate::shell::driver::Driver;
use crate::shell::rust_api::DuplexSocket;
use crate::shell::rust_face::RustFace;
use crate::shell::rust_halves::{SocketSink, SocketStream};

/// Held by every handle; when the last one goes, the socket closes with 1000.
pub(crate) struct Guard(pub(crate) Rc<Driver<RustFace>>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A socket as `{:?}` shows it: its URL and state.
impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DuplexSocket")
            .field("url", &self.0.url())
            .field("ready_state", &self.0.ready_state())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for DuplexSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.guard.fmt(f)
    }
}

impl fmt::Debug for SocketSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SocketSink").field(&self.guard).finish()
    }
}

impl fmt::Debug for SocketStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SocketStream").field(&self.guard).finish()
    }
}
