//! Those who wait for the socket, kept by each face in its own kind: JS promise settle
//! functions for the JS face, task wakers for the Rust face.

use std::cell::RefCell;

use crate::engine::connection::Readiness;
use crate::error::Error;

/// The parties waiting for the first open, the final close, and the drain.
pub(crate) struct Waiters<W> {
    opened: RefCell<Vec<W>>,
    closed: RefCell<Vec<W>>,
    /// Each satisfied once open, nothing is queued and `bufferedAmount` is at most its
    /// threshold (the high-water mark for `sendAsync`, 0 for a flush).
    drain: RefCell<Vec<(W, usize)>>,
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

    pub(crate) fn wait_drain(&self, waiter: W, threshold: usize) {
        self.drain.borrow_mut().push((waiter, threshold));
    }

    /// Everyone waiting for the first open, taken out (so settling can add new waiters).
    pub(crate) fn take_opened(&self) -> Vec<W> {
        std::mem::take(&mut *self.opened.borrow_mut())
    }

    /// Everyone waiting for the final close, taken out.
    pub(crate) fn take_closed(&self) -> Vec<W> {
        std::mem::take(&mut *self.closed.borrow_mut())
    }

    /// Calls `settle` for each drain waiter that `readiness` and `buffered` satisfy
    /// (`Ok`) or fail (`Err`); returns whether any still wait.
    pub(crate) fn settle_drain(
        &self,
        readiness: &Readiness,
        buffered: usize,
        mut settle: impl FnMut(W, Result<(), &Error>),
    ) -> bool {
        let waiting = std::mem::take(&mut *self.drain.borrow_mut());
        let mut still = Vec::new();
        for (waiter, threshold) in waiting {
            match readiness {
                Readiness::Closed(error) => settle(waiter, Err(error)),
                Readiness::Open if buffered <= threshold => settle(waiter, Ok(())),
                _ => still.push((waiter, threshold)),
            }
        }
        let mut drain = self.drain.borrow_mut();
        // Waiters added while settling (a handler called sendAsync) come after the rest.
        still.append(&mut drain);
        *drain = still;
        !drain.is_empty()
    }
}
