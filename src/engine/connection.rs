//! The connection state machine: what to do with a send, a close, an open and a close event.
//!
//! It holds no browser object. The shell feeds it what happened and carries out the answer.

use crate::engine::close::{validate_close, CloseRequest};
use crate::engine::queue::SendQueue;
use crate::error::Error;

/// The socket's state, numbered as the browser's `WebSocket.readyState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum ReadyState {
    /// Connecting: sends are queued.
    Connecting = 0,
    /// Open: sends go straight to the browser.
    Open = 1,
    /// Closing: `close()` was called (or the server began closing); sends are refused.
    Closing = 2,
    /// Closed for good: sends are refused with [`Error::Closed`].
    Closed = 3,
}

/// What to do with a message the user sent.
#[derive(Debug, PartialEq, Eq)]
pub enum SendAction<M> {
    /// Hand it to the browser now.
    Transmit(M),
    /// It waits in the queue until the socket opens.
    Queued,
}

/// What to do after the user called `close`.
#[derive(Debug, PartialEq, Eq)]
pub enum CloseAction {
    /// Close the browser socket now with this code and reason.
    CloseNow(CloseRequest),
    /// Messages are queued: close once they are flushed at open (see [`Connection::opened`]).
    AfterFlush,
    /// Already closing or closed: nothing to do (as with the browser's `close`).
    Nothing,
}

/// What to do once the browser socket opened.
#[derive(Debug, PartialEq, Eq)]
pub struct OpenAction<M> {
    /// The queued messages, oldest first, to hand to the browser now.
    pub flush: Vec<M>,
    /// A close the user asked for while connecting, to carry out after the flush.
    pub then_close: Option<CloseRequest>,
}

/// The state of one client connection, with its send queue.
///
/// ```
/// use duplex_ws::{Connection, ReadyState, SendAction};
/// let mut conn = Connection::new("ws://localhost:9900");
/// assert_eq!(conn.send("I am listening", |_| 14), Ok(SendAction::Queued));
/// let open = conn.opened();
/// assert_eq!(open.flush, ["I am listening"]);
/// assert_eq!(conn.ready_state(), ReadyState::Open);
/// assert_eq!(conn.send("now", |_| 3), Ok(SendAction::Transmit("now")));
/// ```
#[derive(Debug)]
pub struct Connection<M> {
    url: String,
    state: ReadyState,
    queue: SendQueue<M>,
    has_opened: bool,
    user_closed: bool,
    close_after_flush: Option<CloseRequest>,
}

impl<M> Connection<M> {
    /// A connection to `url` that is connecting.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            state: ReadyState::Connecting,
            queue: SendQueue::new(),
            has_opened: false,
            user_closed: false,
            close_after_flush: None,
        }
    }

    /// The URL this connection was opened with.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The current state.
    pub fn ready_state(&self) -> ReadyState {
        self.state
    }

    /// Bytes waiting in the send queue.
    pub fn queued_bytes(&self) -> usize {
        self.queue.bytes()
    }

    /// The user sends `message`; `wire_bytes` tells its length on the wire and is only
    /// asked when the message has to wait (so the open path never measures).
    ///
    /// Queued while connecting, transmitted while open, refused with [`Error::Closed`] once
    /// the user closed or the connection ended (browsers drop such data silently).
    pub fn send(
        &mut self,
        message: M,
        wire_bytes: impl FnOnce(&M) -> usize,
    ) -> Result<SendAction<M>, Error> {
        match self.state {
            ReadyState::Connecting => {
                let bytes = wire_bytes(&message);
                self.queue.push(message, bytes);
                Ok(SendAction::Queued)
            }
            ReadyState::Open => Ok(SendAction::Transmit(message)),
            ReadyState::Closing | ReadyState::Closed => Err(Error::Closed {
                url: self.url.clone(),
            }),
        }
    }

    /// The user asks to close with an optional code and reason (checked first).
    ///
    /// Messages the user queued before open are still delivered: the close waits for the
    /// open and the flush.
    pub fn close(&mut self, code: Option<u32>, reason: Option<&str>) -> Result<CloseAction, Error> {
        let request = validate_close(code, reason)?;
        let action = match self.state {
            ReadyState::Closing | ReadyState::Closed => return Ok(CloseAction::Nothing),
            ReadyState::Connecting if !self.queue.is_empty() => {
                self.close_after_flush = Some(request);
                CloseAction::AfterFlush
            }
            ReadyState::Connecting | ReadyState::Open => CloseAction::CloseNow(request),
        };
        self.user_closed = true;
        self.state = ReadyState::Closing;
        Ok(action)
    }

    /// The browser socket began closing (the server sent a close frame, or the connection
    /// is going down) before its `close` event: from now on sends are refused, not lost.
    pub fn remote_closing(&mut self) {
        if matches!(self.state, ReadyState::Connecting | ReadyState::Open) {
            self.state = ReadyState::Closing;
        }
    }

    /// The browser socket opened: flush the queue, then close if the user asked to.
    pub fn opened(&mut self) -> OpenAction<M> {
        self.has_opened = true;
        let then_close = self.close_after_flush.take();
        if then_close.is_none() {
            self.state = ReadyState::Open;
        }
        OpenAction {
            flush: self.queue.drain().collect(),
            then_close,
        }
    }

    /// The browser socket closed with `code`; returns the error to report, if it is one.
    ///
    /// A socket that never opened failed to connect, unless the user closed it before it
    /// could (and nothing queued was lost). An open socket that closed without a clean close
    /// handshake was lost. Messages still queued are counted in the error, never dropped
    /// silently.
    pub fn closed(&mut self, code: u16, was_clean: bool) -> Option<Error> {
        self.state = ReadyState::Closed;
        let unsent = self.queue.len();
        self.queue.drain().for_each(drop);
        self.close_after_flush = None;
        let url = self.url.clone();
        if !self.has_opened && (!self.user_closed || unsent > 0) {
            Some(Error::ConnectionFailed { url, code, unsent })
        } else if self.has_opened && !was_clean && !self.user_closed {
            Some(Error::ConnectionLost { url, code, unsent })
        } else {
            None
        }
    }
}

// Native only: the engine is tested with `cargo test`; proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn conn() -> Connection<&'static str> {
        Connection::new("ws://h/")
    }

    #[test]
    fn sends_after_close_are_refused_naming_the_url() {
        let mut c = conn();
        c.opened();
        assert!(matches!(c.close(None, None), Ok(CloseAction::CloseNow(_))));
        assert_eq!(c.ready_state(), ReadyState::Closing);
        let err = c.send("late", |_| 4).unwrap_err();
        assert_eq!(err.code(), "CLOSED");
        assert!(err.to_string().contains("ws://h/"));
        assert_eq!(c.closed(1000, true), None);
        assert_eq!(c.send("later", |_| 5).unwrap_err().code(), "CLOSED");
    }

    #[test]
    fn close_while_connecting_waits_for_the_queue_to_flush() {
        let mut c = conn();
        c.send("a", |_| 1).unwrap();
        assert_eq!(
            c.close(Some(3000), Some("done")),
            Ok(CloseAction::AfterFlush)
        );
        assert_eq!(c.send("b", |_| 1).unwrap_err().code(), "CLOSED");
        let open = c.opened();
        assert_eq!(open.flush, ["a"]);
        assert_eq!(
            open.then_close,
            Some(CloseRequest {
                code: 3000,
                reason: "done".into()
            })
        );
        assert_eq!(c.ready_state(), ReadyState::Closing);
        assert_eq!(c.closed(3000, true), None);
    }

    #[test]
    fn close_while_connecting_with_nothing_queued_closes_now() {
        let mut c = conn();
        assert!(matches!(c.close(None, None), Ok(CloseAction::CloseNow(_))));
        assert_eq!(c.close(None, None), Ok(CloseAction::Nothing));
        // The user gave up on it: no CONNECTION_FAILED for that.
        assert_eq!(c.closed(1006, false), None);
    }

    #[test]
    fn invalid_close_leaves_the_state_alone() {
        let mut c = conn();
        c.opened();
        assert_eq!(
            c.close(Some(1001), None).unwrap_err().code(),
            "INVALID_CLOSE_CODE"
        );
        assert_eq!(c.ready_state(), ReadyState::Open);
    }

    #[test]
    fn failed_handshake_reports_the_unsent_messages() {
        let mut c = conn();
        c.send("a", |_| 1).unwrap();
        c.send("b", |_| 1).unwrap();
        let err = c.closed(1006, false).unwrap();
        assert_eq!(
            err,
            Error::ConnectionFailed {
                url: "ws://h/".into(),
                code: 1006,
                unsent: 2
            }
        );
        assert!(err.to_string().contains("2 queued messages were not sent"));
        assert_eq!(c.queued_bytes(), 0);
    }

    #[test]
    fn unclean_close_of_an_open_socket_is_lost_and_a_clean_one_is_not() {
        let mut c = conn();
        c.opened();
        assert_eq!(c.closed(1006, false).unwrap().code(), "CONNECTION_LOST");
        let mut c = conn();
        c.opened();
        assert_eq!(c.closed(4000, true), None);
    }

    proptest! {
        /// Whatever is sent before open goes out at open, once, in order; after open, directly.
        #[test]
        fn sends_before_open_flush_in_order(before in 0usize..50, after in 0usize..50) {
            let mut c = Connection::new("ws://h/");
            for i in 0..before {
                prop_assert_eq!(c.send(i, |_| 1).unwrap(), SendAction::Queued);
            }
            prop_assert_eq!(c.queued_bytes(), before);
            let open = c.opened();
            prop_assert_eq!(open.flush, (0..before).collect::<Vec<_>>());
            prop_assert_eq!(open.then_close, None);
            for i in 0..after {
                prop_assert_eq!(c.send(i, |_| 1).unwrap(), SendAction::Transmit(i));
            }
            prop_assert_eq!(c.queued_bytes(), 0);
        }

        /// Once the remote side starts closing, nothing more is accepted or queued.
        #[test]
        fn remote_closing_refuses_sends(opened in any::<bool>(), queued in 0usize..5) {
            let mut c = Connection::new("ws://h/");
            for i in 0..queued {
                c.send(i, |_| 1).unwrap();
            }
            if opened {
                c.opened();
            }
            c.remote_closing();
            prop_assert_eq!(c.ready_state(), ReadyState::Closing);
            prop_assert_eq!(c.send(99, |_| 1).unwrap_err().code(), "CLOSED");
            let lost = if opened { 0 } else { queued };
            prop_assert_eq!(c.queued_bytes(), lost);
        }
    }
}
