//! The connection state machine: what to do with a send, a close, an open, a close event
//! and a timer, across reconnects.
//!
//! It holds no browser object and no clock: the shell feeds it what happened (with the time
//! where it matters) and carries out the [`Command`]s it answers.

use crate::engine::backoff::Backoff;
use crate::engine::close::{validate_close, CloseRequest};
use crate::engine::commands::{CloseInfo, Command, Event, ReadyState, SendAction, Timer};
use crate::engine::options::{HeartbeatPolicy, Options};
use crate::engine::queue::SendQueue;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Open,
    /// The server began closing an open connection; its close event is still to come.
    RemoteClosing,
    Reconnecting,
    /// The user called close; the browser socket's close event is still to come.
    Closing,
    Closed,
}

/// The state of one logical connection, across its browser sockets, with its send queue.
///
/// ```
/// use duplex_ws::{Command, Connection, Options, ReadyState, SendAction};
/// let (mut conn, start) = Connection::new("ws://localhost:9900", Options::default(), 1);
/// assert_eq!(start, [Command::Connect]);
/// assert_eq!(conn.send("I am listening", |m| m.len()), Ok(SendAction::Queued { overflow: None }));
/// let commands = conn.opened(0.0);
/// assert!(commands.contains(&Command::Transmit("I am listening")));
/// assert_eq!(conn.ready_state(), ReadyState::Open);
/// ```
#[derive(Debug)]
pub struct Connection<M> {
    url: String,
    phase: Phase,
    queue: SendQueue<M>,
    connect_timeout_ms: Option<u32>,
    heartbeat: Option<HeartbeatPolicy>,
    backoff: Option<Backoff>,
    failed_attempts: u32,
    has_opened: bool,
    close_after_flush: Option<CloseRequest>,
    last_received_ms: f64,
    /// The error that ended the socket for good, if one did.
    final_error: Option<Error>,
    final_close: Option<CloseInfo>,
}

impl<M> Connection<M> {
    /// A connection to `url` (already validated) with validated `options`; `seed` feeds the
    /// backoff jitter. Returns the commands that start it.
    pub fn new(url: impl Into<String>, options: Options, seed: u64) -> (Self, Vec<Command<M>>) {
        let connection = Self {
            url: url.into(),
            phase: Phase::Connecting,
            queue: SendQueue::new(options.queue),
            connect_timeout_ms: options.connect_timeout_ms,
            heartbeat: options.heartbeat,
            backoff: options.reconnect.map(|policy| Backoff::new(policy, seed)),
            failed_attempts: 0,
            has_opened: false,
            close_after_flush: None,
            last_received_ms: 0.0,
            final_error: None,
            final_close: None,
        };
        let start = connection.connect_commands();
        (connection, start)
    }

    /// The URL this connection was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The current state.
    pub fn ready_state(&self) -> ReadyState {
        match self.phase {
            Phase::Connecting | Phase::Reconnecting => ReadyState::Connecting,
            Phase::Open => ReadyState::Open,
            Phase::RemoteClosing if self.backoff.is_some() => ReadyState::Connecting,
            Phase::RemoteClosing | Phase::Closing => ReadyState::Closing,
            Phase::Closed => ReadyState::Closed,
        }
    }

    /// Bytes waiting in the send queue.
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
    }

    /// Whether the queue is empty.
    pub fn queue_is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether a connection has opened at least once.
    pub fn has_opened(&self) -> bool {
        self.has_opened
    }

    /// How the socket closed for good, once it has.
    pub fn final_close(&self) -> Option<&CloseInfo> {
        self.final_close.as_ref()
    }

    /// The error that ended the socket for good, if one did (a failed first connection
    /// rejects `opened` with it).
    pub fn final_error(&self) -> Option<&Error> {
        self.final_error.as_ref()
    }

    /// The heartbeat message, if heartbeats are on.
    pub fn heartbeat_message(&self) -> Option<&str> {
        self.heartbeat.as_ref().map(|h| h.message.as_str())
    }

    /// Whether [`received`](Self::received) needs calling (only the heartbeat cares).
    pub fn wants_receive_times(&self) -> bool {
        self.heartbeat.is_some()
    }

    fn connect_commands(&self) -> Vec<Command<M>> {
        let mut out = vec![Command::Connect];
        if let Some(ms) = self.connect_timeout_ms {
            out.push(Command::StartTimer(Timer::Connect, ms));
        }
        out
    }

    /// The user sends `message`; `wire_bytes` tells its length on the wire and is only asked
    /// when the message has to wait (so the open path never measures).
    ///
    /// Queued while connecting and reconnecting, transmitted while open, refused with
    /// [`Error::Closed`] once the user closed or the socket closed for good, and with
    /// [`Error::QueueFull`] at a queue bound (overflow `error`).
    pub fn send(
        &mut self,
        message: M,
        wire_bytes: impl FnOnce(&M) -> usize,
    ) -> Result<SendAction<M>, Error> {
        match self.phase {
            Phase::Open => Ok(SendAction::Transmit(message)),
            Phase::Connecting | Phase::Reconnecting => self.enqueue(message, wire_bytes),
            Phase::RemoteClosing if self.backoff.is_some() => self.enqueue(message, wire_bytes),
            Phase::RemoteClosing | Phase::Closing | Phase::Closed => Err(Error::Closed {
                url: self.url.clone(),
            }),
        }
    }

    fn enqueue(
        &mut self,
        message: M,
        wire_bytes: impl FnOnce(&M) -> usize,
    ) -> Result<SendAction<M>, Error> {
        let bytes = wire_bytes(&message);
        let dropped = self.queue.push(message, bytes)?;
        let overflow = (dropped.messages > 0).then(|| Error::QueueOverflow {
            dropped_messages: dropped.messages,
            dropped_bytes: dropped.bytes,
            max_messages: self.queue.limits().max_messages,
            max_bytes: self.queue.limits().max_bytes,
        });
        Ok(SendAction::Queued { overflow })
    }

    /// The user asks to close with an optional code and reason (checked first). Never
    /// reconnects afterwards.
    ///
    /// Messages queued before the first open are still delivered: the close waits for the
    /// open and the flush. Messages queued while waiting to reconnect are not (no connection
    /// is coming): they are reported in an error event.
    pub fn close(
        &mut self,
        code: Option<u32>,
        reason: Option<&str>,
    ) -> Result<Vec<Command<M>>, Error> {
        let request = validate_close(code, reason)?;
        let mut out = Vec::new();
        match self.phase {
            Phase::Closing | Phase::Closed => {}
            Phase::Open | Phase::RemoteClosing => {
                self.phase = Phase::Closing;
                self.stop_heartbeat(&mut out);
                self.report_unsent(&mut out);
                out.push(Command::CloseSocket(request));
            }
            Phase::Connecting if !self.queue.is_empty() => {
                self.phase = Phase::Closing;
                self.close_after_flush = Some(request);
            }
            Phase::Connecting => {
                self.phase = Phase::Closing;
                out.push(Command::StopTimer(Timer::Connect));
                out.push(Command::CloseSocket(request));
            }
            Phase::Reconnecting => {
                out.push(Command::StopTimer(Timer::Reconnect));
                self.report_unsent(&mut out);
                self.finish(
                    CloseInfo {
                        code: request.code,
                        reason: request.reason,
                        was_clean: true,
                    },
                    &mut out,
                );
            }
        }
        Ok(out)
    }

    /// The current browser socket opened at `now_ms`: flush the queue in order, start the
    /// heartbeat, or close if the user asked to while connecting.
    pub fn opened(&mut self, now_ms: f64) -> Vec<Command<M>> {
        let mut out = vec![Command::StopTimer(Timer::Connect)];
        self.has_opened = true;
        self.failed_attempts = 0;
        // Queued messages go first, so anything sent from the open handler comes after them.
        out.extend(self.queue.drain().map(Command::Transmit));
        if let Some(request) = self.close_after_flush.take() {
            out.push(Command::CloseSocket(request));
        } else {
            self.phase = Phase::Open;
            if let Some(heartbeat) = &self.heartbeat {
                self.last_received_ms = now_ms;
                out.push(Command::StartTimer(
                    Timer::HeartbeatSend,
                    heartbeat.interval_ms,
                ));
                out.push(Command::StartTimer(
                    Timer::HeartbeatCheck,
                    heartbeat.timeout_ms,
                ));
            }
        }
        out.push(Command::Emit(Event::Open));
        out
    }

    /// A message arrived at `now_ms` (only needed with a heartbeat).
    pub fn received(&mut self, now_ms: f64) {
        self.last_received_ms = now_ms;
    }

    /// The browser began closing an open socket (the server sent a close frame) before its
    /// close event: sends now wait for the reconnect, or are refused if none will follow.
    pub fn remote_closing(&mut self) {
        if self.phase == Phase::Open {
            self.phase = Phase::RemoteClosing;
        }
    }

    /// The current browser socket closed.
    pub fn closed(&mut self, info: CloseInfo) -> Vec<Command<M>> {
        let mut out = Vec::new();
        match self.phase {
            Phase::Connecting => {
                let error = Error::ConnectionFailed {
                    url: self.url.clone(),
                    code: info.code,
                    unsent: 0,
                };
                self.connection_ended(Some(error), info, &mut out);
            }
            Phase::Open | Phase::RemoteClosing => {
                let error = (!info.was_clean).then(|| Error::ConnectionLost {
                    url: self.url.clone(),
                    code: info.code,
                    unsent: 0,
                });
                self.connection_ended(error, info, &mut out);
            }
            Phase::Closing => {
                out.push(Command::StopTimer(Timer::Connect));
                if self.close_after_flush.take().is_some() {
                    // The user closed before open and the socket never opened: what waited
                    // for it is lost, and said so.
                    let error = Error::ConnectionFailed {
                        url: self.url.clone(),
                        code: info.code,
                        unsent: self.queue.len(),
                    };
                    self.queue.drain().for_each(drop);
                    self.final_error = Some(error.clone());
                    out.push(Command::Emit(Event::Error(error)));
                }
                self.finish(info, &mut out);
            }
            // No browser socket is current in these phases: nothing to do.
            Phase::Reconnecting | Phase::Closed => {}
        }
        out
    }

    /// A timer fired at `now_ms`.
    pub fn timer_fired(&mut self, timer: Timer, now_ms: f64) -> Vec<Command<M>> {
        let mut out = Vec::new();
        match (timer, self.phase) {
            (Timer::Connect, Phase::Connecting) => {
                out.push(Command::AbandonSocket);
                let error = self.connect_timeout();
                self.connection_ended(Some(error), CloseInfo::abnormal(), &mut out);
            }
            (Timer::Connect, Phase::Closing) if self.close_after_flush.is_some() => {
                // The user closed before open and it never opened: what waited is lost.
                out.push(Command::AbandonSocket);
                self.close_after_flush = None;
                let error = self.connect_timeout().with_unsent(self.queue.len());
                self.queue.drain().for_each(drop);
                self.final_error = Some(error.clone());
                out.push(Command::Emit(Event::Error(error)));
                self.finish(CloseInfo::abnormal(), &mut out);
            }
            (Timer::Reconnect, Phase::Reconnecting) => {
                self.phase = Phase::Connecting;
                out.extend(self.connect_commands());
            }
            (Timer::HeartbeatSend, Phase::Open) => {
                if let Some(heartbeat) = &self.heartbeat {
                    out.push(Command::SendHeartbeat);
                    out.push(Command::StartTimer(
                        Timer::HeartbeatSend,
                        heartbeat.interval_ms,
                    ));
                }
            }
            (Timer::HeartbeatCheck, Phase::Open) => {
                if let Some(heartbeat) = &self.heartbeat {
                    let silent_ms = now_ms - self.last_received_ms;
                    let timeout_ms = heartbeat.timeout_ms;
                    if silent_ms >= f64::from(timeout_ms) {
                        let error = Error::HeartbeatTimeout {
                            url: self.url.clone(),
                            timeout_ms,
                            unsent: 0,
                        };
                        out.push(Command::AbandonSocket);
                        self.connection_ended(Some(error), CloseInfo::abnormal(), &mut out);
                    } else {
                        let left = (f64::from(timeout_ms) - silent_ms).ceil().max(1.0) as u32;
                        out.push(Command::StartTimer(Timer::HeartbeatCheck, left));
                    }
                }
            }
            // A timer of a phase that has passed: nothing to do.
            _ => {}
        }
        out
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
    fn connection_ended(
        &mut self,
        error: Option<Error>,
        info: CloseInfo,
        out: &mut Vec<Command<M>>,
    ) {
        out.push(Command::StopTimer(Timer::Connect));
        self.stop_heartbeat(out);
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
                out.push(Command::Emit(Event::Error(error)));
            }
            out.push(Command::StartTimer(Timer::Reconnect, delay_ms));
            out.push(Command::Emit(Event::Reconnecting {
                attempt: self.failed_attempts,
                delay_ms,
            }));
            return;
        }
        let unsent = self.queue.len();
        let error = match error {
            Some(error) => Some(error.with_unsent(unsent)),
            None if unsent > 0 => Some(Error::ClosedWithUnsent {
                url: self.url.clone(),
                unsent,
            }),
            None => None,
        };
        self.queue.drain().for_each(drop);
        if let Some(error) = error {
            self.final_error = Some(error.clone());
            out.push(Command::Emit(Event::Error(error)));
        }
        self.finish(info, out);
    }

    fn report_unsent(&mut self, out: &mut Vec<Command<M>>) {
        if !self.queue.is_empty() {
            let error = Error::ClosedWithUnsent {
                url: self.url.clone(),
                unsent: self.queue.len(),
            };
            self.queue.drain().for_each(drop);
            out.push(Command::Emit(Event::Error(error)));
        }
    }

    fn stop_heartbeat(&self, out: &mut Vec<Command<M>>) {
        if self.heartbeat.is_some() {
            out.push(Command::StopTimer(Timer::HeartbeatSend));
            out.push(Command::StopTimer(Timer::HeartbeatCheck));
        }
    }

    fn finish(&mut self, info: CloseInfo, out: &mut Vec<Command<M>>) {
        self.phase = Phase::Closed;
        self.final_close = Some(info.clone());
        out.push(Command::Emit(Event::Closed(info)));
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "connection_tests.rs"]
mod tests;
