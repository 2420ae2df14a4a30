//! One session as the server holds it between and during its connections: how many client
//! messages it accepted, its replay buffer, and which connection (if any) it is attached to.
//! Whoever sends to the session (its endpoint, the other peers of a relay room) goes through
//! [`Session::send`], which numbers the message, keeps it for a replay and queues it for the
//! attached connection, under one lock, so that the numbering is the order on the wire.
//! Transport layer (session): imports only `transport`.

use std::any::Any;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use axum::extract::ws::Message;

use super::frame::{self, Control};
use super::idle::Entry;
use super::peers::{Departures, PeerKey};
use super::replay::{ReplayBounds, ReplayBuffer, ReplayError};
use crate::transport::{Link, Outbox};

/// A session; see the module doc. Shared behind an `Arc`.
pub struct Session {
    id: String,
    scope: String,
    state: Mutex<State>,
    /// Where its detaches are written, when a registry holds it.
    departures: OnceLock<Departures>,
}

pub(super) struct State {
    /// How many client messages were accepted (the next one's number).
    pub in_count: u64,
    /// The server's side: numbering and the unacknowledged messages.
    pub out: ReplayBuffer,
    /// The connection that gets the session's messages now, if any.
    pub attached: Option<Attached>,
    /// Counts attachments; a connection whose generation is past has been replaced.
    pub generation: u64,
    /// Since when no connection is attached (`None` while one is).
    pub detached_at: Option<Instant>,
    /// Openings under way: the registry handed the session to a connection (a new session,
    /// or one found for a resume) that has not attached yet. While any is, the session is
    /// neither dropped to make room nor swept.
    pub claims: u32,
    /// What the endpoint keeps with the session (a relay seat); dropped when it expires.
    pub extension: Option<Arc<dyn Any + Send + Sync>>,
}

pub(super) struct Attached {
    pub outbox: Outbox,
    pub link: Arc<Link>,
}

/// What a resume found: the welcome to send, with the replay behind it.
pub(super) struct Resumed {
    pub generation: u64,
    pub received: u64,
}

impl Session {
    /// A session that has accepted `in_count` client messages and whose next message is
    /// number `out_first` (0 for a new session; more for one rebuilt from a shared store,
    /// e.g. a relay session with `--redis`). Not in any registry.
    pub fn new(
        id: String,
        scope: String,
        bounds: ReplayBounds,
        in_count: u64,
        out_first: u64,
    ) -> Session {
        Session {
            id,
            scope,
            state: Mutex::new(State {
                in_count,
                out: ReplayBuffer::starting_at(bounds, out_first),
                attached: None,
                generation: 0,
                detached_at: Some(Instant::now()),
                claims: 0,
                extension: None,
            }),
            departures: OnceLock::new(),
        }
    }

    /// Writes each later detach in the registry's logs (whom a full table drops first), and
    /// counts the session for its peer.
    pub(super) fn log_detaches_in(&self, departures: Departures) {
        let _ = self.departures.set(departures);
    }

    /// The peer a registry counts it for (none when no registry holds it).
    pub(super) fn holder(&self) -> Option<PeerKey> {
        self.departures.get().map(|departures| departures.holder)
    }

    /// The session id (32 hex digits, 128 random bits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The endpoint (and room) it belongs to: a resume elsewhere is refused.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Numbers `message`, keeps it until the client acknowledges it (within the replay
    /// bounds), and queues it for the attached connection if there is one. Never waits: a
    /// connection whose queue is full is closed with 1013 by its outbox, and the message waits
    /// in the replay buffer for the resume.
    pub fn send(&self, message: Message) -> u64 {
        let mut state = self.lock();
        let number = state.out.push(message.clone());
        if let Some(attached) = &state.attached {
            let _ = attached.outbox.offer(frame::escape(message));
        }
        number
    }

    /// The client's latest acknowledgement of the server's messages.
    pub fn acked(&self) -> u64 {
        self.lock().out.acked()
    }

    /// What the endpoint kept with the session, if it is a `T`.
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let extension = self.lock().extension.clone()?;
        extension.downcast::<T>().ok()
    }

    /// Keeps `value` with the session until it expires.
    pub fn set_extension<T: Any + Send + Sync>(&self, value: Arc<T>) {
        self.lock().extension = Some(value);
    }

    /// How many server messages this session has numbered, and how many of them its replay
    /// buffer holds (for tests and metrics).
    pub fn sent_and_held(&self) -> (u64, usize) {
        let state = self.lock();
        (state.out.sent(), state.out.len())
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Attaches a new connection that asked to resume with `received` and `next`; queues the
    /// welcome (resumed) and the replay for it. An error when the session cannot serve that
    /// resume (the caller starts a new session).
    pub(super) fn resume(
        &self,
        outbox: &Outbox,
        link: &Arc<Link>,
        received: u64,
        next: u64,
    ) -> Result<Resumed, String> {
        let mut state = self.lock();
        // This opening's claim ends here: attached below, or refused and detached as it was.
        state.claims = state.claims.saturating_sub(1);
        if next > state.in_count {
            return Err(format!(
                "the client's next message is {next}, but only {} were received",
                state.in_count
            ));
        }
        let replay: Vec<Message> = match state.out.since(received) {
            Ok(replay) => replay.cloned().collect(),
            Err(ReplayError::Trimmed { needed, first }) => {
                return Err(format!(
                    "message {needed} is no longer held (the replay buffer starts at {first})"
                ))
            }
            Err(ReplayError::BeyondSent { count, sent }) => {
                return Err(format!(
                    "the client has received {count}, but only {sent} were sent"
                ))
            }
        };
        let _ = state.out.ack(received);
        if let Some(old) = state.attached.take() {
            old.link
                .close_now(1000, "the session resumed on another connection");
        }
        state.generation += 1;
        let generation = state.generation;
        let welcome = Control::Welcome {
            session: self.id.clone(),
            resumed: true,
            received: state.in_count,
            replaying: replay.len() as u64,
        };
        let _ = outbox.offer(frame::write(&welcome));
        for message in replay {
            let _ = outbox.offer(frame::escape(message));
        }
        state.attached = Some(Attached {
            outbox: outbox.clone(),
            link: link.clone(),
        });
        state.detached_at = None;
        Ok(Resumed {
            generation,
            received: state.in_count,
        })
    }

    /// Attaches the first connection of a new session and queues its welcome.
    pub(super) fn start(&self, outbox: &Outbox, link: &Arc<Link>) -> u64 {
        let mut state = self.lock();
        state.claims = state.claims.saturating_sub(1);
        state.generation += 1;
        let welcome = Control::Welcome {
            session: self.id.clone(),
            resumed: false,
            received: state.in_count,
            replaying: 0,
        };
        let _ = outbox.offer(frame::write(&welcome));
        state.attached = Some(Attached {
            outbox: outbox.clone(),
            link: link.clone(),
        });
        state.detached_at = None;
        state.generation
    }

    /// The connection of `generation` has ended: the TTL starts, unless another connection
    /// has taken the session over meanwhile.
    pub(super) fn detach(&self, generation: u64) {
        let detached = {
            let mut state = self.lock();
            if state.generation != generation {
                return;
            }
            let now = Instant::now();
            state.attached = None;
            state.detached_at = Some(now);
            now
        };
        // Written with the session's lock released: the registry takes the log's lock and
        // then sessions' locks.
        for log in self.departures.get().into_iter().flat_map(|d| &d.logs) {
            log.push(detached, self.id.clone());
        }
    }

    /// What the log's entry of a detach `at` says of this session now.
    pub(super) fn entry_since(&self, at: Instant) -> Entry {
        let state = self.lock();
        match state.detached_at {
            Some(since) if since == at && state.claims > 0 => Entry::Claimed,
            Some(since) if since == at => Entry::Idle,
            _ => Entry::Stale,
        }
    }

    /// Marks an opening under way (see `State::claims`); attaching, or a refused resume,
    /// ends it.
    pub(super) fn claim(&self) {
        self.lock().claims += 1;
    }

    /// As if the opening under way had attached a connection (the registry's tests need no
    /// real one).
    #[cfg(test)]
    pub(super) fn mark_attached(&self) {
        let mut state = self.lock();
        state.claims = state.claims.saturating_sub(1);
        state.detached_at = None;
    }

    /// As if that connection had ended now.
    #[cfg(test)]
    pub(super) fn mark_gone(&self) {
        self.mark_attached();
        let generation = self.lock().generation;
        self.detach(generation);
    }

    /// Whether no connection has been attached for `ttl` by `now`, and none is opening it (a
    /// claim keeps the session until it attaches or the resume is refused).
    pub(super) fn expired(&self, now: Instant, ttl: std::time::Duration) -> bool {
        let state = self.lock();
        state.claims == 0
            && state
                .detached_at
                .is_some_and(|since| now.saturating_duration_since(since) >= ttl)
    }

    /// Takes what the endpoint kept (to drop it outside the lock).
    pub(super) fn take_extension(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        self.lock().extension.take()
    }
}
