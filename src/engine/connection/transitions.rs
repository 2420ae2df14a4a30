//! The transitions of the [`Connection`] state machine: what each input does in each phase.
//! Every one is total (an input that does not apply to a phase changes nothing) and none
//! leaves the Closed phase.

use crate::engine::close::validate_close;
use crate::engine::commands::{CloseInfo, Command, Event, Timer};
use crate::engine::connection::{Connection, Phase};
use crate::engine::queue::Payload;
use crate::error::{Error, UrlProblem};

impl<M: Payload> Connection<M> {
    pub(super) fn connect(&mut self, now_ms: f64) {
        self.phase = Phase::Connecting;
        self.connects += 1;
        self.out.push_back(Command::Connect);
        if let Some(ms) = self.connect_timeout_ms {
            self.deadlines.set(Timer::Connect, now_ms, ms);
        }
    }

    /// Queued while connecting and reconnecting, transmitted while open, refused once the
    /// user closed or the socket closed for good, and at a queue bound (overflow `error`).
    pub(super) fn send(&mut self, message: M) -> Result<(), Error> {
        let queue_it = match self.phase {
            Phase::Open => false,
            Phase::Connecting | Phase::Reconnecting => true,
            Phase::RemoteClosing if self.backoff.is_some() => true,
            Phase::RemoteClosing | Phase::Closing | Phase::Closed => {
                return Err(self.closed_error())
            }
        };
        if !queue_it {
            self.out.push_back(Command::Transmit(message));
            return Ok(());
        }
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
    pub(super) fn close(&mut self, code: Option<u32>, reason: Option<&str>) -> Result<(), Error> {
        let request = validate_close(code, reason)?;
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
            Phase::Connecting => {
                self.phase = Phase::Closing;
                self.deadlines.clear(Timer::Connect);
                self.out.push_back(Command::CloseSocket(request));
            }
            Phase::Reconnecting => {
                self.report_unsent();
                let info = CloseInfo {
                    code: request.code,
                    reason: request.reason,
                    was_clean: true,
                };
                self.finish(info);
            }
        }
        Ok(())
    }

    /// Flush the queue in order and start the heartbeat, or close if the user asked to
    /// while connecting. Only an attempt under way can open.
    pub(super) fn opened(&mut self, now_ms: f64) {
        let flush_then_close = self.phase == Phase::Closing && self.close_after_flush.is_some();
        if self.phase != Phase::Connecting && !flush_then_close {
            return;
        }
        self.deadlines.clear(Timer::Connect);
        self.has_opened = true;
        self.failed_attempts = 0;
        // Queued messages go first, so anything sent from the open handler comes after them.
        self.out.extend(self.queue.drain().map(Command::Transmit));
        if let Some(request) = self.close_after_flush.take() {
            self.out.push_back(Command::CloseSocket(request));
        } else {
            self.phase = Phase::Open;
            if let Some(heartbeat) = &self.heartbeat {
                self.last_received_ms = now_ms;
                let (interval, timeout) = (heartbeat.interval_ms, heartbeat.timeout_ms);
                self.deadlines.set(Timer::HeartbeatSend, now_ms, interval);
                self.deadlines.set(Timer::HeartbeatCheck, now_ms, timeout);
            }
        }
        self.emit(Event::Open);
    }

    pub(super) fn closed(&mut self, info: CloseInfo, now_ms: f64) {
        match self.phase {
            Phase::Connecting => {
                let error = Error::ConnectionFailed {
                    url: self.url.clone(),
                    code: info.code,
                    unsent: 0,
                };
                self.connection_ended(Some(error), info, now_ms);
            }
            Phase::Open | Phase::RemoteClosing => {
                let error = (!info.was_clean).then(|| Error::ConnectionLost {
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
                self.finish(info);
            }
            // No browser socket is current in these phases: nothing to do.
            Phase::Reconnecting | Phase::Closed => {}
        }
    }

    pub(super) fn refused(&mut self, reason: String, now_ms: f64) -> Result<(), Error> {
        if self.phase != Phase::Connecting {
            // Not the attempt under way (a refusal can only answer a Connect): ignore.
            return Ok(());
        }
        if self.connects > 1 || !self.queue.is_empty() {
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

    pub(super) fn timer_fired(&mut self, timer: Timer, now_ms: f64) {
        match (timer, self.phase) {
            (Timer::Connect, Phase::Connecting) => {
                self.out.push_back(Command::AbandonSocket);
                let error = self.connect_timeout();
                self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms);
            }
            (Timer::Connect, Phase::Closing) if self.close_after_flush.is_some() => {
                // The user closed before open and it never opened: what waited is lost.
                self.out.push_back(Command::AbandonSocket);
                self.close_after_flush = None;
                let error = self.connect_timeout();
                self.fail_with_queue(error);
                self.finish(CloseInfo::abnormal());
            }
            (Timer::Reconnect, Phase::Reconnecting) => self.connect(now_ms),
            (Timer::HeartbeatSend, Phase::Open) => {
                if let Some(interval) = self.heartbeat.as_ref().map(|h| h.interval_ms) {
                    self.out.push_back(Command::SendHeartbeat);
                    self.deadlines.set(Timer::HeartbeatSend, now_ms, interval);
                }
            }
            (Timer::HeartbeatCheck, Phase::Open) => {
                let Some(timeout_ms) = self.heartbeat.as_ref().map(|h| h.timeout_ms) else {
                    return;
                };
                let silent_ms = now_ms - self.last_received_ms;
                if silent_ms >= f64::from(timeout_ms) {
                    let error = Error::HeartbeatTimeout {
                        url: self.url.clone(),
                        timeout_ms,
                        unsent: 0,
                    };
                    self.out.push_back(Command::AbandonSocket);
                    self.connection_ended(Some(error), CloseInfo::abnormal(), now_ms);
                } else {
                    let left = (f64::from(timeout_ms) - silent_ms).ceil().max(1.0) as u32;
                    self.deadlines.set(Timer::HeartbeatCheck, now_ms, left);
                }
            }
            // A timer of a phase that has passed: nothing to do.
            _ => {}
        }
    }

    fn connect_timeout(&self) -> Error {
        Error::ConnectTimeout {
            url: self.url.clone(),
            timeout_ms: self.connect_timeout_ms.unwrap_or_default(),
            unsent: 0,
        }
    }

    /// A connection ended without the user's close: reconnect if the policy allows, else
    /// close for good. Either way `error` (if any) is reported, with the queued messages it
    /// left unsent when it ends the socket.
    fn connection_ended(&mut self, error: Option<Error>, info: CloseInfo, now_ms: f64) {
        self.deadlines.clear(Timer::Connect);
        self.stop_heartbeat();
        let retry = self.backoff.as_ref().is_some_and(|backoff| {
            let policy = backoff.policy();
            let final_code = info.was_clean && policy.final_codes.contains(&info.code);
            !final_code && self.failed_attempts < policy.max_retries
        });
        if let (true, Some(backoff)) = (retry, self.backoff.as_mut()) {
            self.failed_attempts += 1;
            let delay_ms = backoff.delay_ms(self.failed_attempts);
            self.phase = Phase::Reconnecting;
            if let Some(error) = error {
                self.emit(Event::Error(error));
            }
            self.deadlines.set(Timer::Reconnect, now_ms, delay_ms);
            self.emit(Event::Reconnecting {
                attempt: self.failed_attempts,
                delay_ms,
            });
            return;
        }
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
        self.finish(info);
    }

    /// Ends the socket with `error`, counting the queued messages it leaves unsent.
    fn fail_with_queue(&mut self, error: Error) {
        let error = error.with_unsent(self.queue.len());
        self.queue.drain().for_each(drop);
        self.final_error = Some(error.clone());
        self.emit(Event::Error(error));
    }

    /// Drops the queue, reporting it as `CLOSED` with the count when it was not empty.
    fn report_unsent(&mut self) {
        if !self.queue.is_empty() {
            let error = Error::ClosedWithUnsent {
                url: self.url.clone(),
                unsent: self.queue.len(),
            };
            self.queue.drain().for_each(drop);
            self.emit(Event::Error(error));
        }
    }

    fn stop_heartbeat(&mut self) {
        self.deadlines.clear(Timer::HeartbeatSend);
        self.deadlines.clear(Timer::HeartbeatCheck);
    }

    fn emit(&mut self, event: Event) {
        self.out.push_back(Command::Emit(event));
    }

    fn finish(&mut self, info: CloseInfo) {
        self.phase = Phase::Closed;
        self.deadlines.clear_all();
        self.final_close = Some(info.clone());
        self.emit(Event::Closed(info));
    }
}
