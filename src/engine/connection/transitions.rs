//! The transitions of the [`Connection`] state machine: what each input does in each phase.
//! Every one is total (an input that does not apply to a phase changes nothing), and only
//! the user's explicit `reconnect()` leaves the Closed phase.

use crate::engine::close::validate_close;
use crate::engine::commands::{CloseInfo, Command, Event, Timer};
use crate::engine::connection::{Connection, Phase};
use crate::engine::options::validate_protocols;
use crate::engine::queue::Payload;
use crate::engine::url::validate_url;
use crate::error::{Error, UrlProblem};
use crate::prelude::*;

use crate::engine::connection::reconnects::{WAKE_LATENESS_MS, WATCHDOG_MS};

impl<M: Payload> Connection<M> {
    /// Starts an attempt: the shell finds out where it goes ([`Command::Connect`]).
    pub(super) fn connect(&mut self, now_ms: f64) {
        // Whatever connection there was is gone: no session frames until the next opens.
        self.end_framing();
        self.phase = Phase::Connecting;
        self.connects += 1;
        self.resolving = Some(self.connects);
        self.deadlines.clear(Timer::Reconnect);
        self.deadlines.clear(Timer::Watchdog);
        let context = self.attempt_context(self.failed_attempts);
        self.out.push_back(Command::Connect {
            id: self.connects,
            context,
        });
        if let Some(ms) = self.connect_timeout_ms {
            self.deadlines.set(Timer::Connect, now_ms, ms);
        }
    }

    /// Attempt `id`'s target arrived (or its provider failed): open the socket, or fail the
    /// attempt. A target of an attempt that has ended is stale and changes nothing.
    pub(super) fn target(
        &mut self,
        id: u32,
        target: Result<(String, Vec<String>), Error>,
        now_ms: f64,
    ) {
        let current = matches!(self.phase, Phase::Connecting | Phase::Closing);
        if !current || self.resolving != Some(id) {
            return;
        }
        self.resolving = None;
        let checked = target.and_then(|(url, protocols)| {
            validate_protocols(&protocols)?;
            Ok((validate_url(&url)?, protocols))
        });
        match checked {
            Ok((url, protocols)) => {
                // Errors from here on name the URL this attempt goes to.
                self.url.clone_from(&url);
                let protocols = self.offered_protocols(protocols);
                self.out.push_back(Command::OpenSocket { url, protocols });
            }
            Err(error) if self.phase == Phase::Connecting => {
                self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms)
            }
            Err(error) => {
                // Closing before the first open, with a queue to flush: it never will be.
                self.close_after_flush = None;
                self.deadlines.clear(Timer::Connect);
                self.fail_with_queue(error);
                self.finish(CloseInfo::abnormal(), now_ms);
            }
        }
    }

    /// Queued while connecting and reconnecting, transmitted while open, refused once the
    /// user closed or the socket closed for good, and at a queue bound (overflow `error`).
    pub(super) fn send(&mut self, message: M) -> Result<(), Error> {
        let queue_it = match self.phase {
            Phase::Open => false,
            Phase::Connecting | Phase::Reconnecting | Phase::Consulting => true,
            Phase::RemoteClosing if self.backoff.is_some() => true,
            Phase::RemoteClosing | Phase::Closing | Phase::Closed => {
                return Err(self.closed_error())
            }
        };
        if !queue_it && self.session.is_some() {
            return self.send_in_session(message);
        }
        if !queue_it {
            self.out.push_back(Command::Transmit(message));
            return Ok(());
        }
        self.enqueue(message)
    }

    /// Queues `message`, reporting what overflow `drop-oldest` dropped for it.
    pub(super) fn enqueue(&mut self, message: M) -> Result<(), Error> {
        let bytes = message.wire_bytes();
        let dropped = self.queue.push(message, bytes)?;
        if dropped.messages > 0 {
            let limits = self.queue.limits();
            let error = Error::QueueOverflow {
                dropped_messages: dropped.messages,
                dropped_bytes: dropped.bytes,
                max_messages: limits.max_messages,
                max_bytes: limits.max_bytes,
            };
            self.emit(Event::Error(error));
        }
        Ok(())
    }

    /// Never reconnects afterwards. Messages queued before the first open are still
    /// delivered: the close waits for the open and the flush. Messages queued while waiting
    /// to reconnect are not (no connection is coming): they are reported in an error event.
    pub(super) fn close(
        &mut self,
        code: Option<u32>,
        reason: Option<&str>,
        now_ms: f64,
    ) -> Result<(), Error> {
        let request = validate_close(code, reason)?;
        self.reopen_after_close = false;
        let info = CloseInfo {
            code: request.code,
            reason: request.reason.clone(),
            was_clean: true,
        };
        match self.phase {
            Phase::Closing | Phase::Closed => {}
            Phase::Open | Phase::RemoteClosing => {
                self.phase = Phase::Closing;
                self.stop_heartbeat();
                self.report_unsent();
                self.out.push_back(Command::CloseSocket(request));
            }
            Phase::Connecting if !self.queue.is_empty() => {
                self.phase = Phase::Closing;
                self.close_after_flush = Some(request);
            }
            // No browser socket yet: nothing to close.
            Phase::Connecting if self.resolving.is_some() => {
                self.resolving = None;
                self.finish(info, now_ms);
            }
            Phase::Connecting => {
                self.phase = Phase::Closing;
                self.deadlines.clear(Timer::Connect);
                self.out.push_back(Command::CloseSocket(request));
            }
            Phase::Reconnecting | Phase::Consulting => {
                self.pending_end = None;
                self.report_unsent();
                self.finish(info, now_ms);
            }
        }
        Ok(())
    }

    /// Flush the queue in order and start the heartbeat, or close if the user asked to
    /// while connecting. Only an attempt whose socket exists can open.
    pub(super) fn opened(&mut self, now_ms: f64) {
        let flush_then_close = self.phase == Phase::Closing && self.close_after_flush.is_some();
        if (self.phase != Phase::Connecting && !flush_then_close) || self.resolving.is_some() {
            return;
        }
        self.deadlines.clear(Timer::Connect);
        self.has_opened = true;
        self.opened_at_ms = Some(now_ms);
        if self
            .backoff
            .as_ref()
            .is_some_and(|b| b.policy().min_uptime_ms == 0)
        {
            self.failed_attempts = 0;
        }
        // Queued messages go first, so anything sent from the open handler comes after them.
        self.flush_on_open();
        if let Some(request) = self.close_after_flush.take() {
            // The user closed while connecting: the queue goes out, then the close. No `open`
            // event: a handler would find the socket closing (a WebSocket never fires `open`
            // after `close()`); those who wait for the first open learn it at the close.
            self.out.push_back(Command::CloseSocket(request));
            return;
        }
        self.phase = Phase::Open;
        if let Some(heartbeat) = &self.heartbeat {
            self.last_received_ms = now_ms;
            self.first_unanswered_ms = None;
            let (interval, timeout) = (heartbeat.interval_ms, heartbeat.timeout_ms);
            self.deadlines.set(Timer::HeartbeatSend, now_ms, interval);
            self.deadlines.set(Timer::HeartbeatCheck, now_ms, timeout);
        }
        if !self.session_selected() {
            self.emit(Event::Open);
        }
    }

    pub(super) fn closed(&mut self, info: CloseInfo, now_ms: f64) {
        if self.resolving.is_some() {
            // No browser socket is current: a stale event.
            return;
        }
        match self.phase {
            Phase::Connecting => {
                if self.retry_plain(now_ms) {
                    return;
                }
                let error = Error::ConnectionFailed {
                    url: self.url.clone(),
                    code: info.code,
                    unsent: 0,
                };
                self.connection_ended(Some(error), info, now_ms);
            }
            Phase::Open | Phase::RemoteClosing => {
                let error = (!info.has_close_frame()).then(|| Error::ConnectionLost {
                    url: self.url.clone(),
                    code: info.code,
                    unsent: 0,
                });
                self.connection_ended(error, info, now_ms);
            }
            Phase::Closing => {
                self.deadlines.clear(Timer::Connect);
                if self.close_after_flush.take().is_some() {
                    // The user closed before open and the socket never opened: what waited
                    // for it is lost, and said so.
                    let error = Error::ConnectionFailed {
                        url: self.url.clone(),
                        code: info.code,
                        unsent: 0,
                    };
                    self.fail_with_queue(error);
                }
                self.finish(info, now_ms);
            }
            // No browser socket is current in these phases: nothing to do.
            Phase::Reconnecting | Phase::Consulting | Phase::Closed => {}
        }
    }

    pub(super) fn refused(&mut self, reason: String, now_ms: f64) -> Result<(), Error> {
        if self.phase != Phase::Connecting || self.resolving.is_some() {
            // Not the attempt under way (a refusal can only answer an OpenSocket): ignore.
            return Ok(());
        }
        if self.connects > 1 || !self.queue.is_empty() || self.lives > 0 {
            // A later attempt, or one that already holds the user's messages: a failed
            // attempt like any other, which reports what it leaves unsent.
            self.closed(CloseInfo::abnormal(), now_ms);
            return Ok(());
        }
        let error = Error::InvalidUrl {
            url: self.url.clone(),
            problem: UrlProblem::Browser(reason),
        };
        self.deadlines.clear_all();
        self.out.clear();
        self.phase = Phase::Closed;
        self.final_error = Some(error.clone());
        self.final_close = Some(CloseInfo::abnormal());
        Err(error)
    }

    pub(super) fn timer_fired(&mut self, timer: Timer, due_ms: f64, now_ms: f64) {
        match (timer, self.phase) {
            (Timer::Connect, Phase::Connecting) => {
                self.out.push_back(Command::AbandonSocket);
                self.resolving = None;
                let error = self.connect_timeout();
                self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms);
            }
            (Timer::Connect, Phase::Closing) if self.close_after_flush.is_some() => {
                // The user closed before open and it never opened: what waited is lost.
                self.out.push_back(Command::AbandonSocket);
                self.resolving = None;
                self.close_after_flush = None;
                let error = self.connect_timeout();
                self.fail_with_queue(error);
                self.finish(CloseInfo::abnormal(), now_ms);
            }
            (Timer::Reconnect, Phase::Reconnecting) => self.connect(now_ms),
            (Timer::Watchdog, Phase::Reconnecting) => {
                if now_ms - due_ms >= WAKE_LATENESS_MS {
                    self.wake(now_ms);
                } else {
                    self.deadlines.set(Timer::Watchdog, now_ms, WATCHDOG_MS);
                }
            }
            (Timer::HeartbeatSend, Phase::Open) => {
                if let Some(interval) = self.heartbeat.as_ref().map(|h| h.interval_ms) {
                    self.send_heartbeat(now_ms);
                    self.deadlines.set(Timer::HeartbeatSend, now_ms, interval);
                }
            }
            (Timer::HeartbeatCheck, Phase::Open) => self.check_heartbeat(now_ms),
            (Timer::Ack, _) => self.acknowledge(),
            // A timer of a phase that has passed: nothing to do.
            _ => {}
        }
    }

    pub(super) fn connect_timeout(&self) -> Error {
        Error::ConnectTimeout {
            url: self.url.clone(),
            timeout_ms: self.connect_timeout_ms.unwrap_or_default(),
            unsent: 0,
        }
    }

    /// Everything queued goes out, oldest first (a loop: `extend` with the iterator's size
    /// hints costs the npm package's wasm twice the code).
    pub(super) fn transmit_queue(&mut self) {
        for message in self.queue.drain() {
            self.out.push_back(Command::Transmit(message));
        }
    }

    pub(super) fn fail_with_queue(&mut self, error: Error) {
        let error = error.with_unsent(self.queue.len());
        self.queue.clear();
        self.final_error = Some(error.clone());
        self.emit(Event::Error(error));
    }

    /// Drops the queue, reporting it as `CLOSED` with the count of messages never sent when
    /// there were any (a session's messages in flight went out before the close frame).
    pub(super) fn report_unsent(&mut self) {
        let unsent = self.queue.waiting();
        self.queue.clear();
        if unsent > 0 {
            let error = Error::ClosedWithUnsent {
                url: self.url.clone(),
                unsent,
            };
            self.emit(Event::Error(error));
        }
    }

    pub(super) fn stop_heartbeat(&mut self) {
        self.deadlines.clear(Timer::HeartbeatSend);
        self.deadlines.clear(Timer::HeartbeatCheck);
    }

    pub(super) fn emit(&mut self, event: Event) {
        self.out.push_back(Command::Emit(event));
    }

    pub(super) fn finish(&mut self, info: CloseInfo, now_ms: f64) {
        self.end_framing();
        self.phase = Phase::Closed;
        self.deadlines.clear_all();
        self.final_close = Some(info.clone());
        self.emit(Event::Closed(info));
        if core::mem::take(&mut self.reopen_after_close) {
            self.reopen(now_ms);
        }
    }
}
