//! The heartbeat: its settings as the drivers read them (the message, the reply, whether
//! arrivals are watched at all), its transitions: sending it, and deciding from the real gaps
//! between what went out and what came back whether an open connection is dead.

use crate::engine::commands::{CloseInfo, Command, Timer};
use crate::engine::connection::Connection;
use crate::engine::frames::PING;
use crate::engine::queue::Payload;
use crate::error::Error;
use crate::prelude::*;

impl<M> Connection<M> {
    /// Whether a received text message is the server's answer to the heartbeat
    /// (`heartbeat.reply`), not to be dispatched.
    pub fn is_heartbeat_reply(&self, text: &str) -> bool {
        self.heartbeat_reply() == Some(text)
    }

    /// The heartbeat reply, if one is set.
    pub fn heartbeat_reply(&self) -> Option<&str> {
        self.heartbeat.as_ref().and_then(|h| h.reply.as_deref())
    }

    /// The heartbeat reply's length in UTF-16 units (a JS string's `length`), so the shell
    /// reads only messages of that length to compare them.
    pub fn heartbeat_reply_len(&self) -> Option<usize> {
        self.heartbeat_reply().map(|r| r.encode_utf16().count())
    }

    /// Whether [`Input::MessageReceived`](crate::engine::commands::Input::MessageReceived)
    /// changes anything: only the heartbeat watches plain messages arrive, so without one a
    /// driver may leave that input out of its hot path.
    pub fn notes_arrivals(&self) -> bool {
        self.heartbeat.is_some()
    }

    /// The heartbeat message, if heartbeats are on.
    pub fn heartbeat_message(&self) -> Option<&str> {
        self.heartbeat.as_ref().map(|h| h.message.as_str())
    }
}

impl<M: Payload> Connection<M> {
    /// The heartbeat's interval and timeout, if heartbeats are on.
    pub(super) fn heartbeat_times(&self) -> Option<(u32, u32)> {
        self.heartbeat
            .as_ref()
            .map(|h| (h.interval_ms, h.timeout_ms))
    }

    pub(super) fn send_heartbeat(&mut self, now_ms: f64) {
        // In a session the heartbeat is in-band: a ping the server answers, never the app.
        self.out.push_back(if self.session_framing() {
            Command::TransmitControl(PING.to_owned())
        } else {
            Command::SendHeartbeat
        });
        self.first_unanswered_ms.get_or_insert(now_ms);
    }

    /// Dead only when nothing arrived for `timeout_ms` and the server had its fair chance:
    /// `timeout_ms - interval_ms` since the first heartbeat it left unanswered. When our own
    /// timers were late (a throttled background tab, a sleep) and no heartbeat went out, one
    /// goes out now and the server gets that chance from now.
    pub(super) fn check_heartbeat(&mut self, now_ms: f64) {
        let Some((interval, timeout)) = self.heartbeat_times() else {
            return;
        };
        let grace = f64::from(timeout - interval);
        let silent_ms = now_ms - self.last_received_ms;
        // Rounded up by hand (`f64::ceil` is std's; the engine also builds without std).
        let recheck = |at: f64, now: f64| {
            let wait = at - now;
            let whole = wait as u32;
            (whole + u32::from(f64::from(whole) < wait)).max(1)
        };
        if silent_ms < f64::from(timeout) {
            let at = self.last_received_ms + f64::from(timeout);
            self.deadlines
                .set(Timer::HeartbeatCheck, now_ms, recheck(at, now_ms));
            return;
        }
        match self.first_unanswered_ms {
            Some(sent) if now_ms - sent >= grace => {
                let error = Error::HeartbeatTimeout {
                    url: self.url.clone(),
                    timeout_ms: timeout,
                    unsent: 0,
                };
                self.out.push_back(Command::AbandonSocket);
                self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms);
            }
            Some(sent) => {
                let at = sent + grace;
                self.deadlines
                    .set(Timer::HeartbeatCheck, now_ms, recheck(at, now_ms));
            }
            None => self.probe(now_ms),
        }
    }

    /// Asks an open connection for a sign of life now; without one within the grace time it
    /// is dead and replaced.
    pub(super) fn probe(&mut self, now_ms: f64) {
        let Some((interval, timeout)) = self.heartbeat_times() else {
            return;
        };
        self.first_unanswered_ms = None;
        self.send_heartbeat(now_ms);
        self.deadlines.set(Timer::HeartbeatSend, now_ms, interval);
        self.deadlines
            .set(Timer::HeartbeatCheck, now_ms, timeout - interval);
    }
}
