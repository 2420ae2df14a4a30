//! A connection in session mode, as an endpoint uses it: [`SessionConn::open`] reads the
//! client's `hello`, resumes its session or starts one, and queues the `welcome` (and the
//! replay); [`SessionConn::recv`] then yields application messages only, each accepted once
//! (a resent one the session already had is dropped), answers `ping` with `pong`, takes the
//! client's acks, and acknowledges what it read in batches, as the protocol asks of every
//! receiver: once [`ACK_EVERY`] messages are unacknowledged, else [`ACK_DELAY`] after the
//! first of them (each ack is a message the browser must carry to the page: one per read
//! batch doubled the messages a request-and-answer client handled).
//! [`SessionConn::send`] numbers and keeps a message for a replay. A broken frame closes
//! with 1002 and a reason that names it. Transport layer (session): imports only `transport`.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::ws::Message;
use futures_util::FutureExt;

use super::frame::{self, Control, Frame};
use super::registry::{Full, Sessions};
use super::replay::ReplayError;
use super::state::Session;
use crate::transport::connection::PROTOCOL_ERROR;
use crate::transport::outbox::TRY_AGAIN_LATER;
use crate::transport::{Closed, Connection};

/// Acknowledge at once when this many messages are unacknowledged.
pub const ACK_EVERY: u64 = 64;
/// Else acknowledge this long after the first unacknowledged message arrived (what a
/// `sendAsync` of a lone message waits at most, beyond the round trip).
pub const ACK_DELAY: Duration = Duration::from_millis(20);

/// An open connection attached to a session; see the module doc.
pub struct SessionConn {
    connection: Connection,
    attachment: Attachment,
    /// The number of the client's next message on this connection.
    in_next: u64,
    /// The count in the last ack sent (or in the welcome).
    acked: u64,
    /// Whether a message arrived since the last ack (a duplicate is acknowledged too).
    ack_due: bool,
    /// When the ack of what arrived since the last one is due at the latest.
    ack_by: Option<Instant>,
    /// The number of the message `recv` returned last.
    last_number: Option<u64>,
    resumed: bool,
}

/// The client's `hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The session to resume, if any.
    pub session: Option<String>,
    /// How many server messages the client has received.
    pub received: u64,
    /// The number of the client's first message after `hello`.
    pub next: u64,
}

/// What is already buffered on the connection ([`SessionConn::try_recv`]).
pub enum Buffered {
    /// A new application message.
    Message(Message),
    /// The connection ended.
    Ended,
    /// Nothing more is buffered now.
    Empty,
}

/// Detaches the session when the connection ends, however it ends.
struct Attachment {
    session: Arc<Session>,
    generation: u64,
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.session.detach(self.generation);
    }
}

/// What [`SessionConn::open`] made of a connection.
pub enum Opened {
    /// The session goes on (or starts) on it.
    Session(SessionConn),
    /// No session: the connection ended, or was closed (1002 for a first frame that is not a
    /// `hello`, 1013 when `--max-sessions` are held); finish it.
    Ended(Connection),
}

impl SessionConn {
    /// Reads the `hello`, then resumes the session it names in `scope` (the endpoint and
    /// room) or starts a new one, and queues the `welcome` with the replay behind it.
    pub async fn open(connection: Connection, sessions: &Sessions, scope: &str) -> Opened {
        let (connection, hello) = match SessionConn::read_hello(connection).await {
            Ok(read) => read,
            Err(connection) => return Opened::Ended(connection),
        };
        let peer = connection.info().peer;
        if let Some(id) = &hello.session {
            let why = match sessions.find(id, scope) {
                Some(session) => match SessionConn::resume(connection, session, &hello) {
                    Ok(resumed) => {
                        tracing::info!(%peer, session = %&id[..id.len().min(8)], hello.received, hello.next, "session resumed");
                        return Opened::Session(resumed);
                    }
                    Err(refused) => {
                        let (back, why) = *refused;
                        return SessionConn::open_new(back, sessions, scope, &hello, &why);
                    }
                },
                None => "no such session here (never issued, expired, or another endpoint's)",
            };
            return SessionConn::open_new(connection, sessions, scope, &hello, why);
        }
        SessionConn::open_new(connection, sessions, scope, &hello, "")
    }

    fn open_new(
        mut connection: Connection,
        sessions: &Sessions,
        scope: &str,
        hello: &Hello,
        refused: &str,
    ) -> Opened {
        if !refused.is_empty() {
            let peer = connection.info().peer;
            tracing::info!(%peer, why = refused, "session not resumed: a new one starts");
        }
        match sessions.start(scope, hello.next) {
            Ok(session) => Opened::Session(SessionConn::start(connection, session, hello)),
            Err(Full(most)) => {
                let reason = format!("too many sessions: --max-sessions {most} are held");
                connection.close(TRY_AGAIN_LATER, &reason);
                Opened::Ended(connection)
            }
        }
    }

    /// Reads the client's first frame, which must be a `hello`; else closes with 1002 (or
    /// the connection ended) and hands the connection back to be finished.
    pub async fn read_hello(mut connection: Connection) -> Result<(Connection, Hello), Connection> {
        loop {
            let Some(message) = connection.recv().await else {
                return Err(connection);
            };
            let why = match frame::read(message) {
                Ok(Frame::Control(Control::Hello {
                    session,
                    received,
                    next,
                    ..
                })) => {
                    let hello = Hello {
                        session,
                        received,
                        next,
                    };
                    return Ok((connection, hello));
                }
                Ok(Frame::Control(Control::Unknown(_))) => continue,
                Ok(Frame::Control(other)) => format!("{} before hello", other.name()),
                Ok(Frame::App(_)) => "a data message before hello".to_owned(),
                Err(malformed) => malformed.0,
            };
            return Err(protocol_error(connection, &why));
        }
    }

    /// Attaches `connection` to `session` as a resume of `hello` and queues the welcome
    /// (resumed) with the replay; an error (with the connection back) when the session cannot
    /// serve that resume.
    pub fn resume(
        connection: Connection,
        session: Arc<Session>,
        hello: &Hello,
    ) -> Result<SessionConn, Box<(Connection, String)>> {
        let (outbox, link) = (connection.outbox(), connection.link());
        match session.resume(&outbox, &link, hello.received, hello.next) {
            Ok(resumed) => Ok(SessionConn {
                connection,
                attachment: Attachment {
                    session,
                    generation: resumed.generation,
                },
                in_next: hello.next,
                acked: resumed.received,
                ack_due: false,
                ack_by: None,
                last_number: None,
                resumed: true,
            }),
            Err(why) => Err(Box::new((connection, why))),
        }
    }

    /// Attaches `connection` to the new `session` and queues its welcome (not resumed).
    pub fn start(connection: Connection, session: Arc<Session>, hello: &Hello) -> SessionConn {
        let generation = session.start(&connection.outbox(), &connection.link());
        tracing::debug!(peer = %connection.info().peer, session = %&session.id()[..8], "session started");
        SessionConn {
            connection,
            attachment: Attachment {
                session,
                generation,
            },
            in_next: hello.next,
            acked: hello.next,
            ack_due: false,
            ack_by: None,
            last_number: None,
            resumed: false,
        }
    }

    /// Whether the client resumed its session (else this is the session's first connection).
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The session.
    pub fn session(&self) -> &Arc<Session> {
        &self.attachment.session
    }

    /// The connection underneath (its peer, pauses, a close after the queue).
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The next application message the session had not received yet; `None` once the
    /// connection ends (or broke the protocol: it is then closing with 1002).
    pub async fn recv(&mut self) -> Option<Message> {
        loop {
            match self.try_recv() {
                Buffered::Message(message) => return Some(message),
                Buffered::Ended => return None,
                Buffered::Empty => {}
            }
            // Every frame already buffered is read: acknowledge a full batch now, a partial
            // one when its delay runs out, unless more messages come first.
            let count = self.attachment.session.lock().in_count;
            if count.saturating_sub(self.acked) >= ACK_EVERY {
                self.acknowledge();
            }
            let message = match self.ack_by {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, self.connection.recv()).await {
                        Ok(message) => message?,
                        Err(_) => {
                            self.acknowledge();
                            continue;
                        }
                    }
                }
                None => self.connection.recv().await?,
            };
            match self.take(message) {
                Buffered::Message(message) => return Some(message),
                Buffered::Ended => return None,
                Buffered::Empty => {}
            }
        }
    }

    /// The next application message already buffered, without waiting and without
    /// acknowledging: for an endpoint that must finish something (a write to Redis) before
    /// the batch is acknowledged ([`acknowledge`](SessionConn::acknowledge)).
    pub fn try_recv(&mut self) -> Buffered {
        loop {
            let message = match self.connection.recv().now_or_never() {
                None => return Buffered::Empty,
                Some(None) => return Buffered::Ended,
                Some(Some(message)) => message,
            };
            match self.take(message) {
                Buffered::Empty => continue,
                taken => return taken,
            }
        }
    }

    /// The number (in the client's numbering) of the message `recv` returned last.
    pub fn last_number(&self) -> Option<u64> {
        self.last_number
    }

    /// Takes one frame: a new application message, `Ended` on a protocol error (closing with
    /// 1002), `Empty` for anything else (a control frame, a duplicate).
    fn take(&mut self, message: Message) -> Buffered {
        let why = match frame::read(message) {
            Ok(Frame::App(message)) => {
                let mut state = self.attachment.session.lock();
                if state.generation != self.attachment.generation {
                    // Another connection took the session over; this one is closing.
                    return Buffered::Ended;
                }
                let number = self.in_next;
                self.in_next += 1;
                self.ack_due = true;
                self.ack_by
                    .get_or_insert_with(|| Instant::now() + ACK_DELAY);
                if number < state.in_count {
                    return Buffered::Empty; // resent, and the session already had it
                }
                state.in_count += 1;
                self.last_number = Some(number);
                return Buffered::Message(message);
            }
            Ok(Frame::Control(Control::Ack(count))) => {
                match self.attachment.session.lock().out.ack(count) {
                    Err(ReplayError::BeyondSent { count, sent }) => {
                        format!("ack {count} is more than the {sent} messages sent")
                    }
                    _ => return Buffered::Empty,
                }
            }
            Ok(Frame::Control(Control::Ping)) => {
                let _ = self.connection.outbox().offer(frame::write(&Control::Pong));
                return Buffered::Empty;
            }
            Ok(Frame::Control(Control::Unknown(_))) => return Buffered::Empty,
            Ok(Frame::Control(hello @ Control::Hello { .. })) => {
                format!("a second {}", hello.name())
            }
            Ok(Frame::Control(other)) => {
                format!("{} is the server's frame, not the client's", other.name())
            }
            Err(malformed) => malformed.0,
        };
        tracing::info!(peer = %self.connection.info().peer, why, "session protocol error");
        self.connection.close(PROTOCOL_ERROR, &why);
        Buffered::Ended
    }

    /// Closes after what is queued (e.g. 1013 when a shared store failed); the session waits
    /// for a resume.
    pub fn close(&mut self, code: u16, reason: &str) {
        self.connection.close(code, reason);
    }

    /// Numbers `message` and keeps it for a replay, then queues it for the client; waits
    /// while this connection's queue is over its byte budget. The message is kept even when
    /// the connection is closing (`Err`): the next connection of the session replays it.
    pub async fn send(&self, message: Message) -> Result<(), Closed> {
        let ready = self.connection.ready().await;
        self.attachment.session.send(message);
        ready
    }

    /// Ends the connection at once, without a close frame; the session waits for a resume.
    pub fn drop_now(self, why: &str) {
        let SessionConn {
            connection,
            attachment,
            ..
        } = self;
        drop(attachment);
        connection.drop_now(why);
    }

    /// The close handshake; the session waits for a resume (for the TTL).
    pub async fn finish(self) {
        let SessionConn {
            connection,
            attachment,
            ..
        } = self;
        drop(attachment);
        connection.finish().await;
    }

    /// Acknowledges every message received so far, if any came since the last ack.
    pub fn acknowledge(&mut self) {
        let count = self.attachment.session.lock().in_count;
        self.ack_by = None;
        if self.ack_due || count > self.acked {
            self.ack_due = false;
            self.acked = count;
            let _ = self
                .connection
                .outbox()
                .offer(frame::write(&Control::Ack(count)));
        }
    }
}

/// Closes with 1002 (after what is queued), logging why; hands the connection back.
fn protocol_error(mut connection: Connection, why: &str) -> Connection {
    tracing::info!(peer = %connection.info().peer, why, "session protocol error");
    connection.close(PROTOCOL_ERROR, why);
    connection
}
