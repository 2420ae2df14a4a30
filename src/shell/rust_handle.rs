//! What every handle of a Rust-face socket holds (the [`DuplexSocket`] and its two halves): a
//! shared [`Guard`] whose drop closes the socket, what `{:?}` shows of each, and what either
//! half can ask and do as the whole socket can (its state, its first open, a close with a
//! code and reason).

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use crate::engine::commands::{Input, ReadyState};
use crate::error::Error;

use crate::shell::driver::Driver;
use crate::shell::rust_api::DuplexSocket;
use crate::shell::rust_face::RustFace;
use crate::shell::rust_halves::{Opened, SocketSink, SocketStream};

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

/// Closes the socket of `driver` with 1000 (what `close()` on any handle does).
pub(crate) fn close_socket(driver: &Rc<Driver<RustFace>>) -> Result<(), Error> {
    driver.feed(Input::Close {
        code: None,
        reason: None,
    })
}

/// Closes the socket of `driver` with `code` and `reason`.
pub(crate) fn close_with(
    driver: &Rc<Driver<RustFace>>,
    code: u16,
    reason: &str,
) -> Result<(), Error> {
    driver.feed(Input::Close {
        code: Some(code.into()),
        reason: Some(reason.to_owned()),
    })
}

/// The whole socket's state, first open and close, on a half (written once for both).
macro_rules! socket_of_a_half {
    ($half:ident) => {
        impl $half {
            /// The socket's state, as [`DuplexSocket::ready_state`].
            pub fn ready_state(&self) -> ReadyState {
                self.guard.0.ready_state()
            }

            /// Resolves at the socket's first open, as [`DuplexSocket::opened`].
            pub fn opened(&self) -> impl Future<Output = Result<(), Error>> + '_ {
                Opened(&self.guard.0)
            }

            /// Closes the socket with `code` (1000 or 3000-4999) and `reason` (at most 123
            /// UTF-8 bytes), as [`DuplexSocket::close_with`]; the Stream half then ends.
            pub fn close_with(&self, code: u16, reason: &str) -> Result<(), Error> {
                close_with(&self.guard.0, code, reason)
            }
        }
    };
}

socket_of_a_half!(SocketSink);
socket_of_a_half!(SocketStream);
