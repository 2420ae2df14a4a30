//! Messages stay in JS; the engine queues [`Handle`]s to them. A handle is shared by its
//! clones (a session keeps a sent message until acknowledged), and when the last one goes the
//! message's id lands in [`FREED`], so JS can let go of the data.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};

use duplex_ws::Payload;

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "dx")]
extern "C" {
    /// The message's size on the wire (UTF-8 bytes for text), measured by JS when the engine
    /// asks: only queued messages are measured.
    fn bytes(id: u32) -> f64;
    /// 1 if the message is text starting with U+0000 (escaped in a session).
    fn nul(id: u32) -> u32;
}

// Natively (the crate's own tests) there is no JS to ask.
#[cfg(not(target_arch = "wasm32"))]
unsafe fn bytes(_: u32) -> f64 {
    0.0
}
#[cfg(not(target_arch = "wasm32"))]
unsafe fn nul(_: u32) -> u32 {
    0
}

struct Slot {
    id: u32,
    /// JS already let go of the message (it was sent on the fast path): not listed as freed.
    quiet: Cell<bool>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if !self.quiet.get() {
            FREED.with(|freed| freed.borrow_mut().push(self.id));
        }
    }
}

/// A queued message: its id in JS's store.
#[derive(Clone)]
pub struct Handle(Rc<Slot>);

impl Handle {
    /// A handle to JS's message `id`.
    pub fn new(id: u32) -> Self {
        Handle(Rc::new(Slot {
            id,
            quiet: Cell::new(false),
        }))
    }

    /// The message's id in JS's store.
    pub fn id(&self) -> u32 {
        self.0.id
    }

    /// Lets go of the handle; true if it was the last one, which JS then lets go of itself
    /// (it is not listed as freed).
    pub fn release(self) -> bool {
        let last = Rc::strong_count(&self.0) == 1;
        self.0.quiet.set(last);
        last
    }
}

impl Payload for Handle {
    fn wire_bytes(&self) -> usize {
        // SAFETY: an import from js/core.js that reads a number from its store.
        unsafe { bytes(self.id()) as usize }
    }

    fn starts_with_nul(&self) -> bool {
        // SAFETY: as above.
        unsafe { nul(self.id()) == 1 }
    }
}

/// A global for the one thread of wasm32-unknown-unknown (no `std::thread_local` here).
pub struct Global<T>(pub RefCell<T>);

// SAFETY: wasm32-unknown-unknown without atomics runs one thread.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    /// Runs `f` with the value.
    pub fn with<R>(&self, f: impl FnOnce(&RefCell<T>) -> R) -> R {
        f(&self.0)
    }
}

/// The ids of messages the engine let go of since JS last looked.
pub static FREED: Global<Vec<u32>> = Global(RefCell::new(Vec::new()));
