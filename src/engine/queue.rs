//! The send queue: messages accepted while the socket is not open, kept in order, bounded.

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::engine::options::{Overflow, QueueLimits};
use crate::error::Error;

/// A message the engine can queue: it knows its length on the wire.
///
/// The engine asks only for messages that have to wait in the queue, so a message sent
/// while open is never measured (the shell's JS strings are not copied to count them).
pub trait Payload: Clone {
    /// The bytes it takes on the wire (UTF-8 bytes for text).
    fn wire_bytes(&self) -> usize;

    /// Whether it is text that starts with U+0000, which a session escapes (asked only in a
    /// session, where the message is kept for resending anyway).
    fn starts_with_nul(&self) -> bool {
        false
    }
}

impl Payload for String {
    fn wire_bytes(&self) -> usize {
        self.len()
    }

    fn starts_with_nul(&self) -> bool {
        self.starts_with('\0')
    }
}

impl Payload for &str {
    fn wire_bytes(&self) -> usize {
        self.len()
    }

    fn starts_with_nul(&self) -> bool {
        self.starts_with('\0')
    }
}

impl Payload for Vec<u8> {
    fn wire_bytes(&self) -> usize {
        self.len()
    }
}

/// A first-in, first-out queue of outgoing messages that counts their bytes and holds to
/// its [`QueueLimits`].
///
/// In a session it also keeps the messages sent but not yet acknowledged, at its front (the
/// *in-flight* part): they count against the same limits, leave on an ack, and are sent
/// again after a reconnect ([`SendQueue::rewind`]).
///
/// It is generic over the message type so the browser shell can queue the caller's own
/// JavaScript values (no copy) while native tests queue plain values.
///
/// ```
/// use duplex_ws::{QueueLimits, SendQueue};
/// let mut queue = SendQueue::new(QueueLimits { max_messages: 2, ..Default::default() });
/// queue.push("héllo", 6).unwrap();
/// queue.push("you", 3).unwrap();
/// assert_eq!(queue.push("more", 4).unwrap_err().code(), "QUEUE_FULL");
/// assert_eq!((queue.len(), queue.bytes()), (2, 9));
/// assert_eq!(queue.drain().collect::<Vec<_>>(), ["héllo", "you"]);
/// ```
#[derive(Debug)]
pub struct SendQueue<M> {
    items: VecDeque<(M, usize)>,
    bytes: usize,
    /// How many of the front items were sent and await an acknowledgement.
    in_flight: usize,
    in_flight_bytes: usize,
    /// How many items ever left the front (acknowledged, dropped or drained): with the
    /// count pushed, what a wait for one message's acknowledgement compares against.
    removed: u64,
    limits: QueueLimits,
}

/// What a push had to drop to make room (overflow `drop-oldest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dropped {
    /// Messages dropped, oldest first.
    pub messages: usize,
    /// Their bytes together.
    pub bytes: usize,
}

impl<M> SendQueue<M> {
    /// An empty queue with these bounds.
    pub fn new(limits: QueueLimits) -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
            in_flight: 0,
            in_flight_bytes: 0,
            removed: 0,
            limits,
        }
    }

    /// Appends `message`, `bytes` long on the wire (UTF-8 bytes for text).
    ///
    /// At a bound: with [`Overflow::Error`] the message is refused with `QUEUE_FULL` and the
    /// queue is unchanged; with [`Overflow::DropOldest`] the oldest messages go until it fits,
    /// unless it can never fit (larger than `max_bytes`, or `max_messages` is 0).
    pub fn push(&mut self, message: M, bytes: usize) -> Result<Dropped, Error> {
        let mut dropped = Dropped::default();
        if !self.fits(bytes) {
            let can_ever_fit = bytes <= self.limits.max_bytes && self.limits.max_messages > 0;
            if self.limits.overflow == Overflow::Error || !can_ever_fit {
                return Err(Error::QueueFull {
                    bytes,
                    queued_messages: self.items.len(),
                    queued_bytes: self.bytes,
                    max_messages: self.limits.max_messages,
                    max_bytes: self.limits.max_bytes,
                });
            }
            while !self.fits(bytes) {
                let Some(size) = self.pop_front() else { break };
                dropped.messages += 1;
                dropped.bytes += size;
            }
        }
        self.bytes += bytes;
        self.items.push_back((message, bytes));
        Ok(dropped)
    }

    /// Removes the oldest item (in flight or not), returning its size.
    fn pop_front(&mut self) -> Option<usize> {
        let (_, size) = self.items.pop_front()?;
        self.bytes -= size;
        self.removed += 1;
        if self.in_flight > 0 {
            self.in_flight -= 1;
            self.in_flight_bytes -= size;
        }
        Some(size)
    }

    fn fits(&self, bytes: usize) -> bool {
        self.items.len() < self.limits.max_messages
            && self.bytes.saturating_add(bytes) <= self.limits.max_bytes
    }

    /// The bounds.
    pub fn limits(&self) -> &QueueLimits {
        &self.limits
    }

    /// How many messages it holds: waiting, and (in a session) in flight.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds no message.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The bytes of the messages not yet sent.
    pub fn bytes(&self) -> usize {
        self.bytes - self.in_flight_bytes
    }

    /// How many messages wait to be sent.
    pub fn waiting(&self) -> usize {
        self.items.len() - self.in_flight
    }

    /// The bytes of the messages sent and not yet acknowledged (a session's `unackedAmount`).
    pub fn in_flight_bytes(&self) -> usize {
        self.in_flight_bytes
    }

    /// How many messages are sent and not yet acknowledged.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// How many messages were ever pushed.
    pub fn pushed(&self) -> u64 {
        self.removed + self.items.len() as u64
    }

    /// How many messages ever left (acknowledged, dropped or drained): message number `n`
    /// (counting pushes from 0) has left once this is above `n`.
    pub fn removed(&self) -> u64 {
        self.removed
    }

    /// Takes every message out, oldest first (in flight ones too).
    pub fn drain(&mut self) -> impl Iterator<Item = M> + '_ {
        self.bytes = 0;
        self.in_flight = 0;
        self.in_flight_bytes = 0;
        self.removed += self.items.len() as u64;
        // Taken whole rather than `drain(..)`ed: the same for a queue emptied entirely, and
        // `Drain`'s drop (it must put back a tail) is a kilobyte of the npm package's wasm.
        core::mem::take(&mut self.items)
            .into_iter()
            .map(|(message, _)| message)
    }

    /// Lets go of every message (in flight ones too).
    pub fn clear(&mut self) {
        drop(self.drain());
    }

    /// The oldest message not yet sent, now counted in flight (kept until acknowledged).
    pub fn send_next(&mut self) -> Option<M>
    where
        M: Clone,
    {
        let (message, size) = self.items.get(self.in_flight)?;
        self.in_flight += 1;
        self.in_flight_bytes += size;
        Some(message.clone())
    }

    /// Forgets the `count` oldest messages in flight: the peer acknowledged them. Returns
    /// how many there were (fewer if fewer were in flight).
    pub fn acknowledge(&mut self, count: u64) -> u64 {
        let mut done = 0;
        while done < count && self.in_flight > 0 {
            self.pop_front();
            done += 1;
        }
        done
    }

    /// Puts every message in flight back to waiting (a new connection sends them again);
    /// returns how many.
    pub fn rewind(&mut self) -> usize {
        self.in_flight_bytes = 0;
        core::mem::take(&mut self.in_flight)
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn limits() -> impl Strategy<Value = QueueLimits> {
        (0usize..5_000, 0usize..20, any::<bool>()).prop_map(|(max_bytes, max_messages, drop)| {
            QueueLimits {
                max_bytes,
                max_messages,
                overflow: if drop {
                    Overflow::DropOldest
                } else {
                    Overflow::Error
                },
            }
        })
    }

    proptest! {
        /// Whatever the pushes, the queue never exceeds its bounds, never reorders, and
        /// accounts for every message: queued, refused, or dropped (and then reported).
        #[test]
        fn never_exceeds_bounds_nor_reorders(limits in limits(), sizes in proptest::collection::vec(0usize..1_000, 0..100)) {
            let mut queue = SendQueue::new(limits.clone());
            let mut refused = 0;
            let mut dropped = 0;
            for (i, &size) in sizes.iter().enumerate() {
                let before = (queue.len(), queue.bytes());
                match queue.push(i, size) {
                    Ok(d) => dropped += d.messages,
                    Err(err) => {
                        prop_assert_eq!(err.code(), "QUEUE_FULL");
                        prop_assert_eq!((queue.len(), queue.bytes()), before, "a refusal changes nothing");
                        refused += 1;
                    }
                }
                prop_assert!(queue.len() <= limits.max_messages);
                prop_assert!(queue.bytes() <= limits.max_bytes);
            }
            if limits.overflow == Overflow::Error {
                prop_assert_eq!(dropped, 0);
            }
            prop_assert_eq!(queue.len() + refused + dropped, sizes.len());
            let bytes = queue.bytes();
            let out: Vec<usize> = queue.drain().collect();
            prop_assert!(out.windows(2).all(|w| w[0] < w[1]), "FIFO order: {:?}", out);
            prop_assert_eq!(out.iter().map(|&i| sizes[i]).sum::<usize>(), bytes);
            prop_assert_eq!((queue.len(), queue.bytes()), (0, 0));
        }
    }

    #[test]
    fn drop_oldest_makes_room_and_says_how_much() {
        let limits = QueueLimits {
            max_bytes: 10,
            max_messages: 100,
            overflow: Overflow::DropOldest,
        };
        let mut queue = SendQueue::new(limits);
        queue.push("a", 4).unwrap();
        queue.push("b", 4).unwrap();
        assert_eq!(
            queue.push("c", 6).unwrap(),
            Dropped {
                messages: 1,
                bytes: 4
            }
        );
        assert_eq!(queue.drain().collect::<Vec<_>>(), ["b", "c"]);
        // Larger than the whole queue may ever hold: refused, nothing dropped.
        queue.push("d", 3).unwrap();
        let err = queue.push("huge", 11).unwrap_err();
        assert!(err.to_string().contains("11-byte"), "{err}");
        assert_eq!(queue.len(), 1);
    }
}
