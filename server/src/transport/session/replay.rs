//! A session's replay buffer: the server's messages sent and not yet acknowledged, in order,
//! bounded in bytes and in count (`--session-replay-bytes`, `--session-replay-messages`).
//! Past a bound the oldest go, acknowledged or not; a resume that needs one of them is
//! refused. Each message counts its payload and [`ENTRY_OVERHEAD`] against the byte bound,
//! so that the bound is the buffer's real memory. Transport layer (session): imports only
//! `transport`.

use std::collections::VecDeque;

use axum::extract::ws::Message;

use crate::transport::writer::payload_len;

/// What keeping one message costs besides its payload, counted against the byte bound
/// (`--session-replay-bytes`). Counting payloads alone let the bound be passed many times
/// over by small messages: 16,384 one-byte messages held about 1.1 MiB in a session on
/// `/echo` (70 B each) and 48.6 B each in the buffers of 200 relay sessions, against 16 KiB
/// counted (RSS, debug build, `a03_replay_overhead.py 4 16384 1` and
/// `a04_relay_ghost_sessions.py 200 16384`). What it is:
/// - the message's slot in the deque, `size_of::<Message>()` (48 bytes), counted twice: a
///   `VecDeque` grows by doubling and keeps its capacity when trimmed or acknowledged, so it
///   may hold up to twice the slots of the most messages it held (the RSS per relay entry,
///   48.6 B, is the slot alone, the payload being shared by the room);
/// - 16 bytes for the frame header a payload pins with it in the read buffer it was read
///   into (2 to 14 bytes on the wire) and its share of that buffer's reference count.
///
/// With it, a buffer's slots (capacity included) plus payloads stay within the byte bound.
pub const ENTRY_OVERHEAD: usize = 2 * std::mem::size_of::<Message>() + 16;

/// What `message` counts against the byte bound: its payload and [`ENTRY_OVERHEAD`].
fn cost(message: &Message) -> usize {
    payload_len(message) + ENTRY_OVERHEAD
}

/// The bounds of one replay buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayBounds {
    /// The most bytes held: payloads, and [`ENTRY_OVERHEAD`] for each message.
    pub max_bytes: usize,
    /// The most messages held.
    pub max_messages: usize,
}

/// Why the buffer cannot serve a resume, or refuses an ack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayError {
    /// The client needs message `needed`, but the buffer starts at `first` (trimmed).
    Trimmed {
        /// The first message the client has not received.
        needed: u64,
        /// The oldest message still held.
        first: u64,
    },
    /// The client claims `count` messages, but only `sent` were sent.
    BeyondSent {
        /// What the client claims (received, or acknowledged).
        count: u64,
        /// How many the server sent in this session.
        sent: u64,
    },
}

/// The server-to-client side of a session: how many messages were numbered, and the ones
/// not yet acknowledged (those the bounds left).
///
/// ```
/// use axum::extract::ws::Message;
/// use duplex_server::transport::session::replay::{ReplayBounds, ReplayBuffer};
///
/// let mut buffer = ReplayBuffer::new(ReplayBounds { max_bytes: 1 << 20, max_messages: 2 });
/// for word in ["a", "b", "c"] {
///     buffer.push(Message::Text(word.into()));
/// }
/// assert_eq!(buffer.sent(), 3);
/// assert!(buffer.since(0).is_err()); // "a" was trimmed
/// assert_eq!(buffer.since(1).unwrap().count(), 2);
/// ```
#[derive(Debug)]
pub struct ReplayBuffer {
    bounds: ReplayBounds,
    /// The number of the oldest message held (`messages[0]`).
    first: u64,
    /// The messages `first ..`, in order.
    messages: VecDeque<Message>,
    /// What they cost: payload bytes, and [`ENTRY_OVERHEAD`] each.
    bytes: usize,
    /// The client's latest cumulative ack.
    acked: u64,
}

impl ReplayBuffer {
    /// An empty buffer: nothing sent yet.
    pub fn new(bounds: ReplayBounds) -> ReplayBuffer {
        ReplayBuffer {
            bounds,
            first: 0,
            messages: VecDeque::new(),
            bytes: 0,
            acked: 0,
        }
    }

    /// An empty buffer whose next message is number `first` (a session rebuilt from a
    /// shared store, whose client has received `0 .. first`).
    pub fn starting_at(bounds: ReplayBounds, first: u64) -> ReplayBuffer {
        ReplayBuffer {
            first,
            acked: first,
            ..ReplayBuffer::new(bounds)
        }
    }

    /// How many messages were numbered in this session (the next one's number).
    pub fn sent(&self) -> u64 {
        self.first + self.messages.len() as u64
    }

    /// The client's latest acknowledgement.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// Bytes held, as counted against the bound: payloads, and [`ENTRY_OVERHEAD`] for each
    /// message.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Messages held.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Numbers `message` and keeps it until acknowledged; returns its number. The oldest
    /// messages go while the buffer is over a bound (the newest always stays).
    pub fn push(&mut self, message: Message) -> u64 {
        let number = self.sent();
        self.bytes += cost(&message);
        self.messages.push_back(message);
        while self.messages.len() > 1
            && (self.messages.len() > self.bounds.max_messages
                || self.bytes > self.bounds.max_bytes)
        {
            self.pop();
        }
        number
    }

    /// The client has received messages `0 .. count`; they may go. A count below an earlier
    /// one changes nothing (acks are cumulative); one beyond what was sent is an error.
    pub fn ack(&mut self, count: u64) -> Result<(), ReplayError> {
        if count > self.sent() {
            return Err(ReplayError::BeyondSent {
                count,
                sent: self.sent(),
            });
        }
        self.acked = self.acked.max(count);
        while self.first < self.acked && !self.messages.is_empty() {
            self.pop();
        }
        Ok(())
    }

    /// The messages from number `received` on, in order, for a client that has received
    /// `0 .. received`; an error if some of them are gone or the count is beyond what was
    /// sent.
    pub fn since(
        &self,
        received: u64,
    ) -> Result<impl ExactSizeIterator<Item = &Message> + '_, ReplayError> {
        if received > self.sent() {
            return Err(ReplayError::BeyondSent {
                count: received,
                sent: self.sent(),
            });
        }
        if received < self.first {
            return Err(ReplayError::Trimmed {
                needed: received,
                first: self.first,
            });
        }
        Ok(self.messages.range((received - self.first) as usize..))
    }

    fn pop(&mut self) {
        if let Some(message) = self.messages.pop_front() {
            self.bytes -= cost(&message);
            self.first += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: String) -> Message {
        Message::Text(s.into())
    }

    fn texts<'a>(messages: impl Iterator<Item = &'a Message>) -> Vec<String> {
        messages.map(|m| m.to_text().unwrap().to_owned()).collect()
    }

    #[test]
    fn the_count_bound_trims_the_oldest_and_a_resume_needing_them_is_refused() {
        let mut buffer = ReplayBuffer::new(ReplayBounds {
            max_bytes: 1 << 20,
            max_messages: 3,
        });
        for n in 0..5 {
            assert_eq!(buffer.push(text(format!("m{n}"))), n);
        }
        assert_eq!(buffer.len(), 3);
        assert_eq!(
            buffer.since(1).err(),
            Some(ReplayError::Trimmed {
                needed: 1,
                first: 2
            })
        );
        assert_eq!(texts(buffer.since(2).unwrap()), ["m2", "m3", "m4"]);
        assert_eq!(texts(buffer.since(5).unwrap()), Vec::<String>::new());
        assert!(matches!(
            buffer.since(6),
            Err(ReplayError::BeyondSent { count: 6, sent: 5 })
        ));
    }

    #[test]
    fn the_byte_bound_trims_the_oldest_but_keeps_the_newest() {
        let mut buffer = ReplayBuffer::new(ReplayBounds {
            max_bytes: 10 + 2 * ENTRY_OVERHEAD,
            max_messages: 100,
        });
        buffer.push(text("aaaa".into())); // 4
        buffer.push(text("bbbb".into())); // 8
        assert_eq!(buffer.bytes(), 8 + 2 * ENTRY_OVERHEAD);
        buffer.push(text("cccc".into())); // 12 > 10: "aaaa" goes
        assert_eq!(buffer.bytes(), 8 + 2 * ENTRY_OVERHEAD);
        assert_eq!(texts(buffer.since(1).unwrap()), ["bbbb", "cccc"]);
        assert!(buffer.since(0).is_err());
        // One message over the bound on its own is still held (the newest always is).
        buffer.push(text("x".repeat(500)));
        assert_eq!(buffer.len(), 1);
        assert_eq!(buffer.bytes(), 500 + ENTRY_OVERHEAD);
        assert_eq!(buffer.sent(), 4);
    }

    #[test]
    fn small_messages_count_their_overhead_so_the_bound_is_the_real_memory() {
        // The 1 MiB default: one-byte messages (the case that held 70 B each where 1 B was
        // counted) are kept up to the bound in bytes, not up to the count bound.
        // server/README.md and `--help` give the figure.
        assert_eq!(ENTRY_OVERHEAD, 112);
        let max_bytes = 1 << 20;
        let mut buffer = ReplayBuffer::new(ReplayBounds {
            max_bytes,
            max_messages: 16384,
        });
        for _ in 0..16384 {
            buffer.push(Message::Binary(vec![7].into()));
        }
        assert_eq!(buffer.len(), max_bytes / (1 + ENTRY_OVERHEAD));
        assert!(buffer.bytes() <= max_bytes);
        // The deque's slots, spare capacity included, are within what was counted.
        let slots = buffer.messages.capacity() * std::mem::size_of::<Message>();
        assert!(slots + buffer.len() <= max_bytes, "{slots} bytes of slots");
        // Acks give back what they free in the count (not the deque's capacity, which the
        // overhead covers).
        buffer.ack(buffer.sent()).unwrap();
        assert_eq!(buffer.bytes(), 0);
    }

    #[test]
    fn acks_free_what_they_cover_and_an_ack_beyond_sent_is_an_error() {
        let mut buffer = ReplayBuffer::new(ReplayBounds {
            max_bytes: 1 << 20,
            max_messages: 100,
        });
        for n in 0..10 {
            buffer.push(text(format!("m{n}")));
        }
        buffer.ack(4).unwrap();
        assert_eq!(buffer.len(), 6);
        assert_eq!(buffer.bytes(), 12 + 6 * ENTRY_OVERHEAD);
        buffer.ack(2).unwrap(); // stale: changes nothing
        assert_eq!(buffer.acked(), 4);
        assert_eq!(texts(buffer.since(8).unwrap()), ["m8", "m9"]);
        assert!(buffer.since(3).is_err());
        assert_eq!(
            buffer.ack(11),
            Err(ReplayError::BeyondSent {
                count: 11,
                sent: 10
            })
        );
        buffer.ack(10).unwrap();
        assert!(buffer.is_empty());
        assert_eq!(buffer.bytes(), 0);
        assert_eq!(buffer.push(text("m10".into())), 10);
    }
}
