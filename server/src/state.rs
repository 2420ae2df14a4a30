//! What every handler shares: the limits, the counters, the relay rooms, shutdown.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::backplane::{Backplane, Inbox, RedisUrl};
use crate::hooks::RefusalBook;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::origin::OriginPolicy;
use crate::relay::Rooms;

/// Where the static files come from.
#[derive(Debug, Clone)]
pub struct StaticDirs {
    /// The demo page (index.html and its modules).
    pub www: PathBuf,
    /// The built npm package, served under `/pkg/`.
    pub pkg: PathBuf,
}

/// The server's shared state; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

/// The fields of [`AppState`].
pub struct Shared {
    /// Where the static files come from.
    pub dirs: StaticDirs,
    /// The limits of every connection.
    pub limits: Limits,
    /// Which origins may open WebSockets.
    pub origins: OriginPolicy,
    /// The counters behind `/metrics`.
    pub metrics: Metrics,
    /// One permit per open WebSocket connection, `max_connections` in all.
    pub slots: Arc<Semaphore>,
    /// The relay rooms.
    pub rooms: Rooms,
    /// With `--redis`: the backplane that rooms span instances through.
    pub backplane: Option<Backplane>,
    /// `Some` when `--test-hooks` is on: the pending `hook:refuse` counts.
    pub hooks: Option<RefusalBook>,
    /// Cancelled on SIGINT or SIGTERM: every connection closes with 1001.
    pub shutdown: CancellationToken,
    /// Tracks every connection task, so shutdown can wait for their close handshakes.
    pub tracker: TaskTracker,
}

impl AppState {
    /// The state for a server with these settings; with `redis`, also the inbox of the
    /// backplane task, which the caller spawns ([`crate::backplane::run`]).
    pub fn new(
        dirs: StaticDirs,
        limits: Limits,
        origins: OriginPolicy,
        test_hooks: bool,
        redis: Option<RedisUrl>,
    ) -> (AppState, Option<Inbox>) {
        let metrics = Metrics::new();
        let (backplane, inbox) = match redis {
            Some(url) => {
                let (backplane, inbox) = Backplane::new(url, &metrics);
                (Some(backplane), Some(inbox))
            }
            None => (None, None),
        };
        let state = AppState(Arc::new(Shared {
            dirs,
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
            origins,
            rooms: Rooms::new(metrics.clone(), backplane.clone()),
            backplane,
            metrics,
            hooks: test_hooks.then(RefusalBook::default),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
        }));
        (state, inbox)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}
