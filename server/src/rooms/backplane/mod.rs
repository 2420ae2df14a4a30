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
pub mod task;
pub mod url;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Message;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio::sync::Notify;

pub use self::metrics::{BackplaneMetrics, Dropped};
pub use self::url::RedisUrl;
use crate::transport::Metrics;

/// How many publications may wait for the backplane task; past it they are dropped
/// (`reason="queue_full"`), so the relay never waits for Redis.
pub const PUBLISH_QUEUE: usize = 4096;

/// One message for the other instances.
#[derive(Debug)]
pub struct Publication {
    /// The room's channel.
    pub channel: String,
    /// The frame (see [`frame`]).
    pub frame: Vec<u8>,
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
}

/// What only the backplane task holds: the other end of the publication queue.
pub struct Inbox {
    publications: mpsc::Receiver<Publication>,
}

impl Backplane {
    /// The handle and the task's inbox, for an instance with a fresh random id; registers the
    /// backplane's metrics. Nothing connects until [`task::run`] is spawned.
    pub fn new(url: RedisUrl, metrics: &Metrics) -> (Backplane, Inbox) {
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

    /// Hands a message from a local peer of `room` to the other instances, without waiting.
    pub fn publish(&self, room: &str, message: &Message) {
        if !self.is_up() {
            // The task logged that Redis is down; queueing would only deliver stale messages
            // once it is back.
            self.0.metrics.dropped(Dropped::Down, 1);
            return;
        }
        let Some(frame) = frame::encode(self.0.instance, message) else {
            return;
        };
        let publication = Publication {
            channel: frame::channel(room),
            frame,
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
