//! A session's transitions (`duplex.v1`, docs/protocol.md): numbering what goes out and
//! keeping it until acknowledged, acknowledging what comes in in batches, and the resume
//! handshake after every reconnect.

use crate::engine::commands::{CloseInfo, Command, Event, Timer};
use crate::engine::connection::{Connection, Phase};
use crate::engine::frames::{self, ServerFrame, SESSION_PROTOCOL};
use crate::engine::queue::Payload;
use crate::engine::session::{Framing, SessionInfo};
use crate::engine::text::text;
use crate::error::Error;
use crate::prelude::*;

impl<M: Payload> Connection<M> {
    /// The protocols an attempt offers: the app's, then `duplex.v1` when sessions are on
    /// (and the server has not shown it does not speak it).
    pub(super) fn offered_protocols(&mut self, mut protocols: Vec<String>) -> Vec<String> {
        if let Some(session) = &mut self.session {
            session.offered = session.offer && !protocols.iter().any(|p| p == SESSION_PROTOCOL);
            if session.offered {
                protocols.push(SESSION_PROTOCOL.to_owned());
            }
        }
        protocols
    }

    /// A handshake failed. A browser fails it when the server selects no protocol although
    /// one was offered, so a server that never granted a session may simply not know
    /// `duplex.v1`: the attempt is retried at once without the offer (uncounted, unreported).
    /// Returns whether it was.
    pub(super) fn retry_plain(&mut self, now_ms: f64) -> bool {
        let Some(session) = &mut self.session else {
            return false;
        };
        if session.plain_retry {
            // The plain retry failed too: the server is unreachable, not plain.
            session.plain_retry = false;
            session.offer = true;
            return false;
        }
        if !session.offered || session.grant.is_some() {
            return false;
        }
        session.offer = false;
        session.plain_retry = true;
        self.connect(now_ms);
        true
    }

    /// The server selected `duplex.v1` but answered `hello` with something else than
    /// `welcome`: it does not speak the protocol (a server that selects whatever is offered
    /// first). Nothing but `hello` went out on this connection; it is dropped, unreported,
    /// and the socket goes on in plain mode on a new one.
    fn not_a_session_server(&mut self, now_ms: f64) {
        if let Some(session) = &mut self.session {
            session.offer = false;
        }
        self.end_framing();
        self.stop_heartbeat();
        self.out.push_back(Command::AbandonSocket);
        self.connect(now_ms);
    }

    pub(super) fn protocol_selected(&mut self, protocol: &str) {
        if let Some(session) = &mut self.session {
            session.selected = protocol == SESSION_PROTOCOL;
            // An open socket ends a plain retry: the server is plain, and stays so.
            session.plain_retry = false;
        }
    }

    /// Whether the socket that opened speaks a session: its `open` event then waits for
    /// the server's `welcome` (a server that selected the name without the protocol is
    /// found out before the app sees an open).
    pub(super) fn session_selected(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.selected)
    }

    /// On open: a session's `hello`, then everything unacknowledged again, then the queue;
    /// in plain mode the queue as it is.
    pub(super) fn flush_on_open(&mut self) {
        let Some(session) = self.session.as_mut().filter(|s| s.selected) else {
            self.transmit_queue();
            return;
        };
        let rewound = self.queue.rewind() as u64;
        let next = session.acked;
        session.sent = next;
        let asked = session.grant.as_ref().map(|g| g.id.clone());
        let hello = frames::hello(asked.as_deref(), session.received, next);
        session.framing = Framing::AwaitingWelcome {
            asked,
            next,
            rewound,
        };
        self.out.push_back(Command::TransmitControl(hello));
        if self.session.as_ref().is_some_and(|s| s.may_transmit()) {
            self.transmit_waiting();
        }
    }

    /// A send while open with sessions on: through the queue, which keeps it until the
    /// server acknowledges it (or, with a server that spoke plain, until it is handed over).
    pub(super) fn send_in_session(&mut self, message: M) -> Result<(), Error> {
        self.enqueue(message)?;
        match self
            .session
            .as_ref()
            .map(|s| (s.framing(), s.may_transmit()))
        {
            Some((true, true)) => self.transmit_waiting(),
            // Awaiting the welcome of a new session: it waits in the queue.
            Some((true, false)) => {}
            _ => self.transmit_queue(),
        }
        Ok(())
    }

    /// Hands every waiting message to the socket, numbered, kept in flight.
    fn transmit_waiting(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        while let Some(message) = self.queue.send_next() {
            session.sent += 1;
            self.out.push_back(if message.starts_with_nul() {
                Command::TransmitEscaped(message)
            } else {
                Command::Transmit(message)
            });
        }
    }

    /// An application message arrived in a session: count it, acknowledge in batches.
    pub(super) fn data_received(&mut self, now_ms: f64) {
        let Some(session) = self.session.as_mut().filter(|s| s.framing()) else {
            return;
        };
        if matches!(session.framing, Framing::AwaitingWelcome { .. }) {
            return self.not_a_session_server(now_ms);
        }
        session.received += 1;
        if session.received - session.acked_to_peer >= u64::from(session.policy.ack_every) {
            self.acknowledge();
        } else if self.deadlines.get(Timer::Ack).is_none() {
            let delay = session.policy.ack_delay_ms;
            self.deadlines.set(Timer::Ack, now_ms, delay);
        }
    }

    /// Sends the cumulative ack of everything received, if it says anything new.
    pub(super) fn acknowledge(&mut self) {
        self.deadlines.clear(Timer::Ack);
        let Some(session) = self.session.as_mut().filter(|s| s.framing()) else {
            return;
        };
        if session.received > session.acked_to_peer {
            session.acked_to_peer = session.received;
            let frame = frames::ack(session.received);
            self.out.push_back(Command::TransmitControl(frame));
        }
    }

    /// A control frame arrived.
    pub(super) fn control_received(&mut self, text: &str, now_ms: f64) {
        let Some(session) = self.session.as_ref().filter(|s| s.framing()) else {
            return;
        };
        let awaiting = matches!(session.framing, Framing::AwaitingWelcome { .. });
        let parsed = frames::parse_server_frame(text);
        if awaiting && !matches!(parsed, Ok(ServerFrame::Welcome { .. })) {
            return self.not_a_session_server(now_ms);
        }
        match parsed {
            Ok(ServerFrame::Ack(count)) => self.acked_through(count, now_ms),
            Ok(ServerFrame::Welcome {
                session,
                resumed,
                received,
                replaying,
            }) => self.welcome(session, resumed, received, replaying, now_ms),
            Ok(ServerFrame::Pong | ServerFrame::Unknown) => {}
            Err(problem) => self.protocol_broken(problem, now_ms),
        }
    }

    /// The server has this side's messages `0 .. count`: forget them.
    fn acked_through(&mut self, count: u64, now_ms: f64) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        if count > session.sent {
            let problem = text!(
                "ack frame: count ",
                count,
                " is more than the ",
                session.sent,
                " messages sent"
            );
            return self.protocol_broken(problem, now_ms);
        }
        if count > session.acked {
            self.queue.acknowledge(count - session.acked);
            session.acked = count;
        }
    }

    fn welcome(&mut self, id: String, resumed: bool, received: u64, replaying: u64, now_ms: f64) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let Framing::AwaitingWelcome {
            asked,
            next,
            rewound,
        } = core::mem::replace(&mut session.framing, Framing::On)
        else {
            let problem = "welcome frame after the session started".to_owned();
            return self.protocol_broken(problem, now_ms);
        };
        if resumed && asked.as_deref() != Some(id.as_str()) {
            let problem = text!(
                "welcome frame resumed session ",
                id,
                ", which was not asked"
            );
            return self.protocol_broken(problem, now_ms);
        }
        if resumed && received < next {
            let problem = text!(
                "welcome frame: received ",
                received,
                " is below the ",
                next,
                " acknowledged"
            );
            return self.protocol_broken(problem, now_ms);
        }
        // The app's `open` comes with the welcome (see `session_selected`), unless the user
        // closed meanwhile (as in plain mode: no `open` after `close()`).
        if self.phase != Phase::Closing {
            self.emit(Event::Open);
        }
        if resumed {
            self.acked_through(received, now_ms);
            if let Some(grant) = self.session.as_mut().and_then(|s| s.grant.as_mut()) {
                grant.resumes += 1;
            }
            let resent = (next + rewound).saturating_sub(received);
            self.emit(Event::Resumed {
                recovered: true,
                resent,
                replayed: replaying,
                error: None,
            });
            return;
        }
        // A new session: the server numbers its messages from 0, and takes this side's
        // from `next` on (what was resent counts as new).
        let Some(session) = self.session.as_mut() else {
            return;
        };
        session.grant = Some(SessionInfo {
            id: id.clone(),
            resumes: 0,
        });
        session.received = 0;
        session.acked_to_peer = 0;
        self.deadlines.clear(Timer::Ack);
        // What waited for the welcome of a new session goes now.
        self.transmit_waiting();
        if let Some(lost) = asked {
            let error = Error::SessionLost {
                url: self.url.clone(),
                session: lost,
                new_session: id,
                resent: rewound,
            };
            self.emit(Event::Resumed {
                recovered: false,
                resent: rewound,
                replayed: 0,
                error: Some(error.clone()),
            });
            self.emit(Event::Error(error));
        }
    }

    /// The server broke the protocol: drop the connection (a session resumes on the next).
    fn protocol_broken(&mut self, problem: String, now_ms: f64) {
        let error = Error::SessionProtocol {
            url: self.url.clone(),
            problem,
            unsent: 0,
        };
        self.out.push_back(Command::AbandonSocket);
        self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms);
    }

    /// The connection is gone: framing and acks stop; what is in flight waits for the next.
    pub(super) fn end_framing(&mut self) {
        self.deadlines.clear(Timer::Ack);
        if let Some(session) = &mut self.session {
            session.framing = Framing::Off;
            session.selected = false;
        }
    }
}
