//! permessage-deflate (RFC 7692) for the load generator, on flate2's raw deflate: a message
//! compressed once with no context (it is sent many times), and an inflater that reads the
//! server's messages with or without its context kept between them.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The four bytes a sync flush ends with; RFC 7692 drops them from every message.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// `payload` compressed as one permessage-deflate message with a fresh context.
pub fn compress_message(payload: &[u8]) -> Vec<u8> {
    let mut compressor = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(payload.len() + 64);
    loop {
        let consumed = compressor.total_in() as usize;
        // Raw deflate into a Vec cannot fail; a full Vec is grown below.
        let _ = compressor.compress_vec(&payload[consumed..], &mut out, FlushCompress::Sync);
        // All read and room left over: the flush is complete.
        if compressor.total_in() as usize == payload.len() && out.len() < out.capacity() {
            break;
        }
        out.reserve(out.capacity().max(64));
    }
    out.truncate(out.len() - TAIL.len());
    out
}

/// Reads the server's compressed messages.
pub struct Inflater {
    inflater: Decompress,
    /// The server resets its context after each message: so does the reader.
    reset_each: bool,
}

impl Inflater {
    pub fn new(server_no_context_takeover: bool) -> Inflater {
        Inflater {
            inflater: Decompress::new(false),
            reset_each: server_no_context_takeover,
        }
    }

    /// One message's payload inflated (its RSV1 was set).
    pub fn inflate(&mut self, compressed: &[u8]) -> Result<Vec<u8>, String> {
        let mut input = Vec::with_capacity(compressed.len() + TAIL.len());
        input.extend_from_slice(compressed);
        input.extend_from_slice(&TAIL);
        let mut out = Vec::with_capacity(compressed.len() * 4 + 64);
        let start = self.inflater.total_in();
        loop {
            let consumed = (self.inflater.total_in() - start) as usize;
            let status = self
                .inflater
                .decompress_vec(&input[consumed..], &mut out, FlushDecompress::Sync)
                .map_err(|error| format!("inflating a message: {error}"))?;
            let consumed = (self.inflater.total_in() - start) as usize;
            if consumed == input.len() && out.len() < out.capacity() {
                break;
            }
            if status == Status::StreamEnd {
                return Err("the message ended the deflate stream (BFINAL)".to_owned());
            }
            out.reserve(out.capacity());
        }
        if self.reset_each {
            self.inflater.reset(false);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_and_without_context() {
        let text = br#"{"items":[{"id":1,"name":"alpha"},{"id":2,"name":"alpha"}]}"#.repeat(20);
        let compressed = compress_message(&text);
        assert!(
            compressed.len() * 3 < text.len(),
            "{} bytes",
            compressed.len()
        );
        assert!(!compressed.ends_with(&TAIL));
        for reset in [false, true] {
            let mut inflater = Inflater::new(reset);
            for _ in 0..3 {
                assert_eq!(inflater.inflate(&compressed).unwrap(), text);
            }
        }
        assert_eq!(
            Inflater::new(false)
                .inflate(&compress_message(b""))
                .unwrap(),
            b""
        );
    }

    #[test]
    fn a_message_that_uses_the_previous_ones_window() {
        // The server's side with context takeover: the second message refers to the first.
        let mut server = Compress::new(Compression::default(), false);
        let text = b"the same sentence, twice over the wire".repeat(4);
        let mut messages = Vec::new();
        for _ in 0..2 {
            let mut out = Vec::with_capacity(1024);
            server
                .compress_vec(&text, &mut out, FlushCompress::Sync)
                .unwrap();
            out.truncate(out.len() - 4);
            messages.push(out);
        }
        assert!(messages[1].len() < messages[0].len());
        let mut inflater = Inflater::new(false);
        for message in &messages {
            assert_eq!(inflater.inflate(message).unwrap(), text);
        }
        let mut forgetful = Inflater::new(true);
        forgetful.inflate(&messages[0]).unwrap();
        assert_ne!(forgetful.inflate(&messages[1]).ok(), Some(text.clone()));
    }
}
