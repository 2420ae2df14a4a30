//! Those who wait for the socket: JS promises (`opened`, `closed`, `sendAsync`) and Rust
//! futures (`opened()`, `closed()`, `send_async`, the Sink).

use std::cell::RefCell;
use std::task::Waker;

use js_sys::Function;
use wasm_bindgen::JsValue;

/// One party waiting: a JS promise's settle functions, or a Rust task's waker (which then
/// polls the state itself).
pub(crate) enum Waiter {
    Js { resolve: Function, reject: Function },
    Rust(Waker),
}

impl Waiter {
    fn resolve(self, value: &JsValue) {
        match self {
            // A settle function cannot throw.
            Waiter::Js { resolve, .. } => drop(resolve.call1(&JsValue::UNDEFINED, value)),
            Waiter::Rust(waker) => waker.wake(),
        }
    }

    fn reject(self, error: &JsValue) {
        match self {
            Waiter::Js { reject, .. } => drop(reject.call1(&JsValue::UNDEFINED, error)),
            Waiter::Rust(waker) => waker.wake(),
        }
    }
}

/// How far the browser must have drained for a drain waiter.
pub(crate) struct DrainWaiter {
    pub(crate) waiter: Waiter,
    /// Satisfied once the socket is open, nothing is queued and `bufferedAmount` is at most
    /// this (the high-water mark for `sendAsync`, 0 for a flush).
    pub(crate) threshold: usize,
}

/// The state of the drain, as the shell reads it at each poll.
pub(crate) enum Drain {
    /// Open with an empty queue, the browser buffering this many bytes.
    Open { buffered: usize },
    /// Connecting or reconnecting: messages may still wait.
    NotOpen,
    /// Closed for good, with the error to reject with.
    Closed(JsValue),
}

#[derive(Default)]
pub(crate) struct Waiters {
    pub(crate) opened: RefCell<Vec<Waiter>>,
    pub(crate) closed: RefCell<Vec<Waiter>>,
    pub(crate) drain: RefCell<Vec<DrainWaiter>>,
}

impl Waiters {
    pub(crate) fn settle_opened(&self, outcome: Result<(), JsValue>) {
        let waiting = std::mem::take(&mut *self.opened.borrow_mut());
        for waiter in waiting {
            match &outcome {
                Ok(()) => waiter.resolve(&JsValue::UNDEFINED),
                Err(error) => waiter.reject(error),
            }
        }
    }

    pub(crate) fn settle_closed(&self, info: &JsValue) {
        let waiting = std::mem::take(&mut *self.closed.borrow_mut());
        waiting.into_iter().for_each(|waiter| waiter.resolve(info));
    }

    /// Settles the drain waiters that `drain` satisfies (or fails); returns whether any wait.
    pub(crate) fn settle_drain(&self, drain: &Drain) -> bool {
        let waiting = std::mem::take(&mut *self.drain.borrow_mut());
        let mut still = Vec::new();
        for entry in waiting {
            match drain {
                Drain::Closed(error) => entry.waiter.reject(error),
                Drain::Open { buffered } if *buffered <= entry.threshold => {
                    entry.waiter.resolve(&JsValue::UNDEFINED)
                }
                _ => still.push(entry),
            }
        }
        let mut drain_waiters = self.drain.borrow_mut();
        // Waiters added while settling (a handler called sendAsync) come after the rest.
        still.append(&mut drain_waiters);
        *drain_waiters = still;
        !drain_waiters.is_empty()
    }
}
