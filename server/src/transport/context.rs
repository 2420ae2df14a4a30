//! What every connection shares with the others: the limits, the counters, the shutdown
//! token, and the admission of new connections (`--max-connections`, the shutdown tracker).
//! Transport layer: imports only `transport`.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::task_tracker::TaskTrackerToken;
use tokio_util::task::TaskTracker;

use super::limits::Limits;
use super::metrics::Metrics;

/// What a connection needs from the server, instead of the whole app state; shared behind an
/// `Arc` by every connection.
pub struct ConnContext {
    /// The limits of every connection.
    pub limits: Limits,
    /// The counters behind `/metrics`.
    pub metrics: Metrics,
    /// Cancelled on shutdown: every connection closes with 1001.
    pub shutdown: CancellationToken,
    /// Tracks every connection task (and the backplane), so shutdown can wait for them.
    pub tracker: TaskTracker,
    /// The WebSocket options of every connection, made once from the limits (their deflate
    /// pool is shared by all connections).
    pub wire_options: yawc::Options,
    /// One permit per open WebSocket connection, `max_connections` in all.
    slots: Arc<Semaphore>,
}

/// What keeps a connection counted: its slot under `--max-connections`, and its place in
/// the shutdown tracker.
pub struct Admission {
    /// The connection's slot under `--max-connections`.
    pub slot: OwnedSemaphorePermit,
    /// Keeps shutdown waiting until this connection has closed.
    pub tracked: TaskTrackerToken,
}

/// Why a handshake was not admitted: the `reason` label of the refusal counter, and the line
/// that says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAdmitted {
    /// `shutdown` or `capacity`.
    pub reason: &'static str,
    /// What the client is told.
    pub why: String,
}

impl ConnContext {
    /// A context with `limits` and `metrics`, not shutting down, no connection open.
    pub fn new(limits: Limits, metrics: Metrics) -> ConnContext {
        ConnContext {
            slots: Arc::new(Semaphore::new(limits.max_connections)),
            wire_options: super::wire::options(&limits, &super::wire::deflate_pool()),
            limits,
            metrics,
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
        }
    }

    /// A slot for one more connection, unless the server is shutting down or
    /// `max_connections` are open.
    pub fn admit(&self) -> Result<Admission, NotAdmitted> {
        if self.shutdown.is_cancelled() {
            return Err(NotAdmitted {
                reason: "shutdown",
                why: "the server is shutting down".to_owned(),
            });
        }
        let Ok(slot) = self.slots.clone().try_acquire_owned() else {
            return Err(NotAdmitted {
                reason: "capacity",
                why: format!(
                    "too many connections: --max-connections {} are open",
                    self.limits.max_connections
                ),
            });
        };
        Ok(Admission {
            slot,
            tracked: self.tracker.token(),
        })
    }
}
