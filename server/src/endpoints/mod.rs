//! **Layer 3 of 4: endpoints.** What the server does with a connection once it is open: the
//! original [`conversation`], [`echo`], the [`relay`] rooms, and the test [`hooks`], which wrap
//! another endpoint (`/hooks` wraps echo; `/` wraps the conversation when `--test-hooks` is on).
//!
//! May import: `rooms`, `transport`. Never the app state nor the router: an endpoint is a
//! function of a [`Connection`] and what it needs (the rooms, the hooks' refusal book).

pub mod conversation;
pub mod echo;
pub mod hooks;
pub mod relay;
pub mod relay_stream;

use axum::extract::ws::Message;

use crate::transport::session::{Opened, SessionConn, Sessions, PROTOCOL};
use crate::transport::Connection;

/// Opens the session of a connection whose handshake selected `duplex.v1` (`None`: no
/// session came of it, and the connection is finished).
pub async fn open_session(
    connection: Connection,
    sessions: &Sessions,
    scope: &str,
) -> Option<SessionConn> {
    match SessionConn::open(connection, sessions, scope).await {
        Opened::Session(session) => Some(session),
        Opened::Ended(connection) => {
            connection.finish().await;
            None
        }
    }
}

/// Whether the handshake of `connection` selected sessions (`duplex.v1`).
pub fn in_session(connection: &Connection) -> bool {
    connection.protocol() == Some(PROTOCOL)
}

/// An endpoint that answers each message on its own: maybe a greeting first, then one reply
/// per message, in order, until the peer closes. The conversation and echo are responders;
/// the test hooks wrap one ([`hooks::run`]).
///
/// ```
/// use axum::extract::ws::Message;
/// use duplex_server::endpoints::{conversation, echo};
///
/// assert_eq!(echo::ECHO.greeting, None);
/// let reply = (conversation::CONVERSATION.reply)(Message::Text("hi".into()));
/// assert_eq!(reply, Message::Text("I heard you say \"hi\"".into()));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Responder {
    /// Sent first on every connection, if any.
    pub greeting: Option<&'static str>,
    /// The reply to a text or binary message.
    pub reply: fn(Message) -> Message,
}

impl Responder {
    /// Sends the greeting, if any; false when the connection is already closing.
    pub async fn greet(&self, connection: &Connection) -> bool {
        match self.greeting {
            Some(greeting) => connection
                .send(Message::Text(greeting.into()))
                .await
                .is_ok(),
            None => true,
        }
    }

    /// Runs one connection, in a session if its handshake selected `duplex.v1` (`scope`
    /// names the endpoint for the session registry), else plain.
    pub async fn serve(self, connection: Connection, sessions: &Sessions, scope: &str) {
        if !in_session(&connection) {
            return self.run(connection).await;
        }
        // Boxed: a plain connection's task does not carry the session path's larger state.
        Box::pin(async move {
            if let Some(session) = open_session(connection, sessions, scope).await {
                self.run_session(session).await;
            }
        })
        .await
    }

    /// Runs one session connection: the greeting on a new session only (a resume goes on
    /// with the same conversation), then a numbered reply to each message.
    pub async fn run_session(self, mut session: SessionConn) {
        if let (Some(greeting), false) = (self.greeting, session.resumed()) {
            if session.send(Message::Text(greeting.into())).await.is_err() {
                return session.finish().await;
            }
        }
        while let Some(message) = session.recv().await {
            if session.send((self.reply)(message)).await.is_err() {
                break;
            }
        }
        session.finish().await;
    }

    /// Runs one connection: the greeting, then a reply to each message; waits for room in the
    /// connection's own queue (backpressure on this peer only); then the close handshake.
    pub async fn run(self, mut connection: Connection) {
        if !self.greet(&connection).await {
            return connection.finish().await;
        }
        while let Some(message) = connection.recv().await {
            if connection.send((self.reply)(message)).await.is_err() {
                break;
            }
        }
        connection.finish().await;
    }
}
