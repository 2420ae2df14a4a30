//! The timers the shell runs: the engine's ([`Timer`]) and its own drain poll.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo_timers::callback::Timeout;

use crate::engine::commands::Timer;
use crate::shell::live::{Counted, Kind};

/// A timer slot: one of the engine's timers, or the poll that watches `bufferedAmount` for
/// `sendAsync` and the Sink (the browser has no event for it draining).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Engine(Timer),
    DrainPoll,
}

const SLOTS: [Slot; 5] = [
    Slot::Engine(Timer::Connect),
    Slot::Engine(Timer::Reconnect),
    Slot::Engine(Timer::HeartbeatSend),
    Slot::Engine(Timer::HeartbeatCheck),
    Slot::DrainPoll,
];

fn index(slot: Slot) -> usize {
    SLOTS.iter().position(|s| *s == slot).unwrap_or_default()
}

/// At most one pending timer per slot; starting a slot cancels what it held. Dropping the
/// set cancels them all.
#[derive(Default)]
pub(crate) struct Timers {
    slots: RefCell<[Option<Counted<Timeout>>; 5]>,
}

impl Timers {
    /// Starts `slot` to call `fire(owner, slot)` after `ms`, unless the owner is gone.
    pub(crate) fn start<T: 'static>(
        &self,
        slot: Slot,
        ms: u32,
        owner: Weak<T>,
        fire: fn(&Rc<T>, Slot),
    ) {
        // setTimeout takes a signed 32-bit delay and treats a larger one as 0: clamp, so a
        // huge connectTimeoutMs means "very long", not "at once".
        let timeout = Timeout::new(ms.min(i32::MAX as u32), move || {
            if let Some(owner) = owner.upgrade() {
                fire(&owner, slot);
            }
        });
        let previous =
            self.slots.borrow_mut()[index(slot)].replace(Counted::new(Kind::Timer, timeout));
        drop(previous);
    }

    /// Stops `slot` if it runs (also used once it fired, to release it).
    pub(crate) fn stop(&self, slot: Slot) {
        let previous = self.slots.borrow_mut()[index(slot)].take();
        drop(previous);
    }

    pub(crate) fn is_running(&self, slot: Slot) -> bool {
        self.slots.borrow()[index(slot)].is_some()
    }

    /// Stops every timer.
    pub(crate) fn stop_all(&self) {
        let all = std::mem::take(&mut *self.slots.borrow_mut());
        drop(all);
    }
}
