//! WebSocket frames as the load generator speaks them on raw sockets: client frames built (and
//! masked) once before a run and written many times, server frames parsed as they stream in,
//! their payloads skipped unless asked for. This keeps the load generator's cost per message
//! to a header parse and a share of a `write`, so that the rate measures the server.

/// Opcodes (RFC 6455 section 5.2).
pub const CONTINUATION: u8 = 0x0;
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// The mask of every frame the load generator sends. A client must mask; a fixed key lets a
/// frame be masked once and written any number of times (servers do not check the key).
pub const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// One masked client frame with FIN set: `opcode`, RSV1 when `compressed`
/// (permessage-deflate), and `payload`.
///
/// ```
/// use duplex_bench::load::frame::{client_frame, TEXT};
/// let frame = client_frame(TEXT, false, b"hi");
/// assert_eq!(frame.len(), 2 + 4 + 2);
/// assert_eq!(frame[0], 0x81);
/// ```
pub fn client_frame(opcode: u8, compressed: bool, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | if compressed { 0x40 } else { 0 } | opcode);
    let len = payload.len();
    if len < 126 {
        frame.push(0x80 | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&short.to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    frame.extend_from_slice(&MASK);
    frame.extend(
        payload
            .iter()
            .enumerate()
            .map(|(index, byte)| byte ^ MASK[index % 4]),
    );
    frame
}

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub fin: bool,
    /// RSV1: the message is compressed (permessage-deflate), set on its first frame.
    pub rsv1: bool,
    pub opcode: u8,
    pub len: u64,
}

/// Parses a header at the start of `bytes`: the header and its length in bytes, or `None`
/// when `bytes` does not hold all of it yet. Servers never mask; a masked frame is an error.
pub fn parse_header(bytes: &[u8]) -> Result<Option<(Header, usize)>, String> {
    let (Some(&first), Some(&second)) = (bytes.first(), bytes.get(1)) else {
        return Ok(None);
    };
    if second & 0x80 != 0 {
        return Err("the server sent a masked frame".to_owned());
    }
    let (len, used) = match second & 0x7f {
        126 => match bytes.get(2..4) {
            Some(ext) => (u64::from(u16::from_be_bytes([ext[0], ext[1]])), 4),
            None => return Ok(None),
        },
        127 => match bytes.get(2..10) {
            Some(ext) => {
                let mut be = [0; 8];
                be.copy_from_slice(ext);
                (u64::from_be_bytes(be), 10)
            }
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    Ok(Some((
        Header {
            fin: first & 0x80 != 0,
            rsv1: first & 0x40 != 0,
            opcode: first & 0x0f,
            len,
        },
        used,
    )))
}

/// What the server sent, as the reader reports it.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A whole message (its last frame arrived). `payload` is there only when the reader was
    /// keeping payloads from the message's first frame on.
    Message {
        text: bool,
        compressed: bool,
        payload: Option<&'a [u8]>,
    },
    Ping(&'a [u8]),
    Pong,
    /// The server closed; the status code when it gave one.
    Close(Option<u16>),
}

/// Where the reader is in the stream.
#[derive(Debug)]
enum State {
    Header,
    Payload { header: Header, remaining: u64 },
}

/// Parses the server's byte stream into [`Event`]s, whatever the read boundaries.
#[derive(Debug)]
pub struct FrameReader {
    state: State,
    /// A header split across reads.
    partial: Vec<u8>,
    /// Whether new messages keep their payload (for checking the echo).
    pub keep: bool,
    /// The current message: text or binary, compressed, and whether its payload is kept.
    message: Option<(bool, bool, bool)>,
    payload: Vec<u8>,
    control: Vec<u8>,
}

impl Default for FrameReader {
    fn default() -> Self {
        FrameReader {
            state: State::Header,
            partial: Vec::with_capacity(14),
            keep: false,
            message: None,
            payload: Vec::new(),
            control: Vec::new(),
        }
    }
}

impl FrameReader {
    /// Feeds bytes as read from the socket; `on` sees every event they complete.
    pub fn feed(&mut self, mut data: &[u8], on: &mut impl FnMut(Event)) -> Result<(), String> {
        while !data.is_empty() || matches!(self.state, State::Payload { remaining: 0, .. }) {
            match self.state {
                State::Header => {
                    let parsed = if self.partial.is_empty() {
                        parse_header(data)?.inspect(|&(_, used)| data = &data[used..])
                    } else {
                        let had = self.partial.len();
                        let take = (14 - had).min(data.len());
                        self.partial.extend_from_slice(&data[..take]);
                        match parse_header(&self.partial)? {
                            Some((header, used)) => {
                                data = &data[used - had..];
                                self.partial.clear();
                                Some((header, used))
                            }
                            None => {
                                data = &data[take..];
                                None
                            }
                        }
                    };
                    match parsed {
                        Some((header, _)) => self.begin(header)?,
                        None => {
                            // Incomplete: keep what there is for the next read.
                            self.partial.extend_from_slice(data);
                            data = &[];
                        }
                    }
                }
                State::Payload {
                    header,
                    ref mut remaining,
                } => {
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(data.len());
                    *remaining -= take as u64;
                    let chunk = &data[..take];
                    data = &data[take..];
                    if header.opcode >= CLOSE {
                        self.control.extend_from_slice(chunk);
                    } else if matches!(self.message, Some((_, _, true))) {
                        self.payload.extend_from_slice(chunk);
                    }
                    if *remaining == 0 {
                        self.state = State::Header;
                        self.end(header, on);
                    }
                }
            }
        }
        Ok(())
    }

    fn begin(&mut self, header: Header) -> Result<(), String> {
        match header.opcode {
            TEXT | BINARY => {
                if self.message.is_some() {
                    return Err("a new message began inside a fragmented one".to_owned());
                }
                self.message = Some((header.opcode == TEXT, header.rsv1, self.keep));
                self.payload.clear();
            }
            CONTINUATION if self.message.is_none() => {
                return Err("a continuation frame with no message to continue".to_owned())
            }
            CONTINUATION => {}
            CLOSE | PING | PONG => self.control.clear(),
            other => return Err(format!("a frame with the unknown opcode {other:#x}")),
        }
        self.state = State::Payload {
            header,
            remaining: header.len,
        };
        Ok(())
    }

    fn end(&mut self, header: Header, on: &mut impl FnMut(Event)) {
        match header.opcode {
            PING => on(Event::Ping(&self.control)),
            PONG => on(Event::Pong),
            CLOSE => on(Event::Close(
                self.control
                    .get(..2)
                    .map(|code| u16::from_be_bytes([code[0], code[1]])),
            )),
            _ if header.fin => {
                if let Some((text, compressed, kept)) = self.message.take() {
                    on(Event::Message {
                        text,
                        compressed,
                        payload: kept.then_some(&self.payload[..]),
                    });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server frame (unmasked).
    fn server_frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![first];
        match payload.len() {
            len if len < 126 => frame.push(len as u8),
            len if len <= 0xffff => {
                frame.push(126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            len => {
                frame.push(127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(payload);
        frame
    }

    /// Every event of `stream` fed in pieces of `step` bytes, owned.
    fn events(stream: &[u8], step: usize, keep: bool) -> Vec<String> {
        let mut reader = FrameReader {
            keep,
            ..FrameReader::default()
        };
        let mut seen = Vec::new();
        for piece in stream.chunks(step) {
            reader
                .feed(piece, &mut |event| seen.push(format!("{event:?}")))
                .unwrap();
        }
        seen
    }

    #[test]
    fn client_frames_are_masked_with_the_right_length_encoding() {
        for (len, header) in [(125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let payload = vec![7_u8; len];
            let frame = client_frame(BINARY, false, &payload);
            assert_eq!(frame.len(), header + 4 + len, "payload of {len}");
            assert_eq!(frame[1] & 0x80, 0x80, "mask bit");
            let unmasked: Vec<u8> = frame[header + 4..]
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ MASK[i % 4])
                .collect();
            assert_eq!(unmasked, payload);
        }
        assert_eq!(client_frame(TEXT, true, b"x")[0], 0xC1, "FIN, RSV1, text");
    }

    #[test]
    fn messages_whatever_the_read_boundaries() {
        let mut stream = server_frame(0x81, b"hello");
        stream.extend(server_frame(0x82, &[1; 300]));
        stream.extend(server_frame(0x82, &[2; 70_000]));
        stream.extend(server_frame(0x89, b"p"));
        stream.extend(server_frame(0x01, b"frag"));
        stream.extend(server_frame(0x80, b"ment"));
        stream.extend(server_frame(0x88, &1000_u16.to_be_bytes()));
        for step in [1, 2, 3, 13, 1000, stream.len()] {
            let seen = events(&stream, step, false);
            assert_eq!(
                seen,
                [
                    "Message { text: true, compressed: false, payload: None }",
                    "Message { text: false, compressed: false, payload: None }",
                    "Message { text: false, compressed: false, payload: None }",
                    "Ping([112])",
                    "Message { text: true, compressed: false, payload: None }",
                    "Close(Some(1000))",
                ],
                "read in pieces of {step}"
            );
        }
        let kept = events(&stream, 5, true);
        assert_eq!(
            kept[0],
            "Message { text: true, compressed: false, payload: Some([104, 101, 108, 108, 111]) }"
        );
        assert!(kept[4].contains("payload: Some([102, 114, 97, 103, 109, 101, 110, 116])"));
    }

    #[test]
    fn compressed_flag_and_empty_frames() {
        let mut stream = server_frame(0xC1, b"");
        stream.extend(server_frame(0x8A, b""));
        assert_eq!(
            events(&stream, 1, true),
            [
                "Message { text: true, compressed: true, payload: Some([]) }",
                "Pong"
            ]
        );
    }

    #[test]
    fn protocol_errors() {
        let mut reader = FrameReader::default();
        assert!(reader.feed(&[0x81, 0x85], &mut |_| {}).is_err(), "masked");
        let mut reader = FrameReader::default();
        assert!(
            reader.feed(&[0x80, 0x00], &mut |_| {}).is_err(),
            "lone continuation"
        );
    }
}
