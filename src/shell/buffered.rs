//! A ceiling on the browser socket's `bufferedAmount` that needs no call into JS: the last
//! figure read, plus every byte handed to the socket since. The browser only lowers the
//! figure as it sends, so the real one is never above the ceiling.

use std::cell::Cell;

/// The last `bufferedAmount` read and the bytes handed to the browser since.
#[derive(Default)]
pub(crate) struct BufferedCeiling {
    read: Cell<usize>,
    handed: Cell<usize>,
}

impl BufferedCeiling {
    /// The browser said it buffers `bytes` now.
    pub(crate) fn read(&self, bytes: usize) {
        self.read.set(bytes);
        self.handed.set(0);
    }

    /// `bytes` of application data were handed to the browser socket.
    pub(crate) fn handed(&self, bytes: usize) {
        self.handed.set(self.handed.get().saturating_add(bytes));
    }

    /// The most the browser can be buffering now.
    pub(crate) fn ceiling(&self) -> usize {
        self.read.get().saturating_add(self.handed.get())
    }
}
