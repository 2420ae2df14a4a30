//! What travels on a room's Redis channel: one relayed message, tagged with the instance that
//! published it.
//!
//! Channel: `duplex:relay:<room>` (the room name as it came in the path, byte for byte).
//! Payload, a small binary header then the message:
//!
//! | bytes | what |
//! |---|---|
//! | 0 | format version, `1` |
//! | 1..9 | the publishing instance's id, a random `u64`, big-endian |
//! | 9 | the kind: `t` (text, UTF-8) or `b` (binary) |
//! | 10.. | the message's payload, unchanged |
//!
//! The id lets an instance skip its own publications (Redis sends them back to it, as to any
//! subscriber): its own peers already had them, straight from the relay.
//!
//! Rooms layer (backplane): imports nothing of the crate.

use axum::body::Bytes;
use axum::extract::ws::{Message, Utf8Bytes};

/// What every room's channel name starts with.
pub const CHANNEL_PREFIX: &str = "duplex:relay:";
/// The frame format this build writes and reads.
pub const VERSION: u8 = 1;
/// The length of the header before the payload.
pub const HEADER_LEN: usize = 10;

const TEXT: u8 = b't';
const BINARY: u8 = b'b';

/// The Redis channel of `room`.
///
/// ```
/// assert_eq!(duplex_server::rooms::backplane::frame::channel("red"), "duplex:relay:red");
/// ```
pub fn channel(room: &str) -> String {
    format!("{CHANNEL_PREFIX}{room}")
}

/// The room of a channel name, if it is one of ours.
pub fn room_of(channel: &[u8]) -> Option<&str> {
    let room = channel.strip_prefix(CHANNEL_PREFIX.as_bytes())?;
    std::str::from_utf8(room).ok()
}

/// The frame of a text or binary message published by `instance`; `None` for other kinds
/// (the relay forwards only text and binary).
pub fn encode(instance: u64, message: &Message) -> Option<Vec<u8>> {
    let (kind, payload): (u8, &[u8]) = match message {
        Message::Text(text) => (TEXT, text.as_str().as_bytes()),
        Message::Binary(bytes) => (BINARY, bytes),
        _ => return None,
    };
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.push(VERSION);
    frame.extend_from_slice(&instance.to_be_bytes());
    frame.push(kind);
    frame.extend_from_slice(payload);
    Some(frame)
}

/// A frame read back: who published it, and the message.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The publishing instance.
    pub instance: u64,
    /// The message, text or binary as it was sent.
    pub message: Message,
}

/// Reads a frame; the error says what is wrong with it (another program publishing on our
/// channels, or another format version).
pub fn decode(frame: &[u8]) -> Result<Decoded, String> {
    if frame.len() < HEADER_LEN {
        return Err(format!(
            "{} bytes, shorter than the {HEADER_LEN}-byte header",
            frame.len()
        ));
    }
    if frame[0] != VERSION {
        return Err(format!("format version {}, expected {VERSION}", frame[0]));
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&frame[1..9]);
    let payload = frame[HEADER_LEN..].to_vec();
    let message = match frame[9] {
        TEXT => match Utf8Bytes::try_from(payload) {
            Ok(text) => Message::Text(text),
            Err(_) => return Err("a text message that is not UTF-8".to_owned()),
        },
        BINARY => Message::Binary(Bytes::from(payload)),
        other => return Err(format!("unknown kind {other:#04x}")),
    };
    Ok(Decoded {
        instance: u64::from_be_bytes(id),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_come_back_as_they_went() {
        for message in [
            Message::Text("héllo".into()),
            Message::Text("".into()),
            Message::Binary(Bytes::from_static(&[0, 1, 255])),
            Message::Binary(Bytes::new()),
        ] {
            let frame = encode(0xfeed_beef_0102_0304, &message).unwrap();
            assert_eq!(
                frame.len(),
                HEADER_LEN + crate::transport::writer::payload_len(&message)
            );
            let decoded = decode(&frame).unwrap();
            assert_eq!(decoded.instance, 0xfeed_beef_0102_0304);
            assert_eq!(decoded.message, message);
        }
    }

    #[test]
    fn the_header_is_as_documented() {
        let frame = encode(1, &Message::Text("hi".into())).unwrap();
        assert_eq!(frame, [1, 0, 0, 0, 0, 0, 0, 0, 1, b't', b'h', b'i']);
    }

    #[test]
    fn malformed_frames_are_refused_with_a_reason() {
        assert!(decode(b"short").unwrap_err().contains("header"));
        let mut frame = encode(7, &Message::Text("x".into())).unwrap();
        frame[0] = 2;
        assert!(decode(&frame).unwrap_err().contains("version 2"));
        frame[0] = VERSION;
        frame[9] = b'?';
        assert!(decode(&frame).unwrap_err().contains("kind"));
        let mut frame = encode(7, &Message::Binary(Bytes::from_static(&[0xff]))).unwrap();
        frame[9] = b't';
        assert!(decode(&frame).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn only_our_channels_name_a_room() {
        assert_eq!(room_of(channel("a b").as_bytes()), Some("a b"));
        assert_eq!(room_of(b"other:red"), None);
    }
}
