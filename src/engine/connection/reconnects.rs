//! The reconnect transitions: what ends a connection leads to (a reconnect, the app's
//! verdict, or the end), the user's `reconnect()`, and the page's lifecycle.

use crate::engine::close::CloseRequest;
use crate::engine::commands::{CloseInfo, Command, Event, Timer};
use crate::engine::connection::{Connection, Phase};
use crate::engine::queue::Payload;
use crate::error::Error;
use crate::prelude::*;

/// How often the watchdog ticks while waiting to reconnect with lifecycle on.
pub(super) const WATCHDOG_MS: u32 = 2_000;
/// A watchdog tick this late means the page slept (or its timers were frozen): a wake.
pub(super) const WAKE_LATENESS_MS: f64 = 10_000.0;

impl<M: Payload> Connection<M> {
    /// A connection ended without the user's close: reconnect if the policy (and the app's
    /// `shouldReconnect`, when it has one) allows, else close for good.
    pub(super) fn connection_ended(&mut self, error: Option<Error>, info: CloseInfo, now_ms: f64) {
        self.deadlines.clear(Timer::Connect);
        self.stop_heartbeat();
        self.end_framing();
        let min_uptime = self
            .backoff
            .as_ref()
            .map_or(0, |b| b.policy().min_uptime_ms);
        if let Some(opened_at) = self.opened_at_ms.take() {
            if now_ms - opened_at >= f64::from(min_uptime) {
                self.failed_attempts = 0;
            }
        }
        self.last_close = Some(info.clone());
        self.last_error = error.clone();
        let policy = self.backoff.as_ref().map(|backoff| backoff.policy());
        let retry = policy.is_some_and(|policy| {
            let final_code = info.has_close_frame() && policy.final_codes.contains(&info.code);
            !final_code && self.failed_attempts < policy.max_retries
        });
        if retry && policy.is_some_and(|policy| policy.consult) {
            self.phase = Phase::Consulting;
            let context = self.attempt_context(self.failed_attempts + 1);
            self.pending_end = Some((error, info));
            self.out.push_back(Command::ConsultReconnect(context));
        } else if retry {
            self.schedule_reconnect(error, info, now_ms);
        } else {
            self.give_up(error, info, now_ms);
        }
    }

    /// The app answered `shouldReconnect`.
    pub(super) fn verdict(&mut self, reconnect: bool, now_ms: f64) {
        if self.phase != Phase::Consulting {
            return;
        }
        let Some((error, info)) = self.pending_end.take() else {
            return;
        };
        if reconnect {
            self.schedule_reconnect(error, info, now_ms);
        } else {
            self.give_up(error, info, now_ms);
        }
    }

    pub(super) fn schedule_reconnect(
        &mut self,
        error: Option<Error>,
        info: CloseInfo,
        now_ms: f64,
    ) {
        let Some(backoff) = self.backoff.as_mut() else {
            return self.give_up(error, info, now_ms);
        };
        self.failed_attempts += 1;
        let delay_ms = backoff.delay_ms(self.failed_attempts);
        self.phase = Phase::Reconnecting;
        if let Some(error) = &error {
            self.emit(Event::Error(error.clone()));
        }
        if !(self.offline || self.frozen) {
            self.deadlines.set(Timer::Reconnect, now_ms, delay_ms);
            if self.lifecycle {
                self.deadlines.set(Timer::Watchdog, now_ms, WATCHDOG_MS);
            }
        }
        self.emit(Event::Reconnecting {
            attempt: self.failed_attempts,
            delay_ms,
            last_close: info,
            error,
        });
    }

    pub(super) fn give_up(&mut self, error: Option<Error>, info: CloseInfo, now_ms: f64) {
        match error {
            Some(error) => self.fail_with_queue(error),
            None if !self.queue.is_empty() => {
                let error = Error::ClosedWithUnsent {
                    url: self.url.clone(),
                    unsent: 0,
                };
                self.fail_with_queue(error);
            }
            None => {}
        }
        self.finish(info, now_ms);
    }

    /// The user's `reconnect()`: connect again now.
    pub(super) fn reconnect(&mut self, now_ms: f64) {
        match self.phase {
            Phase::Reconnecting | Phase::Consulting => {
                self.pending_end = None;
                self.frozen = false;
                self.connect(now_ms);
            }
            Phase::Open | Phase::RemoteClosing => {
                self.stop_heartbeat();
                self.opened_at_ms = None;
                self.out.push_back(Command::AbandonSocket);
                self.connect(now_ms);
            }
            // Already trying.
            Phase::Connecting => {}
            Phase::Closing => self.reopen_after_close = true,
            Phase::Closed => self.reopen(now_ms),
        }
    }

    /// A socket closed for good starts a new life, with its options and what is queued.
    pub(super) fn reopen(&mut self, now_ms: f64) {
        self.lives += 1;
        self.final_close = None;
        self.final_error = None;
        self.failed_attempts = 0;
        self.frozen = false;
        self.connect(now_ms);
    }

    /// The browser went offline: a pending attempt waits, uncounted, for online or a wake.
    pub(super) fn offline(&mut self) {
        if !self.lifecycle {
            return;
        }
        self.offline = true;
        if self.phase == Phase::Reconnecting {
            self.deadlines.clear(Timer::Reconnect);
            self.deadlines.clear(Timer::Watchdog);
        }
    }

    /// Online again, or the page woke: attempt now instead of waiting out the backoff; an
    /// open connection is probed, and replaced if it turns out dead.
    pub(super) fn wake(&mut self, now_ms: f64) {
        if !self.lifecycle {
            return;
        }
        self.frozen = false;
        match self.phase {
            Phase::Reconnecting if !self.offline => self.connect(now_ms),
            Phase::Open => self.probe(now_ms),
            _ => {}
        }
    }

    /// The page goes into the back/forward cache: close what is open (a page with an open
    /// socket is not cached) and wait, with the queue, for the page to be shown again.
    /// Browsers let a page close only with 1000 or 3000-4999, so it is 1000, "page hidden".
    pub(super) fn hide(&mut self) {
        if !self.lifecycle {
            return;
        }
        match self.phase {
            Phase::Open | Phase::RemoteClosing => {
                self.stop_heartbeat();
                self.end_framing();
                self.opened_at_ms = None;
                let request = CloseRequest {
                    code: 1000,
                    reason: "page hidden".to_owned(),
                };
                self.out.push_back(Command::CloseSocket(request));
                self.out.push_back(Command::AbandonSocket);
            }
            Phase::Connecting => {
                self.deadlines.clear(Timer::Connect);
                self.resolving = None;
                self.out.push_back(Command::AbandonSocket);
            }
            Phase::Reconnecting | Phase::Consulting => {}
            Phase::Closing | Phase::Closed => return,
        }
        if self.phase != Phase::Consulting {
            self.phase = Phase::Reconnecting;
        }
        self.frozen = true;
        self.deadlines.clear(Timer::Reconnect);
        self.deadlines.clear(Timer::Watchdog);
    }
}
