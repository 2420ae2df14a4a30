//! The driver's two browser timers: one wakes the engine at its next deadline, one polls
//! `bufferedAmount` for those waiting for the drain (the browser has no event for it).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;

use crate::shell::live::{Counted, Kind};

/// Which of the two timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The engine's next deadline ([`poll_timeout`](crate::Connection::poll_timeout)).
    Wake,
    /// The drain poll.
    DrainPoll,
}

/// At most one pending timer per slot; starting a slot cancels what it held. Dropping the
/// set cancels them all.
#[derive(Default)]
pub(crate) struct Timers {
    slots: RefCell<[Option<Counted<Timeout>>; 2]>,
}

impl Timers {
    /// Starts `slot` to call `fire(owner, slot)` after `ms`, unless the owner is gone.
    pub(crate) fn start<T: 'static>(
        &self,
        slot: Slot,
        ms: f64,
        owner: Weak<T>,
        fire: fn(&Rc<T>, Slot),
    ) {
        // setTimeout takes a signed 32-bit delay and treats a larger one as 0: clamp, so a
        // huge connect_timeout_ms means "very long", not "at once".
        let ms = ms.ceil().clamp(0.0, f64::from(i32::MAX)) as u32;
        let timeout = Timeout::new(ms, move || {
            if let Some(owner) = owner.upgrade() {
                fire(&owner, slot);
            }
        });
        let previous =
            self.slots.borrow_mut()[slot as usize].replace(Counted::new(Kind::Timer, timeout));
        drop(previous);
    }

    /// Stops `slot` if it runs (also used once it fired, to release it).
    pub(crate) fn stop(&self, slot: Slot) {
        let previous = self.slots.borrow_mut()[slot as usize].take();
        drop(previous);
    }

    pub(crate) fn is_running(&self, slot: Slot) -> bool {
        self.slots.borrow()[slot as usize].is_some()
    }

    /// Stops every timer.
    pub(crate) fn stop_all(&self) {
        let all = std::mem::take(&mut *self.slots.borrow_mut());
        drop(all);
    }
}
