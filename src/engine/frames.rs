//! The control frames of the `duplex.v1` session protocol (docs/protocol.md): text messages
//! that start with U+0000, read and written here and nowhere else.

use crate::engine::text::{cut, parse_decimal, text};
use crate::prelude::*;

/// The subprotocol a session offers and the server selects.
pub const SESSION_PROTOCOL: &str = "duplex.v1";

/// The minor version a `hello` carries.
const VERSION: u32 = 1;

/// A control frame the client reads: the server's side of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFrame {
    /// The answer to `hello`.
    Welcome {
        /// The session's id (the same one if it resumed, a new one if not).
        session: String,
        /// Whether the session the client asked for resumed.
        resumed: bool,
        /// How many of the client's messages the server has accepted in this session.
        received: u64,
        /// How many of its own messages the server replays right after.
        replaying: u64,
    },
    /// The server has received the client's messages `0 .. count`.
    Ack(u64),
    /// The answer to a heartbeat.
    Pong,
    /// A frame this version does not know: ignored, as the protocol says.
    Unknown,
}

/// Reads a control frame (a text message that starts with U+0000 and a lowercase letter),
/// or says what is wrong with it.
pub fn parse_server_frame(text: &str) -> Result<ServerFrame, String> {
    let mut fields = Fields(text.strip_prefix('\0').unwrap_or(text));
    let name = fields.next();
    match name {
        "ack" => Ok(ServerFrame::Ack(fields.count(name, "count")?)),
        "pong" => Ok(ServerFrame::Pong),
        "welcome" => {
            let session = fields.next().to_owned();
            if session.is_empty() || session == "-" {
                return Err("welcome frame without a session id".to_owned());
            }
            let flag = fields.next();
            let resumed = match flag {
                "1" => true,
                "0" => false,
                _ => return Err(text!("welcome frame: resumed \"", flag, "\" is not 0 or 1")),
            };
            let received = fields.count(name, "received")?;
            let replaying = fields.count(name, "replaying")?;
            Ok(ServerFrame::Welcome {
                session,
                resumed,
                received,
                replaying,
            })
        }
        _ => Ok(ServerFrame::Unknown),
    }
}

/// A frame's fields, split at each space; past the last one, empty fields. (Byte by byte:
/// `str::split` and `str::parse` would add a kilobyte to the npm package's wasm.)
struct Fields<'a>(&'a str);

impl<'a> Fields<'a> {
    fn next(&mut self) -> &'a str {
        let rest = self.0;
        let end = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        self.0 = cut(rest, end + 1, rest.len());
        cut(rest, 0, end)
    }

    /// The next field as a count (`what` of a `frame` frame), or what is wrong with it.
    fn count(&mut self, frame: &str, what: &str) -> Result<u64, String> {
        let field = self.next();
        parse_decimal(field.as_bytes())
            .ok_or_else(|| text!(frame, " frame: ", what, " \"", field, "\" is not a count"))
    }
}

/// The client's first frame on a connection: resume `session` (or start one), having
/// received `received` messages, sending from number `next` on.
pub fn hello(session: Option<&str>, received: u64, next: u64) -> String {
    let session = session.unwrap_or("-");
    text!("\0hello ", VERSION, " ", session, " ", received, " ", next)
}

/// A cumulative acknowledgement of `count` received messages.
pub fn ack(count: u64) -> String {
    text!("\0ack ", count)
}

/// The heartbeat.
pub const PING: &str = "\0ping";

/// Whether a received text message is a control frame (U+0000 then a letter), as opposed to
/// application text (escaped when it starts with U+0000 itself). Takes the first two UTF-16
/// units, which is what a shell can read of a JS string without copying it.
pub fn is_control(first: Option<u16>, second: Option<u16>) -> bool {
    first == Some(0) && second != Some(0)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn reads_each_server_frame() {
        assert_eq!(
            parse_server_frame("\0welcome ab12 1 7 3"),
            Ok(ServerFrame::Welcome {
                session: "ab12".into(),
                resumed: true,
                received: 7,
                replaying: 3
            })
        );
        assert_eq!(parse_server_frame("\0ack 1200"), Ok(ServerFrame::Ack(1200)));
        assert_eq!(parse_server_frame("\0pong"), Ok(ServerFrame::Pong));
        // Unknown frames and extra trailing fields are for later minor versions.
        assert_eq!(parse_server_frame("\0news 1 2"), Ok(ServerFrame::Unknown));
        assert_eq!(parse_server_frame("\0ack 5 extra"), Ok(ServerFrame::Ack(5)));
    }

    #[test]
    fn names_what_is_malformed() {
        let err = parse_server_frame("\0ack x").unwrap_err();
        assert!(err.contains("ack frame") && err.contains("\"x\""), "{err}");
        let err = parse_server_frame("\0welcome s 2 0 0").unwrap_err();
        assert!(err.contains("resumed \"2\""), "{err}");
        let err = parse_server_frame("\0welcome s 1 0").unwrap_err();
        assert!(err.contains("replaying \"\""), "{err}");
        assert!(parse_server_frame("\0welcome - 0 0 0").is_err());
        // A count is ASCII digits within u64: no sign, no overflow, not empty.
        assert_eq!(
            parse_server_frame("\0ack 18446744073709551615"),
            Ok(ServerFrame::Ack(u64::MAX))
        );
        for field in ["+5", "18446744073709551616", "", "1_0", "٣"] {
            let frame = text!("\0ack ", field);
            assert!(parse_server_frame(&frame).is_err(), "{frame:?}");
        }
    }

    #[test]
    fn writes_the_client_frames() {
        assert_eq!(hello(None, 0, 0), "\0hello 1 - 0 0");
        assert_eq!(hello(Some("ab"), 4, 9), "\0hello 1 ab 4 9");
        assert_eq!(ack(64), "\0ack 64");
    }

    #[test]
    fn tells_control_frames_from_escaped_text() {
        assert!(is_control(Some(0), Some(u16::from(b'a'))));
        assert!(!is_control(Some(0), Some(0)), "\\0\\0 is escaped text");
        assert!(!is_control(Some(u16::from(b'h')), Some(0)));
        assert!(!is_control(None, None));
    }
}
