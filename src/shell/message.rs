//! Messages as the Rust API sees them, and what the shell needs to know of JS send data.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// A WebSocket message as the Rust API sends and receives it.
///
/// ```
/// use duplex_ws::Message;
/// assert_eq!(Message::from("hi"), Message::Text("hi".to_owned()));
/// assert_eq!(Message::from(vec![1, 2]), Message::Binary(vec![1, 2]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Text(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Text(text.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(bytes: Vec<u8>) -> Self {
        Message::Binary(bytes)
    }
}

impl From<&[u8]> for Message {
    fn from(bytes: &[u8]) -> Self {
        Message::Binary(bytes.to_vec())
    }
}

impl Message {
    /// Reads a received `MessageEvent.data` (a string or, as the Rust face asks for, an
    /// `ArrayBuffer`). A `Blob`, which only a JS caller can ask for, reads as empty bytes.
    pub(crate) fn from_event_data(data: JsValue) -> Message {
        match data.as_string() {
            Some(text) => Message::Text(text),
            None => Message::Binary(
                data.dyn_into::<ArrayBuffer>()
                    .map(|buffer| Uint8Array::new(&buffer).to_vec())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// What kind of value the Rust face hands to the browser: text, or bytes in a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendData {
    Text,
    View,
}
