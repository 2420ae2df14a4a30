//! A connection in session mode, as an endpoint uses it, once [`SessionConn::open`]
//! (`opening.rs`) has read the client's `hello` and attached it to its session:
//! [`SessionConn::recv`] yields application messages only, each accepted once
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
use super::replay::ReplayError;
use super::state::Session;
use crate::transport::connection::PROTOCOL_ERROR;
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

impl SessionConn {
    /// `connection`, attached to `session` as its connection number `generation`; the
    /// client's next message is number `in_next`, and `acked` were acknowledged.
    pub(super) fn attached(
        connection: Connection,
        (session, generation): (Arc<Session>, u64),
        (in_next, acked): (u64, u64),
        resumed: bool,
    ) -> SessionConn {
        SessionConn {
            connection,
            attachment: Attachment {
                session,
                generation,
            },
            in_next,
            acked,
            ack_due: false,
            ack_by: None,
            last_number: None,
            resumed,
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
                // A hello may start the numbering anywhere a u64 reaches (docs/protocol.md);
                // a message past its end is the client's error, not a wrap to 0.
                let Some(following) = number.checked_add(1) else {
                    drop(state);
                    return self.protocol_error(format!(
                        "message number {number} overflows the session's count (a u64)"
                    ));
                };
                self.in_next = following;
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
        self.protocol_error(why)
    }

    /// Closes with 1002 for `why`, the client's breach of the protocol.
    fn protocol_error(&mut self, why: String) -> Buffered {
        fail(&mut self.connection, &why);
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

/// Closes with 1002 (after what is queued) for `why`, the client's breach of the protocol,
/// and logs it.
pub(super) fn fail(connection: &mut Connection, why: &str) {
    tracing::info!(peer = %connection.info().peer, why, "session protocol error");
    connection.close(PROTOCOL_ERROR, why);
}
