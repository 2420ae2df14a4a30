//! A connection's outbox: where messages for the peer wait for the writer task, counted in
//! bytes, not in messages. Whoever queues adds the payload bytes; the writer takes them off
//! once it has written a message. A peer whose queue stays over the byte budget longer than
//! the grace time is a slow reader (the writer closes it with 1013); one whose queue would
//! pass the cap is closed with 1013 at once. Transport layer: imports only `transport`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::Message;

use super::queue::QueueSender;
use super::writer::{payload_len, Link, Outbound};

/// The close code for a peer that reads too slowly ("try again later").
pub const TRY_AGAIN_LATER: u16 = 1013;

/// Why a message could not be queued: the connection is closing or gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// The sending end of one connection's queue; cheap to clone (the relay keeps one per peer).
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: QueueSender,
    link: Arc<Link>,
    budget: usize,
    cap: usize,
}

impl Outbox {
    /// The outbox of the queue `queue`, whose writer shares `link`; `budget` and `cap` in
    /// payload bytes (`--send-buffer` and [`super::Limits::queue_cap`]).
    pub fn new(queue: QueueSender, link: Arc<Link>, budget: usize, cap: usize) -> Outbox {
        Outbox {
            queue,
            link,
            budget,
            cap,
        }
    }

    /// Queues `message` without waiting. If the queue would pass its cap, the peer is closed
    /// with 1013 and the message is dropped; if it goes over the budget, the writer starts
    /// the slow-reader clock.
    pub fn offer(&self, message: Message) -> Result<(), Closed> {
        let bytes = payload_len(&message);
        let before = self.link.queued.fetch_add(bytes, Ordering::SeqCst);
        let after = before.saturating_add(bytes);
        if after > self.cap {
            self.link.queued.fetch_sub(bytes, Ordering::SeqCst);
            self.link.close_now(
                TRY_AGAIN_LATER,
                &format!(
                    "send queue over {} bytes: this peer reads more slowly than it is sent to",
                    self.cap
                ),
            );
            return Err(Closed);
        }
        if before <= self.budget && after > self.budget {
            self.link.over_budget.notify_one();
        }
        self.queue.send(Outbound::Message(message)).map_err(|_| {
            self.link.queued.fetch_sub(bytes, Ordering::SeqCst);
            Closed
        })
    }

    /// Resolves once the queue holds no more than the budget (at once if it already does).
    pub async fn room(&self) {
        while self.link.queued.load(Ordering::SeqCst) > self.budget {
            self.link.drained.notified().await;
        }
    }

    /// Queues something other than a message (a close after the queued messages, a pause).
    pub fn control(&self, item: Outbound) -> Result<(), Closed> {
        self.queue.send(item).map_err(|_| Closed)
    }
}
