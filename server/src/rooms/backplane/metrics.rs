//! The backplane's series of `/metrics`; registered only with `--redis`, so that a server
//! without a backplane never reports one as down. Rooms layer (backplane): imports
//! `transport` (the registry).

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};

use crate::transport::Metrics;

/// Why a backplane message was dropped (the `reason` label).
#[derive(Debug, Clone, Copy)]
pub enum Dropped {
    /// The relay published faster than Redis took the messages: the queue to the
    /// backplane task was full.
    QueueFull,
    /// Redis was unreachable when the message was published.
    Down,
    /// Redis went away while the message was being published.
    Failed,
    /// A message on one of our channels that is not a frame of ours.
    Malformed,
}

impl Dropped {
    fn label(self) -> &'static str {
        match self {
            Dropped::QueueFull => "queue_full",
            Dropped::Down => "down",
            Dropped::Failed => "failed",
            Dropped::Malformed => "malformed",
        }
    }
}

/// The backplane's counters and gauges.
#[derive(Clone)]
pub struct BackplaneMetrics {
    up: IntGauge,
    rooms: IntGauge,
    published: IntCounter,
    received: IntCounter,
    dropped: IntCounterVec,
    connects: IntCounter,
}

impl BackplaneMetrics {
    /// Registers the backplane's series in the server's registry.
    pub fn register(metrics: &Metrics) -> BackplaneMetrics {
        let registry = metrics.registry();
        let register = |metric: Box<dyn prometheus::core::Collector>| {
            registry.register(metric).expect("unique metric");
        };
        let gauge = |name: &str, help: &str| {
            let metric = IntGauge::new(name, help).expect("valid metric");
            register(Box::new(metric.clone()));
            metric
        };
        let counter = |name: &str, help: &str| {
            let metric = IntCounter::new(name, help).expect("valid metric");
            register(Box::new(metric.clone()));
            metric
        };
        let dropped = IntCounterVec::new(
            Opts::new(
                "duplex_backplane_messages_dropped_total",
                "Backplane messages dropped, by reason (queue_full, down, failed, malformed)",
            ),
            &["reason"],
        )
        .expect("valid metric");
        register(Box::new(dropped.clone()));
        BackplaneMetrics {
            up: gauge(
                "duplex_backplane_up",
                "1 while the Redis backplane is connected, else 0",
            ),
            rooms: gauge(
                "duplex_backplane_rooms",
                "Room channels this instance is subscribed to on Redis",
            ),
            published: counter(
                "duplex_backplane_messages_published_total",
                "Relay messages published to Redis for the other instances",
            ),
            received: counter(
                "duplex_backplane_messages_received_total",
                "Relay messages received from other instances through Redis",
            ),
            dropped,
            connects: counter(
                "duplex_backplane_connects_total",
                "Successful connections to Redis (the first one, then each reconnection)",
            ),
        }
    }

    /// The backplane is connected (`true`) or not.
    pub fn set_up(&self, up: bool) {
        self.up.set(i64::from(up));
        if up {
            self.connects.inc();
        }
    }

    /// The instance is subscribed to `rooms` room channels.
    pub fn set_rooms(&self, rooms: usize) {
        self.rooms.set(rooms as i64);
    }

    /// `count` messages were published.
    pub fn published(&self, count: usize) {
        self.published.inc_by(count as u64);
    }

    /// A message from another instance was handed to the local room.
    pub fn received(&self) {
        self.received.inc();
    }

    /// `count` messages were dropped for `why`.
    pub fn dropped(&self, why: Dropped, count: usize) {
        self.dropped
            .with_label_values(&[why.label()])
            .inc_by(count as u64);
    }
}
