//! Every session of this instance: started on a `hello` with `-` (or one that cannot be
//! resumed), found again by id on a resume, forgotten once no connection has been attached
//! for the TTL (`--session-ttl`), at most `--max-sessions` at once: when they are all held, a
//! new one takes the place of the session whose connection has been gone longest, and only
//! when every one has a connection is a new one refused (so clients that say hello and go
//! cannot lock others out for the TTL). Expired sessions are swept lazily (at most once a
//! second, when a session starts or resumes) and by [`Sessions::sweep`], which the server
//! calls every second. Transport layer (session): imports only `transport`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus::{IntCounter, IntGauge};

use super::idle::IdleLog;
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
    map: Mutex<HashMap<String, Arc<Session>>>,
    /// The order its sessions lost their connections in (whom a full table drops first).
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
            map: Mutex::default(),
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
        self.lock().len()
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
        let map = self.lock();
        let session = map.get(id)?;
        if session.scope() != scope || session.expired(Instant::now(), self.settings.ttl) {
            return None;
        }
        // Claimed under the table's lock, which a hello making room holds while it chooses.
        session.claim();
        Some(session.clone())
    }

    /// A new session of `scope` whose client numbers its next message `next`, claimed until
    /// [`Session::start`] attaches it. When `max_sessions` are held, it takes the place of the
    /// one whose connection has been gone longest (found in the idle log, not by a look at
    /// every session); an error when every one has a connection (or an opening under way).
    pub fn start(&self, scope: &str, next: u64) -> Result<Arc<Session>, Full> {
        self.sweep_now_and_then();
        let id = new_id();
        let session = Arc::new(Session::new(
            id.clone(),
            scope.to_owned(),
            self.settings.bounds,
            next,
            0,
        ));
        session.claim();
        session.log_detaches_in(self.idle.clone());
        let (gone, evicted) = {
            let mut map = self.lock();
            let mut gone = None;
            let mut evicted = false;
            if map.len() >= self.settings.max_sessions {
                // Every one connected or being opened: nothing is taken out.
                let Some((since, oldest)) = self.idle.oldest_idle(&map) else {
                    return Err(Full(self.settings.max_sessions));
                };
                evicted = since.elapsed() < self.settings.ttl; // else it had expired anyway
                gone = map.remove(&oldest);
            }
            map.insert(id, session.clone());
            self.held.set(map.len() as i64);
            (gone, evicted)
        };
        if let Some(gone) = gone {
            if evicted {
                self.evicted.inc();
                tracing::info!(
                    session = gone.id(),
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
            let mut map = self.lock();
            let ttl = self.settings.ttl;
            let expired = map
                .extract_if(|_, session| session.expired(now, ttl))
                .map(|(_, session)| session)
                .collect();
            self.held.set(map.len() as i64);
            self.idle.prune(&map);
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
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
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
mod tests {
    use super::*;

    fn settings(ttl: Duration, max_sessions: usize) -> SessionSettings {
        SessionSettings {
            ttl,
            bounds: ReplayBounds {
                max_bytes: 1 << 20,
                max_messages: 16,
            },
            max_sessions,
        }
    }

    #[test]
    fn ids_are_128_random_bits_in_hex() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.len(), 32);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    /// A session started, attached and left: it waits for a resume.
    fn left(sessions: &Sessions) -> Arc<Session> {
        let session = sessions.start("/", 0).unwrap();
        session.mark_gone();
        session
    }

    /// A table of two, full of sessions left one after the other, the first gone longer.
    fn two_left() -> (Sessions, Arc<Session>, Arc<Session>) {
        let sessions = Sessions::new(settings(Duration::from_secs(60), 2));
        let first = left(&sessions);
        std::thread::sleep(Duration::from_millis(2));
        let second = left(&sessions);
        (sessions, first, second)
    }

    /// Whether `id` is held (without claiming it, as `find` does).
    fn holds(sessions: &Sessions, id: &str) -> bool {
        sessions.lock().contains_key(id)
    }

    #[test]
    fn a_session_is_found_by_id_in_its_scope_only() {
        let sessions = Sessions::new(settings(Duration::from_secs(60), 10));
        let session = sessions.start("/echo", 0).unwrap();
        assert!(sessions.find(session.id(), "/echo").is_some());
        assert!(sessions.find(session.id(), "/relay/red").is_none());
        assert!(sessions.find(&new_id(), "/echo").is_none());
    }

    #[test]
    fn a_detached_session_expires_after_the_ttl_and_is_swept() {
        let ttl = Duration::from_millis(30);
        let sessions = Sessions::new(settings(ttl, 10));
        let session = left(&sessions);
        std::thread::sleep(ttl + Duration::from_millis(10));
        assert!(
            sessions.find(session.id(), "/").is_none(),
            "past the TTL a resume is refused"
        );
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions.sweep(Instant::now()), 1);
        assert!(sessions.is_empty());
    }

    #[test]
    fn a_full_table_drops_the_session_gone_longest_and_refuses_only_when_all_are_connected() {
        let (sessions, first, second) = two_left();
        // Neither has a connection: the first, gone longer, makes room.
        let third = sessions.start("/", 0).unwrap();
        assert!(!holds(&sessions, first.id()), "the first was dropped");
        assert!(holds(&sessions, second.id()));
        assert_eq!((sessions.len(), sessions.evicted.get()), (2, 1));
        // With both connected, no session can go: the hello is refused.
        second.mark_attached();
        third.mark_attached();
        assert_eq!(sessions.start("/", 0).err(), Some(Full(2)));
        assert!(holds(&sessions, second.id()) && holds(&sessions, third.id()));
    }

    #[test]
    fn a_session_being_opened_is_never_the_one_dropped() {
        let sessions = Sessions::new(settings(Duration::from_secs(60), 2));
        // A new session not attached yet, beside a connected one: nothing may go.
        let connected = sessions.start("/", 0).unwrap();
        connected.mark_attached();
        let opening = sessions.start("/", 0).unwrap();
        assert_eq!(sessions.start("/", 0).err(), Some(Full(2)));
        assert!(holds(&sessions, opening.id()));
        // A session found for a resume, not attached yet: another one goes in its stead.
        opening.mark_gone();
        sessions.remove_for_test(connected.id());
        std::thread::sleep(Duration::from_millis(2));
        let younger = left(&sessions);
        let resuming = sessions.find(opening.id(), "/").unwrap();
        let newcomer = sessions.start("/", 0).unwrap();
        assert!(
            holds(&sessions, resuming.id()),
            "the resume keeps its session"
        );
        assert!(!holds(&sessions, younger.id()));
        // Both openings under way: a third hello is refused.
        assert_eq!(sessions.start("/", 0).err(), Some(Full(2)));
        newcomer.mark_attached();
    }

    #[test]
    fn a_session_that_came_back_and_left_again_is_judged_by_its_last_departure() {
        let (sessions, first, second) = two_left();
        std::thread::sleep(Duration::from_millis(2));
        // The first resumes and goes again: now the second has been gone longer.
        assert!(sessions.find(first.id(), "/").is_some());
        first.mark_gone();
        assert_eq!(sessions.idle.len(), 3, "one entry per departure");
        sessions.start("/", 0).unwrap();
        assert!(holds(&sessions, first.id()));
        assert!(!holds(&sessions, second.id()));
        // The sweep drops the entries that stand for nothing any more.
        sessions.sweep(Instant::now());
        assert_eq!(sessions.idle.len(), 1, "only the first's last departure");
    }

    #[test]
    fn expired_sessions_make_room_before_any_is_dropped() {
        let ttl = Duration::from_millis(30);
        let sessions = Sessions::new(settings(ttl, 2));
        left(&sessions);
        left(&sessions);
        std::thread::sleep(ttl + Duration::from_millis(10));
        assert!(sessions.start("/", 0).is_ok(), "an expired one makes room");
        assert_eq!(
            (sessions.len(), sessions.evicted.get()),
            (2, 0),
            "not counted evicted"
        );
        assert_eq!(
            sessions.sweep(Instant::now()),
            1,
            "the other goes with the sweep"
        );
    }
}
