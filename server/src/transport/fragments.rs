//! Fragmented messages put back together: the frames of a message (a text or binary frame
//! without FIN, continuation frames, the last with FIN) become one message frame, within the
//! message size limit. Transport layer: imports only `transport`.
//!
//! Done here rather than by yawc's `WebSocket` because yawc does not send a close frame when
//! its own assembly fails: a continuation frame with nothing to continue, or a fragmented
//! message over the size limit, left the peer waiting (no close frame, the connection dropped
//! only after the close timeout). The [`Wire`](super::wire::Wire) reads yawc's `Streaming`
//! (frames, decompressed, with pings and closes answered) and sends the close itself.

use axum::body::Bytes;
use yawc::{Frame, OpCode, WebSocketError};

/// The message being put together, if one is.
pub struct Fragments {
    /// Its kind (text or binary) and the bytes so far.
    partial: Option<(OpCode, Vec<u8>)>,
    /// The largest message allowed, in bytes.
    max_message_size: usize,
}

impl Fragments {
    /// No message under way; messages of at most `max_message_size` bytes.
    pub fn new(max_message_size: usize) -> Fragments {
        Fragments {
            partial: None,
            max_message_size,
        }
    }

    /// Takes the next frame read: a whole message or a control frame comes back, a fragment
    /// is kept (`None`). A frame that breaks RFC 6455's fragmentation rules (section 5.4), or
    /// a message over the limit, is an error with the close code that says why (see
    /// `close_code_of`).
    pub fn push(&mut self, frame: Frame) -> Result<Option<Frame>, WebSocketError> {
        match frame.opcode() {
            OpCode::Text | OpCode::Binary => {
                if self.partial.is_some() {
                    // A new message may not start while a fragmented one is under way.
                    return Err(WebSocketError::InvalidFragment);
                }
                if frame.is_fin() {
                    return Ok(Some(frame));
                }
                let opcode = frame.opcode();
                self.partial = Some((opcode, frame.payload().to_vec()));
                Ok(None)
            }
            OpCode::Continuation => {
                let (opcode, mut bytes) = self
                    .partial
                    .take()
                    .ok_or(WebSocketError::InvalidContinuationFrame)?;
                if bytes.len() + frame.payload().len() > self.max_message_size {
                    return Err(WebSocketError::FrameTooLarge);
                }
                bytes.extend_from_slice(frame.payload());
                if !frame.is_fin() {
                    self.partial = Some((opcode, bytes));
                    return Ok(None);
                }
                let payload = Bytes::from(bytes);
                Ok(Some(match opcode {
                    OpCode::Text => Frame::text(payload),
                    _ => Frame::binary(payload),
                }))
            }
            // Control frames may come between the fragments of a message.
            _ => Ok(Some(frame)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(opcode: OpCode, fin: bool, payload: &'static [u8]) -> Frame {
        let payload = Bytes::from_static(payload);
        let frame = match opcode {
            OpCode::Text => Frame::text(payload),
            OpCode::Binary => Frame::binary(payload),
            _ => Frame::continuation(payload),
        };
        frame.with_fin(fin)
    }

    #[test]
    fn fragments_make_one_message_with_control_frames_between() {
        let mut fragments = Fragments::new(100);
        assert!(fragments
            .push(fragment(OpCode::Text, false, b"he"))
            .unwrap()
            .is_none());
        let ping = fragments
            .push(Frame::ping(Bytes::from_static(b"p")))
            .unwrap();
        assert_eq!(ping.map(|f| f.opcode()), Some(OpCode::Ping));
        assert!(fragments
            .push(fragment(OpCode::Continuation, false, b"l"))
            .unwrap()
            .is_none());
        let message = fragments
            .push(fragment(OpCode::Continuation, true, b"lo"))
            .unwrap()
            .unwrap();
        assert_eq!(message.opcode(), OpCode::Text);
        assert!(message.is_fin());
        assert_eq!(&message.payload()[..], b"hello");
        // The next message starts afresh.
        let whole = fragments
            .push(fragment(OpCode::Binary, true, b"x"))
            .unwrap();
        assert_eq!(
            whole.map(|f| f.into_payload()),
            Some(Bytes::from_static(b"x"))
        );
    }

    #[test]
    fn what_breaks_the_rules_is_an_error_with_its_close_code() {
        let code = |error: WebSocketError| super::super::wire::close_code_of(&error);
        let mut fragments = Fragments::new(100);
        let nothing_to_continue = fragments.push(fragment(OpCode::Continuation, true, b"x"));
        assert_eq!(nothing_to_continue.map_err(code).err(), Some(Some(1002)));

        let mut fragments = Fragments::new(100);
        fragments.push(fragment(OpCode::Text, false, b"a")).unwrap();
        let interleaved = fragments.push(fragment(OpCode::Binary, true, b"b"));
        assert_eq!(interleaved.map_err(code).err(), Some(Some(1002)));

        let mut fragments = Fragments::new(4);
        fragments
            .push(fragment(OpCode::Binary, false, b"abc"))
            .unwrap();
        let too_large = fragments.push(fragment(OpCode::Continuation, true, b"de"));
        assert_eq!(too_large.map_err(code).err(), Some(Some(1009)));
    }
}
