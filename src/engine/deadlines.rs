//! The engine's timers as deadlines: when each is due, and which is next.
//!
//! The engine keeps the deadlines (in milliseconds on the shell's clock) instead of asking the
//! shell to run one browser timer per purpose: the shell arms a single timer for
//! [`Deadlines::next`] and the engine decides, with the time in hand, what has come due.

use crate::engine::commands::Timer;

/// One optional deadline per [`Timer`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Deadlines {
    at: [Option<f64>; 6],
}

fn slot(timer: Timer) -> usize {
    match timer {
        Timer::Connect => 0,
        Timer::Reconnect => 1,
        Timer::HeartbeatSend => 2,
        Timer::HeartbeatCheck => 3,
        Timer::Watchdog => 4,
        Timer::Ack => 5,
    }
}

impl Deadlines {
    /// Sets `timer` to come due `ms` after `now_ms` (replacing what it was set to).
    pub fn set(&mut self, timer: Timer, now_ms: f64, ms: u32) {
        self.at[slot(timer)] = Some(now_ms + f64::from(ms));
    }

    /// Unsets `timer`.
    pub fn clear(&mut self, timer: Timer) {
        self.at[slot(timer)] = None;
    }

    /// Unsets every timer.
    pub fn clear_all(&mut self) {
        self.at = [None; 6];
    }

    /// When `timer` is due, if it is set.
    pub fn get(&self, timer: Timer) -> Option<f64> {
        self.at[slot(timer)]
    }

    /// The earliest deadline set.
    pub fn next(&self) -> Option<f64> {
        self.at.iter().flatten().copied().reduce(f64::min)
    }

    /// The first timer (in [`Timer::ALL`] order) that is due at `now_ms`, unset, with the
    /// time it was due (how late it fires tells of throttled timers or a sleep).
    pub fn take_due(&mut self, now_ms: f64) -> Option<(Timer, f64)> {
        let (timer, at) = Timer::ALL
            .into_iter()
            .find_map(|t| self.get(t).filter(|at| *at <= now_ms).map(|at| (t, at)))?;
        self.clear(timer);
        Some((timer, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_deadline_is_next_and_fires_once() {
        let mut d = Deadlines::default();
        assert_eq!(d.next(), None);
        d.set(Timer::HeartbeatCheck, 10.0, 100);
        d.set(Timer::Connect, 10.0, 50);
        assert_eq!(d.next(), Some(60.0));
        assert_eq!(d.take_due(59.0), None);
        assert_eq!(d.take_due(200.0), Some((Timer::Connect, 60.0)));
        assert_eq!(d.take_due(200.0), Some((Timer::HeartbeatCheck, 110.0)));
        assert_eq!(d.take_due(200.0), None);
        assert_eq!(d.next(), None);
    }
}
