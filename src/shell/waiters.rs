//! Those who wait for the socket, kept by the face in its own kind (task wakers for the Rust
//! face).

use std::cell::RefCell;

use crate::engine::connection::Readiness;
use crate::error::Error;

/// What a drain waiter waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Open, nothing queued and `bufferedAmount` at most this (the high-water mark for
    /// `sendAsync`, 0 for a flush).
    Buffered(usize),
    /// With sessions on: send number `n` (from 0) done, that is acknowledged by the server
    /// (or handed over, when the server spoke plain).
    Done(u64),
}

impl Want {
    /// Whether it is met now (`Err` once the socket is closing or closed), or `None` while
    /// it must wait. `done` is the engine's count of sends done.
    pub(crate) fn met(
        self,
        readiness: &Readiness,
        buffered: usize,
        done: u64,
    ) -> Option<Result<(), &Error>> {
        match (readiness, self) {
            (Readiness::Closed(error), _) => Some(Err(error)),
            (_, Want::Done(n)) if done > n => Some(Ok(())),
            (Readiness::Open, Want::Buffered(threshold)) if buffered <= threshold => Some(Ok(())),
            _ => None,
        }
    }
}

/// The parties waiting for the first open, the final close, and the drain.
pub(crate) struct Waiters<W> {
    opened: RefCell<Vec<W>>,
    closed: RefCell<Vec<W>>,
    drain: RefCell<Vec<(W, Want)>>,
}

impl<W> Default for Waiters<W> {
    fn default() -> Self {
        Self {
            opened: RefCell::default(),
            closed: RefCell::default(),
            drain: RefCell::default(),
        }
    }
}

impl<W> Waiters<W> {
    pub(crate) fn wait_opened(&self, waiter: W) {
        self.opened.borrow_mut().push(waiter);
    }

    pub(crate) fn wait_closed(&self, waiter: W) {
        self.closed.borrow_mut().push(waiter);
    }

    pub(crate) fn wait_drain(&self, waiter: W, want: Want) {
        self.drain.borrow_mut().push((waiter, want));
    }

    /// Everyone waiting for the first open, taken out (so settling can add new waiters).
    pub(crate) fn take_opened(&self) -> Vec<W> {
        std::mem::take(&mut *self.opened.borrow_mut())
    }

    /// Everyone waiting for the final close, taken out.
    pub(crate) fn take_closed(&self) -> Vec<W> {
        std::mem::take(&mut *self.closed.borrow_mut())
    }

    /// Calls `settle` for each drain waiter that `readiness`, `buffered` and `done` (sends
    /// done) satisfy (`Ok`) or fail (`Err`); returns whether any still wait.
    pub(crate) fn settle_drain(
        &self,
        readiness: &Readiness,
        buffered: usize,
        done: u64,
        mut settle: impl FnMut(W, Result<(), &Error>),
    ) -> bool {
        let waiting = std::mem::take(&mut *self.drain.borrow_mut());
        let mut still = Vec::new();
        for (waiter, want) in waiting {
            match want.met(readiness, buffered, done) {
                Some(outcome) => settle(waiter, outcome),
                None => still.push((waiter, want)),
            }
        }
        let mut drain = self.drain.borrow_mut();
        // Waiters added while settling (a handler called sendAsync) come after the rest.
        still.append(&mut drain);
        *drain = still;
        !drain.is_empty()
    }
}
