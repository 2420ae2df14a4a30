//! The driver's hold on the current browser socket: opening it, handing it what to send,
//! telling the engine which subprotocol it opened with, and letting go of it.

use wasm_bindgen::JsValue;
use web_sys::WebSocket;

use crate::engine::commands::Input;
use crate::error::Error;
use crate::shell::browser::{abandon, open_socket, transmit};
use crate::shell::driver::{now_ms, Driver};
use crate::shell::face::Face;

impl<F: Face> Driver<F> {
    /// Lets go of the current browser socket, if any (see [`abandon`]).
    pub(super) fn let_go(&self) {
        let socket = self.socket.borrow_mut().take();
        if let Some(ws) = socket {
            abandon(ws);
        }
    }

    /// Opens the attempt's browser socket with the driver's listeners, or feeds the
    /// browser's refusal to the engine.
    pub(super) fn open_socket(&self, url: &str, protocols: &[String]) -> Result<(), Error> {
        match open_socket(url, protocols) {
            Ok(ws) => {
                *self.url.borrow_mut() = ws.url();
                // The Rust face reads bytes: an ArrayBuffer is readable at once.
                ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
                if let Some(listeners) = &*self.listeners.borrow() {
                    listeners.install(&ws);
                }
                *self.socket.borrow_mut() = Some(ws);
                self.buffered.read(0); // a new socket buffers nothing
                Ok(())
            }
            Err(reason) => {
                let input = Input::SocketRefused(reason);
                self.engine.borrow_mut().handle(input, now_ms())
            }
        }
    }

    /// Tells the engine which subprotocol the new socket opened with (it decides whether a
    /// session's framing starts).
    pub(super) fn note_protocol(&self) {
        if self.engine.borrow().session_offered() {
            let protocol = self.current(WebSocket::protocol, String::new());
            drop(
                self.engine
                    .borrow_mut()
                    .handle(Input::Protocol(protocol), now_ms()),
            );
        }
    }

    /// Hands `data`, `bytes` on the wire, to the current browser socket.
    pub(super) fn transmit(&self, data: &JsValue, bytes: usize) -> Result<(), Error> {
        let socket = self.socket.borrow();
        let ws = socket.as_ref().ok_or_else(|| self.closed_error())?;
        self.buffered.handed(bytes);
        transmit(ws, data).map_err(|found| Error::InvalidData { found })
    }
}
