//! Every session of this instance: started on a `hello` with `-` (or one that cannot be
//! resumed), found again by id on a resume, forgotten once no connection has been attached
//! for the TTL (`--session-ttl`), at most `--max-sessions` at once: when they are all held, a
//! new one takes the place of one past the TTL not swept yet, else of the session whose
//! connection has been gone longest among those of the peer holding the most sessions that
//! has one waiting ([`peers`](super::peers): so that one peer's flood of hellos pushes out its
//! own sessions, not others'; of all, when no peer holding more than one has one waiting),
//! and only when every one has a connection is a new one refused (so clients that say hello
//! and go cannot lock others out for the TTL). Expired sessions are swept lazily (at most once a
//! second, when a session starts or resumes) and by [`Sessions::sweep`], which the server
//! calls every second. Transport layer (session): imports only `transport`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prometheus::{IntCounter, IntGauge};

use super::idle::IdleLog;
use super::peers::{Departures, Holders, PeerKey};
use super::replay::ReplayBounds;
use super::state::Session;
use crate::transport::{Limits, Metrics};

/// The settings of every session of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// How long a session outlives its connection.
    pub ttl: Duration,
    /// Each session's replay buffer bounds.
    pub bounds: ReplayBounds,
    /// The most sessions held at once.
    pub max_sessions: usize,
}

impl From<&Limits> for SessionSettings {
    fn from(limits: &Limits) -> SessionSettings {
        SessionSettings {
            ttl: limits.session_ttl,
            bounds: ReplayBounds {
                max_bytes: limits.session_replay_bytes,
                max_messages: limits.session_replay_messages,
            },
            max_sessions: limits.max_sessions,
        }
    }
}

/// Why no session could be started: the cap is reached and every session has a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Full(pub usize);

/// The sessions of one server; see the module doc.
pub struct Sessions {
    settings: SessionSettings,
    table: Mutex<Table>,
    /// The order its sessions lost their connections in (whom a full table drops first when
    /// the peer holding the most has none waiting).
    idle: Arc<IdleLog>,
    last_sweep: Mutex<Instant>,
    /// `duplex_sessions`: how many are held, once [`Sessions::count_in`] registered it.
    held: IntGauge,
    /// `duplex_sessions_evicted_total`: sessions dropped within their TTL to make room.
    evicted: IntCounter,
}

impl Sessions {
    /// No sessions yet.
    pub fn new(settings: SessionSettings) -> Sessions {
        Sessions {
            settings,
            table: Mutex::default(),
            idle: Arc::default(),
            last_sweep: Mutex::new(Instant::now()),
            held: IntGauge::new(
                "duplex_sessions",
                "Sessions held (connected, or waiting for a resume within the TTL)",
            )
            .expect("valid metric"),
            evicted: IntCounter::new(
                "duplex_sessions_evicted_total",
                "Sessions waiting for a resume dropped before their TTL to make room for a new \
                 one (--max-sessions)",
            )
            .expect("valid metric"),
        }
    }

    /// Shows how many sessions are held in `metrics` (`duplex_sessions`), once per server.
    pub fn count_in(&self, metrics: &Metrics) {
        let registry = metrics.registry();
        registry
            .register(Box::new(self.held.clone()))
            .expect("unique metric");
        registry
            .register(Box::new(self.evicted.clone()))
            .expect("unique metric");
    }

    /// The settings.
    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// How many sessions are held now (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The live session `id` of `scope`, if there is one (not expired), claimed for a resume:
    /// it is not dropped or swept until [`Session::resume`] attaches it or refuses, which the
    /// caller must call.
    pub fn find(&self, id: &str, scope: &str) -> Option<Arc<Session>> {
        self.sweep_now_and_then();
        let table = self.lock();
        let session = table.sessions.get(id)?;
        if session.scope() != scope || session.expired(Instant::now(), self.settings.ttl) {
            return None;
        }
        // Claimed under the table's lock, which a hello making room holds while it chooses.
        session.claim();
        Some(session.clone())
    }

    /// A new session of `scope`, started by `peer`, whose client numbers its next message
    /// `next`, claimed until [`Session::start`] attaches it. When `max_sessions` are held, it
    /// takes the place of an expired one not swept yet, else of the session gone longest of the
    /// peer holding the most sessions that has one waiting, else of the one gone longest of all
    /// (see `Table::room`; found in logs of departures, not by a look at every session); an
    /// error when every one has a connection (or an opening under way).
    pub fn start(&self, scope: &str, peer: IpAddr, next: u64) -> Result<Arc<Session>, Full> {
        self.sweep_now_and_then();
        let id = new_id();
        let holder = PeerKey::from(peer);
        let session = Arc::new(Session::new(
            id.clone(),
            scope.to_owned(),
            self.settings.bounds,
            next,
            0,
        ));
        session.claim();
        let (gone, evicted) = {
            let mut table = self.lock();
            let mut gone = None;
            let mut evicted = false;
            if table.sessions.len() >= self.settings.max_sessions {
                // Every one connected or being opened: nothing is taken out.
                let Some((since, oldest)) = table.room(&self.idle, self.settings.ttl) else {
                    return Err(Full(self.settings.max_sessions));
                };
                evicted = since.elapsed() < self.settings.ttl; // else it had expired anyway
                gone = table.forget(&oldest);
            }
            let own = table.holders.hold(holder);
            session.log_detaches_in(Departures {
                holder,
                logs: [self.idle.clone(), own],
            });
            table.sessions.insert(id, session.clone());
            self.held.set(table.sessions.len() as i64);
            (gone, evicted)
        };
        if let Some(gone) = gone {
            if evicted {
                self.evicted.inc();
                let peer = gone.holder().map(|key| key.to_string()).unwrap_or_default();
                tracing::info!(
                    session = gone.id(),
                    peer = %peer,
                    "session dropped before its TTL to make room (--max-sessions)"
                );
            }
            drop_outside_locks([gone]);
        }
        Ok(session)
    }

    /// Forgets every session whose connection has been gone for the TTL at `now`; returns
    /// how many. The idle log loses its stale entries.
    pub fn sweep(&self, now: Instant) -> usize {
        *self.last_sweep.lock().unwrap_or_else(|e| e.into_inner()) = now;
        let expired: Vec<Arc<Session>> = {
            let mut table = self.lock();
            let Table { sessions, holders } = &mut *table;
            let ttl = self.settings.ttl;
            let expired: Vec<Arc<Session>> = sessions
                .extract_if(|_, session| session.expired(now, ttl))
                .map(|(_, session)| session)
                .collect();
            for holder in expired.iter().filter_map(|session| session.holder()) {
                holders.release(holder);
            }
            self.held.set(sessions.len() as i64);
            self.idle.prune(sessions);
            for log in holders.logs() {
                log.prune(sessions);
            }
            expired
        };
        let count = expired.len();
        drop_outside_locks(expired);
        count
    }

    fn sweep_now_and_then(&self) {
        let due = self
            .last_sweep
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
            >= Duration::from_secs(1);
        if due {
            self.sweep(Instant::now());
        }
    }

    /// Forgets session `id` at once (the tests' stand-in for time passing).
    #[cfg(test)]
    fn remove_for_test(&self, id: &str) {
        self.lock().forget(id);
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The sessions, and how many each peer holds (kept together under one lock).
#[derive(Default)]
struct Table {
    sessions: HashMap<String, Arc<Session>>,
    holders: Holders,
}

impl Table {
    /// The session that makes room in a full table, taken out of the logs: one past the `ttl`
    /// not swept yet (the one gone longest of all, in `all`); else the one gone longest of the
    /// peer holding the most sessions (two or more) that has one waiting; else the one gone
    /// longest of all. (The peers passed over have every session connected or opening: a few
    /// at most, bounded by `--max-connections`. Among peers holding one session each, which
    /// peer goes would say nothing: the one gone longest does.)
    fn room(&self, all: &IdleLog, ttl: Duration) -> Option<(Instant, String)> {
        let expired_by = Instant::now().checked_sub(ttl);
        expired_by
            .and_then(|by| all.oldest_idle(&self.sessions, Some(by)))
            .or_else(|| {
                self.holders
                    .biggest_first()
                    .take_while(|(held, _, _)| *held > 1)
                    .find_map(|(_, _, own)| own.oldest_idle(&self.sessions, None))
            })
            .or_else(|| all.oldest_idle(&self.sessions, None))
    }

    /// Forgets session `id`: its peer holds one fewer.
    fn forget(&mut self, id: &str) -> Option<Arc<Session>> {
        let session = self.sessions.remove(id)?;
        if let Some(holder) = session.holder() {
            self.holders.release(holder);
        }
        Some(session)
    }
}

/// Drops what the endpoints of `gone` sessions kept (relay seats), outside the registry's locks.
fn drop_outside_locks(gone: impl IntoIterator<Item = Arc<Session>>) {
    let extensions: Vec<_> = gone.into_iter().map(|s| s.take_extension()).collect();
    drop(extensions);
}

/// A new session id: 128 bits from the operating system's generator, as 32 hex digits. The
/// id is the only credential needed to resume, so it must not be guessable.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
