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

use crate::transport::session::replay::{ReplayBounds, ENTRY_OVERHEAD};

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

/// The format of frames published with the room's Redis Stream entry (by [`PUBLISH_SCRIPT`]).
///
/// | bytes | what |
/// |---|---|
/// | 0 | `2` |
/// | 1..9 | the publishing instance's id |
/// | 9 | the kind, `t` or `b` |
/// | 10 | the length L of the stream entry's id, then that id (ASCII, `ms-seq`) |
/// | 11+L | the length S of the sending session's id (0: a plain peer), then that id |
/// | .. | the message's payload |
pub const STREAM_VERSION: u8 = 2;

/// The Lua script that adds a relayed message to its room's Stream and publishes it on the
/// room's channel, atomically, so that every subscriber hears the messages in Stream order.
/// The Stream expires a session TTL after its last message (or the last refresh of a session
/// of the room, `rooms::stream`): no session can resume from it any more by then, and a room
/// no longer used leaves nothing in Redis.
/// For a session's message it first checks the session's count of accepted messages
/// (`in`): a message numbered below it is a duplicate (0), above it a gap (-2), a session
/// gone is -1; else it counts it and returns 1.
///
/// KEYS: stream, channel, session hash (or `""`). ARGV: max length, the frame's first 9
/// bytes, kind, sender session id (or `""`), payload, the message's number (or `""`), TTL
/// in milliseconds.
pub const PUBLISH_SCRIPT: &str = r#"
if ARGV[6] ~= '' then
  local have = redis.call('HGET', KEYS[3], 'in')
  if not have then return -1 end
  have = tonumber(have)
  local seq = tonumber(ARGV[6])
  if seq < have then return 0 end
  if seq > have then return -2 end
  redis.call('HSET', KEYS[3], 'in', seq + 1)
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 's', ARGV[4], 'k', ARGV[3], 'd', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('PUBLISH', KEYS[2], ARGV[2] .. ARGV[3] .. string.char(#id) .. id .. string.char(#ARGV[4]) .. ARGV[4] .. ARGV[5])
return 1
"#;

/// What every room's Stream key starts with.
pub const STREAM_PREFIX: &str = "duplex:stream:";

/// The Redis Stream of `room`.
pub fn stream(room: &str) -> String {
    format!("{STREAM_PREFIX}{room}")
}

/// The length a room's Stream is trimmed to as a message of `payload` bytes joins it: the
/// count bound (`--session-replay-messages`), or fewer for big messages: as many of its cost
/// (payload and [`ENTRY_OVERHEAD`], as a session's replay buffer counts) as the byte bound
/// (`--session-replay-bytes`) holds, at least 1. Redis trims Streams by count only; this way
/// the i-th oldest entry costs at most bytes / i (it was trimmed to at most i then; only an
/// oldest entry over the bound itself is more), so a Stream holds at most bytes × H(count)
/// of counted bytes (10.3 × at 16,384), plus at most one message over the bound, where the
/// count alone allowed count × `--max-message-size` (16 GiB).
pub fn trim_length(bounds: ReplayBounds, payload: usize) -> usize {
    (bounds.max_bytes / (payload + ENTRY_OVERHEAD))
        .min(bounds.max_messages)
        .max(1)
}

/// A Stream entry id, `ms-seq`, ordered as Redis orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct StreamId(pub u64, pub u64);

impl StreamId {
    /// Parses `ms-seq`.
    pub fn parse(text: &str) -> Option<StreamId> {
        let (ms, seq) = text.split_once('-')?;
        Some(StreamId(ms.parse().ok()?, seq.parse().ok()?))
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// A frame read back: who published it, and the message.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The publishing instance.
    pub instance: u64,
    /// The message, text or binary as it was sent.
    pub message: Message,
    /// Its Stream entry (format 2).
    pub entry: Option<StreamId>,
    /// The session that sent it (format 2, a session peer).
    pub sender: Option<String>,
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
    if frame[0] != VERSION && frame[0] != STREAM_VERSION {
        return Err(format!(
            "format version {}, expected {VERSION} or {STREAM_VERSION}",
            frame[0]
        ));
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&frame[1..9]);
    let mut rest = &frame[HEADER_LEN..];
    let (mut entry, mut sender) = (None, None);
    if frame[0] == STREAM_VERSION {
        let mut field = || -> Result<String, String> {
            let (&len, tail) = rest.split_first().ok_or("a frame cut short")?;
            let len = usize::from(len);
            if tail.len() < len {
                return Err("a frame cut short".to_owned());
            }
            let text = String::from_utf8(tail[..len].to_vec()).map_err(|_| "a bad id")?;
            rest = &tail[len..];
            Ok(text)
        };
        entry = Some(StreamId::parse(&field()?).ok_or("a bad stream entry id")?);
        sender = Some(field()?).filter(|s| !s.is_empty());
    }
    let payload = rest.to_vec();
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
        entry,
        sender,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streams_counted_bytes_stay_under_bytes_times_the_harmonic_number() {
        let bounds = ReplayBounds {
            max_bytes: 100_000,
            max_messages: 64,
        };
        let cost = |payload: usize| payload + ENTRY_OVERHEAD;
        // Sizes that try to keep as much as possible: a run of big ones (the count bound
        // alone would keep 64 of them), halving, then a burst of small ones, then big ones
        // again; and one over the byte bound, which is kept alone.
        let mut sizes: Vec<usize> = std::iter::repeat_n(40_000, 64).collect();
        sizes.extend((0..12).map(|k| 200_000 >> k));
        sizes.extend(std::iter::repeat_n(20, 100));
        sizes.extend([60_000, 30_000, 15_000, 7_000, 20, 20]);
        let mut stream: std::collections::VecDeque<usize> = Default::default();
        let harmonic: f64 = (1..=64).map(|i| 1.0 / i as f64).sum();
        for size in sizes {
            stream.push_back(size);
            let keep = trim_length(bounds, size);
            while stream.len() > keep {
                stream.pop_front();
            }
            let held: usize = stream.iter().map(|&s| cost(s)).sum();
            let bound = (100_000.0 * harmonic) as usize + cost(200_000);
            assert!(held <= bound, "{held} > {bound}: {stream:?}");
            assert!(stream.len() <= 64);
        }
        assert_eq!(
            trim_length(bounds, 200_000),
            1,
            "one over the bound stays alone"
        );
        assert_eq!(trim_length(bounds, 30_000), 3);
        assert_eq!(trim_length(bounds, 0), 64, "the count bound");
    }

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
        frame[0] = 3;
        assert!(decode(&frame).unwrap_err().contains("version 3"));
        frame[0] = VERSION;
        frame[9] = b'?';
        assert!(decode(&frame).unwrap_err().contains("kind"));
        let mut frame = encode(7, &Message::Binary(Bytes::from_static(&[0xff]))).unwrap();
        frame[9] = b't';
        assert!(decode(&frame).unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn stream_frames_carry_the_entry_and_the_sender() {
        let mut frame = vec![STREAM_VERSION, 0, 0, 0, 0, 0, 0, 0, 9, b't'];
        frame.push(3);
        frame.extend_from_slice(b"5-1");
        frame.push(2);
        frame.extend_from_slice(b"ab");
        frame.extend_from_slice(b"hi");
        let decoded = decode(&frame).unwrap();
        assert_eq!(decoded.instance, 9);
        assert_eq!(decoded.entry, Some(StreamId(5, 1)));
        assert_eq!(decoded.sender.as_deref(), Some("ab"));
        assert_eq!(decoded.message, Message::Text("hi".into()));
        assert!(StreamId(5, 1) < StreamId(5, 2) && StreamId(5, 9) < StreamId(6, 0));
    }

    #[test]
    fn only_our_channels_name_a_room() {
        assert_eq!(room_of(channel("a b").as_bytes()), Some("a b"));
        assert_eq!(room_of(b"other:red"), None);
    }
}
