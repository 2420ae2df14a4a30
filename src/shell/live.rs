//! Counts of the JS resources the shell holds (event listener closures, timers, sockets),
//! so tests can check that reconnect cycles and dropped sockets leave nothing behind.

use std::cell::Cell;

thread_local! {
    static LISTENERS: Cell<usize> = const { Cell::new(0) };
    static TIMERS: Cell<usize> = const { Cell::new(0) };
    static SOCKETS: Cell<usize> = const { Cell::new(0) };
}

/// How many shell resources are alive right now, in this thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveCounts {
    /// JS closures installed as browser event listeners.
    pub listeners: usize,
    /// Pending JS timers (`setTimeout`).
    pub timers: usize,
    /// Sockets (both faces) whose state is still held.
    pub sockets: usize,
}

/// The live counts now; for tests of resource release.
///
/// ```
/// let counts = duplex_ws::live_counts();
/// assert_eq!(counts.timers, 0);
/// ```
pub fn live_counts() -> LiveCounts {
    LiveCounts {
        listeners: LISTENERS.with(Cell::get),
        timers: TIMERS.with(Cell::get),
        sockets: SOCKETS.with(Cell::get),
    }
}

/// Which count a [`Counted`] value adds to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Listener,
    Timer,
    Socket,
}

impl Kind {
    fn add(self, delta: isize) {
        let cell = match self {
            Kind::Listener => &LISTENERS,
            Kind::Timer => &TIMERS,
            Kind::Socket => &SOCKETS,
        };
        cell.with(|c| c.set(c.get().wrapping_add_signed(delta)));
    }
}

/// A value counted in [`live_counts`] from creation until it is dropped.
pub(crate) struct Counted<T> {
    value: T,
    kind: Kind,
}

impl<T> Counted<T> {
    pub(crate) fn new(kind: Kind, value: T) -> Self {
        kind.add(1);
        Self { value, kind }
    }

    pub(crate) fn get(&self) -> &T {
        &self.value
    }
}

impl<T> Drop for Counted<T> {
    fn drop(&mut self) {
        self.kind.add(-1);
    }
}
