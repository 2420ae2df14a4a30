//! Opening a connection in session mode: the client's `hello`, then its session resumed or a
//! new one started, and the `welcome` (with the replay) queued. Transport layer (session).

use std::sync::Arc;

use super::conn::{fail, SessionConn};
use super::frame::{self, Control, Frame};
use super::registry::{Full, Sessions};
use super::state::Session;
use crate::transport::outbox::TRY_AGAIN_LATER;
use crate::transport::Connection;

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
        let peer = connection.info().peer.ip();
        match sessions.start(scope, peer, hello.next) {
            Ok(session) => Opened::Session(SessionConn::start(connection, session, hello)),
            Err(Full(most)) => {
                let reason = format!("too many sessions: --max-sessions {most}, all connected");
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
            fail(&mut connection, &why);
            return Err(connection);
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
            Ok(resumed) => Ok(SessionConn::attached(
                connection,
                (session, resumed.generation),
                (hello.next, resumed.received),
                true,
            )),
            Err(why) => Err(Box::new((connection, why))),
        }
    }

    /// Attaches `connection` to the new `session` and queues its welcome (not resumed).
    pub fn start(connection: Connection, session: Arc<Session>, hello: &Hello) -> SessionConn {
        let generation = session.start(&connection.outbox(), &connection.link());
        tracing::debug!(peer = %connection.info().peer, session = %&session.id()[..8], "session started");
        SessionConn::attached(
            connection,
            (session, generation),
            (hello.next, hello.next),
            false,
        )
    }
}
