//! The frames of `duplex.v1` (docs/protocol.md, "Frames"): telling an application message
//! from a control frame, parsing and writing control frames, and the one escape (an
//! application text that starts with U+0000 travels with one more U+0000 in front).
//! Transport layer (session): imports nothing of the crate.

use std::fmt;

use axum::extract::ws::{Message, Utf8Bytes};

use crate::transport::text::within;

/// The WebSocket subprotocol name of sessions.
pub const PROTOCOL: &str = "duplex.v1";

/// The minor version this server writes; any `hello` version of 1 or more is accepted.
pub const VERSION: u32 = 1;

/// A control frame, either direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// The client's first frame on every connection.
    Hello {
        /// The minor version (`1` today).
        version: u32,
        /// The session to resume; `None` (written `-`) for a new session.
        session: Option<String>,
        /// How many server messages of this session the client has received.
        received: u64,
        /// The number of the first application message the client sends after `hello`.
        next: u64,
    },
    /// The server's answer to `hello`.
    Welcome {
        /// The session id.
        session: String,
        /// Whether the session asked for was resumed.
        resumed: bool,
        /// How many client messages the server has accepted in this session.
        received: u64,
        /// How many server messages follow at once, replayed.
        replaying: u64,
    },
    /// A cumulative acknowledgement: messages `0 .. count` were received.
    Ack(u64),
    /// The client's heartbeat.
    Ping,
    /// The server's answer to `ping`.
    Pong,
    /// A control frame this build does not know (ignored, as the protocol says).
    Unknown(String),
}

impl Control {
    /// The frame's name, for close reasons.
    pub fn name(&self) -> &str {
        match self {
            Control::Hello { .. } => "hello",
            Control::Welcome { .. } => "welcome",
            Control::Ack(_) => "ack",
            Control::Ping => "ping",
            Control::Pong => "pong",
            Control::Unknown(name) => name,
        }
    }
}

/// What a WebSocket message is in a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// An application message, unescaped.
    App(Message),
    /// A control frame.
    Control(Control),
}

/// A control frame that does not parse; its `Display` is the close reason (names the frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads one received message: an application message (with its escape removed) or a
/// control frame.
///
/// ```
/// use axum::extract::ws::Message;
/// use duplex_server::transport::session::frame::{read, Control, Frame};
///
/// assert_eq!(read(Message::Text("\0ack 12".into())), Ok(Frame::Control(Control::Ack(12))));
/// assert_eq!(read(Message::Text("\0\0x".into())), Ok(Frame::App(Message::Text("\0x".into()))));
/// assert_eq!(read(Message::Text("hi".into())), Ok(Frame::App(Message::Text("hi".into()))));
/// ```
pub fn read(message: Message) -> Result<Frame, Malformed> {
    let Message::Text(text) = &message else {
        return Ok(Frame::App(message));
    };
    let bytes = text.as_str().as_bytes();
    match bytes {
        [0, 0, ..] => {
            let unescaped = text.as_str()[1..].to_owned();
            Ok(Frame::App(Message::Text(unescaped.into())))
        }
        [0, letter, ..] if letter.is_ascii_lowercase() => {
            parse_control(&text.as_str()[1..]).map(Frame::Control)
        }
        [0, ..] => Err(Malformed(format!(
            "malformed frame {:?}: U+0000 must be followed by a lowercase letter or U+0000",
            shorten(text.as_str())
        ))),
        _ => Ok(Frame::App(message)),
    }
}

fn parse_control(body: &str) -> Result<Control, Malformed> {
    let mut fields = body.split(' ');
    let name = fields.next().unwrap_or_default();
    let fields: Vec<&str> = fields.collect();
    let need = |count: usize| -> Result<(), Malformed> {
        if fields.len() < count {
            Err(Malformed(format!(
                "malformed {name} frame {:?}: it has {} fields, {name} has {count}",
                shorten(body),
                fields.len()
            )))
        } else {
            Ok(())
        }
    };
    let number = |index: usize, what: &str| -> Result<u64, Malformed> {
        let field = fields[index];
        let digits = !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
        match field.parse::<u64>() {
            Ok(value) if digits => Ok(value),
            _ => Err(Malformed(format!(
                "malformed {name} frame: {what} {:?} is not a whole number",
                shorten(field)
            ))),
        }
    };
    Ok(match name {
        "hello" => {
            need(4)?;
            let version = number(0, "the version")?;
            if version == 0 || version > u64::from(u32::MAX) {
                return Err(Malformed(format!(
                    "malformed hello frame: version {version}, expected 1 or more"
                )));
            }
            let session = match fields[1] {
                "-" => None,
                id if is_session_id(id) => Some(id.to_owned()),
                id => {
                    return Err(Malformed(format!(
                        "malformed hello frame: session {:?} is neither - nor a hex id",
                        shorten(id)
                    )))
                }
            };
            Control::Hello {
                version: version as u32,
                session,
                received: number(2, "received")?,
                next: number(3, "next")?,
            }
        }
        "welcome" => {
            need(4)?;
            Control::Welcome {
                session: fields[0].to_owned(),
                resumed: number(1, "resumed")? == 1,
                received: number(2, "received")?,
                replaying: number(3, "replaying")?,
            }
        }
        "ack" => {
            need(1)?;
            Control::Ack(number(0, "the count")?)
        }
        "ping" => Control::Ping,
        "pong" => Control::Pong,
        other => Control::Unknown(other.to_owned()),
    })
}

/// Whether `id` looks like a session id: 1 to 64 lowercase hex digits (ours are 32).
fn is_session_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A control frame as the text message that carries it.
///
/// ```
/// use duplex_server::transport::session::frame::{write, Control};
///
/// assert_eq!(write(&Control::Ack(1200)).to_text().unwrap(), "\0ack 1200");
/// assert_eq!(write(&Control::Pong).to_text().unwrap(), "\0pong");
/// ```
pub fn write(control: &Control) -> Message {
    let text = match control {
        Control::Hello {
            version,
            session,
            received,
            next,
        } => format!(
            "\0hello {version} {} {received} {next}",
            session.as_deref().unwrap_or("-")
        ),
        Control::Welcome {
            session,
            resumed,
            received,
            replaying,
        } => format!(
            "\0welcome {session} {} {received} {replaying}",
            u8::from(*resumed)
        ),
        Control::Ack(count) => format!("\0ack {count}"),
        Control::Ping => "\0ping".to_owned(),
        Control::Pong => "\0pong".to_owned(),
        Control::Unknown(name) => format!("\0{name}"),
    };
    Message::Text(text.into())
}

/// An application message as it goes on the wire in a session: a text that starts with
/// U+0000 gets one more in front; everything else is unchanged (no copy).
pub fn escape(message: Message) -> Message {
    match message {
        Message::Text(text) if text.as_str().starts_with('\0') => {
            let mut escaped = String::with_capacity(text.len() + 1);
            escaped.push('\0');
            escaped.push_str(text.as_str());
            Message::Text(Utf8Bytes::from(escaped))
        }
        other => other,
    }
}

/// At most 40 bytes of `text`, for a close reason (whose limit is 123 bytes).
fn shorten(text: &str) -> &str {
    within(text, 40)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;

    fn text(s: &str) -> Message {
        Message::Text(s.into())
    }

    #[test]
    fn the_examples_of_the_protocol_parse() {
        assert_eq!(
            read(text("\0hello 1 - 0 0")),
            Ok(Frame::Control(Control::Hello {
                version: 1,
                session: None,
                received: 0,
                next: 0
            }))
        );
        assert_eq!(
            read(text("\0welcome 9f3c1ab0e2d44c1b8a7d0c6e5f4a3b21 0 0 0")),
            Ok(Frame::Control(Control::Welcome {
                session: "9f3c1ab0e2d44c1b8a7d0c6e5f4a3b21".into(),
                resumed: false,
                received: 0,
                replaying: 0
            }))
        );
        assert_eq!(
            read(text("\0ack 1200")),
            Ok(Frame::Control(Control::Ack(1200)))
        );
        assert_eq!(read(text("\0ping")), Ok(Frame::Control(Control::Ping)));
        assert_eq!(read(text("\0pong")), Ok(Frame::Control(Control::Pong)));
    }

    #[test]
    fn written_frames_read_back() {
        for control in [
            Control::Hello {
                version: 1,
                session: Some("00ff".into()),
                received: 7,
                next: u64::MAX,
            },
            Control::Hello {
                version: 2,
                session: None,
                received: 0,
                next: 3,
            },
            Control::Welcome {
                session: "abc".into(),
                resumed: true,
                received: 5,
                replaying: 9,
            },
            Control::Ack(0),
            Control::Ping,
            Control::Pong,
        ] {
            assert_eq!(read(write(&control)), Ok(Frame::Control(control)));
        }
    }

    #[test]
    fn app_messages_pass_unchanged_and_the_escape_round_trips() {
        let binary = Message::Binary(Bytes::from_static(b"\0ack 1"));
        assert_eq!(read(binary.clone()), Ok(Frame::App(binary.clone())));
        assert_eq!(escape(binary.clone()), binary);
        for plain in ["", "hello", "a\0b", "\0", "\0\0", "\0ack 5", "\0\0\0x"] {
            let wire = escape(text(plain));
            assert_eq!(read(wire), Ok(Frame::App(text(plain))), "{plain:?}");
        }
        assert_eq!(escape(text("hi")), text("hi"));
        assert_eq!(escape(text("\0ack 5")), text("\0\0ack 5"));
    }

    #[test]
    fn unknown_frames_and_extra_fields_are_ignored() {
        assert_eq!(
            read(text("\0later 1 2")),
            Ok(Frame::Control(Control::Unknown("later".into())))
        );
        assert_eq!(
            read(text("\0ack 3 extra")),
            Ok(Frame::Control(Control::Ack(3)))
        );
        assert_eq!(read(text("\0ping now")), Ok(Frame::Control(Control::Ping)));
    }

    #[test]
    fn malformed_frames_name_the_frame() {
        for (wire, named) in [
            ("\0ack", "ack"),
            ("\0ack x", "ack"),
            ("\0ack -1", "ack"),
            ("\0ack +1", "ack"),
            ("\0ack 99999999999999999999999", "ack"),
            ("\0hello 1 - 0", "hello"),
            ("\0hello 0 - 0 0", "hello"),
            ("\0hello 1 XYZ 0 0", "hello"),
            ("\0hello 1 - a 0", "hello"),
            ("\0", "U+0000"),
            ("\0A", "U+0000"),
            ("\0 ack 1", "U+0000"),
        ] {
            let error = read(text(wire)).unwrap_err();
            assert!(error.0.contains(named), "{wire:?}: {error}");
            assert!(error.0.len() <= 123, "{wire:?}: {error}");
        }
    }
}
