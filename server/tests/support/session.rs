//! A `duplex.v1` client for the tests, written from docs/protocol.md: it numbers its messages,
//! keeps them until acknowledged, resends them after `hello`, counts and acknowledges what it
//! receives, and cuts its TCP connection on demand.

use std::collections::VecDeque;
use std::net::IpAddr;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{within, Client, SAFETY};

/// What a session client keeps across its connections.
#[derive(Debug, Default, Clone)]
pub struct SessionState {
    /// The id the server granted, once it did.
    pub id: Option<String>,
    /// How many server messages were received.
    pub received: u64,
    /// The number of the next message to send.
    pub sent: u64,
    /// The messages sent and not yet acknowledged, from number `sent - unacked.len()`.
    pub unacked: VecDeque<Message>,
}

/// The server's `welcome`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub session: String,
    pub resumed: bool,
    pub received: u64,
    pub replaying: u64,
}

/// One connection of a session.
pub struct SessionPeer {
    pub ws: Client,
    pub state: SessionState,
    pub welcome: Welcome,
    /// Pongs received.
    pub pongs: u64,
    /// Acks received.
    pub acks: u64,
}

/// Opens a WebSocket offering `protocols`; returns the client and the protocol selected.
pub async fn connect_offering(url: &str, protocols: &str) -> (Client, Option<String>) {
    connect_offering_from(url, protocols, None).await
}

/// The same from the local address `source` when given (on Linux any 127.x.y.z reaches a
/// server on 127.0.0.1: a second peer, as the server counts them, on one machine).
pub async fn connect_offering_from(
    url: &str,
    protocols: &str,
    source: Option<IpAddr>,
) -> (Client, Option<String>) {
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", protocols.parse().unwrap());
    let handshake = async {
        let Some(source) = source else {
            return tokio_tungstenite::connect_async(request).await;
        };
        let uri = request.uri();
        let address = format!("{}:{}", uri.host().unwrap(), uri.port_u16().unwrap());
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((source, 0).into()).unwrap();
        let stream = socket.connect(address.parse().unwrap()).await.unwrap();
        let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
        tokio_tungstenite::client_async(request, stream).await
    };
    let (client, response) = tokio::time::timeout(SAFETY, handshake)
        .await
        .expect("an answer to the handshake")
        .expect("the handshake succeeds");
    let selected = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .map(|value| value.to_str().unwrap().to_owned());
    (client, selected)
}

/// A raw WebSocket handshake to `path` offering `protocols`: the HTTP status and the
/// `Sec-WebSocket-Protocol` the server answered (tungstenite's client refuses an answer
/// without one, so this reads the bytes itself).
pub fn selected_protocol(address: &str, path: &str, protocols: &str) -> (u16, Option<String>) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: {protocols}\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head[9..12].parse().unwrap();
    let protocol = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("sec-websocket-protocol")
            .then(|| value.trim().to_owned())
    });
    (status, protocol)
}

/// `message` as it goes on the wire in a session (the U+0000 escape).
pub fn escape(message: Message) -> Message {
    match message {
        Message::Text(text) if text.as_str().starts_with('\0') => {
            Message::text(format!("\0{}", text.as_str()))
        }
        other => other,
    }
}

impl SessionPeer {
    /// Connects, sends `hello` for `state` (a new session if it has no id), resends every
    /// unacknowledged message at once (no round trip), then reads the `welcome`.
    pub async fn open(url: &str, state: SessionState) -> SessionPeer {
        SessionPeer::open_from(url, None, state).await
    }

    /// The same from the local address `source` (see [`connect_offering_from`]).
    pub async fn open_from(
        url: &str,
        source: Option<IpAddr>,
        mut state: SessionState,
    ) -> SessionPeer {
        let (mut ws, selected) = connect_offering_from(url, "duplex.v1", source).await;
        assert_eq!(selected.as_deref(), Some("duplex.v1"), "{url}");
        let first = state.sent - state.unacked.len() as u64;
        let hello = format!(
            "\0hello 1 {} {} {first}",
            state.id.as_deref().unwrap_or("-"),
            state.received
        );
        within("send hello", ws.send(Message::text(hello)))
            .await
            .unwrap();
        for message in &state.unacked {
            within("resend", ws.send(escape(message.clone())))
                .await
                .unwrap();
        }
        let welcome = match next_raw(&mut ws).await {
            Message::Text(text) => parse_welcome(text.as_str()),
            other => panic!("expected a welcome, got {other:?}"),
        };
        if !welcome.resumed {
            state.received = 0;
        }
        state.id = Some(welcome.session.clone());
        // The server had the messages below `received`: forget them.
        forget_acked(&mut state, welcome.received);
        SessionPeer {
            ws,
            state,
            welcome,
            pongs: 0,
            acks: 0,
        }
    }

    /// Sends an application message (numbered, kept until acknowledged).
    pub async fn send(&mut self, message: Message) {
        self.state.unacked.push_back(message.clone());
        self.state.sent += 1;
        within("send", self.ws.send(escape(message))).await.unwrap();
    }

    /// Sends a raw frame (a control frame, or anything a broken client would).
    pub async fn send_raw(&mut self, message: Message) {
        within("send raw", self.ws.send(message)).await.unwrap();
    }

    /// Acknowledges everything received so far.
    pub async fn ack(&mut self) {
        let ack = format!("\0ack {}", self.state.received);
        within("send ack", self.ws.send(Message::text(ack)))
            .await
            .unwrap();
    }

    /// The next application message; takes acks and pongs on the way; acknowledges every
    /// 64 messages received.
    pub async fn recv(&mut self) -> Message {
        loop {
            let message = next_raw(&mut self.ws).await;
            if let Message::Text(text) = &message {
                let text = text.as_str();
                if let Some(count) = text.strip_prefix("\0ack ") {
                    self.acks += 1;
                    forget_acked(&mut self.state, count.parse().unwrap());
                    continue;
                }
                if text == "\0pong" {
                    self.pongs += 1;
                    continue;
                }
                if let Some(rest) = text.strip_prefix('\0') {
                    if rest.starts_with('\0') {
                        self.state.received += 1;
                        return Message::text(rest);
                    }
                    panic!("unexpected control frame {text:?}");
                }
            }
            self.state.received += 1;
            if self.state.received.is_multiple_of(64) {
                self.ack().await;
            }
            return message;
        }
    }

    /// Reads one control frame (an ack or a pong) and takes it into account.
    pub async fn recv_control(&mut self) {
        let message = next_raw(&mut self.ws).await;
        let text = message.to_text().unwrap_or_default().to_owned();
        if let Some(count) = text.strip_prefix("\0ack ") {
            self.acks += 1;
            forget_acked(&mut self.state, count.parse().unwrap());
        } else if text == "\0pong" {
            self.pongs += 1;
        } else {
            panic!("expected an ack or a pong, got {message:?}");
        }
    }

    /// Drops the TCP connection at once (no close frame); the state stays for a resume.
    pub fn cut(self) -> SessionState {
        drop(self.ws);
        self.state
    }
}

/// Forgets the messages an ack (or a welcome) of `count` covers; a count beyond what was sent
/// fails the test.
fn forget_acked(state: &mut SessionState, count: u64) {
    assert!(
        count <= state.sent,
        "the server acknowledged {count} messages, only {} were sent",
        state.sent
    );
    while state.sent - (state.unacked.len() as u64) < count {
        state.unacked.pop_front();
    }
}

/// The next text, binary or close message (pings and pongs skipped), within the safety
/// timeout: [`super::next`] under the name these tests read it by.
pub async fn next_raw(ws: &mut Client) -> Message {
    super::next(ws).await
}

/// Parses `\0welcome <session> <resumed> <received> <replaying>`.
pub fn parse_welcome(text: &str) -> Welcome {
    let fields: Vec<&str> = text
        .strip_prefix("\0welcome ")
        .unwrap_or_else(|| panic!("expected a welcome, got {text:?}"))
        .split(' ')
        .collect();
    Welcome {
        session: fields[0].to_owned(),
        resumed: fields[1] == "1",
        received: fields[2].parse().unwrap(),
        replaying: fields[3].parse().unwrap(),
    }
}
