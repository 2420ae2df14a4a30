//! The Redis backplane (`--redis`): relay rooms that span every instance connected to the
//! same Redis.
//!
//! Each room with local peers is one Redis channel (see [`frame`]). The relay delivers a
//! message to its local peers itself, then hands it to [`Backplane::publish`], which never
//! waits: a bounded queue feeds the backplane task, which PUBLISHes in order and delivers what
//! other instances published to the local peers, through the same per-peer queues as local
//! relays. When Redis goes away, local delivery goes on, publications are dropped (logged and
//! counted), and the task reconnects with backoff and subscribes again (see [`task`]).
//!
//! Rooms layer. This file (the handle) imports only `transport` and its own submodules'
//! leaves (`frame`, `metrics`, `url`); [`task`] and `session` also import the rooms
//! ([`crate::rooms::room`]), which they deliver to.

pub mod frame;
pub mod metrics;
mod session;
pub use self::session::session_key;
pub mod task;
pub mod url;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use tokio::sync::mpsc::{self, error::SendTimeoutError, error::TrySendError};
use tokio::sync::{oneshot, Notify};

pub use self::metrics::{BackplaneMetrics, Dropped};
pub use self::url::RedisUrl;
use crate::transport::session::replay::ReplayBounds;
use crate::transport::Metrics;

/// How many publications may wait for the backplane task; past it a plain peer's are dropped
/// (`reason="queue_full"`), so the relay never waits for Redis; a session peer's wait (see
/// [`Backplane::publish_session`]).
pub const PUBLISH_QUEUE: usize = 4096;

/// How long a session peer's message waits for room in a full publish queue before its
/// session is closed with 1013 (Redis has stopped keeping up, not just fallen behind).
pub const SESSION_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A session peer's message: its session id, the message's number, and where the outcome
/// goes.
pub type SessionPublication = (String, u64, oneshot::Sender<Result<i64, String>>);

/// One message for the room's Stream and channel (see [`frame::PUBLISH_SCRIPT`]).
#[derive(Debug)]
pub struct Publication {
    /// The room.
    pub room: String,
    /// `t` or `b`.
    pub kind: u8,
    /// The message's payload.
    pub payload: axum::body::Bytes,
    /// A session peer's message: its session id and the message's number, and where to say
    /// how the script took it (1 new, 0 duplicate, -1 session gone, -2 gap) or why it failed.
    pub session: Option<SessionPublication>,
}

/// The relay's handle on the backplane; cheap to clone.
#[derive(Clone)]
pub struct Backplane(Arc<BackplaneInner>);

/// The fields of [`Backplane`].
struct BackplaneInner {
    instance: u64,
    url: RedisUrl,
    publications: mpsc::Sender<Publication>,
    /// Rooms created or removed since the task last looked: it (un)subscribes their channels.
    changed: Mutex<HashSet<String>>,
    wake: Notify,
    up: AtomicBool,
    /// Whether the current run of full-queue drops has been logged (one line per run).
    full_logged: AtomicBool,
    metrics: BackplaneMetrics,
    /// The rooms whose channels are subscribed now, for sessions that wait for it.
    subscribed: Mutex<HashSet<String>>,
    subscribed_changed: Notify,
    /// What each room's Stream is trimmed to (`--session-replay-messages` and
    /// `--session-replay-bytes`, see [`frame::trim_length`]).
    stream_bounds: ReplayBounds,
    /// The session TTL, for the sessions' keys in Redis.
    session_ttl: std::time::Duration,
    /// A connection for the sessions' reads and writes, made on first use.
    store: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
}

/// What only the backplane task holds: the other end of the publication queue.
pub struct Inbox {
    publications: mpsc::Receiver<Publication>,
}

impl Backplane {
    /// The handle and the task's inbox, for an instance with a fresh random id; registers the
    /// backplane's metrics. Nothing connects until [`task::run`] is spawned.
    pub fn new(
        url: RedisUrl,
        metrics: &Metrics,
        stream_bounds: ReplayBounds,
        session_ttl: std::time::Duration,
    ) -> (Backplane, Inbox) {
        let (publications, inbox) = mpsc::channel(PUBLISH_QUEUE);
        let metrics = BackplaneMetrics::register(metrics);
        metrics.set_up(false);
        let inner = BackplaneInner {
            instance: random_u64(),
            url,
            publications,
            changed: Mutex::default(),
            wake: Notify::new(),
            up: AtomicBool::new(false),
            full_logged: AtomicBool::new(false),
            metrics,
            subscribed: Mutex::default(),
            subscribed_changed: Notify::new(),
            stream_bounds,
            session_ttl,
            store: tokio::sync::Mutex::new(None),
        };
        (
            Backplane(Arc::new(inner)),
            Inbox {
                publications: inbox,
            },
        )
    }

    /// This process's id in the frames it publishes.
    pub fn instance(&self) -> u64 {
        self.0.instance
    }

    /// Whether Redis is connected now.
    pub fn is_up(&self) -> bool {
        self.0.up.load(Ordering::Relaxed)
    }

    /// Hands a message from a local plain peer of `room` to the room's Stream and the other
    /// instances, without waiting.
    pub fn publish(&self, room: &str, message: &Message) {
        self.enqueue(room, message);
    }

    /// Hands a message numbered `number` from the session `session` of `room` to the room's
    /// Stream (once: the script drops a duplicate) and every instance; resolves with how the
    /// script took it (1 new, 0 duplicate, -1 session gone, -2 gap), or why it failed.
    ///
    /// Unlike a plain peer's message, a session's waits for room in the queue (at most
    /// [`SESSION_QUEUE_WAIT`]): the peer's connection stops being read meanwhile, so a burst
    /// is slowed down to what Redis takes instead of ending the session with 1013.
    pub async fn publish_session(
        &self,
        room: &str,
        message: &Message,
        session: &str,
        number: u64,
    ) -> oneshot::Receiver<Result<i64, String>> {
        let (done, receipt) = oneshot::channel();
        if !self.is_up() {
            self.0.metrics.dropped(Dropped::Down, 1);
            let _ = done.send(Err("the backplane is down".to_owned()));
            return receipt;
        }
        let Some(publication) =
            publication(room, message, Some((session.to_owned(), number, done)))
        else {
            return receipt;
        };
        let sent = self
            .0
            .publications
            .send_timeout(publication, SESSION_QUEUE_WAIT)
            .await;
        let (reason, why, publication) = match sent {
            Ok(()) => return receipt,
            Err(SendTimeoutError::Timeout(publication)) => (
                Dropped::QueueFull,
                "the backplane's queue stayed full (Redis is too slow)",
                publication,
            ),
            Err(SendTimeoutError::Closed(publication)) => {
                (Dropped::Down, "the backplane has ended", publication)
            }
        };
        self.0.metrics.dropped(reason, 1);
        if let Some((_, _, done)) = publication.session {
            let _ = done.send(Err(why.to_owned()));
        }
        receipt
    }

    fn enqueue(&self, room: &str, message: &Message) {
        if !self.is_up() {
            // The task logged that Redis is down; queueing would only deliver stale messages
            // once it is back.
            self.0.metrics.dropped(Dropped::Down, 1);
            return;
        }
        let Some(publication) = publication(room, message, None) else {
            return;
        };
        match self.0.publications.try_send(publication) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.0.metrics.dropped(Dropped::QueueFull, 1);
                if !self.0.full_logged.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        queue = PUBLISH_QUEUE,
                        "backplane: the publish queue is full (Redis is slower than the relay); dropping publications"
                    );
                }
            }
            // The task has ended: the server is shutting down.
            Err(TrySendError::Closed(_)) => self.0.metrics.dropped(Dropped::Down, 1),
        }
    }

    /// Waits (at most `wait`) until `room`'s channel is subscribed; whether it is.
    pub async fn subscribed(&self, room: &str, wait: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.0.subscribed_changed.notified();
            if self.lock_subscribed().contains(room) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return false;
            }
        }
    }

    /// The rooms whose channels are subscribed now changed (the task's session says so).
    fn set_subscribed(&self, rooms: &HashSet<String>) {
        *self.lock_subscribed() = rooms.clone();
        self.0.subscribed_changed.notify_waiters();
    }

    fn lock_subscribed(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.subscribed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The length a room's Stream is trimmed to as a message of `payload` bytes joins it.
    pub fn stream_trim(&self, payload: usize) -> usize {
        frame::trim_length(self.0.stream_bounds, payload)
    }

    /// The session TTL.
    pub fn session_ttl(&self) -> std::time::Duration {
        self.0.session_ttl
    }

    /// A connection to Redis for the sessions' state (made on first use, shared).
    pub async fn store(&self) -> Result<redis::aio::MultiplexedConnection, String> {
        let mut store = self.0.store.lock().await;
        if let Some(connection) = store.as_ref() {
            return Ok(connection.clone());
        }
        let client = redis::Client::open(self.0.url.as_str()).map_err(|e| e.to_string())?;
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(session::REDIS_TIMEOUT))
            .set_response_timeout(Some(session::REDIS_TIMEOUT));
        let connection = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| e.to_string())?;
        *store = Some(connection.clone());
        Ok(connection)
    }

    /// `room` was created or removed here: its channel must be subscribed or unsubscribed.
    pub fn room_changed(&self, room: &str) {
        self.0
            .changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(room.to_owned());
        self.0.wake.notify_one();
    }

    fn take_changed(&self) -> HashSet<String> {
        std::mem::take(&mut *self.0.changed.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn set_up(&self, up: bool) {
        self.0.up.store(up, Ordering::Relaxed);
        self.0.metrics.set_up(up);
    }
}

/// A random id for this process. Not cryptographic: it only has to differ between the
/// instances on one Redis (std's `RandomState` is seeded from the OS).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

/// The queue's form of a text or binary message (`None` for other kinds: the relay forwards
/// only those two).
fn publication(
    room: &str,
    message: &Message,
    session: Option<SessionPublication>,
) -> Option<Publication> {
    let (kind, payload) = match message {
        // The text's bytes are shared, not copied.
        Message::Text(text) => (b't', axum::body::Bytes::from(text.clone())),
        Message::Binary(bytes) => (b'b', bytes.clone()),
        _ => return None,
    };
    Some(Publication {
        room: room.to_owned(),
        kind,
        payload,
        session,
    })
}
