//! A connection in session mode, as an endpoint uses it: [`SessionConn::open`] reads the
//! client's `hello`, resumes its session or starts one, and queues the `welcome` (and the
//! replay); [`SessionConn::recv`] then yields application messages only, each accepted once
//! (a resent one the session already had is dropped), answers `ping` with `pong`, takes the
//! client's acks, and acknowledges what it read once it has read every frame already
//! buffered (one ack per read batch, so a pipelined burst gets one ack).
//! [`SessionConn::send`] numbers and keeps a message for a replay. A broken frame closes
//! with 1002 and a reason that names it. Transport layer (session): imports only `transport`.

use std::sync::Arc;

use axum::extract::ws::Message;
use futures_util::FutureExt;

use super::frame::{self, Control, Frame};
use super::registry::{Full, Sessions};
use super::replay::ReplayError;
use super::state::Session;
use crate::transport::connection::PROTOCOL_ERROR;
use crate::transport::outbox::TRY_AGAIN_LATER;
use crate::transport::{Closed, Connection};

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
    resumed: bool,
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
    pub async fn open(mut connection: Connection, sessions: &Sessions, scope: &str) -> Opened {
        let (session, received, next) = loop {
            let Some(message) = connection.recv().await else {
                return Opened::Ended(connection);
            };
            let why = match frame::read(message) {
                Ok(Frame::Control(Control::Hello {
                    session,
                    received,
                    next,
                    ..
                })) => break (session, received, next),
                Ok(Frame::Control(Control::Unknown(_))) => continue,
                Ok(Frame::Control(other)) => format!("{} before hello", name(&other)),
                Ok(Frame::App(_)) => "a data message before hello".to_owned(),
                Err(malformed) => malformed.0,
            };
            return Opened::Ended(protocol_error(connection, &why));
        };
        let outbox = connection.outbox();
        let link = connection.link();
        let peer = connection.info().peer;
        if let Some(id) = session {
            let why = match sessions.find(&id, scope) {
                Some(session) => match session.resume(&outbox, &link, received, next) {
                    Ok(resumed) => {
                        tracing::info!(%peer, session = %&id[..8], received, next, "session resumed");
                        let generation = resumed.generation;
                        return Opened::Session(SessionConn {
                            connection,
                            attachment: Attachment {
                                session,
                                generation,
                            },
                            in_next: next,
                            acked: resumed.received,
                            ack_due: false,
                            resumed: true,
                        });
                    }
                    Err(why) => why,
                },
                None => {
                    "no such session here (never issued, expired, or another endpoint's)".to_owned()
                }
            };
            tracing::info!(%peer, why, "session not resumed: a new one starts");
        }
        let session = match sessions.start(scope, next) {
            Ok(session) => session,
            Err(Full(most)) => {
                let reason = format!("too many sessions: --max-sessions {most} are held");
                connection.close(TRY_AGAIN_LATER, &reason);
                return Opened::Ended(connection);
            }
        };
        let generation = session.start(&outbox, &link);
        tracing::debug!(%peer, session = %&session.id()[..8], "session started");
        Opened::Session(SessionConn {
            connection,
            attachment: Attachment {
                session,
                generation,
            },
            in_next: next,
            acked: next,
            ack_due: false,
            resumed: false,
        })
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
            let message = match self.connection.recv().now_or_never() {
                Some(message) => message,
                None => {
                    // Every frame already buffered is read: acknowledge them, then wait.
                    self.acknowledge();
                    self.connection.recv().await
                }
            }?;
            let why = match frame::read(message) {
                Ok(Frame::App(message)) => {
                    let mut state = self.attachment.session.lock();
                    if state.generation != self.attachment.generation {
                        // Another connection took the session over; this one is closing.
                        return None;
                    }
                    let number = self.in_next;
                    self.in_next += 1;
                    self.ack_due = true;
                    if number < state.in_count {
                        continue; // resent, and the session already had it
                    }
                    state.in_count += 1;
                    return Some(message);
                }
                Ok(Frame::Control(Control::Ack(count))) => {
                    match self.attachment.session.lock().out.ack(count) {
                        Ok(()) => continue,
                        Err(ReplayError::BeyondSent { count, sent }) => {
                            format!("ack {count} is more than the {sent} messages sent")
                        }
                        Err(ReplayError::Trimmed { .. }) => continue,
                    }
                }
                Ok(Frame::Control(Control::Ping)) => {
                    let _ = self.connection.outbox().offer(frame::write(&Control::Pong));
                    continue;
                }
                Ok(Frame::Control(Control::Unknown(_))) => continue,
                Ok(Frame::Control(hello @ Control::Hello { .. })) => {
                    format!("a second {}", name(&hello))
                }
                Ok(Frame::Control(other)) => {
                    format!("{} is the server's frame, not the client's", name(&other))
                }
                Err(malformed) => malformed.0,
            };
            tracing::info!(peer = %self.connection.info().peer, why, "session protocol error");
            self.connection.close(PROTOCOL_ERROR, &why);
            return None;
        }
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
    fn acknowledge(&mut self) {
        let count = self.attachment.session.lock().in_count;
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

/// A control frame's name, for close reasons.
fn name(control: &Control) -> &str {
    match control {
        Control::Hello { .. } => "hello",
        Control::Welcome { .. } => "welcome",
        Control::Ack(_) => "ack",
        Control::Ping => "ping",
        Control::Pong => "pong",
        Control::Unknown(name) => name,
    }
}
