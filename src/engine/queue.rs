//! The send queue: messages accepted while the socket is not open yet, kept in order.

use std::collections::VecDeque;

/// A first-in, first-out queue of outgoing messages that counts their bytes.
///
/// It is generic over the message type so the browser shell can queue the caller's own
/// JavaScript values (no copy) while native tests queue plain strings.
///
/// ```
/// use duplex_ws::SendQueue;
/// let mut queue = SendQueue::new();
/// queue.push("héllo", 6);
/// queue.push("you", 3);
/// assert_eq!((queue.len(), queue.bytes()), (2, 9));
/// assert_eq!(queue.drain().collect::<Vec<_>>(), ["héllo", "you"]);
/// assert!(queue.is_empty());
/// ```
#[derive(Debug)]
pub struct SendQueue<M> {
    items: VecDeque<(M, usize)>,
    bytes: usize,
}

impl<M> Default for SendQueue<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> SendQueue<M> {
    /// An empty queue.
    pub fn new() -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
        }
    }

    /// Appends `message`, which is `bytes` long on the wire (UTF-8 bytes for text).
    pub fn push(&mut self, message: M, bytes: usize) {
        self.bytes += bytes;
        self.items.push_back((message, bytes));
    }

    /// How many messages wait.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether no message waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The bytes of all waiting messages together.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Takes every waiting message out, oldest first.
    pub fn drain(&mut self) -> impl Iterator<Item = M> + '_ {
        self.bytes = 0;
        self.items.drain(..).map(|(message, _)| message)
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever goes in comes out once, in order, and the byte count is the sum.
        #[test]
        fn keeps_order_and_counts_bytes(sizes in proptest::collection::vec(0usize..10_000, 0..200)) {
            let mut queue = SendQueue::new();
            for (i, &size) in sizes.iter().enumerate() {
                queue.push(i, size);
                prop_assert_eq!(queue.len(), i + 1);
            }
            prop_assert_eq!(queue.bytes(), sizes.iter().sum::<usize>());
            let out: Vec<usize> = queue.drain().collect();
            prop_assert_eq!(out, (0..sizes.len()).collect::<Vec<_>>());
            prop_assert_eq!((queue.len(), queue.bytes()), (0, 0));
        }
    }
}
